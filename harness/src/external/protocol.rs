//! The wire format of external detectors, version 1 (`docs/detector-protocol.md`):
//! the schema the harness sends, the hello line the child answers with, and how score
//! batches and score lines are decoded.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema, SchemaRef};
use serde::Deserialize;

/// The protocol version this harness speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Schema metadata key carrying [`PROTOCOL_VERSION`] on the input stream.
pub const PROTOCOL_KEY: &str = "breachlab.protocol";
/// Schema metadata key carrying the detector's name on the input stream.
pub const DETECTOR_KEY: &str = "breachlab.detector";
/// The one column of a score batch.
pub const SCORE_COLUMN: &str = "score";
/// Longest hello line accepted, in bytes.
pub const MAX_HELLO_BYTES: u64 = 64 * 1024;

/// How the child writes its scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreFormat {
    /// An Arrow IPC stream, one batch per input batch, a single float column `score`.
    Arrow,
    /// One JSON number (or `{"score": x}`) per line, one line per event.
    Jsonl,
}

impl ScoreFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreFormat::Arrow => "arrow",
            ScoreFormat::Jsonl => "jsonl",
        }
    }
}

/// The child's first line of output.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub protocol: u32,
    pub format: ScoreFormat,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Free-form parameters, shown in the report.
    #[serde(default)]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Parses and checks the hello line; the error says what was expected.
pub fn parse_hello(line: &str) -> Result<Hello, String> {
    let trimmed = line.trim();
    if trimmed.is_empty() {
        return Err("its first line was empty; expected the hello line, e.g. {\"protocol\": 1, \"format\": \"arrow\"}".into());
    }
    let hello: Hello = serde_json::from_str(trimmed).map_err(|e| {
        format!(
            "its first line is not a valid hello ({e}): got `{}`; expected e.g. {{\"protocol\": 1, \"format\": \"arrow\"}}",
            shorten(trimmed)
        )
    })?;
    if hello.protocol != PROTOCOL_VERSION {
        return Err(format!(
            "it speaks protocol {} but this harness speaks protocol {PROTOCOL_VERSION}",
            hello.protocol
        ));
    }
    if let Some(threshold) = hello.threshold
        && !threshold.is_finite()
    {
        return Err(format!(
            "its hello gives a threshold of {threshold}, which is not finite"
        ));
    }
    Ok(hello)
}

/// The schema of the input stream: the `events` columns with the protocol metadata.
pub fn input_schema(detector: &str) -> SchemaRef {
    let metadata = HashMap::from([
        (PROTOCOL_KEY.to_string(), PROTOCOL_VERSION.to_string()),
        (DETECTOR_KEY.to_string(), detector.to_string()),
    ]);
    Arc::new(breachlab_schema::events_schema().with_metadata(metadata))
}

/// The `events` columns of `batch`, in schema order, under `schema`: anything else in the
/// batch (a `truth` column joined by mistake) is never sent.
pub fn project_events(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, String> {
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let column = batch
            .column_by_name(field.name())
            .ok_or_else(|| format!("the events batch has no column `{}`", field.name()))?;
        if column.data_type() != field.data_type() {
            return Err(format!(
                "events column `{}` is {}, expected {}",
                field.name(),
                column.data_type(),
                field.data_type()
            ));
        }
        columns.push(column.clone());
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())
}

/// The scores of one output batch: a single float column named `score`; nulls read NaN.
pub fn batch_scores(batch: &RecordBatch) -> Result<Vec<f64>, String> {
    let schema: &Schema = batch.schema_ref();
    if schema.fields().len() != 1 || schema.field(0).name() != SCORE_COLUMN {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        return Err(format!(
            "a score batch must have exactly one column `{SCORE_COLUMN}`, got columns {names:?}"
        ));
    }
    let column = batch.column(0);
    let values: Vec<f64> = match column.data_type() {
        DataType::Float64 => {
            let array = column.as_primitive::<Float64Type>();
            (0..array.len())
                .map(|i| {
                    if array.is_null(i) {
                        f64::NAN
                    } else {
                        array.value(i)
                    }
                })
                .collect()
        }
        DataType::Float32 => {
            let array = column.as_primitive::<Float32Type>();
            (0..array.len())
                .map(|i| {
                    if array.is_null(i) {
                        f64::NAN
                    } else {
                        f64::from(array.value(i))
                    }
                })
                .collect()
        }
        other => {
            return Err(format!(
                "column `{SCORE_COLUMN}` must be float64, got {other}"
            ));
        }
    };
    Ok(values)
}

/// One score line: a JSON number, `null` (NaN), or `{"score": x}`.
pub fn line_score(line: &str) -> Result<f64, String> {
    let value: serde_json::Value = serde_json::from_str(line.trim())
        .map_err(|_| format!("not a JSON score: `{}`", shorten(line.trim())))?;
    let score = match &value {
        serde_json::Value::Object(object) => object.get(SCORE_COLUMN).ok_or_else(|| {
            format!(
                "a score object needs the key `score`: `{}`",
                shorten(line.trim())
            )
        })?,
        other => other,
    };
    match score {
        serde_json::Value::Number(number) => number
            .as_f64()
            .ok_or_else(|| format!("score {number} does not fit a float64")),
        serde_json::Value::Null => Ok(f64::NAN),
        other => Err(format!(
            "a score must be a number, got `{}`",
            shorten(&other.to_string())
        )),
    }
}

/// The first 120 characters of `text`, for error messages about garbage.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 120;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_accepts_both_formats_and_rejects_other_versions() {
        let hello = parse_hello(r#"{"protocol": 1, "format": "jsonl", "name": "x"}"#).unwrap();
        assert_eq!(hello.format, ScoreFormat::Jsonl);
        assert_eq!(hello.name.as_deref(), Some("x"));
        let error = parse_hello(r#"{"protocol": 2, "format": "arrow"}"#).unwrap_err();
        assert!(error.contains("protocol 2"), "{error}");
        let error = parse_hello("hello world").unwrap_err();
        assert!(error.contains("hello world"), "{error}");
    }

    #[test]
    fn score_lines_take_numbers_objects_and_null() {
        assert_eq!(line_score("0.5").unwrap(), 0.5);
        assert_eq!(line_score(r#"{"score": 2}"#).unwrap(), 2.0);
        assert!(line_score("null").unwrap().is_nan());
        assert!(line_score("\"high\"").is_err());
        assert!(line_score(r#"{"s": 1}"#).is_err());
    }

    #[test]
    fn projection_drops_columns_outside_events() {
        use breachlab_detectors::testing::{EventRow, events_batch};
        let batch = events_batch(0, &[EventRow::at(0.0)]);
        let mut fields: Vec<_> = batch.schema().fields().iter().cloned().collect();
        let mut columns = batch.columns().to_vec();
        fields.push(Arc::new(arrow_schema::Field::new(
            "is_attack",
            DataType::Boolean,
            false,
        )));
        columns.push(Arc::new(arrow_array::BooleanArray::from(vec![true])));
        let joined = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
        let schema = input_schema("t");
        let sent = project_events(&joined, &schema).unwrap();
        assert!(sent.column_by_name("is_attack").is_none());
        assert_eq!(
            sent.num_columns(),
            breachlab_schema::events_schema().fields().len()
        );
    }
}
