//! Writes breachlab datasets: [`generate`] turns a generation plan into the Parquet files
//! and manifest of the layout in `breachlab-dataset`, [`regenerate`] writes one again
//! to compare its bytes with a dataset on disk, and [`cached_dataset`] keeps generated
//! datasets for reuse.
//!
//! This is the only storage crate that depends on `breachlab-generator`; the readers
//! (`breachlab-dataset`, and through it the harness, export and replay) do not.

mod cache;
pub mod parquet_io;
pub mod regenerate;
mod text_statistics;
pub mod write;

pub use cache::cached_dataset;
pub use regenerate::regenerate;
pub use write::{
    BATCH_ROWS, GenerateOptions, GenerateSummary, Progress, account_batches, batch_builder,
    faithfulness, generate,
};
