//! `audit.json` (its schema is in `docs/audit.md`), the terminal table, and the summary
//! that `bench` puts in its report.

use super::best::BestRule;
use super::columns::{BOUNDED_COLUMNS, Dictionary, UNBOUNDED_COLUMNS};
use super::combos::{
    COMBINATION_FIELDS, ComboTable, MAX_CONDITIONS, MAX_SET_VALUES, NamedCondition, f1, named,
    resolve, rule_text,
};
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
    /// The fields a combination rule may use (empty in audits older than 0.4.0).
    #[serde(default)]
    pub combination_fields: Vec<String>,
    /// Conditions per combination rule, and values per condition, at most.
    #[serde(default)]
    pub combination_limits: Option<CombinationLimits>,
    /// The seed each campaign's combination rule was also scored on (`--holdout-seed`).
    #[serde(default)]
    pub holdout_seed: Option<u64>,
}

/// How large a combination rule may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CombinationLimits {
    pub max_conditions: u64,
    pub max_values_per_condition: u64,
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
    /// The scenario's `signature` of this campaign: the cited shape the real traffic had,
    /// which a combination rule is allowed to catch.
    #[serde(default)]
    pub signature: Option<String>,
    /// The best combination rule over one event's fields (`None` in older audits and for
    /// a campaign without events).
    #[serde(default)]
    pub best_combination: Option<CombinationScore>,
    /// `ok`, `naive`, `signature` or `LEAK` on the combination figure: the cross-seed F1
    /// when there is one, else the in-sample F1.
    #[serde(default)]
    pub combination_verdict: Option<Verdict>,
}

/// The best combination rule of one campaign, chosen with the labels of the audited
/// dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CombinationScore {
    /// The rule as one line, e.g. `route = /v1/accounts/{id} and session_id = ∅`.
    pub rule: String,
    pub conditions: Vec<NamedCondition>,
    /// In-sample: scored on the dataset it was chosen on (an upper bound).
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    pub tp: u64,
    pub fp: u64,
    /// The same rule scored on another seed's dataset.
    pub holdout: Option<HoldoutScore>,
}

/// A combination rule scored on another seed of the same scenario and scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutScore {
    pub seed: u64,
    /// The campaign's events on that seed.
    pub events: u64,
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    pub tp: u64,
    pub fp: u64,
}

impl CombinationScore {
    /// The figure the bound applies to: cross-seed when computed, else in-sample.
    pub fn bounded_f1(&self) -> f64 {
        self.holdout.as_ref().map_or(self.f1, |h| h.f1)
    }
}

/// Another seed's tally, to score the chosen rules on.
pub struct HoldoutTable<'a> {
    pub seed: u64,
    pub campaigns: &'a [CampaignMeta],
    pub combos: &'a ComboTable,
    pub dictionaries: &'a [Dictionary],
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
    /// Combination verdict only: above the threshold, and the campaign declares the cited
    /// `signature` the real traffic had.
    #[serde(rename = "signature")]
    Signature,
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

    /// The combination verdict of a rule scoring `f1`.
    pub fn of_combination(f1: f64, naive: bool, signature: bool) -> Verdict {
        if f1 <= LEAK_THRESHOLD {
            Verdict::Ok
        } else if naive {
            Verdict::Naive
        } else if signature {
            Verdict::Signature
        } else {
            Verdict::Leak
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Naive => "naive",
            Verdict::Leak => "LEAK",
            Verdict::Signature => "signature",
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
    /// The scenario's cited `signature`, if it declares one.
    pub signature: Option<String>,
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
    combos: &ComboTable,
    dictionaries: &[Dictionary],
    pairs_computed: bool,
    holdout: Option<&HoldoutTable>,
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
            let combination = (events > 0)
                .then(|| combination_score(index, &meta.name, combos, dictionaries, holdout));
            let combination_verdict = combination.as_ref().map(|c| {
                Verdict::of_combination(c.bounded_f1(), meta.naive, meta.signature.is_some())
            });
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
                signature: meta.signature.clone(),
                best_combination: combination,
                combination_verdict,
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
        combination_fields: COMBINATION_FIELDS.iter().map(|f| f.to_string()).collect(),
        combination_limits: Some(CombinationLimits {
            max_conditions: MAX_CONDITIONS as u64,
            max_values_per_condition: MAX_SET_VALUES as u64,
        }),
        holdout_seed: holdout.map(|h| h.seed),
    }
}

/// Campaign `index`'s best combination rule, and its score on the holdout's campaign of
/// the same name (none there: no holdout score).
fn combination_score(
    index: usize,
    name: &str,
    combos: &ComboTable,
    dictionaries: &[Dictionary],
    holdout: Option<&HoldoutTable>,
) -> CombinationScore {
    let rule = combos.best_rule(index);
    let conditions = named(&rule, dictionaries);
    let holdout = holdout.and_then(|other| {
        let campaign = other.campaigns.iter().position(|m| m.name == name)?;
        let resolved = resolve(&conditions, other.dictionaries)?;
        let events = other.combos.campaign_events(campaign);
        let (tp, fp) = other.combos.score(&resolved, campaign);
        Some(HoldoutScore {
            seed: other.seed,
            events,
            f1: f1(tp, fp, events),
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, events),
            tp,
            fp,
        })
    });
    CombinationScore {
        rule: rule_text(&conditions),
        conditions,
        f1: rule.f1(),
        precision: ratio(rule.tp, rule.tp + rule.fp),
        recall: ratio(rule.tp, rule.positives),
        tp: rule.tp,
        fp: rule.fp,
        holdout,
    }
}

fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
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

    /// Campaigns whose combination verdict is `LEAK`.
    pub fn combination_leaks(&self) -> impl Iterator<Item = &CampaignAudit> {
        self.campaigns
            .iter()
            .filter(|c| c.combination_verdict == Some(Verdict::Leak))
    }

    /// One line per campaign for a terminal, then each campaign's best combination rule.
    pub fn terminal_table(&self) -> String {
        let other = match self.holdout_seed {
            Some(seed) => format!("seed {seed}"),
            None => "other seed".to_string(),
        };
        let header = [
            "campaign".to_string(),
            "events".to_string(),
            "verdict".to_string(),
            "best column (F1 P R)".to_string(),
            "2nd".to_string(),
            "3rd".to_string(),
            "best pair".to_string(),
            "combination F1".to_string(),
            other,
            "comb. verdict".to_string(),
        ];
        let mut rows: Vec<Vec<String>> = vec![header.to_vec()];
        let mut rules = String::new();
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
            } else if campaign.signature.is_some() {
                format!("{} (signature)", campaign.name)
            } else {
                campaign.name.clone()
            };
            let combination = campaign.best_combination.as_ref();
            let in_sample = combination.map_or("-".to_string(), |c| format!("{:.3}", c.f1));
            let cross = combination
                .and_then(|c| c.holdout.as_ref())
                .map_or("-".to_string(), |h| format!("{:.3}", h.f1));
            let verdict = campaign
                .combination_verdict
                .map_or("-", |v| v.as_str())
                .to_string();
            if let Some(c) = combination {
                rules.push_str(&format!("  {}: {}\n", campaign.name, c.rule));
            }
            rows.push(vec![
                name,
                campaign.events.to_string(),
                campaign.verdict.as_str().to_string(),
                best,
                column(1),
                column(2),
                pair,
                in_sample,
                cross,
                verdict,
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
                    if i == 1 || i == 7 || i == 8 {
                        format!("{}{cell}", " ".repeat(pad))
                    } else {
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        if !rules.is_empty() {
            out.push_str("best combination rules (chosen with the labels):\n");
            out.push_str(&rules);
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
                    combination_rule: campaign.best_combination.as_ref().map(|c| c.rule.clone()),
                    combination_f1: campaign.best_combination.as_ref().map(|c| c.f1),
                    combination_holdout_f1: campaign
                        .best_combination
                        .as_ref()
                        .and_then(|c| c.holdout.as_ref())
                        .map(|h| h.f1),
                    combination_verdict: campaign.combination_verdict,
                    signature: campaign.signature.clone(),
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
    /// The best combination rule (see `CampaignAudit::best_combination`).
    #[serde(default)]
    pub combination_rule: Option<String>,
    /// Its in-sample F1.
    #[serde(default)]
    pub combination_f1: Option<f64>,
    /// Its F1 on another seed, when the audit had one.
    #[serde(default)]
    pub combination_holdout_f1: Option<f64>,
    #[serde(default)]
    pub combination_verdict: Option<Verdict>,
    /// The campaign's declared signature.
    #[serde(default)]
    pub signature: Option<String>,
}

/// The "How hard each campaign is" section of `report.md`.
pub fn bench_markdown(summary: &BTreeMap<String, BenchAuditEntry>) -> String {
    let mut out = String::from("\n## How hard each campaign is\n\n");
    out.push_str(&format!(
        "The best rule on one events column alone, and the best rule of up to {MAX_CONDITIONS} conditions over one event's fields, their values chosen with the labels (upper bounds; `breachlab audit` has the details, and can also score the combination on another seed). Above F1 {LEAK_THRESHOLD} a campaign leaks unless it is marked naive (single column or combination) or declares the cited signature its real traffic had (combination).\n\n"
    ));
    for (name, entry) in summary {
        let column = entry.best_column.as_deref().unwrap_or("-");
        out.push_str(&format!(
            "- `{name}`: {} (best column `{column}`, F1 {:.3})",
            entry.verdict.as_str(),
            entry.best_f1
        ));
        if let (Some(rule), Some(f1)) = (&entry.combination_rule, entry.combination_f1) {
            let verdict = entry.combination_verdict.map_or("-", |v| v.as_str());
            let cross = entry
                .combination_holdout_f1
                .map_or(String::new(), |h| format!(", {h:.3} on another seed"));
            out.push_str(&format!(
                "; combination {verdict}: `{rule}`, F1 {f1:.3}{cross}"
            ));
        }
        if let Some(signature) = &entry.signature {
            out.push_str(&format!(
                "; a signature campaign (the rule above would have stopped it): {signature}"
            ));
        }
        out.push('\n');
    }
    out
}
