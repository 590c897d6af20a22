//! The published results: `report.json` (a contract read by other tools, documented in
//! `docs/report-schema.md`) and the Markdown, terminal and HTML views of it.
//!
//! Every view renders from a [`Report`] alone, so a saved `report.json` can be re-rendered
//! without rerunning anything.

mod budgets;
pub(crate) mod format;
mod html;
mod plot;
mod table;

pub use budgets::{
    BudgetCell, BudgetDetector, BudgetMetric, BudgetRun, BudgetSection, BudgetThreshold,
};
pub use html::render_html;
pub use table::{render_markdown, render_terminal_table};

use crate::metrics::{
    CampaignMetrics, CohortMetrics, DetectorMetrics, EventMetrics, ExposureCurve, PrPoint,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

/// Version of the `report.json` layout; bumped on any change to a key's name or meaning.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// Label carried by every `upper_bound` object.
pub const UPPER_BOUND_LABEL: &str =
    "upper bound: threshold chosen on the test labels (best event F1); not a result";

/// The whole report: one dataset, several detectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub breachlab_version: String,
    pub schema_version: u32,
    /// Summary of the dataset's manifest, as the runner chooses to give it.
    pub dataset: serde_json::Value,
    pub detectors: Vec<DetectorReport>,
}

impl Report {
    pub fn new(dataset: serde_json::Value, detectors: Vec<DetectorReport>) -> Self {
        Self {
            breachlab_version: env!("CARGO_PKG_VERSION").to_string(),
            schema_version: REPORT_SCHEMA_VERSION,
            dataset,
            detectors,
        }
    }
}

/// Where a detector's threshold came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdSource {
    /// The detector's built-in default.
    Default,
    /// Given explicitly by the user.
    Param,
    /// Chosen from a false-alarm budget on a separate calibration dataset.
    Calibrated,
}

/// Cost of running a detector, measured by the runner.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CostFigures {
    /// Events per second counting only time inside the detector's calls.
    pub events_per_s: Option<f64>,
    /// Events per second of the whole run: decoding, detector and scoring.
    pub end_to_end_events_per_s: Option<f64>,
    pub peak_memory_bytes: Option<u64>,
}

/// Actor-level precision and recall.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ActorReport {
    pub precision: f64,
    pub recall: f64,
}

/// Raw counts behind the ratios.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountsReport {
    pub total_events: u64,
    pub flagged_events: u64,
    pub attack_events: u64,
    pub benign_events: u64,
    pub actors: u64,
    pub attacker_actors: u64,
    pub flagged_actors: u64,
    pub flagged_attacker_actors: u64,
    pub alarms: u64,
    pub true_alarms: u64,
    pub false_alarms: u64,
    pub out_of_order_events: u64,
    pub unknown_campaign_events: u64,
}

/// One attack campaign as seen by one detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignReport {
    pub campaign_id: i32,
    pub name: String,
    pub technique: String,
    pub start_us: i64,
    pub end_us: i64,
    pub events: u64,
    pub detected: bool,
    pub first_detection_ts_us: Option<i64>,
    pub time_to_detect_s: Option<f64>,
    pub events_to_detect: Option<u64>,
    pub records_exposed_before_detection: i64,
    /// Keyed by the containment delay in seconds, as a decimal string.
    pub records_exposed_by_delay: BTreeMap<String, i64>,
    pub records_exposed_total: i64,
}

impl From<&CampaignMetrics> for CampaignReport {
    fn from(campaign: &CampaignMetrics) -> Self {
        Self {
            campaign_id: campaign.campaign_id,
            name: campaign.name.clone(),
            technique: campaign.technique.clone(),
            start_us: campaign.start_us,
            end_us: campaign.end_us,
            events: campaign.events,
            detected: campaign.detected,
            first_detection_ts_us: campaign.first_detection_ts_us,
            time_to_detect_s: campaign.time_to_detect_s,
            events_to_detect: campaign.events_to_detect,
            records_exposed_before_detection: campaign.records_exposed_before_detection(),
            records_exposed_by_delay: campaign
                .records_exposed_by_delay
                .iter()
                .map(|exposure| (exposure.delay_s.to_string(), exposure.records))
                .collect(),
            records_exposed_total: campaign.records_exposed_total,
        }
    }
}

/// The best threshold on the test labels, labelled as the upper bound it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpperBoundReport {
    pub label: String,
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// One detector's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorReport {
    pub name: String,
    pub params: serde_json::Value,
    pub threshold: f64,
    pub threshold_source: ThresholdSource,
    pub event: EventMetrics,
    pub actor: ActorReport,
    pub campaign_recall: f64,
    pub campaigns_detected: u64,
    pub campaigns_undetected: u64,
    pub median_time_to_detect_s: Option<f64>,
    pub p90_time_to_detect_s: Option<f64>,
    pub records_exposed_before_detection_total: i64,
    pub alarm_precision: f64,
    pub false_alarms_per_day: Option<f64>,
    pub false_alarms_per_million_benign: Option<f64>,
    pub campaigns: Vec<CampaignReport>,
    pub cohorts: Vec<CohortMetrics>,
    pub counts: CountsReport,
    pub events_per_s: Option<f64>,
    pub end_to_end_events_per_s: Option<f64>,
    pub peak_memory_bytes: Option<u64>,
    pub upper_bound: Option<UpperBoundReport>,
    pub pr_curve: Vec<PrPoint>,
    pub exposure_curves: Vec<ExposureCurve>,
}

impl DetectorReport {
    /// Builds a detector's entry. `params` should be a JSON object (anything else is
    /// wrapped as `{"value": params}`).
    pub fn new(
        name: &str,
        params: serde_json::Value,
        threshold_source: ThresholdSource,
        metrics: &DetectorMetrics,
        cost: CostFigures,
    ) -> Self {
        Self {
            name: name.to_string(),
            params: as_object(params),
            threshold: metrics.threshold,
            threshold_source,
            event: metrics.event.clone(),
            actor: ActorReport {
                precision: metrics.actor.precision,
                recall: metrics.actor.recall,
            },
            campaign_recall: metrics.campaign_recall,
            campaigns_detected: metrics.campaigns_detected,
            campaigns_undetected: metrics.campaigns_undetected,
            median_time_to_detect_s: metrics.median_time_to_detect_s,
            p90_time_to_detect_s: metrics.p90_time_to_detect_s,
            records_exposed_before_detection_total: metrics
                .records_exposed_before_detection_total(),
            alarm_precision: metrics.alarms.alarm_precision,
            false_alarms_per_day: metrics.alarms.false_alarms_per_day,
            false_alarms_per_million_benign: metrics.alarms.false_alarms_per_million_benign,
            campaigns: metrics.campaigns.iter().map(CampaignReport::from).collect(),
            cohorts: metrics.cohorts.clone(),
            counts: counts(metrics),
            events_per_s: cost.events_per_s,
            end_to_end_events_per_s: cost.end_to_end_events_per_s,
            peak_memory_bytes: cost.peak_memory_bytes,
            upper_bound: metrics.upper_bound.map(|bound| UpperBoundReport {
                label: UPPER_BOUND_LABEL.to_string(),
                threshold: bound.threshold,
                precision: bound.precision,
                recall: bound.recall,
                f1: bound.f1,
            }),
            pr_curve: metrics.pr_curve.clone(),
            exposure_curves: metrics.exposure_curves.clone(),
        }
    }

    /// Attack campaigns this detector found, out of all.
    pub(crate) fn campaigns_total(&self) -> u64 {
        self.campaigns_detected + self.campaigns_undetected
    }
}

fn as_object(params: serde_json::Value) -> serde_json::Value {
    match params {
        serde_json::Value::Object(_) => params,
        serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
        other => serde_json::json!({ "value": other }),
    }
}

fn counts(metrics: &DetectorMetrics) -> CountsReport {
    CountsReport {
        total_events: metrics.total_events,
        flagged_events: metrics.flagged_events,
        attack_events: metrics.attack_events,
        benign_events: metrics.benign_events,
        actors: metrics.actor.actors,
        attacker_actors: metrics.actor.attackers,
        flagged_actors: metrics.actor.flagged,
        flagged_attacker_actors: metrics.actor.flagged_attackers,
        alarms: metrics.alarms.alarms,
        true_alarms: metrics.alarms.true_alarms,
        false_alarms: metrics.alarms.false_alarms,
        out_of_order_events: metrics.out_of_order_events,
        unknown_campaign_events: metrics.unknown_campaign_events,
    }
}

/// Writing a report failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("could not serialize the report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("could not write the report: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes `report` as pretty-printed JSON followed by a newline.
pub fn write_json<W: Write>(report: &Report, mut writer: W) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut writer, report)?;
    writer.write_all(b"\n")?;
    writer.flush()?;
    Ok(())
}
