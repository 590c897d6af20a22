//! `breachlab export`, run as a user would: every format on a small generated dataset,
//! one line per event in time order carrying its event id, the same bytes twice (and
//! at any batch size), and bad input refused with a message naming the flag or file.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;

use common::{breachlab, generated_dataset, text};

/// A small dataset (default scenario, scale 0.01) in a fresh temporary folder.
fn small_dataset() -> (tempfile::TempDir, PathBuf) {
    generated_dataset("0.01", &[])
}

fn export(data: &Path, format: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "export",
        data.to_str().unwrap(),
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    breachlab(&args)
}

fn event_count(data: &Path) -> u64 {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("manifest.json")).unwrap())
            .unwrap();
    manifest["row_counts"]["events"].as_u64().unwrap()
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".partial"))
        .collect()
}

#[test]
fn every_format_one_line_per_event_in_time_order_twice_the_same() {
    let (dir, data) = small_dataset();
    let events = event_count(&data);
    assert!(events > 1000, "a real dataset: {events} events");
    for format in ["jsonl", "ecs", "ocsf", "combined", "combined-ext"] {
        let first = dir.path().join(format!("a.{format}"));
        let second = dir.path().join(format!("b.{format}"));
        let output = export(&data, format, &first, &[]);
        assert!(output.status.success(), "{format}: {}", text(&output));
        // A different batch size reads the files in other pieces: same bytes.
        let output = export(&data, format, &second, &["--batch-rows", "777"]);
        assert!(output.status.success(), "{format}: {}", text(&output));
        let bytes = std::fs::read(&first).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(&second).unwrap(),
            "{format}: not deterministic"
        );
        let body = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len() as u64, events, "{format}: one line per event");
        // The event id of every line, in the format's own place for it.
        let ids: Vec<i64> = lines
            .iter()
            .map(|line| match format {
                // nginx's default format carries no event id: the test below checks
                // combined is combined-ext without its named fields.
                "combined" => 0,
                "combined-ext" => {
                    let last = line.rsplit(' ').next().unwrap();
                    last.strip_prefix("event_id=").unwrap().parse().unwrap()
                }
                _ => {
                    let v: Value = serde_json::from_str(line).unwrap();
                    let id = match format {
                        "jsonl" => &v["event_id"],
                        "ecs" => &v["breachlab"]["event_id"],
                        _ => &v["unmapped"]["breachlab"]["event_id"],
                    };
                    id.as_i64().unwrap()
                }
            })
            .collect();
        assert!(
            format == "combined" || ids.windows(2).all(|w| w[0] < w[1]),
            "{format}: event ids increase"
        );
        if format == "jsonl" {
            let ts: Vec<String> = lines
                .iter()
                .map(|l| {
                    serde_json::from_str::<Value>(l).unwrap()["ts"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            // RFC 3339 with microseconds in UTC sorts as text in time order.
            assert!(ts.windows(2).all(|w| w[0] <= w[1]), "time order");
            assert!(
                ts.iter().all(|t| t.len() == 27 && t.ends_with('Z')),
                "{}",
                ts[0]
            );
        }
    }
    // combined-ext is nginx's combined followed by the named fields, line for line.
    let plain = std::fs::read_to_string(dir.path().join("a.combined")).unwrap();
    let extended = std::fs::read_to_string(dir.path().join("a.combined-ext")).unwrap();
    for (plain, extended) in plain.lines().zip(extended.lines()) {
        let (head, named) = extended.split_once(" principal=\"").unwrap();
        assert_eq!(plain, head);
        assert!(named.contains("\" api_key=\""), "{extended}");
        assert!(
            plain.split(' ').nth(2) == Some("-"),
            "$remote_user: {plain}"
        );
    }
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn with_truth_labels_attack_events() {
    let (dir, data) = small_dataset();
    let out = dir.path().join("truth.jsonl");
    let output = export(&data, "jsonl", &out, &["--with-truth"]);
    assert!(output.status.success(), "{}", text(&output));
    let body = std::fs::read_to_string(&out).unwrap();
    let mut attacks = 0;
    for line in body.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let truth = &v["truth"];
        assert!(truth["is_attack"].is_boolean(), "{line}");
        if truth["is_attack"] == true {
            attacks += 1;
            assert!(truth["campaign_id"].is_i64(), "{line}");
        }
    }
    assert!(attacks > 0, "the default scenario plants attacks");
    let refused = export(
        &data,
        "combined",
        &dir.path().join("x.log"),
        &["--with-truth"],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("--with-truth"),
        "{}",
        text(&refused)
    );
}

#[test]
fn bad_input_is_refused_with_the_fix() {
    let (dir, data) = small_dataset();
    let out = dir.path().join("events.jsonl");
    std::fs::write(&out, "keep me").unwrap();
    let refused = export(&data, "jsonl", &out, &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "keep me",
        "not overwritten"
    );
    let forced = export(&data, "jsonl", &out, &["--force"]);
    assert!(forced.status.success(), "{}", text(&forced));
    assert_ne!(std::fs::read_to_string(&out).unwrap(), "keep me");

    let unknown = export(&data, "xml", &dir.path().join("e.xml"), &[]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown).contains("--format xml"),
        "{}",
        text(&unknown)
    );
    assert!(text(&unknown).contains("jsonl, ecs, ocsf, combined, combined-ext"));

    let missing = export(
        &dir.path().join("nope"),
        "jsonl",
        &dir.path().join("n.jsonl"),
        &[],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).contains("nope"), "{}", text(&missing));
    assert!(!dir.path().join("n.jsonl").exists());

    let no_folder = export(&data, "jsonl", &dir.path().join("no/such/dir/e.jsonl"), &[]);
    assert_eq!(no_folder.status.code(), Some(1));
    assert!(
        text(&no_folder).contains("does not exist"),
        "{}",
        text(&no_folder)
    );

    // A damaged events file: an error naming it, and no output left behind.
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("manifest.json")).unwrap())
            .unwrap();
    let last = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|f| f["table"] == "events")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(data.join(&last), b"not parquet").unwrap();
    let broken = dir.path().join("broken.jsonl");
    let failed = export(&data, "jsonl", &broken, &[]);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    let file_name = Path::new(&last)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(text(&failed).contains(&file_name), "{}", text(&failed));
    assert!(!text(&failed).contains("panicked"), "{}", text(&failed));
    assert!(!broken.exists(), "no half-written output");
    assert!(leftovers(dir.path()).is_empty(), "temporary file removed");
}

#[test]
fn stdout_output() {
    let (_dir, data) = small_dataset();
    let output = breachlab(&[
        "export",
        data.to_str().unwrap(),
        "--format",
        "combined",
        "--out",
        "-",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let body = String::from_utf8(output.stdout).unwrap();
    assert_eq!(body.lines().count() as u64, event_count(&data));
}
