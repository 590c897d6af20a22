//! Alerts made anywhere (a SIEM export, a notebook, a gateway's block log) scored like a
//! detector, so that they land in the same report as the built-ins.
//!
//! An alert file is CSV, JSON lines or Parquet (by extension) in one of two forms:
//! - per event: `event_id` and an optional positive `score` (default 1): listed events
//!   are flagged, every other event scores 0;
//! - per entity interval: `entity_kind` (ip, api_key, principal, session), `entity`,
//!   `from_ts` and an optional `until_ts` (RFC 3339 text or integer epoch microseconds):
//!   every event of that entity with `from_ts <= ts < until_ts` (no end when `until_ts`
//!   is empty) is flagged, as a block rule would act.
//!
//! Reading checks every row and names the file and line of the first bad one; an empty
//! file is a detector that never flags. [`AlertScorer`] then scores the events batch by
//! batch with the same contract as a detector.

mod intervals;
mod source;
mod table;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_detectors::Params;
use breachlab_schema::events as e;

pub use intervals::EntityKind;
use intervals::IntervalIndex;
pub use source::alerts_spec;
pub use table::AlertFormat;
use table::{Cell, Table};

/// A bad alert file: which file, which line or row (when known), and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertError {
    pub path: PathBuf,
    /// ("line" or "row", 1-based number).
    pub location: Option<(&'static str, u64)>,
    pub message: String,
}

impl AlertError {
    pub(crate) fn file(path: &Path, message: impl Into<String>) -> Self {
        AlertError {
            path: path.to_path_buf(),
            location: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(
        path: &Path,
        unit: &'static str,
        number: u64,
        message: impl Into<String>,
    ) -> Self {
        AlertError {
            path: path.to_path_buf(),
            location: Some((unit, number)),
            message: message.into(),
        }
    }
}

impl fmt::Display for AlertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "alert file {}", self.path.display())?;
        if let Some((unit, number)) = self.location {
            write!(f, ", {unit} {number}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for AlertError {}

/// The two forms of alert file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertForm {
    PerEvent,
    PerEntityInterval,
}

/// The alerts of one file, checked and indexed for scoring.
#[derive(Debug, Clone)]
pub struct Alerts {
    path: PathBuf,
    form: AlertForm,
    /// Per event: score by event id, and the line that listed it.
    events: HashMap<i64, (f64, u64)>,
    unit: &'static str,
    intervals: IntervalIndex,
    rows: usize,
}

/// Reads and checks an alert file.
pub fn read_alerts(path: &Path) -> Result<Alerts, AlertError> {
    let format = AlertFormat::of(path)?;
    let table = table::read_table(path, format)?;
    Alerts::from_table(path, &table)
}

impl Alerts {
    fn from_table(path: &Path, table: &Table) -> Result<Self, AlertError> {
        let mut alerts = Alerts {
            path: path.to_path_buf(),
            form: AlertForm::PerEvent,
            events: HashMap::new(),
            unit: table.unit,
            intervals: IntervalIndex::default(),
            rows: table.rows.len(),
        };
        if table.rows.is_empty() && table.columns.is_empty() {
            return Ok(alerts);
        }
        match (table.column("event_id"), table.column("entity_kind")) {
            (Some(_), Some(_)) => Err(AlertError::file(
                path,
                "has both `event_id` and `entity_kind` columns: use one form per file",
            )),
            (Some(event_id), None) => {
                alerts.read_events(table, event_id)?;
                Ok(alerts)
            }
            (None, Some(_)) => {
                alerts.form = AlertForm::PerEntityInterval;
                alerts.intervals = IntervalIndex::from_table(path, table)?;
                Ok(alerts)
            }
            (None, None) => Err(AlertError::file(
                path,
                format!(
                    "missing column: needs `event_id` (one alert per event) or `entity_kind`, `entity`, `from_ts` (one per entity interval); found columns {:?}",
                    table.columns
                ),
            )),
        }
    }

    fn read_events(&mut self, table: &Table, event_id: usize) -> Result<(), AlertError> {
        let score_column = table.column("score");
        for row in &table.rows {
            let at = |message: String| AlertError::at(&self.path, table.unit, row.line, message);
            let id = match row.cells.get(event_id).cloned().flatten() {
                Some(Cell::Int(id)) => id,
                Some(Cell::Text(text)) => text
                    .parse::<i64>()
                    .map_err(|_| at(format!("event_id `{text}` is not an integer")))?,
                Some(other) => return Err(at(format!("event_id {other:?} is not an integer"))),
                None => return Err(at("event_id is empty".to_string())),
            };
            let score = match score_column.and_then(|c| row.cells.get(c).cloned().flatten()) {
                None => 1.0,
                Some(Cell::Int(value)) => value as f64,
                Some(Cell::Float(value)) => value,
                Some(Cell::Text(text)) => text
                    .parse::<f64>()
                    .map_err(|_| at(format!("score `{text}` is not a number")))?,
                Some(Cell::Micros(_)) => return Err(at("score is a timestamp".to_string())),
            };
            if !(score.is_finite() && score > 0.0) {
                return Err(at(format!(
                    "score {score} must be a positive finite number (unlisted events score 0)"
                )));
            }
            let entry = self.events.entry(id).or_insert((score, row.line));
            entry.0 = entry.0.max(score);
        }
        Ok(())
    }

    pub fn form(&self) -> AlertForm {
        self.form
    }

    /// Rows read from the file.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Score at which an event counts as flagged: the lowest listed score, so that every
    /// listed event is flagged and none other (1 for interval files and empty files).
    pub fn threshold(&self) -> f64 {
        self.events
            .values()
            .map(|(score, _)| *score)
            .reduce(f64::min)
            .unwrap_or(1.0)
    }

    /// What the report shows as the "detector's" parameters.
    pub fn params(&self) -> Params {
        let mut params = Params::new();
        params.insert("alerts", self.path.display().to_string());
        let form = match self.form {
            AlertForm::PerEvent => "per_event",
            AlertForm::PerEntityInterval => "per_entity_interval",
        };
        params.insert("form", form);
        params.insert("rows", self.rows as i64);
        params
    }

    /// Checks that every listed event id exists, given every `event_id` of the dataset;
    /// the error names the line of the first (by line) unknown one.
    pub fn check_event_ids<Ids: AsRef<[i64]>>(
        &self,
        dataset_ids: impl IntoIterator<Item = Ids>,
    ) -> Result<(), AlertError> {
        if self.events.is_empty() {
            return Ok(());
        }
        let mut unseen: HashMap<i64, u64> = self
            .events
            .iter()
            .map(|(id, (_, line))| (*id, *line))
            .collect();
        for ids in dataset_ids {
            for id in ids.as_ref() {
                unseen.remove(id);
            }
            if unseen.is_empty() {
                return Ok(());
            }
        }
        let unknown = unseen.len();
        let Some((id, line)) = unseen.into_iter().min_by_key(|(_, line)| *line) else {
            return Ok(());
        };
        Err(AlertError::at(
            &self.path,
            self.unit,
            line,
            format!(
                "unknown event_id {id}: no event of the dataset has it ({unknown} listed ids are unknown in all; is this the dataset the alerts were made on?)"
            ),
        ))
    }

    /// A scorer over this file's alerts.
    pub fn scorer(&self) -> AlertScorer<'_> {
        AlertScorer { alerts: self }
    }
}

/// Scores events from an alert file: the alert's score for listed events, 1.0 for events
/// inside an entity's interval, 0.0 for every other event.
pub struct AlertScorer<'a> {
    alerts: &'a Alerts,
}

impl AlertScorer<'_> {
    /// Appends one score per row of `batch` (an `events` batch).
    pub fn score_batch(&self, batch: &RecordBatch, scores: &mut Vec<f64>) -> Result<(), String> {
        match self.alerts.form {
            AlertForm::PerEvent => {
                let ids = batch
                    .column_by_name(e::EVENT_ID)
                    .ok_or("the events batch has no column `event_id`")?;
                let ids = ids
                    .as_primitive_opt::<Int64Type>()
                    .ok_or("events column `event_id` is not int64")?;
                scores.extend(
                    ids.values()
                        .iter()
                        .map(|id| self.alerts.events.get(id).map_or(0.0, |(score, _)| *score)),
                );
                Ok(())
            }
            AlertForm::PerEntityInterval => self.alerts.intervals.score_batch(batch, scores),
        }
    }
}
