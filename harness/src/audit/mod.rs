//! The leakage audit: for each attack campaign, the best rule that uses one events column
//! alone (a set of its values chosen with the labels: an upper bound on what a lookup
//! table on that field could score), then the best pair of columns, then the best rule of
//! up to three conditions over one event's descriptive fields (a beam search, optionally
//! scored on another seed).
//!
//! - [`combos`]: the count table over distinct tuples of those fields and its search;
//! - [`best`]: the best set of values for one campaign from per-value counts (pure);
//! - [`columns`]: which columns are bounded, how values are keyed and bucketed, which are
//!   not and why;
//! - [`tally`]: the counts per value (and value pair) and class (pure);
//! - [`scan`]: one pass over a dataset, events and truth in lockstep (the only I/O);
//! - [`output`]: `audit.json` (schema in `docs/audit.md`), the terminal table and the
//!   summary `bench` reports.

pub mod best;
pub mod columns;
pub mod combos;
pub mod output;
pub mod scan;
pub mod tally;

pub use output::{
    AuditDataset, AuditReport, BenchAuditEntry, CampaignAudit, CombinationScore, HoldoutScore,
    LEAK_THRESHOLD, RuleScore, Verdict, bench_markdown,
};
use output::{CampaignMeta, HoldoutTable};

use breachlab_dataset::output::{Existing, OutputError, write_output};
use breachlab_dataset::{Dataset, DatasetError, layout};
use breachlab_schema::Table;
use std::path::{Path, PathBuf};

/// The file the audit writes beside the manifest.
pub const AUDIT_FILE: &str = "audit.json";

/// Rows per batch read when none is given.
pub const DEFAULT_BATCH_ROWS: usize = 65_536;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error("{path}: {message}")]
    Inconsistent { path: PathBuf, message: String },
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl AuditError {
    pub(crate) fn inconsistent(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        AuditError::Inconsistent {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// What to audit.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    /// Also every pair of bounded columns (the single columns alone are much cheaper).
    pub pairs: bool,
    pub batch_rows: usize,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            pairs: true,
            batch_rows: DEFAULT_BATCH_ROWS,
        }
    }
}

/// Which dataset `dataset` is, as an audit records it.
pub fn dataset_identity(dataset: &Dataset) -> AuditDataset {
    let manifest = &dataset.manifest;
    AuditDataset {
        scenario: manifest.scenario.name.clone(),
        scenario_sha256: manifest.scenario.sha256.clone(),
        seed: manifest.seed,
        scale: manifest.scale,
        breachlab_version: manifest.breachlab_version.clone(),
        events: manifest
            .row_counts
            .get(Table::Events.name())
            .copied()
            .unwrap_or(0),
    }
}

/// Audits `dataset` in one pass over its events and truth.
pub fn audit_dataset(dataset: &Dataset, options: AuditOptions) -> Result<AuditReport, AuditError> {
    audit_with_holdout(dataset, None, options)
}

/// Audits `dataset`; with `holdout` (another seed of the same scenario at the same
/// scale), each campaign's combination rule is also scored there.
pub fn audit_with_holdout(
    dataset: &Dataset,
    holdout: Option<&Dataset>,
    options: AuditOptions,
) -> Result<AuditReport, AuditError> {
    require_truth(dataset)?;
    let campaigns = with_signatures(dataset, scan::read_campaigns(dataset)?);
    let scanned = scan::scan(dataset, &campaigns, options.pairs, options.batch_rows)?;
    let held = match holdout {
        Some(other) => {
            check_holdout(dataset, other)?;
            require_truth(other)?;
            let other_campaigns = scan::read_campaigns(other)?;
            let other_scan = scan::scan(other, &other_campaigns, false, options.batch_rows)?;
            Some((other.manifest.seed, other_campaigns, other_scan))
        }
        None => None,
    };
    let holdout_table = held
        .as_ref()
        .map(|(seed, campaigns, scanned)| HoldoutTable {
            seed: *seed,
            campaigns,
            combos: &scanned.combos,
            dictionaries: &scanned.dictionaries,
        });
    let mut identity = dataset_identity(dataset);
    identity.events = scanned.rows;
    Ok(output::assemble(
        identity,
        &campaigns,
        &scanned.tally,
        &scanned.combos,
        &scanned.dictionaries,
        options.pairs,
        holdout_table.as_ref(),
    ))
}

/// A holdout must be the same scenario text at the same scale, another seed.
fn check_holdout(dataset: &Dataset, other: &Dataset) -> Result<(), AuditError> {
    let (a, b) = (&dataset.manifest, &other.manifest);
    let problem = if a.scenario.sha256 != b.scenario.sha256 {
        Some("is of another scenario (its scenario SHA-256 differs)")
    } else if a.scale != b.scale {
        Some("is at another scale")
    } else if a.seed == b.seed {
        Some("has the same seed: a holdout needs another seed")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(AuditError::inconsistent(
            other.root.join(layout::MANIFEST),
            format!(
                "the holdout dataset {problem} than {}; generate the same scenario at the same scale with another seed",
                dataset.root.display()
            ),
        )),
        None => Ok(()),
    }
}

/// The campaigns' `signature`s, from the scenario text the manifest embeds (a dataset
/// whose text does not parse, or predates signatures, has none).
fn with_signatures(dataset: &Dataset, mut campaigns: Vec<CampaignMeta>) -> Vec<CampaignMeta> {
    #[derive(serde::Deserialize)]
    struct Scenario {
        #[serde(default)]
        campaigns: Vec<Campaign>,
    }
    #[derive(serde::Deserialize)]
    struct Campaign {
        name: String,
        #[serde(default)]
        signature: Option<String>,
    }
    let Ok(scenario) = toml::from_str::<Scenario>(&dataset.manifest.scenario.text) else {
        return campaigns;
    };
    for meta in &mut campaigns {
        meta.signature = scenario
            .campaigns
            .iter()
            .find(|c| c.name == meta.name)
            .and_then(|c| c.signature.clone())
            .filter(|s| !s.trim().is_empty());
    }
    campaigns
}

fn require_truth(dataset: &Dataset) -> Result<(), AuditError> {
    if dataset
        .manifest
        .files_of(Table::Truth.name())
        .next()
        .is_none()
    {
        return Err(AuditError::inconsistent(
            dataset.root.join(layout::MANIFEST),
            "lists no truth files: the audit needs the ground truth; audit a complete `breachlab generate` output",
        ));
    }
    Ok(())
}

/// Writes `report` to `path`: a regular file appears only when whole (and an existing one
/// is replaced only as `existing` allows); a device or FIFO is streamed into.
pub fn write_audit(
    report: &AuditReport,
    path: &Path,
    existing: Existing,
) -> Result<(), AuditError> {
    write_output(path, existing, report.to_json().as_bytes()).map_err(AuditError::from)
}

/// `DIR/audit.json` when it exists, parses and is an audit of this very dataset.
pub fn existing_audit(dataset: &Dataset) -> Option<AuditReport> {
    let text = std::fs::read_to_string(dataset.root.join(AUDIT_FILE)).ok()?;
    let report: AuditReport = serde_json::from_str(&text).ok()?;
    report.is_of(&dataset_identity(dataset)).then_some(report)
}
