//! `evidence`: one per-actor evidence score that fuses the signals of enumeration, as a
//! sum of log-likelihood ratios rather than a max of separate rules. The design and its
//! reasoning are in `docs/detectors.md`; in short:
//!
//! The actor (principal, else IP) keeps exponentially decayed counts (half-life
//! `half_life_secs`) of its requests `n`, failed requests `f` (status 4xx), requests
//! with a target `t`, targets not among its last 8 distinct targets `u` (fan-out), and
//! targets just above the previous one, by at most `max_gap` (sequential steps) `s`.
//! Each share is tested against what a customer shows (`benign_*` rates) by its
//! generalised log-likelihood ratio, the decayed count times the Kullback-Leibler
//! divergence of the observed share from the benign one, counted only when the share is
//! above it:
//!
//! ```text
//! evidence = n·KL(f/n ‖ p_fail) + t·KL(u/t ‖ p_novel) + t·KL(s/t ‖ p_seq) + V
//! KL(a ‖ p) = a·ln(a/p) + (1-a)·ln((1-a)/(1-p))
//! V = n·ln(n/λ) - n + λ  when n > λ (the Poisson ratio), else 0
//! ```
//!
//! where `λ` is the population's baseline: the `volume_quantile` (99th percentile) of
//! all live actors' decayed request counts, recomputed at each sweep from the past
//! alone, and at least `min_baseline`. The terms are independent evidence in nats, so
//! they add (a naive-Bayes combination): an actor a little unusual on several counts
//! outscores one very unusual on none, and evidence grows with the number of requests
//! behind a share instead of jumping on one 404. The threshold is calibrated to a
//! false-alarm budget on other seeds. Memory: 128 bytes per actor; actors whose decayed
//! count fell below 0.05 are swept every two half-lives.

use super::actor::{ActorEvent, ActorScorer, ActorSignal};
use super::decay::HalfLife;
use crate::columns::{NO_TARGET, Needs};
use crate::keys::NO_KEY;
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "evidence",
    description: "Decayed per-actor evidence (sum of log-likelihood ratios) of fan-out, sequential IDs, 4xx share and volume",
    params: &[
        ParamInfo::threshold(
            super::calibrated::EVIDENCE,
            "evidence, in nats, at which an event is flagged",
        ),
        ParamInfo::int(
            "half_life_secs",
            900,
            "half-life of the decayed counts, in seconds",
        ),
        ParamInfo::float(
            "benign_failure_rate",
            0.05,
            "share of 4xx responses of a customer",
        ),
        ParamInfo::float(
            "benign_novel_rate",
            0.3,
            "share of a customer's targeted requests for a target not among its last 8",
        ),
        ParamInfo::float(
            "benign_sequential_rate",
            0.05,
            "share of a customer's targeted requests just above its previous target",
        ),
        ParamInfo::int(
            "max_gap",
            4,
            "largest step above the previous target that counts as sequential",
        ),
        ParamInfo::float(
            "volume_quantile",
            0.99,
            "quantile of the actors' decayed request counts taken as the volume baseline",
        ),
        ParamInfo::float(
            "min_baseline",
            20.0,
            "lowest volume baseline (decayed requests)",
        ),
    ],
    constructor: build,
};

/// Distinct recent targets an actor remembers for novelty.
const RECENT_TARGETS: usize = 8;
const EVICTABLE_WEIGHT: f64 = 0.05;
const SWEEP_HALF_LIVES: i64 = 2;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let half_life = reader.duration_micros("half_life_secs")?;
    let rate = |name: &str| -> Result<f64, DetectorError> {
        let value = reader.fraction(name)?;
        match value > 0.0 && value < 1.0 {
            true => Ok(value),
            false => Err(DetectorError::InvalidParam {
                detector: INFO.name.to_string(),
                param: name.to_string(),
                allowed: "must be strictly between 0 and 1".to_string(),
                found: value.to_string(),
            }),
        }
    };
    let min_baseline = reader.positive_float("min_baseline")?;
    let signal = EvidenceSignal {
        half_life: HalfLife::new(half_life),
        failure: Benign::new(rate("benign_failure_rate")?),
        novel: Benign::new(rate("benign_novel_rate")?),
        sequential: Benign::new(rate("benign_sequential_rate")?),
        max_gap: reader.int_in("max_gap", 1, i64::MAX)? as u64,
        quantile: reader.fraction("volume_quantile")?,
        min_baseline,
        baseline: min_baseline,
        census: Vec::new(),
    };
    ScoredDetector::boxed(INFO.name, params, ActorScorer::new(signal))
}

/// A benign rate `p` with its logarithms, precomputed.
#[derive(Clone, Copy)]
struct Benign {
    p: f64,
    ln_p: f64,
    ln_not_p: f64,
}

impl Benign {
    fn new(p: f64) -> Self {
        Benign {
            p,
            ln_p: p.ln(),
            ln_not_p: (1.0 - p).ln(),
        }
    }

    /// `total · KL(hits/total ‖ p)` when `hits/total > p`, else 0: the generalised
    /// log-likelihood ratio of the observed share against the benign one.
    #[inline]
    fn evidence(&self, hits: f64, total: f64) -> f64 {
        if total <= 0.0 || hits <= self.p * total {
            return 0.0;
        }
        let misses = (total - hits).max(0.0);
        let mut nats = hits * ((hits / total).ln() - self.ln_p);
        if misses > 0.0 {
            nats += misses * ((misses / total).ln() - self.ln_not_p);
        }
        nats.max(0.0)
    }
}

pub(crate) struct EvidenceSignal {
    half_life: HalfLife,
    failure: Benign,
    novel: Benign,
    sequential: Benign,
    max_gap: u64,
    quantile: f64,
    min_baseline: f64,
    /// The population's volume baseline `λ`, from the last census.
    baseline: f64,
    census: Vec<f64>,
}

/// One actor's decayed counts and recent targets.
#[derive(Default)]
pub(crate) struct Counts {
    last_ts: i64,
    requests: f64,
    failures: f64,
    targeted: f64,
    novel: f64,
    sequential: f64,
    /// The previous target, [`NO_TARGET`]-like 0 length when `recent_len` is 0.
    last_target: i64,
    recent: [i64; RECENT_TARGETS],
    recent_len: u8,
    recent_next: u8,
}

impl Counts {
    /// Remembers `target`; true when it was not among the recent ones.
    #[inline]
    fn remember(&mut self, target: i64) -> bool {
        let len = usize::from(self.recent_len);
        if self.recent[..len].contains(&target) {
            return false;
        }
        let next = usize::from(self.recent_next);
        self.recent[next] = target;
        self.recent_next = ((next + 1) % RECENT_TARGETS) as u8;
        self.recent_len = (len + 1).min(RECENT_TARGETS) as u8;
        true
    }
}

impl ActorSignal for EvidenceSignal {
    type State = Counts;

    fn needs(&self) -> Needs {
        Needs {
            target: true,
            status: true,
            ..Needs::default()
        }
    }

    fn sweep_interval(&self) -> i64 {
        self.half_life.micros().saturating_mul(SWEEP_HALF_LIVES)
    }

    #[inline]
    fn observe(&mut self, counts: &mut Counts, event: &ActorEvent) -> f64 {
        if event.ts > counts.last_ts {
            let factor = self.half_life.factor(counts.last_ts, event.ts);
            counts.requests *= factor;
            counts.failures *= factor;
            counts.targeted *= factor;
            counts.novel *= factor;
            counts.sequential *= factor;
            counts.last_ts = event.ts;
        }
        counts.requests += 1.0;
        if (400..500).contains(&event.status) {
            counts.failures += 1.0;
        }
        if event.target != NO_TARGET {
            let had_previous = counts.recent_len > 0;
            let step = event.target.wrapping_sub(counts.last_target);
            if had_previous && step > 0 && step.unsigned_abs() <= self.max_gap {
                counts.sequential += 1.0;
            }
            if counts.remember(event.target) {
                counts.novel += 1.0;
            }
            counts.targeted += 1.0;
            counts.last_target = event.target;
        }
        let volume = if counts.requests > self.baseline {
            let n = counts.requests;
            n * (n / self.baseline).ln() - n + self.baseline
        } else {
            0.0
        };
        self.failure.evidence(counts.failures, counts.requests)
            + self.novel.evidence(counts.novel, counts.targeted)
            + self.sequential.evidence(counts.sequential, counts.targeted)
            + volume
    }

    fn is_stale(&self, counts: &Counts, now: i64) -> bool {
        counts.requests * self.half_life.factor(counts.last_ts, now) < EVICTABLE_WEIGHT
    }

    fn census(&mut self, states: &[Counts], keys: &[u64], now: i64) {
        self.census.clear();
        for (counts, &key) in states.iter().zip(keys) {
            if key != NO_KEY {
                self.census
                    .push(counts.requests * self.half_life.factor(counts.last_ts, now));
            }
        }
        if self.census.is_empty() {
            return;
        }
        let rank = ((self.census.len() - 1) as f64 * self.quantile).round() as usize;
        let (_, value, _) = self.census.select_nth_unstable_by(rank, f64::total_cmp);
        self.baseline = value.max(self.min_baseline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal() -> EvidenceSignal {
        let params = INFO.defaults();
        let reader = ParamReader::new(INFO.name, &params);
        let min_baseline = reader.positive_float("min_baseline").unwrap();
        EvidenceSignal {
            half_life: HalfLife::new(900_000_000),
            failure: Benign::new(0.05),
            novel: Benign::new(0.3),
            sequential: Benign::new(0.05),
            max_gap: 4,
            quantile: 0.99,
            min_baseline,
            baseline: min_baseline,
            census: Vec::new(),
        }
    }

    fn event(target: i64, status: i16) -> ActorEvent {
        ActorEvent {
            actor: 1,
            ts: 0,
            target,
            status,
        }
    }

    #[test]
    fn evidence_is_the_count_times_the_divergence_above_the_benign_rate() {
        let benign = Benign::new(0.25);
        // 4 hits of 8 against p = 1/4: 4 ln(0.5/0.25) + 4 ln(0.5/0.75) = 4 ln(4/3).
        let expected = 4.0 * (4.0f64 / 3.0).ln();
        assert!((benign.evidence(4.0, 8.0) - expected).abs() < 1e-12);
        // At or below the benign rate: no evidence.
        assert_eq!(benign.evidence(2.0, 8.0), 0.0);
        assert_eq!(benign.evidence(1.0, 8.0), 0.0);
        // All hits: total ln(1/p).
        assert!((benign.evidence(3.0, 3.0) - 3.0 * 4.0f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn a_sequential_walk_with_404s_sums_three_terms() {
        let mut signal = signal();
        let mut counts = Counts::default();
        let mut score = 0.0;
        for target in 1..=10 {
            score = signal.observe(&mut counts, &event(target, 404));
        }
        // n = t = u = 10 failures and novel targets, s = 9 sequential steps; no volume.
        let expected = 10.0 * (1.0f64 / 0.05).ln()
            + 10.0 * (1.0f64 / 0.3).ln()
            + (9.0 * (0.9f64 / 0.05).ln() + (0.1f64 / 0.95).ln());
        assert!((score - expected).abs() < 1e-9, "{score} vs {expected}");
    }

    #[test]
    fn a_customer_rereading_its_own_objects_gathers_no_evidence() {
        let mut signal = signal();
        let mut counts = Counts::default();
        for index in 0..15 {
            let target = [5_000, 77_000, 123_000][index % 3];
            signal.observe(&mut counts, &event(target, 200));
        }
        // Three novel targets in sixteen (below 0.3), no failures, no steps, n < 20.
        let last = signal.observe(&mut counts, &event(5_000, 200));
        assert_eq!(last, 0.0);
    }

    #[test]
    fn volume_counts_above_the_population_baseline() {
        let mut signal = signal();
        signal.baseline = 10.0;
        let mut counts = Counts::default();
        let mut score = 0.0;
        for _ in 0..20 {
            score = signal.observe(&mut counts, &event(NO_TARGET, 200));
        }
        let expected = 20.0 * 2.0f64.ln() - 20.0 + 10.0;
        assert!((score - expected).abs() < 1e-9);
        // The census takes the quantile of the live actors' counts.
        let states: Vec<Counts> = (1..=100)
            .map(|requests| Counts {
                requests: f64::from(requests),
                ..Counts::default()
            })
            .collect();
        let mut keys = vec![1u64; 100];
        keys[99] = NO_KEY;
        signal.census(&states, &keys, 0);
        assert_eq!(signal.baseline, 98.0);
    }
}
