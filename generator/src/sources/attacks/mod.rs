//! Attack campaigns: one source per campaign in the scenario, one file per technique.
//!
//! Every technique is a pure function from a request's global number `n` (its rank in
//! the campaign) to what it asks and what it gets back. The [`Schedule`] says how many
//! requests fall in each slice and the number of the first, so any slice is generated
//! alone; the [`Pool`] says from which address and client request `n` comes. Techniques
//! choose their targets so a campaign never hands out the same account twice (distinct
//! IDs, keyed permutations, distinct pages): summing `records_exposed` over a campaign's
//! events counts distinct accounts exposed.

mod credential_stuffing;
mod id_probe;
mod lookup_oracle;
mod low_and_slow;
mod over_broad_query;
mod pagination_scrape;
mod pool;
mod schedule;
mod sequential_walk;

use super::customers::response_shape;
use super::{Emitter, Source, World};
use crate::calendar::HOUR_US;
use crate::campaign::CampaignMeta;
use crate::event::{Event, Query, Route, Truth};
use crate::population::{IdSpace, Permutation};
use crate::rng::{Stream, hash_words, salt, slice_stream};
use crate::scenario::{CampaignConfig, Technique};
use breachlab_schema::{IpKind, Phase};
use pool::{Client, Pool};
use schedule::{Schedule, request_times};

/// Actor ids of attackers: this base, plus a million per campaign index, plus the actor.
/// Far above any account ID, so an attacker never shares an id with a customer.
pub const ATTACKER_ACTOR_BASE: i64 = 9_000_000_000_000;

/// The default labels of a technique (docs/references.md#4-label-taxonomy): OWASP API Top 10
/// (2023),
/// OWASP automated threat, MITRE ATT&CK.
pub fn default_labels(technique: &Technique) -> (&'static str, &'static str, &'static str) {
    match technique {
        Technique::SequentialWalk { .. } => ("API1", "OAT-011", "T1119"),
        Technique::IdProbe { .. } => ("API1", "OAT-011", "T1595.003"),
        Technique::LookupOracle { .. } => ("API6", "OAT-011", "T1589"),
        Technique::LowAndSlow { .. } => ("API1", "OAT-011", "T1090.003"),
        Technique::CredentialStuffing { .. } => ("API2", "OAT-008", "T1110.004"),
        Technique::PaginationScrape { .. } => ("API4", "OAT-011", "T1119"),
        Technique::OverBroadQuery { .. } => ("API3", "OAT-011", "T1213"),
    }
}

/// The campaign-table row of campaign `index`.
pub fn meta(index: usize, config: &CampaignConfig, world: &World) -> CampaignMeta {
    let (owasp, oat, mitre) = default_labels(&config.attack);
    let (start_us, end_us) = window_of(config, world);
    CampaignMeta {
        id: index as i32 + 1,
        name: config.name.clone(),
        is_attack: true,
        technique: config.attack.name(),
        start_us,
        end_us,
        owasp_api: Some(
            config
                .labels
                .owasp_api
                .clone()
                .unwrap_or_else(|| owasp.to_string()),
        ),
        oat: Some(config.labels.oat.clone().unwrap_or_else(|| oat.to_string())),
        attack_technique: Some(
            config
                .labels
                .attack_technique
                .clone()
                .unwrap_or_else(|| mitre.to_string()),
        ),
        naive: config.naive,
    }
}

fn window_of(config: &CampaignConfig, world: &World) -> (i64, i64) {
    let start_us = world.calendar.start_us + (config.start_h * HOUR_US as f64) as i64;
    (
        start_us,
        start_us + (config.duration_h * HOUR_US as f64) as i64,
    )
}

/// The source of campaign `index`.
pub fn build(index: usize, config: &CampaignConfig, world: &World, key: u64) -> Box<dyn Source> {
    let (start_us, end_us) = window_of(config, world);
    let schedule = Schedule::new(world, key, config, start_us, end_us);
    let context = |default_kind: IpKind, default_cap: Option<f64>| Context {
        index: index as u16,
        key,
        jitter: config.evasion.jitter,
        pool: Pool::new(
            key,
            &config.evasion,
            world,
            default_kind,
            default_cap,
            schedule.peak_per_h,
        ),
        schedule: schedule.clone(),
    };
    let tool_kind = |mimic_or_tool: IpKind| {
        if config.evasion.user_agent == crate::scenario::UserAgentMode::Mimic {
            IpKind::Residential
        } else {
            mimic_or_tool
        }
    };
    match &config.attack {
        Technique::SequentialWalk {
            start_id,
            stride,
            authenticated,
            records_per_request,
        } => Box::new(Campaign {
            context: context(tool_kind(IpKind::Cloud), None),
            technique: sequential_walk::SequentialWalk::new(
                world,
                key,
                scaled_start_id(world, *start_id),
                *stride,
                *authenticated,
                *records_per_request,
            ),
        }),
        Technique::IdProbe {
            hit_rate,
            authenticated,
            registered_accounts,
        } => Box::new(Campaign {
            context: context(tool_kind(IpKind::Cloud), None),
            technique: id_probe::IdProbe::new(
                world,
                key,
                *hit_rate,
                *authenticated,
                *registered_accounts,
            ),
        }),
        Technique::LookupOracle {
            by,
            hit_rate,
            ids_per_request,
        } => Box::new(Campaign {
            context: context(tool_kind(IpKind::Cloud), None),
            technique: lookup_oracle::LookupOracle::new(
                world,
                key,
                *by,
                *hit_rate,
                *ids_per_request,
            ),
        }),
        Technique::LowAndSlow { tokens, order } => Box::new(Campaign {
            context: context(
                IpKind::Residential,
                Some(low_and_slow::DEFAULT_PER_IP_CAP_PER_H),
            ),
            technique: low_and_slow::LowAndSlow::new(world, key, *tokens, *order),
        }),
        Technique::CredentialStuffing {
            success_rate,
            reads_per_account,
        } => Box::new(Campaign {
            context: context(tool_kind(IpKind::Proxy), None),
            technique: credential_stuffing::CredentialStuffing::new(
                world,
                key,
                *success_rate,
                *reads_per_account,
            ),
        }),
        Technique::PaginationScrape { page_size } => Box::new(Campaign {
            context: context(tool_kind(IpKind::Proxy), None),
            technique: pagination_scrape::PaginationScrape::new(world, *page_size),
        }),
        Technique::OverBroadQuery {
            records_per_request,
            authenticated,
        } => Box::new(Campaign {
            context: context(tool_kind(IpKind::Cloud), None),
            technique: over_broad_query::OverBroadQuery::new(
                world,
                key,
                *records_per_request,
                *authenticated,
            ),
        }),
    }
}

/// What a technique makes of one request: everything but time, address and latency.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request {
    pub route: Route,
    pub target: Option<i64>,
    pub query: Query,
    pub status: i16,
    pub records: i32,
    pub principal: Option<i64>,
    pub session: Option<i64>,
    /// Whether the request carries a login (decides a tool's API key).
    pub authenticated: bool,
    /// A client the technique imposes (stolen app tokens), instead of the pool's.
    pub client: Option<Client>,
    pub phase: Phase,
    pub exposed: i32,
}

impl Request {
    /// A read of `route` answered with `records` (404 and phase probe when none).
    pub fn read(route: Route, target: Option<i64>, query: Query, records: i32) -> Request {
        Request {
            route,
            target,
            query,
            status: if records > 0 { 200 } else { 404 },
            records,
            principal: None,
            session: None,
            authenticated: false,
            client: None,
            phase: if records > 0 {
                Phase::Exfiltrate
            } else {
                Phase::Probe
            },
            exposed: records,
        }
    }

    /// Sends the request as `principal` (an account the attacker controls or stole).
    pub fn as_principal(mut self, principal: Option<i64>, key: u64) -> Request {
        self.authenticated = principal.is_some();
        self.principal = principal;
        self.session = principal.map(|p| session_of(key, p));
        self
    }
}

/// The session id of a principal's login in a campaign, reused by every request of it.
pub(crate) fn session_of(key: u64, principal: i64) -> i64 {
    (hash_words(&[key, principal as u64, salt::SESSION]) >> 1) as i64
}

/// A technique: request `n` of the campaign, or `None` once there is nothing left to do.
pub(crate) trait Step: Send + Sync {
    fn request(&self, world: &World, n: u64, rng: &mut Stream) -> Option<Request>;
}

/// What every campaign shares.
struct Context {
    index: u16,
    key: u64,
    jitter: f64,
    schedule: Schedule,
    pool: Pool,
}

/// A campaign: its context and its technique.
struct Campaign<T> {
    context: Context,
    technique: T,
}

impl<T: Step> Source for Campaign<T> {
    fn generate(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        let c = &self.context;
        let Some(window) = c.schedule.window(slice, out.from_us, out.until_us) else {
            return;
        };
        let mut rng = slice_stream(world.seed, c.key, slice);
        let times = request_times(&mut rng, &window, c.jitter);
        for (i, ts_us) in times.into_iter().enumerate() {
            let n = window.first_request + i as u64;
            if let Some(request) = self.technique.request(world, n, &mut rng) {
                c.send(world, n, ts_us, request, &mut rng, out);
            }
        }
    }
}

impl Context {
    fn send(
        &self,
        world: &World,
        n: u64,
        ts_us: i64,
        r: Request,
        rng: &mut Stream,
        out: &mut Emitter<'_>,
    ) {
        let slot = self.pool.slot(n);
        let client = r
            .client
            .unwrap_or_else(|| self.pool.client(slot, r.authenticated));
        let (latency_ms, response_bytes) =
            response_shape(rng, &world.traffic, r.route, r.status, r.records);
        out.emit(Event {
            ts_us,
            tie: 0,
            peer: self.pool.peer(slot),
            user_agent: client.user_agent,
            client_kind: client.kind,
            api_key: client.api_key,
            principal_id: r.principal,
            session_id: r.session,
            route: r.route,
            target_id: r.target,
            query: r.query,
            status: r.status,
            latency_ms,
            response_bytes,
            records_returned: r.records,
            truth: Truth {
                campaign: Some(self.index),
                is_attack: true,
                actor_id: ATTACKER_ACTOR_BASE
                    + i64::from(self.index) * 1_000_000
                    + self.pool.actor(slot) as i64,
                phase: r.phase,
                records_exposed: r.exposed,
            },
        });
    }
}

/// Existing accounts the attacker controls (registered or bought), chosen by a keyed
/// hash: they look like any customer's.
pub(crate) fn attacker_accounts(ids: &IdSpace, key: u64, count: u32) -> Vec<i64> {
    (0..u64::from(count.max(1)))
        .map(|i| ids.existing_at(hash_words(&[key, i, salt::ATTACKER_ACCOUNT])))
        .collect()
}

/// A keyed shuffle of `0..size` visited in order: the `m`-th draw and whether it is the
/// first visit (a draw past `size` starts the shuffle over, so exposes nothing new).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shuffle {
    permutation: Permutation,
}

impl Shuffle {
    pub fn new(size: u64, key: u64) -> Shuffle {
        Shuffle {
            permutation: Permutation::new(size.max(1), key),
        }
    }

    pub fn draw(&self, m: u64) -> (u64, bool) {
        let size = self.permutation.size();
        (self.permutation.apply(m % size), m < size)
    }
}

/// The walk's first ID at this run's scale: the population's ID space shrinks or grows
/// with `--scale`, so the start's offset from the lowest ID scales with it and the walk
/// stays inside the population.
fn scaled_start_id(world: &World, start_id: Option<i64>) -> i64 {
    let base = world.ids.id_base;
    start_id.map_or(base, |id| base + world.scale.offset(id - base))
}
