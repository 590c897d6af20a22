//! Fuzz targets for reading a dataset (docs/fuzzing.md): mutated bytes of a small
//! generated Parquet file and mutated `manifest.json` text never panic in the readers
//! (`Dataset::batches`, `decode_fully`, `verify`), whatever they return. The case count is
//! small by default so the suite takes seconds; `PROPTEST_CASES=100000` runs it longer.
//! A failing case proptest finds is stored in `tests/fuzz_dataset.proptest-regressions`
//! and re-run first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use breachlab_dataset::guard::decode_fully;
use breachlab_dataset::{Dataset, layout, verify};
use breachlab_generator::{LoadedScenario, Shard};
use breachlab_writer::{GenerateOptions, Progress, generate};
use proptest::prelude::*;

const SCENARIO: &str = r#"
name = "fuzz"
start = "2026-03-02T00:00:00Z"
days = 1

[population]
accounts = 2_000

[[campaigns]]
name = "walker"
start_h = 9
duration_h = 1
rate_per_s = 0.2
[campaigns.attack]
technique = "sequential_walk"
start_id = 100_001_000
"#;

/// One small dataset, generated once per test binary and copied for each case.
fn pristine() -> &'static Path {
    static DATASET: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = DATASET.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("data");
        let scenario = LoadedScenario::parse("fuzz", SCENARIO).expect("valid scenario");
        let options = GenerateOptions {
            out: out.clone(),
            seed: 1,
            scale: 0.05,
            threads: 1,
            shard: Shard::WHOLE,
            force: true,
        };
        generate(&scenario, &options, Arc::new(Progress::default())).expect("generates");
        (dir, out)
    });
    path
}

/// A copy of the pristine dataset in a fresh folder.
fn copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    for entry in walkdir(pristine()) {
        let relative = entry.strip_prefix(pristine()).unwrap();
        let target = root.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    (dir, root)
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Reads every table of the dataset at `root` to the end, or to its first error.
fn read_everything(root: &Path) {
    let Ok(dataset) = Dataset::open(root) else {
        return;
    };
    for table in ["events", "truth", "accounts", "campaigns"] {
        for batch in dataset.batches(table, &[], 512) {
            if batch.is_err() {
                break;
            }
        }
        for batch in dataset.batches(table, &[], 512).with_dictionary_strings() {
            if batch.is_err() {
                break;
            }
        }
    }
}

fn mutate(bytes: &mut [u8], flips: &[(usize, u8)]) {
    let len = bytes.len();
    for &(at, value) in flips {
        bytes[at % len] ^= value.max(1);
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

#[test]
fn the_pristine_dataset_verifies_and_reads() {
    let report = verify(pristine()).unwrap();
    assert!(report.is_ok(), "{:?}", report.findings);
    let events = &Dataset::open(pristine()).unwrap().files("events")[0];
    assert!(matches!(
        decode_fully(events).unwrap(),
        breachlab_dataset::guard::DecodeOutcome::Complete { .. }
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn mutated_parquet_bytes_never_panic(
        table in 0..3usize,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let (_guard, root) = copy();
        let dataset = Dataset::open(&root).unwrap();
        let path = dataset.files(["events", "truth", "accounts"][table])[0].clone();
        let mut bytes = std::fs::read(&path).unwrap();
        mutate(&mut bytes, &flips);
        std::fs::write(&path, &bytes).unwrap();
        let _ = decode_fully(&path);
        read_everything(&root);
        let _ = verify(&root);
    }

    #[test]
    fn mutated_manifests_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let (_guard, root) = copy();
        let path = root.join(layout::MANIFEST);
        let mut bytes = std::fs::read(&path).unwrap();
        mutate(&mut bytes, &flips);
        if cut.is_multiple_of(4) {
            bytes.truncate(cut % bytes.len());
        }
        std::fs::write(&path, &bytes).unwrap();
        read_everything(&root);
        let _ = verify(&root);
    }
}
