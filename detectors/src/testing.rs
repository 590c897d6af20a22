//! Builders of small `events` batches for tests and benchmarks: hand-written rows that
//! show what a detector catches, and seeded synthetic traffic with realistic
//! cardinalities. Columns no detector reads get fixed plausible values. And
//! [`ClosureDetector`], a detector made of a closure, for tests of what drives detectors.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float32Array, Int16Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use breachlab_schema::events_schema;

use crate::{Detector, DetectorError, EventBatch, Params};

/// 2024-01-01T00:00:00Z, the origin of [`EventRow::at`] times, in microseconds.
pub const EPOCH_MICROS: i64 = 1_704_067_200_000_000;

/// One request, with the columns detectors read.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub ts_micros: i64,
    pub client_ip: String,
    pub api_key_id: Option<String>,
    pub principal_id: Option<i64>,
    pub session_id: Option<i64>,
    pub route: String,
    pub target_id: Option<i64>,
    pub status: i16,
}

impl EventRow {
    /// An anonymous `GET /v1/accounts/{id}` with status 200 from 203.0.113.1, `secs`
    /// seconds after [`EPOCH_MICROS`].
    pub fn at(secs: f64) -> Self {
        EventRow {
            ts_micros: EPOCH_MICROS + (secs * 1e6).round() as i64,
            client_ip: "203.0.113.1".to_string(),
            api_key_id: None,
            principal_id: None,
            session_id: None,
            route: "/v1/accounts/{id}".to_string(),
            target_id: None,
            status: 200,
        }
    }

    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.client_ip = ip.into();
        self
    }

    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key_id = Some(key.into());
        self
    }

    pub fn principal(mut self, principal: i64) -> Self {
        self.principal_id = Some(principal);
        self
    }

    pub fn session(mut self, session: i64) -> Self {
        self.session_id = Some(session);
        self
    }

    pub fn route(mut self, route: impl Into<String>) -> Self {
        self.route = route.into();
        self
    }

    pub fn target(mut self, target: i64) -> Self {
        self.target_id = Some(target);
        self
    }

    pub fn status(mut self, status: i16) -> Self {
        self.status = status;
        self
    }
}

/// An `events` batch of `rows` (full schema), `event_id` numbered from `first_event_id`.
pub fn events_batch(first_event_id: i64, rows: &[EventRow]) -> RecordBatch {
    let count = rows.len();
    let strings = |text: &str| Arc::new(StringArray::from(vec![text; count])) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            (0..count as i64).map(|offset| first_event_id + offset),
        )),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(rows.iter().map(|row| row.ts_micros))
                .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|row| row.client_ip.as_str()),
        )),
        Arc::new(Int32Array::from(vec![64_500; count])),
        strings("residential"),
        strings("US"),
        strings("breachlab-test/1.0"),
        strings("app"),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|row| row.api_key_id.as_deref()),
        )),
        Arc::new(Int64Array::from_iter(
            rows.iter().map(|row| row.principal_id),
        )),
        Arc::new(Int64Array::from_iter(rows.iter().map(|row| row.session_id))),
        strings("GET"),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|row| row.route.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|row| {
            let id = row.target_id.map_or(String::new(), |id| id.to_string());
            row.route.replace("{id}", &id)
        }))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|row| row.target_id))),
        Arc::new(Int16Array::from_iter_values(
            rows.iter().map(|row| row.status),
        )),
        Arc::new(Float32Array::from(vec![12.5; count])),
        Arc::new(Int32Array::from(vec![512; count])),
        Arc::new(Int32Array::from(vec![1; count])),
    ];
    RecordBatch::try_new(Arc::new(events_schema()), columns)
        .expect("the columns follow events_schema")
}

/// Shape of [`synthetic_events`] traffic.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticTraffic {
    pub events: usize,
    pub ips: u64,
    pub principals: u64,
    pub api_keys: u64,
    pub routes: u64,
    pub duration_secs: f64,
    /// One event in this many belongs to a single ID-walking prober (0: none).
    pub prober_every: u64,
    pub seed: u64,
}

impl Default for SyntheticTraffic {
    fn default() -> Self {
        SyntheticTraffic {
            events: 20_000,
            ips: 2_000,
            principals: 1_000,
            api_keys: 50,
            routes: 20,
            duration_secs: 3.0 * 3600.0,
            prober_every: 40,
            seed: 7,
        }
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), enough for test traffic.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut value = self.0;
        value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        value ^ (value >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn ip_text(index: u64) -> String {
    format!(
        "10.{}.{}.{}",
        (index >> 16) & 255,
        (index >> 8) & 255,
        index & 255
    )
}

/// Time-ordered mixed traffic: customers (most authenticated) reading their own objects
/// with a few 404s, some API-key callers, and optionally one prober walking ids from one
/// IP with many 404s.
pub fn synthetic_events(shape: SyntheticTraffic) -> Vec<EventRow> {
    let mut random = SplitMix(shape.seed);
    let step = shape.duration_secs / shape.events.max(1) as f64;
    let routes: Vec<String> = (0..shape.routes.max(1))
        .map(|route| format!("/v1/resource{route}/{{id}}"))
        .collect();
    let mut probe_target = 5_000_000;
    (0..shape.events as u64)
        .map(|index| {
            let mut row = EventRow::at(index as f64 * step);
            if shape.prober_every > 0 && index % shape.prober_every == 0 {
                probe_target += 1 + random.below(2) as i64;
                let status = if random.chance(60) { 404 } else { 200 };
                return row.ip("198.51.100.7").target(probe_target).status(status);
            }
            let ip_index = random.below(shape.ips);
            row = row.ip(ip_text(ip_index));
            row.route = routes[random.below(routes.len() as u64) as usize].clone();
            if random.chance(60) {
                let principal = (ip_index % shape.principals.max(1)) as i64;
                row = row
                    .principal(principal)
                    .target(principal * 4 + random.below(3) as i64);
            } else if random.chance(50) {
                row = row
                    .api_key(format!("key-{}", random.below(shape.api_keys)))
                    .target(random.below(10_000_000) as i64);
            }
            if random.chance(3) {
                row = row.status(404);
            }
            row
        })
        .collect()
}

/// A detector that scores with a closure and declares no columns (so it is handed every
/// column), with threshold 1: for tests of a runner, where what a detector returns or
/// sees matters and not how it scores.
pub struct ClosureDetector<F> {
    name: String,
    params: Params,
    score: F,
}

impl<F> ClosureDetector<F>
where
    F: FnMut(&RecordBatch, &mut Vec<f64>) -> Result<(), DetectorError> + Send,
{
    /// `score` appends the scores of each batch, as [`Detector::score`] does.
    pub fn new(name: impl Into<String>, score: F) -> Self {
        ClosureDetector {
            name: name.into(),
            params: Params::new(),
            score,
        }
    }
}

impl<F> Detector for ClosureDetector<F>
where
    F: FnMut(&RecordBatch, &mut Vec<f64>) -> Result<(), DetectorError> + Send,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn default_threshold(&self) -> f64 {
        1.0
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        (self.score)(batch.events, scores)
    }
}

/// The scores the built-in `name`, with parameter `overrides` (`k=v`), gives `rows` as one
/// batch.
pub fn score_rows(name: &str, overrides: &[&str], rows: &[EventRow]) -> Vec<f64> {
    let params = crate::Params::from_assignments(overrides.iter().copied()).unwrap();
    let mut detector = crate::build(name, &params).unwrap();
    let mut scores = Vec::new();
    let batch = events_batch(0, rows);
    detector
        .score(&crate::EventBatch::new(&batch), &mut scores)
        .unwrap();
    scores
}
