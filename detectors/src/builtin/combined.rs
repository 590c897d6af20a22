//! `combined`: one verdict from several signals, as a gateway's risk engine would fuse
//! them. Each part runs with its own defaults and its score is normalised by that part's
//! default threshold, so 1.0 means "this signal alone would flag". The parts are the
//! actor signals `fanout`, `sequential` and `not-found-ratio`, which catch a noisy
//! enumerator from one principal or IP, and the route signal `route-volume`, which
//! catches the same enumeration spread over many actors.
//!
//! `mode = "max"` (default) scores the strongest weighted signal: any one at its own
//! threshold flags. `mode = "sum"` adds the weighted signals, each capped at 1, so that
//! several signals part of the way there flag together; raise `threshold` to 2 to demand
//! two signals. A weight of 0 leaves a part out (and skips its work). The columns are
//! read once and shared by all parts.

use crate::columns::{EventView, Needs};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

use super::{fanout, not_found_ratio, route_volume, sequential};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "combined",
    description: "Max (or capped sum) of fanout, sequential, not-found-ratio and route-volume, each scaled by its threshold",
    params: &[
        ParamInfo::threshold(1.0, "combined score at which an event is flagged"),
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

type PartConstructor = fn(&Params) -> Result<Box<dyn Scorer>, DetectorError>;

const PARTS: &[(&str, &DetectorInfo, PartConstructor)] = &[
    ("fanout_weight", &fanout::INFO, fanout::boxed_scorer),
    (
        "sequential_weight",
        &sequential::INFO,
        sequential::boxed_scorer,
    ),
    (
        "not_found_weight",
        &not_found_ratio::INFO,
        not_found_ratio::boxed_scorer,
    ),
    (
        "route_volume_weight",
        &route_volume::INFO,
        route_volume::boxed_scorer,
    ),
];

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let mode = match reader.choice("mode", &["max", "sum"])? {
        "sum" => Mode::Sum,
        _ => Mode::Max,
    };
    let mut parts = Vec::new();
    for &(weight_param, info, constructor) in PARTS {
        let weight = reader.non_negative_float(weight_param)?;
        if weight == 0.0 {
            continue;
        }
        let defaults = info.defaults();
        let threshold = ParamReader::new(info.name, &defaults).positive_float("threshold")?;
        parts.push(Part {
            threshold,
            weight,
            scorer: constructor(&defaults)?,
            scores: Vec::new(),
        });
    }
    let needs = parts.iter().fold(Needs::default(), |needs, part| {
        needs.union(part.scorer.needs())
    });
    ScoredDetector::boxed(INFO.name, params, Combined { mode, parts, needs })
}

#[derive(Clone, Copy)]
enum Mode {
    Max,
    Sum,
}

struct Part {
    /// The part's own default threshold, which its score is divided by.
    threshold: f64,
    weight: f64,
    scorer: Box<dyn Scorer>,
    scores: Vec<f64>,
}

impl Part {
    fn contribution(&self, score: f64, mode: Mode) -> f64 {
        let normalised = score / self.threshold;
        match mode {
            Mode::Max => normalised * self.weight,
            Mode::Sum => normalised.min(1.0) * self.weight,
        }
    }
}

struct Combined {
    mode: Mode,
    parts: Vec<Part>,
    needs: Needs,
}

impl Scorer for Combined {
    fn needs(&self) -> Needs {
        self.needs
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let start = scores.len();
        scores.resize(start + view.rows, 0.0);
        let combined = &mut scores[start..];
        for part in &mut self.parts {
            part.scores.clear();
            part.scorer.score(view, &mut part.scores);
            for (total, &score) in combined.iter_mut().zip(&part.scores) {
                let contribution = part.contribution(score, self.mode);
                *total = match self.mode {
                    Mode::Max => total.max(contribution),
                    Mode::Sum => *total + contribution,
                };
            }
        }
        if self.parts.iter().any(|part| part.scores.len() != view.rows) {
            scores.truncate(start);
        }
    }
}
