//! Scale that keeps every entity's behaviour.
//!
//! `--scale` works like a TPC-H scale factor: it changes how many entities there are
//! (customers, an attacker's tokens, actors, addresses), never how one behaves. A
//! campaign's entities are scaled to `round(n × share)`; its total rate to
//! `rate × share`, so each entity sends what it sends in the scenario as written.
//!
//! Usually `share` is the scale. When a campaign has so few entities of some kind that
//! they would round to less than one (a walk by one attacker machine, three registered
//! accounts), that kind keeps one entity and `share` rises to `1 / n` for it. The
//! campaign then keeps its per-entity rates and is shortened so that its volume is still
//! its share of the scaled world: `duration × scale / share`. The scaled campaign is
//! exactly the first hours of the campaign as written, for those entities: its *faithful
//! horizon*. A time to detect beyond the horizon is not a result about the incident.

use super::config::{CampaignConfig, Scenario, Technique};
use super::scale::Scale;

/// A campaign shorter than this at some scale is too short to say anything about
/// detection (the built-ins' windows reach an hour): below the scale that gives every
/// campaign at least this horizon (or its whole duration), a scenario is distorted.
pub const MIN_HORIZON_H: f64 = 1.0;

/// One kind of entity of a campaign: how many the scenario writes and this scale keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityCount {
    /// `actors`, `ip_pool`, `tokens` or `registered_accounts`: the scenario field.
    pub kind: &'static str,
    pub written: u64,
    pub kept: u64,
}

/// How one campaign is scaled.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignScaling {
    /// The fraction of the campaign's entities, and of its rate, that is generated.
    pub share: f64,
    /// The campaign's duration as written, hours.
    pub duration_h: f64,
    /// How long the scaled campaign runs: the first hours of the one written.
    pub horizon_h: f64,
    /// Total requests per second at this scale.
    pub rate_per_s: f64,
    pub entities: Vec<EntityCount>,
    /// The kind whose count sets `share` when it is above the scale (fewest entities).
    pub binding: &'static str,
}

impl CampaignScaling {
    /// Whether the whole campaign as written is generated (no shortening).
    pub fn is_whole(&self) -> bool {
        self.horizon_h >= self.duration_h
    }

    /// The horizon a scenario needs of this campaign before it is called faithful.
    pub fn needed_horizon_h(&self) -> f64 {
        self.duration_h.min(MIN_HORIZON_H)
    }

    /// The lowest scale at which this campaign's horizon reaches its needed horizon.
    pub fn minimum_scale(&self) -> f64 {
        let fewest = self.fewest_written() as f64;
        if self.duration_h <= 0.0 {
            return 0.0;
        }
        // horizon = duration × scale × fewest, while scale < 1 / fewest.
        (self.needed_horizon_h() / (self.duration_h * fewest)).min(1.0 / fewest)
    }

    fn fewest_written(&self) -> u64 {
        self.entities
            .iter()
            .map(|e| e.written)
            .min()
            .unwrap_or(1)
            .max(1)
    }
}

/// The entity counts a campaign's fields name, as written (each at least one).
fn written_entities(config: &CampaignConfig) -> Vec<EntityCount> {
    let mut counts = vec![
        ("actors", u64::from(config.evasion.actors.max(1))),
        ("ip_pool", config.evasion.ip_pool.max(1)),
    ];
    match &config.attack {
        Technique::LowAndSlow { tokens, .. } => counts.push(("tokens", u64::from(*tokens).max(1))),
        Technique::IdProbe {
            registered_accounts,
            ..
        } => counts.push((
            "registered_accounts",
            u64::from(*registered_accounts).max(1),
        )),
        _ => {}
    }
    counts
        .into_iter()
        .map(|(kind, written)| EntityCount {
            kind,
            written,
            kept: written,
        })
        .collect()
}

impl CampaignConfig {
    /// How this campaign is scaled at `scale` (see the module docs).
    pub fn scaling(&self, scale: Scale) -> CampaignScaling {
        let mut entities = written_entities(self);
        let binding = entities
            .iter()
            .min_by_key(|e| e.written)
            .map_or("actors", |e| e.kind);
        let fewest = entities.iter().map(|e| e.written).min().unwrap_or(1);
        let share = scale.factor().max(1.0 / fewest as f64);
        for entity in &mut entities {
            entity.kept = ((entity.written as f64 * share).round() as u64).max(1);
        }
        CampaignScaling {
            share,
            duration_h: self.duration_h,
            horizon_h: self.duration_h * scale.factor() / share,
            rate_per_s: self.rate_per_s * share,
            entities,
            binding,
        }
    }

    /// The campaign as generated at `scale`: its entity counts, total rate and duration
    /// replaced by their scaled values, so the sources read them as they are.
    pub fn at_scale(&self, scale: Scale) -> (CampaignConfig, CampaignScaling) {
        let scaling = self.scaling(scale);
        let kept = |kind: &str| {
            scaling
                .entities
                .iter()
                .find(|e| e.kind == kind)
                .map_or(1, |e| e.kept)
        };
        let mut scaled = self.clone();
        scaled.rate_per_s = scaling.rate_per_s;
        scaled.duration_h = scaling.horizon_h;
        scaled.cycle_span_h = Some(self.duration_h);
        scaled.evasion.actors = kept("actors").min(u64::from(u32::MAX)) as u32;
        scaled.evasion.ip_pool = kept("ip_pool");
        match &mut scaled.attack {
            Technique::LowAndSlow { tokens, .. } => {
                *tokens = kept("tokens").min(u64::from(u32::MAX)) as u32;
            }
            Technique::IdProbe {
                registered_accounts,
                ..
            } => {
                *registered_accounts = kept("registered_accounts").min(u64::from(u32::MAX)) as u32;
            }
            _ => {}
        }
        (scaled, scaling)
    }
}

/// The lowest scale at which a scenario is faithful, and what sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct MinimumScale {
    pub scale: f64,
    /// What sets it, e.g. `campaign optus-id-walk (1 actors)`.
    pub set_by: String,
}

impl Scenario {
    /// The lowest scale at which every attack campaign runs for at least
    /// [`MIN_HORIZON_H`] (or its whole duration) at its per-entity rates (0 without
    /// campaigns).
    pub fn minimum_faithful_scale(&self) -> MinimumScale {
        let mut minimum = MinimumScale {
            scale: 0.0,
            set_by: "no attack campaign".to_string(),
        };
        for campaign in &self.campaigns {
            let scaling = campaign.scaling(Scale::new(1.0));
            let scale = scaling.minimum_scale();
            if scale > minimum.scale {
                let fewest = scaling.fewest_written();
                minimum = MinimumScale {
                    scale,
                    set_by: format!(
                        "campaign {} ({fewest} {}, {:.3} h at least)",
                        campaign.name,
                        scaling.binding,
                        scaling.needed_horizon_h()
                    ),
                };
            }
        }
        minimum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::LoadedScenario;

    fn campaign(extra_attack: &str, evasion: &str, technique: &str) -> CampaignConfig {
        let text = format!(
            "name = \"t\"\nstart = \"2026-01-01T00:00:00Z\"\ndays = 10\n[population]\naccounts = 10000000\n\
             [[campaigns]]\nname = \"c\"\nstart_h = 0\nduration_h = 100\nrate_per_s = 10\n\
             [campaigns.attack]\ntechnique = \"{technique}\"\n{extra_attack}\n[campaigns.evasion]\n{evasion}\n"
        );
        LoadedScenario::parse("t.toml", &text)
            .expect("valid")
            .scenario
            .campaigns
            .remove(0)
    }

    #[test]
    fn many_entities_scale_with_the_scale_and_keep_the_whole_span() {
        let c = campaign(
            "tokens = 200",
            "ip_pool = 10000\nactors = 10",
            "low_and_slow",
        );
        let s = c.scaling(Scale::new(0.5));
        assert_eq!(s.share, 0.5);
        assert_eq!(s.horizon_h, 100.0);
        assert!(s.is_whole());
        let kept: Vec<u64> = s.entities.iter().map(|e| e.kept).collect();
        assert_eq!(kept, vec![5, 5000, 100]);
        // each token still sends 10 / 200 requests a second
        assert_eq!(s.rate_per_s / 100.0, 10.0 / 200.0);
    }

    #[test]
    fn one_actor_keeps_its_rate_and_the_campaign_shortens_to_its_share() {
        let c = campaign("", "ip_pool = 50000\nactors = 1", "sequential_walk");
        let s = c.scaling(Scale::new(0.01));
        assert_eq!(s.share, 1.0);
        assert_eq!(s.binding, "actors");
        assert_eq!(s.rate_per_s, 10.0);
        assert!((s.horizon_h - 1.0).abs() < 1e-12, "{}", s.horizon_h);
        // total volume is the scale's share of the campaign as written
        let written = 10.0 * 100.0 * 3600.0;
        let scaled = s.rate_per_s * s.horizon_h * 3600.0;
        assert!((scaled - 0.01 * written).abs() < 1e-6);
        assert_eq!(s.entities[1].kept, 50000, "addresses as written");
    }

    #[test]
    fn the_fewest_entities_set_the_share_and_the_others_follow() {
        let c = campaign(
            "tokens = 200",
            "ip_pool = 100000\nactors = 4",
            "low_and_slow",
        );
        let s = c.scaling(Scale::new(0.001));
        assert_eq!(s.share, 0.25);
        assert_eq!(s.binding, "actors");
        let kept: Vec<u64> = s.entities.iter().map(|e| e.kept).collect();
        assert_eq!(kept, vec![1, 25000, 50]);
        assert!((s.horizon_h - 100.0 * 0.004).abs() < 1e-9);
    }

    #[test]
    fn the_minimum_scale_gives_the_needed_horizon() {
        let c = campaign("", "actors = 1", "sequential_walk");
        let s = c.scaling(Scale::new(0.5));
        let minimum = s.minimum_scale();
        assert!((minimum - 0.01).abs() < 1e-12, "{minimum}");
        let at_minimum = c.scaling(Scale::new(minimum));
        assert!((at_minimum.horizon_h - MIN_HORIZON_H).abs() < 1e-9);
    }

    #[test]
    fn the_scaled_config_carries_the_scaled_counts() {
        let c = campaign(
            "hit_rate = 0.5\nregistered_accounts = 3",
            "ip_pool = 2000",
            "id_probe",
        );
        let (scaled, s) = c.at_scale(Scale::new(0.01));
        assert_eq!(s.share, 1.0, "one actor");
        match scaled.attack {
            Technique::IdProbe {
                registered_accounts,
                ..
            } => assert_eq!(registered_accounts, 3),
            _ => unreachable!(),
        }
        assert_eq!(scaled.evasion.ip_pool, 2000);
        assert_eq!(scaled.rate_per_s, 10.0);
        assert!((scaled.duration_h - 1.0).abs() < 1e-9);
    }
}
