//! Generated datasets kept for reuse (calibration seeds, `--seeds` runs, the calibration
//! of the built-in defaults): one folder per (scenario text, seed, scale), reused only
//! when its manifest says it is that dataset, generated otherwise.

use crate::GenerateOptions;
use breachlab_dataset::{Dataset, DatasetError};
use breachlab_generator::{LoadedScenario, Shard};
use std::path::{Path, PathBuf};

/// What identifies a generated dataset.
#[derive(Debug, Clone, PartialEq)]
struct DatasetKey {
    scenario_name: String,
    /// SHA-256 of the scenario text, as the manifest records it.
    scenario_sha256: String,
    seed: u64,
    scale: f64,
}

impl DatasetKey {
    fn new(scenario: &LoadedScenario, seed: u64, scale: f64) -> Self {
        DatasetKey {
            scenario_name: scenario.scenario.name.clone(),
            scenario_sha256: scenario.text_sha256(),
            seed,
            scale,
        }
    }
}

/// `CACHE/<scenario>-<sha prefix>-seed<seed>-scale<scale>`.
fn cached_dataset_dir(cache: &Path, key: &DatasetKey) -> PathBuf {
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

/// The complete dataset in `dir`, if its manifest says it was generated from `key`.
fn matching_dataset(dir: &Path, key: &DatasetKey) -> Option<Dataset> {
    let dataset = Dataset::open(dir).ok()?;
    let manifest = &dataset.manifest;
    let matches = manifest.scenario.sha256 == key.scenario_sha256
        && manifest.seed == key.seed
        && manifest.scale == key.scale
        && manifest.shard.count == 1
        && manifest.breachlab_version == env!("CARGO_PKG_VERSION");
    matches.then_some(dataset)
}

/// The dataset of (`scenario`, `seed`, `scale`) under `cache`. When it is not there yet,
/// `generate` writes it (whole, on every core, replacing whatever the folder holds) with
/// the options it is given: the caller decides how generation is shown and reported.
pub fn cached_dataset<E: From<DatasetError>>(
    cache: &Path,
    scenario: &LoadedScenario,
    seed: u64,
    scale: f64,
    generate: impl FnOnce(&GenerateOptions) -> Result<(), E>,
) -> Result<Dataset, E> {
    let key = DatasetKey::new(scenario, seed, scale);
    let dir = cached_dataset_dir(cache, &key);
    if let Some(dataset) = matching_dataset(&dir, &key) {
        return Ok(dataset);
    }
    generate(&GenerateOptions {
        out: dir.clone(),
        seed,
        scale,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        shard: Shard::WHOLE,
        force: true,
    })?;
    Ok(Dataset::open(&dir)?)
}
