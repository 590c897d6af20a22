//! Customers' scripts polling the public feed: a home-automation job, a notifier, an
//! aggregator reading on a customer's behalf, each from its own cloud server, signed out,
//! reading the first `pages` pages of `GET /v1/directory` every `interval_s`. Some present
//! an HTTP library's user agent; `posing_share` of them present a browser's or the app's,
//! with that client's API key (a headless browser, a request copied from the browser's
//! developer tools). Signed-out cloud reads of the feed on the web or app key are what a
//! feed scraper sends too; the pollers read the same first pages over and over, where a
//! scraper walks deep.
//!
//! Poller `p`'s poll `k` starts at `window start + phase(p) + k × interval + jitter`
//! (jitter at most 10% of the interval): a slice finds its polls by time arithmetic, and
//! each poll draws from its own stream. The pollers are entities: `pollers × scale` of
//! them run, each at the same interval whatever the scale.

use super::{Caller, Cohort, Window, periodic_runs, within_window};
use crate::event::{ApiKey, Event, Peer, Query, Route};
use crate::population::UaTable;
use crate::rng::{hash_words, salt, unit, unit_stream};
use crate::scenario::FeedPollerConfig;
use crate::sources::customers::peer;
use crate::sources::{Emitter, Source, World};
use breachlab_schema::{ClientKind, IpKind};

/// Largest jitter of a poll's start, as a share of the interval.
const JITTER: f64 = 0.1;
/// Seconds between two pages of one poll (low, high).
const BETWEEN_PAGES_S: (f64, f64) = (0.2, 2.0);
/// Longest a poll lasts (a bound for looking back across slices).
const LONGEST_POLL_US: i64 = 600_000_000;

pub(crate) struct FeedPoller {
    cohort: Cohort,
    pollers: Vec<Poller>,
    interval_us: i64,
    pages: u32,
    page_size: u16,
    /// Entries the feed lists: every account.
    entries: u64,
}

/// One script: where it runs, what it presents, whose it is.
struct Poller {
    peer: Peer,
    kind: ClientKind,
    user_agent: u16,
    api_key: ApiKey,
    owner: i64,
    phase_us: i64,
}

impl FeedPoller {
    pub fn new(cohort: Cohort, world: &World, params: &FeedPollerConfig) -> Self {
        let interval_us = interval_us(params.interval_s);
        let count = world.scale.count(params.pollers);
        FeedPoller {
            cohort,
            pollers: (0..count)
                .map(|p| poller(world, &cohort, p, interval_us, params.posing_share))
                .collect(),
            interval_us,
            pages: params.pages,
            page_size: params.page_size.clamp(1, u32::from(u16::MAX)) as u16,
            entries: world.ids.expected_accounts(),
        }
    }

    fn poll(&self, world: &World, p: usize, k: i64, out: &mut Emitter<'_>) {
        let poller = &self.pollers[p];
        let seed = hash_words(&[world.seed, self.cohort.key, p as u64, k as u64]);
        let start = self.cohort.window.start_us
            + poller.phase_us
            + k * self.interval_us
            + (unit(seed) * JITTER * self.interval_us as f64) as i64;
        let mut caller = Caller {
            world,
            rng: unit_stream(seed),
            now: start,
            template: Event::unanswered(
                start,
                poller.peer,
                poller.user_agent,
                poller.kind,
                poller.api_key,
                Route::Directory,
                self.cohort.truth(poller.owner),
            ),
        };
        for page in 1..=self.pages {
            let first = u64::from(page - 1) * u64::from(self.page_size);
            if first >= self.entries {
                break;
            }
            let records = u64::from(self.page_size).min(self.entries - first) as i32;
            let query = Query::Page {
                page,
                size: self.page_size,
            };
            caller.send(Route::Directory, None, query, 200, records, out);
            caller.pause(BETWEEN_PAGES_S.0, BETWEEN_PAGES_S.1);
        }
    }
}

fn interval_us(interval_s: f64) -> i64 {
    ((interval_s * 1e6) as i64).max(1)
}

/// Poller `p`: a cloud server of its own, a client drawn once, a customer who owns it.
fn poller(world: &World, cohort: &Cohort, p: u64, interval_us: i64, posing_share: f64) -> Poller {
    let h = hash_words(&[world.seed, cohort.key, p]);
    let app_share = world.traffic.client_mix.app_share_of_human();
    let kind = if unit(hash_words(&[h, salt::POOL_CLIENT])) < app_share {
        ClientKind::App
    } else {
        ClientKind::Web
    };
    let posing = unit(hash_words(&[h, salt::MIMIC_CLIENT])) < posing_share;
    let table = if posing {
        UaTable::for_client(kind)
    } else {
        UaTable::tools()
    };
    Poller {
        peer: peer(world.region, IpKind::Cloud, hash_words(&[h, salt::NETWORK])),
        kind,
        user_agent: table.sample(unit(hash_words(&[h, salt::DEVICE]))),
        api_key: ApiKey::of_client(kind),
        owner: world.ids.existing_at(hash_words(&[h, salt::OWNER])),
        phase_us: (unit(hash_words(&[h, salt::POLL_PHASE])) * interval_us as f64) as i64,
    }
}

/// Events the pollers are expected to send over `window`: every poll that starts inside
/// it (each poller's first at a phase uniform over one interval) times its pages.
pub(crate) fn expected_events(window: &Window, world: &World, params: &FeedPollerConfig) -> f64 {
    let pollers = world.scale.count(params.pollers) as f64;
    let duration_s = (window.end_us - window.start_us).max(0) as f64 / 1e6;
    let pages_read = u64::from(params.pages).min(
        world
            .ids
            .expected_accounts()
            .div_ceil(u64::from(params.page_size.max(1))),
    ) as f64;
    pollers * (duration_s / params.interval_s) * pages_read
}

impl Source for FeedPoller {
    fn generate(&self, world: &World, _slice: u64, out: &mut Emitter<'_>) {
        let window = self.cohort.window;
        within_window(&window, out, |out| {
            for (p, poller) in self.pollers.iter().enumerate() {
                let origin = window.start_us + poller.phase_us;
                let runs = periodic_runs(
                    origin,
                    self.interval_us,
                    LONGEST_POLL_US,
                    out.from_us,
                    out.until_us,
                );
                for k in runs {
                    self.poll(world, p, k, out);
                }
            }
        });
    }
}
