//! The runner on small generated datasets: detectors see only `events`, results do not
//! depend on batch size, a failing source does not stop the others, broken datasets
//! are refused clearly, and what each built-in detector catches and misses.

use breachlab_dataset::Dataset;
use breachlab_detectors::testing::ClosureDetector;
use breachlab_detectors::{DetectorError, Params};
use breachlab_generator::{LoadedScenario, Shard};
use breachlab_harness::calibration::ScoredSeedInCalibration;
use breachlab_harness::runner::{DetectorSpec, RunError, RunOptions, RunOutcome, score_dataset};
use breachlab_schema::truth as t;
use breachlab_writer::{GenerateOptions, Progress, generate};
use std::path::Path;
use std::sync::Arc;

/// One day, a small population, a fast single-IP ID walk and a slow reader spread over a
/// rotating residential proxy pool (one request per address).
const SCENARIO: &str = r#"
name = "runner-test"
description = "runner tests"
start = "2026-03-02T00:00:00Z"
days = 1
utc_offset_hours = -6

[population]
accounts = 20_000

[[campaigns]]
name = "id-walker"
start_h = 9
duration_h = 1
rate_per_s = 4
[campaigns.attack]
technique = "sequential_walk"
start_id = 100_001_000
[campaigns.evasion]
ip_kind = "cloud"
ip_pool = 1
user_agent = "tool"

[[campaigns]]
name = "slow-proxy-reader"
start_h = 1
duration_h = 22
rate_per_s = 0.2
[campaigns.attack]
technique = "low_and_slow"
tokens = 20
[campaigns.evasion]
ip_kind = "residential"
ip_pool = 10_000
requests_per_ip = 1
per_ip_rate_cap_per_h = 4
user_agent = "mimic"
jitter = 1.0
follow_daily_cycle = true
actors = 2
"#;

fn generated(dir: &Path, seed: u64) -> Dataset {
    let scenario = LoadedScenario::parse("runner-test", SCENARIO).expect("valid scenario");
    let options = GenerateOptions {
        out: dir.to_path_buf(),
        seed,
        scale: 0.2,
        threads: 1,
        shard: Shard::WHOLE,
        force: true,
    };
    generate(&scenario, &options, Arc::new(Progress::default())).expect("generates");
    Dataset::open(dir).expect("opens")
}

fn builtin(name: &str, params: &[&str]) -> DetectorSpec {
    let params = Params::from_assignments(params).unwrap();
    DetectorSpec::builtin(name, &params).unwrap()
}

fn run(dataset: &Dataset, specs: &[DetectorSpec], batch_rows: usize) -> RunOutcome {
    let options = RunOptions {
        batch_rows,
        ..RunOptions::default()
    };
    score_dataset(dataset, specs, &[], &options).expect("scores")
}

/// Scores 0 and fails the run if it ever sees a truth column.
fn truth_blind() -> DetectorSpec {
    DetectorSpec::custom("truth-blind", None, || {
        Ok(Box::new(ClosureDetector::new(
            "truth-blind",
            |batch, scores| {
                for column in [
                    t::IS_ATTACK,
                    t::CAMPAIGN_ID,
                    t::ACTOR_ID,
                    t::RECORDS_EXPOSED,
                    t::PHASE,
                ] {
                    if batch.schema().column_with_name(column).is_some() {
                        return Err(DetectorError::Failed(format!(
                            "saw truth column `{column}`"
                        )));
                    }
                }
                let expected = breachlab_schema::events_schema();
                if batch.schema().fields() != expected.fields() {
                    return Err(DetectorError::Failed(
                        "batch schema is not the events schema".into(),
                    ));
                }
                scores.extend(std::iter::repeat_n(0.0, batch.num_rows()));
                Ok(())
            },
        )))
    })
}

/// Returns one score too few on its second batch.
fn short_changer() -> DetectorSpec {
    DetectorSpec::custom("short", None, || {
        let mut batches = 0;
        Ok(Box::new(ClosureDetector::new(
            "short",
            move |batch, scores| {
                batches += 1;
                let rows = batch.num_rows() - usize::from(batches == 2);
                scores.extend(std::iter::repeat_n(0.0, rows));
                Ok(())
            },
        )))
    })
}

#[test]
fn detectors_see_only_the_events_table() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 1);
    let outcome = run(&dataset, &[truth_blind()], 4096);
    let result = &outcome.detectors[0].result;
    assert!(result.is_ok(), "{result:?}");
    assert!(outcome.events > 0);
}

#[test]
fn metrics_do_not_depend_on_batch_size() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 2);
    let specs: Vec<DetectorSpec> = [
        "random",
        "ip-rate",
        "fanout",
        "sequential",
        "route-volume",
        "combined",
    ]
    .iter()
    .map(|name| builtin(name, &[]))
    .collect();
    let small = run(&dataset, &specs, 997);
    let large = run(&dataset, &specs, 65_536);
    for (a, b) in small.detectors.iter().zip(&large.detectors) {
        let (metrics_a, _) = a.result.as_ref().unwrap();
        let (metrics_b, _) = b.result.as_ref().unwrap();
        assert_eq!(
            metrics_a, metrics_b,
            "{} differs between batch sizes",
            a.name
        );
    }
}

#[test]
fn a_failing_source_is_reported_and_the_others_still_score() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 3);
    let outcome = run(&dataset, &[short_changer(), builtin("null", &[])], 1000);
    let error = outcome.detectors[0].result.as_ref().unwrap_err();
    assert!(
        error.to_string().contains("scores for a batch of"),
        "{error}"
    );
    assert!(outcome.detectors[1].result.is_ok());
    let report = outcome.to_report();
    assert_eq!(report.failed_detectors.len(), 1);
    assert_eq!(report.report.detectors.len(), 1);
}

#[test]
fn null_flags_nothing_and_random_flags_about_its_rate() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 4);
    let outcome = run(
        &dataset,
        &[builtin("null", &[]), builtin("random", &["threshold=0.9"])],
        65_536,
    );
    let (null, _) = outcome.detectors[0].result.as_ref().unwrap();
    assert_eq!(null.counts.flagged_events, 0);
    let (random, _) = outcome.detectors[1].result.as_ref().unwrap();
    let share = random.counts.flagged_events as f64 / random.counts.total_events as f64;
    assert!((0.08..0.12).contains(&share), "random flagged {share}");
}

#[test]
fn a_row_count_mismatch_in_the_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    generated(dir.path(), 5);
    let path = dir.path().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let files = manifest["files"].as_array_mut().unwrap();
    let events = files.iter_mut().find(|f| f["table"] == "events").unwrap();
    events["rows"] = serde_json::json!(events["rows"].as_u64().unwrap() + 1);
    std::fs::write(&path, serde_json::to_string(&manifest).unwrap()).unwrap();
    let dataset = Dataset::open(dir.path()).unwrap();
    let error = score_dataset(
        &dataset,
        &[builtin("null", &[])],
        &[],
        &RunOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, RunError::Inconsistent { .. }), "{error}");
    assert!(error.to_string().contains("regenerate"), "{error}");
}

/// Campaign `name`'s detection by the only detector of `outcome`.
fn detected(outcome: &RunOutcome, name: &str) -> bool {
    let (metrics, _) = outcome.detectors[0].result.as_ref().unwrap();
    let campaign = metrics
        .campaigns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("campaign {name} in the dataset"));
    assert!(campaign.events > 0, "campaign {name} emitted no event");
    campaign.detected
}

#[test]
fn ip_rate_catches_the_single_ip_walker_and_misses_the_rotating_proxy_reader() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 6);
    // At scale 0.2 the walker sends about 0.8 requests/s, about 48 a minute from one IP.
    let outcome = run(&dataset, &[builtin("ip-rate", &["limit=30"])], 65_536);
    assert!(detected(&outcome, "id-walker"));
    assert!(!detected(&outcome, "slow-proxy-reader"));
}

#[test]
fn sequential_catches_the_id_walk() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 7);
    let outcome = run(&dataset, &[builtin("sequential", &[])], 65_536);
    assert!(detected(&outcome, "id-walker"));
}

#[test]
fn route_volume_sees_the_distributed_reader_that_no_single_ip_shows() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 8);
    // At its rule-of-thumb threshold (3 spreads above the forecast), not the default
    // calibrated to 5 false alarms a day on larger populations.
    let outcome = run(
        &dataset,
        &[builtin("route-volume", &["threshold=3.0"])],
        65_536,
    );
    assert!(detected(&outcome, "slow-proxy-reader"));
}

/// The budget leaderboard: thresholds for larger budgets are never higher, so records
/// exposed never grow with the budget; each cell's values are what scoring that seed at
/// that threshold gives; a calibration seed that is also scored is refused.
#[test]
fn budget_leaderboard_calibrates_per_budget_and_scores_every_seed() {
    use breachlab_harness::calibration::budget_leaderboard;
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let calibration = generated(dirs[0].path(), 21);
    let first = generated(dirs[1].path(), 1);
    let second = generated(dirs[2].path(), 2);
    let specs = vec![builtin("fanout", &[]), builtin("error-jail", &[])];
    let budgets = [1.0, 30.0];
    let options = RunOptions::default();
    let scored = [(1, &first), (2, &second)];
    let section =
        budget_leaderboard(&[(21, &calibration)], &scored, &specs, &budgets, &options).unwrap();
    assert_eq!(section.calibration_seeds, [21]);
    assert_eq!(section.scored_seeds, [1, 2]);
    assert_eq!(section.budgets_per_day, budgets);
    assert_eq!(section.records_exposed_total.len(), 2);
    assert_eq!(section.detectors.len(), 2);
    for detector in &section.detectors {
        let [strict, loose] = &detector.budgets[..] else {
            panic!("two budgets");
        };
        let (Some(strict_threshold), Some(loose_threshold)) = (strict.threshold, loose.threshold)
        else {
            panic!("{}: calibrated", detector.name);
        };
        assert!(loose_threshold <= strict_threshold, "{}", detector.name);
        assert!(strict.calibration_false_alarms_per_day.unwrap() <= 1.0);
        assert!(loose.calibration_false_alarms_per_day.unwrap() <= 30.0);
        for seed in 0..2 {
            let strict_exposed = strict.records_exposed_before_detection.values[seed].unwrap();
            let loose_exposed = loose.records_exposed_before_detection.values[seed].unwrap();
            assert!(loose_exposed <= strict_exposed, "{}", detector.name);
        }
        // The cell is what scoring the seed at that threshold gives.
        let spec_index = specs.iter().position(|s| s.name == detector.name).unwrap();
        let mut chosen = vec![None; specs.len()];
        chosen[spec_index] = Some(strict_threshold);
        let outcome = score_dataset(&second, &specs, &chosen, &options).unwrap();
        let report = outcome.to_report();
        let scored = &report.report.detectors[spec_index];
        assert_eq!(
            strict.records_exposed_before_detection.values[1],
            Some(scored.metrics.records_exposed_before_detection_total as f64)
        );
        assert_eq!(
            strict.false_alarms_per_day.values[1],
            scored.metrics.alarms.false_alarms_per_day
        );
    }
    let refused = budget_leaderboard(&[(1, &first)], &scored, &specs, &budgets, &options);
    assert!(matches!(
        refused,
        Err(RunError::HeldOut(ScoredSeedInCalibration { seed: 1 }))
    ));
}

/// Every calibration entry point refuses a calibration dataset whose seed is scored,
/// before reading it; one of another seed calibrates.
#[test]
fn calibration_refuses_a_dataset_of_a_scored_seed() {
    use breachlab_harness::calibration::{calibrate, calibrate_budgets, calibrate_budgets_on_all};
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(dir.path(), 7);
    let specs = vec![builtin("fanout", &[])];
    let options = RunOptions::default();
    let held_out = |result: Result<_, RunError>| {
        matches!(
            result,
            Err(RunError::HeldOut(ScoredSeedInCalibration { seed: 7 }))
        )
    };
    assert!(held_out(
        calibrate(&dataset, &[3, 7], &specs, 5.0, &options).map(drop)
    ));
    assert!(held_out(
        calibrate_budgets(&dataset, &[7], &specs, &[1.0, 5.0], &options).map(drop)
    ));
    assert!(held_out(
        calibrate_budgets_on_all(&[&dataset], &[7], &specs, &[5.0], &options).map(drop)
    ));
    let calibrated = calibrate(&dataset, &[3], &specs, 5.0, &options).unwrap();
    assert!(calibrated[0].as_ref().unwrap().is_some());
}

/// The datasets of a bench, generated on request, with the requests kept in order.
struct Generated {
    dir: tempfile::TempDir,
    requests: Vec<(u64, breachlab_harness::bench::SeedUse)>,
}

impl breachlab_harness::bench::SeedDatasets for Generated {
    type Error = std::convert::Infallible;

    fn dataset(
        &mut self,
        seed: u64,
        purpose: breachlab_harness::bench::SeedUse,
    ) -> Result<Dataset, Self::Error> {
        self.requests.push((seed, purpose));
        let path = self.dir.path().join(seed.to_string());
        if path.join("manifest.json").exists() {
            return Ok(Dataset::open(&path).unwrap());
        }
        Ok(generated(&path, seed))
    }
}

/// The bench over seeds: calibration on the held-out seed first, then each scored seed,
/// then the budget leaderboard's calibration; a scored calibration seed is refused before
/// any dataset is asked for.
#[test]
fn bench_seeds_calibrates_on_held_out_seeds_then_scores_each_seed() {
    use breachlab_harness::bench::{BenchError, SeedUse, SeedsBench, bench_seeds};
    let mut source = Generated {
        dir: tempfile::tempdir().unwrap(),
        requests: Vec::new(),
    };
    let specs = vec![builtin("fanout", &[])];
    let options = RunOptions::default();
    let refused = bench_seeds(
        &mut source,
        SeedsBench {
            seeds: &[1, 2],
            calibration_seeds: Some(&[21, 2]),
            budget_per_day: 5.0,
            budgets_per_day: None,
        },
        &specs,
        &options,
    );
    assert!(matches!(
        refused,
        Err(BenchError::Run(RunError::HeldOut(
            ScoredSeedInCalibration { seed: 2 }
        )))
    ));
    assert!(source.requests.is_empty());
    let report = bench_seeds(
        &mut source,
        SeedsBench {
            seeds: &[1, 2],
            calibration_seeds: Some(&[21]),
            budget_per_day: 5.0,
            budgets_per_day: Some(&[30.0]),
        },
        &specs,
        &options,
    )
    .unwrap();
    let calibration = SeedUse::Calibration {
        budget_per_day: 5.0,
    };
    assert_eq!(
        source.requests,
        [
            (21, calibration),
            (1, SeedUse::Scoring),
            (2, SeedUse::Scoring),
            (21, SeedUse::BudgetCalibration)
        ]
    );
    assert_eq!(report.seeds.as_ref().unwrap().seeds, [1, 2]);
    assert_eq!(report.budgets.as_ref().unwrap().calibration_seeds, [21]);
    let fanout = &report.report.detectors[0];
    assert_eq!(
        fanout.threshold_source,
        breachlab_harness::ThresholdSource::Calibrated
    );
}

/// An alert file holds a tool's decisions on the scored dataset: calibration on another
/// seed leaves its threshold alone (it would otherwise see none of its alerts there and
/// move the threshold past them), while a built-in beside it is calibrated.
#[test]
fn calibration_leaves_an_alert_file_alone() {
    use breachlab_harness::alerts::{alerts_spec, read_alerts};
    use breachlab_harness::calibration::calibrate;
    let dir = tempfile::tempdir().unwrap();
    let dataset = generated(&dir.path().join("seed3"), 3);
    let path = dir.path().join("alerts.csv");
    std::fs::write(&path, "event_id\n1\n2\n").unwrap();
    let alerts = read_alerts(&path).unwrap();
    let threshold = alerts.threshold();
    let specs = vec![alerts_spec("tool", alerts), builtin("fanout", &[])];
    let options = RunOptions::default();
    let calibrated = calibrate(&dataset, &[7], &specs, 0.0, &options).unwrap();
    assert!(calibrated[0].as_ref().unwrap().is_none());
    assert!(calibrated[1].as_ref().unwrap().is_some());
    let scored = generated(&dir.path().join("seed7"), 7);
    let thresholds: Vec<Option<f64>> = calibrated
        .iter()
        .map(|c| c.as_ref().unwrap().as_ref().map(|c| c.threshold))
        .collect();
    let outcome = score_dataset(&scored, &specs, &thresholds, &options).unwrap();
    assert_eq!(outcome.detectors[0].threshold.threshold, threshold);
}
