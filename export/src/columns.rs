//! Typed views of an `events` and a `truth` batch, found by column name and checked
//! against the schema's types once per batch, so that the encoders read values without
//! a check per value.
//!
//! Two views: [`Events`] names every events column, for the formats that map each one
//! somewhere of their own (ECS, OCSF, combined); [`columns_as_stored`] lists a table's
//! columns in schema order whatever their type, for what carries them as they are
//! (`jsonl` and the truth labels), so that those follow the schema without restating it.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, BooleanArray, PrimitiveArray, RecordBatch, StringArray};
use arrow_schema::{DataType, TimeUnit};
use breachlab_schema::{Table, events as e, truth as t};

use crate::ExportError;

fn column<'a>(
    batch: &'a RecordBatch,
    table: &'static str,
    name: &str,
    expected: &DataType,
) -> Result<&'a dyn Array, ExportError> {
    let array = batch
        .column_by_name(name)
        .ok_or_else(|| ExportError::MissingColumn {
            table,
            column: name.to_string(),
        })?;
    let matches = match (array.data_type(), expected) {
        (DataType::Timestamp(unit, _), DataType::Timestamp(want, _)) => unit == want,
        (found, want) => found == want,
    };
    if !matches {
        return Err(ExportError::ColumnType {
            table,
            column: name.to_string(),
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
    DataType::Timestamp(TimeUnit::Microsecond, None)
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
    /// What `--with-truth` adds to an event: every truth column but the two that repeat
    /// the event's own (`event_id`, `ts`).
    pub labels: Vec<StoredColumn<'a>>,
}

impl<'a> Truth<'a> {
    pub fn of(b: &'a RecordBatch) -> Result<Self, ExportError> {
        Ok(Truth {
            rows: b.num_rows(),
            event_id: int64(b, Table::Truth.name(), t::EVENT_ID)?,
            labels: columns_as_stored(b, Table::Truth, &[t::EVENT_ID, t::TS])?,
        })
    }
}

/// One column of a batch, named and typed as the schema has it.
pub struct StoredColumn<'a> {
    pub name: String,
    pub values: Values<'a>,
}

/// The typed values of a column, one variant per type the schema uses.
pub enum Values<'a> {
    Int16(&'a PrimitiveArray<Int16Type>),
    Int32(&'a PrimitiveArray<Int32Type>),
    Int64(&'a PrimitiveArray<Int64Type>),
    Float32(&'a PrimitiveArray<Float32Type>),
    Micros(&'a PrimitiveArray<TimestampMicrosecondType>),
    Utf8(&'a StringArray),
    Boolean(&'a BooleanArray),
}

impl<'a> Values<'a> {
    /// The column as an untyped array.
    pub fn array(&self) -> &'a dyn Array {
        match *self {
            Values::Int16(a) => a,
            Values::Int32(a) => a,
            Values::Int64(a) => a,
            Values::Float32(a) => a,
            Values::Micros(a) => a,
            Values::Utf8(a) => a,
            Values::Boolean(a) => a,
        }
    }

    fn of(array: &'a dyn Array) -> Option<Values<'a>> {
        Some(match array.data_type() {
            DataType::Int16 => Values::Int16(array.as_primitive()),
            DataType::Int32 => Values::Int32(array.as_primitive()),
            DataType::Int64 => Values::Int64(array.as_primitive()),
            DataType::Float32 => Values::Float32(array.as_primitive()),
            DataType::Timestamp(TimeUnit::Microsecond, _) => Values::Micros(array.as_primitive()),
            DataType::Utf8 => Values::Utf8(array.as_string()),
            DataType::Boolean => Values::Boolean(array.as_boolean()),
            _ => return None,
        })
    }
}

/// The columns of `table` in schema order, but those named in `skip`, each checked
/// against the schema's type.
pub fn columns_as_stored<'a>(
    batch: &'a RecordBatch,
    table: Table,
    skip: &[&str],
) -> Result<Vec<StoredColumn<'a>>, ExportError> {
    let schema = table.schema();
    let kept = schema
        .fields()
        .iter()
        .filter(|f| !skip.contains(&f.name().as_str()));
    kept.map(|field| {
        let array = column(batch, table.name(), field.name(), field.data_type())?;
        let values = Values::of(array).ok_or_else(|| ExportError::ColumnType {
            table: table.name(),
            column: field.name().clone(),
            found: array.data_type().to_string(),
            expected: "a type the exports write".into(),
        })?;
        Ok(StoredColumn {
            name: field.name().clone(),
            values,
        })
    })
    .collect()
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
