//! Reading every log into events, sorting them by time (in memory for a log of one
//! chunk, externally for a larger one) and writing the dataset: events and truth files
//! per UTC day, in the writer's Parquet settings, and a manifest naming the sources by
//! SHA-256 and marking the dataset as imported.
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
use crate::rows::{self, DAY_US, DatasetSink, EventRow, TruthRow, rfc3339};
use crate::spill::Runs;
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
///
/// Events are parsed a chunk of [`ImportOptions::chunk_events`] at a time; a log of more
/// than one chunk is sorted externally (each chunk sorted and spilled as a run in a
/// temporary folder beside `out`, then the runs merged while the files are written,
/// see [`crate::spill`]). The output is the same whatever the chunk size.
pub fn import_logs(
    inputs: &[PathBuf],
    options: &ImportOptions,
    out: &Path,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    rows::refuse_existing(out)?;
    let identities = Identities(options.pseudonymize_key.as_deref().map(Pseudonymizer::new));
    let mut read = Reading::new(options, out, &identities);
    read_all(inputs, options, &mut read, progress)?;
    let Reading {
        chunk,
        runs,
        mut summary,
        span,
        without_id,
        ..
    } = read;
    let Some((first_ts, last_ts)) = span else {
        return Err(ImportError::Empty {
            bad: summary.bad_lines,
        });
    };
    let manifest_of = |summary: &ImportSummary| manifest((first_ts, last_ts), summary, options);
    match runs {
        None => {
            // One chunk: sorted in memory, nothing spilled.
            let mut chunk = chunk;
            chunk.sort_by_key(|r| r.ts_us);
            summary.source_event_ids = without_id == 0
                && ids_increase(
                    chunk.iter().map(|r| Ok(r.event_id.unwrap_or_default())),
                    &|| false,
                )?;
            let rows = chunk.into_iter().map(|r| {
                let id = r.event_id.unwrap_or_default();
                Ok(event_row(&r, id, options, &identities))
            });
            write_events(rows, &summary, manifest_of(&summary), out, options)?;
        }
        Some(mut runs) => {
            spill_chunk(&mut runs, chunk, options, &identities)?;
            let cancelled = || options.is_cancelled();
            summary.source_event_ids =
                without_id == 0 && ids_increase(runs.merged(&cancelled)?, &cancelled)?;
            let rows = runs.merged(&cancelled)?;
            write_events(rows, &summary, manifest_of(&summary), out, options)?;
        }
    }
    Ok(summary)
}

/// What reading has gathered: the chunk being filled, the runs spilled so far, counts.
struct Reading<'a> {
    options: &'a ImportOptions,
    identities: &'a Identities,
    out: &'a Path,
    chunk: Vec<Record>,
    runs: Option<Runs>,
    summary: ImportSummary,
    /// The first and last times read.
    span: Option<(i64, i64)>,
    /// Records without an event id of their own.
    without_id: u64,
}

impl<'a> Reading<'a> {
    fn new(options: &'a ImportOptions, out: &'a Path, identities: &'a Identities) -> Self {
        Reading {
            options,
            identities,
            out,
            chunk: Vec::new(),
            runs: None,
            summary: ImportSummary {
                lines: 0,
                events: 0,
                bad_lines: 0,
                first_bad: Vec::new(),
                sources: Vec::new(),
                source_event_ids: false,
            },
            span: None,
            without_id: 0,
        }
    }

    fn add(&mut self, record: Record) -> Result<(), ImportError> {
        if let Some(limit) = self.options.max_events
            && self.summary.events == limit
        {
            return Err(ImportError::TooManyEvents { limit });
        }
        self.summary.events += 1;
        self.span = Some(match self.span {
            None => (record.ts_us, record.ts_us),
            Some((first, last)) => (first.min(record.ts_us), last.max(record.ts_us)),
        });
        self.without_id += u64::from(record.event_id.is_none());
        self.chunk.push(record);
        if self.chunk.len() >= self.options.chunk_events.max(1) {
            let runs = match &mut self.runs {
                Some(runs) => runs,
                None => self.runs.insert(Runs::create(&rows::parent_of(self.out)?)?),
            };
            let chunk = std::mem::take(&mut self.chunk);
            spill_chunk(runs, chunk, self.options, self.identities)?;
        }
        Ok(())
    }
}

/// Sorts a chunk by time (stably) and spills it as a run, its rows as written but for
/// the event id, which is the source's own (or 0) until the merge numbers the events.
fn spill_chunk(
    runs: &mut Runs,
    mut chunk: Vec<Record>,
    options: &ImportOptions,
    identities: &Identities,
) -> Result<(), ImportError> {
    if chunk.is_empty() {
        return Ok(());
    }
    chunk.sort_by_key(|r| r.ts_us);
    runs.spill(chunk.into_iter().map(|r| {
        let id = r.event_id.unwrap_or_default();
        event_row(&r, id, options, identities)
    }))
}

fn read_all(
    inputs: &[PathBuf],
    options: &ImportOptions,
    read: &mut Reading<'_>,
    progress: &dyn Fn(u64),
) -> Result<(), ImportError> {
    let mut line = String::new();
    for path in inputs {
        let mut input = LogInput::open(path)?;
        let mut number = 0u64;
        while input.next_line(&mut line)? {
            number += 1;
            read.summary.lines += 1;
            if read.summary.lines.is_multiple_of(65_536) {
                progress(read.summary.lines);
                if options.is_cancelled() {
                    return Err(ImportError::Interrupted);
                }
            }
            if line.trim().is_empty() {
                continue;
            }
            match options.format.parse_line(&line) {
                Ok(record) => read.add(record)?,
                Err(reason) => {
                    let summary = &mut read.summary;
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
        read.summary.sources.push(input.digest());
    }
    progress(read.summary.lines);
    Ok(())
}

/// The sources' event ids are kept when every record has one and they increase strictly
/// in time order (breachlab's own exports); otherwise events are numbered from 1.
fn ids_increase<T: HasEventId>(
    rows: impl Iterator<Item = Result<T, ImportError>>,
    cancelled: &dyn Fn() -> bool,
) -> Result<bool, ImportError> {
    let mut last = None;
    for (n, row) in rows.enumerate() {
        if n % 65_536 == 0 && cancelled() {
            return Err(ImportError::Interrupted);
        }
        let id = row?.event_id();
        if last.is_some_and(|last| last >= id) {
            return Ok(false);
        }
        last = Some(id);
    }
    Ok(true)
}

/// An event id, of a merged row or of a record's (0 when it has none).
trait HasEventId {
    fn event_id(&self) -> i64;
}

impl HasEventId for i64 {
    fn event_id(&self) -> i64 {
        *self
    }
}

impl HasEventId for EventRow {
    fn event_id(&self) -> i64 {
        self.event_id
    }
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

/// Writes the events (in time order, ids the source's own) with unknown truth: ids
/// kept or numbered from 1 as the summary says.
fn write_events(
    rows: impl Iterator<Item = Result<EventRow, ImportError>>,
    summary: &ImportSummary,
    manifest: Manifest,
    out: &Path,
    options: &ImportOptions,
) -> Result<(), ImportError> {
    let mut sink = DatasetSink::create(manifest, out)?;
    for (n, row) in rows.enumerate() {
        let mut row = row?;
        if !summary.source_event_ids {
            row.event_id = n as i64 + 1;
        }
        if n % 65_536 == 0 && options.is_cancelled() {
            return Err(ImportError::Interrupted);
        }
        sink.push(row, TruthRow::unknown())?;
    }
    sink.finish(Vec::new(), out)
}

/// The manifest of the import: `span` the first and last event times.
fn manifest(span: (i64, i64), summary: &ImportSummary, options: &ImportOptions) -> Manifest {
    let (start_us, end_us) = (span.0, span.1 + 1);
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
