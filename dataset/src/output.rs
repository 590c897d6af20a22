//! One output file, written so that nothing a user owns is damaged.
//!
//! A regular file is written under a temporary name beside it and renamed into place when
//! complete, so an interrupted run leaves nothing that looks finished. A rename replaces
//! whatever the path names, so it is only ever done onto a path that does not exist or
//! onto a regular file the caller allowed to be replaced. A character device, a FIFO or a
//! socket (`/dev/null`, `/dev/stdout`, a named pipe) is opened and streamed into: renaming
//! over it would replace a device node with a regular file. `-` is standard output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Why an output could not be opened or finished. Library errors: the caller adds how a
/// user asks for a replacement (a flag, an option).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: already exists and was not to be replaced", path.display())]
    Exists { path: PathBuf },
    #[error("{}: is a folder: give a file name", path.display())]
    IsFolder { path: PathBuf },
    #[error("{}: its folder {} does not exist: create it first", path.display(), folder.display())]
    NoFolder { path: PathBuf, folder: PathBuf },
    #[error("{}: has no file name: give a file path", path.display())]
    NoFileName { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl OutputError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What [`OutputFile::create`] may do to an existing regular file at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: the output must not exist (or be a device or FIFO, which is streamed into).
    Refuse,
    /// Replace it when the output is complete.
    Replace,
}

enum Sink {
    Stdout(BufWriter<std::io::Stdout>),
    /// A device, FIFO or socket: written in place, never renamed over.
    Stream(BufWriter<File>),
    /// A regular file: a temporary beside it, renamed onto `path` by `finish`.
    Replace(BufWriter<tempfile::NamedTempFile>),
}

/// An output being written; see the module docs for what happens to the path.
/// Dropped without [`OutputFile::finish`] (an error, Ctrl-C), a temporary file is removed
/// and the path is untouched.
pub struct OutputFile {
    path: PathBuf,
    sink: Sink,
}

impl OutputFile {
    /// Opens `path` for writing (`-` is standard output).
    pub fn create(path: &Path, existing: Existing) -> Result<OutputFile, OutputError> {
        let sink = if path.as_os_str() == "-" {
            Sink::Stdout(BufWriter::with_capacity(1 << 16, std::io::stdout()))
        } else {
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    return Err(OutputError::IsFolder {
                        path: path.to_path_buf(),
                    });
                }
                Ok(meta) if !meta.is_file() => Sink::Stream(BufWriter::with_capacity(
                    1 << 16,
                    std::fs::OpenOptions::new()
                        .write(true)
                        .open(path)
                        .map_err(|e| OutputError::io(path, e))?,
                )),
                Ok(_) if existing == Existing::Refuse => {
                    return Err(OutputError::Exists {
                        path: path.to_path_buf(),
                    });
                }
                _ => Sink::Replace(BufWriter::with_capacity(1 << 20, temporary_beside(path)?)),
            }
        };
        Ok(OutputFile {
            path: path.to_path_buf(),
            sink,
        })
    }

    /// Where the output goes, as a user named it (`-` for standard output).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when writing to standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self.sink, Sink::Stdout(_))
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Stdout(w) => w,
            Sink::Stream(w) => w,
            Sink::Replace(w) => w,
        }
    }

    /// Flushes; a regular file is synced and renamed into place.
    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path;
        let io = |e| OutputError::io(&path, e);
        match self.sink {
            Sink::Stdout(mut w) => w.flush().map_err(io),
            Sink::Stream(w) => w.into_inner().map(drop).map_err(|e| io(e.into_error())),
            Sink::Replace(w) => {
                let temp = w.into_inner().map_err(|e| io(e.into_error()))?;
                temp.as_file().sync_all().map_err(io)?;
                temp.persist(&path).map_err(|e| io(e.error))?;
                sync_folder(&path);
                Ok(())
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer().write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer().flush()
    }
}

/// Writes `bytes` to `path` as [`OutputFile`] does: whole or not at all.
pub fn write_output(path: &Path, existing: Existing, bytes: &[u8]) -> Result<(), OutputError> {
    let mut output = OutputFile::create(path, existing)?;
    output
        .write_all(bytes)
        .map_err(|e| OutputError::io(path, e))?;
    output.finish()
}

fn temporary_beside(path: &Path) -> Result<tempfile::NamedTempFile, OutputError> {
    let name = path.file_name().ok_or_else(|| OutputError::NoFileName {
        path: path.to_path_buf(),
    })?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(OutputError::NoFolder {
            path: path.to_path_buf(),
            folder: folder.to_path_buf(),
        });
    }
    let mut builder = tempfile::Builder::new();
    // A temporary file is private (0600); the output is an ordinary file (0666 less the
    // umask), as one written in place would be.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".partial")
        .tempfile_in(folder)
        .map_err(|e| OutputError::io(folder, e))
}

/// Makes the rename itself durable; a folder that cannot be opened or synced (some file
/// systems) leaves the file complete all the same.
fn sync_folder(path: &Path) {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(folder) = File::open(folder)
    {
        folder.sync_all().ok();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt;

    fn fifo(dir: &Path) -> PathBuf {
        let path = dir.join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success());
        path
    }

    #[test]
    fn a_fifo_is_streamed_into_and_stays_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let path = fifo(dir.path());
        let reader_path = path.clone();
        let reader = std::thread::spawn(move || std::fs::read(reader_path).unwrap());
        write_output(&path, Existing::Refuse, b"streamed\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"streamed\n");
        let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_existing_regular_file_is_refused_unless_replacement_is_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "mine").unwrap();
        let refused = write_output(&path, Existing::Refuse, b"new");
        assert!(matches!(refused, Err(OutputError::Exists { .. })));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        write_output(&path, Existing::Replace, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn an_unfinished_output_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let mut output = OutputFile::create(&path, Existing::Refuse).unwrap();
        output.write_all(b"half").unwrap();
        drop(output);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_or_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            OutputFile::create(dir.path(), Existing::Replace),
            Err(OutputError::IsFolder { .. })
        ));
        let nowhere = dir.path().join("absent").join("out.json");
        assert!(matches!(
            OutputFile::create(&nowhere, Existing::Replace),
            Err(OutputError::NoFolder { .. })
        ));
    }
}
