//! Datasets by seed for `bench`, `audit --holdout-seed`, `bench --sweep` and `defend`:
//! generated into the `--cache` folder when missing, and the harness's refusal to tune
//! on a scored seed put in the words of the flags that caused it.

use super::generate::generate_with_progress;
use super::scoring::run_error;
use crate::cli::{BenchArgs, Seeds};
use anyhow::anyhow;
use breachlab_dataset::Dataset;
use breachlab_generator::LoadedScenario;
use breachlab_harness::bench::{BenchError, SeedDatasets, SeedUse};
use breachlab_harness::calibration::ScoredSeedInCalibration;
use breachlab_harness::runner::RunError;
use std::path::Path;

/// What the seed a calibration must not use is, for the message that refuses it.
#[derive(Clone, Copy)]
pub(super) enum ScoredAs {
    /// `bench --dataset`: the dataset's own seed.
    Dataset,
    /// `bench --scenario --seeds`.
    Seeds,
    /// `bench --sweep`: the first of --seeds.
    Sweep,
    /// `defend`: the defended run's seed.
    Defended,
}

/// The harness's held-out refusal in the words of the flags that caused it.
pub(super) fn held_out_error(
    calibration: &Seeds,
    held_out: ScoredSeedInCalibration,
    scored: ScoredAs,
) -> anyhow::Error {
    let seed = held_out.seed;
    let rule = "thresholds must not be tuned on";
    match scored {
        ScoredAs::Dataset => anyhow!(
            "--calibrate {calibration} holds {seed}, the seed of the dataset being scored: choose other seeds, {rule} the test data"
        ),
        ScoredAs::Seeds => {
            anyhow!("--calibrate seed {seed} is also among --seeds: {rule} a test seed")
        }
        ScoredAs::Sweep => anyhow!(
            "--calibrate holds {seed}, the seed the sweep scores: choose other seeds, {rule} the test data"
        ),
        ScoredAs::Defended => anyhow!(
            "--calibrate {calibration} holds {seed}, the seed being defended: choose other seeds, {rule} the defended run"
        ),
    }
}

/// A harness bench error as a CLI error: the dataset source's own, a held-out refusal
/// worded by [`held_out_error`], or a run error.
pub(super) fn bench_error(
    error: BenchError<anyhow::Error>,
    calibration: &Seeds,
    scored: ScoredAs,
) -> anyhow::Error {
    match error {
        BenchError::Dataset(error) => error,
        BenchError::Run(RunError::HeldOut(held_out)) => {
            held_out_error(calibration, held_out, scored)
        }
        BenchError::Run(error) => run_error(error),
    }
}

/// The datasets of one scenario and scale under `--cache`, generated when missing; says
/// on stderr what each is for.
pub(super) struct CachedSeeds<'a> {
    scenario: &'a LoadedScenario,
    scale: f64,
    cache: &'a Path,
    calibration: Option<&'a Seeds>,
}

impl<'a> CachedSeeds<'a> {
    pub(super) fn new(args: &'a BenchArgs, scenario: &'a LoadedScenario, scale: f64) -> Self {
        CachedSeeds {
            scenario,
            scale,
            cache: &args.cache,
            calibration: args.calibrate.as_ref(),
        }
    }
}

impl SeedDatasets for CachedSeeds<'_> {
    type Error = anyhow::Error;

    fn dataset(&mut self, seed: u64, purpose: SeedUse) -> anyhow::Result<Dataset> {
        let dataset = cached_dataset(self.scenario, seed, self.scale, self.cache)?;
        match purpose {
            SeedUse::Calibration { budget_per_day } => eprintln!(
                "calibrating thresholds for {budget_per_day} false alarms/day on seed {seed}: {}",
                dataset.root.display()
            ),
            SeedUse::Scoring => eprintln!("scoring seed {seed}: {}", dataset.root.display()),
            SeedUse::BudgetCalibration => {}
        }
        Ok(dataset)
    }

    fn budget_leaderboard_starts(&mut self, budgets_per_day: &[f64]) {
        let seeds = self.calibration.map(Seeds::to_string).unwrap_or_default();
        eprintln!(
            "budget leaderboard at {budgets_per_day:?} false alarms/day, calibrated on seeds {seeds}"
        );
    }
}

/// The dataset of (scenario, seed, scale) under `cache`, generated when missing.
pub fn cached_dataset(
    scenario: &LoadedScenario,
    seed: u64,
    scale: f64,
    cache: &Path,
) -> anyhow::Result<Dataset> {
    breachlab_writer::cached_dataset(cache, scenario, seed, scale, |options| {
        eprintln!(
            "generating {} (seed {seed}, scale {scale})",
            options.out.display()
        );
        generate_with_progress(scenario, options).map(drop)
    })
}
