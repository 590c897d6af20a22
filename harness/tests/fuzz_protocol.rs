//! Fuzz targets for the external-detector protocol's replies (docs/fuzzing.md): arbitrary
//! and mutated hello lines and score lines never panic the parsers, and mutated Arrow IPC
//! score streams, sent by a real child process, are a fault or scores, never a panic. Case
//! counts are small by default (seconds); `PROPTEST_CASES=100000` runs them longer.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::{ArrayRef, Float64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use breachlab_detectors::testing::{EventRow, events_batch};
use breachlab_harness::external::protocol::{line_score, parse_hello};
use breachlab_harness::external::{ExternalDetector, ExternalSpec};
use proptest::prelude::*;

const HELLO: &str =
    r#"{"protocol": 1, "format": "arrow", "name": "x", "threshold": 0.5, "params": {"k": 3}}"#;

/// An Arrow IPC stream of one batch of `rows` scores, closed properly.
fn score_stream(rows: usize) -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "score",
        DataType::Float64,
        true,
    )]));
    let scores: ArrayRef = Arc::new(Float64Array::from(vec![0.25; rows]));
    let batch = RecordBatch::try_new(Arc::clone(&schema), vec![scores]).unwrap();
    let mut bytes = Vec::new();
    let mut writer = arrow_ipc::writer::StreamWriter::try_new(&mut bytes, &schema).unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    drop(writer);
    bytes
}

fn mutate(bytes: &mut Vec<u8>, flips: &[(usize, u8)], cut: usize) {
    let len = bytes.len();
    for &(at, value) in flips {
        bytes[at % len] ^= value.max(1);
    }
    if cut.is_multiple_of(3) {
        bytes.truncate(cut % (len + 1));
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn arbitrary_hello_and_score_lines_never_panic(line in "\\PC{0,200}") {
        let _ = parse_hello(&line);
        let _ = line_score(&line);
    }

    #[test]
    fn mutated_hello_lines_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let mut bytes = HELLO.as_bytes().to_vec();
        mutate(&mut bytes, &flips, cut);
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse_hello(&text);
        let _ = line_score(&text);
    }
}

proptest! {
    // A child process per case: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(cases(24)))]

    // The seeds in fuzz_protocol.proptest-regressions replay here: one made the Arrow
    // decoder panic inside the harness (a slice out of bounds in arrow-buffer).
    #[test]
    fn mutated_arrow_replies_of_a_real_child_are_errors_or_scores(
        rows in 0..50usize,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let reply = dir.path().join("reply.arrows");
        let mut bytes = score_stream(rows);
        mutate(&mut bytes, &flips, cut);
        std::fs::write(&reply, &bytes).unwrap();
        let command = format!(
            r#"printf '{{"protocol": 1, "format": "arrow"}}\n'; head -c 1 > /dev/null; cat '{}'"#,
            reply.display()
        );
        let spec = ExternalSpec {
            command,
            name: Some("fuzzed".to_string()),
            timeout: Duration::from_secs(5),
        };
        let mut detector = ExternalDetector::start(&spec).unwrap();
        let events: Vec<EventRow> = (0..rows.max(1)).map(|i| EventRow::at(i as f64)).collect();
        let mut scores = Vec::new();
        if detector.score_batch(&events_batch(0, &events), &mut scores).is_ok() {
            prop_assert_eq!(scores.len(), events.len());
            let _ = detector.finish();
        }
    }
}
