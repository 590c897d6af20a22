//! `combined`: one verdict from several signals, as a gateway's risk engine would fuse
//! them. Each part runs with its own defaults and its score is normalised by that part's
//! rule-of-thumb threshold (its default before calibration), so 1.0 means "this signal
//! alone would flag at its rule of thumb". The parts are the
//! actor signals `fanout`, `sequential` and `not-found-ratio`, which catch a noisy
//! enumerator from one principal or IP, and the route signal `route-volume`, which
//! catches the same enumeration spread over many actors.
//!
//! `mode = "max"` (default) scores the strongest weighted signal: any one at its own
//! threshold flags. `mode = "sum"` adds the weighted signals, each capped at 1, so that
//! several signals part of the way there flag together; raise `threshold` to 2 to demand
//! two signals. A weight of 0 leaves a part out (and skips its work). The columns are
//! read once and shared by all parts, and the three actor signals keep their states in
//! one map entry per actor, so an event costs one actor lookup, not three. That entry is
//! swept when every part finds it stale, checked at the longest of the parts' sweep
//! intervals (sweeps cost a pass over all actors).

use super::actor::{ActorEvent, ActorScorer, ActorSignal};
use super::fanout::{FanoutSignal, Targets};
use super::not_found_ratio::{DecayedCounts, NotFoundSignal};
use super::sequential::{Run, SequentialSignal};
use super::{fanout, not_found_ratio, route_volume, sequential};
use crate::columns::{EventView, Needs};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "combined",
    description: "Max (or capped sum) of fanout, sequential, not-found-ratio and route-volume, each scaled by its threshold",
    params: &[
        ParamInfo::threshold(
            super::calibrated::COMBINED,
            "combined score at which an event is flagged",
        ),
        ParamInfo::string(
            "mode",
            "max",
            "how signals combine: \"max\" or \"sum\" (each capped at 1)",
        ),
        ParamInfo::float("fanout_weight", 1.0, "weight of fanout (0 leaves it out)"),
        ParamInfo::float(
            "sequential_weight",
            1.0,
            "weight of sequential (0 leaves it out)",
        ),
        ParamInfo::float(
            "not_found_weight",
            1.0,
            "weight of not-found-ratio (0 leaves it out)",
        ),
        ParamInfo::float(
            "route_volume_weight",
            1.0,
            "weight of route-volume (0 leaves it out)",
        ),
    ],
    constructor: build,
};

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let mode = match reader.choice("mode", &["max", "sum"])? {
        "sum" => Mode::Sum,
        _ => Mode::Max,
    };
    let actor_parts = ActorParts {
        mode,
        fanout: part(
            &reader,
            "fanout_weight",
            &fanout::INFO,
            NOMINAL_FANOUT,
            FanoutSignal::new,
        )?,
        sequential: part(
            &reader,
            "sequential_weight",
            &sequential::INFO,
            NOMINAL_SEQUENTIAL,
            SequentialSignal::new,
        )?,
        not_found: part(
            &reader,
            "not_found_weight",
            &not_found_ratio::INFO,
            NOMINAL_NOT_FOUND,
            NotFoundSignal::new,
        )?,
    };
    let actors = actor_parts.any().then(|| ActorScorer::new(actor_parts));
    let route = part(
        &reader,
        "route_volume_weight",
        &route_volume::INFO,
        NOMINAL_ROUTE_VOLUME,
        route_volume::boxed_scorer,
    )?;
    let needs = [
        actors.as_ref().map(|actors| actors.needs()),
        route.as_ref().map(|route| route.signal.needs()),
    ]
    .into_iter()
    .flatten()
    .fold(Needs::default(), Needs::union);
    let combined = Combined {
        mode,
        actors,
        route,
        route_scores: Vec::new(),
        needs,
    };
    ScoredDetector::boxed(INFO.name, params, combined)
}

/// What each part's score is divided by: the part's rule-of-thumb threshold (its
/// default before calibration), fixed here so that calibrating the parts' default
/// thresholds does not change `combined`'s scores (its own threshold is calibrated on
/// those scores).
const NOMINAL_FANOUT: f64 = 1.0;
const NOMINAL_SEQUENTIAL: f64 = 20.0;
const NOMINAL_NOT_FOUND: f64 = 0.5;
const NOMINAL_ROUTE_VOLUME: f64 = 3.0;

/// The part weighted by `weight_param`, built with its own defaults and scaled by
/// `nominal`; `None` at weight 0.
fn part<S>(
    reader: &ParamReader<'_>,
    weight_param: &str,
    info: &DetectorInfo,
    nominal: f64,
    constructor: fn(&Params) -> Result<S, DetectorError>,
) -> Result<Option<Part<S>>, DetectorError> {
    let weight = reader.non_negative_float(weight_param)?;
    if weight == 0.0 {
        return Ok(None);
    }
    let defaults = info.defaults();
    Ok(Some(Part {
        threshold: nominal,
        weight,
        signal: constructor(&defaults)?,
    }))
}

#[derive(Clone, Copy)]
enum Mode {
    Max,
    Sum,
}

impl Mode {
    fn combine(self, total: f64, contribution: f64) -> f64 {
        match self {
            Mode::Max => total.max(contribution),
            Mode::Sum => total + contribution,
        }
    }
}

struct Part<S> {
    /// The part's nominal threshold, which its score is divided by.
    threshold: f64,
    weight: f64,
    signal: S,
}

impl<S> Part<S> {
    fn contribution(&self, score: f64, mode: Mode) -> f64 {
        let normalised = score / self.threshold;
        match mode {
            Mode::Max => normalised * self.weight,
            Mode::Sum => normalised.min(1.0) * self.weight,
        }
    }
}

/// The actor signals in use, sharing one state per actor.
struct ActorParts {
    mode: Mode,
    fanout: Option<Part<FanoutSignal>>,
    sequential: Option<Part<SequentialSignal>>,
    not_found: Option<Part<NotFoundSignal>>,
}

impl ActorParts {
    fn any(&self) -> bool {
        self.fanout.is_some() || self.sequential.is_some() || self.not_found.is_some()
    }
}

/// 96 bytes aligned to 32, so that a state spans two cache lines, never three: on a
/// large population each event fetches its actor's state from memory.
#[derive(Default)]
#[repr(align(32))]
struct ActorStates {
    fanout: Targets,
    sequential: Run,
    not_found: DecayedCounts,
}

const _: () = assert!(
    size_of::<ActorStates>() == 96,
    "two cache lines at 32-byte alignment"
);

impl ActorSignal for ActorParts {
    type State = ActorStates;

    fn needs(&self) -> Needs {
        [
            self.fanout.as_ref().map(|part| part.signal.needs()),
            self.sequential.as_ref().map(|part| part.signal.needs()),
            self.not_found.as_ref().map(|part| part.signal.needs()),
        ]
        .into_iter()
        .flatten()
        .fold(Needs::default(), Needs::union)
    }

    fn sweep_interval(&self) -> i64 {
        [
            self.fanout
                .as_ref()
                .map(|part| part.signal.sweep_interval()),
            self.sequential
                .as_ref()
                .map(|part| part.signal.sweep_interval()),
            self.not_found
                .as_ref()
                .map(|part| part.signal.sweep_interval()),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(i64::MAX)
    }

    #[inline]
    fn observe(&mut self, states: &mut ActorStates, event: &ActorEvent) -> f64 {
        let mode = self.mode;
        let mut total = 0.0;
        if let Some(part) = &mut self.fanout {
            let score = part.signal.observe(&mut states.fanout, event);
            total = mode.combine(total, part.contribution(score, mode));
        }
        if let Some(part) = &mut self.sequential {
            let score = part.signal.observe(&mut states.sequential, event);
            total = mode.combine(total, part.contribution(score, mode));
        }
        if let Some(part) = &mut self.not_found {
            let score = part.signal.observe(&mut states.not_found, event);
            total = mode.combine(total, part.contribution(score, mode));
        }
        total
    }

    fn is_stale(&self, states: &ActorStates, now: i64) -> bool {
        let fanout = self.fanout.as_ref();
        let sequential = self.sequential.as_ref();
        let not_found = self.not_found.as_ref();
        fanout.is_none_or(|part| part.signal.is_stale(&states.fanout, now))
            && sequential.is_none_or(|part| part.signal.is_stale(&states.sequential, now))
            && not_found.is_none_or(|part| part.signal.is_stale(&states.not_found, now))
    }
}

struct Combined {
    mode: Mode,
    actors: Option<ActorScorer<ActorParts>>,
    route: Option<Part<Box<dyn Scorer>>>,
    route_scores: Vec<f64>,
    needs: Needs,
}

impl Scorer for Combined {
    fn needs(&self) -> Needs {
        self.needs
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let start = scores.len();
        match &mut self.actors {
            Some(actors) => actors.score(view, scores),
            None => scores.resize(start + view.rows, 0.0),
        }
        let Some(route) = &mut self.route else {
            return;
        };
        self.route_scores.clear();
        route.signal.score(view, &mut self.route_scores);
        if self.route_scores.len() != view.rows {
            scores.truncate(start);
            return;
        }
        let mode = self.mode;
        for (total, &score) in scores[start..].iter_mut().zip(&self.route_scores) {
            *total = mode.combine(*total, route.contribution(score, mode));
        }
    }
}
