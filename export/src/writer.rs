//! Streaming a dataset into one output: batches are read, encoded and written one at a
//! time, so memory is one batch (and its encoded bytes) whatever the dataset's size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_dataset::Dataset;
use breachlab_schema::{Table, events as e};

use crate::{Encoder, ExportError, Format};

/// Where an export goes.
pub enum Output {
    /// Standard output (`--out -`).
    Stdout(BufWriter<std::io::Stdout>),
    /// A file, written under a temporary name in its folder and renamed on [`Output::finish`].
    /// Dropped unfinished (an error, Ctrl-C), the temporary file is removed.
    File {
        path: PathBuf,
        temp: BufWriter<tempfile::NamedTempFile>,
    },
}

impl Output {
    /// Opens `path` (`-` is stdout). An existing file is refused unless `force`.
    pub fn create(path: &Path, force: bool) -> Result<Output, ExportError> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )));
        }
        let fail = |message: String| ExportError::Output {
            path: path.to_path_buf(),
            message,
        };
        if path.is_dir() {
            return Err(fail(
                "is a folder: give a file name, e.g. DIR/events.jsonl".into(),
            ));
        }
        if path.exists() && !force {
            return Err(fail(
                "already exists: pass --force to replace it, or choose another --out".into(),
            ));
        }
        let name = path
            .file_name()
            .ok_or_else(|| fail("has no file name: give a file path".into()))?;
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !parent.is_dir() {
            return Err(fail(format!(
                "its folder {} does not exist: create it first, or choose another --out",
                parent.display()
            )));
        }
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".partial")
            .tempfile_in(parent)
            .map_err(|source| ExportError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        Ok(Output::File {
            path: path.to_path_buf(),
            temp: BufWriter::with_capacity(1 << 20, temp),
        })
    }

    fn path(&self) -> PathBuf {
        match self {
            Output::Stdout(_) => PathBuf::from("standard output"),
            Output::File { path, .. } => path.clone(),
        }
    }

    /// Writes `bytes`. `Ok(false)` when stdout was closed by its reader (`| head`):
    /// nothing more is wanted.
    pub fn write(&mut self, bytes: &[u8]) -> Result<bool, ExportError> {
        let result = match self {
            Output::Stdout(w) => w.write_all(bytes),
            Output::File { temp, .. } => temp.write_all(bytes),
        };
        self.check(result)
    }

    fn check(&self, result: std::io::Result<()>) -> Result<bool, ExportError> {
        match result {
            Ok(()) => Ok(true),
            Err(e)
                if e.kind() == std::io::ErrorKind::BrokenPipe
                    && matches!(self, Output::Stdout(_)) =>
            {
                Ok(false)
            }
            Err(source) => Err(ExportError::Io {
                path: self.path(),
                source,
            }),
        }
    }

    /// Flushes, syncs and renames the temporary file onto the output path.
    pub fn finish(self) -> Result<(), ExportError> {
        match self {
            Output::Stdout(mut w) => match w.flush() {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ExportError::Io {
                    path: PathBuf::from("standard output"),
                    source: e,
                }),
                _ => Ok(()),
            },
            Output::File { path, temp } => {
                let io = |source| ExportError::Io {
                    path: path.clone(),
                    source,
                };
                let temp = temp.into_inner().map_err(|e| io(e.into_error()))?;
                temp.as_file().sync_all().map_err(io)?;
                temp.persist(&path).map_err(|e| io(e.error))?;
                if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    // The rename itself on disk; a folder that cannot be opened or synced
                    // (some file systems) leaves the file complete all the same.
                    if let Ok(dir) = File::open(dir) {
                        dir.sync_all().ok();
                    }
                }
                Ok(())
            }
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: Format,
    pub with_truth: bool,
    /// Rows per batch read (never changes the output).
    pub batch_rows: usize,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportSummary {
    pub events: u64,
    pub bytes: u64,
}

/// Streams the dataset's events (with truth in lockstep when `with_truth`) in time
/// order through the encoder into `output`. `progress` is told the events written so
/// far after each batch; `cancel` is checked between batches. The output is finished
/// (renamed into place) only when every event is written.
pub fn export_dataset(
    dataset: &Dataset,
    options: &ExportOptions,
    mut output: Output,
    progress: &dyn Fn(u64),
    cancel: &AtomicBool,
) -> Result<ExportSummary, ExportError> {
    if options.with_truth && !options.format.carries_truth() {
        return Err(ExportError::TruthNotSupported(options.format.name()));
    }
    let encoder = Encoder::new(options.format, dataset.manifest.breachlab_version.clone());
    let batch_rows = options.batch_rows.max(1);
    let events = dataset.batches(Table::Events, &[], batch_rows);
    let mut truth = options
        .with_truth
        .then(|| dataset.batches(Table::Truth, &[], batch_rows));
    let mut summary = ExportSummary::default();
    let mut previous: Option<i64> = None;
    let mut buffer = Vec::new();
    for batch in events {
        if cancel.load(Ordering::Relaxed) {
            return Err(ExportError::Interrupted);
        }
        let batch = batch?;
        let ids = batch
            .column_by_name(e::EVENT_ID)
            .and_then(|c| c.as_primitive_opt::<Int64Type>())
            .ok_or_else(|| ExportError::MissingColumn {
                table: Table::Events.name(),
                column: e::EVENT_ID.to_string(),
            })?;
        for &id in ids.values().iter() {
            if let Some(previous) = previous.filter(|&p| id <= p) {
                return Err(ExportError::OutOfOrder {
                    event_id: id,
                    previous,
                });
            }
            previous = Some(id);
        }
        let truth_batch = match truth.as_mut() {
            None => None,
            Some(reader) => Some(
                reader
                    .next()
                    .ok_or_else(|| ExportError::Lockstep("truth ended before events".into()))??,
            ),
        };
        buffer.clear();
        encoder.encode(&batch, truth_batch.as_ref(), &mut buffer)?;
        if !output.write(&buffer)? {
            return Ok(summary);
        }
        summary.events += batch.num_rows() as u64;
        summary.bytes += buffer.len() as u64;
        progress(summary.events);
    }
    if let Some(mut reader) = truth
        && reader.next().is_some()
    {
        return Err(ExportError::Lockstep(
            "truth has more rows than events".into(),
        ));
    }
    output.finish()?;
    Ok(summary)
}
