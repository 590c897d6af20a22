//! Live replay of a breachlab dataset over real HTTP.
//!
//! - [`replay`] reads a dataset's `events` batch by batch and sends each event as an
//!   HTTP/1.1 request (method, path, `User-Agent`, `X-Forwarded-For`, `Authorization`,
//!   `X-Breachlab-Event`), paced by the events' own timestamps or by a request rate.
//! - [`origin`] is the server to put behind a gateway: it answers each request with the
//!   status, body size and latency the dataset recorded for its `X-Breachlab-Event`.
//!
//! Put a real gateway (nginx, a WAF) between the two and it sees the dataset's traffic
//! and its responses; its own log, keyed by the event id header, becomes an alert file.

pub mod events;
pub mod origin;
pub mod replay;

use std::path::PathBuf;

/// The header that carries an event's `event_id` from replay to origin.
pub const EVENT_HEADER: &str = "x-breachlab-event";
/// The header that carries an event's `principal_id` (when it has one).
pub const PRINCIPAL_HEADER: &str = "x-breachlab-principal";

/// What can go wrong in a replay or an origin, each with what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Dataset(#[from] breachlab_dataset::error::DatasetError),
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
    /// A setting of [`replay::ReplayOptions`] or [`origin`] that cannot work, named by
    /// its field (a command line adds its own spelling).
    #[error("{setting} {value}: {message}")]
    Setting {
        setting: &'static str,
        value: String,
        message: String,
    },
    #[error("{0}")]
    Io(String),
}

impl ReplayError {
    pub(crate) fn setting(
        setting: &'static str,
        value: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ReplayError::Setting {
            setting,
            value: value.into(),
            message: message.into(),
        }
    }
}
