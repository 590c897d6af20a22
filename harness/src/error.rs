//! The harness's errors, in one module below every other, so that the dataset checks,
//! the reports and the audit can return them without importing the runner (which
//! imports them). Each names the file or detector at fault and what to do about it.

use breachlab_dataset::DatasetError;
use breachlab_detectors::DetectorError;
use std::path::PathBuf;

/// A run that could not produce a report at all (a failure of one detector is not one:
/// see `runner::SourceError`).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error(transparent)]
    Detector(#[from] DetectorError),
    /// The dataset's files disagree with each other or with the manifest.
    #[error("{path}: {message}")]
    Inconsistent { path: PathBuf, message: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
    /// The report folder already holds these report files and replacing them was not
    /// asked for.
    #[error(
        "{}: already holds a report ({}): replace it or choose another folder",
        dir.display(),
        files.join(", ")
    )]
    ReportExists { dir: PathBuf, files: Vec<String> },
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("detector `{name}`: calibration failed: {message}")]
    Calibration { name: String, message: String },
    /// A calibration seed is also scored ([`ScoredSeedInCalibration`]).
    #[error(transparent)]
    HeldOut(#[from] ScoredSeedInCalibration),
    #[error("interrupted")]
    Interrupted,
}

impl RunError {
    pub(crate) fn inconsistent(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        RunError::Inconsistent {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        RunError::Io {
            context: context.into(),
            source,
        }
    }
}

/// The one rule of calibration: a threshold is never tuned on a seed that is scored, or
/// the score measures the tuning. Every calibration entry point of the harness checks it
/// through `calibration::check_held_out`; `seed` is the first scored seed among the
/// calibration seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("calibration seed {seed} is also scored: thresholds must not be tuned on a test seed")]
pub struct ScoredSeedInCalibration {
    pub seed: u64,
}

/// Writing a report failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("could not serialize the report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("could not write the report: {0}")]
    Io(#[from] std::io::Error),
}
