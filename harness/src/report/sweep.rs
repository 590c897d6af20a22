//! Evasion curves: how a detector's result moves as the attacker spends more. `bench
//! --sweep PATH=V1,V2,...` generates one variant of a scenario per value at `PATH` and
//! scores every detector on each, with thresholds calibrated once; this section holds
//! records exposed before detection and time to detect per detector against the value,
//! as a table, a line plot and raw figures.

use super::DetectorReport;
use super::format::{MISSING, duration, escape_html, grouped, markdown_grid, text_grid};
use super::plot::{Frame, LineStyle, Range, colour, legend, legend_height, nice_ticks};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One variant of the swept scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepVariant {
    /// The value at the swept path, as given on the command line.
    pub value: String,
    /// Below the scenario's minimum faithful scale: its figures say nothing about the
    /// incident.
    pub distorted: bool,
    /// Records the attack campaigns exposed in all: what a detector that never alerts
    /// lets leave.
    pub records_exposed_total: i64,
}

/// One detector on one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub records_exposed_before_detection: i64,
    /// Median over detected campaigns; `null` when none was detected.
    pub median_time_to_detect_s: Option<f64>,
    pub campaigns_detected: u64,
    pub false_alarms_per_day: Option<f64>,
}

/// One detector across the variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepDetector {
    pub name: String,
    pub threshold: f64,
    /// In `variants` order; `null` where the detector failed on that variant.
    pub points: Vec<Option<SweepPoint>>,
}

/// The `sweep` section of `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSection {
    /// The dotted path into the scenario TOML, e.g. `campaigns.0.attack.tokens`.
    pub path: String,
    pub seed: u64,
    /// Seeds the thresholds were calibrated on (once, for every variant); empty when
    /// thresholds are defaults or given.
    pub calibration_seeds: Vec<u64>,
    pub variants: Vec<SweepVariant>,
    pub detectors: Vec<SweepDetector>,
}

impl SweepPoint {
    pub fn of(report: &DetectorReport) -> Self {
        let metrics = &report.metrics;
        SweepPoint {
            records_exposed_before_detection: metrics.records_exposed_before_detection_total,
            median_time_to_detect_s: metrics.median_time_to_detect_s,
            campaigns_detected: metrics.campaigns_detected,
            false_alarms_per_day: metrics.alarms.false_alarms_per_day,
        }
    }
}

impl SweepSection {
    /// One row per detector and variant: records exposed before detection and median time
    /// to detect. Markdown or aligned text.
    pub fn render_table(&self, markdown: bool) -> String {
        let mut rows = vec![vec![
            "Detector".to_string(),
            self.path.clone(),
            "Records exposed before detection".to_string(),
            "Of records exposed".to_string(),
            "Median time to detect".to_string(),
            "Campaigns detected".to_string(),
        ]];
        for detector in &self.detectors {
            for (variant, point) in self.variants.iter().zip(&detector.points) {
                let value = match variant.distorted {
                    true => format!("{} (distorted)", variant.value),
                    false => variant.value.clone(),
                };
                let total = grouped(variant.records_exposed_total);
                rows.push(match point {
                    Some(point) => vec![
                        detector.name.clone(),
                        value,
                        grouped(point.records_exposed_before_detection),
                        total,
                        duration(point.median_time_to_detect_s),
                        point.campaigns_detected.to_string(),
                    ],
                    None => vec![
                        detector.name.clone(),
                        value,
                        "failed".into(),
                        total,
                        MISSING.into(),
                        MISSING.into(),
                    ],
                });
            }
        }
        let mut out = if markdown {
            markdown_grid(&rows)
        } else {
            text_grid(&rows)
        };
        let _ = writeln!(
            out,
            "{}Seed {}; thresholds {}. Lower is better.",
            if markdown { "\n" } else { "" },
            self.seed,
            match self.calibration_seeds.is_empty() {
                true => "each detector's default or the one given".to_string(),
                false => format!(
                    "calibrated once on seed(s) {:?} of the unswept scenario",
                    self.calibration_seeds
                ),
            }
        );
        out
    }

    /// The section of `report.html`: the table and a line plot of records exposed
    /// before detection against the swept value, one line per detector.
    pub fn html(&self) -> String {
        format!(
            "<section><h2>Evasion curve: {}</h2>{}<pre>{}</pre></section>",
            escape_html(&self.path),
            self.plot(),
            escape_html(&self.render_table(false))
        )
    }

    /// Records exposed before detection per variant: the x axis places the variants
    /// evenly in the order given (values need not be numbers), the y axis counts records.
    pub(super) fn plot(&self) -> String {
        let names: Vec<String> = self.detectors.iter().map(|d| d.name.clone()).collect();
        let (width, left, right) = (640.0, 80.0, 20.0);
        let top = legend_height(&names, left, width - right);
        let highest = self
            .variants
            .iter()
            .map(|v| v.records_exposed_total as f64)
            .chain(self.detectors.iter().flat_map(|d| {
                d.points
                    .iter()
                    .flatten()
                    .map(|p| p.records_exposed_before_detection as f64)
            }))
            .fold(0.0, f64::max);
        let frame = Frame {
            width,
            height: 300.0 + top,
            left,
            right,
            top,
            bottom: 44.0,
            x: Range::new(0.0, self.variants.len().saturating_sub(1) as f64),
            y: Range::new(0.0, highest.max(1.0)),
        };
        let mut out = frame.open(&format!(
            "Records exposed before detection against {}",
            self.path
        ));
        let x_ticks: Vec<(f64, String)> = self
            .variants
            .iter()
            .enumerate()
            .map(|(index, v)| (index as f64, v.value.clone()))
            .collect();
        out.push_str(&frame.x_axis(&x_ticks, &self.path));
        let y_ticks: Vec<(f64, String)> = nice_ticks(frame.y, 5)
            .into_iter()
            .map(|value| (value, grouped(value as i64)))
            .collect();
        out.push_str(&frame.y_axis(&y_ticks, "records exposed before detection"));
        out.push_str(&legend(&names, left, width - right));
        let totals: Vec<(f64, f64)> = self
            .variants
            .iter()
            .enumerate()
            .map(|(index, v)| (index as f64, v.records_exposed_total as f64))
            .collect();
        out.push_str(&frame.polyline_with(
            &totals,
            "#999",
            LineStyle::Faded,
            " class=\"sweep-total\"",
        ));
        for (index, detector) in self.detectors.iter().enumerate() {
            let points: Vec<(f64, f64)> = detector
                .points
                .iter()
                .enumerate()
                .filter_map(|(x, point)| {
                    point
                        .as_ref()
                        .map(|p| (x as f64, p.records_exposed_before_detection as f64))
                })
                .collect();
            out.push_str(&frame.polyline_with(
                &points,
                colour(index),
                LineStyle::Solid,
                &format!(
                    " class=\"sweep-line\" data-detector=\"{}\"",
                    escape_html(&detector.name)
                ),
            ));
            for &(x, y) in &points {
                let value = &self.variants[x as usize].value;
                let tooltip = format!("{}: {} at {value}", detector.name, grouped(y as i64));
                out.push_str(&frame.marker(x, y, colour(index), &tooltip));
            }
        }
        out.push_str("</svg><p>Dashed: records the campaigns exposed in all.</p>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section() -> SweepSection {
        let point = |records, ttd: Option<f64>| {
            Some(SweepPoint {
                records_exposed_before_detection: records,
                median_time_to_detect_s: ttd,
                campaigns_detected: u64::from(ttd.is_some()),
                false_alarms_per_day: Some(1.0),
            })
        };
        SweepSection {
            path: "campaigns.0.attack.tokens".into(),
            seed: 1,
            calibration_seeds: vec![1001],
            variants: vec![
                SweepVariant {
                    value: "200".into(),
                    distorted: false,
                    records_exposed_total: 10_000,
                },
                SweepVariant {
                    value: "2000".into(),
                    distorted: true,
                    records_exposed_total: 10_000,
                },
            ],
            detectors: vec![SweepDetector {
                name: "fanout".into(),
                threshold: 0.25,
                points: vec![point(1_200, Some(5_400.0)), point(10_000, None)],
            }],
        }
    }

    #[test]
    fn the_table_has_a_row_per_detector_and_value() {
        let table = section().render_table(true);
        assert!(
            table.contains("| fanout | 200 | 1,200 | 10,000 | 1.5 h | 1 |"),
            "{table}"
        );
        assert!(
            table.contains("| fanout | 2000 (distorted) | 10,000 | 10,000 | — | 0 |"),
            "{table}"
        );
        assert!(table.contains("seed(s) [1001]"));
    }

    #[test]
    fn the_plot_draws_a_line_per_detector_and_the_total() {
        let html = section().html();
        assert_eq!(html.matches("class=\"sweep-line\"").count(), 1);
        assert_eq!(html.matches("class=\"sweep-total\"").count(), 1);
        assert_eq!(html.matches("<circle").count(), 2);
        assert!(html.contains("<svg") && html.contains("</svg>"));
    }

    #[test]
    fn it_round_trips_through_json() {
        let json = serde_json::to_string(&section()).unwrap();
        let back: SweepSection = serde_json::from_str(&json).unwrap();
        assert_eq!(back, section());
    }
}
