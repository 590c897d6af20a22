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
