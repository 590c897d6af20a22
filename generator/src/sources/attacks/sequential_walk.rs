//! Technique 1, the sequential ID walk (Optus, Panera, First American): object IDs read
//! upward from a start by a fixed stride, one or several per request. Request `n` reads
//! `start + stride * n * records_per_request` onward, so every ID is read once.

use super::{Request, Step, attacker_accounts};
use crate::event::{Query, Route};
use crate::rng::Stream;
use crate::sources::World;

/// Requests an authenticated walker sends through one of its accounts before the next.
const REQUESTS_PER_LOGIN: u64 = 500;

pub struct SequentialWalk {
    key: u64,
    start: i64,
    stride: i64,
    per_request: u32,
    /// Accounts the attacker logs in with; empty when the endpoint needs no login.
    accounts: Vec<i64>,
}

impl SequentialWalk {
    pub fn new(
        world: &World,
        key: u64,
        start: i64,
        stride: i64,
        authenticated: bool,
        per_request: u32,
    ) -> Self {
        SequentialWalk {
            key,
            start,
            stride,
            per_request: per_request.max(1),
            accounts: if authenticated {
                attacker_accounts(&world.ids, key, 3)
            } else {
                Vec::new()
            },
        }
    }

    /// The first ID request `n` reads.
    pub fn first_id(&self, n: u64) -> i64 {
        let offset = i128::from(self.stride) * i128::from(n) * i128::from(self.per_request);
        (i128::from(self.start) + offset).clamp(0, i128::from(i64::MAX)) as i64
    }
}

impl Step for SequentialWalk {
    fn request(&self, world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        let ids = &world.ids;
        let first = self.first_id(n);
        let request = if self.per_request == 1 {
            Request::read(
                Route::Account,
                Some(first),
                Query::None,
                i32::from(ids.exists(first)),
            )
        } else {
            let count = self.per_request.min(u32::from(u16::MAX)) as u16;
            let hits = (0..i64::from(count))
                .filter(|k| ids.exists(first.saturating_add(self.stride * k)))
                .count() as i32;
            let mut batch = Request::read(
                Route::AccountsBatch,
                None,
                Query::Ids {
                    first,
                    stride: self.stride,
                    count,
                },
                hits,
            );
            // A batch endpoint answers 200 with whatever it found, even nothing.
            batch.status = 200;
            batch
        };
        let principal = (!self.accounts.is_empty()).then(|| {
            self.accounts[((n / REQUESTS_PER_LOGIN) % self.accounts.len() as u64) as usize]
        });
        Some(request.as_principal(principal, self.key))
    }
}
