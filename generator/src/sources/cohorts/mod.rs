//! Benign look-alike cohorts: legitimate traffic that resembles an attack.

use super::{Emitter, Source, World};
use crate::calendar::HOUR_US;
use crate::plan::CampaignMeta;
use crate::scenario::CohortConfig;

/// The campaign-table row of cohort `index` (indexes continue after the attacks).
pub fn meta(index: usize, config: &CohortConfig, world: &World, span_h: f64) -> CampaignMeta {
    let start_us = world.calendar.start_us + (config.start_h * HOUR_US as f64) as i64;
    CampaignMeta {
        id: index as i32 + 1,
        name: config.name.clone(),
        is_attack: false,
        technique: config.lookalike.name(),
        start_us,
        end_us: start_us + (config.duration_h(span_h) * HOUR_US as f64) as i64,
        owasp_api: None,
        oat: None,
        attack_technique: None,
    }
}

/// The source of cohort `index`.
pub fn build(
    _index: usize,
    _config: &CohortConfig,
    _world: &World,
    _key: u64,
    _span_h: f64,
) -> Box<dyn Source> {
    Box::new(Pending)
}

/// Placeholder while look-alikes are being written.
struct Pending;

impl Source for Pending {
    fn generate(&self, _world: &World, _slice: u64, _out: &mut Emitter<'_>) {}
}
