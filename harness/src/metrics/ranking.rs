//! Threshold-free ranking metrics: average precision, the precision-recall curve and the
//! best-F1 upper bound.
//!
//! Method (exact, no binning): a count of attack and benign events per distinct score
//! value (see [`ScoreHistogram`] for how). Walking it from the highest score down gives
//! the exact confusion
//! counts at every distinct threshold, with equal scores grouped as one step, as
//! scikit-learn's `average_precision_score` does. Memory grows with the number of
//! *distinct* scores, not events: detectors with coarse or rounded scores stay tiny, a
//! detector emitting a fresh float per event on a billion events needs a map that large.
//! NaN scores count as negative infinity; -0.0 counts as 0.0.

use super::{PrPoint, UpperBound, f1_score, ratio};
use foldhash::fast::FixedState;
use std::collections::HashMap;

/// At most this many points of the precision-recall curve are kept for plotting.
pub const PR_CURVE_MAX_POINTS: usize = 200;

/// A score as an unsigned key whose integer order is the numeric order of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ScoreKey(u64);

impl ScoreKey {
    const SIGN_BIT: u64 = 1 << 63;
    /// Below every key of a score: it would be a NaN, and NaN scores rank as -inf.
    const START: ScoreKey = ScoreKey(0);

    fn from_score(score: f64) -> Self {
        let canonical = if score.is_nan() {
            f64::NEG_INFINITY
        } else if score == 0.0 {
            0.0
        } else {
            score
        };
        let bits = canonical.to_bits();
        if bits & Self::SIGN_BIT != 0 {
            Self(!bits)
        } else {
            Self(bits | Self::SIGN_BIT)
        }
    }

    fn score(self) -> f64 {
        if self.0 & Self::SIGN_BIT != 0 {
            f64::from_bits(self.0 & !Self::SIGN_BIT)
        } else {
            f64::from_bits(!self.0)
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct LabelCounts {
    attack: u64,
    benign: u64,
}

/// Distinct scores kept in a hash map before the histogram switches to sorted runs.
const MAP_LIMIT: usize = 1 << 14;
/// Fewest pending scores that trigger a merge into the sorted runs.
const MIN_PENDING: usize = 1 << 16;

/// Exact counts of attack and benign events per distinct score.
///
/// While there are few distinct scores they are counted in a hash map that stays in
/// cache. Past [`MAP_LIMIT`] (a detector with near-continuous scores, up to one distinct
/// value per event) the map would miss the cache on every event, so scores are appended
/// to two pending lists instead and merged, sorted, into runs of distinct scores once the
/// pending lists are twice as long as the runs: sequential work, each score moved by
/// about 1.5 merges on average, and memory within a small multiple of the number of
/// distinct scores (runs of 24 bytes, pending scores of 8).
#[derive(Debug, Clone, Default)]
pub(crate) struct ScoreHistogram {
    counts: HashMap<ScoreKey, LabelCounts, FixedState>,
    /// Distinct scores in increasing order, once past the map's limit.
    runs: Vec<(ScoreKey, LabelCounts)>,
    sorted_mode: bool,
    pending_attack: Vec<ScoreKey>,
    pending_benign: Vec<ScoreKey>,
    attack_total: u64,
}

impl ScoreHistogram {
    /// Counts one score per event, `is_attack` being the event's label.
    pub(crate) fn add_all(&mut self, scores: &[f64], is_attack: &[bool]) {
        let events = scores.iter().zip(is_attack);
        if self.sorted_mode {
            for (&score, &is_attack) in events {
                let key = ScoreKey::from_score(score);
                if is_attack {
                    self.pending_attack.push(key);
                } else {
                    self.pending_benign.push(key);
                }
            }
            let pending = self.pending_attack.len() + self.pending_benign.len();
            if pending >= (2 * self.runs.len()).max(MIN_PENDING) {
                self.merge_pending();
            }
        } else {
            for (&score, &is_attack) in events {
                let counts = self.counts.entry(ScoreKey::from_score(score)).or_default();
                if is_attack {
                    counts.attack += 1;
                } else {
                    counts.benign += 1;
                }
            }
            if self.counts.len() > MAP_LIMIT {
                self.runs = sorted_counts(&self.counts);
                self.counts = HashMap::default();
                self.sorted_mode = true;
            }
        }
        self.attack_total += is_attack.iter().filter(|&&a| a).count() as u64;
    }

    /// Folds the pending scores into the sorted runs.
    ///
    /// The merge runs in place, from the highest key down, into the runs grown at their
    /// end: a write never overtakes the runs still to be read, and growing a large vector
    /// keeps its pages, where a fresh one would have the kernel clear them all again.
    fn merge_pending(&mut self) {
        self.pending_attack.sort_unstable();
        self.pending_benign.sort_unstable();
        let (attack, benign) = (&self.pending_attack, &self.pending_benign);
        let key_before =
            |keys: &[ScoreKey], end: usize| end.checked_sub(1).map_or(ScoreKey::START, |i| keys[i]);
        let runs = &mut self.runs;
        let (mut r, mut a, mut b) = (runs.len(), attack.len(), benign.len());
        let total = r + a + b;
        runs.resize(total, (ScoreKey::START, LabelCounts::default()));
        let mut write = total;
        loop {
            let run_key = r.checked_sub(1).map_or(ScoreKey::START, |i| runs[i].0);
            let key = run_key
                .max(key_before(attack, a))
                .max(key_before(benign, b));
            if key == ScoreKey::START {
                break;
            }
            let mut counts = LabelCounts::default();
            if run_key == key {
                counts = runs[r - 1].1;
                r -= 1;
            }
            while a > 0 && attack[a - 1] == key {
                counts.attack += 1;
                a -= 1;
            }
            while b > 0 && benign[b - 1] == key {
                counts.benign += 1;
                b -= 1;
            }
            write -= 1;
            runs[write] = (key, counts);
        }
        runs.copy_within(write..total, 0);
        runs.truncate(total - write);
        self.pending_attack.clear();
        self.pending_benign.clear();
    }

    /// The distinct scores from the highest down, for the metrics.
    pub(crate) fn into_ranked(mut self) -> RankedScores {
        let mut counts = if self.sorted_mode {
            self.merge_pending();
            self.runs
        } else {
            sorted_counts(&self.counts)
        };
        counts.reverse();
        RankedScores {
            counts,
            attack_total: self.attack_total,
        }
    }
}

/// The map's entries in increasing order of score.
fn sorted_counts(
    counts: &HashMap<ScoreKey, LabelCounts, FixedState>,
) -> Vec<(ScoreKey, LabelCounts)> {
    let mut sorted: Vec<(ScoreKey, LabelCounts)> =
        counts.iter().map(|(key, counts)| (*key, *counts)).collect();
    sorted.sort_unstable_by_key(|(key, _)| *key);
    sorted
}

/// Counts per distinct score, highest score first.
pub(crate) struct RankedScores {
    counts: Vec<(ScoreKey, LabelCounts)>,
    attack_total: u64,
}

/// Confusion counts when flagging every score at or above `threshold`.
struct Step {
    threshold: f64,
    true_positives: u64,
    false_positives: u64,
}

impl RankedScores {
    /// One step per distinct score, from the highest down.
    fn steps(&self) -> impl Iterator<Item = Step> + '_ {
        let mut true_positives = 0;
        let mut false_positives = 0;
        self.counts.iter().map(move |(key, counts)| {
            true_positives += counts.attack;
            false_positives += counts.benign;
            Step {
                threshold: key.score(),
                true_positives,
                false_positives,
            }
        })
    }

    fn precision_recall(&self, step: &Step) -> PrPoint {
        PrPoint {
            threshold: step.threshold,
            precision: ratio(
                step.true_positives,
                step.true_positives + step.false_positives,
            ),
            recall: ratio(step.true_positives, self.attack_total),
        }
    }

    /// Sum over distinct thresholds of (recall gained) x (precision there); 0.0 without
    /// attack events.
    pub(crate) fn average_precision(&self) -> f64 {
        let mut previous_true_positives = 0;
        let mut area = 0.0;
        for step in self.steps() {
            let gained = step.true_positives - previous_true_positives;
            if gained > 0 {
                let precision = self.precision_recall(&step).precision;
                area += ratio(gained, self.attack_total) * precision;
            }
            previous_true_positives = step.true_positives;
        }
        area
    }

    /// The curve at every distinct threshold, thresholds descending, evenly thinned to at
    /// most `max_points` (the first and last points always kept).
    pub(crate) fn pr_curve(&self, max_points: usize) -> Vec<PrPoint> {
        let keep = evenly_spaced_indices(self.counts.len(), max_points);
        let mut kept = keep.iter().peekable();
        let mut curve = Vec::with_capacity(keep.len());
        for (index, step) in self.steps().enumerate() {
            if kept.peek() == Some(&&index) {
                kept.next();
                curve.push(self.precision_recall(&step));
            }
        }
        curve
    }

    /// The threshold with the highest event F1 (the highest such threshold on ties);
    /// `None` without attack events.
    pub(crate) fn best_f1(&self) -> Option<UpperBound> {
        if self.attack_total == 0 {
            return None;
        }
        let mut best: Option<UpperBound> = None;
        for step in self.steps() {
            let point = self.precision_recall(&step);
            let f1 = f1_score(point.precision, point.recall);
            if best.is_none_or(|current| f1 > current.f1) {
                best = Some(UpperBound {
                    threshold: point.threshold,
                    precision: point.precision,
                    recall: point.recall,
                    f1,
                });
            }
        }
        best
    }
}

/// Up to `max` indices of `0..len`, evenly spread, always including the first and last.
pub(crate) fn evenly_spaced_indices(len: usize, max: usize) -> Vec<usize> {
    if len <= max {
        return (0..len).collect();
    }
    if max <= 1 {
        return (0..max.min(len)).collect();
    }
    let mut indices: Vec<usize> = (0..max)
        .map(|i| ((i as u128 * (len - 1) as u128) / (max - 1) as u128) as usize)
        .collect();
    indices.dedup();
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_keys_order_like_numbers() {
        let scores = [
            f64::NEG_INFINITY,
            -2.5,
            -1e-300,
            0.0,
            1e-300,
            0.5,
            7.0,
            f64::INFINITY,
        ];
        let keys: Vec<ScoreKey> = scores.iter().map(|s| ScoreKey::from_score(*s)).collect();
        assert!(keys.windows(2).all(|pair| pair[0] < pair[1]));
        for score in scores {
            assert_eq!(ScoreKey::from_score(score).score(), score);
            assert!(ScoreKey::from_score(score) > ScoreKey::START);
        }
        assert!(ScoreKey::from_score(f64::NAN) > ScoreKey::START);
        assert_eq!(ScoreKey::from_score(-0.0), ScoreKey::from_score(0.0));
        assert_eq!(
            ScoreKey::from_score(f64::NAN),
            ScoreKey::from_score(f64::NEG_INFINITY)
        );
    }

    /// Counts per distinct score the plain way, highest first.
    fn counted_by_hand(scores: &[f64], is_attack: &[bool]) -> Vec<(ScoreKey, u64, u64)> {
        let mut counts = std::collections::BTreeMap::new();
        for (&score, &attack) in scores.iter().zip(is_attack) {
            let entry = counts
                .entry(std::cmp::Reverse(ScoreKey::from_score(score)))
                .or_insert((0, 0));
            if attack {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        counts
            .into_iter()
            .map(|(key, (attack, benign))| (key.0, attack, benign))
            .collect()
    }

    #[test]
    fn many_distinct_scores_are_counted_exactly_in_sorted_runs() {
        // 300k events over 100k distinct scores (more than the map holds), each score
        // seen about three times with mixed labels, fed in uneven batches.
        let scores: Vec<f64> = (0..300_000u64)
            .map(|i| ((i * 7_919) % 100_000) as f64 / 1_000.0 - 20.0)
            .collect();
        let is_attack: Vec<bool> = (0..300_000u64).map(|i| i % 5 == 0).collect();
        let mut histogram = ScoreHistogram::default();
        let mut start = 0;
        for batch in [1, 70_000, 999, 100_000, 129_000] {
            let end = (start + batch).min(scores.len());
            histogram.add_all(&scores[start..end], &is_attack[start..end]);
            start = end;
        }
        assert_eq!(start, scores.len());
        assert!(histogram.sorted_mode);
        let ranked = histogram.into_ranked();
        let got: Vec<(ScoreKey, u64, u64)> = ranked
            .counts
            .iter()
            .map(|(key, counts)| (*key, counts.attack, counts.benign))
            .collect();
        assert_eq!(got, counted_by_hand(&scores, &is_attack));
        assert_eq!(ranked.attack_total, 60_000);
    }

    #[test]
    fn few_distinct_scores_stay_in_the_map() {
        let scores = [0.5, 0.0, 0.5, -0.0, f64::NAN, 2.0];
        let is_attack = [true, false, false, true, false, true];
        let mut histogram = ScoreHistogram::default();
        histogram.add_all(&scores, &is_attack);
        assert!(!histogram.sorted_mode);
        let got: Vec<(ScoreKey, u64, u64)> = histogram
            .into_ranked()
            .counts
            .iter()
            .map(|(key, counts)| (*key, counts.attack, counts.benign))
            .collect();
        assert_eq!(got, counted_by_hand(&scores, &is_attack));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn thinning_keeps_ends_and_bound() {
        let indices = evenly_spaced_indices(1000, 200);
        assert_eq!(indices.len(), 200);
        assert_eq!(indices.first(), Some(&0));
        assert_eq!(indices.last(), Some(&999));
        assert_eq!(evenly_spaced_indices(5, 200), vec![0, 1, 2, 3, 4]);
    }
}
