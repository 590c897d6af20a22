//! What `bench` (and `score`, `demo`) publish: the [`Report`] plus the detectors that
//! failed and, when asked for, the across-seeds summary, the leakage audit and the budget
//! leaderboard, in `report.json` and in each of its views.

use super::format::escape_html;
use super::{
    BudgetSection, Report, SeedsSection, render_html, render_markdown, render_terminal_table,
    write_json,
};
use crate::audit::{BenchAuditEntry, bench_markdown};
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
    /// The leaderboard for a terminal: across seeds when there are several.
    pub fn terminal_table(&self) -> String {
        let mut out = match &self.seeds {
            Some(seeds) => seeds.render_table(false),
            None => render_terminal_table(&self.report),
        };
        if let Some(budgets) = &self.budgets {
            out.push_str("\nRecords exposed before detection at a fixed false-alarm budget\n");
            out.push_str(&budgets.render_table(false));
        }
        if let Some(sweep) = &self.sweep {
            out.push_str(&format!("\nEvasion curve: {}\n", sweep.path));
            out.push_str(&sweep.render_table(false));
        }
        out.push_str(&self.failures_text());
        out
    }

    fn failures_text(&self) -> String {
        self.failed_detectors
            .iter()
            .map(|f| format!("FAILED {}: {}\n", f.name, f.error))
            .collect()
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from("# breachlab report\n\n");
        if let Some(seeds) = &self.seeds {
            out.push_str(&format!(
                "## Across seeds {:?} (mean [95% interval])\n\n",
                seeds.seeds
            ));
            out.push_str(&seeds.render_table(true));
            out.push_str(&format!("\n## Seed {}\n\n", seeds.seeds[0]));
        }
        if let Some(sweep) = &self.sweep {
            out.push_str(&format!("## Evasion curve: {}\n\n", sweep.path));
            out.push_str(&sweep.render_table(true));
            out.push('\n');
        }
        if let Some(budgets) = &self.budgets {
            out.push_str("## Records exposed at a fixed false-alarm budget\n\n");
            out.push_str(&budgets.render_table(true));
            out.push('\n');
        }
        out.push_str(&render_markdown(&self.report));
        if let Some(audit) = &self.audit {
            out.push_str(&bench_markdown(audit));
        }
        if let Some(source) = &self.audit_source {
            out.push_str(&format!("\nLeakage audit: {source}.\n"));
        }
        if let Some(faithfulness) = &self.faithfulness {
            out.push_str(&faithfulness_markdown(faithfulness));
        }
        if !self.failed_detectors.is_empty() {
            out.push_str("\n## Failed detectors\n\n");
            for failed in &self.failed_detectors {
                out.push_str(&format!("- `{}`: {}\n", failed.name, failed.error));
            }
        }
        out
    }

    pub fn html(&self) -> String {
        let html = render_html(&self.report);
        let mut extra = String::new();
        let your_traffic = super::render_your_traffic(&self.report, false);
        if !your_traffic.is_empty() {
            extra.push_str("<section><h2>Alarms on your traffic</h2><pre>");
            extra.push_str(&escape_html(
                your_traffic.trim_start_matches("\nAlarms on your traffic\n"),
            ));
            extra.push_str("</pre></section>");
        }
        if let Some(sweep) = &self.sweep {
            extra.push_str(&sweep.html());
        }
        if let Some(budgets) = &self.budgets {
            extra.push_str(&budgets.html());
        }
        if let Some(seeds) = &self.seeds {
            extra.push_str("<section><h2>Across seeds (mean [95% interval])</h2><pre>");
            extra.push_str(&escape_html(&seeds.render_table(false)));
            extra.push_str("</pre><p>The plots above show the first seed.</p></section>");
        }
        if !self.failed_detectors.is_empty() {
            extra.push_str("<section><h2>Failed detectors</h2><ul>");
            for failed in &self.failed_detectors {
                extra.push_str(&format!(
                    "<li><code>{}</code>: {}</li>",
                    escape_html(&failed.name),
                    escape_html(&failed.error)
                ));
            }
            extra.push_str("</ul></section>");
        }
        match html.rfind("</body>") {
            Some(at) if !extra.is_empty() => format!("{}{extra}{}", &html[..at], &html[at..]),
            _ => html,
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
