//! Contact sync after an app install: the customer logs in on the new install, grants
//! access to the address book, and the app uploads its `contacts_per_install` phone
//! numbers to `POST /v1/contacts/match` in batches of 50; `hit_rate` of them belong to
//! customers and come back as matches. Bulk phone lookups from one principal look like a
//! lookup oracle; it is the customer's own address book, from their usual address.
//!
//! Installs per slice are a Poisson count following the human daily and weekly cycles;
//! each install plays from its own stream, and a slice replays the slices just before
//! it (an upload stops after its longest allowed duration).

use super::{
    Caller, Cohort, Replayed, StartsUnits, Window, expected_starts_following_human_cycles,
};
use crate::calendar::SLICE_US;
use crate::event::{Query, Route};
use crate::rng::{slice_stream, unit_stream};
use crate::sources::customers::{Customers, SessionHeader, poisson};
use crate::sources::{Emitter, World};
use breachlab_schema::ClientKind;
use rand::RngExt;

/// Phone numbers per upload request.
const BATCH: u32 = 50;
/// Seconds between the login and the first batch, and between two batches (low, high).
const AFTER_LOGIN_S: (f64, f64) = (5.0, 60.0);
const BETWEEN_BATCHES_S: (f64, f64) = (0.05, 0.8);

pub(crate) struct ContactSync {
    cohort: Cohort,
    customers: Customers,
    installs_per_slice: f64,
    contacts: u32,
    hit_rate: f64,
    /// The longest an install lasts.
    longest_us: i64,
}

impl ContactSync {
    pub fn new(
        cohort: Cohort,
        world: &World,
        installs_per_day: f64,
        contacts_per_install: u32,
        hit_rate: f64,
    ) -> Replayed<Self> {
        let longest_us = longest_upload_us(contacts_per_install);
        let sync = ContactSync {
            cohort,
            customers: Customers::new(world, cohort.key),
            installs_per_slice: world.scale.expected(installs_per_day) / 144.0,
            contacts: contacts_per_install,
            hit_rate,
            longest_us,
        };
        Replayed(sync)
    }

    /// One install: login, then the address book in batches.
    fn sync(&self, world: &World, start_us: i64, seed: u64, out: &mut Emitter<'_>) {
        let mut rng = unit_stream(seed);
        let account = world.ids.existing_at(rng.random::<u64>());
        let header = SessionHeader {
            start_us,
            kind: ClientKind::App,
            account,
            seed,
        };
        let truth = self.cohort.truth(account);
        let mut caller = Caller::customer(world, &self.customers, header, truth, rng);
        caller.log_in(account, out);
        caller.pause(AFTER_LOGIN_S.0, AFTER_LOGIN_S.1);
        let mut left = self.contacts;
        while left > 0 && caller.now < start_us + self.longest_us {
            let count = left.min(BATCH);
            left -= count;
            let hits = (0..count)
                .filter(|_| caller.rng.random::<f64>() < self.hit_rate)
                .count() as i32;
            let query = Query::Batch {
                count: count as u16,
            };
            caller.send(Route::ContactsMatch, None, query, 200, hits, out);
            caller.pause(BETWEEN_BATCHES_S.0, BETWEEN_BATCHES_S.1);
        }
    }
}

/// The longest an install's upload of `contacts` numbers lasts: two minutes, plus three
/// seconds a batch.
fn longest_upload_us(contacts: u32) -> i64 {
    let batches = i64::from(contacts.div_ceil(BATCH));
    (120 + 3 * batches) * 1_000_000
}

/// Events the cohort is expected to send over `window`: the installs started inside it
/// (`installs_per_day × scale`, following the human cycles) times a login and the
/// batches of the address book.
pub(crate) fn expected_events(
    window: &Window,
    world: &World,
    installs_per_day: f64,
    contacts_per_install: u32,
) -> f64 {
    let per_slice = world.scale.expected(installs_per_day) / 144.0;
    let installs = expected_starts_following_human_cycles(world, window, per_slice);
    installs * (1.0 + expected_batches(world, contacts_per_install))
}

/// Batches one install is expected to send: all of its address book, unless the mean
/// time per batch (pause and latency) would carry it past its longest duration, where
/// [`ContactSync::sync`] stops.
fn expected_batches(world: &World, contacts: u32) -> f64 {
    let t = &world.traffic;
    let mean_latency_s = |route: Route| {
        route.median_latency_ms() * t.latency_factor * (t.latency_sigma.powi(2) / 2.0).exp() / 1e3
    };
    let mean = |(low, high): (f64, f64)| (low + high) / 2.0;
    let before_first = mean_latency_s(Route::Login) + mean(AFTER_LOGIN_S);
    let per_batch = mean_latency_s(Route::ContactsMatch) + mean(BETWEEN_BATCHES_S);
    let longest_s = longest_upload_us(contacts) as f64 / 1e6;
    let fit = ((longest_s - before_first) / per_batch).ceil().max(0.0);
    f64::from(contacts.div_ceil(BATCH)).min(fit)
}

impl StartsUnits for ContactSync {
    fn window(&self) -> &Window {
        &self.cohort.window
    }

    fn longest_us(&self) -> i64 {
        self.longest_us
    }

    fn play_slice(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        let mean = world.following_human_cycles(slice, self.installs_per_slice);
        let mut rng = slice_stream(world.seed, self.cohort.key, slice);
        let installs = poisson(&mut rng, mean);
        let start = world.calendar.slice_start(slice);
        for _ in 0..installs {
            let start_us = start + rng.random_range(0..SLICE_US);
            let seed = rng.random::<u64>();
            if self.cohort.window.contains(start_us) && start_us + self.longest_us >= out.from_us {
                self.sync(world, start_us, seed, out);
            }
        }
    }
}
