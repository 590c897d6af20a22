//! The errors of a defended run: what was read, what the detector did, what was asked.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DefendError {
    #[error(transparent)]
    Dataset(#[from] breachlab_dataset::DatasetError),
    #[error("{path}: table `{table}`: {message}")]
    Table {
        path: PathBuf,
        table: &'static str,
        message: String,
    },
    #[error("the traffic is not usable: {0}")]
    Traffic(String),
    #[error("detector `{name}` failed: {message}")]
    Detector { name: String, message: String },
    #[error(
        "detector `{name}` gave {got} scores for a batch of {rows} requests: it cannot drive enforcement"
    )]
    ScoreCount {
        name: String,
        got: usize,
        rows: usize,
    },
    #[error("policy `{given}` is unknown: known policies are {known}")]
    UnknownPolicy { given: String, known: String },
    #[error("policy setting `{setting}` = {value}: {reason}")]
    PolicySetting {
        setting: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("enforcement setting `{setting}` = {value}: {reason}")]
    Enforcement {
        setting: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("building the gateway's batch: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}
