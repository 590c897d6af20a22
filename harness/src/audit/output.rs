//! `audit.json` (its schema is in `docs/audit.md`), the terminal table, and the summary
//! that `bench` puts in its report.

use super::best::BestRule;
use super::columns::{BOUNDED_COLUMNS, Dictionary, UNBOUNDED_COLUMNS};
use super::tally::Tally;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A campaign above this best single-column F1 leaks (unless marked naive).
pub const LEAK_THRESHOLD: f64 = 0.5;

/// Example values listed per rule.
pub const EXAMPLE_VALUES: usize = 5;

/// Pair rules listed per campaign.
pub const TOP_PAIRS: usize = 5;

/// The whole audit, as written to `audit.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    pub breachlab_version: String,
    pub dataset: AuditDataset,
    pub threshold: f64,
    /// Whether pairs of columns were audited (`pairs` lists are empty otherwise).
    pub pairs_computed: bool,
    pub benign_events: u64,
    pub campaigns: Vec<CampaignAudit>,
    pub unbounded_columns: Vec<UnboundedColumn>,
}

/// Which dataset was audited, from its manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditDataset {
    pub scenario: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub scale: f64,
    /// The version that generated the dataset.
    pub breachlab_version: String,
    pub events: u64,
}

/// One attack campaign's audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignAudit {
    pub campaign_id: i32,
    pub name: String,
    pub naive: bool,
    pub events: u64,
    pub verdict: Verdict,
    /// Every bounded column's best rule, best first.
    pub columns: Vec<RuleScore>,
    /// The best pair rules, best first (at most [`TOP_PAIRS`]).
    pub pairs: Vec<RuleScore>,
    pub best_column: Option<String>,
    pub best_f1: f64,
    pub best_pair: Option<String>,
    pub best_pair_f1: Option<f64>,
}

/// `ok`: best single-column F1 at most the threshold; `naive`: above it, and the
/// campaign is marked naive; `LEAK`: above it otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    #[serde(rename = "ok")]
    Ok,
    #[serde(rename = "naive")]
    Naive,
    #[serde(rename = "LEAK")]
    Leak,
}

impl Verdict {
    pub fn of(best_f1: f64, naive: bool) -> Verdict {
        if best_f1 <= LEAK_THRESHOLD {
            Verdict::Ok
        } else if naive {
            Verdict::Naive
        } else {
            Verdict::Leak
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Naive => "naive",
            Verdict::Leak => "LEAK",
        }
    }
}

/// The best rule of one column (or pair, `a+b`) for one campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleScore {
    pub column: String,
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    pub values_in_rule: u64,
    pub example_values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnboundedColumn {
    pub column: String,
    pub reason: String,
}

/// A campaign as `campaigns.parquet` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignMeta {
    pub campaign_id: i32,
    pub name: String,
    pub naive: bool,
}

fn score(column: String, rule: &BestRule, examples: Vec<String>) -> RuleScore {
    RuleScore {
        column,
        f1: rule.f1(),
        precision: rule.precision(),
        recall: rule.recall(),
        values_in_rule: rule.values.len() as u64,
        example_values: examples,
    }
}

fn sort_best_first(scores: &mut [RuleScore]) {
    // Stable: equal F1 keep the column order.
    scores.sort_by(|x, y| y.f1.total_cmp(&x.f1));
}

/// Assembles the audit from a finished tally; `dictionaries` are the columns' (in
/// [`BOUNDED_COLUMNS`] order).
pub fn assemble(
    dataset: AuditDataset,
    campaigns: &[CampaignMeta],
    tally: &Tally,
    dictionaries: &[Dictionary],
    pairs_computed: bool,
) -> AuditReport {
    let mut columns: Vec<Vec<RuleScore>> = vec![Vec::new(); campaigns.len()];
    for (index, column) in BOUNDED_COLUMNS.iter().enumerate() {
        for (campaign, rule) in tally.column_rules(index).iter().enumerate() {
            let examples = rule
                .values
                .iter()
                .take(EXAMPLE_VALUES)
                .map(|&v| dictionaries[index].text(v).to_string())
                .collect();
            columns[campaign].push(score(column.name.to_string(), rule, examples));
        }
    }
    let mut pairs: Vec<Vec<RuleScore>> = vec![Vec::new(); campaigns.len()];
    for (index, pair) in tally.pairs().iter().enumerate() {
        let name = format!(
            "{}+{}",
            BOUNDED_COLUMNS[pair.first].name, BOUNDED_COLUMNS[pair.second].name
        );
        for (campaign, rule) in tally.pair_rules(index).iter().enumerate() {
            let examples = rule
                .values
                .iter()
                .take(EXAMPLE_VALUES)
                .map(|&slot| {
                    let (a, b) = pair.key(slot);
                    format!(
                        "{} | {}",
                        dictionaries[pair.first].text(a),
                        dictionaries[pair.second].text(b)
                    )
                })
                .collect();
            pairs[campaign].push(score(name.clone(), rule, examples));
        }
    }
    let campaigns = campaigns
        .iter()
        .zip(columns.into_iter().zip(pairs))
        .enumerate()
        .map(|(index, (meta, (mut columns, mut pairs)))| {
            sort_best_first(&mut columns);
            sort_best_first(&mut pairs);
            pairs.truncate(TOP_PAIRS);
            let events = tally.campaign_events(index);
            let best = columns.first().filter(|_| events > 0);
            let best_f1 = best.map_or(0.0, |s| s.f1);
            let best_pair = pairs.first().filter(|_| events > 0);
            CampaignAudit {
                campaign_id: meta.campaign_id,
                name: meta.name.clone(),
                naive: meta.naive,
                events,
                verdict: Verdict::of(best_f1, meta.naive),
                best_column: best.map(|s| s.column.clone()),
                best_f1,
                best_pair: best_pair.map(|s| s.column.clone()),
                best_pair_f1: best_pair.map(|s| s.f1),
                columns,
                pairs,
            }
        })
        .collect();
    AuditReport {
        breachlab_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset,
        threshold: LEAK_THRESHOLD,
        pairs_computed,
        benign_events: tally.benign_events(),
        campaigns,
        unbounded_columns: UNBOUNDED_COLUMNS
            .iter()
            .map(|(column, reason)| UnboundedColumn {
                column: column.to_string(),
                reason: reason.to_string(),
            })
            .collect(),
    }
}

impl AuditReport {
    /// Campaigns whose verdict is `LEAK`.
    pub fn leaks(&self) -> impl Iterator<Item = &CampaignAudit> {
        self.campaigns.iter().filter(|c| c.verdict == Verdict::Leak)
    }

    /// `audit.json`'s text: pretty, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the audit serialises");
        text.push('\n');
        text
    }

    /// Whether this audit is of the dataset `other` describes.
    pub fn is_of(&self, other: &AuditDataset) -> bool {
        self.dataset == *other
    }

    /// One line per campaign for a terminal.
    pub fn terminal_table(&self) -> String {
        let header = [
            "campaign",
            "events",
            "verdict",
            "best column (F1 P R)",
            "2nd",
            "3rd",
            "best pair",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for campaign in &self.campaigns {
            let column = |i: usize| match campaign.columns.get(i) {
                Some(s) if campaign.events > 0 => format!("{} {:.3}", s.column, s.f1),
                _ => "-".to_string(),
            };
            let best = match campaign.columns.first() {
                Some(s) if campaign.events > 0 => format!(
                    "{} {:.3} {:.3} {:.3}",
                    s.column, s.f1, s.precision, s.recall
                ),
                _ => "-".to_string(),
            };
            let pair = match campaign.pairs.first() {
                Some(s) if campaign.events > 0 => format!("{} {:.3}", s.column, s.f1),
                _ if !self.pairs_computed => "(not computed)".to_string(),
                _ => "-".to_string(),
            };
            let name = if campaign.naive {
                format!("{} (naive)", campaign.name)
            } else {
                campaign.name.clone()
            };
            rows.push(vec![
                name,
                campaign.events.to_string(),
                campaign.verdict.as_str().to_string(),
                best,
                column(1),
                column(2),
                pair,
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, &width))| {
                    let pad = width - cell.chars().count();
                    if i == 1 {
                        format!("{}{cell}", " ".repeat(pad))
                    } else {
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// What `bench` puts under `audit` in `report.json`: per campaign name, its best
    /// column, that column's F1 and the verdict.
    pub fn bench_summary(&self) -> BTreeMap<String, BenchAuditEntry> {
        let mut out = BTreeMap::new();
        for campaign in &self.campaigns {
            let mut name = campaign.name.clone();
            if out.contains_key(&name) {
                name = format!("{name} (campaign {})", campaign.campaign_id);
            }
            out.insert(
                name,
                BenchAuditEntry {
                    best_column: campaign.best_column.clone(),
                    best_f1: campaign.best_f1,
                    verdict: campaign.verdict,
                },
            );
        }
        out
    }
}

/// One campaign in `report.json`'s `audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchAuditEntry {
    pub best_column: Option<String>,
    pub best_f1: f64,
    pub verdict: Verdict,
}

/// The "How hard each campaign is" section of `report.md`.
pub fn bench_markdown(summary: &BTreeMap<String, BenchAuditEntry>) -> String {
    let mut out = String::from("\n## How hard each campaign is\n\n");
    out.push_str(&format!(
        "The best rule on one events column alone, its values chosen with the labels (an upper bound; `breachlab audit` has the details). Above F1 {LEAK_THRESHOLD} a campaign leaks through that field unless it is marked naive.\n\n"
    ));
    for (name, entry) in summary {
        let column = entry.best_column.as_deref().unwrap_or("-");
        out.push_str(&format!(
            "- `{name}`: {} (best column `{column}`, F1 {:.3})\n",
            entry.verdict.as_str(),
            entry.best_f1
        ));
    }
    out
}
