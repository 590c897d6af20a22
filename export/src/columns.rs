//! Typed views of an `events` and a `truth` batch, found by column name and checked
//! against the schema's types once per batch.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, BooleanArray, PrimitiveArray, RecordBatch, StringArray};
use arrow_schema::DataType;
use breachlab_schema::{Table, events as e, truth as t};

use crate::ExportError;

fn column<'a>(
    batch: &'a RecordBatch,
    table: &'static str,
    name: &'static str,
    expected: &DataType,
) -> Result<&'a dyn Array, ExportError> {
    let array = batch
        .column_by_name(name)
        .ok_or(ExportError::MissingColumn {
            table,
            column: name,
        })?;
    let matches = match (array.data_type(), expected) {
        (DataType::Timestamp(unit, _), DataType::Timestamp(want, _)) => unit == want,
        (found, want) => found == want,
    };
    if !matches {
        return Err(ExportError::ColumnType {
            table,
            column: name,
            found: array.data_type().to_string(),
            expected: expected.to_string(),
        });
    }
    Ok(array.as_ref())
}

fn strings<'a>(
    b: &'a RecordBatch,
    table: &'static str,
    n: &'static str,
) -> Result<&'a StringArray, ExportError> {
    Ok(column(b, table, n, &DataType::Utf8)?.as_string::<i32>())
}

macro_rules! primitive {
    ($fn:ident, $ty:ty, $dt:expr) => {
        fn $fn<'a>(
            b: &'a RecordBatch,
            table: &'static str,
            n: &'static str,
        ) -> Result<&'a PrimitiveArray<$ty>, ExportError> {
            Ok(column(b, table, n, &$dt)?.as_primitive::<$ty>())
        }
    };
}

primitive!(int64, Int64Type, DataType::Int64);
primitive!(int32, Int32Type, DataType::Int32);
primitive!(int16, Int16Type, DataType::Int16);
primitive!(float32, Float32Type, DataType::Float32);
primitive!(
    micros,
    TimestampMicrosecondType,
    DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, None)
);

/// The columns of an `events` batch.
pub struct Events<'a> {
    pub rows: usize,
    pub event_id: &'a PrimitiveArray<Int64Type>,
    pub ts: &'a PrimitiveArray<TimestampMicrosecondType>,
    pub client_ip: &'a StringArray,
    pub ip_asn: &'a PrimitiveArray<Int32Type>,
    pub ip_kind: &'a StringArray,
    pub country: &'a StringArray,
    pub user_agent: &'a StringArray,
    pub client_kind: &'a StringArray,
    pub api_key_id: &'a StringArray,
    pub principal_id: &'a PrimitiveArray<Int64Type>,
    pub session_id: &'a PrimitiveArray<Int64Type>,
    pub method: &'a StringArray,
    pub route: &'a StringArray,
    pub path: &'a StringArray,
    pub target_id: &'a PrimitiveArray<Int64Type>,
    pub status: &'a PrimitiveArray<Int16Type>,
    pub latency_ms: &'a PrimitiveArray<Float32Type>,
    pub response_bytes: &'a PrimitiveArray<Int32Type>,
    pub records_returned: &'a PrimitiveArray<Int32Type>,
}

impl<'a> Events<'a> {
    pub fn of(b: &'a RecordBatch) -> Result<Self, ExportError> {
        const T: &str = Table::Events.name();
        Ok(Events {
            rows: b.num_rows(),
            event_id: int64(b, T, e::EVENT_ID)?,
            ts: micros(b, T, e::TS)?,
            client_ip: strings(b, T, e::CLIENT_IP)?,
            ip_asn: int32(b, T, e::IP_ASN)?,
            ip_kind: strings(b, T, e::IP_KIND)?,
            country: strings(b, T, e::COUNTRY)?,
            user_agent: strings(b, T, e::USER_AGENT)?,
            client_kind: strings(b, T, e::CLIENT_KIND)?,
            api_key_id: strings(b, T, e::API_KEY_ID)?,
            principal_id: int64(b, T, e::PRINCIPAL_ID)?,
            session_id: int64(b, T, e::SESSION_ID)?,
            method: strings(b, T, e::METHOD)?,
            route: strings(b, T, e::ROUTE)?,
            path: strings(b, T, e::PATH)?,
            target_id: int64(b, T, e::TARGET_ID)?,
            status: int16(b, T, e::STATUS)?,
            latency_ms: float32(b, T, e::LATENCY_MS)?,
            response_bytes: int32(b, T, e::RESPONSE_BYTES)?,
            records_returned: int32(b, T, e::RECORDS_RETURNED)?,
        })
    }
}

/// The columns of a `truth` batch.
pub struct Truth<'a> {
    pub rows: usize,
    pub event_id: &'a PrimitiveArray<Int64Type>,
    pub is_attack: &'a BooleanArray,
    pub campaign_id: &'a PrimitiveArray<Int32Type>,
    pub actor_id: &'a PrimitiveArray<Int64Type>,
    pub phase: &'a StringArray,
    pub owasp_api: &'a StringArray,
    pub oat: &'a StringArray,
    pub attack_technique: &'a StringArray,
    pub record_exposed: &'a BooleanArray,
    pub records_exposed: &'a PrimitiveArray<Int32Type>,
}

impl<'a> Truth<'a> {
    pub fn of(b: &'a RecordBatch) -> Result<Self, ExportError> {
        const T: &str = Table::Truth.name();
        Ok(Truth {
            rows: b.num_rows(),
            event_id: int64(b, T, t::EVENT_ID)?,
            is_attack: column(b, T, t::IS_ATTACK, &DataType::Boolean)?.as_boolean(),
            campaign_id: int32(b, T, t::CAMPAIGN_ID)?,
            actor_id: int64(b, T, t::ACTOR_ID)?,
            phase: strings(b, T, t::PHASE)?,
            owasp_api: strings(b, T, t::OWASP_API)?,
            oat: strings(b, T, t::OAT)?,
            attack_technique: strings(b, T, t::ATTACK_TECHNIQUE)?,
            record_exposed: column(b, T, t::RECORD_EXPOSED, &DataType::Boolean)?.as_boolean(),
            records_exposed: int32(b, T, t::RECORDS_EXPOSED)?,
        })
    }
}

/// The value at `i`, `None` when null.
pub fn opt_str(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

/// The value at `i`, `None` when null.
pub fn opt<T: arrow_array::ArrowPrimitiveType>(
    a: &PrimitiveArray<T>,
    i: usize,
) -> Option<T::Native> {
    a.is_valid(i).then(|| a.value(i))
}
