//! `breachlab defend`: the closed loop. One detector blocks inline, every attack
//! campaign adapts as --policy says, and the report sets records exposed, attacker cost
//! and benign harm beside the open-loop run on the same seed (docs/defend.md).

use std::path::Path;

use anyhow::{Context, bail};
use breachlab_dataset::Dataset;
use breachlab_defend::{
    DefendReport, Enforcement, LoopSetup, Policy, RunInfo, Traffic, keys_of_detector, run_loop,
    write_gateway_dataset,
};
use breachlab_generator::LoadedScenario;
use breachlab_harness::bench::calibrate_on_seeds;
use breachlab_harness::external::{ExternalSpec, external_spec};
use breachlab_harness::runner::DetectorSpec;

use super::bench::builtin_specs;
use super::scoring::run_options;
use super::seeded::{CachedSeeds, ScoredAs, bench_error, cached_dataset};
use crate::cli::{AuditMode, BenchArgs, DefendArgs};

pub fn run(args: DefendArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.alerts {
        bail!(
            "--alerts {}: an alert file cannot drive enforcement, its alerts were made on the undefended stream and cannot react to refusals or to an attacker that adapts; give --detector NAME or --detector-cmd COMMAND",
            path.display()
        );
    }
    if args.policy.is_none() && !args.policy_params.is_empty() {
        bail!("--policy-param sets a setting of --policy: give --policy too");
    }
    let policy = policy_of(&args)?;
    let enforcement_base = enforcement_of(&args)?;
    let spec = detector_spec(&args)?;
    let (scenario, seed, scale) = what_to_defend(&args)?;
    let facts = super::faithful::at_scale(&scenario, scale)?;
    if args.dry_run {
        println!(
            "would defend scenario `{}` (seed {seed}, scale {scale}) with detector `{}` against policy `{}`; report in {}",
            scenario.scenario.name,
            spec.name,
            if args.policy.is_some() {
                policy.name()
            } else {
                "of each campaign's [campaigns.adapt]"
            },
            args.out.display()
        );
        print!("{}", super::faithful::describe(&facts, scale, ""));
        return Ok(());
    }
    if args.dataset.is_none() {
        super::faithful::check(&facts, scale, &scenario.scenario.name, args.allow_distorted)?;
    }
    check_out(&args.out, args.force, args.write_dataset)?;
    let dataset = match &args.dataset {
        Some(dir) => Dataset::open(dir)?,
        None => cached_dataset(&scenario, seed, scale, &args.cache)?,
    };
    let distorted = dataset
        .manifest
        .faithfulness
        .as_ref()
        .is_some_and(|f| f.distorted);
    let (threshold, threshold_source) = threshold_of(&args, &spec, &scenario, seed, scale)?;
    let mut detector = spec
        .instantiate()
        .map_err(|e| anyhow::anyhow!("detector `{}`: {e}", spec.name))?;
    let params = serde_json::to_value(detector.params()).unwrap_or_default();
    let enforcement = Enforcement {
        keys: keys_of_detector(
            if args.detector.is_some() {
                &spec.name
            } else {
                "external"
            },
            detector.params(),
        ),
        ..enforcement_base
    };
    eprintln!("reading {}", dataset.root.display());
    let traffic = Traffic::from_dataset(&dataset)?;
    let (policy, policies) = policies_of(&args, &scenario, &traffic)?;
    let policy_name = policy.map_or("each campaign's own", |p| p.name());
    eprintln!(
        "defending {} events with `{}` (threshold {threshold}, {threshold_source}) against `{}`",
        traffic.rows(),
        spec.name,
        policy_name
    );
    let outcome = run_loop(
        &traffic,
        LoopSetup {
            detector: detector.as_mut(),
            threshold,
            enforcement: &enforcement,
            policies,
            seed,
        },
    )?;
    let info = RunInfo {
        scenario: dataset.manifest.scenario.name.clone(),
        seed: dataset.manifest.seed,
        scale: dataset.manifest.scale,
        distorted,
        detector: spec.name.clone(),
        detector_params: params,
        threshold,
        threshold_source: threshold_source.to_string(),
    };
    let report = DefendReport::new(info, policy, &enforcement, &traffic, &outcome);
    std::fs::create_dir_all(&args.out).with_context(|| format!("--out {}", args.out.display()))?;
    if args.write_dataset {
        let dir = args.out.join("dataset");
        if dir.exists() {
            // check_out refused it without --force.
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("replacing {}", dir.display()))?;
        }
        write_gateway_dataset(
            &dataset,
            &traffic,
            &outcome,
            enforcement.refuse_status,
            &dir,
        )?;
        println!("the gateway's dataset: {}", dir.display());
    }
    write_report(&report, &args.out)?;
    let t = &report.totals;
    println!(
        "records exposed: {} defended, {} undefended ({:.1}% stopped); attack requests refused {} of {}; benign refused {} of {}, {} entities locked out",
        t.records_exposed_defended,
        t.records_exposed_undefended,
        100.0 * t.share_of_records_stopped,
        t.attack_requests_refused,
        t.attack_requests_sent,
        t.benign_requests_refused,
        t.benign_requests,
        t.benign_entities_locked_out
    );
    println!("report: {}", args.out.join("report.json").display());
    Ok(())
}

/// Each campaign's policy: --policy for all when given, else the scenario's
/// `[campaigns.adapt]` (`none` without one); `None` for the report when per campaign.
fn policies_of(
    args: &DefendArgs,
    scenario: &LoadedScenario,
    traffic: &Traffic,
) -> anyhow::Result<(Option<Policy>, Vec<Policy>)> {
    if args.policy.is_some() {
        let policy = policy_of(args)?;
        return Ok((Some(policy), vec![policy; traffic.campaigns.len()]));
    }
    let mut policies = Vec::new();
    for campaign in &traffic.campaigns {
        let adapt = scenario
            .scenario
            .campaigns
            .iter()
            .find(|c| c.name == campaign.name)
            .and_then(|c| c.adapt.as_ref());
        policies.push(match adapt {
            Some(table) => Policy::from_table(table).with_context(|| {
                format!(
                    "scenario `{}`: [campaigns.adapt] of campaign `{}`",
                    scenario.scenario.name, campaign.name
                )
            })?,
            None => Policy::None,
        });
    }
    Ok((None, policies))
}

fn policy_of(args: &DefendArgs) -> anyhow::Result<Policy> {
    let name = args.policy.as_deref().unwrap_or("none");
    let mut policy = Policy::named(name.trim()).context("--policy")?;
    for assignment in &args.policy_params {
        let Some((name, value)) = assignment.split_once('=') else {
            bail!("--policy-param `{assignment}`: expected `name=value`, e.g. `pool=50`");
        };
        policy
            .set(name.trim(), value)
            .with_context(|| format!("--policy-param `{assignment}`"))?;
    }
    Ok(policy)
}

fn enforcement_of(args: &DefendArgs) -> anyhow::Result<Enforcement> {
    let block_for_us = match args.block_for.trim() {
        "end" => None,
        text => {
            let seconds: f64 = text
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0)
                .with_context(|| {
                    format!("--block-for `{text}`: expected a number of seconds above 0, or `end`")
                })?;
            Some((seconds * 1e6).round() as i64)
        }
    };
    if !(args.window.is_finite() && args.window >= 1e-6 && args.window <= 86_400.0) {
        bail!(
            "--window {}: expected seconds between 0.000001 and 86400",
            args.window
        );
    }
    let enforcement = Enforcement {
        keys: vec![breachlab_defend::KeyKind::Actor],
        block_for_us,
        refuse_status: args.refuse_with,
        window_us: (args.window * 1e6).round() as i64,
    };
    enforcement.check()?;
    Ok(enforcement)
}

/// The bench arguments the shared helpers (detector specs, calibration) read.
fn bench_args(args: &DefendArgs) -> BenchArgs {
    BenchArgs {
        dataset: args.dataset.clone(),
        scenario: args.scenario.clone(),
        seeds: None,
        scale: args.scale,
        detectors: args.detector.clone().unwrap_or_default(),
        params: args.params.clone(),
        params_file: args.params_file.clone(),
        report: None,
        force: false,
        calibrate: args.calibrate.clone(),
        alarm_budget: args.alarm_budget,
        budgets: None,
        sweep: None,
        cache: args.cache.clone(),
        audit: AuditMode::Never,
        batch_rows: 65_536,
        detector_cmds: Vec::new(),
        detector_names: Vec::new(),
        detector_timeout: args.detector_timeout,
        alerts: Vec::new(),
    }
}

fn detector_spec(args: &DefendArgs) -> anyhow::Result<DetectorSpec> {
    if let Some(command) = &args.detector_cmd {
        if command.trim().is_empty() {
            bail!("--detector-cmd is empty: give the command line that starts the detector");
        }
        if !args.params.is_empty() || args.params_file.is_some() {
            bail!(
                "--param and --params-file set built-in detectors' parameters; an external detector takes its own"
            );
        }
        let spec = ExternalSpec {
            command: command.clone(),
            name: args.detector_name.clone(),
            timeout: std::time::Duration::from_secs_f64(args.detector_timeout),
        };
        return Ok(external_spec(spec, None));
    }
    let name = args.detector.as_deref().unwrap_or_default();
    if name.contains(',') || name.trim() == "all" {
        bail!(
            "--detector `{name}`: defend runs one detector at a time; name one (see `breachlab detectors`)"
        );
    }
    let mut specs = builtin_specs(&bench_args(args))?;
    Ok(specs.remove(0))
}

/// The scenario, seed and scale defended: from --dataset's manifest, or the flags.
fn what_to_defend(args: &DefendArgs) -> anyhow::Result<(LoadedScenario, u64, f64)> {
    match (&args.dataset, &args.scenario) {
        (Some(dir), _) => {
            let dataset = Dataset::open(dir)?;
            if dataset.manifest.imported.is_some() {
                bail!(
                    "--dataset {}: an imported log has no labelled campaigns to replay as attackers; defend a generated dataset",
                    dir.display()
                );
            }
            let m = &dataset.manifest;
            let scenario = LoadedScenario::parse(&m.scenario.name, &m.scenario.text)?;
            Ok((scenario, m.seed, m.scale))
        }
        (None, Some(name)) => Ok((
            LoadedScenario::load(name)?,
            args.seed,
            args.scale.unwrap_or(1.0),
        )),
        (None, None) => bail!("give --scenario NAME (with --seed and --scale), or --dataset DIR"),
    }
}

fn threshold_of(
    args: &DefendArgs,
    spec: &DetectorSpec,
    scenario: &LoadedScenario,
    seed: u64,
    scale: f64,
) -> anyhow::Result<(f64, &'static str)> {
    if let Some(fixed) = spec.fixed_threshold {
        return Ok((fixed, "param"));
    }
    if let Some(seeds) = &args.calibrate {
        let options = run_options(65_536);
        let bench_args = bench_args(args);
        let mut source = CachedSeeds::new(&bench_args, scenario, scale);
        let thresholds = calibrate_on_seeds(
            &mut source,
            &seeds.0,
            &[seed],
            std::slice::from_ref(spec),
            args.alarm_budget,
            &options,
        )
        .map_err(|e| bench_error(e, seeds, ScoredAs::Defended))?;
        if let Some(Some(threshold)) = thresholds.first() {
            return Ok((*threshold, "calibrated"));
        }
    }
    let detector = spec
        .instantiate()
        .map_err(|e| anyhow::anyhow!("detector `{}`: {e}", spec.name))?;
    Ok((detector.default_threshold(), "default"))
}

fn check_out(out: &Path, force: bool, write_dataset: bool) -> anyhow::Result<()> {
    if out.is_file() {
        bail!("--out {}: is a file; give a folder", out.display());
    }
    if write_dataset && !force && out.join("dataset").exists() {
        bail!(
            "--out {} already holds a dataset: pass --force to replace it, or choose another --out",
            out.display()
        );
    }
    if !force && out.join("report.json").exists() {
        bail!(
            "--out {} already holds a report (report.json): pass --force to replace it, or choose another --out",
            out.display()
        );
    }
    Ok(())
}

/// report.md, report.html, then report.json, each written under a temporary name and renamed, so a
/// folder with report.json holds a complete report.
fn write_report(report: &DefendReport, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("--out {}", out.display()))?;
    for (name, text) in [
        ("report.md", report.to_markdown()),
        ("report.html", report.to_html()),
        ("report.json", report.to_json()),
    ] {
        breachlab_dataset::manifest::write_atomically(&out.join(name), text.as_bytes())?;
    }
    Ok(())
}
