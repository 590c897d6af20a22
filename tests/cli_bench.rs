//! `breachlab bench`, `detectors` and their errors, through the built binary on a small
//! generated dataset.

use breachlab_harness::testing::{DETECTOR, EVENT, TOP_LEVEL};
use std::path::Path;
use std::process::{Command, Output};

fn breachlab(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breachlab"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn generate(cwd: &Path, out: &str) {
    let output = breachlab(
        &[
            "generate",
            "--scale",
            "0.02",
            "--allow-distorted",
            "--seed",
            "1",
            "--out",
            out,
        ],
        cwd,
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn bench_writes_a_report_with_the_contract_keys() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "ds");
    let output = breachlab(
        &[
            "bench",
            "--dataset",
            "ds",
            "--detectors",
            "null,random,ip-rate",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("ip-rate"), "{table}");
    let report_dir = dir.path().join("ds/report");
    for name in ["report.json", "report.md", "report.html"] {
        assert!(report_dir.join(name).is_file(), "{name} missing");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report_dir.join("report.json")).unwrap())
            .unwrap();
    for key in TOP_LEVEL.contract {
        assert!(report.get(key).is_some(), "top-level `{key}` missing");
    }
    let detectors = report["detectors"].as_array().unwrap();
    assert_eq!(detectors.len(), 3);
    for detector in detectors {
        for key in DETECTOR.contract {
            assert!(
                detector.get(key).is_some(),
                "`{key}` missing in {}",
                detector["name"]
            );
        }
        for key in EVENT.keys {
            assert!(detector["event"].get(key).is_some(), "event.{key} missing");
        }
    }
    let null = &detectors[0];
    assert_eq!(null["name"], "null");
    assert_eq!(
        null["event"]["tp"].as_u64().unwrap() + null["event"]["fp"].as_u64().unwrap(),
        0
    );
    let random = &detectors[1];
    let flagged = random["event"]["tp"].as_u64().unwrap() + random["event"]["fp"].as_u64().unwrap();
    let total = report["dataset"]["row_counts"]["events"].as_u64().unwrap();
    let share = flagged as f64 / total as f64;
    assert!(
        (0.005..0.02).contains(&share),
        "random flagged {share} of events, expected ~1%"
    );

    let again = breachlab(
        &["bench", "--dataset", "ds", "--detectors", "null"],
        dir.path(),
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    let forced = breachlab(
        &["bench", "--dataset", "ds", "--detectors", "null", "--force"],
        dir.path(),
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[test]
fn bench_over_seeds_reports_means_and_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let output = breachlab(
        &[
            "bench",
            "--scenario",
            "default",
            "--seeds",
            "1..2",
            "--scale",
            "0.02",
            "--detectors",
            "null,sequential",
            "--cache",
            "cache",
            "--report",
            "rep",
        ],
        dir.path(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("rep/report.json")).unwrap())
            .unwrap();
    let seeds = &report["seeds"];
    assert_eq!(seeds["seeds"], serde_json::json!([1, 2]));
    let f1 = &seeds["detectors"][1]["metrics"]["event.f1"];
    assert_eq!(f1["values"].as_array().unwrap().len(), 2);
    assert_eq!(f1["summary"]["n"], 2);
}

/// A tiny evasion curve on the default scenario, small and so distorted: every variant
/// is scored, marked distorted, and drawn; a path the scenario lacks is an error naming
/// it.
#[test]
fn bench_sweep_reports_an_evasion_curve() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = |path: &str, report: &str| {
        breachlab(
            &[
                "bench",
                "--scenario",
                "default",
                "--seeds",
                "1",
                "--scale",
                "0.02",
                "--detectors",
                "null,sequential",
                "--sweep",
                path,
                "--cache",
                "cache",
                "--report",
                report,
            ],
            dir.path(),
        )
    };
    let output = sweep("campaigns.0.rate_per_s=1,4", "rep");
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("rep/report.json")).unwrap())
            .unwrap();
    let section = &report["sweep"];
    assert_eq!(section["path"], "campaigns.0.rate_per_s");
    let variants = section["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert!(variants.iter().all(|v| v["distorted"] == true));
    // Four times the rate exposes more records in all.
    let total = |v: &serde_json::Value| v["records_exposed_total"].as_i64().unwrap();
    assert!(total(&variants[1]) > total(&variants[0]), "{variants:?}");
    let null = &section["detectors"][0];
    assert_eq!(null["name"], "null");
    // A detector that never alerts lets every record leave, on every variant.
    for (point, variant) in null["points"].as_array().unwrap().iter().zip(variants) {
        assert_eq!(
            point["records_exposed_before_detection"],
            variant["records_exposed_total"]
        );
    }
    let markdown = std::fs::read_to_string(dir.path().join("rep/report.md")).unwrap();
    assert!(markdown.contains("## Evasion curve: campaigns.0.rate_per_s"));
    assert!(
        markdown.contains("| sequential | 4 (distorted) |"),
        "{markdown}"
    );
    let html = std::fs::read_to_string(dir.path().join("rep/report.html")).unwrap();
    assert_eq!(html.matches("class=\"sweep-line\"").count(), 2);

    let missing = sweep("campaigns.0.no_such_field=1,2", "rep2");
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("no_such_field"),
        "{}",
        stderr(&missing)
    );
    assert!(!dir.path().join("rep2/report.json").exists());
}

#[test]
fn bad_input_gives_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = breachlab(&["bench", "--dataset", "nowhere"], dir.path());
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("nowhere"), "{}", stderr(&missing));

    generate(dir.path(), "ds");
    let unknown = breachlab(
        &["bench", "--dataset", "ds", "--detectors", "nope"],
        dir.path(),
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("unknown detector `nope`"),
        "{}",
        stderr(&unknown)
    );

    let param = breachlab(
        &["bench", "--dataset", "ds", "--param", "ip-rate.nope=1"],
        dir.path(),
    );
    assert!(!param.status.success());
    assert!(stderr(&param).contains("nope"), "{}", stderr(&param));

    let manifest_path = dir.path().join("ds/manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    let first_events = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["table"] == "events")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let file = dir.path().join("ds").join(&first_events);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let truncated = breachlab(
        &["bench", "--dataset", "ds", "--detectors", "null"],
        dir.path(),
    );
    assert!(!truncated.status.success());
    let message = stderr(&truncated);
    assert!(
        message.contains(&first_events) && message.contains("truncated"),
        "{message}"
    );
    assert!(!dir.path().join("ds/report/report.json").exists());

    std::fs::write(&file, &bytes).unwrap();
    let mut edited = manifest.clone();
    let count = edited["row_counts"]["events"].as_u64().unwrap();
    edited["row_counts"]["events"] = serde_json::json!(count + 5);
    std::fs::write(&manifest_path, edited.to_string()).unwrap();
    let mismatch = breachlab(
        &["bench", "--dataset", "ds", "--detectors", "null"],
        dir.path(),
    );
    assert!(!mismatch.status.success());
    assert!(
        stderr(&mismatch).contains("row_counts.events"),
        "{}",
        stderr(&mismatch)
    );
}

#[test]
fn detectors_lists_every_parameter_with_its_default() {
    let dir = tempfile::tempdir().unwrap();
    let output = breachlab(&["detectors"], dir.path());
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("--param ip-rate.limit="), "{text}");
    assert!(text.contains("route-volume"), "{text}");
}

/// `bench --audit`: `never` leaves the audit out, `always` computes it, and `auto` reuses
/// the dataset's audit.json only when it is of this very dataset (a doctored one of
/// another seed is ignored and recomputed).
#[test]
fn bench_audit_modes_say_where_the_audit_came_from() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "ds");
    let bench = |mode: &str, report: &str| {
        let output = breachlab(
            &[
                "bench",
                "--dataset",
                "ds",
                "--detectors",
                "null",
                "--audit",
                mode,
                "--report",
                report,
            ],
            dir.path(),
        );
        assert!(output.status.success(), "{}", stderr(&output));
        let text = std::fs::read_to_string(dir.path().join(report).join("report.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    };
    let never = bench("never", "r-never");
    assert_eq!(never["audit_source"], "skipped");
    assert!(never.get("audit").is_none());

    let always = bench("always", "r-always");
    assert_eq!(always["audit_source"], "computed");
    assert!(always["audit"].as_object().is_some_and(|a| !a.is_empty()));

    // No audit.json yet: auto computes.
    assert_eq!(bench("auto", "r-auto-1")["audit_source"], "computed");

    let audit = breachlab(&["audit", "ds", "--no-pairs"], dir.path());
    assert!(audit.status.success(), "{}", stderr(&audit));
    let reused = bench("auto", "r-auto-2");
    assert_eq!(reused["audit_source"], "reused");
    assert_eq!(reused["audit"], always["audit"]);

    // An audit.json of another dataset (its seed edited) is not reused.
    let path = dir.path().join("ds/audit.json");
    let mut doctored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doctored["dataset"]["seed"] = serde_json::json!(999);
    std::fs::write(&path, doctored.to_string()).unwrap();
    assert_eq!(bench("auto", "r-auto-3")["audit_source"], "computed");
}
