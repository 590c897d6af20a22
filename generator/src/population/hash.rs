//! Integer-only hashing and keyed permutations shared by the population modules.
//!
//! Everything here is plain wrapping `u64` arithmetic, so a value computed on one machine
//! is the value computed on every other: no floats, no platform word size, no std hasher
//! (whose output may change between Rust releases).

/// The SplitMix64 finaliser alone (no golden-gamma step): a bijective mix of 64 bits with
/// full avalanche.
#[inline]
pub const fn splitmix64_finalize(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// A key for one use of randomness: different `purpose` constants give unrelated keys
/// from the same scenario seed.
#[inline]
pub const fn derive_key(seed: u64, purpose: u64) -> u64 {
    splitmix64_finalize(
        splitmix64_finalize(seed ^ purpose.wrapping_mul(GOLDEN_GAMMA)).wrapping_add(purpose),
    )
}

/// A keyed hash of one value: the `value`-th output of a SplitMix64 stream started at `key`.
#[inline]
pub const fn keyed_hash(key: u64, value: u64) -> u64 {
    splitmix64_finalize(key.wrapping_add(value.wrapping_mul(GOLDEN_GAMMA)))
}

/// Maps a hash to `0..bound` without modulo bias worth noticing (Lemire's multiply-shift).
#[inline]
pub const fn below(hash: u64, bound: u64) -> u64 {
    ((hash as u128 * bound as u128) >> 64) as u64
}

/// A keyed bijection of `0..size` for any size, e.g. to visit IDs in a shuffled order.
/// A [`Feistel`] network over the smallest square domain holding `size`, cycle-walked:
/// outputs past `size` are fed back in until one lands inside (about one extra step at
/// most on average, since the square exceeds `size` by less than `2 sqrt(size) + 1`).
#[derive(Debug, Clone, Copy)]
pub struct Permutation {
    size: u64,
    feistel: Feistel,
}

impl Permutation {
    /// Panics if `size` is 0.
    pub fn new(size: u64, key: u64) -> Self {
        assert!(size > 0, "a permutation needs a non-empty domain");
        let side = ceil_sqrt(size);
        Self {
            size,
            feistel: Feistel::new(key, side, side),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The image of `x`, which must be below [`Self::size`].
    #[inline]
    pub fn apply(&self, x: u64) -> u64 {
        debug_assert!(x < self.size);
        let mut y = self.feistel.apply(x);
        while y >= self.size {
            y = self.feistel.apply(y);
        }
        y
    }

    /// The preimage of `y`: `invert(apply(x)) == x`.
    #[inline]
    pub fn invert(&self, y: u64) -> u64 {
        debug_assert!(y < self.size);
        let mut x = self.feistel.invert(y);
        while x >= self.size {
            x = self.feistel.invert(x);
        }
        x
    }
}

fn ceil_sqrt(n: u64) -> u64 {
    let mut root = (n as f64).sqrt() as u64;
    while root.saturating_mul(root) < n {
        root += 1;
    }
    while root > 1 && (root - 1) * (root - 1) >= n {
        root -= 1;
    }
    root.max(1)
}

/// A keyed bijection of `0..left_size * right_size`, built as a four-round Feistel network
/// over the mixed-radix digits (left, right). Each round maps Z_a x Z_b onto Z_b x Z_a, so
/// an even number of rounds lands back on the same domain with no cycle-walking.
#[derive(Debug, Clone, Copy)]
pub struct Feistel {
    left_size: u64,
    right_size: u64,
    round_keys: [u64; 4],
}

impl Feistel {
    pub const fn new(key: u64, left_size: u64, right_size: u64) -> Self {
        Self {
            left_size,
            right_size,
            round_keys: [
                keyed_hash(key, 1),
                keyed_hash(key, 2),
                keyed_hash(key, 3),
                keyed_hash(key, 4),
            ],
        }
    }

    pub const fn domain(&self) -> u64 {
        self.left_size * self.right_size
    }

    /// The image of `x`, which must be below [`Self::domain`].
    pub const fn apply(&self, x: u64) -> u64 {
        let (mut size_l, mut size_r) = (self.left_size, self.right_size);
        let (mut l, mut r) = (x / size_r, x % size_r);
        let mut round = 0;
        while round < 4 {
            // Both terms are below `size_l`, so one subtraction reduces the sum (a
            // division per round would cost more than the rest of the round).
            let sum = l + below(keyed_hash(self.round_keys[round], r), size_l);
            let shifted = if sum >= size_l { sum - size_l } else { sum };
            (l, r) = (r, shifted);
            (size_l, size_r) = (size_r, size_l);
            round += 1;
        }
        l * size_r + r
    }

    /// The preimage of `y`: `invert(apply(x)) == x`.
    pub const fn invert(&self, y: u64) -> u64 {
        let (mut size_l, mut size_r) = (self.left_size, self.right_size);
        let (mut l, mut r) = (y / size_r, y % size_r);
        let mut round = 4;
        while round > 0 {
            round -= 1;
            // This round produced (l, r) = (r_in, l_in + F(r_in)) in Z_{size_l} x Z_{size_r}.
            let r_in = l;
            let offset = below(keyed_hash(self.round_keys[round], r_in), size_r);
            let l_in = if r >= offset {
                r - offset
            } else {
                r + size_r - offset
            };
            (l, r) = (l_in, r_in);
            (size_l, size_r) = (size_r, size_l);
        }
        l * size_r + r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feistel_is_a_bijection_on_an_unbalanced_domain() {
        let permutation = Feistel::new(7, 37, 11);
        let mut seen = vec![false; permutation.domain() as usize];
        for x in 0..permutation.domain() {
            let y = permutation.apply(x);
            assert!(!seen[y as usize], "{y} hit twice");
            seen[y as usize] = true;
            assert_eq!(permutation.invert(y), x);
        }
    }

    #[test]
    fn feistel_scatters_consecutive_inputs() {
        let permutation = Feistel::new(1, 1000, 1000);
        let steps_of_one = (0..1000)
            .filter(|&x| permutation.apply(x + 1).abs_diff(permutation.apply(x)) == 1)
            .count();
        assert!(steps_of_one < 10, "{steps_of_one} consecutive outputs");
    }

    #[test]
    fn permutation_of_any_size_is_a_bijection() {
        for size in [1, 2, 3, 10, 99, 1_000, 4_097] {
            let permutation = Permutation::new(size, size * 31);
            let mut seen = vec![false; size as usize];
            for x in 0..size {
                let y = permutation.apply(x);
                assert!(!seen[y as usize], "size {size}: {y} hit twice");
                seen[y as usize] = true;
                assert_eq!(permutation.invert(y), x);
            }
        }
        assert_eq!(ceil_sqrt(u64::MAX), 1 << 32);
    }

    #[test]
    fn splitmix64_finalize_is_pinned() {
        // SplitMix64's first output for state 0 (reference value from its author's code).
        assert_eq!(splitmix64_finalize(GOLDEN_GAMMA), 0xe220_a839_7b1d_cdaf);
    }
}
