//! `breachlab replay`: sends a dataset's events as HTTP requests and reports what came back.

use crate::cli::ReplayArgs;
use crate::interrupt::{self, Interrupted};
use breachlab_dataset::Dataset;
use breachlab_replay::ReplayError;
use breachlab_replay::replay::{ReplayOptions, ReplaySummary, replay};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let dataset = Dataset::open(&args.dir)?;
    let options = ReplayOptions {
        target: args.target.clone(),
        speed: args.speed,
        max_rate: args.max_rate,
        limit: args.limit,
        concurrency: args.concurrency,
        timeout: Duration::from_secs_f64(args.timeout),
        host_header: args.host_header.clone(),
        batch_rows: 8192,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    interrupt::on_interrupt(move || flag.store(true, Ordering::SeqCst));
    let summary = replay(&dataset, &options, stop).map_err(with_flag_names)?;
    print_summary(&args, &summary);
    if summary.interrupted {
        return Err(Interrupted.into());
    }
    if summary.failed > 0 {
        anyhow::bail!(
            "{} of {} requests got no response (first: {}): check that --target {} is up, and raise --timeout or lower --concurrency/--max-rate if it is overloaded",
            summary.failed,
            summary.sent,
            summary.first_error.as_deref().unwrap_or("unknown"),
            args.target
        );
    }
    Ok(())
}

fn print_summary(args: &ReplayArgs, s: &ReplaySummary) {
    println!(
        "replayed {} events of {} to {} in {:.2} s: {:.0} requests/s ({} answered, {} failed){}",
        s.sent,
        args.dir.display(),
        args.target,
        s.elapsed.as_secs_f64(),
        s.requests_per_s(),
        s.answered,
        s.failed,
        if s.interrupted { ", interrupted" } else { "" }
    );
    let statuses: Vec<String> = s
        .statuses
        .iter()
        .map(|(status, count)| format!("{status} {count}"))
        .collect();
    println!(
        "statuses: {}; {} response body bytes",
        statuses.join(", "),
        s.bytes_received
    );
    print!("dataset time covered: {:.0} s", s.dataset_span_s);
    if args.speed.is_none() && args.max_rate.is_none() {
        println!(" (unpaced)");
        return;
    }
    let (p50, p99, max) = (s.lag.quantile_s(0.5), s.lag.quantile_s(0.99), s.lag.max_s());
    print!(
        "; schedule lag p50 <= {:.1} ms, p99 <= {:.1} ms, max {:.1} ms",
        p50 * 1e3,
        p99 * 1e3,
        max * 1e3
    );
    match args.speed {
        Some(speed) => println!(
            " (at --speed {speed}: p99 {:.1} s, max {:.1} s of dataset time)",
            p99 * speed,
            max * speed
        ),
        None => println!(),
    }
}

/// Names a replay or origin setting by the flag that sets it: the library names its
/// fields (`max_rate`), the command line speaks of `--max-rate`.
pub(super) fn with_flag_names(error: ReplayError) -> anyhow::Error {
    match error {
        ReplayError::Setting {
            setting,
            value,
            message,
        } => anyhow::anyhow!("--{} {value}: {message}", setting.replace('_', "-")),
        other => other.into(),
    }
}
