//! Time: the span cut into fixed slices, and the daily and weekly cycles.
//!
//! A slice (10 minutes) is the unit of work for threads and shards. Arrival intensity is
//! piecewise constant per slice, taken at the slice's midpoint, so a slice's expected
//! volume is known without generating it.

use chrono::{DateTime, Datelike, Utc};

pub const SLICE_US: i64 = 600_000_000;
pub const HOUR_US: i64 = 3_600_000_000;
pub const DAY_US: i64 = 24 * HOUR_US;

/// The scenario's span and local time.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub start_us: i64,
    pub slices: u64,
    /// Customers' offset from UTC in hours.
    pub utc_offset_hours: f64,
}

impl Calendar {
    pub fn new(start: DateTime<Utc>, days: f64, utc_offset_hours: f64) -> Self {
        let span_us = (days * 24.0).round() as i64 * HOUR_US;
        Calendar {
            start_us: start.timestamp_micros(),
            slices: (span_us / SLICE_US) as u64,
            utc_offset_hours,
        }
    }

    pub fn end_us(&self) -> i64 {
        self.slice_start(self.slices)
    }

    pub fn slice_start(&self, slice: u64) -> i64 {
        self.start_us + slice as i64 * SLICE_US
    }

    pub fn span_days(&self) -> f64 {
        (self.end_us() - self.start_us) as f64 / DAY_US as f64
    }

    /// The slice containing `ts_us`, clamped to the span.
    pub fn slice_of(&self, ts_us: i64) -> u64 {
        (((ts_us - self.start_us).max(0)) / SLICE_US).min(self.slices as i64) as u64
    }

    /// Local hour of day in [0, 24).
    pub fn local_hour(&self, ts_us: i64) -> f64 {
        let local = ts_us as f64 / HOUR_US as f64 + self.utc_offset_hours;
        local.rem_euclid(24.0)
    }

    /// Whether the local day is a Saturday or a Sunday.
    pub fn is_weekend(&self, ts_us: i64) -> bool {
        let local_us = ts_us + (self.utc_offset_hours * HOUR_US as f64) as i64;
        let days = local_us.div_euclid(DAY_US);
        // 1970-01-01 was a Thursday: day 2 and 3 of the week (0 = Thursday) are Sat, Sun.
        matches!(days.rem_euclid(7), 2 | 3)
    }

    /// `YYYY-MM-DD` (UTC) of an instant, for partition names.
    pub fn date_string(ts_us: i64) -> String {
        let t = DateTime::<Utc>::from_timestamp_micros(ts_us).unwrap_or_default();
        format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
    }

    /// Daily cycle: mean 1 over a day, peak/trough = `ratio`, peak at `peak_hour` local.
    pub fn daily(&self, ts_us: i64, ratio: f64, peak_hour: f64) -> f64 {
        let amplitude = (ratio - 1.0) / (ratio + 1.0);
        let phase = (self.local_hour(ts_us) - peak_hour) / 24.0 * std::f64::consts::TAU;
        1.0 + amplitude * phase.cos()
    }

    /// Weekly cycle: weekdays 1, weekends `factor`, normalised to mean 1 over a week.
    pub fn weekly(&self, ts_us: i64, factor: f64) -> f64 {
        let mean = (5.0 + 2.0 * factor) / 7.0;
        if self.is_weekend(ts_us) {
            factor / mean
        } else {
            1.0 / mean
        }
    }

    /// Midpoint of a slice, where its intensity is taken.
    pub fn slice_mid(&self, slice: u64) -> i64 {
        self.slice_start(slice) + SLICE_US / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        // 2026-03-06 is a Friday.
        let start = DateTime::parse_from_rfc3339("2026-03-06T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        Calendar::new(start, 7.0, 0.0)
    }

    #[test]
    fn weekend_is_saturday_and_sunday() {
        let c = calendar();
        let day = |d: i64| c.start_us + d * DAY_US + HOUR_US;
        let weekend: Vec<bool> = (0..7).map(|d| c.is_weekend(day(d))).collect();
        assert_eq!(weekend, [false, true, true, false, false, false, false]);
    }

    #[test]
    fn daily_cycle_has_the_asked_peak_to_trough_ratio() {
        let c = calendar();
        let peak = c.daily(c.start_us + 20 * HOUR_US, 3.5, 20.0);
        let trough = c.daily(c.start_us + 8 * HOUR_US, 3.5, 20.0);
        assert!((peak / trough - 3.5).abs() < 1e-9);
    }

    #[test]
    fn slices_cover_the_span() {
        let c = calendar();
        assert_eq!(c.slices, 7 * 144);
        assert_eq!(Calendar::date_string(c.start_us), "2026-03-06");
    }
}
