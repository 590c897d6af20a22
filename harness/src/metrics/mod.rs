//! Detector metrics: pure, exact and streaming.
//!
//! Nothing here reads files. A runner decodes a dataset into plain columns
//! ([`ScoredColumns`]), pushes them batch by batch into a [`MetricsAccumulator`] and calls
//! [`MetricsAccumulator::finish`] to get a [`DetectorMetrics`]. Memory is bounded by the
//! number of campaigns, actors and distinct score values, never by the number of events.
//! A runner with several detectors indexes the labels once per batch with a
//! [`LabelIndex`] and keeps one [`DetectorTally`] per detector instead.
//!
//! Conventions shared by every metric:
//! - an event is *flagged* when `score >= threshold`; a NaN score is never flagged and
//!   ranks below every other score for average precision;
//! - every ratio whose denominator is zero (0/0, or n/0) is defined as 0.0, except where a
//!   field is an `Option`, which is `None` when it is undefined;
//! - timestamps are UTC microseconds, durations in the output are seconds.

mod accumulator;
mod actors;
mod alarms;
mod calibration;
mod campaigns;
mod cohorts;
mod columns;
mod exposure_curve;
mod labels;
mod ranking;
mod seeds;

pub use accumulator::{DetectorTally, MetricsAccumulator};
pub use alarms::MAX_KEPT_FALSE_ALARMS;
pub use calibration::{
    BenignSample, BenignScoreCollector, CalibrationError, ThresholdCalibration, calibrate_threshold,
};
pub use columns::{
    CampaignInfo, DEFAULT_ALARM_GAP_US, DEFAULT_CONTAINMENT_DELAYS_S, MetricsConfig, MetricsError,
    ScoredColumns,
};
pub use exposure_curve::{CurvePoint, EXPOSURE_CURVE_MAX_POINTS};
pub use labels::{IndexedBatch, LabelColumns, LabelIndex};
pub use ranking::PR_CURVE_MAX_POINTS;
pub use seeds::{MeanInterval, mean_with_interval, mean_with_interval_within};

mod output;
pub use output::{
    ActorMetrics, AlarmMetrics, CampaignMetrics, CohortMetrics, Counts, DelayExposure,
    DetectorMetrics, EventMetrics, ExposureCurve, PrPoint, UPPER_BOUND_LABEL, UpperBound,
};

/// `numerator / denominator`, with anything over zero defined as 0.0.
pub(crate) fn ratio(numerator: u64, denominator: u64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// Harmonic mean of precision and recall, 0.0 when both are 0.
pub(crate) fn f1_score(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}
