//! `breachlab audit`: the leakage report. For each attack campaign, the best rule on one
//! events column alone, on a pair of columns, and of up to three conditions over one
//! event's fields (with `--holdout-seed`, also scored on another seed); printed as a table
//! and written to `audit.json` beside the manifest (or `--out`).

use crate::cli::{AuditArgs, AuditMode};
use anyhow::bail;
use breachlab_dataset::Dataset;
use breachlab_dataset::output::{Existing, OutputError};
use breachlab_generator::LoadedScenario;
use breachlab_harness::audit::{self, AUDIT_FILE, AuditError, AuditOptions, LEAK_THRESHOLD};
use breachlab_harness::bench::{AuditPolicy, AuditSummary};
use std::time::Instant;

pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let dataset = Dataset::open(&args.dir)?;
    let options = AuditOptions {
        pairs: !args.no_pairs,
        batch_rows: args.batch_rows.max(1),
    };
    let holdout = match args.holdout_seed {
        Some(seed) if seed == dataset.manifest.seed => bail!(
            "--holdout-seed {seed}: that is the audited dataset's own seed; choose another seed"
        ),
        Some(seed) => {
            let scenario = LoadedScenario::parse(
                &dataset.manifest.scenario.name,
                &dataset.manifest.scenario.text,
            )?;
            Some(super::seeded::cached_dataset(
                &scenario,
                seed,
                dataset.manifest.scale,
                &args.cache,
            )?)
        }
        None => None,
    };
    let report = audit::audit_with_holdout(&dataset, holdout.as_ref(), options)?;
    // DIR/audit.json is the dataset's own and rewritten on every run; a file the user
    // named is replaced only with --force.
    let (out, existing) = match &args.out {
        Some(out) if !args.force => (out.clone(), Existing::Refuse),
        Some(out) => (out.clone(), Existing::Replace),
        None => (args.dir.join(AUDIT_FILE), Existing::Replace),
    };
    audit::write_audit(&report, &out, existing).map_err(|e| match e {
        AuditError::Output(OutputError::Exists { path }) => anyhow::anyhow!(
            "--out {}: already exists: pass --force to replace it, or choose another --out",
            path.display()
        ),
        other => anyhow::Error::new(other).context(format!("writing {}", out.display())),
    })?;
    print!("{}", report.terminal_table());
    let unbounded: Vec<&str> = report
        .unbounded_columns
        .iter()
        .map(|c| c.column.as_str())
        .collect();
    println!(
        "not bounded (identities or time, see docs/audit.md): {}",
        unbounded.join(", ")
    );
    let leaks: Vec<&str> = report.leaks().map(|c| c.name.as_str()).collect();
    let combination_leaks: Vec<&str> = report
        .combination_leaks()
        .map(|c| c.name.as_str())
        .collect();
    let figure = if report.holdout_seed.is_some() {
        "cross-seed"
    } else {
        "in-sample"
    };
    println!(
        "audited {} events of {} campaigns in {:.2} s: {} leak{} (best single-column F1 above {LEAK_THRESHOLD}, not naive), {} combination leak{} ({figure} F1 above {LEAK_THRESHOLD}, neither naive nor a signature); wrote {}",
        report.dataset.events,
        report.campaigns.len(),
        started.elapsed().as_secs_f64(),
        leaks.len(),
        if leaks.len() == 1 { "" } else { "s" },
        combination_leaks.len(),
        if combination_leaks.len() == 1 {
            ""
        } else {
            "s"
        },
        out.display()
    );
    if args.fail_on_leak && !leaks.is_empty() {
        bail!(
            "--fail-on-leak: {} campaign(s) leak through a single column: {}",
            leaks.len(),
            leaks.join(", ")
        );
    }
    Ok(())
}

/// `bench`'s summary of how hard each campaign is, and where it came from, as `--audit`
/// asks ([`breachlab_harness::bench::audit_summary`]).
pub fn bench_summary(
    dataset: &Dataset,
    batch_rows: usize,
    mode: AuditMode,
) -> anyhow::Result<AuditSummary> {
    let policy = match mode {
        AuditMode::Auto => AuditPolicy::Reuse,
        AuditMode::Always => AuditPolicy::Always,
        AuditMode::Never => AuditPolicy::Never,
    };
    Ok(breachlab_harness::bench::audit_summary(
        dataset, batch_rows, policy,
    )?)
}
