//! Scenario files: what to generate, as TOML.
//!
//! A scenario names a time span, a population, the benign traffic model (every field
//! optional, defaults from the reference facts), attack campaigns and benign look-alike
//! cohorts. Parsing rejects unknown fields; [`validate`](Scenario::validate) then checks
//! what types cannot (ranges, spans, ID ranges), so that an error always names the file,
//! the line, the field and what is allowed.

mod config;
mod error;
mod faithful;
mod library;
mod scale;
mod totals;
mod validate;

pub use config::*;
pub use error::ScenarioError;
pub use faithful::{CampaignScaling, EntityCount, MIN_HORIZON_H};
pub use library::{DEFAULT_SCENARIO, LIBRARY, LibraryEntry};
pub use scale::Scale;
pub(crate) use totals::totals_in;
pub use totals::{CampaignPlan, planned_totals, total_records_exposed};

use sha2::{Digest, Sha256};
use std::path::Path;

/// A scenario together with the text it came from, for the manifest.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// Where it came from: a library name or a file path, as the user gave it.
    pub origin: String,
    pub text: String,
}

impl LoadedScenario {
    /// Parses and validates scenario text; `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario =
            toml::from_str(text).map_err(|e| ScenarioError::parse(origin, text, &e))?;
        scenario
            .validate()
            .map_err(|issue| ScenarioError::invalid(origin, text, issue))?;
        Ok(LoadedScenario {
            scenario,
            origin: origin.to_string(),
            text: text.to_string(),
        })
    }

    /// Loads a library scenario by name, or a file by path (anything with a `/`, a `.toml`
    /// suffix, or naming an existing file).
    pub fn load(name_or_path: &str) -> Result<Self, ScenarioError> {
        if let Some(entry) = library::find(name_or_path) {
            return Self::parse(&format!("scenarios/{}.toml", entry.name), entry.text);
        }
        let path = Path::new(name_or_path);
        let looks_like_path =
            name_or_path.contains('/') || name_or_path.ends_with(".toml") || path.exists();
        if !looks_like_path {
            return Err(ScenarioError::UnknownName {
                name: name_or_path.to_string(),
                known: LIBRARY
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let text = read_scenario_file(name_or_path)?;
        Self::parse(name_or_path, &text)
    }

    /// The built-in default scenario.
    pub fn default_scenario() -> Self {
        Self::load(DEFAULT_SCENARIO).expect("the embedded default scenario is valid (tested)")
    }

    /// SHA-256 of the scenario text, hex.
    pub fn text_sha256(&self) -> String {
        hex(&Sha256::digest(self.text.as_bytes()))
    }
}

/// The largest scenario file read: 1 MiB, a hundred times the largest library scenario.
/// A bound, so that `--scenario /dev/zero` (or any endless stream) fails at once instead of
/// filling memory.
pub const MAX_SCENARIO_BYTES: u64 = 1 << 20;

/// The text of the scenario file at `path`, at most [`MAX_SCENARIO_BYTES`] long.
fn read_scenario_file(path: &str) -> Result<String, ScenarioError> {
    use std::io::Read;
    let read_error = |source| ScenarioError::Read {
        path: path.to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::TooLarge {
            path: path.to_string(),
            limit: MAX_SCENARIO_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text ({e})"),
        ))
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
