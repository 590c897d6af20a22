//! Output folders checked before any work starts, so that a run is never wasted on a
//! folder it cannot write, and folders a failed run created are not left behind empty.

use anyhow::bail;
use breachlab_harness::report::refuse_to_replace;
use std::path::{Path, PathBuf};

/// Checks that `dir` can take a report, before anything is scored: not a file, no report
/// there already unless `force`, and writable (or creatable, with its missing parents).
pub fn check_report_dir(dir: &Path, force: bool) -> anyhow::Result<()> {
    let flag = "--report";
    if dir.exists() {
        if !dir.is_dir() {
            bail!(
                "--report {}: is a file, not a folder: give a folder for --report",
                dir.display()
            );
        }
        refuse_to_replace(dir, force).map_err(super::scoring::run_error)?;
    }
    check_writable(dir, flag)
}

/// Checks that `generate --out` names a folder that can be written (or created).
pub fn check_out_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "--out {} is a file: give a folder for --out (it is created when missing)",
            dir.display()
        );
    }
    check_writable(dir, "--out")
}

/// `dir`, or the nearest ancestor that exists when `dir` does not, accepts a new file.
fn check_writable(dir: &Path, flag: &str) -> anyhow::Result<()> {
    let existing = nearest_existing(dir);
    if !existing.is_dir() {
        bail!(
            "{flag} {}: {} is a file, so the folder cannot be created: choose another {flag}",
            dir.display(),
            existing.display()
        );
    }
    let probe = existing.join(format!(".breachlab-write-check-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(error) => {
            let what = if existing == dir {
                "cannot write there".to_string()
            } else {
                format!("cannot create it in {}", existing.display())
            };
            bail!(
                "{flag} {}: {what} ({}): choose another {flag} or fix the folder's permissions",
                dir.display(),
                error.kind()
            )
        }
    }
}

/// `dir` itself when it exists, else its nearest existing ancestor (`.` for a relative
/// path with none).
fn nearest_existing(dir: &Path) -> PathBuf {
    let mut at = dir;
    loop {
        if at.as_os_str().is_empty() {
            return PathBuf::from(".");
        }
        if at.exists() || at.symlink_metadata().is_ok() {
            return at.to_path_buf();
        }
        match at.parent() {
            Some(parent) => at = parent,
            None => return PathBuf::from("."),
        }
    }
}

/// The folders a run is about to create for `dir` (missing ones, outermost first); on
/// [`CreatedDirs::remove_if_empty`] those still empty are removed again, innermost first.
/// A folder that existed before the run is never removed.
pub struct CreatedDirs {
    missing: Vec<PathBuf>,
}

impl CreatedDirs {
    pub fn before_creating(dir: &Path) -> Self {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(path) = at {
            if path.as_os_str().is_empty() || path.symlink_metadata().is_ok() {
                break;
            }
            missing.push(path.to_path_buf());
            at = path.parent();
        }
        missing.reverse();
        Self { missing }
    }

    /// Removes the folders this run created that are empty (after a failure).
    pub fn remove_if_empty(&self) {
        for path in self.missing.iter().rev() {
            // `remove_dir` fails on a folder that is not empty: that one is kept.
            if std::fs::remove_dir(path).is_err() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folders_the_run_created_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("a/b/c");
        let created = CreatedDirs::before_creating(&out);
        std::fs::create_dir_all(&out).unwrap();
        created.remove_if_empty();
        assert!(!root.path().join("a").exists());
        assert!(root.path().exists());

        std::fs::create_dir_all(root.path().join("a")).unwrap();
        let created = CreatedDirs::before_creating(&out);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(root.path().join("a/b/keep"), "x").unwrap();
        created.remove_if_empty();
        assert!(!out.exists());
        assert!(root.path().join("a/b/keep").exists());
    }

    #[test]
    fn a_file_in_the_way_is_named() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let error = check_report_dir(&file, false).unwrap_err().to_string();
        assert!(
            error.contains("--report") && error.contains("is a file"),
            "{error}"
        );
        let error = check_report_dir(&file.join("sub"), false)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("--report") && error.contains("is a file"),
            "{error}"
        );
        let error = check_out_dir(&file).unwrap_err().to_string();
        assert!(
            error.contains("--out") && error.contains("is a file"),
            "{error}"
        );
        assert!(check_report_dir(&root.path().join("new/deeper"), false).is_ok());
    }
}
