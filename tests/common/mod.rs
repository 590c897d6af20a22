//! Running the `breachlab` binary from the CLI tests.

use std::process::{Command, Output};

/// Runs `breachlab` with `args` and waits for it.
pub fn breachlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breachlab"))
        .args(args)
        .output()
        .expect("the breachlab binary runs")
}

/// Everything the command printed, stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Generates the default scenario at `scale` with `--seed 3` into a fresh temporary folder
/// (plus any `extra` generate flags); returns the folder's guard and the dataset's path.
// Not every test binary that includes this module generates a dataset.
#[allow(dead_code)]
pub fn generated_dataset(scale: &str, extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("data");
    let mut args = vec![
        "generate",
        "--scale",
        scale,
        "--seed",
        "3",
        "--threads",
        "2",
        // The default scenario's campaigns are single attackers of an hour or two: at a
        // test's small scale they are shorter than an hour (see `scenarios show default`).
        "--allow-distorted",
    ];
    args.extend_from_slice(extra);
    args.extend(["--out", out.to_str().expect("utf-8 path")]);
    let output = breachlab(&args);
    assert!(
        output.status.success(),
        "generate failed: {}",
        text(&output)
    );
    (dir, out)
}
