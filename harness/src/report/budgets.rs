//! The budget leaderboard: records exposed before detection when each detector's
//! threshold is set, on another seed, to a fixed false-alarm budget (1, 5, 30 a day).
//!
//! A detector that flags everything detects every campaign at once; one that flags
//! nothing raises no false alarm. Neither trade-off is visible in one row of the main
//! table. Fixing the false alarms a team can afford and asking how many records leave
//! before the first alert compares detectors at equal cost. Each budget's thresholds come
//! from a calibration seed that is never scored; the scored seeds then report what those
//! thresholds do on new data (their false alarms per day may exceed the budget: that is
//! the calibration's own error, and is shown).

use super::DetectorReport;
use super::format::{escape_html, markdown_grid, text_grid};
use crate::metrics::{MeanInterval, mean_with_interval};
use serde::{Deserialize, Serialize};

/// One scored seed's report at one budget's thresholds.
#[derive(Debug, Clone)]
pub struct BudgetRun<'a> {
    pub seed: u64,
    pub budget_per_day: f64,
    pub detectors: &'a [DetectorReport],
}

/// A value over the scored seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetMetric {
    /// One per scored seed, in `scored_seeds` order; `null` where undefined or failed.
    pub values: Vec<Option<f64>>,
    /// Mean and 95% interval over the defined values; `null` when none is defined.
    pub summary: Option<MeanInterval>,
}

impl BudgetMetric {
    fn from_values(values: Vec<Option<f64>>) -> Self {
        let defined: Vec<f64> = values.iter().flatten().copied().collect();
        BudgetMetric {
            summary: mean_with_interval(&defined),
            values,
        }
    }
}

/// One detector at one budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetCell {
    pub budget_per_day: f64,
    /// The threshold calibrated for this budget; `null` for a detector whose threshold
    /// is fixed (`--param det.threshold=`), which then runs at that threshold.
    pub threshold: Option<f64>,
    /// False alarms per day of that threshold on the calibration seed.
    pub calibration_false_alarms_per_day: Option<f64>,
    pub records_exposed_before_detection: BudgetMetric,
    pub false_alarms_per_day: BudgetMetric,
    pub campaigns_detected: BudgetMetric,
}

/// One detector at every budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetDetector {
    pub name: String,
    /// In `budgets_per_day` order.
    pub budgets: Vec<BudgetCell>,
}

/// The `budgets` section of `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetSection {
    pub budgets_per_day: Vec<f64>,
    /// Seeds the thresholds were calibrated on; never among `scored_seeds`.
    pub calibration_seeds: Vec<u64>,
    pub scored_seeds: Vec<u64>,
    /// Records the attack campaigns exposed in all, per scored seed: what a detector
    /// that never alerts lets leave.
    pub records_exposed_total: Vec<i64>,
    pub detectors: Vec<BudgetDetector>,
}

/// A calibrated threshold and its false alarms per day on the calibration seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetThreshold {
    pub threshold: f64,
    pub calibration_false_alarms_per_day: f64,
}

impl BudgetSection {
    /// Summarises `runs` (every scored seed at every budget). `thresholds(name, budget)`
    /// gives the calibrated threshold of a detector at a budget. Detectors appear in the
    /// order of their first run.
    pub fn summarize(
        budgets_per_day: &[f64],
        calibration_seeds: &[u64],
        runs: &[BudgetRun<'_>],
        thresholds: impl Fn(&str, f64) -> Option<BudgetThreshold>,
    ) -> Self {
        let mut scored_seeds: Vec<u64> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for run in runs {
            if !scored_seeds.contains(&run.seed) {
                scored_seeds.push(run.seed);
            }
            for detector in run.detectors {
                if !names.contains(&detector.name.as_str()) {
                    names.push(&detector.name);
                }
            }
        }
        let records_exposed_total = scored_seeds
            .iter()
            .map(|&seed| {
                runs.iter()
                    .find(|run| run.seed == seed)
                    .and_then(|run| run.detectors.first())
                    .map_or(0, |d| {
                        d.metrics
                            .campaigns
                            .iter()
                            .map(|c| c.records_exposed_total)
                            .sum()
                    })
            })
            .collect();
        let detectors = names
            .iter()
            .map(|&name| BudgetDetector {
                name: name.to_string(),
                budgets: budgets_per_day
                    .iter()
                    .map(|&budget| {
                        let per_seed = |extract: fn(&DetectorReport) -> Option<f64>| {
                            let values = scored_seeds
                                .iter()
                                .map(|&seed| {
                                    runs.iter()
                                        .find(|r| r.seed == seed && r.budget_per_day == budget)
                                        .and_then(|r| r.detectors.iter().find(|d| d.name == name))
                                        .and_then(extract)
                                        .filter(|v| v.is_finite())
                                })
                                .collect();
                            BudgetMetric::from_values(values)
                        };
                        let calibrated = thresholds(name, budget);
                        BudgetCell {
                            budget_per_day: budget,
                            threshold: calibrated.map(|c| c.threshold),
                            calibration_false_alarms_per_day: calibrated
                                .map(|c| c.calibration_false_alarms_per_day),
                            records_exposed_before_detection: per_seed(|d| {
                                Some(d.metrics.records_exposed_before_detection_total as f64)
                            }),
                            false_alarms_per_day: per_seed(|d| {
                                d.metrics.alarms.false_alarms_per_day
                            }),
                            campaigns_detected: per_seed(|d| {
                                Some(d.metrics.campaigns_detected as f64)
                            }),
                        }
                    })
                    .collect(),
            })
            .collect();
        BudgetSection {
            budgets_per_day: budgets_per_day.to_vec(),
            calibration_seeds: calibration_seeds.to_vec(),
            scored_seeds,
            records_exposed_total,
            detectors,
        }
    }

    /// One row per detector; for each budget, records exposed before detection and the
    /// false alarms per day the scored seeds actually saw, as `mean [low, high]` over the
    /// seeds with the interval clipped at 0. Markdown or aligned text.
    pub fn render_table(&self, markdown: bool) -> String {
        let mut header = vec!["Detector".to_string()];
        for budget in &self.budgets_per_day {
            let budget = trimmed(*budget);
            header.push(format!("Records exposed @ {budget}/day"));
            header.push(format!("False alarms/day @ {budget}/day"));
        }
        let mut rows = vec![header];
        for detector in &self.detectors {
            let mut row = vec![detector.name.clone()];
            for cell in &detector.budgets {
                row.push(interval_cell(&cell.records_exposed_before_detection, 0));
                row.push(interval_cell(&cell.false_alarms_per_day, 1));
            }
            rows.push(row);
        }
        let mut out = if markdown {
            markdown_grid(&rows)
        } else {
            text_grid(&rows)
        };
        let totals: Vec<String> = self
            .records_exposed_total
            .iter()
            .map(|total| grouped(*total as f64))
            .collect();
        out.push_str(&format!(
            "{}Thresholds calibrated on seed(s) {:?}, scored on seed(s) {:?}; records the campaigns exposed in all: {}. Lower is better; `mean [low, high]` is the 95% interval over the scored seeds, clipped at 0.\n",
            if markdown { "\n" } else { "" },
            self.calibration_seeds,
            self.scored_seeds,
            totals.join(", ")
        ));
        out
    }

    /// The section of `report.html`.
    pub fn html(&self) -> String {
        format!(
            "<section><h2>Records exposed at a fixed false-alarm budget</h2><pre>{}</pre></section>",
            escape_html(&self.render_table(false))
        )
    }
}

fn interval_cell(metric: &BudgetMetric, digits: usize) -> String {
    let Some(summary) = metric.summary else {
        return "-".to_string();
    };
    let format = |value: f64| match digits {
        0 => grouped(value),
        _ => format!("{value:.digits$}"),
    };
    match (summary.low, summary.high) {
        (Some(low), Some(high)) => format!(
            "{} [{}, {}]",
            format(summary.mean),
            format(low.max(0.0)),
            format(high.max(0.0))
        ),
        _ => format(summary.mean),
    }
}

/// `value` rounded to an integer with thousands separators: `179,051`.
fn grouped(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if value < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    out
}

fn trimmed(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(179_051.0), "179,051");
        assert_eq!(grouped(999.4), "999");
        assert_eq!(grouped(1_000.0), "1,000");
        assert_eq!(grouped(0.0), "0");
    }

    #[test]
    fn intervals_are_clipped_at_zero() {
        let metric = BudgetMetric::from_values(vec![Some(0.0), Some(10.0), None]);
        // Mean 5, s = 7.07, t(1) = 12.7: 5 ± 63.5, clipped below at 0.
        assert_eq!(metric.values.len(), 3);
        assert_eq!(interval_cell(&metric, 1), "5.0 [0.0, 68.5]");
        let single = BudgetMetric::from_values(vec![Some(3.0)]);
        assert_eq!(interval_cell(&single, 0), "3");
        assert_eq!(
            interval_cell(&BudgetMetric::from_values(vec![None]), 0),
            "-"
        );
    }
}
