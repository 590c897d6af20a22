//! Contact sync after an app install: the customer logs in on the new install, grants
//! access to the address book, and the app uploads its `contacts_per_install` phone
//! numbers to `POST /v1/contacts/match` in batches of 50; `hit_rate` of them belong to
//! customers and come back as matches. Bulk phone lookups from one principal look like a
//! lookup oracle; it is the customer's own address book, from their usual address.
//!
//! Installs per slice are a Poisson count following the human daily and weekly cycles;
//! each install plays from its own stream, and a slice replays the slices just before
//! it (an upload stops after its longest allowed duration).

use super::{Caller, Cohort, Replayed, StartsUnits, Window};
use crate::calendar::SLICE_US;
use crate::event::{Query, Route};
use crate::rng::{slice_stream, unit_stream};
use crate::sources::customers::{Customers, SessionHeader, poisson};
use crate::sources::{Emitter, World};
use breachlab_schema::ClientKind;
use rand::RngExt;

/// Phone numbers per upload request.
const BATCH: u32 = 50;

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
        let batches = i64::from(contacts_per_install.div_ceil(BATCH));
        let longest_us = (120 + 3 * batches) * 1_000_000;
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
        caller.pause(5.0, 60.0);
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
            caller.pause(0.05, 0.8);
        }
    }
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
