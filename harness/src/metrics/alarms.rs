//! Alarms: what an analyst would see. Flagged events of one actor form one alarm while
//! each is less than the gap after the previous one (a chain, not a fixed window); an
//! alarm is true when any of its events is an attack event.
//!
//! Each false alarm's first flagged row is kept (up to [`MAX_KEPT_FALSE_ALARMS`]), so
//! that on a planted dataset, where a false alarm is an alarm on the user's own traffic,
//! the report can say on which day, route and address it fell.

use super::{AlarmMetrics, ratio};

/// The alarm an actor currently has open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenAlarm {
    last_flag_ts_us: i64,
    /// The stream row of its first flagged event.
    first_row: u64,
    is_true: bool,
}

/// False alarms whose first row is kept; beyond, only counted.
pub const MAX_KEPT_FALSE_ALARMS: usize = 100_000;

impl OpenAlarm {
    /// Whether a flagged event at `ts_us` or later would still join this alarm.
    pub(crate) fn can_grow(&self, ts_us: i64, gap_us: i64) -> bool {
        ts_us.saturating_sub(self.last_flag_ts_us) < gap_us
    }
}

/// Counts of closed alarms.
#[derive(Debug, Clone, Default)]
pub(crate) struct AlarmCounter {
    alarms: u64,
    true_alarms: u64,
    /// The first flagged row of each false alarm, as they close (at most
    /// [`MAX_KEPT_FALSE_ALARMS`]).
    false_alarm_rows: Vec<u64>,
}

impl AlarmCounter {
    /// Feeds one flagged event of an actor whose open alarm is `open`.
    pub(crate) fn on_flagged(
        &mut self,
        open: &mut Option<OpenAlarm>,
        ts_us: i64,
        row: u64,
        is_attack: bool,
        gap_us: i64,
    ) {
        match open {
            Some(alarm) if alarm.can_grow(ts_us, gap_us) => {
                alarm.last_flag_ts_us = alarm.last_flag_ts_us.max(ts_us);
                alarm.is_true |= is_attack;
            }
            _ => {
                if let Some(previous) = open.take() {
                    self.close(previous);
                }
                *open = Some(OpenAlarm {
                    last_flag_ts_us: ts_us,
                    first_row: row,
                    is_true: is_attack,
                });
            }
        }
    }

    pub(crate) fn close(&mut self, alarm: OpenAlarm) {
        self.alarms += 1;
        self.true_alarms += u64::from(alarm.is_true);
        if !alarm.is_true && self.false_alarm_rows.len() < MAX_KEPT_FALSE_ALARMS {
            self.false_alarm_rows.push(alarm.first_row);
        }
    }

    /// The first flagged rows of the false alarms kept, in row order.
    pub(crate) fn false_alarm_rows(&self) -> Vec<u64> {
        let mut rows = self.false_alarm_rows.clone();
        rows.sort_unstable();
        rows
    }

    pub(crate) fn alarms(&self) -> u64 {
        self.alarms
    }

    pub(crate) fn true_alarms(&self) -> u64 {
        self.true_alarms
    }

    pub(crate) fn false_alarms(&self) -> u64 {
        self.alarms - self.true_alarms
    }

    pub(crate) fn metrics(&self, span_days: f64, benign_events: u64) -> AlarmMetrics {
        let false_alarms = self.false_alarms();
        let per_day =
            (span_days.is_finite() && span_days > 0.0).then(|| false_alarms as f64 / span_days);
        let per_million_benign =
            (benign_events > 0).then(|| false_alarms as f64 / (benign_events as f64 / 1e6));
        AlarmMetrics {
            alarm_precision: ratio(self.true_alarms, self.alarms),
            false_alarms_per_day: per_day,
            false_alarms_per_million_benign: per_million_benign,
        }
    }
}
