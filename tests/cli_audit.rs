//! `breachlab audit`, run as a user would on a small default dataset: `audit.json` holds
//! every attack campaign, one column's rule is recomputed here from the Parquet by brute
//! force over every set of values, `--fail-on-leak` follows the verdicts, `bench` carries
//! the summary, and broken inputs fail with a message naming the path.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use breachlab_dataset::Dataset;
use breachlab_schema::Table;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

use common::{breachlab, generated_dataset, text};

fn small_dataset() -> (tempfile::TempDir, PathBuf) {
    generated_dataset("0.02", &[])
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("the file exists");
    serde_json::from_str(&text).expect("valid JSON")
}

/// Attack campaign ids and names of `campaigns.parquet`, read here directly.
fn attack_campaigns(dataset: &Dataset) -> BTreeMap<i32, String> {
    let mut out = BTreeMap::new();
    for batch in dataset.campaigns().expect("campaigns") {
        let ids = batch.column_by_name("campaign_id").unwrap();
        let ids = ids.as_primitive::<Int32Type>();
        let names = batch.column_by_name("name").unwrap().as_string::<i32>();
        let kinds = batch.column_by_name("kind").unwrap().as_string::<i32>();
        for row in 0..batch.num_rows() {
            if kinds.value(row) == "attack" {
                out.insert(ids.value(row), names.value(row).to_string());
            }
        }
    }
    out
}

/// Per `method` value: (events of `campaign`, benign events), read from the Parquet.
fn method_counts(dataset: &Dataset, campaign: i32) -> BTreeMap<String, (u64, u64)> {
    let events = dataset.batches("events", &["method"], 10_000);
    let truth = dataset.batches("truth", &["is_attack", "campaign_id"], 10_000);
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (event_batch, truth_batch) in events.zip(truth) {
        let (event_batch, truth_batch) = (event_batch.unwrap(), truth_batch.unwrap());
        let method = event_batch.column(0).as_string::<i32>();
        let attack = truth_batch.column(0).as_boolean();
        let ids = truth_batch.column(1).as_primitive::<Int32Type>();
        for row in 0..event_batch.num_rows() {
            let entry = counts.entry(method.value(row).to_string()).or_default();
            if !attack.value(row) {
                entry.1 += 1;
            } else if ids.is_valid(row) && ids.value(row) == campaign {
                entry.0 += 1;
            }
        }
    }
    counts
}

/// The best F1 over every set of values, by trying them all.
fn brute_force_f1(counts: &[(u64, u64)], positives: u64) -> f64 {
    let mut best: f64 = 0.0;
    for mask in 1u32..(1 << counts.len()) {
        let (mut tp, mut fp) = (0, 0);
        for (i, &(a, b)) in counts.iter().enumerate() {
            if mask & (1 << i) != 0 {
                tp += a;
                fp += b;
            }
        }
        best = best.max(2.0 * tp as f64 / (tp + fp + positives) as f64);
    }
    best
}

#[test]
fn the_audit_lists_every_campaign_with_rules_that_check_out() {
    let (_dir, out) = small_dataset();
    let output = breachlab(&["audit", path_arg(&out)]);
    assert!(output.status.success(), "audit failed: {}", text(&output));
    let audit = read_json(&out.join("audit.json"));
    let dataset = Dataset::open(&out).expect("dataset");
    let expected = attack_campaigns(&dataset);
    let campaigns = audit["campaigns"].as_array().expect("campaigns");
    let listed: BTreeMap<i32, String> = campaigns
        .iter()
        .map(|c| {
            (
                c["campaign_id"].as_i64().unwrap() as i32,
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(audit["threshold"], 0.5);
    assert_eq!(audit["dataset"]["seed"], 3);
    assert_eq!(audit["dataset"]["scenario"], "default");
    assert_eq!(
        audit["unbounded_columns"].as_array().unwrap().len(),
        7,
        "{}",
        audit["unbounded_columns"]
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut checked = 0;
    for campaign in campaigns {
        let name = campaign["name"].as_str().unwrap();
        assert!(stdout.contains(name), "{name} not in the table:\n{stdout}");
        let columns = campaign["columns"].as_array().unwrap();
        assert_eq!(columns.len(), 14, "every bounded column");
        let f1s: Vec<f64> = columns.iter().map(|c| c["f1"].as_f64().unwrap()).collect();
        assert!(f1s.windows(2).all(|w| w[0] >= w[1]), "sorted: {f1s:?}");
        let best_f1 = campaign["best_f1"].as_f64().unwrap();
        let verdict = campaign["verdict"].as_str().unwrap();
        let naive = campaign["naive"].as_bool().unwrap();
        let expected_verdict = if best_f1 <= 0.5 {
            "ok"
        } else if naive {
            "naive"
        } else {
            "LEAK"
        };
        assert_eq!(verdict, expected_verdict, "{name}");
        for rule in columns.iter().chain(campaign["pairs"].as_array().unwrap()) {
            let (f1, p, r) = (
                rule["f1"].as_f64().unwrap(),
                rule["precision"].as_f64().unwrap(),
                rule["recall"].as_f64().unwrap(),
            );
            if p + r > 0.0 {
                assert!((f1 - 2.0 * p * r / (p + r)).abs() < 1e-9, "{rule}");
            }
        }
        // A pair can do at least as well as either of its columns alone.
        if let Some(pair_f1) = campaign["best_pair_f1"].as_f64() {
            assert!(pair_f1 >= best_f1 - 1e-12, "{name}: {pair_f1} < {best_f1}");
        }
        // `method` recomputed from the Parquet, over every set of its values.
        let id = campaign["campaign_id"].as_i64().unwrap() as i32;
        let events = campaign["events"].as_u64().unwrap();
        let counts: Vec<(u64, u64)> = method_counts(&dataset, id).into_values().collect();
        assert_eq!(counts.iter().map(|c| c.0).sum::<u64>(), events, "{name}");
        let method = columns.iter().find(|c| c["column"] == "method").unwrap();
        let expected = brute_force_f1(&counts, events);
        assert!(
            (method["f1"].as_f64().unwrap() - expected).abs() < 1e-12,
            "{name}: method F1 {} but every set of values gives at best {expected}",
            method["f1"]
        );
        checked += 1;
    }
    assert!(
        checked >= 5,
        "the default scenario plants several campaigns"
    );

    // --fail-on-leak fails exactly when a campaign leaks.
    let leaks = campaigns.iter().any(|c| c["verdict"] == "LEAK");
    let elsewhere = out.with_file_name("elsewhere.json");
    let strict = breachlab(&[
        "audit",
        path_arg(&out),
        "--fail-on-leak",
        "--no-pairs",
        "--out",
        path_arg(&elsewhere),
    ]);
    assert_eq!(
        strict.status.code(),
        Some(if leaks { 1 } else { 0 }),
        "{}",
        text(&strict)
    );
    let single = read_json(&elsewhere);
    assert_eq!(single["pairs_computed"], false);
    for (full, quick) in campaigns
        .iter()
        .zip(single["campaigns"].as_array().unwrap())
    {
        assert_eq!(
            full["columns"], quick["columns"],
            "pairs do not change columns"
        );
        assert_eq!(quick["pairs"].as_array().unwrap().len(), 0);
    }

    // bench reports how hard each campaign is, from the audit.
    let bench = breachlab(&["bench", "--dataset", path_arg(&out), "--detectors", "null"]);
    assert!(bench.status.success(), "{}", text(&bench));
    let report = read_json(&out.join("report/report.json"));
    let summary = report["audit"].as_object().expect("an audit key");
    for campaign in campaigns {
        let entry = &summary[campaign["name"].as_str().unwrap()];
        assert_eq!(entry["best_f1"], campaign["best_f1"]);
        assert_eq!(entry["verdict"], campaign["verdict"]);
        assert_eq!(entry["best_column"], campaign["best_column"]);
    }
    let markdown = std::fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(
        markdown.contains("## How hard each campaign is"),
        "{markdown}"
    );
}

#[test]
fn broken_inputs_fail_with_the_path_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let output = breachlab(&["audit", path_arg(&missing)]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("nowhere"), "{}", text(&output));
    assert!(!text(&output).contains("panicked"), "{}", text(&output));

    let (_data, out) = small_dataset();
    let mut manifest = read_json(&out.join("manifest.json"));
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["table"] != "truth");
    std::fs::write(
        out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    audit_fails_without_writing(&out, &["manifest.json", "truth"]);
}

/// `breachlab audit DIR` exits 1 with an error holding every one of `needles`, panics
/// nowhere, and writes no `audit.json`.
fn audit_fails_without_writing(dir: &Path, needles: &[&str]) {
    let output = breachlab(&["audit", path_arg(dir)]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let message = text(&output);
    assert!(
        needles.iter().all(|needle| message.contains(needle)),
        "{needles:?} in {message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    assert!(!dir.join("audit.json").exists());
}

/// Truth read ahead on its own thread still meets each events batch row for row: a truth
/// file swapped for another stops the audit with an error naming truth (the reading
/// thread stopped with it, no hang), and writes no audit.
#[test]
fn truth_out_of_step_with_events_fails_without_an_audit() {
    let (_data, out) = small_dataset();
    let truth_files = Dataset::open(&out).expect("dataset").files(Table::Truth);
    assert!(truth_files.len() > 2, "{truth_files:?}");
    std::fs::copy(&truth_files[0], &truth_files[1]).unwrap();
    audit_fails_without_writing(&out, &["truth", "regenerate the dataset"]);
}

#[test]
fn combination_rules_are_scored_on_another_seed_through_the_cache() {
    let (dir, data) = small_dataset();
    let cache = dir.path().join("cache");
    let audited = breachlab(&[
        "audit",
        path_arg(&data),
        "--no-pairs",
        "--holdout-seed",
        "4",
        "--cache",
        path_arg(&cache),
    ]);
    assert!(audited.status.success(), "{}", text(&audited));
    assert!(
        text(&audited).contains("combination leak"),
        "{}",
        text(&audited)
    );
    let report = read_json(&data.join("audit.json"));
    assert_eq!(report["holdout_seed"], 4);
    // The other seed, audited on its own: its campaigns' event counts are the holdout's.
    let other = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_str().unwrap().contains("seed4"))
        .expect("seed 4 generated into the cache");
    let other_out = dir.path().join("other.json");
    let other_audit = breachlab(&[
        "audit",
        path_arg(&other),
        "--no-pairs",
        "--out",
        path_arg(&other_out),
    ]);
    assert!(other_audit.status.success(), "{}", text(&other_audit));
    let other_report = read_json(&other_out);
    let other_events: BTreeMap<String, u64> = other_report["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["events"].as_u64().unwrap(),
            )
        })
        .collect();
    for campaign in report["campaigns"].as_array().unwrap() {
        let name = campaign["name"].as_str().unwrap();
        let combination = &campaign["best_combination"];
        if campaign["events"] == 0 {
            assert!(combination.is_null(), "{name}: no events, no rule");
            continue;
        }
        let conditions = combination["conditions"].as_array().unwrap();
        assert!((1..=3).contains(&conditions.len()), "{name}: {combination}");
        for condition in conditions {
            assert!((1..=3).contains(&condition["values"].as_array().unwrap().len()));
        }
        let (tp, fp) = (
            combination["tp"].as_u64().unwrap(),
            combination["fp"].as_u64().unwrap(),
        );
        let events = campaign["events"].as_u64().unwrap();
        let f1 = combination["f1"].as_f64().unwrap();
        assert!((f1 - 2.0 * tp as f64 / (tp + fp + events) as f64).abs() < 1e-12);
        let holdout = &combination["holdout"];
        assert_eq!(holdout["seed"], 4, "{name}");
        assert_eq!(
            holdout["events"].as_u64(),
            other_events.get(name).copied(),
            "{name}"
        );
        let (htp, hfp, hp) = (
            holdout["tp"].as_u64().unwrap(),
            holdout["fp"].as_u64().unwrap(),
            holdout["events"].as_u64().unwrap(),
        );
        assert!(htp <= hp, "{name}");
        let hf1 = holdout["f1"].as_f64().unwrap();
        assert!((hf1 - 2.0 * htp as f64 / (htp + hfp + hp) as f64).abs() < 1e-12);
        let verdict = campaign["combination_verdict"].as_str().unwrap();
        let expected = if hf1 <= 0.5 {
            "ok"
        } else if campaign["naive"] == true {
            "naive"
        } else {
            "LEAK"
        };
        assert_eq!(verdict, expected, "{name}");
    }
    // The audited seed itself is no holdout.
    let same = breachlab(&[
        "audit",
        path_arg(&data),
        "--holdout-seed",
        "3",
        "--cache",
        path_arg(&cache),
    ]);
    assert!(!same.status.success());
    assert!(text(&same).contains("--holdout-seed 3"), "{}", text(&same));
}
