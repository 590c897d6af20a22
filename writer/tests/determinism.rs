//! Acceptance tests of the dataset contract: the same scenario, seed and scale give the
//! same bytes whatever the thread count; shards together hold exactly the unsharded rows;
//! the manifest describes the files truthfully; every table has the published schema,
//! sorted rows, zstd, statistics and the manifest header.
//!
//! Small scenarios keep each test to seconds in a debug build.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_schema::{DataType, Schema, TimeUnit};
use breachlab_dataset::layout::MANIFEST_KEY;
use breachlab_dataset::merge::merge_shards;
use breachlab_dataset::{Dataset, Manifest};
use breachlab_generator::{LoadedScenario, Shard};
use breachlab_writer::parquet_io::TableWriter;
use breachlab_writer::{GenerateOptions, Progress, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Two days of a small population with several event files per day and several account
/// files, so that threads and shards have more than one unit of work each. The campaign
/// and cohort make `campaigns.parquet` non-trivial once their sources emit traffic.
const SMALL: &str = r#"
name = "determinism-small"
start = "2026-03-06T00:00:00Z"
days = 2
utc_offset_hours = -6

[population]
accounts = 20_000

[output]
file_hours = 6
accounts_per_file = 6_000

[[campaigns]]
name = "walker"
start_h = 20
duration_h = 3
rate_per_s = 0.2
[campaigns.attack]
technique = "sequential_walk"

[[cohorts]]
name = "monitoring"
[cohorts.lookalike]
kind = "monitor"
"#;

/// The golden scenario: two hours of customer traffic only, so that the digest moves
/// only when the benign model, the renderer or the writer changes.
const GOLDEN: &str = r#"
name = "golden"
start = "2026-03-02T18:00:00Z"
days = 0.08333333333333333
utc_offset_hours = -6

[population]
accounts = 50_000
"#;

/// SHA-256 of `events/date=2026-03-02/part-0000000.parquet` of [`GOLDEN`] at seed 7,
/// scale 0.2.
///
/// It catches accidental changes to generated output. When a change to the output is
/// intended (the traffic model, rendering, Parquet settings, the schema, or the crate
/// version, which every file carries in its metadata), run
/// `cargo test -p breachlab-writer --test determinism golden -- --nocapture`, check
/// that the change is the one you meant, paste the printed digest here, and say so in
/// the commit message: every published dataset of the old version no longer regenerates.
const GOLDEN_EVENTS_SHA256: &str =
    "2678aa17f4f7786626e975b58c0da657decae8d63165696981fa5bed43ca271a";

fn scenario(text: &str) -> LoadedScenario {
    LoadedScenario::parse("test-scenario.toml", text).expect("test scenario is valid")
}

fn run(scenario: &LoadedScenario, out: &Path, scale: f64, threads: usize, shard: Shard) {
    let options = GenerateOptions {
        out: out.to_path_buf(),
        seed: 42,
        scale,
        threads,
        shard,
        force: false,
    };
    generate(scenario, &options, Arc::new(Progress::default())).expect("generation succeeds");
}

/// A whole small dataset in a fresh folder.
fn small_dataset(threads: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run(&scenario(SMALL), dir.path(), 1.0, threads, Shard::WHOLE);
    dir
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `root` (relative path → SHA-256), whatever the manifest says.
fn digests(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(relative.replace('\\', "/"), sha256_hex(&path));
            }
        }
    }
    out
}

fn parquet_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = digests(root)
        .into_keys()
        .filter(|p| p.ends_with(".parquet"))
        .map(|p| root.join(p))
        .collect();
    files.sort();
    files
}

fn read_file(path: &Path) -> Vec<RecordBatch> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    builder.build().unwrap().map(|b| b.unwrap()).collect()
}

/// All rows of `table`, in manifest order, as one batch without schema metadata.
fn table(dataset: &Dataset, table: &str) -> RecordBatch {
    let batches: Vec<RecordBatch> = dataset
        .batches(table, &[], 1 << 16)
        .map(|b| b.unwrap())
        .collect();
    let schema = Arc::new(Schema::new(
        batches
            .first()
            .map(|b| b.schema().fields().clone())
            .unwrap_or_default(),
    ));
    let batches: Vec<RecordBatch> = batches
        .into_iter()
        .map(|b| b.with_schema(schema.clone()).unwrap())
        .collect();
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}

/// `batch` sorted by its first column (an int64 key: event_id or account_id).
fn sorted_by_key(batch: &RecordBatch) -> RecordBatch {
    let keys = batch.column(0).as_primitive::<Int64Type>();
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    order.sort_by_key(|&i| keys.value(i as usize));
    let indices = arrow_array::UInt32Array::from(order);
    arrow_select::take::take_record_batch(batch, &indices).unwrap()
}

#[test]
fn same_inputs_give_byte_identical_files() {
    let first = small_dataset(2);
    let second = small_dataset(2);
    let a = digests(first.path());
    assert!(a.keys().any(|p| p.starts_with("events/")), "{a:?}");
    assert_eq!(a, digests(second.path()));
    let manifest = |d: &Path| std::fs::read_to_string(d.join("manifest.json")).unwrap();
    assert_eq!(manifest(first.path()), manifest(second.path()));
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let one = small_dataset(1);
    let two = small_dataset(2);
    let digests_one = digests(one.path());
    assert!(digests_one.contains_key("README.md"), "{digests_one:?}");
    assert_eq!(digests_one, digests(two.path()));
}

#[test]
fn a_different_seed_changes_the_events() {
    // Guards the tests above against passing because the seed is ignored.
    let dir = tempfile::tempdir().unwrap();
    let options = GenerateOptions {
        out: dir.path().to_path_buf(),
        seed: 43,
        scale: 1.0,
        threads: 2,
        shard: Shard::WHOLE,
        force: false,
    };
    generate(&scenario(SMALL), &options, Arc::new(Progress::default())).unwrap();
    let other = small_dataset(2);
    let events = |d: &Path| {
        digests(d)
            .into_iter()
            .filter(|(p, _)| p.starts_with("events/"))
            .collect::<Vec<_>>()
    };
    assert_ne!(events(dir.path()), events(other.path()));
}

#[test]
fn three_shards_hold_exactly_the_rows_of_the_whole_run() {
    let whole_dir = small_dataset(2);
    let sharded_dir = tempfile::tempdir().unwrap();
    let small = scenario(SMALL);
    for k in 1..=3 {
        run(
            &small,
            sharded_dir.path(),
            1.0,
            1,
            Shard { index: k, count: 3 },
        );
    }
    assert!(
        !sharded_dir.path().join("manifest.json").exists(),
        "a shard must not write the whole dataset's manifest"
    );
    let merged = merge_shards(sharded_dir.path()).unwrap();
    let whole = Dataset::open(whole_dir.path()).unwrap();
    let sharded = Dataset::open(sharded_dir.path()).unwrap();
    assert_eq!(merged, sharded.manifest);
    assert_eq!(sharded.manifest.row_counts, whole.manifest.row_counts);
    let paths = |m: &Manifest| m.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&sharded.manifest), paths(&whole.manifest));

    for name in ["events", "truth", "accounts"] {
        let a = sorted_by_key(&table(&whole, name));
        let b = sorted_by_key(&table(&sharded, name));
        assert!(a.num_rows() > 0, "{name} is empty");
        assert_eq!(a.num_rows(), b.num_rows(), "{name} row count");
        assert_eq!(a, b, "{name} rows differ between shards and the whole run");
    }
    // Every shard computes campaign totals over the whole span, so the file is the same
    // but for the shard number in its metadata: compare its rows.
    assert_eq!(table(&whole, "campaigns"), table(&sharded, "campaigns"));
    assert!(table(&whole, "campaigns").num_rows() >= 2);
}

#[test]
fn the_manifest_describes_every_file_truthfully() {
    let dir = small_dataset(2);
    let root = dir.path();
    let manifest = Manifest::read(&root.join("manifest.json")).unwrap();
    let listed: Vec<PathBuf> = manifest.files.iter().map(|f| root.join(&f.path)).collect();
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    assert_eq!(
        sorted_listed,
        parquet_files(root),
        "manifest lists exactly the files"
    );
    let mut per_table: BTreeMap<String, u64> = BTreeMap::new();
    for entry in &manifest.files {
        let path = root.join(&entry.path);
        assert_eq!(entry.sha256, sha256_hex(&path), "{}", entry.path);
        assert_eq!(entry.bytes, std::fs::metadata(&path).unwrap().len());
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let rows = reader.metadata().file_metadata().num_rows() as u64;
        assert_eq!(entry.rows, rows, "{}", entry.path);
        assert_eq!(entry.path.split('/').next().unwrap(), {
            if entry.table == "campaigns" {
                "campaigns.parquet"
            } else {
                entry.table.as_str()
            }
        });
        *per_table.entry(entry.table.clone()).or_default() += rows;
    }
    assert_eq!(manifest.row_counts, per_table);
    assert_eq!(manifest.row_counts["events"], manifest.row_counts["truth"]);
    assert_eq!(manifest.row_counts["campaigns"], 2);
    assert_eq!(manifest.seed, 42);
    assert_eq!(manifest.scenario.name, "determinism-small");
    assert_eq!(manifest.scenario.text, SMALL);
    assert_eq!(
        manifest.scenario.sha256,
        scenario(SMALL).text_sha256(),
        "scenario hash"
    );
    // Accounts: about 20 000 at density 0.8 of the ID space.
    let accounts = manifest.row_counts["accounts"] as f64;
    assert!((accounts - 20_000.0).abs() < 500.0, "{accounts}");
}

/// Types every reader named in the contract takes natively.
fn assert_reader_friendly(table: &str, schema: &Schema) {
    for field in schema.fields() {
        let ok = match field.data_type() {
            DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => false,
            DataType::Timestamp(unit, tz) => {
                *unit == TimeUnit::Microsecond && tz.as_deref() == Some("UTC")
            }
            DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Boolean
            | DataType::Utf8
            | DataType::Date32 => true,
            _ => false,
        };
        assert!(ok, "{table}.{}: {:?}", field.name(), field.data_type());
    }
}

#[test]
fn every_table_has_the_published_schema_in_reader_friendly_types() {
    let dir = small_dataset(2);
    let dataset = Dataset::open(dir.path()).unwrap();
    let expected = [
        ("events", breachlab_schema::events_schema()),
        ("truth", breachlab_schema::truth_schema()),
        ("accounts", breachlab_schema::accounts_schema()),
        ("campaigns", breachlab_schema::campaigns_schema()),
    ];
    for (name, schema) in expected {
        assert_reader_friendly(name, &schema);
        let files = dataset.files(name);
        assert!(!files.is_empty(), "{name} has no files");
        for path in files {
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
            assert_eq!(
                builder.schema().fields(),
                schema.fields(),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn event_ids_are_unique_and_increase_with_time_across_files() {
    let dir = small_dataset(2);
    let dataset = Dataset::open(dir.path()).unwrap();
    let mut last: Option<(i64, i64)> = None;
    let mut rows = 0;
    for path in dataset.files("events") {
        let mut last_in_file: Option<i64> = None;
        for batch in read_file(&path) {
            let ids = batch.column(0).as_primitive::<Int64Type>();
            let ts = batch.column(1).as_primitive::<TimestampMicrosecondType>();
            for i in 0..batch.num_rows() {
                let (id, t) = (ids.value(i), ts.value(i));
                if let Some((last_id, last_ts)) = last {
                    assert!(
                        id > last_id,
                        "{}: event_id {id} after {last_id}",
                        path.display()
                    );
                    assert!(t >= last_ts, "{}: ts {t} after {last_ts}", path.display());
                }
                if let Some(previous) = last_in_file {
                    assert!(t >= previous, "{}: rows not sorted by ts", path.display());
                }
                last = Some((id, t));
                last_in_file = Some(t);
                rows += 1;
            }
        }
    }
    assert_eq!(rows, dataset.manifest.row_counts["events"]);
    // truth carries the same event_ids and ts, row for row.
    let events = table(&dataset, "events");
    let truth = table(&dataset, "truth");
    assert_eq!(events.column(0), truth.column(0));
    assert_eq!(events.column(1), truth.column(1));
}

#[test]
fn every_parquet_file_has_the_header_zstd_statistics_and_dictionaries() {
    let dir = small_dataset(2);
    let root = dir.path();
    let header = Manifest::read(&root.join("manifest.json"))
        .unwrap()
        .header_json();
    let files = parquet_files(root);
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let metadata = reader.metadata();
        let kv = metadata.file_metadata().key_value_metadata().unwrap();
        let value = kv
            .iter()
            .find(|k| k.key == MANIFEST_KEY)
            .and_then(|k| k.value.as_deref());
        assert_eq!(value, Some(header.as_str()), "{}", path.display());
        for group in metadata.row_groups() {
            for column in group.columns() {
                let name = column.column_path().string();
                assert!(
                    matches!(column.compression(), Compression::ZSTD(_)),
                    "{}: {name} is {:?}",
                    path.display(),
                    column.compression()
                );
                // These carry none on purpose: their min/max prune nothing.
                let unprunable = [
                    "path",
                    "user_agent",
                    "client_ip",
                    "first_name",
                    "last_name",
                    "billing_street",
                    "billing_city",
                    "email",
                    "phone",
                ];
                let wants_statistics = !unprunable.contains(&name.as_str());
                let has_min_max = column
                    .statistics()
                    .is_some_and(|s| s.min_bytes_opt().is_some());
                if wants_statistics {
                    assert!(
                        column.statistics().is_some(),
                        "{}: {name} has no statistics",
                        path.display()
                    );
                } else {
                    assert!(!has_min_max, "{}: {name} has min/max", path.display());
                }
                if name == "route" || name == "user_agent" {
                    assert!(
                        column.dictionary_page_offset().is_some(),
                        "{}: {name} is not dictionary-encoded",
                        path.display()
                    );
                }
            }
        }
    }
}

#[test]
fn golden_digest_of_a_tiny_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let options = GenerateOptions {
        out: dir.path().to_path_buf(),
        seed: 7,
        scale: 0.2,
        threads: 1,
        shard: Shard::WHOLE,
        force: false,
    };
    generate(&scenario(GOLDEN), &options, Arc::new(Progress::default())).unwrap();
    let path = dir
        .path()
        .join("events/date=2026-03-02/part-0000000.parquet");
    let digest = sha256_hex(&path);
    println!("events digest of the golden scenario: {digest}");
    let rows = Dataset::open(dir.path()).unwrap().manifest.row_counts["events"];
    assert!(
        rows > 100,
        "the golden dataset is too small to mean much: {rows}"
    );
    assert_eq!(
        digest, GOLDEN_EVENTS_SHA256,
        "generated output changed: if intended, update GOLDEN_EVENTS_SHA256 (see its comment)"
    );
}

/// The strings of a `Utf8` column or of a dictionary of `Utf8`, row by row.
fn strings(column: &dyn arrow_array::Array) -> Vec<Option<String>> {
    use arrow_array::Array;
    match column.data_type() {
        DataType::Utf8 => column
            .as_string::<i32>()
            .iter()
            .map(|value| value.map(str::to_string))
            .collect(),
        DataType::Dictionary(_, _) => {
            let dictionary = column.as_dictionary::<arrow_array::types::Int32Type>();
            let values = dictionary.values().as_string::<i32>();
            (0..dictionary.len())
                .map(|row| {
                    (!dictionary.is_null(row)).then(|| {
                        values
                            .value(dictionary.keys().value(row) as usize)
                            .to_string()
                    })
                })
                .collect()
        }
        other => panic!("not a string column: {other}"),
    }
}

#[test]
fn string_columns_read_as_dictionaries_hold_the_same_values() {
    let dir = small_dataset(2);
    let dataset = Dataset::open(dir.path()).unwrap();
    let columns = ["event_id", "client_ip", "api_key_id", "route"];
    let plain: Vec<RecordBatch> = dataset
        .batches("events", &columns, 4_000)
        .map(|b| b.unwrap())
        .collect();
    let dictionary: Vec<RecordBatch> = dataset
        .batches("events", &columns, 4_000)
        .with_dictionary_strings()
        .map(|b| b.unwrap())
        .collect();
    assert_eq!(plain.len(), dictionary.len());
    let mut nulls = 0;
    for (plain, dictionary) in plain.iter().zip(&dictionary) {
        assert_eq!(plain.column(0).as_ref(), dictionary.column(0).as_ref());
        for column in 1..columns.len() {
            assert_eq!(plain.column(column).data_type(), &DataType::Utf8);
            assert!(matches!(
                dictionary.column(column).data_type(),
                DataType::Dictionary(_, _)
            ));
            let expected = strings(plain.column(column).as_ref());
            nulls += expected.iter().filter(|value| value.is_none()).count();
            assert_eq!(expected, strings(dictionary.column(column).as_ref()));
        }
    }
    assert!(
        nulls > 0,
        "api_key_id has nulls (customers' scripts without a key), so null handling is checked"
    );
}

/// The batches `generate` renders with every coded column decoded to plain text.
fn decoded(batch: &RecordBatch, schema: &Arc<Schema>) -> RecordBatch {
    let columns = batch
        .columns()
        .iter()
        .map(|column| match column.as_any_dictionary_opt() {
            Some(dictionary) => {
                arrow_select::take::take(dictionary.values().as_ref(), dictionary.keys(), None)
                    .unwrap()
            }
            None => column.clone(),
        })
        .collect();
    RecordBatch::try_new(schema.clone(), columns).unwrap()
}

/// The columns rendered as keys: over a fixed list, or over a batch's distinct values.
const CODED_EVENTS_COLUMNS: [&str; 8] = [
    "client_ip",
    "ip_kind",
    "country",
    "user_agent",
    "client_kind",
    "api_key_id",
    "method",
    "route",
];
const CODED_TRUTH_COLUMNS: [&str; 4] = ["phase", "owasp_api", "oat", "attack_technique"];

fn parquet_bytes(batches: &[RecordBatch], schema: &Arc<Schema>) -> Vec<u8> {
    arrow_writer_bytes(
        batches,
        schema,
        breachlab_writer::parquet_io::properties("header"),
    )
}

#[test]
fn coded_columns_write_the_bytes_of_their_plain_text() {
    let loaded = scenario(SMALL);
    let plan = breachlab_generator::Plan::new(&loaded, 42, 1.0).unwrap();
    let mut builder = breachlab_writer::batch_builder(&plan);
    let mut events = Vec::new();
    for slice in 0..plan.world.calendar.slices {
        plan.slice_events(slice, &mut events);
        builder.push_slice(slice, &events);
    }
    let (coded_events, coded_truth) = builder.finish();
    let tables = [
        (
            coded_events,
            breachlab_schema::events_schema(),
            &CODED_EVENTS_COLUMNS[..],
        ),
        (
            coded_truth,
            breachlab_schema::truth_schema(),
            &CODED_TRUTH_COLUMNS[..],
        ),
    ];
    let mut labelled = 0;
    for (coded, schema, coded_columns) in tables {
        let schema = Arc::new(schema);
        for name in coded_columns {
            let column = coded.column_by_name(name).unwrap();
            assert!(
                matches!(column.data_type(), DataType::Dictionary(_, _)),
                "{name} is not coded"
            );
            labelled += column.len() - column.logical_null_count();
        }
        let plain = decoded(&coded, &schema);
        assert!(plain.num_rows() > 1_000, "{} rows", plain.num_rows());
        assert_eq!(
            parquet_bytes(std::slice::from_ref(&coded), &schema),
            parquet_bytes(&[plain], &schema)
        );
    }
    assert!(labelled > 0);
}

#[test]
fn coded_columns_hold_the_text_of_each_event() {
    let loaded = scenario(SMALL);
    let plan = breachlab_generator::Plan::new(&loaded, 42, 1.0).unwrap();
    let slice = (0..plan.world.calendar.slices)
        .find(|&slice| plan.expected_slice_events(slice) > 50.0)
        .unwrap();
    let mut events = Vec::new();
    plan.slice_events(slice, &mut events);
    let mut builder = breachlab_writer::batch_builder(&plan);
    builder.push_slice(slice, &events);
    let (coded, _) = builder.finish();
    let plain = decoded(&coded, &Arc::new(breachlab_schema::events_schema()));
    let text = |name: &str| strings(plain.column_by_name(name).unwrap().as_ref());
    let expected: [(&str, Vec<&str>); 6] = [
        (
            "ip_kind",
            events.iter().map(|e| e.peer.kind.as_str()).collect(),
        ),
        (
            "country",
            events
                .iter()
                .map(|e| breachlab_generator::population::COUNTRY_CODES[e.peer.country as usize])
                .collect(),
        ),
        (
            "user_agent",
            events
                .iter()
                .map(|e| breachlab_generator::population::ua_text(e.user_agent))
                .collect(),
        ),
        (
            "client_kind",
            events.iter().map(|e| e.client_kind.as_str()).collect(),
        ),
        (
            "method",
            events.iter().map(|e| e.route.method().as_str()).collect(),
        ),
        ("route", events.iter().map(|e| e.route.template()).collect()),
    ];
    for (name, want) in expected {
        let got = text(name);
        let want: Vec<Option<String>> = want.into_iter().map(|s| Some(s.to_string())).collect();
        assert_eq!(got, want, "{name}");
    }
    let ips: Vec<Option<String>> = events
        .iter()
        .map(|e| Some(std::net::Ipv4Addr::from(e.peer.ip).to_string()))
        .collect();
    assert_eq!(text("client_ip"), ips);
    let keys: Vec<Option<String>> = events
        .iter()
        .map(|e| {
            let mut key = String::new();
            e.api_key.write(&mut key).then_some(key)
        })
        .collect();
    assert!(keys.iter().any(Option::is_none) && keys.iter().any(Option::is_some));
    assert_eq!(text("api_key_id"), keys);
}

/// The table writer encodes columns side by side and keeps some statistics by value; its
/// files are byte for byte those of `ArrowWriter` with the same settings.
fn table_writer_bytes(
    batches: &[RecordBatch],
    schema: &Arc<Schema>,
    props: WriterProperties,
) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.parquet");
    let mut writer = TableWriter::create(&path, schema.clone(), props).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
    std::fs::read(&path).unwrap()
}

fn arrow_writer_bytes(
    batches: &[RecordBatch],
    schema: &Arc<Schema>,
    props: WriterProperties,
) -> Vec<u8> {
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props)).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.into_inner().unwrap()
}

#[test]
fn the_table_writer_writes_what_arrow_writer_writes() {
    // Small row groups, so that batches are split across them.
    let props = breachlab_writer::parquet_io::properties("header")
        .into_builder()
        .set_max_row_group_row_count(Some(1_000))
        .build();
    for entry in breachlab_generator::scenario::LIBRARY {
        let loaded = LoadedScenario::load(entry.name).unwrap();
        let scale = if entry.name == "default" || entry.name == "benign-only" {
            0.2
        } else {
            0.0005
        };
        let plan = breachlab_generator::Plan::new(&loaded, 9, scale).unwrap();
        let mut builder = breachlab_writer::batch_builder(&plan);
        let (mut events_batches, mut truth_batches) = (Vec::new(), Vec::new());
        let middle = plan.world.calendar.slices / 2;
        let mut events = Vec::new();
        for slice in middle..middle + 12 {
            plan.slice_events(slice, &mut events);
            builder.push_slice(slice, &events);
            let (events_batch, truth_batch) = builder.finish();
            events_batches.push(events_batch);
            truth_batches.push(truth_batch);
        }
        for (batches, schema) in [
            (events_batches, breachlab_schema::events_schema()),
            (truth_batches, breachlab_schema::truth_schema()),
        ] {
            let schema = Arc::new(schema);
            let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
            assert!(rows > 1_000, "{}: {rows} rows", entry.name);
            assert!(
                table_writer_bytes(&batches, &schema, props.clone())
                    == arrow_writer_bytes(&batches, &schema, props.clone()),
                "{}: the table writer's file differs",
                entry.name
            );
        }
    }
}

/// Statistics kept by value cut long text as the writer does, count nulls, and take plain
/// text as well as dictionaries.
#[test]
fn statistics_kept_by_value_match_the_writers_own() {
    use arrow_array::{ArrayRef, DictionaryArray, StringArray, types::UInt16Type};
    let long = |c: &str| format!("{}{c}", "é".repeat(40));
    let labels = StringArray::from(vec![
        long("a"),
        long("b"),
        "short".to_string(),
        long("\u{10FFFF}"),
    ]);
    let schema = Arc::new(Schema::new(vec![
        arrow_schema::Field::new("owasp_api", DataType::Utf8, true),
        arrow_schema::Field::new("route", DataType::Utf8, false),
    ]));
    let batch = |keys: Vec<Option<u16>>, routes: Vec<&str>| {
        let labels =
            DictionaryArray::<UInt16Type>::try_new(keys.into(), Arc::new(labels.clone())).unwrap();
        RecordBatch::try_from_iter_with_nullable(vec![
            ("owasp_api", Arc::new(labels) as ArrayRef, true),
            ("route", Arc::new(StringArray::from(routes)), false),
        ])
        .unwrap()
    };
    let batches = [
        batch(vec![None, None], vec!["/b", "/a"]),
        batch(
            vec![Some(1), None, Some(3), Some(0)],
            vec!["/c", "/a", "/z", "/b"],
        ),
        batch(vec![Some(2), Some(2), None], vec!["/d", "/d", "/d"]),
        batch(vec![None; 3], vec!["/e"; 3]),
    ];
    for row_group_rows in [2, 3, 100] {
        let props = breachlab_writer::parquet_io::properties("header")
            .into_builder()
            .set_max_row_group_row_count(Some(row_group_rows))
            .build();
        assert!(
            table_writer_bytes(&batches, &schema, props.clone())
                == arrow_writer_bytes(&batches, &schema, props),
            "row groups of {row_group_rows}"
        );
    }
}
