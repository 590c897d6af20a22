//! Technique 2, sparse or random ID probing (Dell 2024, Twitter 2019): IDs drawn from a
//! keyed shuffle of a range wide enough that only `hit_rate` of them name an account.
//! The range starts at the population's first ID and may reach past its last (IDs past
//! the end never exist); the shuffle never repeats an ID, so most answers are 404s.

use super::{Request, Shuffle, Step, attacker_accounts};
use crate::event::{Query, Route};
use crate::rng::{Stream, hash_words, salt};
use crate::sources::World;

/// Probes sent through one throw-away account before switching to the next.
const REQUESTS_PER_LOGIN: u64 = 200;

pub struct IdProbe {
    key: u64,
    shuffle: Shuffle,
    /// The throw-away accounts the prober registered; empty when unauthenticated.
    accounts: Vec<i64>,
}

impl IdProbe {
    pub fn new(
        world: &World,
        key: u64,
        hit_rate: f64,
        authenticated: bool,
        registered_accounts: u32,
    ) -> Self {
        let ids = &world.ids;
        let range = ((ids.expected_accounts() as f64 / hit_rate.max(1e-9)).ceil() as u64)
            .max(ids.size)
            .max(1);
        IdProbe {
            key,
            shuffle: Shuffle::new(range, hash_words(&[key, salt::PROBE_SHUFFLE])),
            accounts: if authenticated {
                attacker_accounts(ids, key, registered_accounts)
            } else {
                Vec::new()
            },
        }
    }
}

impl Step for IdProbe {
    fn request(&self, world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        let (offset, first_visit) = self.shuffle.draw(n);
        let id = world.ids.id_base + offset as i64;
        let mut request = Request::read(
            Route::Account,
            Some(id),
            Query::None,
            i32::from(world.ids.exists(id)),
        );
        if !first_visit {
            request.exposed = 0;
        }
        let principal = (!self.accounts.is_empty()).then(|| {
            self.accounts[((n / REQUESTS_PER_LOGIN) % self.accounts.len() as u64) as usize]
        });
        Some(request.as_principal(principal, self.key))
    }
}
