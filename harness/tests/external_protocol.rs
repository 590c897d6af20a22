//! The external-detector protocol end to end with real child processes: well-behaved
//! children in Python (skipped, with the reason printed, when python3 or pyarrow is
//! missing) and misbehaving ones as tiny shell scripts, one test per fault. Each test
//! bounds its waits with a timeout of a second or two, so none can hang.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use breachlab_detectors::testing::{EventRow, events_batch};
use breachlab_harness::external::{ExternalDetector, ExternalError, ExternalSpec, Fault, Stage};

const HELLO_JSONL: &str = r#"printf '{"protocol": 1, "format": "jsonl", "name": "sh"}\n'"#;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn spec(command: impl Into<String>, timeout_secs: f64) -> ExternalSpec {
    ExternalSpec {
        command: command.into(),
        name: Some("under-test".to_string()),
        timeout: Duration::from_secs_f64(timeout_secs),
    }
}

fn batch(first_event_id: i64, rows: usize) -> RecordBatch {
    let rows: Vec<EventRow> = (0..rows)
        .map(|i| EventRow::at(i as f64).ip(format!("198.51.100.{}", i % 7)))
        .collect();
    events_batch(first_event_id, &rows)
}

fn python_with_pyarrow() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import pyarrow"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        eprintln!(
            "SKIPPED: python3 with pyarrow is not installed (pip install -r examples/requirements.txt)"
        );
    }
    found
}

/// Starts `command` and scores one 5-row batch, expecting a fault.
fn first_batch_error(command: &str, timeout_secs: f64) -> ExternalError {
    let mut detector = ExternalDetector::start(&spec(command, timeout_secs)).expect("hello");
    let mut scores = Vec::new();
    let error = detector
        .score_batch(&batch(0, 5), &mut scores)
        .expect_err("the child misbehaves");
    assert!(scores.is_empty(), "no scores are appended on a fault");
    error
}

fn assert_first_batch(error: &ExternalError) {
    assert_eq!(
        error.stage,
        Stage::Batch {
            number: 1,
            first_event: 0,
            rows: 5
        }
    );
    assert_eq!(error.detector, "under-test");
}

fn process_is_gone(pid_file: &Path) -> bool {
    let pid = std::fs::read_to_string(pid_file).expect("the child wrote its pid");
    !Path::new("/proc").join(pid.trim()).exists()
}

#[test]
fn python_child_scores_every_batch_and_exits_cleanly() {
    if !python_with_pyarrow() {
        return;
    }
    let command = format!("python3 {}", fixture("zeros.py").display());
    let mut detector = ExternalDetector::start(&ExternalSpec::new(command)).expect("starts");
    assert_eq!(
        detector.name(),
        "zeros.py",
        "the name comes from the hello line"
    );
    let mut scores = Vec::new();
    for (first, rows) in [(0, 7), (7, 1), (8, 300)] {
        detector
            .score_batch(&batch(first, rows), &mut scores)
            .expect("scores");
    }
    detector.finish().expect("clean exit");
    assert_eq!(scores.len(), 308);
    assert!(scores.iter().all(|&s| s == 0.0));
}

#[test]
fn jsonl_child_sees_events_only_and_declares_its_threshold() {
    if !python_with_pyarrow() {
        return;
    }
    let command = format!("python3 {}", fixture("echo_ids.py").display());
    let mut detector = ExternalDetector::start(&ExternalSpec::new(command)).expect("starts");
    assert_eq!(detector.name(), "echo-ids");
    assert_eq!(detector.default_threshold(), 5.0);
    // A batch with a truth column joined on: the child exits non-zero if it receives it.
    let events = batch(100, 4);
    let mut fields: Vec<_> = events.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new("is_attack", DataType::Boolean, false)));
    let mut columns: Vec<ArrayRef> = events.columns().to_vec();
    columns.push(Arc::new(BooleanArray::from(vec![true; 4])));
    let joined = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let mut scores = Vec::new();
    detector.score_batch(&joined, &mut scores).expect("scores");
    detector
        .score_batch(&batch(104, 2), &mut scores)
        .expect("scores");
    detector.finish().expect("clean exit");
    assert_eq!(scores, vec![100.0, 101.0, 102.0, 103.0, 104.0, 105.0]);
}

#[test]
fn child_that_exits_early_is_reported_with_its_exit_code() {
    let error = first_batch_error(&format!("{HELLO_JSONL}; exit 3"), 5.0);
    assert_first_batch(&error);
    let message = error.to_string();
    assert!(matches!(error.fault, Fault::Exited(_)), "{message}");
    assert!(message.contains("exited with code 3"), "{message}");
    assert!(
        message.contains("under-test") && message.contains("batch 1"),
        "{message}"
    );
}

#[test]
fn child_that_crashes_is_reported_with_its_signal() {
    let error = first_batch_error(&format!("{HELLO_JSONL}; kill -SEGV $$"), 5.0);
    assert_first_batch(&error);
    assert!(error.to_string().contains("signal 11"), "{error}");
}

#[test]
fn child_that_hangs_is_killed_at_the_timeout_and_leaves_no_process() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let command = format!(
        "{HELLO_JSONL}; echo $$ > {}; exec sleep 30",
        pid_file.display()
    );
    let started = Instant::now();
    let error = first_batch_error(&command, 1.0);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "gave up in time"
    );
    assert_first_batch(&error);
    assert_eq!(error.fault, Fault::Timeout { secs: 1.0 });
    assert!(
        error.to_string().contains("gave no answer within 1 s"),
        "{error}"
    );
    assert!(
        process_is_gone(&pid_file),
        "the hanging child was killed and reaped"
    );
}

#[test]
fn child_that_never_says_hello_times_out_at_start() {
    let error = ExternalDetector::start(&spec("exec sleep 30", 0.5))
        .err()
        .expect("no hello");
    assert_eq!(error.stage, Stage::Start);
    assert_eq!(error.fault, Fault::Timeout { secs: 0.5 });
}

#[test]
fn garbage_instead_of_a_hello_is_quoted_in_the_error() {
    let error = ExternalDetector::start(&spec("echo hello world; cat > /dev/null", 5.0))
        .err()
        .expect("bad hello");
    assert_eq!(error.stage, Stage::Start);
    assert!(matches!(error.fault, Fault::Handshake(_)), "{error}");
    assert!(error.to_string().contains("hello world"), "{error}");
}

#[test]
fn a_newer_protocol_version_is_refused_at_start() {
    let command = r#"printf '{"protocol": 2, "format": "arrow"}\n'; cat > /dev/null"#;
    let error = ExternalDetector::start(&spec(command, 5.0))
        .err()
        .expect("refused");
    assert!(error.to_string().contains("protocol 2"), "{error}");
}

#[test]
fn garbage_scores_are_reported_with_the_offending_text() {
    let error = first_batch_error(&format!("{HELLO_JSONL}; echo banana; cat > /dev/null"), 5.0);
    assert_first_batch(&error);
    assert!(matches!(error.fault, Fault::Garbage(_)), "{error}");
    assert!(error.to_string().contains("banana"), "{error}");
}

#[test]
fn garbage_instead_of_an_arrow_stream_is_reported() {
    let command = r#"printf '{"protocol": 1, "format": "arrow"}\n'; echo 'not arrow at all'; cat > /dev/null"#;
    let error = first_batch_error(command, 5.0);
    assert!(matches!(error.fault, Fault::Garbage(_)), "{error}");
    assert!(error.to_string().contains("Arrow IPC"), "{error}");
}

#[test]
fn too_many_json_scores_are_a_wrong_count() {
    let command = format!("{HELLO_JSONL}; printf '0\\n0\\n0\\n0\\n0\\n0\\n0\\n'; cat > /dev/null");
    let error = first_batch_error(&command, 5.0);
    assert_first_batch(&error);
    // Seven scores for five events, noticed whether they arrive before or with the batch.
    assert!(
        matches!(
            error.fault,
            Fault::WrongCount {
                expected: 5,
                got: 7
            } | Fault::ExtraScores { count: 7 }
        ),
        "{error}"
    );
}

#[test]
fn too_few_arrow_scores_are_a_wrong_count() {
    if !python_with_pyarrow() {
        return;
    }
    let error = first_batch_error(
        &format!("python3 {}", fixture("wrong_count.py").display()),
        10.0,
    );
    assert_first_batch(&error);
    assert_eq!(
        error.fault,
        Fault::WrongCount {
            expected: 5,
            got: 4
        }
    );
    assert!(
        error.to_string().contains("returned 4 scores for 5 events"),
        "{error}"
    );
}

#[test]
fn a_missing_program_fails_at_start_with_the_shell_message() {
    let error = ExternalDetector::start(&spec("breachlab-no-such-program-xyz", 5.0))
        .err()
        .expect("not found");
    let message = error.to_string();
    assert!(message.contains("exited with code 127"), "{message}");
    assert!(
        message.contains("not found"),
        "the stderr tail is quoted: {message}"
    );
}

#[test]
fn after_a_fault_every_call_returns_the_same_error() {
    let mut detector =
        ExternalDetector::start(&spec(format!("{HELLO_JSONL}; exit 4"), 5.0)).unwrap();
    let mut scores = Vec::new();
    let first = detector.score_batch(&batch(0, 5), &mut scores).unwrap_err();
    let again = detector.score_batch(&batch(5, 5), &mut scores).unwrap_err();
    assert_eq!(first, again);
    assert_eq!(detector.finish().unwrap_err(), first);
}

#[test]
fn scores_after_the_last_batch_are_reported_at_finish() {
    // Reads past the schema into the first batch (300 rows are far more than 8000 bytes),
    // answers its 300 events, then writes one score more once its input closes.
    let command = format!(
        "{HELLO_JSONL}; head -c 8000 > /dev/null; yes 1 | head -n 300; cat > /dev/null; echo 9"
    );
    let mut detector = ExternalDetector::start(&spec(command, 5.0)).unwrap();
    let mut scores = Vec::new();
    detector
        .score_batch(&batch(0, 300), &mut scores)
        .expect("300 scores");
    assert_eq!(scores, vec![1.0; 300]);
    let error = detector.finish().unwrap_err();
    assert_eq!(error.stage, Stage::Finish);
    assert_eq!(error.fault, Fault::ExtraScores { count: 1 });
}

/// An Arrow IPC stream of one score batch of `rows` ones, closed with its end-of-stream
/// marker or cut off before it.
fn arrow_scores_stream(rows: usize, closed: bool) -> Vec<u8> {
    use arrow_array::Float64Array;
    let schema = Arc::new(Schema::new(vec![Field::new(
        "score",
        DataType::Float64,
        false,
    )]));
    let scores: ArrayRef = Arc::new(Float64Array::from(vec![1.0; rows]));
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![scores]).unwrap();
    let mut bytes = Vec::new();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &schema).unwrap();
    writer.write(&batch).unwrap();
    if closed {
        writer.finish().unwrap();
    }
    drop(writer);
    bytes
}

/// Scores one 300-row batch with a child that answers with `stream`, then finishes.
fn finish_with_arrow_answer(stream: &[u8]) -> Result<(), ExternalError> {
    let dir = tempfile::tempdir().unwrap();
    let answer = dir.path().join("answer.arrows");
    std::fs::write(&answer, stream).unwrap();
    let command = format!(
        r#"printf '{{"protocol": 1, "format": "arrow"}}\n'; head -c 8000 > /dev/null; cat '{}'; cat > /dev/null"#,
        answer.display()
    );
    let mut detector = ExternalDetector::start(&spec(command, 10.0)).unwrap();
    let mut scores = Vec::new();
    detector
        .score_batch(&batch(0, 300), &mut scores)
        .expect("300 scores");
    assert_eq!(scores, vec![1.0; 300]);
    detector.finish()
}

#[test]
fn an_arrow_stream_without_its_end_marker_is_an_error() {
    finish_with_arrow_answer(&arrow_scores_stream(300, true)).expect("a closed stream is fine");
    let error = finish_with_arrow_answer(&arrow_scores_stream(300, false)).unwrap_err();
    assert_eq!(error.stage, Stage::Finish);
    assert!(matches!(error.fault, Fault::Garbage(_)), "{error}");
    assert!(
        error.to_string().contains("end-of-stream marker"),
        "{error}"
    );
}

#[test]
fn a_background_process_of_a_successful_child_is_killed_with_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("background.pid");
    let command = format!(
        "{HELLO_JSONL}; sleep 300 < /dev/null > /dev/null 2>&1 & echo $! > '{}'; head -c 8000 > /dev/null; yes 1 | head -n 300; cat > /dev/null",
        pid_file.display()
    );
    let mut detector = ExternalDetector::start(&spec(command, 10.0)).unwrap();
    let mut scores = Vec::new();
    detector
        .score_batch(&batch(0, 300), &mut scores)
        .expect("300 scores");
    detector.finish().expect("a clean exit");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !background_is_gone(&pid_file) {
        assert!(
            Instant::now() < deadline,
            "the background process outlived a successful run"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The process in `pid_file` has ended (gone, or a zombie waiting for its new parent).
fn background_is_gone(pid_file: &Path) -> bool {
    let pid = std::fs::read_to_string(pid_file).expect("the child wrote the pid");
    let status = std::fs::read_to_string(Path::new("/proc").join(pid.trim()).join("status"));
    match status {
        Err(_) => true,
        Ok(text) => text
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
    }
}
