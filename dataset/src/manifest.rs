//! `manifest.json`: what a dataset is (version, scenario, seed, scale, span) and every
//! file in it with its rows and SHA-256, so anyone can check and regenerate it.

use crate::error::DatasetError;
use breachlab_schema::Table;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub breachlab_version: String,
    pub schema_version: u32,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    pub scale: f64,
    pub shard: ShardInfo,
    pub time_span: TimeSpan,
    /// Rows per table: `events`, `truth`, `accounts`, `campaigns`.
    pub row_counts: BTreeMap<String, u64>,
    /// The dataset card (`README.md`) of a whole or merged dataset, rendered from this
    /// manifest without this entry (see [`crate::card`]); absent in a shard's manifest
    /// and in datasets written before cards existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<DocumentEntry>,
    pub files: Vec<FileEntry>,
    /// How far this scale keeps each entity's behaviour (absent before 0.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faithfulness: Option<Faithfulness>,
    /// Present when the events were imported from a log (`breachlab import`) rather than
    /// generated: their labels are unknown (docs/import.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported: Option<ImportInfo>,
    /// Present when a scenario's campaigns were planted into an imported dataset
    /// (`breachlab plant`): the campaigns' events carry exact truth, the log's stay
    /// unknown (docs/import.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planted: Option<PlantInfo>,
}

/// How a scenario's campaigns were planted into an imported log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantInfo {
    /// Events planted (the campaigns'); the rest of the dataset is the log's.
    pub events: u64,
    /// Events of the log.
    pub imported_events: u64,
    /// Each route template the campaigns use, mapped to the log's template it was planted on.
    pub routes: BTreeMap<String, String>,
    /// How the planted clients were disguised relative to the log (user agents and
    /// addresses drawn from the log's own, or the scenario's kept).
    pub disguise: Vec<String>,
    /// Columns the log lacks (all null), left null on the planted events too.
    pub null_columns: Vec<String>,
}

/// What an imported dataset was read from. Its truth rows hold no labels: every event's
/// origin is the log, its label unknown (the columns hold an unlabelled event's values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportInfo {
    /// Always `true`: the dataset's events come from a log.
    pub imported: bool,
    /// The log format read: `combined`, `jsonl`, `ecs` or `ocsf`.
    pub format: String,
    /// The logs read, in order, named by file name and SHA-256 (never their contents).
    pub sources: Vec<ImportSource>,
    pub lines: u64,
    pub bad_lines: u64,
    /// `unknown`: the truth table's values are not labels.
    pub labels: String,
    /// The addresses, principals and API keys are those of the log (not pseudonymized).
    pub real_identities: bool,
    /// The keyed hash that replaced identities (`HMAC-SHA256`), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonymized_with: Option<String>,
    /// Event ids are the log's own (else numbered from 1 in time order).
    pub source_event_ids: bool,
}

/// One log an imported dataset was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSource {
    /// The file name (`standard input` for `-`).
    pub name: String,
    /// Bytes as read (compressed, for a gzip file).
    pub bytes: u64,
    /// SHA-256 of those bytes.
    pub sha256: String,
    pub gzip: bool,
}

/// How the scale kept the scenario's per-entity behaviour: entity counts scale, an
/// entity's rates never do; a campaign with too few entities to shrink is shortened to
/// its *faithful horizon*, the first hours of the campaign as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Faithfulness {
    /// The lowest scale at which the scenario is faithful, and what sets it.
    pub minimum_scale: f64,
    pub minimum_set_by: String,
    /// The scale is below the minimum (generated with `allow_distorted`).
    pub distorted: bool,
    pub campaigns: Vec<CampaignFaithfulness>,
}

/// One attack campaign at this scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignFaithfulness {
    pub name: String,
    /// Fraction of the campaign's entities and rate generated (the scale, or more).
    pub share: f64,
    pub duration_h: f64,
    /// The generated campaign is the first `faithful_horizon_h` hours of the one written:
    /// a time to detect beyond it is not a result about the incident.
    pub faithful_horizon_h: f64,
    pub rate_per_s: f64,
    pub entities: Vec<EntityFacts>,
}

/// One kind of entity of a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityFacts {
    pub kind: String,
    pub written: u64,
    pub kept: u64,
    /// Mean requests per hour of one entity of this kind while the campaign runs
    /// (before any daily cycle), the same at every scale.
    pub requests_per_hour_each: f64,
}

/// A file of the dataset that is not a table: its path, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEntry {
    /// Relative to the dataset root, `/`-separated.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub sha256: String,
    pub text: String,
}

/// Which part of the whole this is: `index` of `count` (1 of 1 for a whole dataset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeSpan {
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    pub start_us: i64,
    pub end_us: i64,
    pub days: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the dataset root, `/`-separated.
    pub path: String,
    /// `events`, `truth`, `accounts` or `campaigns`.
    pub table: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    /// The manifest without its file list, row counts and card: what each Parquet file
    /// carries in its key-value metadata (a file cannot hold its own hash, and the card
    /// is written after the tables).
    pub fn header_json(&self) -> String {
        let mut header = self.clone();
        header.files.clear();
        header.row_counts.clear();
        header.card = None;
        serde_json::to_string(&header).expect("a manifest serialises")
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest serialises") + "\n"
    }

    pub fn read(path: &Path) -> Result<Manifest, DatasetError> {
        let text = std::fs::read_to_string(path).map_err(|e| DatasetError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| DatasetError::invalid(path, format!("not a breachlab manifest: {e}")))
    }

    /// Files of one table, in manifest order (time order for events and truth).
    pub fn files_of<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a FileEntry> + 'a {
        self.files.iter().filter(move |f| f.table == table)
    }

    /// Recomputes `row_counts` from `files`; `campaigns` counts once even when shards
    /// each carry the same campaigns file.
    pub fn recount(&mut self) {
        self.row_counts.clear();
        for table in Table::ALL {
            let rows = self.files_of(table.name()).map(|f| f.rows).sum();
            self.row_counts.insert(table.name().to_string(), rows);
        }
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that a reader never
/// sees half a manifest (or card): `merge` writes the merged one with it, `generate` each
/// new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DatasetError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| DatasetError::io(parent, e))?;
    }
    let mut temporary_name = path.file_name().unwrap_or_default().to_os_string();
    temporary_name.push(".partial");
    let temporary = path.with_file_name(temporary_name);
    let written = std::fs::write(&temporary, bytes)
        .map_err(|e| DatasetError::io(&temporary, e))
        .and_then(|()| std::fs::rename(&temporary, path).map_err(|e| DatasetError::io(path, e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
