//! The runner: replays a dataset through detectors and scores them. The only part of
//! the harness that reads files; metrics stay pure.
//!
//! - [`DetectorSpec`] says how to build a [`Detector`](breachlab_detectors::Detector) (a
//!   built-in, or anything else: an external process, an alert file) and whether its
//!   threshold is fixed;
//! - [`calibrate`] picks thresholds on a calibration dataset from a false-alarm budget;
//! - [`score_dataset`] runs one pass and returns a [`RunOutcome`] per dataset;
//! - [`BenchReport`] is what `breachlab bench` publishes, written by [`write_report_dir`]
//!   without ever leaving a half-written report behind;
//! - [`summarize_seeds`] turns several runs into means with 95% intervals.

mod budgets;
mod cache;
mod check;
mod error;
mod memory;
mod output;
mod pass;
mod schedule;
mod seeds;
mod source;
mod truth;

pub use crate::report::BudgetSection;
pub use budgets::budget_leaderboard;
pub use cache::{DatasetKey, cached_dataset_dir, dataset_matches};
pub use check::check_dataset;
pub use error::RunError;
pub use memory::peak_rss_bytes;
pub use output::{BenchReport, FailedDetector, REPORT_FILES, write_report_dir};
pub use seeds::{SeedMetric, SeedSummary, SeededRun, SeedsSection, summarize_seeds};
pub use source::{DetectorSpec, SourceError, ThresholdChoice};
pub use truth::{TRUTH_COLUMNS, TruthColumns, read_campaigns};

use crate::metrics::{
    BenignScoreCollector, DEFAULT_ALARM_GAP_US, DEFAULT_CONTAINMENT_DELAYS_S, DetectorMetrics,
    DetectorTally, LabelIndex, MetricsConfig, ThresholdCalibration, calibrate_threshold,
};
use crate::report::{CostFigures, DetectorReport, Report, ThresholdSource};
use breachlab_dataset::Dataset;
use breachlab_detectors::Detector;
use pass::{Lane, Sink, run_pass};
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
            report: Report::new(self.dataset.clone(), detectors),
            failed_detectors: failed,
            seeds: None,
            audit: None,
            budgets: None,
        }
    }
}

/// The manifest without its file list and scenario text: what a report says about the data.
pub fn dataset_summary(dataset: &Dataset) -> serde_json::Value {
    let manifest = &dataset.manifest;
    serde_json::json!({
        "path": dataset.root.display().to_string(),
        "breachlab_version": manifest.breachlab_version,
        "schema_version": manifest.schema_version,
        "scenario": { "name": manifest.scenario.name, "sha256": manifest.scenario.sha256 },
        "seed": manifest.seed,
        "scale": manifest.scale,
        "time_span": manifest.time_span,
        "row_counts": manifest.row_counts,
    })
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

/// Calibrates each spec on `dataset` (a seed other than the test one): the lowest
/// threshold whose false alarms on benign traffic stay within `budget_per_day`. A spec
/// with a fixed threshold is not calibrated (`Ok(None)`); one that fails gets its error.
pub fn calibrate(
    dataset: &Dataset,
    specs: &[DetectorSpec],
    budget_per_day: f64,
    options: &RunOptions,
) -> Result<Vec<Result<Option<ThresholdCalibration>, SourceError>>, RunError> {
    let mut per_budget = calibrate_budgets(dataset, specs, &[budget_per_day], options)?;
    Ok(per_budget.swap_remove(0))
}

/// One spec's calibration: `None` for a fixed threshold, or why it failed.
pub type SpecCalibration = Result<Option<ThresholdCalibration>, SourceError>;

/// [`calibrate_budgets`] on several calibration datasets (other seeds): for each budget and
/// spec, the highest of the datasets' thresholds, so the budget holds on each of them; a
/// spec whose calibration fails on any dataset gets that failure.
pub fn calibrate_budgets_on_all(
    datasets: &[&Dataset],
    specs: &[DetectorSpec],
    budgets_per_day: &[f64],
    options: &RunOptions,
) -> Result<Vec<Vec<SpecCalibration>>, RunError> {
    let mut highest: Vec<Vec<SpecCalibration>> =
        vec![vec![Ok(None); specs.len()]; budgets_per_day.len()];
    for dataset in datasets {
        let results = calibrate_budgets(dataset, specs, budgets_per_day, options)?;
        for (per_budget, results) in highest.iter_mut().zip(results) {
            for (slot, result) in per_budget.iter_mut().zip(results) {
                *slot = match (std::mem::replace(slot, Ok(None)), result) {
                    (Err(error), _) | (_, Err(error)) => Err(error),
                    (Ok(current), Ok(candidate)) => Ok(higher(current, candidate)),
                };
            }
        }
    }
    Ok(highest)
}

/// The calibration with the higher threshold (the first one on a tie).
fn higher(
    current: Option<ThresholdCalibration>,
    candidate: Option<ThresholdCalibration>,
) -> Option<ThresholdCalibration> {
    match (current, candidate) {
        (Some(current), Some(candidate)) if candidate.threshold > current.threshold => {
            Some(candidate)
        }
        (current, candidate) => current.or(candidate),
    }
}

/// [`calibrate`] for several budgets from one pass over `dataset`: one result per spec
/// for each of `budgets_per_day`, in that order.
pub fn calibrate_budgets(
    dataset: &Dataset,
    specs: &[DetectorSpec],
    budgets_per_day: &[f64],
    options: &RunOptions,
) -> Result<Vec<Vec<SpecCalibration>>, RunError> {
    check_dataset(dataset)?;
    let mut lanes = Vec::new();
    let mut slots: Vec<Result<Option<usize>, SourceError>> = Vec::new();
    for spec in specs {
        if spec.fixed_threshold.is_some() {
            slots.push(Ok(None));
            continue;
        }
        match spec.instantiate() {
            Ok(source) => {
                slots.push(Ok(Some(lanes.len())));
                lanes.push(Lane::new(
                    source,
                    Sink::Benign(BenignScoreCollector::default()),
                ));
            }
            Err(error) => slots.push(Err(error)),
        }
    }
    run_pass(dataset, &mut lanes, None, options)?;
    let span_days = dataset.manifest.time_span.days;
    let samples: Vec<Result<Option<Vec<_>>, SourceError>> = {
        let mut lanes: Vec<Option<Lane>> = lanes.into_iter().map(Some).collect();
        slots
            .into_iter()
            .map(|slot| {
                let Some(index) = slot? else {
                    return Ok(None);
                };
                let lane = lanes[index].take().expect("each lane is taken once");
                if let Some(error) = lane.failure {
                    return Err(error);
                }
                let Sink::Benign(collector) = lane.sink else {
                    return Err(SourceError::new(
                        "internal: a scoring lane in a calibration pass",
                    ));
                };
                Ok(Some(collector.into_samples()))
            })
            .collect()
    };
    Ok(budgets_per_day
        .iter()
        .map(|&budget| {
            samples
                .iter()
                .map(|samples| {
                    let Some(samples) = samples.as_ref().map_err(Clone::clone)? else {
                        return Ok(None);
                    };
                    calibrate_threshold(samples, budget, options.alarm_gap_us, span_days)
                        .map(Some)
                        .map_err(|e| SourceError::new(format!("calibration: {e}")))
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(threshold: f64, false_alarms: u64) -> Option<ThresholdCalibration> {
        Some(ThresholdCalibration {
            threshold,
            false_alarms,
            false_alarms_per_day: false_alarms as f64,
        })
    }

    #[test]
    fn the_higher_threshold_wins_and_the_first_on_a_tie() {
        assert_eq!(higher(at(2.0, 1), at(3.0, 0)), at(3.0, 0));
        assert_eq!(higher(at(3.0, 0), at(2.0, 1)), at(3.0, 0));
        assert_eq!(higher(at(2.0, 1), at(2.0, 4)), at(2.0, 1));
        assert_eq!(higher(None, at(2.0, 1)), at(2.0, 1));
        assert_eq!(higher(at(2.0, 1), None), at(2.0, 1));
        assert_eq!(higher(None, None), None);
    }
}
