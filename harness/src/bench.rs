//! A bench run's orchestration, for any program that scores detectors on seeds of a
//! scenario: thresholds calibrated on held-out seeds, the loop over the scored seeds, the
//! budget leaderboard and the audit summary. Where a seed's dataset comes from (a cache,
//! a generator, files on disk) is the caller's: it hands the harness a [`SeedDatasets`],
//! so the harness stays free of the generator and the writer. The held-out rule (never
//! tune a threshold on a scored seed) is checked by the calibration functions this module
//! calls, so it holds here as everywhere ([`crate::calibration::check_held_out`]).

use crate::audit::{self, AuditError, AuditOptions, BenchAuditEntry};
use crate::calibration::{budget_leaderboard, calibrate_budgets_on_all, check_held_out};
use crate::error::RunError;
use crate::report::{BenchReport, BudgetSection, SeededRun, summarize_seeds};
use crate::runner::{DetectorSpec, RunOptions, score_dataset};
use breachlab_dataset::Dataset;
use std::collections::BTreeMap;
use std::fmt;

/// Why the bench asks for a seed's dataset (a caller may say so to its user).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeedUse {
    /// To calibrate thresholds for this many false alarms per day.
    Calibration { budget_per_day: f64 },
    /// To score the detectors on.
    Scoring,
    /// To calibrate the budget leaderboard's thresholds.
    BudgetCalibration,
}

/// The datasets of a scenario's seeds, as the caller makes or finds them.
pub trait SeedDatasets {
    type Error;
    /// The dataset of `seed`, wanted for `purpose`.
    fn dataset(&mut self, seed: u64, purpose: SeedUse) -> Result<Dataset, Self::Error>;
    /// The budget leaderboard at `budgets_per_day` starts, its calibration datasets at
    /// hand.
    fn budget_leaderboard_starts(&mut self, _budgets_per_day: &[f64]) {}
}

/// A bench that failed: the caller's dataset source, or the run itself (a held-out
/// violation is [`RunError::HeldOut`]).
#[derive(Debug)]
pub enum BenchError<E> {
    Dataset(E),
    Run(RunError),
}

impl<E> From<RunError> for BenchError<E> {
    fn from(error: RunError) -> Self {
        BenchError::Run(error)
    }
}

impl<E: fmt::Display> fmt::Display for BenchError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Dataset(error) => error.fmt(f),
            BenchError::Run(error) => error.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for BenchError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BenchError::Dataset(error) => Some(error),
            BenchError::Run(error) => Some(error),
        }
    }
}

/// Each spec's threshold for `budget_per_day`, calibrated on `calibration_seeds` (none of
/// them among `scored_seeds`): on each seed the lowest that meets the budget there, and
/// of those the highest, so the budget holds on every calibration seed. `None` for a spec
/// with a fixed threshold or an alert file; a spec whose calibration fails stops the run
/// ([`RunError::Calibration`]).
pub fn calibrate_on_seeds<S: SeedDatasets>(
    source: &mut S,
    calibration_seeds: &[u64],
    scored_seeds: &[u64],
    specs: &[DetectorSpec],
    budget_per_day: f64,
    options: &RunOptions,
) -> Result<Vec<Option<f64>>, BenchError<S::Error>> {
    check_held_out(calibration_seeds, scored_seeds).map_err(RunError::from)?;
    let purpose = SeedUse::Calibration { budget_per_day };
    let datasets = calibration_seeds
        .iter()
        .map(|&seed| source.dataset(seed, purpose))
        .collect::<Result<Vec<_>, _>>()
        .map_err(BenchError::Dataset)?;
    let datasets: Vec<&Dataset> = datasets.iter().collect();
    let mut per_budget =
        calibrate_budgets_on_all(&datasets, scored_seeds, specs, &[budget_per_day], options)?;
    specs
        .iter()
        .zip(per_budget.swap_remove(0))
        .map(|(spec, result)| match result {
            Ok(calibration) => Ok(calibration.map(|c| c.threshold)),
            Err(error) => Err(BenchError::Run(RunError::Calibration {
                name: spec.name.clone(),
                message: error.to_string(),
            })),
        })
        .collect()
}

/// The budget leaderboard of the `scored` datasets (seed, dataset) at `budgets_per_day`,
/// thresholds calibrated on `calibration_seeds`.
pub fn budget_section<S: SeedDatasets>(
    source: &mut S,
    calibration_seeds: &[u64],
    scored: &[(u64, &Dataset)],
    specs: &[DetectorSpec],
    budgets_per_day: &[f64],
    options: &RunOptions,
) -> Result<BudgetSection, BenchError<S::Error>> {
    let scored_seeds: Vec<u64> = scored.iter().map(|(seed, _)| *seed).collect();
    check_held_out(calibration_seeds, &scored_seeds).map_err(RunError::from)?;
    let calibration = calibration_seeds
        .iter()
        .map(|&seed| Ok((seed, source.dataset(seed, SeedUse::BudgetCalibration)?)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(BenchError::Dataset)?;
    source.budget_leaderboard_starts(budgets_per_day);
    let calibration: Vec<(u64, &Dataset)> = calibration.iter().map(|(s, d)| (*s, d)).collect();
    Ok(budget_leaderboard(
        &calibration,
        scored,
        specs,
        budgets_per_day,
        options,
    )?)
}

/// What a bench over several seeds of a scenario does.
#[derive(Debug, Clone, Copy)]
pub struct SeedsBench<'a> {
    /// The seeds scored; the report is the first one's, with the `seeds` section.
    pub seeds: &'a [u64],
    /// Held-out seeds the thresholds are calibrated on (default thresholds without).
    pub calibration_seeds: Option<&'a [u64]>,
    /// The false alarms per day the calibration allows.
    pub budget_per_day: f64,
    /// Also the budget leaderboard at these budgets (with calibration seeds only).
    pub budgets_per_day: Option<&'a [f64]>,
}

/// Scores `specs` on every seed of `bench` (calibrated first when it says so) and returns
/// the first seed's report with the summary over the seeds and, when asked, the budget
/// leaderboard.
pub fn bench_seeds<S: SeedDatasets>(
    source: &mut S,
    bench: SeedsBench<'_>,
    specs: &[DetectorSpec],
    options: &RunOptions,
) -> Result<BenchReport, BenchError<S::Error>> {
    if bench.seeds.is_empty() {
        return Err(RunError::Refused("no seed to score".into()).into());
    }
    let thresholds = match bench.calibration_seeds {
        Some(calibration) => calibrate_on_seeds(
            source,
            calibration,
            bench.seeds,
            specs,
            bench.budget_per_day,
            options,
        )?,
        None => vec![None; specs.len()],
    };
    let mut runs = Vec::new();
    let mut datasets = Vec::new();
    for &seed in bench.seeds {
        let dataset = source
            .dataset(seed, SeedUse::Scoring)
            .map_err(BenchError::Dataset)?;
        let outcome = score_dataset(&dataset, specs, &thresholds, options)?;
        runs.push(SeededRun {
            seed,
            report: outcome.to_report(),
        });
        datasets.push((seed, dataset));
    }
    let section = summarize_seeds(&runs);
    let mut report = runs.swap_remove(0).report;
    report.seeds = Some(section);
    if let (Some(budgets), Some(calibration)) = (bench.budgets_per_day, bench.calibration_seeds) {
        let scored: Vec<(u64, &Dataset)> = datasets.iter().map(|(seed, d)| (*seed, d)).collect();
        report.budgets = Some(budget_section(
            source,
            calibration,
            &scored,
            specs,
            budgets,
            options,
        )?);
    }
    Ok(report)
}

/// When the bench report's audit summary is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditPolicy {
    /// Reuse the dataset's own audit file when it is of this very dataset and version;
    /// otherwise run the single-column audit.
    Reuse,
    /// Always run the single-column audit.
    Always,
    /// Leave the audit out.
    Never,
}

/// The bench report's audit summary per campaign (`None` when skipped), and where it came
/// from: `reused`, `computed` or `skipped` (the report's `audit_source`).
pub type AuditSummary = (Option<BTreeMap<String, BenchAuditEntry>>, &'static str);

/// The bench report's summary of how hard each campaign is ([`AuditSummary`]).
pub fn audit_summary(
    dataset: &Dataset,
    batch_rows: usize,
    policy: AuditPolicy,
) -> Result<AuditSummary, AuditError> {
    let options = AuditOptions {
        pairs: false,
        batch_rows: batch_rows.max(1),
    };
    let (report, source) = match policy {
        AuditPolicy::Never => return Ok((None, "skipped")),
        AuditPolicy::Reuse => match audit::existing_audit(dataset) {
            Some(report) => (report, "reused"),
            None => (audit::audit_dataset(dataset, options)?, "computed"),
        },
        AuditPolicy::Always => (audit::audit_dataset(dataset, options)?, "computed"),
    };
    Ok((Some(report.bench_summary()), source))
}
