//! What the harness reads of a dataset besides the events the detectors see: its files
//! checked against the manifest before a pass, its label tables decoded into the plain
//! columns the metrics take, and the summary of it a report carries.

mod check;
mod truth;

pub use check::check_dataset;
pub use truth::{CampaignRow, TRUTH_COLUMNS, TruthColumns, read_campaign_rows, read_campaigns};

use breachlab_dataset::Dataset;

/// The manifest without its file list and scenario text: what a report says about the data.
pub fn dataset_summary(dataset: &Dataset) -> serde_json::Value {
    let manifest = &dataset.manifest;
    serde_json::json!({
        "path": dataset.root.display().to_string(),
        "breachlab_version": manifest.breachlab_version,
        "schema_version": manifest.schema_version,
        "scenario": { "name": manifest.scenario.name, "sha256": manifest.scenario.sha256 },
        "seed": manifest.seed,
        "scale": manifest.scale,
        "time_span": manifest.time_span,
        "row_counts": manifest.row_counts,
    })
}
