//! `verify`: is this dataset the one its manifest describes?
//!
//! Datasets get copied, shared and cited for years; a flipped byte or a lost file must be
//! found before anyone trusts a result computed on them. [`verify`] checks every listed
//! file (present, size, SHA-256, rows in the Parquet footer, Arrow schema, the manifest
//! header in the key-value metadata, and every page decoded: the rows it decodes to), the
//! dataset card's size and SHA-256, the manifest's own consistency, that every events file
//! has its truth file with as many rows, and that no unlisted Parquet file hides in the
//! tree. Every problem is collected, not just the first. A dataset `verify` accepts is one
//! every reader reads.
//!
//! Writing the dataset again from the manifest's scenario text, seed, scale and shard and
//! comparing the bytes (`breachlab verify --regenerate`) needs the generator, so it lives
//! in `breachlab-writer` (`breachlab_writer::regenerate`); this crate stays free of the
//! generator for everything that only reads. [`VerifyReport::on_disk`] is what that
//! comparison starts from.

use crate::digest::{hash_file, hex};
use crate::error::DatasetError;
use crate::guard::{DecodeOutcome, decode_fully};
use crate::layout::{self, MANIFEST_KEY};
use crate::manifest::{DocumentEntry, FileEntry, Manifest, ShardInfo};
use crate::read::read_manifest;
use arrow_schema::Schema;
use breachlab_schema::SCHEMA_VERSION;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Component, Path};

/// One problem, tied to the file (or manifest field) it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// A path relative to the dataset root, `/`-separated, e.g. `manifest.json`.
    pub path: String,
    pub problem: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

impl Finding {
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Finding {
        Finding {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub manifest: Manifest,
    pub findings: Vec<Finding>,
    /// Files as they are on disk, for regenerating and comparing: path → (SHA-256, the
    /// shard that wrote it according to its key-value metadata).
    pub on_disk: BTreeMap<String, DiskFile>,
}

/// What one listed file holds on disk.
#[derive(Debug, Clone)]
pub struct DiskFile {
    pub sha256: String,
    pub written_by: Option<ShardKey>,
}

/// A shard as (index, count).
pub type ShardKey = (u32, u32);

/// The key of the shard a manifest or a file's metadata names.
pub fn shard_key(shard: ShardInfo) -> ShardKey {
    (shard.index, shard.count)
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks the dataset at `root` against its `manifest.json`. An `Err` means the dataset
/// cannot be checked at all (no folder, no readable manifest); everything else is a
/// [`Finding`].
pub fn verify(root: &Path) -> Result<VerifyReport, DatasetError> {
    let manifest = read_manifest(root)?;
    let mut findings = check_manifest(&manifest);
    findings.extend(unpaired_files(&manifest));
    let header = expected_header(&manifest);
    let mut on_disk = BTreeMap::new();
    for entry in &manifest.files {
        let (file_findings, disk) = check_file(root, entry, &header);
        findings.extend(file_findings);
        if let Some(disk) = disk {
            on_disk.insert(entry.path.clone(), disk);
        }
    }
    if let Some(card) = &manifest.card {
        findings.extend(check_document(root, card));
    }
    findings.extend(unlisted_files(root, &manifest)?);
    Ok(VerifyReport {
        manifest,
        findings,
        on_disk,
    })
}

/// Checks the manifest against itself and this breachlab.
fn check_manifest(manifest: &Manifest) -> Vec<Finding> {
    let mut findings = Vec::new();
    if manifest.schema_version != SCHEMA_VERSION {
        findings.push(Finding::new(
            layout::MANIFEST,
            format!(
                "schema_version is {} but this breachlab writes and reads {SCHEMA_VERSION}: check it with the breachlab version that wrote it ({})",
                manifest.schema_version, manifest.breachlab_version
            ),
        ));
    }
    let text_sha = hex(&Sha256::digest(manifest.scenario.text.as_bytes()));
    if text_sha != manifest.scenario.sha256 {
        findings.push(Finding::new(
            layout::MANIFEST,
            format!(
                "scenario.sha256 is {} but scenario.text hashes to {text_sha}: the scenario text was edited",
                manifest.scenario.sha256
            ),
        ));
    }
    for MisstatedRows {
        table,
        stated,
        listed,
    } in misstated_row_counts(manifest)
    {
        findings.push(Finding::new(
            layout::MANIFEST,
            format!(
                "row_counts.{table} is {} but the files listed for {table} hold {listed} rows",
                stated.map_or("missing".to_string(), |n| n.to_string())
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for entry in &manifest.files {
        if !seen.insert(entry.path.as_str()) {
            findings.push(Finding::new(
                &entry.path,
                "listed twice in manifest.json files",
            ));
        }
    }
    findings
}

/// A table whose `row_counts` entry is not the sum of the rows its listed files hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MisstatedRows {
    pub table: String,
    /// `None` when `row_counts` has no entry for the table.
    pub stated: Option<u64>,
    pub listed: u64,
}

/// Every table whose `row_counts` entry disagrees with its listed files, by table name.
/// Shared by [`verify`] and the cheaper check a reader makes before it trusts the counts.
pub fn misstated_row_counts(manifest: &Manifest) -> Vec<MisstatedRows> {
    let mut recounted = manifest.clone();
    recounted.recount();
    recounted
        .row_counts
        .into_iter()
        .map(|(table, listed)| MisstatedRows {
            stated: manifest.row_counts.get(&table).copied(),
            table,
            listed,
        })
        .filter(|table| table.stated != Some(table.listed))
        .collect()
}

/// Why a listed file's Parquet footer could not be read.
#[derive(Debug)]
pub enum FooterError {
    /// The file cannot be opened.
    Open(std::io::Error),
    /// It opens but is not readable Parquet (truncated or corrupt).
    Parquet(parquet::errors::ParquetError),
}

/// The footer of the Parquet file at `path`: its metadata (rows, key-value metadata) and
/// Arrow schema, read without decoding any data.
pub fn read_footer(path: &Path) -> Result<ArrowReaderMetadata, FooterError> {
    let file = File::open(path).map_err(FooterError::Open)?;
    ArrowReaderMetadata::load(&file, ArrowReaderOptions::default()).map_err(FooterError::Parquet)
}

/// The rows `footer` declares when they are not the `entry.rows` the manifest lists.
pub fn misstated_file_rows(footer: &ArrowReaderMetadata, entry: &FileEntry) -> Option<i64> {
    let rows = footer.metadata().file_metadata().num_rows();
    (u64::try_from(rows).ok() != Some(entry.rows)).then_some(rows)
}

/// The manifest header each file should carry, as JSON, without the shard (the files of
/// a merged dataset carry the shard that wrote them).
fn expected_header(manifest: &Manifest) -> serde_json::Value {
    let mut header: serde_json::Value =
        serde_json::from_str(&manifest.header_json()).expect("a manifest header is JSON");
    if let Some(object) = header.as_object_mut() {
        object.remove("shard");
    }
    header
}

fn table_schema(table: &str) -> Option<Schema> {
    breachlab_schema::Table::from_name(table).map(breachlab_schema::Table::schema)
}

/// A manifest path that stays inside the dataset folder: relative, no `..`.
fn is_inside(path: &str) -> bool {
    let path = Path::new(path);
    !path.as_os_str().is_empty() && path.components().all(|c| matches!(c, Component::Normal(_)))
}

fn check_file(
    root: &Path,
    entry: &FileEntry,
    header: &serde_json::Value,
) -> (Vec<Finding>, Option<DiskFile>) {
    let mut findings = Vec::new();
    let at = |problem: String| Finding::new(&entry.path, problem);
    if !is_inside(&entry.path) {
        findings.push(at(
            "path leaves the dataset folder (absolute or with ..): not checked".to_string(),
        ));
        return (findings, None);
    }
    let path = root.join(&entry.path);
    let (bytes, sha256) = match hash_file(&path) {
        Ok(hashed) => hashed,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            findings.push(at("missing: listed in manifest.json but not on disk".into()));
            return (findings, None);
        }
        Err(e) => {
            findings.push(at(format!("cannot be read: {e}")));
            return (findings, None);
        }
    };
    if bytes != entry.bytes {
        findings.push(at(format!(
            "size is {bytes} bytes, manifest.json says {}",
            entry.bytes
        )));
    }
    if sha256 != entry.sha256 {
        findings.push(at(format!(
            "SHA-256 is {sha256}, manifest.json says {}: the file changed since it was written",
            entry.sha256
        )));
    }
    let written_by = match check_parquet(&path, entry, header) {
        Ok((problems, shard)) => {
            findings.extend(problems.into_iter().map(at));
            findings.extend(check_decodes(&path, entry).map(at));
            shard
        }
        Err(problem) => {
            findings.push(at(problem));
            None
        }
    };
    (findings, Some(DiskFile { sha256, written_by }))
}

/// Checks a file that is not a table (the dataset card): present, its size, its SHA-256.
fn check_document(root: &Path, entry: &DocumentEntry) -> Vec<Finding> {
    let at = |problem: String| vec![Finding::new(&entry.path, problem)];
    if !is_inside(&entry.path) {
        return at("path leaves the dataset folder (absolute or with ..): not checked".into());
    }
    let (bytes, sha256) = match hash_file(&root.join(&entry.path)) {
        Ok(hashed) => hashed,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return at("missing: listed in manifest.json (card) but not on disk".into());
        }
        Err(e) => return at(format!("cannot be read: {e}")),
    };
    if (bytes, &sha256) == (entry.bytes, &entry.sha256) {
        return Vec::new();
    }
    at(format!(
        "{bytes} bytes with SHA-256 {sha256}, manifest.json says {} bytes with {}: it was edited since the dataset was written: restore it from the original copy",
        entry.bytes, entry.sha256
    ))
}

/// Checks the footer: rows, Arrow schema and manifest header. `Err` when the file is not
/// readable Parquet at all.
fn check_parquet(
    path: &Path,
    entry: &FileEntry,
    header: &serde_json::Value,
) -> Result<(Vec<String>, Option<ShardKey>), String> {
    let footer = read_footer(path).map_err(|e| match e {
        FooterError::Open(e) => format!("cannot be read: {e}"),
        FooterError::Parquet(e) => format!("not readable Parquet (truncated or corrupt): {e}"),
    })?;
    let mut problems = Vec::new();
    let metadata = footer.metadata().file_metadata();
    if let Some(rows) = misstated_file_rows(&footer, entry) {
        problems.push(format!(
            "holds {rows} rows (Parquet footer), manifest.json says {}",
            entry.rows
        ));
    }
    // An imported dataset's events may be null where its log format lacks a column.
    let imported = header.get("imported").is_some_and(|v| !v.is_null());
    let expected = match table_schema(&entry.table) {
        Some(_) if imported && entry.table == breachlab_schema::Table::Events.name() => {
            Some(breachlab_schema::imported_events_schema())
        }
        other => other,
    };
    match expected {
        Some(expected) if footer.schema().fields() != expected.fields() => problems.push(format!(
            "its columns are not the {} schema: found [{}]",
            entry.table,
            column_list(footer.schema())
        )),
        Some(_) => {}
        None => problems.push(format!(
            "table '{}' in manifest.json is not one of events, truth, accounts, campaigns",
            entry.table
        )),
    }
    let embedded = metadata
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|k| k.key == MANIFEST_KEY))
        .and_then(|k| k.value.clone());
    let Some(embedded) = embedded else {
        problems.push(format!("has no `{MANIFEST_KEY}` key-value metadata"));
        return Ok((problems, None));
    };
    let Ok(mut embedded) = serde_json::from_str::<serde_json::Value>(&embedded) else {
        problems.push(format!("its `{MANIFEST_KEY}` metadata is not JSON"));
        return Ok((problems, None));
    };
    let shard = embedded
        .get("shard")
        .and_then(|s| serde_json::from_value::<ShardInfo>(s.clone()).ok())
        .map(shard_key);
    if let Some(object) = embedded.as_object_mut() {
        object.remove("shard");
    }
    let differing = differing_keys(&embedded, header);
    if !differing.is_empty() {
        problems.push(format!(
            "its `{MANIFEST_KEY}` metadata differs from manifest.json in: {}",
            differing.join(", ")
        ));
    }
    Ok((problems, shard))
}

/// Decodes every page of the file: a damaged page that still matches its hash (the
/// manifest rewritten after the damage) is found here, not by the next reader.
fn check_decodes(path: &Path, entry: &FileEntry) -> Option<String> {
    match decode_fully(path) {
        Err(e) => Some(format!("cannot be decoded: {e}")),
        Ok(DecodeOutcome::Damaged(damage)) => Some(format!("{damage}: the file is damaged")),
        Ok(DecodeOutcome::Complete { rows }) if rows != entry.rows => Some(format!(
            "decodes to {rows} rows, manifest.json says {}",
            entry.rows
        )),
        Ok(DecodeOutcome::Complete { .. }) => None,
    }
}

/// Events and truth files come in pairs (`events/P` with `truth/P`), row for row: a
/// reader joins them. Every pair must be listed whole and hold the same rows.
fn unpaired_files(manifest: &Manifest) -> Vec<Finding> {
    let of_table = |table: &'static str| -> BTreeMap<String, &FileEntry> {
        manifest
            .files_of(table)
            .filter_map(|f| {
                let rest = f.path.strip_prefix(table)?.strip_prefix('/')?;
                Some((rest.to_string(), f))
            })
            .collect()
    };
    let (events, truth) = (of_table(layout::EVENTS), of_table(layout::TRUTH));
    let mut findings = Vec::new();
    for (rest, event_file) in &events {
        match truth.get(rest) {
            None => findings.push(Finding::new(
                &event_file.path,
                format!("has no truth file: manifest.json lists no truth/{rest}"),
            )),
            Some(truth_file) if truth_file.rows != event_file.rows => {
                findings.push(Finding::new(
                    &event_file.path,
                    format!(
                        "holds {} rows but its truth file {} holds {}: events and truth must match row for row",
                        event_file.rows, truth_file.path, truth_file.rows
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    for (rest, truth_file) in &truth {
        if !events.contains_key(rest) {
            findings.push(Finding::new(
                &truth_file.path,
                format!("has no events file: manifest.json lists no events/{rest}"),
            ));
        }
    }
    findings
}

fn column_list(schema: &Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| format!("{} {}", f.name(), f.data_type()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Top-level keys whose values differ between two JSON objects.
fn differing_keys(found: &serde_json::Value, expected: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let found = found.as_object().unwrap_or(&empty);
    let expected = expected.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = found.keys().chain(expected.keys()).collect();
    keys.into_iter()
        .filter(|k| found.get(*k) != expected.get(*k))
        .cloned()
        .collect()
}

/// Parquet files in the tree that the manifest does not list, and leftover temporary
/// folders of interrupted runs. Symbolic links are not followed.
fn unlisted_files(root: &Path, manifest: &Manifest) -> Result<Vec<Finding>, DatasetError> {
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    let mut findings = Vec::new();
    let mut walk = walkdir::WalkDir::new(root).min_depth(1).into_iter();
    while let Some(item) = walk.next() {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            DatasetError::invalid(path, format!("cannot list the dataset folder: {e}"))
        })?;
        let relative = layout::manifest_path(item.path().strip_prefix(root).unwrap_or(item.path()));
        let name = item.file_name().to_string_lossy();
        if item.file_type().is_dir() && name.starts_with(layout::PARTIAL_PREFIX) {
            findings.push(Finding::new(
                relative,
                "temporary folder of an interrupted or still running `generate`: remove it once no generate runs",
            ));
            walk.skip_current_dir();
        } else if item.file_type().is_file()
            && name.ends_with(".parquet")
            && !listed.contains(relative.as_str())
        {
            findings.push(Finding::new(
                relative,
                "Parquet file not listed in manifest.json: readers of the folder would pick it up; remove it",
            ));
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, rows: u64) -> FileEntry {
        FileEntry {
            path: path.to_string(),
            table: path.split('/').next().unwrap().to_string(),
            rows,
            bytes: 1,
            sha256: String::new(),
        }
    }

    fn manifest(files: Vec<FileEntry>) -> Manifest {
        let text = r#"{"breachlab_version": "0", "schema_version": 0,
            "scenario": {"name": "s", "sha256": "", "text": ""}, "seed": 1, "scale": 1.0,
            "shard": {"index": 1, "count": 1},
            "time_span": {"start": "", "end": "", "start_us": 0, "end_us": 0, "days": 0.0},
            "row_counts": {}, "files": []}"#;
        let mut manifest: Manifest = serde_json::from_str(text).unwrap();
        manifest.files = files;
        manifest
    }

    #[test]
    fn events_and_truth_files_pair_up_row_for_row() {
        let paired = manifest(vec![
            entry("events/date=2026-01-01/part-0000000.parquet", 10),
            entry("truth/date=2026-01-01/part-0000000.parquet", 10),
        ]);
        assert_eq!(unpaired_files(&paired), Vec::new());

        let halved = manifest(vec![
            entry("events/date=2026-01-01/part-0000000.parquet", 5),
            entry("truth/date=2026-01-01/part-0000000.parquet", 10),
            entry("events/date=2026-01-02/part-0000004.parquet", 3),
            entry("truth/date=2026-01-03/part-0000009.parquet", 3),
        ]);
        let findings = unpaired_files(&halved);
        let text: Vec<String> = findings.iter().map(ToString::to_string).collect();
        assert_eq!(findings.len(), 3, "{text:#?}");
        assert!(text[0].starts_with("events/date=2026-01-01/part-0000000.parquet: holds 5 rows"));
        assert!(text[0].contains("truth/date=2026-01-01/part-0000000.parquet holds 10"));
        assert!(text[1].contains("has no truth file"));
        assert!(
            text[2].starts_with("truth/date=2026-01-03/part-0000009.parquet: has no events file")
        );
    }
}
