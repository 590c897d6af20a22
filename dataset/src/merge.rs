//! `merge`: the per-shard manifests of a sharded run combined into one `manifest.json`,
//! after checking every shard of the same run and its files are there, and the dataset
//! card written beside it. Apart from the readers so that the card, which reads a
//! dataset, and the merge, which writes the card, do not import each other.

use crate::error::DatasetError;
use crate::layout;
use crate::manifest::Manifest;
use std::path::Path;

/// Merges the per-shard manifests of a sharded run into `manifest.json`, after checking
/// that every shard of the same run is present.
pub fn merge_shards(root: &Path) -> Result<Manifest, DatasetError> {
    let dir = root.join(layout::SHARDS);
    let entries = std::fs::read_dir(&dir).map_err(|e| DatasetError::io(&dir, e))?;
    let mut shards = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| DatasetError::io(&dir, e))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            shards.push(Manifest::read(&path)?);
        }
    }
    shards.sort_by_key(|m| m.shard.index);
    let first = shards
        .first()
        .cloned()
        .ok_or_else(|| DatasetError::invalid(&dir, "no shard manifests found"))?;
    let count = first.shard.count;
    for (expected, m) in (1..=count).zip(shards.iter()) {
        let same_run = m.scenario.sha256 == first.scenario.sha256
            && m.seed == first.seed
            && m.scale == first.scale
            && m.shard.count == count;
        if !same_run {
            return Err(DatasetError::invalid(
                &dir,
                format!(
                    "shard {} of {} comes from another run (scenario, seed, scale or shard count differ)",
                    m.shard.index, m.shard.count
                ),
            ));
        }
        if m.shard.index != expected {
            return Err(DatasetError::invalid(
                &dir,
                format!(
                    "shard {expected} of {count} is missing: generate shard {expected}/{count} first"
                ),
            ));
        }
    }
    if shards.len() as u32 != count {
        let missing: Vec<String> = (1..=count)
            .filter(|k| !shards.iter().any(|m| m.shard.index == *k))
            .map(|k| format!("shard {k}/{count}"))
            .collect();
        return Err(DatasetError::invalid(
            &dir,
            format!(
                "{} of {count} shards present: run the missing ones first ({})",
                shards.len(),
                missing.join(", ")
            ),
        ));
    }
    check_shard_files(root, &shards)?;
    let mut merged = first.clone();
    merged.shard = crate::manifest::ShardInfo { index: 1, count: 1 };
    merged.files = Vec::new();
    for m in &shards {
        for f in &m.files {
            match merged.files.iter_mut().find(|g| g.path == f.path) {
                None => merged.files.push(f.clone()),
                // Every shard writes `campaigns.parquet`; in a shared folder the last one
                // to finish wins, so list the one on disk.
                Some(g) if g.sha256 != f.sha256 && on_disk_sha256(root, &f.path)? == f.sha256 => {
                    *g = f.clone()
                }
                Some(_) => {}
            }
        }
    }
    merged.files.sort_by(|a, b| a.path.cmp(&b.path));
    merged.recount();
    refuse_foreign_card(root)?;
    crate::card::write_card(root, &mut merged, count)?;
    crate::manifest::write_atomically(&root.join(layout::MANIFEST), merged.to_json().as_bytes())?;
    Ok(merged)
}

/// Every file a shard lists is on disk with the size it wrote: a manifest is only
/// written over a complete set of files.
fn check_shard_files(root: &Path, shards: &[Manifest]) -> Result<(), DatasetError> {
    for shard in shards {
        let (index, count) = (shard.shard.index, shard.shard.count);
        for file in &shard.files {
            let path = root.join(&file.path);
            let problem = match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() && meta.len() == file.bytes => continue,
                Ok(meta) if meta.is_file() => format!(
                    "is {} bytes but shard {index} of {count} wrote {}",
                    meta.len(),
                    file.bytes
                ),
                _ => format!("is missing but shard {index} of {count} lists it"),
            };
            // campaigns.parquet is written by every shard; the one on disk is checked
            // against the shard that wrote it, below.
            if file.path == layout::CAMPAIGNS
                && shards.iter().any(|other| {
                    other.files.iter().any(|f| {
                        f.path == file.path && on_disk_size(root, &f.path) == Some(f.bytes)
                    })
                })
            {
                continue;
            }
            return Err(DatasetError::invalid(
                &path,
                format!(
                    "{problem}: generate shard {index}/{count} again, replacing it, then merge; no manifest.json was written"
                ),
            ));
        }
    }
    Ok(())
}

fn on_disk_size(root: &Path, relative: &str) -> Option<u64> {
    std::fs::metadata(root.join(relative)).ok().map(|m| m.len())
}

/// `merge` writes the dataset card to `README.md`; it replaces one only if breachlab
/// wrote it (an earlier merge), never a file of someone else's.
fn refuse_foreign_card(root: &Path) -> Result<(), DatasetError> {
    let path = root.join(layout::CARD);
    match std::fs::read_to_string(&path) {
        Ok(text) if !crate::card::is_card(&text) => Err(DatasetError::invalid(
            &path,
            "not a dataset card breachlab wrote, and `merge` writes the card there: move it out of the dataset folder and merge again",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(DatasetError::invalid(
            &path,
            "not a dataset card breachlab wrote (not UTF-8), and `merge` writes the card there: move it out of the dataset folder and merge again",
        )),
        _ => Ok(()),
    }
}

fn on_disk_sha256(root: &Path, relative: &str) -> Result<String, DatasetError> {
    let path = root.join(relative);
    crate::digest::hash_file(&path)
        .map(|(_, sha)| sha)
        .map_err(|e| DatasetError::io(&path, e))
}
