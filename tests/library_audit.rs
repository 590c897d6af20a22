//! The scenario library obeys its own leakage audit: on every library scenario, no attack
//! campaign that is not marked naive can be picked out by one events column (best
//! single-column rule, values chosen with the labels, F1 at most 0.5), and at most the
//! default scenario's one deliberately unsophisticated campaign is naive.
//!
//! Scales are small (a few hundred thousand events each) but keep hundreds of attack
//! events per campaign, so the audit's shares are well above counting noise.

mod common;

use common::{breachlab, text};
use serde_json::Value;

/// Library scenarios with attacks, and the scale each is audited at.
const LIBRARY: &[(&str, &str)] = &[
    ("default", "0.3"),
    ("optus-2022", "0.001"),
    ("panera-2018", "0.0003"),
    ("dell-2024", "0.0002"),
    ("tmobile-2023", "0.0002"),
    ("trello-2024", "0.00002"),
    ("authy-2024", "0.00004"),
    ("twitter-2019", "0.00002"),
    ("venmo-2019", "0.00005"),
];

fn audit(scenario: &str, scale: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("data");
    let out = out.to_str().unwrap();
    let generated = breachlab(&[
        "generate",
        "--scenario",
        scenario,
        "--scale",
        scale,
        "--allow-distorted",
        "--seed",
        "1",
        "--out",
        out,
    ]);
    assert!(
        generated.status.success(),
        "{scenario}: {}",
        text(&generated)
    );
    let audited = breachlab(&["audit", out, "--no-pairs"]);
    assert!(audited.status.success(), "{scenario}: {}", text(&audited));
    let json = std::fs::read_to_string(dir.path().join("data/audit.json")).unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn no_library_campaign_is_given_away_by_one_column() {
    let mut naive = Vec::new();
    let mut leaks = Vec::new();
    for &(scenario, scale) in LIBRARY {
        let report = audit(scenario, scale);
        let campaigns = report["campaigns"].as_array().unwrap();
        assert!(!campaigns.is_empty(), "{scenario}: no campaigns audited");
        for campaign in campaigns {
            let name = campaign["name"].as_str().unwrap();
            let best = campaign["best_f1"].as_f64().unwrap();
            let column = campaign["best_column"].as_str().unwrap_or("-");
            if campaign["naive"].as_bool() == Some(true) {
                naive.push(format!("{scenario}/{name}"));
            } else if best > 0.5 {
                leaks.push(format!("{scenario}/{name}: {column} F1 {best:.3}"));
            }
        }
    }
    assert!(leaks.is_empty(), "single-column leaks: {leaks:#?}");
    assert!(
        naive.len() <= 1 && naive.iter().all(|n| n.starts_with("default/")),
        "naive campaigns outside the default's one: {naive:?}"
    );
}
