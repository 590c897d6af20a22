//! `breachlab import`: access logs to a dataset of unknown labels (docs/import.md).

use crate::cli::ImportArgs;
use crate::interrupt::{self, Interrupted};
use anyhow::Context;
use breachlab_import::{ImportError, ImportOptions, LogFormat, RouteMap, import_logs};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let format = LogFormat::parse_name(&args.format).with_context(|| {
        format!(
            "--format {}: unknown format; use one of combined, jsonl, ecs, ocsf",
            args.format
        )
    })?;
    if args.max_events == Some(0) {
        anyhow::bail!("--max-events must be at least 1");
    }
    if args.chunk_events == 0 {
        anyhow::bail!("--chunk-events must be at least 1");
    }
    let route_map = match &args.route_map {
        Some(path) => RouteMap::read(path).context("--route-map")?,
        None => RouteMap::default(),
    };
    let pseudonymize_key = match args.pseudonymize {
        Some(key) if key.is_empty() => {
            anyhow::bail!("--pseudonymize: the key is empty; give a secret key")
        }
        other => other.map(String::into_bytes),
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    interrupt::on_interrupt(move || flag.store(true, Ordering::SeqCst));
    let options = ImportOptions {
        format,
        route_map,
        pseudonymize_key,
        max_bad_lines: args.max_bad_lines,
        max_events: args.max_events,
        chunk_events: args.chunk_events,
        cancel: Some(cancel),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {human_pos} lines read")
                .expect("valid template"),
        );
        bar
    });
    let result = import_logs(&args.logs, &options, &args.out, &|lines| {
        if let Some(bar) = &bar {
            bar.set_position(lines);
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Err(ImportError::Interrupted) = result {
        return Err(anyhow::Error::new(Interrupted).context(format!(
            "import was interrupted: {} was not written",
            args.out.display()
        )));
    }
    let summary = result.map_err(|error| {
        let hint = match &error {
            ImportError::TooManyBadLines { .. } => " (raise --max-bad-lines)",
            ImportError::TooManyEvents { .. } => " (raise --max-events)",
            _ => "",
        };
        anyhow::Error::new(error).context(format!(
            "import failed{hint}: {} was not written",
            args.out.display()
        ))
    })?;
    for bad in &summary.first_bad {
        eprintln!("bad line: {bad}");
    }
    if summary.bad_lines > summary.first_bad.len() as u64 {
        eprintln!(
            "... and {} more bad lines",
            summary.bad_lines - summary.first_bad.len() as u64
        );
    }
    println!(
        "imported {} events from {} lines ({} bad) into {}{}",
        summary.events,
        summary.lines,
        summary.bad_lines,
        args.out.display(),
        if options.pseudonymize_key.is_some() {
            ", identities pseudonymized"
        } else {
            "; it holds the log's real addresses and identities (the manifest says so)"
        }
    );
    Ok(())
}
