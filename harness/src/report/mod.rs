//! The published results: `report.json` (a contract read by other tools, documented in
//! `docs/report-schema.md`) and the Markdown, terminal and HTML views of it.
//!
//! Every view renders from a [`Report`] alone, so a saved `report.json` can be re-rendered
//! without rerunning anything. What `bench` adds around it ([`BenchReport`]: failed
//! detectors, the across-seeds summary, the budget leaderboard) and the folder the files
//! are written into are here too.

mod bench;
mod budgets;
mod folder;
pub(crate) mod format;
mod html;
mod plot;
pub mod sections;
mod seeds;
mod sweep;
mod table;
mod your_traffic;

pub use crate::error::ReportError;
pub use bench::{BenchReport, FailedDetector};
pub use budgets::{
    BudgetCell, BudgetDetector, BudgetMetric, BudgetRun, BudgetSection, BudgetThreshold,
};
pub use folder::{refuse_to_replace, write_report_dir};
pub use sections::{render_html, render_markdown, render_terminal_table};
pub use seeds::{SeedMetric, SeedSummary, SeededRun, SeedsSection, summarize_seeds};
pub use sweep::{SweepDetector, SweepPoint, SweepSection, SweepVariant};
pub use your_traffic::{Place, YourTraffic, render_your_traffic, report_alarms_on_your_traffic};

use crate::metrics::DetectorMetrics;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use std::io::Write;

/// Version of the `report.json` layout; bumped on any change to a key's name or meaning.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

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

/// One detector's results: its metrics, and what the report says around them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DetectorReport {
    pub name: String,
    pub params: serde_json::Value,
    pub threshold_source: ThresholdSource,
    #[serde(flatten)]
    pub metrics: DetectorMetrics,
    #[serde(flatten)]
    pub cost: CostFigures,
    /// On a planted dataset: the alarms on the log's own events (see [`YourTraffic`]).
    #[serde(default, rename = "alarms_on_your_traffic")]
    pub your_traffic: Option<YourTraffic>,
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
            threshold_source,
            metrics: metrics.clone(),
            cost,
            your_traffic: None,
        }
    }
}

/// Written key by key because the published order puts the threshold's source right
/// after the threshold and the cost between the counts and the curves, which flattening
/// the metrics and the cost cannot do. Reading an entry back needs no order, so
/// [`Deserialize`] is derived.
impl Serialize for DetectorReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let metrics = &self.metrics;
        let alarms = &metrics.alarms;
        let mut entry = serializer.serialize_struct("DetectorReport", 24)?;
        entry.serialize_field("name", &self.name)?;
        entry.serialize_field("params", &self.params)?;
        entry.serialize_field("threshold", &metrics.threshold)?;
        entry.serialize_field("threshold_source", &self.threshold_source)?;
        entry.serialize_field("event", &metrics.event)?;
        entry.serialize_field("actor", &metrics.actor)?;
        entry.serialize_field("campaign_recall", &metrics.campaign_recall)?;
        entry.serialize_field("campaigns_detected", &metrics.campaigns_detected)?;
        entry.serialize_field("campaigns_undetected", &metrics.campaigns_undetected)?;
        entry.serialize_field("median_time_to_detect_s", &metrics.median_time_to_detect_s)?;
        entry.serialize_field("p90_time_to_detect_s", &metrics.p90_time_to_detect_s)?;
        entry.serialize_field(
            "records_exposed_before_detection_total",
            &metrics.records_exposed_before_detection_total,
        )?;
        entry.serialize_field("alarm_precision", &alarms.alarm_precision)?;
        entry.serialize_field("false_alarms_per_day", &alarms.false_alarms_per_day)?;
        entry.serialize_field(
            "false_alarms_per_million_benign",
            &alarms.false_alarms_per_million_benign,
        )?;
        if let Some(traffic) = &self.your_traffic {
            entry.serialize_field("alarms_on_your_traffic", traffic)?;
        } else {
            entry.skip_field("alarms_on_your_traffic")?;
        }
        entry.serialize_field("campaigns", &metrics.campaigns)?;
        entry.serialize_field("cohorts", &metrics.cohorts)?;
        entry.serialize_field("counts", &metrics.counts)?;
        entry.serialize_field("events_per_s", &self.cost.events_per_s)?;
        entry.serialize_field(
            "end_to_end_events_per_s",
            &self.cost.end_to_end_events_per_s,
        )?;
        entry.serialize_field("peak_memory_bytes", &self.cost.peak_memory_bytes)?;
        entry.serialize_field("upper_bound", &metrics.upper_bound)?;
        entry.serialize_field("pr_curve", &metrics.pr_curve)?;
        entry.serialize_field("exposure_curves", &metrics.exposure_curves)?;
        entry.end()
    }
}

fn as_object(params: serde_json::Value) -> serde_json::Value {
    match params {
        serde_json::Value::Object(_) => params,
        serde_json::Value::Null => serde_json::Value::Object(serde_json::Map::new()),
        other => serde_json::json!({ "value": other }),
    }
}

/// Writes `report` (a [`Report`], or a bench report that extends one) as pretty-printed
/// JSON followed by a newline.
pub fn write_json<T: Serialize + ?Sized, W: Write>(
    report: &T,
    mut writer: W,
) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut writer, report)?;
    writer.write_all(b"\n")?;
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{CampaignInfo, MetricsAccumulator, MetricsConfig, ScoredColumns};

    fn metrics() -> DetectorMetrics {
        let walk = CampaignInfo {
            campaign_id: 1,
            name: "walk".into(),
            is_attack: true,
            start_us: 0,
            end_us: 10,
            technique: "sequential_walk".into(),
        };
        let mut accumulator = MetricsAccumulator::new(&[walk], MetricsConfig::new(0.5, 1.0));
        let events = ScoredColumns {
            ts_us: &[0, 5, 7],
            score: &[0.9, 0.1, 0.6],
            is_attack: &[true, false, false],
            campaign_id: &[Some(1), None, None],
            actor_id: &[1, 2, 3],
            records_exposed: &[3, 0, 0],
        };
        accumulator.push(&events).unwrap();
        accumulator.finish()
    }

    #[test]
    fn an_entry_publishes_its_metrics_as_they_are_with_the_reports_own_keys() {
        let cost = CostFigures {
            events_per_s: Some(2.0),
            end_to_end_events_per_s: Some(1.0),
            peak_memory_bytes: Some(64),
        };
        let metrics = metrics();
        let entry = DetectorReport::new(
            "x",
            serde_json::Value::Null,
            ThresholdSource::Param,
            &metrics,
            cost,
        );
        let mut published = serde_json::to_value(&entry).unwrap();
        let object = published.as_object_mut().unwrap();
        for own in [
            "name",
            "params",
            "threshold_source",
            "events_per_s",
            "end_to_end_events_per_s",
            "peak_memory_bytes",
        ] {
            assert!(object.remove(own).is_some(), "{own} missing");
        }
        assert_eq!(published, serde_json::to_value(&metrics).unwrap());
    }
}
