//! `null`: scores every event 0 and so never flags. The floor every real detector must
//! beat, and a check that the harness counts an empty verdict correctly.

use crate::columns::{EventView, Needs};
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "null",
    description: "Baseline: every score is 0, nothing is flagged",
    params: &[ParamInfo::threshold(
        1.0,
        "score at or above which an event is flagged (scores are always 0)",
    )],
    constructor: build,
};

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    ScoredDetector::boxed(INFO.name, params, Null)
}

struct Null;

impl Scorer for Null {
    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        scores.resize(scores.len() + view.rows, 0.0);
    }
}
