//! Several seeds of one scenario: each headline metric as its per-seed values and their
//! mean with a 95% interval, so a difference between detectors can be told from noise.

use super::format::{MISSING, decimal, duration, fraction, grouped, rate};
use super::format::{markdown_grid, text_grid};
use super::{BenchReport, DetectorReport};
use crate::metrics::{MeanInterval, mean_with_interval_within};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One seed's report.
#[derive(Debug, Clone)]
pub struct SeededRun {
    pub seed: u64,
    pub report: BenchReport,
}

/// One metric over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedMetric {
    /// One per seed, in `seeds` order; `null` where the detector failed or the value is
    /// undefined (e.g. no campaign detected).
    pub values: Vec<Option<f64>>,
    /// Over the defined values; `null` when there is none.
    pub summary: Option<MeanInterval>,
}

/// One detector over the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    pub name: String,
    /// Seeds on which the detector failed (no metrics).
    pub failed_seeds: Vec<u64>,
    /// Keyed by metric path in `detectors[]` (`event.f1`, `campaign_recall`, ...).
    pub metrics: BTreeMap<String, SeedMetric>,
}

/// The `seeds` section of `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedsSection {
    pub seeds: Vec<u64>,
    pub detectors: Vec<SeedSummary>,
}

type Extract = fn(&DetectorReport) -> Option<f64>;

/// The metrics summarised across seeds, by their key in `detectors[]`.
const METRICS: [(&str, Extract); 14] = [
    ("event.precision", |d| Some(d.metrics.event.precision)),
    ("event.recall", |d| Some(d.metrics.event.recall)),
    ("event.f1", |d| Some(d.metrics.event.f1)),
    ("event.average_precision", |d| {
        Some(d.metrics.event.average_precision)
    }),
    ("actor.precision", |d| Some(d.metrics.actor.precision)),
    ("actor.recall", |d| Some(d.metrics.actor.recall)),
    ("campaign_recall", |d| Some(d.metrics.campaign_recall)),
    ("campaigns_detected", |d| {
        Some(d.metrics.campaigns_detected as f64)
    }),
    ("median_time_to_detect_s", |d| {
        d.metrics.median_time_to_detect_s
    }),
    ("records_exposed_before_detection_total", |d| {
        Some(d.metrics.records_exposed_before_detection_total as f64)
    }),
    ("alarm_precision", |d| {
        Some(d.metrics.alarms.alarm_precision)
    }),
    ("false_alarms_per_day", |d| {
        d.metrics.alarms.false_alarms_per_day
    }),
    ("events_per_s", |d| d.cost.events_per_s),
    ("end_to_end_events_per_s", |d| {
        d.cost.end_to_end_events_per_s
    }),
];

/// Summarises `runs` per detector, detectors in the order they first appear.
pub fn summarize_seeds(runs: &[SeededRun]) -> SeedsSection {
    let mut names: Vec<String> = Vec::new();
    for run in runs {
        let all = run.report.report.detectors.iter().map(|d| &d.name);
        let failed = run.report.failed_detectors.iter().map(|f| &f.name);
        for name in all.chain(failed) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let detectors = names
        .into_iter()
        .map(|name| summarize_detector(&name, runs))
        .collect();
    SeedsSection {
        seeds: runs.iter().map(|r| r.seed).collect(),
        detectors,
    }
}

fn summarize_detector(name: &str, runs: &[SeededRun]) -> SeedSummary {
    let per_seed: Vec<Option<&DetectorReport>> = runs
        .iter()
        .map(|run| run.report.report.detectors.iter().find(|d| d.name == name))
        .collect();
    let failed_seeds = runs
        .iter()
        .zip(&per_seed)
        .filter(|(_, report)| report.is_none())
        .map(|(run, _)| run.seed)
        .collect();
    let metrics = METRICS
        .iter()
        .map(|(key, extract)| {
            let values: Vec<Option<f64>> = per_seed
                .iter()
                .map(|report| report.and_then(extract).filter(|v| v.is_finite()))
                .collect();
            let defined: Vec<f64> = values.iter().flatten().copied().collect();
            let upper = if is_ratio(key) { 1.0 } else { f64::INFINITY };
            let summary = mean_with_interval_within(&defined, 0.0, upper);
            (key.to_string(), SeedMetric { values, summary })
        })
        .collect();
    SeedSummary {
        name: name.to_string(),
        failed_seeds,
        metrics,
    }
}

/// Whether the metric is a ratio in 0..=1; every other summarised metric is a count, a
/// rate or a duration in 0.. .
fn is_ratio(key: &str) -> bool {
    key.starts_with("event.")
        || key.starts_with("actor.")
        || key.ends_with("recall")
        || key.ends_with("precision")
}

/// Columns of the across-seeds table: header and metric key.
const TABLE: [(&str, &str); 9] = [
    ("P", "event.precision"),
    ("R", "event.recall"),
    ("F1", "event.f1"),
    ("AP", "event.average_precision"),
    ("Campaign recall", "campaign_recall"),
    ("Median time to detect", "median_time_to_detect_s"),
    (
        "Records exposed before detection",
        "records_exposed_before_detection_total",
    ),
    ("False alarms/day", "false_alarms_per_day"),
    ("Events/s", "events_per_s"),
];

/// One value of metric `key` in the format the single-run tables use for it.
fn format_value(key: &str, value: f64) -> String {
    match key {
        "median_time_to_detect_s" => duration(Some(value)),
        "records_exposed_before_detection_total" => grouped(value.round() as i64),
        "false_alarms_per_day" => decimal(Some(value)),
        "events_per_s" | "end_to_end_events_per_s" => rate(Some(value)),
        _ if is_ratio(key) => fraction(value),
        _ => decimal(Some(value)),
    }
}

/// `mean [low, high]`, the interval clipped to the metric's bounds; the mean alone for one
/// seed.
fn cell(metric: Option<&SeedMetric>, key: &str) -> String {
    let Some(summary) = metric.and_then(|m| m.summary) else {
        return MISSING.to_string();
    };
    let mean = format_value(key, summary.mean);
    match (summary.low, summary.high) {
        (Some(low), Some(high)) => format!(
            "{mean} [{}, {}]",
            format_value(key, low),
            format_value(key, high)
        ),
        _ => mean,
    }
}

impl SeedsSection {
    /// One row per detector, each cell `mean [low, high]`; Markdown or aligned text.
    pub fn render_table(&self, markdown: bool) -> String {
        let mut rows: Vec<Vec<String>> = vec![
            std::iter::once("Detector".to_string())
                .chain(TABLE.iter().map(|(h, _)| h.to_string()))
                .collect(),
        ];
        for detector in &self.detectors {
            let mut row = vec![detector.name.clone()];
            row.extend(
                TABLE
                    .iter()
                    .map(|(_, key)| cell(detector.metrics.get(*key), key)),
            );
            rows.push(row);
        }
        if markdown {
            markdown_grid(&rows)
        } else {
            text_grid(&rows)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(key: &str, values: &[f64]) -> SeedMetric {
        let upper = if is_ratio(key) { 1.0 } else { f64::INFINITY };
        SeedMetric {
            values: values.iter().copied().map(Some).collect(),
            summary: mean_with_interval_within(values, 0.0, upper),
        }
    }

    #[test]
    fn cells_respect_bounds_and_use_the_single_run_formats() {
        let key = "records_exposed_before_detection_total";
        let text = cell(Some(&metric(key, &[0.0, 0.0, 0.0, 12_350.0])), key);
        assert!(text.starts_with("3,088 [0, "), "{text}");
        assert!(!text.contains('-') && !text.contains('±'), "{text}");
        let key = "events_per_s";
        let text = cell(Some(&metric(key, &[2.106e7, 3.5158e7, 4.3e7])), key);
        assert!(text.starts_with("33.1 M ["), "{text}");
        assert!(!text.contains('e'), "no scientific notation: {text}");
        assert!(text.ends_with(" M]"), "{text}");
        let key = "event.recall";
        let text = cell(Some(&metric(key, &[0.99, 1.0, 0.2])), key);
        assert_eq!(text, "0.730 [0.000, 1.000]");
        let key = "median_time_to_detect_s";
        let text = cell(Some(&metric(key, &[3_600.0])), key);
        assert_eq!(text, "1 h");
        assert_eq!(cell(None, key), MISSING);
    }
}
