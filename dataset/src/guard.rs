//! A damaged Parquet file must give an error, not a crash.
//!
//! The parquet crate trusts the pages it decodes: some corruptions (a flipped bit in a
//! page header or a dictionary) make it panic ("Decoder for dict should have been set")
//! instead of returning an error. Every read of Parquet data in breachlab goes through
//! [`catch_decode_panic`], which turns such a panic into a message, and [`decode_fully`]
//! then tells the user which column of which row group is damaged.
//!
//! A caught panic is not printed: the hook installed once here stays silent while the
//! current thread is inside [`catch_decode_panic`], and hands every other panic to the
//! hook that was there before.

use crate::error::DatasetError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use std::cell::Cell;
use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Once;

thread_local! {
    /// True while this thread runs inside [`catch_decode_panic`].
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

fn install_quiet_hook() {
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `work`; a panic inside it becomes `Err` with the panic's message.
pub fn catch_decode_panic<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    let was_catching = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(work));
    CATCHING.with(|c| c.set(was_catching));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the Parquet decoder failed".to_string())
    })
}

/// Where a Parquet file's data cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub column: String,
    pub row_group: usize,
    pub message: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "column `{}`, row group {}: cannot be decoded ({})",
            self.column, self.row_group, self.message
        )
    }
}

/// What decoding a whole file found.
#[derive(Debug)]
pub enum DecodeOutcome {
    /// Every column of every row group decoded: the rows it holds.
    Complete { rows: u64 },
    /// The first column chunk that does not decode, or decodes to the wrong row count.
    Damaged(Damage),
}

/// Decodes every column chunk of the Parquet file at `path`, one column of one row group
/// at a time, so that damage is pinned to its column and row group. `Err` only when the
/// file cannot be opened or its footer read.
pub fn decode_fully(path: &Path) -> Result<DecodeOutcome, DatasetError> {
    let file = File::open(path).map_err(|e| DatasetError::io(path, e))?;
    let metadata =
        catch_decode_panic(|| ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()))
            .map_err(|panic| DatasetError::parquet(path, panic))?
            .map_err(|e| DatasetError::parquet(path, e))?;
    let parquet = metadata.metadata();
    let schema = parquet.file_metadata().schema_descr_ptr();
    let mut rows = 0u64;
    for (row_group, group) in parquet.row_groups().iter().enumerate() {
        let expected = u64::try_from(group.num_rows()).unwrap_or(0);
        for (column, descriptor) in schema.columns().iter().enumerate() {
            let damaged = |message: String| {
                DecodeOutcome::Damaged(Damage {
                    column: descriptor.path().string(),
                    row_group,
                    message,
                })
            };
            let chunk = file.try_clone().map_err(|e| DatasetError::io(path, e))?;
            let decoded = catch_decode_panic(|| -> Result<u64, String> {
                let reader =
                    ParquetRecordBatchReaderBuilder::new_with_metadata(chunk, metadata.clone())
                        .with_row_groups(vec![row_group])
                        .with_projection(ProjectionMask::leaves(&schema, [column]))
                        .with_batch_size(1 << 16)
                        .build()
                        .map_err(|e| e.to_string())?;
                let mut rows = 0u64;
                for batch in reader {
                    rows += batch.map_err(|e| e.to_string())?.num_rows() as u64;
                }
                Ok(rows)
            });
            match decoded {
                Ok(Ok(n)) if n == expected => {}
                Ok(Ok(n)) => {
                    return Ok(damaged(format!(
                        "{n} rows decoded, the footer says {expected}"
                    )));
                }
                Ok(Err(message)) | Err(message) => return Ok(damaged(message)),
            }
        }
        rows += expected;
    }
    Ok(DecodeOutcome::Complete { rows })
}

/// The error for a read of `path` that failed with `message` (an error or a caught panic
/// of the decoder): pinned to a column and row group when decoding the file again finds
/// where.
pub fn undecodable(path: &std::path::Path, message: String) -> DatasetError {
    match decode_fully(path) {
        Ok(DecodeOutcome::Damaged(damage)) => DatasetError::Damaged {
            path: path.to_path_buf(),
            column: damage.column,
            row_group: damage.row_group,
            message: damage.message,
        },
        _ => DatasetError::parquet(path, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_the_thread_goes_on() {
        let caught =
            catch_decode_panic(|| -> u32 { panic!("Decoder for dict should have been set") });
        assert_eq!(
            caught,
            Err("Decoder for dict should have been set".to_string())
        );
        let formatted = catch_decode_panic(|| -> u32 { panic!("row {}", 7) });
        assert_eq!(formatted, Err("row 7".to_string()));
        assert_eq!(catch_decode_panic(|| 5), Ok(5));
    }
}
