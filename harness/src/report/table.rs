//! The summary table's columns and cells, one row per detector, shared by every view.

use super::DetectorReport;
use super::format::{decimal, duration, fraction, grouped, rate};

pub(crate) const SUMMARY_HEADERS: [&str; 10] = [
    "Detector",
    "P",
    "R",
    "F1",
    "AP",
    "Campaigns detected",
    "Median time to detect",
    "Records exposed before detection",
    "False alarms/day",
    "Events/s",
];

/// The summary cells of one detector, unescaped, in [`SUMMARY_HEADERS`] order.
pub(crate) fn summary_cells(detector: &DetectorReport) -> [String; 10] {
    let metrics = &detector.metrics;
    [
        detector.name.clone(),
        fraction(metrics.event.precision),
        fraction(metrics.event.recall),
        fraction(metrics.event.f1),
        fraction(metrics.event.average_precision),
        format!(
            "{}/{}",
            metrics.campaigns_detected,
            metrics.attack_campaigns()
        ),
        duration(metrics.median_time_to_detect_s),
        grouped(metrics.records_exposed_before_detection_total),
        decimal(metrics.alarms.false_alarms_per_day),
        rate(detector.cost.events_per_s),
    ]
}

/// The delays (seconds after a campaign's start) at which the report counts the records
/// exposed had the campaign been contained then: one column each in the campaign tables.
pub(super) fn exposure_delays(detector: &DetectorReport) -> Vec<i64> {
    detector
        .metrics
        .campaigns
        .first()
        .map(|c| {
            c.records_exposed_by_delay
                .iter()
                .map(|e| e.delay_s)
                .collect()
        })
        .unwrap_or_default()
}
