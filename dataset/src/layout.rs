//! File names of the dataset layout. These names are a contract with every reader.

use breachlab_schema::Table;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
/// Key of the manifest header in every Parquet file's key-value metadata.
pub const MANIFEST_KEY: &str = "breachlab.manifest";
pub const EVENTS: &str = Table::Events.name();
pub const TRUTH: &str = Table::Truth.name();
pub const ACCOUNTS: &str = Table::Accounts.name();
/// The campaigns table is one file rather than a folder of parts.
pub const CAMPAIGNS: &str = "campaigns.parquet";
/// The dataset card: a datasheet with YAML metadata that dataset hubs and loaders read.
pub const CARD: &str = "README.md";
/// Per-shard manifests of a sharded run, merged into `manifest.json` afterwards.
pub const SHARDS: &str = "shards";
/// Prefix of the temporary folder a run writes into before moving files into place.
pub const PARTIAL_PREFIX: &str = ".breachlab-partial-";

/// Every top-level entry a dataset may own (what `--force` may replace).
pub const OWNED: &[&str] = &[MANIFEST, CARD, EVENTS, TRUTH, ACCOUNTS, CAMPAIGNS, SHARDS];

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

/// The files of a report folder, `report.json` last: written last and removed first, so
/// that its presence means the report is complete.
pub const REPORT_FILES: [&str; 3] = ["report.md", "report.html", "report.json"];

/// Report folders that `bench` (`report`) and `score` (`report-NAME`) write inside a
/// dataset by default, holding nothing but report files: what a forced `generate`
/// removes with the dataset, since they describe the dataset it replaces.
pub fn own_report_dirs(out: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name == "report" || name.starts_with("report-"))
                && entry.file_type().is_ok_and(|t| t.is_dir())
        })
        .map(|entry| entry.path())
        .filter(|dir| {
            std::fs::read_dir(dir).is_ok_and(|files| {
                files.filter_map(Result::ok).all(|file| {
                    let name = file.file_name().to_string_lossy().into_owned();
                    let name = name
                        .strip_prefix('.')
                        .and_then(|n| n.strip_suffix(".partial"))
                        .unwrap_or(&name)
                        .to_string();
                    REPORT_FILES.contains(&name.as_str())
                })
            })
        })
        .collect();
    dirs.sort();
    dirs
}

/// The per-shard manifests already in `out/shards`, as (file, manifest), sorted by name;
/// a file that does not parse is returned as an error message.
pub fn shard_manifests(out: &Path) -> Vec<(PathBuf, Result<crate::Manifest, String>)> {
    let Ok(entries) = std::fs::read_dir(out.join(SHARDS)) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, Result<crate::Manifest, String>)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
            (path, parsed)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}
