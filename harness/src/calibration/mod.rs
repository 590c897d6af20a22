//! Thresholds from a false-alarm budget, never from the labels being scored: passes over
//! calibration datasets (other seeds of the scenario) keep each detector's benign scores,
//! and [`calibrate_threshold`] picks the lowest threshold whose false alarms stay within
//! the budget. The budget leaderboard ([`budget_leaderboard`]) then scores datasets at
//! the thresholds of several budgets. Every entry point takes the seeds the run scores
//! and refuses a calibration dataset of one of them ([`check_held_out`]).

mod budgets;

pub use budgets::budget_leaderboard;

pub use crate::error::ScoredSeedInCalibration;

use crate::error::RunError;
use crate::inputs::check_dataset;
use crate::metrics::{BenignScoreCollector, ThresholdCalibration, calibrate_threshold};
use crate::runner::lane::{Lane, Sink};
use crate::runner::pass::run_pass;
use crate::runner::{DetectorSpec, RunOptions, SourceError};
use breachlab_dataset::Dataset;

/// Refuses calibration seeds that are also scored: the first of `scored_seeds` found
/// among `calibration_seeds` is the error. The held-out rule lives here alone.
pub fn check_held_out(
    calibration_seeds: &[u64],
    scored_seeds: &[u64],
) -> Result<(), ScoredSeedInCalibration> {
    match scored_seeds
        .iter()
        .find(|seed| calibration_seeds.contains(seed))
    {
        Some(&seed) => Err(ScoredSeedInCalibration { seed }),
        None => Ok(()),
    }
}

/// [`check_held_out`] for calibration datasets, by the seed in their manifests.
fn check_datasets_held_out(
    datasets: &[&Dataset],
    scored_seeds: &[u64],
) -> Result<(), ScoredSeedInCalibration> {
    let seeds: Vec<u64> = datasets.iter().map(|d| d.manifest.seed).collect();
    check_held_out(&seeds, scored_seeds)
}

/// Calibrates each spec on `dataset`, whose seed must not be among `scored_seeds` (the
/// seeds the thresholds will be scored on): the lowest threshold whose false alarms on
/// benign traffic stay within `budget_per_day`. A spec with a fixed threshold, or an
/// alert file's decisions, is not calibrated (`Ok(None)`); one that fails gets its error.
pub fn calibrate(
    dataset: &Dataset,
    scored_seeds: &[u64],
    specs: &[DetectorSpec],
    budget_per_day: f64,
    options: &RunOptions,
) -> Result<Vec<Result<Option<ThresholdCalibration>, SourceError>>, RunError> {
    let mut per_budget =
        calibrate_budgets(dataset, scored_seeds, specs, &[budget_per_day], options)?;
    Ok(per_budget.swap_remove(0))
}

/// One spec's calibration: `None` for a fixed threshold or a tool's decisions, or why it
/// failed.
pub type SpecCalibration = Result<Option<ThresholdCalibration>, SourceError>;

/// [`calibrate_budgets`] on several calibration datasets (seeds other than `scored_seeds`):
/// for each budget and spec, the highest of the datasets' thresholds, so the budget holds
/// on each of them; a spec whose calibration fails on any dataset gets that failure.
pub fn calibrate_budgets_on_all(
    datasets: &[&Dataset],
    scored_seeds: &[u64],
    specs: &[DetectorSpec],
    budgets_per_day: &[f64],
    options: &RunOptions,
) -> Result<Vec<Vec<SpecCalibration>>, RunError> {
    check_datasets_held_out(datasets, scored_seeds)?;
    let mut highest: Vec<Vec<SpecCalibration>> =
        vec![vec![Ok(None); specs.len()]; budgets_per_day.len()];
    for dataset in datasets {
        let results = calibrate_budgets(dataset, scored_seeds, specs, budgets_per_day, options)?;
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
    scored_seeds: &[u64],
    specs: &[DetectorSpec],
    budgets_per_day: &[f64],
    options: &RunOptions,
) -> Result<Vec<Vec<SpecCalibration>>, RunError> {
    check_datasets_held_out(&[dataset], scored_seeds)?;
    check_dataset(dataset)?;
    let mut lanes = Vec::new();
    let mut slots: Vec<Result<Option<usize>, SourceError>> = Vec::new();
    for spec in specs {
        if spec.fixed_threshold.is_some() || !spec.calibratable {
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
    fn a_scored_seed_among_the_calibration_seeds_is_refused() {
        assert_eq!(check_held_out(&[1001, 1002], &[1, 2]), Ok(()));
        assert_eq!(check_held_out(&[], &[1]), Ok(()));
        assert_eq!(
            check_held_out(&[1001, 2, 1], &[1, 2]),
            Err(ScoredSeedInCalibration { seed: 1 })
        );
        assert_eq!(
            check_held_out(&[5], &[3, 5]),
            Err(ScoredSeedInCalibration { seed: 5 })
        );
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
