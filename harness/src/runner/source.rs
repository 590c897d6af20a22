//! How the runner builds detectors: anything that scores events implements
//! [`Detector`](breachlab_detectors::Detector) (the built-ins, an external process, an
//! alert file), and a [`DetectorSpec`] builds fresh ones, because calibration and every
//! seed start from a clean state.

use super::RunError;
use crate::report::ThresholdSource;
use breachlab_detectors::{Detector, DetectorError, ParamValue, Params};
use std::sync::Arc;

/// A failure of one detector: the runner records it for that detector and goes on with
/// the others.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

impl SourceError {
    pub fn new(message: impl Into<String>) -> Self {
        SourceError(message.into())
    }
}

impl From<DetectorError> for SourceError {
    fn from(error: DetectorError) -> Self {
        SourceError(error.to_string())
    }
}

impl From<std::io::Error> for SourceError {
    fn from(error: std::io::Error) -> Self {
        SourceError(error.to_string())
    }
}

type Factory = dyn Fn() -> Result<Box<dyn Detector>, SourceError> + Send + Sync;

/// How to build one detector, and where its threshold comes from.
#[derive(Clone)]
pub struct DetectorSpec {
    pub name: String,
    /// `Some` when the user fixed the threshold (`--param det.threshold=x`).
    pub fixed_threshold: Option<f64>,
    /// `false` for a tool's own decisions (an alert file): calibration on other seeds
    /// never moves their threshold, since the alerts are of the scored dataset alone.
    pub calibratable: bool,
    factory: Arc<Factory>,
}

impl std::fmt::Debug for DetectorSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetectorSpec")
            .field("name", &self.name)
            .field("fixed_threshold", &self.fixed_threshold)
            .field("calibratable", &self.calibratable)
            .finish_non_exhaustive()
    }
}

impl DetectorSpec {
    /// A built-in detector from the registry with parameter overrides; unknown names and
    /// parameters are refused here, before any data is read.
    pub fn builtin(name: &str, overrides: &Params) -> Result<Self, RunError> {
        breachlab_detectors::build(name, overrides)?;
        let fixed_threshold = match overrides.get("threshold") {
            Some(ParamValue::Float(value)) => Some(*value),
            Some(ParamValue::Int(value)) => Some(*value as f64),
            _ => None,
        };
        let owned_name = name.to_string();
        let overrides = overrides.clone();
        Ok(DetectorSpec {
            name: name.to_string(),
            fixed_threshold,
            calibratable: true,
            factory: Arc::new(move || Ok(breachlab_detectors::build(&owned_name, &overrides)?)),
        })
    }

    /// Any detector: `factory` is called once per pass (calibration, each seed).
    pub fn custom(
        name: impl Into<String>,
        fixed_threshold: Option<f64>,
        factory: impl Fn() -> Result<Box<dyn Detector>, SourceError> + Send + Sync + 'static,
    ) -> Self {
        DetectorSpec {
            name: name.into(),
            fixed_threshold,
            calibratable: true,
            factory: Arc::new(factory),
        }
    }

    /// A tool's decisions (an alert file): scored at the tool's own threshold, never
    /// calibrated.
    pub fn decisions(
        name: impl Into<String>,
        factory: impl Fn() -> Result<Box<dyn Detector>, SourceError> + Send + Sync + 'static,
    ) -> Self {
        DetectorSpec {
            calibratable: false,
            ..DetectorSpec::custom(name, None, factory)
        }
    }

    /// A fresh detector.
    pub fn instantiate(&self) -> Result<Box<dyn Detector>, SourceError> {
        (self.factory)()
    }
}

/// The threshold a detector is scored at, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdChoice {
    pub threshold: f64,
    pub source: ThresholdSource,
}
