//! `breachlab origin`: serves a dataset's recorded responses to replayed requests.

use crate::cli::OriginArgs;
use crate::interrupt;
use anyhow::Context;
use breachlab_dataset::Dataset;
use breachlab_dataset::output::{Existing, OutputError, OutputFile};
use breachlab_replay::origin::{self, Notify, Origin, OriginIndex, OriginOptions};
use std::io::Write;
use std::sync::Arc;

pub fn run(args: OriginArgs) -> anyhow::Result<()> {
    // Open the --seen file first, so a bad path fails before the server starts.
    let seen_file = match &args.seen {
        Some(path) => Some(open_seen(path, args.force)?),
        None => None,
    };
    let dataset = Dataset::open(&args.dir)?;
    let index = OriginIndex::load(&dataset)?;
    let events = index.len();
    let origin = Arc::new(Origin::new(
        index,
        OriginOptions {
            latency_scale: args.latency_scale,
        },
        args.dir.clone(),
    ));
    let stop = Arc::new(Notify::new());
    let notify = Arc::clone(&stop);
    interrupt::on_interrupt(move || notify.notify_one());
    let dir = args.dir.display().to_string();
    origin::run(Arc::clone(&origin), &args.listen, stop, |address| {
        println!(
            "origin listening on http://{address} ({events} events of {dir}); Ctrl-C or SIGTERM stops it"
        );
        let _ = std::io::stdout().flush();
    })
    .map_err(super::replay::with_flag_names)?;
    let stats = origin.stats();
    let mut line = format!(
        "origin stopped: {} requests, {} distinct events of {events}, {} repeated, {} unknown",
        stats.requests, stats.distinct, stats.repeated, stats.unknown
    );
    if let (Some(file), Some(path)) = (seen_file, &args.seen) {
        let mut out = file;
        for id in origin.seen_ids() {
            writeln!(out, "{id}")
                .with_context(|| format!("--seen {}: cannot write", path.display()))?;
        }
        out.finish()
            .with_context(|| format!("--seen {}: cannot write", path.display()))?;
        line.push_str(&format!("; seen event ids written to {}", path.display()));
    }
    println!("{line}");
    Ok(())
}

/// The --seen file: a device or FIFO is written into; a regular file appears at shutdown,
/// replacing an existing one only with --force.
fn open_seen(path: &std::path::Path, force: bool) -> anyhow::Result<OutputFile> {
    let existing = if force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    OutputFile::create(path, existing).map_err(|e| match e {
        OutputError::Exists { .. } => anyhow::anyhow!(
            "--seen {}: the file exists; pass --force to replace it, or name another file",
            path.display()
        ),
        other => anyhow::anyhow!("--seen: cannot create it: {other}"),
    })
}
