//! Alert files: both forms in the three formats, the errors that name a line, and a
//! fuzz target (arbitrary bytes and mutated valid files never panic). Inputs that once
//! broke a reader are kept in `tests/fixtures/alerts-regressions/` and re-read here.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use breachlab_detectors::testing::{EPOCH_MICROS, EventRow, events_batch};
use breachlab_harness::alerts::{AlertForm, read_alerts};
use proptest::prelude::*;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Events 0..6: IP .1 at 0..3 s, IP .2 at 3..6 s; principal 7 on events 4 and 5.
fn events() -> RecordBatch {
    let rows: Vec<EventRow> = (0..6)
        .map(|i| {
            let row = EventRow::at(i as f64).ip(if i < 3 { "10.0.0.1" } else { "10.0.0.2" });
            if i >= 4 { row.principal(7) } else { row }
        })
        .collect();
    events_batch(0, &rows)
}

fn scores_of(path: &Path) -> Vec<f64> {
    let alerts = read_alerts(path).expect("valid alerts");
    let mut scores = Vec::new();
    alerts.scorer().score_batch(&events(), &mut scores).unwrap();
    scores
}

#[test]
fn per_event_csv_flags_listed_events_with_their_scores() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.csv", "event_id,score\n1,0.5\n4,\n4,2\n");
    let alerts = read_alerts(&path).unwrap();
    assert_eq!(alerts.form(), AlertForm::PerEvent);
    assert_eq!(alerts.threshold(), 0.5, "every listed event is flagged");
    assert_eq!(scores_of(&path), vec![0.0, 0.5, 0.0, 0.0, 2.0, 0.0]);
}

#[test]
fn per_entity_intervals_flag_like_a_block_rule() {
    let dir = tempfile::tempdir().unwrap();
    // IP .1 blocked from 1 s on (RFC 3339); principal 7 from event 4's time until 5 s
    // (epoch microseconds, end exclusive).
    let text = format!(
        "{{\"entity_kind\": \"ip\", \"entity\": \"10.0.0.1\", \"from_ts\": \"2024-01-01T00:00:01Z\"}}\n\
         {{\"entity_kind\": \"principal\", \"entity\": \"7\", \"from_ts\": {}, \"until_ts\": {}}}\n",
        EPOCH_MICROS + 4_000_000,
        EPOCH_MICROS + 5_000_000
    );
    let path = write(dir.path(), "a.jsonl", &text);
    assert_eq!(scores_of(&path), vec![0.0, 1.0, 1.0, 0.0, 1.0, 0.0]);
}

#[test]
fn parquet_alerts_read_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.parquet");
    let schema = Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Int64, false),
        Field::new("score", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![2, 5])),
            Arc::new(Float64Array::from(vec![Some(3.0), None])),
        ],
    )
    .unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None)
            .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    assert_eq!(scores_of(&path), vec![0.0, 0.0, 3.0, 0.0, 0.0, 1.0]);
}

#[test]
fn bad_rows_are_named_by_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "kind.csv",
            "entity_kind,entity,from_ts\nip,10.0.0.1,0\nhost,x,0\n",
            "line 3",
            "unknown entity_kind `host`",
        ),
        (
            "time.csv",
            "entity_kind,entity,from_ts\nip,10.0.0.1,last tuesday\n",
            "line 2",
            "last tuesday",
        ),
        (
            "id.jsonl",
            "{\"event_id\": 1}\n\n{\"event_id\": \"x1\"}\n",
            "line 3",
            "not an integer",
        ),
        ("cols.csv", "id,when\n1,2\n", "a.csv", "missing column"),
        (
            "until.csv",
            "entity_kind,entity,from_ts,until_ts\nip,a,10,10\n",
            "line 2",
            "until_ts",
        ),
        ("score.csv", "event_id,score\n1,-2\n", "line 2", "positive"),
    ];
    for (name, text, location, message) in cases {
        let path = write(dir.path(), name, text);
        let error = read_alerts(&path).unwrap_err().to_string();
        assert!(error.contains(name), "{error}");
        let location = if location == "a.csv" { name } else { location };
        assert!(
            error.contains(location) && error.contains(message),
            "{name}: {error}"
        );
    }
    let error = read_alerts(&write(dir.path(), "x.txt", "event_id\n1\n")).unwrap_err();
    assert!(error.to_string().contains(".csv, .jsonl"), "{error}");
}

#[test]
fn unknown_event_ids_are_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.csv", "event_id\n3\n99\n5\n");
    let alerts = read_alerts(&path).unwrap();
    let ids: Vec<i64> = (0..6).collect();
    let error = alerts
        .check_event_ids([ids.as_slice()])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 3") && error.contains("unknown event_id 99"),
        "{error}"
    );
    let known = read_alerts(&write(dir.path(), "b.csv", "event_id\n3\n")).unwrap();
    known.check_event_ids([ids.as_slice()]).expect("all known");
}

#[test]
fn empty_files_never_flag() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("e.csv", ""),
        ("h.csv", "event_id,score\n"),
        ("e.jsonl", "\n"),
    ] {
        let path = write(dir.path(), name, text);
        assert_eq!(scores_of(&path), vec![0.0; 6], "{name}");
        assert_eq!(read_alerts(&path).unwrap().threshold(), 1.0);
    }
}

#[test]
fn regression_inputs_give_errors_not_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alerts-regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let error = read_alerts(&path).expect_err("each regression input is invalid");
        assert!(
            error
                .to_string()
                .contains(&*path.file_name().unwrap().to_string_lossy())
        );
        seen += 1;
    }
    assert!(seen >= 5);
}

#[test]
fn an_empty_until_ts_means_no_end_in_csv_and_json_lines_alike() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "a.csv",
        "entity_kind,entity,from_ts,until_ts\nip,10.0.0.1,2024-01-01T00:00:01Z,\n",
    );
    let jsonl = write(
        dir.path(),
        "a.jsonl",
        "{\"entity_kind\": \"ip\", \"entity\": \"10.0.0.1\", \"from_ts\": \"2024-01-01T00:00:01Z\", \"until_ts\": \"\"}\n",
    );
    let expected = vec![0.0, 1.0, 1.0, 0.0, 0.0, 0.0];
    assert_eq!(scores_of(&csv), expected);
    assert_eq!(scores_of(&jsonl), expected);
    // An empty from_ts is the same error in both.
    let csv = write(
        dir.path(),
        "b.csv",
        "entity_kind,entity,from_ts\nip,10.0.0.1,\n",
    );
    let jsonl = write(
        dir.path(),
        "b.jsonl",
        "{\"entity_kind\": \"ip\", \"entity\": \"10.0.0.1\", \"from_ts\": \"\"}\n",
    );
    for (path, line) in [(csv, "line 2"), (jsonl, "line 1")] {
        let error = read_alerts(&path).unwrap_err().to_string();
        assert!(
            error.contains(line) && error.contains("from_ts is empty"),
            "{error}"
        );
    }
}

/// A per-event Parquet alert file (`event_id`, `score`) written with `compression`.
fn parquet_alerts(path: &Path, compression: parquet::basic::Compression) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("event_id", DataType::Int64, false),
        Field::new("score", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![
            Arc::new(Int64Array::from(vec![1, 4])),
            Arc::new(Float64Array::from(vec![0.5, 2.0])),
        ],
    )
    .unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_compression(compression)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_alerts_are_read_with_every_common_codec() {
    use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
    let dir = tempfile::tempdir().unwrap();
    let codecs = [
        ("snappy", Compression::SNAPPY),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("brotli", Compression::BROTLI(BrotliLevel::default())),
        ("lz4", Compression::LZ4_RAW),
        ("lz4-hadoop", Compression::LZ4),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ("none", Compression::UNCOMPRESSED),
    ];
    for (name, codec) in codecs {
        let path = dir.path().join(format!("{name}.parquet"));
        parquet_alerts(&path, codec);
        assert_eq!(
            scores_of(&path),
            vec![0.0, 0.5, 0.0, 0.0, 2.0, 0.0],
            "{name}"
        );
    }
}

const VALID_CSV: &str = "entity_kind,entity,from_ts,until_ts\nip,10.0.0.1,2024-01-01T00:00:01Z,\nprincipal,7,1704067204000000,1704067205000000\n";
const VALID_JSONL: &str = "{\"event_id\": 1, \"score\": 0.5}\n{\"event_id\": 4}\n";

fn mutate(base: &str, flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, byte) in flips {
        let len = bytes.len();
        bytes[at % len] = byte;
    }
    bytes.truncate(cut % (bytes.len() + 1));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), ext in 0..3usize) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(["a.csv", "a.jsonl", "a.parquet"][ext]);
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(alerts) = read_alerts(&path) {
            let mut scores = Vec::new();
            let _ = alerts.scorer().score_batch(&events(), &mut scores);
        }
    }

    #[test]
    fn mutated_parquet_files_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        codec in 0..3usize,
    ) {
        use parquet::basic::{Compression, GzipLevel};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.parquet");
        let compression = [Compression::SNAPPY, Compression::GZIP(GzipLevel::default()), Compression::UNCOMPRESSED][codec];
        parquet_alerts(&path, compression);
        let mut bytes = std::fs::read(&path).unwrap();
        for (at, byte) in flips {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(alerts) = read_alerts(&path) {
            let mut scores = Vec::new();
            let _ = alerts.scorer().score_batch(&events(), &mut scores);
        }
    }

    #[test]
    fn mutated_valid_files_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
        which in 0..2usize,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (name, base) = [("a.csv", VALID_CSV), ("a.jsonl", VALID_JSONL)][which];
        let path = dir.path().join(name);
        std::fs::write(&path, mutate(base, &flips, cut)).unwrap();
        if let Ok(alerts) = read_alerts(&path) {
            let mut scores = Vec::new();
            let _ = alerts.scorer().score_batch(&events(), &mut scores);
            prop_assert!(scores.len() == 6 || scores.is_empty());
        }
    }
}
