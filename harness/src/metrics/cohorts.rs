//! Benign look-alike cohorts: traffic built to resemble an attack. The share of it a
//! detector flags is its false-flag rate on exactly the traffic that is hard.

use super::{CampaignInfo, CohortMetrics, ratio};

/// A cohort's events, counted once per pass.
#[derive(Debug, Clone)]
pub(crate) struct CohortTotals {
    info: CampaignInfo,
    events: u64,
}

impl CohortTotals {
    pub(crate) fn new(info: CampaignInfo) -> Self {
        Self { info, events: 0 }
    }

    pub(crate) fn observe(&mut self) {
        self.events += 1;
    }

    /// The metrics of a detector that flagged `flagged` of the cohort's events.
    pub(crate) fn finish(&self, flagged: u64) -> CohortMetrics {
        CohortMetrics {
            campaign_id: self.info.campaign_id,
            name: self.info.name.clone(),
            technique: self.info.technique.clone(),
            events: self.events,
            flagged,
            false_flag_rate: ratio(flagged, self.events),
        }
    }
}
