//! One pass over a dataset: `events` batches are read once, in time order, and each is
//! handed to every source; `truth` batches are read in lockstep (same files, same row
//! order) and fed to each source's sink with its scores. Sources share nothing, so
//! worker threads score several sources at once, each at its own pace (see
//! [`Schedule`]); a source that fails is set aside with its error and the others go on.
//! Only the events columns the sources declare are decoded, on a reader thread that
//! stays a few batches ahead of the scoring.

use super::lane::{Decoded, Lane};
use super::schedule::{Schedule, reader_panicked};
use super::{RunError, RunOptions};
use crate::inputs::{TRUTH_COLUMNS, TruthColumns};
use crate::metrics::{IndexedBatch, LabelColumns, LabelIndex};
use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_dataset::Dataset;
use breachlab_detectors::{KeyCache, SharedColumns, SharedNeeds};
use breachlab_schema::{Table, events as e};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// What a pass measured besides the lanes.
#[derive(Debug)]
pub(crate) struct PassStats {
    pub events: u64,
    pub wall: Duration,
    /// The labels of the whole pass, when it was given an index.
    pub labels: Option<LabelIndex>,
}

/// Scores every lane over `dataset`. Errors only for problems of the dataset or an
/// interruption; a lane's own failure stays in the lane.
///
/// A reader thread decodes the events and truth batches ahead of the lanes; it reads
/// only the events columns the lanes declare, and indexes the truth into `labels` (once
/// for all lanes) when given. Worker threads score them, each lane in batch order (see
/// [`Schedule`]).
pub(crate) fn run_pass(
    dataset: &Dataset,
    lanes: &mut [Lane],
    labels: Option<LabelIndex>,
    options: &RunOptions,
) -> Result<PassStats, RunError> {
    let started = Instant::now();
    let columns = events_columns(lanes);
    let shared_needs = lanes
        .iter()
        .map(|lane| lane.source.shared_needs())
        .fold(SharedNeeds::default(), SharedNeeds::union);
    let workers = options.workers.clamp(1, lanes.len().max(1));
    let schedule = Schedule::new(lanes, options.cancel.clone());
    let read = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let _guard = schedule.reader_guard();
            read_batches(dataset, &columns, shared_needs, labels, options, &schedule)
        });
        for _ in 1..workers {
            scope.spawn(|| schedule.work());
        }
        schedule.work();
        reader.join()
    });
    schedule.into_outcome()?;
    let (rows, labels) = read.map_err(|_| reader_panicked())?;
    for lane in lanes.iter_mut() {
        lane.finish();
    }
    let declared = dataset
        .manifest
        .row_counts
        .get(Table::Events.name())
        .copied();
    if declared.is_some_and(|declared| declared != rows) {
        return Err(RunError::inconsistent(
            dataset.root.join(breachlab_dataset::layout::MANIFEST),
            format!(
                "says {} events but the files hold {rows}: regenerate the dataset",
                declared.unwrap_or_default()
            ),
        ));
    }
    Ok(PassStats {
        events: rows,
        wall: started.elapsed(),
        labels,
    })
}

/// The events columns to decode: the union of what the lanes declare plus `event_id`
/// (the lockstep check), or every column (empty list) when any lane may read any.
fn events_columns(lanes: &[Lane]) -> Vec<&'static str> {
    let mut columns = vec![e::EVENT_ID];
    for lane in lanes {
        match lane.source.columns() {
            Some(declared) => columns.extend(declared),
            None => return Vec::new(),
        }
    }
    columns.sort_unstable();
    columns.dedup();
    columns
}

type DecodedBatch = Result<Decoded, RunError>;

/// Reads events and truth in lockstep and hands each checked pair to `schedule`, with
/// the columns `shared_needs` asks for derived, until the stream ends, a batch fails (the
/// schedule gets its error) or the pass stops. Returns the rows read and `labels` having
/// indexed every batch handed on.
fn read_batches(
    dataset: &Dataset,
    columns: &[&str],
    shared_needs: SharedNeeds,
    mut labels: Option<LabelIndex>,
    options: &RunOptions,
    schedule: &Schedule<'_>,
) -> (u64, Option<LabelIndex>) {
    let batch_rows = options.batch_rows.max(1);
    let truth_origin = dataset.root.join(breachlab_dataset::layout::TRUTH);
    let mut events = dataset.batches(Table::Events, columns, batch_rows);
    if !columns.is_empty() {
        // Every lane declared its columns, so every lane is a built-in detector, which
        // takes string columns as dictionaries too: cheaper to decode and to key.
        events = events.with_dictionary_strings();
    }
    let mut truth = dataset.batches(Table::Truth, &TRUTH_COLUMNS, batch_rows);
    let mut rows: u64 = 0;
    let mut key_cache = KeyCache::default();
    while !options.cancel.load(Ordering::SeqCst) {
        let decoded = match (events.next(), truth.next()) {
            (None, None) => return (rows, labels),
            (Some(event_batch), Some(truth_batch)) => decode_pair(
                event_batch,
                truth_batch,
                &dataset.file_at_row(Table::Events, rows),
                &dataset.file_at_row(Table::Truth, rows),
                rows,
            )
            .and_then(|(events, truth)| index_labels(labels.as_mut(), events, truth)),
            (Some(_), None) | (None, Some(_)) => Err(RunError::inconsistent(
                &truth_origin,
                format!(
                    "truth and events end at different rows (after {rows} rows): regenerate the dataset"
                ),
            )),
        };
        match decoded {
            Ok(mut batch) => {
                rows += batch.events.num_rows() as u64;
                batch.shared = SharedColumns::derive(&batch.events, shared_needs, &mut key_cache);
                if !schedule.push(batch) {
                    break;
                }
            }
            Err(error) => {
                schedule.fail(error);
                break;
            }
        }
    }
    (rows, labels)
}

/// Indexes a decoded batch's truth for the metrics, when the pass scores against labels.
fn index_labels(
    labels: Option<&mut LabelIndex>,
    events: RecordBatch,
    truth: TruthColumns,
) -> DecodedBatch {
    let indexed = match labels {
        None => None,
        Some(labels) => {
            let mut indexed = IndexedBatch::default();
            let columns = LabelColumns {
                ts_us: &truth.ts_us,
                is_attack: &truth.is_attack,
                campaign_id: &truth.campaign_id,
                actor_id: &truth.actor_id,
                records_exposed: &truth.records_exposed,
            };
            labels
                .index(&columns, &mut indexed)
                .map_err(|e| RunError::Refused(format!("truth labels: {e}")))?;
            Some(indexed)
        }
    };
    Ok(Decoded::new(events, truth, indexed))
}

fn decode_pair(
    event_batch: Result<RecordBatch, breachlab_dataset::DatasetError>,
    truth_batch: Result<RecordBatch, breachlab_dataset::DatasetError>,
    events_origin: &Path,
    truth_origin: &Path,
    rows_before: u64,
) -> Result<(RecordBatch, TruthColumns), RunError> {
    let event_batch = event_batch?;
    let truth_columns = TruthColumns::decode(&truth_batch?, truth_origin)?;
    check_lockstep(
        &event_batch,
        &truth_columns,
        events_origin,
        truth_origin,
        rows_before,
    )?;
    Ok((event_batch, truth_columns))
}

/// The truth batch must describe exactly the events of the events batch. `origin` is the
/// events file the batch came from, `truth_origin` the truth file.
fn check_lockstep(
    events: &RecordBatch,
    truth: &TruthColumns,
    origin: &Path,
    truth_origin: &Path,
    rows_before: u64,
) -> Result<(), RunError> {
    let ids = events
        .column_by_name(e::EVENT_ID)
        .and_then(|c| c.as_primitive_opt::<Int64Type>())
        .ok_or_else(|| {
            RunError::inconsistent(
                origin,
                "has no Int64 column `event_id`: regenerate the dataset",
            )
        })?;
    if ids.len() != truth.len() {
        return Err(RunError::inconsistent(
            origin,
            format!(
                "a batch at row {rows_before} has {} events but its truth batch (from {}) has {} rows: events and truth files must pair up; regenerate the dataset",
                ids.len(),
                truth_origin.display(),
                truth.len()
            ),
        ));
    }
    let mismatch = ids
        .values()
        .iter()
        .zip(&truth.event_id)
        .position(|(event, label)| event != label);
    if let Some(offset) = mismatch {
        return Err(RunError::inconsistent(
            origin,
            format!(
                "event {} (row {}) is labelled as event {} in truth ({}): events and truth are not in the same order; regenerate the dataset",
                ids.value(offset),
                rows_before + offset as u64,
                truth.event_id[offset],
                truth_origin.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::BenignScoreCollector;
    use crate::runner::lane::Sink;
    use breachlab_detectors::testing::ClosureDetector;
    use breachlab_detectors::{Detector, Params};

    fn lane(source: Box<dyn Detector>) -> Lane {
        Lane::new(source, Sink::Benign(BenignScoreCollector::default()))
    }

    fn builtin(name: &str) -> Lane {
        lane(breachlab_detectors::build(name, &Params::default()).unwrap())
    }

    #[test]
    fn decodes_the_union_of_declared_columns_and_the_event_id() {
        let lanes = [builtin("null"), builtin("ip-rate"), builtin("sequential")];
        let mut expected = vec![e::EVENT_ID, e::TS, e::CLIENT_IP];
        for lane in &lanes {
            expected.extend(lane.source.columns().unwrap());
        }
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(events_columns(&lanes), expected);
        assert!(!expected.contains(&e::PATH));
        assert_eq!(events_columns(&[builtin("null")]), vec![e::EVENT_ID]);
    }

    #[test]
    fn decodes_every_column_when_a_source_declares_none() {
        let reads_anything =
            ClosureDetector::new("any", |batch: &RecordBatch, scores: &mut Vec<f64>| {
                scores.resize(scores.len() + batch.num_rows(), 0.0);
                Ok(())
            });
        let lanes = [builtin("ip-rate"), lane(Box::new(reads_anything))];
        assert!(events_columns(&lanes).is_empty());
    }
}
