//! Opening a log: a file or standard input (`-`), gzip recognised by its magic bytes,
//! every byte read hashed so the manifest can name the source by SHA-256.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::ImportError;

/// A `Read` that hashes and counts what passes through.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A shared handle on the hashing reader, so the hash can be taken after decompression
/// has read everything.
type Shared<R> = std::rc::Rc<std::cell::RefCell<Hashing<R>>>;

struct SharedReader<R>(Shared<R>);

impl<R: Read> Read for SharedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().read(buf)
    }
}

/// One opened log.
pub struct LogInput {
    /// The name errors and the manifest give it (`standard input` for `-`).
    pub name: String,
    pub gzip: bool,
    hashing: Shared<Box<dyn Read>>,
    lines: Box<dyn BufRead>,
}

/// What the manifest records of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDigest {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub gzip: bool,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl LogInput {
    pub fn open(path: &Path) -> Result<LogInput, ImportError> {
        let (name, raw): (String, Box<dyn Read>) = if path == Path::new("-") {
            ("standard input".into(), Box::new(std::io::stdin()))
        } else {
            let file = File::open(path).map_err(|source| ImportError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            (path.display().to_string(), Box::new(file))
        };
        let hashing = std::rc::Rc::new(std::cell::RefCell::new(Hashing {
            inner: raw,
            hasher: Sha256::new(),
            bytes: 0,
        }));
        let mut buffered = BufReader::with_capacity(1 << 16, SharedReader(hashing.clone()));
        let head = buffered.fill_buf().map_err(|source| ImportError::Read {
            path: PathBuf::from(&name),
            source,
        })?;
        let gzip = head.starts_with(&GZIP_MAGIC);
        let lines: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(
                1 << 16,
                flate2::bufread::MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(LogInput {
            name,
            gzip,
            hashing,
            lines,
        })
    }

    /// The next line without its line ending (`\n` or `\r\n`) into `line`; `false` at the
    /// end. Bytes that are not UTF-8 are replaced (U+FFFD) rather than failing the log.
    pub fn next_line(&mut self, line: &mut String) -> Result<bool, ImportError> {
        let mut bytes = Vec::new();
        let n = self
            .lines
            .read_until(b'\n', &mut bytes)
            .map_err(|source| ImportError::Read {
                path: PathBuf::from(&self.name),
                source,
            })?;
        if n == 0 {
            return Ok(false);
        }
        while matches!(bytes.last(), Some(b'\n' | b'\r')) {
            bytes.pop();
        }
        line.clear();
        line.push_str(&String::from_utf8_lossy(&bytes));
        Ok(true)
    }

    /// The digest of every byte read (call at the end).
    pub fn digest(self) -> SourceDigest {
        drop(self.lines);
        let hashing = self.hashing.borrow();
        SourceDigest {
            name: self.name,
            bytes: hashing.bytes,
            sha256: breachlab_dataset::digest::hex(&hashing.hasher.clone().finalize()),
            gzip: self.gzip,
        }
    }
}
