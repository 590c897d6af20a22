//! Threshold-free ranking metrics: average precision, the precision-recall curve and the
//! best-F1 upper bound.
//!
//! Method (exact, no binning): a hash map from each distinct score value to its count of
//! attack and benign events (a hash map because a sorted map costs a cache miss per level
//! per event once it outgrows the cache; it is sorted once, at the end). Walking it from
//! the highest score down gives the exact confusion
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

/// Exact counts of attack and benign events per distinct score.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScoreHistogram {
    counts: HashMap<ScoreKey, LabelCounts, FixedState>,
    attack_total: u64,
}

impl ScoreHistogram {
    pub(crate) fn add(&mut self, score: f64, is_attack: bool) {
        let counts = self.counts.entry(ScoreKey::from_score(score)).or_default();
        if is_attack {
            counts.attack += 1;
            self.attack_total += 1;
        } else {
            counts.benign += 1;
        }
    }

    /// The distinct scores from the highest down, for the metrics.
    pub(crate) fn ranked(&self) -> RankedScores {
        let mut counts: Vec<(ScoreKey, LabelCounts)> = self
            .counts
            .iter()
            .map(|(key, counts)| (*key, *counts))
            .collect();
        counts.sort_unstable_by_key(|(key, _)| std::cmp::Reverse(*key));
        RankedScores {
            counts,
            attack_total: self.attack_total,
        }
    }
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
        }
        assert_eq!(ScoreKey::from_score(-0.0), ScoreKey::from_score(0.0));
        assert_eq!(
            ScoreKey::from_score(f64::NAN),
            ScoreKey::from_score(f64::NEG_INFINITY)
        );
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
