//! Threshold calibration from a false-alarm budget, on a dataset other than the test one.
//!
//! Thresholds tuned on the test labels inflate every score. Instead, score a calibration
//! dataset (another seed), keep its benign events' `(score, actor, ts)` and pick the
//! lowest threshold whose false alarms per day stay within a budget.
//!
//! Method (exact): the candidates are every distinct benign score `s` (flagging the
//! benign events with `score >= s`) and the value just above the highest benign score
//! (flagging none, so always within any non-negative budget). Alarms are formed as in the
//! metrics: flagged events of one actor less than the gap apart merge. Raising a threshold
//! can split an alarm in two, so the count is not monotone in the threshold; every
//! candidate is therefore evaluated. Sweeping from the highest score down and inserting
//! each event into its actor's sorted timestamps updates the alarm count locally, so the
//! whole sweep is O(n log n) in time and O(n) in memory. Only benign events take part:
//! on a calibration set every alarm built from them is a false one. NaN scores are never
//! flagged and are dropped.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Bound;

/// One benign event of the calibration dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenignSample {
    pub score: f64,
    pub actor_id: i64,
    pub ts_us: i64,
}

/// Collects the benign events of a calibration stream, batch by batch.
#[derive(Debug, Clone, Default)]
pub struct BenignScoreCollector {
    samples: Vec<BenignSample>,
}

impl BenignScoreCollector {
    /// Keeps rows where `is_benign` is true and the score is a number; stops at the
    /// shortest column.
    pub fn push(&mut self, score: &[f64], actor_id: &[i64], ts_us: &[i64], is_benign: &[bool]) {
        let rows = score.iter().zip(actor_id).zip(ts_us).zip(is_benign);
        for (((score, actor_id), ts_us), is_benign) in rows {
            if *is_benign && !score.is_nan() {
                self.samples.push(BenignSample {
                    score: *score,
                    actor_id: *actor_id,
                    ts_us: *ts_us,
                });
            }
        }
    }

    pub fn samples(&self) -> &[BenignSample] {
        &self.samples
    }

    pub fn into_samples(self) -> Vec<BenignSample> {
        self.samples
    }
}

/// The chosen threshold and what it costs on the calibration data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdCalibration {
    pub threshold: f64,
    pub false_alarms: u64,
    pub false_alarms_per_day: f64,
}

/// Why no threshold could be chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CalibrationError {
    /// The calibration span must be a positive number of days.
    InvalidSpan(f64),
    /// The budget must be a non-negative number.
    InvalidBudget(f64),
    /// No benign event with a numeric score: nothing to calibrate on.
    NoBenignEvents,
}

impl fmt::Display for CalibrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSpan(days) => write!(f, "calibration span must be > 0 days, got {days}"),
            Self::InvalidBudget(budget) => {
                write!(f, "false-alarm budget must be >= 0 per day, got {budget}")
            }
            Self::NoBenignEvents => write!(f, "no benign event with a numeric score"),
        }
    }
}

impl std::error::Error for CalibrationError {}

/// Flagged timestamps per actor and the number of alarms they form.
struct AlarmSet {
    gap_us: i64,
    flags_by_actor: HashMap<i64, BTreeMap<i64, u32>>,
    alarms: u64,
}

impl AlarmSet {
    fn new(gap_us: i64) -> Self {
        Self {
            gap_us,
            flags_by_actor: HashMap::new(),
            alarms: 0,
        }
    }

    /// Whether `ts` starts an alarm given the flag before it.
    fn starts_alarm(&self, previous: Option<i64>, ts: i64) -> bool {
        previous.is_none_or(|previous| ts.saturating_sub(previous) >= self.gap_us)
    }

    fn flag(&mut self, actor_id: i64, ts: i64) {
        let flags = self.flags_by_actor.entry(actor_id).or_default();
        let previous = flags.range(..=ts).next_back().map(|(t, _)| *t);
        let next = flags
            .range((Bound::Excluded(ts), Bound::Unbounded))
            .next()
            .map(|(t, _)| *t);
        *flags.entry(ts).or_insert(0) += 1;
        let starts_new = self.starts_alarm(previous, ts);
        let next_started_before = next.is_some_and(|n| self.starts_alarm(previous, n));
        let next_starts_now = next.is_some_and(|n| self.starts_alarm(Some(ts), n));
        self.alarms += u64::from(starts_new) + u64::from(next_starts_now);
        self.alarms -= u64::from(next_started_before);
    }
}

/// The lowest threshold whose false alarms per day on `benign` stay within
/// `budget_per_day`; see the module doc for the exact method.
pub fn calibrate_threshold(
    benign: &[BenignSample],
    budget_per_day: f64,
    alarm_gap_us: i64,
    span_days: f64,
) -> Result<ThresholdCalibration, CalibrationError> {
    if !(span_days.is_finite() && span_days > 0.0) {
        return Err(CalibrationError::InvalidSpan(span_days));
    }
    if budget_per_day.is_nan() || budget_per_day < 0.0 {
        return Err(CalibrationError::InvalidBudget(budget_per_day));
    }
    let mut sorted: Vec<&BenignSample> = benign.iter().filter(|s| !s.score.is_nan()).collect();
    sorted.sort_by(|a, b| b.score.total_cmp(&a.score));
    let highest = sorted
        .first()
        .ok_or(CalibrationError::NoBenignEvents)?
        .score;
    let mut best = ThresholdCalibration {
        threshold: highest.next_up(),
        false_alarms: 0,
        false_alarms_per_day: 0.0,
    };
    let mut alarms = AlarmSet::new(alarm_gap_us);
    for group in sorted.chunk_by(|a, b| a.score == b.score) {
        for sample in group {
            alarms.flag(sample.actor_id, sample.ts_us);
        }
        let per_day = alarms.alarms as f64 / span_days;
        if per_day <= budget_per_day {
            best = ThresholdCalibration {
                threshold: group[0].score,
                false_alarms: alarms.alarms,
                false_alarms_per_day: per_day,
            };
        }
    }
    Ok(best)
}
