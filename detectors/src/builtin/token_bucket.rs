//! `token-bucket`: the per-client request rate limit of nginx `limit_req` (a leaky
//! bucket) and Envoy's local rate limit (a token bucket): a client may send `burst`
//! requests at once and `rate` per second sustained.
//!
//! Each client has a bucket whose level drains at `rate` per second and rises by one per
//! request. The score is nginx's `excess` over the burst: `(level - 1) / burst`, where
//! `level` includes this request, so the request that finds `burst` requests already
//! queued scores 1 and is flagged (nginx rejects the next one: it flags at `excess >
//! burst`, this at `excess >= burst`). Unlike nginx, refused requests fill the bucket
//! too: the score measures the client's demand against the rate and keeps rising while
//! the client keeps pushing, instead of saturating at the limit, which is what gives a
//! threshold above 1 a meaning (about a bucket that many times deeper).
//!
//! Defaults: `rate = 10` per second and `burst = 20`, the `limit_req zone=... rate=10r/s`
//! with `burst=20` of the common nginx API examples, keyed per IP and per principal
//! (else API key). Memory: one level and time per client, swept once a minute when
//! drained.

use super::actor::{ActorEvent, ActorKey, ActorSignal, PerKey, key_choice};
use crate::columns::Needs;
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "token-bucket",
    description: "nginx limit_req / Envoy local rate limit per client (IP and principal): rate r/s with a burst",
    params: &[
        ParamInfo::threshold(
            super::calibrated::TOKEN_BUCKET,
            "excess over the burst at which a request is flagged (1: the bucket is full)",
        ),
        ParamInfo::float("rate", 10.0, "requests per second the bucket drains"),
        ParamInfo::int("burst", 20, "requests a client may queue above the rate"),
        ParamInfo::string(
            "key",
            "both",
            "bucket per \"ip\", per \"principal\" (else API key), or \"both\"",
        ),
    ],
    constructor: build,
};

/// Event time between sweeps of drained buckets.
const SWEEP_INTERVAL: i64 = 60 * 1_000_000;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let signal = BucketSignal {
        key: ActorKey::Ip,
        rate_per_micro: reader.positive_float("rate")? / 1e6,
        per_burst: 1.0 / reader.int_in("burst", 1, 1_000_000_000)? as f64,
    };
    let signals = key_choice(&reader, "key")?
        .into_iter()
        .map(|key| BucketSignal { key, ..signal })
        .collect();
    ScoredDetector::boxed(INFO.name, params, PerKey::new(signals))
}

#[derive(Clone, Copy)]
struct BucketSignal {
    key: ActorKey,
    rate_per_micro: f64,
    per_burst: f64,
}

#[derive(Default)]
struct Bucket {
    level: f64,
    last_ts: i64,
}

impl BucketSignal {
    #[inline]
    fn drained(&self, bucket: &Bucket, now: i64) -> f64 {
        let elapsed = now.saturating_sub(bucket.last_ts).max(0) as f64;
        (bucket.level - elapsed * self.rate_per_micro).max(0.0)
    }
}

impl ActorSignal for BucketSignal {
    type State = Bucket;

    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn key(&self) -> ActorKey {
        self.key
    }

    fn sweep_interval(&self) -> i64 {
        SWEEP_INTERVAL
    }

    #[inline]
    fn observe(&mut self, bucket: &mut Bucket, event: &ActorEvent) -> f64 {
        let level = self.drained(bucket, event.ts) + 1.0;
        *bucket = Bucket {
            level,
            last_ts: bucket.last_ts.max(event.ts),
        };
        (level - 1.0) * self.per_burst
    }

    fn is_stale(&self, bucket: &Bucket, now: i64) -> bool {
        self.drained(bucket, now) == 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(micros: i64) -> ActorEvent {
        ActorEvent {
            actor: 1,
            ts: micros,
            target: 0,
            status: 200,
        }
    }

    #[test]
    fn a_burst_fills_the_bucket_and_the_rate_drains_it() {
        // rate 2/s, burst 4.
        let mut signal = BucketSignal {
            key: ActorKey::Ip,
            rate_per_micro: 2.0 / 1e6,
            per_burst: 0.25,
        };
        let mut bucket = Bucket::default();
        let at_once: Vec<f64> = (0..6)
            .map(|_| signal.observe(&mut bucket, &event(0)))
            .collect();
        // Excess 0, 1, 2, 3, 4 (flagged: full), 5.
        assert_eq!(at_once, [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]);
        // One second later 2 requests drained: level 6 - 2 + 1 = 5, excess 4.
        assert_eq!(signal.observe(&mut bucket, &event(1_000_000)), 1.0);
        // Ten seconds later the bucket is empty again.
        assert_eq!(signal.observe(&mut bucket, &event(11_000_000)), 0.0);
        assert!(signal.is_stale(&bucket, 12_000_000));
        assert!(!signal.is_stale(&bucket, 11_100_000));
    }

    #[test]
    fn a_client_at_the_rate_never_fills_the_bucket() {
        let mut signal = BucketSignal {
            key: ActorKey::Ip,
            rate_per_micro: 10.0 / 1e6,
            per_burst: 1.0 / 20.0,
        };
        let mut bucket = Bucket::default();
        let highest = (0..10_000)
            .map(|i| signal.observe(&mut bucket, &event(i * 100_000)))
            .fold(0.0, f64::max);
        assert_eq!(highest, 0.0);
    }
}
