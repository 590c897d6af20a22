//! The plan: everything derived from (scenario, seed, scale) before any event exists.
//!
//! It fixes the sources, the campaign table, the time slices and how slices group into
//! files, so that any thread or shard can generate any part and agree with the others.

use crate::calendar::{Calendar, HOUR_US};
pub use crate::campaign::CampaignMeta;
use crate::event::Event;
use crate::rng::{hash_words, salt};
use crate::scenario::{CampaignScaling, LoadedScenario, Scale, Scenario};
use crate::sources::{self, Source, World, customers::Customers};

/// Largest scale accepted: a thousand times a scenario as written. Scale 1 is already
/// the published volume of the library's incidents; what lies beyond is a typo or a
/// stress test, and the size checks below weigh the heavy ones anyway.
pub const MAX_SCALE: f64 = 1000.0;
/// Largest scaled population accepted.
pub const MAX_SCALED_ACCOUNTS: f64 = 1e10;
/// Largest expected event count accepted (about a week of work at 2M events/s).
pub const MAX_EXPECTED_EVENTS: f64 = 1e12;

/// A run of consecutive slices written to one file per table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub first_slice: u64,
    pub end_slice: u64,
    /// UTC date of the chunk, `YYYY-MM-DD`.
    pub date: String,
}

/// Shard K of N (1-based), as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not K/N, e.g. 2/8"))?;
        let index: u32 = k
            .trim()
            .parse()
            .map_err(|_| format!("'{k}' in '{text}' is not a shard number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("'{n}' in '{text}' is not a shard count"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!(
                "shard '{text}': K must be between 1 and N, and N at least 1"
            ));
        }
        Ok(Shard { index, count })
    }

    /// This shard's contiguous share of `len` items.
    pub fn range(&self, len: usize) -> std::ops::Range<usize> {
        let bound = |k: u32| (len as u128 * u128::from(k) / u128::from(self.count)) as usize;
        bound(self.index - 1)..bound(self.index)
    }

    pub fn is_whole(&self) -> bool {
        self.count == 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "scale {0} is not allowed: give a number above 0 and at most {MAX_SCALE} (1 = the scenario's published volume)"
    )]
    Scale(f64),
    #[error(
        "scenario '{name}' at scale {scale} has {accounts:.3e} accounts, over the limit of {limit:.0e}: lower the scale"
    )]
    TooManyAccounts {
        name: String,
        scale: f64,
        accounts: f64,
        limit: f64,
    },
    #[error(
        "scenario '{name}' at scale {scale} would generate about {events:.3e} events (over the limit of {limit:.0e}, days of work): lower the scale or split the span"
    )]
    TooManyEvents {
        name: String,
        scale: f64,
        events: f64,
        limit: f64,
    },
}

/// The plan of one generation run.
pub struct Plan {
    pub world: World,
    pub sources: Vec<Box<dyn Source>>,
    pub campaigns: Vec<CampaignMeta>,
    pub scenario: Scenario,
    /// Events expected over the span (customers', campaigns' and cohorts'), for sizing
    /// work and the dry run's estimate.
    pub expected_events: f64,
    /// The look-alike cohorts' share of `expected_events`.
    pub expected_cohort_events: f64,
    /// How each attack campaign is scaled, in file order (see `scenario::faithful`).
    pub scalings: Vec<CampaignScaling>,
}

impl Plan {
    pub fn new(loaded: &LoadedScenario, seed: u64, scale: f64) -> Result<Plan, PlanError> {
        let scenario = loaded.scenario.clone();
        if !(scale.is_finite() && scale > 0.0 && scale <= MAX_SCALE) {
            return Err(PlanError::Scale(scale));
        }
        let scale = Scale::new(scale);
        let accounts = scale.expected(scenario.population.accounts as f64);
        if accounts > MAX_SCALED_ACCOUNTS {
            return Err(PlanError::TooManyAccounts {
                name: scenario.name.clone(),
                scale: scale.factor(),
                accounts,
                limit: MAX_SCALED_ACCOUNTS,
            });
        }
        let start = scenario.start_time().expect("validated on load");
        let world = World {
            seed,
            scale,
            calendar: Calendar::new(start, scenario.days, scenario.utc_offset_hours),
            ids: scale.id_space(&scenario.population, seed),
            traffic: scenario.traffic.clone(),
            region: scenario.region,
        };
        let customers = Customers::new(&world, 0);
        let cohort_events = expected_cohort_events(&world, &scenario);
        let expected = expected_events(&world, &scenario, &customers) + cohort_events;
        if expected > MAX_EXPECTED_EVENTS {
            return Err(PlanError::TooManyEvents {
                name: scenario.name.clone(),
                scale: scale.factor(),
                events: expected,
                limit: MAX_EXPECTED_EVENTS,
            });
        }
        let mut sources: Vec<Box<dyn Source>> = vec![Box::new(customers)];
        let mut campaigns = Vec::new();
        let mut scalings = Vec::new();
        for config in &scenario.campaigns {
            let index = campaigns.len();
            let (scaled, scaling) = config.at_scale(scale);
            campaigns.push(sources::attacks::meta(index, &scaled, &world));
            let key = campaign_key(seed, sources.len());
            sources.push(sources::attacks::build(index, &scaled, &world, key));
            scalings.push(scaling);
        }
        let span_h = scenario.days * 24.0;
        for config in &scenario.cohorts {
            let index = campaigns.len();
            campaigns.push(sources::cohorts::meta(index, config, &world, span_h));
            sources.push(sources::cohorts::build(
                index,
                config,
                &world,
                sources.len() as u64,
                span_h,
            ));
        }
        Ok(Plan {
            world,
            sources,
            campaigns,
            scenario,
            expected_events: expected,
            expected_cohort_events: cohort_events,
            scalings,
        })
    }

    /// Events expected in one time slice on average.
    pub fn expected_events_per_slice(&self) -> f64 {
        self.expected_events / self.world.calendar.slices.max(1) as f64
    }

    /// Customers' events expected in `slice`: the mean rate shaped by the daily and weekly
    /// cycles. A cost estimate for scheduling work, not a count.
    pub fn expected_slice_events(&self, slice: u64) -> f64 {
        self.world
            .following_human_cycles(slice, self.expected_events_per_slice())
    }

    /// Every event of `slice`, sorted by time (ties broken by source and sequence).
    pub fn slice_events(&self, slice: u64, events: &mut Vec<Event>) {
        sources::generate_slice(&self.world, &self.sources, slice, events);
    }

    /// Every event of the consecutive slices `first..first + slices.len()`, slice
    /// `first + i` into `slices[i]`, each exactly as [`Plan::slice_events`] gives it but
    /// cheaper: sessions spanning slices are played once, and when this run starts where
    /// the one `carry` last saw ended, the sessions that outlast a run are not played
    /// again. Start each sequence of runs with a fresh carry.
    pub fn continue_run_events(
        &self,
        first: u64,
        slices: &mut [Vec<Event>],
        carry: &mut sources::RunCarry,
    ) {
        sources::continue_run(&self.world, &self.sources, first, slices, carry);
    }

    /// Events of `slice` from the campaign and cohort sources only (for their totals).
    pub fn campaign_slice_events(&self, slice: u64, events: &mut Vec<Event>) {
        sources::generate_slice(&self.world, &self.sources[1..], slice, events);
    }

    /// The span cut into file chunks of `output.file_hours`, never crossing a UTC date.
    pub fn chunks(&self) -> Vec<Chunk> {
        let calendar = &self.world.calendar;
        let per_file = i64::from(self.scenario.output.file_hours) * HOUR_US;
        let mut chunks: Vec<Chunk> = Vec::new();
        for slice in 0..calendar.slices {
            let start = calendar.slice_start(slice);
            let date = Calendar::date_string(start);
            let bucket = start.div_euclid(per_file);
            let same = chunks.last().is_some_and(|c| {
                c.date == date && calendar.slice_start(c.first_slice).div_euclid(per_file) == bucket
            });
            match chunks.last_mut() {
                Some(last) if same => last.end_slice = slice + 1,
                _ => chunks.push(Chunk {
                    first_slice: slice,
                    end_slice: slice + 1,
                    date,
                }),
            }
        }
        chunks
    }

    /// Account ID ranges, one per `accounts` part file.
    pub fn account_parts(&self) -> Vec<std::ops::Range<i64>> {
        let ids = &self.world.ids;
        let per_file = ids
            .ids_holding(self.scenario.output.accounts_per_file)
            .max(1) as i64;
        (ids.id_base..ids.end())
            .step_by(per_file as usize)
            .map(|from| from..(from + per_file).min(ids.end()))
            .collect()
    }
}

/// Expected events over the span but the cohorts': the customers' (their sessions times
/// each session's mean events) and every campaign's requests (a stuffing campaign's
/// reads after each success included), each computed as its source generates them.
/// The key of the campaign that is source `source`: derived from the seed as well as the
/// position, so that which tokens are stolen, the order IDs are read in and the sessions
/// differ between seeds as the benign traffic does. Cohorts keep the bare position as
/// their key because they mix `world.seed` into each of their hashes themselves; keying
/// them here as well would change benign bytes for nothing.
fn campaign_key(seed: u64, source: usize) -> u64 {
    hash_words(&[seed, source as u64, salt::CAMPAIGN_KEY])
}

fn expected_events(world: &World, scenario: &Scenario, customers: &Customers) -> f64 {
    let campaigns: f64 = crate::scenario::totals_in(scenario, &world.ids, world.scale)
        .iter()
        .map(|c| c.requests)
        .sum();
    customers.expected_events(world) + campaigns
}

/// Events every look-alike cohort of `scenario` is expected to send at the world's scale.
fn expected_cohort_events(world: &World, scenario: &Scenario) -> f64 {
    let span_h = scenario.days * 24.0;
    scenario
        .cohorts
        .iter()
        .map(|config| sources::cohorts::expected_events(config, world, span_h))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_items_without_gaps_or_overlap() {
        for n in 1..=7u32 {
            let mut next = 0;
            for k in 1..=n {
                let r = Shard { index: k, count: n }.range(20);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, 20);
        }
    }

    #[test]
    fn a_campaign_too_large_to_generate_is_refused_before_any_work() {
        let text = r#"
            name = "flood"
            start = "2026-01-01T00:00:00Z"
            days = 3000
            [population]
            accounts = 1000
            [[campaigns]]
            name = "stuffing"
            start_h = 0
            duration_h = 72000
            rate_per_s = 1000000
            [campaigns.attack]
            technique = "credential_stuffing"
            success_rate = 0.01
        "#;
        let loaded = LoadedScenario::parse("flood.toml", text).expect("valid scenario");
        match Plan::new(&loaded, 1, 1.0) {
            Err(PlanError::TooManyEvents { events, .. }) => assert!(events > 2e14, "{events}"),
            Err(other) => panic!("wrong error: {other}"),
            Ok(_) => panic!("a 2.6e14-request campaign was accepted"),
        }
    }

    #[test]
    fn scales_outside_zero_to_the_bound_are_refused() {
        let loaded = LoadedScenario::default_scenario();
        assert!(Plan::new(&loaded, 1, MAX_SCALE).is_ok());
        for scale in [
            0.0,
            -1.0,
            MAX_SCALE * 1.0001,
            1e300,
            f64::INFINITY,
            f64::NAN,
        ] {
            match Plan::new(&loaded, 1, scale) {
                Err(PlanError::Scale(refused)) => {
                    assert!(refused == scale || scale.is_nan());
                    let message = PlanError::Scale(scale).to_string();
                    assert!(message.contains("at most 1000"), "{message}");
                }
                Err(other) => panic!("scale {scale}: wrong error: {other}"),
                Ok(_) => panic!("scale {scale} was accepted"),
            }
        }
    }

    #[test]
    fn shard_parse_rejects_bad_text() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x/2", "3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
