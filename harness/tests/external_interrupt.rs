//! Ctrl-C while an external detector runs: every running child is killed.
//!
//! A binary of its own: `kill_running_detectors` kills the children of the whole
//! process, so beside other tests it would kill their children too.

use std::path::Path;
use std::time::{Duration, Instant};

use breachlab_detectors::testing::{EventRow, events_batch};
use breachlab_harness::external::{ExternalDetector, ExternalSpec, kill_running_detectors};

/// Waits (at most 10 s) until the child has written its pid and a newline.
fn written_pid(pid_file: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(pid_file)
            && text.ends_with('\n')
        {
            return text.trim().to_string();
        }
        assert!(Instant::now() < deadline, "the child never wrote its pid");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn interrupt_kills_every_running_child() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let hello = r#"printf '{"protocol": 1, "format": "jsonl", "name": "sh"}\n'"#;
    let command = format!("{hello}; echo $$ > {}; exec sleep 30", pid_file.display());
    let spec = ExternalSpec {
        command,
        name: Some("under-test".to_string()),
        timeout: Duration::from_secs(10),
    };
    let mut detector = ExternalDetector::start(&spec).unwrap();
    let pid = written_pid(&pid_file);
    kill_running_detectors();
    let rows: Vec<EventRow> = (0..5).map(|i| EventRow::at(f64::from(i))).collect();
    let error = detector
        .score_batch(&events_batch(0, &rows), &mut Vec::new())
        .unwrap_err();
    assert!(error.to_string().contains("signal 9"), "{error}");
    assert!(
        !Path::new("/proc").join(pid).exists(),
        "the child still runs"
    );
}
