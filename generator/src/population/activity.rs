//! How active each account is, the same law at every population size.
//!
//! Activity over accounts is heavy-tailed and Zipf-like (reference facts, section 3). A
//! Zipf law over the ranks `1..N` does not keep an account's activity when `N` changes:
//! the busiest account's share of all sessions shrinks only slowly with `N`, so its
//! sessions a day grow almost in proportion to the population, and a scaled-down world
//! has a customer ten times busier than the one ten times its size.
//!
//! Instead an account's activity depends on its *quantile* `x = rank / N`: weight
//! `max(x, floor)^-exponent`, with the top `floor` of accounts sharing the highest weight.
//! A session's account is drawn with probability proportional to that weight, so the
//! expected sessions a day of the account at quantile `x` are the same for any `N`: scale
//! changes how many customers there are, never how one behaves.

/// The share of accounts at the top activity: the busiest 0.1% of accounts are equally
/// busy (about 40 sessions a day at the default 0.25 sessions per account and day).
/// Estimate.
pub const ACTIVITY_FLOOR: f64 = 1e-3;

/// Fewest accounts for the activity law's tail to exist: below it, no account stands at
/// the top quantile.
pub fn minimum_accounts() -> u64 {
    (1.0 / ACTIVITY_FLOOR).round() as u64
}

/// The activity law: draws an account's rank among `accounts`, by activity.
#[derive(Debug, Clone, Copy)]
pub struct ActivityLaw {
    accounts: u64,
    exponent: f64,
    /// Probability mass of the flat top `[0, floor)`.
    top_mass: f64,
    /// `floor^(1 - exponent)`, reused by the inverse of the tail's distribution.
    floor_power: f64,
}

impl ActivityLaw {
    pub fn new(accounts: u64, exponent: f64) -> ActivityLaw {
        let floor_power = ACTIVITY_FLOOR.powf(1.0 - exponent);
        let tail = if (exponent - 1.0).abs() < 1e-9 {
            -ACTIVITY_FLOOR.ln()
        } else {
            (1.0 - floor_power) / (1.0 - exponent)
        };
        ActivityLaw {
            accounts: accounts.max(1),
            exponent,
            top_mass: floor_power / (floor_power + tail),
            floor_power,
        }
    }

    /// The activity quantile for two uniform draws in `[0, 1)`.
    pub fn quantile(&self, pick: f64, within: f64) -> f64 {
        if pick < self.top_mass {
            return within * ACTIVITY_FLOOR;
        }
        if (self.exponent - 1.0).abs() < 1e-9 {
            ACTIVITY_FLOOR.powf(1.0 - within)
        } else {
            (self.floor_power + within * (1.0 - self.floor_power)).powf(1.0 / (1.0 - self.exponent))
        }
    }

    /// The 0-based activity rank for two uniform draws in `[0, 1)`.
    pub fn rank(&self, pick: f64, within: f64) -> u64 {
        let x = self.quantile(pick, within);
        ((x * self.accounts as f64) as u64).min(self.accounts - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected share of draws landing on quantiles `[from, to)`, by sampling a grid.
    fn share(law: &ActivityLaw, from: f64, to: f64) -> f64 {
        let n = 400;
        let mut hits = 0;
        for i in 0..n {
            for j in 0..n {
                let x = law.quantile((i as f64 + 0.5) / n as f64, (j as f64 + 0.5) / n as f64);
                if x >= from && x < to {
                    hits += 1;
                }
            }
        }
        hits as f64 / (n * n) as f64
    }

    #[test]
    fn quantiles_stay_in_the_unit_interval_and_ranks_in_the_population() {
        for exponent in [0.5, 1.0, 1.1, 2.0] {
            let law = ActivityLaw::new(10, exponent);
            for u in [0.0, 0.3, 0.999_999] {
                for v in [0.0, 0.5, 0.999_999] {
                    let x = law.quantile(u, v);
                    assert!((0.0..1.0).contains(&x), "{exponent} {u} {v}: {x}");
                    assert!(law.rank(u, v) < 10);
                }
            }
        }
    }

    #[test]
    fn the_weight_follows_the_power_law_above_the_floor() {
        // Hand-computed for exponent 1.1: mass of [a, b) ∝ (a^-0.1 - b^-0.1) / 0.1.
        let law = ActivityLaw::new(1_000_000, 1.1);
        let total = ACTIVITY_FLOOR.powf(-0.1) + (ACTIVITY_FLOOR.powf(-0.1) - 1.0) / 0.1;
        let expected = (0.01f64.powf(-0.1) - 0.1f64.powf(-0.1)) / 0.1 / total;
        let got = share(&law, 0.01, 0.1);
        assert!((got - expected).abs() < 0.005, "{got} vs {expected}");
        let top = ACTIVITY_FLOOR.powf(-0.1) / total;
        assert!((share(&law, 0.0, ACTIVITY_FLOOR) - top).abs() < 0.005);
    }

    #[test]
    fn an_accounts_expected_sessions_are_the_same_at_any_population_size() {
        // Draws per account in the ranks around the median, times the population: the
        // sessions one such account gets per session of an average account.
        use rand::{RngExt, SeedableRng};
        let per_account = |accounts: u64| {
            let law = ActivityLaw::new(accounts, 1.1);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            let (from, to) = (accounts * 45 / 100, accounts * 55 / 100);
            let draws = 2_000_000;
            let hits = (0..draws)
                .filter(|_| (from..to).contains(&law.rank(rng.random(), rng.random())))
                .count();
            hits as f64 / draws as f64 / (to - from) as f64 * accounts as f64
        };
        let small = per_account(10_000);
        let large = per_account(1_000_000);
        assert!((small - large).abs() / large < 0.03, "{small} vs {large}");
        // and it is the law's density there: about 0.5^-1.1 / total
        let total = ACTIVITY_FLOOR.powf(-0.1) + (ACTIVITY_FLOOR.powf(-0.1) - 1.0) / 0.1;
        let expected = 0.5f64.powf(-1.1) / total;
        assert!(
            (large - expected).abs() / expected < 0.05,
            "{large} vs {expected}"
        );
    }
}
