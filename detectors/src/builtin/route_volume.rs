//! `route-volume`: request volume per `route` against a seasonal forecast, to catch
//! enumeration spread so thin over IPs, keys and principals that no single actor stands
//! out (low-and-slow scraping through rotating proxies) but the route as a whole does.
//!
//! This is Brutlag's aberrant-behaviour detection (Holt-Winters forecasting with
//! deviation bands, as in RRDtool), on 5-minute buckets with a daily season: per route an
//! additive Holt-Winters forecast (level smoothing 0.2, seasonal smoothing 0.1) and a
//! smoothed absolute forecast error (smoothing 0.1). During the first day the seasonal
//! terms are still zero and the forecast is the level alone, an EWMA that follows the
//! diurnal curve with a lag, so datasets shorter than a season still get a baseline.
//!
//! Each event is scored against a sliding 5-minute window ending at it: the current
//! bucket's count so far plus the previous bucket's count pro rata, compared with the
//! forecasts of those two buckets in the same proportions. The score is the excess in
//! units of the spread, `max(smoothed error, sqrt(expected), 1)`, where the square root is
//! the Poisson noise floor of a count. The default threshold 3 is the usual width of
//! Brutlag's bands. A route scores 0 until it has completed `warmup_buckets` buckets
//! (12: one hour). A bucket above the band updates the forecast only up to the band, so
//! a sustained attack does not teach itself into the baseline. Routes idle for a whole
//! season are swept.

use crate::columns::{EventView, Needs};
use crate::keys::{NO_KEY, SlotTable, Sweeper, WindowClock};
use crate::params::ParamReader;
use crate::scored::{ScoredDetector, Scorer};
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "route-volume",
    description: "Per-route request volume above a Holt-Winters seasonal forecast (distributed attacks)",
    params: &[
        ParamInfo::threshold(
            super::calibrated::ROUTE_VOLUME,
            "spreads above the forecast at which an event is flagged",
        ),
        ParamInfo::int("bucket_secs", 300, "length of a volume bucket, in seconds"),
        ParamInfo::int(
            "season_secs",
            86_400,
            "length of the season (a multiple of bucket_secs)",
        ),
        ParamInfo::float(
            "level_smoothing",
            0.2,
            "Holt-Winters alpha: weight of the newest bucket in the level",
        ),
        ParamInfo::float(
            "season_smoothing",
            0.1,
            "Holt-Winters gamma: weight of the newest bucket in its slot",
        ),
        ParamInfo::float(
            "deviation_smoothing",
            0.1,
            "weight of the newest forecast error in the spread",
        ),
        ParamInfo::int(
            "warmup_buckets",
            12,
            "completed buckets a route needs before it scores",
        ),
    ],
    constructor: build,
};

const MAX_SLOTS: i64 = 1 << 16;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let scorer = new_scorer(&params)?;
    ScoredDetector::boxed(INFO.name, params, scorer)
}

/// This detector's scoring loop, for the `combined` detector.
pub(crate) fn boxed_scorer(params: &Params) -> Result<Box<dyn Scorer>, DetectorError> {
    Ok(Box::new(new_scorer(params)?))
}

fn new_scorer(params: &Params) -> Result<RouteVolume, DetectorError> {
    let reader = ParamReader::new(INFO.name, params);
    let bucket = reader.duration_micros("bucket_secs")?;
    let season = reader.duration_micros("season_secs")?;
    if season % bucket != 0 || season / bucket > MAX_SLOTS {
        return Err(DetectorError::InvalidParam {
            detector: INFO.name.to_string(),
            param: "season_secs".to_string(),
            allowed: format!("must be a multiple of bucket_secs, at most {MAX_SLOTS} buckets"),
            found: (season / 1_000_000).to_string(),
        });
    }
    let model = Model {
        slots: season / bucket,
        band: reader.positive_float("threshold")?,
        level_smoothing: reader.fraction("level_smoothing")?,
        season_smoothing: reader.fraction("season_smoothing")?,
        deviation_smoothing: reader.fraction("deviation_smoothing")?,
        warmup_buckets: reader.int_in("warmup_buckets", 0, i64::from(u32::MAX))? as u32,
    };
    Ok(RouteVolume {
        clock: WindowClock::new(bucket),
        model,
        routes: Routes::default(),
        sweeper: Sweeper::every(season),
    })
}

/// The Holt-Winters settings shared by all routes.
struct Model {
    slots: i64,
    band: f64,
    level_smoothing: f64,
    season_smoothing: f64,
    deviation_smoothing: f64,
    warmup_buckets: u32,
}

impl Model {
    fn spread(&self, expected: f64, deviation: f64) -> f64 {
        deviation.max(expected.sqrt()).max(1.0)
    }
}

/// One route's volume so far and its forecast.
struct RouteBaseline {
    bucket: i64,
    count: u32,
    previous_count: f64,
    previous_forecast: f64,
    forecast: f64,
    level: f64,
    seasonal: Vec<f64>,
    deviation: f64,
    completed: u32,
}

impl RouteBaseline {
    fn new(bucket: i64, model: &Model) -> Self {
        RouteBaseline {
            bucket,
            count: 0,
            previous_count: 0.0,
            previous_forecast: 0.0,
            forecast: 0.0,
            level: 0.0,
            seasonal: vec![0.0; model.slots as usize],
            deviation: 0.0,
            completed: 0,
        }
    }

    fn slot(&self, bucket: i64, model: &Model) -> usize {
        bucket.rem_euclid(model.slots) as usize
    }

    fn forecast_for(&self, bucket: i64, model: &Model) -> f64 {
        let seasonal = self.seasonal.get(self.slot(bucket, model)).copied();
        (self.level + seasonal.unwrap_or(0.0)).max(0.0)
    }

    /// Folds the finished count of `bucket` into the forecast (Holt-Winters update).
    fn close(&mut self, bucket: i64, observed: f64, model: &Model) {
        let slot = self.slot(bucket, model);
        let seasonal = self.seasonal.get(slot).copied().unwrap_or(0.0);
        if self.completed == 0 {
            self.level = observed;
        } else {
            let forecast = (self.level + seasonal).max(0.0);
            let band = forecast + model.band * model.spread(forecast, self.deviation);
            let observed = observed.min(band);
            let error = (observed - forecast).abs();
            self.deviation += model.deviation_smoothing * (error - self.deviation);
            let level = self.level + model.level_smoothing * (observed - seasonal - self.level);
            if let Some(seasonal) = self.seasonal.get_mut(slot) {
                *seasonal += model.season_smoothing * (observed - level - *seasonal);
            }
            self.level = level;
        }
        self.completed = self.completed.saturating_add(1);
    }

    /// Closes every bucket before `bucket` (empty ones count 0) and starts counting it.
    fn advance_to(&mut self, bucket: i64, model: &Model) {
        if bucket <= self.bucket {
            return;
        }
        let gap = bucket - self.bucket;
        let last_count = f64::from(self.count);
        for step in 0..gap.min(model.slots + 1) {
            let observed = if step == 0 { last_count } else { 0.0 };
            self.close(self.bucket + step, observed, model);
        }
        self.previous_count = if gap == 1 { last_count } else { 0.0 };
        self.previous_forecast = self.forecast_for(bucket - 1, model);
        self.forecast = self.forecast_for(bucket, model);
        self.bucket = bucket;
        self.count = 0;
    }

    /// Spreads by which the window ending at this event exceeds its forecast.
    fn excess(&self, position_in_bucket: f64, model: &Model) -> f64 {
        if self.completed < model.warmup_buckets.max(1) {
            return 0.0;
        }
        let previous_share = 1.0 - position_in_bucket;
        let observed = self.previous_count * previous_share + f64::from(self.count);
        let expected = self.previous_forecast * previous_share + self.forecast * position_in_bucket;
        ((observed - expected) / model.spread(expected, self.deviation)).max(0.0)
    }
}

struct RouteVolume {
    clock: WindowClock,
    model: Model,
    routes: Routes,
    sweeper: Sweeper,
}

/// Each route's baseline, found by its key through a slot table: a handful of routes
/// whose entries stay in cache, looked up once per event.
#[derive(Default)]
struct Routes {
    slots: SlotTable,
    /// Each slot's route key and baseline.
    baselines: Vec<(u64, RouteBaseline)>,
}

impl Routes {
    /// The baseline of `route`, a fresh one starting at `bucket` for a route not seen
    /// (or swept) before.
    #[inline]
    fn get_or_insert(&mut self, route: u64, bucket: i64, model: &Model) -> &mut RouteBaseline {
        let fresh = self.baselines.len() as u32;
        let slot = self.slots.get_or_insert(route, fresh);
        if slot == fresh {
            self.baselines
                .push((route, RouteBaseline::new(bucket, model)));
        }
        &mut self.baselines[slot as usize].1
    }

    /// Drops the baselines last counted before `oldest_kept`.
    fn sweep(&mut self, oldest_kept: i64) {
        let before = self.baselines.len();
        self.baselines
            .retain(|(_, baseline)| baseline.bucket >= oldest_kept);
        if self.baselines.len() < before {
            let entries = self.baselines.iter().enumerate();
            self.slots
                .rebuild(entries.map(|(slot, &(route, _))| (route, slot as u32)));
        }
    }
}

impl Scorer for RouteVolume {
    fn needs(&self) -> Needs {
        Needs {
            ts: true,
            route: true,
            ..Needs::default()
        }
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let start = scores.len();
        scores.resize(start + view.ts.len(), 0.0);
        let rows = view.ts.iter().zip(view.route).zip(&mut scores[start..]);
        for ((&ts, &route), score) in rows {
            let (bucket, position_in_bucket) = self.clock.position(ts);
            if self.sweeper.due(ts) {
                self.routes.sweep(bucket.saturating_sub(self.model.slots));
            }
            if route == NO_KEY {
                continue;
            }
            let model = &self.model;
            let baseline = self.routes.get_or_insert(route, bucket, model);
            baseline.advance_to(bucket, model);
            baseline.count = baseline.count.saturating_add(1);
            *score = baseline.excess(position_in_bucket, model);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model {
            slots: 288,
            band: 3.0,
            level_smoothing: 0.2,
            season_smoothing: 0.1,
            deviation_smoothing: 0.1,
            warmup_buckets: 12,
        }
    }

    #[test]
    fn forecast_follows_a_steady_volume() {
        let model = model();
        let mut baseline = RouteBaseline::new(0, &model);
        for bucket in 1..=50 {
            baseline.count = 100;
            baseline.advance_to(bucket, &model);
        }
        assert!(
            (baseline.forecast - 100.0).abs() < 1.0,
            "{}",
            baseline.forecast
        );
        baseline.count = 100;
        assert!(baseline.excess(0.999, &model) < 0.1);
    }

    #[test]
    fn a_sweep_drops_idle_routes_and_keeps_the_others_findable() {
        let model = model();
        let mut routes = Routes::default();
        for (route, bucket) in [(11, 5), (22, 1), (33, 7)] {
            routes.get_or_insert(route, bucket, &model).count = route as u32;
        }
        routes.sweep(3);
        assert_eq!(routes.get_or_insert(11, 9, &model).count, 11);
        assert_eq!(routes.get_or_insert(33, 9, &model).count, 33);
        let swept = routes.get_or_insert(22, 9, &model);
        assert_eq!((swept.count, swept.bucket), (0, 9), "starts afresh");
        assert_eq!(routes.baselines.len(), 3);
    }

    #[test]
    fn a_burst_is_only_partly_learnt() {
        let model = model();
        let mut baseline = RouteBaseline::new(0, &model);
        for bucket in 1..=50 {
            baseline.count = 100;
            baseline.advance_to(bucket, &model);
        }
        for bucket in 51..=53 {
            baseline.count = 10_000;
            baseline.advance_to(bucket, &model);
        }
        assert!(baseline.forecast < 200.0, "{}", baseline.forecast);
    }
}
