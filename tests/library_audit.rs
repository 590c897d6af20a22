//! The scenario library obeys its own leakage audit: on every library scenario, no attack
//! campaign that is not marked naive can be picked out by one events column (best
//! single-column rule, values chosen with the labels, F1 at most 0.5), and at most the
//! default scenario's one deliberately unsophisticated campaign is naive.
//!
//! Nor by a rule of up to three conditions over one event's fields, unless the campaign is
//! naive or declares the cited `signature` its real traffic had (at most one per
//! scenario). That bound is on the cross-seed figure: the rule chosen with seed 1's labels,
//! scored on seed 2. The in-sample figure is an upper bound inflated by whatever the rule
//! fits to one seed's chance (an attacker's own API key id, a rare user agent a proxy pool
//! drew); what a rule writer would really get on the next day's traffic is the cross-seed
//! one, and that is what a benchmark must not hand out. Campaigns the benign traffic does
//! not yet hide are listed in `OPEN_COMBINATIONS`, each with why; the list may only shrink.
//!
//! Scales are small (a few hundred thousand events each) but keep hundreds of attack
//! events per campaign, so the audit's shares are well above counting noise.

mod common;

use common::{breachlab, text};
use serde_json::Value;

/// Campaigns a combination rule still gives away, each with why it is still open. They are
/// reported, not exempt for good: the test fails when one of them drops to the bound on
/// seed 1 and on seed 2 (take it off the list then), and every other campaign is held to
/// the cross-seed bound. An open campaign needs both because a cross-seed figure alone can
/// fall by the luck of one seed pair: the beam may pick seed 1's exact networks where the
/// coarse shape would have held.
const OPEN_COMBINATIONS: &[(&str, &str)] = &[(
    "panera-2018/panera-id-walk",
    "signed-out account reads from the cloud at ~5% of all traffic: no realistic benign share of that shape is known, and the sources do not support declaring it a signature (docs/audit.md)",
)];

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
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
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
    let audited = breachlab(&[
        "audit",
        out,
        "--no-pairs",
        "--holdout-seed",
        "2",
        "--cache",
        cache,
    ]);
    assert!(audited.status.success(), "{scenario}: {}", text(&audited));
    let json = std::fs::read_to_string(dir.path().join("data/audit.json")).unwrap();
    serde_json::from_str(&json).unwrap()
}

#[test]
fn no_library_campaign_is_given_away_by_one_column_or_one_event() {
    let mut naive = Vec::new();
    let mut leaks = Vec::new();
    let mut combination_leaks = Vec::new();
    let mut closed = Vec::new();
    for &(scenario, scale) in LIBRARY {
        let report = audit(scenario, scale);
        let campaigns = report["campaigns"].as_array().unwrap();
        assert!(!campaigns.is_empty(), "{scenario}: no campaigns audited");
        let signatures = campaigns
            .iter()
            .filter(|c| c["signature"].is_string())
            .count();
        assert!(
            signatures <= 1,
            "{scenario}: {signatures} signature campaigns"
        );
        for campaign in campaigns {
            let name = campaign["name"].as_str().unwrap();
            let best = campaign["best_f1"].as_f64().unwrap();
            let column = campaign["best_column"].as_str().unwrap_or("-");
            let is_naive = campaign["naive"].as_bool() == Some(true);
            if is_naive {
                naive.push(format!("{scenario}/{name}"));
            } else if best > 0.5 {
                leaks.push(format!("{scenario}/{name}: {column} F1 {best:.3}"));
            }
            let combination = &campaign["best_combination"];
            let rule = combination["rule"].as_str().unwrap_or("-");
            let in_sample = combination["f1"].as_f64().unwrap_or(0.0);
            let cross_seed = combination["holdout"]["f1"].as_f64().unwrap_or(0.0);
            let exempt = is_naive || campaign["signature"].is_string();
            let key = format!("{scenario}/{name}");
            let open = OPEN_COMBINATIONS.iter().any(|(k, _)| *k == key);
            if open && (exempt || (cross_seed <= 0.5 && in_sample <= 0.5)) {
                closed.push(format!(
                    "{key}: F1 {in_sample:.3} on seed 1, {cross_seed:.3} on seed 2"
                ));
            } else if !exempt && !open && cross_seed > 0.5 {
                combination_leaks.push(format!(
                    "{key}: `{rule}` F1 {cross_seed:.3} on seed 2 ({in_sample:.3} on seed 1)"
                ));
            }
        }
    }
    assert!(leaks.is_empty(), "single-column leaks: {leaks:#?}");
    assert!(
        combination_leaks.is_empty(),
        "combination leaks (cross-seed F1 above 0.5, neither naive nor a cited signature): {combination_leaks:#?}"
    );
    assert!(
        closed.is_empty(),
        "no longer open: take these off OPEN_COMBINATIONS: {closed:#?}"
    );
    assert!(
        naive.len() <= 1 && naive.iter().all(|n| n.starts_with("default/")),
        "naive campaigns outside the default's one: {naive:?}"
    );
}
