//! breachlab's exports: a dataset's events as JSON lines, Elastic Common Schema, OCSF
//! HTTP Activity or combined access-log lines, for tools that read those and not Parquet.
//!
//! Two layers:
//! - [`Encoder`] turns one `events` batch (and optionally its `truth` batch) into bytes,
//!   one line per event; pure, no I/O.
//! - [`writer`] streams a dataset batch by batch through an encoder into an [`Output`]
//!   (a file written under a temporary name and renamed when complete, or stdout), so
//!   memory stays bounded at any scale.
//!
//! The field mapping of every format is in `docs/export.md`.

mod columns;
mod encode;
mod json;
pub mod text;
pub mod writer;

use std::path::PathBuf;

pub use encode::{ECS_VERSION, Encoder, Format, OCSF_VERSION, ocsf_activity};
pub use writer::{ExportOptions, ExportSummary, Output, export_dataset};

/// Why an export failed; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "the {table} batch has no column `{column}`: export reads datasets written by `breachlab generate`"
    )]
    MissingColumn { table: &'static str, column: String },
    #[error(
        "the {table} column `{column}` is {found}, expected {expected}: export reads datasets written by `breachlab generate`"
    )]
    ColumnType {
        table: &'static str,
        column: String,
        found: String,
        expected: String,
    },
    #[error("events and truth are out of step ({0}): check the dataset with `breachlab verify`")]
    Lockstep(String),
    #[error("labels need a JSON format (jsonl, ecs, ocsf); `{0}` lines cannot carry them")]
    TruthNotSupported(&'static str),
    #[error(
        "events are not in time order at event_id {event_id} (after {previous}): check the dataset with `breachlab verify`"
    )]
    OutOfOrder { event_id: i64, previous: i64 },
    #[error(transparent)]
    Output(#[from] breachlab_dataset::output::OutputError),
    #[error("writing {}: {source}{hint}", path.display(), hint = io_hint(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Dataset(#[from] breachlab_dataset::DatasetError),
    #[error("export was interrupted: no output file was left behind")]
    Interrupted,
}

/// Names the likely cause of a write error a user can fix.
fn io_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            " (the disk is full: free space or write elsewhere)"
        }
        std::io::ErrorKind::FileTooLarge => {
            " (a file reached the file-size limit: raise `ulimit -f`)"
        }
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            " (no permission to write there: write elsewhere)"
        }
        _ => "",
    }
}
