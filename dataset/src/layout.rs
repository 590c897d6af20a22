//! File names of the dataset layout. These names are a contract with every reader.

use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const EVENTS: &str = "events";
pub const TRUTH: &str = "truth";
pub const ACCOUNTS: &str = "accounts";
pub const CAMPAIGNS: &str = "campaigns.parquet";
/// Per-shard manifests of a sharded run, merged into `manifest.json` afterwards.
pub const SHARDS: &str = "shards";
/// Prefix of the temporary folder a run writes into before moving files into place.
pub const PARTIAL_PREFIX: &str = ".breachlab-partial-";

/// Every top-level entry a dataset may own (what `--force` may replace).
pub const OWNED: &[&str] = &[MANIFEST, EVENTS, TRUTH, ACCOUNTS, CAMPAIGNS, SHARDS];

/// `events/date=YYYY-MM-DD/part-SSSSSSS.parquet` (or `truth/...`), relative, named by the
/// chunk's first slice so that shards never collide and names sort in time order.
pub fn chunk_file(table: &str, date: &str, first_slice: u64) -> PathBuf {
    Path::new(table)
        .join(format!("date={date}"))
        .join(format!("part-{first_slice:07}.parquet"))
}

/// `accounts/part-NNNNN.parquet`, relative.
pub fn accounts_file(part: usize) -> PathBuf {
    Path::new(ACCOUNTS).join(format!("part-{part:05}.parquet"))
}

/// `shards/shard-K-of-N.json`, relative.
pub fn shard_manifest(index: u32, count: u32) -> PathBuf {
    Path::new(SHARDS).join(format!("shard-{index:04}-of-{count:04}.json"))
}

/// A path relative to the dataset root, with `/` separators, as the manifest lists it.
pub fn manifest_path(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
