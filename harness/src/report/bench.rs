//! What `bench` (and `score`, `demo`) publish: the [`Report`] plus the detectors that
//! failed and, when asked for, the across-seeds summary, the leakage audit and the budget
//! leaderboard, in `report.json`; its views are [`super::sections`]'s.

use super::{BudgetSection, Report, SeedsSection, write_json};
use crate::audit::BenchAuditEntry;
use crate::error::RunError;
use breachlab_dataset::manifest::Faithfulness;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A detector that produced no metrics, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedDetector {
    pub name: String,
    pub params: serde_json::Value,
    pub error: String,
}

/// `report.json` as `bench` writes it: the report contract, plus `failed_detectors` and,
/// for several seeds, `seeds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    #[serde(flatten)]
    pub report: Report,
    pub failed_detectors: Vec<FailedDetector>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seeds: Option<SeedsSection>,
    /// How hard each campaign is: its best single-column rule (see `crate::audit`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audit: Option<BTreeMap<String, BenchAuditEntry>>,
    /// Where `audit` came from: `reused` (the dataset's audit.json), `computed` or
    /// `skipped` (`bench --audit never`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub audit_source: Option<String>,
    /// With `--budgets`: records exposed at fixed false-alarm budgets.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub budgets: Option<BudgetSection>,
    /// The dataset manifest's statement of how far each campaign is faithful at this
    /// scale: a time to detect beyond a campaign's horizon is not a result.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub faithfulness: Option<Faithfulness>,
    /// With `--sweep`: each detector's result against the swept scenario value.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweep: Option<super::SweepSection>,
}

impl BenchReport {
    /// A bench report of `report` alone: no seeds, budgets, audit or sweep.
    pub fn of(report: Report) -> Self {
        BenchReport {
            report,
            failed_detectors: Vec::new(),
            seeds: None,
            audit: None,
            audit_source: None,
            budgets: None,
            faithfulness: None,
            sweep: None,
        }
    }

    pub fn json(&self) -> Result<String, RunError> {
        let mut bytes = Vec::new();
        write_json(self, &mut bytes)?;
        Ok(String::from_utf8(bytes).expect("JSON is UTF-8"))
    }
}

/// The faithful horizon of each campaign, as a Markdown section.
pub fn faithfulness_markdown(f: &Faithfulness) -> String {
    let mut out = format!(
        "\n## How far each campaign is faithful at this scale\n\nThe scenario keeps every entity's behaviour from scale {:.3e} ({}).{}\n\n| campaign | runs | horizon (h) | of (h) | entities kept / written |\n|---|---|---:|---:|---|\n",
        f.minimum_scale,
        f.minimum_set_by,
        if f.distorted {
            " **This dataset is below it (distorted): its figures say nothing about the incident.**"
        } else {
            ""
        }
    );
    for c in &f.campaigns {
        let entities: Vec<String> = c
            .entities
            .iter()
            .map(|e| format!("{} {}/{}", e.kind, e.kept, e.written))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {:.3} | {:.3} | {} |\n",
            c.name,
            if c.faithful_horizon_h >= c.duration_h {
                "whole"
            } else {
                "first hours"
            },
            c.faithful_horizon_h,
            c.duration_h,
            entities.join(", ")
        ));
    }
    out
}
