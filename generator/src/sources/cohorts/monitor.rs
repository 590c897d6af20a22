//! Synthetic monitoring: a few regions, each a cloud address in its own country, check
//! the API every `interval_s` (with a jitter of at most 2% of the interval, capped at two
//! seconds): `GET /health`, then a read of each fixed test account. Regular, automated,
//! from datacenters and reading the same IDs over and over, it has the shape of a bot;
//! it is the operator's own monitor.
//!
//! Region `r`'s check `k` starts at `window start + r × interval / regions + k × interval
//! + jitter`: a slice finds its checks by time arithmetic. Each check draws from its own
//! stream, so a check that straddles two slices is the same in both. The monitor
//! authenticates with its API key only (`principal_id` null); its truth actor is
//! `MONITOR_ACTOR_BASE + cohort index`.

use super::{Caller, Cohort, MONITOR_ACTOR_BASE, Window, periodic_runs, within_window};
use crate::event::{ApiKey, Event, Peer, Query, Route};
use crate::population::{self, UaTable};
use crate::rng::{hash_words, unit, unit_stream};
use crate::sources::customers::peer;
use crate::sources::{Emitter, Source, World};
use breachlab_schema::{ClientKind, IpKind};
use rand::RngExt;

/// First index of monitors' addresses in the cloud pool.
const CLOUD_INDEX_BASE: u64 = 300_000;
/// Longest a check can take (a bound for looking back across slices).
const LONGEST_CHECK_US: i64 = 120_000_000;
/// Share of health checks answered 503.
const HEALTH_UNAVAILABLE: f64 = 0.001;

pub(crate) struct Monitor {
    cohort: Cohort,
    regions: Vec<Region>,
    interval_us: i64,
    jitter_us: f64,
    test_ids: Vec<i64>,
}

struct Region {
    peer: Peer,
    user_agent: u16,
    phase_us: i64,
}

impl Monitor {
    pub fn new(
        cohort: Cohort,
        world: &World,
        regions: u32,
        interval_s: f64,
        test_ids: u32,
    ) -> Self {
        let interval_us = (interval_s * 1e6) as i64;
        let peers = peers_in_distinct_countries(cohort.index, regions as usize);
        let table = UaTable::for_client(ClientKind::Monitor);
        Monitor {
            cohort,
            regions: peers
                .into_iter()
                .enumerate()
                .map(|(r, peer)| Region {
                    peer,
                    user_agent: table.sample(unit(hash_words(&[world.seed, cohort.key, r as u64]))),
                    phase_us: phase_us(interval_us, r as i64, regions),
                })
                .collect(),
            interval_us,
            jitter_us: (interval_s * 0.02).min(2.0) * 1e6,
            test_ids: (0..u64::from(test_ids))
                .map(|t| {
                    world
                        .ids
                        .existing_at(hash_words(&[world.seed, cohort.key, 0x7E57, t]))
                })
                .collect(),
        }
    }

    fn check(&self, world: &World, r: usize, k: i64, out: &mut Emitter<'_>) {
        let region = &self.regions[r];
        let seed = hash_words(&[world.seed, self.cohort.key, r as u64, k as u64]);
        let start = self.cohort.window.start_us
            + region.phase_us
            + k * self.interval_us
            + (unit(seed) * self.jitter_us) as i64;
        let mut caller = Caller {
            world,
            rng: unit_stream(seed),
            now: start,
            template: Event::unanswered(
                start,
                region.peer,
                region.user_agent,
                ClientKind::Monitor,
                ApiKey::Monitor,
                Route::Health,
                self.cohort.single_actor_truth(MONITOR_ACTOR_BASE),
            ),
        };
        let health = if caller.rng.random::<f64>() < HEALTH_UNAVAILABLE {
            503
        } else {
            200
        };
        caller.send(Route::Health, None, Query::None, health, 0, out);
        for &id in &self.test_ids {
            caller.now += caller.rng.random_range(20_000..200_000);
            caller.send(Route::Account, Some(id), Query::None, 200, 1, out);
        }
    }
}

/// Region `r`'s offset from the window's start: the regions spread over one interval.
fn phase_us(interval_us: i64, r: i64, regions: u32) -> i64 {
    interval_us * r / i64::from(regions)
}

/// Events the monitor is expected to send over `window`: every region's checks that
/// start inside it, each a health check and a read of each test account.
pub(crate) fn expected_events(
    window: &Window,
    regions: u32,
    interval_s: f64,
    test_ids: u32,
) -> f64 {
    let interval_us = ((interval_s * 1e6) as i64).max(1);
    let duration_us = window.end_us - window.start_us;
    let checks: i64 = (0..i64::from(regions))
        .map(|r| {
            let left_us = duration_us - phase_us(interval_us, r, regions);
            // Checks k = 0, 1, ... start `k × interval` after the region's phase.
            if left_us > 0 {
                (left_us + interval_us - 1) / interval_us
            } else {
                0
            }
        })
        .sum();
    checks as f64 * (1.0 + f64::from(test_ids))
}

/// One cloud address per region, each in a country no other region uses while the
/// pool has countries left.
fn peers_in_distinct_countries(cohort: u16, regions: usize) -> Vec<Peer> {
    let base = CLOUD_INDEX_BASE + u64::from(cohort) * 10_000;
    let mut chosen: Vec<Peer> = Vec::with_capacity(regions);
    let mut index = base;
    while chosen.len() < regions {
        let candidate = peer(population::Region::Global, IpKind::Cloud, index);
        let fresh = chosen.iter().all(|p| p.country != candidate.country);
        if fresh || index >= base + 5_000 {
            chosen.push(candidate);
        }
        index += 1;
    }
    chosen
}

impl Source for Monitor {
    fn generate(&self, world: &World, _slice: u64, out: &mut Emitter<'_>) {
        let window = self.cohort.window;
        within_window(&window, out, |out| {
            for r in 0..self.regions.len() {
                let origin = window.start_us + self.regions[r].phase_us;
                let runs = periodic_runs(
                    origin,
                    self.interval_us,
                    LONGEST_CHECK_US,
                    out.from_us,
                    out.until_us,
                );
                for k in runs {
                    self.check(world, r, k, out);
                }
            }
        });
    }
}
