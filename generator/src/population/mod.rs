//! The population building blocks: who the customers are, which IDs exist, which clients
//! and networks requests come from.
//!
//! Everything here is pure and keyed by the scenario seed: no I/O, no global state, no
//! floating point in anything that decides identity, so the same scenario and seed give the
//! same population on any machine and thread count. Everything is also synthetic by
//! construction: reserved email domains, fictional phone numbers, private and reserved IP
//! space, private-use ASNs, a fictional carrier.

pub mod activity;
pub mod address;
mod digits;
mod hash;
pub mod ids;
pub mod network;
pub mod pii;
pub mod user_agents;

pub use hash::Permutation;
pub use ids::IdSpace;
pub use network::{
    COUNTRY_CODES, Country, IpInfo, Region, country_code, ip_of, pool_cidr, pool_size, write_ipv4,
};
pub use pii::{
    AccountRecord, account_for_email, account_for_phone, account_lines, account_number_of,
    account_record, accounts_batch, email_of, fake_email, fake_phone, last_name_of, phone_of,
};
pub use user_agents::{UaTable, ua_count, ua_text};
