//! What a scoring run produces: [`DetectorMetrics`] and its parts.
//!
//! Their serde form is the published one: an entry of `report.json`'s `detectors` is a
//! [`DetectorMetrics`] with the detector's name, parameters, threshold source and cost
//! around it (`docs/report-schema.md`). So the report embeds these types rather than
//! copies of them, and a saved report reads back into them.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// Label carried by every published upper bound.
pub const UPPER_BOUND_LABEL: &str =
    "upper bound: threshold chosen on the test labels (best event F1); not a result";

/// Event-level confusion counts and the scores derived from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMetrics {
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub tn: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Exact step-wise area under the precision-recall curve (scikit-learn's
    /// `average_precision_score`); 0.0 when there is no attack event.
    pub average_precision: f64,
}

/// One point of the precision-recall curve: flagging every event with `score >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
}

/// The best event-level F1 over every threshold, chosen with the test labels: an upper
/// bound on what the detector could score, never a result. Published with
/// [`UPPER_BOUND_LABEL`] so that the numbers never travel without saying so.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct UpperBound {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Serialize for UpperBound {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut bound = serializer.serialize_struct("UpperBound", 5)?;
        bound.serialize_field("label", UPPER_BOUND_LABEL)?;
        bound.serialize_field("threshold", &self.threshold)?;
        bound.serialize_field("precision", &self.precision)?;
        bound.serialize_field("recall", &self.recall)?;
        bound.serialize_field("f1", &self.f1)?;
        bound.end()
    }
}

/// Actors (`actor_id`) as the unit; the counts behind the ratios are in [`Counts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorMetrics {
    pub precision: f64,
    pub recall: f64,
}

/// Flagged events merged per actor into alarms; the counts are in [`Counts`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmMetrics {
    pub alarm_precision: f64,
    /// `None` when `span_days` is not a positive number.
    pub false_alarms_per_day: Option<f64>,
    /// `None` when there is no benign event.
    pub false_alarms_per_million_benign: Option<f64>,
}

/// The raw counts behind the ratios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub total_events: u64,
    pub flagged_events: u64,
    pub attack_events: u64,
    pub benign_events: u64,
    /// Distinct `actor_id`s; attackers have at least one attack event, flagged actors at
    /// least one flagged event.
    pub actors: u64,
    pub attacker_actors: u64,
    pub flagged_actors: u64,
    pub flagged_attacker_actors: u64,
    pub alarms: u64,
    pub true_alarms: u64,
    pub false_alarms: u64,
    /// Events whose timestamp was lower than the one before: input not in time order.
    pub out_of_order_events: u64,
    /// Events whose campaign id is not in the campaigns list (ignored by campaign metrics).
    pub unknown_campaign_events: u64,
}

/// Records exposed by a campaign up to `delay_s` seconds after its detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayExposure {
    pub delay_s: i64,
    pub records: i64,
}

/// Detection of one attack campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignMetrics {
    pub campaign_id: i32,
    pub name: String,
    pub technique: String,
    pub start_us: i64,
    pub end_us: i64,
    /// Events carrying this campaign id.
    pub events: u64,
    pub detected: bool,
    /// Timestamp of the campaign's first flagged event.
    pub first_detection_ts_us: Option<i64>,
    /// `(first_detection_ts_us - start_us) / 1e6`; never negative when the campaigns table
    /// agrees with the events (a campaign starts at or before its first event).
    pub time_to_detect_s: Option<f64>,
    /// The campaign's events before its first flagged one; `None` when undetected.
    pub events_to_detect: Option<u64>,
    /// Records exposed by the time of detection (D = 0, the detecting event included).
    pub records_exposed_before_detection: i64,
    /// One entry per containment delay, ascending, the first for D = 0; published as an
    /// object keyed by the delay in seconds.
    #[serde(with = "keyed_by_delay")]
    pub records_exposed_by_delay: Vec<DelayExposure>,
    pub records_exposed_total: i64,
}

/// `records_exposed_by_delay` as `report.json` has it: `{"0": 11, "3600": 15, ...}`.
mod keyed_by_delay {
    use super::DelayExposure;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        by_delay: &[DelayExposure],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let keyed: BTreeMap<String, i64> = by_delay
            .iter()
            .map(|exposure| (exposure.delay_s.to_string(), exposure.records))
            .collect();
        keyed.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<DelayExposure>, D::Error> {
        let keyed = BTreeMap::<String, i64>::deserialize(deserializer)?;
        let mut by_delay = keyed
            .into_iter()
            .map(|(delay, records)| {
                let delay_s = delay.parse().map_err(|_| {
                    D::Error::custom(format!("delay `{delay}` is not a number of seconds"))
                })?;
                Ok(DelayExposure { delay_s, records })
            })
            .collect::<Result<Vec<_>, D::Error>>()?;
        by_delay.sort_unstable_by_key(|exposure| exposure.delay_s);
        Ok(by_delay)
    }
}

/// A benign look-alike cohort: how much of it the detector wrongly flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortMetrics {
    pub campaign_id: i32,
    pub name: String,
    pub technique: String,
    pub events: u64,
    pub flagged: u64,
    /// `flagged / events`, 0.0 for a cohort without events.
    pub false_flag_rate: f64,
}

/// Cumulative records exposed by one campaign over time, for plotting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureCurve {
    pub campaign_id: i32,
    /// `records` exposed by events with `ts < ts_us`; the first point is the campaign start
    /// with 0 records.
    pub points: Vec<super::CurvePoint>,
    /// Time of the first flagged event and records exposed up to it (D = 0).
    pub detection: Option<super::CurvePoint>,
}

/// Everything one detector scored on one dataset at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorMetrics {
    pub threshold: f64,
    pub event: EventMetrics,
    pub actor: ActorMetrics,
    /// Detected attack campaigns / attack campaigns.
    pub campaign_recall: f64,
    pub campaigns_detected: u64,
    pub campaigns_undetected: u64,
    /// Over detected campaigns only, linear interpolation between order statistics.
    pub median_time_to_detect_s: Option<f64>,
    pub p90_time_to_detect_s: Option<f64>,
    /// Records exposed before detection (D = 0), summed over all attack campaigns.
    pub records_exposed_before_detection_total: i64,
    #[serde(flatten)]
    pub alarms: AlarmMetrics,
    /// Attack campaigns, in the order given to the accumulator.
    pub campaigns: Vec<CampaignMetrics>,
    pub cohorts: Vec<CohortMetrics>,
    pub counts: Counts,
    pub upper_bound: Option<UpperBound>,
    /// Downsampled precision-recall curve, thresholds descending.
    pub pr_curve: Vec<PrPoint>,
    pub exposure_curves: Vec<ExposureCurve>,
    /// The stream row of each false alarm's first flagged event, in row order (the
    /// first [`super::MAX_KEPT_FALSE_ALARMS`] false alarms to close): where the alarms
    /// on a planted dataset's own traffic fell. Not written to the report as such.
    #[serde(skip)]
    pub false_alarm_rows: Vec<u64>,
}

impl DetectorMetrics {
    /// Attack campaigns, detected or not.
    pub fn attack_campaigns(&self) -> u64 {
        self.campaigns_detected + self.campaigns_undetected
    }
}
