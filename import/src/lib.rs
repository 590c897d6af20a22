//! `breachlab import`: a real gateway's access log as a breachlab dataset, so that the
//! detectors and the harness can run on the user's own traffic.
//!
//! The pipeline, one module each:
//! - [`input`] opens each log (a file or standard input, plain or gzip) and hashes the
//!   bytes as read, so the manifest names the sources by SHA-256 without their contents;
//! - [`parse`] turns one line of a format into a [`Record`] (what the format lacks is
//!   `None`), or says why the line is bad;
//! - [`routes`] infers the route template and target id of a path (or takes them from a
//!   route map);
//! - [`pseudonym`] replaces addresses, principals and API keys by keyed hashes;
//! - [`dataset`] sorts the events by time and hands them to [`rows`], which writes
//!   events, truth and manifest (as [`plant`] does for a planted dataset);
//! - [`spill`] is the external sort [`dataset`] uses for a log larger than a chunk.
//!
//! Memory: events are parsed and sorted [`ImportOptions::chunk_events`] at a time; a
//! larger log is spilled to disk in sorted runs and merged, so an import's memory is
//! bounded by the chunk whatever the log's size (docs/import.md). `plant` streams the
//! imported events twice (their shape, then the merge) and holds only the planted ones.

pub mod dataset;
pub mod input;
pub mod parse;
pub mod plant;
pub mod pseudonym;
pub mod routes;
pub mod rows;
pub mod spill;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use dataset::{ImportSummary, import_logs};
pub use parse::{LogFormat, Record};
pub use plant::{PlantError, PlantOptions, PlantSummary, plant};
pub use routes::RouteMap;

/// What an import reads and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: LogFormat,
    pub route_map: RouteMap,
    /// The key of the keyed hash that replaces identities; `None` keeps them.
    pub pseudonymize_key: Option<Vec<u8>>,
    /// More bad lines than this stops the import.
    pub max_bad_lines: u64,
    /// A safety limit on the events of the whole import (`None`: no limit); more is an
    /// error.
    pub max_events: Option<u64>,
    /// Events parsed and sorted in memory at a time; a larger log is sorted in runs
    /// spilled to a temporary folder. The output does not depend on it.
    pub chunk_events: usize,
    /// Set (by a signal handler) to stop the import: it ends with
    /// [`ImportError::Interrupted`], its temporary files removed.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl ImportOptions {
    /// The options of a plain import of `format`: inferred routes, real identities, no
    /// bad line allowed, no event limit, the default chunk.
    pub fn new(format: LogFormat) -> ImportOptions {
        ImportOptions {
            format,
            route_map: RouteMap::default(),
            pseudonymize_key: None,
            max_bad_lines: 0,
            max_events: None,
            chunk_events: DEFAULT_CHUNK_EVENTS,
            cancel: None,
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    }
}

/// The default limit on the planted events `plant` holds in memory: about 3 GB at the
/// ~300 bytes an event takes.
pub const DEFAULT_MAX_EVENTS: usize = 10_000_000;

/// The default chunk of an import: about 0.5 GB of parsed events at a time.
pub const DEFAULT_CHUNK_EVENTS: usize = 1_000_000;

/// A line that could not be read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub source: String,
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} line {}: {}", self.source, self.line, self.reason)
    }
}

/// Why an import failed; each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("reading {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "more than {limit} bad lines (the first: {}): check the log's format, or allow more bad lines",
        first.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    TooManyBadLines { limit: u64, first: Vec<BadLine> },
    #[error("more than {limit} events: the import's event limit stops it; raise the limit")]
    TooManyEvents { limit: u64 },
    #[error("interrupted: nothing was written")]
    Interrupted,
    #[error("no event was read from the logs ({bad} bad lines)")]
    Empty { bad: u64 },
    #[error("route map {}: line {line}: {reason}", path.display())]
    RouteMap {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error(transparent)]
    Dataset(#[from] breachlab_dataset::DatasetError),
    #[error("writing {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}
