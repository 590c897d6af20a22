//! A mobile carrier's NAT: a few addresses, each in front of many real customers who run
//! ordinary app sessions (login or token refresh, reads of their own account with think
//! times). One address with hundreds of principals looks like a token-rotating scraper;
//! each principal still reads only its own account.
//!
//! `ips × scale` addresses (at least one) each front `users_per_ip` customers (at least
//! 5), fixed per address by a hash: the scale changes how many addresses there are,
//! never how busy one is. Sessions arrive per slice as a Poisson count following the human daily and
//! weekly cycles, and are played by the customers' own session logic, only through the
//! NAT address. Like the customers source, a slice replays the session headers of the
//! slices just before it and keeps the events that fall inside it.

use super::{Cohort, Replayed, StartsUnits, Window, expected_starts_following_human_cycles};
use crate::calendar::SLICE_US;
use crate::rng::{hash_words, slice_stream};
use crate::sources::customers::{Customers, SessionHeader, expected_session_events, peer, poisson};
use crate::sources::{Emitter, World};
use breachlab_schema::{ClientKind, IpKind};
use rand::RngExt;

/// Fewest customers behind one address, whatever the scale.
const MIN_USERS_PER_IP: u64 = 5;

pub(crate) struct NatGateway {
    cohort: Cohort,
    sessions: Customers,
    ips: u64,
    users_per_ip: u64,
    sessions_per_slice: f64,
    max_session_us: i64,
}

impl NatGateway {
    pub fn new(
        cohort: Cohort,
        world: &World,
        ips: u32,
        users_per_ip: u32,
        sessions_per_user_day: f64,
    ) -> Replayed<Self> {
        let (ips, users) = addresses_and_users(world, ips, users_per_ip);
        let max_session_us = (world.traffic.max_session_minutes * 60e6) as i64;
        let nat = NatGateway {
            cohort,
            sessions: Customers::new(world, cohort.key),
            ips,
            users_per_ip: users,
            sessions_per_slice: sessions_per_slice(ips, users, sessions_per_user_day),
            max_session_us,
        };
        Replayed(nat)
    }

    /// The customer `user` behind address `address`.
    fn customer(&self, world: &World, address: u64, user: u64) -> i64 {
        world
            .ids
            .existing_at(hash_words(&[world.seed, self.cohort.key, address, user]))
    }

    /// The NAT address's index in the mobile-carrier pool: the addresses customers'
    /// own carrier sessions use, so the cohort shares them with ordinary traffic.
    fn address_peer(&self, world: &World, address: u64) -> crate::event::Peer {
        peer(world.region, IpKind::MobileCarrier, address)
    }
}

/// Addresses at the world's scale and customers behind each: the addresses are the
/// entities and scale; each fronts its customers as written.
fn addresses_and_users(world: &World, ips: u32, users_per_ip: u32) -> (u64, u64) {
    let ips = world.scale.count(u64::from(ips));
    (ips, u64::from(users_per_ip).max(MIN_USERS_PER_IP))
}

/// Sessions the customers behind the addresses start per slice, on average over a week.
fn sessions_per_slice(ips: u64, users: u64, sessions_per_user_day: f64) -> f64 {
    (ips * users) as f64 * sessions_per_user_day / 144.0
}

/// Events the cohort is expected to send over `window`: the sessions started inside it
/// (following the human cycles) times the mean events of a customer's app session.
pub(crate) fn expected_events(
    window: &Window,
    world: &World,
    ips: u32,
    users_per_ip: u32,
    sessions_per_user_day: f64,
) -> f64 {
    let (ips, users) = addresses_and_users(world, ips, users_per_ip);
    let per_slice = sessions_per_slice(ips, users, sessions_per_user_day);
    expected_starts_following_human_cycles(world, window, per_slice)
        * expected_session_events(&world.traffic, ClientKind::App)
}

impl StartsUnits for NatGateway {
    fn window(&self) -> &Window {
        &self.cohort.window
    }

    fn longest_us(&self) -> i64 {
        self.max_session_us
    }

    fn play_slice(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        let mean = world.following_human_cycles(slice, self.sessions_per_slice);
        let mut rng = slice_stream(world.seed, self.cohort.key, slice);
        let count = poisson(&mut rng, mean);
        let start = world.calendar.slice_start(slice);
        for _ in 0..count {
            let start_us = start + rng.random_range(0..SLICE_US);
            let address = rng.random_range(0..self.ips);
            let user = rng.random_range(0..self.users_per_ip);
            let seed = rng.random::<u64>();
            if start_us + self.max_session_us < out.from_us
                || !self.cohort.window.contains(start_us)
            {
                continue;
            }
            let header = SessionHeader {
                start_us,
                kind: ClientKind::App,
                account: self.customer(world, address, user),
                seed,
            };
            self.sessions.play_behind(
                world,
                header,
                self.address_peer(world, address),
                Some(self.cohort.index),
                out,
            );
        }
    }
}
