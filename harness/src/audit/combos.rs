//! The best rule over several fields of one event for one campaign: a conjunction of up to
//! [`MAX_CONDITIONS`] conditions, each `field in {values}` with at most [`MAX_SET_VALUES`]
//! values (one value is `field = value`; a presence field's values are `∅` and `set`),
//! chosen with the labels and scored by F1 of the campaign's events against benign ones.
//!
//! The single-column audit bounds one field at a time exactly; a WAF rule written from the
//! labels combines two or three. Counting every conjunction exactly is out of reach, so the
//! search works on a count table over the distinct tuples of the fields' values (rows with
//! the same tuple are one entry with a count per class) and runs a beam search: at each
//! depth, every rule of the beam is extended by one more field, that field's value set
//! chosen as the single-column audit chooses it (the prefix of values by campaign share,
//! here capped at [`MAX_SET_VALUES`]) among the tuples the rule already matches, and also
//! by each of that field's [`SINGLE_VALUE_CANDIDATES`] best single values; the
//! [`BEAM_WIDTH`] best rules go on. It may miss a rule whose first condition alone scores
//! poorly but becomes best once combined (an XOR-like shape), and a value set that is not a
//! prefix by share. Its result is a lower bound on the true best conjunction and, being
//! chosen with the labels, an upper bound on what a rule writer would get.
//!
//! Pure: it takes value ids and classes; [`super::scan`] fills it.

use super::best::{ValueCounts, best_rule_at_most};
use super::columns::{BOUNDED_COLUMNS, Dictionary};
use super::tally::SKIP;
use breachlab_schema::events as e;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Conditions per rule, at most.
pub const MAX_CONDITIONS: usize = 3;
/// Values per condition, at most.
pub const MAX_SET_VALUES: usize = 3;
/// Rules kept from one depth to the next.
pub const BEAM_WIDTH: usize = 12;
/// Single values of a field tried as extensions beside its best set.
pub const SINGLE_VALUE_CANDIDATES: usize = 3;

/// Name of the derived field: whether `api_key_id` is set.
pub const API_KEY_PRESENCE: &str = "api_key";

/// The fields a combination may use: one event's descriptive fields. Each is a bounded
/// column (by name), except [`API_KEY_PRESENCE`], derived from `api_key_id`.
pub const COMBINATION_FIELDS: [&str; 11] = [
    e::USER_AGENT,
    e::IP_ASN,
    e::IP_KIND,
    e::COUNTRY,
    e::CLIENT_KIND,
    e::METHOD,
    e::ROUTE,
    e::API_KEY_ID,
    e::PRINCIPAL_ID,
    e::SESSION_ID,
    API_KEY_PRESENCE,
];

/// Number of combination fields.
pub const FIELDS: usize = COMBINATION_FIELDS.len();

/// Index in [`BOUNDED_COLUMNS`] of each combination field (the derived one maps to
/// `api_key_id`'s).
pub fn bounded_index(field: usize) -> usize {
    let name = match COMBINATION_FIELDS[field] {
        API_KEY_PRESENCE => e::API_KEY_ID,
        other => other,
    };
    BOUNDED_COLUMNS
        .iter()
        .position(|c| c.name == name)
        .expect("every combination field is a bounded column")
}

/// Value id of the derived presence field: 0 `∅`, 1 `set`.
const PRESENCE_TEXTS: [&str; 2] = [super::columns::NULL_TEXT, "set"];

/// Counts per class of each distinct tuple of field values.
#[derive(Debug, Clone)]
pub struct ComboTable {
    classes: usize,
    slots: HashMap<[u32; FIELDS], u32>,
    tuples: Vec<[u32; FIELDS]>,
    /// Counts at `slot * classes + class`.
    counts: Vec<u64>,
    class_events: Vec<u64>,
}

impl ComboTable {
    /// An empty table for `campaigns` campaigns (class 0 benign, `1 + k` campaign `k`).
    pub fn new(campaigns: usize) -> Self {
        ComboTable {
            classes: campaigns + 1,
            slots: HashMap::new(),
            tuples: Vec::new(),
            counts: Vec::new(),
            class_events: vec![0; campaigns + 1],
        }
    }

    /// Distinct tuples seen.
    pub fn len(&self) -> usize {
        self.tuples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tuples.is_empty()
    }

    /// Adds one row: its value id per field and its class (or [`SKIP`]).
    pub fn add(&mut self, tuple: [u32; FIELDS], class: u32) {
        if class == SKIP {
            return;
        }
        let next = self.tuples.len() as u32;
        let slot = *self.slots.entry(tuple).or_insert(next);
        if slot == next {
            self.tuples.push(tuple);
            self.counts.resize(self.counts.len() + self.classes, 0);
        }
        self.counts[slot as usize * self.classes + class as usize] += 1;
        self.class_events[class as usize] += 1;
    }

    /// Adds rows from the bounded columns' value ids (`ids[column][row]`, in
    /// [`BOUNDED_COLUMNS`] order); `api_key_null` is `api_key_id`'s id of null, if seen.
    pub fn add_rows(&mut self, ids: &[Vec<u32>], classes: &[u32], api_key_null: Option<u32>) {
        let sources: Vec<usize> = (0..FIELDS).map(bounded_index).collect();
        for (row, &class) in classes.iter().enumerate() {
            let mut tuple = [0u32; FIELDS];
            for (field, &source) in sources.iter().enumerate() {
                let id = ids[source][row];
                tuple[field] = if COMBINATION_FIELDS[field] == API_KEY_PRESENCE {
                    u32::from(Some(id) != api_key_null)
                } else {
                    id
                };
            }
            self.add(tuple, class);
        }
    }

    /// Events of campaign `campaign`.
    pub fn campaign_events(&self, campaign: usize) -> u64 {
        self.class_events[campaign + 1]
    }

    fn count(&self, slot: usize, class: usize) -> u64 {
        self.counts[slot * self.classes + class]
    }

    /// TP and FP of `rule` for campaign `campaign`.
    pub fn score(&self, rule: &[Condition], campaign: usize) -> (u64, u64) {
        let (mut tp, mut fp) = (0, 0);
        for (slot, tuple) in self.tuples.iter().enumerate() {
            if rule.iter().all(|c| c.matches(tuple)) {
                tp += self.count(slot, campaign + 1);
                fp += self.count(slot, 0);
            }
        }
        (tp, fp)
    }

    /// The best rule the beam search finds for campaign `campaign`.
    pub fn best_rule(&self, campaign: usize) -> ComboRule {
        let positives = self.campaign_events(campaign);
        let class = campaign + 1;
        // Only tuples with campaign events can be in a best rule's TP; benign-only tuples
        // still count against it, so every tuple is kept.
        let mut best = ComboRule::empty(positives);
        let mut beam: Vec<ComboRule> = vec![ComboRule::empty(positives)];
        for _depth in 0..MAX_CONDITIONS {
            let mut next: Vec<ComboRule> = Vec::new();
            for rule in &beam {
                let matched: Vec<usize> = (0..self.tuples.len())
                    .filter(|&s| rule.conditions.iter().all(|c| c.matches(&self.tuples[s])))
                    .collect();
                for field in 0..FIELDS {
                    if rule.conditions.iter().any(|c| c.field == field) {
                        continue;
                    }
                    for condition in self.extensions(&matched, field, class, positives) {
                        let mut conditions = rule.conditions.clone();
                        conditions.push(condition);
                        conditions.sort_by_key(|c| c.field);
                        let (tp, fp) = self.score(&conditions, campaign);
                        next.push(ComboRule {
                            conditions,
                            tp,
                            fp,
                            positives,
                        });
                    }
                }
            }
            next.sort_by(|x, y| x.order(y));
            next.dedup_by(|x, y| x.conditions == y.conditions);
            next.truncate(BEAM_WIDTH);
            if let Some(top) = next.first()
                && top.better_than(&best)
            {
                best = top.clone();
            }
            if next.is_empty() {
                break;
            }
            beam = next;
        }
        best
    }

    /// Conditions on `field` worth adding to a rule matching tuples `matched`: the best
    /// value set (at most [`MAX_SET_VALUES`]) and the best single values.
    fn extensions(
        &self,
        matched: &[usize],
        field: usize,
        class: usize,
        positives: u64,
    ) -> Vec<Condition> {
        let mut per_value: HashMap<u32, (u64, u64)> = HashMap::new();
        for &slot in matched {
            let entry = per_value.entry(self.tuples[slot][field]).or_default();
            entry.0 += self.count(slot, class);
            entry.1 += self.count(slot, 0);
        }
        let mut counts: Vec<ValueCounts> = per_value
            .into_iter()
            .map(|(value, (attack, benign))| ValueCounts {
                value,
                attack,
                benign,
            })
            .filter(|c| c.attack > 0)
            .collect();
        counts.sort_by_key(|c| c.value);
        let mut out = Vec::new();
        let set = best_rule_at_most(&counts, positives, MAX_SET_VALUES);
        if !set.values.is_empty() {
            let mut values = set.values.clone();
            values.sort_unstable();
            out.push(Condition { field, values });
        }
        // Single values by F1 of that value alone.
        counts.sort_by(|x, y| {
            let fx = x.attack as u128 * (y.attack + y.benign + positives) as u128;
            let fy = y.attack as u128 * (x.attack + x.benign + positives) as u128;
            fy.cmp(&fx).then(x.value.cmp(&y.value))
        });
        for single in counts.iter().take(SINGLE_VALUE_CANDIDATES) {
            let condition = Condition {
                field,
                values: vec![single.value],
            };
            if !out.contains(&condition) {
                out.push(condition);
            }
        }
        out
    }
}

/// `field in values` (value ids of this table's dictionaries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: usize,
    /// Sorted value ids.
    pub values: Vec<u32>,
}

impl Condition {
    fn matches(&self, tuple: &[u32; FIELDS]) -> bool {
        self.values.contains(&tuple[self.field])
    }
}

/// A conjunction of conditions and its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ComboRule {
    /// In field order.
    pub conditions: Vec<Condition>,
    pub tp: u64,
    pub fp: u64,
    pub positives: u64,
}

impl ComboRule {
    fn empty(positives: u64) -> Self {
        ComboRule {
            conditions: Vec::new(),
            tp: 0,
            fp: 0,
            positives,
        }
    }

    pub fn f1(&self) -> f64 {
        f1(self.tp, self.fp, self.positives)
    }

    /// Strictly higher F1, compared exactly.
    fn better_than(&self, other: &ComboRule) -> bool {
        self.tp as u128 * (other.tp + other.fp + other.positives) as u128
            > other.tp as u128 * (self.tp + self.fp + self.positives) as u128
    }

    /// Higher F1 first; then fewer conditions, fewer values, then by fields and values
    /// (so the order never depends on a hash map's).
    fn order(&self, other: &ComboRule) -> std::cmp::Ordering {
        let left = other.tp as u128 * (self.tp + self.fp + self.positives) as u128;
        let right = self.tp as u128 * (other.tp + other.fp + other.positives) as u128;
        left.cmp(&right)
            .then(self.conditions.len().cmp(&other.conditions.len()))
            .then(self.value_count().cmp(&other.value_count()))
            .then_with(|| self.key().cmp(&other.key()))
    }

    fn value_count(&self) -> usize {
        self.conditions.iter().map(|c| c.values.len()).sum()
    }

    fn key(&self) -> Vec<(usize, Vec<u32>)> {
        self.conditions
            .iter()
            .map(|c| (c.field, c.values.clone()))
            .collect()
    }
}

/// `2·TP / (TP + FP + P)`; 0 when that is 0/0.
pub fn f1(tp: u64, fp: u64, positives: u64) -> f64 {
    let denominator = tp + fp + positives;
    if denominator == 0 {
        0.0
    } else {
        2.0 * tp as f64 / denominator as f64
    }
}

/// A condition by field name and value texts: what `audit.json` holds and what is scored
/// on another dataset (whose value ids differ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCondition {
    pub field: String,
    pub values: Vec<String>,
}

/// The text of value `id` of combination field `field`.
pub fn value_text(field: usize, id: u32, dictionaries: &[Dictionary]) -> String {
    if COMBINATION_FIELDS[field] == API_KEY_PRESENCE {
        PRESENCE_TEXTS[id as usize].to_string()
    } else {
        dictionaries[bounded_index(field)].text(id).to_string()
    }
}

/// `rule`'s conditions by name and text.
pub fn named(rule: &ComboRule, dictionaries: &[Dictionary]) -> Vec<NamedCondition> {
    rule.conditions
        .iter()
        .map(|c| NamedCondition {
            field: COMBINATION_FIELDS[c.field].to_string(),
            values: c
                .values
                .iter()
                .map(|&v| value_text(c.field, v, dictionaries))
                .collect(),
        })
        .collect()
}

/// A rule as one line: `session_id = ∅ and route in {a, b}`.
pub fn rule_text(conditions: &[NamedCondition]) -> String {
    if conditions.is_empty() {
        return "(none)".to_string();
    }
    conditions
        .iter()
        .map(|c| match c.values.as_slice() {
            [one] => format!("{} = {one}", c.field),
            many => format!("{} in {{{}}}", c.field, many.join(", ")),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `conditions` in the value ids of a table with `dictionaries`; `None` when a field is
/// unknown. A value the table never saw matches nothing (and is left out).
pub fn resolve(
    conditions: &[NamedCondition],
    dictionaries: &[Dictionary],
) -> Option<Vec<Condition>> {
    conditions
        .iter()
        .map(|named| {
            let field = COMBINATION_FIELDS.iter().position(|f| *f == named.field)?;
            let values: Vec<u32> = if COMBINATION_FIELDS[field] == API_KEY_PRESENCE {
                named
                    .values
                    .iter()
                    .filter_map(|t| PRESENCE_TEXTS.iter().position(|p| p == t))
                    .map(|p| p as u32)
                    .collect()
            } else {
                let dictionary = &dictionaries[bounded_index(field)];
                (0..dictionary.len() as u32)
                    .filter(|&id| named.values.iter().any(|t| t == dictionary.text(id)))
                    .collect()
            };
            Some(Condition { field, values })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> usize {
        COMBINATION_FIELDS.iter().position(|f| *f == name).unwrap()
    }

    /// A tuple with `route`, `session_id` and `ip_kind` set and every other field 0.
    fn row(route: u32, session: u32, ip_kind: u32) -> [u32; FIELDS] {
        let mut tuple = [0; FIELDS];
        tuple[field(e::ROUTE)] = route;
        tuple[field(e::SESSION_ID)] = session;
        tuple[field(e::IP_KIND)] = ip_kind;
        tuple
    }

    fn table(rows: &[([u32; FIELDS], u32, u64)]) -> ComboTable {
        let mut table = ComboTable::new(1);
        for &(tuple, class, times) in rows {
            for _ in 0..times {
                table.add(tuple, class);
            }
        }
        table
    }

    #[test]
    fn two_conditions_catch_what_neither_field_alone_does() {
        // Campaign (class 1): 10 events of route 1 without a session (session 0).
        // Benign: 10 of route 1 with a session, 10 of route 0 without one, 80 of route 0
        // with one. Alone: route = 1 flags TP 10, FP 10: F1 = 20/30 = 0.667; session = 0
        // the same. Together: TP 10, FP 0: F1 = 1.
        let t = table(&[
            (row(1, 0, 0), 1, 10),
            (row(1, 1, 0), 0, 10),
            (row(0, 0, 0), 0, 10),
            (row(0, 1, 0), 0, 80),
        ]);
        assert_eq!(t.len(), 4);
        let rule = t.best_rule(0);
        assert_eq!((rule.tp, rule.fp, rule.positives), (10, 0, 10));
        assert_eq!(rule.f1(), 1.0);
        assert_eq!(
            rule.conditions,
            vec![
                Condition {
                    field: field(e::ROUTE),
                    values: vec![1]
                },
                Condition {
                    field: field(e::SESSION_ID),
                    values: vec![0]
                },
            ]
        );
    }

    #[test]
    fn a_third_condition_is_added_only_when_it_raises_f1() {
        // Campaign: 6 of (route 1, no session, cloud 1) and 4 of (1, 0, residential 0).
        // Benign: 2 of (1, 0, 1), 8 of (1, 0, 0), 100 of (0, 1, 0).
        // route = 1 and session = 0: TP 10, FP 10: F1 = 20/30 = 0.667.
        // ... and ip_kind = 1: TP 6, FP 2: F1 = 12/18 = 0.667: not strictly better, so
        // the two-condition rule stays (fewer conditions win ties).
        // ip_kind = 1 alone: TP 6, FP 2 (same 12/18).
        let t = table(&[
            (row(1, 0, 1), 1, 6),
            (row(1, 0, 0), 1, 4),
            (row(1, 0, 1), 0, 2),
            (row(1, 0, 0), 0, 8),
            (row(0, 1, 0), 0, 100),
        ]);
        let rule = t.best_rule(0);
        assert!((rule.f1() - 2.0 / 3.0).abs() < 1e-12, "{rule:?}");
        assert_eq!(rule.conditions.len(), 1, "{rule:?}");
    }

    #[test]
    fn scoring_a_named_rule_on_another_table_uses_its_value_texts() {
        // Table A's dictionary has route ids {0: "/a", 1: "/b"}; table B's the reverse.
        let mut a = vec![Dictionary::default(); BOUNDED_COLUMNS.len()];
        let route = bounded_index(field(e::ROUTE));
        a[route].text_id("/a");
        a[route].text_id("/b");
        let mut b = vec![Dictionary::default(); BOUNDED_COLUMNS.len()];
        b[route].text_id("/b");
        b[route].text_id("/a");
        let rule = ComboRule {
            conditions: vec![Condition {
                field: field(e::ROUTE),
                values: vec![1],
            }],
            tp: 0,
            fp: 0,
            positives: 0,
        };
        let named_rule = named(&rule, &a);
        assert_eq!(rule_text(&named_rule), "route = /b");
        let resolved = resolve(&named_rule, &b).unwrap();
        assert_eq!(resolved[0].values, vec![0]);
        // On B: campaign 3 of "/b" (id 0), 1 of "/a"; benign 1 of "/b".
        // TP 3, FP 1, P 4: F1 = 6/8 = 0.75.
        let t = table(&[
            (row(0, 0, 0), 1, 3),
            (row(1, 0, 0), 1, 1),
            (row(0, 0, 0), 0, 1),
        ]);
        let (tp, fp) = t.score(&resolved, 0);
        assert_eq!((tp, fp), (3, 1));
        assert!((f1(tp, fp, 4) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn the_api_key_presence_is_derived_from_api_key_id() {
        let mut ids = vec![vec![0u32; 3]; BOUNDED_COLUMNS.len()];
        let key = BOUNDED_COLUMNS
            .iter()
            .position(|c| c.name == e::API_KEY_ID)
            .unwrap();
        ids[key] = vec![4, 7, 4];
        let mut t = ComboTable::new(1);
        t.add_rows(&ids, &[1, 0, SKIP], Some(4));
        assert_eq!(t.len(), 2);
        let presence = field(API_KEY_PRESENCE);
        assert_eq!(t.tuples[0][presence], 0);
        assert_eq!(t.tuples[1][presence], 1);
        assert_eq!(t.class_events, vec![1, 1]);
    }
}
