//! `breachlab plant`, run as a user would: a combined log imported, a library campaign
//! planted on the log's own route, the result verified, its truth exact for the planted
//! events and unknown for the log's, the same bytes for the same seed, and clear errors
//! (a route the log lacks, an existing output, a dataset that was not imported); and
//! the exports of an imported log, which leave out what the log lacks.

use serde_json::Value;
use std::path::{Path, PathBuf};

mod common;

use common::{breachlab, text};

/// An hour of a small API's traffic in nginx's combined format: users read by numeric id
/// under `/api/users/{id}`, from a few /24 networks, with three user agents.
fn access_log(dir: &Path) -> PathBuf {
    let agents = [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4) App/4.2",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0",
        "okhttp/4.12.0",
    ];
    let mut lines = String::new();
    for i in 0..1200u32 {
        let (minute, second) = (i * 3 / 60, i * 3 % 60);
        let ip = format!("10.{}.{}.{}", 1 + i % 2, i % 4, 1 + i % 200);
        let user = 1000 + (i * 37) % 400;
        let path = match i % 4 {
            0 => format!("/api/users/{user}"),
            1 => format!("/api/users/{user}/orders"),
            2 => "/api/login".to_string(),
            _ => "/health".to_string(),
        };
        lines.push_str(&format!(
            "{ip} - - [01/Mar/2026:10:{minute:02}:{second:02} +0000] \"GET {path} HTTP/1.1\" 200 {} \"-\" \"{}\"\n",
            100 + i % 700,
            agents[(i % 3) as usize]
        ));
    }
    let path = dir.join("access.log");
    std::fs::write(&path, lines).unwrap();
    path
}

fn import(dir: &Path) -> PathBuf {
    let log = access_log(dir);
    let out = dir.join("mine");
    let output = breachlab(&[
        "import",
        log.to_str().unwrap(),
        "--format",
        "combined",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    out
}

fn plant(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "plant",
        data.to_str().unwrap(),
        "--scenario",
        "optus-2022",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    breachlab(&args)
}

fn manifest(data: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data.join("manifest.json")).unwrap()).unwrap()
}

/// Every event of a dataset with its truth, through `export --format jsonl --with-truth`.
fn rows(data: &Path) -> Vec<Value> {
    let out = data.with_extension("rows.jsonl");
    let output = breachlab(&[
        "export",
        data.to_str().unwrap(),
        "--format",
        "jsonl",
        "--with-truth",
        "--force",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_library_campaign_planted_on_the_logs_route() {
    let dir = tempfile::tempdir().unwrap();
    let mine = import(dir.path());

    // The campaign walks /v1/accounts/{id}, which this log does not have.
    let refused = dir.path().join("refused");
    let output = plant(&mine, &refused, &[]);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("the log has no route /v1/accounts/{id}"),
        "{said}"
    );
    assert!(
        said.contains("/api/users/{id}, /api/users/{id}/orders"),
        "{said}"
    );
    assert!(said.contains("--route"), "{said}");
    assert!(!refused.exists());

    let output = plant(&mine, &refused, &["--route", "/api/accounts/{id}"]);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains(
            "the log has no route template /api/accounts/{id}; its templates: /api/login"
        ),
        "{said}"
    );
    assert!(!refused.exists());

    let planted = dir.path().join("planted");
    let output = plant(
        &mine,
        &planted,
        &["--route", "/api/users/{id}", "--seed", "7"],
    );
    assert!(output.status.success(), "{}", text(&output));
    let verified = breachlab(&["verify", planted.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", text(&verified));

    let m = manifest(&planted);
    assert_eq!(m["scenario"]["name"], "optus-2022");
    assert_eq!(m["seed"], 7);
    assert_eq!(m["imported"]["labels"], "unknown");
    assert_eq!(
        m["planted"]["routes"]["/v1/accounts/{id}"],
        "/api/users/{id}"
    );
    let planted_events = m["planted"]["events"].as_u64().unwrap();
    assert_eq!(m["planted"]["imported_events"], 1200);
    assert!(planted_events > 0);
    assert_eq!(m["row_counts"]["events"], 1200 + planted_events);
    assert_eq!(m["row_counts"]["campaigns"], 1);

    let rows = rows(&planted);
    let (attack, log): (Vec<&Value>, Vec<&Value>) = rows
        .iter()
        .partition(|r| r["truth"]["campaign_id"].is_i64());
    assert_eq!(log.len(), 1200);
    assert_eq!(attack.len() as u64, planted_events);
    for r in &log {
        assert_eq!(r["truth"]["is_attack"], false, "{r}");
    }
    let (first_ts, last_ts) = (
        log.first().unwrap()["ts"].as_str().unwrap().to_string(),
        log.last().unwrap()["ts"].as_str().unwrap().to_string(),
    );
    for r in &attack {
        assert_eq!(r["truth"]["is_attack"], true, "{r}");
        assert_eq!(r["route"], "/api/users/{id}", "{r}");
        let id = r["target_id"].as_i64().unwrap();
        assert_eq!(r["path"], format!("/api/users/{id}"), "{r}");
        // In the log's span, its id range, and no column the log lacks.
        let ts = r["ts"].as_str().unwrap();
        assert!(ts >= first_ts.as_str() && ts <= last_ts.as_str(), "{r}");
        // Whole seconds, as the log's times are.
        assert!(ts.ends_with(".000000Z"), "{r}");
        assert!(id >= 1000, "{r}");
        for lacking in ["ip_asn", "country", "latency_ms", "api_key_id"] {
            assert!(r[lacking].is_null(), "{lacking}: {r}");
        }
    }
    // The walk starts at the log's lowest id.
    let lowest = attack
        .iter()
        .map(|r| r["target_id"].as_i64().unwrap())
        .min();
    assert_eq!(lowest, Some(1000));

    // Same inputs and seed: the same files, byte for byte; another seed differs.
    let again = dir.path().join("again");
    assert!(
        plant(
            &mine,
            &again,
            &["--route", "/api/users/{id}", "--seed", "7"]
        )
        .status
        .success()
    );
    let files = |data: &Path| -> Vec<(String, String)> {
        manifest(data)["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["path"].to_string(), f["sha256"].to_string()))
            .collect()
    };
    assert_eq!(files(&planted), files(&again));
    let other = dir.path().join("other");
    assert!(
        plant(
            &mine,
            &other,
            &["--route", "/api/users/{id}", "--seed", "8"]
        )
        .status
        .success()
    );
    assert_ne!(files(&planted), files(&other));

    // Never over an existing folder, never into a planted or generated dataset.
    let output = plant(&mine, &planted, &["--route", "/api/users/{id}"]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("already exists"),
        "{}",
        text(&output)
    );
    let output = plant(
        &planted,
        &dir.path().join("twice"),
        &["--route", "/api/users/{id}"],
    );
    assert!(!output.status.success());
    assert!(
        text(&output).contains("already holds planted campaigns"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_mimicking_campaign_wears_the_logs_user_agents_and_networks() {
    let dir = tempfile::tempdir().unwrap();
    let mine = import(dir.path());
    let planted = dir.path().join("planted");
    // T-Mobile's low-and-slow reads come from residential proxies with the app's own
    // user agents: planted, they use this log's agents and networks.
    let output = breachlab(&[
        "plant",
        mine.to_str().unwrap(),
        "--scenario",
        "tmobile-2023",
        "--route",
        "/api/users/{id}",
        "--out",
        planted.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let log_agents: std::collections::BTreeSet<String> = rows(&mine)
        .iter()
        .map(|r| r["user_agent"].as_str().unwrap().to_string())
        .collect();
    let attack: Vec<Value> = rows(&planted)
        .into_iter()
        .filter(|r| r["truth"]["is_attack"] == true)
        .collect();
    assert!(!attack.is_empty());
    for r in &attack {
        assert!(
            log_agents.contains(r["user_agent"].as_str().unwrap()),
            "{r}"
        );
        let ip = r["client_ip"].as_str().unwrap();
        assert!(ip.starts_with("10.1.") || ip.starts_with("10.2."), "{r}");
    }
}

#[test]
fn alarms_on_the_logs_own_events_are_reported_apart_from_the_planted_campaigns() {
    let dir = tempfile::tempdir().unwrap();
    let mine = import(dir.path());
    let planted = dir.path().join("planted");
    let output = plant(&mine, &planted, &["--route", "/api/users/{id}"]);
    assert!(output.status.success(), "{}", text(&output));

    // Alerts on four of the log's own events, from three addresses: each address is an
    // actor, and its two flags 10 minutes apart (under the 15-minute alarm gap) are one
    // alarm. No planted event is flagged.
    let rows = rows(&planted);
    let log: Vec<&Value> = rows
        .iter()
        .filter(|r| r["truth"]["campaign_id"].is_null())
        .collect();
    let picked = [log[0], log[1], log[3], log[200]];
    assert_eq!(
        picked[0]["client_ip"], picked[3]["client_ip"],
        "one address twice"
    );
    let first_events = [log[0], log[1], log[3]];
    let mut alerts = String::from("event_id\n");
    for r in picked {
        alerts.push_str(&format!("{}\n", r["event_id"]));
    }
    let alerts_file = dir.path().join("alerts.csv");
    std::fs::write(&alerts_file, alerts).unwrap();
    let report_dir = dir.path().join("score");
    let output = breachlab(&[
        "score",
        "--dataset",
        planted.to_str().unwrap(),
        "--alerts",
        alerts_file.to_str().unwrap(),
        "--report",
        report_dir.to_str().unwrap(),
    ]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("Alarms on your traffic"), "{said}");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(report_dir.join("report.json")).unwrap())
            .unwrap();
    let d = &report["detectors"][0];
    assert!(d["false_alarms_per_day"].is_null(), "{d}");
    assert!(d["false_alarms_per_million_benign"].is_null(), "{d}");
    let ours = &d["alarms_on_your_traffic"];
    assert_eq!(ours["alarms"], 3, "{ours}");
    assert_eq!(ours["located"], 3, "{ours}");
    // The span is the log's hour, less its last 3 seconds: 3 alarms / (3597 / 86400) days.
    let per_day = ours["alarms_per_day"].as_f64().unwrap();
    assert!(
        (per_day - 3.0 * 86_400.0 / 3_597.0).abs() < 1e-6,
        "{per_day}"
    );
    assert_eq!(ours["top_days"][0]["value"], "2026-03-01");
    assert_eq!(ours["top_days"][0]["alarms"], 3);
    // Each alarm is placed at its first event: log events 0, 1 and 3.
    let places = |key: &str| -> Vec<(String, u64)> {
        let mut got: Vec<(String, u64)> = ours[format!("top_{key}")]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["value"].as_str().unwrap().to_string(),
                    p["alarms"].as_u64().unwrap(),
                )
            })
            .collect();
        got.sort();
        got
    };
    let expected = |column: &str| -> Vec<(String, u64)> {
        let mut counts = std::collections::BTreeMap::new();
        for r in first_events {
            *counts
                .entry(r[column].as_str().unwrap().to_string())
                .or_insert(0) += 1;
        }
        counts.into_iter().collect()
    };
    assert_eq!(places("routes"), expected("route"));
    assert_eq!(places("addresses"), expected("client_ip"));
    assert_eq!(
        places("routes").len(),
        3,
        "three routes: user, orders, health"
    );
    // The planted campaign is scored as usual: not detected by these alerts.
    assert_eq!(d["campaigns_detected"], 0);
    assert_eq!(d["campaigns"][0]["name"], "optus-id-walk");
    let markdown = std::fs::read_to_string(report_dir.join("report.md")).unwrap();
    assert!(markdown.contains("## Alarms on your traffic"), "{markdown}");

    // bench too, with the leakage audit.
    let output = breachlab(&[
        "bench",
        "--dataset",
        planted.to_str().unwrap(),
        "--detectors",
        "sequential,ip-rate",
    ]);
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("Alarms on your traffic"), "{said}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(planted.join("report/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["audit_source"], "computed");
    let html = std::fs::read_to_string(planted.join("report/report.html")).unwrap();
    assert!(
        html.contains("<h2>Alarms on your traffic</h2>"),
        "report.html"
    );
    assert!(
        report["audit"]["optus-id-walk"].is_object(),
        "{}",
        report["audit"]
    );
    for d in report["detectors"].as_array().unwrap() {
        assert_eq!(
            d["alarms_on_your_traffic"]["alarms"], d["counts"]["false_alarms"],
            "{d}"
        );
    }
}

#[test]
fn exports_of_an_imported_log_leave_out_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let mine = import(dir.path());
    for format in ["ecs", "ocsf"] {
        let out = dir.path().join(format!("mine.{format}"));
        let output = breachlab(&[
            "export",
            mine.to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", text(&output));
        let written = std::fs::read_to_string(&out).unwrap();
        let first = written.lines().next().unwrap();
        // combined carries no address network, country, kinds, latency or records: none
        // is written as a zero or an empty string.
        for absent in [
            "\"number\"",
            "country",
            "ip_kind",
            "client_kind",
            "latency",
            "duration",
            "records_returned",
        ] {
            assert!(!written.contains(absent), "{format}: {absent} in {first}");
        }
        assert!(first.contains("\"user_agent\""), "{first}");
        // Read back, the columns the log lacks are still null.
        let back = dir.path().join(format!("back-{format}"));
        let output = breachlab(&[
            "import",
            out.to_str().unwrap(),
            "--format",
            format,
            "--out",
            back.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", text(&output));
        let (original, read_back) = (rows(&mine), rows(&back));
        assert_eq!(original.len(), read_back.len());
        for (a, b) in original.iter().zip(&read_back) {
            for column in [
                "ip_asn",
                "country",
                "ip_kind",
                "latency_ms",
                "records_returned",
            ] {
                assert!(b[column].is_null(), "{format} {column}: {b}");
            }
            for column in [
                "client_ip",
                "user_agent",
                "path",
                "status",
                "response_bytes",
            ] {
                assert_eq!(a[column], b[column], "{format} {column}");
            }
        }
    }
}

#[test]
fn every_library_scenario_plants_into_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mine = import(dir.path());
    let listed = breachlab(&["scenarios"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(names.len() >= 9, "{names:?}");
    for name in names {
        let out = dir.path().join(format!("planted-{name}"));
        let output = breachlab(&[
            "plant",
            mine.to_str().unwrap(),
            "--scenario",
            &name,
            "--route",
            "/api/users/{id}",
            "--scale",
            "0.1",
            "--out",
            out.to_str().unwrap(),
        ]);
        let said = text(&output);
        if name == "benign-only" {
            assert!(!output.status.success(), "{said}");
            assert!(said.contains("has no attack campaign to plant"), "{said}");
            continue;
        }
        assert!(output.status.success(), "{name}: {said}");
        let verified = breachlab(&["verify", out.to_str().unwrap()]);
        assert!(verified.status.success(), "{name}: {}", text(&verified));
        let m = manifest(&out);
        assert!(
            m["planted"]["events"].as_u64().unwrap() > 0,
            "{name}: {said}"
        );
        assert_eq!(
            m["row_counts"]["events"].as_u64().unwrap(),
            1200 + m["planted"]["events"].as_u64().unwrap(),
            "{name}"
        );
    }
}
