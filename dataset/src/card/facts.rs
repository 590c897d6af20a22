//! The campaign table and the manifest facts the card prints without knowing them.
//!
//! The card prints every column of `campaigns.parquet` and, beside them, whatever
//! per-campaign facts the manifest carries (any top-level array of objects naming a
//! campaign by `name` or `campaign_id`), and lists any other manifest field it has no
//! section for. A field added to the manifest later thus reaches the card with no change
//! here, and the card never hides what the manifest states.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use serde_json::Value;

/// Top-level manifest fields that the card's own sections already state.
pub const KNOWN_FIELDS: &[&str] = &[
    "breachlab_version",
    "schema_version",
    "scenario",
    "seed",
    "scale",
    "shard",
    "time_span",
    "row_counts",
    "card",
    "files",
];

/// A table of text cells with a header row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TextTable {
    /// The cell of `column` in `row`, when both exist.
    pub fn cell(&self, row: usize, column: &str) -> Option<&str> {
        let at = self.header.iter().position(|h| h == column)?;
        self.rows.get(row)?.get(at).map(String::as_str)
    }
}

/// Every column of the campaigns batches, every value as text.
pub fn campaign_table(batches: &[RecordBatch]) -> TextTable {
    let Some(first) = batches.first() else {
        return TextTable::default();
    };
    let header = first
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let rows = batches
        .iter()
        .flat_map(|batch| {
            (0..batch.num_rows()).map(move |row| {
                batch
                    .columns()
                    .iter()
                    .map(|column| cell(column.as_ref(), row))
                    .collect()
            })
        })
        .collect();
    TextTable { header, rows }
}

/// Adds the manifest's per-campaign facts to `table` as further columns, matched on
/// `name` (or `campaign_id`); returns the manifest fields used.
pub fn add_manifest_campaign_facts(table: &mut TextTable, manifest: &Value) -> Vec<String> {
    let mut used = Vec::new();
    let Some(fields) = manifest.as_object() else {
        return used;
    };
    for (field, value) in fields {
        if KNOWN_FIELDS.contains(&field.as_str()) {
            continue;
        }
        let Some(objects) = per_campaign_objects(value) else {
            continue;
        };
        for object in objects {
            let Some(row) = matching_row(table, object) else {
                continue;
            };
            for (key, fact) in object {
                if key == "name" || key == "campaign_id" {
                    continue;
                }
                let column = column_index(table, key);
                table.rows[row][column] = plain(fact);
            }
        }
        used.push(field.clone());
    }
    used
}

/// Manifest fields the card has no section for, as (name, compact JSON), except `skip`.
pub fn further_facts(manifest: &Value, skip: &[String]) -> Vec<(String, String)> {
    manifest
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(field, _)| !KNOWN_FIELDS.contains(&field.as_str()) && !skip.contains(field))
        .map(|(field, value)| (field.clone(), value.to_string()))
        .collect()
}

/// `value` as a list of objects that each name a campaign, or `None`.
fn per_campaign_objects(value: &Value) -> Option<Vec<&serde_json::Map<String, Value>>> {
    let objects: Vec<_> = value
        .as_array()?
        .iter()
        .map(Value::as_object)
        .collect::<Option<_>>()?;
    let named = |o: &&serde_json::Map<String, Value>| {
        o.get("name").is_some_and(Value::is_string) || o.get("campaign_id").is_some()
    };
    (!objects.is_empty() && objects.iter().all(named)).then_some(objects)
}

fn matching_row(table: &TextTable, object: &serde_json::Map<String, Value>) -> Option<usize> {
    let (column, wanted) = match (object.get("name"), object.get("campaign_id")) {
        (Some(name), _) => ("name", plain(name)),
        (None, Some(id)) => ("campaign_id", plain(id)),
        (None, None) => return None,
    };
    (0..table.rows.len()).find(|&row| table.cell(row, column) == Some(wanted.as_str()))
}

/// The index of `column`, added (empty in every row) when new.
fn column_index(table: &mut TextTable, column: &str) -> usize {
    if let Some(at) = table.header.iter().position(|h| h == column) {
        return at;
    }
    table.header.push(column.to_string());
    for row in &mut table.rows {
        row.push(String::new());
    }
    table.header.len() - 1
}

/// A JSON value as a cell: strings without quotes, everything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One value of an Arrow column as text; empty for null.
fn cell(column: &dyn Array, row: usize) -> String {
    if column.is_null(row) {
        return String::new();
    }
    match column.data_type() {
        DataType::Int16 => column.as_primitive::<Int16Type>().value(row).to_string(),
        DataType::Int32 => column.as_primitive::<Int32Type>().value(row).to_string(),
        DataType::Int64 => column.as_primitive::<Int64Type>().value(row).to_string(),
        DataType::Float32 => column.as_primitive::<Float32Type>().value(row).to_string(),
        DataType::Float64 => column.as_primitive::<Float64Type>().value(row).to_string(),
        DataType::Boolean => column.as_boolean().value(row).to_string(),
        DataType::Utf8 => column.as_string::<i32>().value(row).to_string(),
        DataType::LargeUtf8 => column.as_string::<i64>().value(row).to_string(),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            utc_text(column.as_primitive::<TimestampMicrosecondType>().value(row))
        }
        other => format!("({other})"),
    }
}

/// Microseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds).
pub fn utc_text(us: i64) -> String {
    let seconds = us.div_euclid(1_000_000);
    let (days, in_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int32Array, StringArray};
    use std::sync::Arc;

    fn two_campaigns() -> TextTable {
        let batch = RecordBatch::try_from_iter([
            (
                "campaign_id",
                Arc::new(Int32Array::from(vec![1, 2])) as Arc<dyn Array>,
            ),
            (
                "name",
                Arc::new(StringArray::from(vec![Some("walker"), Some("batch")])),
            ),
            (
                "oat",
                Arc::new(StringArray::from(vec![Some("OAT-011"), None])),
            ),
        ])
        .unwrap();
        campaign_table(&[batch])
    }

    #[test]
    fn every_column_and_row_becomes_text_and_null_is_empty() {
        let table = two_campaigns();
        assert_eq!(table.header, ["campaign_id", "name", "oat"]);
        assert_eq!(table.rows, [["1", "walker", "OAT-011"], ["2", "batch", ""]]);
    }

    #[test]
    fn per_campaign_manifest_facts_become_columns_matched_by_name_or_id() {
        let mut table = two_campaigns();
        let manifest = serde_json::json!({
            "seed": 1,
            "campaign_scale": [{"name": "batch", "entities": 40}],
            "horizon": [{"campaign_id": 1, "faithful_until": "2026-03-03"}],
            "notes": "kept as a further fact",
        });
        let used = add_manifest_campaign_facts(&mut table, &manifest);
        assert_eq!(used, ["campaign_scale", "horizon"]);
        assert_eq!(table.cell(1, "entities"), Some("40"));
        assert_eq!(table.cell(0, "entities"), Some(""));
        assert_eq!(table.cell(0, "faithful_until"), Some("2026-03-03"));
        assert_eq!(
            further_facts(&manifest, &used),
            [(
                "notes".to_string(),
                "\"kept as a further fact\"".to_string()
            )]
        );
    }

    #[test]
    fn dates_are_proleptic_gregorian_utc() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        // 2024-02-29 12:34:56 UTC, a leap day: 19782 days after the epoch.
        assert_eq!(
            utc_text((19_782 * 86_400 + 12 * 3600 + 34 * 60 + 56) * 1_000_000 + 999),
            "2024-02-29T12:34:56Z"
        );
        assert_eq!(utc_text(-1_000_000), "1969-12-31T23:59:59Z");
    }
}
