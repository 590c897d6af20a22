//! Command-line arguments (clap derive). Flag names are a contract: scripts call them.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "breachlab",
    version,
    about = "Synthetic API-gateway traffic with planted enumeration attacks, and a harness that scores detectors on it"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a dataset from a scenario and a seed.
    Generate(GenerateArgs),
    /// List the scenario library, or show one scenario.
    Scenarios(ScenariosArgs),
    /// Merge the per-shard manifests of a sharded run into manifest.json.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Library scenario name or path to a scenario TOML file (default: the built-in default).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplies population and traffic volume; 1 = the scenario's published volume.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Output folder.
    #[arg(long, default_value = "breachlab-data")]
    pub out: PathBuf,
    /// Worker threads (never changes the output). Default: all cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write only shard K of N, e.g. 3/8; the N shards together hold the whole dataset.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Replace an existing dataset in --out.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub action: Option<ScenariosAction>,
}

#[derive(Debug, Subcommand)]
pub enum ScenariosAction {
    /// Print one scenario's TOML.
    Show {
        /// Library name or path.
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The folder every shard wrote into.
    pub dir: PathBuf,
}
