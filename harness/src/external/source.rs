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
/// started once here to read the name from its hello line. A child that fails then (does
/// not start, hangs past the timeout, writes no valid hello) is named by its command and
/// is not started again: every pass reports the probe's error, so a hanging detector
/// costs one timeout, not two.
pub fn external_spec(spec: ExternalSpec, fixed_threshold: Option<f64>) -> DetectorSpec {
    let (name, probe_error) = match &spec.name {
        Some(name) => (name.clone(), None),
        None => match ExternalDetector::start(&spec) {
            Ok(detector) => (detector.name().to_string(), None),
            Err(error) => (spec.command.clone(), Some(error.to_string())),
        },
    };
    let spec = ExternalSpec {
        name: Some(name.clone()),
        ..spec
    };
    DetectorSpec::custom(name, fixed_threshold, move || {
        if let Some(message) = &probe_error {
            return Err(SourceError::new(message.clone()));
        }
        ExternalDetector::start(&spec)
            .map(|detector| Box::new(detector) as Box<dyn ScoreSource>)
            .map_err(|e| SourceError::new(e.to_string()))
    })
}
