//! Arrow schemas of the four tables.

use crate::{accounts as a, campaigns as c, events as e, truth as t};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn field(name: &str, data_type: DataType, nullable: bool) -> Field {
    Field::new(name, data_type, nullable)
}

/// The `events` table: what a gateway logs.
pub fn events_schema() -> Schema {
    Schema::new(vec![
        field(e::EVENT_ID, DataType::Int64, false),
        field(e::TS, timestamp(), false),
        field(e::CLIENT_IP, DataType::Utf8, false),
        field(e::IP_ASN, DataType::Int32, false),
        field(e::IP_KIND, DataType::Utf8, false),
        field(e::COUNTRY, DataType::Utf8, false),
        field(e::USER_AGENT, DataType::Utf8, false),
        field(e::CLIENT_KIND, DataType::Utf8, false),
        field(e::API_KEY_ID, DataType::Utf8, true),
        field(e::PRINCIPAL_ID, DataType::Int64, true),
        field(e::SESSION_ID, DataType::Int64, true),
        field(e::METHOD, DataType::Utf8, false),
        field(e::ROUTE, DataType::Utf8, false),
        field(e::PATH, DataType::Utf8, false),
        field(e::TARGET_ID, DataType::Int64, true),
        field(e::STATUS, DataType::Int16, false),
        field(e::LATENCY_MS, DataType::Float32, false),
        field(e::RESPONSE_BYTES, DataType::Int32, false),
        field(e::RECORDS_RETURNED, DataType::Int32, false),
    ])
}

/// The columns an imported log always fills (`breachlab import`); every other events
/// column is null where the log's format does not carry it.
pub const IMPORTED_ALWAYS_PRESENT: [&str; 7] = [
    e::EVENT_ID,
    e::TS,
    e::CLIENT_IP,
    e::METHOD,
    e::ROUTE,
    e::PATH,
    e::STATUS,
];

/// The `events` table of an imported dataset: the events schema with every column but
/// [`IMPORTED_ALWAYS_PRESENT`] nullable (same names, types and order).
pub fn imported_events_schema() -> Schema {
    let fields: Vec<Field> = events_schema()
        .fields()
        .iter()
        .map(|f| {
            let nullable = f.is_nullable() || !IMPORTED_ALWAYS_PRESENT.contains(&f.name().as_str());
            f.as_ref().clone().with_nullable(nullable)
        })
        .collect();
    Schema::new(fields)
}

/// The `truth` table: labels for every event, joined on `event_id`. Carries `ts` too so
/// that it can be read and sorted alone.
pub fn truth_schema() -> Schema {
    Schema::new(vec![
        field(t::EVENT_ID, DataType::Int64, false),
        field(t::TS, timestamp(), false),
        field(t::IS_ATTACK, DataType::Boolean, false),
        field(t::CAMPAIGN_ID, DataType::Int32, true),
        field(t::ACTOR_ID, DataType::Int64, false),
        field(t::PHASE, DataType::Utf8, false),
        field(t::OWASP_API, DataType::Utf8, true),
        field(t::OAT, DataType::Utf8, true),
        field(t::ATTACK_TECHNIQUE, DataType::Utf8, true),
        field(t::RECORD_EXPOSED, DataType::Boolean, false),
        field(t::RECORDS_EXPOSED, DataType::Int32, false),
    ])
}

/// The `accounts` table: the fields of the T-Mobile 2023 disclosure, all synthetic.
pub fn accounts_schema() -> Schema {
    Schema::new(vec![
        field(a::ACCOUNT_ID, DataType::Int64, false),
        field(a::ACCOUNT_NUMBER, DataType::Utf8, false),
        field(a::FIRST_NAME, DataType::Utf8, false),
        field(a::LAST_NAME, DataType::Utf8, false),
        field(a::STREET, DataType::Utf8, false),
        field(a::CITY, DataType::Utf8, false),
        field(a::STATE, DataType::Utf8, false),
        field(a::POSTAL_CODE, DataType::Utf8, false),
        field(a::EMAIL, DataType::Utf8, false),
        field(a::PHONE, DataType::Utf8, false),
        field(a::DATE_OF_BIRTH, DataType::Date32, false),
        field(a::LINES, DataType::Int16, false),
        field(a::PLAN, DataType::Utf8, false),
        field(a::CREATED, DataType::Date32, false),
    ])
}

/// `campaigns.parquet`: one row per attack campaign or benign look-alike cohort.
pub fn campaigns_schema() -> Schema {
    Schema::new(vec![
        field(c::CAMPAIGN_ID, DataType::Int32, false),
        field(c::NAME, DataType::Utf8, false),
        field(c::KIND, DataType::Utf8, false),
        field(c::TECHNIQUE, DataType::Utf8, false),
        field(c::START, timestamp(), false),
        field(c::END, timestamp(), false),
        field(c::EVENTS, DataType::Int64, false),
        field(c::DISTINCT_IPS, DataType::Int64, false),
        field(c::DISTINCT_API_KEYS, DataType::Int64, false),
        field(c::DISTINCT_PRINCIPALS, DataType::Int64, false),
        field(c::RECORDS_TARGETED, DataType::Int64, false),
        field(c::RECORDS_EXPOSED, DataType::Int64, false),
        field(c::OWASP_API, DataType::Utf8, true),
        field(c::OAT, DataType::Utf8, true),
        field(c::ATTACK_TECHNIQUE, DataType::Utf8, true),
        field(c::NAIVE, DataType::Boolean, false),
    ])
}
