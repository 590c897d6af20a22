//! Counts of events per (value, class) for each bounded column and each pair of them.
//! Pure: it takes per-row value ids and classes, however they were read. Memory grows
//! with the distinct values and value pairs, never with the rows.

use super::best::{BestRule, ValueCounts, best_rule};
use rayon::prelude::*;

/// Class of a row the audit ignores (an attack event of no known campaign).
pub const SKIP: u32 = u32::MAX;

/// Class 0 is benign traffic; class `1 + k` is the `k`-th campaign.
#[derive(Debug, Clone)]
pub struct Tally {
    classes: usize,
    /// Per column, counts at `value * classes + class`.
    columns: Vec<Vec<u64>>,
    pairs: Vec<PairTally>,
    class_events: Vec<u64>,
}

/// The counts of one pair of columns over the value pairs seen.
#[derive(Debug, Clone)]
pub struct PairTally {
    pub first: usize,
    pub second: usize,
    slots: foldhash::HashMap<u64, u32>,
    /// The value ids of each slot.
    keys: Vec<(u32, u32)>,
    /// Counts at `slot * classes + class`.
    counts: Vec<u64>,
}

impl PairTally {
    /// The value ids `(first, second)` of slot `slot`.
    pub fn key(&self, slot: u32) -> (u32, u32) {
        self.keys[slot as usize]
    }
}

impl Tally {
    /// A tally of `columns` columns for `campaigns` campaigns; with `pairs`, also every
    /// pair of columns.
    pub fn new(columns: usize, campaigns: usize, pairs: bool) -> Self {
        let mut pair_tallies = Vec::new();
        if pairs {
            for first in 0..columns {
                for second in first + 1..columns {
                    pair_tallies.push(PairTally {
                        first,
                        second,
                        slots: foldhash::HashMap::default(),
                        keys: Vec::new(),
                        counts: Vec::new(),
                    });
                }
            }
        }
        Tally {
            classes: campaigns + 1,
            columns: vec![Vec::new(); columns],
            pairs: pair_tallies,
            class_events: vec![0; campaigns + 1],
        }
    }

    pub fn pairs(&self) -> &[PairTally] {
        &self.pairs
    }

    /// Events of campaign `campaign` seen so far.
    pub fn campaign_events(&self, campaign: usize) -> u64 {
        self.class_events[campaign + 1]
    }

    /// Benign events seen so far.
    pub fn benign_events(&self) -> u64 {
        self.class_events[0]
    }

    /// Adds rows: `ids[column][row]` is the row's value id in that column, `classes[row]`
    /// its class (0 benign, `1 + k` campaign `k`, or [`SKIP`]).
    pub fn add(&mut self, ids: &[Vec<u32>], classes: &[u32]) {
        assert_eq!(ids.len(), self.columns.len(), "one id column per column");
        let k = self.classes;
        for &class in classes {
            if class != SKIP {
                self.class_events[class as usize] += 1;
            }
        }
        for (counts, column) in self.columns.iter_mut().zip(ids) {
            assert_eq!(column.len(), classes.len(), "one id per row");
            if let Some(&top) = column.iter().max() {
                let needed = (top as usize + 1) * k;
                if counts.len() < needed {
                    counts.resize(needed, 0);
                }
            }
            for (&id, &class) in column.iter().zip(classes) {
                if class != SKIP {
                    counts[id as usize * k + class as usize] += 1;
                }
            }
        }
        // Each pair's map is filled by one thread in row order: the slots (and so every
        // tie order) do not depend on the thread count.
        self.pairs.par_iter_mut().for_each(|pair| {
            let (first, second) = (&ids[pair.first], &ids[pair.second]);
            for ((&class, &a), &b) in classes.iter().zip(first).zip(second) {
                if class == SKIP {
                    continue;
                }
                let key = (a as u64) << 32 | b as u64;
                let next = pair.keys.len() as u32;
                let slot = *pair.slots.entry(key).or_insert(next);
                if slot == next {
                    pair.keys.push((a, b));
                    pair.counts.resize(pair.counts.len() + k, 0);
                }
                pair.counts[slot as usize * k + class as usize] += 1;
            }
        });
    }

    /// The best rule of column `column` for each campaign.
    pub fn column_rules(&self, column: usize) -> Vec<BestRule> {
        self.rules(&self.columns[column])
    }

    /// The best rule of pair `pair` (an index into [`Tally::pairs`]) for each campaign;
    /// its values are the pair's slots.
    pub fn pair_rules(&self, pair: usize) -> Vec<BestRule> {
        self.rules(&self.pairs[pair].counts)
    }

    fn rules(&self, counts: &[u64]) -> Vec<BestRule> {
        let k = self.classes;
        let mut candidates: Vec<Vec<ValueCounts>> = vec![Vec::new(); k - 1];
        for (value, row) in counts.chunks_exact(k).enumerate() {
            let benign = row[0];
            for (campaign, &attack) in row[1..].iter().enumerate() {
                if attack > 0 {
                    candidates[campaign].push(ValueCounts {
                        value: value as u32,
                        attack,
                        benign,
                    });
                }
            }
        }
        candidates
            .iter()
            .enumerate()
            .map(|(campaign, values)| best_rule(values, self.campaign_events(campaign)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_separates_what_neither_column_does() {
        // Two columns, x and y, each with values 0 and 1. The campaign (class 1) is
        // exactly the rows with x = y; benign rows (class 0) have x != y. Each value of
        // each column is used equally by both: alone, a column's best rule is every
        // value (F1 = 2·4/(4+4+4) = 2/3); the pair separates perfectly (F1 = 1).
        let x = vec![0, 1, 0, 1, 0, 1, 0, 1];
        let y = vec![0, 1, 1, 0, 0, 1, 1, 0];
        let classes = vec![1, 1, 0, 0, 1, 1, 0, 0];
        let mut tally = Tally::new(2, 1, true);
        tally.add(&[x, y], &classes);
        assert_eq!(tally.campaign_events(0), 4);
        assert_eq!(tally.benign_events(), 4);
        for column in 0..2 {
            let rule = &tally.column_rules(column)[0];
            assert_eq!((rule.tp, rule.fp), (4, 4));
            assert!((rule.f1() - 2.0 / 3.0).abs() < 1e-12);
        }
        assert_eq!(tally.pairs().len(), 1);
        let rule = &tally.pair_rules(0)[0];
        assert_eq!((rule.tp, rule.fp), (4, 0));
        assert_eq!(rule.f1(), 1.0);
        let mut keys: Vec<(u32, u32)> = rule
            .values
            .iter()
            .map(|&s| tally.pairs()[0].key(s))
            .collect();
        keys.sort();
        assert_eq!(keys, vec![(0, 0), (1, 1)]);
    }

    #[test]
    fn other_campaigns_and_skipped_rows_are_not_negatives() {
        // Campaign 0 (class 1) uses value 0; campaign 1 (class 2) also uses value 0; a
        // skipped row too. For campaign 0 the only negatives are benign rows (value 1).
        let ids = vec![vec![0, 0, 0, 0, 1]];
        let classes = vec![1, 1, 2, SKIP, 0];
        let mut tally = Tally::new(1, 2, false);
        tally.add(&ids, &classes);
        let rules = tally.column_rules(0);
        assert_eq!((rules[0].tp, rules[0].fp, rules[0].positives), (2, 0, 2));
        assert_eq!((rules[1].tp, rules[1].fp, rules[1].positives), (1, 0, 1));
        assert!(tally.pairs().is_empty());
    }

    #[test]
    fn counts_add_up_over_batches() {
        let mut tally = Tally::new(1, 1, false);
        tally.add(&[vec![0, 1]], &[1, 0]);
        tally.add(&[vec![2, 0]], &[0, 1]);
        let rule = &tally.column_rules(0)[0];
        assert_eq!((rule.tp, rule.fp, rule.positives), (2, 0, 2));
        assert_eq!(rule.values, vec![0]);
    }
}
