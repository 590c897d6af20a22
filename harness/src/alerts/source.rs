//! An alert file as a runner [`ScoreSource`], so `breachlab score` reports it exactly as
//! `bench` reports a detector.

use std::sync::Arc;

use arrow_array::RecordBatch;

use super::Alerts;
use crate::runner::{DetectorSpec, ScoreSource, SourceError};

struct AlertSource {
    name: String,
    alerts: Arc<Alerts>,
}

impl ScoreSource for AlertSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self.alerts.params()).unwrap_or(serde_json::Value::Null)
    }

    fn default_threshold(&self) -> f64 {
        self.alerts.threshold()
    }

    fn score_batch(
        &mut self,
        batch: &RecordBatch,
        scores: &mut Vec<f64>,
    ) -> Result<(), SourceError> {
        self.alerts
            .scorer()
            .score_batch(batch, scores)
            .map_err(SourceError::new)
    }
}

/// The runner's spec of an alert file named `name` in the report.
pub fn alerts_spec(name: &str, alerts: Alerts) -> DetectorSpec {
    let alerts = Arc::new(alerts);
    let owned = name.to_string();
    DetectorSpec::custom(name, None, move || {
        Ok(Box::new(AlertSource {
            name: owned.clone(),
            alerts: alerts.clone(),
        }) as Box<dyn ScoreSource>)
    })
}
