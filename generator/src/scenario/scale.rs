//! `--scale`: how much of a scenario's volume one run generates.
//!
//! A scenario is written at scale 1 (for the incident scenarios, the published volume);
//! the scale multiplies the population and the traffic and keeps the time span. Every
//! quantity the scale touches goes through one of [`Scale`]'s methods, one per kind of
//! quantity, so the rounding of each kind is decided once: the plan, the sources and the
//! planned totals then size the same population and the same volumes to the last bit.

use super::config::PopulationConfig;
use crate::population::IdSpace;

/// A run's scale factor, above 0 (1 = the scenario as written).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale(f64);

impl Scale {
    /// The scale `factor`, as given by `--scale` (checked by the plan, not here).
    pub const fn new(factor: f64) -> Scale {
        Scale(factor)
    }

    /// The factor itself, for messages.
    pub const fn factor(self) -> f64 {
        self.0
    }

    /// `count` things that must exist whole (accounts, customers behind an address):
    /// `round(count × scale)`, at least one.
    pub fn count(self, count: u64) -> u64 {
        (count as f64 * self.0).round().max(1.0) as u64
    }

    /// An expected amount, unrounded: a rate (requests per second, installs per day) or
    /// a mean count (recipients, planned requests): `amount × scale`.
    pub fn expected(self, amount: f64) -> f64 {
        amount * self.0
    }

    /// A distance within the ID space, which grows and shrinks with the population:
    /// `round(offset × scale)`.
    pub fn offset(self, offset: i64) -> i64 {
        (offset as f64 * self.0).round() as i64
    }

    /// The population's ID space at this scale: room for `accounts` at scale 1 and the
    /// file's density, from `id_base`, with existence drawn from `seed`.
    pub fn id_space(self, population: &PopulationConfig, seed: u64) -> IdSpace {
        IdSpace::new(
            seed,
            self.count(population.accounts),
            population.id_base,
            population.id_density,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_and_never_vanish() {
        let tiny = Scale::new(0.001);
        assert_eq!(tiny.count(1_500), 2);
        assert_eq!(tiny.count(400), 1);
        assert_eq!(tiny.count(100), 1, "at least one");
        assert_eq!(Scale::new(1.0).count(37), 37);
    }

    #[test]
    fn expected_amounts_are_not_rounded() {
        assert_eq!(Scale::new(0.5).expected(0.3), 0.15);
    }

    #[test]
    fn offsets_scale_in_both_directions() {
        let half = Scale::new(0.5);
        assert_eq!(half.offset(1_001), 501);
        assert_eq!(half.offset(-1_001), -501);
    }
}
