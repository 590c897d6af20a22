//! `breachlab verify`: checks a dataset against its manifest and, with `--regenerate`,
//! against a fresh run of its own scenario and seed; prints every problem found.

use crate::cli::VerifyArgs;
use crate::interrupt::{self, Interrupted};
use breachlab_dataset::{DatasetError, Finding, verify};
use breachlab_writer::{Progress, regenerate};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let dir = &args.dir;
    let report = verify(dir)?;
    let manifest = &report.manifest;
    let mut findings = report.findings.clone();
    let rows: u64 = manifest.files.iter().map(|f| f.rows).sum();
    println!(
        "checked {} files ({rows} rows) of {} against its manifest",
        manifest.files.len(),
        dir.display()
    );
    if args.regenerate {
        println!(
            "regenerating scenario '{}' (seed {}, scale {}) to compare bytes...",
            manifest.scenario.name, manifest.seed, manifest.scale
        );
        findings.extend(regenerate_findings(&report)?);
    }
    if findings.is_empty() {
        println!(
            "ok: every file is present, complete and unchanged{}",
            if args.regenerate {
                "; regenerating gives identical bytes"
            } else {
                ""
            }
        );
        return Ok(());
    }
    print_findings(&findings);
    anyhow::bail!(
        "{} problem{} found in {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        dir.display()
    )
}

fn regenerate_findings(report: &breachlab_dataset::VerifyReport) -> anyhow::Result<Vec<Finding>> {
    let progress = Arc::new(Progress::default());
    let flag = progress.clone();
    interrupt::on_interrupt(move || flag.cancel.store(true, Ordering::SeqCst));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match regenerate(report, &std::env::temp_dir(), threads, progress) {
        Err(DatasetError::Interrupted(_)) => Err(anyhow::Error::new(Interrupted)
            .context("verify stopped; its temporary regeneration folder was removed")),
        other => Ok(other?),
    }
}

fn print_findings(findings: &[Finding]) {
    println!("problems:");
    for finding in findings {
        println!("  {finding}");
    }
}
