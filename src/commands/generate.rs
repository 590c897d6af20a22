//! `breachlab generate`: a dataset from a scenario and a seed, with a progress bar on a
//! terminal and a one-line summary.

use crate::cli::GenerateArgs;
use crate::interrupt::{self, Interrupted};
use anyhow::bail;
use breachlab_dataset::DatasetError;
use breachlab_generator::scenario::planned_totals;
use breachlab_generator::{LoadedScenario, Plan, Shard};
use breachlab_writer::{GenerateOptions, GenerateSummary, Progress, generate};
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
    let shard = args.shard.unwrap_or(Shard::WHOLE);
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
    let estimate = Estimate::new(&scenario, &options)?;
    let facts = super::faithful::at_scale(&scenario, options.scale)?;
    if args.dry_run {
        println!("{}", estimate.line(&options));
        print!("{}", super::faithful::describe(&facts, options.scale, ""));
        return Ok(());
    }
    super::faithful::check(
        &facts,
        options.scale,
        &scenario.scenario.name,
        args.allow_distorted,
    )?;
    super::outputs::check_out_dir(&options.out)?;
    check_shard_siblings(&scenario, &options)?;
    warn_without_attacks(&scenario, &options);
    if estimate.events >= BIG_RUN_EVENTS {
        eprintln!("{}", estimate.line(&options));
        check_free_space(&options.out, estimate.bytes)?;
    }
    let created = super::outputs::CreatedDirs::before_creating(&options.out);
    let summary = generate_with_progress(&scenario, &options).inspect_err(|_| {
        // A failed or interrupted run leaves no empty folder it created itself.
        created.remove_if_empty();
    })?;
    println!("{}", summary_line(&summary, &options));
    Ok(())
}

/// Runs with at least this many planned events print their estimate first and check the
/// free disk space before writing anything.
const BIG_RUN_EVENTS: f64 = 50e6;
/// Bytes on disk per event, all tables together, measured on the default scenario (about
/// 24 MB for 0.65M events); the accounts and campaigns tables are small beside events.
const BYTES_PER_EVENT: f64 = 40.0;
/// Events written per second per worker thread, a rough figure for the time estimate.
const EVENTS_PER_S_PER_THREAD: f64 = 150_000.0;

/// What a run is planned to write, before it writes anything.
struct Estimate {
    events: f64,
    attack_requests: f64,
    lookalike_requests: f64,
    bytes: f64,
    seconds: f64,
}

impl Estimate {
    fn new(scenario: &LoadedScenario, options: &GenerateOptions) -> anyhow::Result<Self> {
        // Folded from +0: an empty float sum is -0, printed "-0".
        let attack_requests = planned_totals(&scenario.scenario, options.scale)
            .iter()
            .fold(0.0, |sum, c| sum + c.requests);
        let plan = Plan::new(scenario, options.seed, options.scale)?;
        let share = 1.0 / f64::from(options.shard.count.max(1));
        let events = plan.expected_events * share;
        Ok(Self {
            events,
            attack_requests: attack_requests * share,
            lookalike_requests: plan.expected_cohort_events * share,
            bytes: events * BYTES_PER_EVENT,
            seconds: events / (EVENTS_PER_S_PER_THREAD * options.threads.max(1) as f64),
        })
    }

    fn line(&self, options: &GenerateOptions) -> String {
        format!(
            "planned: about {} events ({} attack requests, {} look-alike requests), about {} on disk, about {} with {} thread{} (scenario scale {}{})",
            approximate(self.events),
            approximate(self.attack_requests),
            approximate(self.lookalike_requests),
            bytes(self.bytes),
            duration(self.seconds),
            options.threads,
            if options.threads == 1 { "" } else { "s" },
            options.scale,
            if options.shard.is_whole() {
                String::new()
            } else {
                format!(", shard {}", options.shard)
            }
        )
    }
}

/// 1234567.0 -> "1.2 M"; never "-0".
fn approximate(value: f64) -> String {
    match value.max(0.0) + 0.0 {
        v if v >= 1e9 => format!("{:.1} G", v / 1e9),
        v if v >= 1e6 => format!("{:.1} M", v / 1e6),
        v if v >= 1e3 => format!("{:.1} k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

fn bytes(value: f64) -> String {
    match value {
        v if v >= 1e12 => format!("{:.1} TB", v / 1e12),
        v if v >= 1e9 => format!("{:.1} GB", v / 1e9),
        v => format!("{:.1} MB", v / 1e6),
    }
}

fn duration(seconds: f64) -> String {
    match seconds {
        s if s >= 86_400.0 => format!("{:.1} d", s / 86_400.0),
        s if s >= 3_600.0 => format!("{:.1} h", s / 3_600.0),
        s if s >= 60.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.0} s", s.max(1.0)),
    }
}

/// A scale so small that no campaign gets a single request is almost always a mistake.
fn warn_without_attacks(scenario: &LoadedScenario, options: &GenerateOptions) {
    let planned = planned_totals(&scenario.scenario, options.scale);
    let requests: f64 = planned.iter().map(|c| c.requests).sum();
    if !planned.is_empty() && requests < 1.0 {
        eprintln!(
            "warning: --scale {} leaves the {} attack campaign{} of `{}` about {requests:.2} requests in all: the dataset will very likely hold no attack event; raise --scale",
            options.scale,
            planned.len(),
            if planned.len() == 1 { "" } else { "s" },
            scenario.scenario.name
        );
    }
}

/// A shard written into a folder holding shards of another run (another scenario, seed,
/// scale or shard count) would make a dataset `merge` must reject: refused up front.
fn check_shard_siblings(
    scenario: &LoadedScenario,
    options: &GenerateOptions,
) -> anyhow::Result<()> {
    if options.shard.is_whole() {
        return Ok(());
    }
    let sha = scenario.text_sha256();
    for (path, manifest) in breachlab_dataset::layout::shard_manifests(&options.out) {
        let manifest = manifest.map_err(|e| {
            anyhow::anyhow!(
                "{}: not a shard manifest ({e}): remove it or choose another --out",
                path.display()
            )
        })?;
        let same = manifest.scenario.sha256 == sha
            && manifest.seed == options.seed
            && manifest.scale == options.scale
            && manifest.shard.count == options.shard.count;
        if !same {
            bail!(
                "--out {} holds shards of another run ({}: scenario `{}`, seed {}, scale {}, {} shards); this shard is scenario `{}`, seed {}, scale {}, {} shards: give every shard the same --scenario, --seed, --scale and N, or choose another --out",
                options.out.display(),
                path.display(),
                manifest.scenario.name,
                manifest.seed,
                manifest.scale,
                manifest.shard.count,
                scenario.scenario.name,
                options.seed,
                options.scale,
                options.shard.count
            );
        }
    }
    Ok(())
}

/// Refuses a run that cannot fit: the estimate plus a tenth, against the free space of
/// the filesystem `--out` is (or will be) on.
fn check_free_space(out: &std::path::Path, needed: f64) -> anyhow::Result<()> {
    let Some(free) = free_bytes(out) else {
        return Ok(());
    };
    if (free as f64) < needed * 1.1 {
        bail!(
            "--out {}: the run needs about {} and the disk has {} free: free space, lower --scale, shard the run (--shard K/N) or choose another --out (`--dry-run` prints the estimate)",
            out.display(),
            bytes(needed),
            bytes(free as f64)
        );
    }
    Ok(())
}

/// Free bytes for an unprivileged user on the filesystem holding `path` or its nearest
/// existing ancestor.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)] // the field types differ between platforms
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let existing = path
        .ancestors()
        .find(|p| p.exists())
        .unwrap_or(std::path::Path::new("."));
    let existing = if existing.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        existing
    };
    let c_path = std::ffi::CString::new(existing.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a valid NUL-terminated string and `stats` a writable statvfs.
    let status = unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) };
    (status == 0).then(|| stats.f_bavail as u64 * stats.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_path: &std::path::Path) -> Option<u64> {
    None
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
        Err(DatasetError::HoldsData(out)) => Err(anyhow::anyhow!(
            "{} already holds data: pass --force to replace the dataset there, or choose another --out",
            out.display()
        )),
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
