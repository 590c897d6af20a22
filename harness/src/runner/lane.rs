//! One source in a pass and the batch it takes: a [`Lane`] holds a detector, where its
//! scores go and how it has fared; a [`Decoded`] batch is what the reader hands every
//! lane. The pass (`pass.rs`) fills them and the schedule (`schedule.rs`) moves them
//! between threads; both import this module, neither the other's types.

use super::SourceError;
use crate::inputs::TruthColumns;
use crate::metrics::{BenignScoreCollector, DetectorTally, IndexedBatch};
use arrow_array::RecordBatch;
use breachlab_detectors::{Detector, EventBatch, SharedColumns};
use std::time::{Duration, Instant};

/// Where a source's scores go.
pub(crate) enum Sink {
    /// Scored against the labels at a threshold.
    Metrics(Box<DetectorTally>),
    /// Benign scores kept to calibrate a threshold.
    Benign(BenignScoreCollector),
}

/// One source in a pass.
pub(crate) struct Lane {
    pub source: Box<dyn Detector>,
    pub sink: Sink,
    pub scores: Vec<f64>,
    /// Time spent inside the source's scoring calls.
    pub busy: Duration,
    /// Time the last batch took, scoring and sinking: of lanes equally far behind, the
    /// longest go first.
    pub(super) last_batch: Duration,
    pub failure: Option<SourceError>,
}

impl Lane {
    pub fn new(source: Box<dyn Detector>, sink: Sink) -> Self {
        Lane {
            source,
            sink,
            scores: Vec::new(),
            busy: Duration::ZERO,
            last_batch: Duration::ZERO,
            failure: None,
        }
    }

    pub(super) fn process(&mut self, batch: &Decoded) {
        if self.failure.is_some() {
            return;
        }
        let started = Instant::now();
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.score_and_sink(batch)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => self.failure = Some(error),
            Err(_) => self.failure = Some(SourceError::new("panicked while scoring a batch")),
        }
        self.last_batch = started.elapsed();
    }

    fn score_and_sink(&mut self, batch: &Decoded) -> Result<(), SourceError> {
        let Decoded {
            events,
            truth,
            indexed,
            shared,
        } = batch;
        self.scores.clear();
        let started = Instant::now();
        self.source
            .score(&EventBatch::with_shared(events, shared), &mut self.scores)?;
        self.busy += started.elapsed();
        if self.scores.len() != events.num_rows() {
            return Err(SourceError::new(format!(
                "returned {} scores for a batch of {} events (one score per event is required)",
                self.scores.len(),
                events.num_rows()
            )));
        }
        match &mut self.sink {
            Sink::Metrics(tally) => {
                let indexed = indexed.as_ref().ok_or_else(|| {
                    SourceError::new("internal: a scoring lane in a pass without labels")
                })?;
                tally
                    .push(indexed, &self.scores)
                    .map_err(|e| SourceError::new(e.to_string()))
            }
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
            self.failure = Some(error.into());
        }
    }
}

/// One batch as the lanes take it: the events, their truth, and the truth indexed for
/// the metrics (when the pass scores against labels).
pub(crate) struct Decoded {
    pub(super) events: RecordBatch,
    truth: TruthColumns,
    indexed: Option<IndexedBatch>,
    /// Columns the built-in detectors derive from `events`, derived once for all.
    pub(super) shared: SharedColumns,
}

impl Decoded {
    pub(crate) fn new(
        events: RecordBatch,
        truth: TruthColumns,
        indexed: Option<IndexedBatch>,
    ) -> Self {
        Decoded {
            events,
            truth,
            indexed,
            shared: SharedColumns::default(),
        }
    }
}
