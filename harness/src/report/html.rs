//! One self-contained HTML page: summary table, campaign timeline with each detector's
//! first detection, records exposed over time per detector, precision-recall curves and
//! per-campaign and per-cohort tables. Inline CSS and SVG only: no script, no network,
//! readable offline. Every piece of text from the report is escaped.

use super::format::{MISSING, duration, escape_html, fraction, grouped, threshold, utc};
use super::plot::{
    Frame, LineStyle, PALETTE, Range, colour, legend, legend_height, marker_at, nice_ticks,
};
use super::table::{SUMMARY_HEADERS, exposure_delays, summary_cells};
use super::{DetectorReport, Report};
use crate::metrics::CampaignMetrics;
use crate::metrics::ExposureCurve;
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1200px}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:4px 8px}\
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}\
pre{background:#f7f7f7;padding:.5rem;overflow:auto;max-height:20rem}\
svg{display:block;margin:1rem 0;font-size:12px}svg text{fill:#222}\
.axis-label{font-weight:bold}.note{color:#666}svg text.lane{font-size:10px;fill:#555}\
.multiples{display:flex;flex-wrap:wrap;gap:0 12px}.multiples svg{margin:.5rem 0}\
.legend .key{margin-right:1rem;white-space:nowrap}\
.legend .swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}";

/// The page around the sections' HTML.
pub(super) fn page(report: &Report, body: &str) -> String {
    let mut page = String::new();
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(
        page,
        "<title>breachlab report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        page,
        "<h1>breachlab report</h1><p class=\"note\">breachlab {} · report schema {}</p>",
        escape_html(&report.breachlab_version),
        report.schema_version
    );
    page.push_str(body);
    page.push_str("</body></html>\n");
    page
}

pub(super) fn summary_table(report: &Report) -> String {
    let mut out = String::from("<table><tr>");
    for header in SUMMARY_HEADERS {
        let _ = write!(out, "<th>{}</th>", escape_html(header));
    }
    out.push_str("</tr>");
    for detector in &report.detectors {
        out.push_str("<tr>");
        for (column, cell) in summary_cells(detector).iter().enumerate() {
            let class = if column == 0 { "" } else { " class=\"num\"" };
            let _ = write!(out, "<td{class}>{}</td>", escape_html(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str(
        "</table><p class=\"note\">Event-level scores, no point adjustment. \
        Records exposed before detection: summed over attack campaigns, containment at \
        the detecting event.</p>",
    );
    out
}

/// Attack campaigns of all detectors, by id, in first-seen order.
pub(super) fn all_campaigns(report: &Report) -> Vec<&CampaignMetrics> {
    let mut campaigns: Vec<&CampaignMetrics> = Vec::new();
    for campaign in report.detectors.iter().flat_map(|d| &d.metrics.campaigns) {
        if !campaigns
            .iter()
            .any(|c| c.campaign_id == campaign.campaign_id)
        {
            campaigns.push(campaign);
        }
    }
    campaigns
}

/// Time range covering every campaign and every detection.
fn time_range(report: &Report) -> Range {
    let times = report
        .detectors
        .iter()
        .flat_map(|d| &d.metrics.campaigns)
        .flat_map(|c| {
            [Some(c.start_us), Some(c.end_us), c.first_detection_ts_us]
                .into_iter()
                .flatten()
        });
    let (min, max) = times.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    Range::new(min as f64, max as f64)
}

fn time_ticks(range: Range) -> Vec<(f64, String)> {
    let hours = Range::new(0.0, (range.max - range.min) / 3.6e9);
    nice_ticks(hours, 6)
        .into_iter()
        .map(|h| (range.min + h * 3.6e9, format!("+{} h", trimmed(h))))
        .collect()
}

/// A tick value without float noise or trailing zeros: 0.30000000000000004 -> "0.3".
fn trimmed(value: f64) -> String {
    let fixed = format!("{value:.3}");
    fixed
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

fn detector_names(report: &Report) -> Vec<String> {
    report.detectors.iter().map(|d| d.name.clone()).collect()
}

/// Height of one detector's lane in the campaign timeline, in pixels.
const LANE: f64 = 12.0;
/// Room above each campaign's lanes for its name.
const CAMPAIGN_HEADER: f64 = 18.0;

pub(super) fn timeline_section(report: &Report) -> String {
    let campaigns = all_campaigns(report);
    let mut out = String::new();
    if campaigns.is_empty() {
        out.push_str("<p class=\"note\">No attack campaigns.</p>");
        return out;
    }
    let range = time_range(report);
    let _ = write!(
        out,
        "<p class=\"note\">Grey bars: attack campaigns, one lane per detector. Dots: each \
         detector's first detection in its own lane. Time axis from {} UTC.</p>",
        utc(range.min as i64)
    );
    let names = detector_names(report);
    let lanes = names.len().max(1) as f64;
    let top = legend_height(&names, 220.0, 1100.0 - 20.0) + 6.0;
    let band = CAMPAIGN_HEADER + LANE * lanes;
    let frame = Frame {
        width: 1100.0,
        height: top + band * campaigns.len() as f64 + 8.0 + 40.0,
        left: 220.0,
        right: 20.0,
        top,
        bottom: 40.0,
        x: range,
        y: Range::new(0.0, 1.0),
    };
    out.push_str(&frame.open("Campaign timeline with first detections"));
    out.push_str(&legend(&names, frame.left, frame.width - frame.right));
    out.push_str(&frame.x_axis(&time_ticks(range), "time since first campaign start"));
    for (row, campaign) in campaigns.iter().enumerate() {
        let band_top = frame.top + 4.0 + band * row as f64;
        out.push_str(&timeline_row(report, &frame, band_top, campaign));
    }
    out.push_str("</svg>");
    out
}

/// Vertical centre of a detector's lane in a campaign band starting at `band_top`.
fn lane_centre(band_top: f64, lane: usize) -> f64 {
    band_top + CAMPAIGN_HEADER + LANE * (lane as f64 + 0.5)
}

fn timeline_row(
    report: &Report,
    frame: &Frame,
    band_top: f64,
    campaign: &CampaignMetrics,
) -> String {
    let (x1, x2) = (
        frame.px(campaign.start_us as f64),
        frame.px(campaign.end_us as f64),
    );
    let lanes = report.detectors.len().max(1) as f64;
    let mut out = format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis-label\">{}</text>\
         <rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e6e6e6\" stroke=\"#aaa\">\
         <title>{}: {} to {} UTC</title></rect>",
        frame.left + 4.0,
        band_top + CAMPAIGN_HEADER - 5.0,
        escape_html(&truncate(&campaign.name, 60)),
        band_top + CAMPAIGN_HEADER,
        (x2 - x1).max(1.0),
        LANE * lanes,
        escape_html(&campaign.name),
        utc(campaign.start_us),
        utc(campaign.end_us),
    );
    for (lane, detector) in report.detectors.iter().enumerate() {
        let y = lane_centre(band_top, lane);
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" class=\"lane\">{}</text>",
            frame.left - 6.0,
            y + 3.0,
            escape_html(&truncate(&detector.name, 30)),
        );
        let Some(own) = detector
            .metrics
            .campaigns
            .iter()
            .find(|c| c.campaign_id == campaign.campaign_id)
        else {
            continue;
        };
        if let Some(ts) = own.first_detection_ts_us {
            let tooltip = format!(
                "{}: first detection of {} at {} UTC, {} after start, {} records exposed",
                detector.name,
                campaign.name,
                utc(ts),
                duration(own.time_to_detect_s),
                grouped(own.records_exposed_before_detection)
            );
            let attributes = format!(
                " class=\"detection\" data-detector=\"{}\" data-campaign=\"{}\"",
                escape_html(&detector.name),
                campaign.campaign_id
            );
            out.push_str(&marker_at(
                frame.px(ts as f64),
                y,
                colour(lane),
                &tooltip,
                &attributes,
            ));
        }
    }
    out
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// Colour of the `index`-th attack campaign in the exposure panels: the palette read
/// from its end, so campaigns do not look like the detectors of the other plots.
fn campaign_colour(index: usize) -> &'static str {
    colour(PALETTE.len() - 1 - index % PALETTE.len())
}

pub(super) fn exposure_section(report: &Report) -> String {
    let campaigns = all_campaigns(report);
    let mut out = String::from(
        "<p class=\"note\">Cumulative records exposed per \
         attack campaign, one panel per detector, every panel on the same axes. Solid: \
         before the detector's first detection (dot); dashed: after it, what containment \
         must stop.</p>",
    );
    out.push_str("<p class=\"legend\">");
    for (index, campaign) in campaigns.iter().enumerate() {
        let _ = write!(
            out,
            "<span class=\"key\" data-campaign=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            campaign.campaign_id,
            campaign_colour(index),
            escape_html(&campaign.name)
        );
    }
    out.push_str("</p><div class=\"multiples\">");
    let time = time_range(report);
    let most = report
        .detectors
        .iter()
        .flat_map(|d| &d.metrics.exposure_curves)
        .flat_map(|curve| curve.points.iter().map(|p| p.records))
        .max()
        .unwrap_or(0);
    let records = Range::new(0.0, most.max(1) as f64);
    for detector in &report.detectors {
        out.push_str(&exposure_plot(detector, &campaigns, time, records));
    }
    out.push_str("</div>");
    out
}

fn exposure_plot(
    detector: &DetectorReport,
    campaigns: &[&CampaignMetrics],
    time: Range,
    records: Range,
) -> String {
    let frame = Frame {
        width: 360.0,
        height: 240.0,
        left: 70.0,
        right: 12.0,
        top: 28.0,
        bottom: 40.0,
        x: time,
        y: records,
    };
    let mut out = frame.open(&format!("Records exposed over time: {}", detector.name));
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"18\" class=\"axis-label\">{}</text>",
        frame.left,
        escape_html(&truncate(&detector.name, 40))
    );
    let y_ticks: Vec<(f64, String)> = nice_ticks(frame.y, 4)
        .into_iter()
        .map(|v| (v, compact(v)))
        .collect();
    out.push_str(&frame.y_axis(&y_ticks, "records"));
    let x_ticks: Vec<(f64, String)> = time_ticks(time).into_iter().step_by(2).collect();
    out.push_str(&frame.x_axis(&x_ticks, "time since first campaign start"));
    for curve in &detector.metrics.exposure_curves {
        let index = campaigns
            .iter()
            .position(|c| c.campaign_id == curve.campaign_id)
            .unwrap_or(0);
        let name = campaigns
            .get(index)
            .filter(|c| c.campaign_id == curve.campaign_id)
            .map_or_else(|| curve.campaign_id.to_string(), |c| c.name.clone());
        out.push_str(&exposure_curve(
            &frame,
            curve,
            campaign_colour(index),
            &name,
        ));
    }
    out.push_str("</svg>");
    out
}

/// An axis value in few characters: 12000 -> "12k", 1500000 -> "1.5M".
fn compact(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        a if a >= 1e6 => (value / 1e6, "M"),
        a if a >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    format!("{}{suffix}", trimmed(scaled))
}

fn exposure_curve(frame: &Frame, curve: &ExposureCurve, stroke: &str, name: &str) -> String {
    let as_xy = |ts: i64, records: i64| (ts as f64, records as f64);
    let all: Vec<(f64, f64)> = curve
        .points
        .iter()
        .map(|p| as_xy(p.ts_us, p.records))
        .collect();
    let attributes = format!(
        " class=\"exposure\" data-campaign=\"{}\"",
        curve.campaign_id
    );
    let titled = |line: String| match line.strip_suffix("/>") {
        Some(open) => format!("{open}><title>{}</title></polyline>", escape_html(name)),
        None => line,
    };
    let Some(detection) = curve.detection else {
        return titled(frame.polyline_with(&all, stroke, LineStyle::Solid, &attributes));
    };
    let mut before: Vec<(f64, f64)> = curve
        .points
        .iter()
        .filter(|p| p.ts_us <= detection.ts_us)
        .map(|p| as_xy(p.ts_us, p.records))
        .collect();
    before.push(as_xy(detection.ts_us, detection.records));
    let tooltip = format!(
        "{name}: detected at {} UTC with {} records exposed",
        utc(detection.ts_us),
        grouped(detection.records)
    );
    let mut out = titled(frame.polyline_with(&all, stroke, LineStyle::Faded, &attributes));
    out.push_str(&titled(frame.polyline_with(
        &before,
        stroke,
        LineStyle::Solid,
        &attributes,
    )));
    out.push_str(&frame.marker(
        detection.ts_us as f64,
        detection.records as f64,
        stroke,
        &tooltip,
    ));
    out
}

pub(super) fn precision_recall_section(report: &Report) -> String {
    let names = detector_names(report);
    let top = legend_height(&names, 60.0, 560.0 - 20.0) + 6.0;
    let frame = Frame {
        width: 560.0,
        height: 430.0 + top,
        left: 60.0,
        right: 20.0,
        top,
        bottom: 40.0,
        x: Range::new(0.0, 1.0),
        y: Range::new(0.0, 1.0),
    };
    let ticks: Vec<(f64, String)> = (0..=5)
        .map(|i| (i as f64 / 5.0, format!("{:.1}", i as f64 / 5.0)))
        .collect();
    let mut out = String::from(
        "<p class=\"note\">Event level, every distinct \
         threshold (thinned for plotting), drawn as steps between the measured points only: \
         past a point, recall rises at the precision of the next one. Dot: the threshold \
         used.</p>",
    );
    out.push_str(&frame.open("Precision-recall curves"));
    out.push_str(&legend(&names, frame.left, frame.width - frame.right));
    out.push_str(&frame.x_axis(&ticks, "recall"));
    out.push_str(&frame.y_axis(&ticks, "precision"));
    for (index, detector) in report.detectors.iter().enumerate() {
        out.push_str(&pr_curve(&frame, detector, colour(index)));
    }
    out.push_str("</svg>");
    out
}

/// The vertices of the step curve through measured `(recall, precision)` points in
/// threshold order: from each point, up or down to the next point's precision, then along
/// to its recall. Nothing is drawn before the first point or past the last, and no
/// segment shows a precision that the threshold reaching its recall does not.
pub(crate) fn pr_steps(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut steps: Vec<(f64, f64)> = Vec::with_capacity(points.len() * 2);
    for &(recall, precision) in points {
        if let Some(&(last_recall, last_precision)) = steps.last() {
            if last_precision != precision {
                steps.push((last_recall, precision));
            }
            if last_recall != recall {
                steps.push((recall, precision));
            }
        } else {
            steps.push((recall, precision));
        }
    }
    steps
}

fn pr_curve(frame: &Frame, detector: &DetectorReport, stroke: &str) -> String {
    let measured: Vec<(f64, f64)> = detector
        .metrics
        .pr_curve
        .iter()
        .filter(|p| p.recall.is_finite() && p.precision.is_finite())
        .map(|p| (p.recall, p.precision))
        .collect();
    if measured.is_empty() {
        return String::new();
    }
    let attributes = format!(
        " class=\"pr-curve\" data-detector=\"{}\"",
        escape_html(&detector.name)
    );
    let mut out = frame.polyline_with(&pr_steps(&measured), stroke, LineStyle::Solid, &attributes);
    let tooltip = format!(
        "{}: threshold {} gives precision {}, recall {}",
        detector.name,
        threshold(detector.metrics.threshold),
        fraction(detector.metrics.event.precision),
        fraction(detector.metrics.event.recall)
    );
    out.push_str(&frame.marker(
        detector.metrics.event.recall,
        detector.metrics.event.precision,
        stroke,
        &tooltip,
    ));
    out
}

pub(super) fn campaign_tables(report: &Report) -> String {
    let mut out = String::new();
    for detector in &report.detectors {
        let delays = exposure_delays(detector);
        let _ = write!(
            out,
            "<h3>{}</h3><table><tr><th>Campaign</th><th>Technique</th><th>Detected</th>\
             <th>Time to detect</th><th>Events to detect</th>",
            escape_html(&detector.name)
        );
        for delay in &delays {
            let _ = write!(
                out,
                "<th>Exposed, contained +{}</th>",
                escape_html(&duration(Some(*delay as f64)))
            );
        }
        out.push_str("<th>Exposed in total</th></tr>");
        for campaign in &detector.metrics.campaigns {
            out.push_str(&campaign_row(campaign, &delays));
        }
        out.push_str("</table>");
    }
    out
}

fn campaign_row(campaign: &CampaignMetrics, delays: &[i64]) -> String {
    let mut out = format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
        escape_html(&campaign.name),
        escape_html(&campaign.technique),
        if campaign.detected { "yes" } else { "no" },
        escape_html(&duration(campaign.time_to_detect_s)),
        campaign
            .events_to_detect
            .map_or_else(|| MISSING.to_string(), |n| grouped(n as i64)),
    );
    for delay in delays {
        let records = campaign
            .records_exposed_by_delay
            .iter()
            .find(|exposure| exposure.delay_s == *delay)
            .map(|exposure| exposure.records);
        let _ = write!(
            out,
            "<td class=\"num\">{}</td>",
            records.map_or_else(|| MISSING.to_string(), grouped)
        );
    }
    let _ = write!(
        out,
        "<td class=\"num\">{}</td></tr>",
        grouped(campaign.records_exposed_total)
    );
    out
}

pub(super) fn cohort_table(report: &Report) -> String {
    let mut out = String::from(
        "<p class=\"note\">False-flag rate: flagged \
         events / events of the cohort.</p><table><tr><th>Cohort</th>",
    );
    for detector in &report.detectors {
        let _ = write!(out, "<th>{}</th>", escape_html(&detector.name));
    }
    out.push_str("</tr>");
    let Some(first) = report.detectors.first() else {
        return out + "</table>";
    };
    for cohort in &first.metrics.cohorts {
        let _ = write!(out, "<tr><td>{}</td>", escape_html(&cohort.name));
        for detector in &report.detectors {
            let cell = detector
                .metrics
                .cohorts
                .iter()
                .find(|c| c.campaign_id == cohort.campaign_id)
                .map_or_else(
                    || MISSING.to_string(),
                    |c| {
                        format!(
                            "{} ({} / {})",
                            fraction(c.false_flag_rate),
                            grouped(c.flagged as i64),
                            grouped(c.events as i64)
                        )
                    },
                );
            let _ = write!(out, "<td class=\"num\">{}</td>", escape_html(&cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

pub(super) fn upper_bound_table(report: &Report) -> String {
    let bounds: Vec<_> = report
        .detectors
        .iter()
        .filter_map(|d| d.metrics.upper_bound.as_ref().map(|b| (d, b)))
        .collect();
    if bounds.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<p class=\"note\">Not a \
         result: the best event F1 any threshold could reach, picked with the answers.</p>\
         <table><tr><th>Detector</th><th>Threshold</th><th>P</th><th>R</th><th>F1</th></tr>",
    );
    for (detector, bound) in bounds {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape_html(&detector.name),
            escape_html(&threshold(bound.threshold)),
            fraction(bound.precision),
            fraction(bound.recall),
            fraction(bound.f1)
        );
    }
    out.push_str("</table>");
    out
}

pub(super) fn dataset_section(report: &Report) -> String {
    let dataset = serde_json::to_string_pretty(&report.dataset).unwrap_or_default();
    format!("<pre>{}</pre>", escape_html(&dataset))
}
