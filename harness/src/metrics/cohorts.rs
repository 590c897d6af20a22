//! Benign look-alike cohorts: traffic built to resemble an attack. The share of it a
//! detector flags is its false-flag rate on exactly the traffic that is hard.

use super::{CampaignInfo, CohortMetrics, ratio};

#[derive(Debug, Clone)]
pub(crate) struct CohortTracker {
    info: CampaignInfo,
    events: u64,
    flagged: u64,
}

impl CohortTracker {
    pub(crate) fn new(info: CampaignInfo) -> Self {
        Self {
            info,
            events: 0,
            flagged: 0,
        }
    }

    pub(crate) fn observe(&mut self, flagged: bool) {
        self.events += 1;
        self.flagged += u64::from(flagged);
    }

    pub(crate) fn finish(&self) -> CohortMetrics {
        CohortMetrics {
            campaign_id: self.info.campaign_id,
            name: self.info.name.clone(),
            technique: self.info.technique.clone(),
            events: self.events,
            flagged: self.flagged,
            false_flag_rate: ratio(self.flagged, self.events),
        }
    }
}
