//! The budget leaderboard's passes: thresholds calibrated per budget on calibration
//! datasets, then every scored dataset at each budget's thresholds.

use super::{calibrate_budgets_on_all, check_held_out};
use crate::error::RunError;
use crate::report::{BudgetRun, BudgetSection, BudgetThreshold, DetectorReport};
use crate::runner::{DetectorSpec, RunOptions, score_dataset};
use breachlab_dataset::Dataset;

/// Calibrates every spec for each of `budgets_per_day` on the `calibration` datasets
/// (seed, dataset) and scores each of `scored` at those thresholds. With several
/// calibration datasets a detector takes the highest of their thresholds, so the budget
/// holds on each ([`calibrate_budgets_on_all`]). A spec whose calibration fails (on any of
/// them) runs at its default threshold (the
/// cell's `threshold` is then `null`). A calibration seed among the scored ones is
/// refused ([`RunError::HeldOut`]).
pub fn budget_leaderboard(
    calibration: &[(u64, &Dataset)],
    scored: &[(u64, &Dataset)],
    specs: &[DetectorSpec],
    budgets_per_day: &[f64],
    options: &RunOptions,
) -> Result<BudgetSection, RunError> {
    let calibration_seeds: Vec<u64> = calibration.iter().map(|(seed, _)| *seed).collect();
    let scored_seeds: Vec<u64> = scored.iter().map(|(seed, _)| *seed).collect();
    check_held_out(&calibration_seeds, &scored_seeds)?;
    let datasets: Vec<&Dataset> = calibration.iter().map(|(_, dataset)| *dataset).collect();
    // thresholds[budget][spec]
    let thresholds: Vec<Vec<Option<BudgetThreshold>>> =
        calibrate_budgets_on_all(&datasets, &scored_seeds, specs, budgets_per_day, options)?
            .into_iter()
            .map(|per_spec| {
                per_spec
                    .into_iter()
                    .map(|result| {
                        result.ok().flatten().map(|c| BudgetThreshold {
                            threshold: c.threshold,
                            calibration_false_alarms_per_day: c.false_alarms_per_day,
                        })
                    })
                    .collect()
            })
            .collect();
    let mut reports: Vec<(u64, f64, Vec<DetectorReport>)> = Vec::new();
    for (seed, dataset) in scored {
        for (budget, per_spec) in budgets_per_day.iter().zip(&thresholds) {
            let chosen: Vec<Option<f64>> =
                per_spec.iter().map(|t| t.map(|t| t.threshold)).collect();
            let outcome = score_dataset(dataset, specs, &chosen, options)?;
            reports.push((*seed, *budget, outcome.to_report().report.detectors));
        }
    }
    let runs: Vec<BudgetRun<'_>> = reports
        .iter()
        .map(|(seed, budget, detectors)| BudgetRun {
            seed: *seed,
            budget_per_day: *budget,
            detectors,
        })
        .collect();
    Ok(BudgetSection::summarize(
        budgets_per_day,
        &calibration_seeds,
        &runs,
        |name, budget| {
            let spec = specs.iter().position(|spec| spec.name == name)?;
            let budget = budgets_per_day.iter().position(|b| *b == budget)?;
            thresholds[budget][spec]
        },
    ))
}
