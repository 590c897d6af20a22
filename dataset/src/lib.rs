//! breachlab's dataset on disk, for reading: the layout (a contract), the manifest,
//! readers for the harness, export and replay, and `verify`.
//!
//! ```text
//! DIR/manifest.json
//! DIR/README.md          (the dataset card)
//! DIR/events/date=YYYY-MM-DD/part-*.parquet
//! DIR/truth/date=YYYY-MM-DD/part-*.parquet
//! DIR/accounts/part-*.parquet
//! DIR/campaigns.parquet
//! ```
//!
//! Writing a dataset (`generate`, the Parquet settings, `verify --regenerate`) is in
//! `breachlab-writer`, the one storage crate that depends on the generator: whatever only
//! reads datasets builds without the traffic model, fake data and random streams. The
//! only thing written here is a manifest: `merge` combines the manifests of finished
//! shards, which needs no generator.

pub mod card;
pub mod cite;
pub mod digest;
pub mod error;
pub mod guard;
pub mod layout;
pub mod manifest;
pub mod merge;
pub mod output;
pub mod read;
pub mod verify;

pub use error::DatasetError;
pub use manifest::{FileEntry, Manifest};
pub use read::Dataset;
pub use verify::{Finding, VerifyReport, verify};
