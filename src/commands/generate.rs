//! `breachlab generate`: a dataset from a scenario and a seed, with a progress bar on a
//! terminal and a one-line summary.

use crate::cli::GenerateArgs;
use crate::interrupt::{self, Interrupted};
use breachlab_dataset::{DatasetError, GenerateOptions, GenerateSummary, Progress, generate};
use breachlab_generator::{LoadedScenario, Shard};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let scenario = match &args.scenario {
        Some(name) => LoadedScenario::load(name)?,
        None => LoadedScenario::default_scenario(),
    };
    let shard = match &args.shard {
        Some(text) => Shard::parse(text).map_err(|e| anyhow::anyhow!("--shard: {e}"))?,
        None => Shard::WHOLE,
    };
    let options = GenerateOptions {
        out: args.out.clone(),
        seed: args.seed,
        scale: args.scale,
        threads: args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        shard,
        force: args.force,
    };
    let summary = generate_with_progress(&scenario, &options)?;
    println!("{}", summary_line(&summary, &options));
    Ok(())
}

/// Runs `generate` with a progress bar on a terminal and Ctrl-C handling.
pub fn generate_with_progress(
    scenario: &LoadedScenario,
    options: &GenerateOptions,
) -> anyhow::Result<GenerateSummary> {
    let progress = Arc::new(Progress::default());
    let flag = progress.clone();
    interrupt::on_interrupt(move || flag.cancel.store(true, Ordering::SeqCst));
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| progress_bar(progress.clone()));
    let result = generate(scenario, options, progress);
    if let Some((bar, ticker)) = bar {
        bar.finish_and_clear();
        ticker.join().ok();
    }
    match result {
        Err(DatasetError::Interrupted(_)) => Err(anyhow::Error::new(Interrupted).context(format!(
            "generate was interrupted: no new dataset was written to {} and the temporary files were removed",
            options.out.display()
        ))),
        Err(error @ (DatasetError::Io { .. } | DatasetError::Parquet { .. })) => {
            let hint = disk_hint(&error);
            Err(anyhow::anyhow!("{error}").context(format!(
                "generate failed while writing{hint}: no new dataset was written to {} and the temporary files were removed",
                options.out.display()
            )))
        }
        other => Ok(other?),
    }
}

/// Names the likely cause of a write error a user can fix.
fn disk_hint(error: &DatasetError) -> &'static str {
    let DatasetError::Io { source, .. } = error else {
        return "";
    };
    match source.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            " (the disk is full: free space or choose another --out)"
        }
        std::io::ErrorKind::FileTooLarge => {
            " (a file reached the file-size limit: raise `ulimit -f` or lower --scale)"
        }
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            " (no permission to write there: choose another --out)"
        }
        _ => "",
    }
}

fn progress_bar(progress: Arc<Progress>) -> (ProgressBar, std::thread::JoinHandle<()>) {
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent}% {msg}")
            .expect("valid template"),
    );
    let handle = bar.clone();
    let ticker = std::thread::spawn(move || {
        while !handle.is_finished() {
            handle.set_length(progress.slices_total.load(Ordering::Relaxed).max(1));
            handle.set_position(progress.slices_done.load(Ordering::Relaxed));
            handle.set_message(format!(
                "{} events",
                progress.events.load(Ordering::Relaxed)
            ));
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    (bar, ticker)
}

fn summary_line(s: &GenerateSummary, options: &GenerateOptions) -> String {
    let rate = s.events as f64 / s.seconds.max(1e-9);
    format!(
        "wrote {} events in {} files ({:.1} MiB) to {} in {:.1} s: {:.0} events/s{}",
        s.events,
        s.files,
        s.bytes as f64 / (1 << 20) as f64,
        options.out.display(),
        s.seconds,
        rate,
        if options.shard.is_whole() {
            String::new()
        } else {
            format!(" (shard {})", options.shard)
        }
    )
}
