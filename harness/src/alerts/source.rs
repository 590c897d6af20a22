//! An alert file as a [`Detector`], so `breachlab score` reports it exactly as `bench`
//! reports a built-in.

use std::sync::Arc;

use breachlab_detectors::{Detector, DetectorError, EventBatch, Params};

use super::Alerts;
use crate::runner::DetectorSpec;

struct AlertSource {
    name: String,
    params: Params,
    alerts: Arc<Alerts>,
}

impl Detector for AlertSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn default_threshold(&self) -> f64 {
        self.alerts.threshold()
    }

    fn score(
        &mut self,
        batch: &EventBatch<'_>,
        scores: &mut Vec<f64>,
    ) -> Result<(), DetectorError> {
        self.alerts
            .scorer()
            .score_batch(batch.events, scores)
            .map_err(DetectorError::Failed)
    }
}

/// The runner's spec of an alert file named `name` in the report: the tool's decisions,
/// which calibration leaves alone.
pub fn alerts_spec(name: &str, alerts: Alerts) -> DetectorSpec {
    let alerts = Arc::new(alerts);
    let owned = name.to_string();
    DetectorSpec::decisions(name, move || {
        Ok(Box::new(AlertSource {
            name: owned.clone(),
            params: alerts.params(),
            alerts: alerts.clone(),
        }) as Box<dyn Detector>)
    })
}
