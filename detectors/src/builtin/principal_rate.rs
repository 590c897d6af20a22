//! `principal-rate`: an exact sliding-window rate limit per authenticated principal, or
//! per API key for unauthenticated calls, the quota most API platforms enforce per
//! customer (GitHub, Stripe, Apigee quotas).
//!
//! The key is `principal_id` when set, else `api_key_id`; anonymous requests (neither)
//! score 0. Each key keeps the timestamps of its requests in the last window in a deque,
//! so the count is exact over `(ts - window, ts]` with no boundary effect a fixed window
//! has (twice the limit straddling two windows). The score is that count over the limit.
//! Defaults: 300 requests per 60 s (5 per second), well above an app or browser session
//! and below a scraper; partner integrations may need a higher limit. Memory per key is
//! bounded: once a key holds `4 × limit` timestamps the oldest is dropped, which only
//! caps the score at 4 (the dropped one would have left the window first). Keys whose
//! newest request left the window are swept once a window.

use std::collections::VecDeque;

use crate::columns::{EventView, Needs};
use crate::keys::{KeyMap, NO_KEY, Sweeper};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "principal-rate",
    description: "Exact sliding-window request rate per principal (else API key) against a quota",
    params: &[
        ParamInfo::threshold(1.0, "share of the limit at which a request is flagged"),
        ParamInfo::int(
            "window_secs",
            60,
            "length of the sliding window, in seconds",
        ),
        ParamInfo::int(
            "limit",
            300,
            "requests allowed per principal or API key per window",
        ),
    ],
    constructor: build,
};

/// How far past the limit counts stay exact, bounding memory per key.
const MAX_SCORE: usize = 4;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let window = reader.duration_micros("window_secs")?;
    let limit = reader.int_in("limit", 1, 10_000_000)? as usize;
    let scorer = PrincipalRate {
        window,
        limit: limit as f64,
        capacity: limit * MAX_SCORE,
        recent: KeyMap::default(),
        sweeper: Sweeper::every(window),
    };
    ScoredDetector::boxed(INFO.name, params, scorer)
}

struct PrincipalRate {
    window: i64,
    limit: f64,
    capacity: usize,
    recent: KeyMap<VecDeque<i64>>,
    sweeper: Sweeper,
}

impl PrincipalRate {
    fn sweep(&mut self, now: i64) {
        let oldest_kept = now.saturating_sub(self.window);
        self.recent
            .retain(|_, times| times.back().is_some_and(|&newest| newest > oldest_kept));
    }
}

impl Scorer for PrincipalRate {
    fn needs(&self) -> Needs {
        Needs {
            ts: true,
            account: true,
            ..Needs::default()
        }
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        for (&ts, &key) in view.ts.iter().zip(view.account) {
            if self.sweeper.due(ts) {
                self.sweep(ts);
            }
            if key == NO_KEY {
                scores.push(0.0);
                continue;
            }
            let times = self.recent.entry(key).or_default();
            let oldest_kept = ts.saturating_sub(self.window);
            while times.front().is_some_and(|&time| time <= oldest_kept) {
                times.pop_front();
            }
            if times.len() >= self.capacity {
                times.pop_front();
            }
            times.push_back(ts);
            scores.push(times.len() as f64 / self.limit);
        }
    }
}
