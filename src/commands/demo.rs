//! `breachlab demo`: the default scenario (seed 1) generated into `DIR/dataset`, every
//! built-in detector run on it, the leaderboard printed and the report written to
//! `DIR/report`. The demo owns `DIR`: a marker file tells a previous demo (replaced)
//! from anything else (refused).

use super::generate::generate_with_progress;
use super::scoring::{self, run_error};
use crate::cli::DemoArgs;
use anyhow::{Context, bail};
use breachlab_dataset::Dataset;
use breachlab_detectors::{Params, registry};
use breachlab_generator::{LoadedScenario, Shard};
use breachlab_harness::runner::{self, DetectorSpec};
use breachlab_writer::GenerateOptions;
use std::path::Path;
use std::time::Instant;

/// Marks a folder as a demo's own.
const MARKER: &str = ".breachlab-demo";
const DEMO_SEED: u64 = 1;

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let out = &args.out;
    claim(out)?;
    let dataset_dir = out.join("dataset");
    let report_dir = out.join("report");
    let scenario = LoadedScenario::default_scenario();
    let options = GenerateOptions {
        out: dataset_dir.clone(),
        seed: DEMO_SEED,
        scale: 1.0,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        shard: Shard::WHOLE,
        force: true,
    };
    eprintln!(
        "generating scenario `{}` (seed {DEMO_SEED}) into {}",
        scenario.scenario.name,
        dataset_dir.display()
    );
    let summary = generate_with_progress(&scenario, &options)?;
    eprintln!(
        "{} events in {:.1} s; running {} detectors",
        summary.events,
        summary.seconds,
        registry().len()
    );
    let specs = registry()
        .iter()
        .map(|info| DetectorSpec::builtin(info.name, &Params::new()).map_err(run_error))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let dataset = Dataset::open(&dataset_dir)?;
    let run_options = scoring::run_options(runner::DEFAULT_BATCH_ROWS);
    let outcome = runner::score_dataset(&dataset, &specs, &[], &run_options).map_err(run_error)?;
    eprintln!("{}", scoring::throughput_line(&outcome));
    let report = outcome.to_report();
    scoring::publish(&report, &report_dir, true)?;
    eprintln!("demo finished in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Makes `out` the demo's: creates it, or accepts an earlier demo (whose dataset and
/// report are then replaced); refuses a folder holding anything else.
fn claim(out: &Path) -> anyhow::Result<()> {
    let context = || format!("demo folder {}", out.display());
    if out.exists() {
        if !out.is_dir() {
            bail!(
                "{} exists and is not a folder: choose another --out",
                out.display()
            );
        }
        let empty = std::fs::read_dir(out)
            .with_context(context)?
            .next()
            .is_none();
        if !empty && !out.join(MARKER).exists() {
            bail!(
                "{} holds files that are not a breachlab demo: choose another --out (the demo replaces its folder's contents)",
                out.display()
            );
        }
        let report = out.join("report");
        if report.exists() {
            std::fs::remove_dir_all(&report).with_context(context)?;
        }
    }
    std::fs::create_dir_all(out).with_context(context)?;
    std::fs::write(
        out.join(MARKER),
        "written by `breachlab demo`, which replaces this folder's dataset/ and report/\n",
    )
    .with_context(context)?;
    Ok(())
}
