//! Distinct targets over a long sliding window in bounded memory, for the long-window
//! detectors (`long-distinct`, `route-baseline`, `population`).
//!
//! A slow scraper reads a few objects an hour and stands out only over a day. Counting
//! a day exactly would keep every target for a day; instead an entity's window is a ring
//! of time buckets (default 24 of an hour), each holding its distinct targets: exactly up
//! to [`EXACT_PER_BUCKET`], then as a dense HyperLogLog sketch. A bucket leaves the ring
//! when its hour leaves the window, so the window slides by one bucket at a time and
//! memory per entity is at most `buckets` sketches (plus one merged sketch), whatever
//! the span or the traffic.
//!
//! While every bucket is exact the window's count is exact (the union of the buckets).
//! Once a bucket is a sketch the count is the estimate of a sketch merging every bucket,
//! rebuilt when a bucket enters or leaves and updated by each new target between; its
//! estimate (a pass over the registers) is refreshed after every `count / 64`
//! insertions, so it lags by under 1/64. The standard error of a HyperLogLog estimate is
//! 1.04/sqrt(2^precision): 3.3% at the default precision 10 (768 bytes of registers).

use std::collections::VecDeque;

use foldhash::quality::FixedState;
use hyperloglogplus::{HyperLogLog, HyperLogLogPF};

use crate::DetectorError;
use crate::columns::NO_TARGET;
use crate::keys::{KeyMap, NO_KEY, Sweeper};
use crate::params::ParamReader;

/// Distinct targets a bucket keeps exactly before it becomes a sketch.
pub(crate) const EXACT_PER_BUCKET: usize = 64;
/// The merged estimate is refreshed after `count / REFRESH_DIVISOR` insertions.
const REFRESH_DIVISOR: f64 = 64.0;

/// Hashed with foldhash's quality variant, as `fanout`'s sketch is: HyperLogLog reads
/// the leading bits of the hash.
type Sketch = HyperLogLogPF<i64, FixedState>;

/// The shape of every ring of one detector: bucket length, bucket count, precision.
pub(crate) struct RingShape {
    bucket_micros: i64,
    buckets: i64,
    empty_sketch: Sketch,
}

impl RingShape {
    /// Reads `window_secs`, `bucket_secs` and `precision` of `detector`'s parameters.
    pub fn from_params(reader: &ParamReader<'_>) -> Result<Self, DetectorError> {
        let window = reader.duration_micros("window_secs")?;
        let bucket_micros = reader.duration_micros("bucket_secs")?;
        let buckets = window.div_euclid(bucket_micros);
        if !(1..=10_000).contains(&buckets) || window % bucket_micros != 0 {
            return Err(reader.invalid(
                "bucket_secs",
                "must divide window_secs into 1..=10000 buckets",
                bucket_micros / 1_000_000,
            ));
        }
        let precision = reader.int_in("precision", 4, 16)? as u8;
        let empty_sketch = Sketch::new(precision, FixedState::with_seed(0)).map_err(|error| {
            reader.invalid(
                "precision",
                "must be in 4..=16",
                format!("{precision} ({error:?})"),
            )
        })?;
        Ok(RingShape {
            bucket_micros,
            buckets,
            empty_sketch,
        })
    }

    /// The bucket `ts` falls in.
    #[inline]
    pub fn bucket(&self, ts: i64) -> i64 {
        ts.div_euclid(self.bucket_micros)
    }

    /// Length of one bucket, in microseconds: the interval between sweeps.
    pub fn bucket_micros(&self) -> i64 {
        self.bucket_micros
    }
}

enum Bucket {
    Exact(Vec<i64>),
    Sketch(Box<Sketch>),
}

impl Bucket {
    fn contains_exactly(&self, target: i64) -> bool {
        matches!(self, Bucket::Exact(targets) if targets.contains(&target))
    }
}

struct Merged {
    sketch: Sketch,
    estimate: f64,
    insertions_since_estimate: u32,
}

impl Merged {
    fn insert(&mut self, target: i64) {
        self.sketch.insert(&target);
        self.insertions_since_estimate += 1;
        if f64::from(self.insertions_since_estimate) >= (self.estimate / REFRESH_DIVISOR).max(1.0) {
            self.estimate = self.sketch.count();
            self.insertions_since_estimate = 0;
        }
    }
}

/// One entity's distinct targets over the window; see the module doc.
#[derive(Default)]
pub(crate) struct DistinctRing {
    /// (bucket index, bucket), oldest first, all within the window ending at the last.
    buckets: VecDeque<(i64, Bucket)>,
    /// The size of the union of the buckets while all are exact.
    exact_count: u32,
    /// A sketch of every bucket, once some bucket is a sketch.
    merged: Option<Merged>,
}

impl DistinctRing {
    /// Adds `target` ([`NO_TARGET`] adds nothing) seen at `ts` and returns the distinct
    /// targets in the window ending at `ts`.
    pub fn observe(&mut self, shape: &RingShape, ts: i64, target: i64) -> f64 {
        self.advance(shape, shape.bucket(ts));
        if target != NO_TARGET {
            self.insert(shape, target);
        }
        self.count()
    }

    /// The distinct targets in the window as last advanced.
    pub fn count(&self) -> f64 {
        match &self.merged {
            Some(merged) => merged.estimate,
            None => f64::from(self.exact_count),
        }
    }

    /// True when no bucket of the ring is in the window ending in bucket `now`: the
    /// entity can be dropped without changing any later score.
    pub fn is_idle(&self, shape: &RingShape, now: i64) -> bool {
        self.buckets
            .back()
            .is_none_or(|&(last, _)| last <= now - shape.buckets)
    }

    /// Moves the window's end to bucket `now` (never back), dropping buckets that left.
    fn advance(&mut self, shape: &RingShape, now: i64) {
        if self.buckets.back().is_some_and(|&(last, _)| last >= now) {
            return;
        }
        let before = self.buckets.len();
        while self
            .buckets
            .front()
            .is_some_and(|&(first, _)| first <= now - shape.buckets)
        {
            self.buckets.pop_front();
        }
        let dropped = before != self.buckets.len();
        self.buckets.push_back((now, Bucket::Exact(Vec::new())));
        if dropped {
            self.recount(shape);
        }
    }

    /// Recomputes the count from the buckets.
    fn recount(&mut self, shape: &RingShape) {
        let any_sketch = self
            .buckets
            .iter()
            .any(|(_, bucket)| matches!(bucket, Bucket::Sketch(_)));
        if !any_sketch {
            let mut all: Vec<i64> = self
                .buckets
                .iter()
                .flat_map(|(_, bucket)| match bucket {
                    Bucket::Exact(targets) => targets.as_slice(),
                    Bucket::Sketch(_) => &[],
                })
                .copied()
                .collect();
            all.sort_unstable();
            all.dedup();
            self.exact_count = all.len() as u32;
            self.merged = None;
            return;
        }
        let mut sketch = shape.empty_sketch.clone();
        for (_, bucket) in &self.buckets {
            match bucket {
                Bucket::Exact(targets) => targets.iter().for_each(|target| sketch.insert(target)),
                // Same precision by construction: merging cannot fail.
                Bucket::Sketch(other) => drop(sketch.merge(other.as_ref())),
            }
        }
        let estimate = sketch.count();
        self.merged = Some(Merged {
            sketch,
            estimate,
            insertions_since_estimate: 0,
        });
    }

    fn insert(&mut self, shape: &RingShape, target: i64) {
        let Some((_, current)) = self.buckets.back_mut() else {
            return;
        };
        match current {
            Bucket::Exact(targets) if targets.contains(&target) => return,
            Bucket::Exact(targets) if targets.len() < EXACT_PER_BUCKET => targets.push(target),
            Bucket::Exact(targets) => {
                let mut sketch = shape.empty_sketch.clone();
                targets.iter().for_each(|known| sketch.insert(known));
                sketch.insert(&target);
                *current = Bucket::Sketch(Box::new(sketch));
                if self.merged.is_none() {
                    // The count leaves the exact stage: the merged sketch holds the new
                    // target already.
                    self.recount(shape);
                    return;
                }
            }
            Bucket::Sketch(sketch) => sketch.insert(&target),
        }
        match &mut self.merged {
            Some(merged) => merged.insert(target),
            None => {
                let older = self.buckets.iter().rev().skip(1);
                if !older
                    .into_iter()
                    .any(|(_, bucket)| bucket.contains_exactly(target))
                {
                    self.exact_count += 1;
                }
            }
        }
    }
}

/// The rings of every entity of one key, idle ones swept once a bucket of event time.
pub(crate) struct KeyedRings {
    /// Each entity's ring and tag (what the entity belongs to, e.g. its route).
    rings: KeyMap<(u64, DistinctRing)>,
    sweeper: Sweeper,
}

impl KeyedRings {
    pub fn new(shape: &RingShape) -> Self {
        KeyedRings {
            rings: KeyMap::default(),
            sweeper: Sweeper::every(shape.bucket_micros()),
        }
    }

    /// Adds `target` to `key`'s ring ([`NO_KEY`] scores 0 and keeps nothing) and returns
    /// its distinct targets in the window ending at `ts`.
    pub fn observe(&mut self, shape: &RingShape, key: u64, ts: i64, target: i64) -> f64 {
        self.observe_tagged(shape, key, 0, ts, target)
    }

    /// [`observe`](Self::observe) for an entity tagged `tag` (kept from its first event).
    pub fn observe_tagged(
        &mut self,
        shape: &RingShape,
        key: u64,
        tag: u64,
        ts: i64,
        target: i64,
    ) -> f64 {
        self.sweep_if_due(shape, ts);
        if key == NO_KEY {
            return 0.0;
        }
        let (_, ring) = self
            .rings
            .entry(key)
            .or_insert_with(|| (tag, DistinctRing::default()));
        ring.observe(shape, ts, target)
    }

    /// Drops idle entities once a bucket of event time; true when it swept.
    pub fn sweep_if_due(&mut self, shape: &RingShape, ts: i64) -> bool {
        if !self.sweeper.due(ts) {
            return false;
        }
        let now = shape.bucket(ts);
        self.rings.retain(|_, (_, ring)| !ring.is_idle(shape, now));
        true
    }

    /// Every live entity's tag and count as of its last event.
    pub fn tagged_counts(&self) -> impl Iterator<Item = (u64, f64)> + '_ {
        self.rings.values().map(|(tag, ring)| (*tag, ring.count()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Params;
    use crate::params::ParamReader;

    const HOUR: i64 = 3_600_000_000;

    fn shape(window_h: i64, precision: i64) -> RingShape {
        let mut params = Params::new();
        params.insert("window_secs", window_h * 3_600);
        params.insert("bucket_secs", 3_600i64);
        params.insert("precision", precision);
        RingShape::from_params(&ParamReader::new("test", &params)).unwrap()
    }

    /// Hand-computed: targets 1,2 in hour 0; 2,3 in hour 1; 4 in hour 3 (window 3 h:
    /// hour 0 has left by then, so the window holds {2,3} from hour 1 and {4}).
    #[test]
    fn small_windows_are_counted_exactly_and_slide_by_the_hour() {
        let shape = shape(3, 10);
        let mut ring = DistinctRing::default();
        let events = [
            (0, 1),
            (0, 2),
            (0, 1),
            (HOUR, 2),
            (HOUR, 3),
            (3 * HOUR, 4),
            (3 * HOUR, NO_TARGET),
        ];
        let counts: Vec<f64> = events
            .iter()
            .map(|&(ts, target)| ring.observe(&shape, ts, target))
            .collect();
        assert_eq!(counts, vec![1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0]);
        assert!(!ring.is_idle(&shape, 5));
        assert!(ring.is_idle(&shape, 6));
    }

    #[test]
    fn large_windows_are_estimated_within_the_sketch_error() {
        let shape = shape(24, 10);
        let mut ring = DistinctRing::default();
        let mut count = 0.0;
        // 400 new targets an hour for 24 hours, and each hour's first 100 again.
        for hour in 0..24 {
            for target in (hour * 400..(hour + 1) * 400).chain(hour * 400..hour * 400 + 100) {
                count = ring.observe(&shape, hour * HOUR, target);
            }
        }
        // 3.3% standard error, 1/64 refresh lag: 10% is beyond three standard errors.
        assert!((count - 9_600.0).abs() < 960.0, "count {count}");
        // Twelve hours on, half the buckets have left.
        let later = ring.observe(&shape, 35 * HOUR, NO_TARGET);
        assert!((later - 4_800.0).abs() < 480.0, "later {later}");
        // A day after the last read, nothing is left, and the count is exact again.
        assert_eq!(ring.observe(&shape, 48 * HOUR, 7), 1.0);
    }
}
