//! `population`: distinct objects read by a group of clients over a long window (default
//! 24 h), for a walk spread over many addresses or tokens, each of which reads too little
//! to stand out (the Optus walk through an address pool). The group is a field of the
//! request: the client address's /24 (IPv4; /48 for IPv6), its ASN, the client kind, or
//! the API key (`group`). Grouping by a field needs no list of its bad values, and none is
//! kept: a group stands out by what it reads, not by what it is called.
//!
//! Each group keeps a [`DistinctRing`](super::distinct_ring) of hourly buckets, and so
//! does the whole population (every target anyone read in the window: the ID space as
//! the gateway sees it used). `measure = "count"` scores the group's distinct targets
//! over `limit`; `measure = "share"` scores the share of that ID space the group
//! covered, over `share` (e.g. 0.05: a group that read 5% of every object read that day).

use super::distinct_ring::{KeyedRings, RingShape};
use crate::columns::{event_targets, event_times, int_keys, row_strings};
use crate::keys::{API_KEY_SEED, IP_SEED, NO_KEY, hash_bytes};
use crate::params::ParamReader;
use crate::{Detector, DetectorError, DetectorInfo, EventBatch, ParamInfo, Params};
use arrow_array::RecordBatch;
use breachlab_schema::events;

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "population",
    description: "Distinct target_ids per group of clients (/24, ASN, client kind or API key) over a day, or the share of the ID space a group covered",
    params: &[
        ParamInfo::threshold(
            super::calibrated::POPULATION,
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
        ParamInfo::string(
            "group",
            "prefix24",
            "group clients by \"prefix24\" (/24, IPv6 /48), \"asn\", \"client-kind\" or \"api-key\"",
        ),
        ParamInfo::string(
            "measure",
            "count",
            "\"count\": distinct targets over limit; \"share\": share of the ID space read over share",
        ),
        ParamInfo::int("limit", 1_000, "distinct targets per group per window"),
        ParamInfo::float(
            "share",
            0.05,
            "share of all targets read in the window, per group (measure = \"share\")",
        ),
        ParamInfo::int(
            "precision",
            10,
            "HyperLogLog precision (4..=16) of buckets past 64 targets",
        ),
    ],
    constructor: build,
};

/// Seeds of group keys the shared seeds do not cover.
const PREFIX_SEED: u64 = 0x7072_6566_6978_3206;
const ASN_SEED: u64 = 0x6173_6e5f_7365_6507;
const KIND_SEED: u64 = 0x6b69_6e64_5f73_6508;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Prefix,
    Asn,
    ClientKind,
    ApiKey,
}

impl Group {
    fn column(self) -> &'static str {
        match self {
            Group::Prefix => events::CLIENT_IP,
            Group::Asn => events::IP_ASN,
            Group::ClientKind => events::CLIENT_KIND,
            Group::ApiKey => events::API_KEY_ID,
        }
    }

    /// Every row's group, [`NO_KEY`] where the field is null.
    fn keys(self, batch: &RecordBatch, out: &mut Vec<u64>) -> Result<(), DetectorError> {
        let seed = match self {
            Group::Asn => return int_keys(batch, events::IP_ASN, ASN_SEED, out),
            Group::Prefix => PREFIX_SEED,
            Group::ClientKind => KIND_SEED,
            Group::ApiKey => API_KEY_SEED ^ IP_SEED,
        };
        let values = row_strings(batch, self.column())?;
        out.clear();
        out.extend(values.into_iter().map(|value| match value {
            None => NO_KEY,
            Some(value) if self == Group::Prefix => hash_bytes(seed, prefix(value).as_bytes()),
            Some(value) => hash_bytes(seed, value.as_bytes()),
        }));
        Ok(())
    }
}

/// The network of `address`: its first three IPv4 octets (a /24) or first three IPv6
/// groups (a /48, as written; an address not in either form is its own group).
fn prefix(address: &str) -> &str {
    let (separator, kept) = if address.contains(':') {
        (':', 3)
    } else {
        ('.', 3)
    };
    match address.match_indices(separator).nth(kept - 1) {
        Some((end, _)) => &address[..end],
        None => address,
    }
}

enum Measure {
    Count { limit: f64 },
    Share { share: f64, all: KeyedRings },
}

struct Population {
    params: Params,
    threshold: f64,
    shape: RingShape,
    group: Group,
    measure: Measure,
    groups: KeyedRings,
    keys: Vec<u64>,
    targets: Vec<i64>,
}

/// The key of the population's own ring.
const EVERYONE: u64 = 1;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let shape = RingShape::from_params(&reader)?;
    let group = match reader.choice("group", &["prefix24", "asn", "client-kind", "api-key"])? {
        "prefix24" => Group::Prefix,
        "asn" => Group::Asn,
        "client-kind" => Group::ClientKind,
        _ => Group::ApiKey,
    };
    let measure = match reader.choice("measure", &["count", "share"])? {
        "count" => Measure::Count {
            limit: reader.int_in("limit", 1, i64::from(u32::MAX))? as f64,
        },
        _ => Measure::Share {
            share: reader.fraction("share")?,
            all: KeyedRings::new(&shape),
        },
    };
    Ok(Box::new(Population {
        threshold: reader.float("threshold")?,
        groups: KeyedRings::new(&shape),
        shape,
        group,
        measure,
        keys: Vec::new(),
        targets: Vec::new(),
        params,
    }))
}

impl Detector for Population {
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
        Some(vec![events::TS, self.group.column(), events::TARGET_ID])
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        // Every column is read before any state changes: a bad batch leaves none.
        let times = event_times(batch.events)?;
        self.group.keys(batch.events, &mut self.keys)?;
        event_targets(batch.events, &mut self.targets)?;
        scores.reserve(times.len());
        let rows = self.keys.iter().zip(times).zip(&self.targets);
        for ((&key, &ts), &target) in rows {
            let count = self.groups.observe(&self.shape, key, ts, target);
            scores.push(match &mut self.measure {
                Measure::Count { limit } => count / *limit,
                Measure::Share { share, all } => {
                    let everyone = all.observe(&self.shape, EVERYONE, ts, target);
                    if key == NO_KEY || everyone == 0.0 {
                        0.0
                    } else {
                        // The estimates of a group and of everyone may cross: a share
                        // is at most 1.
                        (count / everyone).min(1.0) / *share
                    }
                }
            });
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
    fn prefixes_are_the_first_three_parts() {
        assert_eq!(prefix("198.51.100.7"), "198.51.100");
        assert_eq!(prefix("2001:db8:1:2::5"), "2001:db8:1");
        assert_eq!(prefix("localhost"), "localhost");
    }

    /// Three addresses of one /24 read 2 objects an hour each, never the same one, for
    /// 30 hours: each address reads 48 a day, the /24 reads 144 (3 x 2 x 24). Another
    /// /24 reads object 1 once.
    #[test]
    fn addresses_of_one_network_add_up_over_the_day() {
        let mut rows = Vec::new();
        let mut target = 100;
        for hour in 0..30 {
            for host in 1..=3 {
                for _ in 0..2 {
                    target += 1;
                    let ip = format!("198.51.100.{host}");
                    rows.push(EventRow::at(hour as f64 * 3_600.0).ip(ip).target(target));
                }
            }
        }
        rows.push(EventRow::at(30.0 * 3_600.0).ip("203.0.113.9").target(1));
        let scores = score(&["limit=144"], &rows);
        assert_eq!(scores[5], 6.0 / 144.0);
        assert_eq!(scores[24 * 6 - 1], 1.0);
        assert_eq!(scores[30 * 6 - 1], 1.0);
        assert_eq!(scores[30 * 6], 1.0 / 144.0);
    }

    /// The share of everything read: client A reads objects 1-3, client B (another /24)
    /// reads 3 and 4: after B's second read, everyone read 4 objects, B 2 of them.
    #[test]
    fn share_is_of_all_objects_read_in_the_window() {
        let rows = [
            EventRow::at(0.0).ip("10.0.0.1").target(1),
            EventRow::at(1.0).ip("10.0.0.1").target(2),
            EventRow::at(2.0).ip("10.0.0.1").target(3),
            EventRow::at(3.0).ip("10.0.9.1").target(3),
            EventRow::at(4.0).ip("10.0.9.1").target(4),
        ];
        let scores = score(&["measure=share", "share=0.5"], &rows);
        assert_eq!(scores, vec![2.0, 2.0, 2.0, 2.0 / 3.0, 1.0]);
    }

    #[test]
    fn an_unknown_group_is_a_clear_error() {
        let params = Params::from_assignments(["group=user-agent"]).unwrap();
        let error = crate::build(INFO.name, &params).err().unwrap().to_string();
        assert!(
            error.contains("group") && error.contains("user-agent"),
            "{error}"
        );
    }
}
