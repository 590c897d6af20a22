//! Technique 7, the over-broad query (USPS 2018): a wildcard search that returns far
//! more than any client needs, so a few requests carry whole slices of the customer base
//! and very large bodies. Request `n` asks for page `n + 1` of the wildcard result, so no
//! account comes back twice; past the last page the attacker stops.

use super::{Request, Step, attacker_accounts};
use crate::event::{Query, Route, SearchTerm};
use crate::rng::Stream;
use crate::sources::World;

pub struct OverBroadQuery {
    key: u64,
    per_request: u64,
    entries: u64,
    /// The attacker's own logins, if the search needs one.
    accounts: Vec<i64>,
}

impl OverBroadQuery {
    pub fn new(world: &World, key: u64, per_request: u32, authenticated: bool) -> Self {
        OverBroadQuery {
            key,
            per_request: u64::from(per_request.clamp(1, u32::from(u16::MAX))),
            entries: world.ids.expected_accounts(),
            accounts: if authenticated {
                attacker_accounts(&world.ids, key, 2)
            } else {
                Vec::new()
            },
        }
    }
}

impl Step for OverBroadQuery {
    fn request(&self, _world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        let first = n.checked_mul(self.per_request)?;
        if first >= self.entries {
            return None;
        }
        let records = self.per_request.min(self.entries - first) as i32;
        let request = Request::read(
            Route::Search,
            None,
            Query::Search {
                term: SearchTerm::Wildcard,
                page: u32::try_from(n + 1).ok()?,
                size: self.per_request as u16,
            },
            records,
        );
        let principal = (!self.accounts.is_empty())
            .then(|| self.accounts[(n % self.accounts.len() as u64) as usize]);
        Some(request.as_principal(principal, self.key))
    }
}
