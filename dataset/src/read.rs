//! Reading a dataset: its manifest, and its tables as Arrow batches in time order.

use crate::error::DatasetError;
use crate::guard::catch_decode_panic;
use crate::layout;
use crate::manifest::Manifest;
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use breachlab_schema::{SCHEMA_VERSION, Table};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An opened dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub root: PathBuf,
    pub manifest: Manifest,
}

impl Dataset {
    /// Opens `root` by its manifest; checks the schema version.
    pub fn open(root: &Path) -> Result<Dataset, DatasetError> {
        let manifest = read_manifest(root)?;
        let path = root.join(layout::MANIFEST);
        if manifest.schema_version != SCHEMA_VERSION {
            return Err(DatasetError::invalid(
                &path,
                format!(
                    "schema_version {} but this breachlab reads {SCHEMA_VERSION}: use the breachlab version that wrote it ({})",
                    manifest.schema_version, manifest.breachlab_version
                ),
            ));
        }
        Ok(Dataset {
            root: root.to_path_buf(),
            manifest,
        })
    }

    /// Files of `table` (a [`Table`](breachlab_schema::Table) or its name), in time order.
    pub fn files(&self, table: impl AsRef<str>) -> Vec<PathBuf> {
        self.manifest
            .files_of(table.as_ref())
            .map(|f| self.root.join(&f.path))
            .collect()
    }

    /// The file of `table` that holds row `row` (counted from 0 across the table's files
    /// in time order, by the manifest's row counts): what an error about that row names.
    /// The table's folder when the row is past the last file.
    pub fn file_at_row(&self, table: impl AsRef<str>, row: u64) -> PathBuf {
        let table = table.as_ref();
        let mut first = 0u64;
        for file in self.manifest.files_of(table) {
            if row < first + file.rows {
                return self.root.join(&file.path);
            }
            first += file.rows;
        }
        self.root.join(table)
    }

    /// Batches of `table` in time order, `batch_rows` rows at most each, with only the
    /// named columns (all when `columns` is empty).
    pub fn batches(
        &self,
        table: impl AsRef<str>,
        columns: &[&str],
        batch_rows: usize,
    ) -> TableBatches {
        TableBatches {
            files: self.files(table).into_iter().rev().collect(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            batch_rows,
            dictionary_strings: false,
            current: None,
            opening: None,
        }
    }

    /// The whole `campaigns` table.
    pub fn campaigns(&self) -> Result<Vec<RecordBatch>, DatasetError> {
        self.batches(Table::Campaigns, &[], 1 << 16).collect()
    }
}

/// Iterator over a table's batches across its files.
pub struct TableBatches {
    files: Vec<PathBuf>,
    columns: Vec<String>,
    batch_rows: usize,
    dictionary_strings: bool,
    current: Option<(
        PathBuf,
        parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    )>,
    /// The file last opened, named when opening it panics.
    opening: Option<PathBuf>,
}

impl TableBatches {
    /// Hands string columns over as dictionaries of `Utf8` (keys `Int32`) instead of
    /// `Utf8`: the Parquet pages already are dictionaries, so the reader skips copying
    /// every value and a consumer can work once per distinct value.
    pub fn with_dictionary_strings(mut self) -> Self {
        self.dictionary_strings = true;
        self
    }

    /// Ends the iteration after an error: a reader that failed (or panicked) is not
    /// asked again.
    fn stop(&mut self) {
        self.current = None;
        self.files.clear();
    }

    fn open_next(&mut self) -> Result<bool, DatasetError> {
        let Some(path) = self.files.pop() else {
            return Ok(false);
        };
        self.opening = Some(path.clone());
        let file = File::open(&path).map_err(|e| DatasetError::io(&path, e))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| DatasetError::parquet(&path, corrupt(e)))?;
        let metadata = if self.dictionary_strings {
            let options =
                ArrowReaderOptions::new().with_schema(dictionary_schema(metadata.schema()));
            ArrowReaderMetadata::try_new(Arc::clone(metadata.metadata()), options)
                .map_err(|e| DatasetError::parquet(&path, e))?
        } else {
            metadata
        };
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
        let builder = if self.columns.is_empty() {
            builder
        } else {
            let schema = builder.parquet_schema();
            let mut indices = Vec::new();
            for name in &self.columns {
                let index = schema
                    .columns()
                    .iter()
                    .position(|c| c.name() == name)
                    .ok_or_else(|| {
                        DatasetError::invalid(&path, format!("has no column `{name}`"))
                    })?;
                indices.push(index);
            }
            let mask = ProjectionMask::leaves(schema, indices);
            builder.with_projection(mask)
        };
        let reader = builder
            .with_batch_size(self.batch_rows)
            .build()
            .map_err(|e| DatasetError::parquet(&path, e))?;
        self.current = Some((path, reader));
        Ok(true)
    }
}

/// `schema` with every `Utf8` field read as a dictionary of `Utf8` with `Int32` keys: what
/// [`TableBatches::with_dictionary_strings`] reads.
pub fn dictionary_schema(schema: &Schema) -> Arc<Schema> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Utf8 => field.as_ref().clone().with_data_type(DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(DataType::Utf8),
            )),
            _ => field.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn corrupt(e: parquet::errors::ParquetError) -> String {
    format!(
        "{e} (the file is truncated or not Parquet: regenerate the dataset, or check it with `breachlab verify`)"
    )
}

impl Iterator for TableBatches {
    type Item = Result<RecordBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((path, reader)) = &mut self.current {
                let failure = match catch_decode_panic(|| reader.next()) {
                    Ok(Some(Ok(batch))) => return Some(Ok(batch)),
                    Ok(None) => {
                        self.current = None;
                        continue;
                    }
                    Ok(Some(Err(e))) => e.to_string(),
                    Err(panic) => panic,
                };
                let path = path.clone();
                self.stop();
                return Some(Err(crate::guard::undecodable(&path, failure)));
            }
            match catch_decode_panic(|| self.open_next()) {
                Ok(Ok(true)) => continue,
                Ok(Ok(false)) => return None,
                Ok(Err(e)) => {
                    self.stop();
                    return Some(Err(e));
                }
                Err(panic) => {
                    let path = self.opening.take().unwrap_or_default();
                    self.stop();
                    return Some(Err(crate::guard::undecodable(&path, panic)));
                }
            }
        }
    }
}

/// The manifest of the dataset in `root`, or an error that says what the folder is
/// missing and how to get a complete dataset.
pub(crate) fn read_manifest(root: &Path) -> Result<Manifest, DatasetError> {
    if !root.is_dir() {
        return Err(DatasetError::invalid(
            root,
            "no such dataset folder: give the folder `breachlab generate` wrote",
        ));
    }
    let path = root.join(layout::MANIFEST);
    if !path.exists() {
        let hint = if root.join(layout::SHARDS).is_dir() {
            "this is a sharded run: once every shard has finished, run `breachlab merge` on it"
        } else {
            "not a complete breachlab dataset (an interrupted run leaves none): generate it again"
        };
        return Err(DatasetError::invalid(&path, format!("missing: {hint}")));
    }
    Manifest::read(&path)
}
