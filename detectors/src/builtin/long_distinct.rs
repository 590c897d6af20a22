//! `long-distinct`: distinct objects (`target_id`s) per principal and per session (and,
//! when asked, per API key and address) over a long sliding window (default 24 h): the
//! slow scraper's signature. 2,000 stolen tokens sharing a walk each read ~19 accounts an
//! hour, under every window of an hour or less, yet ~450 a day, where a customer reads at
//! most a handful of accounts and lines a day.
//!
//! Each entity keeps a [`DistinctRing`] of hourly buckets (exact up to 64 targets a
//! bucket, then HyperLogLog at precision 10: 3.3% standard error), so memory per entity
//! is bounded whatever the span, and an entity idle for a whole window is dropped. The
//! score of an event is the highest, over its entities, of distinct targets in the
//! window over `limit`; events without a target score the counts so far.
//!
//! API key and address is not counted by default: signed-out scripts that each read a few
//! hundred accounts a day from one address through a portal's key are ordinary traffic,
//! and counted beside the principals they set one threshold far above a stolen token's
//! day. A scenario whose attack is signed out asks for `keys=key-address`.

use super::distinct_ring::{KeyedRings, RingShape};
use crate::columns::{event_targets, event_times, int_keys, row_strings};
use crate::keys::{NO_KEY, PRINCIPAL_SEED, key_and_address};
use crate::params::ParamReader;
use crate::{Detector, DetectorError, DetectorInfo, EventBatch, ParamInfo, Params};
use breachlab_schema::events;

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "long-distinct",
    description: "Distinct target_ids per principal and per session over a long sliding window (24 h)",
    params: &[
        ParamInfo::threshold(
            super::calibrated::LONG_DISTINCT,
            "share of the limit at which an event is flagged",
        ),
        ParamInfo::int(
            "window_secs",
            86_400,
            "length of the sliding window, in seconds",
        ),
        ParamInfo::int(
            "bucket_secs",
            3_600,
            "the window slides by one bucket of this many seconds",
        ),
        ParamInfo::int("limit", 100, "distinct targets per entity per window"),
        ParamInfo::string(
            "keys",
            "principal,session",
            "entities counted, comma-separated: principal, key-address, session",
        ),
        ParamInfo::int(
            "precision",
            10,
            "HyperLogLog precision (4..=16) of buckets past 64 targets",
        ),
    ],
    constructor: build,
};

/// Seed of session keys (sessions are counted apart from principals).
const SESSION_SEED: u64 = 0x7365_7373_696f_6e05;

/// An entity `long-distinct` counts per.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Principal,
    /// The API key and the client address together; none without an API key.
    KeyAddress,
    Session,
}

impl Entity {
    fn parse(reader: &ParamReader<'_>, list: &str) -> Result<Vec<Entity>, DetectorError> {
        let mut entities = Vec::new();
        for name in list.split(',').map(str::trim) {
            let entity = match name {
                "principal" => Entity::Principal,
                "key-address" => Entity::KeyAddress,
                "session" => Entity::Session,
                _ => {
                    return Err(reader.invalid(
                        "keys",
                        "a comma-separated list of principal, key-address, session",
                        format!("{name:?}"),
                    ));
                }
            };
            if !entities.contains(&entity) {
                entities.push(entity);
            }
        }
        Ok(entities)
    }

    /// Every row's key of this entity, [`NO_KEY`] where it has none.
    fn keys(
        self,
        batch: &arrow_array::RecordBatch,
        out: &mut Vec<u64>,
    ) -> Result<(), DetectorError> {
        match self {
            Entity::Principal => int_keys(batch, events::PRINCIPAL_ID, PRINCIPAL_SEED, out),
            Entity::Session => int_keys(batch, events::SESSION_ID, SESSION_SEED, out),
            Entity::KeyAddress => {
                let api_keys = row_strings(batch, events::API_KEY_ID)?;
                let addresses = row_strings(batch, events::CLIENT_IP)?;
                out.clear();
                out.extend(api_keys.iter().zip(&addresses).map(|pair| match pair {
                    (Some(api_key), Some(address)) => key_and_address(api_key, address),
                    _ => NO_KEY,
                }));
                Ok(())
            }
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Principal => &[events::PRINCIPAL_ID],
            Entity::Session => &[events::SESSION_ID],
            Entity::KeyAddress => &[events::API_KEY_ID, events::CLIENT_IP],
        }
    }
}

struct LongDistinct {
    params: Params,
    threshold: f64,
    shape: RingShape,
    limit: f64,
    entities: Vec<(Entity, KeyedRings)>,
    /// Each entity's key of every row of the batch being scored.
    keys: Vec<Vec<u64>>,
    targets: Vec<i64>,
}

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let threshold = reader.float("threshold")?;
    let shape = RingShape::from_params(&reader)?;
    let limit = reader.int_in("limit", 1, i64::from(u32::MAX))? as f64;
    let entities = Entity::parse(&reader, reader.string("keys")?)?
        .into_iter()
        .map(|entity| (entity, KeyedRings::new(&shape)))
        .collect();
    Ok(Box::new(LongDistinct {
        threshold,
        shape,
        limit,
        entities,
        keys: Vec::new(),
        targets: Vec::new(),
        params,
    }))
}

impl Detector for LongDistinct {
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
        let mut columns = vec![events::TS, events::TARGET_ID];
        for (entity, _) in &self.entities {
            columns.extend(entity.columns());
        }
        Some(columns)
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        // Every column is read before any state changes: a bad batch leaves none.
        let times = event_times(batch.events)?;
        event_targets(batch.events, &mut self.targets)?;
        self.keys.resize_with(self.entities.len(), Vec::new);
        for ((entity, _), keys) in self.entities.iter().zip(&mut self.keys) {
            entity.keys(batch.events, keys)?;
        }
        let start = scores.len();
        scores.resize(start + times.len(), 0.0);
        for ((_, rings), keys) in self.entities.iter_mut().zip(&self.keys) {
            let rows = keys.iter().zip(times).zip(&self.targets);
            for (score, ((&key, &ts), &target)) in scores[start..].iter_mut().zip(rows) {
                let count = rings.observe(&self.shape, key, ts, target);
                *score = score.max(count / self.limit);
            }
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

    /// One principal reads 3 accounts an hour for 30 hours, each a new one: no hour
    /// shows more than 3, the day shows 72 (24 hours x 3), and the count stays 72 as
    /// the oldest hour leaves while a new one enters. Limit 10, so 72/10 = 7.2.
    #[test]
    fn a_slow_reader_accumulates_over_the_day_and_the_window_slides() {
        let rows: Vec<EventRow> = (0..90)
            .map(|read| {
                let hour = read / 3;
                EventRow::at(hour as f64 * 3_600.0 + (read % 3) as f64 * 60.0)
                    .principal(7)
                    .target(1_000 + read)
            })
            .collect();
        let scores = score(&["limit=10", "keys=principal"], &rows);
        assert_eq!(scores[2], 0.3);
        assert_eq!(scores[71], 7.2);
        assert_eq!(scores[89], 7.2);
    }

    /// The API key and address are one entity: the same key from another address, and
    /// another key from the same address, count apart; anonymous rows score 0.
    #[test]
    fn key_and_address_count_together() {
        let rows = [
            EventRow::at(0.0).api_key("k1").ip("10.0.0.1").target(1),
            EventRow::at(1.0).api_key("k1").ip("10.0.0.1").target(2),
            EventRow::at(2.0).api_key("k1").ip("10.0.0.2").target(3),
            EventRow::at(3.0).api_key("k2").ip("10.0.0.1").target(4),
            EventRow::at(4.0).api_key("k1").ip("10.0.0.1").target(1),
            EventRow::at(5.0).ip("10.0.0.1").target(5),
        ];
        let scores = score(&["limit=4", "keys=key-address"], &rows);
        assert_eq!(scores, vec![0.25, 0.5, 0.25, 0.25, 0.5, 0.0]);
    }

    /// By default a signed-out script reading through a shared API key is not counted;
    /// the token it would have to use when signed in is.
    #[test]
    fn by_default_signed_out_keys_are_not_counted() {
        let rows = [
            EventRow::at(0.0).api_key("web").ip("10.0.0.1").target(1),
            EventRow::at(1.0).api_key("web").ip("10.0.0.1").target(2),
            EventRow::at(2.0)
                .api_key("web")
                .ip("10.0.0.1")
                .principal(3)
                .target(3),
            EventRow::at(3.0)
                .api_key("web")
                .ip("10.0.0.1")
                .principal(3)
                .target(4),
        ];
        assert_eq!(score(&["limit=4"], &rows), vec![0.0, 0.0, 0.25, 0.5]);
    }

    /// Sessions count apart from their principal: principal 7 reads 1,2 in session 1
    /// and 3 in session 2; with both entities the score is the higher count.
    #[test]
    fn sessions_count_apart_from_principals() {
        let rows = [
            EventRow::at(0.0).principal(7).session(1).target(1),
            EventRow::at(1.0).principal(7).session(1).target(2),
            EventRow::at(2.0).principal(7).session(2).target(3),
        ];
        assert_eq!(
            score(&["limit=2", "keys=session"], &rows),
            vec![0.5, 1.0, 0.5]
        );
        let both = score(&["limit=2", "keys=session,principal"], &rows);
        assert_eq!(both, vec![0.5, 1.0, 1.5]);
    }

    #[test]
    fn an_unknown_entity_is_a_clear_error() {
        let params = Params::from_assignments(["keys=principal,device"]).unwrap();
        let error = crate::build(INFO.name, &params).err().unwrap().to_string();
        assert!(
            error.contains("keys") && error.contains("device"),
            "{error}"
        );
    }
}
