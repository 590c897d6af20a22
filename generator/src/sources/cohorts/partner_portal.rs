//! Partners' staff on the partner portal: resellers and service companies looking up
//! their own customers' records (`GET /v1/accounts/{id}`), each staff member signed in
//! with their own portal account, in working hours, on the portal's web client or the app. `cloud_egress_share` of the
//! staff reach the internet through a cloud secure web gateway or a virtual desktop, so
//! their requests come from cloud networks with a browser's or the app's user agent and
//! key: signed-in record reads from the cloud, as a partner account turned to probing
//! sends. A partner reads the few hundred records on its books over and over; a prober
//! reads records no partner has on its books.
//!
//! Staff sessions per slice are a Poisson count following the human daily and weekly
//! cycles; each session plays from its own stream, and a slice replays the slices just
//! before it. The partners are entities: `partners × scale` companies, each reading as
//! much a day whatever the scale.

use super::{
    Caller, Cohort, Replayed, StartsUnits, Window, client_template,
    expected_starts_following_human_cycles,
};
use crate::calendar::SLICE_US;
use crate::event::{Event, Peer, Query, Route};
use crate::population::UaTable;
use crate::rng::{Stream, hash_words, salt, slice_stream, unit, unit_stream};
use crate::scenario::PartnerPortalConfig;
use crate::sources::customers::{peer, poisson};
use crate::sources::{Emitter, World};
use breachlab_schema::{ClientKind, IpKind};
use rand::RngExt;

/// Mean record reads in one staff session.
const READS_PER_SESSION: f64 = 12.0;
/// Staff members of one partner, each with their own device.
const STAFF_PER_PARTNER: u64 = 8;
/// Addresses one staff member's cloud gateway egresses from.
const GATEWAY_ADDRESSES: u64 = 4;
/// Seconds between two reads of a session (low, high).
const BETWEEN_READS_S: (f64, f64) = (5.0, 90.0);
/// Longest a staff session lasts (it stops there).
const LONGEST_US: i64 = 2 * 3600 * 1_000_000;

pub(crate) struct PartnerPortal {
    cohort: Cohort,
    partners: u64,
    sessions_per_slice: f64,
    customers_per_partner: u64,
    cloud_egress_share: f64,
}

impl PartnerPortal {
    pub fn new(cohort: Cohort, world: &World, params: &PartnerPortalConfig) -> Replayed<Self> {
        Replayed(PartnerPortal {
            cohort,
            partners: world.scale.count(params.partners),
            sessions_per_slice: sessions_per_slice(world, params),
            customers_per_partner: u64::from(params.customers_per_partner.max(1)),
            cloud_egress_share: params.cloud_egress_share,
        })
    }

    /// One staff member's session: reads of records on the partner's books.
    fn session(&self, world: &World, start_us: i64, seed: u64, out: &mut Emitter<'_>) {
        let mut rng = unit_stream(seed);
        let partner = hash_words(&[
            world.seed,
            self.cohort.key,
            rng.random_range(0..self.partners),
        ]);
        let staff = hash_words(&[partner, rng.random_range(0..STAFF_PER_PARTNER)]);
        let kind = staff_client(world, staff);
        let company = world.ids.existing_at(hash_words(&[partner, salt::OWNER]));
        let template = Event {
            principal_id: Some(world.ids.existing_at(hash_words(&[staff, salt::OWNER]))),
            ..client_template(
                self.egress(world, partner, staff, &mut rng),
                kind,
                UaTable::for_client(kind).sample(unit(hash_words(&[staff, salt::DEVICE]))),
                seed,
                self.cohort.truth(company),
            )
        };
        let mut caller = Caller {
            world,
            rng,
            now: start_us,
            template,
        };
        let reads = 1 + poisson(&mut caller.rng, READS_PER_SESSION - 1.0);
        let not_found = world.traffic.status.not_found;
        for _ in 0..reads {
            if caller.now >= start_us + LONGEST_US {
                break;
            }
            let entry = caller.rng.random_range(0..self.customers_per_partner);
            let customer = world
                .ids
                .existing_at(hash_words(&[partner, salt::PARTNER_BOOK, entry]));
            if caller.rng.random::<f64>() < not_found {
                caller.send(Route::Account, Some(customer), Query::None, 404, 0, out);
            } else {
                caller.send(Route::Account, Some(customer), Query::None, 200, 1, out);
            }
            caller.pause(BETWEEN_READS_S.0, BETWEEN_READS_S.1);
        }
    }

    /// Where a staff member reaches the API from: one of their cloud gateway's
    /// addresses, or the partner's office network.
    fn egress(&self, world: &World, partner: u64, staff: u64, rng: &mut Stream) -> Peer {
        let egress = hash_words(&[staff, salt::PARTNER_EGRESS]);
        if unit(egress) < self.cloud_egress_share {
            let address = rng.random_range(0..GATEWAY_ADDRESSES);
            peer(world.region, IpKind::Cloud, hash_words(&[egress, address]))
        } else {
            peer(
                world.region,
                IpKind::Corporate,
                hash_words(&[partner, salt::NETWORK]),
            )
        }
    }
}

/// A staff member's client: the portal's web client or the app, in the customers'
/// proportions of the two.
fn staff_client(world: &World, staff: u64) -> ClientKind {
    if unit(hash_words(&[staff, salt::POOL_CLIENT])) < world.traffic.client_mix.app_share_of_human()
    {
        ClientKind::App
    } else {
        ClientKind::Web
    }
}

/// Staff sessions starting in a slice, on average over a week, at the world's scale.
fn sessions_per_slice(world: &World, params: &PartnerPortalConfig) -> f64 {
    let partners = world.scale.count(params.partners) as f64;
    partners * params.reads_per_partner_day / READS_PER_SESSION / 144.0
}

/// Events the cohort is expected to send over `window`: the sessions started inside it,
/// following the human cycles, times their mean reads.
pub(crate) fn expected_events(window: &Window, world: &World, params: &PartnerPortalConfig) -> f64 {
    let per_slice = sessions_per_slice(world, params);
    expected_starts_following_human_cycles(world, window, per_slice) * READS_PER_SESSION
}

impl StartsUnits for PartnerPortal {
    fn window(&self) -> &Window {
        &self.cohort.window
    }

    fn longest_us(&self) -> i64 {
        LONGEST_US
    }

    fn play_slice(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        let mean = world.following_human_cycles(slice, self.sessions_per_slice);
        let mut rng = slice_stream(world.seed, self.cohort.key, slice);
        let sessions = poisson(&mut rng, mean);
        let start = world.calendar.slice_start(slice);
        for _ in 0..sessions {
            let start_us = start + rng.random_range(0..SLICE_US);
            let seed = rng.random::<u64>();
            if self.cohort.window.contains(start_us) && start_us + LONGEST_US >= out.from_us {
                self.session(world, start_us, seed, out);
            }
        }
    }
}
