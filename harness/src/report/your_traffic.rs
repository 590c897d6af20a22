//! Alarms on your traffic. On a planted dataset (`breachlab plant`) every event that is
//! not a planted campaign's comes from the user's own log, whose labels are unknown: it
//! may hold attacks of its own. An alarm there is not a false alarm but an *alarm on your
//! traffic*, reported apart: how many, per day, and where they fell (the days, routes and
//! addresses with most, from each alarm's first flagged event). The planted campaigns are
//! scored as usual.

use super::format::{decimal, strip_controls};
use super::{DetectorReport, Report};
use breachlab_dataset::{Dataset, DatasetError};
use breachlab_schema::Table;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Places listed per kind (days, routes, addresses).
pub const TOP_PLACES: usize = 5;

/// One detector's alarms on the log's own events of a planted dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YourTraffic {
    /// Alarms none of whose events is a planted attack event.
    pub alarms: u64,
    pub alarms_per_day: Option<f64>,
    /// Alarms whose place is counted below: all of them, unless there were more than the
    /// harness keeps (then the first to close).
    pub located: u64,
    pub top_days: Vec<Place>,
    pub top_routes: Vec<Place>,
    pub top_addresses: Vec<Place>,
}

/// A day (`YYYY-MM-DD`, UTC), route template or client address, and its alarms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub value: String,
    pub alarms: u64,
}

#[derive(Default)]
struct Tally {
    days: BTreeMap<String, u64>,
    routes: BTreeMap<String, u64>,
    addresses: BTreeMap<String, u64>,
}

/// On a planted dataset, moves each detector's false alarms to `alarms_on_your_traffic`
/// (their per-day rates become null) and locates them; other datasets are left as they
/// are. Reads the events' time, route and address once for every detector.
pub fn report_alarms_on_your_traffic(
    dataset: &Dataset,
    report: &mut Report,
) -> Result<(), DatasetError> {
    if dataset.manifest.planted.is_none() {
        return Ok(());
    }
    let mut wanted: Vec<(u64, usize)> = report
        .detectors
        .iter()
        .enumerate()
        .flat_map(|(d, r)| r.metrics.false_alarm_rows.iter().map(move |&row| (row, d)))
        .collect();
    wanted.sort_unstable();
    let mut tallies: Vec<Tally> = report.detectors.iter().map(|_| Tally::default()).collect();
    let mut next = 0;
    let mut first_row = 0u64;
    for batch in dataset.batches(Table::Events, &["ts", "route", "client_ip"], 64 * 1024) {
        if next == wanted.len() {
            break;
        }
        let batch = batch?;
        let origin = dataset.root.join(Table::Events.name());
        let invalid = |column: &str| {
            DatasetError::invalid(
                &origin,
                format!(
                    "column `{column}` is missing or not of its type: check the dataset with `breachlab verify`"
                ),
            )
        };
        use arrow_array::cast::AsArray;
        let ts = batch
            .column_by_name("ts")
            .and_then(|c| c.as_primitive_opt::<arrow_array::types::TimestampMicrosecondType>())
            .ok_or_else(|| invalid("ts"))?;
        let route = batch
            .column_by_name("route")
            .and_then(|c| c.as_string_opt::<i32>())
            .ok_or_else(|| invalid("route"))?;
        let address = batch
            .column_by_name("client_ip")
            .and_then(|c| c.as_string_opt::<i32>())
            .ok_or_else(|| invalid("client_ip"))?;
        let end_row = first_row + batch.num_rows() as u64;
        while next < wanted.len() && wanted[next].0 < end_row {
            let (row, detector) = wanted[next];
            let i = (row - first_row) as usize;
            let tally = &mut tallies[detector];
            *tally.days.entry(day_of(ts.value(i))).or_insert(0) += 1;
            *tally.routes.entry(route.value(i).to_string()).or_insert(0) += 1;
            *tally
                .addresses
                .entry(address.value(i).to_string())
                .or_insert(0) += 1;
            next += 1;
        }
        first_row = end_row;
    }
    let days = dataset.manifest.time_span.days;
    for (detector, tally) in report.detectors.iter_mut().zip(tallies) {
        let alarms = detector.metrics.counts.false_alarms;
        detector.metrics.alarms.false_alarms_per_day = None;
        detector.metrics.alarms.false_alarms_per_million_benign = None;
        detector.your_traffic = Some(YourTraffic {
            alarms,
            alarms_per_day: (days.is_finite() && days > 0.0).then(|| alarms as f64 / days),
            located: detector.metrics.false_alarm_rows.len() as u64,
            top_days: top(tally.days),
            top_routes: top(tally.routes),
            top_addresses: top(tally.addresses),
        });
    }
    Ok(())
}

/// The places with most alarms, most first (ties by value).
fn top(counts: BTreeMap<String, u64>) -> Vec<Place> {
    let mut places: Vec<Place> = counts
        .into_iter()
        .map(|(value, alarms)| Place { value, alarms })
        .collect();
    places.sort_by(|a, b| b.alarms.cmp(&a.alarms).then_with(|| a.value.cmp(&b.value)));
    places.truncate(TOP_PLACES);
    places
}

fn day_of(ts_us: i64) -> String {
    let (y, m, d) = civil_from_days(ts_us.div_euclid(86_400_000_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The civil date of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The section for report.md and the terminal: one paragraph per detector with alarms
/// on the user's traffic; empty when the report has none to tell.
pub fn render_your_traffic(report: &Report, markdown: bool) -> String {
    let located: Vec<(&DetectorReport, &YourTraffic)> = report
        .detectors
        .iter()
        .filter_map(|d| d.your_traffic.as_ref().map(|t| (d, t)))
        .collect();
    if located.is_empty() {
        return String::new();
    }
    let mut out = String::from(if markdown {
        "\n## Alarms on your traffic\n\n"
    } else {
        "\nAlarms on your traffic\n"
    });
    out.push_str(
        "Alarms on the log's own events (labels unknown: they may be real attacks), not counted as false alarms.\n",
    );
    if markdown {
        out.push('\n');
    }
    let list = |places: &[Place]| -> String {
        places
            .iter()
            .map(|p| format!("{} ({})", strip_controls(&p.value), p.alarms))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (detector, traffic) in located {
        let bullet = if markdown { "- " } else { "  " };
        out.push_str(&format!(
            "{bullet}{}: {} alarms ({}/day)",
            detector.name,
            traffic.alarms,
            decimal(traffic.alarms_per_day)
        ));
        if traffic.alarms > 0 {
            if traffic.located < traffic.alarms {
                out.push_str(&format!("; the first {} located", traffic.located));
            }
            out.push_str(&format!(
                "; days: {}; routes: {}; addresses: {}",
                list(&traffic.top_days),
                list(&traffic.top_routes),
                list(&traffic.top_addresses)
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_civil_dates() {
        assert_eq!(day_of(0), "1970-01-01");
        // 2026-03-01T10:00:00Z
        assert_eq!(day_of(1_772_359_200_000_000), "2026-03-01");
        assert_eq!(day_of(-1), "1969-12-31");
    }

    #[test]
    fn the_places_with_most_alarms_come_first() {
        let counts: BTreeMap<String, u64> = [("b", 3), ("a", 3), ("c", 9), ("d", 1)]
            .into_iter()
            .chain((0..10).map(|_| ("e", 1)))
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let values: Vec<(String, u64)> = top(counts)
            .into_iter()
            .map(|p| (p.value, p.alarms))
            .collect();
        assert_eq!(
            values,
            vec![
                ("c".into(), 9),
                ("a".into(), 3),
                ("b".into(), 3),
                ("d".into(), 1),
                ("e".into(), 1)
            ]
        );
    }
}
