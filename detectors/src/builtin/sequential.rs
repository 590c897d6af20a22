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
//! request per proxy IP) are invisible here. Idle runs are swept every `max_idle_secs`.

use crate::columns::{EventView, NO_TARGET, Needs};
use crate::keys::{KeyMap, NO_KEY, Sweeper};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "sequential",
    description: "Length of an actor's current run of ascending target_ids (ID walking)",
    params: &[
        ParamInfo::threshold(20.0, "run length at which an event is flagged"),
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
    let scorer = new_scorer(&params)?;
    ScoredDetector::boxed(INFO.name, params, scorer)
}

/// This detector's scoring loop, for the `combined` detector.
pub(crate) fn boxed_scorer(params: &Params) -> Result<Box<dyn Scorer>, DetectorError> {
    Ok(Box::new(new_scorer(params)?))
}

fn new_scorer(params: &Params) -> Result<Sequential, DetectorError> {
    let reader = ParamReader::new(INFO.name, params);
    let max_gap = reader.int_in("max_gap", 1, i64::MAX)? as u64;
    let max_idle = reader.duration_micros("max_idle_secs")?;
    Ok(Sequential {
        max_gap,
        max_idle,
        runs: KeyMap::default(),
        sweeper: Sweeper::every(max_idle),
    })
}

struct Run {
    last_target: i64,
    last_ts: i64,
    length: u32,
}

struct Sequential {
    max_gap: u64,
    max_idle: i64,
    runs: KeyMap<Run>,
    sweeper: Sweeper,
}

impl Run {
    fn is_idle(&self, now: i64, max_idle: i64) -> bool {
        now.saturating_sub(self.last_ts) > max_idle
    }

    /// The run length after a request for `target` at `now`.
    fn next_length(&self, target: i64, now: i64, max_gap: u64, max_idle: i64) -> u32 {
        let ascends = target > self.last_target && target.abs_diff(self.last_target) <= max_gap;
        if self.is_idle(now, max_idle) {
            1
        } else if ascends {
            self.length.saturating_add(1)
        } else if target == self.last_target {
            self.length
        } else {
            1
        }
    }
}

impl Sequential {
    fn score_event(&mut self, ts: i64, actor: u64, target: i64) -> f64 {
        let (max_gap, max_idle) = (self.max_gap, self.max_idle);
        if target == NO_TARGET {
            return match self.runs.get(&actor) {
                Some(run) if !run.is_idle(ts, max_idle) => f64::from(run.length),
                _ => 0.0,
            };
        }
        let run = self.runs.entry(actor).or_insert(Run {
            last_target: target,
            last_ts: ts,
            length: 0,
        });
        run.length = if run.length == 0 {
            1
        } else {
            run.next_length(target, ts, max_gap, max_idle)
        };
        run.last_target = target;
        run.last_ts = ts;
        f64::from(run.length)
    }
}

impl Scorer for Sequential {
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
            if self.sweeper.due(ts) {
                let max_idle = self.max_idle;
                self.runs
                    .retain(|_, run| ts.saturating_sub(run.last_ts) <= max_idle);
            }
            let score = if actor == NO_KEY {
                0.0
            } else {
                self.score_event(ts, actor, target)
            };
            scores.push(score);
        }
    }
}
