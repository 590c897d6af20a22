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
pub use columns::{KeyCache, SharedColumns, SharedNeeds};
pub use error::DetectorError;
pub use params::{ParamDefault, ParamInfo, ParamKind, ParamValue, Params};
pub use registry::{DetectorInfo, build, registry};

/// One `events` batch as a detector takes it: the record batch and the columns the runner
/// derived from it once for every detector ([`SharedColumns::derive`]), when it did.
#[derive(Clone, Copy)]
pub struct EventBatch<'a> {
    pub events: &'a RecordBatch,
    /// `None` when nothing was derived ahead: a detector derives what it needs itself.
    pub shared: Option<&'a SharedColumns>,
}

impl<'a> EventBatch<'a> {
    /// A batch with nothing derived ahead.
    pub fn new(events: &'a RecordBatch) -> Self {
        EventBatch {
            events,
            shared: None,
        }
    }

    /// A batch with the columns derived from it ahead.
    pub fn with_shared(events: &'a RecordBatch, shared: &'a SharedColumns) -> Self {
        EventBatch {
            events,
            shared: Some(shared),
        }
    }

    pub fn rows(&self) -> usize {
        self.events.num_rows()
    }
}

/// A scorer of events: one score per event, computed without looking ahead.
///
/// The one plug-in interface of breachlab: the built-ins implement it here, and the
/// harness implements it for external detector processes and for alert files, so the
/// runner drives all of them alike. It lives in this crate rather than a crate of its own
/// because a batch carries [`SharedColumns`], which are the built-ins' decoded columns.
/// The runner calls [`score`](Self::score) with consecutive batches in time order (never
/// the truth), then [`finish`](Self::finish) once; it checks that each call appended one
/// score per row.
pub trait Detector: Send {
    fn name(&self) -> &str;
    /// Effective parameters (defaults merged with overrides), for the report.
    fn params(&self) -> &Params;
    /// Score at or above which an event is flagged, unless the user or calibration sets one.
    fn default_threshold(&self) -> f64;
    /// The `events` columns [`score`](Self::score) reads, so a runner can decode only
    /// those; `None` (the default) means it may read any column, as an external detector
    /// is promised. A batch handed to the detector holds at least these columns, looked up
    /// by name; a detector that declares its columns takes string columns as `Utf8` or as
    /// a dictionary of `Utf8` (a runner may decode them either way).
    fn columns(&self) -> Option<Vec<&'static str>> {
        None
    }
    /// The columns this detector derives from a batch and takes from
    /// [`EventBatch::shared`], so a runner can derive them once per batch, ahead, for every
    /// detector; none by default.
    fn shared_needs(&self) -> SharedNeeds {
        SharedNeeds::default()
    }
    /// Appends one score per row of `batch.events` to `scores`; state carries over calls.
    /// Columns derived ahead are taken from `batch.shared` and give the same scores.
    fn score(&mut self, batch: &EventBatch<'_>, scores: &mut Vec<f64>)
    -> Result<(), DetectorError>;
    /// Called after the last batch (an external process is waited for here).
    fn finish(&mut self) -> Result<(), DetectorError> {
        Ok(())
    }
}
