//! A partner's nightly batch job: it reads every account it is entitled to, one by one in
//! ascending ID order, from a few fixed cloud addresses with one API key, inside a local
//! night window. To a detector it looks like a sequential ID walk; it never touches an
//! account outside its entitlement and almost never fails.
//!
//! The entitlement is a contiguous block of the ID space holding about
//! `entitled_accounts × scale` accounts (the partner's customer range). The job walks the
//! block at a steady pace that finishes in 90% of the night window: the ID at position
//! `p` of the block is read at `night_start + (p + jitter) × step`, so any slice knows which
//! IDs it holds by time arithmetic alone. Holes in the block are skipped (the partner
//! has its own list of accounts), which leaves irregular gaps like a real job's.
//!
//! Between nights the partner keeps its copy fresh: once per 10-minute slice it pulls a
//! delta export from `POST /v1/accounts/batch`, hundreds to thousands of records in one
//! response (median 1,500, estimate), the benign look-alike of an over-broad query.
//!
//! The job authenticates with its API key only: `principal_id` is null, `session_id` is
//! null, and the truth's actor is the partner (`PARTNER_ACTOR_BASE + cohort index`).

use super::{Cohort, PARTNER_ACTOR_BASE, Window, slices_overlapping, within_window};
use crate::calendar::{DAY_US, HOUR_US};
use crate::event::{ApiKey, Event, Query, Route};
use crate::population::UaTable;
use crate::rng::{hash_words, salt, slice_stream, unit};
use crate::sources::customers::{peer, response_shape};
use crate::sources::{Emitter, Source, World};
use breachlab_schema::{ClientKind, IpKind};
use rand::RngExt;
use rand_distr::Distribution;

/// Share of the night window the job's reads take; it is done before the window ends.
const BUSY_SHARE: f64 = 0.9;
/// First index of partners' addresses in the cloud pool (above the SDK vendors').
const CLOUD_INDEX_BASE: u64 = 200_000;
/// Shares of reads answered 503 and 429 (the job does not retry; ~99% are 2xx).
const UNAVAILABLE: f64 = 0.005;
const THROTTLED: f64 = 0.003;

/// Median records of a delta export, and the log-sigma of their count (estimate).
const EXPORT_MEDIAN_RECORDS: f64 = 1_500.0;
const EXPORT_SIGMA: f64 = 0.6;

/// The look-alike's parameters as written in the scenario.
pub(crate) struct Params {
    pub entitled_accounts: u64,
    pub window_start_hour_local: f64,
    pub window_hours: f64,
    pub ips: u32,
}

pub(crate) struct PartnerBatch {
    cohort: Cohort,
    /// The entitled block of IDs, `first_id .. first_id + width`.
    first_id: i64,
    width: u64,
    /// Offset of the night window's start from a UTC midnight.
    night_offset_us: i64,
    night_us: i64,
    /// Time between consecutive positions of the block.
    step_us: f64,
    ips: u32,
    user_agent: u16,
}

impl PartnerBatch {
    pub fn new(cohort: Cohort, world: &World, params: Params) -> Self {
        let ids = &world.ids;
        let width = block_width(world, params.entitled_accounts);
        let room = ids.size.saturating_sub(width) + 1;
        let offset = hash_words(&[world.seed, cohort.key, salt::PARTNER_WINDOW]) % room;
        let night_us = night_us(&params);
        PartnerBatch {
            cohort,
            first_id: ids.id_base + offset as i64,
            width,
            night_offset_us: night_offset_us(world, &params),
            night_us,
            step_us: night_us as f64 * BUSY_SHARE / width as f64,
            ips: params.ips,
            user_agent: UaTable::for_client(ClientKind::Partner).sample(unit(hash_words(&[
                world.seed,
                cohort.key,
                salt::DEVICE,
            ]))),
        }
    }

    /// A request of the job from worker address `worker`: answered 200 with nothing,
    /// until the caller fills in the answer.
    fn request(&self, world: &World, ts_us: i64, worker: u64, route: Route, query: Query) -> Event {
        let address = peer(
            world.region,
            IpKind::Cloud,
            CLOUD_INDEX_BASE + u64::from(self.cohort.index) * 1_000 + worker,
        );
        let truth = self.cohort.single_actor_truth(PARTNER_ACTOR_BASE);
        Event {
            query,
            ..Event::unanswered(
                ts_us,
                address,
                self.user_agent,
                ClientKind::Partner,
                ApiKey::Partner(self.cohort.index),
                route,
                truth,
            )
        }
    }

    /// Start of night `day` (UTC instant of the local window start).
    fn night_start(&self, day: i64) -> i64 {
        day * DAY_US + self.night_offset_us
    }

    /// When the job reads position `position` of the block on the night starting at
    /// `night`: steady pace, with a per-request jitter under half a step.
    fn read_time(&self, world: &World, night: i64, position: u64) -> i64 {
        let jitter = 0.5
            * unit(hash_words(&[
                world.seed,
                self.cohort.key,
                night as u64,
                position,
            ]));
        night + ((position as f64 + jitter) * self.step_us) as i64
    }

    fn read_night(&self, world: &World, night: i64, out: &mut Emitter<'_>, emitted: &mut Emitted) {
        let first = ((out.from_us - night) as f64 / self.step_us).floor() as i64 - 1;
        let last = ((out.until_us - night) as f64 / self.step_us).ceil() as i64 + 1;
        let first = first.max(0) as u64;
        let last = (last.max(0) as u64).min(self.width);
        for position in first..last {
            let id = self.first_id + position as i64;
            if !world.ids.exists(id) {
                continue;
            }
            let ts_us = self.read_time(world, night, position);
            if out.accepts(ts_us) {
                emitted.read(world, self, ts_us, id, out);
            }
        }
    }
}

/// IDs in the entitled block. One partner is one entity: its nightly job reads its
/// entitlement as written at every scale, or the whole ID space when the scaled space
/// holds fewer accounts.
fn block_width(world: &World, entitled_accounts: u64) -> u64 {
    let ids = &world.ids;
    ids.ids_holding(entitled_accounts).clamp(1, ids.size.max(1))
}

/// Length of the night window.
fn night_us(params: &Params) -> i64 {
    (params.window_hours * HOUR_US as f64) as i64
}

/// Offset of the night window's start from a UTC midnight.
fn night_offset_us(world: &World, params: &Params) -> i64 {
    let local_start_h = params.window_start_hour_local - world.calendar.utc_offset_hours;
    (local_start_h * HOUR_US as f64) as i64
}

/// Events the job is expected to send over `window`: each night, the accounts of its
/// block (its IDs times the density: holes are skipped) read at a steady pace over the
/// busy part of the night, counted for the share of that part inside the window; and
/// one delta export in each slice the window overlaps.
pub(crate) fn expected_events(window: &Window, world: &World, params: &Params) -> f64 {
    let reads_per_night = block_width(world, params.entitled_accounts) as f64 * world.ids.density;
    let night_us = night_us(params);
    let busy_us = night_us as f64 * BUSY_SHARE;
    let offset_us = night_offset_us(world, params);
    let first_day = (window.start_us - offset_us - night_us).div_euclid(DAY_US);
    let last_day = (window.end_us - offset_us).div_euclid(DAY_US);
    let nights: f64 = (first_day..=last_day)
        .map(|day| {
            let busy_from = (day * DAY_US + offset_us) as f64;
            let from = busy_from.max(window.start_us as f64);
            let until = (busy_from + busy_us).min(window.end_us as f64);
            ((until - from) / busy_us).max(0.0)
        })
        .sum();
    reads_per_night * nights + slices_overlapping(world, window) as f64
}

/// The slice's random stream, drawn in emission order.
struct Emitted {
    rng: crate::rng::Stream,
}

impl Emitted {
    fn read(
        &mut self,
        world: &World,
        job: &PartnerBatch,
        ts_us: i64,
        id: i64,
        out: &mut Emitter<'_>,
    ) {
        let u: f64 = self.rng.random();
        let status = if u < UNAVAILABLE {
            503
        } else if u < UNAVAILABLE + THROTTLED {
            429
        } else {
            200
        };
        let records = i32::from(status == 200);
        let (latency_ms, response_bytes) = response_shape(
            &mut self.rng,
            &world.traffic,
            Route::Account,
            status,
            records,
        );
        let worker = (id - job.first_id) as u64 % u64::from(job.ips);
        out.emit(Event {
            target_id: Some(id),
            status,
            latency_ms,
            response_bytes,
            records_returned: records,
            ..job.request(world, ts_us, worker, Route::Account, Query::None)
        });
    }
}

impl Emitted {
    /// The slice's delta export: one batch read at a random instant of the slice.
    fn export(&mut self, world: &World, job: &PartnerBatch, out: &mut Emitter<'_>) {
        let ts_us = out.from_us
            + self
                .rng
                .random_range(0..(out.until_us - out.from_us).max(1));
        let z: f64 = rand_distr::StandardNormal.sample(&mut self.rng);
        let records =
            (EXPORT_MEDIAN_RECORDS * (EXPORT_SIGMA * z).exp()).clamp(50.0, 20_000.0) as i32;
        let (latency_ms, response_bytes) = response_shape(
            &mut self.rng,
            &world.traffic,
            Route::AccountsBatch,
            200,
            records,
        );
        let query = Query::Batch {
            count: records.min(i32::from(u16::MAX)) as u16,
        };
        out.emit(Event {
            latency_ms,
            response_bytes,
            records_returned: records,
            ..job.request(world, ts_us, 0, Route::AccountsBatch, query)
        });
    }
}

impl Source for PartnerBatch {
    fn generate(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        within_window(&self.cohort.window, out, |out| {
            let mut emitted = Emitted {
                rng: slice_stream(world.seed, self.cohort.key, slice),
            };
            let first_day = (out.from_us - self.night_offset_us - self.night_us).div_euclid(DAY_US);
            let last_day = (out.until_us - self.night_offset_us).div_euclid(DAY_US);
            for day in first_day..=last_day {
                self.read_night(world, self.night_start(day), out, &mut emitted);
            }
            emitted.export(world, self, out);
        });
    }
}
