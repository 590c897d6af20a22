//! An attack campaign as an agent: it sends the requests the generator planned for it
//! (targets, routes, identities) in order, and decides from its answers when to send the
//! next one and from which identity, as its [`Policy`] says.
//!
//! An agent is deterministic for a seed: the fresh identities it rotates to come from a
//! ChaCha stream keyed by the run's seed and the campaign's id.

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::policy::Policy;

/// The shortest wait before a request is sent again, so time moves on a refusal.
const MIN_RETRY_GAP_US: i64 = 1_000;

/// An identity of a planned request: its address, principal and session.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedIdentity {
    pub address: String,
    pub principal: Option<i64>,
    pub session: Option<i64>,
}

/// What the agent sends next.
#[derive(Debug, Clone, PartialEq)]
pub struct Send {
    pub ts_us: i64,
    /// The planned request (its index in the plan).
    pub step: usize,
    pub identity: PlannedIdentity,
}

/// The agent's tally: what the attack cost.
#[derive(Debug, Clone, Default)]
pub struct AgentTally {
    pub sent: u64,
    pub refused: u64,
    pub served: u64,
    pub rotations: u64,
    pub slowdowns: u64,
    pub pauses: u64,
    pub first_sent_us: Option<i64>,
    pub last_sent_us: Option<i64>,
    pub addresses_used: HashSet<String>,
    pub addresses_burned: HashSet<String>,
    pub principals_used: HashSet<i64>,
    pub principals_burned: HashSet<i64>,
    pub sessions_used: HashSet<i64>,
}

pub struct Agent {
    /// Planned send times, in order.
    planned_ts: Vec<i64>,
    planned_ids: Vec<PlannedIdentity>,
    policy: Policy,
    /// The next planned request and when it goes out.
    step: usize,
    next_ts: i64,
    /// Gaps are the planned ones times this (back-off).
    gap_factor: f64,
    refusals_in_a_row: u32,
    /// Rotations of each planned identity, and the fresh identity each maps to now.
    rotated: HashMap<PlannedIdentity, PlannedIdentity>,
    /// Mimic: the learned smallest gap between two requests of one identity, and when
    /// each identity last sent.
    learned_gap_us: HashMap<PlannedIdentity, i64>,
    last_sent: HashMap<PlannedIdentity, i64>,
    stream: ChaCha8Rng,
    pub tally: AgentTally,
}

impl Agent {
    /// An agent for the plan `(planned_ts, planned_ids)`, its stream keyed by `seed` and
    /// `campaign_id`.
    pub fn new(
        planned_ts: Vec<i64>,
        planned_ids: Vec<PlannedIdentity>,
        policy: Policy,
        seed: u64,
        campaign_id: i32,
    ) -> Agent {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..12].copy_from_slice(&campaign_id.to_le_bytes());
        key[12..20].copy_from_slice(b"defend-a");
        let next_ts = planned_ts.first().copied().unwrap_or(i64::MAX);
        Agent {
            planned_ts,
            planned_ids,
            policy,
            step: 0,
            next_ts,
            gap_factor: 1.0,
            refusals_in_a_row: 0,
            rotated: HashMap::new(),
            learned_gap_us: HashMap::new(),
            last_sent: HashMap::new(),
            stream: ChaCha8Rng::from_seed(key),
            tally: AgentTally::default(),
        }
    }

    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Planned requests not sent (the span ended first).
    pub fn unsent(&self) -> usize {
        self.planned_ts.len() - self.step
    }

    /// The next request, if any is left.
    pub fn next(&self) -> Option<Send> {
        let planned = self.planned_ids.get(self.step)?;
        let identity = self.rotated.get(planned).unwrap_or(planned).clone();
        let mut ts_us = self.next_ts;
        if let (Some(gap), Some(last)) = (
            self.learned_gap_us.get(&identity),
            self.last_sent.get(&identity),
        ) {
            ts_us = ts_us.max(last + gap);
        }
        Some(Send {
            ts_us,
            step: self.step,
            identity,
        })
    }

    /// The planned gap after `step`, times the back-off factor.
    fn gap_after(&self, step: usize) -> i64 {
        let planned = match (self.planned_ts.get(step), self.planned_ts.get(step + 1)) {
            (Some(a), Some(b)) => b - a,
            _ => 0,
        };
        (planned as f64 * self.gap_factor).round() as i64
    }

    /// The gateway's answer to `sent`: refused or served.
    pub fn answer(&mut self, sent: &Send, refused: bool) {
        self.record(sent, refused);
        if !refused {
            self.refusals_in_a_row = 0;
            if let Policy::BackOff { recovery, .. } = self.policy {
                self.gap_factor = (self.gap_factor * (1.0 - recovery)).max(1.0);
            }
            self.advance(sent.ts_us);
            return;
        }
        self.refusals_in_a_row += 1;
        let retry_gap = self.gap_after(self.step).max(MIN_RETRY_GAP_US);
        match self.policy {
            Policy::None => self.advance(sent.ts_us),
            Policy::Rotate { pool, .. } => {
                if self.tally.rotations < u64::from(pool) {
                    self.tally.rotations += 1;
                    let planned = self.planned_ids[self.step].clone();
                    let fresh = self.fresh_identity(&planned);
                    self.rotated.insert(planned, fresh);
                    self.next_ts = sent.ts_us + retry_gap;
                } else {
                    self.advance(sent.ts_us);
                }
            }
            Policy::BackOff {
                refusals_to_slow, ..
            } => {
                if self.refusals_in_a_row >= refusals_to_slow {
                    self.refusals_in_a_row = 0;
                    self.gap_factor *= 2.0;
                    self.tally.slowdowns += 1;
                }
                self.next_ts = sent.ts_us + self.gap_after(self.step).max(MIN_RETRY_GAP_US);
            }
            Policy::Pause { pause_s } => {
                self.tally.pauses += 1;
                self.next_ts = sent.ts_us + (pause_s * 1e6).round() as i64;
            }
            Policy::Mimic { refusals_to_slow } => {
                if self.refusals_in_a_row >= refusals_to_slow {
                    self.refusals_in_a_row = 0;
                    self.slow_identity(&sent.identity);
                }
                self.next_ts = sent.ts_us + retry_gap;
            }
        }
    }

    fn record(&mut self, sent: &Send, refused: bool) {
        let tally = &mut self.tally;
        tally.sent += 1;
        tally.first_sent_us.get_or_insert(sent.ts_us);
        tally.last_sent_us = Some(sent.ts_us);
        let id = &sent.identity;
        tally.addresses_used.insert(id.address.clone());
        tally.principals_used.extend(id.principal);
        tally.sessions_used.extend(id.session);
        if refused {
            tally.refused += 1;
            tally.addresses_burned.insert(id.address.clone());
            tally.principals_burned.extend(id.principal);
        } else {
            tally.served += 1;
        }
        if matches!(self.policy, Policy::Mimic { .. }) {
            self.last_sent.insert(id.clone(), sent.ts_us);
        }
    }

    /// Mimic: the identity was refused; its learned gap becomes twice the gap it had
    /// just used (at least a second), halving its rate towards what the answers show is
    /// still served.
    fn slow_identity(&mut self, identity: &PlannedIdentity) {
        self.tally.slowdowns += 1;
        let used = self
            .learned_gap_us
            .get(identity)
            .copied()
            .unwrap_or_else(|| self.gap_after(self.step).max(1_000_000));
        self.learned_gap_us
            .insert(identity.clone(), (used * 2).max(1_000_000));
    }

    fn advance(&mut self, now: i64) {
        let gap = self.gap_after(self.step);
        self.step += 1;
        self.next_ts = now + gap;
    }

    /// An address, principal and session never used: drawn from the campaign's stream
    /// (addresses in public-looking /8s, principals and sessions in a range the
    /// generator never numbers).
    fn fresh_identity(&mut self, planned: &PlannedIdentity) -> PlannedIdentity {
        let bits = self.stream.next_u64();
        let first = [23u64, 45, 64, 98, 103, 146, 172, 185, 194, 212][(bits % 10) as usize];
        let address = format!(
            "{first}.{}.{}.{}",
            (bits >> 8) & 0xff,
            (bits >> 16) & 0xff,
            1 + ((bits >> 24) % 254)
        );
        const FRESH_BASE: i64 = 9_000_000_000_000_000;
        let mut number = || FRESH_BASE + (self.stream.next_u64() >> 14) as i64;
        PlannedIdentity {
            address,
            principal: planned.principal.map(|_| number()),
            session: planned.session.map(|_| number()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(n: usize, gap_s: i64) -> (Vec<i64>, Vec<PlannedIdentity>) {
        let ts = (0..n as i64).map(|i| i * gap_s * 1_000_000).collect();
        let ids = (0..n)
            .map(|_| PlannedIdentity {
                address: "203.0.113.9".into(),
                principal: Some(5),
                session: None,
            })
            .collect();
        (ts, ids)
    }

    #[test]
    fn none_moves_on_after_a_refusal_and_keeps_the_planned_times() {
        let (ts, ids) = plan(3, 10);
        let mut agent = Agent::new(ts, ids, Policy::None, 1, 0);
        let first = agent.next().unwrap();
        agent.answer(&first, true);
        let second = agent.next().unwrap();
        assert_eq!((second.step, second.ts_us), (1, 10_000_000));
        assert_eq!(second.identity, first.identity);
    }

    #[test]
    fn rotate_retries_from_a_fresh_identity_until_the_pool_is_spent() {
        let (ts, ids) = plan(3, 10);
        let policy = Policy::Rotate {
            pool: 1,
            rotation_cost: 1.0,
        };
        let mut agent = Agent::new(ts, ids, policy, 1, 0);
        let first = agent.next().unwrap();
        agent.answer(&first, true);
        let retry = agent.next().unwrap();
        assert_eq!(retry.step, 0);
        assert_ne!(retry.identity.address, first.identity.address);
        assert_ne!(retry.identity.principal, Some(5));
        agent.answer(&retry, true);
        // Pool spent: the agent gives the request up.
        assert_eq!(agent.next().unwrap().step, 1);
        assert_eq!(agent.tally.rotations, 1);
        assert_eq!(agent.tally.addresses_burned.len(), 2);
    }

    #[test]
    fn back_off_doubles_its_gaps_after_k_refusals() {
        let (ts, ids) = plan(4, 10);
        let policy = Policy::BackOff {
            refusals_to_slow: 2,
            recovery: 0.5,
        };
        let mut agent = Agent::new(ts, ids, policy, 1, 0);
        let a = agent.next().unwrap();
        agent.answer(&a, true);
        let b = agent.next().unwrap();
        assert_eq!((b.step, b.ts_us), (0, 10_000_000));
        agent.answer(&b, true);
        let c = agent.next().unwrap();
        assert_eq!((c.step, c.ts_us), (0, 30_000_000), "gap doubled to 20 s");
        agent.answer(&c, false);
        let d = agent.next().unwrap();
        assert_eq!(
            (d.step, d.ts_us),
            (1, 40_000_000),
            "served: factor back to 1"
        );
    }

    #[test]
    fn pause_waits_then_resends_the_same_request() {
        let (ts, ids) = plan(2, 10);
        let mut agent = Agent::new(ts, ids, Policy::Pause { pause_s: 60.0 }, 1, 0);
        let a = agent.next().unwrap();
        agent.answer(&a, true);
        let b = agent.next().unwrap();
        assert_eq!((b.step, b.ts_us), (0, 60_000_000));
    }

    #[test]
    fn fresh_identities_depend_on_the_seed_only() {
        let run = |seed| {
            let (ts, ids) = plan(2, 1);
            let policy = Policy::Rotate {
                pool: 5,
                rotation_cost: 1.0,
            };
            let mut agent = Agent::new(ts, ids, policy, seed, 3);
            let a = agent.next().unwrap();
            agent.answer(&a, true);
            agent.next().unwrap().identity
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
