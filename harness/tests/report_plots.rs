//! The report's plots read back from the SVG: the precision-recall steps stay between the
//! measured points, every first detection has a visible mark of its own on the timeline,
//! and the exposure panels name their campaigns and share their axes.

mod common;

use breachlab_harness::metrics::{MetricsConfig, PrPoint};
use breachlab_harness::report::{
    CostFigures, DetectorReport, Report, ThresholdSource, render_html,
};
use common::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Three detectors that score alike: the same campaigns detected at the same instants,
/// the marks the old timeline drew on one spot.
fn alike_report(names: &[&str]) -> Report {
    let (campaigns, events) = campaign_scenario();
    let metrics = score(&campaigns, &MetricsConfig::new(0.5, 2.0), &events);
    let detectors = names
        .iter()
        .map(|name| {
            DetectorReport::new(
                name,
                json!({}),
                ThresholdSource::Default,
                &metrics,
                CostFigures::default(),
            )
        })
        .collect();
    Report::new(json!({ "seed": 1 }), detectors)
}

/// Every `<tag ...>` element's attributes, in document order.
fn elements(html: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&open) {
        let body = &rest[at + open.len()..];
        let end = body.find('>').expect("element closes");
        out.push(attributes(&body[..end]));
        rest = &body[end..];
    }
    out
}

fn attributes(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = text;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].trim().to_string();
        let value_start = eq + 2;
        let close = rest[value_start..].find('"').expect("attribute closes") + value_start;
        out.insert(name, rest[value_start..close].to_string());
        rest = &rest[close + 1..];
    }
    out
}

fn points(attribute: &str) -> Vec<(f64, f64)> {
    attribute
        .split_whitespace()
        .map(|pair| {
            let (x, y) = pair.split_once(',').expect("x,y");
            (x.parse().expect("x"), y.parse().expect("y"))
        })
        .collect()
}

/// The SVG section after the heading `title`.
fn section<'a>(html: &'a str, title: &str) -> &'a str {
    let start = html.find(&format!("<h2>{title}</h2>")).expect("section");
    let rest = &html[start..];
    let end = rest[4..].find("<h2>").map_or(rest.len(), |e| e + 4);
    &rest[..end]
}

/// Pixel mapping of the PR plot, recovered from its axis ticks (recall 0 and 1, precision
/// 0 and 1) so the test does not share the renderer's arithmetic.
fn pr_axes(svg: &str) -> (impl Fn(f64) -> f64, impl Fn(f64) -> f64) {
    let texts: Vec<(String, BTreeMap<String, String>)> = {
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(at) = rest.find("<text ") {
            let body = &rest[at + 6..];
            let end = body.find('>').unwrap();
            let close = body.find("</text>").unwrap();
            out.push((body[end + 1..close].to_string(), attributes(&body[..end])));
            rest = &body[close..];
        }
        out
    };
    let find = |label: &str, anchor: &str| -> f64 {
        let (_, attrs) = texts
            .iter()
            .find(|(t, a)| t == label && a.get("text-anchor").map(String::as_str) == Some(anchor))
            .unwrap_or_else(|| panic!("tick {label}"));
        let key = if anchor == "middle" { "x" } else { "y" };
        attrs[key].parse::<f64>().unwrap() - if anchor == "end" { 4.0 } else { 0.0 }
    };
    let (x0, x1) = (find("0.0", "middle"), find("1.0", "middle"));
    let (y0, y1) = (find("0.0", "end"), find("1.0", "end"));
    (
        move |px: f64| (px - x0) / (x1 - x0),
        move |py: f64| (py - y0) / (y1 - y0),
    )
}

#[test]
fn precision_recall_steps_stay_between_measured_points() {
    let mut report = alike_report(&["sequential"]);
    // The demo's shape: high precision at low recall, then a jump to recall 1 at 0.14.
    let measured = [(0.01, 1.0), (0.1, 0.98), (0.234, 0.97), (1.0, 0.14)];
    report.detectors[0].metrics.pr_curve = measured
        .iter()
        .enumerate()
        .map(|(i, &(recall, precision))| PrPoint {
            threshold: 10.0 - i as f64,
            precision,
            recall,
        })
        .collect();
    let html = render_html(&report);
    let svg = section(&html, "Precision-recall curves");
    let curves: Vec<_> = elements(svg, "polyline")
        .into_iter()
        .filter(|e| e.get("class").map(String::as_str) == Some("pr-curve"))
        .collect();
    assert_eq!(curves.len(), 1);
    assert_eq!(curves[0]["data-detector"], "sequential");
    let (recall_of, precision_of) = pr_axes(svg);
    let drawn: Vec<(f64, f64)> = points(&curves[0]["points"])
        .into_iter()
        .map(|(x, y)| (recall_of(x), precision_of(y)))
        .collect();
    let near = |a: f64, b: f64| (a - b).abs() < 0.004;
    // Starts at the first measured point and ends at the last: no extension to recall 0.
    assert!(near(drawn[0].0, 0.01) && near(drawn[0].1, 1.0), "{drawn:?}");
    let last = drawn.last().unwrap();
    assert!(near(last.0, 1.0) && near(last.1, 0.14), "{drawn:?}");
    // Every vertex is at a measured recall and a measured precision.
    for (recall, precision) in &drawn {
        assert!(measured.iter().any(|m| near(m.0, *recall)), "{recall}");
        assert!(
            measured.iter().any(|m| near(m.1, *precision)),
            "{precision}"
        );
    }
    // Every horizontal run is at the precision of the point it ends on: nothing shows
    // 0.97 between recall 0.234 and 1.0, where no threshold reaches it.
    for pair in drawn.windows(2) {
        let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
        if !near(x1, x2) {
            assert!(near(y1, y2), "a diagonal segment {pair:?}");
            let end = measured.iter().find(|m| near(m.0, x2)).unwrap();
            assert!(
                near(y2, end.1),
                "run to recall {x2} at {y2}, measured {end:?}"
            );
        }
    }
    assert!(
        !drawn.iter().any(|p| near(p.0, 1.0) && near(p.1, 0.97)),
        "precision 0.97 drawn at recall 1: {drawn:?}"
    );
}

#[test]
fn every_detection_has_its_own_visible_mark_on_the_timeline() {
    let names = ["alpha-det", "beta-det", "gamma-det", "delta-det"];
    let report = alike_report(&names);
    let expected: BTreeSet<(String, String)> = report
        .detectors
        .iter()
        .flat_map(|d| {
            d.metrics
                .campaigns
                .iter()
                .filter(|c| c.first_detection_ts_us.is_some())
                .map(|c| (d.name.clone(), c.campaign_id.to_string()))
        })
        .collect();
    assert!(expected.len() >= 8, "the scenario detects campaigns");
    let html = render_html(&report);
    let svg = section(&html, "Campaign timeline");
    let marks: Vec<_> = elements(svg, "circle")
        .into_iter()
        .filter(|e| e.get("class").map(String::as_str) == Some("detection"))
        .collect();
    let found: BTreeSet<(String, String)> = marks
        .iter()
        .map(|m| (m["data-detector"].clone(), m["data-campaign"].clone()))
        .collect();
    assert_eq!(marks.len(), expected.len());
    assert_eq!(found, expected);
    // No two marks overlap: detectors that detect at the same instant sit in their own
    // lanes, at least a marker's diameter apart.
    for (i, a) in marks.iter().enumerate() {
        for b in &marks[i + 1..] {
            let (ax, ay): (f64, f64) = (a["cx"].parse().unwrap(), a["cy"].parse().unwrap());
            let (bx, by): (f64, f64) = (b["cx"].parse().unwrap(), b["cy"].parse().unwrap());
            let apart = ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt();
            let radius: f64 = a["r"].parse().unwrap();
            assert!(apart >= 2.0 * radius, "{a:?} hides {b:?}");
        }
    }
    // One lane per detector, each labelled, the same lane in every campaign.
    for name in names {
        assert!(svg.contains(&format!("class=\"lane\">{name}</text>")));
    }
    let lanes_per_campaign: BTreeMap<String, BTreeSet<String>> =
        marks.iter().fold(BTreeMap::new(), |mut acc, m| {
            acc.entry(m["data-campaign"].clone())
                .or_default()
                .insert(m["cy"].clone());
            acc
        });
    for (campaign, lanes) in lanes_per_campaign {
        assert_eq!(lanes.len(), names.len(), "campaign {campaign}");
    }
}

#[test]
fn exposure_panels_name_their_campaigns_and_share_axes() {
    let report = alike_report(&["one", "two", "three"]);
    let html = render_html(&report);
    let section = section(&html, "Records exposed over time");
    // A legend names every attack campaign with its colour.
    let keys = elements(section, "span")
        .into_iter()
        .filter(|e| e.get("class").map(String::as_str) == Some("key"))
        .count();
    let campaigns = report.detectors[0].metrics.campaigns.len();
    assert_eq!(keys, campaigns);
    for campaign in &report.detectors[0].metrics.campaigns {
        assert!(section.contains(&format!(">{}</span>", campaign.name)));
        assert!(section.contains(&format!("<title>{}</title></polyline>", campaign.name)));
    }
    // One panel per detector, every panel the same size, with the same ticks.
    let panels: Vec<&str> = section.split("<svg ").skip(1).collect();
    assert_eq!(panels.len(), 3);
    let ticks = |panel: &str| -> Vec<String> {
        panel
            .split("</text>")
            .filter_map(|t| t.rsplit('>').next().map(str::to_string))
            .filter(|t| !t.is_empty() && !["one", "two", "three"].contains(&t.as_str()))
            .collect()
    };
    let first = ticks(panels[0]);
    assert!(first.iter().any(|t| t.starts_with('+')), "{first:?}");
    for panel in &panels[1..] {
        assert_eq!(ticks(panel), first);
    }
    let sizes: BTreeSet<&str> = panels.iter().map(|p| &p[..p.find('>').unwrap()]).collect();
    assert_eq!(sizes.len(), 1, "{sizes:?}");
    // Each curve is coloured by its campaign, the same colour in every panel.
    let colours: BTreeMap<String, BTreeSet<String>> = elements(section, "polyline")
        .into_iter()
        .filter(|e| e.get("class").map(String::as_str) == Some("exposure"))
        .fold(BTreeMap::new(), |mut acc, e| {
            acc.entry(e["data-campaign"].clone())
                .or_default()
                .insert(e["stroke"].clone());
            acc
        });
    assert_eq!(colours.len(), campaigns);
    let distinct: BTreeSet<&String> = colours.values().flatten().collect();
    assert_eq!(distinct.len(), campaigns, "one colour per campaign");
    assert!(colours.values().all(|c| c.len() == 1));
}

#[test]
fn time_axis_ticks_carry_no_float_noise() {
    let html = render_html(&alike_report(&["one"]));
    assert!(!html.contains(".0 h<"), "a tick or header like `+1.0 h`");
    assert!(html.contains("+1 h") || html.contains("+2 h") || html.contains("+5 h"));
}
