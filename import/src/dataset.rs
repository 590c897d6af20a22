//! Reading every log into events, sorting them by time and writing the dataset: events
//! and truth files per UTC day, in the writer's Parquet settings, and a manifest naming
//! the sources by SHA-256 and marking the dataset as imported.
//!
//! The output is written into a temporary folder beside `out` and renamed onto it only
//! when complete, so an error leaves nothing behind; an existing `out` is refused.

use std::path::{Path, PathBuf};

use breachlab_dataset::digest;
use breachlab_dataset::manifest::{
    ImportInfo, ImportSource, Manifest, ScenarioInfo, ShardInfo, TimeSpan,
};
use breachlab_schema::SCHEMA_VERSION;
use sha2::{Digest, Sha256};

use crate::input::{LogInput, SourceDigest};
use crate::pseudonym::{Pseudonymizer, principal_number};
use crate::routes::route_of;
use crate::rows::{
    self, DAY_US, DatasetParts, EventRow, TruthRow, events_batch, rfc3339, truth_batch,
};
use crate::{BadLine, ImportError, ImportOptions, Record};

/// Bad lines kept to be reported (the count goes on).
pub const BAD_LINES_SHOWN: usize = 10;

/// What an import read and wrote.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub lines: u64,
    pub events: u64,
    pub bad_lines: u64,
    /// The first bad lines, with where they are.
    pub first_bad: Vec<BadLine>,
    pub sources: Vec<SourceDigest>,
    /// Event ids are the sources' own (all present, increasing in time order).
    pub source_event_ids: bool,
}

/// Reads `inputs` (`-` is standard input) and writes the dataset at `out`. `progress`
/// is told the lines read so far, now and then.
pub fn import_logs(
    inputs: &[PathBuf],
    options: &ImportOptions,
    out: &Path,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    rows::refuse_existing(out)?;
    let (mut records, mut summary) = read_all(inputs, options, progress)?;
    if records.is_empty() {
        return Err(ImportError::Empty {
            bad: summary.bad_lines,
        });
    }
    // Stable: events of the same time keep the order of the logs.
    records.sort_by_key(|r| r.ts_us);
    summary.source_event_ids = keeps_source_ids(&records);
    write_dataset(&records, &summary, options, out)?;
    Ok(summary)
}

fn read_all(
    inputs: &[PathBuf],
    options: &ImportOptions,
    progress: &dyn Fn(u64),
) -> Result<(Vec<Record>, ImportSummary), ImportError> {
    let mut records = Vec::new();
    let mut summary = ImportSummary {
        lines: 0,
        events: 0,
        bad_lines: 0,
        first_bad: Vec::new(),
        sources: Vec::new(),
        source_event_ids: false,
    };
    let mut line = String::new();
    for path in inputs {
        let mut input = LogInput::open(path)?;
        let mut number = 0u64;
        while input.next_line(&mut line)? {
            number += 1;
            summary.lines += 1;
            if summary.lines.is_multiple_of(65_536) {
                progress(summary.lines);
            }
            if line.trim().is_empty() {
                continue;
            }
            match options.format.parse_line(&line) {
                Ok(record) => {
                    if records.len() == options.max_events {
                        return Err(ImportError::TooManyEvents {
                            limit: options.max_events,
                        });
                    }
                    records.push(record);
                }
                Err(reason) => {
                    summary.bad_lines += 1;
                    if summary.first_bad.len() < BAD_LINES_SHOWN {
                        summary.first_bad.push(BadLine {
                            source: input.name.clone(),
                            line: number,
                            reason,
                        });
                    }
                    if summary.bad_lines > options.max_bad_lines {
                        return Err(ImportError::TooManyBadLines {
                            limit: options.max_bad_lines,
                            first: summary.first_bad.iter().take(3).cloned().collect(),
                        });
                    }
                }
            }
        }
        summary.sources.push(input.digest());
    }
    progress(summary.lines);
    summary.events = records.len() as u64;
    Ok((records, summary))
}

/// The sources' event ids are kept when every record has one and they increase strictly
/// in time order (breachlab's own exports); otherwise events are numbered from 1.
fn keeps_source_ids(records: &[Record]) -> bool {
    records.iter().all(|r| r.event_id.is_some())
        && records.windows(2).all(|w| w[0].event_id < w[1].event_id)
}

/// Identities as written: pseudonymized under the key, or as the log has them.
struct Identities(Option<Pseudonymizer>);

impl Identities {
    fn address(&self, ip: &str) -> String {
        match &self.0 {
            Some(p) => p.address(ip),
            None => ip.to_string(),
        }
    }
    fn principal(&self, principal: &str) -> i64 {
        match &self.0 {
            Some(p) => p.principal(principal),
            None => principal_number(principal),
        }
    }
    fn api_key(&self, key: &str) -> String {
        match &self.0 {
            Some(p) => p.api_key(key),
            None => key.to_string(),
        }
    }
}

/// A record as an events row: identities as written, route and target id inferred.
fn event_row(r: &Record, id: i64, options: &ImportOptions, identities: &Identities) -> EventRow {
    let routed = route_of(&r.path, &options.route_map);
    EventRow {
        event_id: id,
        ts_us: r.ts_us,
        client_ip: identities.address(&r.client_ip),
        ip_asn: r.ip_asn,
        ip_kind: r.ip_kind.clone(),
        country: r.country.clone(),
        user_agent: r.user_agent.clone(),
        client_kind: r.client_kind.clone(),
        api_key_id: r.api_key_id.as_deref().map(|k| identities.api_key(k)),
        principal_id: r.principal.as_deref().map(|p| identities.principal(p)),
        session_id: r.session_id,
        method: r.method.clone(),
        route: routed.route,
        path: r.path.clone(),
        target_id: routed.target_id,
        status: r.status,
        latency_ms: r.latency_ms,
        response_bytes: r.response_bytes,
        records_returned: r.records_returned,
    }
}

fn write_dataset(
    records: &[Record],
    summary: &ImportSummary,
    options: &ImportOptions,
    out: &Path,
) -> Result<(), ImportError> {
    let ids: Vec<i64> = if summary.source_event_ids {
        records
            .iter()
            .map(|r| r.event_id.unwrap_or_default())
            .collect()
    } else {
        (1..=records.len() as i64).collect()
    };
    let identities = Identities(options.pseudonymize_key.as_deref().map(Pseudonymizer::new));
    let batches = |range: std::ops::Range<usize>| {
        let rows: Vec<EventRow> = records[range.clone()]
            .iter()
            .zip(&ids[range])
            .map(|(r, &id)| event_row(r, id, options, &identities))
            .collect();
        let truth = vec![TruthRow::unknown(); rows.len()];
        Ok((events_batch(&rows)?, truth_batch(&rows, &truth)?))
    };
    let parts = DatasetParts {
        len: records.len(),
        ts_of: &|i| records[i].ts_us,
        batches: &batches,
        single_files: Vec::new(),
    };
    rows::write_dataset(parts, manifest(records, summary, options), out)
}

fn manifest(records: &[Record], summary: &ImportSummary, options: &ImportOptions) -> Manifest {
    let start_us = records.first().map_or(0, |r| r.ts_us);
    let end_us = records.last().map_or(0, |r| r.ts_us) + 1;
    Manifest {
        breachlab_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioInfo {
            name: "imported".into(),
            sha256: digest::hex(&Sha256::digest(b"")),
            text: String::new(),
        },
        seed: 0,
        scale: 1.0,
        shard: ShardInfo { index: 1, count: 1 },
        time_span: TimeSpan {
            start: rfc3339(start_us),
            end: rfc3339(end_us),
            start_us,
            end_us,
            days: (end_us - start_us) as f64 / DAY_US as f64,
        },
        row_counts: Default::default(),
        card: None,
        files: Vec::new(),
        faithfulness: None,
        imported: Some(ImportInfo {
            imported: true,
            format: options.format.name().to_string(),
            sources: summary
                .sources
                .iter()
                .map(|s| ImportSource {
                    name: Path::new(&s.name)
                        .file_name()
                        .map_or(s.name.clone(), |n| n.to_string_lossy().into_owned()),
                    bytes: s.bytes,
                    sha256: s.sha256.clone(),
                    gzip: s.gzip,
                })
                .collect(),
            lines: summary.lines,
            bad_lines: summary.bad_lines,
            labels: "unknown".into(),
            real_identities: options.pseudonymize_key.is_none(),
            pseudonymized_with: options
                .pseudonymize_key
                .as_ref()
                .map(|_| "HMAC-SHA256".to_string()),
            source_event_ids: summary.source_event_ids,
        }),
        planted: None,
    }
}
