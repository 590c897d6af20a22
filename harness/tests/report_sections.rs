//! The terminal summary, report.md and report.html carry the same sections under the
//! same titles, in the order `report::sections` gives, for a report that has every
//! section.

use breachlab_dataset::Dataset;
use breachlab_detectors::Params;
use breachlab_generator::{LoadedScenario, Shard};
use breachlab_harness::audit::{AuditOptions, audit_dataset};
use breachlab_harness::calibration::budget_leaderboard;
use breachlab_harness::report::sections::{Section, sections};
use breachlab_harness::report::{
    BenchReport, FailedDetector, Place, SeededRun, SweepSection, YourTraffic, summarize_seeds,
};
use breachlab_harness::runner::{DetectorSpec, RunOptions, score_dataset};
use breachlab_writer::{GenerateOptions, Progress, generate};
use std::path::Path;
use std::sync::Arc;

fn generated(dir: &Path, seed: u64) -> Dataset {
    let scenario = LoadedScenario::load("default").expect("library scenario");
    let options = GenerateOptions {
        out: dir.to_path_buf(),
        seed,
        scale: 0.02,
        threads: 1,
        shard: Shard::WHOLE,
        force: true,
    };
    generate(&scenario, &options, Arc::new(Progress::default())).expect("generates");
    Dataset::open(dir).expect("opens")
}

/// A bench report with every section: two detectors scored on one seed, the seeds
/// summary, a budget leaderboard, a sweep, the audit, alarms on your traffic and a
/// failed detector.
fn full_report() -> BenchReport {
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let scored = generated(dirs[0].path(), 1);
    let calibration = generated(dirs[1].path(), 2);
    let specs = vec![
        DetectorSpec::builtin("ip-rate", &Params::new()).unwrap(),
        DetectorSpec::builtin("fanout", &Params::new()).unwrap(),
    ];
    let options = RunOptions::default();
    let mut report = score_dataset(&scored, &specs, &[None, None], &options)
        .unwrap()
        .to_report();
    report.seeds = Some(summarize_seeds(&[SeededRun {
        seed: 1,
        report: report.clone(),
    }]));
    report.budgets = Some(
        budget_leaderboard(
            &[(2, &calibration)],
            &[(1, &scored)],
            &specs,
            &[5.0],
            &options,
        )
        .unwrap(),
    );
    report.sweep = Some(SweepSection {
        path: "campaigns.0.rate_per_s".into(),
        seed: 1,
        calibration_seeds: Vec::new(),
        variants: Vec::new(),
        detectors: Vec::new(),
    });
    let audit = audit_dataset(
        &scored,
        AuditOptions {
            pairs: false,
            batch_rows: 65_536,
        },
    )
    .unwrap();
    report.audit = Some(audit.bench_summary());
    report.audit_source = Some("computed".into());
    report.faithfulness = scored.manifest.faithfulness.clone();
    report.report.detectors[0].your_traffic = Some(YourTraffic {
        alarms: 3,
        alarms_per_day: Some(3.0),
        located: 3,
        top_days: vec![Place {
            value: "2024-01-01".into(),
            alarms: 3,
        }],
        top_routes: Vec::new(),
        top_addresses: Vec::new(),
    });
    report.failed_detectors.push(FailedDetector {
        name: "broken".into(),
        params: serde_json::Value::Null,
        error: "it failed".into(),
    });
    report
}

fn markdown_titles(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(String::from)
        .collect()
}

fn html_titles(html: &str) -> Vec<String> {
    html.split("<h2>")
        .skip(1)
        .map(|rest| rest.split("</h2>").next().unwrap().to_string())
        .collect()
}

/// Terminal titles are underlined with `=` to their length.
fn terminal_titles(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .windows(2)
        .filter(|pair| {
            !pair[1].is_empty()
                && pair[1].chars().all(|c| c == '=')
                && pair[1].chars().count() == pair[0].chars().count()
        })
        .map(|pair| pair[0].to_string())
        .collect()
}

#[test]
fn the_three_views_carry_the_same_sections_in_order() {
    let report = full_report();
    let expected: Vec<String> = sections(&report)
        .into_iter()
        .map(|section| section.title(&report))
        .collect();
    assert!(sections(&report).contains(&Section::Faithfulness) || report.faithfulness.is_none());
    let absent_faithfulness = usize::from(report.faithfulness.is_none());
    assert_eq!(expected.len(), 15 - absent_faithfulness, "{expected:?}");
    assert_eq!(markdown_titles(&report.markdown()), expected);
    assert_eq!(html_titles(&report.html()), expected);
    assert_eq!(terminal_titles(&report.terminal_table()), expected);
    for title in [
        "How hard each campaign is",
        "Campaigns",
        "Benign look-alike cohorts",
        "Upper bound (threshold chosen on the test labels)",
    ] {
        assert!(
            expected.iter().any(|t| t == title),
            "{title} in {expected:?}"
        );
    }
}

#[test]
fn a_bare_report_has_the_same_sections_in_every_view() {
    let mut report = full_report();
    report.seeds = None;
    report.budgets = None;
    report.sweep = None;
    report.audit = None;
    report.audit_source = None;
    report.faithfulness = None;
    report.failed_detectors.clear();
    let bare = report.report;
    let expected: Vec<String> = sections(&BenchReport::of(bare.clone()))
        .into_iter()
        .map(|section| section.title(&BenchReport::of(bare.clone())))
        .collect();
    assert!(expected.iter().any(|t| t == "Summary"));
    assert!(!expected.iter().any(|t| t == "How hard each campaign is"));
    assert_eq!(
        markdown_titles(&breachlab_harness::render_markdown(&bare)),
        expected
    );
    assert_eq!(
        html_titles(&breachlab_harness::render_html(&bare)),
        expected
    );
    assert_eq!(
        terminal_titles(&breachlab_harness::render_terminal_table(&bare)),
        expected
    );
}
