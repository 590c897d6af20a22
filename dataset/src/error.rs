//! Errors that name the file and say what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: Parquet: {message}")]
    Parquet { path: PathBuf, message: String },
    #[error("{0}")]
    Refused(String),
    /// The output folder already holds a dataset and replacing it was not allowed.
    #[error("{0} already holds data: allow replacing the dataset there, or choose another folder")]
    HoldsData(PathBuf),
    #[error("interrupted: nothing was written to {0} (temporary files removed)")]
    Interrupted(PathBuf),
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A Parquet file whose footer reads but whose data does not decode.
    #[error(
        "{path}: column `{column}`, row group {row_group}: cannot be decoded ({message}): the file is damaged; generate the dataset again, and run `breachlab verify` to find every damaged file"
    )]
    Damaged {
        path: PathBuf,
        column: String,
        row_group: usize,
        message: String,
    },
}

impl DatasetError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DatasetError::Io {
            path: path.into(),
            source,
        }
    }

    pub fn parquet(path: impl Into<PathBuf>, error: impl std::fmt::Display) -> Self {
        DatasetError::Parquet {
            path: path.into(),
            message: error.to_string(),
        }
    }

    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DatasetError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
