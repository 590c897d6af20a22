//! `sequential`: the length of an actor's current run of ascending `target_id`s, the
//! signature of object-ID walking (`/accounts/1001`, `/1002`, `/1003`, ...).
//!
//! The actor is the principal when authenticated, else the client IP. A request extends
//! the run when its target is above the previous one by at most `max_gap` (walkers skip
//! ids that are taken down or sharded away), leaves it unchanged when it repeats the
//! previous target (re-reading an object is not walking), and restarts it otherwise or
//! after `max_idle_secs` without a targeted request. The score is the run length; the
//! default threshold of 20 consecutive ascending objects is far beyond a user paging
//! through its own handful of lines, while a walker reaches it within seconds. Events
//! without a target score the actor's current run. Walks spread over many actors (one
//! request per proxy IP) are invisible here. Idle runs are swept every four
//! `max_idle_secs`.

use std::hint::select_unpredictable;

use super::actor::{ActorEvent, ActorScorer, ActorSignal};
use crate::columns::{NO_TARGET, Needs};
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "sequential",
    description: "Length of an actor's current run of ascending target_ids (ID walking)",
    params: &[
        ParamInfo::threshold(
            super::calibrated::SEQUENTIAL,
            "run length at which an event is flagged",
        ),
        ParamInfo::int(
            "max_gap",
            4,
            "largest step between consecutive targets that extends a run",
        ),
        ParamInfo::int(
            "max_idle_secs",
            300,
            "pause after which a run restarts, in seconds",
        ),
    ],
    constructor: build,
};

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let scorer = ActorScorer::new(SequentialSignal::new(&params)?);
    ScoredDetector::boxed(INFO.name, params, scorer)
}

/// `max_idle_secs` periods between sweeps. Dropping an idle run never changes a score
/// (the next request restarts it anyway), so sweeps only bound memory; each costs a pass
/// over all actors, so they are kept a few idle periods apart.
const SWEEP_IDLE_PERIODS: i64 = 4;

pub(crate) struct SequentialSignal {
    max_gap: u64,
    max_idle: i64,
}

impl SequentialSignal {
    pub fn new(params: &Params) -> Result<Self, DetectorError> {
        let reader = ParamReader::new(INFO.name, params);
        Ok(SequentialSignal {
            max_gap: reader.int_in("max_gap", 1, i64::MAX)? as u64,
            max_idle: reader.duration_micros("max_idle_secs")?,
        })
    }

    fn is_idle(&self, run: &Run, now: i64) -> bool {
        now.saturating_sub(run.last_ts) > self.max_idle
    }

    /// The run length after a request for `target`, `idle` telling whether the run was
    /// idle for too long: one more when it ascends within `max_gap`, the same when it
    /// repeats the previous target, else (or after an idle pause) 1. Selected without
    /// branches, as in [`observe`](ActorSignal::observe).
    #[inline]
    fn next_length(&self, run: &Run, target: i64, idle: bool) -> u32 {
        let continues = (run.length != 0) & !idle;
        let ascends =
            (target > run.last_target) & (target.abs_diff(run.last_target) <= self.max_gap);
        let repeats = target == run.last_target;
        let length = select_unpredictable(repeats, run.length, 1);
        let length = select_unpredictable(ascends, run.length.saturating_add(1), length);
        select_unpredictable(continues, length, 1)
    }
}

/// An actor's current run; a length of 0 means no targeted request yet.
#[derive(Default)]
pub(crate) struct Run {
    last_target: i64,
    last_ts: i64,
    length: u32,
}

impl ActorSignal for SequentialSignal {
    type State = Run;

    fn needs(&self) -> Needs {
        Needs {
            target: true,
            ..Needs::default()
        }
    }

    fn sweep_interval(&self) -> i64 {
        self.max_idle.saturating_mul(SWEEP_IDLE_PERIODS)
    }

    /// Both outcomes, with and without a target, are computed and one is selected: which
    /// applies, like which case of [`next_length`](Self::next_length), changes from event
    /// to event in mixed traffic, so a branch on it would often be mispredicted (each
    /// costing more than computing both).
    #[inline]
    fn observe(&mut self, run: &mut Run, event: &ActorEvent) -> f64 {
        let targeted = event.target != NO_TARGET;
        let idle = self.is_idle(run, event.ts);
        let untargeted_score = select_unpredictable(idle, 0, run.length);
        let length = self.next_length(run, event.target, idle);
        run.length = select_unpredictable(targeted, length, run.length);
        run.last_target = select_unpredictable(targeted, event.target, run.last_target);
        run.last_ts = select_unpredictable(targeted, event.ts, run.last_ts);
        f64::from(select_unpredictable(targeted, length, untargeted_score))
    }

    fn is_stale(&self, run: &Run, now: i64) -> bool {
        run.length == 0 || self.is_idle(run, now)
    }
}
