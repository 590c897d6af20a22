//! Random streams. Every stream is a ChaCha8 generator keyed by the scenario seed and a
//! source, with the time slice as its stream number: any slice of any source can be
//! generated alone, by any thread or shard, and give the same numbers.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator type behind every stream.
pub type Stream = ChaCha8Rng;

/// One SplitMix64 step: the output for state `x` (adds the golden gamma, then applies the
/// finaliser), a bijective, platform-independent 64-bit mix. Differs from the population's
/// `splitmix64_finalize`, which leaves the gamma out: both are pinned by the data they make.
pub const fn splitmix64_step(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Hashes several words into one, order-sensitive.
pub fn hash_words(words: &[u64]) -> u64 {
    words.iter().fold(0x6A09_E667_F3BC_C908, |h, w| {
        splitmix64_step(h ^ splitmix64_step(*w))
    })
}

/// A uniform number in [0, 1) from a hash, for per-entity properties.
pub fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The stream of `(seed, source)` for time slice `slice`.
pub fn slice_stream(seed: u64, source: u64, slice: u64) -> Stream {
    let mut key = [0u8; 32];
    for (i, chunk) in key.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&hash_words(&[seed, source, i as u64]).to_le_bytes());
    }
    let mut stream = ChaCha8Rng::from_seed(key);
    stream.set_stream(slice);
    stream
}

/// A stream for one unit inside a slice (a session), keyed by a number drawn from the
/// slice's stream.
pub fn unit_stream(unit_seed: u64) -> Stream {
    let mut key = [0u8; 32];
    for (i, chunk) in key.chunks_exact_mut(8).enumerate() {
        chunk
            .copy_from_slice(&splitmix64_step(unit_seed ^ splitmix64_step(i as u64)).to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn splitmix64_step_is_pinned() {
        // SplitMix64's first output for state 0 (reference value from its author's code).
        assert_eq!(splitmix64_step(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn streams_differ_by_source_and_slice_and_repeat_for_the_same_key() {
        let draw = |seed, source, slice| slice_stream(seed, source, slice).random::<u64>();
        assert_eq!(draw(1, 2, 3), draw(1, 2, 3));
        assert_ne!(draw(1, 2, 3), draw(1, 2, 4));
        assert_ne!(draw(1, 2, 3), draw(1, 3, 3));
        assert_ne!(draw(1, 2, 3), draw(2, 2, 3));
    }

    #[test]
    fn unit_is_in_range() {
        for i in 0..1000u64 {
            let u = unit(splitmix64_step(i));
            assert!((0.0..1.0).contains(&u));
        }
    }
}
