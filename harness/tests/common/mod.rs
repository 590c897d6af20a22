//! Hand-built event lists shared by the golden tests.
#![allow(dead_code)]

use breachlab_harness::metrics::{
    CampaignInfo, DetectorMetrics, MetricsAccumulator, MetricsConfig, ScoredColumns,
};

pub const MINUTE: i64 = 60 * 1_000_000;
pub const HOUR: i64 = 60 * MINUTE;

/// One event as a test writes it.
#[derive(Debug, Clone, Copy)]
pub struct Ev {
    pub ts_us: i64,
    pub score: f64,
    pub is_attack: bool,
    pub campaign_id: Option<i32>,
    pub actor_id: i64,
    pub records_exposed: i32,
}

/// An attack event of `campaign` by `actor`.
pub fn attack(ts_us: i64, score: f64, campaign: i32, actor: i64, records: i32) -> Ev {
    Ev {
        ts_us,
        score,
        is_attack: true,
        campaign_id: Some(campaign),
        actor_id: actor,
        records_exposed: records,
    }
}

/// A benign event, optionally in a look-alike cohort.
pub fn benign(ts_us: i64, score: f64, cohort: Option<i32>, actor: i64) -> Ev {
    Ev {
        ts_us,
        score,
        is_attack: false,
        campaign_id: cohort,
        actor_id: actor,
        records_exposed: 0,
    }
}

/// Column-wise copy of a list of events.
pub struct Columns {
    ts_us: Vec<i64>,
    score: Vec<f64>,
    is_attack: Vec<bool>,
    campaign_id: Vec<Option<i32>>,
    actor_id: Vec<i64>,
    records_exposed: Vec<i32>,
}

impl Columns {
    pub fn new(events: &[Ev]) -> Self {
        Self {
            ts_us: events.iter().map(|e| e.ts_us).collect(),
            score: events.iter().map(|e| e.score).collect(),
            is_attack: events.iter().map(|e| e.is_attack).collect(),
            campaign_id: events.iter().map(|e| e.campaign_id).collect(),
            actor_id: events.iter().map(|e| e.actor_id).collect(),
            records_exposed: events.iter().map(|e| e.records_exposed).collect(),
        }
    }

    /// Rows `range` as scored columns.
    pub fn slice(&self, range: std::ops::Range<usize>) -> ScoredColumns<'_> {
        ScoredColumns {
            ts_us: &self.ts_us[range.clone()],
            score: &self.score[range.clone()],
            is_attack: &self.is_attack[range.clone()],
            campaign_id: &self.campaign_id[range.clone()],
            actor_id: &self.actor_id[range.clone()],
            records_exposed: &self.records_exposed[range],
        }
    }

    pub fn len(&self) -> usize {
        self.ts_us.len()
    }
}

pub fn campaign(id: i32, name: &str, is_attack: bool, start_us: i64, end_us: i64) -> CampaignInfo {
    CampaignInfo {
        campaign_id: id,
        name: name.to_string(),
        is_attack,
        start_us,
        end_us,
        technique: if is_attack { "bola_walk" } else { "lookalike" }.to_string(),
    }
}

/// Scores `events` pushed in batches of `batch` rows.
pub fn score_in_batches(
    campaigns: &[CampaignInfo],
    config: &MetricsConfig,
    events: &[Ev],
    batch: usize,
) -> DetectorMetrics {
    let columns = Columns::new(events);
    let mut accumulator = MetricsAccumulator::new(campaigns, config.clone());
    let mut start = 0;
    while start < columns.len() {
        let end = (start + batch.max(1)).min(columns.len());
        accumulator
            .push(&columns.slice(start..end))
            .expect("columns of equal length");
        start = end;
    }
    accumulator.finish()
}

/// Scores `events` in one push.
pub fn score(campaigns: &[CampaignInfo], config: &MetricsConfig, events: &[Ev]) -> DetectorMetrics {
    score_in_batches(campaigns, config, events, events.len().max(1))
}

pub fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: got {actual}, expected {expected}"
    );
}

pub fn assert_close_opt(actual: Option<f64>, expected: f64, what: &str) {
    match actual {
        Some(value) => assert_close(value, expected, what),
        None => panic!("{what}: got None, expected {expected}"),
    }
}

/// The campaign scenario of the golden tests: four attack campaigns (one undetected, one
/// detected on its first, record-less event) and three benign cohorts.
pub fn campaign_scenario() -> (Vec<CampaignInfo>, Vec<Ev>) {
    let campaigns = vec![
        campaign(1, "alpha", true, 0, 30 * HOUR),
        campaign(2, "bravo", true, 5 * MINUTE, 60 * MINUTE),
        campaign(3, "charlie", true, 0, 10 * HOUR),
        campaign(4, "delta", true, 0, 5 * HOUR),
        campaign(10, "partner-bulk-sync", false, 0, 30 * MINUTE),
        campaign(11, "qa-crawler", false, 0, 30 * MINUTE),
        campaign(12, "empty-cohort", false, 0, 30 * MINUTE),
    ];
    let mut events = vec![
        // alpha, actor 100
        attack(10 * MINUTE, 0.2, 1, 100, 5),
        attack(20 * MINUTE, 0.1, 1, 100, 3),
        attack(30 * MINUTE, 0.7, 1, 100, 2),  // detects alpha
        attack(30 * MINUTE, 0.1, 1, 100, 1),  // same ts as the detection, after it
        attack(90 * MINUTE, 0.9, 1, 100, 4),  // detection + exactly 1 h
        attack(120 * MINUTE, 0.0, 1, 100, 6), // detection + 1.5 h
        attack(30 * MINUTE + 24 * HOUR, 0.1, 1, 100, 7), // detection + exactly 24 h
        attack(30 * MINUTE + 25 * HOUR, 0.1, 1, 100, 8), // detection + 25 h
        // bravo, actor 200: detected on its first event, which exposes nothing
        attack(5 * MINUTE, 0.9, 2, 200, 0),
        attack(6 * MINUTE, 0.2, 2, 200, 10),
        // charlie, actor 300: never reaches 0.5
        attack(40 * MINUTE, 0.4, 3, 300, 2),
        attack(50 * MINUTE, 0.49, 3, 300, 3),
        // delta, actor 400
        attack(60 * MINUTE, 0.3, 4, 400, 1),
        attack(120 * MINUTE, 0.8, 4, 400, 1),
        // cohort partner-bulk-sync, actor 500: one of four flagged
        benign(15 * MINUTE, 0.6, Some(10), 500),
        benign(16 * MINUTE, 0.1, Some(10), 500),
        benign(17 * MINUTE, 0.2, Some(10), 500),
        benign(18 * MINUTE, 0.3, Some(10), 500),
        // cohort qa-crawler, actor 600: none flagged
        benign(25 * MINUTE, 0.1, Some(11), 600),
        benign(26 * MINUTE, 0.4, Some(11), 600),
    ];
    // Stable: events with equal timestamps keep the order written above.
    events.sort_by_key(|event| event.ts_us);
    (campaigns, events)
}
