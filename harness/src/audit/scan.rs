//! Reads a dataset once, events and truth in lockstep, into a [`Tally`]; the batches are
//! decoded on a thread of their own, ahead of the tally.

use super::AuditError;
use super::columns::{
    BOUNDED_COLUMNS, Dictionary, ValueKind, half_octave, half_octave_int, half_octave_text,
    small_then_log2, small_then_log2_text,
};
use super::combos::ComboTable;
use super::output::CampaignMeta;
use super::tally::{SKIP, Tally};
use crate::error::RunError;
use crate::inputs::{CampaignRow, read_campaign_rows};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int16Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use breachlab_dataset::read::TableBatches;
use breachlab_dataset::{Dataset, DatasetError, layout};
use breachlab_schema::{Table, events as e, truth as t};
use std::collections::HashMap;
use std::path::Path;

/// What one pass produced.
pub struct Scanned {
    pub tally: Tally,
    /// Counts per distinct tuple of the combination fields.
    pub combos: ComboTable,
    pub dictionaries: Vec<Dictionary>,
    pub rows: u64,
}

fn column<'a>(
    batch: &'a RecordBatch,
    name: &str,
    origin: &Path,
) -> Result<&'a ArrayRef, AuditError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| AuditError::inconsistent(origin, format!("has no column `{name}`")))
}

fn wrong_type(origin: &Path, name: &str, array: &dyn Array) -> AuditError {
    AuditError::inconsistent(
        origin,
        format!(
            "column `{name}` has type {}, not the breachlab schema's: regenerate the dataset",
            array.data_type()
        ),
    )
}

/// The attack campaigns of `campaigns.parquet`, in its order.
pub fn read_campaigns(dataset: &Dataset) -> Result<Vec<CampaignMeta>, AuditError> {
    let rows = read_campaign_rows(dataset).map_err(|error| match error {
        RunError::Dataset(error) => AuditError::Dataset(error),
        RunError::Inconsistent { path, message } => AuditError::Inconsistent { path, message },
        other => AuditError::inconsistent(dataset.root.join(layout::CAMPAIGNS), other.to_string()),
    })?;
    Ok(rows
        .into_iter()
        .filter(CampaignRow::is_attack)
        .map(|row| CampaignMeta {
            campaign_id: row.campaign_id,
            name: row.name,
            naive: row.naive,
            signature: None,
        })
        .collect())
}

/// The events columns read: `event_id` then the bounded ones.
fn events_columns() -> Vec<&'static str> {
    let mut columns = vec![e::EVENT_ID];
    columns.extend(BOUNDED_COLUMNS.iter().map(|c| c.name));
    columns
}

const TRUTH_COLUMNS: [&str; 3] = [t::EVENT_ID, t::IS_ATTACK, t::CAMPAIGN_ID];

/// Reads every event once and tallies it.
pub fn scan(
    dataset: &Dataset,
    campaigns: &[CampaignMeta],
    pairs: bool,
    batch_rows: usize,
) -> Result<Scanned, AuditError> {
    let truth_origin = dataset.root.join(layout::TRUTH);
    let class_of: HashMap<i32, u32> = campaigns
        .iter()
        .enumerate()
        .map(|(k, m)| (m.campaign_id, k as u32 + 1))
        .collect();
    let mut tally = Tally::new(BOUNDED_COLUMNS.len(), campaigns.len(), pairs);
    let mut dictionaries = vec![Dictionary::default(); BOUNDED_COLUMNS.len()];
    let mut combos = ComboTable::new(campaigns.len());
    let api_key = BOUNDED_COLUMNS
        .iter()
        .position(|c| c.name == e::API_KEY_ID)
        .expect("api_key_id is bounded");
    let events = dataset
        .batches(Table::Events, &events_columns(), batch_rows.max(1))
        .with_dictionary_strings();
    let truth = dataset.batches(Table::Truth, &TRUTH_COLUMNS, batch_rows.max(1));
    let mut ids: Vec<Vec<u32>> = vec![Vec::new(); BOUNDED_COLUMNS.len()];
    let mut classes: Vec<u32> = Vec::new();
    let mut rows: u64 = 0;
    std::thread::scope(|scope| {
        let batches = read_ahead(scope, events, truth);
        for (events, truth) in batches {
            let (event_batch, truth_batch) = match (events, truth) {
                (Some(ev), Some(tr)) => (ev?, tr?),
                _ => {
                    return Err(AuditError::inconsistent(
                        &truth_origin,
                        format!(
                            "truth and events end at different rows (after {rows} rows): regenerate the dataset"
                        ),
                    ));
                }
            };
            // Errors about this batch name the files it came from.
            let events_origin = dataset.file_at_row(Table::Events, rows);
            let truth_origin = dataset.file_at_row(Table::Truth, rows);
            check_lockstep(
                &event_batch,
                &truth_batch,
                &events_origin,
                &truth_origin,
                rows,
            )?;
            decode_classes(&truth_batch, &truth_origin, &class_of, &mut classes)?;
            for (index, bounded) in BOUNDED_COLUMNS.iter().enumerate() {
                let array = column(&event_batch, bounded.name, &events_origin)?;
                let out = &mut ids[index];
                out.clear();
                decode_ids(array, bounded.kind, &mut dictionaries[index], out)
                    .map_err(|_| wrong_type(&events_origin, bounded.name, array.as_ref()))?;
            }
            tally.add(&ids, &classes);
            combos.add_rows(&ids, &classes, dictionaries[api_key].null_seen());
            rows += event_batch.num_rows() as u64;
        }
        Ok(())
    })?;
    Ok(Scanned {
        tally,
        combos,
        dictionaries,
        rows,
    })
}

/// Batches decoded ahead of the tally.
const READ_AHEAD_BATCHES: usize = 2;

/// The events and truth batches side by side, decoded on a thread of `scope` while the
/// caller tallies the batches before them (decoding is about half of a scan). The pairs
/// end where both tables end; a pair with one side missing says they end at different
/// rows. Dropping the iterator stops the thread at its next batch.
fn read_ahead<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    mut events: TableBatches,
    mut truth: TableBatches,
) -> impl Iterator<Item = (Option<BatchResult>, Option<BatchResult>)> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(READ_AHEAD_BATCHES);
    scope.spawn(move || {
        loop {
            let pair = match (events.next(), truth.next()) {
                (None, None) => break,
                pair => pair,
            };
            let one_side_ended = pair.0.is_none() || pair.1.is_none();
            if sender.send(pair).is_err() || one_side_ended {
                break;
            }
        }
    });
    receiver.into_iter()
}

type BatchResult = Result<RecordBatch, DatasetError>;

fn check_lockstep(
    events: &RecordBatch,
    truth: &RecordBatch,
    events_origin: &Path,
    truth_origin: &Path,
    rows_before: u64,
) -> Result<(), AuditError> {
    let event_ids = column(events, e::EVENT_ID, events_origin)?;
    let event_ids = event_ids
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| wrong_type(events_origin, e::EVENT_ID, event_ids.as_ref()))?;
    let truth_ids = column(truth, t::EVENT_ID, truth_origin)?;
    let truth_ids = truth_ids
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| wrong_type(truth_origin, t::EVENT_ID, truth_ids.as_ref()))?;
    if event_ids.len() != truth_ids.len() {
        return Err(AuditError::inconsistent(
            truth_origin,
            format!(
                "after row {rows_before}, a batch of {} truth rows meets {} events rows of {}: truth files must match events files row for row; regenerate the dataset",
                truth_ids.len(),
                event_ids.len(),
                events_origin.display()
            ),
        ));
    }
    if let Some(row) = (0..event_ids.len()).find(|&r| event_ids.value(r) != truth_ids.value(r)) {
        return Err(AuditError::inconsistent(
            truth_origin,
            format!(
                "row {}: truth has event_id {} where events ({}) has {}: the tables are out of step; regenerate the dataset",
                rows_before + row as u64,
                truth_ids.value(row),
                events_origin.display(),
                event_ids.value(row)
            ),
        ));
    }
    Ok(())
}

fn decode_classes(
    truth: &RecordBatch,
    origin: &Path,
    class_of: &HashMap<i32, u32>,
    out: &mut Vec<u32>,
) -> Result<(), AuditError> {
    let is_attack = column(truth, t::IS_ATTACK, origin)?;
    let is_attack = is_attack
        .as_boolean_opt()
        .ok_or_else(|| wrong_type(origin, t::IS_ATTACK, is_attack.as_ref()))?;
    let campaign = column(truth, t::CAMPAIGN_ID, origin)?;
    let campaign = campaign
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(|| wrong_type(origin, t::CAMPAIGN_ID, campaign.as_ref()))?;
    out.clear();
    for row in 0..truth.num_rows() {
        let attack = is_attack.is_valid(row) && is_attack.value(row);
        let class = if !attack {
            0
        } else if campaign.is_valid(row) {
            match class_of.get(&campaign.value(row)) {
                Some(&class) => class,
                None => {
                    return Err(AuditError::inconsistent(
                        origin,
                        format!(
                            "attack event of campaign {} that campaigns.parquet does not list as an attack: regenerate the dataset",
                            campaign.value(row)
                        ),
                    ));
                }
            }
        } else {
            SKIP
        };
        out.push(class);
    }
    Ok(())
}

/// Appends each row's value id; `Err` when the array's type is not one `kind` reads.
fn decode_ids(
    array: &ArrayRef,
    kind: ValueKind,
    dictionary: &mut Dictionary,
    out: &mut Vec<u32>,
) -> Result<(), ()> {
    match kind {
        ValueKind::Text => text_ids(array, dictionary, out),
        ValueKind::Presence => {
            let (null, set) = (dictionary.null_id(), dictionary.text_id("set"));
            out.extend((0..array.len()).map(|r| if array.is_null(r) { null } else { set }));
            Ok(())
        }
        ValueKind::Integer => integer_ids(array, dictionary, out, |v| v, |k| k.to_string()),
        ValueKind::SmallThenLog2 => integer_ids(
            array,
            dictionary,
            out,
            small_then_log2,
            small_then_log2_text,
        ),
        ValueKind::HalfOctave => {
            if let Some(values) = array.as_primitive_opt::<Float32Type>() {
                float_ids(values.iter().map(|v| v.map(f64::from)), dictionary, out);
                Ok(())
            } else if let Some(values) = array.as_primitive_opt::<Float64Type>() {
                float_ids(values.iter(), dictionary, out);
                Ok(())
            } else {
                integer_ids(array, dictionary, out, half_octave_int, half_octave_text)
            }
        }
    }
}

fn float_ids(
    values: impl Iterator<Item = Option<f64>>,
    dictionary: &mut Dictionary,
    out: &mut Vec<u32>,
) {
    for value in values {
        out.push(match value {
            None => dictionary.null_id(),
            Some(v) => dictionary.integer_id(half_octave(v), half_octave_text),
        });
    }
}

fn text_ids(array: &ArrayRef, dictionary: &mut Dictionary, out: &mut Vec<u32>) -> Result<(), ()> {
    if let DataType::Dictionary(_, _) = array.data_type() {
        let Some(keyed) = array.as_dictionary_opt::<Int32Type>() else {
            return Err(());
        };
        let Some(values) = keyed.values().as_string_opt::<i32>() else {
            return Err(());
        };
        // Once per distinct value of the batch, not per row.
        let global: Vec<u32> = (0..values.len())
            .map(|i| {
                if values.is_null(i) {
                    dictionary.null_id()
                } else {
                    dictionary.text_id(values.value(i))
                }
            })
            .collect();
        let keys = keyed.keys();
        for row in 0..keys.len() {
            out.push(if keys.is_null(row) {
                dictionary.null_id()
            } else {
                global[keys.value(row) as usize]
            });
        }
        return Ok(());
    }
    let values = array.as_string_opt::<i32>().ok_or(())?;
    for value in values.iter() {
        out.push(match value {
            None => dictionary.null_id(),
            Some(v) => dictionary.text_id(v),
        });
    }
    Ok(())
}

fn integer_ids(
    array: &ArrayRef,
    dictionary: &mut Dictionary,
    out: &mut Vec<u32>,
    key: impl Fn(i64) -> i64,
    show: impl Fn(i64) -> String,
) -> Result<(), ()> {
    let mut push = |value: Option<i64>| {
        out.push(match value {
            None => dictionary.null_id(),
            Some(v) => dictionary.integer_id(key(v), &show),
        })
    };
    if let Some(values) = array.as_primitive_opt::<Int16Type>() {
        values.iter().for_each(|v| push(v.map(i64::from)));
    } else if let Some(values) = array.as_primitive_opt::<Int32Type>() {
        values.iter().for_each(|v| push(v.map(i64::from)));
    } else if let Some(values) = array.as_primitive_opt::<Int64Type>() {
        values.iter().for_each(&mut push);
    } else {
        return Err(());
    }
    Ok(())
}

#[cfg(test)]
mod column_tests {
    use super::{TRUTH_COLUMNS, events_columns};
    use breachlab_schema::Table;

    #[test]
    fn the_columns_the_audit_reads_are_columns_of_their_tables() {
        assert_eq!(Table::Events.missing_column(&events_columns()), None);
        assert_eq!(Table::Truth.missing_column(&TRUTH_COLUMNS), None);
    }
}
