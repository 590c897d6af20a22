//! Cheap consistency checks before a pass: every `events` and `truth` file the manifest
//! lists exists, is readable Parquet, holds the rows the manifest says, and the two
//! tables pair up file by file (truth is read in lockstep with events). What `verify`
//! also checks (row counts, footers) is read with its functions; the messages here say
//! what a run needs: regenerate the dataset.

use crate::error::RunError;
use breachlab_dataset::verify::{
    FooterError, MisstatedRows, misstated_file_rows, misstated_row_counts, read_footer,
};
use breachlab_dataset::{Dataset, DatasetError, FileEntry};
use breachlab_schema::Table;

/// Checks the `events` and `truth` files against the manifest and each other.
pub fn check_dataset(dataset: &Dataset) -> Result<(), RunError> {
    let events: Vec<&FileEntry> = dataset.manifest.files_of(Table::Events.name()).collect();
    let truth: Vec<&FileEntry> = dataset.manifest.files_of(Table::Truth.name()).collect();
    check_pairs(dataset, &events, &truth)?;
    check_row_counts(dataset)?;
    for entry in events.iter().chain(&truth) {
        check_file(dataset, entry)?;
    }
    Ok(())
}

/// Every events file has a truth file of as many rows, in the same order.
fn check_pairs(
    dataset: &Dataset,
    events: &[&FileEntry],
    truth: &[&FileEntry],
) -> Result<(), RunError> {
    let manifest_path = dataset.root.join(breachlab_dataset::layout::MANIFEST);
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
    for (event_file, truth_file) in events.iter().zip(truth) {
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
    Ok(())
}

/// `row_counts` of events and truth, when given, are what their files list.
fn check_row_counts(dataset: &Dataset) -> Result<(), RunError> {
    let scored = [Table::Events.name(), Table::Truth.name()];
    let misstated = misstated_row_counts(&dataset.manifest)
        .into_iter()
        .find(|rows| scored.contains(&rows.table.as_str()) && rows.stated.is_some());
    let Some(MisstatedRows {
        table,
        stated: Some(stated),
        listed,
    }) = misstated
    else {
        return Ok(());
    };
    Err(RunError::inconsistent(
        dataset.root.join(breachlab_dataset::layout::MANIFEST),
        format!(
            "row_counts.{table} is {stated} but its files list {listed} rows: the manifest was edited or damaged; regenerate the dataset"
        ),
    ))
}

/// Rows the Parquet footer of `entry` declares, checked against the manifest.
fn check_file(dataset: &Dataset, entry: &FileEntry) -> Result<(), RunError> {
    let path = dataset.root.join(&entry.path);
    let footer = read_footer(&path).map_err(|error| match error {
        FooterError::Open(e) => DatasetError::invalid(
            &path,
            format!("listed in manifest.json but cannot be opened ({e}): regenerate the dataset"),
        ),
        FooterError::Parquet(e) => DatasetError::parquet(
            &path,
            format!("{e} (the file is truncated or not Parquet: regenerate the dataset)"),
        ),
    })?;
    match misstated_file_rows(&footer, entry) {
        None => Ok(()),
        Some(rows) => Err(RunError::inconsistent(
            &path,
            format!(
                "holds {rows} rows but manifest.json says {}: the manifest does not match its files; regenerate the dataset",
                entry.rows
            ),
        )),
    }
}
