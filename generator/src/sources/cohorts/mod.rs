//! Benign look-alike cohorts: legitimate traffic that resembles an attack, labelled as a
//! benign cohort so a detector that flags it is charged with a false alert.
//!
//! One file per look-alike (docs/references.md#5-attack-techniques-and-benign-look-alikes).
//! Each is a [`Source`] active only
//! inside its cohort's window; every slice is generated alone, from closed-form time
//! arithmetic or per-slice counts fixed in the constructor, with randomness only from the
//! slice's stream and per-unit streams. This module holds what they share: the window,
//! the truth label, `Replayed` for the cohorts whose units run from one slice into the
//! next, and a [`Caller`] that sends one actor's requests in order.

mod contact_sync;
mod feed_poller;
mod monitor;
mod nat_gateway;
mod partner_batch;
mod partner_portal;
mod password_reset_wave;
mod viral_spike;

use super::customers::{Customers, SessionHeader, customer_user_agent, response_shape};
use super::{Emitter, Source, World, lookback_slices};
use crate::calendar::{HOUR_US, SLICE_US};
use crate::campaign::CampaignMeta;
use crate::event::{ApiKey, Event, Peer, Query, Route, Truth};
use crate::rng::Stream;
use crate::scenario::{CohortConfig, Lookalike};
use breachlab_schema::{ClientKind, Phase};

/// Actor ids of partners: this base plus the cohort index (outside any account ID).
pub const PARTNER_ACTOR_BASE: i64 = 2_000_000_000_000;
/// Actor ids of synthetic monitors: this base plus the cohort index.
pub const MONITOR_ACTOR_BASE: i64 = 3_000_000_000_000;

/// The campaign-table row of cohort `index` (indexes continue after the attacks).
pub fn meta(index: usize, config: &CohortConfig, world: &World, span_h: f64) -> CampaignMeta {
    let window = Window::of(config, world, span_h);
    CampaignMeta {
        id: index as i32 + 1,
        name: config.name.clone(),
        is_attack: false,
        technique: config.lookalike.name(),
        start_us: window.start_us,
        end_us: window.end_us,
        owasp_api: None,
        oat: None,
        attack_technique: None,
        naive: false,
    }
}

/// The source of cohort `index`, drawing from streams keyed by `key`.
pub fn build(
    index: usize,
    config: &CohortConfig,
    world: &World,
    key: u64,
    span_h: f64,
) -> Box<dyn Source> {
    let cohort = Cohort {
        index: index as u16,
        key,
        window: Window::of(config, world, span_h),
    };
    match config.lookalike {
        Lookalike::PartnerBatch {
            entitled_accounts,
            window_start_hour_local,
            window_hours,
            ips,
        } => Box::new(partner_batch::PartnerBatch::new(
            cohort,
            world,
            partner_batch::Params {
                entitled_accounts,
                window_start_hour_local,
                window_hours,
                ips,
            },
        )),
        Lookalike::Monitor {
            regions,
            interval_s,
            test_ids,
        } => Box::new(monitor::Monitor::new(
            cohort, world, regions, interval_s, test_ids,
        )),
        Lookalike::NatGateway {
            ips,
            users_per_ip,
            sessions_per_user_day,
        } => Box::new(nat_gateway::NatGateway::new(
            cohort,
            world,
            ips,
            users_per_ip,
            sessions_per_user_day,
        )),
        Lookalike::ViralSpike {
            multiplier,
            ramp_minutes,
            signups_per_s,
        } => Box::new(viral_spike::ViralSpike::new(
            cohort,
            world,
            viral_spike::Params {
                multiplier,
                ramp_minutes,
                signups_per_s,
            },
        )),
        Lookalike::PasswordResetWave {
            recipients,
            response_rate,
            half_life_h,
            tried_old_password,
        } => Box::new(password_reset_wave::PasswordResetWave::new(
            cohort,
            world,
            recipients,
            response_rate,
            half_life_h,
            tried_old_password,
        )),
        Lookalike::ContactSync {
            installs_per_day,
            contacts_per_install,
            hit_rate,
        } => Box::new(contact_sync::ContactSync::new(
            cohort,
            world,
            installs_per_day,
            contacts_per_install,
            hit_rate,
        )),
        Lookalike::FeedPoller(ref params) => {
            Box::new(feed_poller::FeedPoller::new(cohort, world, params))
        }
        Lookalike::PartnerPortal(ref params) => {
            Box::new(partner_portal::PartnerPortal::new(cohort, world, params))
        }
    }
}

/// Events cohort `config` is expected to send over its window at the world's scale,
/// computed from its parameters the way its source generates them (each look-alike's
/// own `expected_events`), without generating any.
pub fn expected_events(config: &CohortConfig, world: &World, span_h: f64) -> f64 {
    let window = Window::of(config, world, span_h);
    match config.lookalike {
        Lookalike::PartnerBatch {
            entitled_accounts,
            window_start_hour_local,
            window_hours,
            ips,
        } => partner_batch::expected_events(
            &window,
            world,
            &partner_batch::Params {
                entitled_accounts,
                window_start_hour_local,
                window_hours,
                ips,
            },
        ),
        Lookalike::Monitor {
            regions,
            interval_s,
            test_ids,
        } => monitor::expected_events(&window, regions, interval_s, test_ids),
        Lookalike::NatGateway {
            ips,
            users_per_ip,
            sessions_per_user_day,
        } => nat_gateway::expected_events(&window, world, ips, users_per_ip, sessions_per_user_day),
        Lookalike::ViralSpike {
            multiplier,
            ramp_minutes,
            signups_per_s,
        } => viral_spike::expected_events(
            &window,
            world,
            &viral_spike::Params {
                multiplier,
                ramp_minutes,
                signups_per_s,
            },
        ),
        Lookalike::PasswordResetWave {
            recipients,
            response_rate,
            half_life_h,
            tried_old_password,
        } => password_reset_wave::expected_events(
            &window,
            world,
            recipients,
            response_rate,
            half_life_h,
            tried_old_password,
        ),
        Lookalike::ContactSync {
            installs_per_day,
            contacts_per_install,
            ..
        } => contact_sync::expected_events(&window, world, installs_per_day, contacts_per_install),
        Lookalike::FeedPoller(ref params) => feed_poller::expected_events(&window, world, params),
        Lookalike::PartnerPortal(ref params) => {
            partner_portal::expected_events(&window, world, params)
        }
    }
}

/// Units (sessions, installs) expected to start inside `window` when `per_slice` start
/// in a slice on average over a week, following the human cycles, each at an instant
/// uniform in its slice: the slices' Poisson means, each weighted by the share of the
/// slice inside the window.
pub(crate) fn expected_starts_following_human_cycles(
    world: &World,
    window: &Window,
    per_slice: f64,
) -> f64 {
    let calendar = &world.calendar;
    if window.end_us <= window.start_us {
        return 0.0;
    }
    let first = calendar.slice_of(window.start_us);
    let last = calendar.slice_of(window.end_us - 1);
    (first..=last)
        .map(|slice| {
            let from = calendar.slice_start(slice).max(window.start_us);
            let until = calendar.slice_start(slice + 1).min(window.end_us);
            let inside = (until - from).max(0) as f64 / SLICE_US as f64;
            world.following_human_cycles(slice, per_slice) * inside
        })
        .sum()
}

/// Slices with a part inside `window`: a cohort that acts once per slice acts this often.
pub(crate) fn slices_overlapping(world: &World, window: &Window) -> u64 {
    if window.end_us <= window.start_us {
        return 0;
    }
    let calendar = &world.calendar;
    calendar.slice_of(window.end_us - 1) - calendar.slice_of(window.start_us) + 1
}

/// What every cohort source knows about itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cohort {
    /// Index into the plan's campaign table.
    pub index: u16,
    /// Stream key of the source.
    pub key: u64,
    pub window: Window,
}

impl Cohort {
    /// The truth label of every event of this cohort, for the legitimate `actor`.
    pub fn truth(&self, actor: i64) -> Truth {
        Truth {
            campaign: Some(self.index),
            is_attack: false,
            actor_id: actor,
            phase: Phase::None,
            records_exposed: 0,
        }
    }

    /// The truth label of a cohort that is one actor (a partner, a monitor): actor
    /// `actor_base + cohort index`.
    pub fn single_actor_truth(&self, actor_base: i64) -> Truth {
        self.truth(actor_base + i64::from(self.index))
    }
}

/// The instants a cohort is active: `start_us..end_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub start_us: i64,
    pub end_us: i64,
}

impl Window {
    fn of(config: &CohortConfig, world: &World, span_h: f64) -> Window {
        let start_us = world.calendar.start_us + (config.start_h * HOUR_US as f64) as i64;
        Window {
            start_us,
            end_us: start_us + (config.duration_h(span_h) * HOUR_US as f64) as i64,
        }
    }

    pub fn contains(&self, ts_us: i64) -> bool {
        ts_us >= self.start_us && ts_us < self.end_us
    }

    /// Seconds from the window's start to `ts_us`.
    pub fn seconds_in(&self, ts_us: i64) -> f64 {
        (ts_us - self.start_us) as f64 / 1e6
    }
}

/// Runs `body` with `out` narrowed to the part of its slice inside `window`, so a
/// cohort never emits outside its window (a unit started inside may run past the end).
pub(crate) fn within_window(
    window: &Window,
    out: &mut Emitter<'_>,
    body: impl FnOnce(&mut Emitter<'_>),
) {
    let (from, until) = (out.from_us, out.until_us);
    out.from_us = from.max(window.start_us);
    out.until_us = until.min(window.end_us);
    if out.from_us < out.until_us {
        body(out);
    }
    out.from_us = from;
    out.until_us = until;
}

/// Plays the units (sessions, visits, uploads) a cohort starts in one slice.
pub(crate) trait StartsUnits: Send + Sync {
    /// The cohort's window: no event of a unit falls outside it.
    fn window(&self) -> &Window;
    /// The longest a unit lasts.
    fn longest_us(&self) -> i64;
    /// Plays every unit started in `slice`; the emitter keeps what falls in its own.
    fn play_slice(&self, world: &World, slice: u64, out: &mut Emitter<'_>);
}

/// A cohort whose units can run from the slice they start in into the next ones, as a
/// [`Source`]: a slice plays, inside the window, every unit started in the slices that
/// can still reach it.
pub(crate) struct Replayed<C>(pub C);

impl<C: StartsUnits> Source for Replayed<C> {
    fn generate(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        let units = &self.0;
        within_window(units.window(), out, |out| {
            for earlier in lookback(slice, units.longest_us()) {
                units.play_slice(world, earlier, out);
            }
        });
    }

    /// Plays each unit that can reach the run once, into one emitter spanning the run,
    /// then hands every event to its slice if [`Replayed::generate`] of that slice would
    /// have played its unit, in the order it would have.
    fn generate_run(&self, world: &World, first: u64, outs: &mut [Emitter<'_>]) {
        let (Some(run_from_us), Some(run_until_us)) = (
            outs.first().map(|out| out.from_us),
            outs.last().map(|out| out.until_us),
        ) else {
            return;
        };
        let units = &self.0;
        let back = lookback_slices(units.longest_us());
        let last = first + outs.len() as u64 - 1;
        let mut played = Vec::new();
        // (events played so far, the slice whose units they came from)
        let mut unit_slices = Vec::new();
        let mut run = Emitter::new(&mut played, 0, run_from_us, run_until_us);
        within_window(units.window(), &mut run, |run| {
            for earlier in first.saturating_sub(back)..=last {
                units.play_slice(world, earlier, run);
                unit_slices.push((run.kept(), earlier));
            }
        });
        let mut from = 0;
        for (until, earlier) in unit_slices {
            for event in &played[from..until as usize] {
                let index = ((event.ts_us - run_from_us) / SLICE_US) as usize;
                if earlier + back >= first + index as u64 {
                    outs[index].emit(*event);
                }
            }
            from = until as usize;
        }
    }
}

/// The request a customer's app or web client starts every call from: its address, user
/// agent, API key and session, signed out until [`Caller::log_in`]. [`Caller::send`]
/// fills in the rest.
pub(crate) fn client_template(
    peer: Peer,
    kind: ClientKind,
    user_agent: u16,
    session_seed: u64,
    truth: Truth,
) -> Event {
    Event {
        session_id: Some((session_seed >> 1) as i64),
        ..Event::unanswered(
            0,
            peer,
            user_agent,
            kind,
            ApiKey::of_client(kind),
            Route::Login,
            truth,
        )
    }
}

/// One actor sending requests one after the other: each request waits for the previous
/// response. The emitter drops what falls outside its slice.
pub(crate) struct Caller<'w> {
    pub world: &'w World,
    pub rng: Stream,
    pub now: i64,
    pub template: Event,
}

impl<'w> Caller<'w> {
    /// A customer on their own app or web client, from their usual address and device,
    /// starting at the session's start, not logged in yet.
    pub(crate) fn customer(
        world: &'w World,
        customers: &Customers,
        header: SessionHeader,
        truth: Truth,
        mut rng: Stream,
    ) -> Self {
        let address = customers.peer_for(world, &header, &mut rng);
        let user_agent = customer_user_agent(world, header.kind, header.account);
        Caller {
            world,
            rng,
            now: header.start_us,
            template: client_template(address, header.kind, user_agent, header.seed, truth),
        }
    }

    /// Sends one request and advances the clock by its latency.
    pub fn send(
        &mut self,
        route: Route,
        target: Option<i64>,
        query: Query,
        status: i16,
        records: i32,
        out: &mut Emitter<'_>,
    ) {
        self.now += 1;
        let (latency, bytes) =
            response_shape(&mut self.rng, &self.world.traffic, route, status, records);
        let event = Event {
            ts_us: self.now,
            route,
            target_id: target,
            query,
            status,
            records_returned: records,
            latency_ms: latency,
            response_bytes: bytes,
            ..self.template
        };
        out.emit(event);
        self.now += (f64::from(latency) * 1000.0) as i64;
    }

    /// Logs in as `account`, which every later request then carries as principal.
    pub fn log_in(&mut self, account: i64, out: &mut Emitter<'_>) {
        self.template.principal_id = Some(account);
        self.send(Route::Login, None, Query::None, 200, 0, out);
    }

    /// A login refused for a wrong password: a 401 with no principal, and no session yet
    /// (as a customer's own refused login).
    pub fn fail_log_in(&mut self, out: &mut Emitter<'_>) {
        let principal = self.template.principal_id.take();
        let session = self.template.session_id.take();
        self.send(Route::Login, None, Query::None, 401, 0, out);
        self.template.principal_id = principal;
        self.template.session_id = session;
    }

    /// Waits between `low_s` and `high_s` seconds.
    pub fn pause(&mut self, low_s: f64, high_s: f64) {
        use rand::RngExt;
        let seconds = self.rng.random_range(low_s..high_s);
        self.now += (seconds * 1e6) as i64;
    }
}

/// The runs `k` of a unit repeated every `interval_us` from `origin_us` (run `k` starts at
/// `origin_us + k × interval_us`, plus a jitter shorter than the interval) that can have
/// events in `from_us..until_us`, when a run lasts at most `longest_us`.
pub(crate) fn periodic_runs(
    origin_us: i64,
    interval_us: i64,
    longest_us: i64,
    from_us: i64,
    until_us: i64,
) -> std::ops::RangeInclusive<i64> {
    let first = (from_us - origin_us - longest_us).div_euclid(interval_us);
    let last = (until_us - origin_us).div_euclid(interval_us);
    first.max(0)..=last
}

/// The slices `first..=last` whose units can still have events in the slice starting at
/// `from_us`, for units lasting at most `longest_us`.
pub(crate) fn lookback(slice: u64, longest_us: i64) -> std::ops::RangeInclusive<u64> {
    slice.saturating_sub(lookback_slices(longest_us))..=slice
}
