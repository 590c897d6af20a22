//! Exponential decay by a half-life, shared by the detectors that keep decayed counts
//! (`not-found-ratio`, `evidence`): counts forget the past smoothly, in O(1) memory and
//! with no window edge.

/// A half-life in microseconds of event time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct HalfLife {
    micros: i64,
    per_micro: f64,
}

impl HalfLife {
    /// `micros` must be positive (the parameter readers check it).
    pub(crate) fn new(micros: i64) -> Self {
        HalfLife {
            micros,
            per_micro: 1.0 / micros as f64,
        }
    }

    pub(crate) fn micros(&self) -> i64 {
        self.micros
    }

    /// The factor by which counts shrink from `since` to `now` (1 if time went back).
    #[inline]
    pub(crate) fn factor(&self, since: i64, now: i64) -> f64 {
        if now <= since {
            1.0
        } else {
            (-((now - since) as f64) * self.per_micro).exp2()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HalfLife;

    #[test]
    fn counts_halve_every_half_life_and_never_grow() {
        let half_life = HalfLife::new(1_000_000);
        assert_eq!(half_life.factor(0, 1_000_000), 0.5);
        assert_eq!(half_life.factor(0, 3_000_000), 0.125);
        assert_eq!(half_life.factor(5, 5), 1.0);
        assert_eq!(half_life.factor(10, 3), 1.0);
        assert_eq!(half_life.micros(), 1_000_000);
    }
}
