//! The summary table, one row per detector, as Markdown and as aligned plain text.

use super::format::{
    MISSING, decimal, duration, escape_markdown_cell, fraction, grouped, rate, strip_controls,
};
use super::{DetectorReport, Report};

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

/// A GitHub-flavoured Markdown table, one row per detector.
pub fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&markdown_row(SUMMARY_HEADERS.iter().map(|h| h.to_string())));
    out.push_str(&markdown_row(
        SUMMARY_HEADERS
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" }.to_string()),
    ));
    for detector in &report.detectors {
        let cells = summary_cells(detector);
        out.push_str(&markdown_row(cells.iter().map(|c| escape_markdown_cell(c))));
    }
    out.push_str(&super::render_your_traffic(report, true));
    out
}

fn markdown_row(cells: impl Iterator<Item = String>) -> String {
    let joined: Vec<String> = cells.collect();
    format!("| {} |\n", joined.join(" | "))
}

/// The same table as aligned plain text for a terminal: names left, numbers right.
pub fn render_terminal_table(report: &Report) -> String {
    let header: Vec<String> = SUMMARY_HEADERS.iter().map(|h| h.to_string()).collect();
    let rows: Vec<Vec<String>> = report
        .detectors
        .iter()
        .map(|d| summary_cells(d).iter().map(|c| strip_controls(c)).collect())
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = terminal_row(&header, &widths);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&terminal_row(&rule, &widths));
    for row in &rows {
        out.push_str(&terminal_row(row, &widths));
    }
    if report.detectors.is_empty() {
        out.push_str(MISSING);
        out.push_str(" no detectors\n");
    }
    out.push_str(&super::render_your_traffic(report, false));
    out
}

fn terminal_row(cells: &[String], widths: &[usize]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .enumerate()
        .map(|(column, (cell, width))| {
            let padding = " ".repeat(width.saturating_sub(cell.chars().count()));
            if column == 0 {
                format!("{cell}{padding}")
            } else {
                format!("{padding}{cell}")
            }
        })
        .collect();
    format!("{}\n", padded.join("  ").trim_end())
}
