//! `breachlab bench`: scores detectors on a dataset, or on several seeds of a scenario,
//! prints the leaderboard and writes `report.json`, `report.md` and `report.html`.

use super::scoring::{publish, run_error, run_options, throughput_line};
use super::seeded::{CachedSeeds, ScoredAs, bench_error, held_out_error};
use crate::cli::{BenchArgs, Budgets, Seeds};
use anyhow::{Context, anyhow, bail};
use breachlab_dataset::Dataset;
use breachlab_detectors::{Params, registry};
use breachlab_generator::LoadedScenario;
use breachlab_harness::bench::{SeedsBench, budget_section, calibrate_on_seeds};
use breachlab_harness::calibration::check_held_out;
use breachlab_harness::report::BenchReport;
use breachlab_harness::runner::{self, DetectorSpec, RunOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let mut specs = builtin_specs(&args)?;
    specs.extend(super::external::specs(&args)?);
    run_specs(&args, specs)
}

/// Runs `specs` as `args` say; other detector kinds (external processes) join `specs`.
pub fn run_specs(args: &BenchArgs, specs: Vec<DetectorSpec>) -> anyhow::Result<()> {
    if specs.is_empty() {
        bail!("no detector to run: name some with --detectors");
    }
    let budget = args.alarm_budget;
    // Before any scoring: a report that cannot be written wastes the whole run.
    super::outputs::check_report_dir(&report_dir(args), args.force)?;
    let options = run_options(args.batch_rows);
    let report = match (&args.dataset, &args.scenario) {
        (Some(dir), _) => bench_dataset(args, dir, &specs, budget, &options)?,
        (None, Some(scenario)) => bench_seeds(args, scenario, &specs, budget, &options)?,
        (None, None) => bail!("give --dataset DIR, or --scenario NAME with --seeds"),
    };
    let dir = report_dir(args);
    publish(&report, &dir, args.force)
}

fn report_dir(args: &BenchArgs) -> PathBuf {
    match (&args.report, &args.dataset) {
        (Some(dir), _) => dir.clone(),
        (None, Some(dataset)) => dataset.join("report"),
        (None, None) => PathBuf::from("breachlab-report"),
    }
}

/// The built-in detectors `--detectors` names, with `--params-file` and `--param` applied.
pub fn builtin_specs(args: &BenchArgs) -> anyhow::Result<Vec<DetectorSpec>> {
    let known: Vec<&str> = registry().iter().map(|info| info.name).collect();
    let names: Vec<String> = if args.detectors.trim() == "all" {
        known.iter().map(|n| n.to_string()).collect()
    } else {
        args.detectors
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect()
    };
    for name in &names {
        if !known.contains(&name.as_str()) {
            bail!(
                "--detectors: unknown detector `{name}`; known detectors: {} (see `breachlab detectors`)",
                known.join(", ")
            );
        }
    }
    let overrides = collect_overrides(args, &names)?;
    names
        .iter()
        .map(|name| {
            let params = overrides.get(name).cloned().unwrap_or_default();
            DetectorSpec::builtin(name, &params).map_err(run_error)
        })
        .collect()
}

/// Per-detector overrides from the params file, then from `--param` (which wins).
fn collect_overrides(
    args: &BenchArgs,
    selected: &[String],
) -> anyhow::Result<BTreeMap<String, Params>> {
    let mut overrides: BTreeMap<String, Params> = BTreeMap::new();
    if let Some(path) = &args.params_file {
        for (detector, params) in read_params_file(path)? {
            let entry = overrides.entry(detector).or_default();
            for (name, value) in params.iter() {
                entry.insert(name, value.clone());
            }
        }
    }
    for assignment in &args.params {
        let (detector, rest) = assignment.split_once('.').filter(|(d, r)| {
            !d.is_empty() && !d.contains('=') && r.contains('=')
        }).ok_or_else(|| {
            anyhow!("--param `{assignment}`: expected `detector.name=value`, e.g. `ip-rate.limit=300`")
        })?;
        let (name, value) =
            Params::parse_assignment(rest).with_context(|| format!("--param `{assignment}`"))?;
        overrides
            .entry(detector.to_string())
            .or_default()
            .insert(name, value);
    }
    for detector in overrides.keys() {
        if !selected.contains(detector) {
            bail!(
                "parameters given for detector `{detector}`, which is not among --detectors ({})",
                selected.join(", ")
            );
        }
    }
    Ok(overrides)
}

/// `[detectors.NAME]` tables of a TOML file.
fn read_params_file(path: &Path) -> anyhow::Result<Vec<(String, Params)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--params-file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: not valid TOML", path.display()))?;
    let mut out = Vec::new();
    for (key, value) in &table {
        let toml::Value::Table(detectors) = value else {
            bail!(
                "{}: top-level key `{key}`: expected `[detectors.NAME]` tables",
                path.display()
            );
        };
        if key != "detectors" {
            bail!(
                "{}: unknown table `[{key}]`: expected `[detectors.NAME]` tables",
                path.display()
            );
        }
        for (detector, params) in detectors {
            let toml::Value::Table(params) = params else {
                bail!(
                    "{}: `detectors.{detector}` must be a table of parameters",
                    path.display()
                );
            };
            let params = Params::from_toml(params)
                .with_context(|| format!("{}: [detectors.{detector}]", path.display()))?;
            out.push((detector.clone(), params));
        }
    }
    Ok(out)
}

fn bench_dataset(
    args: &BenchArgs,
    dir: &Path,
    specs: &[DetectorSpec],
    budget: f64,
    options: &RunOptions,
) -> anyhow::Result<BenchReport> {
    let dataset = Dataset::open(dir)?;
    let seed = dataset.manifest.seed;
    let scenario = || {
        LoadedScenario::parse(
            &dataset.manifest.scenario.name,
            &dataset.manifest.scenario.text,
        )
    };
    let scale = args.scale.unwrap_or(dataset.manifest.scale);
    let calibrated = match &args.calibrate {
        Some(seeds) => {
            // The held-out rule is checked before the scenario is read, as it always was.
            if let Err(held_out) = check_held_out(&seeds.0, &[seed]) {
                return Err(held_out_error(seeds, held_out, ScoredAs::Dataset));
            }
            let scenario = scenario()?;
            let mut source = CachedSeeds::new(args, &scenario, scale);
            calibrate_on_seeds(&mut source, &seeds.0, &[seed], specs, budget, options)
                .map_err(|e| bench_error(e, seeds, ScoredAs::Dataset))?
        }
        None => vec![None; specs.len()],
    };
    let outcome =
        runner::score_dataset(&dataset, specs, &calibrated, options).map_err(run_error)?;
    eprintln!("{}", throughput_line(&outcome));
    let mut report = outcome.to_report();
    breachlab_harness::report::report_alarms_on_your_traffic(&dataset, &mut report.report)?;
    let (audit, audit_source) = super::audit::bench_summary(&dataset, args.batch_rows, args.audit)?;
    report.audit = audit;
    report.audit_source = Some(audit_source.to_string());
    report.faithfulness = dataset.manifest.faithfulness.clone();
    if let (Some(Budgets(budgets)), Some(seeds)) = (&args.budgets, &args.calibrate) {
        let scenario = scenario()?;
        let mut source = CachedSeeds::new(args, &scenario, scale);
        let scored = [(seed, &dataset)];
        let section = budget_section(&mut source, &seeds.0, &scored, specs, budgets, options)
            .map_err(|e| bench_error(e, seeds, ScoredAs::Dataset))?;
        report.budgets = Some(section);
    }
    Ok(report)
}

fn bench_seeds(
    args: &BenchArgs,
    scenario_name: &str,
    specs: &[DetectorSpec],
    budget: f64,
    options: &RunOptions,
) -> anyhow::Result<BenchReport> {
    let Some(Seeds(seeds)) = &args.seeds else {
        bail!("--scenario needs --seeds");
    };
    let scenario = LoadedScenario::load(scenario_name)?;
    if let Some(sweep) = &args.sweep {
        return super::sweep::bench_sweep(args, &scenario, sweep, seeds[0], specs, budget, options);
    }
    let mut source = CachedSeeds::new(args, &scenario, args.scale.unwrap_or(1.0));
    let bench = SeedsBench {
        seeds,
        calibration_seeds: args.calibrate.as_ref().map(|seeds| seeds.0.as_slice()),
        budget_per_day: budget,
        budgets_per_day: args.budgets.as_ref().map(|budgets| budgets.0.as_slice()),
    };
    breachlab_harness::bench::bench_seeds(&mut source, bench, specs, options).map_err(|e| {
        let calibration = args.calibrate.clone().unwrap_or(Seeds(Vec::new()));
        bench_error(e, &calibration, ScoredAs::Seeds)
    })
}
