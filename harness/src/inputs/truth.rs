//! Decoding the label tables into plain values: `truth` batches into [`TruthColumns`]
//! for the metrics, and `campaigns.parquet` into [`CampaignRow`]s, which the metrics take
//! as [`CampaignInfo`]s and the leakage audit as its attack campaigns.

use crate::error::RunError;
use crate::metrics::CampaignInfo;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use breachlab_dataset::Dataset;
use breachlab_schema::{campaigns as c, truth as t};
use std::path::Path;

/// The truth columns scoring needs, in the order [`TruthColumns::decode`] reads them.
pub const TRUTH_COLUMNS: [&str; 6] = [
    t::EVENT_ID,
    t::TS,
    t::IS_ATTACK,
    t::CAMPAIGN_ID,
    t::ACTOR_ID,
    t::RECORDS_EXPOSED,
];

/// One truth batch as plain vectors.
#[derive(Debug, Default)]
pub struct TruthColumns {
    pub event_id: Vec<i64>,
    pub ts_us: Vec<i64>,
    pub is_attack: Vec<bool>,
    pub campaign_id: Vec<Option<i32>>,
    pub actor_id: Vec<i64>,
    pub records_exposed: Vec<i32>,
}

fn column<'a>(batch: &'a RecordBatch, name: &str, origin: &Path) -> Result<&'a ArrayRef, RunError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| RunError::inconsistent(origin, format!("has no column `{name}`")))
}

fn wrong_type(origin: &Path, name: &str, array: &ArrayRef) -> RunError {
    RunError::inconsistent(
        origin,
        format!(
            "column `{name}` has type {}, not the breachlab schema's: regenerate the dataset",
            array.data_type()
        ),
    )
}

fn timestamps(batch: &RecordBatch, name: &str, origin: &Path) -> Result<Vec<i64>, RunError> {
    let array = column(batch, name, origin)?;
    if let Some(values) = array.as_primitive_opt::<TimestampMicrosecondType>() {
        return Ok(values.values().to_vec());
    }
    if let Some(values) = array.as_primitive_opt::<Int64Type>() {
        return Ok(values.values().to_vec());
    }
    Err(wrong_type(origin, name, array))
}

fn int64s(batch: &RecordBatch, name: &str, origin: &Path) -> Result<Vec<i64>, RunError> {
    let array = column(batch, name, origin)?;
    let values = array
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| wrong_type(origin, name, array))?;
    Ok(values.values().to_vec())
}

fn strings(batch: &RecordBatch, name: &str, origin: &Path) -> Result<Vec<String>, RunError> {
    let array = column(batch, name, origin)?;
    let values = array
        .as_string_opt::<i32>()
        .ok_or_else(|| wrong_type(origin, name, array))?;
    Ok(values
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

impl TruthColumns {
    /// Decodes a batch read with [`TRUTH_COLUMNS`]; `origin` names the table in errors.
    pub fn decode(batch: &RecordBatch, origin: &Path) -> Result<Self, RunError> {
        let is_attack = column(batch, t::IS_ATTACK, origin)?;
        let is_attack = is_attack
            .as_boolean_opt()
            .ok_or_else(|| wrong_type(origin, t::IS_ATTACK, is_attack))?;
        let campaign_id = column(batch, t::CAMPAIGN_ID, origin)?;
        let campaign_id = campaign_id
            .as_primitive_opt::<Int32Type>()
            .ok_or_else(|| wrong_type(origin, t::CAMPAIGN_ID, campaign_id))?;
        let records = column(batch, t::RECORDS_EXPOSED, origin)?;
        let records = records
            .as_primitive_opt::<Int32Type>()
            .ok_or_else(|| wrong_type(origin, t::RECORDS_EXPOSED, records))?;
        Ok(TruthColumns {
            event_id: int64s(batch, t::EVENT_ID, origin)?,
            ts_us: timestamps(batch, t::TS, origin)?,
            is_attack: (0..is_attack.len())
                .map(|row| is_attack.is_valid(row) && is_attack.value(row))
                .collect(),
            campaign_id: campaign_id.iter().collect(),
            actor_id: int64s(batch, t::ACTOR_ID, origin)?,
            records_exposed: records.values().to_vec(),
        })
    }

    pub fn len(&self) -> usize {
        self.event_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.event_id.is_empty()
    }
}

/// One row of `campaigns.parquet`: an attack campaign or a benign look-alike cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRow {
    pub campaign_id: i32,
    pub name: String,
    /// `attack`, or the kind of look-alike cohort.
    pub kind: String,
    pub technique: String,
    pub start_us: i64,
    pub end_us: i64,
    /// Whether the scenario says one field gives this attack away (false where the table
    /// has no `naive` column, as in datasets older than schema 2).
    pub naive: bool,
}

impl CampaignRow {
    pub fn is_attack(&self) -> bool {
        self.kind == "attack"
    }
}

/// Every row of `campaigns.parquet`, in its order.
pub fn read_campaign_rows(dataset: &Dataset) -> Result<Vec<CampaignRow>, RunError> {
    let origin = dataset.root.join(breachlab_dataset::layout::CAMPAIGNS);
    let mut rows = Vec::new();
    for batch in dataset.campaigns()? {
        let id = column(&batch, c::CAMPAIGN_ID, &origin)?;
        let ids = id
            .as_primitive_opt::<Int32Type>()
            .ok_or_else(|| wrong_type(&origin, c::CAMPAIGN_ID, id))?;
        let names = strings(&batch, c::NAME, &origin)?;
        let kinds = strings(&batch, c::KIND, &origin)?;
        let techniques = strings(&batch, c::TECHNIQUE, &origin)?;
        let starts = timestamps(&batch, c::START, &origin)?;
        let ends = timestamps(&batch, c::END, &origin)?;
        let naive = match batch.column_by_name(c::NAIVE) {
            None => None,
            Some(array) => Some(
                array
                    .as_boolean_opt()
                    .ok_or_else(|| wrong_type(&origin, c::NAIVE, array))?,
            ),
        };
        for row in 0..batch.num_rows() {
            let naive = naive.is_some_and(|n| n.is_valid(row) && n.value(row));
            rows.push(CampaignRow {
                campaign_id: ids.value(row),
                name: names[row].clone(),
                kind: kinds[row].clone(),
                technique: techniques[row].clone(),
                start_us: starts[row],
                end_us: ends[row],
                naive,
            });
        }
    }
    Ok(rows)
}

/// Every campaign and cohort of the dataset, from `campaigns.parquet`.
pub fn read_campaigns(dataset: &Dataset) -> Result<Vec<CampaignInfo>, RunError> {
    let rows = read_campaign_rows(dataset)?;
    Ok(rows
        .into_iter()
        .map(|row| CampaignInfo {
            campaign_id: row.campaign_id,
            is_attack: row.is_attack(),
            name: row.name,
            start_us: row.start_us,
            end_us: row.end_us,
            technique: row.technique,
        })
        .collect())
}

#[cfg(test)]
mod column_tests {
    use super::TRUTH_COLUMNS;
    use breachlab_schema::Table;

    #[test]
    fn the_truth_columns_read_are_columns_of_truth() {
        assert_eq!(Table::Truth.missing_column(&TRUTH_COLUMNS), None);
    }
}
