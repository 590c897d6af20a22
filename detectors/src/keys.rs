//! Actor keys and per-actor state maps, built for tens of millions of events per second.
//!
//! Every actor (an IP, a principal, an API key, a route) is reduced once per event to a
//! 64-bit foldhash of its bytes, and state maps are keyed by that `u64` with a
//! pass-through hasher: no string is copied or hashed twice. The trade-off is that two
//! distinct actors whose hashes collide share state. With `n` live actors the chance of
//! any collision is about `n² / 2⁶⁵`: about 3 × 10⁻¹⁰ for 100 000 actors, far below
//! the noise of any detector, so it is accepted. Seeds differ per key space, so an IP and
//! a principal id with the same bytes do not collide systematically.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use foldhash::fast::FixedState;

/// The key of "no actor" (a null column value); never produced by [`hash_bytes`] or
/// [`hash_int`].
pub(crate) const NO_KEY: u64 = 0;

/// Seeds of the separate key spaces.
pub(crate) const IP_SEED: u64 = 0x6970_5f73_6565_6401;
pub(crate) const PRINCIPAL_SEED: u64 = 0x7072_696e_6369_7002;
pub(crate) const API_KEY_SEED: u64 = 0x6170_695f_6b65_7903;
pub(crate) const ROUTE_SEED: u64 = 0x726f_7574_6573_6504;

#[inline]
fn non_zero(hash: u64) -> u64 {
    if hash == NO_KEY { 1 } else { hash }
}

#[inline]
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut hasher = FixedState::with_seed(seed).build_hasher();
    hasher.write(bytes);
    non_zero(hasher.finish())
}

#[inline]
pub(crate) fn hash_int(seed: u64, value: i64) -> u64 {
    non_zero(FixedState::with_seed(seed).hash_one(value))
}

/// A hasher for keys that already are well-mixed 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Per-actor state keyed by an actor hash.
pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<PassThroughHasher>>;

/// Schedules sweeps of idle state at fixed boundaries of event time, so that when a
/// sweep happens depends on the events alone, never on how they were batched.
pub(crate) struct Sweeper {
    interval: i64,
    next_due: i64,
}

impl Sweeper {
    pub fn every(interval_micros: i64) -> Self {
        Sweeper {
            interval: interval_micros.max(1),
            next_due: i64::MIN,
        }
    }

    /// True once per interval of event time, at the first event at or past a boundary.
    #[inline]
    pub fn due(&mut self, now: i64) -> bool {
        if now < self.next_due {
            return false;
        }
        let boundary = now.div_euclid(self.interval).saturating_mul(self.interval);
        self.next_due = boundary.saturating_add(self.interval);
        true
    }
}

/// Maps timestamps to the index of their fixed window (aligned to the Unix epoch),
/// dividing only when time leaves the window seen last.
pub(crate) struct WindowClock {
    length: i64,
    index: i64,
    start: i64,
    end: i64,
}

impl WindowClock {
    pub fn new(length_micros: i64) -> Self {
        WindowClock {
            length: length_micros.max(1),
            index: 0,
            start: 0,
            end: 0,
        }
    }

    #[inline]
    pub fn index(&mut self, ts: i64) -> i64 {
        if ts < self.start || ts >= self.end {
            self.index = ts.div_euclid(self.length);
            self.start = self.index.saturating_mul(self.length);
            self.end = self.start.saturating_add(self.length);
        }
        self.index
    }

    /// Where `ts` lies in its window, from 0 (start) to just under 1 (end).
    #[inline]
    pub fn fraction(&mut self, ts: i64) -> f64 {
        self.index(ts);
        (ts - self.start) as f64 / self.length as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_spaces_differ_and_never_yield_no_key() {
        assert_ne!(
            hash_int(PRINCIPAL_SEED, 42),
            hash_bytes(PRINCIPAL_SEED, b"42")
        );
        assert_ne!(
            hash_bytes(IP_SEED, b"10.0.0.1"),
            hash_bytes(ROUTE_SEED, b"10.0.0.1")
        );
        assert_ne!(hash_bytes(IP_SEED, b""), NO_KEY);
    }

    #[test]
    fn sweeper_fires_once_per_interval_of_event_time() {
        let mut sweeper = Sweeper::every(10);
        let fired: Vec<i64> = [3, 5, 9, 10, 11, 35, 36, 40]
            .into_iter()
            .filter(|&ts| sweeper.due(ts))
            .collect();
        assert_eq!(fired, vec![3, 10, 35, 40]);
    }

    #[test]
    fn window_clock_handles_negative_time_and_going_back() {
        let mut clock = WindowClock::new(10);
        assert_eq!(clock.index(-1), -1);
        assert_eq!(clock.index(25), 2);
        assert_eq!(clock.index(19), 1);
        assert!((clock.fraction(15) - 0.5).abs() < 1e-12);
    }
}
