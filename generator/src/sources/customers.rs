//! The benign customer population: sessions of app, web and SDK clients.
//!
//! Each slice draws its session count from a Poisson law whose mean follows the daily
//! and weekly cycles; each session gets a header (start, client, account, its own seed)
//! from the slice's stream and is then played out from its own stream. A slice also
//! replays the headers of the slices just before it (sessions are bounded in length) and
//! keeps only the events that fall inside it, so no slice depends on another's output.

use super::{Carry, Emitter, Sink, Source, World, lookback_slices};
use crate::calendar::SLICE_US;
use crate::event::{ApiKey, Event, Ident, Peer, Query, Route, SearchTerm, Truth};
use crate::population::{self, IdSpace, Region, UaTable};
use crate::rng::{Stream, device_hash, hash_words, salt, slice_stream, unit, unit_stream};
use crate::scenario::TrafficConfig;
use breachlab_schema::{ClientKind, IpKind};
use rand::RngExt;
use rand_distr::{Distribution, Poisson, StandardNormal};

/// SDK vendors whose clients call the API for customers (each with its own key).
const SDK_VENDORS: u64 = 12;
/// Customers' SDK sessions a day behind one of a vendor's egress addresses: a vendor's
/// cloud runs as many addresses as its load needs, so an address carries the same load at
/// every scale. Estimate.
const SDK_SESSIONS_PER_ADDRESS_DAY: f64 = 100.0;
/// Index of the first SDK egress address in the cloud pool; each vendor's addresses
/// follow the one before's.
const SDK_INDEX_BASE: u64 = 1_000;
/// Most egress addresses of one vendor.
const MAX_SDK_ADDRESSES: u64 = 1 << 16;

/// Read endpoints a customer's session uses, with their weights.
const READ_MIX: &[(Route, f64)] = &[
    (Route::Account, 0.34),
    (Route::Lines, 0.18),
    (Route::Plan, 0.14),
    (Route::Billing, 0.16),
    (Route::Usage, 0.12),
    (Route::Lookup, 0.02),
    (Route::Search, 0.015),
    (Route::Directory, 0.01),
    (Route::PasswordReset, 0.005),
];

/// What a signed-out guest's session reads, with weights (estimate). The account route
/// is there too: a bill paid or an order tracked without signing in, a shared link to an
/// account page, the app's look-up before sign-in (docs/references.md#7-shortcuts-and-look-alikes-per-incident).
const GUEST_MIX: &[(Route, f64)] = &[
    (Route::Lookup, 0.45),
    (Route::Search, 0.2),
    (Route::Directory, 0.15),
    (Route::PasswordReset, 0.08),
    (Route::Account, 0.12),
];

/// What a signed-out script reads: an integration's record reads on its API key, and
/// customers' scripts polling the feed and search (estimate).
const SIGNED_OUT_SCRIPT_MIX: &[(Route, f64)] = &[
    (Route::Account, 0.35),
    (Route::Directory, 0.25),
    (Route::Search, 0.25),
    (Route::Lookup, 0.15),
];

/// Share of customers' scripts that run signed out: integrations and partner jobs on an
/// API key alone, feed and search pollers (estimate).
pub const SIGNED_OUT_SCRIPT_SHARE: f64 = 0.4;

/// Share of VPN users whose exit is a privacy relay or VPN hosted on a cloud provider's
/// network, not a VPN operator's own (estimate; such relays run on cloud and CDN
/// networks: docs/references.md#7-shortcuts-and-look-alikes-per-incident).
const PRIVACY_RELAY_SHARE: f64 = 0.5;

/// Share of customers' scripts that send no API key (estimate).
const KEYLESS_SCRIPT_SHARE: f64 = 0.3;

/// Share of a customer's contact lookups that find nobody (estimate).
const LOOKUP_MISS_SHARE: f64 = 0.35;

/// Who is behind a customer's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Persona {
    /// The customer in the app or a browser.
    Customer,
    /// The customer's own script, or an aggregator reading on their behalf.
    Scripted,
    /// Someone who never signs in.
    Guest,
}

/// The customers source.
pub struct Customers {
    key: u64,
    sessions_per_slice: f64,
    human_share: f64,
    app_share_of_human: f64,
    activity: population::activity::ActivityLaw,
    rank_order: population::Permutation,
    nat_addresses: u64,
    corporate_addresses: u64,
    sdk_addresses_per_vendor: u64,
    max_session_us: i64,
    reads: RouteMix,
    guest_reads: RouteMix,
    signed_out_script_reads: RouteMix,
}

/// A weighted choice of routes, its cumulative shares computed once.
struct RouteMix {
    routes: Vec<Route>,
    cumulative: Vec<f64>,
}

impl RouteMix {
    fn new(mix: &[(Route, f64)]) -> Self {
        let total: f64 = mix.iter().map(|(_, w)| w).sum();
        let mut running = 0.0;
        RouteMix {
            routes: mix.iter().map(|(route, _)| *route).collect(),
            cumulative: mix
                .iter()
                .map(|(_, w)| {
                    running += w / total;
                    running
                })
                .collect(),
        }
    }

    /// The route whose cumulative share range holds `u` (in [0, 1)).
    fn pick(&self, u: f64) -> Route {
        let i = self
            .cumulative
            .iter()
            .position(|c| u < *c)
            .unwrap_or(self.routes.len() - 1);
        self.routes[i]
    }
}

/// Who starts a session, when, from what client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionHeader {
    pub(crate) start_us: i64,
    pub(crate) kind: ClientKind,
    pub(crate) account: i64,
    pub(crate) seed: u64,
}

impl Customers {
    pub fn new(world: &World, key: u64) -> Self {
        let t = &world.traffic;
        let accounts = world.ids.expected_accounts().max(1) as f64;
        let mix = &t.client_mix;
        let total = mix.app + mix.web + mix.sdk;
        let size = world.ids.size.max(1);
        Customers {
            key,
            sessions_per_slice: accounts * t.sessions_per_account_day / 144.0,
            human_share: (mix.app + mix.web) / total,
            app_share_of_human: mix.app_share_of_human(),
            activity: population::activity::ActivityLaw::new(size, t.zipf_exponent),
            rank_order: population::Permutation::new(
                size,
                hash_words(&[world.seed, key, salt::RANK_ORDER]),
            ),
            nat_addresses: nat_addresses(accounts, t, mix.app / total),
            corporate_addresses: (accounts as u64 / 40).max(1),
            sdk_addresses_per_vendor: sdk_addresses_per_vendor(accounts, t, mix.sdk / total),
            max_session_us: (t.max_session_minutes * 60e6) as i64,
            reads: RouteMix::new(READ_MIX),
            guest_reads: RouteMix::new(GUEST_MIX),
            signed_out_script_reads: RouteMix::new(SIGNED_OUT_SCRIPT_MIX),
        }
    }

    /// Expected sessions started in `slice` by humans and by automated clients.
    fn intensities(&self, world: &World, slice: u64) -> (f64, f64) {
        let t = &world.traffic;
        let c = &world.calendar;
        let mid = c.slice_mid(slice);
        let weekly = c.weekly(mid, t.weekend_factor);
        let human = self.sessions_per_slice
            * self.human_share
            * c.daily(mid, t.peak_trough_ratio, t.peak_hour_local);
        let bot = self.sessions_per_slice
            * (1.0 - self.human_share)
            * c.daily(mid, t.bot_peak_trough_ratio, t.peak_hour_local);
        (human * weekly, bot * weekly)
    }

    /// Events the customers are expected to send over the whole span: each slice's
    /// expected human and automated sessions (the means its Poisson draws use) times the
    /// mean events of a session of each ([`expected_session_events`]).
    pub fn expected_events(&self, world: &World) -> f64 {
        let t = &world.traffic;
        let human_session = expected_session_events(t, ClientKind::App);
        let sdk_session = expected_session_events(t, ClientKind::Sdk);
        (0..world.calendar.slices)
            .map(|slice| {
                let (human, bot) = self.intensities(world, slice);
                human * human_session + bot * sdk_session
            })
            .sum()
    }

    /// Every session header of `slice`, in draw order.
    fn headers(&self, world: &World, slice: u64) -> impl Iterator<Item = SessionHeader> + '_ {
        let (human, bot) = self.intensities(world, slice);
        let mut rng = slice_stream(world.seed, self.key, slice);
        let humans = poisson(&mut rng, human);
        let bots = poisson(&mut rng, bot);
        let start = world.calendar.slice_start(slice);
        let ids = world.ids;
        (0..humans + bots).map(move |i| {
            let start_us = start + rng.random_range(0..SLICE_US);
            let kind = if i >= humans {
                ClientKind::Sdk
            } else if rng.random::<f64>() < self.app_share_of_human {
                ClientKind::App
            } else {
                ClientKind::Web
            };
            let rank = self.activity.rank(rng.random::<f64>(), rng.random::<f64>());
            let seed = rng.random::<u64>();
            SessionHeader {
                start_us,
                kind,
                account: self.account_of_rank(&ids, rank),
                seed,
            }
        })
    }

    /// The account at activity rank `rank`: ranks are scattered over the ID space, and a
    /// rank landing on an ID with no account moves to the next account.
    fn account_of_rank(&self, ids: &IdSpace, rank: u64) -> i64 {
        ids.existing_at(self.rank_order.apply(rank))
    }

    /// Who is behind a session: SDK sessions are always the vendor's app; an app or web
    /// session is a script's or a guest's in the scenario's shares.
    pub(crate) fn persona(&self, world: &World, header: &SessionHeader) -> Persona {
        if header.kind == ClientKind::Sdk {
            return Persona::Customer;
        }
        let t = &world.traffic;
        let u = unit(hash_words(&[header.seed, salt::PERSONA]));
        if u < t.scripted_share {
            Persona::Scripted
        } else if u < t.scripted_share + t.guest_share {
            Persona::Guest
        } else {
            Persona::Customer
        }
    }

    /// The customer's usual network for this client: home broadband, the carrier's NAT,
    /// the office, a VPN exit, or the SDK vendor's cloud; a script runs on a cloud
    /// server, a home machine or an office one.
    pub(crate) fn peer_for(&self, world: &World, header: &SessionHeader, rng: &mut Stream) -> Peer {
        let t = &world.traffic;
        let h = hash_words(&[world.seed, header.account as u64, salt::NETWORK]);
        if self.persona(world, header) == Persona::Scripted {
            let u = rng.random::<f64>();
            let (kind, index) = if u < 0.5 {
                (IpKind::Cloud, h)
            } else if u < 0.85 {
                (IpKind::Residential, h)
            } else {
                (IpKind::Corporate, h % self.corporate_addresses)
            };
            return peer(world.region, kind, index);
        }
        let uses_vpn =
            unit(hash_words(&[world.seed, header.account as u64, salt::VPN])) < t.vpn_share;
        if header.kind != ClientKind::Sdk && uses_vpn {
            let relay = unit(hash_words(&[
                world.seed,
                header.account as u64,
                salt::PRIVACY_RELAY,
            ])) < PRIVACY_RELAY_SHARE;
            let kind = if relay { IpKind::Cloud } else { IpKind::Proxy };
            return peer(world.region, kind, rng.random::<u64>());
        }
        let (kind, index) = match header.kind {
            ClientKind::App if rng.random::<f64>() < t.mobile_carrier_share => {
                (IpKind::MobileCarrier, h % self.nat_addresses)
            }
            ClientKind::Web if rng.random::<f64>() < t.corporate_share => {
                (IpKind::Corporate, h % self.corporate_addresses)
            }
            ClientKind::Sdk => (
                IpKind::Cloud,
                SDK_INDEX_BASE
                    + h % SDK_VENDORS * self.sdk_addresses_per_vendor
                    + rng.random::<u64>() % self.sdk_addresses_per_vendor,
            ),
            _ => (IpKind::Residential, h),
        };
        peer(world.region, kind, index)
    }

    fn play(&self, world: &World, header: SessionHeader, out: &mut impl Sink) {
        let mut rng = unit_stream(header.seed);
        let peer = self.peer_for(world, &header, &mut rng);
        self.play_from(world, header, rng, peer, None, out);
    }

    /// Plays a customer's session from a given address, labelled with `campaign` (a
    /// benign cohort that reuses customers' behaviour, such as a carrier NAT).
    pub(crate) fn play_behind(
        &self,
        world: &World,
        header: SessionHeader,
        peer: Peer,
        campaign: Option<u16>,
        out: &mut Emitter<'_>,
    ) {
        self.play_from(world, header, unit_stream(header.seed), peer, campaign, out);
    }

    fn play_from(
        &self,
        world: &World,
        header: SessionHeader,
        rng: Stream,
        peer: Peer,
        campaign: Option<u16>,
        out: &mut impl Sink,
    ) {
        let t = &world.traffic;
        let account_hash = device_hash(world.seed, header.account);
        let persona = self.persona(world, &header);
        let user_agent = match persona {
            Persona::Scripted => {
                UaTable::tools().sample(unit(hash_words(&[account_hash, salt::SCRIPT_TOOL])))
            }
            _ => customer_user_agent(world, header.kind, header.account),
        };
        let signed_out_script = persona == Persona::Scripted
            && unit(hash_words(&[header.seed, salt::SIGNED_OUT_SCRIPT])) < SIGNED_OUT_SCRIPT_SHARE;
        let guest = persona == Persona::Guest || signed_out_script;
        // Some scripts skip the API key header, which the API does not enforce.
        let keyless = unit(hash_words(&[account_hash, salt::KEYLESS])) < KEYLESS_SCRIPT_SHARE;
        let api_key = match header.kind {
            _ if persona == Persona::Scripted && keyless => ApiKey::None,
            ClientKind::App => ApiKey::MobileApp,
            ClientKind::Web => ApiKey::WebPortal,
            _ => ApiKey::Sdk((account_hash % SDK_VENDORS) as u16),
        };
        let truth = Truth {
            campaign,
            ..Truth::benign(header.account)
        };
        let mut session = Session {
            world,
            header,
            rng,
            now: header.start_us,
            end: header.start_us + self.max_session_us,
            guest,
            template: Event {
                principal_id: (!guest).then_some(header.account),
                session_id: (!guest).then_some((header.seed >> 1) as i64),
                ..Event::unanswered(
                    header.start_us,
                    peer,
                    user_agent,
                    header.kind,
                    api_key,
                    Route::Login,
                    truth,
                )
            },
        };
        let login = session.rng.random::<f64>() < t.login_share;
        if !guest {
            session.authenticate(login, out);
        }
        let reads = 1 + poisson(&mut session.rng, (t.reads_per_session - 1.0).max(0.0));
        for _ in 0..reads {
            if !session.think() {
                break;
            }
            let u = session.rng.random::<f64>();
            if signed_out_script {
                session.guest_read(self.signed_out_script_reads.pick(u), out);
            } else if guest {
                session.guest_read(self.guest_reads.pick(u), out);
            } else {
                session.read(self.reads.pick(u), out);
            }
        }
    }
}

impl Source for Customers {
    fn generate(&self, world: &World, slice: u64, out: &mut Emitter<'_>) {
        self.generate_run(world, slice, std::slice::from_mut(out));
    }

    /// Plays every session that can reach the run once, routing each event to its slice.
    /// A slice keeps a session's events only if the session started at most
    /// `max_session_minutes` before the slice, as generating that slice alone would.
    fn generate_run(&self, world: &World, first: u64, outs: &mut [Emitter<'_>]) {
        self.play_run(world, first, outs, None, None);
    }

    /// Sessions that began before the run and were played by the run before it are not
    /// played again: their later events come from `carry`, emitted first, as playing
    /// the sessions in order of start would emit them.
    fn continue_run(&self, world: &World, first: u64, outs: &mut [Emitter<'_>], carry: &mut Carry) {
        let carried = carry.take_for(first);
        let mut later = Vec::new();
        self.play_run(world, first, outs, carried, Some(&mut later));
        carry.keep(first + outs.len() as u64, later);
    }
}

impl Customers {
    /// Plays every session that can reach the run, routing each event to its slice; with
    /// `carried`, the run before it played the sessions that began before `first`, and
    /// these are their events from `first` on. With `later`, events past the run that a
    /// later slice would keep are put there.
    fn play_run(
        &self,
        world: &World,
        first: u64,
        outs: &mut [Emitter<'_>],
        carried: Option<Vec<(Event, i64)>>,
        later: Option<&mut Vec<(Event, i64)>>,
    ) {
        let Some(run_from_us) = outs.first().map(|out| out.from_us) else {
            return;
        };
        let last = first + outs.len() as u64 - 1;
        let mut sink = RunSink {
            outs,
            reach_us: 0,
            later,
        };
        let earliest = match carried {
            Some(events) => {
                for (event, reach_us) in events {
                    sink.reach_us = reach_us;
                    sink.emit(event);
                }
                first
            }
            None => first.saturating_sub(lookback_slices(self.max_session_us)),
        };
        for earlier in earliest..=last {
            for header in self.headers(world, earlier) {
                if header.start_us + self.max_session_us < run_from_us {
                    continue;
                }
                sink.reach_us = header.start_us + self.max_session_us;
                self.play(world, header, &mut sink);
            }
        }
    }
}

/// Routes a session's events to the slices of a run, and those past the run to `later`.
struct RunSink<'r, 'e> {
    outs: &'r mut [Emitter<'e>],
    /// Slices starting after this instant never see the session.
    reach_us: i64,
    later: Option<&'r mut Vec<(Event, i64)>>,
}

impl Sink for RunSink<'_, '_> {
    fn emit(&mut self, event: Event) -> bool {
        let run_from_us = self.outs[0].from_us;
        if event.ts_us < run_from_us {
            return false;
        }
        let index = ((event.ts_us - run_from_us) / SLICE_US) as usize;
        match (self.outs.get_mut(index), self.later.as_deref_mut()) {
            (Some(out), _) => out.from_us <= self.reach_us && out.emit(event),
            (None, Some(later)) => {
                if run_from_us + index as i64 * SLICE_US <= self.reach_us {
                    later.push((event, self.reach_us));
                }
                false
            }
            (None, None) => false,
        }
    }
}

/// A session being played out.
struct Session<'w> {
    world: &'w World,
    header: SessionHeader,
    rng: Stream,
    now: i64,
    end: i64,
    /// A signed-out caller: no principal, no session.
    guest: bool,
    template: Event,
}

impl Session<'_> {
    /// Advances by a Pareto think time; false once the session is over.
    fn think(&mut self) -> bool {
        let t = &self.world.traffic;
        let u: f64 = self.rng.random::<f64>();
        let pause_s =
            t.think_time_s * (1.0 - u).powf(-1.0 / t.think_time_alpha) - t.think_time_s + 0.2;
        self.now += (pause_s * 1e6) as i64;
        self.now < self.end
    }

    fn authenticate(&mut self, full_login: bool, out: &mut impl Sink) {
        if full_login {
            // A mistyped password now and then, then the retry.
            if self.rng.random::<f64>() < MISTYPED_LOGIN {
                self.send(Route::Login, None, Query::None, 401, 0, out);
                self.now += self.rng.random_range(3_000_000..12_000_000);
            }
            self.send(Route::Login, None, Query::None, 200, 0, out);
        } else {
            self.send(Route::Token, None, Query::None, 200, 0, out);
        }
    }

    fn read(&mut self, route: Route, out: &mut impl Sink) {
        let account = self.header.account;
        let world = self.world;
        let s = &world.traffic.status;
        // The status mix is a share of all requests, but only reads draw from it: one
        // request in (reads + 1) is the session's login or token refresh.
        let reads = world.traffic.reads_per_session;
        let u: f64 = self.rng.random::<f64>() * reads / (reads + 1.0);
        let query = self.query_for(route);
        if u < s.unauthorized {
            // The access token expired: 401, refresh, retry.
            self.send(route, Some(account), query, 401, 0, out);
            self.now += self.rng.random_range(150_000..900_000);
            self.send(Route::Token, None, Query::None, 200, 0, out);
            self.now += self.rng.random_range(100_000..400_000);
        } else if u < s.unauthorized + s.not_found {
            let missing = self.missing_id();
            self.send(Route::Account, Some(missing), Query::None, 404, 0, out);
            return;
        } else if u < s.unauthorized + s.not_found + s.rate_limited {
            self.send(route, Some(account), query, 429, 0, out);
            return;
        } else if u < s.unauthorized + s.not_found + s.rate_limited + s.server_error {
            let status = [500, 502, 503][self.rng.random_range(0..3)];
            self.send(route, Some(account), query, status, 0, out);
            return;
        }
        let (target, records) = self.answer(route);
        self.send(route, target, query, 200, records, out);
    }

    /// A signed-out read: a contact lookup (an empty answer when nobody matches), a
    /// directory or search page, or a password-reset request.
    fn guest_read(&mut self, route: Route, out: &mut impl Sink) {
        let query = self.query_for(route);
        let (target, records) = self.answer(route);
        self.send(route, target, query, 200, records, out);
    }

    /// The object and record count of a successful read of the customer's own data.
    fn answer(&mut self, route: Route) -> (Option<i64>, i32) {
        let account = self.header.account;
        match route {
            Route::Lookup if self.rng.random::<f64>() < LOOKUP_MISS_SHARE => (None, 0),
            Route::Lines => (
                Some(account),
                population::account_lines(self.world.seed, account),
            ),
            Route::Usage => (Some(account), 20),
            Route::Lookup => (Some(self.someone_else()), 1),
            Route::Search => (None, self.rng.random_range(1..4)),
            Route::Directory => (None, 20),
            Route::PasswordReset => (None, 0),
            _ => (Some(account), 1),
        }
    }

    fn query_for(&mut self, route: Route) -> Query {
        match route {
            Route::Usage => Query::Page {
                page: self.rng.random_range(1..4),
                size: 20,
            },
            Route::Directory => Query::Page {
                page: self.rng.random_range(1..4),
                size: 20,
            },
            Route::Search => Query::Search {
                term: SearchTerm::NameOf(self.header.account),
                page: 1,
                size: 20,
            },
            Route::Lookup => Query::Phone(Ident::Account(self.someone_else())),
            _ => Query::None,
        }
    }

    /// A friend's account, for a "send to a contact" lookup: fixed per session.
    fn someone_else(&self) -> i64 {
        let ids = &self.world.ids;
        let h = hash_words(&[self.header.seed, salt::OTHER_ACCOUNT]);
        ids.next_existing(ids.id_base + (h % ids.size.max(1)) as i64)
            .unwrap_or(self.header.account)
    }

    /// An ID with no account behind it (a stale link or a typo).
    fn missing_id(&mut self) -> i64 {
        let ids = &self.world.ids;
        for _ in 0..32 {
            let id =
                ids.id_base + self.rng.random_range(0..ids.size.max(1) + ids.size / 8 + 1) as i64;
            if !ids.exists(id) {
                return id;
            }
        }
        ids.end()
    }

    fn send(
        &mut self,
        route: Route,
        target: Option<i64>,
        query: Query,
        status: i16,
        records: i32,
        out: &mut impl Sink,
    ) {
        self.now += 1;
        let mut event = self.template;
        event.ts_us = self.now;
        event.route = route;
        event.target_id = target;
        event.query = query;
        event.status = status;
        event.records_returned = records;
        event.principal_id = if self.guest || (route == Route::Login && status != 200) {
            None
        } else {
            Some(self.header.account)
        };
        // A login request carries no session yet: its answer starts one.
        if route == Route::Login {
            event.session_id = None;
        }
        let (latency, bytes) =
            response_shape(&mut self.rng, &self.world.traffic, route, status, records);
        event.latency_ms = latency;
        event.response_bytes = bytes;
        out.emit(event);
        self.now += (f64::from(latency) * 1000.0) as i64;
    }
}

/// Latency (ms, quantised to 0.01 ms) and body size of a response.
pub fn response_shape(
    rng: &mut Stream,
    traffic: &TrafficConfig,
    route: Route,
    status: i16,
    records: i32,
) -> (f32, i32) {
    let z: f64 = StandardNormal.sample(rng);
    let error_factor = if (400..500).contains(&status) {
        0.4
    } else {
        1.0
    };
    let latency = route.median_latency_ms()
        * traffic.latency_factor
        * error_factor
        * (traffic.latency_sigma * z).exp();
    let latency = ((latency.clamp(0.5, 60_000.0) * 100.0).round() / 100.0) as f32;
    let noise: f64 = StandardNormal.sample(rng);
    let body = if status >= 300 {
        110.0 + 30.0 * noise.abs()
    } else if records == 0 {
        380.0 + 120.0 * noise.abs()
    } else {
        160.0 + f64::from(records) * route.bytes_per_record() * (0.25 * noise).exp()
    };
    (latency, body.min(i32::MAX as f64) as i32)
}

/// Share of full logins that are a mistyped password first (a 401, then the retry).
const MISTYPED_LOGIN: f64 = 0.02;

/// Mean events of one customer's session on a client of `kind`, as [`Customers`] plays
/// it: an app or web session is a guest's or a signed-out script's (reads only) in the
/// scenario's shares, and
/// otherwise authenticates (a token refresh, or a full login with now and then a
/// mistyped password first) before its reads, each read answered 401 adding the token
/// refresh; an SDK session always authenticates. Reads are `1 + Poisson(reads - 1)`.
/// Sessions cut short by `max_session_minutes` are not discounted: with the think times
/// the library uses, fewer than one session in a thousand reaches it.
pub(crate) fn expected_session_events(t: &TrafficConfig, kind: ClientKind) -> f64 {
    let reads = 1.0 + (t.reads_per_session - 1.0).max(0.0);
    let authenticate = 1.0 + MISTYPED_LOGIN * t.login_share;
    let signed_in = authenticate + reads * (1.0 + unauthorized_share(t));
    if kind == ClientKind::Sdk {
        return signed_in;
    }
    let scripted = t.scripted_share.min(1.0);
    let guest = (t.scripted_share + t.guest_share).min(1.0) - scripted;
    let signed_out = guest + scripted * SIGNED_OUT_SCRIPT_SHARE;
    signed_out * reads + (1.0 - signed_out) * signed_in
}

/// Share of a signed-in session's reads answered 401: the status draw is scaled by
/// `reads / (reads + 1)` (see `Session::read`), so `unauthorized × (reads + 1) / reads`.
fn unauthorized_share(t: &TrafficConfig) -> f64 {
    let (share, reads) = (t.status.unauthorized, t.reads_per_session);
    if share <= 0.0 {
        0.0
    } else if reads <= 0.0 {
        1.0
    } else {
        (share * (reads + 1.0) / reads).min(1.0)
    }
}

/// Carrier NAT addresses in front of the customers: sized so that one address fronts
/// about `users_per_nat_ip` customers' sessions a day, as a carrier-grade NAT does. (Sized
/// by accounts instead, most accounts being rarely active, an address would show a few
/// dozen customers a week.)
fn nat_addresses(accounts: f64, t: &TrafficConfig, app_share: f64) -> u64 {
    let carrier_sessions_per_day =
        accounts * t.sessions_per_account_day * app_share * t.mobile_carrier_share;
    ((carrier_sessions_per_day / f64::from(t.users_per_nat_ip)).ceil() as u64).max(1)
}

/// Egress addresses of each SDK vendor: its customers' sessions a day over what one
/// address carries, at least one.
fn sdk_addresses_per_vendor(accounts: f64, t: &TrafficConfig, sdk_share: f64) -> u64 {
    let per_vendor = accounts * t.sessions_per_account_day * sdk_share / SDK_VENDORS as f64;
    ((per_vendor / SDK_SESSIONS_PER_ADDRESS_DAY).ceil() as u64).clamp(1, MAX_SDK_ADDRESSES)
}

/// The user agent a customer's device shows for `kind`: fixed per account, as a person
/// keeps their phone.
pub(crate) fn customer_user_agent(world: &World, kind: ClientKind, account: i64) -> u16 {
    UaTable::for_client(kind).sample(unit(device_hash(world.seed, account)))
}

/// A Poisson draw; 0 for a non-positive mean.
pub fn poisson(rng: &mut Stream, mean: f64) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    Poisson::new(mean)
        .map(|p| p.sample(rng) as u64)
        .unwrap_or(0)
}

/// The peer at `index` of a pool.
pub fn peer(region: Region, kind: IpKind, index: u64) -> Peer {
    let info = population::ip_of(region, kind, index);
    Peer {
        ip: info.ip,
        asn: info.asn,
        kind: info.kind,
        country: info.country.0,
    }
}
