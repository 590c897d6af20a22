//! A viral spike: sign-ups (`POST /v1/accounts`, 201) and the new customers' first login
//! and reads step up `multiplier`× within `ramp_minutes`, from many residential and
//! mobile addresses with the app's and browsers' own user agents. A sudden flood of
//! account creation looks like OAT-019; it is real people.
//!
//! The window opens with a lead at the normal level (peak / multiplier): a quarter of the
//! window, at most an hour, the baseline the step stands out from. It then ramps linearly
//! to the peak, `signups_per_s × scale`, and holds it to the window's end. Sign-
//! ups per slice are Poisson counts drawn in the constructor from each slice's own stream
//! (the slice draws the same count again), so prefix sums give every new account its ID:
//! new accounts take IDs after the population's ID space, from
//! `id end + cohort index × 10^9`, ascending in sign-up order.

use super::{Caller, Cohort, Replayed, StartsUnits, Window, client_template};
use crate::event::{Query, Route};
use crate::population::UaTable;
use crate::rng::{Stream, slice_stream, unit_stream};
use crate::sources::customers::{peer, poisson};
use crate::sources::{Emitter, World};
use breachlab_schema::{ClientKind, IpKind};
use rand::RngExt;

/// Sub-steps per slice when integrating the rate (exact on its linear pieces).
const STEPS: u32 = 60;
/// Longest a new customer's first session lasts (it stops there).
const LONGEST_US: i64 = 8 * 60 * 1_000_000;
/// Share of sign-ups from a phone on a carrier network, and made in the app.
const MOBILE_SHARE: f64 = 0.4;
const APP_SHARE: f64 = 0.75;
/// Share of sign-up forms rejected once (a weak password, a typo) before succeeding.
const REJECTED: f64 = 0.04;
/// Distance between the ID ranges of two spike cohorts.
const IDS_PER_COHORT: i64 = 1_000_000_000;
/// Reads a new customer makes after their first login: 1 to 3, the mean of them.
const FIRST_READS: std::ops::Range<usize> = 1..4;
const MEAN_FIRST_READS: f64 = 2.0;
/// Requests of one sign-up: the form (rejected once in `REJECTED` of them), the first
/// login and the reads.
const REQUESTS_PER_SIGNUP: f64 = REJECTED + 2.0 + MEAN_FIRST_READS;

/// The look-alike's parameters as written in the scenario.
pub(crate) struct Params {
    pub multiplier: f64,
    pub ramp_minutes: f64,
    pub signups_per_s: f64,
}

/// Longest lead at the normal level before the ramp.
const MAX_LEAD_S: f64 = 3600.0;

pub(crate) struct ViralSpike {
    cohort: Cohort,
    peak_per_s: f64,
    multiplier: f64,
    lead_s: f64,
    ramp_s: f64,
    first_slice: u64,
    /// Sign-ups before each slice of the window (from `first_slice`), and after the last.
    signups_before: Vec<u64>,
    first_new_id: i64,
    nat_addresses: u64,
}

impl ViralSpike {
    pub fn new(cohort: Cohort, world: &World, params: Params) -> Replayed<Self> {
        let window = cohort.window;
        let duration_s = window.seconds_in(window.end_us);
        let accounts = world.ids.expected_accounts().max(1);
        let mut spike = ViralSpike {
            cohort,
            peak_per_s: world.scale.expected(params.signups_per_s),
            multiplier: params.multiplier,
            lead_s: lead_s(duration_s),
            ramp_s: params.ramp_minutes * 60.0,
            first_slice: world.calendar.slice_of(window.start_us),
            signups_before: vec![0],
            first_new_id: world.ids.end() + i64::from(cohort.index) * IDS_PER_COHORT,
            nat_addresses: (accounts / u64::from(world.traffic.users_per_nat_ip)).max(1),
        };
        let last_slice = world.calendar.slice_of(window.end_us - 1);
        let mut total = 0;
        for slice in spike.first_slice..=last_slice {
            total += spike.signups_in(world, slice).0;
            spike.signups_before.push(total);
        }
        Replayed(spike)
    }

    /// Sign-ups per second `seconds` after the window opens.
    fn rate(&self, seconds: f64) -> f64 {
        let base = self.peak_per_s / self.multiplier;
        let into_ramp = seconds - self.lead_s;
        if into_ramp < 0.0 {
            base
        } else if into_ramp < self.ramp_s {
            base + (self.peak_per_s - base) * into_ramp / self.ramp_s
        } else {
            self.peak_per_s
        }
    }

    /// The slice's sign-up count and its stream, positioned after the count.
    fn signups_in(&self, world: &World, slice: u64) -> (u64, Stream) {
        let window = self.cohort.window;
        let from = world.calendar.slice_start(slice).max(window.start_us);
        let until = world.calendar.slice_start(slice + 1).min(window.end_us);
        let mut expected = 0.0;
        if until > from {
            let step = (until - from) as f64 / 1e6 / f64::from(STEPS);
            for i in 0..STEPS {
                let mid = window.seconds_in(from) + (f64::from(i) + 0.5) * step;
                expected += self.rate(mid) * step;
            }
        }
        let mut rng = slice_stream(world.seed, self.cohort.key, slice);
        (poisson(&mut rng, expected), rng)
    }

    /// A sign-up instant in the slice, drawn with density proportional to the rate.
    fn signup_time(&self, world: &World, slice: u64, rng: &mut Stream) -> i64 {
        let window = self.cohort.window;
        let from = world.calendar.slice_start(slice).max(window.start_us);
        let until = world.calendar.slice_start(slice + 1).min(window.end_us);
        loop {
            let ts = rng.random_range(from..until.max(from + 1));
            if rng.random::<f64>() * self.peak_per_s <= self.rate(window.seconds_in(ts)) {
                return ts;
            }
        }
    }

    /// A new customer signs up, logs in for the first time and looks around.
    fn play(&self, world: &World, start_us: i64, account: i64, seed: u64, out: &mut Emitter<'_>) {
        let mut rng = unit_stream(seed);
        let mobile = rng.random::<f64>() < MOBILE_SHARE;
        let kind = if mobile || rng.random::<f64>() < APP_SHARE {
            ClientKind::App
        } else {
            ClientKind::Web
        };
        let address = if mobile {
            peer(
                world.region,
                IpKind::MobileCarrier,
                rng.random_range(0..self.nat_addresses),
            )
        } else {
            peer(world.region, IpKind::Residential, rng.random::<u64>())
        };
        let user_agent = UaTable::for_client(kind).sample(rng.random::<f64>());
        let mut caller = Caller {
            world,
            rng,
            now: start_us,
            template: client_template(address, kind, user_agent, seed, self.cohort.truth(account)),
        };
        if caller.rng.random::<f64>() < REJECTED {
            caller.send(Route::Signup, None, Query::None, 400, 0, out);
            caller.pause(5.0, 40.0);
        }
        caller.send(Route::Signup, None, Query::None, 201, 1, out);
        caller.pause(2.0, 30.0);
        caller.log_in(account, out);
        let reads = caller.rng.random_range(FIRST_READS);
        for route in [Route::Account, Route::Plan, Route::Lines]
            .into_iter()
            .take(reads)
        {
            caller.pause(1.0, 20.0);
            if caller.now > start_us + LONGEST_US {
                break;
            }
            caller.send(route, Some(account), Query::None, 200, 1, out);
        }
    }
}

/// The lead at the normal level before the ramp, in a window of `duration_s`.
fn lead_s(duration_s: f64) -> f64 {
    (duration_s / 4.0).min(MAX_LEAD_S)
}

/// Events the spike is expected to send over `window`: the sign-ups (the integral of
/// [`ViralSpike::rate`] over the window) times each one's requests.
pub(crate) fn expected_events(window: &Window, world: &World, params: &Params) -> f64 {
    let duration_s = window.seconds_in(window.end_us).max(0.0);
    let peak = world.scale.expected(params.signups_per_s);
    let base = peak / params.multiplier;
    let ramp_s = params.ramp_minutes * 60.0;
    let lead = lead_s(duration_s).min(duration_s);
    let ramp = ramp_s.min(duration_s - lead);
    let at_ramp_end = if ramp_s > 0.0 {
        base + (peak - base) * ramp / ramp_s
    } else {
        peak
    };
    let held = (duration_s - lead - ramp).max(0.0);
    let signups = base * lead + (base + at_ramp_end) / 2.0 * ramp + peak * held;
    signups * REQUESTS_PER_SIGNUP
}

impl StartsUnits for ViralSpike {
    fn window(&self) -> &Window {
        &self.cohort.window
    }

    fn longest_us(&self) -> i64 {
        LONGEST_US
    }

    fn play_slice(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        if slice < self.first_slice {
            return;
        }
        let Some(&before) = self.signups_before.get((slice - self.first_slice) as usize) else {
            return;
        };
        let (count, mut rng) = self.signups_in(world, slice);
        for n in 0..count {
            let start_us = self.signup_time(world, slice, &mut rng);
            let seed = rng.random::<u64>();
            if start_us + LONGEST_US < out.from_us {
                continue;
            }
            let account = self.first_new_id + (before + n) as i64;
            self.play(world, start_us, account, seed, out);
        }
    }
}
