//! Inline enumeration detectors for breachlab.
//!
//! A detector sees the `events` table (never the truth labels) as arrow
//! [`RecordBatch`]es in time order and scores every event the way an inline API gateway
//! would decide on a request: the score of event `i` depends only on events `0..=i`, so
//! it never looks ahead and never depends on how the stream was cut into batches.
//!
//! Detectors are found by name in a static [`registry`] and built with [`build`] from
//! their default [`Params`] merged with overrides (a TOML table or `k=v` strings).

mod builtin;
mod columns;
mod error;
mod keys;
mod params;
mod registry;
mod scored;
#[cfg(feature = "testing")]
pub mod testing;

pub use arrow_array::RecordBatch;
/// The budget and datasets the built-in default thresholds were calibrated on.
pub use builtin::calibrated as calibrated_defaults;
pub use columns::{SharedColumns, SharedNeeds};
pub use error::DetectorError;
pub use params::{ParamDefault, ParamInfo, ParamKind, ParamValue, Params};
pub use registry::{DetectorInfo, build, registry};

/// A scorer of events: one score per event, computed without looking ahead.
pub trait Detector: Send {
    fn name(&self) -> &str;
    /// Effective parameters (defaults merged with overrides), for the report.
    fn params(&self) -> &Params;
    /// Score at or above which an event is flagged.
    fn default_threshold(&self) -> f64;
    /// The `events` columns [`score_batch`](Self::score_batch) reads, so a runner can
    /// decode only those; `None` (the default) means it may read any column. A batch
    /// handed to the detector holds at least these columns, looked up by name; a
    /// detector that declares its columns takes string columns as `Utf8` or as a
    /// dictionary of `Utf8` (a runner may decode them either way).
    fn columns(&self) -> Option<Vec<&'static str>> {
        None
    }
    /// Appends exactly one score per row of `batch` to `scores`; state carries over calls.
    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError>;
    /// The columns this detector derives from a batch and takes from [`SharedColumns`],
    /// so a runner can derive them once per batch, ahead, for every detector
    /// ([`SharedColumns::derive`]); none by default.
    fn shared_needs(&self) -> SharedNeeds {
        SharedNeeds::default()
    }
    /// Scores like [`score_batch`](Self::score_batch), taking the columns it derives
    /// from the batch (string keys) from `shared` where they were derived ahead. Gives
    /// the same scores.
    fn score_batch_shared(
        &mut self,
        batch: &RecordBatch,
        shared: &SharedColumns,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        let _ = shared;
        self.score_batch(batch, scores)
    }
}
