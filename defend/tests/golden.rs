//! Hand-made streams where the effect of every block can be worked out by hand.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use breachlab_defend::{
    CampaignInfo, DefendReport, Enforcement, KeyKind, Labels, LoopSetup, Policy, RunInfo, Traffic,
    run_loop,
};
use breachlab_detectors::testing::{ClosureDetector, EPOCH_MICROS, EventRow, events_batch};
use breachlab_detectors::{Detector, DetectorError};

const ATTACKER: &str = "203.0.113.7";
const CUSTOMER: &str = "198.51.100.1";

/// A customer at 0.2 s and 5.2 s; the campaign `walk` at 0.5, 1.5, ..., 9.5 s, each
/// request exposing one record except the third, which exposes two (11 in all). The
/// span is the first minute.
fn traffic() -> Traffic {
    let mut rows = Vec::new();
    let mut labels = Labels::default();
    let mut push = |row: EventRow, attack: bool, records: i32| {
        rows.push(row);
        labels.is_attack.push(attack);
        labels.campaign_id.push(attack.then_some(0));
        labels.actor_id.push(if attack { -1 } else { 42 });
        labels.records_exposed.push(records);
    };
    push(EventRow::at(0.2).ip(CUSTOMER), false, 0);
    for i in 0..10 {
        let at = 0.5 + i as f64;
        if at == 5.5 {
            push(EventRow::at(5.2).ip(CUSTOMER), false, 0);
        }
        let records = if i == 2 { 2 } else { 1 };
        push(
            EventRow::at(at).ip(ATTACKER).target(1000 + i),
            true,
            records,
        );
    }
    let events = events_batch(1, &rows);
    let campaigns = vec![CampaignInfo {
        id: 0,
        name: "walk".into(),
        is_attack: true,
    }];
    Traffic::new(
        events,
        labels,
        campaigns,
        EPOCH_MICROS,
        EPOCH_MICROS + 60_000_000,
    )
    .unwrap()
}

/// Flags the attacker's third request and every later one from the same address.
fn third_strike() -> impl Detector {
    let mut seen = 0;
    ClosureDetector::new("third-strike", move |batch: &RecordBatch, scores| {
        let ips = batch.column(2).as_string::<i32>();
        for ip in ips.iter() {
            let flagged = ip == Some(ATTACKER) && {
                seen += 1;
                seen >= 3
            };
            scores.push(if flagged { 1.0 } else { 0.0 });
        }
        Ok::<(), DetectorError>(())
    })
}

fn enforcement() -> Enforcement {
    Enforcement {
        keys: vec![KeyKind::Address],
        block_for_us: None,
        refuse_status: 403,
        window_us: 1_000_000,
    }
}

fn run(policy: Policy, detector: &mut dyn Detector) -> DefendReport {
    let traffic = traffic();
    let enforcement = enforcement();
    let outcome = run_loop(
        &traffic,
        LoopSetup {
            detector,
            threshold: 1.0,
            enforcement: &enforcement,
            policies: vec![policy],
            seed: 1,
        },
    )
    .unwrap();
    let info = RunInfo {
        scenario: "hand-made".into(),
        seed: 1,
        scale: 1.0,
        distorted: false,
        detector: "third-strike".into(),
        detector_params: serde_json::Value::Null,
        threshold: 1.0,
        threshold_source: "default".into(),
    };
    DefendReport::new(info, Some(policy), &enforcement, &traffic, &outcome)
}

#[test]
fn a_block_from_the_third_request_stops_the_last_seven() {
    // The third request (2.5 s) alerts in the window [2 s, 3 s): the block holds from
    // 3 s, so requests 1-3 are served (1 + 1 + 2 records) and 3.5 s .. 9.5 s refused.
    let report = run(Policy::None, &mut third_strike());
    let walk = &report.campaigns[0];
    assert_eq!(walk.undefended.records_exposed, 11);
    assert_eq!(walk.defended.records_exposed, 4);
    assert_eq!(walk.defended.requests_sent, 10);
    assert_eq!(walk.defended.requests_refused, 7);
    assert_eq!(walk.defended.addresses_burned, 1);
    assert_eq!(report.totals.records_exposed_defended, 4);
    assert_eq!(report.totals.benign_requests_refused, 0);
    assert_eq!(
        report.totals.alerts, 8,
        "the third request and the seven refused after it"
    );
    let last = report.exposure_over_time.last().unwrap();
    assert_eq!((last.undefended, last.defended), (11, 4));
}

#[test]
fn pausing_past_the_end_of_the_span_leaves_the_rest_unsent() {
    let report = run(Policy::Pause { pause_s: 100.0 }, &mut third_strike());
    let walk = &report.campaigns[0].defended;
    assert_eq!(walk.records_exposed, 4);
    assert_eq!((walk.requests_sent, walk.requests_refused), (4, 1));
    assert_eq!(walk.requests_unsent, 7);
    assert_eq!(walk.pauses, 1);
}

#[test]
fn rotating_away_from_an_address_block_gets_every_record() {
    let policy = Policy::Rotate {
        pool: 1,
        rotation_cost: 2.5,
    };
    let report = run(policy, &mut third_strike());
    let walk = &report.campaigns[0].defended;
    // Refused once at 3.5 s, sent again from a fresh address a second later, then served.
    assert_eq!(walk.records_exposed, 11);
    assert_eq!((walk.requests_sent, walk.requests_refused), (11, 1));
    assert_eq!((walk.rotations, walk.rotation_cost), (1, 2.5));
    assert_eq!(walk.addresses_used, 2);
}

#[test]
fn a_detector_that_never_alerts_leaves_the_open_loop_exposure() {
    let mut null = ClosureDetector::new("null", |batch: &RecordBatch, scores: &mut Vec<f64>| {
        scores.extend(std::iter::repeat_n(0.0, batch.num_rows()));
        Ok(())
    });
    let report = run(Policy::None, &mut null);
    assert_eq!(report.totals.records_exposed_defended, 11);
    let walk = &report.campaigns[0];
    assert_eq!(
        walk.defended.records_exposed,
        walk.undefended.records_exposed
    );
    assert_eq!(walk.defended.requests_sent, walk.undefended.requests_sent);
    assert_eq!(walk.defended.time_taken_s, walk.undefended.time_taken_s);
    assert_eq!(report.totals.alerts, 0);
}

#[test]
fn a_false_alarm_locks_the_customer_out() {
    let mut first = true;
    let mut flag_customer = ClosureDetector::new(
        "flag-customer",
        move |batch: &RecordBatch, scores: &mut Vec<f64>| {
            let ips = batch.column(2).as_string::<i32>();
            for ip in ips.iter() {
                let flagged = ip == Some(CUSTOMER) && std::mem::take(&mut first);
                scores.push(if flagged { 1.0 } else { 0.0 });
            }
            Ok(())
        },
    );
    let report = run(Policy::None, &mut flag_customer);
    let customers = &report.benign[0];
    assert_eq!(customers.source, "customers");
    assert_eq!((customers.requests, customers.refused), (2, 1));
    assert_eq!(customers.entities_locked_out, 1);
    assert_eq!(report.totals.records_exposed_defended, 11);
}

#[test]
fn a_detector_with_a_wrong_score_count_cannot_drive_enforcement() {
    let mut short = ClosureDetector::new("short", |_: &RecordBatch, _: &mut Vec<f64>| Ok(()));
    let traffic = traffic();
    let error = run_loop(
        &traffic,
        LoopSetup {
            detector: &mut short,
            threshold: 1.0,
            enforcement: &enforcement(),
            policies: vec![Policy::None],
            seed: 1,
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("short") && error.contains("cannot drive enforcement"),
        "{error}"
    );
}

#[test]
fn the_page_plots_both_curves() {
    let report = run(Policy::None, &mut third_strike());
    let html = report.to_html();
    assert_eq!(html.matches("<polyline").count(), 2);
    assert!(
        html.contains("11 records"),
        "the axis tops at the undefended total"
    );
}
