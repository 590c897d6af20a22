//! `route-baseline`: a client's distinct targets on a route over a long window (default
//! 24 h), compared with that route's typical client, after Cloudflare API Shield's BOLA
//! detection (per-session unique values against the endpoint's own baseline). A route
//! where every client reads one object a day and a route where partners read hundreds
//! need different limits; the route's own clients set them.
//!
//! The client is the principal, else the API key and address together, else the address:
//! every signed-out client of a web portal or an app shares one API key, and counted as one
//! client that key would read more than any attacker and set the route's tail. Each (client,
//! route) pair keeps a [`DistinctRing`](super::distinct_ring) of hourly buckets. Once an
//! hour, at the first event of the hour, a census takes every live pair's count (as of
//! its last event) and sets each route's baseline to the `quantile` of its clients'
//! counts, when at least `min_clients` clients used the route; otherwise, and before the
//! first census, the baseline is `min_baseline`. The score is the pair's count over
//! `max(baseline, min_baseline)`: how many times the route's typical client the client
//! has read. The baseline is learnt from the past alone and poisoned only by an attacker
//! that is a large share of a route's clients.

use super::distinct_ring::{KeyedRings, RingShape};
use crate::columns::{event_targets, event_times, int_keys, row_strings};
use crate::keys::{
    API_KEY_SEED, IP_SEED, KeyMap, NO_KEY, PRINCIPAL_SEED, ROUTE_SEED, hash_bytes, hash_int,
    key_and_address,
};
use crate::params::ParamReader;
use crate::{Detector, DetectorError, DetectorInfo, EventBatch, ParamInfo, Params};
use arrow_array::RecordBatch;
use breachlab_schema::events;

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "route-baseline",
    description: "A client's distinct target_ids on a route over a day against the route's typical client",
    params: &[
        ParamInfo::threshold(
            super::calibrated::ROUTE_BASELINE,
            "times the route's typical client at which an event is flagged",
        ),
        ParamInfo::int(
            "window_secs",
            86_400,
            "length of the sliding window, in seconds",
        ),
        ParamInfo::int(
            "bucket_secs",
            3_600,
            "the window slides, and the baselines are re-learnt, every this many seconds",
        ),
        ParamInfo::float(
            "quantile",
            0.9,
            "quantile of the route's clients' counts taken as its typical client",
        ),
        ParamInfo::int(
            "min_clients",
            20,
            "clients a route needs before its own baseline is used",
        ),
        ParamInfo::float(
            "min_baseline",
            1.0,
            "the least baseline (and the baseline of a route with too few clients)",
        ),
        ParamInfo::int(
            "precision",
            10,
            "HyperLogLog precision (4..=16) of buckets past 64 targets",
        ),
    ],
    constructor: build,
};

struct RouteBaseline {
    params: Params,
    threshold: f64,
    shape: RingShape,
    quantile: f64,
    min_clients: usize,
    min_baseline: f64,
    /// Rings per (client, route) pair, tagged with the route.
    pairs: KeyedRings,
    /// Each route's baseline from the last census.
    baselines: KeyMap<f64>,
    clients: Vec<u64>,
    routes: Vec<u64>,
    targets: Vec<i64>,
}

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let shape = RingShape::from_params(&reader)?;
    let quantile = reader.float("quantile")?;
    if !(0.0..=1.0).contains(&quantile) {
        return Err(reader.invalid("quantile", "must be in [0, 1]", quantile));
    }
    Ok(Box::new(RouteBaseline {
        threshold: reader.float("threshold")?,
        quantile,
        min_clients: reader.int_in("min_clients", 1, 1 << 40)? as usize,
        min_baseline: reader.positive_float("min_baseline")?,
        pairs: KeyedRings::new(&shape),
        shape,
        baselines: KeyMap::default(),
        clients: Vec::new(),
        routes: Vec::new(),
        targets: Vec::new(),
        params,
    }))
}

/// Every row's client: its principal, else its API key and address, else its address.
fn client_keys(batch: &RecordBatch, out: &mut Vec<u64>) -> Result<(), DetectorError> {
    int_keys(batch, events::PRINCIPAL_ID, PRINCIPAL_SEED, out)?;
    let api_keys = row_strings(batch, events::API_KEY_ID)?;
    let addresses = row_strings(batch, events::CLIENT_IP)?;
    for ((key, api_key), address) in out.iter_mut().zip(api_keys).zip(addresses) {
        if *key == NO_KEY {
            *key = match (api_key, address) {
                (Some(api_key), Some(address)) => key_and_address(api_key, address),
                (Some(api_key), None) => hash_bytes(API_KEY_SEED, api_key.as_bytes()),
                (None, Some(address)) => hash_bytes(IP_SEED, address.as_bytes()),
                (None, None) => NO_KEY,
            };
        }
    }
    Ok(())
}

/// The `quantile` of `counts` (sorted), by the nearest rank.
fn nearest_rank(counts: &[f64], quantile: f64) -> f64 {
    let rank = (quantile * counts.len() as f64).ceil() as usize;
    counts[rank.clamp(1, counts.len()) - 1]
}

impl RouteBaseline {
    /// Re-learns every route's baseline from the live pairs' counts.
    fn census(&mut self) {
        let mut counts: Vec<(u64, f64)> = self.pairs.tagged_counts().collect();
        counts.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        self.baselines.clear();
        for route in counts.chunk_by(|a, b| a.0 == b.0) {
            if route.len() >= self.min_clients {
                let sorted: Vec<f64> = route.iter().map(|&(_, count)| count).collect();
                self.baselines
                    .insert(route[0].0, nearest_rank(&sorted, self.quantile));
            }
        }
    }
}

impl Detector for RouteBaseline {
    fn name(&self) -> &str {
        INFO.name
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn default_threshold(&self) -> f64 {
        self.threshold
    }

    fn columns(&self) -> Option<Vec<&'static str>> {
        Some(vec![
            events::TS,
            events::CLIENT_IP,
            events::API_KEY_ID,
            events::PRINCIPAL_ID,
            events::ROUTE,
            events::TARGET_ID,
        ])
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        // Every column is read before any state changes: a bad batch leaves none.
        let times = event_times(batch.events)?;
        client_keys(batch.events, &mut self.clients)?;
        let routes = row_strings(batch.events, events::ROUTE)?;
        self.routes.clear();
        self.routes.extend(
            routes.iter().map(|route| {
                route.map_or(NO_KEY, |route| hash_bytes(ROUTE_SEED, route.as_bytes()))
            }),
        );
        event_targets(batch.events, &mut self.targets)?;
        scores.reserve(times.len());
        for (row, &ts) in times.iter().enumerate() {
            if self.pairs.sweep_if_due(&self.shape, ts) {
                self.census();
            }
            let (client, route) = (self.clients[row], self.routes[row]);
            if client == NO_KEY || route == NO_KEY {
                scores.push(0.0);
                continue;
            }
            let pair = hash_int(client, route as i64);
            let count = self
                .pairs
                .observe_tagged(&self.shape, pair, route, ts, self.targets[row]);
            let baseline = self.baselines.get(&route).copied();
            scores.push(count / baseline.unwrap_or(0.0).max(self.min_baseline));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::EventRow;

    fn score(overrides: &[&str], rows: &[EventRow]) -> Vec<f64> {
        crate::testing::score_rows(INFO.name, overrides, rows)
    }

    #[test]
    fn nearest_rank_quantiles() {
        let counts = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(nearest_rank(&counts, 0.5), 2.0);
        assert_eq!(nearest_rank(&counts, 0.9), 4.0);
        assert_eq!(nearest_rank(&counts, 0.0), 1.0);
    }

    /// Hour 0: on `/a`, principals 1, 2, 3 read 2, 4 and 6 objects; on `/b`, principal
    /// 4 reads one. At hour 1's first event the census sets `/a`'s median (of 2, 4, 6) to
    /// 4; `/b` has 1 client, under `min_clients = 2`, so keeps `min_baseline = 1`.
    /// Hour 1: principal 1 reads 2 new objects on `/a` (4 in the day: 4/4 = 1), then
    /// principal 4 reads 2 new ones on `/b` (3 in the day: 3/1 = 3).
    #[test]
    fn a_client_is_scored_against_its_routes_typical_client() {
        let mut rows = Vec::new();
        let mut target = 0;
        for (principal, reads) in [(1, 2), (2, 4), (3, 6)] {
            for _ in 0..reads {
                target += 1;
                rows.push(
                    EventRow::at(0.0)
                        .principal(principal)
                        .route("/a")
                        .target(target),
                );
            }
        }
        rows.push(EventRow::at(1.0).principal(4).route("/b").target(500));
        rows.push(EventRow::at(3_600.0).principal(1).route("/a").target(900));
        rows.push(EventRow::at(3_601.0).principal(1).route("/a").target(901));
        rows.push(EventRow::at(3_602.0).principal(4).route("/b").target(501));
        rows.push(EventRow::at(3_603.0).principal(4).route("/b").target(502));
        let scores = score(&["quantile=0.5", "min_clients=2"], &rows);
        // Before any census every baseline is min_baseline: scores are raw counts.
        assert_eq!(&scores[..3], &[1.0, 2.0, 1.0]);
        assert_eq!(&scores[13..], &[0.75, 1.0, 2.0, 3.0]);
    }

    /// Signed-out clients share the portal's API key: two addresses reading through it
    /// are two clients, each counting its own targets; the same address signed in is
    /// its principal, a third client.
    #[test]
    fn a_shared_api_key_counts_per_address() {
        let rows = [
            EventRow::at(0.0).api_key("web").ip("10.0.0.1").target(1),
            EventRow::at(1.0).api_key("web").ip("10.0.0.1").target(2),
            EventRow::at(2.0).api_key("web").ip("10.0.0.2").target(3),
            EventRow::at(3.0).api_key("web").ip("10.0.0.2").target(4),
            EventRow::at(4.0).api_key("web").ip("10.0.0.1").target(5),
            EventRow::at(5.0)
                .api_key("web")
                .ip("10.0.0.1")
                .principal(9)
                .target(6),
        ];
        assert_eq!(score(&[], &rows), [1.0, 2.0, 1.0, 2.0, 3.0, 1.0]);
    }
}
