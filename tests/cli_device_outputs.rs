//! Outputs that are not regular files: a character device, a FIFO. `audit --out` and
//! `export --out` must write into them, never rename a regular file over them, and must
//! not replace an existing regular file the user did not allow to be replaced.
//!
//! The device is a node made for the test inside a temporary folder (the same major and
//! minor numbers as the null device), never the system's own.

#![cfg(unix)]

mod common;

use common::{breachlab, generated_dataset, text};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// A null character device in `dir`, or `None` where this user may not make device nodes.
fn null_device(dir: &Path) -> Option<PathBuf> {
    let path = dir.join("null");
    let made = std::process::Command::new("mknod")
        .args([arg(&path), "c", "1", "3"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !made {
        eprintln!("SKIP device-node case: mknod needs root here; the FIFO cases still run");
        return None;
    }
    Some(path)
}

fn fifo(dir: &Path) -> PathBuf {
    let path = dir.join("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(arg(&path))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    path
}

/// Reads `path` to its end on a thread (a FIFO's writer blocks until it is opened).
fn drain(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let path = path.to_path_buf();
    std::thread::spawn(move || std::fs::read(path).expect("FIFO readable"))
}

fn is_char_device(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .map(|m| m.file_type().is_char_device())
        .unwrap_or(false)
}

/// Names in `dir` other than `keep`: temporary files left behind.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn audit_and_export_write_into_a_device_without_replacing_it() {
    let (_guard, data) = generated_dataset("0.0005", &[]);
    let scratch = tempfile::tempdir().unwrap();
    let Some(device) = null_device(scratch.path()) else {
        return;
    };
    let audit = breachlab(&["audit", arg(&data), "--no-pairs", "--out", arg(&device)]);
    assert!(audit.status.success(), "{}", text(&audit));
    assert!(is_char_device(&device), "audit replaced the device node");

    for force in [false, true] {
        let mut args = vec!["export", arg(&data), "--format", "jsonl"];
        args.extend(["--out", arg(&device)]);
        if force {
            args.push("--force");
        }
        let export = breachlab(&args);
        assert!(export.status.success(), "{}", text(&export));
        assert!(
            is_char_device(&device),
            "export (force {force}) replaced it"
        );
    }
    assert_eq!(leftovers(scratch.path(), &["null"]), Vec::<String>::new());
}

#[test]
fn audit_and_export_stream_into_a_fifo() {
    let (_guard, data) = generated_dataset("0.0005", &[]);
    let scratch = tempfile::tempdir().unwrap();
    let pipe = fifo(scratch.path());

    let reader = drain(&pipe);
    let audit = breachlab(&["audit", arg(&data), "--no-pairs", "--out", arg(&pipe)]);
    assert!(audit.status.success(), "{}", text(&audit));
    let json: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert!(
        json.get("campaigns").is_some(),
        "the audit came through the FIFO"
    );

    let reader = drain(&pipe);
    let export = breachlab(&[
        "export",
        arg(&data),
        "--format",
        "jsonl",
        "--out",
        arg(&pipe),
    ]);
    assert!(export.status.success(), "{}", text(&export));
    let lines = reader.join().unwrap();
    let events = data_events(&data);
    assert_eq!(lines.iter().filter(|&&b| b == b'\n').count() as u64, events);
    let kind = std::fs::symlink_metadata(&pipe).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced");
    assert_eq!(leftovers(scratch.path(), &["pipe"]), Vec::<String>::new());
}

#[test]
fn audit_refuses_to_replace_a_named_file_without_force() {
    let (_guard, data) = generated_dataset("0.0005", &[]);
    let scratch = tempfile::tempdir().unwrap();
    let mine = scratch.path().join("mine.json");
    std::fs::write(&mine, "precious").unwrap();

    let refused = breachlab(&["audit", arg(&data), "--no-pairs", "--out", arg(&mine)]);
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(message.contains("--force"), "{message}");
    assert!(message.contains("mine.json"), "{message}");
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "precious");
    assert_eq!(
        leftovers(scratch.path(), &["mine.json"]),
        Vec::<String>::new()
    );

    let forced = breachlab(&[
        "audit",
        arg(&data),
        "--no-pairs",
        "--out",
        arg(&mine),
        "--force",
    ]);
    assert!(forced.status.success(), "{}", text(&forced));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&mine).unwrap()).unwrap();
    assert!(json.get("campaigns").is_some());
}

fn data_events(data: &Path) -> u64 {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("manifest.json")).unwrap())
            .unwrap();
    manifest["row_counts"]["events"]
        .as_u64()
        .expect("events row count")
}
