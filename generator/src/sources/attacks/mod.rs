//! Attack campaigns: one source per campaign in the scenario.

use super::{Emitter, Source, World};
use crate::calendar::HOUR_US;
use crate::plan::CampaignMeta;
use crate::scenario::{CampaignConfig, Technique};

/// The default labels of a technique (REFERENCES.md section 4): OWASP API Top 10 (2023),
/// OWASP automated threat, MITRE ATT&CK.
pub fn default_labels(technique: &Technique) -> (&'static str, &'static str, &'static str) {
    match technique {
        Technique::SequentialWalk { .. } => ("API1", "OAT-011", "T1119"),
        Technique::IdProbe { .. } => ("API1", "OAT-011", "T1595.003"),
        Technique::LookupOracle { .. } => ("API6", "OAT-011", "T1589"),
        Technique::LowAndSlow { .. } => ("API1", "OAT-011", "T1090.003"),
        Technique::CredentialStuffing { .. } => ("API2", "OAT-008", "T1110.004"),
        Technique::PaginationScrape { .. } => ("API4", "OAT-011", "T1119"),
        Technique::OverBroadQuery { .. } => ("API3", "OAT-011", "T1213"),
    }
}

/// The campaign-table row of campaign `index`.
pub fn meta(index: usize, config: &CampaignConfig, world: &World) -> CampaignMeta {
    let (owasp, oat, mitre) = default_labels(&config.attack);
    let start_us = world.calendar.start_us + (config.start_h * HOUR_US as f64) as i64;
    CampaignMeta {
        id: index as i32 + 1,
        name: config.name.clone(),
        is_attack: true,
        technique: config.attack.name(),
        start_us,
        end_us: start_us + (config.duration_h * HOUR_US as f64) as i64,
        owasp_api: Some(
            config
                .labels
                .owasp_api
                .clone()
                .unwrap_or_else(|| owasp.to_string()),
        ),
        oat: Some(config.labels.oat.clone().unwrap_or_else(|| oat.to_string())),
        attack_technique: Some(
            config
                .labels
                .attack_technique
                .clone()
                .unwrap_or_else(|| mitre.to_string()),
        ),
    }
}

/// The source of campaign `index`.
pub fn build(
    _index: usize,
    _config: &CampaignConfig,
    _world: &World,
    _key: u64,
) -> Box<dyn Source> {
    Box::new(Pending)
}

/// Placeholder while techniques are being written.
struct Pending;

impl Source for Pending {
    fn generate(&self, _world: &World, _slice: u64, _out: &mut Emitter<'_>) {}
}
