//! One pass over a dataset: `events` batches are read once, in time order, and each is
//! handed to every source; `truth` batches are read in lockstep (same files, same row
//! order) and fed to each source's sink with its scores. Sources share nothing, so each
//! batch is scored by several worker threads at once; a source that fails is set aside
//! with its error and the others go on.

use super::truth::{TRUTH_COLUMNS, TruthColumns};
use super::{RunError, RunOptions, ScoreSource, SourceError};
use crate::metrics::{BenignScoreCollector, MetricsAccumulator, ScoredColumns};
use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_dataset::Dataset;
use breachlab_schema::events as e;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Where a source's scores go.
pub(crate) enum Sink {
    /// Scored against the labels at a threshold.
    Metrics(Box<MetricsAccumulator>),
    /// Benign scores kept to calibrate a threshold.
    Benign(BenignScoreCollector),
}

/// One source in a pass.
pub(crate) struct Lane {
    pub source: Box<dyn ScoreSource>,
    pub sink: Sink,
    pub scores: Vec<f64>,
    /// Time spent inside `score_batch`.
    pub busy: Duration,
    pub failure: Option<SourceError>,
}

impl Lane {
    pub fn new(source: Box<dyn ScoreSource>, sink: Sink) -> Self {
        Lane {
            source,
            sink,
            scores: Vec::new(),
            busy: Duration::ZERO,
            failure: None,
        }
    }

    fn process(&mut self, events: &RecordBatch, truth: &TruthColumns) {
        if self.failure.is_some() {
            return;
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.score_and_sink(events, truth)
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.failure = Some(error),
            Err(_) => self.failure = Some(SourceError::new("panicked while scoring a batch")),
        }
    }

    fn score_and_sink(
        &mut self,
        events: &RecordBatch,
        truth: &TruthColumns,
    ) -> Result<(), SourceError> {
        self.scores.clear();
        let started = Instant::now();
        self.source.score_batch(events, &mut self.scores)?;
        self.busy += started.elapsed();
        if self.scores.len() != events.num_rows() {
            return Err(SourceError::new(format!(
                "returned {} scores for a batch of {} events (one score per event is required)",
                self.scores.len(),
                events.num_rows()
            )));
        }
        match &mut self.sink {
            Sink::Metrics(accumulator) => accumulator
                .push(&ScoredColumns {
                    ts_us: &truth.ts_us,
                    score: &self.scores,
                    is_attack: &truth.is_attack,
                    campaign_id: &truth.campaign_id,
                    actor_id: &truth.actor_id,
                    records_exposed: &truth.records_exposed,
                })
                .map_err(|e| SourceError::new(e.to_string())),
            Sink::Benign(collector) => {
                let benign: Vec<bool> = truth.is_attack.iter().map(|a| !a).collect();
                collector.push(&self.scores, &truth.actor_id, &truth.ts_us, &benign);
                Ok(())
            }
        }
    }

    /// Ends the source once the stream is over.
    pub fn finish(&mut self) {
        if self.failure.is_none()
            && let Err(error) = self.source.finish()
        {
            self.failure = Some(error);
        }
    }
}

/// What a pass measured besides the lanes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassStats {
    pub events: u64,
    pub wall: Duration,
}

/// Scores every lane over `dataset`. Errors only for problems of the dataset or an
/// interruption; a lane's own failure stays in the lane.
pub(crate) fn run_pass(
    dataset: &Dataset,
    lanes: &mut [Lane],
    options: &RunOptions,
) -> Result<PassStats, RunError> {
    let started = Instant::now();
    let batch_rows = options.batch_rows.max(1);
    let events_origin = dataset.root.join(breachlab_dataset::layout::EVENTS);
    let truth_origin = dataset.root.join(breachlab_dataset::layout::TRUTH);
    let mut events = dataset.batches("events", &[], batch_rows);
    let mut truth = dataset.batches("truth", &TRUTH_COLUMNS, batch_rows);
    let mut rows: u64 = 0;
    loop {
        if options.cancel.load(Ordering::SeqCst) {
            return Err(RunError::Interrupted);
        }
        let (event_batch, truth_batch) = match (events.next(), truth.next()) {
            (None, None) => break,
            (Some(event_batch), Some(truth_batch)) => (event_batch?, truth_batch?),
            (Some(_), None) | (None, Some(_)) => {
                return Err(RunError::inconsistent(
                    &truth_origin,
                    format!(
                        "truth and events end at different rows (after {rows} rows): regenerate the dataset"
                    ),
                ));
            }
        };
        let truth_columns = TruthColumns::decode(&truth_batch, &truth_origin)?;
        check_lockstep(&event_batch, &truth_columns, &events_origin, rows)?;
        score_batch_on_all(lanes, &event_batch, &truth_columns, options.workers);
        rows += event_batch.num_rows() as u64;
    }
    for lane in lanes.iter_mut() {
        lane.finish();
    }
    let declared = dataset.manifest.row_counts.get("events").copied();
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
    })
}

/// The truth batch must describe exactly the events of the events batch.
fn check_lockstep(
    events: &RecordBatch,
    truth: &TruthColumns,
    origin: &Path,
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
                "a batch at row {rows_before} has {} events but its truth batch has {} rows: events and truth files must pair up; regenerate the dataset",
                ids.len(),
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
                "event {} (row {}) is labelled as event {} in truth: events and truth are not in the same order; regenerate the dataset",
                ids.value(offset),
                rows_before + offset as u64,
                truth.event_id[offset]
            ),
        ));
    }
    Ok(())
}

/// Scores one batch with every lane, spreading lanes over `workers` threads.
fn score_batch_on_all(
    lanes: &mut [Lane],
    events: &RecordBatch,
    truth: &TruthColumns,
    workers: usize,
) {
    let workers = workers.clamp(1, lanes.len().max(1));
    if workers == 1 {
        for lane in lanes.iter_mut() {
            lane.process(events, truth);
        }
        return;
    }
    let per_worker = lanes.len().div_ceil(workers);
    std::thread::scope(|scope| {
        for group in lanes.chunks_mut(per_worker) {
            scope.spawn(move || {
                for lane in group {
                    lane.process(events, truth);
                }
            });
        }
    });
}
