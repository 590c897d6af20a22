//! `breachlab defend` as a user runs it: the same bytes whatever the thread count that
//! generated the dataset, the open-loop exposure when nothing blocks, and clear refusals.

mod common;

use common::{breachlab, generated_dataset, text};
use std::path::Path;

fn defend(dataset: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "defend",
        "--dataset",
        dataset.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = breachlab(&args);
    assert!(output.status.success(), "defend failed: {}", text(&output));
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn the_report_is_the_same_bytes_whatever_the_thread_count() {
    let (dir, data_two) = generated_dataset("0.02", &[]);
    let data_one = dir.path().join("data-one-thread");
    let output = breachlab(&[
        "generate",
        "--scale",
        "0.02",
        "--seed",
        "3",
        "--threads",
        "1",
        "--allow-distorted",
        "--out",
        data_one.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let flags = [
        "--detector",
        "fanout",
        "--policy",
        "rotate",
        "--write-dataset",
    ];
    let report = defend(&data_one, &dir.path().join("one"), &flags);
    defend(&data_two, &dir.path().join("two"), &flags);
    // The run blocked something, so the bytes compared say something about the loop.
    assert!(
        report["totals"]["attack_requests_refused"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(report["campaigns"][0]["defended"]["rotations"].is_u64());
    // The gateway's manifest lists every file's SHA-256: equal manifests, equal files.
    for name in [
        "report.json",
        "report.md",
        "report.html",
        "dataset/manifest.json",
    ] {
        let one = std::fs::read(dir.path().join("one").join(name)).unwrap();
        let two = std::fs::read(dir.path().join("two").join(name)).unwrap();
        assert!(one == two, "{name} differs between thread counts");
    }
}

#[test]
fn nothing_blocked_exposes_what_bench_reports_as_each_campaigns_total() {
    let (dir, data) = generated_dataset("0.02", &[]);
    let bench_dir = dir.path().join("bench");
    let output = breachlab(&[
        "bench",
        "--dataset",
        data.to_str().unwrap(),
        "--detectors",
        "null",
        "--audit",
        "never",
        "--report",
        bench_dir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let bench: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bench_dir.join("report.json")).unwrap()).unwrap();
    let report = defend(
        &data,
        &dir.path().join("defend"),
        &["--detector", "null", "--policy", "none"],
    );
    let campaigns = report["campaigns"].as_array().unwrap();
    let bench_campaigns = bench["detectors"][0]["campaigns"].as_array().unwrap();
    assert_eq!(campaigns.len(), bench_campaigns.len());
    let mut total = 0;
    for campaign in bench_campaigns {
        let name = campaign["name"].as_str().unwrap();
        let expected = campaign["records_exposed_total"].as_i64().unwrap();
        let defended = campaigns
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("campaign {name} missing from the defend report"));
        assert_eq!(
            defended["defended"]["records_exposed"].as_i64(),
            Some(expected),
            "{name}"
        );
        assert_eq!(
            defended["undefended"]["records_exposed"].as_i64(),
            Some(expected),
            "{name}"
        );
        total += expected;
    }
    assert!(total > 0, "the dataset's campaigns expose records");
    assert_eq!(
        report["totals"]["records_exposed_defended"].as_i64(),
        Some(total)
    );
    assert_eq!(
        report["totals"]["benign_requests_refused"].as_u64(),
        Some(0)
    );
}

#[test]
fn what_cannot_drive_enforcement_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let alerts = dir.path().join("alerts.csv");
    std::fs::write(&alerts, "event_id,score\n1,1\n").unwrap();
    let base = [
        "defend",
        "--scenario",
        "default",
        "--scale",
        "0.02",
        "--allow-distorted",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.extend(["--out", out]);
        breachlab(&args)
    };
    let output = run(&["--alerts", alerts.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("cannot drive enforcement"),
        "{}",
        text(&output)
    );
    let output = run(&["--detector", "null", "--policy", "teleport"]);
    assert!(!output.status.success());
    assert!(text(&output).contains("teleport") && text(&output).contains("back-off"));
    let output = run(&[
        "--detector",
        "null",
        "--policy",
        "rotate",
        "--policy-param",
        "pause_s=3",
    ]);
    assert!(!output.status.success());
    assert!(text(&output).contains("pause_s"), "{}", text(&output));
    let output = run(&["--detector", "fanout,null"]);
    assert!(!output.status.success());
    assert!(text(&output).contains("one detector"), "{}", text(&output));
    let output = run(&["--detector", "null", "--dry-run"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!Path::new(out).exists(), "--dry-run wrote {out}");
    let undistorted = breachlab(&[
        "defend",
        "--scenario",
        "default",
        "--scale",
        "0.02",
        "--detector",
        "null",
        "--out",
        out,
    ]);
    assert!(!undistorted.status.success());
    assert!(text(&undistorted).contains("--allow-distorted"));
}

#[test]
fn an_existing_report_is_replaced_only_with_force() {
    let (dir, data) = generated_dataset("0.02", &[]);
    let out = dir.path().join("defend");
    defend(&data, &out, &["--detector", "null"]);
    let output = breachlab(&[
        "defend",
        "--dataset",
        data.to_str().unwrap(),
        "--detector",
        "null",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(text(&output).contains("--force"), "{}", text(&output));
    defend(&data, &out, &["--detector", "null", "--force"]);
}

#[test]
fn the_gateways_dataset_verifies_and_bench_finds_the_defended_exposure() {
    let (dir, data) = generated_dataset("0.02", &[]);
    let out = dir.path().join("defend");
    let report = defend(
        &data,
        &out,
        &[
            "--detector",
            "fanout",
            "--policy",
            "back-off",
            "--write-dataset",
        ],
    );
    let gateway = out.join("dataset");
    let output = breachlab(&["verify", gateway.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let bench_dir = dir.path().join("bench");
    let output = breachlab(&[
        "bench",
        "--dataset",
        gateway.to_str().unwrap(),
        "--detectors",
        "null",
        "--audit",
        "never",
        "--report",
        bench_dir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let bench: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bench_dir.join("report.json")).unwrap()).unwrap();
    let exposed: i64 = bench["detectors"][0]["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["records_exposed_total"].as_i64().unwrap())
        .sum();
    assert_eq!(
        Some(exposed),
        report["totals"]["records_exposed_defended"].as_i64()
    );
    let refused = report["totals"]["attack_requests_refused"]
        .as_u64()
        .unwrap()
        + report["totals"]["benign_requests_refused"]
            .as_u64()
            .unwrap();
    assert!(refused > 0, "the run refused requests");
    let export = dir.path().join("events.jsonl");
    let output = breachlab(&[
        "export",
        gateway.to_str().unwrap(),
        "--format",
        "jsonl",
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let lines = std::fs::read_to_string(&export).unwrap();
    let refused_lines = lines
        .lines()
        .filter(|l| l.contains("\"status\":403"))
        .count() as u64;
    assert!(
        refused_lines >= refused,
        "every refused request is in the export with 403"
    );
}

#[test]
fn a_scenarios_adapt_tables_set_each_campaigns_policy_unless_the_command_line_does() {
    let dir = tempfile::tempdir().unwrap();
    let shown = breachlab(&["scenarios", "show", "default"]);
    assert!(shown.status.success(), "{}", text(&shown));
    let mut scenario = String::from_utf8(shown.stdout).unwrap();
    // Binds to the last [[campaigns]] entry.
    scenario.push_str("\n[campaigns.adapt]\npolicy = \"rotate\"\npool = 7\n");
    let path = dir.path().join("adaptive.toml");
    std::fs::write(&path, &scenario).unwrap();
    let cache = dir.path().join("cache");
    let run = |out: &str, extra: &[&str]| {
        let out = dir.path().join(out);
        let mut args = vec![
            "defend",
            "--scenario",
            path.to_str().unwrap(),
            "--scale",
            "0.02",
            "--allow-distorted",
            "--detector",
            "fanout",
            "--cache",
            cache.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let output = breachlab(&args);
        assert!(output.status.success(), "{}", text(&output));
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        report
    };
    let own = run("own", &[]);
    assert!(own["policy"].is_null());
    let campaigns = own["campaigns"].as_array().unwrap();
    let (last, others) = campaigns.split_last().unwrap();
    assert_eq!(last["policy"]["name"], "rotate");
    assert_eq!(last["policy"]["pool"], 7);
    assert!(others.iter().all(|c| c["policy"]["name"] == "none"));
    let overridden = run("overridden", &["--policy", "pause"]);
    assert_eq!(overridden["policy"]["name"], "pause");
    let campaigns = overridden["campaigns"].as_array().unwrap();
    assert!(campaigns.iter().all(|c| c["policy"]["name"] == "pause"));

    let bad = scenario.replace("pool = 7", "pool = 7\npause_s = 3");
    std::fs::write(&path, bad).unwrap();
    let out = dir.path().join("bad");
    let output = breachlab(&[
        "defend",
        "--scenario",
        path.to_str().unwrap(),
        "--scale",
        "0.02",
        "--allow-distorted",
        "--detector",
        "null",
        "--cache",
        cache.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let message = text(&output);
    assert!(
        message.contains("[campaigns.adapt]") && message.contains("pause_s"),
        "{message}"
    );
}
