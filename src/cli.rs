//! Command-line arguments (clap derive). Flag names are a contract: scripts call them.

use crate::limits;
use breachlab_generator::Shard;
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

// Parsed once per run: the size of the bench arguments does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a dataset from a scenario and a seed.
    Generate(GenerateArgs),
    /// List the scenario library, or show one scenario.
    Scenarios(ScenariosArgs),
    /// Merge the per-shard manifests of a sharded run into manifest.json.
    Merge(MergeArgs),
    /// Score detectors on a dataset (or on several seeds of a scenario) and write a report.
    Bench(BenchArgs),
    /// Generate the default scenario, run every built-in detector, print the leaderboard.
    Demo(DemoArgs),
    /// List the built-in detectors with their parameters and defaults.
    Detectors,
    /// Score an alert file made anywhere on the dataset it was made on.
    Score(ScoreArgs),
    /// The closed loop: one detector blocks inline while each attack campaign adapts
    /// (--policy); reports records exposed, attacker cost and benign harm against the
    /// open-loop run on the same seed. See docs/defend.md.
    Defend(DefendArgs),
    /// Check a dataset against its manifest (and, with --regenerate, against a fresh run).
    Verify(VerifyArgs),
    /// Leakage report: per attack campaign, the best rule on one events column (and on a
    /// pair of columns), values chosen with the labels; writes DIR/audit.json.
    Audit(AuditArgs),
    /// Write a dataset's events as JSON lines, ECS, OCSF or a combined access log (plain or extended).
    Export(ExportArgs),
    /// Read real access logs (combined, JSON lines, ECS, OCSF) into a dataset whose
    /// labels are unknown; see docs/import.md.
    Import(ImportArgs),
    /// Plant a scenario's attack campaigns into an imported dataset, in its span and
    /// shape; the planted events carry exact truth (docs/import.md).
    Plant(PlantArgs),
    /// Send a dataset's events as real HTTP requests to a server (a gateway, or `origin`).
    Replay(ReplayArgs),
    /// Serve a dataset's recorded responses (status, size, latency) to replayed requests.
    Origin(OriginArgs),
    /// Print a BibTeX entry for a dataset: version, scenario, seed, scale and the SHA-256
    /// of its manifest.json.
    Cite(CiteArgs),
}

#[derive(Debug, Args)]
pub struct CiteArgs {
    /// The dataset folder (holding manifest.json).
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Library scenario name or path to a scenario TOML file (default: the built-in default).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub seed: u64,
    /// Multiplies population and traffic volume; 1 = the scenario's published volume,
    /// at most 1000.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true, value_parser = limits::scale)]
    pub scale: f64,
    /// Output folder.
    #[arg(long, default_value = "breachlab-data")]
    pub out: PathBuf,
    /// Worker threads (never changes the output), at most 256. Default: all cores.
    #[arg(long, allow_negative_numbers = true, value_parser = limits::threads)]
    pub threads: Option<usize>,
    /// Write only shard K of N, e.g. 3/8; the N shards together hold the whole dataset.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Replace an existing dataset in --out (with the reports bench and score wrote in it).
    #[arg(long)]
    pub force: bool,
    /// Print the planned events, bytes and a time estimate, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Generate below the scenario's minimum faithful scale (see `scenarios show NAME`);
    /// the manifest and every report then mark the dataset as distorted.
    #[arg(long)]
    pub allow_distorted: bool,
}

#[derive(Debug, Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub action: Option<ScenariosAction>,
}

#[derive(Debug, Subcommand)]
pub enum ScenariosAction {
    /// Print one scenario's TOML, then (as comments) its minimum faithful scale and what
    /// each campaign keeps at --scale.
    Show {
        /// Library name or path.
        name: String,
        /// The scale to describe (default: the scenario's minimum faithful scale).
        #[arg(long, allow_negative_numbers = true, value_parser = limits::scale)]
        scale: Option<f64>,
    },
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The folder every shard wrote into.
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The dataset to score (a `breachlab generate` output folder).
    #[arg(
        long,
        conflicts_with = "scenario",
        required_unless_present = "scenario"
    )]
    pub dataset: Option<PathBuf>,
    /// Instead of --dataset: a library scenario name or TOML path, generated (or reused
    /// from --cache) for each of --seeds.
    #[arg(long, requires = "seeds")]
    pub scenario: Option<String>,
    /// Seeds for --scenario: `1..5` (inclusive), `1,4,9` or `3`.
    #[arg(long, value_name = "SEEDS", value_parser = Seeds::parse)]
    pub seeds: Option<Seeds>,
    /// Scale of the datasets generated for --scenario and --calibrate (default: the
    /// dataset's own scale, or 1).
    #[arg(long, allow_negative_numbers = true, value_parser = limits::scale)]
    pub scale: Option<f64>,
    /// `all`, or a comma-separated list of detector names.
    #[arg(long, default_value = "all")]
    pub detectors: String,
    /// A detector parameter, `det.name=value` (repeatable); `det.threshold=x` fixes a threshold.
    #[arg(long = "param", value_name = "DET.NAME=VALUE")]
    pub params: Vec<String>,
    /// Parameters from a TOML file with one `[detectors.NAME]` table per detector;
    /// --param wins over it.
    #[arg(long, value_name = "FILE.toml")]
    pub params_file: Option<PathBuf>,
    /// Report folder (default: DATASET/report, or breachlab-report for --scenario).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Replace an existing report in --report.
    #[arg(long)]
    pub force: bool,
    /// Pick each threshold on the same scenario generated with these seeds (`1001`,
    /// `1001..1003` or `1001,1005`), to meet --alarm-budget false alarms per day on the
    /// benign traffic of each (the highest of the seeds' thresholds).
    #[arg(long, value_name = "SEEDS", value_parser = Seeds::parse)]
    pub calibrate: Option<Seeds>,
    /// False alarms per day allowed by --calibrate: `5` or `5/day`.
    #[arg(long, default_value = "5/day", value_name = "N/day", value_parser = parse_budget, allow_negative_numbers = true)]
    pub alarm_budget: f64,
    /// Also report records exposed before detection at these false-alarm budgets
    /// (`1,5,30`), each budget's thresholds calibrated on the --calibrate seeds.
    #[arg(long, requires = "calibrate", value_name = "N,N,...", value_parser = Budgets::parse)]
    pub budgets: Option<Budgets>,
    /// An evasion curve: `PATH=V1,V2,...` (e.g. `campaigns.0.attack.tokens=200,2000`)
    /// scores every detector on one variant of --scenario per value at PATH, on the first
    /// of --seeds, thresholds calibrated once (--calibrate) on the unswept scenario.
    #[arg(long, requires = "scenario", value_name = "PATH=V1,V2,...")]
    pub sweep: Option<String>,
    /// Folder of generated datasets kept for reuse (--scenario, --calibrate).
    #[arg(long, default_value = "breachlab-cache")]
    pub cache: PathBuf,
    /// The leakage audit in the report: `auto` reuses DIR/audit.json when it is of this
    /// very dataset and version and runs the single-column audit otherwise; `always`
    /// runs it; `never` leaves it out.
    #[arg(long, value_enum, default_value_t = AuditMode::Auto)]
    pub audit: AuditMode,
    /// Rows per batch handed to the detectors (never changes the results).
    #[arg(long, default_value_t = 65_536, allow_negative_numbers = true)]
    pub batch_rows: usize,
    /// An external detector: the command line that starts it (repeatable); see
    /// docs/detector-protocol.md.
    #[arg(long = "detector-cmd", value_name = "COMMAND")]
    pub detector_cmds: Vec<String>,
    /// Name of the --detector-cmd just before it (default: from the detector's hello).
    #[arg(long = "detector-name", value_name = "NAME")]
    pub detector_names: Vec<String>,
    /// Seconds an external detector may take to answer before it is killed (at most
    /// 86400, one day).
    #[arg(long, default_value_t = 60.0, value_name = "SECS", allow_negative_numbers = true, value_parser = limits::timeout_seconds)]
    pub detector_timeout: f64,
    /// An alert file (.csv, .jsonl, .parquet) scored beside the detectors (repeatable).
    #[arg(long = "alerts", value_name = "FILE")]
    pub alerts: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DefendArgs {
    /// A generated dataset to defend (instead of --scenario).
    #[arg(
        long,
        conflicts_with = "scenario",
        required_unless_present = "scenario"
    )]
    pub dataset: Option<PathBuf>,
    /// A library scenario name or TOML path, generated (or reused from --cache) with
    /// --seed at --scale.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Seed of the scenario's dataset (with --scenario).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub seed: u64,
    /// Scale of the generated datasets (with --scenario; default 1).
    #[arg(long, allow_negative_numbers = true, value_parser = limits::scale)]
    pub scale: Option<f64>,
    /// Defend below the scenario's minimum faithful scale (the report says so).
    #[arg(long)]
    pub allow_distorted: bool,
    /// The built-in detector that blocks (see `breachlab detectors`).
    #[arg(long, required_unless_present_any = ["detector_cmd", "alerts"])]
    pub detector: Option<String>,
    /// A detector parameter, `det.name=value` (repeatable); `det.threshold=x` fixes the threshold.
    #[arg(long = "param", value_name = "DET.NAME=VALUE")]
    pub params: Vec<String>,
    /// Parameters from a TOML file with one `[detectors.NAME]` table per detector.
    #[arg(long, value_name = "FILE.toml")]
    pub params_file: Option<PathBuf>,
    /// Pick the threshold on the same scenario generated with these seeds, to meet
    /// --alarm-budget false alarms per day (never on the defended seed).
    #[arg(long, value_name = "SEEDS", value_parser = Seeds::parse)]
    pub calibrate: Option<Seeds>,
    /// False alarms per day allowed by --calibrate: `5` or `5/day`.
    #[arg(long, default_value = "5/day", value_name = "N/day", value_parser = parse_budget, allow_negative_numbers = true)]
    pub alarm_budget: f64,
    /// An external detector that blocks: the command line that starts it (docs/detector-protocol.md).
    #[arg(long, conflicts_with = "detector", value_name = "COMMAND")]
    pub detector_cmd: Option<String>,
    /// Name of the --detector-cmd (default: from the detector's hello).
    #[arg(long, requires = "detector_cmd", value_name = "NAME")]
    pub detector_name: Option<String>,
    /// Seconds an external detector may take to answer before it is killed.
    #[arg(long, default_value_t = 60.0, value_name = "SECS", allow_negative_numbers = true, value_parser = limits::timeout_seconds)]
    pub detector_timeout: f64,
    /// An alert file: refused, alerts made on a fixed stream cannot react to a changed one.
    #[arg(long, value_name = "FILE")]
    pub alerts: Option<PathBuf>,
    /// How every attack campaign reacts to refusals: none, rotate, back-off, pause,
    /// mimic (default: each campaign's `[campaigns.adapt]` in the scenario, else none).
    #[arg(long)]
    pub policy: Option<String>,
    /// A setting of --policy, `name=value` (repeatable): rotate `pool`, `rotation_cost`;
    /// back-off `refusals_to_slow`, `recovery`; pause `pause_s`; mimic `refusals_to_slow`.
    #[arg(long = "policy-param", value_name = "NAME=VALUE")]
    pub policy_params: Vec<String>,
    /// How long an alert blocks its keys: seconds, or `end` (until the end of the run).
    #[arg(long, default_value = "3600", value_name = "SECS|end")]
    pub block_for: String,
    /// The status of a refused request.
    #[arg(long, default_value_t = 403, value_parser = parse_refusal)]
    pub refuse_with: i16,
    /// Seconds an alert takes at most to reach the gateway: the detector scores each
    /// window of this length at once, and its blocks hold from the window's end.
    #[arg(
        long,
        default_value_t = 1.0,
        value_name = "SECS",
        allow_negative_numbers = true
    )]
    pub window: f64,
    /// Folder for report.json, report.md and report.html.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a report (and dataset) already in --out.
    #[arg(long)]
    pub force: bool,
    /// Also write the requests as the gateway saw them (refused ones with their status)
    /// as a dataset in OUT/dataset, for verify, bench, audit and export.
    #[arg(long)]
    pub write_dataset: bool,
    /// Folder of generated datasets kept for reuse (--scenario, --calibrate).
    #[arg(long, default_value = "breachlab-cache")]
    pub cache: PathBuf,
    /// Print what would run, and run nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder the demo owns: its dataset and report go in DIR/dataset and DIR/report.
    #[arg(long, default_value = "breachlab-demo")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The dataset the alerts were made on.
    #[arg(long)]
    pub dataset: PathBuf,
    /// The alert file: .csv, .jsonl/.ndjson/.json or .parquet.
    #[arg(long)]
    pub alerts: PathBuf,
    /// Name in the report (default: the file name without extension).
    #[arg(long)]
    pub name: Option<String>,
    /// Report folder (default: DATASET/report-NAME).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Replace an existing report in --report.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The dataset folder (holding manifest.json).
    pub dir: PathBuf,
    /// Also regenerate the dataset from its manifest's scenario, seed and scale in a
    /// temporary folder and compare every file's bytes.
    #[arg(long)]
    pub regenerate: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The dataset folder (holding manifest.json).
    pub dir: PathBuf,
    /// Where to write the audit (default: DIR/audit.json, rewritten on every run). A
    /// device or FIFO (`/dev/null`, `/dev/stdout`) is written into, never replaced.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// Exit with status 1 when a campaign not marked naive leaks (best single-column F1
    /// above 0.5).
    #[arg(long)]
    pub fail_on_leak: bool,
    /// Audit single columns only, not pairs of columns (faster).
    #[arg(long)]
    pub no_pairs: bool,
    /// Also score each campaign's best combination rule on seed N of the same scenario
    /// and scale (generated into --cache when missing): what a rule written from this
    /// dataset's labels would get on other traffic.
    #[arg(long, value_name = "N")]
    pub holdout_seed: Option<u64>,
    /// Folder of generated datasets kept for reuse (--holdout-seed).
    #[arg(long, default_value = "breachlab-cache")]
    pub cache: PathBuf,
    /// Rows per batch read (never changes the results).
    #[arg(long, default_value_t = 65_536, allow_negative_numbers = true)]
    pub batch_rows: usize,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Access logs to read, in order (`-` is standard input); plain or gzip.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
    /// combined (nginx/Apache, with or without combined-ext's named fields), jsonl, ecs
    /// or ocsf.
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// The dataset folder to write (must not exist).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Route templates given explicitly: `PREFIX TEMPLATE` lines.
    #[arg(long, value_name = "FILE")]
    pub route_map: Option<PathBuf>,
    /// Replace addresses, principals and API keys by HMAC-SHA256 keyed hashes under KEY.
    #[arg(long, value_name = "KEY")]
    pub pseudonymize: Option<String>,
    /// Stop with an error after more than N lines that cannot be read.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_bad_lines: u64,
    /// A safety limit: stop with an error after more than N events (default: no limit).
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
    /// Events parsed and sorted in memory at a time; a larger log is sorted in runs on
    /// disk beside --out. Bounds memory; never changes the output.
    #[arg(long, value_name = "N", default_value_t = breachlab_import::DEFAULT_CHUNK_EVENTS)]
    pub chunk_events: usize,
}

#[derive(Debug, Args)]
pub struct PlantArgs {
    /// The imported dataset (what `breachlab import` wrote).
    pub dir: PathBuf,
    /// Library scenario name or path to a scenario TOML file: its campaigns are planted.
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: String,
    /// The dataset folder to write (must not exist).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of every random stream of the campaigns and of their dressing.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplies the campaigns' volume, as `generate --scale` does.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// The log's route template to plant every route on that the log lacks (e.g.
    /// `/api/users/{id}`).
    #[arg(long, value_name = "TEMPLATE")]
    pub route: Option<String>,
    /// Planted events held in memory (the log's are streamed); more is refused.
    #[arg(long, value_name = "N", default_value_t = breachlab_import::DEFAULT_MAX_EVENTS)]
    pub max_events: usize,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The dataset folder (holding manifest.json).
    pub dir: PathBuf,
    /// jsonl (flat events), ecs (Elastic Common Schema), ocsf (OCSF HTTP Activity) or
    /// combined (nginx's default access log) or combined-ext (combined followed by
    /// principal, API key and event id); see docs/export.md.
    #[arg(long, value_name = "FORMAT")]
    pub format: String,
    /// Output file, or `-` for standard output.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Add the ground-truth labels to every record (JSON formats only).
    #[arg(long)]
    pub with_truth: bool,
    /// Replace an existing --out file.
    #[arg(long)]
    pub force: bool,
    /// Rows per batch read (never changes the output).
    #[arg(
        long,
        default_value_t = 65_536,
        hide = true,
        allow_negative_numbers = true
    )]
    pub batch_rows: usize,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The dataset folder (holding manifest.json).
    pub dir: PathBuf,
    /// Where to send the requests: http://HOST:PORT (any host; tests use 127.0.0.1 only).
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// Pace by the events' timestamps: dataset seconds per second (3600: an hour a second).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub speed: Option<f64>,
    /// Start at most N requests per second (with --speed: the lower of the two paces).
    /// Neither flag: as fast as --concurrency allows.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_rate: Option<f64>,
    /// Replay only the first N events.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Requests in flight at once.
    #[arg(
        long,
        default_value_t = 64,
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub concurrency: usize,
    /// Seconds a request may take before it counts as failed (at most 86400, one day).
    #[arg(long, default_value_t = 30.0, value_name = "SECS", allow_negative_numbers = true, value_parser = limits::timeout_seconds)]
    pub timeout: f64,
    /// The Host header to send (default: the --target's host:port).
    #[arg(long, value_name = "NAME")]
    pub host_header: Option<String>,
}

#[derive(Debug, Args)]
pub struct OriginArgs {
    /// The dataset folder (holding manifest.json).
    pub dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub listen: String,
    /// Multiply each recorded latency by F before answering (0: answer at once; at most
    /// 1000).
    #[arg(long, default_value_t = 1.0, value_name = "F", allow_negative_numbers = true, value_parser = limits::latency_scale)]
    pub latency_scale: f64,
    /// On shutdown, write the event ids seen (one a line, ascending) to FILE.
    #[arg(long, value_name = "FILE")]
    pub seen: Option<PathBuf>,
    /// Replace an existing --seen file.
    #[arg(long)]
    pub force: bool,
}

/// A list of distinct seeds: `1..5` (inclusive), `1,4,9` or `3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeds(pub Vec<u64>);

impl Seeds {
    /// At most this many seeds in one list.
    const MAX: usize = 1000;

    pub fn parse(text: &str) -> Result<Seeds, String> {
        let invalid = || format!("`{text}`: expected `1..5`, `1,4,9` or `3`");
        let number = |s: &str| s.trim().parse::<u64>().map_err(|_| invalid());
        let seeds: Vec<u64> = match text.split_once("..") {
            Some((from, to)) => {
                let (from, to) = (number(from)?, number(to.trim().trim_start_matches('='))?);
                if to < from || to - from >= Self::MAX as u64 {
                    return Err(invalid());
                }
                (from..=to).collect()
            }
            None => text.split(',').map(number).collect::<Result<_, _>>()?,
        };
        if seeds.is_empty() || seeds.len() > Self::MAX {
            return Err(invalid());
        }
        let mut unique = seeds.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != seeds.len() {
            return Err(format!("`{text}` repeats a seed"));
        }
        Ok(Seeds(seeds))
    }
}

impl std::fmt::Display for Seeds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: Vec<String> = self.0.iter().map(u64::to_string).collect();
        f.write_str(&text.join(","))
    }
}

#[cfg(test)]
mod seeds_tests {
    use super::Seeds;

    #[test]
    fn seeds_accept_ranges_lists_and_single_values() {
        assert_eq!(Seeds::parse("1..3").unwrap().0, vec![1, 2, 3]);
        assert_eq!(Seeds::parse("1..=2").unwrap().0, vec![1, 2]);
        assert_eq!(Seeds::parse("4, 9").unwrap().0, vec![4, 9]);
        assert_eq!(Seeds::parse("7").unwrap().0, vec![7]);
        assert_eq!(Seeds::parse("4,9").unwrap().to_string(), "4,9");
    }

    #[test]
    fn seeds_refuse_empty_reversed_repeated_and_huge_lists() {
        for text in ["3..1", "1,1", "x", "", "1..", "0..5000"] {
            assert!(Seeds::parse(text).is_err(), "{text} was accepted");
        }
        assert!(Seeds::parse("1,1").unwrap_err().contains("repeats"));
    }
}

/// False alarms per day: `5` or `5/day`.
/// A refusal status: 403 or 429.
pub fn parse_refusal(text: &str) -> Result<i16, String> {
    match text.trim() {
        "403" => Ok(403),
        "429" => Ok(429),
        other => Err(format!("`{other}`: a refused request gets 403 or 429")),
    }
}

pub fn parse_budget(text: &str) -> Result<f64, String> {
    let number = text.trim().strip_suffix("/day").unwrap_or(text.trim());
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ => Err(format!(
            "`{text}`: expected false alarms per day, e.g. `5` or `5/day`"
        )),
    }
}

/// Several false-alarm budgets: `1,5,30` (each as [`parse_budget`] reads it).
#[derive(Debug, Clone, PartialEq)]
pub struct Budgets(pub Vec<f64>);

impl Budgets {
    pub fn parse(text: &str) -> Result<Budgets, String> {
        text.split(',')
            .map(parse_budget)
            .collect::<Result<Vec<f64>, String>>()
            .map(Budgets)
    }
}

#[cfg(test)]
mod budget_tests {
    use super::{Budgets, parse_budget};

    #[test]
    fn budgets_accept_a_per_day_suffix() {
        assert_eq!(parse_budget("5/day").unwrap(), 5.0);
        assert_eq!(parse_budget("0.5").unwrap(), 0.5);
        assert_eq!(
            Budgets::parse("1, 5/day,30").unwrap().0,
            vec![1.0, 5.0, 30.0]
        );
        for text in ["-1", "many", "inf", "NaN"] {
            assert!(parse_budget(text).is_err(), "{text} was accepted");
        }
        assert!(Budgets::parse("1,,5").is_err());
    }
}

/// When `bench` runs the leakage audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditMode {
    Auto,
    Always,
    Never,
}
