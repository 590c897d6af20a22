//! Streaming a dataset into one output: batches are read, encoded and written one at a
//! time, so memory is one batch (and its encoded bytes) whatever the dataset's size.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_dataset::Dataset;
use breachlab_dataset::output::{Existing, OutputError, OutputFile};
use breachlab_schema::{Table, events as e};

use crate::{Encoder, ExportError, Format};

/// Where an export goes: a file, a device or FIFO, or stdout (`-`), opened through
/// [`OutputFile`] so a device is streamed into and a regular file appears only when whole.
pub struct Output(OutputFile);

impl Output {
    /// Opens `path` (`-` is stdout). An existing regular file is refused unless `force`.
    pub fn create(path: &Path, force: bool) -> Result<Output, ExportError> {
        let existing = if force {
            Existing::Replace
        } else {
            Existing::Refuse
        };
        OutputFile::create(path, existing)
            .map(Output)
            .map_err(ExportError::from)
    }

    fn path(&self) -> PathBuf {
        if self.0.is_stdout() {
            PathBuf::from("standard output")
        } else {
            self.0.path().to_path_buf()
        }
    }

    /// Writes `bytes`. `Ok(false)` when stdout was closed by its reader (`| head`):
    /// nothing more is wanted.
    pub fn write(&mut self, bytes: &[u8]) -> Result<bool, ExportError> {
        let result = self.0.write_all(bytes);
        self.check(result)
    }

    fn check(&self, result: std::io::Result<()>) -> Result<bool, ExportError> {
        match result {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && self.0.is_stdout() => Ok(false),
            Err(source) => Err(ExportError::Io {
                path: self.path(),
                source,
            }),
        }
    }

    /// Flushes; a regular file is synced and renamed onto the output path.
    pub fn finish(self) -> Result<(), ExportError> {
        let stdout = self.0.is_stdout();
        match self.0.finish() {
            Err(OutputError::Io { source, .. })
                if stdout && source.kind() == std::io::ErrorKind::BrokenPipe =>
            {
                Ok(())
            }
            other => other.map_err(ExportError::from),
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
        encoder
            .encode(&batch, truth_batch.as_ref(), &mut buffer)
            .map_err(|error| match error {
                ExportError::Lockstep(message) => ExportError::Lockstep(format!(
                    "{message}, in the batch from row {} of {} and {}",
                    summary.events,
                    dataset.file_at_row(Table::Events, summary.events).display(),
                    dataset.file_at_row(Table::Truth, summary.events).display()
                )),
                other => other,
            })?;
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
