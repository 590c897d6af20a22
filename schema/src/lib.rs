//! The shared event schema: the one place that names breachlab's tables, columns and
//! enumerated values.
//!
//! The generator writes these tables, the harness reads them and the detectors see the
//! `events` columns. Column names and types are a contract with every tool that reads a
//! dataset (pyarrow, pandas, polars, DuckDB, Spark): change them only together with
//! [`SCHEMA_VERSION`]. Types are ones those readers take natively: signed integers,
//! UTF-8 strings, booleans and UTC microsecond timestamps.

mod enums;
mod table;
mod tables;

pub use enums::{ClientKind, IpKind, Method, Phase};
pub use table::Table;
pub use tables::{
    IMPORTED_ALWAYS_PRESENT, accounts_schema, campaigns_schema, events_schema,
    imported_events_schema, truth_schema,
};

/// Version of the table layout; bumped on any change to a column's name, type or meaning.
pub const SCHEMA_VERSION: u32 = 2;

/// Column names of the `events` table: what an API gateway logs, never any label.
pub mod events {
    pub const EVENT_ID: &str = "event_id";
    pub const TS: &str = "ts";
    pub const CLIENT_IP: &str = "client_ip";
    pub const IP_ASN: &str = "ip_asn";
    pub const IP_KIND: &str = "ip_kind";
    pub const COUNTRY: &str = "country";
    pub const USER_AGENT: &str = "user_agent";
    pub const CLIENT_KIND: &str = "client_kind";
    pub const API_KEY_ID: &str = "api_key_id";
    pub const PRINCIPAL_ID: &str = "principal_id";
    pub const SESSION_ID: &str = "session_id";
    pub const METHOD: &str = "method";
    pub const ROUTE: &str = "route";
    pub const PATH: &str = "path";
    pub const TARGET_ID: &str = "target_id";
    pub const STATUS: &str = "status";
    pub const LATENCY_MS: &str = "latency_ms";
    pub const RESPONSE_BYTES: &str = "response_bytes";
    pub const RECORDS_RETURNED: &str = "records_returned";
}

/// Column names of the `truth` table: ground-truth labels keyed by `event_id`.
pub mod truth {
    pub const EVENT_ID: &str = "event_id";
    pub const TS: &str = "ts";
    pub const IS_ATTACK: &str = "is_attack";
    pub const CAMPAIGN_ID: &str = "campaign_id";
    pub const ACTOR_ID: &str = "actor_id";
    pub const PHASE: &str = "phase";
    pub const OWASP_API: &str = "owasp_api";
    pub const OAT: &str = "oat";
    pub const ATTACK_TECHNIQUE: &str = "attack_technique";
    pub const RECORD_EXPOSED: &str = "record_exposed";
    /// How many accounts' records this response handed out for the first time within its
    /// campaign (0 when `record_exposed` is false). Summing it over a campaign's events
    /// gives the distinct accounts it exposed: the generator never counts an account twice.
    pub const RECORDS_EXPOSED: &str = "records_exposed";
}

/// Column names of the `accounts` table: the synthetic customer population.
pub mod accounts {
    pub const ACCOUNT_ID: &str = "account_id";
    pub const ACCOUNT_NUMBER: &str = "account_number";
    pub const FIRST_NAME: &str = "first_name";
    pub const LAST_NAME: &str = "last_name";
    pub const STREET: &str = "billing_street";
    pub const CITY: &str = "billing_city";
    pub const STATE: &str = "billing_state";
    pub const POSTAL_CODE: &str = "billing_postal_code";
    pub const EMAIL: &str = "email";
    pub const PHONE: &str = "phone";
    pub const DATE_OF_BIRTH: &str = "date_of_birth";
    pub const LINES: &str = "lines";
    pub const PLAN: &str = "plan";
    pub const CREATED: &str = "created_date";
}

/// Column names of `campaigns.parquet`: one row per attack campaign or benign cohort.
pub mod campaigns {
    pub const CAMPAIGN_ID: &str = "campaign_id";
    pub const NAME: &str = "name";
    pub const KIND: &str = "kind";
    pub const TECHNIQUE: &str = "technique";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const EVENTS: &str = "events";
    pub const DISTINCT_IPS: &str = "distinct_ips";
    pub const DISTINCT_API_KEYS: &str = "distinct_api_keys";
    pub const DISTINCT_PRINCIPALS: &str = "distinct_principals";
    pub const RECORDS_TARGETED: &str = "records_targeted";
    pub const RECORDS_EXPOSED: &str = "records_exposed";
    pub const OWASP_API: &str = "owasp_api";
    pub const OAT: &str = "oat";
    pub const ATTACK_TECHNIQUE: &str = "attack_technique";
    /// True for a deliberately unsophisticated campaign that one field may give away.
    pub const NAIVE: &str = "naive";
}
