//! A report folder: `report.md`, `report.html` and `report.json`, written so that an
//! interrupted run never leaves a report that looks complete: each file under a temporary
//! name, renamed into place, `report.json` last. A folder holding `report.json` holds a
//! complete report.

use super::BenchReport;
use crate::error::RunError;
use breachlab_dataset::layout::REPORT_FILES;
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
/// renamed; `report.json` last, so its presence means the report is complete.
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
    for (name, text) in REPORT_FILES.iter().zip(contents) {
        write_atomically(&dir.join(name), text.as_bytes())?;
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let temporary = path.with_file_name(format!(".{file_name}.partial"));
    let context = || path.display().to_string();
    std::fs::write(&temporary, bytes).map_err(|e| RunError::io(context(), e))?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        RunError::io(context(), e)
    })
}
