//! The one error type of the crate: every message names what the user has to fix (the
//! detector, the parameter, the column) and what would have been accepted.

use arrow_schema::DataType;

#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    #[error("unknown detector `{name}`; known detectors: {known}")]
    UnknownDetector { name: String, known: String },

    #[error("detector `{detector}` has no parameter `{param}`; allowed: {allowed}")]
    UnknownParam {
        detector: String,
        param: String,
        allowed: String,
    },

    #[error("detector `{detector}`: parameter `{param}` must be {expected}, got {found}")]
    WrongParamType {
        detector: String,
        param: String,
        expected: String,
        found: String,
    },

    #[error("detector `{detector}`: parameter `{param}` {allowed}, got {found}")]
    InvalidParam {
        detector: String,
        param: String,
        allowed: String,
        found: String,
    },

    #[error("malformed parameter override `{input}`: {reason}")]
    MalformedOverride { input: String, reason: String },

    #[error("events batch has no column `{column}`")]
    MissingColumn { column: String },

    #[error("events column `{column}` must be {expected}, got {found}")]
    WrongColumnType {
        column: String,
        expected: String,
        found: DataType,
    },

    /// A detector outside this crate (a process, an alert file) failed; the message says
    /// how.
    #[error("{0}")]
    Failed(String),
}
