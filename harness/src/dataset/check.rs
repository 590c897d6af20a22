//! Cheap consistency checks before a pass: every `events` and `truth` file the manifest
//! lists exists, is readable Parquet, holds the rows the manifest says, and the two
//! tables pair up file by file (truth is read in lockstep with events).

use crate::runner::RunError;
use breachlab_dataset::{Dataset, DatasetError, FileEntry};
use breachlab_schema::Table;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::fs::File;

/// Rows the Parquet footer of `entry` declares, checked against the manifest.
fn check_file(dataset: &Dataset, entry: &FileEntry) -> Result<(), RunError> {
    let path = dataset.root.join(&entry.path);
    let file = File::open(&path).map_err(|e| {
        DatasetError::invalid(
            &path,
            format!("listed in manifest.json but cannot be opened ({e}): regenerate the dataset"),
        )
    })?;
    let reader = SerializedFileReader::new(file).map_err(|e| {
        DatasetError::parquet(
            &path,
            format!("{e} (the file is truncated or not Parquet: regenerate the dataset)"),
        )
    })?;
    let rows = reader.metadata().file_metadata().num_rows();
    if rows < 0 || rows as u64 != entry.rows {
        return Err(RunError::inconsistent(
            &path,
            format!(
                "holds {rows} rows but manifest.json says {}: the manifest does not match its files; regenerate the dataset",
                entry.rows
            ),
        ));
    }
    Ok(())
}

/// Checks the `events` and `truth` files against the manifest and each other.
pub fn check_dataset(dataset: &Dataset) -> Result<(), RunError> {
    let manifest_path = dataset.root.join(breachlab_dataset::layout::MANIFEST);
    let events: Vec<&FileEntry> = dataset.manifest.files_of(Table::Events.name()).collect();
    let truth: Vec<&FileEntry> = dataset.manifest.files_of(Table::Truth.name()).collect();
    if events.len() != truth.len() {
        return Err(RunError::inconsistent(
            &manifest_path,
            format!(
                "lists {} events files but {} truth files: every events file needs its truth file; regenerate the dataset",
                events.len(),
                truth.len()
            ),
        ));
    }
    for (event_file, truth_file) in events.iter().zip(&truth) {
        if event_file.rows != truth_file.rows {
            return Err(RunError::inconsistent(
                &manifest_path,
                format!(
                    "{} has {} rows but its truth file {} has {}: regenerate the dataset",
                    event_file.path, event_file.rows, truth_file.path, truth_file.rows
                ),
            ));
        }
    }
    for table in [Table::Events.name(), Table::Truth.name()] {
        let listed: u64 = dataset.manifest.files_of(table).map(|f| f.rows).sum();
        let declared = dataset.manifest.row_counts.get(table).copied();
        if declared.is_some_and(|declared| declared != listed) {
            return Err(RunError::inconsistent(
                &manifest_path,
                format!(
                    "row_counts.{table} is {} but its files list {listed} rows: the manifest was edited or damaged; regenerate the dataset",
                    declared.unwrap_or_default()
                ),
            ));
        }
    }
    for entry in events.iter().chain(&truth) {
        check_file(dataset, entry)?;
    }
    Ok(())
}
