//! Option values past their documented bounds (docs/limits.md): refused while the command
//! line is read, with a message naming the flag, never a panic.

mod common;

use common::{breachlab, text};

/// Runs `args` and asserts a usage error (exit 2) whose message names `flag`.
fn assert_refused(args: &[&str], flag: &str) {
    let output = breachlab(args);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {all}");
    assert!(!all.contains("panicked"), "{args:?} panicked: {all}");
    assert!(
        all.contains(flag),
        "{args:?}: the message does not name {flag}: {all}"
    );
}

#[test]
fn huge_detector_timeouts_are_refused_naming_the_flag() {
    for value in ["1e308", "18446744073709551616", "86401", "0", "-1", "inf"] {
        let args = ["bench", "--dataset", "d", "--detector-timeout", value];
        assert_refused(&args, "--detector-timeout");
    }
}

#[test]
fn huge_replay_timeouts_are_refused_naming_the_flag() {
    for value in ["1e308", "86401", "0", "-5"] {
        let args = [
            "replay",
            "d",
            "--target",
            "http://127.0.0.1:9",
            "--timeout",
            value,
        ];
        assert_refused(&args, "--timeout");
    }
}

#[test]
fn huge_latency_scales_are_refused_naming_the_flag() {
    for value in ["1e30", "1000.5", "-1", "NaN"] {
        assert_refused(
            &["origin", "d", "--latency-scale", value],
            "--latency-scale",
        );
    }
}

#[test]
fn thread_counts_are_capped_naming_the_flag() {
    for value in ["1000", "5000", "257", "0", "-1"] {
        let output = breachlab(&["generate", "--dry-run", "--threads", value]);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(2), "{value}: {all}");
        assert!(all.contains("--threads") && all.contains("256"), "{all}");
    }
    let output = breachlab(&["generate", "--dry-run", "--threads", "256"]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn scales_past_the_bound_are_refused_naming_the_flag() {
    for value in ["1000.5", "1e9", "1e308", "0", "inf"] {
        let generate = ["generate", "--dry-run", "--scale", value];
        assert_refused(&generate, "--scale");
        let show = ["scenarios", "show", "default", "--scale", value];
        assert_refused(&show, "--scale");
        let bench = ["bench", "--dataset", "d", "--scale", value];
        assert_refused(&bench, "--scale");
    }
    let output = breachlab(&["generate", "--dry-run", "--scale", "1e9"]);
    assert!(text(&output).contains("1000"), "{}", text(&output));
    let output = breachlab(&["generate", "--dry-run", "--scale", "1000"]);
    assert!(output.status.success(), "{}", text(&output));
}

#[test]
fn negative_values_name_their_option() {
    let cases: [(&[&str], &str); 5] = [
        (&["generate", "--dry-run", "--seed", "-1"], "--seed"),
        (&["generate", "--dry-run", "--scale", "-1"], "--scale"),
        (&["audit", "d", "--batch-rows", "-1"], "--batch-rows"),
        (
            &["replay", "d", "--target", "t", "--concurrency", "-1"],
            "--concurrency",
        ),
        (
            &["replay", "d", "--target", "t", "--limit", "-3"],
            "--limit",
        ),
    ];
    for (args, flag) in cases {
        let output = breachlab(args);
        let all = text(&output);
        assert!(!output.status.success(), "{args:?}: {all}");
        assert!(!all.contains("unexpected argument"), "{args:?}: {all}");
        assert!(all.contains(flag), "{args:?}: {all}");
    }
}
