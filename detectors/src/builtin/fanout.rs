//! `fanout`: how many distinct objects (`target_id`s) one actor touched this window, the
//! core signal of object-ID enumeration (OWASP API1, BOLA): a customer reads its own
//! account and a few lines, a scraper reads thousands of others.
//!
//! The actor is the principal when authenticated, else the client IP. Windows are 1 h
//! tumbling windows aligned to the epoch. The score is distinct targets so far / limit;
//! the default limit of 100 per hour is far above what a customer or a support session
//! touches. Events without a target score the actor's current count.
//!
//! Memory is bounded per actor. Counting is exact for an actor's first 1024 distinct
//! targets (decisions at the default limit are exact): the first four sit in the actor's
//! own state, which is all most actors ever need, the next ones as (actor, target) hashes
//! in one set shared by all actors and emptied when the window ends (at most ~16 KiB per
//! actor). Past 1024, new targets go to a HyperLogLog sketch (precision 12: ~1.6%
//! standard error, 4 KiB of registers) from the `hyperloglogplus` crate, and the count is
//! 1024 plus its estimate. The sketch is the crate's dense `HyperLogLogPF`, where an
//! insertion sets one register: its sparse HyperLogLog++ re-encodes its sparse list
//! every few insertions, which on actors walking thousands of IDs an hour cost more than
//! the rest of the detector. An estimate is a pass over the registers, so it is
//! refreshed after every `count / 64` insertions (`count` being the actor's whole count,
//! at least 1024): its lag stays under ~1.6%. Actors of past windows are swept once a
//! window.

use std::hint::select_unpredictable;

use hyperloglogplus::{HyperLogLog, HyperLogLogPF};

use foldhash::quality::FixedState;

use super::actor::{ActorEvent, ActorKey, ActorScorer, ActorSignal};
use crate::columns::{NO_TARGET, Needs};
use crate::keys::{KeyMap, WindowClock, hash_int};
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "fanout",
    description: "Distinct target_ids per actor (principal, else IP) per tumbling window",
    params: &[
        ParamInfo::threshold(
            super::calibrated::FANOUT,
            "share of the limit at which an event is flagged",
        ),
        ParamInfo::int(
            "window_secs",
            3600,
            "length of the tumbling window, in seconds",
        ),
        ParamInfo::int(
            "limit",
            100,
            "distinct targets per actor per window considered normal",
        ),
        ParamInfo::int(
            "precision",
            12,
            "HyperLogLog precision (4..=16) past 1024 targets",
        ),
    ],
    constructor: build,
};

/// Distinct targets an actor counts exactly before the sketch takes over.
const EXACT_TARGETS: u32 = 1024;
/// Distinct targets kept in the actor's own state.
const INLINE_TARGETS: usize = 4;
/// The estimate is refreshed after `count / REFRESH_DIVISOR` insertions.
const REFRESH_DIVISOR: f64 = 64.0;

/// The sketch hashes with foldhash's quality variant: HyperLogLog reads the leading bits
/// of the hash, and the fast variant's are biased for small integers (+14% at 10 000).
type Sketch = HyperLogLogPF<i64, FixedState>;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let scorer = ActorScorer::new(FanoutSignal::new(&params)?);
    ScoredDetector::boxed(INFO.name, params, scorer)
}

pub(crate) struct FanoutSignal {
    key: ActorKey,
    clock: WindowClock,
    window_length: i64,
    limit: f64,
    empty_sketch: Sketch,
    /// The window being counted; never goes back.
    window: i64,
    /// (actor, target) hashes of the exact stage beyond the inline targets, this window.
    seen: KeyMap<()>,
    /// The sketches of actors past the exact stage, this window: kept here, not in
    /// [`Targets`], since few actors need one and a pointer in every actor's state would
    /// make each state larger to fetch from memory.
    sketches: KeyMap<SketchedTargets>,
}

impl FanoutSignal {
    pub fn new(params: &Params) -> Result<Self, DetectorError> {
        Self::keyed(INFO.name, params, ActorKey::Actor)
    }

    /// A signal of detector `detector` (whose `params` have fanout's names) keeping its
    /// counts by `key`.
    pub fn keyed(
        detector: &'static str,
        params: &Params,
        key: ActorKey,
    ) -> Result<Self, DetectorError> {
        let reader = ParamReader::new(detector, params);
        let window_length = reader.duration_micros("window_secs")?;
        let limit = reader.int_in("limit", 1, i64::from(u32::MAX))?;
        let precision = reader.int_in("precision", 4, 16)? as u8;
        let empty_sketch = Sketch::new(precision, FixedState::with_seed(0)).map_err(|error| {
            DetectorError::InvalidParam {
                detector: detector.to_string(),
                param: "precision".to_string(),
                allowed: "must be in 4..=16".to_string(),
                found: format!("{precision} ({error:?})"),
            }
        })?;
        Ok(FanoutSignal {
            key,
            clock: WindowClock::new(window_length),
            window_length,
            limit: limit as f64,
            empty_sketch,
            window: i64::MIN,
            seen: KeyMap::default(),
            sketches: KeyMap::default(),
        })
    }

    /// Moves to the window of `ts` (never back), forgetting the previous one's targets.
    /// Always inlined: `combined`'s fused loop otherwise calls it for every event.
    #[inline(always)]
    fn advance(&mut self, ts: i64) {
        let window = self.clock.index(ts);
        if window > self.window {
            self.window = window;
            self.seen.clear();
            self.sketches.clear();
        }
    }

    /// Inserts `target` ([`NO_TARGET`] inserts nothing) into the actor's distinct set.
    /// Inlined into the scoring loop: most actors never get past their inline targets, so
    /// the rest is a call away. The inline part has no branch on the data: every inline
    /// target is compared (those not in use masked off) and the new one is written
    /// whether or not it is kept, since whether a target is known changes from event to
    /// event and a branch on it would often be mispredicted.
    #[inline]
    fn insert(&mut self, targets: &mut Targets, actor: u64, target: i64) {
        let inline_len = (targets.exact as usize).min(INLINE_TARGETS);
        let known = (0..INLINE_TARGETS).fold(target == NO_TARGET, |known, index| {
            known | ((index < inline_len) & (targets.inline[index] == target))
        });
        let appends = !known & (inline_len < INLINE_TARGETS);
        let next = inline_len.min(INLINE_TARGETS - 1);
        targets.inline[next] = select_unpredictable(appends, target, targets.inline[next]);
        targets.exact += u32::from(appends);
        if !known & !appends {
            self.insert_beyond_inline(targets, actor, target);
        }
    }

    /// Inserts a target that is not among the actor's full inline targets.
    #[inline(never)]
    fn insert_beyond_inline(&mut self, targets: &mut Targets, actor: u64, target: i64) {
        let pair = hash_int(actor, target);
        if targets.exact < EXACT_TARGETS {
            if self.seen.insert(pair, ()).is_none() {
                targets.exact += 1;
            }
        } else if !self.seen.contains_key(&pair) {
            let empty_sketch = &self.empty_sketch;
            self.sketches
                .entry(actor)
                .or_insert_with(|| SketchedTargets::new(empty_sketch.clone()))
                .insert(target);
        }
    }

    /// The distinct targets of `actor`, whose targets this window are `targets`.
    #[inline]
    fn distinct(&self, targets: &Targets, actor: u64) -> f64 {
        let exact = f64::from(targets.exact);
        if targets.exact < EXACT_TARGETS {
            return exact;
        }
        exact + self.sketched(actor)
    }

    /// The sketch's estimate of `actor`'s targets past the exact stage, 0 without one.
    #[inline(never)]
    fn sketched(&self, actor: u64) -> f64 {
        self.sketches
            .get(&actor)
            .map_or(0.0, |sketch| sketch.estimate)
    }
}

/// The distinct targets of one actor in one window.
#[derive(Default)]
pub(crate) struct Targets {
    window: i64,
    /// Distinct targets counted exactly (at most [`EXACT_TARGETS`]).
    exact: u32,
    inline: [i64; INLINE_TARGETS],
}

struct SketchedTargets {
    sketch: Sketch,
    estimate: f64,
    insertions_since_estimate: u32,
}

impl SketchedTargets {
    fn new(sketch: Sketch) -> Self {
        SketchedTargets {
            sketch,
            estimate: 0.0,
            insertions_since_estimate: 0,
        }
    }

    fn insert(&mut self, target: i64) {
        self.sketch.insert(&target);
        self.insertions_since_estimate += 1;
        let count = f64::from(EXACT_TARGETS) + self.estimate;
        if f64::from(self.insertions_since_estimate) >= count / REFRESH_DIVISOR {
            self.estimate = self.sketch.count();
            self.insertions_since_estimate = 0;
        }
    }
}

impl ActorSignal for FanoutSignal {
    type State = Targets;

    fn needs(&self) -> Needs {
        Needs {
            target: true,
            ..Needs::default()
        }
    }

    fn key(&self) -> ActorKey {
        self.key
    }

    fn sweep_interval(&self) -> i64 {
        self.window_length
    }

    // Left to itself the compiler calls this out of line from `combined`'s fused loop,
    // at a cost of about a twentieth of that loop's time.
    #[inline(always)]
    fn observe(&mut self, targets: &mut Targets, event: &ActorEvent) -> f64 {
        self.advance(event.ts);
        // A state of a past window starts afresh. Its inline targets need no clearing:
        // those past `exact` are never read.
        let current = targets.window == self.window;
        targets.exact = select_unpredictable(current, targets.exact, 0);
        targets.window = self.window;
        self.insert(targets, event.actor, event.target);
        self.distinct(targets, event.actor) / self.limit
    }

    fn is_stale(&self, targets: &Targets, now: i64) -> bool {
        targets.window < now.div_euclid(self.window_length).max(self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal() -> FanoutSignal {
        FanoutSignal::new(&INFO.defaults()).unwrap()
    }

    fn observe_all(signal: &mut FanoutSignal, targets: impl IntoIterator<Item = i64>) -> f64 {
        let mut state = Targets::default();
        let mut score = 0.0;
        for target in targets {
            let event = ActorEvent {
                actor: 9,
                ts: 0,
                target,
                status: 200,
            };
            score = signal.observe(&mut state, &event);
        }
        score * 100.0
    }

    #[test]
    fn small_sets_are_exact_and_repeats_do_not_count() {
        let repeats = [5, 6, 5, 7, 6, 5, 8, 9, 10, 5, 9];
        assert_eq!(observe_all(&mut signal(), repeats), 6.0);
    }

    #[test]
    fn targets_seen_before_the_sketch_are_not_counted_again() {
        let exact_then_repeats = (0..2_000).chain(0..1_024).chain(0..2_000);
        let estimate = observe_all(&mut signal(), exact_then_repeats);
        // Within the refresh lag (1/64) and the sketch's error on ~1000 targets (~1%).
        assert!(
            (estimate - 2_000.0).abs() < 2_000.0 * 0.03,
            "estimate {estimate}"
        );
    }

    #[test]
    fn counts_are_exact_until_the_sketch_takes_over() {
        let spread_ids = (0..EXACT_TARGETS as i64).map(|target| target * 1_009 + 3);
        let twice = spread_ids.clone().chain(spread_ids);
        assert_eq!(observe_all(&mut signal(), twice), f64::from(EXACT_TARGETS));
    }

    #[test]
    fn large_sets_are_estimated_within_a_few_percent() {
        let twice = (0..10_000).chain(0..10_000).map(|target| target * 7);
        let estimate = observe_all(&mut signal(), twice);
        assert!((estimate - 10_000.0).abs() < 500.0, "estimate {estimate}");
    }

    /// An actor's sketch belongs to its window: the next window counts from zero, past
    /// the exact stage too, and an untargeted event scores the count so far.
    #[test]
    fn a_new_window_counts_afresh_past_the_sketch() {
        let mut signal = signal();
        let mut state = Targets::default();
        let hour = 3_600_000_000;
        let mut observe = |ts: i64, target: i64| {
            let event = ActorEvent {
                actor: 9,
                ts,
                target,
                status: 200,
            };
            signal.observe(&mut state, &event) * 100.0
        };
        let first_hour = (0..3_000).map(|target| observe(0, target)).last().unwrap();
        assert!(first_hour > 2_900.0, "first hour {first_hour}");
        let second_hour: Vec<f64> = [7, 8, 7, NO_TARGET]
            .into_iter()
            .map(|target| observe(hour, target))
            .collect();
        assert_eq!(second_hour, vec![1.0, 2.0, 2.0, 2.0]);
        let past_the_sketch = (10_000..11_100).map(|target| observe(hour, target)).last();
        let estimate = past_the_sketch.unwrap();
        assert!(
            (estimate - 1_102.0).abs() < 1_102.0 * 0.03,
            "estimate {estimate}"
        );
    }
}
