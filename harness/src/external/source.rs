//! External detectors as runner [`ScoreSource`]s: a [`DetectorSpec`] per
//! `--detector-cmd`, starting a fresh child for every pass (calibration, each seed).

use arrow_array::RecordBatch;

use super::{ExternalDetector, ExternalSpec};
use crate::runner::{DetectorSpec, ScoreSource, SourceError};

impl ScoreSource for ExternalDetector {
    fn name(&self) -> &str {
        ExternalDetector::name(self)
    }

    fn params(&self) -> serde_json::Value {
        serde_json::to_value(ExternalDetector::params(self)).unwrap_or(serde_json::Value::Null)
    }

    fn default_threshold(&self) -> f64 {
        ExternalDetector::default_threshold(self)
    }

    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError> {
        ExternalDetector::score_batch(self, batch, scores)
            .map_err(|e| SourceError::new(e.to_string()))
    }

    fn finish(&mut self) -> Result<(), SourceError> {
        ExternalDetector::finish(self).map_err(|e| SourceError::new(e.to_string()))
    }
}

/// The runner's spec of an external detector. Without a `--detector-name`, the child is
/// started once here to read the name from its hello line (a child that cannot start is
/// named by its command, and fails again, reported, when the pass starts it).
pub fn external_spec(spec: ExternalSpec, fixed_threshold: Option<f64>) -> DetectorSpec {
    let name = match &spec.name {
        Some(name) => name.clone(),
        None => ExternalDetector::start(&spec)
            .map(|detector| detector.name().to_string())
            .unwrap_or_else(|_| spec.command.clone()),
    };
    let spec = ExternalSpec {
        name: Some(name.clone()),
        ..spec
    };
    DetectorSpec::custom(name, fixed_threshold, move || {
        ExternalDetector::start(&spec)
            .map(|detector| Box::new(detector) as Box<dyn ScoreSource>)
            .map_err(|e| SourceError::new(e.to_string()))
    })
}
