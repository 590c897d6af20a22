//! The attacker's addresses and clients: a pool of IPs rotated every `requests_per_ip`
//! requests, grown so no address exceeds the per-IP rate cap, and the user agent, client
//! kind and API key each address presents.
//!
//! A residential (or carrier) pool draws its indexes from the same index space benign
//! customers' addresses come from, so its ASNs, countries and address ranges are the
//! customers' own: nothing in a single field marks a mimicking attacker.

use super::super::customers::peer;
use crate::event::{ApiKey, Peer};
use crate::population::{Region, UaTable};
use crate::rng::{hash_words, salt, unit};
use crate::scenario::{Evasion, UserAgentMode};
use crate::sources::World;
use breachlab_schema::{ClientKind, IpKind};

/// Headroom between the pool's mean per-IP rate and the cap, so bursts and Poisson
/// fluctuations of the overall rate stay under it.
const CAP_HEADROOM: f64 = 3.0;

/// What a request's client looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub kind: ClientKind,
    pub user_agent: u16,
    pub api_key: ApiKey,
}

/// The attacker's rotating address pool and client disguise.
#[derive(Debug, Clone)]
pub struct Pool {
    key: u64,
    region: Region,
    pub kind: IpKind,
    /// Addresses in the pool, after growing it to fit the cap.
    pub size: u64,
    pub requests_per_ip: u64,
    actors: u64,
    mimic: bool,
    app_share: f64,
}

impl Pool {
    /// A pool for a campaign whose busiest hour carries `peak_per_h` requests.
    /// `default_kind` applies unless the scenario names one; `default_cap` unless the
    /// scenario sets `per_ip_rate_cap_per_h`.
    pub fn new(
        key: u64,
        evasion: &Evasion,
        world: &World,
        default_kind: IpKind,
        default_cap: Option<f64>,
        peak_per_h: f64,
    ) -> Pool {
        let mimic = evasion.user_agent == UserAgentMode::Mimic;
        let kind = evasion.ip_kind.map(IpKind::from).unwrap_or(default_kind);
        let mut requests_per_ip = u64::from(evasion.requests_per_ip.max(1));
        let mut size = evasion.ip_pool.max(1);
        if let Some(cap) = evasion.per_ip_rate_cap_per_h.or(default_cap) {
            // Bursts on one address must fit well inside an hour's allowance.
            requests_per_ip = requests_per_ip.min(((cap / 2.0).floor() as u64).max(1));
            size = size.max((CAP_HEADROOM * peak_per_h / cap).ceil() as u64);
        }
        let mix = &world.traffic.client_mix;
        Pool {
            key,
            region: world.region,
            kind,
            size,
            requests_per_ip,
            actors: u64::from(evasion.actors.max(1)),
            mimic,
            app_share: mix.app_share_of_human(),
        }
    }

    /// The pool slot (address) of the `n`-th request.
    pub fn slot(&self, n: u64) -> u64 {
        (n / self.requests_per_ip) % self.size
    }

    /// The attacker machine that owns a slot: each actor works its share of addresses.
    pub fn actor(&self, slot: u64) -> u64 {
        slot % self.actors
    }

    /// The address of a slot: an index into the kind's pool, scattered by a keyed hash
    /// over the same index space benign clients use.
    pub fn peer(&self, slot: u64) -> Peer {
        peer(
            self.region,
            self.kind,
            hash_words(&[self.key, slot, salt::NETWORK]),
        )
    }

    /// The client a slot presents. A tool speaks with the app's key when it logs in
    /// (extracted from the app) and with the web portal's otherwise (a browser's API key
    /// is in the page for anyone to copy); a mimic looks like an app or web
    /// client in the customers' proportions, with that client's key.
    pub fn client(&self, slot: u64, authenticated: bool) -> Client {
        if self.mimic {
            let h = hash_words(&[self.key, slot, salt::POOL_CLIENT]);
            let kind = if unit(h) < self.app_share {
                ClientKind::App
            } else {
                ClientKind::Web
            };
            return mimic_client(kind, hash_words(&[h, salt::MIMIC_CLIENT]));
        }
        let tool = hash_words(&[self.key, self.actor(slot), salt::SCRIPT_TOOL]);
        let user_agent = UaTable::tools().sample(unit(tool));
        if authenticated {
            Client {
                kind: ClientKind::App,
                user_agent,
                api_key: ApiKey::MobileApp,
            }
        } else {
            Client {
                kind: ClientKind::Web,
                user_agent,
                api_key: ApiKey::WebPortal,
            }
        }
    }
}

/// A genuine-looking app or web client: a user agent from the benign table, the
/// client's own API key.
pub fn mimic_client(kind: ClientKind, hash: u64) -> Client {
    Client {
        kind,
        user_agent: UaTable::for_client(kind).sample(unit(hash)),
        api_key: ApiKey::of_client(kind),
    }
}
