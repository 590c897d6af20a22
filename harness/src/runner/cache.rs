//! Generated datasets kept for reuse (calibration seeds, `--seeds` runs): one folder per
//! (scenario text, seed, scale), reused only when its manifest says it is that dataset.

use breachlab_dataset::Dataset;
use std::path::{Path, PathBuf};

/// What identifies a generated dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetKey {
    pub scenario_name: String,
    /// SHA-256 of the scenario text, as the manifest records it.
    pub scenario_sha256: String,
    pub seed: u64,
    pub scale: f64,
}

/// `CACHE/<scenario>-<sha prefix>-seed<seed>-scale<scale>`.
pub fn cached_dataset_dir(cache: &Path, key: &DatasetKey) -> PathBuf {
    let sha: String = key.scenario_sha256.chars().take(12).collect();
    let name: String = key
        .scenario_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cache.join(format!("{name}-{sha}-seed{}-scale{}", key.seed, key.scale))
}

/// Whether `dir` holds a complete dataset generated from `key` (by its manifest).
pub fn dataset_matches(dir: &Path, key: &DatasetKey) -> bool {
    Dataset::open(dir).is_ok_and(|dataset| {
        let manifest = &dataset.manifest;
        manifest.scenario.sha256 == key.scenario_sha256
            && manifest.seed == key.seed
            && manifest.scale == key.scale
            && manifest.shard.count == 1
            && manifest.breachlab_version == env!("CARGO_PKG_VERSION")
    })
}
