//! When a campaign's requests happen, computable for any slice alone.
//!
//! Each slice's request count is drawn from a cheap stream of its own (seed, campaign,
//! slice), so the constructor can draw every count and keep their prefix sums: the
//! number of requests sent before any slice is then one lookup. That number is the
//! attack's state (the walker's next ID, the probe's position in its permutation, the
//! proxy pool's rotation), so a slice needs nothing from the slices before it.

use super::super::World;
use super::super::customers::poisson;
use crate::rng::{Stream, hash_words, slice_stream};
use crate::scenario::CampaignConfig;
use rand::RngExt;

/// Tag that separates the count streams from the slices' event streams.
const COUNT_STREAM: u64 = 0xC0_0147;

/// Per-slice request counts of one campaign and their prefix sums.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub start_us: i64,
    pub end_us: i64,
    first_slice: u64,
    /// `prefix[i]`: requests sent in the campaign's slices before its `i`-th one.
    prefix: Vec<u64>,
    /// Highest expected rate of any slice, in requests per hour.
    pub peak_per_h: f64,
}

/// The part of one slice a campaign is active in, and its requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceWindow {
    pub from_us: i64,
    pub until_us: i64,
    /// Global number of the slice's first request.
    pub first_request: u64,
    pub requests: u64,
}

impl Schedule {
    /// Draws every slice's count for a campaign active over `start_us..end_us`.
    pub fn new(
        world: &World,
        key: u64,
        config: &CampaignConfig,
        start_us: i64,
        end_us: i64,
    ) -> Schedule {
        let calendar = &world.calendar;
        let end_us = end_us.min(calendar.end_us());
        let empty = Schedule {
            start_us,
            end_us,
            first_slice: 0,
            prefix: vec![0],
            peak_per_h: 0.0,
        };
        if end_us <= start_us {
            return empty;
        }
        let first_slice = calendar.slice_of(start_us);
        let last_slice = calendar.slice_of(end_us - 1);
        let traffic = &world.traffic;
        // Weight of each slice: seconds of overlap times the cycle factor.
        let spans: Vec<(f64, f64)> = (first_slice..=last_slice)
            .map(|slice| {
                let from = calendar.slice_start(slice).max(start_us);
                let until = calendar.slice_start(slice + 1).min(end_us);
                let seconds = (until - from).max(0) as f64 / 1e6;
                let mid = from + (until - from) / 2;
                let factor = if config.evasion.follow_daily_cycle {
                    calendar.daily(mid, traffic.peak_trough_ratio, traffic.peak_hour_local)
                        * calendar.weekly(mid, traffic.weekend_factor)
                } else {
                    1.0
                };
                (seconds, seconds * factor)
            })
            .collect();
        let seconds: f64 = spans.iter().map(|s| s.0).sum();
        // The cycle's mean factor over the campaign as written, so a campaign shortened
        // by the scale keeps the written one's rate in each of its hours.
        let weight = match config.cycle_span_h {
            Some(span_h) if config.evasion.follow_daily_cycle => {
                mean_cycle_factor(world, start_us, span_h) * seconds
            }
            _ => spans.iter().map(|s| s.1).sum::<f64>(),
        };
        // `config` is the campaign at this scale: its rate is already scaled.
        let total_mean = config.rate_per_s * seconds;
        let count_key = hash_words(&[key, COUNT_STREAM]);
        let mut prefix = Vec::with_capacity(spans.len() + 1);
        prefix.push(0u64);
        let mut peak_per_h: f64 = 0.0;
        for (i, (secs, w)) in spans.iter().enumerate() {
            let mean = if weight > 0.0 {
                total_mean * w / weight
            } else {
                0.0
            };
            if *secs > 0.0 {
                peak_per_h = peak_per_h.max(mean / secs * 3600.0);
            }
            let slice = first_slice + i as u64;
            let count = poisson(&mut slice_stream(world.seed, count_key, slice), mean);
            prefix.push(prefix[i] + count);
        }
        Schedule {
            start_us,
            end_us,
            first_slice,
            prefix,
            peak_per_h,
        }
    }

    /// The campaign's share of `slice` (bounded by `from_us..until_us`), if active.
    pub fn window(&self, slice: u64, from_us: i64, until_us: i64) -> Option<SliceWindow> {
        let i = slice.checked_sub(self.first_slice)? as usize;
        if i + 1 >= self.prefix.len() {
            return None;
        }
        let from_us = from_us.max(self.start_us);
        let until_us = until_us.min(self.end_us);
        (until_us > from_us).then(|| SliceWindow {
            from_us,
            until_us,
            first_request: self.prefix[i],
            requests: self.prefix[i + 1] - self.prefix[i],
        })
    }
}

/// The daily and weekly cycle's mean factor over `span_h` hours from `start_us`, in
/// slice steps (the span as written, which may run past the generated one).
fn mean_cycle_factor(world: &World, start_us: i64, span_h: f64) -> f64 {
    let calendar = &world.calendar;
    let traffic = &world.traffic;
    let step = crate::calendar::SLICE_US;
    let steps = ((span_h * crate::calendar::HOUR_US as f64) / step as f64)
        .ceil()
        .max(1.0) as i64;
    let total: f64 = (0..steps)
        .map(|i| {
            let mid = start_us + i * step + step / 2;
            calendar.daily(mid, traffic.peak_trough_ratio, traffic.peak_hour_local)
                * calendar.weekly(mid, traffic.weekend_factor)
        })
        .sum();
    total / steps as f64
}

/// The send times of a window's requests, ascending: `jitter` 0 spaces them evenly,
/// 1 places them uniformly at random (Poisson arrivals), values between mix the two.
pub fn request_times(rng: &mut Stream, window: &SliceWindow, jitter: f64) -> Vec<i64> {
    let n = window.requests;
    let span = (window.until_us - window.from_us) as f64;
    let mut times: Vec<i64> = (0..n)
        .map(|i| {
            let regular = (i as f64 + 0.5) / n as f64;
            let random: f64 = rng.random::<f64>();
            let at = (1.0 - jitter) * regular + jitter * random;
            window.from_us + ((at * span) as i64).clamp(0, (span as i64 - 1).max(0))
        })
        .collect();
    times.sort_unstable();
    times
}
