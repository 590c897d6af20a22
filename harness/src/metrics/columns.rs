//! The inputs of the metrics: campaign descriptions, scored event columns and settings.
//!
//! Plain slices and structs, so the metrics stay independent of Arrow, Parquet and the
//! detectors; the runner fills them from the `truth` and `campaigns` tables.

use super::labels::LabelColumns;
use std::fmt;

/// Alarms of one actor closer than this are merged: 15 minutes.
pub const DEFAULT_ALARM_GAP_US: i64 = 15 * 60 * 1_000_000;

/// How long after detection the attacker keeps harvesting before containment: at once,
/// one hour, one day.
pub const DEFAULT_CONTAINMENT_DELAYS_S: [i64; 3] = [0, 3_600, 86_400];

/// One row of `campaigns.parquet`, reduced to what scoring needs.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    pub campaign_id: i32,
    pub name: String,
    /// `kind == "attack"`; every other kind is a benign look-alike *cohort*.
    pub is_attack: bool,
    pub start_us: i64,
    pub end_us: i64,
    pub technique: String,
}

/// One batch of scored events, column by column, all slices of the same length and in
/// timestamp order (within and across batches).
#[derive(Debug, Clone, Copy)]
pub struct ScoredColumns<'a> {
    pub ts_us: &'a [i64],
    pub score: &'a [f64],
    pub is_attack: &'a [bool],
    pub campaign_id: &'a [Option<i32>],
    pub actor_id: &'a [i64],
    pub records_exposed: &'a [i32],
}

impl<'a> ScoredColumns<'a> {
    /// The label columns alone.
    pub fn labels(&self) -> LabelColumns<'a> {
        LabelColumns {
            ts_us: self.ts_us,
            is_attack: self.is_attack,
            campaign_id: self.campaign_id,
            actor_id: self.actor_id,
            records_exposed: self.records_exposed,
        }
    }

    /// The common length of the columns, or an error naming the first column that differs.
    pub fn checked_len(&self) -> Result<usize, MetricsError> {
        let expected = self.labels().checked_len()?;
        if self.score.len() == expected {
            Ok(expected)
        } else {
            Err(MetricsError::ColumnLengthMismatch {
                column: "score",
                expected,
                actual: self.score.len(),
            })
        }
    }
}

/// Settings of one scoring run.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsConfig {
    /// Events with `score >= threshold` are flagged.
    pub threshold: f64,
    /// Flagged events of one actor less than this apart belong to the same alarm.
    pub alarm_gap_us: i64,
    /// Containment delays D (seconds) for records exposed before detection. Negative
    /// values are raised to 0, duplicates dropped, and 0 is always included.
    pub containment_delays_s: Vec<i64>,
    /// Length of the scored traffic in days, the denominator of false alarms per day.
    pub span_days: f64,
}

impl MetricsConfig {
    /// A config with the given threshold and span and the default gap and delays.
    pub fn new(threshold: f64, span_days: f64) -> Self {
        Self {
            threshold,
            alarm_gap_us: DEFAULT_ALARM_GAP_US,
            containment_delays_s: DEFAULT_CONTAINMENT_DELAYS_S.to_vec(),
            span_days,
        }
    }

    /// The delays actually used: sorted, distinct, non-negative, starting with 0.
    pub fn normalized_delays_s(&self) -> Vec<i64> {
        let mut delays: Vec<i64> = self
            .containment_delays_s
            .iter()
            .map(|delay| (*delay).max(0))
            .chain(std::iter::once(0))
            .collect();
        delays.sort_unstable();
        delays.dedup();
        delays
    }
}

/// Input the metrics cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsError {
    ColumnLengthMismatch {
        column: &'static str,
        expected: usize,
        actual: usize,
    },
    /// A batch indexed by another [`LabelIndex`](super::LabelIndex) than the tally's.
    ForeignBatch,
    /// A batch with more rows than a `u32` counts.
    BatchTooLarge { rows: usize },
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ColumnLengthMismatch {
                column,
                expected,
                actual,
            } => write!(
                f,
                "column `{column}` has {actual} rows, `ts_us` has {expected}"
            ),
            Self::ForeignBatch => write!(
                f,
                "a batch indexed by another label index than the one this tally was made from"
            ),
            Self::BatchTooLarge { rows } => write!(
                f,
                "a batch of {rows} rows is too large: split it into batches of at most {} rows",
                u32::MAX
            ),
        }
    }
}

impl std::error::Error for MetricsError {}
