//! Per-campaign detection: when an attack campaign was first flagged and how many
//! records it exposed before it could be contained.
//!
//! Exposure for containment delay D counts the campaign's events with
//! `ts <= detection_ts + D`. Events arrive in time order, so everything seen before the
//! detecting event is in for every D; later events are added to each D whose window
//! still covers them. Undetected campaigns count all their records.
//!
//! What depends on the labels only (events, records, the exposure curve) is counted once
//! per pass in [`CampaignTotals`]; each detector keeps only its [`CampaignDetection`].

use super::exposure_curve::{CurvePoint, ExposureCurveBuilder};
use super::{CampaignInfo, CampaignMetrics, DelayExposure, ExposureCurve};

/// Where a campaign id leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CampaignRole {
    Attack(usize),
    Cohort(usize),
}

/// One event of a known campaign or cohort, with the campaign's totals before it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CampaignEvent {
    pub row: u32,
    pub role: CampaignRole,
    pub ts_us: i64,
    pub records: i32,
    /// The campaign's events before this one (attack campaigns only).
    pub events_before: u64,
    /// The campaign's exposed records before this event (attack campaigns only).
    pub records_before: i64,
}

/// What the labels alone say about one attack campaign: its events, its exposed
/// records and their curve over time. Shared by every detector of a pass.
#[derive(Debug, Clone)]
pub(crate) struct CampaignTotals {
    info: CampaignInfo,
    events: u64,
    records_total: i64,
    curve: ExposureCurveBuilder,
}

impl CampaignTotals {
    pub(crate) fn new(info: CampaignInfo) -> Self {
        let curve = ExposureCurveBuilder::new(info.start_us, info.end_us);
        Self {
            info,
            events: 0,
            records_total: 0,
            curve,
        }
    }

    /// Counts one event; returns the events and records of the campaign before it.
    pub(crate) fn observe(&mut self, ts_us: i64, records: i32) -> (u64, i64) {
        let before = (self.events, self.records_total);
        self.events += 1;
        self.records_total += i64::from(records);
        self.curve.add(ts_us, records);
        before
    }
}

/// When one detector first flagged a campaign, and the records exposed after that
/// within each containment delay.
#[derive(Debug, Clone)]
pub(crate) struct CampaignDetection {
    detection_ts_us: Option<i64>,
    events_before_detection: u64,
    records_before_detection: i64,
    records_after_detection_by_delay: Vec<i64>,
}

impl CampaignDetection {
    pub(crate) fn new(delay_count: usize) -> Self {
        Self {
            detection_ts_us: None,
            events_before_detection: 0,
            records_before_detection: 0,
            records_after_detection_by_delay: vec![0; delay_count],
        }
    }

    /// Takes one event of the campaign; `events_before` and `records_before` are the
    /// campaign's totals before it.
    pub(crate) fn observe(&mut self, event: &CampaignEvent, flagged: bool, delays_s: &[i64]) {
        if self.detection_ts_us.is_none() && flagged {
            self.detection_ts_us = Some(event.ts_us);
            self.events_before_detection = event.events_before;
            self.records_before_detection = event.records_before;
        }
        if let Some(detection_ts_us) = self.detection_ts_us {
            self.add_after_detection(detection_ts_us, event.ts_us, event.records, delays_s);
        }
    }

    fn add_after_detection(
        &mut self,
        detection_ts_us: i64,
        ts_us: i64,
        records: i32,
        delays_s: &[i64],
    ) {
        let sums = self.records_after_detection_by_delay.iter_mut();
        for (sum, delay_s) in sums.zip(delays_s) {
            let window_end = detection_ts_us.saturating_add(delay_s.saturating_mul(1_000_000));
            if ts_us <= window_end {
                *sum += i64::from(records);
            }
        }
    }

    fn records_by_delay(&self, totals: &CampaignTotals, delays_s: &[i64]) -> Vec<DelayExposure> {
        let after = &self.records_after_detection_by_delay;
        delays_s
            .iter()
            .zip(after)
            .map(|(delay_s, after_detection)| DelayExposure {
                delay_s: *delay_s,
                records: match self.detection_ts_us {
                    Some(_) => self.records_before_detection + after_detection,
                    None => totals.records_total,
                },
            })
            .collect()
    }

    pub(crate) fn finish(
        &self,
        totals: &CampaignTotals,
        delays_s: &[i64],
    ) -> (CampaignMetrics, ExposureCurve) {
        let info = &totals.info;
        let detected = self.detection_ts_us.is_some();
        let records_exposed_by_delay = self.records_by_delay(totals, delays_s);
        let records_exposed_before_detection = records_exposed_by_delay
            .iter()
            .find(|exposure| exposure.delay_s == 0)
            .map_or(totals.records_total, |exposure| exposure.records);
        let metrics = CampaignMetrics {
            campaign_id: info.campaign_id,
            name: info.name.clone(),
            technique: info.technique.clone(),
            start_us: info.start_us,
            end_us: info.end_us,
            events: totals.events,
            detected,
            first_detection_ts_us: self.detection_ts_us,
            time_to_detect_s: self
                .detection_ts_us
                .map(|ts| (ts as f64 - info.start_us as f64) / 1e6),
            events_to_detect: detected.then_some(self.events_before_detection),
            records_exposed_before_detection,
            records_exposed_by_delay,
            records_exposed_total: totals.records_total,
        };
        let detection_point = self.detection_ts_us.map(|ts_us| CurvePoint {
            ts_us,
            records: records_exposed_before_detection,
        });
        let curve = totals.curve.finish(info.campaign_id, detection_point);
        (metrics, curve)
    }
}

/// Value at quantile `q` (0..=1) of `values`, by linear interpolation between the order
/// statistics at positions `floor(h)` and `ceil(h)`, `h = (n - 1) q` (numpy's default).
/// `None` for no values.
pub(crate) fn quantile_linear(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let position = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let fraction = position - lower as f64;
    Some(sorted[lower] + (sorted[upper] - sorted[lower]) * fraction)
}

#[cfg(test)]
mod tests {
    use super::quantile_linear;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile_linear(&[], 0.5), None);
        assert_eq!(quantile_linear(&[7.0], 0.9), Some(7.0));
        assert_eq!(quantile_linear(&[20.0, 10.0], 0.5), Some(15.0));
        // h = 3 * 0.9 = 2.7: 30 + 0.7 * (40 - 30) = 37
        let p90 = quantile_linear(&[10.0, 40.0, 20.0, 30.0], 0.9).unwrap_or(f64::NAN);
        assert!((p90 - 37.0).abs() < 1e-12);
    }
}
