//! The one [`Detector`] implementation behind every built-in: it reads the columns a
//! [`Scorer`] needs, so each built-in only writes its scoring loop. That a call gives one
//! score per row is checked by the runner, for every kind of detector at once.

use crate::columns::{ColumnBuffers, EventView, Needs, SharedNeeds};
use crate::params::ParamReader;
use crate::{Detector, DetectorError, EventBatch, Params};

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

    fn shared_needs(&self) -> SharedNeeds {
        SharedNeeds(self.scorer.needs())
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        let view = self
            .columns
            .view(batch.events, self.scorer.needs(), batch.shared)?;
        scores.reserve(view.rows);
        self.scorer.score(&view, scores);
        Ok(())
    }
}
