//! Technique 5, credential stuffing then BOLA: a combo list tried on login (mostly 401s,
//! `success_rate` of them 200), and through each taken-over account `reads_per_account`
//! reads of other customers' accounts by ID.
//!
//! The sequence is closed-form so request `n` is known alone: login `i` succeeds when
//! `floor((i + 1) s + phase)` steps past `floor(i s + phase)` (`s` the success rate,
//! `phase` keyed), so `S(i) = floor(i s + phase)` logins before `i` succeeded, and login
//! `i` is request `i + reads * S(i)`; the reads of a success follow its login directly.
//! BOLA targets are a keyed shuffle of the ID space, so no account is read twice.

use super::{Request, Shuffle, Step};
use crate::event::{Query, Route};
use crate::rng::{Stream, hash_words, salt, unit};
use crate::sources::World;
use breachlab_schema::Phase;

pub struct CredentialStuffing {
    key: u64,
    success_rate: f64,
    reads: u64,
    phase: f64,
    targets: Shuffle,
}

/// What request `n` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    /// Login attempt `i`; `Some(j)` when it is the `j`-th success.
    Login(Option<u64>),
    /// Read `k` through the `j`-th taken-over account.
    Read { account: u64, k: u64 },
}

impl CredentialStuffing {
    pub fn new(world: &World, key: u64, success_rate: f64, reads_per_account: u32) -> Self {
        CredentialStuffing {
            key,
            success_rate: success_rate.clamp(0.0, 1.0),
            reads: u64::from(reads_per_account),
            phase: unit(hash_words(&[key, salt::STUFFING_PHASE])),
            targets: Shuffle::new(world.ids.size, hash_words(&[key, salt::STUFFING_TARGETS])),
        }
    }

    /// Successful logins among the first `i`.
    fn successes_before(&self, i: u64) -> u64 {
        (i as f64 * self.success_rate + self.phase).floor() as u64
    }

    fn position_of_login(&self, i: u64) -> u64 {
        i + self.reads * self.successes_before(i)
    }

    fn classify(&self, n: u64) -> Move {
        // The last login at or before request n (positions strictly increase with i).
        let (mut low, mut high) = (0u64, n);
        while low < high {
            let mid = low + (high - low).div_ceil(2);
            if self.position_of_login(mid) <= n {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        let login = low;
        let account = self.successes_before(login);
        let succeeded = self.successes_before(login + 1) > account;
        let at = self.position_of_login(login);
        if n == at {
            Move::Login(succeeded.then_some(account))
        } else {
            Move::Read {
                account,
                k: n - at - 1,
            }
        }
    }

    fn taken_over(&self, world: &World, account: u64) -> i64 {
        world
            .ids
            .existing_at(hash_words(&[self.key, account, salt::STUFFED_ACCOUNT]))
    }
}

impl Step for CredentialStuffing {
    fn request(&self, world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        match self.classify(n) {
            Move::Login(success) => {
                let principal = success.map(|j| self.taken_over(world, j));
                let mut login = Request::read(Route::Login, None, Query::None, 0)
                    .as_principal(principal, self.key);
                login.status = if principal.is_some() { 200 } else { 401 };
                login.phase = Phase::Login;
                login.exposed = 0;
                // A login goes through the app's endpoint, with its key, either way.
                login.authenticated = true;
                Some(login)
            }
            Move::Read { account, k } => {
                let owner = self.taken_over(world, account);
                let (offset, first_visit) = self.targets.draw(account * self.reads + k);
                let id = world.ids.id_base + offset as i64;
                let found = i32::from(world.ids.exists(id));
                let mut read = Request::read(Route::Account, Some(id), Query::None, found);
                read.exposed = i32::from(found > 0 && first_visit && id != owner);
                Some(read.as_principal(Some(owner), self.key))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stuffing(success_rate: f64, reads: u64) -> CredentialStuffing {
        CredentialStuffing {
            key: 1,
            success_rate,
            reads,
            phase: 0.3,
            targets: Shuffle::new(100, 1),
        }
    }

    #[test]
    fn every_success_is_followed_by_its_reads_and_then_the_next_login() {
        let s = stuffing(0.25, 3);
        let moves: Vec<Move> = (0..40).map(|n| s.classify(n)).collect();
        let mut expected_account = 0;
        for (n, m) in moves.iter().enumerate() {
            if let Move::Login(Some(j)) = m {
                assert_eq!(*j, expected_account);
                for k in 0..3 {
                    assert_eq!(
                        moves
                            .get(n + 1 + k as usize)
                            .copied()
                            .unwrap_or(Move::Read { account: *j, k }),
                        Move::Read { account: *j, k }
                    );
                }
                expected_account += 1;
            }
        }
        let logins = moves.iter().filter(|m| matches!(m, Move::Login(_))).count();
        let successes = moves
            .iter()
            .filter(|m| matches!(m, Move::Login(Some(_))))
            .count();
        assert!(expected_account > 0);
        assert!((successes as f64 / logins as f64 - 0.25).abs() < 0.1);
    }
}
