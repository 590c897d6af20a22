//! What the commands that score (`bench`, `score`, `demo`) share: run options with a
//! Ctrl-C flag, how a run error reaches the user, the throughput line, and publishing a
//! report.

use crate::interrupt::{self, Interrupted};
use anyhow::bail;
use breachlab_harness::external::TIMED_OUT;
use breachlab_harness::report::{BenchReport, write_report_dir};
use breachlab_harness::runner::{self, RunError, RunOptions};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints the leaderboard, writes the report, and fails when a detector failed.
pub fn publish(report: &BenchReport, dir: &Path, force: bool) -> anyhow::Result<()> {
    print!("{}", report.terminal_table());
    write_report_dir(report, dir, force).map_err(run_error)?;
    println!("report: {}", dir.join("report.json").display());
    if !report.failed_detectors.is_empty() {
        let names: Vec<&str> = report
            .failed_detectors
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let timed_out = report
            .failed_detectors
            .iter()
            .any(|f| f.error.contains(TIMED_OUT));
        let hint = if timed_out {
            "; one that needs longer to answer: raise --detector-timeout"
        } else {
            ""
        };
        bail!(
            "{} detector(s) failed: {} (the others are in the report{hint})",
            names.len(),
            names.join(", ")
        );
    }
    Ok(())
}

/// Default options with a cancel flag raised by Ctrl-C.
pub fn run_options(batch_rows: usize) -> RunOptions {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    interrupt::on_interrupt(move || flag.store(true, Ordering::SeqCst));
    RunOptions {
        batch_rows,
        cancel,
        ..RunOptions::default()
    }
}

/// A run error as a CLI error; an interruption exits with 130.
pub fn run_error(error: RunError) -> anyhow::Error {
    match error {
        RunError::Interrupted => {
            anyhow::Error::new(Interrupted).context("bench stopped; no report was written")
        }
        RunError::ReportExists { dir, files } => anyhow::anyhow!(
            "{} already holds a report ({}): pass --force to replace it, or choose another --report",
            dir.display(),
            files.join(", ")
        ),
        other => anyhow::Error::new(other),
    }
}

/// How fast a scoring pass went, for the terminal: the report's end-to-end figure, which
/// covers the pass (decoding, detectors, each one's metrics tally) but not the sorts
/// that finish the average precision afterwards.
pub fn throughput_line(outcome: &runner::RunOutcome) -> String {
    let peak = match outcome.peak_memory_bytes {
        Some(bytes) => format!(", peak memory {:.2} GB", bytes as f64 / 1e9),
        None => String::new(),
    };
    format!(
        "scored {} events in {:.2} s: {:.2}M events/s end to end (decoding, detectors, metrics tally){peak}",
        outcome.events,
        outcome.wall_seconds,
        outcome.events as f64 / outcome.wall_seconds.max(1e-9) / 1e6,
    )
}
