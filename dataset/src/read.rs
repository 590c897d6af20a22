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
                return Some(Err(DatasetError::undecodable(&path, failure)));
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
                    return Some(Err(DatasetError::undecodable(&path, panic)));
                }
            }
        }
    }
}

/// Merges the per-shard manifests of a sharded run into `manifest.json`, after checking
/// that every shard of the same run is present.
pub fn merge_shards(root: &Path) -> Result<Manifest, DatasetError> {
    let dir = root.join(layout::SHARDS);
    let entries = std::fs::read_dir(&dir).map_err(|e| DatasetError::io(&dir, e))?;
    let mut shards = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| DatasetError::io(&dir, e))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            shards.push(Manifest::read(&path)?);
        }
    }
    shards.sort_by_key(|m| m.shard.index);
    let first = shards
        .first()
        .cloned()
        .ok_or_else(|| DatasetError::invalid(&dir, "no shard manifests found"))?;
    let count = first.shard.count;
    for (expected, m) in (1..=count).zip(shards.iter()) {
        let same_run = m.scenario.sha256 == first.scenario.sha256
            && m.seed == first.seed
            && m.scale == first.scale
            && m.shard.count == count;
        if !same_run {
            return Err(DatasetError::invalid(
                &dir,
                format!(
                    "shard {} of {} comes from another run (scenario, seed, scale or shard count differ)",
                    m.shard.index, m.shard.count
                ),
            ));
        }
        if m.shard.index != expected {
            return Err(DatasetError::invalid(
                &dir,
                format!(
                    "shard {expected} of {count} is missing: run it with --shard {expected}/{count}"
                ),
            ));
        }
    }
    if shards.len() as u32 != count {
        let missing: Vec<String> = (1..=count)
            .filter(|k| !shards.iter().any(|m| m.shard.index == *k))
            .map(|k| format!("--shard {k}/{count}"))
            .collect();
        return Err(DatasetError::invalid(
            &dir,
            format!(
                "{} of {count} shards present: run the missing ones first ({})",
                shards.len(),
                missing.join(", ")
            ),
        ));
    }
    check_shard_files(root, &shards)?;
    let mut merged = first.clone();
    merged.shard = crate::manifest::ShardInfo { index: 1, count: 1 };
    merged.files = Vec::new();
    for m in &shards {
        for f in &m.files {
            match merged.files.iter_mut().find(|g| g.path == f.path) {
                None => merged.files.push(f.clone()),
                // Every shard writes `campaigns.parquet`; in a shared folder the last one
                // to finish wins, so list the one on disk.
                Some(g) if g.sha256 != f.sha256 && on_disk_sha256(root, &f.path)? == f.sha256 => {
                    *g = f.clone()
                }
                Some(_) => {}
            }
        }
    }
    merged.files.sort_by(|a, b| a.path.cmp(&b.path));
    merged.recount();
    refuse_foreign_card(root)?;
    crate::card::write_card(root, &mut merged, count)?;
    crate::manifest::write_atomically(&root.join(layout::MANIFEST), merged.to_json().as_bytes())?;
    Ok(merged)
}

/// Every file a shard lists is on disk with the size it wrote: a manifest is only
/// written over a complete set of files.
fn check_shard_files(root: &Path, shards: &[Manifest]) -> Result<(), DatasetError> {
    for shard in shards {
        let (index, count) = (shard.shard.index, shard.shard.count);
        for file in &shard.files {
            let path = root.join(&file.path);
            let problem = match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() && meta.len() == file.bytes => continue,
                Ok(meta) if meta.is_file() => format!(
                    "is {} bytes but shard {index} of {count} wrote {}",
                    meta.len(),
                    file.bytes
                ),
                _ => format!("is missing but shard {index} of {count} lists it"),
            };
            // campaigns.parquet is written by every shard; the one on disk is checked
            // against the shard that wrote it, below.
            if file.path == layout::CAMPAIGNS
                && shards.iter().any(|other| {
                    other.files.iter().any(|f| {
                        f.path == file.path && on_disk_size(root, &f.path) == Some(f.bytes)
                    })
                })
            {
                continue;
            }
            return Err(DatasetError::invalid(
                &path,
                format!(
                    "{problem}: run that shard again (--shard {index}/{count} --force), then merge; no manifest.json was written"
                ),
            ));
        }
    }
    Ok(())
}

fn on_disk_size(root: &Path, relative: &str) -> Option<u64> {
    std::fs::metadata(root.join(relative)).ok().map(|m| m.len())
}

/// `merge` writes the dataset card to `README.md`; it replaces one only if breachlab
/// wrote it (an earlier merge), never a file of someone else's.
fn refuse_foreign_card(root: &Path) -> Result<(), DatasetError> {
    let path = root.join(layout::CARD);
    match std::fs::read_to_string(&path) {
        Ok(text) if !crate::card::is_card(&text) => Err(DatasetError::invalid(
            &path,
            "not a dataset card breachlab wrote, and `merge` writes the card there: move it out of the dataset folder and merge again",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(DatasetError::invalid(
            &path,
            "not a dataset card breachlab wrote (not UTF-8), and `merge` writes the card there: move it out of the dataset folder and merge again",
        )),
        _ => Ok(()),
    }
}

fn on_disk_sha256(root: &Path, relative: &str) -> Result<String, DatasetError> {
    let path = root.join(relative);
    crate::digest::hash_file(&path)
        .map(|(_, sha)| sha)
        .map_err(|e| DatasetError::io(&path, e))
}

/// The manifest of the dataset in `root`, or an error that says what the folder is
/// missing and how to get a complete dataset.
pub(crate) fn read_manifest(root: &Path) -> Result<Manifest, DatasetError> {
    if !root.is_dir() {
        return Err(DatasetError::invalid(
            root,
            "no such dataset folder: give the --out folder of `breachlab generate`",
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
