//! breachlab's generator core: scenarios, the traffic model and deterministic time
//! slices, as pure code. Reading scenario files is the only I/O here; writing Parquet
//! lives in `breachlab-writer`.
//!
//! Same scenario, seed, scale and version give the same rows whatever the thread count
//! or shard split: every random stream is keyed by (seed, source, time slice).

pub mod calendar;
pub mod campaign;
pub mod event;
pub mod plan;
pub mod population;
pub mod render;
pub mod rng;
pub mod scenario;
pub mod sources;
pub mod stats;

pub use plan::{CampaignMeta, Chunk, Plan, PlanError, Shard};
pub use scenario::{LoadedScenario, Scenario, ScenarioError};
