//! `distinct-objects`: the Sigma `value_count` correlation rule a SOC writes for object
//! enumeration, `count(target_id) by client > limit` within a `timeframe`:
//!
//! ```yaml
//! detection: { selection: { target_id|exists: true }, condition: selection }
//! correlation: { type: value_count, group-by: [client_ip], timespan: 10m,
//!                condition: { field: target_id, gt: 50 } }
//! ```
//!
//! As SIEM backends evaluate such a rule, the timeframe is a tumbling window aligned to
//! the epoch (a search run every `timeframe` over the last `timeframe`). The group-by is
//! the client IP, the principal (else the API key), or both (default: two rules, an
//! event scoring the higher). The score is the group's distinct targets so far in the
//! window over `limit`, so the event that brings the count to `limit` is flagged (Sigma's
//! `gte`). Defaults: 10 minutes and 50 objects, far above a customer reading its own
//! account and lines. The counting (exact up to 1024 distinct targets, then a
//! HyperLogLog sketch) is `fanout`'s, which counts per actor (principal, else IP) per
//! hour.

use super::actor::{PerKey, key_choice};
use super::fanout::FanoutSignal;
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "distinct-objects",
    description: "Sigma value_count rule: distinct target_ids per client (IP and principal) per timeframe",
    params: &[
        ParamInfo::threshold(
            super::calibrated::DISTINCT_OBJECTS,
            "share of the limit at which an event is flagged",
        ),
        ParamInfo::int(
            "window_secs",
            600,
            "the rule's timeframe (a tumbling window), in seconds",
        ),
        ParamInfo::int("limit", 50, "distinct targets per client per timeframe"),
        ParamInfo::string(
            "key",
            "both",
            "group by \"ip\", by \"principal\" (else API key), or \"both\"",
        ),
        ParamInfo::int(
            "precision",
            12,
            "HyperLogLog precision (4..=16) past 1024 targets",
        ),
    ],
    constructor: build,
};

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let signals = key_choice(&reader, "key")?
        .into_iter()
        .map(|key| FanoutSignal::keyed(INFO.name, &params, key))
        .collect::<Result<Vec<_>, _>>()?;
    ScoredDetector::boxed(INFO.name, params, PerKey::new(signals))
}
