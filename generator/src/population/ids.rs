//! The account ID space: which integer IDs name a real account.
//!
//! Real customer IDs are not dense: closed accounts, test ranges and allocation gaps leave
//! holes, so an attacker walking IDs sees only a share of hits. Here an ID exists iff a
//! keyed hash of (seed, id) falls under the density. That makes existence an O(1) pure
//! function of the scenario seed, the same on every machine and thread, with no table of
//! IDs to build or share.

use super::hash::{derive_key, keyed_hash};

const EXISTENCE_PURPOSE: u64 = 0x1d5_ac3;

/// IDs `id_base .. id_base + size`, of which about `density` exist.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdSpace {
    seed: u64,
    pub id_base: i64,
    pub size: u64,
    pub density: f64,
    /// An ID exists iff its hash is below this; `u64::MAX` with `density == 1` means all.
    threshold: u64,
    existence_key: u64,
}

impl IdSpace {
    /// A space sized so that about `accounts` IDs exist: `size = ceil(accounts / density)`.
    ///
    /// Panics unless `0 < density <= 1`.
    pub fn new(seed: u64, accounts: u64, id_base: i64, density: f64) -> Self {
        assert!(
            density > 0.0 && density <= 1.0,
            "density must be in (0, 1], got {density}"
        );
        Self {
            seed,
            id_base,
            size: ids_holding(accounts, density),
            density,
            threshold: threshold_for(density),
            existence_key: derive_key(seed, EXISTENCE_PURPOSE),
        }
    }

    /// How many consecutive IDs of the space hold about `accounts` accounts:
    /// `ceil(accounts / density)`, the rule that sizes the space itself.
    pub fn ids_holding(&self, accounts: u64) -> u64 {
        ids_holding(accounts, self.density)
    }

    /// One past the last ID of the space.
    pub fn end(&self) -> i64 {
        self.id_base + self.size as i64
    }

    /// Whether `id` lies in the space (existing or not).
    pub fn contains(&self, id: i64) -> bool {
        id >= self.id_base && id < self.end()
    }

    /// Whether an account with this ID exists.
    #[inline]
    pub fn exists(&self, id: i64) -> bool {
        self.contains(id) && self.hash_is_under_threshold(id)
    }

    #[inline]
    fn hash_is_under_threshold(&self, id: i64) -> bool {
        if self.threshold == u64::MAX {
            return true;
        }
        keyed_hash(self.existence_key, id as u64) < self.threshold
    }

    /// The scenario seed the space was drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many accounts the space holds on average: `round(size * density)`.
    pub fn expected_accounts(&self) -> u64 {
        (self.size as f64 * self.density).round() as u64
    }

    /// The first existing ID at or after `from`, if any remains in the space.
    pub fn next_existing(&self, from: i64) -> Option<i64> {
        (from.max(self.id_base)..self.end()).find(|&id| self.hash_is_under_threshold(id))
    }

    /// The account at `position` (taken modulo the space's size) or the next one after
    /// it, wrapping to the start of the space: how a hash or a rank picks an account.
    pub fn existing_at(&self, position: u64) -> i64 {
        let id = self.id_base + (position % self.size.max(1)) as i64;
        self.next_existing(id)
            .or_else(|| self.next_existing(self.id_base))
            .unwrap_or(self.id_base)
    }

    /// Every existing ID of `range` (clipped to the space), ascending.
    pub fn existing_in(&self, range: std::ops::Range<i64>) -> impl Iterator<Item = i64> + '_ {
        self.clipped(range)
            .filter(|&id| self.hash_is_under_threshold(id))
    }

    /// How many accounts `range` (clipped to the space) holds on average.
    pub fn expected_in(&self, range: std::ops::Range<i64>) -> f64 {
        let ids = self.clipped(range);
        (ids.end - ids.start).max(0) as f64 * self.density
    }

    fn clipped(&self, range: std::ops::Range<i64>) -> std::ops::Range<i64> {
        range.start.max(self.id_base)..range.end.min(self.end())
    }
}

/// IDs in which about `accounts` exist at `density`.
fn ids_holding(accounts: u64, density: f64) -> u64 {
    (accounts as f64 / density).ceil() as u64
}

/// `density * 2^64` as an integer, computed once; the per-id test then needs no float.
fn threshold_for(density: f64) -> u64 {
    if density >= 1.0 {
        u64::MAX
    } else {
        (density * 18_446_744_073_709_551_616.0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observed_share_of_existing_ids_matches_density() {
        for density in [0.03, 0.5, 0.9] {
            let space = IdSpace::new(42, 1_000_000, 10_000, density);
            let walked = 1_000_000i64;
            let hits = (space.id_base..space.id_base + walked)
                .filter(|&id| space.exists(id))
                .count();
            let share = hits as f64 / walked as f64;
            assert!(
                (share - density).abs() < 0.01 * density.max(0.1),
                "density {density}: observed {share}"
            );
        }
    }

    #[test]
    fn size_covers_the_requested_accounts() {
        let space = IdSpace::new(1, 1000, 0, 0.3);
        assert_eq!(space.size, 3334);
        assert_eq!(space.expected_accounts(), 1000);
        assert_eq!(space.ids_holding(1000), space.size);
        assert_eq!(space.ids_holding(3), 10);
        assert_eq!(IdSpace::new(1, 1000, 0, 1.0).size, 1000);
    }

    #[test]
    fn ids_outside_the_space_never_exist() {
        let space = IdSpace::new(3, 100, 500, 1.0);
        assert!(!space.exists(499));
        assert!(space.exists(500));
        assert!(space.exists(599));
        assert!(!space.exists(600));
    }

    #[test]
    fn existing_at_picks_the_next_account_and_wraps_past_the_end() {
        let space = IdSpace::new(9, 10_000, -5_000, 0.2);
        let first = space.next_existing(space.id_base).unwrap();
        let last = (space.id_base..space.end())
            .rev()
            .find(|&id| space.exists(id))
            .unwrap();
        assert_eq!(space.existing_at(0), first);
        assert_eq!(space.existing_at((last - space.id_base) as u64), last);
        let past_last = (last - space.id_base + 1) as u64;
        if past_last < space.size {
            assert_eq!(
                space.existing_at(past_last),
                first,
                "wraps to the first account"
            );
        }
        assert_eq!(
            space.existing_at(space.size + (first - space.id_base) as u64),
            first
        );
        for position in (0..space.size).step_by(97) {
            assert!(space.exists(space.existing_at(position)));
        }
    }

    #[test]
    fn next_existing_returns_the_first_existing_id_at_or_after() {
        let space = IdSpace::new(9, 10_000, -5_000, 0.2);
        let existing: Vec<i64> = (space.id_base..space.end())
            .filter(|&id| space.exists(id))
            .collect();
        assert_eq!(space.next_existing(i64::MIN), Some(existing[0]));
        for pair in existing.windows(2) {
            assert_eq!(space.next_existing(pair[0]), Some(pair[0]));
            assert_eq!(space.next_existing(pair[0] + 1), Some(pair[1]));
        }
        assert_eq!(space.next_existing(*existing.last().unwrap() + 1), None);
        assert!(space.existing_in(i64::MIN..i64::MAX).eq(existing));
    }

    #[test]
    fn existence_depends_on_the_seed() {
        let a = IdSpace::new(1, 10_000, 0, 0.5);
        let b = IdSpace::new(2, 10_000, 0, 0.5);
        let same = (0..10_000)
            .filter(|&id| a.exists(id) == b.exists(id))
            .count();
        assert!((4_000..6_000).contains(&same), "{same}");
    }
}
