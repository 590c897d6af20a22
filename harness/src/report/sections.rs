//! One report model, three views. The terminal summary, `report.md` and `report.html`
//! all walk [`sections`], one ordered list, so they carry the same sections under the
//! same titles; a section a report lacks (no seeds, no sweep, no audit) is absent from
//! all three. Only the body differs by view: the HTML draws its plots, the text views
//! give the same figures as tables.

use super::bench::BenchReport;
use super::format::{
    MISSING, duration, escape_html, escape_markdown_cell, fraction, grouped, markdown_grid,
    strip_controls, text_grid, threshold,
};
use super::table::{SUMMARY_HEADERS, exposure_delays, summary_cells};
use super::{Report, html};
use crate::metrics::CampaignMetrics;

/// The sections of a report, in the order every view shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    AcrossSeeds,
    EvasionCurve,
    Budgets,
    Summary,
    YourTraffic,
    Timeline,
    Exposure,
    PrecisionRecall,
    Campaigns,
    Cohorts,
    UpperBound,
    Hardness,
    Faithfulness,
    Dataset,
    FailedDetectors,
}

const ORDER: [Section; 15] = [
    Section::AcrossSeeds,
    Section::EvasionCurve,
    Section::Budgets,
    Section::Summary,
    Section::YourTraffic,
    Section::Timeline,
    Section::Exposure,
    Section::PrecisionRecall,
    Section::Campaigns,
    Section::Cohorts,
    Section::UpperBound,
    Section::Hardness,
    Section::Faithfulness,
    Section::Dataset,
    Section::FailedDetectors,
];

/// Where a report is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Terminal,
    Markdown,
    Html,
}

/// The sections `report` has, in order.
pub fn sections(report: &BenchReport) -> Vec<Section> {
    ORDER
        .into_iter()
        .filter(|section| section.present(report))
        .collect()
}

impl Section {
    /// The section's title, the same in every view.
    pub fn title(self, report: &BenchReport) -> String {
        match self {
            Section::AcrossSeeds => match &report.seeds {
                Some(seeds) => format!("Across seeds {:?} (mean [95% interval])", seeds.seeds),
                None => "Across seeds".into(),
            },
            Section::EvasionCurve => match &report.sweep {
                Some(sweep) => format!("Evasion curve: {}", sweep.path),
                None => "Evasion curve".into(),
            },
            Section::Budgets => "Records exposed at a fixed false-alarm budget".into(),
            Section::Summary => match report.seeds.as_ref().and_then(|s| s.seeds.first()) {
                Some(seed) => format!("Summary of seed {seed}"),
                None => "Summary".into(),
            },
            Section::YourTraffic => "Alarms on your traffic".into(),
            Section::Timeline => "Campaign timeline".into(),
            Section::Exposure => "Records exposed over time".into(),
            Section::PrecisionRecall => "Precision-recall curves".into(),
            Section::Campaigns => "Campaigns".into(),
            Section::Cohorts => "Benign look-alike cohorts".into(),
            Section::UpperBound => "Upper bound (threshold chosen on the test labels)".into(),
            Section::Hardness => "How hard each campaign is".into(),
            Section::Faithfulness => "How far each campaign is faithful at this scale".into(),
            Section::Dataset => "Dataset".into(),
            Section::FailedDetectors => "Failed detectors".into(),
        }
    }

    fn present(self, report: &BenchReport) -> bool {
        let detectors = &report.report.detectors;
        match self {
            Section::AcrossSeeds => report.seeds.is_some(),
            Section::EvasionCurve => report.sweep.is_some(),
            Section::Budgets => report.budgets.is_some(),
            Section::YourTraffic => detectors.iter().any(|d| d.your_traffic.is_some()),
            Section::UpperBound => detectors.iter().any(|d| d.metrics.upper_bound.is_some()),
            Section::Hardness => report.audit.is_some() || report.audit_source.is_some(),
            Section::Faithfulness => report.faithfulness.is_some(),
            Section::FailedDetectors => !report.failed_detectors.is_empty(),
            Section::Summary
            | Section::Timeline
            | Section::Exposure
            | Section::PrecisionRecall
            | Section::Campaigns
            | Section::Cohorts
            | Section::Dataset => true,
        }
    }

    /// The section's body in `view`, without its title.
    fn body(self, report: &BenchReport, view: View) -> String {
        let text = view != View::Html;
        let markdown = view == View::Markdown;
        let r = &report.report;
        match self {
            Section::AcrossSeeds => {
                let seeds = report.seeds.as_ref().expect("present");
                match view {
                    View::Html => format!(
                        "<pre>{}</pre><p>The plots below show the first seed.</p>",
                        escape_html(&seeds.render_table(false))
                    ),
                    _ => seeds.render_table(markdown),
                }
            }
            Section::EvasionCurve => {
                let sweep = report.sweep.as_ref().expect("present");
                match view {
                    View::Html => format!(
                        "{}<pre>{}</pre>",
                        sweep.plot(),
                        escape_html(&sweep.render_table(false))
                    ),
                    _ => sweep.render_table(markdown),
                }
            }
            Section::Budgets => {
                let budgets = report.budgets.as_ref().expect("present");
                match view {
                    View::Html => {
                        format!("<pre>{}</pre>", escape_html(&budgets.render_table(false)))
                    }
                    _ => budgets.render_table(markdown),
                }
            }
            Section::Summary => match view {
                View::Html => html::summary_table(r),
                _ => summary_text(r, markdown),
            },
            Section::YourTraffic => {
                let body = without_heading(&super::render_your_traffic(r, markdown));
                match view {
                    View::Html => format!("<pre>{}</pre>", escape_html(&body)),
                    _ => body,
                }
            }
            Section::Timeline if text => per_campaign_grid(
                r,
                markdown,
                "Time from each attack campaign's start to each detector's first detection.",
                |c| duration(c.time_to_detect_s),
            ),
            Section::Timeline => html::timeline_section(r),
            Section::Exposure if text => per_campaign_grid(
                r,
                markdown,
                "Records each attack campaign exposed before each detector's first detection, of its total.",
                |c| {
                    format!(
                        "{} / {}",
                        grouped(c.records_exposed_before_detection),
                        grouped(c.records_exposed_total)
                    )
                },
            ),
            Section::Exposure => html::exposure_section(r),
            Section::PrecisionRecall if text => precision_recall_text(r, markdown),
            Section::PrecisionRecall => html::precision_recall_section(r),
            // One table per detector is too long for a terminal; the timeline and the
            // exposure sections above carry its figures per campaign.
            Section::Campaigns if view == View::Terminal => {
                "One table per detector (time and events to detect, records exposed if contained \
                 at once, after an hour or a day) in report.md and report.html.\n"
                    .to_string()
            }
            Section::Campaigns if text => campaigns_text(r, markdown),
            Section::Campaigns => html::campaign_tables(r),
            Section::Cohorts if text => cohorts_text(r, markdown),
            Section::Cohorts => html::cohort_table(r),
            Section::UpperBound if text => upper_bound_text(r, markdown),
            Section::UpperBound => html::upper_bound_table(r),
            Section::Hardness => {
                let mut body = report
                    .audit
                    .as_ref()
                    .map(|audit| without_heading(&crate::audit::bench_markdown(audit)))
                    .unwrap_or_default();
                if let Some(source) = &report.audit_source {
                    body.push_str(&format!("\nLeakage audit: {source}.\n"));
                }
                pre_in_html(body, view)
            }
            Section::Faithfulness => {
                let faithfulness = report.faithfulness.as_ref().expect("present");
                let body = without_heading(&super::bench::faithfulness_markdown(faithfulness));
                pre_in_html(body, view)
            }
            Section::Dataset => match view {
                View::Html => html::dataset_section(r),
                View::Markdown => format!(
                    "```json\n{}\n```\n",
                    serde_json::to_string_pretty(&r.dataset).unwrap_or_default()
                ),
                View::Terminal => format!("{}\n", r.dataset),
            },
            Section::FailedDetectors => {
                let failed = &report.failed_detectors;
                match view {
                    View::Html => {
                        let items: String = failed
                            .iter()
                            .map(|f| {
                                format!(
                                    "<li><code>{}</code>: {}</li>",
                                    escape_html(&f.name),
                                    escape_html(&f.error)
                                )
                            })
                            .collect();
                        format!("<ul>{items}</ul>")
                    }
                    View::Markdown => failed
                        .iter()
                        .map(|f| format!("- `{}`: {}\n", f.name, f.error))
                        .collect(),
                    View::Terminal => failed
                        .iter()
                        .map(|f| format!("FAILED {}: {}\n", f.name, f.error))
                        .collect(),
                }
            }
        }
    }
}

impl BenchReport {
    /// The report for a terminal: every section.
    pub fn terminal_table(&self) -> String {
        render(self, View::Terminal)
    }

    /// `report.md`: every section.
    pub fn markdown(&self) -> String {
        render(self, View::Markdown)
    }

    /// `report.html`: every section, one self-contained page.
    pub fn html(&self) -> String {
        render(self, View::Html)
    }
}

/// A bare report as Markdown: every section it has.
pub fn render_markdown(report: &Report) -> String {
    BenchReport::of(report.clone()).markdown()
}

/// A bare report for a terminal: every section it has.
pub fn render_terminal_table(report: &Report) -> String {
    BenchReport::of(report.clone()).terminal_table()
}

/// A bare report as one self-contained HTML page: every section it has.
pub fn render_html(report: &Report) -> String {
    BenchReport::of(report.clone()).html()
}

/// The whole report in `view`: every section, title then body.
pub fn render(report: &BenchReport, view: View) -> String {
    let mut out = String::new();
    for section in sections(report) {
        let title = section.title(report);
        let body = section.body(report, view);
        match view {
            View::Terminal => {
                if !out.is_empty() {
                    out.push('\n');
                }
                let rule = "=".repeat(title.chars().count());
                out.push_str(&format!("{title}\n{rule}\n{}", ensure_newline(body)));
            }
            View::Markdown => {
                out.push_str(&format!("\n## {title}\n\n{}", ensure_newline(body)));
            }
            View::Html => out.push_str(&format!(
                "<section><h2>{}</h2>{body}</section>",
                escape_html(&title)
            )),
        }
    }
    match view {
        View::Terminal => out,
        View::Markdown => format!("# breachlab report\n{out}"),
        View::Html => html::page(&report.report, &out),
    }
}

fn ensure_newline(mut text: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// `text` without the heading line (and the blank lines around it) it opens with.
fn without_heading(text: &str) -> String {
    let text = text.trim_start_matches('\n');
    let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
    rest.trim_start_matches('\n').to_string()
}

fn pre_in_html(body: String, view: View) -> String {
    match view {
        View::Html => format!("<pre>{}</pre>", escape_html(&body)),
        _ => body,
    }
}

fn grid(rows: &[Vec<String>], markdown: bool) -> String {
    if markdown {
        let escaped: Vec<Vec<String>> = rows
            .iter()
            .map(|row| row.iter().map(|c| escape_markdown_cell(c)).collect())
            .collect();
        markdown_grid(&escaped)
    } else {
        let stripped: Vec<Vec<String>> = rows
            .iter()
            .map(|row| row.iter().map(|c| strip_controls(c)).collect())
            .collect();
        text_grid(&stripped)
    }
}

fn summary_text(report: &Report, markdown: bool) -> String {
    let mut rows = vec![SUMMARY_HEADERS.iter().map(|h| h.to_string()).collect()];
    rows.extend(report.detectors.iter().map(|d| summary_cells(d).to_vec()));
    let mut out = grid(&rows, markdown);
    if report.detectors.is_empty() {
        out.push_str(MISSING);
        out.push_str(" no detectors\n");
    }
    out
}

/// One row per detector, one column per attack campaign, each cell `cell` of that
/// detector's result on that campaign.
fn per_campaign_grid(
    report: &Report,
    markdown: bool,
    note: &str,
    cell: impl Fn(&CampaignMetrics) -> String,
) -> String {
    let campaigns = html::all_campaigns(report);
    if campaigns.is_empty() {
        return "No attack campaigns.\n".into();
    }
    let mut rows = vec![
        std::iter::once("Detector".to_string())
            .chain(campaigns.iter().map(|c| c.name.clone()))
            .collect::<Vec<_>>(),
    ];
    for detector in &report.detectors {
        let mut row = vec![detector.name.clone()];
        for campaign in &campaigns {
            let own = detector
                .metrics
                .campaigns
                .iter()
                .find(|c| c.campaign_id == campaign.campaign_id);
            row.push(own.map_or_else(|| MISSING.to_string(), &cell));
        }
        rows.push(row);
    }
    format!(
        "{note}{}\n{}",
        if markdown { "\n" } else { "" },
        grid(&rows, markdown)
    )
}

fn precision_recall_text(report: &Report, markdown: bool) -> String {
    let mut rows = vec![
        ["Detector", "Threshold", "P", "R", "AP", "Curve points"]
            .map(String::from)
            .to_vec(),
    ];
    for d in &report.detectors {
        let m = &d.metrics;
        rows.push(vec![
            d.name.clone(),
            threshold(m.threshold),
            fraction(m.event.precision),
            fraction(m.event.recall),
            fraction(m.event.average_precision),
            m.pr_curve.len().to_string(),
        ]);
    }
    let note = "Event level, at the threshold used; the curves are in report.html.";
    format!(
        "{note}{}\n{}",
        if markdown { "\n" } else { "" },
        grid(&rows, markdown)
    )
}

fn campaigns_text(report: &Report, markdown: bool) -> String {
    let mut out = String::new();
    for detector in &report.detectors {
        let delays = exposure_delays(detector);
        let mut header: Vec<String> = [
            "Campaign",
            "Technique",
            "Detected",
            "Time to detect",
            "Events to detect",
        ]
        .map(String::from)
        .to_vec();
        header.extend(
            delays
                .iter()
                .map(|d| format!("Exposed, contained +{}", duration(Some(*d as f64)))),
        );
        header.push("Exposed in total".into());
        let mut rows = vec![header];
        for c in &detector.metrics.campaigns {
            let mut row = vec![
                c.name.clone(),
                c.technique.clone(),
                if c.detected { "yes" } else { "no" }.to_string(),
                duration(c.time_to_detect_s),
                c.events_to_detect
                    .map_or_else(|| MISSING.to_string(), |n| grouped(n as i64)),
            ];
            row.extend(delays.iter().map(|delay| {
                c.records_exposed_by_delay
                    .iter()
                    .find(|e| e.delay_s == *delay)
                    .map_or_else(|| MISSING.to_string(), |e| grouped(e.records))
            }));
            row.push(grouped(c.records_exposed_total));
            rows.push(row);
        }
        if markdown {
            out.push_str(&format!("### {}\n\n", detector.name));
        } else {
            out.push_str(&format!("{}\n", strip_controls(&detector.name)));
        }
        out.push_str(&grid(&rows, markdown));
        out.push('\n');
    }
    out
}

fn cohorts_text(report: &Report, markdown: bool) -> String {
    let mut rows = vec![
        std::iter::once("Cohort".to_string())
            .chain(report.detectors.iter().map(|d| d.name.clone()))
            .collect::<Vec<_>>(),
    ];
    if let Some(first) = report.detectors.first() {
        for cohort in &first.metrics.cohorts {
            let mut row = vec![cohort.name.clone()];
            for detector in &report.detectors {
                let own = detector
                    .metrics
                    .cohorts
                    .iter()
                    .find(|c| c.campaign_id == cohort.campaign_id);
                row.push(own.map_or_else(
                    || MISSING.to_string(),
                    |c| {
                        format!(
                            "{} ({} / {})",
                            fraction(c.false_flag_rate),
                            grouped(c.flagged as i64),
                            grouped(c.events as i64)
                        )
                    },
                ));
            }
            rows.push(row);
        }
    }
    let note = "False-flag rate: flagged events / events of the cohort.";
    format!(
        "{note}{}\n{}",
        if markdown { "\n" } else { "" },
        grid(&rows, markdown)
    )
}

fn upper_bound_text(report: &Report, markdown: bool) -> String {
    let mut rows = vec![
        ["Detector", "Threshold", "P", "R", "F1"]
            .map(String::from)
            .to_vec(),
    ];
    for d in &report.detectors {
        if let Some(bound) = &d.metrics.upper_bound {
            rows.push(vec![
                d.name.clone(),
                threshold(bound.threshold),
                fraction(bound.precision),
                fraction(bound.recall),
                fraction(bound.f1),
            ]);
        }
    }
    let note =
        "Not a result: the best event F1 any threshold could reach, picked with the answers.";
    format!(
        "{note}{}\n{}",
        if markdown { "\n" } else { "" },
        grid(&rows, markdown)
    )
}
