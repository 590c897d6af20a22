//! The `report.json` contract (exact key sets other tools rely on) and the promises of
//! the Markdown, terminal and HTML views.

mod common;

use breachlab_harness::metrics::MetricsConfig;
use breachlab_harness::report::{
    CostFigures, DetectorReport, Report, ThresholdSource, render_html, render_markdown,
    render_terminal_table, write_json,
};
use breachlab_harness::testing::{ACTOR, CAMPAIGN, COHORT, DETECTOR, EVENT, TOP_LEVEL};
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const HOSTILE_NAME: &str = "<script>alert(\"x\")</script> & | rate";

fn sample_report() -> Report {
    let (campaigns, events) = campaign_scenario();
    let strict = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    let loose = score(&campaigns, &MetricsConfig::new(0.15, 2.0), &events);
    let cost = CostFigures {
        events_per_s: Some(1_250_000.0),
        end_to_end_events_per_s: Some(400_000.0),
        peak_memory_bytes: Some(64 << 20),
    };
    Report::new(
        json!({ "seed": 7, "events": events.len() }),
        vec![
            DetectorReport::new(
                "rate-limit",
                json!({ "window_s": 60 }),
                ThresholdSource::Param,
                &strict,
                cost,
            ),
            DetectorReport::new(
                HOSTILE_NAME,
                Value::Null,
                ThresholdSource::Calibrated,
                &loose,
                CostFigures::default(),
            ),
        ],
    )
}

fn report_json() -> Value {
    let mut bytes = Vec::new();
    write_json(&sample_report(), &mut bytes).expect("in-memory write");
    serde_json::from_slice(&bytes).expect("valid JSON")
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn top_level_keys() {
    let report = report_json();
    assert_eq!(keys(&report), TOP_LEVEL.key_set());
    assert_eq!(report["dataset"]["seed"], 7);
    assert_eq!(report["schema_version"], 1);
}

#[test]
fn detector_keys() {
    let report = report_json();
    let detectors = report["detectors"].as_array().expect("a list");
    assert_eq!(detectors.len(), 2);
    for detector in detectors {
        assert_eq!(keys(detector), DETECTOR.key_set());
        assert_eq!(keys(&detector["event"]), EVENT.key_set());
        assert_eq!(keys(&detector["actor"]), ACTOR.key_set());
        assert!(detector["params"].is_object());
        assert_eq!(
            keys(&detector["upper_bound"]),
            set(&["label", "threshold", "precision", "recall", "f1"])
        );
        let label = detector["upper_bound"]["label"].as_str().unwrap_or("");
        assert!(label.starts_with("upper bound"));
    }
    assert_eq!(detectors[0]["threshold_source"], "param");
    assert_eq!(detectors[1]["threshold_source"], "calibrated");
    assert_eq!(detectors[0]["events_per_s"], 1_250_000.0);
    assert_eq!(detectors[1]["events_per_s"], Value::Null);
}

#[test]
fn campaign_and_cohort_entries() {
    let report = report_json();
    let detector = &report["detectors"][0];
    let campaigns = detector["campaigns"].as_array().expect("a list");
    assert_eq!(campaigns.len(), 4);
    for campaign in campaigns {
        assert_eq!(keys(campaign), CAMPAIGN.key_set());
        assert_eq!(
            keys(&campaign["records_exposed_by_delay"]),
            set(&["0", "3600", "86400"])
        );
    }
    // The golden numbers of alpha (see metrics_golden.rs) survive into the JSON.
    let alpha = &campaigns[0];
    assert_eq!(alpha["records_exposed_before_detection"], 11);
    assert_eq!(alpha["records_exposed_by_delay"]["3600"], 15);
    assert_eq!(alpha["records_exposed_by_delay"]["86400"], 28);
    assert_eq!(alpha["records_exposed_total"], 36);
    assert_eq!(alpha["time_to_detect_s"], 1_800.0);
    let charlie = &campaigns[2];
    assert_eq!(charlie["detected"], false);
    assert_eq!(charlie["time_to_detect_s"], Value::Null);
    assert_eq!(charlie["events_to_detect"], Value::Null);

    let cohorts = detector["cohorts"].as_array().expect("a list");
    assert_eq!(cohorts.len(), 3);
    for cohort in cohorts {
        assert_eq!(keys(cohort), COHORT.key_set());
    }
    assert_eq!(cohorts[0]["name"], "partner-bulk-sync");
    assert_eq!(cohorts[0]["false_flag_rate"], 0.25);
}

#[test]
fn json_round_trips() {
    let report = sample_report();
    let mut bytes = Vec::new();
    write_json(&report, &mut bytes).expect("in-memory write");
    let back: Report = serde_json::from_slice(&bytes).expect("reads back");
    // The rows of the false alarms only place the alarms on a planted dataset's own
    // traffic before the report is written; they are not part of it.
    let mut written = report.clone();
    for detector in &mut written.detectors {
        detector.metrics.false_alarm_rows.clear();
    }
    assert_eq!(back, written);
}

/// The lines of a view's section titled `title`: in Markdown after `## title`, in the
/// terminal after the title and its `=` rule, up to the next blank line.
fn section_lines<'a>(text: &'a str, heading: &[&str]) -> Vec<&'a str> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .windows(heading.len())
        .position(|window| window == heading)
        .expect("the section is there")
        + heading.len();
    let start = start + usize::from(lines.get(start) == Some(&""));
    lines[start..]
        .iter()
        .take_while(|line| !line.is_empty())
        .copied()
        .collect()
}

#[test]
fn markdown_table_has_one_row_per_detector() {
    let markdown = render_markdown(&sample_report());
    let lines = section_lines(&markdown, &["## Summary"]);
    assert_eq!(lines.len(), 2 + 2, "header, rule, two detectors");
    assert!(lines[0].starts_with("| Detector | P | R | F1 | AP |"));
    let strict = lines[2];
    // rate-limit at 0.5: P = 4/5, R = 4/14, 3/4 campaigns, median 1800 s = 30 min,
    // 18 records exposed before detection, 1 false alarm (actor 500) / 2 days = 0.5
    assert!(
        strict.starts_with("| rate-limit | 0.800 | 0.286 |"),
        "{strict}"
    );
    for cell in ["| 3/4 |", "| 30 min |", "| 18 |", "| 0.50 |", "| 1.25 M |"] {
        assert!(strict.contains(cell), "{cell} missing in {strict}");
    }
    // A pipe in a name must not open a new cell.
    assert!(lines[3].contains("\\|"));
    assert_eq!(
        lines[3].matches(" | ").count(),
        lines[2].matches(" | ").count()
    );
}

#[test]
fn terminal_table_is_aligned() {
    let text = render_terminal_table(&sample_report());
    let table = section_lines(&text, &["Summary", "======="]);
    let widths: BTreeSet<usize> = table.iter().map(|l| l.chars().count()).collect();
    assert_eq!(widths.len(), 1, "every line equally wide:\n{text}");
    assert_eq!(table.len(), 4);
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn html_is_one_self_contained_page() {
    let html = render_html(&sample_report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<html").count(), 1);
    assert_eq!(html.matches("</html>").count(), 1);
    // timeline + one exposure plot per detector + precision-recall
    assert_eq!(html.matches("<svg").count(), 4);
    assert_eq!(html.matches("</svg>").count(), 4);
    for forbidden in ["http", "src=", "href=", "<script", "<link", "url("] {
        assert!(!html.contains(forbidden), "found {forbidden}");
    }
    // The hostile detector name appears only escaped.
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; | rate"));
    // Detection markers: rate-limit found 3 campaigns, the loose one at least as many.
    assert!(html.matches("first detection").count() >= 6);
    assert!(html.contains("partner-bulk-sync"));
}
