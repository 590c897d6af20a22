//! Damaged datasets whose manifest was rewritten to match (so hashes alone pass): `verify`
//! finds the damage, and every reader (bench, audit, export) fails with an error naming
//! the file, never a panic. A dataset `verify` accepts, they all read.

mod common;

use breachlab_dataset::digest::hash_file;
use breachlab_dataset::verify::read_footer;
use breachlab_dataset::{Dataset, layout};
use common::{breachlab, generated_dataset, text};
use std::path::Path;

/// The first file of `table`, relative to the dataset root.
fn first_file(dir: &Path, table: &str) -> String {
    let dataset = Dataset::open(dir).unwrap();
    dataset
        .manifest
        .files_of(table)
        .next()
        .unwrap()
        .path
        .clone()
}

/// Rewrites manifest.json so that `relative`'s size and SHA-256 match the file on disk.
fn rehash(dir: &Path, relative: &str) {
    let path = dir.join(layout::MANIFEST);
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let (bytes, sha256) = hash_file(&dir.join(relative)).unwrap();
    for entry in manifest["files"].as_array_mut().unwrap() {
        if entry["path"] == relative {
            entry["bytes"] = bytes.into();
            entry["sha256"] = sha256.clone().into();
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

/// Turns the dictionary page of `column` in the first row group of `relative` into a
/// data page (page type 2 -> 0 in its Thrift header), the bit flip that made the parquet
/// decoder panic with "Decoder for dict should have been set".
fn damage_dictionary_page(dir: &Path, relative: &str, column: &str) {
    let path = dir.join(relative);
    let footer = read_footer(&path).unwrap_or_else(|_| panic!("{relative} reads"));
    let group = footer.metadata().row_group(0);
    let chunk = group
        .columns()
        .iter()
        .find(|c| c.column_path().string() == column)
        .expect("the column exists");
    let offset = chunk.dictionary_page_offset().expect("a dictionary page") as usize;
    let mut bytes = std::fs::read(&path).unwrap();
    // Thrift compact: field 1 (i32) header 0x15, then zigzag(2) = 0x04.
    assert_eq!(
        &bytes[offset..offset + 2],
        &[0x15, 0x04],
        "a dictionary page header"
    );
    bytes[offset + 1] = 0x00;
    std::fs::write(&path, bytes).unwrap();
    rehash(dir, relative);
}

fn assert_fails_cleanly(args: &[&str], names: &[&str]) {
    let output = breachlab(args);
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {all}");
    assert!(!all.contains("panicked"), "{args:?} panicked: {all}");
    for name in names {
        assert!(all.contains(name), "{args:?}: no `{name}` in: {all}");
    }
}

#[test]
fn a_damaged_events_page_is_found_by_verify_and_refused_by_every_reader() {
    let (_guard, dir) = generated_dataset("0.003", &[]);
    let data = dir.to_str().unwrap();
    let verify = breachlab(&["verify", data]);
    assert!(verify.status.success(), "{}", text(&verify));

    let events = first_file(&dir, "events");
    damage_dictionary_page(&dir, &events, "method");
    assert_fails_cleanly(
        &["verify", data],
        &[&events, "column `method`", "row group 0"],
    );
    assert_fails_cleanly(&["audit", data, "--out", "-"], &[&events, "method"]);
    let report = dir.join("bench-report");
    assert_fails_cleanly(
        &[
            "bench",
            "--dataset",
            data,
            "--report",
            report.to_str().unwrap(),
        ],
        &[&events],
    );
    assert!(!report.join("report.json").exists());
    assert_fails_cleanly(
        &["export", data, "--format", "jsonl", "--out", "-"],
        &[&events, "method"],
    );
}

#[test]
fn a_damaged_truth_page_is_found_by_verify_and_refused_by_export() {
    let (_guard, dir) = generated_dataset("0.003", &[]);
    let data = dir.to_str().unwrap();
    let truth = first_file(&dir, "truth");
    damage_dictionary_page(&dir, &truth, "phase");
    assert_fails_cleanly(&["verify", data], &[&truth, "column `phase`"]);
    assert_fails_cleanly(
        &[
            "export",
            data,
            "--format",
            "jsonl",
            "--with-truth",
            "--out",
            "-",
        ],
        &[&truth, "phase"],
    );
}

#[test]
fn events_and_truth_out_of_step_are_named_by_file() {
    let (_guard, dir) = generated_dataset("0.003", &[]);
    let data = dir.to_str().unwrap();
    let dataset = Dataset::open(&dir).unwrap();
    let truth: Vec<String> = dataset
        .manifest
        .files_of("truth")
        .map(|f| f.path.clone())
        .collect();
    assert!(truth.len() >= 2, "two truth files to swap: {truth:?}");
    let (first, second) = (dir.join(&truth[0]), dir.join(&truth[1]));
    let (first_bytes, second_bytes) = (
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap(),
    );
    std::fs::write(&first, second_bytes).unwrap();
    std::fs::write(&second, first_bytes).unwrap();
    rehash(&dir, &truth[0]);
    rehash(&dir, &truth[1]);

    assert_fails_cleanly(&["audit", data, "--out", "-"], &["truth/date="]);
    assert_fails_cleanly(
        &[
            "export",
            data,
            "--format",
            "jsonl",
            "--with-truth",
            "--out",
            "-",
        ],
        &["truth/date="],
    );
    let report = dir.join("bench-report");
    assert_fails_cleanly(
        &[
            "bench",
            "--dataset",
            data,
            "--report",
            report.to_str().unwrap(),
        ],
        &["truth/date="],
    );
    assert_fails_cleanly(&["verify", data], &[&truth[0]]);
}
