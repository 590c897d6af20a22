//! Cumulative records exposed by a campaign over time, in bounded memory.
//!
//! The campaign's `[start, end]` is cut into equal bins fixed up front; each event adds
//! its exposures to its bin (events outside the span go to the first or last bin). The
//! curve is exact at every bin edge, so plotting needs no per-event storage.

use super::ExposureCurve;
use serde::{Deserialize, Serialize};

/// A curve has at most this many bins, so at most one more point.
pub const EXPOSURE_CURVE_MAX_POINTS: usize = 200;

/// `records` exposed up to `ts_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub ts_us: i64,
    pub records: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct ExposureCurveBuilder {
    start_us: i64,
    bin_width_us: i64,
    records_per_bin: Vec<i64>,
}

impl ExposureCurveBuilder {
    pub(crate) fn new(start_us: i64, end_us: i64) -> Self {
        let span = end_us.saturating_sub(start_us).max(1).unsigned_abs();
        let bins = EXPOSURE_CURVE_MAX_POINTS as u64;
        let bin_width_us = span.div_ceil(bins).max(1);
        let bin_count = span.div_ceil(bin_width_us).clamp(1, bins);
        Self {
            start_us,
            bin_width_us: i64::try_from(bin_width_us).unwrap_or(i64::MAX),
            records_per_bin: vec![0; bin_count as usize],
        }
    }

    pub(crate) fn add(&mut self, ts_us: i64, records: i32) {
        if records == 0 {
            return;
        }
        let offset = ts_us.saturating_sub(self.start_us).max(0);
        let last_bin = self.records_per_bin.len() - 1;
        let bin = ((offset / self.bin_width_us) as usize).min(last_bin);
        self.records_per_bin[bin] += i64::from(records);
    }

    pub(crate) fn finish(&self, campaign_id: i32, detection: Option<CurvePoint>) -> ExposureCurve {
        let mut points = Vec::with_capacity(self.records_per_bin.len() + 1);
        points.push(CurvePoint {
            ts_us: self.start_us,
            records: 0,
        });
        let mut cumulative = 0;
        for (bin, records) in self.records_per_bin.iter().enumerate() {
            cumulative += records;
            let bin_end = (bin as i64 + 1).saturating_mul(self.bin_width_us);
            points.push(CurvePoint {
                ts_us: self.start_us.saturating_add(bin_end),
                records: cumulative,
            });
        }
        ExposureCurve {
            campaign_id,
            points,
            detection,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_is_cumulative_at_bin_edges() {
        let mut builder = ExposureCurveBuilder::new(0, 400);
        builder.add(0, 1);
        builder.add(3, 2);
        builder.add(399, 4);
        builder.add(10_000, 8);
        let curve = builder.finish(7, None);
        assert_eq!(curve.points.len(), EXPOSURE_CURVE_MAX_POINTS + 1);
        assert_eq!(
            curve.points[0],
            CurvePoint {
                ts_us: 0,
                records: 0
            }
        );
        assert_eq!(
            curve.points[1],
            CurvePoint {
                ts_us: 2,
                records: 1
            }
        );
        assert_eq!(
            curve.points[2],
            CurvePoint {
                ts_us: 4,
                records: 3
            }
        );
        assert_eq!(curve.points.last().map(|p| p.records), Some(15));
    }

    #[test]
    fn degenerate_span_has_one_bin() {
        let mut builder = ExposureCurveBuilder::new(50, 10);
        builder.add(50, 3);
        let curve = builder.finish(1, None);
        assert_eq!(curve.points.len(), 2);
        assert_eq!(curve.points[1].records, 3);
    }
}
