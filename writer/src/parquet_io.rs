//! Parquet settings and a file writer that hashes what it writes.
//!
//! Settings: zstd, statistics per column chunk (except on `path`, `user_agent`,
//! `client_ip` (whose text order is not address order) and the accounts' names, street,
//! city, email and phone: their min/max prune nothing and cost a string comparison per
//! row), dictionary encoding for repeating strings (left off for the
//! near-unique `path`, `event_id` and `ts` and the accounts' unique identifiers), delta
//! encoding for the increasing `event_id` and `ts` (about a tenth of the bytes to
//! compress, files ~7% smaller; every mainstream reader decodes it, Spark from 3.3),
//! bounded row groups, a fixed `created_by`, and the manifest header in the key-value
//! metadata.

use crate::text_statistics::TextStatistics;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use breachlab_dataset::DatasetError;
use breachlab_dataset::digest::hex;
pub use breachlab_dataset::layout::MANIFEST_KEY;
use breachlab_schema::{accounts, events, truth};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;

/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// Increasing integer columns, delta-encoded.
pub const DELTA_ENCODED: [&str; 2] = [events::EVENT_ID, events::TS];
/// Near-unique columns: a dictionary would only grow until the writer falls back.
pub const WITHOUT_DICTIONARY: [&str; 8] = [
    events::EVENT_ID,
    events::TS,
    events::PATH,
    accounts::ACCOUNT_ID,
    accounts::ACCOUNT_NUMBER,
    accounts::STREET,
    accounts::EMAIL,
    accounts::PHONE,
];
/// Columns whose min/max prune nothing, at a string comparison per row.
pub const WITHOUT_STATISTICS: [&str; 9] = [
    events::PATH,
    events::USER_AGENT,
    events::CLIENT_IP,
    accounts::FIRST_NAME,
    accounts::LAST_NAME,
    accounts::STREET,
    accounts::CITY,
    accounts::EMAIL,
    accounts::PHONE,
];

/// Text columns whose values repeat from a short list: their chunk statistics are kept
/// by value, not by row (the table writer compares each distinct value of a batch once,
/// not each row); the file is the same.
pub const STATISTICS_BY_VALUE: [&str; 10] = [
    events::IP_KIND,
    events::COUNTRY,
    events::CLIENT_KIND,
    events::API_KEY_ID,
    events::METHOD,
    events::ROUTE,
    truth::PHASE,
    truth::OWASP_API,
    truth::OAT,
    truth::ATTACK_TECHNIQUE,
];

/// Writer properties shared by every table.
pub fn properties(manifest_header: &str) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("zstd level 1 exists"),
        ))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_dictionary_enabled(true)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("breachlab {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            MANIFEST_KEY.to_string(),
            manifest_header.to_string(),
        )]));
    for column in DELTA_ENCODED {
        builder = builder.set_column_encoding(column.into(), Encoding::DELTA_BINARY_PACKED);
    }
    for column in WITHOUT_DICTIONARY {
        builder = builder.set_column_dictionary_enabled(column.into(), false);
    }
    for column in WITHOUT_STATISTICS {
        builder = builder.set_column_statistics_enabled(column.into(), EnabledStatistics::None);
    }
    builder.build()
}

/// A `Write` that hashes everything passing through.
struct HashingWriter {
    inner: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What a finished file holds.
#[derive(Debug, Clone)]
pub struct WrittenFile {
    pub path: PathBuf,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// One Parquet file being written, its columns encoded side by side.
///
/// It writes what [`ArrowWriter`] writes (row groups of at most the properties'
/// row count, a batch split where one fills up, every column chunk appended in schema
/// order), but a batch's columns are encoded as separate rayon tasks. A column chunk's
/// bytes depend on its column alone, so the file is the same whichever thread encodes
/// which column; an idle worker takes columns of a busy one's batch, which keeps both
/// cores busy at the end of a run, when one file is left to write.
pub struct TableWriter {
    path: PathBuf,
    file: SerializedFileWriter<HashingWriter>,
    row_groups: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// Per column, whether its chunk statistics are kept by value (the writer keeps none
    /// then).
    by_value: Vec<bool>,
    open: Option<RowGroup>,
    rows: u64,
}

/// The row group being encoded.
struct RowGroup {
    columns: Vec<OpenColumn>,
    rows: usize,
}

/// One column chunk being encoded.
struct OpenColumn {
    writer: ArrowColumnWriter,
    by_value: Option<TextStatistics>,
    nullable: bool,
}

impl OpenColumn {
    fn write(&mut self, field: &Field, array: &ArrayRef) -> parquet::errors::Result<()> {
        if let Some(statistics) = &mut self.by_value {
            statistics.add(array.as_ref())?;
        }
        for leaf in compute_leaves(field, array)? {
            self.writer.write(&leaf)?;
        }
        Ok(())
    }

    /// The finished chunk (its last page encoded and compressed), with the statistics
    /// kept by value in its metadata.
    fn close(self, props: &WriterProperties) -> parquet::errors::Result<ArrowColumnChunk> {
        let mut chunk = self.writer.close()?;
        if let Some(statistics) = self.by_value {
            let close = chunk.close_mut();
            close.metadata = statistics.into_metadata(
                close.metadata.clone(),
                self.nullable,
                props.statistics_truncate_length(),
            )?;
        }
        Ok(chunk)
    }
}

impl TableWriter {
    /// A writer of `schema`'s flat tables (one Parquet column per field).
    pub fn create(
        path: &Path,
        schema: SchemaRef,
        props: WriterProperties,
    ) -> Result<Self, DatasetError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| DatasetError::io(parent, e))?;
        }
        let file = File::create(path).map_err(|e| DatasetError::io(path, e))?;
        let sink = HashingWriter {
            inner: BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        let (props, by_value) = statistics_kept_by_value(&schema, props);
        // Made through `ArrowWriter` so that the file's schema and key-value metadata (the
        // Arrow schema among them) are exactly what it writes.
        let (file, row_groups) = ArrowWriter::try_new(sink, schema.clone(), Some(props))
            .and_then(ArrowWriter::into_serialized_writer)
            .map_err(|e| DatasetError::parquet(path, e))?;
        if file.schema_descr().num_columns() != schema.fields().len() {
            return Err(DatasetError::parquet(
                path,
                "a table writer writes flat schemas only: one column per field",
            ));
        }
        Ok(TableWriter {
            path: path.to_path_buf(),
            file,
            row_groups,
            schema,
            by_value,
            open: None,
            rows: 0,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), DatasetError> {
        self.rows += batch.num_rows() as u64;
        let row_group_rows = self
            .file
            .properties()
            .max_row_group_row_count()
            .unwrap_or(usize::MAX);
        let mut remaining = batch.clone();
        while remaining.num_rows() > 0 {
            let mut open = match self.open.take() {
                Some(open) => open,
                None => self.new_row_group()?,
            };
            let taken = remaining.num_rows().min(row_group_rows - open.rows);
            let part = remaining.slice(0, taken);
            remaining = remaining.slice(taken, remaining.num_rows() - taken);
            encode_columns(&self.schema, &mut open.columns, &part)
                .map_err(|e| writer_error(&self.path, e))?;
            open.rows += taken;
            let full = open.rows >= row_group_rows;
            self.open = Some(open);
            if full {
                self.flush_row_group()?;
            }
        }
        Ok(())
    }

    fn new_row_group(&self) -> Result<RowGroup, DatasetError> {
        let index = self.file.flushed_row_groups().len();
        let writers = self
            .row_groups
            .create_column_writers(index)
            .map_err(|e| DatasetError::parquet(&self.path, e))?;
        let columns = writers
            .into_iter()
            .zip(&self.by_value)
            .zip(self.schema.fields())
            .map(|((writer, &by_value), field)| OpenColumn {
                writer,
                by_value: by_value.then(TextStatistics::default),
                nullable: field.is_nullable(),
            })
            .collect();
        Ok(RowGroup { columns, rows: 0 })
    }

    /// Appends the open row group's column chunks to the file, in schema order.
    fn flush_row_group(&mut self) -> Result<(), DatasetError> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        let path = &self.path;
        let props = self.file.properties();
        // Closing a column encodes and compresses its last page: side by side too.
        let chunks = open
            .columns
            .into_par_iter()
            .map(|column| column.close(props))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| writer_error(path, e))?;
        let mut row_group = self
            .file
            .next_row_group()
            .map_err(|e| writer_error(path, e))?;
        for chunk in chunks {
            chunk
                .append_to_row_group(&mut row_group)
                .map_err(|e| writer_error(path, e))?;
        }
        row_group.close().map_err(|e| writer_error(path, e))?;
        Ok(())
    }

    /// Closes the file and waits until it is on disk.
    pub fn finish(self) -> Result<WrittenFile, DatasetError> {
        let (written, file) = self.close()?;
        file.sync_all()
            .map_err(|e| DatasetError::io(&written.path, e))?;
        Ok(written)
    }

    /// Closes the file and hands it to `syncer` to be put on disk.
    pub fn finish_with(self, syncer: &Syncer) -> Result<WrittenFile, DatasetError> {
        let (written, file) = self.close()?;
        syncer.sync(written.path.clone(), file);
        Ok(written)
    }

    fn close(mut self) -> Result<(WrittenFile, File), DatasetError> {
        self.flush_row_group()?;
        let TableWriter {
            path, file, rows, ..
        } = self;
        let mut sink = file.into_inner().map_err(|e| writer_error(&path, e))?;
        sink.flush().map_err(|e| DatasetError::io(&path, e))?;
        let file = sink
            .inner
            .into_inner()
            .map_err(|e| DatasetError::io(&path, e.into_error()))?;
        let written = WrittenFile {
            path,
            rows,
            bytes: sink.bytes,
            sha256: hex(&sink.hasher.finalize()),
        };
        Ok((written, file))
    }
}

/// Encodes each column of `batch` with its writer, the columns as separate rayon tasks.
fn encode_columns(
    schema: &Schema,
    columns: &mut [OpenColumn],
    batch: &RecordBatch,
) -> parquet::errors::Result<()> {
    columns
        .par_iter_mut()
        .zip(schema.fields().par_iter())
        .zip(batch.columns().par_iter())
        .try_for_each(|((column, field), array)| column.write(field, array))
}

/// `props` with the writer's statistics off for the text columns of `schema` named in
/// [`STATISTICS_BY_VALUE`] that have chunk statistics, and which columns those are.
fn statistics_kept_by_value(
    schema: &Schema,
    props: WriterProperties,
) -> (WriterProperties, Vec<bool>) {
    let taken_over = |field: &Field| {
        STATISTICS_BY_VALUE.contains(&field.name().as_str())
            && *field.data_type() == DataType::Utf8
            && props.statistics_enabled(&ColumnPath::from(field.name().as_str()))
                == EnabledStatistics::Chunk
    };
    let by_value: Vec<bool> = schema
        .fields()
        .iter()
        .map(|field| taken_over(field))
        .collect();
    let mut builder = props.clone().into_builder();
    for (field, &kept) in schema.fields().iter().zip(&by_value) {
        if kept {
            builder = builder.set_column_statistics_enabled(
                field.name().as_str().into(),
                EnabledStatistics::None,
            );
        }
    }
    (builder.build(), by_value)
}

/// Puts finished files on disk from a thread of its own, so that the workers never wait
/// on the disk; [`Syncer::wait`] returns once every file handed over is on disk.
pub struct Syncer {
    files: Sender<(PathBuf, File)>,
    thread: JoinHandle<Result<(), DatasetError>>,
}

impl Syncer {
    pub fn start() -> Self {
        let (files, received) = channel::<(PathBuf, File)>();
        let thread = std::thread::spawn(move || {
            let mut first_error = None;
            for (path, file) in received {
                if first_error.is_none()
                    && let Err(e) = file.sync_all()
                {
                    first_error = Some(DatasetError::io(&path, e));
                }
            }
            first_error.map_or(Ok(()), Err)
        });
        Syncer { files, thread }
    }

    fn sync(&self, path: PathBuf, file: File) {
        // The thread only stops once `self` is gone, so the send cannot fail.
        let _ = self.files.send((path, file));
    }

    /// Waits until every file handed over is on disk; the first failure if any.
    pub fn wait(self) -> Result<(), DatasetError> {
        let Syncer { files, thread } = self;
        drop(files);
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// A writer error as an I/O error when it is one (disk full, file-size limit), so that
/// callers can tell the user what to fix.
fn writer_error(path: &Path, e: parquet::errors::ParquetError) -> DatasetError {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => DatasetError::io(path, *io),
                Err(other) => DatasetError::parquet(path, other),
            }
        }
        other => DatasetError::parquet(path, other),
    }
}

/// Writes one batch as a whole file.
pub fn write_file(
    path: &Path,
    batch: &RecordBatch,
    props: WriterProperties,
) -> Result<WrittenFile, DatasetError> {
    let mut writer = TableWriter::create(path, batch.schema(), props)?;
    writer.write(batch)?;
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use breachlab_schema::Table;

    /// A misspelt name in the lists would silently leave the column at the defaults.
    #[test]
    fn every_column_named_in_the_settings_exists_in_a_table() {
        let named = DELTA_ENCODED
            .iter()
            .chain(&WITHOUT_DICTIONARY)
            .chain(&WITHOUT_STATISTICS)
            .chain(&STATISTICS_BY_VALUE);
        for name in named {
            assert!(
                Table::ALL.iter().any(|table| table.has_column(name)),
                "{name} is no column of any table"
            );
        }
    }

    #[test]
    fn the_settings_apply_to_the_named_columns() {
        use parquet::schema::types::ColumnPath;
        let props = properties("{}");
        for name in WITHOUT_DICTIONARY {
            assert!(!props.dictionary_enabled(&ColumnPath::from(name)), "{name}");
        }
        for name in WITHOUT_STATISTICS {
            assert_eq!(
                props.statistics_enabled(&ColumnPath::from(name)),
                EnabledStatistics::None,
                "{name}"
            );
        }
        for name in DELTA_ENCODED {
            assert_eq!(
                props.encoding(&ColumnPath::from(name)),
                Some(Encoding::DELTA_BINARY_PACKED),
                "{name}"
            );
        }
        let city = ColumnPath::from(accounts::CITY);
        assert!(props.dictionary_enabled(&city));
    }
}
