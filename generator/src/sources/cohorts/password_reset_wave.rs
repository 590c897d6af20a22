//! A mass password-reset campaign: the operator emails `recipients × scale` customers at
//! the window's start and `response_rate` of them respond, their arrivals decaying
//! exponentially with `half_life_h`. Each responder asks for a reset, opens the mail,
//! sets a new password through the link and logs in, from their usual address and
//! client. Some first try their old password, once or a few times, and are refused
//! (401, no principal: the failed logins a credential stuffer also makes). Links that
//! expired or were already used give extra 400 and 401 answers, then a new request. A burst of resets and logins with 4xx looks like an account-takeover
//! wave; it is customers following an email.
//!
//! Responders per slice are a Poisson count with the exponential law's mass over the
//! slice; instants inside it follow the truncated exponential. Each responder plays
//! from its own stream; a slice replays the slices just before it.

use super::{Caller, Cohort, Replayed, StartsUnits, Window};
use crate::event::{Query, Route};
use crate::rng::{Stream, slice_stream, unit_stream};
use crate::sources::customers::{Customers, SessionHeader, poisson};
use crate::sources::{Emitter, World};
use breachlab_schema::ClientKind;
use rand::RngExt;

/// Longest a responder's visit lasts (it stops there).
const LONGEST_US: i64 = 30 * 60 * 1_000_000;
/// Share of responders whose link has expired or was already used.
const STALE_LINK: f64 = 0.15;
/// Share of responders on the app rather than the web.
const APP_SHARE: f64 = 0.6;
/// Most refused logins with the old password before a responder asks for the reset.
const MOST_OLD_PASSWORD_TRIES: u32 = 3;

/// Requests of one responder: the reset request, the link, the login and a read of
/// their account; with a stale link the refused link and a second request; and for
/// those who try their old password first, one to three refused logins (two on average).
fn requests_per_responder(tried_old_password: f64) -> f64 {
    let mean_tries = f64::from(1 + MOST_OLD_PASSWORD_TRIES) / 2.0;
    4.0 + 2.0 * STALE_LINK + tried_old_password * mean_tries
}

pub(crate) struct PasswordResetWave {
    cohort: Cohort,
    customers: Customers,
    responders: f64,
    /// Decay rate per second: ln 2 / half-life.
    decay_per_s: f64,
    tried_old_password: f64,
}

impl PasswordResetWave {
    pub fn new(
        cohort: Cohort,
        world: &World,
        recipients: u64,
        response_rate: f64,
        half_life_h: f64,
        tried_old_password: f64,
    ) -> Replayed<Self> {
        let wave = PasswordResetWave {
            cohort,
            customers: Customers::new(world, cohort.key),
            responders: responders(world, recipients, response_rate),
            decay_per_s: decay_per_s(half_life_h),
            tried_old_password,
        };
        Replayed(wave)
    }

    /// Share of all responders arriving `a..b` seconds after the send.
    fn mass(&self, a: f64, b: f64) -> f64 {
        (-self.decay_per_s * a).exp() - (-self.decay_per_s * b).exp()
    }

    /// Seconds after the send, within `a..b`, of one arrival (inverse of the truncated
    /// exponential's distribution function).
    fn arrival(&self, a: f64, b: f64, rng: &mut Stream) -> f64 {
        let u: f64 = rng.random();
        let span = 1.0 - (-self.decay_per_s * (b - a)).exp();
        (a - (1.0 - u * span).ln() / self.decay_per_s).min(b)
    }

    /// One customer follows the email.
    fn respond(&self, world: &World, start_us: i64, seed: u64, out: &mut Emitter<'_>) {
        let mut rng = unit_stream(seed);
        let account = world.ids.existing_at(rng.random::<u64>());
        let kind = if rng.random::<f64>() < APP_SHARE {
            ClientKind::App
        } else {
            ClientKind::Web
        };
        let header = SessionHeader {
            start_us,
            kind,
            account,
            seed,
        };
        let truth = self.cohort.truth(account);
        let mut caller = Caller::customer(world, &self.customers, header, truth, rng);
        if caller.rng.random::<f64>() < self.tried_old_password {
            for _ in 0..caller.rng.random_range(1..=MOST_OLD_PASSWORD_TRIES) {
                caller.fail_log_in(out);
                caller.pause(3.0, 30.0);
            }
        }
        caller.send(Route::PasswordReset, None, Query::None, 200, 0, out);
        caller.pause(20.0, 480.0);
        if caller.rng.random::<f64>() < STALE_LINK {
            let status = if caller.rng.random::<bool>() {
                400
            } else {
                401
            };
            caller.send(Route::PasswordReset, None, Query::None, status, 0, out);
            caller.pause(5.0, 60.0);
            caller.send(Route::PasswordReset, None, Query::None, 200, 0, out);
            caller.pause(20.0, 300.0);
        }
        caller.send(Route::PasswordReset, None, Query::None, 200, 0, out);
        caller.pause(3.0, 30.0);
        caller.log_in(account, out);
        caller.pause(1.0, 15.0);
        if caller.now < start_us + LONGEST_US {
            caller.send(Route::Account, Some(account), Query::None, 200, 1, out);
        }
    }
}

/// Customers expected to respond at the world's scale, over all time.
fn responders(world: &World, recipients: u64, response_rate: f64) -> f64 {
    world.scale.expected(recipients as f64) * response_rate
}

/// Decay rate of arrivals per second: ln 2 / half-life.
fn decay_per_s(half_life_h: f64) -> f64 {
    std::f64::consts::LN_2 / (half_life_h * 3600.0)
}

/// Events the wave is expected to send over `window`: the responders arriving before
/// it closes (the exponential law's mass over the window) times each one's requests.
pub(crate) fn expected_events(
    window: &Window,
    world: &World,
    recipients: u64,
    response_rate: f64,
    half_life_h: f64,
    tried_old_password: f64,
) -> f64 {
    let open_s = window.seconds_in(window.end_us);
    let arriving = 1.0 - (-decay_per_s(half_life_h) * open_s).exp();
    responders(world, recipients, response_rate)
        * arriving
        * requests_per_responder(tried_old_password)
}

impl StartsUnits for PasswordResetWave {
    fn window(&self) -> &Window {
        &self.cohort.window
    }

    fn longest_us(&self) -> i64 {
        LONGEST_US
    }

    fn play_slice(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        let window = self.cohort.window;
        let from = world.calendar.slice_start(slice).max(window.start_us);
        let until = world.calendar.slice_start(slice + 1).min(window.end_us);
        if until <= from {
            return;
        }
        let (a, b) = (window.seconds_in(from), window.seconds_in(until));
        let mut rng = slice_stream(world.seed, self.cohort.key, slice);
        let count = poisson(&mut rng, self.responders * self.mass(a, b));
        for _ in 0..count {
            let start_us = window.start_us + (self.arrival(a, b, &mut rng) * 1e6) as i64;
            let seed = rng.random::<u64>();
            if start_us + LONGEST_US >= out.from_us {
                self.respond(world, start_us.max(from), seed, out);
            }
        }
    }
}
