//! Technique 4, low-and-slow (the T-Mobile 2023 estimate): accounts read by ID through
//! customers' stolen app tokens, each token reused from many addresses of a rotating
//! residential proxy pool, each address kept under the benign per-IP rate, the app's own
//! user agents and key, the volume shaped by the customers' daily cycle when asked.
//!
//! Request `n` reads the `n`-th ID of the walk (in ID order, or a keyed shuffle of the
//! ID space) through token `n mod tokens`; each ID is read once.

use super::pool::mimic_client;
use super::{Request, Shuffle, Step, session_of};
use crate::event::{Query, Route};
use crate::population;
use crate::rng::{Stream, hash_words, salt, unit};
use crate::scenario::Order;
use crate::sources::World;
use breachlab_schema::ClientKind;

/// Requests per hour an address stays under unless the scenario sets a cap: about the
/// benign customers' per-address 95th percentile (a session's worth). Estimate.
pub const DEFAULT_PER_IP_CAP_PER_H: f64 = 4.0;

/// The account reads a stolen token is used for, weighted like the customers' own.
const READS: &[(Route, f64)] = &[
    (Route::Account, 0.34),
    (Route::Lines, 0.18),
    (Route::Billing, 0.16),
    (Route::Plan, 0.14),
];

pub struct LowAndSlow {
    key: u64,
    /// The accounts whose tokens were stolen.
    tokens: Vec<i64>,
    shuffle: Option<Shuffle>,
}

impl LowAndSlow {
    pub fn new(world: &World, key: u64, tokens: u32, order: Order) -> Self {
        let ids = &world.ids;
        LowAndSlow {
            key,
            tokens: (0..u64::from(tokens.max(1)))
                .map(|t| ids.existing_at(hash_words(&[key, t, salt::TOKEN_OWNER])))
                .collect(),
            shuffle: (order == Order::Shuffled)
                .then(|| Shuffle::new(ids.size, hash_words(&[key, salt::TARGET_SHUFFLE]))),
        }
    }

    /// The `m`-th ID of the walk and whether it is read for the first time.
    fn target(&self, world: &World, m: u64) -> (i64, bool) {
        let size = world.ids.size.max(1);
        let (offset, first_visit) = match &self.shuffle {
            Some(shuffle) => shuffle.draw(m),
            None => (m % size, m < size),
        };
        (world.ids.id_base + offset as i64, first_visit)
    }
}

fn pick_read(u: f64) -> Route {
    let total: f64 = READS.iter().map(|(_, w)| w).sum();
    let mut cumulative = 0.0;
    for (route, weight) in READS {
        cumulative += weight / total;
        if u < cumulative {
            return *route;
        }
    }
    READS[READS.len() - 1].0
}

impl Step for LowAndSlow {
    fn request(&self, world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        let (id, first_visit) = self.target(world, n);
        let route = pick_read(unit(hash_words(&[self.key, n, salt::READ_ROUTE])));
        let records = match (world.ids.exists(id), route) {
            (false, _) => 0,
            (true, Route::Lines) => population::account_lines(world.seed, id),
            (true, _) => 1,
        };
        let token = (n % self.tokens.len() as u64) as usize;
        let owner = self.tokens[token];
        let mut request = Request::read(route, Some(id), Query::None, records);
        request.exposed = i32::from(records > 0 && first_visit && id != owner);
        let mut request = request.as_principal(Some(owner), self.key);
        // The token's session and app install travel with it from address to address.
        request.session = Some(session_of(self.key, owner));
        request.client = Some(mimic_client(
            ClientKind::App,
            hash_words(&[self.key, owner as u64, salt::MIMIC_CLIENT]),
        ));
        Some(request)
    }
}
