//! The best rule of one column (or one pair of columns) for one campaign: the set of
//! values, chosen with the labels, whose events best separate the campaign's events from
//! benign ones by F1.
//!
//! With `a_v` the campaign's events holding value `v` and `b_v` the benign ones, a set `S`
//! flags `TP = Σ_S a_v` campaign events and `FP = Σ_S b_v` benign ones, and
//! `F1 = 2·TP / (TP + FP + P)` with `P` the campaign's events. The optimum is a prefix of
//! the values sorted by `a_v / (a_v + b_v)` descending: at the optimum `F1*`, adding `v`
//! changes `2·TP − F1*·(TP + FP + P)` by `a_v·(2 − F1*) − F1*·b_v`, positive exactly when
//! `a_v / (a_v + b_v) > F1* / 2` (Dinkelbach). So sweeping the prefixes finds it; values
//! with equal ratios enter together, and values with `a_v = 0` never help.

use std::cmp::Ordering;

/// One value's counts: `value` is the caller's index of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueCounts {
    pub value: u32,
    /// The campaign's events with this value.
    pub attack: u64,
    /// Benign events with this value.
    pub benign: u64,
}

/// The best set of values and its scores.
#[derive(Debug, Clone, PartialEq)]
pub struct BestRule {
    /// Campaign events flagged by the rule.
    pub tp: u64,
    /// Benign events flagged by the rule.
    pub fp: u64,
    /// The campaign's events.
    pub positives: u64,
    /// The values of the rule, in the order they entered: highest share of campaign
    /// events first, then most campaign events, then lowest index.
    pub values: Vec<u32>,
}

impl BestRule {
    /// `2·TP / (TP + FP + P)`; 0 when the campaign has no events.
    pub fn f1(&self) -> f64 {
        let denominator = self.tp + self.fp + self.positives;
        if denominator == 0 {
            0.0
        } else {
            2.0 * self.tp as f64 / denominator as f64
        }
    }

    /// `TP / (TP + FP)`; 0 for the empty rule.
    pub fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            0.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }

    /// `TP / P`; 0 when the campaign has no events.
    pub fn recall(&self) -> f64 {
        if self.positives == 0 {
            0.0
        } else {
            self.tp as f64 / self.positives as f64
        }
    }
}

/// Share of campaign events, `a / (a + b)`, compared exactly.
fn by_share(x: &ValueCounts, y: &ValueCounts) -> Ordering {
    let left = x.attack as u128 * (y.attack + y.benign) as u128;
    let right = y.attack as u128 * (x.attack + x.benign) as u128;
    left.cmp(&right)
}

/// `2·tp / (tp + fp + p)` of `x` is strictly above that of `y`, compared exactly.
fn better(x: (u64, u64), y: (u64, u64), positives: u64) -> bool {
    let (tx, fx) = x;
    let (ty, fy) = y;
    tx as u128 * (ty + fy + positives) as u128 > ty as u128 * (tx + fx + positives) as u128
}

/// The best rule over `counts` for a campaign of `positives` events. `counts` may hold
/// values the campaign never uses (they are skipped).
///
/// Ties: of equally good prefixes the shortest wins.
pub fn best_rule(counts: &[ValueCounts], positives: u64) -> BestRule {
    best_rule_at_most(counts, positives, usize::MAX)
}

/// [`best_rule`] among the prefixes of at most `max_values` values (a group of equal
/// shares that would overrun it is not taken): the best small set, used by the
/// combination search, where a condition holds a few values.
pub fn best_rule_at_most(counts: &[ValueCounts], positives: u64, max_values: usize) -> BestRule {
    let mut candidates: Vec<ValueCounts> =
        counts.iter().copied().filter(|c| c.attack > 0).collect();
    candidates.sort_by(|x, y| {
        by_share(y, x)
            .then(y.attack.cmp(&x.attack))
            .then(x.value.cmp(&y.value))
    });
    let (mut tp, mut fp) = (0u64, 0u64);
    let (mut best_tp, mut best_fp, mut best_len) = (0u64, 0u64, 0usize);
    let mut at = 0;
    while at < candidates.len() {
        // Values with the same share enter together.
        let mut end = at;
        while end < candidates.len() && by_share(&candidates[at], &candidates[end]).is_eq() {
            tp += candidates[end].attack;
            fp += candidates[end].benign;
            end += 1;
        }
        if end > max_values {
            break;
        }
        if better((tp, fp), (best_tp, best_fp), positives) {
            (best_tp, best_fp, best_len) = (tp, fp, end);
        }
        at = end;
    }
    BestRule {
        tp: best_tp,
        fp: best_fp,
        positives,
        values: candidates[..best_len].iter().map(|c| c.value).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(u64, u64)]) -> Vec<ValueCounts> {
        pairs
            .iter()
            .enumerate()
            .map(|(i, &(attack, benign))| ValueCounts {
                value: i as u32,
                attack,
                benign,
            })
            .collect()
    }

    #[test]
    fn the_value_mostly_used_by_the_campaign_alone_wins() {
        // (8,2), (2,2), (0,50), P = 10.
        // {0}: 2·8/(8+2+10) = 0.8; {0,1}: 2·10/(10+4+10) = 0.833... is better!
        // {0,1} it is: the second value's share 1/2 is above F1({0})/2 = 0.4.
        let rule = best_rule(&counts(&[(8, 2), (2, 2), (0, 50)]), 10);
        assert_eq!(rule.values, vec![0, 1]);
        assert_eq!((rule.tp, rule.fp), (10, 4));
        assert!((rule.f1() - 20.0 / 24.0).abs() < 1e-12);
        assert!((rule.precision() - 10.0 / 14.0).abs() < 1e-12);
        assert_eq!(rule.recall(), 1.0);
    }

    #[test]
    fn a_value_shared_too_much_with_benign_traffic_stays_out() {
        // (8,2), (2,20), P = 10. {0}: 16/20 = 0.8. {0,1}: 20/(10+22+10) = 0.476.
        let rule = best_rule(&counts(&[(8, 2), (2, 20)]), 10);
        assert_eq!(rule.values, vec![0]);
        assert!((rule.f1() - 0.8).abs() < 1e-12);
        assert!((rule.precision() - 0.8).abs() < 1e-12);
        assert!((rule.recall() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn adding_a_second_value_raises_f1() {
        // (5,0), (5,1), P = 10. {0}: 10/15 = 0.667; {0,1}: 20/21 = 0.952.
        let rule = best_rule(&counts(&[(5, 1), (5, 0)]), 10);
        assert_eq!(rule.values, vec![1, 0]);
        assert!((rule.f1() - 20.0 / 21.0).abs() < 1e-12);
    }

    #[test]
    fn values_with_equal_shares_enter_together() {
        // (3,3), (1,1), (6,0): shares 1/2, 1/2, 1. P = 10.
        // {2}: 12/16 = 0.75. {2,0,1}: 20/(10+4+10) = 0.833 (the tied pair together; {2,0}
        // alone would be 18/(9+3+10) = 0.818 and is never considered).
        let rule = best_rule(&counts(&[(3, 3), (1, 1), (6, 0)]), 10);
        assert_eq!(rule.values, vec![2, 0, 1]);
        assert_eq!((rule.tp, rule.fp), (10, 4));
        assert!((rule.f1() - 20.0 / 24.0).abs() < 1e-12);
    }

    #[test]
    fn of_equally_good_prefixes_the_shortest_wins() {
        // (2,0), P = 4: {0} F1 = 4/6. Adding (1,1): 6/(3+1+4) = 0.75 > 0.667, taken.
        // (1,2) after it: share 1/3 < 0.375 and 8/(4+3+4) = 0.727 < 0.75, left out.
        let rule = best_rule(&counts(&[(2, 0), (1, 1), (1, 2)]), 4);
        assert_eq!(rule.values, vec![0, 1]);
        // A prefix exactly as good as the one before does not replace it: (2,0) then
        // (1,2) with P = 4 gives 4/6 and 6/9, both 2/3 (the share 1/3 is F1/2 exactly).
        let rule = best_rule(&counts(&[(2, 0), (1, 2)]), 4);
        assert_eq!(rule.values, vec![0]);
        assert_eq!((rule.tp, rule.fp), (2, 0));
    }

    #[test]
    fn a_capped_rule_stops_before_the_cap() {
        // (5,1), (5,0), (2,1), P = 12. Uncapped: {1,0,2}: 24/(12+2+12) = 0.923.
        // At most two values: {1,0}: 20/(10+1+12) = 0.870.
        let all = counts(&[(5, 1), (5, 0), (2, 1)]);
        assert_eq!(best_rule(&all, 12).values, vec![1, 0, 2]);
        let capped = best_rule_at_most(&all, 12, 2);
        assert_eq!(capped.values, vec![1, 0]);
        assert!((capped.f1() - 20.0 / 23.0).abs() < 1e-12);
    }

    #[test]
    fn a_campaign_without_events_has_the_empty_rule() {
        let rule = best_rule(&counts(&[(0, 4)]), 0);
        assert!(rule.values.is_empty());
        assert_eq!(
            (rule.f1(), rule.precision(), rule.recall()),
            (0.0, 0.0, 0.0)
        );
    }
}
