//! The plug-in point: anything that scores events is a [`ScoreSource`].
//!
//! Built-in detectors adapt to it here; an external process or an alert file can
//! implement it too and be scored beside them. A [`DetectorSpec`] builds fresh sources,
//! because calibration and every seed start from a clean state.

use super::RunError;
use crate::report::ThresholdSource;
use arrow_array::RecordBatch;
use breachlab_detectors::{
    Detector, DetectorError, ParamValue, Params, SharedColumns, SharedNeeds,
};
use std::sync::Arc;

/// A failure of one source: the runner records it for that source and goes on with the
/// others.
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

/// A scorer of the `events` stream. The runner calls [`score_batch`](Self::score_batch)
/// with consecutive batches in time order (never the truth), then
/// [`finish`](Self::finish) once.
pub trait ScoreSource: Send {
    fn name(&self) -> &str;
    /// Effective parameters, a JSON object for the report.
    fn params(&self) -> serde_json::Value;
    /// Score at or above which an event is flagged, unless the user or calibration sets one.
    fn default_threshold(&self) -> f64;
    /// The `events` columns [`score_batch`](Self::score_batch) reads; `None` (the
    /// default) asks for every column, as an external detector is promised.
    fn columns(&self) -> Option<Vec<&'static str>> {
        None
    }
    /// Appends exactly one score per row of `batch` to `scores`.
    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError>;
    /// The columns a built-in detector derives from each batch, which the runner derives
    /// once for all of them ([`SharedColumns::derive`]); none for other sources.
    fn shared_needs(&self) -> SharedNeeds {
        SharedNeeds::default()
    }
    /// Scores like [`score_batch`](Self::score_batch); a built-in detector takes the
    /// columns it derives from `batch` from `shared` when they are there.
    fn score_batch_shared(
        &mut self,
        batch: &RecordBatch,
        shared: &SharedColumns,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError> {
        let _ = shared;
        self.score_batch(batch, scores)
    }
    /// Called after the last batch (an external process would be waited for here).
    fn finish(&mut self) -> Result<(), SourceError> {
        Ok(())
    }
}

/// A built-in [`Detector`] as a [`ScoreSource`].
pub struct BuiltinSource {
    detector: Box<dyn Detector>,
}

impl BuiltinSource {
    pub fn new(detector: Box<dyn Detector>) -> Self {
        BuiltinSource { detector }
    }
}

impl ScoreSource for BuiltinSource {
    fn name(&self) -> &str {
        self.detector.name()
    }

    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self.detector.params()).unwrap_or(serde_json::Value::Null)
    }

    fn default_threshold(&self) -> f64 {
        self.detector.default_threshold()
    }

    fn columns(&self) -> Option<Vec<&'static str>> {
        self.detector.columns()
    }

    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError> {
        Ok(self.detector.score_batch(batch, scores)?)
    }

    fn shared_needs(&self) -> SharedNeeds {
        self.detector.shared_needs()
    }

    fn score_batch_shared(
        &mut self,
        batch: &RecordBatch,
        shared: &SharedColumns,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError> {
        Ok(self.detector.score_batch_shared(batch, shared, scores)?)
    }
}

/// A source that scores with a closure and declares no columns, for tests of the
/// runner's own machinery.
#[cfg(test)]
pub(crate) struct ClosureSource<F>(pub F);

#[cfg(test)]
impl<F> ScoreSource for ClosureSource<F>
where
    F: FnMut(&RecordBatch, &mut Vec<f64>) -> Result<(), SourceError> + Send,
{
    fn name(&self) -> &str {
        "closure"
    }
    fn params(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
    fn default_threshold(&self) -> f64 {
        1.0
    }
    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError> {
        (self.0)(batch, scores)
    }
}

type Factory = dyn Fn() -> Result<Box<dyn ScoreSource>, SourceError> + Send + Sync;

/// How to build one detector, and where its threshold comes from.
#[derive(Clone)]
pub struct DetectorSpec {
    pub name: String,
    /// `Some` when the user fixed the threshold (`--param det.threshold=x`).
    pub fixed_threshold: Option<f64>,
    factory: Arc<Factory>,
}

impl std::fmt::Debug for DetectorSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DetectorSpec")
            .field("name", &self.name)
            .field("fixed_threshold", &self.fixed_threshold)
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
            factory: Arc::new(move || {
                let detector = breachlab_detectors::build(&owned_name, &overrides)?;
                Ok(Box::new(BuiltinSource::new(detector)) as Box<dyn ScoreSource>)
            }),
        })
    }

    /// Any source: `factory` is called once per pass (calibration, each seed).
    pub fn custom(
        name: impl Into<String>,
        fixed_threshold: Option<f64>,
        factory: impl Fn() -> Result<Box<dyn ScoreSource>, SourceError> + Send + Sync + 'static,
    ) -> Self {
        DetectorSpec {
            name: name.into(),
            fixed_threshold,
            factory: Arc::new(factory),
        }
    }

    /// A fresh source.
    pub fn instantiate(&self) -> Result<Box<dyn ScoreSource>, SourceError> {
        (self.factory)()
    }
}

/// The threshold a detector is scored at, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdChoice {
    pub threshold: f64,
    pub source: ThresholdSource,
}
