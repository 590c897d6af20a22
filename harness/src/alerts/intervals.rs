//! Per-entity alert intervals: a block rule's view of alerts. Each entity's intervals are
//! sorted and merged at load time, so scoring an event is one map lookup and one binary
//! search, whatever the order or overlap of the rows in the file.

use std::collections::HashMap;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{ArrayRef, RecordBatch};
use breachlab_schema::events as e;

use super::AlertError;
use super::table::{Cell, Table};

/// What an interval alert names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// `client_ip`.
    Ip,
    /// `api_key_id`.
    ApiKey,
    /// `principal_id` (an integer).
    Principal,
    /// `session_id` (an integer).
    Session,
}

impl EntityKind {
    pub const NAMES: &'static str = "ip, api_key, principal, session";

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ip" => Some(EntityKind::Ip),
            "api_key" => Some(EntityKind::ApiKey),
            "principal" => Some(EntityKind::Principal),
            "session" => Some(EntityKind::Session),
            _ => None,
        }
    }
}

/// Half-open `[from, until)` in microseconds; `until == i64::MAX` for "no end".
type Span = (i64, i64);

#[derive(Debug, Clone, Default)]
pub(crate) struct IntervalIndex {
    ip: HashMap<String, Vec<Span>>,
    api_key: HashMap<String, Vec<Span>>,
    principal: HashMap<i64, Vec<Span>>,
    session: HashMap<i64, Vec<Span>>,
}

impl IntervalIndex {
    pub fn from_table(path: &Path, table: &Table) -> Result<Self, AlertError> {
        let required = |name: &str| {
            table.column(name).ok_or_else(|| {
                AlertError::file(
                    path,
                    format!(
                        "missing column `{name}`: an entity-interval alert file needs entity_kind, entity, from_ts (and optionally until_ts)"
                    ),
                )
            })
        };
        let kind_column = required("entity_kind")?;
        let entity_column = required("entity")?;
        let from_column = required("from_ts")?;
        let until_column = table.column("until_ts");
        let mut index = IntervalIndex::default();
        for row in &table.rows {
            let at = |message: String| AlertError::at(path, table.unit, row.line, message);
            // An empty string is an empty cell, as in CSV (where the two cannot be told
            // apart): `"until_ts": ""` means no end in every format.
            let cell = |column: usize| {
                row.cells
                    .get(column)
                    .cloned()
                    .flatten()
                    .filter(|c| !matches!(c, Cell::Text(text) if text.is_empty()))
            };
            let kind = match cell(kind_column) {
                Some(Cell::Text(text)) => EntityKind::parse(&text).ok_or_else(|| {
                    at(format!(
                        "unknown entity_kind `{text}`: use one of {}",
                        EntityKind::NAMES
                    ))
                })?,
                None => return Err(at("entity_kind is empty".to_string())),
                Some(other) => {
                    return Err(at(format!(
                        "entity_kind {other:?} is not one of {}",
                        EntityKind::NAMES
                    )));
                }
            };
            let entity = cell(entity_column).ok_or_else(|| at("entity is empty".to_string()))?;
            let from = cell(from_column)
                .ok_or_else(|| at("from_ts is empty".to_string()))
                .and_then(|c| parse_time(&c).map_err(|e| at(format!("from_ts: {e}"))))?;
            let until = match until_column.and_then(cell) {
                None => i64::MAX,
                Some(c) => parse_time(&c).map_err(|e| at(format!("until_ts: {e}")))?,
            };
            if until <= from {
                return Err(at(
                    "until_ts is not after from_ts (the interval is [from_ts, until_ts))"
                        .to_string(),
                ));
            }
            index.insert(kind, &entity, (from, until)).map_err(at)?;
        }
        index.normalize();
        Ok(index)
    }

    fn insert(&mut self, kind: EntityKind, entity: &Cell, span: Span) -> Result<(), String> {
        match kind {
            EntityKind::Ip | EntityKind::ApiKey => {
                let text = match entity {
                    Cell::Text(text) => text.clone(),
                    Cell::Int(int) => int.to_string(),
                    other => return Err(format!("entity {other:?} is not text")),
                };
                let map = if kind == EntityKind::Ip {
                    &mut self.ip
                } else {
                    &mut self.api_key
                };
                map.entry(text).or_default().push(span);
            }
            EntityKind::Principal | EntityKind::Session => {
                let id = match entity {
                    Cell::Int(int) => *int,
                    Cell::Text(text) => text.parse::<i64>().map_err(|_| {
                        format!(
                            "entity `{text}` is not an integer id, as principal and session ids are"
                        )
                    })?,
                    other => return Err(format!("entity {other:?} is not an integer id")),
                };
                let map = if kind == EntityKind::Principal {
                    &mut self.principal
                } else {
                    &mut self.session
                };
                map.entry(id).or_default().push(span);
            }
        }
        Ok(())
    }

    fn normalize(&mut self) {
        self.ip.values_mut().for_each(merge);
        self.api_key.values_mut().for_each(merge);
        self.principal.values_mut().for_each(merge);
        self.session.values_mut().for_each(merge);
    }

    pub fn score_batch(&self, batch: &RecordBatch, scores: &mut Vec<f64>) -> Result<(), String> {
        let start = scores.len();
        let rows = batch.num_rows();
        let ts = batch
            .column_by_name(e::TS)
            .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
            .ok_or("the events batch has no microsecond timestamp column `ts`")?;
        scores.resize(start + rows, 0.0);
        let flagged = &mut scores[start..];
        if !self.ip.is_empty() {
            flag_strings(batch, e::CLIENT_IP, &self.ip, ts.values(), flagged)?;
        }
        if !self.api_key.is_empty() {
            flag_strings(batch, e::API_KEY_ID, &self.api_key, ts.values(), flagged)?;
        }
        if !self.principal.is_empty() {
            flag_ints(
                batch,
                e::PRINCIPAL_ID,
                &self.principal,
                ts.values(),
                flagged,
            )?;
        }
        if !self.session.is_empty() {
            flag_ints(batch, e::SESSION_ID, &self.session, ts.values(), flagged)?;
        }
        Ok(())
    }
}

/// Sorts spans and merges overlapping or touching ones.
fn merge(spans: &mut Vec<Span>) {
    spans.sort_unstable();
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for &(from, until) in spans.iter() {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(until),
            _ => merged.push((from, until)),
        }
    }
    *spans = merged;
}

/// True when `ts` lies in one of the sorted, disjoint `spans`.
fn covers(spans: &[Span], ts: i64) -> bool {
    let after = spans.partition_point(|&(from, _)| from <= ts);
    after > 0 && ts < spans[after - 1].1
}

fn flag_strings(
    batch: &RecordBatch,
    column: &str,
    spans: &HashMap<String, Vec<Span>>,
    ts: &[i64],
    flagged: &mut [f64],
) -> Result<(), String> {
    let values = events_column(batch, column)?
        .as_string_opt::<i32>()
        .ok_or_else(|| format!("events column `{column}` is not a string column"))?;
    flag_rows(values.iter(), |key| spans.get(key), ts, flagged);
    Ok(())
}

fn flag_ints(
    batch: &RecordBatch,
    column: &str,
    spans: &HashMap<i64, Vec<Span>>,
    ts: &[i64],
    flagged: &mut [f64],
) -> Result<(), String> {
    let values = events_column(batch, column)?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| format!("events column `{column}` is not int64"))?;
    flag_rows(values.iter(), |key| spans.get(&key), ts, flagged);
    Ok(())
}

fn events_column<'b>(batch: &'b RecordBatch, column: &str) -> Result<&'b ArrayRef, String> {
    batch
        .column_by_name(column)
        .ok_or_else(|| format!("the events batch has no column `{column}`"))
}

/// Flags every row whose key has a span covering the row's time.
fn flag_rows<'s, K>(
    keys: impl Iterator<Item = Option<K>>,
    spans_of: impl Fn(K) -> Option<&'s Vec<Span>>,
    ts: &[i64],
    flagged: &mut [f64],
) {
    for ((key, score), &ts) in keys.zip(flagged.iter_mut()).zip(ts) {
        if let Some(spans) = key.and_then(&spans_of)
            && covers(spans, ts)
        {
            *score = 1.0;
        }
    }
}

/// RFC 3339 text (`2024-03-01T12:00:00Z`), or an integer (or integer text) of epoch
/// microseconds, or a Parquet timestamp.
fn parse_time(cell: &Cell) -> Result<i64, String> {
    match cell {
        Cell::Micros(micros) | Cell::Int(micros) => Ok(*micros),
        Cell::Float(value) => Err(format!(
            "{value} is not a time: use RFC 3339 text or integer epoch microseconds"
        )),
        Cell::Text(text) => {
            if let Ok(micros) = text.parse::<i64>() {
                return Ok(micros);
            }
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|time| time.timestamp_micros())
                .map_err(|e| {
                    format!(
                        "`{text}` is not a time ({e}): use RFC 3339 such as 2024-03-01T12:00:00Z, or integer epoch microseconds"
                    )
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_spans_cover_exactly_their_union() {
        let mut spans = vec![(10, 20), (0, 5), (15, 30), (30, 31), (40, i64::MAX)];
        merge(&mut spans);
        assert_eq!(spans, vec![(0, 5), (10, 31), (40, i64::MAX)]);
        let covered: Vec<i64> = [-1, 0, 4, 5, 9, 10, 30, 31, 39, 40, 1 << 60]
            .into_iter()
            .filter(|&ts| covers(&spans, ts))
            .collect();
        assert_eq!(covered, vec![0, 4, 10, 30, 40, 1 << 60]);
    }

    #[test]
    fn times_parse_from_text_and_integers() {
        let text = Cell::Text("2024-01-01T00:00:01Z".into());
        assert_eq!(parse_time(&text).unwrap(), 1_704_067_201_000_000);
        let offset = Cell::Text("2024-01-01T01:00:01+01:00".into());
        assert_eq!(parse_time(&offset).unwrap(), 1_704_067_201_000_000);
        assert_eq!(parse_time(&Cell::Text("17".into())).unwrap(), 17);
        assert!(
            parse_time(&Cell::Text("yesterday".into()))
                .unwrap_err()
                .contains("yesterday")
        );
    }
}
