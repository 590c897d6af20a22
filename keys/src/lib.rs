//! Actor keys and per-actor state maps, built for tens of millions of events per second.
//!
//! A crate of its own because two sides use it: the detectors key their per-actor state
//! by it and the harness metrics key their per-actor tallies by it, and the metrics must
//! not depend on the detectors they score. Pure computation: no I/O, no clock (tables
//! only ask the system for memory backed by huge pages, see [`HugePageVec`]).
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

mod huge_pages;

pub use huge_pages::HugePageVec;

/// The key of "no actor" (a null column value); never produced by [`hash_bytes`] or
/// [`hash_int`].
pub const NO_KEY: u64 = 0;

/// Seeds of the separate key spaces.
pub const IP_SEED: u64 = 0x6970_5f73_6565_6401;
pub const PRINCIPAL_SEED: u64 = 0x7072_696e_6369_7002;
pub const API_KEY_SEED: u64 = 0x6170_695f_6b65_7903;
pub const ROUTE_SEED: u64 = 0x726f_7574_6573_6504;

#[inline]
fn non_zero(hash: u64) -> u64 {
    if hash == NO_KEY { 1 } else { hash }
}

#[inline]
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut hasher = FixedState::with_seed(seed).build_hasher();
    hasher.write(bytes);
    non_zero(hasher.finish())
}

#[inline]
pub fn hash_int(seed: u64, value: i64) -> u64 {
    non_zero(FixedState::with_seed(seed).hash_one(value))
}

/// A hasher for keys that already are well-mixed 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub struct PassThroughHasher(u64);

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
pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<PassThroughHasher>>;

/// A map from actor key to a dense `u32` slot, built for lookups whose cache misses
/// overlap: open addressing with linear probing in one flat array, so the entry of a key
/// a few rows ahead can be [`prefetch`](Self::prefetch)ed while the current row is looked
/// up (a std `HashMap` hides where its entries live). Kept at most three quarters full; entries
/// are removed in bulk by a pass that re-places the rest, so no tombstones accumulate.
///
/// Any `u64` is a key; keys should be well spread in their high bits after a
/// multiplication (hashes, or integers: Fibonacci hashing spreads consecutive ones).
#[derive(Default, Clone)]
pub struct SlotTable {
    /// `(key, slot)`, key [`NO_KEY`] (0) for an empty entry.
    entries: HugePageVec<(u64, u32)>,
    /// The slot of key 0, which cannot live in `entries` since 0 marks an empty one.
    zero_key_slot: Option<u32>,
    /// Occupied entries (key 0 not counted).
    len: usize,
    /// `64 - log2(entries.len())`.
    shift: u32,
}

impl std::fmt::Debug for SlotTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotTable")
            .field("len", &self.len)
            .field("capacity", &self.entries.len())
            .finish()
    }
}

impl SlotTable {
    const MIN_CAPACITY: usize = 1024;

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    /// Asks the CPU to bring `key`'s entry into cache.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        if let Some(entry) = self.entries.get(self.home(key)) {
            prefetch(entry);
        }
    }

    /// The slot of `key`, inserting `fresh` when absent.
    #[inline]
    pub fn get_or_insert(&mut self, key: u64, fresh: u32) -> u32 {
        if key == NO_KEY {
            return *self.zero_key_slot.get_or_insert(fresh);
        }
        if 4 * (self.len + 1) > 3 * self.entries.len() {
            self.grow();
        }
        let mask = self.entries.len() - 1;
        let mut index = self.home(key);
        loop {
            let (entry_key, slot) = self.entries[index];
            if entry_key == key {
                return slot;
            }
            if entry_key == NO_KEY {
                self.entries[index] = (key, fresh);
                self.len += 1;
                return fresh;
            }
            index = (index + 1) & mask;
        }
    }

    /// Keeps only the entries whose slot `keep` accepts, in one pass over the table.
    pub fn retain_slots(&mut self, mut keep: impl FnMut(u32) -> bool) {
        if self.zero_key_slot.is_some_and(|slot| !keep(slot)) {
            self.zero_key_slot = None;
        }
        // Start after an empty entry (there is one: the table is at most three quarters full), so
        // each cluster of occupied entries is walked from its start. Past a removed
        // entry, the rest of its cluster may be unreachable from their home: each is
        // re-placed, which only ever moves it back into the part already walked.
        let Some(empty) = self.entries.iter().position(|entry| entry.0 == NO_KEY) else {
            return;
        };
        let mask = self.entries.len() - 1;
        let mut hole_in_cluster = false;
        for step in 1..=mask {
            let index = (empty + step) & mask;
            let entry = self.entries[index];
            if entry.0 == NO_KEY {
                hole_in_cluster = false;
            } else if !keep(entry.1) {
                self.entries[index] = (NO_KEY, 0);
                self.len -= 1;
                hole_in_cluster = true;
            } else if hole_in_cluster {
                self.entries[index] = (NO_KEY, 0);
                self.place(entry);
            }
        }
    }

    /// Empties the table and inserts `entries` (distinct keys): cheaper than
    /// [`retain_slots`](Self::retain_slots) when most entries go.
    pub fn rebuild(&mut self, entries: impl Iterator<Item = (u64, u32)>) {
        self.entries.fill((NO_KEY, 0));
        self.zero_key_slot = None;
        self.len = 0;
        for (key, slot) in entries {
            self.get_or_insert(key, slot);
        }
    }

    /// Entries the table has room for (a power of two, or 0 before the first insert).
    pub fn capacity(&self) -> usize {
        self.entries.len()
    }

    /// Removes `key`, returning its slot; every other key keeps its slot. The entries
    /// after it in its cluster that it kept from their home move back (backward-shift
    /// deletion), so no tombstone is left. Cheaper than [`retain_slots`](Self::retain_slots)
    /// when few of many keys go.
    pub fn remove(&mut self, key: u64) -> Option<u32> {
        if key == NO_KEY {
            return self.zero_key_slot.take();
        }
        if self.entries.is_empty() {
            return None;
        }
        let mask = self.entries.len() - 1;
        let mut hole = self.home(key);
        while self.entries[hole].0 != key {
            if self.entries[hole].0 == NO_KEY {
                return None;
            }
            hole = (hole + 1) & mask;
        }
        let slot = self.entries[hole].1;
        let mut next = (hole + 1) & mask;
        while self.entries[next].0 != NO_KEY {
            let entry = self.entries[next];
            // The entry may fill the hole when the hole lies between its home and it.
            let from_home = next.wrapping_sub(self.home(entry.0)) & mask;
            if from_home >= next.wrapping_sub(hole) & mask {
                self.entries[hole] = entry;
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.entries[hole] = (NO_KEY, 0);
        self.len -= 1;
        Some(slot)
    }

    /// Puts `entry` at the first empty entry from its key's home.
    fn place(&mut self, entry: (u64, u32)) {
        let mask = self.entries.len() - 1;
        let mut index = self.home(entry.0);
        while self.entries[index].0 != NO_KEY {
            index = (index + 1) & mask;
        }
        self.entries[index] = entry;
    }

    fn grow(&mut self) {
        let capacity = (self.entries.len() * 2).max(Self::MIN_CAPACITY);
        // Filled by writing at once: a page first read would map the shared zero page,
        // and its first insert would then fault again, flushing every core's TLB.
        let entries = std::iter::repeat_n((NO_KEY, 0), capacity).collect();
        let old = std::mem::replace(&mut self.entries, entries);
        self.shift = 64 - capacity.trailing_zeros();
        self.len = 0;
        for &(key, slot) in old.iter() {
            if key != NO_KEY {
                self.get_or_insert(key, slot);
            }
        }
    }
}

/// Asks the CPU to bring every cache line of `value` into cache; a no-op where that
/// cannot be asked.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    const CACHE_LINE: usize = 64;
    let start = (value as *const T).cast::<i8>();
    let mut offset = 0;
    while offset < size_of::<T>().max(1) {
        prefetch_line(start.wrapping_add(offset));
        offset += CACHE_LINE;
    }
    if size_of::<T>() > CACHE_LINE {
        prefetch_line(start.wrapping_add(size_of::<T>() - 1));
    }
}

#[inline(always)]
fn prefetch_line(address: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing and never faults, whatever the
    // address, and SSE is part of every x86_64 target.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = address;
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
    fn slot_table_matches_a_map_through_inserts_and_removals() {
        let mut table = SlotTable::default();
        let mut expected = std::collections::HashMap::new();
        // Keys as spread as hashes, 700 of them in 1024 entries: clusters of entries off
        // their home are common, so removals move entries. (Evenly spaced integers would
        // almost never share a home under Fibonacci hashing.)
        let key_of = |i: u64| hash_int(IP_SEED, (i % 700) as i64);
        for i in 0..40_000u64 {
            let key = key_of(i.wrapping_mul(7_919) % 1_500);
            if i % 1_000 == 999 {
                let drop_odd = i % 2_000 == 999;
                let dropped: Vec<(u64, u32)> = expected
                    .iter()
                    .filter(|(_, slot)| (**slot % 2 == 1) == drop_odd)
                    .map(|(&key, &slot)| (key, slot))
                    .collect();
                expected.retain(|_, slot| (*slot % 2 == 1) != drop_odd);
                match i % 3_000 {
                    999 => table.rebuild(expected.iter().map(|(&key, &slot)| (key, slot))),
                    1_999 => {
                        for (key, slot) in dropped {
                            assert_eq!(table.remove(key), Some(slot), "key {key} at step {i}");
                            assert_eq!(table.remove(key), None, "key {key} removed twice");
                        }
                    }
                    _ => table.retain_slots(|slot| (slot % 2 == 1) != drop_odd),
                }
            } else {
                let fresh = i as u32;
                let want = *expected.entry(key).or_insert(fresh);
                assert_eq!(
                    table.get_or_insert(key, fresh),
                    want,
                    "key {key} at step {i}"
                );
            }
        }
        for (&key, &slot) in &expected {
            assert_eq!(table.get_or_insert(key, u32::MAX), slot);
        }
        assert_eq!(table.len, expected.len());
    }

    #[test]
    fn key_zero_is_a_key_like_any_other() {
        let mut table = SlotTable::default();
        assert_eq!(table.get_or_insert(0, 7), 7);
        for key in 1..5_000u64 {
            table.get_or_insert(key, key as u32);
        }
        assert_eq!(table.get_or_insert(0, 99), 7, "kept through growth");
        table.retain_slots(|slot| slot != 3);
        assert_eq!(
            table.get_or_insert(0, 99),
            7,
            "kept by a retain that keeps it"
        );
        table.retain_slots(|slot| slot != 7);
        assert_eq!(table.get_or_insert(0, 11), 11, "dropped by a retain");
        table.rebuild([(0, 21), (5, 22)].into_iter());
        assert_eq!(table.get_or_insert(0, 99), 21);
        assert_eq!(table.get_or_insert(5, 99), 22);
        assert_eq!(table.get_or_insert(6, 23), 23, "others were dropped");
        assert_eq!(table.remove(0), Some(21));
        assert_eq!(table.remove(0), None);
        assert_eq!(table.get_or_insert(0, 24), 24, "removed");
    }
}
