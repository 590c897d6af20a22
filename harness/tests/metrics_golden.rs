//! Golden tests: small hand-built event lists whose every metric is worked out by hand in
//! the comments. A metric that drifts from these numbers is a bug in the metric, not in
//! the test.

mod common;

use breachlab_harness::metrics::{
    BenignSample, BenignScoreCollector, CalibrationError, DEFAULT_ALARM_GAP_US, MetricsAccumulator,
    MetricsConfig, MetricsError, ScoredColumns, calibrate_threshold, mean_with_interval,
};
use common::*;

// ---------------------------------------------------------------- event level and AP

/// Eight events, threshold 0.5; scores tie at 0.8 (one attack, one benign) and at 0.3.
fn ranked_events() -> Vec<Ev> {
    let a = |i: i64, score| attack(i * MINUTE, score, 1, 1, 0);
    let b = |i: i64, score| benign(i * MINUTE, score, None, 2);
    vec![
        a(0, 0.9),
        b(1, 0.8),
        a(2, 0.8),
        a(3, 0.6),
        b(4, 0.5), // exactly the threshold: flagged
        a(5, 0.3),
        b(6, 0.3),
        b(7, 0.1),
    ]
}

#[test]
fn event_confusion_counts_and_scores() {
    let campaigns = [campaign(1, "alpha", true, 0, HOUR)];
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 1.0), &ranked_events());
    // flagged (score >= 0.5): 0.9A 0.8B 0.8A 0.6A 0.5B -> TP 3, FP 2
    // not flagged: 0.3A 0.3B 0.1B                      -> FN 1, TN 2
    let event = &metrics.event;
    assert_eq!((event.tp, event.fp, event.fn_, event.tn), (3, 2, 1, 2));
    // precision 3/5, recall 3/4, F1 = 2 * 0.6 * 0.75 / (0.6 + 0.75) = 0.9 / 1.35 = 2/3
    assert_close(event.precision, 0.6, "precision");
    assert_close(event.recall, 0.75, "recall");
    assert_close(event.f1, 2.0 / 3.0, "f1");
    let counts = &metrics.counts;
    assert_eq!(counts.flagged_events, 5);
    assert_eq!(counts.total_events, 8);
    assert_eq!((counts.attack_events, counts.benign_events), (4, 4));
}

#[test]
fn average_precision_groups_tied_scores() {
    let campaigns = [campaign(1, "alpha", true, 0, HOUR)];
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 1.0), &ranked_events());
    // 4 attack events. Distinct thresholds, high to low (TP, FP -> P, R):
    //   0.9: 1,0 -> 1,   0.25   gain 0.25 * 1   = 1/4
    //   0.8: 2,1 -> 2/3, 0.50   gain 0.25 * 2/3 = 1/6  (the tie is one step)
    //   0.6: 3,1 -> 3/4, 0.75   gain 0.25 * 3/4 = 3/16
    //   0.5: 3,2 -> 3/5, 0.75   gain 0
    //   0.3: 4,3 -> 4/7, 1.00   gain 0.25 * 4/7 = 1/7
    //   0.1: 4,4 -> 1/2, 1.00   gain 0
    // AP = 1/4 + 1/6 + 3/16 + 1/7 = (84 + 56 + 63 + 48) / 336 = 251/336
    // (Breaking the 0.8 tie attack-first would give 1/4 + 1/4 + 3/16 + 1/7 instead.)
    assert_close(metrics.event.average_precision, 251.0 / 336.0, "AP");

    let curve: Vec<(f64, f64, f64)> = metrics
        .pr_curve
        .iter()
        .map(|p| (p.threshold, p.precision, p.recall))
        .collect();
    let expected = [
        (0.9, 1.0, 0.25),
        (0.8, 2.0 / 3.0, 0.5),
        (0.6, 0.75, 0.75),
        (0.5, 0.6, 0.75),
        (0.3, 4.0 / 7.0, 1.0),
        (0.1, 0.5, 1.0),
    ];
    assert_eq!(curve.len(), expected.len());
    for (got, want) in curve.iter().zip(expected) {
        assert_close(got.0, want.0, "threshold");
        assert_close(got.1, want.1, "precision");
        assert_close(got.2, want.2, "recall");
    }

    // F1 per threshold: 0.4, 4/7, 0.75, 2/3, 8/11, 2/3 -> best 0.75 at 0.6
    let bound = metrics.upper_bound.expect("attack events exist");
    assert_close(bound.threshold, 0.6, "upper bound threshold");
    assert_close(bound.f1, 0.75, "upper bound f1");
}

#[test]
fn no_attack_events_define_zero_ratios() {
    let events = [benign(0, 0.9, None, 1), benign(MINUTE, 0.1, None, 1)];
    let metrics = score(&[], &MetricsConfig::new(0.5, 1.0), &events);
    // TP 0, FP 1, FN 0: recall 0/0 := 0, precision 0/1 = 0, F1 0, AP 0 (no positives)
    assert_eq!((metrics.event.tp, metrics.event.fp), (0, 1));
    assert_eq!(metrics.event.recall, 0.0);
    assert_eq!(metrics.event.f1, 0.0);
    assert_eq!(metrics.event.average_precision, 0.0);
    assert_eq!(metrics.upper_bound, None);
    assert_eq!(metrics.campaign_recall, 0.0);
    assert_eq!(metrics.median_time_to_detect_s, None);
}

#[test]
fn nan_scores_are_never_flagged() {
    let events = [attack(0, f64::NAN, 1, 1, 0), attack(MINUTE, 0.7, 1, 1, 0)];
    let metrics = score(&[], &MetricsConfig::new(0.5, 1.0), &events);
    // NaN >= 0.5 is false: TP 1 (0.7), FN 1 (NaN). AP: 0.7 -> P 1, R 1/2; NaN (as -inf)
    // -> P 1, R 1: 1/2 * 1 + 1/2 * 1 = 1.
    assert_eq!((metrics.event.tp, metrics.event.fn_), (1, 1));
    assert_close(metrics.event.average_precision, 1.0, "AP with NaN");
}

// ---------------------------------------------------------------- campaign level

#[test]
fn campaign_detection_times_and_counts() {
    let (campaigns, events) = campaign_scenario();
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    let by_name = |name: &str| {
        metrics
            .campaigns
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("campaign {name}"))
    };
    // alpha starts at 0, first flagged event (0.7) at 30 min: 1800 s, after 2 events
    let alpha = by_name("alpha");
    assert!(alpha.detected);
    assert_eq!(alpha.first_detection_ts_us, Some(30 * MINUTE));
    assert_close_opt(alpha.time_to_detect_s, 1_800.0, "alpha ttd");
    assert_eq!(alpha.events_to_detect, Some(2));
    assert_eq!(alpha.events, 8);
    // bravo starts at 5 min and its first event (5 min, 0.9) is flagged: 0 s, 0 events
    let bravo = by_name("bravo");
    assert_close_opt(bravo.time_to_detect_s, 0.0, "bravo ttd");
    assert_eq!(bravo.events_to_detect, Some(0));
    // charlie peaks at 0.49 < 0.5: undetected, no time, no event count
    let charlie = by_name("charlie");
    assert!(!charlie.detected);
    assert_eq!(charlie.time_to_detect_s, None);
    assert_eq!(charlie.events_to_detect, None);
    assert_eq!(charlie.first_detection_ts_us, None);
    // delta starts at 0, flagged at 120 min: 7200 s, after 1 event
    let delta = by_name("delta");
    assert_close_opt(delta.time_to_detect_s, 7_200.0, "delta ttd");
    assert_eq!(delta.events_to_detect, Some(1));

    // 3 of 4 detected; times sorted [0, 1800, 7200]
    assert_eq!(metrics.campaigns.len(), 4);
    assert_eq!(metrics.campaigns_detected, 3);
    assert_eq!(metrics.campaigns_undetected, 1);
    assert_close(metrics.campaign_recall, 0.75, "campaign recall");
    // median: h = (3 - 1) * 0.5 = 1 -> 1800
    assert_close_opt(metrics.median_time_to_detect_s, 1_800.0, "median ttd");
    // p90: h = 2 * 0.9 = 1.8 -> 1800 + 0.8 * (7200 - 1800) = 6120
    assert_close_opt(metrics.p90_time_to_detect_s, 6_120.0, "p90 ttd");
}

#[test]
fn records_exposed_under_containment_delays() {
    let (campaigns, events) = campaign_scenario();
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    let exposure = |name: &str| -> (Vec<(i64, i64)>, i64) {
        let campaign = metrics
            .campaigns
            .iter()
            .find(|c| c.name == name)
            .expect(name);
        let by_delay = campaign
            .records_exposed_by_delay
            .iter()
            .map(|e| (e.delay_s, e.records))
            .collect();
        (by_delay, campaign.records_exposed_total)
    };
    // alpha, detected at 30 min:
    //   D = 0:     10m 5 + 20m 3 + 30m 2 (detecting event) + 30m 1 (same ts)  = 11
    //   D = 1 h:   + 90m 4 (exactly det + 1 h, ts <= det + D)                  = 15
    //   D = 24 h:  + 120m 6 + (30m + 24 h) 7 (exactly det + 24 h)              = 28
    //   total:     + (30m + 25 h) 8                                             = 36
    assert_eq!(
        exposure("alpha"),
        (vec![(0, 11), (3_600, 15), (86_400, 28)], 36)
    );
    // bravo, detected on its first event, which exposed 0: the 10 records at 6 min come
    // one minute after detection, so only D >= 1 h includes them
    assert_eq!(
        exposure("bravo"),
        (vec![(0, 0), (3_600, 10), (86_400, 10)], 10)
    );
    // charlie, undetected: all 2 + 3 records for every D
    assert_eq!(
        exposure("charlie"),
        (vec![(0, 5), (3_600, 5), (86_400, 5)], 5)
    );
    // delta, detected at 120 min by an event exposing 1 after one exposing 1: 2 for all
    assert_eq!(
        exposure("delta"),
        (vec![(0, 2), (3_600, 2), (86_400, 2)], 2)
    );
    // sum at D = 0: 11 + 0 + 5 + 2 = 18
    assert_eq!(metrics.records_exposed_before_detection_total, 18);
}

#[test]
fn exposure_curve_is_cumulative_with_detection_point() {
    let (campaigns, events) = campaign_scenario();
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    let curve = metrics
        .exposure_curves
        .iter()
        .find(|c| c.campaign_id == 1)
        .expect("alpha curve");
    // alpha spans 30 h = 108 000 s in 200 bins of 540 s (9 min); point k sits at k * 9 min
    // and counts records with ts < k * 9 min.
    assert_eq!(curve.points.len(), 201);
    let at = |k: usize| (curve.points[k].ts_us, curve.points[k].records);
    assert_eq!(at(0), (0, 0));
    assert_eq!(at(1), (9 * MINUTE, 0));
    assert_eq!(at(2), (18 * MINUTE, 5)); // 10m: 5
    assert_eq!(at(3), (27 * MINUTE, 8)); // + 20m: 3
    assert_eq!(at(4), (36 * MINUTE, 11)); // + 30m: 2 + 1
    assert_eq!(at(200), (30 * HOUR, 36)); // every record, 25 h 30 m is inside the span
    let detection = curve.detection.expect("alpha detected");
    assert_eq!((detection.ts_us, detection.records), (30 * MINUTE, 11));
    let charlie = metrics.exposure_curves.iter().find(|c| c.campaign_id == 3);
    assert_eq!(charlie.and_then(|c| c.detection), None);
}

#[test]
fn cohort_false_flag_rates() {
    let (campaigns, events) = campaign_scenario();
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    let rates: Vec<(&str, u64, u64, f64)> = metrics
        .cohorts
        .iter()
        .map(|c| (c.name.as_str(), c.events, c.flagged, c.false_flag_rate))
        .collect();
    // partner-bulk-sync: scores 0.6 0.1 0.2 0.3 -> 1 of 4 = 0.25
    // qa-crawler: 0.1 0.4 -> 0 of 2 = 0; empty-cohort: 0 of 0 := 0
    assert_eq!(
        rates,
        vec![
            ("partner-bulk-sync", 4, 1, 0.25),
            ("qa-crawler", 2, 0, 0.0),
            ("empty-cohort", 0, 0, 0.0),
        ]
    );
    // Cohorts are not attack campaigns.
    assert!(metrics.campaigns.iter().all(|c| c.campaign_id < 10));
}

#[test]
fn scenario_totals() {
    let (campaigns, events) = campaign_scenario();
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    // flagged: alpha 0.7 0.9, bravo 0.9, delta 0.8, partner-bulk-sync 0.6 = 5 of 20
    assert_eq!(metrics.counts.flagged_events, 5);
    assert_eq!(metrics.counts.total_events, 20);
    // TP 4 of 14 attack events; FP 1 of 6 benign
    assert_eq!((metrics.event.tp, metrics.event.fp), (4, 1));
    assert_eq!((metrics.event.fn_, metrics.event.tn), (10, 5));
    assert_eq!(metrics.counts.out_of_order_events, 0);
    assert_eq!(metrics.counts.unknown_campaign_events, 0);
}

// ---------------------------------------------------------------- streaming

#[test]
fn batch_split_does_not_change_any_metric() {
    let (campaigns, events) = campaign_scenario();
    let config = MetricsConfig::new(0.5, 2.0);
    let whole = score(&campaigns, &config, &events);
    for batch in [1, 2, 3, 7, 19] {
        let split = score_in_batches(&campaigns, &config, &events, batch);
        assert_eq!(split, whole, "batches of {batch}");
    }
    // Alarms too: the alarm scenario split in every batch size.
    let alarm_config = MetricsConfig::new(0.5, 2.0);
    let alarms_whole = score(&[], &alarm_config, &alarm_events());
    for batch in [1, 2, 4, 5] {
        let split = score_in_batches(&[], &alarm_config, &alarm_events(), batch);
        assert_eq!(split, alarms_whole, "alarm batches of {batch}");
    }
}

#[test]
fn mismatched_columns_are_rejected_without_side_effects() {
    let mut accumulator = MetricsAccumulator::new(&[], MetricsConfig::new(0.5, 1.0));
    let columns = ScoredColumns {
        ts_us: &[0, 1],
        score: &[0.9, 0.9],
        is_attack: &[true],
        campaign_id: &[None, None],
        actor_id: &[1, 1],
        records_exposed: &[0, 0],
    };
    let error = accumulator.push(&columns);
    assert_eq!(
        error,
        Err(MetricsError::ColumnLengthMismatch {
            column: "is_attack",
            expected: 2,
            actual: 1
        })
    );
    assert_eq!(accumulator.finish().counts.total_events, 0);
}

#[test]
fn out_of_order_input_is_counted() {
    let events = [
        benign(2 * MINUTE, 0.1, None, 1),
        benign(MINUTE, 0.1, None, 1),
    ];
    let metrics = score(&[], &MetricsConfig::new(0.5, 1.0), &events);
    assert_eq!(metrics.counts.out_of_order_events, 1);
}

// ---------------------------------------------------------------- actors and alarms

/// Gap 15 min. Actor 1 benign, 2 attacker with benign events too, 3 never flagged,
/// 4 benign chain, 5 unflagged attacker.
fn alarm_events() -> Vec<Ev> {
    vec![
        benign(0, 0.9, None, 1),                // a1: alarm 1 opens
        benign(0, 0.6, None, 2),                // a2: alarm 1 opens (benign event)
        benign(0, 0.7, None, 4),                // a4: alarm opens
        benign(5 * MINUTE, 0.1, None, 3),       // a3: not flagged
        attack(7 * MINUTE, 0.2, 1, 2, 0),       // a2: attack, not flagged: no effect
        benign(10 * MINUTE, 0.8, None, 1),      // a1: 10 min after -> merged
        benign(10 * MINUTE, 0.7, None, 4),      // a4: 10 min -> merged
        attack(14 * MINUTE, 0.95, 1, 2, 0),     // a2: 14 min -> merged, alarm now true
        benign(20 * MINUTE, 0.7, None, 4),      // a4: 10 min -> merged
        benign(25 * MINUTE, 0.5, None, 1),      // a1: exactly 15 min -> NEW alarm 2
        benign(30 * MINUTE, 0.6, None, 4),      // a4: 10 min -> merged (chain spans 30 min)
        benign(40 * MINUTE - 1, 0.55, None, 1), // a1: 15 min - 1 us -> merged into alarm 2
        benign(44 * MINUTE, 0.9, None, 2),      // a2: 30 min -> NEW alarm, benign only
        benign(50 * MINUTE, 0.2, None, 3),      // a3: not flagged
        attack(50 * MINUTE, 0.3, 1, 5, 0),      // a5: attacker, not flagged
    ]
}

#[test]
fn alarms_merge_strictly_below_the_gap() {
    let config = MetricsConfig::new(0.5, 2.0);
    assert_eq!(config.alarm_gap_us, 15 * MINUTE);
    let metrics = score(&[], &config, &alarm_events());
    let alarms = &metrics.alarms;
    let counts = &metrics.counts;
    // actor 1: [0, 10m] and [25m, 40m - 1us]        -> 2 alarms, both false
    // actor 2: [0, 14m] (holds an attack) and [44m]   -> 1 true, 1 false
    // actor 4: [0, 10m, 20m, 30m] chained             -> 1 false
    // alarms 5, true 1, false 4; precision 1/5
    assert_eq!(
        (counts.alarms, counts.true_alarms, counts.false_alarms),
        (5, 1, 4)
    );
    assert_close(alarms.alarm_precision, 0.2, "alarm precision");
    // 4 false alarms over 2 days = 2 per day
    assert_close_opt(alarms.false_alarms_per_day, 2.0, "false alarms per day");
    // 15 events, 3 attack (7m, 14m, 50m) -> 12 benign; 4 / (12 / 1e6) = 333 333.33...
    assert_close_opt(
        alarms.false_alarms_per_million_benign,
        4.0 / 12.0 * 1e6,
        "false alarms per million benign",
    );
}

#[test]
fn a_gap_of_exactly_g_splits_and_one_microsecond_less_merges() {
    let config = MetricsConfig::new(0.5, 1.0);
    let pair = |gap: i64| {
        let events = [benign(0, 0.9, None, 1), benign(gap, 0.9, None, 1)];
        score(&[], &config, &events).counts.alarms
    };
    assert_eq!(pair(DEFAULT_ALARM_GAP_US), 2);
    assert_eq!(pair(DEFAULT_ALARM_GAP_US - 1), 1);
}

#[test]
fn unknown_span_gives_no_rate_per_day() {
    let metrics = score(&[], &MetricsConfig::new(0.5, 0.0), &alarm_events());
    assert_eq!(metrics.alarms.false_alarms_per_day, None);
}

#[test]
fn actor_precision_and_recall() {
    let metrics = score(&[], &MetricsConfig::new(0.5, 2.0), &alarm_events());
    let actor = &metrics.actor;
    let counts = &metrics.counts;
    // actors 1..5; attackers {2, 5}; flagged {1, 2, 4}; flagged attackers {2}
    assert_eq!(
        (
            counts.actors,
            counts.attacker_actors,
            counts.flagged_actors,
            counts.flagged_attacker_actors
        ),
        (5, 2, 3, 1)
    );
    assert_close(actor.precision, 1.0 / 3.0, "actor precision");
    assert_close(actor.recall, 0.5, "actor recall");
}

// ---------------------------------------------------------------- calibration

fn calibration_samples() -> Vec<BenignSample> {
    let sample = |actor_id, minutes: i64, score| BenignSample {
        score,
        actor_id,
        ts_us: minutes * MINUTE,
    };
    vec![
        sample(1, 0, 0.9),
        sample(1, 10, 0.5),
        sample(1, 20, 0.9),
        sample(2, 0, 0.7),
    ]
}

#[test]
fn calibration_picks_the_lowest_threshold_within_budget() {
    let samples = calibration_samples();
    // Over one day, gap 15 min, false alarms per candidate threshold:
    //   0.9: actor 1 at {0, 20}: 20 >= 15 apart -> 2 alarms          = 2
    //   0.7: + actor 2 at {0}                                         = 3
    //   0.5: actor 1 at {0, 10, 20} chains into 1, + actor 2          = 2 (fewer!)
    //   just above 0.9: nothing flagged                               = 0
    let budget_two = calibrate_threshold(&samples, 2.0, DEFAULT_ALARM_GAP_US, 1.0);
    let chosen = budget_two.expect("a threshold exists");
    assert_eq!((chosen.threshold, chosen.false_alarms), (0.5, 2));
    assert_close(chosen.false_alarms_per_day, 2.0, "per day");
    // Budget 1: only "flag nothing" fits -> the float just above 0.9
    let strict = calibrate_threshold(&samples, 1.0, DEFAULT_ALARM_GAP_US, 1.0).expect("fits");
    assert!(strict.threshold > 0.9 && strict.threshold < 0.9 + 1e-12);
    assert_eq!(strict.false_alarms, 0);
    // Budget 2 over 2 days means 4 alarms allowed: lowest candidate 0.5 (2 alarms, 1/day)
    let longer = calibrate_threshold(&samples, 2.0, DEFAULT_ALARM_GAP_US, 2.0).expect("fits");
    assert_eq!(longer.threshold, 0.5);
    assert_close(longer.false_alarms_per_day, 1.0, "per day over 2 days");
}

#[test]
fn calibration_rejects_bad_input() {
    let samples = calibration_samples();
    let gap = DEFAULT_ALARM_GAP_US;
    assert_eq!(
        calibrate_threshold(&samples, 1.0, gap, 0.0),
        Err(CalibrationError::InvalidSpan(0.0))
    );
    assert_eq!(
        calibrate_threshold(&samples, -1.0, gap, 1.0),
        Err(CalibrationError::InvalidBudget(-1.0))
    );
    assert_eq!(
        calibrate_threshold(&[], 1.0, gap, 1.0),
        Err(CalibrationError::NoBenignEvents)
    );
}

#[test]
fn collector_keeps_only_benign_numeric_scores() {
    let mut collector = BenignScoreCollector::default();
    collector.push(
        &[0.1, 0.2, f64::NAN, 0.4],
        &[1, 2, 3, 4],
        &[10, 20, 30, 40],
        &[true, false, true, true],
    );
    let kept: Vec<(f64, i64, i64)> = collector
        .samples()
        .iter()
        .map(|s| (s.score, s.actor_id, s.ts_us))
        .collect();
    assert_eq!(kept, vec![(0.1, 1, 10), (0.4, 4, 40)]);
}

// ---------------------------------------------------------------- across seeds

#[test]
fn mean_and_t_interval_across_seeds() {
    // [1, 2, 3, 4]: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5;
    // s = sqrt(5 / 3) = 1.290994; t(0.975, 3) = 3.182446;
    // half width = 3.182446 * 1.290994 / sqrt(4) = 4.108520 / 2 = 2.054260
    let summary = mean_with_interval(&[1.0, 2.0, 3.0, 4.0]).expect("values");
    assert_eq!(summary.n, 4);
    assert_close(summary.mean, 2.5, "mean");
    let half = summary.half_width.expect("interval for n = 4");
    assert!((half - 2.054_260).abs() < 1e-5, "half width {half}");
    assert_close_opt(summary.low, 2.5 - half, "low");

    // One seed: a mean and no interval.
    let single = mean_with_interval(&[0.7]).expect("value");
    assert_eq!(
        (single.mean, single.half_width, single.low),
        (0.7, None, None)
    );

    // 31 seeds 0..=30: normal quantile. Sample variance = 31 * 32 / 12 = 82.667,
    // s / sqrt(31) = sqrt(82.667 / 31) = sqrt(2.6667) = 1.632993; x 1.959964 = 3.200608
    let many: Vec<f64> = (0..=30).map(f64::from).collect();
    let wide = mean_with_interval(&many).expect("values");
    assert_close(wide.mean, 15.0, "mean of 0..=30");
    let half = wide.half_width.expect("interval");
    assert!((half - 3.200_608).abs() < 1e-5, "half width {half}");

    // Nothing finite: nothing to summarise.
    assert_eq!(mean_with_interval(&[f64::NAN]), None);
}
