//! External detectors as [`Detector`]s: a [`DetectorSpec`] per
//! `--detector-cmd`, starting a fresh child for every pass (calibration, each seed).

use breachlab_detectors::{Detector, DetectorError, EventBatch, Params};

use super::{ExternalDetector, ExternalSpec};
use crate::runner::{DetectorSpec, SourceError};

impl Detector for ExternalDetector {
    fn name(&self) -> &str {
        ExternalDetector::name(self)
    }

    fn params(&self) -> &Params {
        ExternalDetector::params(self)
    }

    fn default_threshold(&self) -> f64 {
        ExternalDetector::default_threshold(self)
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        ExternalDetector::score_batch(self, batch.events, scores)
            .map_err(|e| DetectorError::Failed(e.to_string()))
    }

    fn finish(&mut self) -> Result<(), DetectorError> {
        ExternalDetector::finish(self).map_err(|e| DetectorError::Failed(e.to_string()))
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
            .map(|detector| Box::new(detector) as Box<dyn Detector>)
            .map_err(|e| SourceError::new(e.to_string()))
    })
}
