//! `random`: a uniform score in [0, 1) per event, flagging about 1% at the default
//! threshold of 0.99. The chance baseline: a detector that does no better than this at
//! the same flag rate has learnt nothing.
//!
//! The score of an event is a hash of (seed, `event_id`), not a draw from a stream, so it
//! is the same whatever the batch boundaries and whichever events came before. The seed
//! goes through ChaCha8 once to become the 64-bit hash key; each event then costs one
//! SplitMix64 finaliser (a bijective, well-mixing map of 64-bit integers).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::columns::{EventView, Needs};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "random",
    description: "Baseline: uniform random score per event from (seed, event_id), ~1% flagged",
    params: &[
        ParamInfo::threshold(
            0.99,
            "score at or above which an event is flagged (0.99: ~1%)",
        ),
        ParamInfo::int("seed", 0, "seed of the per-event hash"),
    ],
    constructor: build,
};

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let seed = ParamReader::new(INFO.name, &params).int("seed")?;
    let key = ChaCha8Rng::seed_from_u64(seed as u64).next_u64();
    ScoredDetector::boxed(INFO.name, params, RandomScore { key })
}

struct RandomScore {
    key: u64,
}

/// SplitMix64's output function.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// The top 53 bits of a hash as a uniform number in [0, 1).
fn unit_interval(hash: u64) -> f64 {
    (hash >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Scorer for RandomScore {
    fn needs(&self) -> Needs {
        Needs {
            event_id: true,
            ..Needs::default()
        }
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let key = self.key;
        scores.extend(
            view.event_id
                .iter()
                .map(|&id| unit_interval(mix((id as u64).wrapping_add(key)))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_uniform_enough_to_flag_about_one_percent() {
        let flagged = (0..100_000u64)
            .filter(|&id| unit_interval(mix(id)) >= 0.99)
            .count();
        assert!((800..1200).contains(&flagged), "{flagged} flagged");
    }
}
