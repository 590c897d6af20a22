//! Technique 3, the lookup oracle (Authy 2024, Trello 2024, Facebook 2019): identifiers
//! from an input list looked up by email or phone; `hit_rate` of them belong to a
//! customer. One identifier per request on the lookup endpoint, or several at once on
//! the contact-match endpoint. Found answers carry the account; unknown ones an empty
//! answer, as the API answers every lookup (200 either way: the body's size tells).
//!
//! Entry `m` of the list is a slot of a keyed shuffle of the ID space: it is a customer's
//! identifier when the slot's account exists and a keyed coin (probability
//! `hit_rate / id_density`) says the list holds it; otherwise it is the `m`-th synthetic
//! identifier that matches nobody. Slots never repeat, so hits are distinct accounts.

use super::{Request, Shuffle, Step, attacker_accounts};
use crate::event::{Ident, Query, Route};
use crate::rng::{Stream, hash_words, salt, unit};
use crate::scenario::LookupKey;
use crate::sources::World;
use breachlab_schema::Phase;

pub struct LookupOracle {
    key: u64,
    by: LookupKey,
    per_request: u32,
    /// Chance that an existing slot is on the list.
    keep: f64,
    shuffle: Shuffle,
    /// Accounts that upload contact lists (the batch endpoint needs a login).
    accounts: Vec<i64>,
}

impl LookupOracle {
    pub fn new(world: &World, key: u64, by: LookupKey, hit_rate: f64, per_request: u32) -> Self {
        let ids = &world.ids;
        LookupOracle {
            key,
            by,
            per_request: per_request.max(1),
            keep: (hit_rate / ids.density).min(1.0),
            shuffle: Shuffle::new(ids.size, hash_words(&[key, salt::ORACLE_SHUFFLE])),
            accounts: attacker_accounts(ids, key, 5),
        }
    }

    /// List entry `m`: the customer it names (if any) and whether this is its first use.
    fn entry(&self, world: &World, m: u64) -> (Ident, bool) {
        let (slot, first_visit) = self.shuffle.draw(m);
        let id = world.ids.id_base + slot as i64;
        let listed = unit(hash_words(&[self.key, slot, salt::ORACLE_LIST])) < self.keep;
        if listed && world.ids.exists(id) {
            (Ident::Account(id), first_visit)
        } else {
            (Ident::Miss(m), first_visit)
        }
    }
}

impl Step for LookupOracle {
    fn request(&self, world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        let first_entry = n * u64::from(self.per_request);
        if self.per_request == 1 {
            let (ident, first_visit) = self.entry(world, first_entry);
            let query = match self.by {
                LookupKey::Email => Query::Email(ident),
                LookupKey::Phone => Query::Phone(ident),
            };
            let (target, found) = match ident {
                Ident::Account(id) => (Some(id), 1),
                Ident::Miss(_) => (None, 0),
            };
            let mut request = Request::read(Route::Lookup, target, query, found);
            request.status = 200;
            if !first_visit {
                request.exposed = 0;
            }
            return Some(request);
        }
        let (mut found, mut exposed) = (0, 0);
        for m in first_entry..first_entry + u64::from(self.per_request) {
            if let (Ident::Account(_), first_visit) = self.entry(world, m) {
                found += 1;
                exposed += i32::from(first_visit);
            }
        }
        let count = self.per_request.min(u32::from(u16::MAX)) as u16;
        let mut request = Request::read(Route::ContactsMatch, None, Query::Batch { count }, found);
        request.status = 200;
        request.exposed = exposed;
        if found == 0 {
            request.phase = Phase::Probe;
        }
        let principal = self.accounts[(n % self.accounts.len() as u64) as usize];
        Some(request.as_principal(Some(principal), self.key))
    }
}
