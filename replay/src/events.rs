//! The `events` columns replay and origin need, taken out of Arrow batches.

use crate::ReplayError;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use breachlab_schema::{Table, events as e};
use std::path::Path;

/// The columns a replay reads.
pub const REQUEST_COLUMNS: &[&str] = &[
    e::EVENT_ID,
    e::TS,
    e::CLIENT_IP,
    e::USER_AGENT,
    e::API_KEY_ID,
    e::PRINCIPAL_ID,
    e::METHOD,
    e::PATH,
];

/// The columns an origin reads.
pub const RESPONSE_COLUMNS: &[&str] = &[e::EVENT_ID, e::STATUS, e::RESPONSE_BYTES, e::LATENCY_MS];

/// One event as the request a client made.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRequest {
    pub event_id: i64,
    /// Microseconds since the epoch (UTC).
    pub ts_us: i64,
    pub client_ip: String,
    pub user_agent: String,
    pub api_key_id: Option<String>,
    pub principal_id: Option<i64>,
    pub method: String,
    pub path: String,
}

impl EventRequest {
    /// The `Authorization` header sent for this event: `Bearer <api_key_id>` when the
    /// event carries an API key, else `Bearer principal-<principal_id>` when it carries a
    /// principal (a signed-in account), else none (an anonymous request).
    pub fn authorization(&self) -> Option<String> {
        match (&self.api_key_id, self.principal_id) {
            (Some(key), _) => Some(format!("Bearer {key}")),
            (None, Some(principal)) => Some(format!("Bearer principal-{principal}")),
            (None, None) => None,
        }
    }
}

/// The recorded response of one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recorded {
    pub status: u16,
    pub bytes: u32,
    pub latency_ms: f32,
}

fn missing(dir: &Path, name: &str) -> ReplayError {
    ReplayError::Data {
        path: dir.join(Table::Events.name()),
        message: format!(
            "column `{name}` is missing or has an unexpected type: regenerate the dataset with this breachlab version"
        ),
    }
}

/// The requests of one `events` batch read with [`REQUEST_COLUMNS`].
pub fn requests(batch: &RecordBatch, dir: &Path) -> Result<Vec<EventRequest>, ReplayError> {
    let col = |name: &str| batch.column_by_name(name).ok_or_else(|| missing(dir, name));
    let ids = col(e::EVENT_ID)?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| missing(dir, e::EVENT_ID))?;
    let ts = col(e::TS)?
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| missing(dir, e::TS))?;
    let string = |name: &'static str| -> Result<_, ReplayError> {
        col(name)?
            .as_string_opt::<i32>()
            .ok_or_else(|| missing(dir, name))
    };
    let ips = string(e::CLIENT_IP)?;
    let agents = string(e::USER_AGENT)?;
    let keys = string(e::API_KEY_ID)?;
    let methods = string(e::METHOD)?;
    let paths = string(e::PATH)?;
    let principals = col(e::PRINCIPAL_ID)?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| missing(dir, e::PRINCIPAL_ID))?;
    Ok((0..batch.num_rows())
        .map(|row| EventRequest {
            event_id: ids.value(row),
            ts_us: ts.value(row),
            client_ip: ips.value(row).to_string(),
            user_agent: agents.value(row).to_string(),
            api_key_id: keys.is_valid(row).then(|| keys.value(row).to_string()),
            principal_id: principals.is_valid(row).then(|| principals.value(row)),
            method: methods.value(row).to_string(),
            path: paths.value(row).to_string(),
        })
        .collect())
}

/// Appends the event ids and recorded responses of one batch read with
/// [`RESPONSE_COLUMNS`].
pub fn responses(
    batch: &RecordBatch,
    dir: &Path,
    ids_out: &mut Vec<i64>,
    recorded_out: &mut Vec<Recorded>,
) -> Result<(), ReplayError> {
    let col = |name: &str| batch.column_by_name(name).ok_or_else(|| missing(dir, name));
    let ids = col(e::EVENT_ID)?
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| missing(dir, e::EVENT_ID))?;
    let status = col(e::STATUS)?
        .as_primitive_opt::<Int16Type>()
        .ok_or_else(|| missing(dir, e::STATUS))?;
    let bytes = col(e::RESPONSE_BYTES)?
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(|| missing(dir, e::RESPONSE_BYTES))?;
    let latency = col(e::LATENCY_MS)?
        .as_primitive_opt::<Float32Type>()
        .ok_or_else(|| missing(dir, e::LATENCY_MS))?;
    ids_out.extend(ids.values().iter().copied());
    recorded_out.extend((0..batch.num_rows()).map(|row| Recorded {
        status: status.value(row).clamp(0, 999) as u16,
        bytes: bytes.value(row).max(0) as u32,
        latency_ms: latency.value(row).max(0.0),
    }));
    Ok(())
}

#[cfg(test)]
mod column_tests {
    use super::{REQUEST_COLUMNS, RESPONSE_COLUMNS};
    use breachlab_schema::Table;

    #[test]
    fn the_columns_replay_reads_are_events_columns() {
        assert_eq!(Table::Events.missing_column(REQUEST_COLUMNS), None);
        assert_eq!(Table::Events.missing_column(RESPONSE_COLUMNS), None);
    }
}
