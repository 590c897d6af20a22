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
//! caps the score at 4 (the dropped one would have left the window first). Up to four
//! timestamps live in the key's map entry, enough for nearly every key, so only busy
//! keys cost a heap buffer. Keys whose newest request left the window are swept once a
//! window.

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
        ParamInfo::threshold(
            super::calibrated::PRINCIPAL_RATE,
            "share of the limit at which a request is flagged",
        ),
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
    recent: KeyMap<Recent>,
    sweeper: Sweeper,
}

impl PrincipalRate {
    fn sweep(&mut self, now: i64) {
        let oldest_kept = now.saturating_sub(self.window);
        self.recent
            .retain(|_, times| times.newest().is_some_and(|newest| newest > oldest_kept));
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
            let oldest_kept = ts.saturating_sub(self.window);
            let count = self
                .recent
                .entry(key)
                .or_default()
                .record(ts, oldest_kept, self.capacity);
            scores.push(count as f64 / self.limit);
        }
    }
}

const INLINE_TIMES: usize = 4;

/// A key's request times within the window, oldest first.
enum Recent {
    Inline {
        times: [i64; INLINE_TIMES],
        len: usize,
    },
    Spilled(VecDeque<i64>),
}

impl Default for Recent {
    fn default() -> Self {
        Recent::Inline {
            times: [0; INLINE_TIMES],
            len: 0,
        }
    }
}

impl Recent {
    fn newest(&self) -> Option<i64> {
        match self {
            Recent::Inline { times, len } => times[..*len].last().copied(),
            Recent::Spilled(times) => times.back().copied(),
        }
    }

    /// Forgets times at or before `oldest_kept`, adds `ts` (dropping the oldest when
    /// `capacity` is reached) and returns how many times are kept.
    fn record(&mut self, ts: i64, oldest_kept: i64, capacity: usize) -> usize {
        if let Recent::Inline { times, len } = self {
            let expired = times[..*len]
                .iter()
                .take_while(|&&time| time <= oldest_kept)
                .count();
            let dropped = expired.max((*len + 1).saturating_sub(capacity));
            times.copy_within(dropped..*len, 0);
            *len -= dropped;
            if *len < INLINE_TIMES {
                times[*len] = ts;
                *len += 1;
                return *len;
            }
            let mut spilled = VecDeque::with_capacity(2 * INLINE_TIMES);
            spilled.extend(times.iter().copied());
            *self = Recent::Spilled(spilled);
        }
        match self {
            Recent::Spilled(times) => {
                while times.front().is_some_and(|&time| time <= oldest_kept) {
                    times.pop_front();
                }
                if times.len() >= capacity {
                    times.pop_front();
                }
                times.push_back(ts);
                times.len()
            }
            Recent::Inline { len, .. } => *len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_exact_across_the_inline_and_spilled_stages() {
        let mut recent = Recent::default();
        let counts: Vec<usize> = (0..10).map(|ts| recent.record(ts, ts - 6, 100)).collect();
        assert_eq!(counts, [1, 2, 3, 4, 5, 6, 6, 6, 6, 6]);
        assert_eq!(recent.newest(), Some(9));
    }

    #[test]
    fn capacity_drops_the_oldest_in_both_stages() {
        for capacity in [2, 6] {
            let mut recent = Recent::default();
            let last = (0..10).map(|ts| recent.record(ts, -1, capacity)).last();
            assert_eq!(last, Some(capacity));
        }
    }
}
