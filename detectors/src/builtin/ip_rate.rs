//! `ip-rate`: the fixed-window request counter per client IP that every API gateway
//! ships (nginx `limit_req` zones, Kong's and AWS WAF's rate-based rules).
//!
//! Windows are aligned to the Unix epoch, as in those products. The score is the count
//! of this IP's requests in the current window so far divided by the limit, so the
//! request that reaches the limit scores 1.0 and is flagged. Defaults: 600 requests per
//! 60 s (10 per second sustained), a common per-IP ceiling for a consumer API that
//! leaves room for NAT-shared addresses. It catches one address hammering the API and
//! misses anything spread over many addresses (rotating proxies). State is one counter
//! per IP seen in the current window; counters of past windows are swept once a window.

use crate::columns::{EventView, Needs};
use crate::keys::{KeyMap, NO_KEY, Sweeper, WindowClock};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "ip-rate",
    description: "Fixed-window request count per client IP against a rate limit",
    params: &[
        ParamInfo::threshold(
            super::calibrated::IP_RATE,
            "share of the limit at which a request is flagged",
        ),
        ParamInfo::int("window_secs", 60, "length of the fixed window, in seconds"),
        ParamInfo::int("limit", 600, "requests allowed per IP per window"),
    ],
    constructor: build,
};

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let window = reader.duration_micros("window_secs")?;
    let limit = reader.int_in("limit", 1, u32::MAX.into())?;
    let scorer = IpRate {
        clock: WindowClock::new(window),
        limit: limit as f64,
        counters: KeyMap::default(),
        sweeper: Sweeper::every(window),
    };
    ScoredDetector::boxed(INFO.name, params, scorer)
}

struct WindowCount {
    window: i64,
    count: u32,
}

struct IpRate {
    clock: WindowClock,
    limit: f64,
    counters: KeyMap<WindowCount>,
    sweeper: Sweeper,
}

impl Scorer for IpRate {
    fn needs(&self) -> Needs {
        Needs {
            ts: true,
            ip: true,
            ..Needs::default()
        }
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        for (&ts, &ip) in view.ts.iter().zip(view.ip) {
            let window = self.clock.index(ts);
            if self.sweeper.due(ts) {
                self.counters.retain(|_, counter| counter.window >= window);
            }
            if ip == NO_KEY {
                scores.push(0.0);
                continue;
            }
            let counter = self
                .counters
                .entry(ip)
                .or_insert(WindowCount { window, count: 0 });
            if counter.window != window {
                *counter = WindowCount { window, count: 0 };
            }
            counter.count = counter.count.saturating_add(1);
            scores.push(f64::from(counter.count) / self.limit);
        }
    }
}
