//! `fanout`: how many distinct objects (`target_id`s) one actor touched this window, the
//! core signal of object-ID enumeration (OWASP API1, BOLA): a customer reads its own
//! account and a few lines, a scraper reads thousands of others.
//!
//! The actor is the principal when authenticated, else the client IP. Windows are 1 h
//! tumbling windows aligned to the epoch. The score is distinct targets so far / limit;
//! the default limit of 100 per hour is far above what a customer or a support session
//! touches. Events without a target score the actor's current count.
//!
//! Memory is bounded per actor: the first 128 distinct targets are kept exactly (most
//! actors never leave this stage, and decisions at the default limit are exact), beyond
//! that a HyperLogLog++ sketch (precision 12, ~1.6% standard error, at most ~3 KiB) from
//! the `hyperloglogplus` crate takes over. Its estimate costs a pass over the sketch, so
//! it is refreshed after every `estimate / 64` insertions, bounding the lag to ~1.6%.
//! Actors of past windows are swept once a window.

use hyperloglogplus::{HyperLogLog, HyperLogLogPlus};

use foldhash::quality::FixedState;

use crate::columns::{EventView, NO_TARGET, Needs};
use crate::keys::{KeyMap, NO_KEY, Sweeper, WindowClock};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "fanout",
    description: "Distinct target_ids per actor (principal, else IP) per tumbling window",
    params: &[
        ParamInfo::threshold(1.0, "share of the limit at which an event is flagged"),
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
            "HyperLogLog++ precision (4..=18) beyond the exact stage",
        ),
    ],
    constructor: build,
};

/// Distinct targets an actor keeps exactly before switching to the sketch.
const EXACT_TARGETS: usize = 128;
/// The estimate is refreshed after `estimate / REFRESH_DIVISOR` insertions.
const REFRESH_DIVISOR: f64 = 64.0;

/// The sketch hashes with foldhash's quality variant: HyperLogLog reads the leading bits
/// of the hash, and the fast variant's are biased for small integers (+14% at 10 000).
type Sketch = HyperLogLogPlus<i64, FixedState>;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let scorer = new_scorer(&params)?;
    ScoredDetector::boxed(INFO.name, params, scorer)
}

/// This detector's scoring loop, for the `combined` detector.
pub(crate) fn boxed_scorer(params: &Params) -> Result<Box<dyn Scorer>, DetectorError> {
    Ok(Box::new(new_scorer(params)?))
}

fn new_scorer(params: &Params) -> Result<Fanout, DetectorError> {
    let reader = ParamReader::new(INFO.name, params);
    let window = reader.duration_micros("window_secs")?;
    let limit = reader.int_in("limit", 1, i64::from(u32::MAX))?;
    let precision = reader.int_in("precision", 4, 18)? as u8;
    let empty_sketch = Sketch::new(precision, FixedState::with_seed(0)).map_err(|error| {
        DetectorError::InvalidParam {
            detector: INFO.name.to_string(),
            param: "precision".to_string(),
            allowed: "must be in 4..=18".to_string(),
            found: format!("{precision} ({error:?})"),
        }
    })?;
    Ok(Fanout {
        clock: WindowClock::new(window),
        limit: limit as f64,
        empty_sketch,
        actors: KeyMap::default(),
        sweeper: Sweeper::every(window),
    })
}

/// The distinct targets of one actor in one window.
struct Targets {
    window: i64,
    exact: Vec<i64>,
    sketch: Option<Box<SketchedTargets>>,
}

struct SketchedTargets {
    sketch: Sketch,
    estimate: f64,
    insertions_since_estimate: u32,
}

impl SketchedTargets {
    fn new(mut sketch: Sketch, exact: &[i64]) -> Self {
        for target in exact {
            sketch.insert(target);
        }
        let estimate = sketch.count();
        SketchedTargets {
            sketch,
            estimate,
            insertions_since_estimate: 0,
        }
    }

    fn insert(&mut self, target: i64) {
        self.sketch.insert(&target);
        self.insertions_since_estimate += 1;
        if f64::from(self.insertions_since_estimate) >= (self.estimate / REFRESH_DIVISOR).max(1.0) {
            self.estimate = self.sketch.count();
            self.insertions_since_estimate = 0;
        }
    }
}

impl Targets {
    fn new(window: i64) -> Self {
        Targets {
            window,
            exact: Vec::new(),
            sketch: None,
        }
    }

    fn distinct(&self) -> f64 {
        match &self.sketch {
            Some(sketched) => sketched.estimate,
            None => self.exact.len() as f64,
        }
    }

    fn insert(&mut self, target: i64, empty_sketch: &Sketch) {
        if let Some(sketched) = &mut self.sketch {
            sketched.insert(target);
        } else if !self.exact.contains(&target) {
            self.exact.push(target);
            if self.exact.len() > EXACT_TARGETS {
                let sketched = SketchedTargets::new(empty_sketch.clone(), &self.exact);
                self.sketch = Some(Box::new(sketched));
                self.exact = Vec::new();
            }
        }
    }
}

struct Fanout {
    clock: WindowClock,
    limit: f64,
    empty_sketch: Sketch,
    actors: KeyMap<Targets>,
    sweeper: Sweeper,
}

impl Fanout {
    fn score_event(&mut self, window: i64, actor: u64, target: i64) -> f64 {
        if target == NO_TARGET {
            return match self.actors.get(&actor) {
                Some(targets) if targets.window == window => targets.distinct() / self.limit,
                _ => 0.0,
            };
        }
        let targets = self
            .actors
            .entry(actor)
            .or_insert_with(|| Targets::new(window));
        if targets.window != window {
            *targets = Targets::new(window);
        }
        targets.insert(target, &self.empty_sketch);
        targets.distinct() / self.limit
    }
}

impl Scorer for Fanout {
    fn needs(&self) -> Needs {
        Needs {
            ts: true,
            actor: true,
            target: true,
            ..Needs::default()
        }
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let events = view.ts.iter().zip(view.actor).zip(view.target);
        for ((&ts, &actor), &target) in events {
            let window = self.clock.index(ts);
            if self.sweeper.due(ts) {
                self.actors.retain(|_, targets| targets.window >= window);
            }
            let score = if actor == NO_KEY {
                0.0
            } else {
                self.score_event(window, actor, target)
            };
            scores.push(score);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty_sketch() -> Sketch {
        Sketch::new(12, FixedState::with_seed(0)).unwrap()
    }

    #[test]
    fn small_sets_are_exact_and_repeats_do_not_count() {
        let mut targets = Targets::new(0);
        for target in [5, 6, 5, 7, 6, 5] {
            targets.insert(target, &empty_sketch());
        }
        assert_eq!(targets.distinct(), 3.0);
    }

    #[test]
    fn large_sets_are_estimated_within_a_few_percent() {
        let sketch = empty_sketch();
        let mut targets = Targets::new(0);
        for _repeat in 0..2 {
            for target in 0..10_000 {
                targets.insert(target * 7, &sketch);
            }
        }
        assert!(targets.sketch.is_some());
        let error = (targets.distinct() - 10_000.0).abs() / 10_000.0;
        assert!(error < 0.05, "estimate {}", targets.distinct());
    }
}
