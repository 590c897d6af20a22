//! What a scoring run produces: [`DetectorMetrics`] and its parts.
//!
//! Plain data with serde derives so a report can embed or re-read it; the report module
//! decides the published JSON layout.

use serde::{Deserialize, Serialize};

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
/// bound on what the detector could score, never a result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UpperBound {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Actors (`actor_id`) as the unit: attackers have at least one attack event, flagged
/// actors at least one flagged event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorMetrics {
    pub actors: u64,
    pub attackers: u64,
    pub flagged: u64,
    pub flagged_attackers: u64,
    pub precision: f64,
    pub recall: f64,
}

/// Flagged events merged per actor into alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmMetrics {
    pub alarms: u64,
    pub true_alarms: u64,
    pub false_alarms: u64,
    pub alarm_precision: f64,
    /// `None` when `span_days` is not a positive number.
    pub false_alarms_per_day: Option<f64>,
    /// `None` when there is no benign event.
    pub false_alarms_per_million_benign: Option<f64>,
}

/// Records exposed by a campaign up to `delay_s` seconds after its detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
    /// One entry per containment delay, ascending, the first for D = 0.
    pub records_exposed_by_delay: Vec<DelayExposure>,
    pub records_exposed_total: i64,
}

impl CampaignMetrics {
    /// Records exposed by the time of detection (D = 0, the detecting event included).
    pub fn records_exposed_before_detection(&self) -> i64 {
        self.records_exposed_by_delay
            .iter()
            .find(|exposure| exposure.delay_s == 0)
            .map_or(self.records_exposed_total, |exposure| exposure.records)
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
    pub total_events: u64,
    pub flagged_events: u64,
    pub attack_events: u64,
    pub benign_events: u64,
    pub event: EventMetrics,
    /// Downsampled precision-recall curve, thresholds descending.
    pub pr_curve: Vec<PrPoint>,
    pub upper_bound: Option<UpperBound>,
    pub actor: ActorMetrics,
    pub alarms: AlarmMetrics,
    /// Attack campaigns, in the order given to the accumulator.
    pub campaigns: Vec<CampaignMetrics>,
    pub attack_campaigns: u64,
    pub campaigns_detected: u64,
    pub campaigns_undetected: u64,
    /// `campaigns_detected / attack_campaigns`.
    pub campaign_recall: f64,
    /// Over detected campaigns only, linear interpolation between order statistics.
    pub median_time_to_detect_s: Option<f64>,
    pub p90_time_to_detect_s: Option<f64>,
    pub cohorts: Vec<CohortMetrics>,
    pub exposure_curves: Vec<ExposureCurve>,
    pub containment_delays_s: Vec<i64>,
    /// Events whose timestamp was lower than the one before: input not in time order.
    pub out_of_order_events: u64,
    /// Events whose campaign id is not in the campaigns list (ignored by campaign metrics).
    pub unknown_campaign_events: u64,
}

impl DetectorMetrics {
    /// Records exposed before detection (D = 0), summed over all attack campaigns.
    pub fn records_exposed_before_detection_total(&self) -> i64 {
        self.campaigns
            .iter()
            .map(CampaignMetrics::records_exposed_before_detection)
            .sum()
    }
}
