//! The three alert-file formats read into one shape: named columns and rows of loosely
//! typed cells, each row with the line (CSV, JSON lines) or row (Parquet) it came from,
//! so that every later error can point at it.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt32Type,
};
use arrow_array::{Array, ArrayRef, RecordBatchReader};
use arrow_schema::{DataType, TimeUnit};
use breachlab_dataset::guard::catch_decode_panic;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::AlertError;

/// One cell of an alert file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    /// A Parquet timestamp, converted to microseconds.
    Micros(i64),
}

/// A row and where it came from (1-based line or row number).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub line: u64,
    pub cells: Vec<Option<Cell>>,
}

/// An alert file's columns and rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// "line" for text formats, "row" for Parquet.
    pub unit: &'static str,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// The formats, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFormat {
    Csv,
    JsonLines,
    Parquet,
}

impl AlertFormat {
    pub fn of(path: &Path) -> Result<Self, AlertError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(AlertFormat::Csv),
            Some("jsonl" | "ndjson" | "json") => Ok(AlertFormat::JsonLines),
            Some("parquet" | "pq") => Ok(AlertFormat::Parquet),
            _ => Err(AlertError::file(
                path,
                "unknown alert file type: name it .csv, .jsonl (or .ndjson, .json: one JSON object per line) or .parquet",
            )),
        }
    }
}

pub(crate) fn read_table(path: &Path, format: AlertFormat) -> Result<Table, AlertError> {
    let file = File::open(path).map_err(|e| AlertError::file(path, format!("cannot open: {e}")))?;
    match format {
        AlertFormat::Csv => read_csv(path, file),
        AlertFormat::JsonLines => read_json_lines(path, file),
        AlertFormat::Parquet => read_parquet(path, file),
    }
}

fn read_csv(path: &Path, file: File) -> Result<Table, AlertError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(file);
    let headers = reader
        .headers()
        .map_err(|e| AlertError::at(path, "line", 1, format!("unreadable CSV header: {e}")))?;
    let columns: Vec<String> = headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            AlertError::at(path, "line", line, format!("unreadable CSV row: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let cells = record
            .iter()
            .map(|cell| (!cell.is_empty()).then(|| Cell::Text(cell.to_string())))
            .collect();
        rows.push(Row { line, cells });
    }
    Ok(Table {
        columns,
        rows,
        unit: "line",
    })
}

fn read_json_lines(path: &Path, file: File) -> Result<Table, AlertError> {
    let mut table = Table {
        unit: "line",
        ..Table::default()
    };
    let mut lines = BufReader::new(file);
    let mut buffer = Vec::new();
    let mut line = 0_u64;
    loop {
        buffer.clear();
        if lines
            .read_until(b'\n', &mut buffer)
            .map_err(|e| AlertError::file(path, format!("cannot read: {e}")))?
            == 0
        {
            break;
        }
        line += 1;
        let text = std::str::from_utf8(&buffer)
            .map_err(|_| AlertError::at(path, "line", line, "is not UTF-8 text"))?
            .trim();
        if text.is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            AlertError::at(path, "line", line, format!("is not a JSON object: {e}"))
        })?;
        let serde_json::Value::Object(object) = value else {
            return Err(AlertError::at(
                path,
                "line",
                line,
                "must be a JSON object such as {\"event_id\": 42}",
            ));
        };
        let mut cells = vec![None; table.columns.len()];
        for (key, value) in object {
            let index = match table.column(&key) {
                Some(index) => index,
                None => {
                    table.columns.push(key);
                    cells.push(None);
                    table.columns.len() - 1
                }
            };
            cells[index] = json_cell(&value).map_err(|e| AlertError::at(path, "line", line, e))?;
        }
        table.rows.push(Row { line, cells });
    }
    let width = table.columns.len();
    for row in &mut table.rows {
        row.cells.resize(width, None);
    }
    Ok(table)
}

fn json_cell(value: &serde_json::Value) -> Result<Option<Cell>, String> {
    Ok(match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(Cell::Text(text.clone())),
        serde_json::Value::Number(number) => Some(match number.as_i64() {
            Some(int) => Cell::Int(int),
            None => Cell::Float(number.as_f64().unwrap_or(f64::NAN)),
        }),
        serde_json::Value::Bool(_) | serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            return Err(format!("values must be strings or numbers, got `{value}`"));
        }
    })
}

/// Reads a Parquet alert file; a damaged file that makes the decoder panic is an error
/// like any other unreadable file.
fn read_parquet(path: &Path, file: File) -> Result<Table, AlertError> {
    catch_decode_panic(|| read_parquet_unguarded(path, file)).unwrap_or_else(|panic| {
        Err(AlertError::file(
            path,
            format!("unreadable Parquet data (the file is damaged): {panic}"),
        ))
    })
}

fn read_parquet_unguarded(path: &Path, file: File) -> Result<Table, AlertError> {
    let corrupt = |e: parquet::errors::ParquetError| {
        AlertError::file(path, format!("is not a readable Parquet file: {e}"))
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(corrupt)?
        .build()
        .map_err(corrupt)?;
    let columns: Vec<String> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut rows = Vec::new();
    for batch in reader {
        let batch =
            batch.map_err(|e| AlertError::file(path, format!("unreadable Parquet data: {e}")))?;
        let first = rows.len();
        for _ in 0..batch.num_rows() {
            rows.push(Row {
                line: rows.len() as u64 + 1,
                cells: Vec::with_capacity(columns.len()),
            });
        }
        for (index, column) in batch.columns().iter().enumerate() {
            let name = &columns[index];
            for (offset, row) in rows[first..].iter_mut().enumerate() {
                let cell = arrow_cell(column, offset).map_err(|e| {
                    AlertError::at(path, "row", row.line, format!("column `{name}`: {e}"))
                })?;
                row.cells.push(cell);
            }
        }
    }
    Ok(Table {
        columns,
        rows,
        unit: "row",
    })
}

fn arrow_cell(column: &ArrayRef, row: usize) -> Result<Option<Cell>, String> {
    if column.is_null(row) {
        return Ok(None);
    }
    let cell = match column.data_type() {
        DataType::Utf8 => Cell::Text(column.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Cell::Text(column.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Cell::Text(column.as_string_view().value(row).to_string()),
        DataType::Int64 => Cell::Int(column.as_primitive::<Int64Type>().value(row)),
        DataType::Int32 => Cell::Int(column.as_primitive::<Int32Type>().value(row).into()),
        DataType::Int16 => Cell::Int(column.as_primitive::<Int16Type>().value(row).into()),
        DataType::Int8 => Cell::Int(column.as_primitive::<Int8Type>().value(row).into()),
        DataType::UInt32 => Cell::Int(column.as_primitive::<UInt32Type>().value(row).into()),
        DataType::Float64 => Cell::Float(column.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => Cell::Float(column.as_primitive::<Float32Type>().value(row).into()),
        DataType::Timestamp(unit, _) => Cell::Micros(timestamp_micros(column, *unit, row)?),
        other => {
            return Err(format!(
                "type {other} is not accepted: use strings, integers, floats or timestamps"
            ));
        }
    };
    Ok(Some(cell))
}

fn timestamp_micros(column: &ArrayRef, unit: TimeUnit, row: usize) -> Result<i64, String> {
    let overflow = || "timestamp out of range".to_string();
    match unit {
        TimeUnit::Second => column
            .as_primitive::<TimestampSecondType>()
            .value(row)
            .checked_mul(1_000_000)
            .ok_or_else(overflow),
        TimeUnit::Millisecond => column
            .as_primitive::<TimestampMillisecondType>()
            .value(row)
            .checked_mul(1_000)
            .ok_or_else(overflow),
        TimeUnit::Microsecond => Ok(column.as_primitive::<TimestampMicrosecondType>().value(row)),
        TimeUnit::Nanosecond => Ok(column
            .as_primitive::<TimestampNanosecondType>()
            .value(row)
            .div_euclid(1_000)),
    }
}
