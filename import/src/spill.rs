//! The external sort behind `import`: events are sorted a chunk at a time, each chunk
//! spilled as a sorted run (an Arrow IPC file in a temporary folder), and the runs merged
//! back in time order, so memory is bounded by the chunk size whatever the log's size.
//!
//! Order: a chunk is sorted stably by time, the runs are consecutive parts of the input,
//! and the merge breaks ties of time by run, so the merged order is exactly the one a
//! stable sort of the whole log by time gives (events of the same time keep the order of
//! the logs) whatever the chunk size. More runs than [`FAN_IN`] are first merged in
//! consecutive groups into longer runs, which keeps that property and bounds the batches
//! held at once by the merge.
//!
//! The temporary folder is removed when the [`Runs`] are dropped: on success, on an
//! error, and on an interrupt (the caller stops through its cancel flag).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_ipc::reader::FileReader;
use arrow_ipc::writer::FileWriter;
use breachlab_dataset::{DatasetError, layout};

use crate::ImportError;
use crate::rows::{EventRow, event_rows, events_batch};

/// Rows per batch of a run file: the merge holds one decoded batch per run.
pub const RUN_BATCH_ROWS: usize = 4096;
/// Runs merged at once; more are merged in groups first.
pub const FAN_IN: usize = 64;

/// Sorted runs spilled to a temporary folder (removed when dropped).
pub struct Runs {
    dir: tempfile::TempDir,
    files: Vec<PathBuf>,
    written: usize,
}

fn run_error(path: &Path, e: impl std::fmt::Display) -> ImportError {
    ImportError::Dataset(DatasetError::invalid(
        path,
        format!("temporary sorted run: {e} (check free disk space beside the output)"),
    ))
}

fn write_error(path: &Path) -> impl FnOnce(std::io::Error) -> ImportError {
    let path = path.to_path_buf();
    move |source| ImportError::Write { path, source }
}

impl Runs {
    /// A temporary folder for the runs in `parent` (the output's parent folder).
    pub fn create(parent: &Path) -> Result<Runs, ImportError> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}sort-", layout::PARTIAL_PREFIX))
            .tempdir_in(parent)
            .map_err(write_error(parent))?;
        Ok(Runs {
            dir,
            files: Vec::new(),
            written: 0,
        })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn new_file(&mut self) -> PathBuf {
        self.written += 1;
        self.dir
            .path()
            .join(format!("run-{:06}.arrow", self.written))
    }

    /// Spills `rows` (already in order) as the next run.
    pub fn spill(&mut self, rows: impl Iterator<Item = EventRow>) -> Result<(), ImportError> {
        let path = self.new_file();
        let mut writer = RunWriter::create(&path)?;
        for row in rows {
            writer.push(row)?;
        }
        writer.finish()?;
        self.files.push(path);
        Ok(())
    }

    /// Every run merged in order, as one stream of rows; with more than [`FAN_IN`] runs,
    /// consecutive groups are first merged into longer runs (checking `cancelled`).
    pub fn merged(&mut self, cancelled: &dyn Fn() -> bool) -> Result<Merge, ImportError> {
        while self.files.len() > FAN_IN {
            let mut longer = Vec::new();
            let groups: Vec<Vec<PathBuf>> =
                self.files.chunks(FAN_IN).map(<[PathBuf]>::to_vec).collect();
            for group in groups {
                let path = self.new_file();
                let mut writer = RunWriter::create(&path)?;
                for (n, row) in Merge::open(&group)?.enumerate() {
                    if n % RUN_BATCH_ROWS == 0 && cancelled() {
                        return Err(ImportError::Interrupted);
                    }
                    writer.push(row?)?;
                }
                writer.finish()?;
                for file in &group {
                    let _ = std::fs::remove_file(file);
                }
                longer.push(path);
            }
            self.files = longer;
        }
        Merge::open(&self.files)
    }
}

/// Writes one run: rows in batches of [`RUN_BATCH_ROWS`].
struct RunWriter {
    path: PathBuf,
    writer: FileWriter<BufWriter<File>>,
    pending: Vec<EventRow>,
}

impl RunWriter {
    fn create(path: &Path) -> Result<RunWriter, ImportError> {
        let file = File::create(path).map_err(write_error(path))?;
        let writer = FileWriter::try_new(
            BufWriter::with_capacity(1 << 16, file),
            &Arc::new(breachlab_schema::imported_events_schema()),
        )
        .map_err(|e| run_error(path, e))?;
        Ok(RunWriter {
            path: path.to_path_buf(),
            writer,
            pending: Vec::with_capacity(RUN_BATCH_ROWS),
        })
    }

    fn push(&mut self, row: EventRow) -> Result<(), ImportError> {
        self.pending.push(row);
        if self.pending.len() == RUN_BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if !self.pending.is_empty() {
            let batch = events_batch(&self.pending)?;
            self.writer
                .write(&batch)
                .map_err(|e| run_error(&self.path, e))?;
            self.pending.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), ImportError> {
        self.flush()?;
        self.writer.finish().map_err(|e| run_error(&self.path, e))
    }
}

/// Reads one run back, a batch at a time.
struct RunReader {
    path: PathBuf,
    reader: FileReader<BufReader<File>>,
    rows: std::vec::IntoIter<EventRow>,
}

impl RunReader {
    fn open(path: &Path) -> Result<RunReader, ImportError> {
        let file = File::open(path).map_err(|source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let reader = FileReader::try_new(BufReader::with_capacity(1 << 16, file), None)
            .map_err(|e| run_error(path, e))?;
        Ok(RunReader {
            path: path.to_path_buf(),
            reader,
            rows: Vec::new().into_iter(),
        })
    }

    fn next_row(&mut self) -> Result<Option<EventRow>, ImportError> {
        loop {
            if let Some(row) = self.rows.next() {
                return Ok(Some(row));
            }
            match self.reader.next() {
                None => return Ok(None),
                Some(batch) => {
                    let batch = batch.map_err(|e| run_error(&self.path, e))?;
                    self.rows = event_rows(&batch).into_iter();
                }
            }
        }
    }
}

/// The k-way merge of runs: rows by (time, run), each run's rows in their order.
pub struct Merge {
    readers: Vec<RunReader>,
    /// The next row of each run not yet exhausted, keyed by (time, run).
    heads: BinaryHeap<Reverse<(i64, usize)>>,
    next: Vec<Option<EventRow>>,
}

impl Merge {
    fn open(files: &[PathBuf]) -> Result<Merge, ImportError> {
        let mut merge = Merge {
            readers: Vec::with_capacity(files.len()),
            heads: BinaryHeap::with_capacity(files.len()),
            next: Vec::with_capacity(files.len()),
        };
        for (run, file) in files.iter().enumerate() {
            let mut reader = RunReader::open(file)?;
            let first = reader.next_row()?;
            if let Some(row) = &first {
                merge.heads.push(Reverse((row.ts_us, run)));
            }
            merge.readers.push(reader);
            merge.next.push(first);
        }
        Ok(merge)
    }

    fn next_row(&mut self) -> Result<Option<EventRow>, ImportError> {
        let Some(Reverse((_, run))) = self.heads.pop() else {
            return Ok(None);
        };
        let row = self.next[run]
            .take()
            .expect("a run in the heap has a next row");
        if let Some(following) = self.readers[run].next_row()? {
            self.heads.push(Reverse((following.ts_us, run)));
            self.next[run] = Some(following);
        }
        Ok(Some(row))
    }
}

impl Iterator for Merge {
    type Item = Result<EventRow, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}
