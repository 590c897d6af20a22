//! Output locations checked before any work, one clear message per failure, and what
//! `generate` plans, warns about and leaves behind; external detectors that hang or
//! crash under `sh -c`.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

const BIN: &str = env!("CARGO_BIN_EXE_breachlab");

mod common;

use common::{breachlab, generated_dataset, text};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// A small default-scenario dataset shared by the tests that only read it.
fn dataset() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, std::path::PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| generated_dataset("0.02", &[])).1
}

/// `bench` of the null detector on the shared dataset, with `extra` flags.
fn bench(extra: &[&str]) -> Output {
    let mut args = vec!["bench", "--dataset", arg(dataset()), "--detectors", "null"];
    args.extend_from_slice(extra);
    breachlab(&args)
}

/// Benches into `report` and checks that it was refused before scoring with a message
/// that names every one of `wanted`; returns the message.
fn refused_report(report: &Path, wanted: &[&str]) -> String {
    let output = bench(&["--report", arg(report)]);
    assert_not_scored(&output);
    let message = stderr(&output);
    assert!(wanted.iter().all(|w| message.contains(w)), "{message}");
    message
}

/// No OS error is printed twice (`... (os error 2): ... (os error 2)`).
fn assert_said_once(message: &str) {
    assert!(message.matches("(os error").count() <= 1, "{message}");
}

/// The bench was refused before scoring: no leaderboard was printed.
fn assert_not_scored(output: &Output) {
    assert_eq!(output.status.code(), Some(1), "{}", text(output));
    assert!(
        !stdout(output).contains("Detector"),
        "scored first: {}",
        text(output)
    );
    assert!(
        !stderr(output).contains("scored "),
        "scored first: {}",
        text(output)
    );
}

#[test]
fn bench_refuses_a_report_folder_that_is_a_file_before_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "x").unwrap();
    for report in [file.clone(), file.join("sub")] {
        assert_said_once(&refused_report(&report, &["--report", "is a file"]));
    }
}

#[test]
fn bench_refuses_an_existing_report_before_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    std::fs::create_dir_all(&report).unwrap();
    std::fs::write(report.join("report.json"), "{}").unwrap();
    refused_report(&report, &["--force", "--report"]);
    assert_eq!(
        std::fs::read_to_string(report.join("report.json")).unwrap(),
        "{}"
    );
}

#[cfg(unix)]
#[test]
fn bench_refuses_a_read_only_report_folder_before_scoring() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        eprintln!("skipped: root writes into read-only folders");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("locked");
    std::fs::create_dir_all(&report).unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o555)).unwrap();
    refused_report(&report, &["--report", "cannot write"]);
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn bench_creates_a_report_folder_with_missing_parents() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("new/deeper/report");
    let output = bench(&["--report", arg(&report)]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(report.join("report.json").exists());
}

#[test]
fn a_missing_folder_is_one_os_error_not_two() {
    let dir = tempfile::tempdir().unwrap();
    let output = breachlab(&["merge", arg(&dir.path().join("nothing"))]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("os error 2"), "{message}");
    assert_said_once(&message);
}

#[test]
fn generate_out_naming_a_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let output = breachlab(&[
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--out",
        arg(&file),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("--out") && message.contains("is a file"),
        "{message}"
    );
    assert!(!message.contains("File exists"), "{message}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

#[test]
fn generate_force_clears_the_reports_of_the_dataset_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let run = |args: &[&str]| {
        let output = breachlab(args);
        assert!(output.status.success(), "{}", text(&output));
    };
    run(&[
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--out",
        arg(&out),
    ]);
    run(&["bench", "--dataset", arg(&out), "--detectors", "null"]);
    assert!(out.join("report/report.json").exists());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    run(&[
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--seed",
        "2",
        "--out",
        arg(&out),
        "--force",
    ]);
    assert!(
        !out.join("report").exists(),
        "the old seed's report was kept"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(out.join("manifest.json").exists());
}

#[test]
fn a_scale_without_attack_events_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let output = breachlab(&[
        "generate",
        "--scale",
        "1e-9",
        "--allow-distorted",
        "--out",
        arg(&out),
    ]);
    let message = stderr(&output);
    assert!(
        message.contains("warning") && message.contains("no attack event"),
        "{}",
        text(&output)
    );
    assert!(message.contains("raise --scale"), "{message}");
    // A normal scale says nothing of the kind.
    let output = breachlab(&[
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--out",
        arg(&dir.path().join("ok")),
    ]);
    assert!(
        !stderr(&output).contains("no attack event"),
        "{}",
        text(&output)
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let started = Instant::now();
    let output = breachlab(&[
        "generate",
        "--scenario",
        "tmobile-2023",
        "--out",
        arg(&out),
        "--dry-run",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let line = stdout(&output);
    assert!(line.starts_with("planned: about "), "{line}");
    assert!(
        line.contains(" G events") || line.contains(" M events"),
        "{line}"
    );
    assert!(line.contains("on disk") && line.contains("GB"), "{line}");
    assert!(!out.exists(), "a dry run created --out");
    assert!(started.elapsed().as_secs() < 60);
}

/// The number of "about 71.8 k events" in a dry run's line.
fn planned_events(line: &str) -> f64 {
    let rest = line.strip_prefix("planned: about ").expect(line);
    let mut words = rest.split_whitespace();
    let number: f64 = words.next().and_then(|n| n.parse().ok()).expect(line);
    let unit = match words.next() {
        Some("k") => 1e3,
        Some("M") => 1e6,
        Some("G") => 1e9,
        _ => 1.0,
    };
    number * unit
}

#[test]
fn the_dry_run_estimate_counts_the_cohorts_and_is_close_to_what_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let common = [
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--threads",
        "2",
    ];
    let dry = breachlab(&[&common[..], &["--dry-run"]].concat());
    assert!(dry.status.success(), "{}", text(&dry));
    let planned = planned_events(&stdout(&dry));
    let run = breachlab(&[&common[..], &["--out", arg(&out)]].concat());
    assert!(run.status.success(), "{}", text(&run));
    let summary = stdout(&run);
    let written: f64 = summary
        .strip_prefix("wrote ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect(&summary);
    // The partner's nightly batch is most of the default at 0.01: planned without the
    // cohorts, the estimate was 5.1 k events against 57 k written.
    assert!(
        (planned - written).abs() / written <= 0.10,
        "planned {planned}, wrote {written}: {}",
        stdout(&dry)
    );
}

#[test]
fn a_scenario_without_attacks_plans_zero_attack_requests() {
    let output = breachlab(&["generate", "--scenario", "benign-only", "--dry-run"]);
    assert!(output.status.success(), "{}", text(&output));
    let line = stdout(&output);
    assert!(line.contains("(0 attack requests, "), "{line}");
    assert!(!line.contains("-0"), "{line}");
    assert!(!line.contains(", 0 look-alike requests"), "{line}");
}

#[test]
fn a_shard_of_another_run_is_refused_at_write_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shared");
    let shard = |seed: &str, k: &str| {
        breachlab(&[
            "generate",
            "--scale",
            "0.01",
            "--allow-distorted",
            "--seed",
            seed,
            "--shard",
            k,
            "--out",
            arg(&out),
        ])
    };
    let first = shard("1", "1/2");
    assert!(first.status.success(), "{}", text(&first));
    assert!(out.join("shards/shard-0001-of-0002.json").exists());
    let other = shard("2", "2/2");
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    let message = stderr(&other);
    assert!(
        message.contains("shards of another run") && message.contains("seed 1"),
        "{message}"
    );
    assert!(!out.join("shards/shard-0002-of-0002.json").exists());
    let same = shard("1", "2/2");
    assert!(same.status.success(), "{}", text(&same));
}

/// `generate` into `out` under a 64 KiB file-size limit, which it fails.
#[cfg(unix)]
fn generate_under_a_file_size_limit(out: &Path) -> Output {
    let script = format!(
        "ulimit -f 64 && exec \"$0\" generate --scale 0.05 --allow-distorted --out '{}' --threads 2",
        arg(out)
    );
    Command::new("sh")
        .args(["-c", &script, BIN])
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_failed_run_leaves_no_empty_folder_it_created() {
    let dir = tempfile::tempdir().unwrap();
    let output = generate_under_a_file_size_limit(&dir.path().join("fresh/out"));
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        !dir.path().join("fresh").exists(),
        "an empty --out was left"
    );
    // A folder that existed before the run stays.
    let existing = dir.path().join("kept");
    std::fs::create_dir_all(&existing).unwrap();
    let output = generate_under_a_file_size_limit(&existing);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(existing.is_dir());
}

#[test]
fn a_hanging_detector_without_a_name_costs_one_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let output = bench(&[
        "--detector-cmd",
        "sleep 60",
        "--detector-timeout",
        "4",
        "--report",
        arg(&dir.path().join("report")),
    ]);
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stdout(&output).contains("FAILED sleep 60"),
        "{}",
        text(&output)
    );
    // The library says it timed out; the command line says which flag allows longer.
    assert!(
        text(&output).contains("gave no answer within 4 s")
            && text(&output).contains("raise --detector-timeout"),
        "{}",
        text(&output)
    );
    // Two timeouts would be 8 s and more.
    assert!(elapsed < 7.5, "took {elapsed:.1} s");
}

#[test]
fn a_detector_killed_by_a_signal_under_sh_is_reported_as_the_signal() {
    let dir = tempfile::tempdir().unwrap();
    let output = bench(&[
        "--detector-cmd",
        "sh -c 'kill -SEGV $$'; exit $?",
        "--detector-name",
        "crasher",
        "--report",
        arg(&dir.path().join("report")),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let all = text(&output);
    assert!(all.contains("was killed by signal 11 (SIGSEGV)"), "{all}");
    assert!(!all.contains("exited with code 139"), "{all}");
}

#[test]
fn alerts_outside_the_dataset_span_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("old.csv");
    std::fs::write(
        &alerts,
        "entity_kind,entity,from_ts,until_ts\nip,10.0.0.1,2001-01-01T00:00:00Z,2001-01-02T00:00:00Z\n",
    )
    .unwrap();
    let output = breachlab(&[
        "score",
        "--dataset",
        arg(dataset()),
        "--alerts",
        arg(&alerts),
        "--report",
        arg(&dir.path().join("report")),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let message = stderr(&output);
    assert!(
        message.contains("warning: none of the 1 alert rows"),
        "{message}"
    );
    assert!(message.contains("spans "), "{message}");
}

/// Runs breachlab with `args` under a file-size limit of `blocks` (`ulimit -f`: 512- or
/// 1024-byte blocks, depending on the shell).
#[cfg(unix)]
fn under_a_file_size_limit(blocks: u32, args: &[&str]) -> Output {
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!("ulimit -f {blocks} && exec \"$0\" {}", quoted.join(" "));
    Command::new("sh")
        .args(["-c", &script, BIN])
        .output()
        .unwrap()
}

/// Every entry of `dir` (none when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|list| {
            list.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
#[test]
fn a_report_json_that_cannot_be_written_leaves_no_report_and_no_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.csv");
    std::fs::write(&alerts, "event_id,score\n1,1\n").unwrap();
    let bench_report = dir.path().join("bench");
    let score_report = dir.path().join("score");
    let bench: Vec<&str> = vec![
        "bench",
        "--dataset",
        arg(dataset()),
        "--detectors",
        "null",
        "--report",
        arg(&bench_report),
    ];
    let score: Vec<&str> = vec![
        "score",
        "--dataset",
        arg(dataset()),
        "--alerts",
        arg(&alerts),
        "--report",
        arg(&score_report),
    ];
    // 128 blocks (64 or 128 KiB): report.md and report.html fit, report.json does not.
    for (args, report) in [(&bench, &bench_report), (&score, &score_report)] {
        let failed = under_a_file_size_limit(128, args);
        assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
        assert_eq!(entries(report), Vec::<String>::new(), "{}", text(&failed));
        let again = breachlab(args);
        assert!(again.status.success(), "the rerun: {}", text(&again));
        let mut written = entries(report);
        written.sort();
        assert_eq!(written, ["report.html", "report.json", "report.md"]);
    }
}

#[cfg(unix)]
#[test]
fn an_audit_that_cannot_be_written_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.json");
    // 40 blocks (20 or 40 KiB): less than the audit.
    let failed = under_a_file_size_limit(40, &["audit", arg(dataset()), "--out", arg(&out)]);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert_eq!(
        entries(dir.path()),
        Vec::<String>::new(),
        "{}",
        text(&failed)
    );
    let again = breachlab(&["audit", arg(dataset()), "--out", arg(&out)]);
    assert!(again.status.success(), "{}", text(&again));
}
