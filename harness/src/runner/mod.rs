//! The runner: drives detectors over a dataset's batches and scores them, in one pass
//! per dataset however many detectors there are.
//!
//! - [`DetectorSpec`] says how to build a [`Detector`](breachlab_detectors::Detector) (a
//!   built-in, or anything else: an external process, an alert file) and whether its
//!   threshold is fixed;
//! - [`score_dataset`] runs one pass and returns a [`RunOutcome`], which
//!   [`RunOutcome::to_report`] turns into what `bench` publishes;
//! - the pass itself (`pass`) reads the events once and hands each batch to every
//!   detector, on worker threads that each detector crosses at its own pace
//!   (`schedule`).
//!
//! Thresholds from a budget are picked by [`crate::calibration`] with the same passes;
//! what is checked and decoded of a dataset is in [`crate::inputs`].

pub(crate) mod lane;
mod memory;
pub(crate) mod pass;
mod schedule;
mod source;

pub use crate::error::RunError;
pub use memory::peak_rss_bytes;
pub use source::{DetectorSpec, SourceError, ThresholdChoice};

use crate::inputs::{check_dataset, dataset_summary, read_campaigns};
use crate::metrics::{
    DEFAULT_ALARM_GAP_US, DEFAULT_CONTAINMENT_DELAYS_S, DetectorMetrics, DetectorTally, LabelIndex,
    MetricsConfig,
};
use crate::report::{
    BenchReport, CostFigures, DetectorReport, FailedDetector, Report, ThresholdSource,
};
use breachlab_dataset::Dataset;
use breachlab_detectors::Detector;
use lane::{Lane, Sink};
use pass::run_pass;
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Rows per batch handed to the detectors unless told otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 64 * 1024;

/// Settings of a pass.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Rows per batch (results never depend on it; speed does).
    pub batch_rows: usize,
    /// Threads scoring a batch at once, each with its share of the detectors.
    pub workers: usize,
    pub alarm_gap_us: i64,
    pub containment_delays_s: Vec<i64>,
    /// Set to stop the pass at the next batch with [`RunError::Interrupted`].
    pub cancel: Arc<AtomicBool>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            batch_rows: DEFAULT_BATCH_ROWS,
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            alarm_gap_us: DEFAULT_ALARM_GAP_US,
            containment_delays_s: DEFAULT_CONTAINMENT_DELAYS_S.to_vec(),
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// One detector's result on one dataset.
#[derive(Debug, Clone)]
pub struct DetectorRun {
    pub name: String,
    pub params: serde_json::Value,
    pub threshold: ThresholdChoice,
    /// Metrics and cost, or why this detector produced none.
    pub result: Result<(DetectorMetrics, CostFigures), SourceError>,
}

/// Everything one pass over one dataset produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The manifest summary that goes into `report.json`.
    pub dataset: serde_json::Value,
    pub detectors: Vec<DetectorRun>,
    pub events: u64,
    pub wall_seconds: f64,
    pub peak_memory_bytes: Option<u64>,
}

impl RunOutcome {
    /// The report of this run: detectors that failed are listed apart with their error.
    pub fn to_report(&self) -> BenchReport {
        let mut detectors = Vec::new();
        let mut failed = Vec::new();
        for run in &self.detectors {
            match &run.result {
                Ok((metrics, cost)) => detectors.push(DetectorReport::new(
                    &run.name,
                    run.params.clone(),
                    run.threshold.source,
                    metrics,
                    *cost,
                )),
                Err(error) => failed.push(FailedDetector {
                    name: run.name.clone(),
                    params: run.params.clone(),
                    error: error.to_string(),
                }),
            }
        }
        BenchReport {
            failed_detectors: failed,
            ..BenchReport::of(Report::new(self.dataset.clone(), detectors))
        }
    }
}

/// The default threshold of each spec, or the user's.
fn default_choice(spec: &DetectorSpec, source: &dyn Detector) -> ThresholdChoice {
    match spec.fixed_threshold {
        Some(threshold) => ThresholdChoice {
            threshold,
            source: ThresholdSource::Param,
        },
        None => ThresholdChoice {
            threshold: source.default_threshold(),
            source: ThresholdSource::Default,
        },
    }
}

/// Scores every spec on `dataset`. `calibrated[i]`, when given, replaces spec `i`'s
/// threshold. Fails only when the dataset is unusable or the run is interrupted.
pub fn score_dataset(
    dataset: &Dataset,
    specs: &[DetectorSpec],
    calibrated: &[Option<f64>],
    options: &RunOptions,
) -> Result<RunOutcome, RunError> {
    check_dataset(dataset)?;
    let campaigns = read_campaigns(dataset)?;
    let labels = LabelIndex::new(&campaigns);
    let span_days = dataset.manifest.time_span.days;
    let mut lanes = Vec::new();
    let mut runs = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let source = match spec.instantiate() {
            Ok(source) => source,
            Err(error) => {
                runs.push((spec.name.clone(), None, Err(error)));
                continue;
            }
        };
        let choice = match calibrated.get(index).copied().flatten() {
            Some(threshold) => ThresholdChoice {
                threshold,
                source: ThresholdSource::Calibrated,
            },
            None => default_choice(spec, source.as_ref()),
        };
        let config = MetricsConfig {
            threshold: choice.threshold,
            alarm_gap_us: options.alarm_gap_us,
            containment_delays_s: options.containment_delays_s.clone(),
            span_days,
        };
        let tally = DetectorTally::new(&labels, config);
        runs.push((spec.name.clone(), Some(choice), Ok(lanes.len())));
        lanes.push(Lane::new(source, Sink::Metrics(Box::new(tally))));
    }
    let stats = run_pass(dataset, &mut lanes, Some(labels), options)?;
    let labels = stats
        .labels
        .as_ref()
        .ok_or_else(|| RunError::Refused("internal: a scoring pass lost its labels".into()))?;
    let end_to_end = per_second(stats.events, stats.wall.as_secs_f64());
    let mut lanes: Vec<Option<Lane>> = lanes.into_iter().map(Some).collect();
    let finishing: Vec<_> = runs
        .into_iter()
        .map(|(name, choice, lane_index)| {
            let lane = lane_index.map(|i| lanes[i].take().expect("each lane is taken once"));
            (name, choice, lane)
        })
        .collect();
    // Each detector's metrics are independent (the ranking metrics sort its scores), so
    // they are finished in parallel; the order of the report stays the specs' order.
    let finished: Vec<FinishedLane> = finishing
        .into_par_iter()
        .map(|(name, choice, lane)| {
            let choice = choice.unwrap_or(ThresholdChoice {
                threshold: f64::NAN,
                source: ThresholdSource::Default,
            });
            FinishedLane::new(name, choice, lane, labels)
        })
        .collect();
    // The peak is read after the metrics are finished: their sorts are part of the run.
    let peak_memory_bytes = peak_rss_bytes();
    let detectors = finished
        .into_iter()
        .map(|lane| {
            lane.into_run(|busy| CostFigures {
                events_per_s: per_second(stats.events, busy.as_secs_f64()),
                end_to_end_events_per_s: end_to_end,
                peak_memory_bytes,
            })
        })
        .collect();
    Ok(RunOutcome {
        dataset: dataset_summary(dataset),
        detectors,
        events: stats.events,
        wall_seconds: stats.wall.as_secs_f64(),
        peak_memory_bytes,
    })
}

/// A lane whose metrics are computed: a [`DetectorRun`] but for its cost figures.
struct FinishedLane {
    name: String,
    params: serde_json::Value,
    threshold: ThresholdChoice,
    /// The metrics and the time spent inside the detector, or why there are none.
    result: Result<(DetectorMetrics, Duration), SourceError>,
}

impl FinishedLane {
    fn new(
        name: String,
        threshold: ThresholdChoice,
        lane: Result<Lane, SourceError>,
        labels: &LabelIndex,
    ) -> Self {
        let lane = match lane {
            Ok(lane) => lane,
            Err(error) => {
                return FinishedLane {
                    name,
                    params: serde_json::Value::Null,
                    threshold,
                    result: Err(error),
                };
            }
        };
        let params = serde_json::to_value(lane.source.params()).unwrap_or(serde_json::Value::Null);
        let result = match (lane.failure, lane.sink) {
            (Some(error), _) => Err(error),
            (None, Sink::Metrics(tally)) => Ok((tally.finish(labels), lane.busy)),
            (None, Sink::Benign(_)) => Err(SourceError::new(
                "internal: a calibration lane in a scoring pass",
            )),
        };
        FinishedLane {
            name,
            params,
            threshold,
            result,
        }
    }

    fn into_run(self, cost: impl FnOnce(Duration) -> CostFigures) -> DetectorRun {
        DetectorRun {
            name: self.name,
            params: self.params,
            threshold: self.threshold,
            result: self.result.map(|(metrics, busy)| (metrics, cost(busy))),
        }
    }
}

fn per_second(events: u64, seconds: f64) -> Option<f64> {
    (seconds > 0.0).then(|| events as f64 / seconds)
}
