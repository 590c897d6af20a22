//! Thresholds from a false-alarm budget, never from the labels being scored: passes over
//! calibration datasets (other seeds of the scenario) keep each detector's benign scores,
//! and [`calibrate_threshold`] picks the lowest threshold whose false alarms stay within
//! the budget. The budget leaderboard ([`budget_leaderboard`]) then scores datasets at
//! the thresholds of several budgets.

mod budgets;

pub use budgets::budget_leaderboard;

use crate::dataset::check_dataset;
use crate::metrics::{BenignScoreCollector, ThresholdCalibration, calibrate_threshold};
use crate::runner::lane::{Lane, Sink};
use crate::runner::pass::run_pass;
use crate::runner::{DetectorSpec, RunError, RunOptions, SourceError};
use breachlab_dataset::Dataset;

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
