//! `not-found-ratio`: the share of 404 responses among an actor's recent requests. An
//! enumerator guessing ids or probing a lookup oracle (does this phone number have an
//! account?) gets mostly "not found"; real clients follow links to objects that exist
//! and see a few percent at most.
//!
//! The actor is the principal when authenticated, else the client IP. Counts decay
//! exponentially with a half-life of 10 minutes (the usual way to keep a "recent" ratio
//! in O(1) memory with no window edge), and an actor scores only once its decayed request
//! count reaches `min_count` (10), so that one typo is not a 100% ratio; a client making
//! one request a minute reaches it. The score is the decayed 404 share; the default
//! threshold flags actors with at least half their recent requests not found. Actors
//! whose decayed count fell below 0.05 are swept every four half-lives; that drops a residue
//! too small to change any score by more than a hair.

use super::actor::{ActorEvent, ActorScorer, ActorSignal};
use super::decay::HalfLife;
use crate::columns::Needs;
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "not-found-ratio",
    description: "Exponentially decayed share of 404 responses among an actor's recent requests",
    params: &[
        ParamInfo::threshold(
            super::calibrated::NOT_FOUND_RATIO,
            "share of 404s at which an event is flagged",
        ),
        ParamInfo::int(
            "half_life_secs",
            600,
            "half-life of the decayed counts, in seconds",
        ),
        ParamInfo::float(
            "min_count",
            10.0,
            "decayed request count below which the score is 0",
        ),
    ],
    constructor: build,
};

const NOT_FOUND: i16 = 404;
const EVICTABLE_WEIGHT: f64 = 0.05;
/// Half-lives in which a count of 1 cannot decay below [`EVICTABLE_WEIGHT`]: 1/16 is
/// above it, by far more than `exp2`'s rounding.
const STALE_AFTER_HALF_LIVES: i64 = 4;
const _: () = assert!(EVICTABLE_WEIGHT < 1.0 / 16.0);
/// Half-lives between sweeps: each costs an `exp2` per actor.
const SWEEP_HALF_LIVES: i64 = 4;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let scorer = ActorScorer::new(NotFoundSignal::new(&params)?);
    ScoredDetector::boxed(INFO.name, params, scorer)
}

pub(crate) struct NotFoundSignal {
    half_life: HalfLife,
    min_count: f64,
}

impl NotFoundSignal {
    pub fn new(params: &Params) -> Result<Self, DetectorError> {
        let reader = ParamReader::new(INFO.name, params);
        Ok(NotFoundSignal {
            half_life: HalfLife::new(reader.duration_micros("half_life_secs")?),
            min_count: reader.non_negative_float("min_count")?,
        })
    }
}

#[derive(Default)]
pub(crate) struct DecayedCounts {
    last_ts: i64,
    requests: f64,
    not_found: f64,
}

impl ActorSignal for NotFoundSignal {
    type State = DecayedCounts;

    fn needs(&self) -> Needs {
        Needs {
            status: true,
            ..Needs::default()
        }
    }

    fn sweep_interval(&self) -> i64 {
        self.half_life.micros().saturating_mul(SWEEP_HALF_LIVES)
    }

    #[inline]
    fn observe(&mut self, counts: &mut DecayedCounts, event: &ActorEvent) -> f64 {
        if event.ts > counts.last_ts {
            let factor = self.half_life.factor(counts.last_ts, event.ts);
            counts.requests *= factor;
            counts.not_found *= factor;
            counts.last_ts = event.ts;
        }
        counts.requests += 1.0;
        counts.not_found += f64::from(u8::from(event.status == NOT_FOUND));
        if counts.requests >= self.min_count {
            counts.not_found / counts.requests
        } else {
            0.0
        }
    }

    fn is_stale(&self, counts: &DecayedCounts, now: i64) -> bool {
        // A count of at least 1 (as every actor's is, from its latest request on) falls
        // below the evictable weight only past `STALE_AFTER_HALF_LIVES`: most actors a
        // sweep sees are younger, and spare it the exponential.
        let idle = now.saturating_sub(counts.last_ts);
        let young = idle
            <= self
                .half_life
                .micros()
                .saturating_mul(STALE_AFTER_HALF_LIVES);
        if counts.requests >= 1.0 && young {
            return false;
        }
        counts.requests * self.half_life.factor(counts.last_ts, now) < EVICTABLE_WEIGHT
    }
}
