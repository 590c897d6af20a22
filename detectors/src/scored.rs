//! The one [`Detector`] implementation behind every built-in: it reads the columns a
//! [`Scorer`] needs and checks that the scorer produced one score per row, so each
//! built-in only writes its scoring loop.

use arrow_array::RecordBatch;

use crate::columns::{ColumnBuffers, EventView, Needs, SharedColumns, SharedNeeds};
use crate::params::ParamReader;
use crate::{Detector, DetectorError, Params};

/// A detector's scoring loop over the columns it declared in [`Scorer::needs`].
pub(crate) trait Scorer: Send {
    fn needs(&self) -> Needs;
    /// Appends one score per row of `view`.
    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>);
}

pub(crate) struct ScoredDetector<S> {
    name: &'static str,
    params: Params,
    threshold: f64,
    scorer: S,
    columns: ColumnBuffers,
}

impl<S: Scorer + 'static> ScoredDetector<S> {
    /// Wraps `scorer`, taking the flag threshold from the effective `params`.
    pub fn boxed(
        name: &'static str,
        params: Params,
        scorer: S,
    ) -> Result<Box<dyn Detector>, DetectorError> {
        let threshold = ParamReader::new(name, &params).float("threshold")?;
        Ok(Box::new(ScoredDetector {
            name,
            params,
            threshold,
            scorer,
            columns: ColumnBuffers::default(),
        }))
    }
}

impl<S: Scorer> Detector for ScoredDetector<S> {
    fn name(&self) -> &str {
        self.name
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn default_threshold(&self) -> f64 {
        self.threshold
    }

    fn columns(&self) -> Option<Vec<&'static str>> {
        Some(self.scorer.needs().column_names())
    }

    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        self.score_view(batch, None, scores)
    }

    fn shared_needs(&self) -> SharedNeeds {
        SharedNeeds(self.scorer.needs())
    }

    fn score_batch_shared(
        &mut self,
        batch: &RecordBatch,
        shared: &SharedColumns,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        self.score_view(batch, Some(shared), scores)
    }
}

impl<S: Scorer> ScoredDetector<S> {
    fn score_view(
        &mut self,
        batch: &RecordBatch,
        shared: Option<&SharedColumns>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        let view = self.columns.view(batch, self.scorer.needs(), shared)?;
        let before = scores.len();
        scores.reserve(view.rows);
        self.scorer.score(&view, scores);
        let produced = scores.len() - before;
        if produced != view.rows {
            scores.truncate(before);
            return Err(DetectorError::ScoreCount {
                detector: self.name.to_string(),
                produced,
                rows: view.rows,
            });
        }
        Ok(())
    }
}
