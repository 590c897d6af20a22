//! The scenario file's types. Every default is documented with its source: section 3 of
//! the reference facts for the benign model, section 5 for attacks and look-alikes.

use breachlab_schema::IpKind;
use serde::Deserialize;

/// One scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// First instant, RFC 3339 in UTC on a whole hour, e.g. `2022-11-25T00:00:00Z`.
    pub start: String,
    /// Length of the span in days (fractions allowed, whole hours).
    pub days: f64,
    /// Customers' local time offset from UTC, for the daily cycle (US Central: -6).
    #[serde(default = "defaults::utc_offset_hours")]
    pub utc_offset_hours: f64,
    /// Where the customers live (`us`, `au` or `global`): the countries and networks of
    /// their residential, mobile and office addresses.
    #[serde(default)]
    pub region: crate::population::Region,
    pub population: PopulationConfig,
    #[serde(default)]
    pub traffic: TrafficConfig,
    #[serde(default)]
    pub campaigns: Vec<CampaignConfig>,
    #[serde(default)]
    pub cohorts: Vec<CohortConfig>,
    #[serde(default)]
    pub output: OutputConfig,
}

/// The customer population at scale 1.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationConfig {
    /// Accounts at scale 1 (scaled by `--scale`).
    pub accounts: u64,
    /// Lowest account ID.
    #[serde(default = "defaults::id_base")]
    pub id_base: i64,
    /// Share of IDs in the ID space that belong to an account: what an ID walker hits.
    #[serde(default = "defaults::id_density")]
    pub id_density: f64,
}

/// The benign traffic model. Defaults: docs/references.md#3-traffic-model-parameters.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficConfig {
    /// Sessions per account per day on average (fintech-style apps: 1-2 a day for the
    /// active; most accounts of a carrier are far less active). Estimate.
    pub sessions_per_account_day: f64,
    /// Exponent of the Zipf law over accounts' activity (Breslau et al. 1999).
    pub zipf_exponent: f64,
    /// Peak-to-trough ratio of human traffic over a day (3-4x in one region).
    pub peak_trough_ratio: f64,
    /// Local hour of the daily peak.
    pub peak_hour_local: f64,
    /// Peak-to-trough ratio for automated clients (SDK, partners): flatter than humans.
    pub bot_peak_trough_ratio: f64,
    /// Weekend volume as a share of a weekday's (0.6-0.8, estimate).
    pub weekend_factor: f64,
    /// Share of sessions by client: app / web / SDK (60/30/10, estimate).
    pub client_mix: ClientMix,
    /// Mean reads per session after the login or token refresh.
    pub reads_per_session: f64,
    /// Pareto think time between reads: scale in seconds and shape (SURGE).
    pub think_time_s: f64,
    pub think_time_alpha: f64,
    /// Sessions end by this many minutes (bounds how far back a slice must look).
    pub max_session_minutes: f64,
    /// Share of app sessions from a mobile carrier's NAT (16% of traffic worldwide).
    pub mobile_carrier_share: f64,
    /// Share of web sessions from corporate networks. Estimate.
    pub corporate_share: f64,
    /// Share of customers' sessions made by their own scripts and by aggregators reading
    /// on their behalf: HTTP-library user agents (python-requests, curl, Go, axios...)
    /// from cloud, home and office addresses, the same libraries attackers use. Good bots
    /// are 10-18% of traffic (docs/references.md#3-traffic-model-parameters: ~50% bots, 32-40%
    /// bad); 0.12 is
    /// an estimate.
    pub scripted_share: f64,
    /// Share of customers who reach the API through a VPN or privacy relay (the proxy
    /// pool). Estimate (docs/references.md#7-shortcuts-and-look-alikes-per-incident: VPN and
    /// relay egress carry benign users).
    pub vpn_share: f64,
    /// Share of sessions that never sign in: guests and signed-out app users looking up a
    /// contact, searching the directory, resetting a password. No principal, no session.
    /// Estimate.
    pub guest_share: f64,
    /// Customers behind one carrier NAT address (hundreds to thousands).
    pub users_per_nat_ip: u32,
    /// Share of sessions that start with a full login rather than a token refresh.
    pub login_share: f64,
    /// Error mix of benign requests.
    pub status: StatusMix,
    /// Log-sigma of latency (0.5-1.0), and a factor on every endpoint's median.
    pub latency_sigma: f64,
    pub latency_factor: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientMix {
    pub app: f64,
    pub web: f64,
    pub sdk: f64,
}

impl ClientMix {
    /// The app's share of the human clients (app and web): the split every client that
    /// looks like a customer's follows. All app when there are no human clients.
    pub fn app_share_of_human(&self) -> f64 {
        if self.app + self.web > 0.0 {
            self.app / (self.app + self.web)
        } else {
            1.0
        }
    }
}

/// Shares of benign requests answered with each error (2xx takes the rest).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusMix {
    /// 401 from an expired token (~1%).
    pub unauthorized: f64,
    /// 404 (0.5-1%).
    pub not_found: f64,
    /// 429 (51.6% of API errors are 429, Cloudflare 2024; a few per thousand here).
    pub rate_limited: f64,
    /// 5xx (at most 0.5%).
    pub server_error: f64,
}

/// Output layout knobs; they change file boundaries, never rows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Hours of events per Parquet file (a divisor of 24).
    pub file_hours: u32,
    /// Accounts per `accounts` part file, at most.
    pub accounts_per_file: u64,
}

/// An attack campaign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignConfig {
    pub name: String,
    /// Hours after the scenario start.
    pub start_h: f64,
    pub duration_h: f64,
    /// Mean requests per second at scale 1, over the campaign (scaled by `--scale`).
    pub rate_per_s: f64,
    pub attack: Technique,
    #[serde(default)]
    pub evasion: Evasion,
    #[serde(default)]
    pub labels: LabelOverrides,
    /// Marks a deliberately unsophisticated campaign that one field may give away (a tool
    /// user agent, say): `breachlab audit` then reports it as naive instead of a leak.
    /// Needs `naive_reason`, which says why (a source that says the attacker did so).
    #[serde(default)]
    pub naive: bool,
    #[serde(default)]
    pub naive_reason: Option<String>,
    /// How the campaign reacts when a gateway refuses it (`policy = "rotate"` and the
    /// policy's settings): read by `breachlab defend` (docs/defend.md); generation
    /// ignores it, so it never changes a generated byte.
    #[serde(default)]
    pub adapt: Option<toml::Table>,
    /// The shape the real attack traffic had and no legitimate client shared (an endpoint
    /// answered without authentication where legitimate clients always signed in, say),
    /// with its source cited as a section of docs/references.md: `breachlab audit` then
    /// reports a combination rule over one event's fields that catches it as the
    /// campaign's signature, not a leak. At most one campaign per scenario.
    #[serde(default)]
    pub signature: Option<String>,
    /// Hours over which the daily cycle's shape is normalised: the campaign as written,
    /// when a scale has shortened `duration_h` to its first hours (so they keep the
    /// written campaign's rates hour by hour). Not a scenario field.
    #[serde(skip)]
    pub cycle_span_h: Option<f64>,
}

/// The attack technique and its own parameters (docs/references.md#5-attack-techniques-and-benign-look-alikes).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "technique", rename_all = "snake_case", deny_unknown_fields)]
pub enum Technique {
    /// Walks object IDs upward from `start_id` by `stride`.
    SequentialWalk {
        /// First ID at scale 1 (default: the lowest ID of the population). At another
        /// scale its offset from `population.id_base` is scaled like the population.
        #[serde(default)]
        start_id: Option<i64>,
        #[serde(default = "defaults::one_i64")]
        stride: i64,
        #[serde(default)]
        authenticated: bool,
        #[serde(default = "defaults::one_u32")]
        records_per_request: u32,
    },
    /// Probes IDs at random (shuffled, no repeats) over a range wide enough that only
    /// `hit_rate` of probes hit an account.
    IdProbe {
        hit_rate: f64,
        #[serde(default)]
        authenticated: bool,
        /// Throw-away accounts the attacker registered and logs in with.
        #[serde(default = "defaults::registered_accounts")]
        registered_accounts: u32,
    },
    /// Looks identifiers up from an input list; `hit_rate` of them belong to a customer.
    LookupOracle {
        by: LookupKey,
        hit_rate: f64,
        #[serde(default = "defaults::one_u32")]
        ids_per_request: u32,
    },
    /// Reads accounts by ID through stolen tokens reused across a rotating residential
    /// proxy pool, slowly, with the app's own user agents.
    LowAndSlow {
        #[serde(default = "defaults::tokens")]
        tokens: u32,
        #[serde(default)]
        order: Order,
    },
    /// Tries a combo list on login, then reads other customers' records (BOLA) through
    /// each taken-over account.
    CredentialStuffing {
        success_rate: f64,
        #[serde(default = "defaults::reads_per_account")]
        reads_per_account: u32,
    },
    /// Pages through a list endpoint.
    PaginationScrape {
        #[serde(default = "defaults::page_size")]
        page_size: u32,
    },
    /// Few requests, each returning a very large result (a wildcard query).
    OverBroadQuery {
        #[serde(default = "defaults::broad_records")]
        records_per_request: u32,
        #[serde(default = "defaults::true_bool")]
        authenticated: bool,
    },
}

impl Technique {
    /// The technique's name as written in the scenario and in `campaigns.parquet`.
    pub fn name(&self) -> &'static str {
        match self {
            Technique::SequentialWalk { .. } => "sequential_walk",
            Technique::IdProbe { .. } => "id_probe",
            Technique::LookupOracle { .. } => "lookup_oracle",
            Technique::LowAndSlow { .. } => "low_and_slow",
            Technique::CredentialStuffing { .. } => "credential_stuffing",
            Technique::PaginationScrape { .. } => "pagination_scrape",
            Technique::OverBroadQuery { .. } => "over_broad_query",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupKey {
    Email,
    Phone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Sequential,
    #[default]
    Shuffled,
}

/// Evasion knobs, combinable with any technique.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Evasion {
    /// Network the attacker's addresses come from (default: the technique's usual one).
    pub ip_kind: Option<IpKindName>,
    /// Distinct addresses in the attacker's pool.
    pub ip_pool: u64,
    /// Requests sent from one address before moving to the next (1 = every request).
    pub requests_per_ip: u32,
    /// Keep each address under this many requests per hour; the pool grows to fit.
    pub per_ip_rate_cap_per_h: Option<f64>,
    /// `tool` (scripting clients) or `mimic` (the app's and browsers' own user agents).
    pub user_agent: UserAgentMode,
    /// 0 = perfectly regular requests, 1 = Poisson arrivals.
    pub jitter: f64,
    /// Shape the rate by the customers' daily cycle.
    pub follow_daily_cycle: bool,
    /// Attacker machines (actors) sharing the work.
    pub actors: u32,
}

/// An [`IpKind`] as written in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpKindName {
    Residential,
    MobileCarrier,
    Cloud,
    Corporate,
    Proxy,
}

impl From<IpKindName> for IpKind {
    fn from(name: IpKindName) -> IpKind {
        match name {
            IpKindName::Residential => IpKind::Residential,
            IpKindName::MobileCarrier => IpKind::MobileCarrier,
            IpKindName::Cloud => IpKind::Cloud,
            IpKindName::Corporate => IpKind::Corporate,
            IpKindName::Proxy => IpKind::Proxy,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UserAgentMode {
    #[default]
    Tool,
    Mimic,
}

/// Labels that replace the technique's defaults (docs/references.md#4-label-taxonomy).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelOverrides {
    pub owasp_api: Option<String>,
    pub oat: Option<String>,
    pub attack_technique: Option<String>,
}

/// A benign cohort that looks like an attack and must not be flagged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortConfig {
    pub name: String,
    /// Hours after the scenario start (default 0).
    #[serde(default)]
    pub start_h: f64,
    /// Default: to the end of the span.
    #[serde(default)]
    pub duration_h: Option<f64>,
    pub lookalike: Lookalike,
}

/// Benign look-alikes (docs/references.md#5-attack-techniques-and-benign-look-alikes).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Lookalike {
    /// A partner's nightly job reading the accounts it is entitled to, in ID order, from
    /// fixed cloud addresses with one API key.
    PartnerBatch {
        /// Accounts entitled to the partner, at scale 1.
        entitled_accounts: u64,
        #[serde(default = "defaults::window_start_hour")]
        window_start_hour_local: f64,
        #[serde(default = "defaults::window_hours")]
        window_hours: f64,
        #[serde(default = "defaults::partner_ips")]
        ips: u32,
    },
    /// Synthetic monitoring: a few regions, fixed test IDs, every `interval_s`.
    Monitor {
        #[serde(default = "defaults::regions")]
        regions: u32,
        #[serde(default = "defaults::monitor_interval")]
        interval_s: f64,
        #[serde(default = "defaults::test_ids")]
        test_ids: u32,
    },
    /// One carrier NAT address in front of many customers, each reading their own account.
    NatGateway {
        #[serde(default = "defaults::one_u32")]
        ips: u32,
        #[serde(default = "defaults::users_per_nat")]
        users_per_ip: u32,
        #[serde(default = "defaults::nat_sessions")]
        sessions_per_user_day: f64,
    },
    /// A step of `multiplier` times the normal sign-up and login volume within minutes.
    ViralSpike {
        multiplier: f64,
        #[serde(default = "defaults::ramp_minutes")]
        ramp_minutes: f64,
        /// New accounts per second at the peak, at scale 1.
        #[serde(default = "defaults::signups")]
        signups_per_s: f64,
    },
    /// Bursts on password reset and login after an email send, with extra 4xx.
    PasswordResetWave {
        /// Recipients at scale 1.
        recipients: u64,
        #[serde(default = "defaults::response_rate")]
        response_rate: f64,
        #[serde(default = "defaults::half_life")]
        half_life_h: f64,
        /// Share of responders who first try their old password, one to three times,
        /// each answered 401, before asking for the reset.
        #[serde(default)]
        tried_old_password: f64,
    },
    /// Contact sync after app installs: legitimate bulk phone lookups.
    ContactSync {
        /// Installs per day at scale 1.
        installs_per_day: f64,
        #[serde(default = "defaults::contacts")]
        contacts_per_install: u32,
        #[serde(default = "defaults::contact_hit_rate")]
        hit_rate: f64,
    },
    /// Customers' scripts polling the public feed for what is new.
    FeedPoller(FeedPollerConfig),
    /// Partners' staff reading their own customers' records through the partner portal.
    PartnerPortal(PartnerPortalConfig),
}

impl Lookalike {
    pub fn name(&self) -> &'static str {
        match self {
            Lookalike::PartnerBatch { .. } => "partner_batch",
            Lookalike::Monitor { .. } => "monitor",
            Lookalike::NatGateway { .. } => "nat_gateway",
            Lookalike::ViralSpike { .. } => "viral_spike",
            Lookalike::PasswordResetWave { .. } => "password_reset_wave",
            Lookalike::ContactSync { .. } => "contact_sync",
            Lookalike::FeedPoller(_) => "feed_poller",
            Lookalike::PartnerPortal(_) => "partner_portal",
        }
    }
}

/// Customers' scripts polling the public feed for what is new: each from its own cloud
/// address, signed out, reading the first `pages` pages every `interval_s`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedPollerConfig {
    /// Pollers at scale 1.
    pub pollers: u64,
    #[serde(default = "defaults::poll_interval")]
    pub interval_s: f64,
    #[serde(default = "defaults::poll_pages")]
    pub pages: u32,
    #[serde(default = "defaults::page_size")]
    pub page_size: u32,
    /// Share of pollers that present a browser's or the app's user agent and key
    /// (headless browsers, copied requests) rather than an HTTP library's.
    #[serde(default = "defaults::posing_share")]
    pub posing_share: f64,
}

/// Partners' staff reading their own customers' records through the partner portal,
/// each signed in with their own account, in working hours; some companies' staff reach the
/// internet through a cloud secure web gateway or virtual desktops.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerPortalConfig {
    /// Partner companies at scale 1.
    pub partners: u64,
    /// Record reads per partner per day, on average over a week.
    #[serde(default = "defaults::partner_reads")]
    pub reads_per_partner_day: f64,
    /// Customers on one partner's books: the records its staff read.
    #[serde(default = "defaults::partner_customers")]
    pub customers_per_partner: u32,
    /// Share of partners' staff who egress from a cloud network (a secure web gateway,
    /// a virtual desktop).
    #[serde(default = "defaults::cloud_egress")]
    pub cloud_egress_share: f64,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            sessions_per_account_day: 0.25,
            zipf_exponent: 1.1,
            peak_trough_ratio: 3.5,
            peak_hour_local: 20.0,
            bot_peak_trough_ratio: 1.3,
            weekend_factor: 0.7,
            client_mix: ClientMix {
                app: 0.6,
                web: 0.3,
                sdk: 0.1,
            },
            reads_per_session: 4.0,
            think_time_s: 4.0,
            think_time_alpha: 1.5,
            max_session_minutes: 20.0,
            mobile_carrier_share: 0.16,
            corporate_share: 0.1,
            scripted_share: 0.12,
            vpn_share: 0.04,
            guest_share: 0.2,
            users_per_nat_ip: 300,
            login_share: 0.3,
            status: StatusMix::default(),
            latency_sigma: 0.6,
            latency_factor: 1.0,
        }
    }
}

impl Default for StatusMix {
    fn default() -> Self {
        StatusMix {
            unauthorized: 0.01,
            not_found: 0.007,
            rate_limited: 0.003,
            server_error: 0.002,
        }
    }
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            file_hours: 6,
            accounts_per_file: 1_000_000,
        }
    }
}

impl Default for Evasion {
    fn default() -> Self {
        Evasion {
            ip_kind: None,
            ip_pool: 1,
            requests_per_ip: 1,
            per_ip_rate_cap_per_h: None,
            user_agent: UserAgentMode::Tool,
            jitter: 1.0,
            follow_daily_cycle: false,
            actors: 1,
        }
    }
}

mod defaults {
    pub fn utc_offset_hours() -> f64 {
        -6.0
    }
    pub fn id_base() -> i64 {
        100_000_000
    }
    pub fn id_density() -> f64 {
        0.8
    }
    pub fn one_i64() -> i64 {
        1
    }
    pub fn one_u32() -> u32 {
        1
    }
    pub fn true_bool() -> bool {
        true
    }
    pub fn registered_accounts() -> u32 {
        5
    }
    pub fn tokens() -> u32 {
        20
    }
    pub fn reads_per_account() -> u32 {
        50
    }
    pub fn page_size() -> u32 {
        20
    }
    pub fn broad_records() -> u32 {
        5000
    }
    pub fn window_start_hour() -> f64 {
        1.0
    }
    pub fn window_hours() -> f64 {
        4.0
    }
    pub fn partner_ips() -> u32 {
        2
    }
    pub fn regions() -> u32 {
        3
    }
    pub fn monitor_interval() -> f64 {
        60.0
    }
    pub fn test_ids() -> u32 {
        3
    }
    pub fn users_per_nat() -> u32 {
        500
    }
    pub fn nat_sessions() -> f64 {
        1.5
    }
    pub fn ramp_minutes() -> f64 {
        10.0
    }
    pub fn signups() -> f64 {
        2.0
    }
    pub fn response_rate() -> f64 {
        0.3
    }
    pub fn half_life() -> f64 {
        2.0
    }
    pub fn contacts() -> u32 {
        300
    }
    pub fn contact_hit_rate() -> f64 {
        0.05
    }
    pub fn poll_interval() -> f64 {
        300.0
    }
    pub fn poll_pages() -> u32 {
        2
    }
    pub fn posing_share() -> f64 {
        0.5
    }
    pub fn partner_reads() -> f64 {
        400.0
    }
    pub fn partner_customers() -> u32 {
        500
    }
    pub fn cloud_egress() -> f64 {
        0.3
    }
}
