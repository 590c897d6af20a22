//! `breachlab verify`, run as a user would: a fresh dataset passes (also with
//! `--regenerate`), and each kind of damage is reported by file name with a non-zero exit.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{breachlab, text};

/// A small dataset in a fresh temporary folder.
fn small_dataset() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("data");
    let output = breachlab(&[
        "generate",
        "--scale",
        "0.01",
        "--allow-distorted",
        "--seed",
        "7",
        "--threads",
        "2",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(
        output.status.success(),
        "generate failed: {}",
        text(&output)
    );
    (dir, out)
}

fn verify(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    breachlab(&args)
}

fn manifest(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn write_manifest(out: &Path, manifest: &Value) {
    let text = serde_json::to_string_pretty(manifest).expect("serialises");
    std::fs::write(out.join("manifest.json"), text).expect("manifest written");
}

/// Path of the first listed file of `table`, relative to the dataset.
fn first_file(out: &Path, table: &str) -> String {
    manifest(out)["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["table"] == table)
        .and_then(|f| f["path"].as_str())
        .expect("a file of the table")
        .to_string()
}

/// The report lines that name `path`.
fn lines_about<'a>(report: &'a str, path: &str) -> Vec<&'a str> {
    report.lines().filter(|l| l.contains(path)).collect()
}

fn assert_failed(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(1),
        "verify should fail: {}",
        text(output)
    );
}

#[test]
fn a_fresh_dataset_verifies_and_regenerates_to_the_same_bytes() {
    let (_dir, out) = small_dataset();
    let output = verify(&out, &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("ok: every file is present"));

    let output = verify(&out, &["--regenerate"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("regenerating gives identical bytes"));
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir lists")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".breachlab-verify-")
        })
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn a_flipped_byte_is_reported_by_hash_and_by_regeneration() {
    let (_dir, out) = small_dataset();
    let victim = first_file(&out, "events");
    let path = out.join(&victim);
    let mut bytes = std::fs::read(&path).expect("file");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&path, &bytes).expect("write");

    let output = verify(&out, &["--regenerate"]);
    assert_failed(&output);
    let report = text(&output);
    let about = lines_about(&report, &victim);
    assert!(about.iter().any(|l| l.contains("SHA-256 is")), "{report}");
    assert!(
        about
            .iter()
            .any(|l| l.contains("bytes differ from the regenerated file")),
        "{report}"
    );
    assert!(!about.iter().any(|l| l.contains("size is")), "{report}");
}

#[test]
fn a_truncated_file_is_reported_by_size_and_as_unreadable() {
    let (_dir, out) = small_dataset();
    let victim = first_file(&out, "truth");
    let path = out.join(&victim);
    let length = std::fs::metadata(&path).expect("file").len();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open");
    file.set_len(length / 2).expect("truncate");

    let output = verify(&out, &[]);
    assert_failed(&output);
    let report = text(&output);
    let about = lines_about(&report, &victim);
    assert!(
        about
            .iter()
            .any(|l| l.contains(&format!("size is {} bytes", length / 2))),
        "{report}"
    );
    assert!(
        about.iter().any(|l| l.contains("not readable Parquet")),
        "{report}"
    );
}

#[test]
fn a_deleted_and_an_extra_file_are_both_reported() {
    let (_dir, out) = small_dataset();
    let deleted = first_file(&out, "accounts");
    std::fs::remove_file(out.join(&deleted)).expect("delete");
    let events = first_file(&out, "events");
    let extra = Path::new(&events).with_file_name("part-9999999.parquet");
    std::fs::copy(out.join(&events), out.join(&extra)).expect("copy");
    let extra = extra.to_str().expect("utf-8").to_string();

    let output = verify(&out, &[]);
    assert_failed(&output);
    let report = text(&output);
    assert!(
        lines_about(&report, &deleted)
            .iter()
            .any(|l| l.contains("missing")),
        "{report}"
    );
    assert!(
        lines_about(&report, &extra)
            .iter()
            .any(|l| l.contains("not listed in manifest.json")),
        "{report}"
    );
    assert!(report.contains("2 problems found"), "{report}");
}

#[test]
fn an_edited_row_count_is_reported_for_the_file_and_the_table() {
    let (_dir, out) = small_dataset();
    let mut m = manifest(&out);
    let entry = m["files"]
        .as_array_mut()
        .expect("files")
        .iter_mut()
        .find(|f| f["table"] == "events")
        .expect("an events file");
    let path = entry["path"].as_str().expect("path").to_string();
    let rows = entry["rows"].as_u64().expect("rows");
    entry["rows"] = Value::from(rows + 5);
    write_manifest(&out, &m);

    let output = verify(&out, &[]);
    assert_failed(&output);
    let report = text(&output);
    let expected = format!(
        "holds {rows} rows (Parquet footer), manifest.json says {}",
        rows + 5
    );
    assert!(
        lines_about(&report, &path)
            .iter()
            .any(|l| l.contains(&expected)),
        "{report}"
    );
    assert!(report.contains("row_counts.events is"), "{report}");
}

#[test]
fn a_wrong_schema_version_is_reported() {
    let (_dir, out) = small_dataset();
    let mut m = manifest(&out);
    m["schema_version"] = Value::from(999);
    write_manifest(&out, &m);

    let output = verify(&out, &[]);
    assert_failed(&output);
    let report = text(&output);
    assert!(
        report.contains("manifest.json: schema_version is 999"),
        "{report}"
    );
    // Every file's embedded header now disagrees with manifest.json too.
    let events = first_file(&out, "events");
    assert!(
        lines_about(&report, &events)
            .iter()
            .any(|l| l.contains("metadata differs from manifest.json in: schema_version")),
        "{report}"
    );
}

#[test]
fn an_edited_seed_is_caught_by_the_embedded_header() {
    let (_dir, out) = small_dataset();
    let mut m = manifest(&out);
    m["seed"] = Value::from(8);
    write_manifest(&out, &m);

    let output = verify(&out, &[]);
    assert_failed(&output);
    let report = text(&output);
    let campaigns = lines_about(&report, "campaigns.parquet");
    assert!(
        campaigns
            .iter()
            .any(|l| l.contains("differs from manifest.json in: seed")),
        "{report}"
    );
}

#[test]
fn a_folder_without_a_manifest_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = verify(dir.path(), &[]);
    assert_failed(&output);
    let report = text(&output);
    assert!(report.contains("manifest.json: missing"), "{report}");
    assert!(report.contains("generate it again"), "{report}");
}
