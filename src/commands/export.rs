//! `breachlab export`: a dataset's events, in time order, as JSON lines, ECS, OCSF or a
//! combined access log, streamed batch by batch into one file (or stdout).

use crate::cli::ExportArgs;
use crate::interrupt::{self, Interrupted};
use anyhow::Context;
use breachlab_dataset::Dataset;
use breachlab_dataset::output::OutputError;
use breachlab_export::{ExportError, ExportOptions, Format, Output, export_dataset};
use breachlab_schema::Table;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let format = Format::parse(&args.format).with_context(|| {
        format!(
            "--format {}: unknown format; use one of jsonl, ecs, ocsf, combined, combined-ext",
            args.format
        )
    })?;
    if args.with_truth && !format.carries_truth() {
        anyhow::bail!(
            "--with-truth needs a JSON format (jsonl, ecs, ocsf): `{}` lines cannot carry labels; drop --with-truth or change --format",
            format.name()
        );
    }
    if args.batch_rows == 0 {
        anyhow::bail!("--batch-rows must be at least 1");
    }
    let dataset = Dataset::open(&args.dir)
        .with_context(|| format!("cannot export {}", args.dir.display()))?;
    let output = Output::create(&args.out, args.force).map_err(|e| match e {
        ExportError::Output(OutputError::Exists { path }) => anyhow::anyhow!(
            "--out {}: already exists: pass --force to replace it, or choose another --out",
            path.display()
        ),
        other => anyhow::anyhow!("--out: {other}"),
    })?;
    let total = dataset
        .manifest
        .row_counts
        .get(Table::Events.name())
        .copied()
        .unwrap_or(0);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(total.max(1));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {percent}% {human_pos}/{human_len} events",
            )
            .expect("valid template"),
        );
        bar
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    interrupt::on_interrupt(move || flag.store(true, Ordering::SeqCst));
    let options = ExportOptions {
        format,
        with_truth: args.with_truth,
        batch_rows: args.batch_rows,
    };
    let started = Instant::now();
    let result = export_dataset(
        &dataset,
        &options,
        output,
        &|done| {
            if let Some(bar) = &bar {
                bar.set_position(done);
            }
        },
        &cancel,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = match result {
        Err(ExportError::Interrupted) => {
            return Err(anyhow::Error::new(Interrupted).context(format!(
                "export was interrupted: {} was not written",
                args.out.display()
            )));
        }
        Err(error) => {
            return Err(anyhow::Error::new(error).context(format!(
                "export of {} failed: {} was not written",
                args.dir.display(),
                args.out.display()
            )));
        }
        Ok(summary) => summary,
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {} events as {} ({:.1} MiB) to {} in {:.1} s: {:.0} events/s",
        summary.events,
        format.name(),
        summary.bytes as f64 / (1 << 20) as f64,
        args.out.display(),
        seconds,
        summary.events as f64 / seconds.max(1e-9)
    );
    Ok(())
}
