//! Threshold-free ranking metrics: average precision, the precision-recall curve and the
//! best-F1 upper bound.
//!
//! Method: a count of attack and benign events per distinct score value (see
//! [`ScoreHistogram`] for how). Walking it from the highest score down gives the exact
//! confusion counts at every distinct threshold, with equal scores grouped as one step,
//! as scikit-learn's `average_precision_score` does. Exact up to [`MAX_BINS`] distinct
//! scores; memory never grows past that many bins: a detector emitting a fresh float
//! per event on a billion events gets bins of neighbouring scores (each counted exactly,
//! its scores then tied), the curve's thresholds being each bin's lowest score.
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

    /// Without branches, as it runs on every event of every detector.
    #[inline]
    fn from_score(score: f64) -> Self {
        // Adding +0.0 turns -0.0 into 0.0 and leaves every other number as it is.
        let canonical = if score.is_nan() {
            f64::NEG_INFINITY
        } else {
            score + 0.0
        };
        let bits = canonical.to_bits();
        // A negative score has every bit flipped, any other its sign bit set.
        let flip = (((bits as i64) >> 63) as u64) | Self::SIGN_BIT;
        Self(bits ^ flip)
    }

    /// The lowest score of this key's bin (a binned key of -inf would read as a NaN,
    /// and reads as -inf).
    fn score(self) -> f64 {
        let score = if self.0 & Self::SIGN_BIT != 0 {
            f64::from_bits(self.0 & !Self::SIGN_BIT)
        } else {
            f64::from_bits(!self.0)
        };
        if score.is_nan() {
            f64::NEG_INFINITY
        } else {
            score
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct LabelCounts {
    attack: u64,
    benign: u64,
}

/// Distinct scores kept in a hash map before the histogram switches to sorted runs.
const MAP_LIMIT: usize = 1 << 14;
/// Fewest pending scores that trigger a compaction into the sorted runs.
const MIN_PENDING: usize = 1 << 16;
/// Most bins a histogram keeps: up to this many distinct scores every score has a bin
/// of its own (exact); past it, neighbouring scores share bins. At most about 50 MB per
/// detector: 24 bytes per bin, pending keys of 8 bytes up to as many as the bins, and
/// runs twice as long while pending keys are merged in.
pub(crate) const MAX_BINS: usize = 1 << 20;
/// The coarsest a bin gets: keys of 16 significant bits, so at most 2^16 bins.
const MAX_LEVEL: u32 = 48;

/// How a [`ScoreHistogram`] holds its scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Phase {
    /// Few distinct scores: counted in a hash map.
    #[default]
    Map,
    /// Many distinct scores: pending scores are compacted into the sorted runs from time
    /// to time.
    Compacting,
}

/// Counts of attack and benign events per distinct score, in bounded memory.
///
/// While there are few distinct scores they are counted in a hash map that stays in
/// cache. Past [`MAP_LIMIT`] (a detector with near-continuous scores) the map would miss
/// the cache on every event, so scores are appended, as 8-byte keys, to a pending list
/// per label, and the pending lists are sorted and merged into runs of distinct scores
/// whenever they are as long as the runs.
///
/// Memory is bounded by `max_bins`, not by the events: once the runs hold more than
/// `max_bins` distinct keys, every key loses its lowest bit (the `level` of cleared low
/// bits rises by one, and neighbouring scores share a bin) until they fit. Clearing low
/// bits keeps the keys' order, so each bin holds a contiguous range of scores and its
/// counts stay exact; only scores within one bin become a tie. The final level is the
/// lowest at which all the stream's keys fit in `max_bins` bins: a compaction raises it
/// only when the keys seen so far already need more, so it never depends on how the
/// stream was cut into batches. A detector with at most `max_bins` distinct scores is
/// counted exactly.
#[derive(Debug, Clone)]
pub(crate) struct ScoreHistogram {
    phase: Phase,
    /// The scores counted last, in front of `counts` (see [`ScoreHistogram::count_in_map`]).
    recent: Vec<(ScoreKey, LabelCounts)>,
    counts: HashMap<ScoreKey, LabelCounts, FixedState>,
    /// Distinct (binned) scores in increasing order, once past the map's limit.
    runs: Vec<(ScoreKey, LabelCounts)>,
    pending_attack: Vec<u64>,
    pending_benign: Vec<u64>,
    attack_total: u64,
    /// Low bits cleared from every key in `runs`: 0 while exact.
    level: u32,
    max_bins: usize,
}

impl Default for ScoreHistogram {
    fn default() -> Self {
        Self::with_max_bins(MAX_BINS)
    }
}

impl ScoreHistogram {
    /// A histogram of at most `max_bins` bins (at least 2^16, which the coarsest level
    /// always fits in).
    pub(crate) fn with_max_bins(max_bins: usize) -> Self {
        ScoreHistogram {
            phase: Phase::Map,
            recent: Vec::new(),
            counts: HashMap::default(),
            runs: Vec::new(),
            pending_attack: Vec::new(),
            pending_benign: Vec::new(),
            attack_total: 0,
            level: 0,
            max_bins: max_bins.max(1 << (64 - MAX_LEVEL)),
        }
    }

    /// Low bits cleared from every key: 0 when every distinct score has a bin of its own.
    #[cfg(test)]
    pub(crate) fn level(&self) -> u32 {
        self.level
    }

    /// Counts one score per event, `is_attack` being the event's label.
    pub(crate) fn add_all(&mut self, scores: &[f64], is_attack: &[bool]) {
        let events = scores.iter().zip(is_attack);
        if self.phase == Phase::Map {
            self.count_in_map(events);
            if self.counts.len() > MAP_LIMIT {
                self.flush_recent();
                self.runs = sorted_counts(&self.counts);
                self.counts = HashMap::default();
                self.phase = Phase::Compacting;
            }
        } else {
            for (&score, &is_attack) in events {
                let key = ScoreKey::from_score(score).0;
                if is_attack {
                    self.pending_attack.push(key);
                } else {
                    self.pending_benign.push(key);
                }
            }
            let pending = self.pending_attack.len() + self.pending_benign.len();
            if pending >= self.runs.len().max(MIN_PENDING) {
                self.merge_pending();
            }
        }
        self.attack_total += is_attack.iter().filter(|&&a| a).count() as u64;
    }

    /// Clears one more low bit of every key in the runs until they fit in `max_bins`,
    /// adding up the counts of keys that become equal.
    fn fit_bins(&mut self) {
        while self.runs.len() > self.max_bins && self.level < MAX_LEVEL {
            self.level += 1;
            let mask = u64::MAX << self.level;
            let mut kept = 0;
            for read in 0..self.runs.len() {
                let (key, counts) = self.runs[read];
                let key = ScoreKey(key.0 & mask);
                if kept > 0 && self.runs[kept - 1].0 == key {
                    let last = &mut self.runs[kept - 1].1;
                    last.attack += counts.attack;
                    last.benign += counts.benign;
                } else {
                    self.runs[kept] = (key, counts);
                    kept += 1;
                }
            }
            self.runs.truncate(kept);
        }
    }

    /// Counts events in the map through a direct-mapped cache of recent scores: a
    /// detector's few usual scores (its 0, the rates of the actors active now) are
    /// counted in a small array that stays in the nearest cache, and reach the map only
    /// when another score takes their place (or at [`flush_recent`](Self::flush_recent)).
    fn count_in_map<'a>(&mut self, events: impl Iterator<Item = (&'a f64, &'a bool)>) {
        if self.recent.is_empty() {
            self.recent = vec![(ScoreKey::START, LabelCounts::default()); RECENT_SCORES];
        }
        for (&score, &is_attack) in events {
            let key = ScoreKey::from_score(score);
            let entry = &mut self.recent[recent_index(key)];
            if entry.0 != key {
                if entry.0 != ScoreKey::START {
                    add_to_map(&mut self.counts, entry.0, entry.1);
                }
                *entry = (key, LabelCounts::default());
            }
            entry.1.attack += u64::from(is_attack);
            entry.1.benign += u64::from(!is_attack);
        }
    }

    /// Moves the cached recent counts into the map.
    fn flush_recent(&mut self) {
        for (key, counts) in std::mem::take(&mut self.recent) {
            if key != ScoreKey::START {
                add_to_map(&mut self.counts, key, counts);
            }
        }
    }

    /// Folds the pending scores into the sorted runs.
    ///
    /// The merge runs in place, from the highest key down, into the runs grown at their
    /// end: a write never overtakes the runs still to be read, and growing a large vector
    /// keeps its pages, where a fresh one would have the kernel clear them all again.
    fn merge_pending(&mut self) {
        let mask = u64::MAX << self.level;
        for key in self
            .pending_attack
            .iter_mut()
            .chain(&mut self.pending_benign)
        {
            *key &= mask;
        }
        self.pending_attack.sort_unstable();
        self.pending_benign.sort_unstable();
        let mut merged = DistinctScores::new(&[], &self.pending_attack, &self.pending_benign);
        let runs = &mut self.runs;
        let mut r = runs.len();
        let total = r + merged.attack.len() + merged.benign.len();
        runs.resize(total, (ScoreKey::START, LabelCounts::default()));
        let mut write = total;
        loop {
            let run_key = r.checked_sub(1).map_or(ScoreKey::START, |i| runs[i].0);
            let pending_key = merged.peek_key();
            let key = run_key.max(pending_key);
            if key == ScoreKey::START {
                break;
            }
            let mut counts = LabelCounts::default();
            if run_key == key {
                counts = runs[r - 1].1;
                r -= 1;
            }
            if pending_key == key {
                let pending = merged.next().map_or(LabelCounts::default(), |(_, c)| c);
                counts.attack += pending.attack;
                counts.benign += pending.benign;
            }
            write -= 1;
            runs[write] = (key, counts);
        }
        runs.copy_within(write..total, 0);
        runs.truncate(total - write);
        self.pending_attack.clear();
        self.pending_benign.clear();
        self.fit_bins();
    }

    /// The distinct scores from the highest down, for the metrics.
    pub(crate) fn into_ranked(mut self) -> RankedScores {
        let runs = match self.phase {
            Phase::Map => {
                self.flush_recent();
                sorted_counts(&self.counts)
            }
            Phase::Compacting => {
                self.merge_pending();
                self.runs
            }
        };
        RankedScores {
            runs,
            attack_total: self.attack_total,
        }
    }
}

/// Entries of the recent-scores cache: enough for a detector's usual scores, small
/// enough (24 KiB) to stay in the nearest cache.
const RECENT_SCORES: usize = 1 << 10;

fn recent_index(key: ScoreKey) -> usize {
    (key.0.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - RECENT_SCORES.trailing_zeros())) as usize
}

fn add_to_map(
    map: &mut HashMap<ScoreKey, LabelCounts, FixedState>,
    key: ScoreKey,
    counts: LabelCounts,
) {
    let total = map.entry(key).or_default();
    total.attack += counts.attack;
    total.benign += counts.benign;
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

/// Counts per distinct (binned) score.
pub(crate) struct RankedScores {
    /// Distinct scores in increasing order.
    runs: Vec<(ScoreKey, LabelCounts)>,
    attack_total: u64,
}

/// Walks runs and sorted single scores together from the highest score down, one item
/// per distinct score with its summed counts.
#[derive(Clone)]
struct DistinctScores<'a> {
    runs: &'a [(ScoreKey, LabelCounts)],
    attack: &'a [u64],
    benign: &'a [u64],
}

impl<'a> DistinctScores<'a> {
    fn new(runs: &'a [(ScoreKey, LabelCounts)], attack: &'a [u64], benign: &'a [u64]) -> Self {
        DistinctScores {
            runs,
            attack,
            benign,
        }
    }

    /// The highest key not yet read, [`ScoreKey::START`] at the end.
    fn peek_key(&self) -> ScoreKey {
        let run = self.runs.last().map_or(ScoreKey::START, |run| run.0);
        let attack = self.attack.last().map_or(ScoreKey::START, |&k| ScoreKey(k));
        let benign = self.benign.last().map_or(ScoreKey::START, |&k| ScoreKey(k));
        run.max(attack).max(benign)
    }
}

/// Removes the trailing items equal to `key` from `keys`, returning how many there were.
#[inline]
fn take_equal_tail(keys: &mut &[u64], key: u64) -> u64 {
    let mut taken = 0;
    while let [rest @ .., last] = *keys
        && *last == key
    {
        taken += 1;
        *keys = rest;
    }
    taken
}

impl Iterator for DistinctScores<'_> {
    type Item = (ScoreKey, LabelCounts);

    fn next(&mut self) -> Option<Self::Item> {
        let key = self.peek_key();
        if key == ScoreKey::START {
            return None;
        }
        let mut counts = LabelCounts::default();
        if let Some((&(run_key, run_counts), rest)) = self.runs.split_last()
            && run_key == key
        {
            counts = run_counts;
            self.runs = rest;
        }
        counts.attack += take_equal_tail(&mut self.attack, key.0);
        counts.benign += take_equal_tail(&mut self.benign, key.0);
        Some((key, counts))
    }
}

/// Confusion counts when flagging every score at or above `threshold`.
struct Step {
    threshold: f64,
    true_positives: u64,
    false_positives: u64,
}

impl RankedScores {
    /// Each distinct score with its counts, from the highest down.
    fn distinct(&self) -> DistinctScores<'_> {
        DistinctScores::new(&self.runs, &[], &[])
    }

    /// One step per distinct score, from the highest down.
    fn steps(&self) -> StepWalk<'_> {
        StepWalk {
            distinct: self.distinct(),
            true_positives: 0,
            false_positives: 0,
            taken: 0,
        }
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

    /// Every ranking metric: one walk over the distinct scores for average precision,
    /// the best F1 and how many steps there are (the walk counts them), saving its position every
    /// [`CHECKPOINT_STEPS`] steps; the curve, evenly thinned, is then read from there.
    pub(crate) fn metrics(&self, max_curve_points: usize) -> RankingMetrics {
        let mut walk = RankingWalk::default();
        let mut checkpoints = Vec::new();
        let mut steps = self.steps();
        loop {
            if steps.taken.is_multiple_of(CHECKPOINT_STEPS) {
                checkpoints.push(steps.clone());
            }
            let Some(step) = steps.next() else {
                break;
            };
            // A step that gains no attack event adds nothing to the area and, having
            // more false positives at the same true positives, cannot raise the F1.
            if step.true_positives > walk.previous_true_positives {
                walk.take(self.precision_recall(&step), &step, self.attack_total);
            }
        }
        RankingMetrics {
            average_precision: walk.area,
            best_f1: walk.best,
            pr_curve: self.pr_curve(steps.taken, max_curve_points, &checkpoints),
        }
    }

    /// The curve at every distinct threshold, thresholds descending, evenly thinned to at
    /// most `max_points` of the `steps` (the first and last points always kept). Each
    /// point is walked to from the last checkpoint before it (`checkpoints[k]` having
    /// taken `k * CHECKPOINT_STEPS` steps), or from the point before when that is nearer.
    fn pr_curve(
        &self,
        steps: usize,
        max_points: usize,
        checkpoints: &[StepWalk<'_>],
    ) -> Vec<PrPoint> {
        let keep = evenly_spaced_indices(steps, max_points);
        let mut curve = Vec::with_capacity(keep.len());
        let mut walker: Option<StepWalk<'_>> = None;
        for index in keep {
            let checkpoint = &checkpoints[index / CHECKPOINT_STEPS];
            let mut steps = match walker.take() {
                Some(walker) if walker.taken >= checkpoint.taken => walker,
                _ => checkpoint.clone(),
            };
            while steps.taken < index && steps.next().is_some() {}
            if let Some(step) = steps.next() {
                curve.push(self.precision_recall(&step));
            }
            walker = Some(steps);
        }
        curve
    }
}

/// Steps between saved positions of the first walk: the curve's second walk covers at
/// most this many steps per point instead of every step.
const CHECKPOINT_STEPS: usize = 2048;

/// A walk down the distinct scores with the confusion counts so far; cloning it saves
/// its position.
#[derive(Clone)]
struct StepWalk<'a> {
    distinct: DistinctScores<'a>,
    true_positives: u64,
    false_positives: u64,
    /// Steps taken so far.
    taken: usize,
}

impl Iterator for StepWalk<'_> {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        let (key, counts) = self.distinct.next()?;
        self.true_positives += counts.attack;
        self.false_positives += counts.benign;
        self.taken += 1;
        Some(Step {
            threshold: key.score(),
            true_positives: self.true_positives,
            false_positives: self.false_positives,
        })
    }
}

/// The threshold-free metrics of one detector.
pub(crate) struct RankingMetrics {
    /// Sum over distinct thresholds of (recall gained) x (precision there); 0.0 without
    /// attack events.
    pub average_precision: f64,
    /// The threshold with the highest event F1 (the highest such threshold on ties);
    /// `None` without attack events (no step gains one).
    pub best_f1: Option<UpperBound>,
    pub pr_curve: Vec<PrPoint>,
}

/// What one walk down the distinct scores accumulates.
#[derive(Default)]
struct RankingWalk {
    previous_true_positives: u64,
    area: f64,
    best: Option<UpperBound>,
}

impl RankingWalk {
    /// Takes a step that gained attack events.
    fn take(&mut self, point: PrPoint, step: &Step, attack_total: u64) {
        let gained = step.true_positives - self.previous_true_positives;
        self.area += ratio(gained, attack_total) * point.precision;
        self.previous_true_positives = step.true_positives;
        let f1 = f1_score(point.precision, point.recall);
        if self.best.is_none_or(|current| f1 > current.f1) {
            self.best = Some(UpperBound {
                threshold: point.threshold,
                precision: point.precision,
                recall: point.recall,
                f1,
            });
        }
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
        let binned_negative_infinity = ScoreKey::from_score(f64::NEG_INFINITY).0 & (u64::MAX << 8);
        assert_eq!(
            ScoreKey(binned_negative_infinity).score(),
            f64::NEG_INFINITY
        );
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

    fn counted_by_histogram(histogram: ScoreHistogram) -> Vec<(ScoreKey, u64, u64)> {
        let ranked = histogram.into_ranked();
        ranked
            .distinct()
            .map(|(key, counts)| (key, counts.attack, counts.benign))
            .collect()
    }

    /// Feeds `scores` to a fresh histogram in batches of the given sizes.
    fn histogram_of(scores: &[f64], is_attack: &[bool], batches: &[usize]) -> ScoreHistogram {
        let mut histogram = ScoreHistogram::default();
        let mut start = 0;
        for batch in batches {
            let end = (start + batch).min(scores.len());
            histogram.add_all(&scores[start..end], &is_attack[start..end]);
            start = end;
        }
        assert_eq!(start, scores.len(), "the batches cover every score");
        histogram
    }

    #[test]
    fn repeated_scores_are_compacted_into_exact_runs() {
        // 300k events over 100k distinct scores (more than the map holds), each score
        // seen about three times with mixed labels, fed in uneven batches.
        let scores: Vec<f64> = (0..300_000u64)
            .map(|i| ((i * 7_919) % 100_000) as f64 / 1_000.0 - 20.0)
            .collect();
        let is_attack: Vec<bool> = (0..300_000u64).map(|i| i % 5 == 0).collect();
        let histogram = histogram_of(&scores, &is_attack, &[1, 70_000, 999, 100_000, 129_000]);
        assert_eq!(histogram.phase, Phase::Compacting);
        assert!(histogram.runs.len() > MAP_LIMIT, "runs were compacted");
        let attack_total = histogram.attack_total;
        assert_eq!(
            counted_by_histogram(histogram),
            counted_by_hand(&scores, &is_attack)
        );
        assert_eq!(attack_total, 60_000);
    }

    #[test]
    fn scores_that_rarely_repeat_are_counted_exactly_below_the_bin_limit() {
        // 400k events: the first 200k repeat 20k distinct scores ten times (the map
        // overflows), then 200k near-unique scores, some equal to earlier ones.
        let scores: Vec<f64> = (0..400_000u64)
            .map(|i| match i {
                0..200_000 => (i % 20_000) as f64,
                _ if i % 7 == 0 => (i % 20_000) as f64,
                _ => i as f64 * 0.5 + 0.25,
            })
            .collect();
        let is_attack: Vec<bool> = (0..400_000u64).map(|i| i % 3 == 0).collect();
        let histogram = histogram_of(
            &scores,
            &is_attack,
            &[150_000, 50_000, 8_192, 100_000, 91_808],
        );
        assert_eq!(histogram.phase, Phase::Compacting);
        assert_eq!(histogram.level(), 0);
        assert_eq!(
            counted_by_histogram(histogram),
            counted_by_hand(&scores, &is_attack)
        );
    }

    /// Counts per key with its `level` lowest bits cleared, highest first.
    fn binned_by_hand(scores: &[f64], is_attack: &[bool], level: u32) -> Vec<(ScoreKey, u64, u64)> {
        let mut binned: Vec<(ScoreKey, u64, u64)> = Vec::new();
        for (key, attack, benign) in counted_by_hand(scores, is_attack) {
            let key = ScoreKey(key.0 & (u64::MAX << level));
            match binned.last_mut() {
                Some(last) if last.0 == key => {
                    last.1 += attack;
                    last.2 += benign;
                }
                _ => binned.push((key, attack, benign)),
            }
        }
        binned
    }

    #[test]
    fn past_the_bin_limit_neighbouring_scores_share_exact_bins_whatever_the_batches() {
        // 300k distinct scores (with negatives, a NaN and repeats) in at most 2^16 bins.
        let scores: Vec<f64> = (0..330_000u64)
            .map(|i| match i {
                _ if i % 11 == 0 => ((i * 7_919) % 300_000) as f64 * 1e-3 - 50.0,
                _ if i == 5 => f64::NAN,
                _ => (i as f64).sqrt() * 1.000_001 - 100.0,
            })
            .collect();
        let is_attack: Vec<bool> = (0..330_000u64).map(|i| i % 13 < 2).collect();
        let max_bins = 1 << 16;
        let cuts: [&[usize]; 3] = [&[330_000], &[1, 20_000, 99_999, 210_000], &[65_536; 6]];
        let mut results = Vec::new();
        for batches in cuts {
            let mut histogram = ScoreHistogram::with_max_bins(max_bins);
            let mut start = 0;
            for batch in batches {
                let end = (start + batch).min(scores.len());
                histogram.add_all(&scores[start..end], &is_attack[start..end]);
                start = end;
            }
            let ranked = histogram.clone().into_ranked();
            results.push((ranked.runs.len(), counted_by_histogram(histogram)));
        }
        // The lowest level whose bins fit, by hand.
        let level = (0..=MAX_LEVEL)
            .find(|&level| binned_by_hand(&scores, &is_attack, level).len() <= max_bins)
            .unwrap_or(MAX_LEVEL);
        assert!(level > 0, "the scores need bins");
        let expected = binned_by_hand(&scores, &is_attack, level);
        for (bins, counted) in &results {
            assert!(*bins <= max_bins, "{bins} bins");
            assert_eq!(counted, &expected);
        }
        let events: u64 = expected.iter().map(|(_, a, b)| a + b).sum();
        assert_eq!(events, 330_000, "every event is in a bin");
    }

    #[test]
    fn few_distinct_scores_stay_in_the_map() {
        let scores = [0.5, 0.0, 0.5, -0.0, f64::NAN, 2.0];
        let is_attack = [true, false, false, true, false, true];
        let mut histogram = ScoreHistogram::default();
        histogram.add_all(&scores, &is_attack);
        assert_eq!(histogram.phase, Phase::Map);
        let got = counted_by_histogram(histogram);
        assert_eq!(got, counted_by_hand(&scores, &is_attack));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn scores_evicted_from_the_recent_cache_keep_their_counts() {
        // 5000 distinct scores (more than the cache holds, fewer than the map's limit),
        // each seen several times far apart, in uneven batches.
        let scores: Vec<f64> = (0..40_000u64)
            .map(|i| ((i * 613) % 5_000) as f64 / 300.0)
            .collect();
        let is_attack: Vec<bool> = (0..40_000u64).map(|i| i % 11 == 4).collect();
        let histogram = histogram_of(&scores, &is_attack, &[3, 17_000, 997, 22_000]);
        assert_eq!(histogram.phase, Phase::Map);
        let got = counted_by_histogram(histogram);
        assert_eq!(got.len(), 5_000);
        assert_eq!(got, counted_by_hand(&scores, &is_attack));
    }

    #[test]
    fn thinning_keeps_ends_and_bound() {
        let indices = evenly_spaced_indices(1000, 200);
        assert_eq!(indices.len(), 200);
        assert_eq!(indices.first(), Some(&0));
        assert_eq!(indices.last(), Some(&999));
        assert_eq!(evenly_spaced_indices(5, 200), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn the_thinned_curve_is_the_full_curve_at_evenly_spaced_steps() {
        // 50k events over about 23k distinct scores: many checkpoints apart.
        let scores: Vec<f64> = (0..50_000u64)
            .map(|i| ((i * 7_919) % 23_003) as f64 / 7.0)
            .collect();
        let is_attack: Vec<bool> = (0..50_000u64).map(|i| i % 9 < 2).collect();
        let ranked = histogram_of(&scores, &is_attack, &[20_000, 30_000]).into_ranked();
        let every_step: Vec<Step> = ranked.steps().collect();
        assert!(every_step.len() > 10 * CHECKPOINT_STEPS);
        for max_points in [1, 2, 7, 200, every_step.len(), every_step.len() + 5] {
            let expected: Vec<PrPoint> = evenly_spaced_indices(every_step.len(), max_points)
                .into_iter()
                .map(|index| ranked.precision_recall(&every_step[index]))
                .collect();
            let curve = ranked.metrics(max_points).pr_curve;
            assert_eq!(curve.len(), expected.len(), "{max_points} points");
            for (got, want) in curve.iter().zip(&expected) {
                assert_eq!(
                    (got.threshold, got.precision, got.recall),
                    (want.threshold, want.precision, want.recall),
                    "{max_points} points"
                );
            }
        }
    }
}
