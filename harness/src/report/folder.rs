//! A report folder: `report.md`, `report.html` and `report.json`, written so that an
//! interrupted run never leaves a report that looks complete: each file under a temporary
//! name, renamed into place, `report.json` last. A folder holding `report.json` holds a
//! complete report.

use super::BenchReport;
use crate::error::RunError;
use breachlab_dataset::layout::REPORT_FILES;
use breachlab_dataset::output::{Existing, OutputError, OutputFile};
use std::io::Write;
use std::path::Path;

/// Refuses a folder that already holds a report unless `force`: checked before a run
/// starts and again when it writes.
pub fn refuse_to_replace(dir: &Path, force: bool) -> Result<(), RunError> {
    let existing: Vec<&str> = REPORT_FILES
        .iter()
        .copied()
        .filter(|name| dir.join(name).exists())
        .collect();
    if existing.is_empty() || force {
        return Ok(());
    }
    Err(RunError::ReportExists {
        dir: dir.to_path_buf(),
        files: existing.into_iter().map(String::from).collect(),
    })
}

/// Writes `report.md`, `report.html` and `report.json` into `dir`. Refuses to replace an
/// existing report unless `force`. Each file is written under a temporary name and
/// renamed; `report.json` last, so its presence means the report is complete. When any
/// of them cannot be written (a full disk, a file-size limit), the files already placed
/// are removed again: a failed run leaves no report, and the next run is not refused.
pub fn write_report_dir(report: &BenchReport, dir: &Path, force: bool) -> Result<(), RunError> {
    refuse_to_replace(dir, force)?;
    std::fs::create_dir_all(dir).map_err(|e| RunError::io(dir.display().to_string(), e))?;
    for name in REPORT_FILES.iter().rev() {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path).map_err(|e| RunError::io(path.display().to_string(), e))?;
        }
    }
    let contents = [report.markdown(), report.html(), report.json()?];
    let mut placed = Vec::new();
    for (name, text) in REPORT_FILES.iter().zip(contents) {
        let path = dir.join(name);
        if let Err(error) = write_atomically(&path, text.as_bytes()) {
            for earlier in &placed {
                let _ = std::fs::remove_file(earlier);
            }
            return Err(error);
        }
        placed.push(path);
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path` and renames it onto `path`; on
/// failure the temporary file is removed and `path` is untouched.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let context = || path.display().to_string();
    let mut file = OutputFile::create(path, Existing::Replace).map_err(|e| match e {
        OutputError::Io { source, .. } => RunError::io(context(), source),
        other => RunError::io(context(), std::io::Error::other(other.to_string())),
    })?;
    file.write_all(bytes)
        .map_err(|e| RunError::io(context(), e))?;
    file.finish().map_err(|e| match e {
        OutputError::Io { source, .. } => RunError::io(context(), source),
        other => RunError::io(context(), std::io::Error::other(other.to_string())),
    })
}
