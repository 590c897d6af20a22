//! breachlab's dataset on disk: the layout (a contract), the manifest, the Parquet
//! writer that turns a generation plan into files, and readers for the harness.
//!
//! ```text
//! DIR/manifest.json
//! DIR/events/date=YYYY-MM-DD/part-*.parquet
//! DIR/truth/date=YYYY-MM-DD/part-*.parquet
//! DIR/accounts/part-*.parquet
//! DIR/campaigns.parquet
//! ```

pub mod error;
pub mod layout;
pub mod manifest;
pub mod parquet_io;
pub mod read;
pub mod verify;
pub mod write;

pub use error::DatasetError;
pub use manifest::{FileEntry, Manifest};
pub use read::Dataset;
pub use verify::{Finding, VerifyReport, regenerate, verify};
pub use write::{BATCH_ROWS, GenerateOptions, GenerateSummary, Progress, batch_builder, generate};
