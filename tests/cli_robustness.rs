//! breachlab under bad input and faults, run as a user would: the message a user sees,
//! the exit code, and what is (not) left on disk.
//!
//! Cases: an existing `--out` without and with `--force`; a sharded run into a shared
//! folder and `merge`; a scenario whose names look like paths; huge parameters refused
//! before any work; a file-size limit hit while writing; SIGINT and SIGTERM in the middle
//! of `generate`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_breachlab");

mod common;

use common::{breachlab, text};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// A benign-only scenario; `extra` is appended to its top-level keys.
fn scenario(dir: &Path, file: &str, name: &str, days: u32, accounts: u64, extra: &str) -> PathBuf {
    let path = dir.join(file);
    let text = format!(
        "name = \"{name}\"\nstart = \"2026-03-02T00:00:00Z\"\ndays = {days}\n{extra}\n\n[population]\naccounts = {accounts}\n"
    );
    std::fs::write(&path, text).expect("scenario written");
    path
}

/// Every file below `dir`, relative, sorted.
fn files_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("below dir");
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

fn partial_folders(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".breachlab-partial-"))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that `out` holds no dataset and no temporary files.
fn assert_no_dataset(out: &Path) {
    assert!(!out.join("manifest.json").exists(), "a manifest was left");
    assert_eq!(
        partial_folders(out),
        Vec::<String>::new(),
        "temporary folder left"
    );
    let parquet: Vec<String> = files_below(out)
        .into_iter()
        .filter(|f| f.ends_with(".parquet"))
        .collect();
    assert_eq!(parquet, Vec::<String>::new(), "Parquet files left");
}

fn generate(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "generate",
        "--scenario",
        arg(scenario),
        "--out",
        arg(out),
        "--threads",
        "2",
    ];
    args.extend_from_slice(extra);
    breachlab(&args)
}

#[test]
fn an_existing_folder_is_refused_without_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "s.toml", "small", 1, 2_000, "");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out");
    std::fs::write(out.join("notes.txt"), "mine").expect("user file");

    let output = generate(&file, &out, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        stderr(&output).contains("already holds data: pass --force"),
        "{}",
        text(&output)
    );
    assert_eq!(files_below(&out), vec!["notes.txt".to_string()]);
}

#[test]
fn force_replaces_only_what_the_dataset_owns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "s.toml", "small", 1, 2_000, "");
    let out = dir.path().join("out");
    let first = generate(&file, &out, &["--seed", "1"]);
    assert!(first.status.success(), "{}", text(&first));
    std::fs::write(out.join("notes.txt"), "mine").expect("user file");
    let stale = out.join("events").join("stale.parquet");
    std::fs::write(&stale, "old").expect("stale file");

    let second = generate(&file, &out, &["--seed", "2", "--force"]);
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("user file survives"),
        "mine"
    );
    assert!(!stale.exists(), "the old events folder was not replaced");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"seed\": 2"), "{manifest}");
    let verify = breachlab(&["verify", arg(&out)]);
    assert!(verify.status.success(), "{}", text(&verify));
}

#[test]
fn shards_into_a_shared_folder_merge_into_the_unsharded_dataset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "s.toml", "small", 2, 3_000, "");
    let whole = dir.path().join("whole");
    let shared = dir.path().join("shared");
    assert!(generate(&file, &whole, &[]).status.success());

    let first = generate(&file, &shared, &["--shard", "1/2"]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(!shared.join("README.md").exists(), "a shard wrote a card");
    let early = breachlab(&["merge", arg(&shared)]);
    assert_eq!(early.status.code(), Some(1), "{}", text(&early));
    assert!(
        stderr(&early).contains("run the missing ones first (shard 2/2)"),
        "{}",
        text(&early)
    );
    let unmerged = breachlab(&["verify", arg(&shared)]);
    assert_eq!(unmerged.status.code(), Some(1));
    assert!(
        stderr(&unmerged).contains("run `breachlab merge`"),
        "{}",
        text(&unmerged)
    );

    let second = generate(&file, &shared, &["--shard", "2/2"]);
    assert!(second.status.success(), "{}", text(&second));
    let merge = breachlab(&["merge", arg(&shared)]);
    assert!(merge.status.success(), "{}", text(&merge));

    let counts = |root: &Path| {
        let text = std::fs::read_to_string(root.join("manifest.json")).expect("manifest");
        let manifest: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        manifest["row_counts"].clone()
    };
    assert_eq!(counts(&shared), counts(&whole));
    let verify = breachlab(&["verify", arg(&shared), "--regenerate"]);
    assert!(verify.status.success(), "{}", text(&verify));
    let card = std::fs::read_to_string(shared.join("README.md")).expect("merge writes a card");
    assert!(card.contains("  shards: 2\n"), "{card}");
    assert!(
        card.contains("--shard $k/2; done\nbreachlab merge NEW"),
        "{card}"
    );
    let again = breachlab(&["merge", arg(&shared)]);
    assert!(
        again.status.success(),
        "merging again replaces its own card: {}",
        text(&again)
    );
}

#[test]
fn merge_never_replaces_a_readme_it_did_not_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "s.toml", "small", 1, 2_000, "");
    let shared = dir.path().join("shared");
    for shard in ["1/2", "2/2"] {
        assert!(
            generate(&file, &shared, &["--shard", shard])
                .status
                .success()
        );
    }
    std::fs::write(shared.join("README.md"), "my notes").expect("user file");
    let merge = breachlab(&["merge", arg(&shared)]);
    assert_eq!(merge.status.code(), Some(1), "{}", text(&merge));
    assert!(stderr(&merge).contains("README.md"), "{}", text(&merge));
    assert!(stderr(&merge).contains("move it out"), "{}", text(&merge));
    assert_eq!(
        std::fs::read_to_string(shared.join("README.md")).expect("kept"),
        "my notes"
    );
    assert!(!shared.join("manifest.json").exists());
}

#[test]
fn merge_refuses_a_shard_whose_data_file_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "s.toml", "small", 2, 3_000, "");
    let shared = dir.path().join("shared");
    for shard in ["1/2", "2/2"] {
        let output = generate(&file, &shared, &["--shard", shard]);
        assert!(output.status.success(), "{}", text(&output));
    }
    let lost = files_below(&shared)
        .into_iter()
        .find(|f| f.starts_with("events/") && f.ends_with(".parquet"))
        .expect("an events file");
    std::fs::remove_file(shared.join(&lost)).expect("removed");

    let merge = breachlab(&["merge", arg(&shared)]);
    assert_eq!(merge.status.code(), Some(1), "{}", text(&merge));
    let message = stderr(&merge);
    assert!(
        message.contains(&lost) && message.contains("missing"),
        "{message}"
    );
    assert!(
        message.contains("no manifest.json was written"),
        "{message}"
    );
    assert!(
        !shared.join("manifest.json").exists(),
        "a manifest was written"
    );
}

#[test]
fn names_in_a_scenario_never_become_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir(&scenarios).expect("folder");
    let cohort =
        "[[cohorts]]\nname = \"../../evil-cohort\"\n[cohorts.lookalike]\nkind = \"monitor\"\n";
    let file = scenario(&scenarios, "evil.toml", "../../evil", 1, 2_000, "");
    let with_cohort = std::fs::read_to_string(&file).expect("scenario") + cohort;
    std::fs::write(&file, with_cohort).expect("scenario written");
    let out = dir.path().join("a").join("b").join("out");

    let output = generate(&file, &out, &[]);
    assert!(output.status.success(), "{}", text(&output));
    for path in files_below(dir.path()) {
        assert!(
            path.starts_with("a/b/out/") || path == "scenarios/evil.toml",
            "written outside --out: {path}"
        );
        assert!(
            !path.contains("evil") || path == "scenarios/evil.toml",
            "{path}"
        );
    }
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"name\": \"../../evil\""), "{manifest}");
}

/// Runs `generate` on a scenario that must be refused; returns its stderr after checking
/// the exit code and that nothing was written.
fn refused(file: &Path, extra: &[&str]) -> String {
    let out = file.with_file_name("out");
    let output = generate(file, &out, extra);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(!out.exists(), "--out was created for a refused run");
    stderr(&output)
}

#[test]
fn a_trillion_accounts_are_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "huge.toml", "huge", 1, 1_000_000_000_000, "");
    let message = refused(&file, &[]);
    assert!(
        message.contains("huge.toml:7: field `population.accounts`"),
        "{message}"
    );
    assert!(
        message.contains("is 1000000000000; allowed: 1 to 10000000000"),
        "{message}"
    );
}

#[test]
fn a_century_long_span_is_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "century.toml", "century", 36_525, 1_000, "");
    let message = refused(&file, &[]);
    assert!(
        message.contains("century.toml:3: field `days`"),
        "{message}"
    );
    assert!(message.contains("is 36525; allowed:"), "{message}");
}

#[test]
fn a_rate_that_would_make_ten_trillion_events_is_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 10^9 accounts x 1000 sessions a day (the most allowed) x 7 days x about 4.4
    // requests a session: about 3 x 10^13.
    let extra = "\n[traffic]\nsessions_per_account_day = 1000.0";
    let file = scenario(dir.path(), "busy.toml", "busy", 7, 1_000_000_000, extra);
    let message = refused(&file, &[]);
    assert!(message.contains("scenario 'busy' at scale 1"), "{message}");
    assert!(message.contains("would generate about"), "{message}");
    assert!(
        message.contains("e13 events (over the limit of 1e12"),
        "{message}"
    );
}

#[test]
fn a_huge_scale_is_refused_before_any_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The largest --scale (1000) of 10^8 accounts.
    let file = scenario(dir.path(), "s.toml", "small", 1, 100_000_000, "");
    let message = refused(&file, &["--scale", "1000"]);
    assert!(
        message.contains("has 1.000e11 accounts, over the limit of 1e10: lower the scale"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn a_file_size_limit_is_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "s.toml", "small", 2, 20_000, "");
    let out = dir.path().join("out");
    // 64 blocks: a few tens of KiB, below the size of an events file.
    let script = format!(
        "ulimit -f 64 && exec \"$0\" generate --scenario '{}' --out '{}' --threads 2",
        arg(&file),
        arg(&out)
    );
    let output = Command::new("sh")
        .args(["-c", &script, BIN])
        .output()
        .expect("sh runs");
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let message = stderr(&output);
    assert!(
        message.contains("generate failed while writing"),
        "{message}"
    );
    assert!(message.contains("file-size limit"), "{message}");
    assert!(
        message.contains("no new dataset was written to"),
        "{message}"
    );
    assert_no_dataset(&out);
}

/// Starts a `generate` long enough to interrupt (several seconds in a debug build) and
/// waits until its temporary folder exists.
fn start_long_generate(dir: &Path, out: &Path, extra: &[&str]) -> Child {
    let file = scenario(dir, "long.toml", "long", 28, 100_000, "");
    let child = Command::new(BIN)
        .args(["generate", "--scenario", arg(&file), "--out", arg(out)])
        .args(["--threads", "2"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("generate starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while partial_folders(out).is_empty() {
        assert!(Instant::now() < deadline, "generate never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[cfg(unix)]
fn assert_interrupted_cleanly(signal: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let child = start_long_generate(dir.path(), &out, &[]);
    send(&child, signal);
    let output = child.wait_with_output().expect("generate ends");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output));
    let message = stderr(&output);
    assert!(message.contains("generate was interrupted"), "{message}");
    assert!(
        message.contains("the temporary files were removed"),
        "{message}"
    );
    assert_no_dataset(&out);
}

#[cfg(unix)]
#[test]
fn sigint_during_generate_leaves_nothing_and_exits_130() {
    assert_interrupted_cleanly("-INT");
}

#[cfg(unix)]
#[test]
fn sigterm_during_generate_leaves_nothing_and_exits_130() {
    assert_interrupted_cleanly("-TERM");
}

#[cfg(unix)]
#[test]
fn an_interrupted_forced_run_keeps_the_previous_dataset() {
    let dir = tempfile::tempdir().expect("temp dir");
    let small = scenario(dir.path(), "s.toml", "small", 1, 2_000, "");
    let out = dir.path().join("out");
    assert!(generate(&small, &out, &[]).status.success());

    let child = start_long_generate(dir.path(), &out, &["--force"]);
    send(&child, "-INT");
    let output = child.wait_with_output().expect("generate ends");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output));
    assert_eq!(partial_folders(&out), Vec::<String>::new());
    let verify = breachlab(&["verify", arg(&out)]);
    assert!(verify.status.success(), "{}", text(&verify));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"name\": \"small\""), "{manifest}");
}
