//! What `bench` publishes: the [`Report`] plus detectors that failed and, over several
//! seeds, a summary; written so that an interrupted run never leaves a report that looks
//! complete (temporary names, renamed into place, `report.json` last).

use super::{RunError, SeedsSection};
use crate::audit::{BenchAuditEntry, bench_markdown};
use crate::report::{BudgetSection, Report, render_html, render_markdown, render_terminal_table};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The files a report directory holds, `report.json` last (written last, removed first).
pub const REPORT_FILES: [&str; 3] = ["report.md", "report.html", "report.json"];

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
    /// With `--budgets`: records exposed at fixed false-alarm budgets.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub budgets: Option<BudgetSection>,
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
        if let Some(budgets) = &self.budgets {
            out.push_str("## Records exposed at a fixed false-alarm budget\n\n");
            out.push_str(&budgets.render_table(true));
            out.push('\n');
        }
        out.push_str(&render_markdown(&self.report));
        if let Some(audit) = &self.audit {
            out.push_str(&bench_markdown(audit));
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
        write_json_value(self, &mut bytes)?;
        Ok(String::from_utf8(bytes).expect("JSON is UTF-8"))
    }
}

fn write_json_value(report: &BenchReport, out: &mut Vec<u8>) -> Result<(), RunError> {
    // Same layout as `report::write_json` (pretty, trailing newline), with the extras.
    serde_json::to_writer_pretty(&mut *out, report)
        .map_err(|e| RunError::Refused(format!("could not serialize the report: {e}")))?;
    out.push(b'\n');
    Ok(())
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `report.md`, `report.html` and `report.json` into `dir`. Refuses to replace an
/// existing report unless `force`. Each file is written under a temporary name and
/// renamed; `report.json` last, so its presence means the report is complete.
pub fn write_report_dir(report: &BenchReport, dir: &Path, force: bool) -> Result<(), RunError> {
    let existing: Vec<&str> = REPORT_FILES
        .iter()
        .copied()
        .filter(|name| dir.join(name).exists())
        .collect();
    if !existing.is_empty() && !force {
        return Err(RunError::Refused(format!(
            "{} already holds a report ({}): pass --force to replace it, or choose another --report",
            dir.display(),
            existing.join(", ")
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| RunError::io(dir.display().to_string(), e))?;
    for name in REPORT_FILES.iter().rev() {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| RunError::io(path.display().to_string(), e))?;
        }
    }
    let contents = [report.markdown(), report.html(), report.json()?];
    for (name, text) in REPORT_FILES.iter().zip(contents) {
        write_atomically(&dir.join(name), text.as_bytes())?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let temporary = path.with_file_name(format!(".{file_name}.partial"));
    let context = || path.display().to_string();
    std::fs::write(&temporary, bytes).map_err(|e| RunError::io(context(), e))?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        RunError::io(context(), e)
    })
}
