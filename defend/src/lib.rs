//! The closed loop: a detector that blocks inline, attack campaigns that adapt, and the
//! records that still leave.
//!
//! Every score elsewhere in breachlab is open-loop: the attack is fixed in the dataset
//! and a detector only watches it. Here a detector's alerts block the keys it counts
//! per ([`enforce`]), each attack campaign is an [`agent`] that sees only its own
//! answers and reacts as its [`policy`] says, and the [`gateway`] merges the agents
//! with the benign traffic (which does not adapt) in time order. The [`report`] sets
//! the defended run beside the open-loop one on the same seed: records exposed,
//! what the attack cost, and what blocking cost benign clients.
//!
//! A run is deterministic: one thread, requests in a fixed order, and every random
//! choice of an agent from a ChaCha stream keyed by the seed and its campaign.

pub mod agent;
pub mod enforce;
mod error;
pub mod gateway;
pub mod input;
pub mod output;
pub mod policy;
pub mod report;

pub use enforce::{KeyKind, keys_of_detector};
pub use error::DefendError;
pub use gateway::{Enforcement, LoopOutcome, LoopSetup, run_loop};
pub use input::{CampaignInfo, Labels, Traffic};
pub use output::write_gateway_dataset;
pub use policy::{POLICY_NAMES, Policy};
pub use report::{DefendReport, RunInfo};
