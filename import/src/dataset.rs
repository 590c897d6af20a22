//! Reading every log into events, sorting them by time and writing the dataset: events
//! and truth files per UTC day, in the writer's Parquet settings, and a manifest naming
//! the sources by SHA-256 and marking the dataset as imported.
//!
//! The output is written into a temporary folder beside `out` and renamed onto it only
//! when complete, so an error leaves nothing behind; an existing `out` is refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use breachlab_dataset::manifest::{
    FileEntry, ImportInfo, ImportSource, Manifest, ScenarioInfo, ShardInfo, TimeSpan,
};
use breachlab_dataset::{digest, layout};
use breachlab_schema::{Phase, SCHEMA_VERSION, Table, truth_schema};
use breachlab_writer::parquet_io::{TableWriter, properties};
use sha2::{Digest, Sha256};

use crate::input::{LogInput, SourceDigest};
use crate::pseudonym::{Pseudonymizer, principal_number};
use crate::routes::route_of;
use crate::{BadLine, ImportError, ImportOptions, Record};

/// Bad lines kept to be reported (the count goes on).
pub const BAD_LINES_SHOWN: usize = 10;
const BATCH_ROWS: usize = 64 * 1024;

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
    if out.exists() {
        return Err(ImportError::Write {
            path: out.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists: choose another output folder (import never replaces one)",
            ),
        });
    }
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

/// The imported events schema (the schema crate's), shared.
fn imported_events_schema() -> SchemaRef {
    Arc::new(breachlab_schema::imported_events_schema())
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

fn events_batch(
    rows: &[Record],
    ids: &[i64],
    options: &ImportOptions,
    identities: &Identities,
) -> Result<RecordBatch, ImportError> {
    let n = rows.len();
    let mut event_id = Int64Builder::with_capacity(n);
    let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut client_ip = StringBuilder::new();
    let mut ip_asn = Int32Builder::with_capacity(n);
    let mut ip_kind = StringBuilder::new();
    let mut country = StringBuilder::new();
    let mut user_agent = StringBuilder::new();
    let mut client_kind = StringBuilder::new();
    let mut api_key_id = StringBuilder::new();
    let mut principal_id = Int64Builder::with_capacity(n);
    let mut session_id = Int64Builder::with_capacity(n);
    let mut method = StringBuilder::new();
    let mut route = StringBuilder::new();
    let mut path = StringBuilder::new();
    let mut target_id = Int64Builder::with_capacity(n);
    let mut status = Int16Builder::with_capacity(n);
    let mut latency_ms = Float32Builder::with_capacity(n);
    let mut response_bytes = Int32Builder::with_capacity(n);
    let mut records_returned = Int32Builder::with_capacity(n);
    for (r, &id) in rows.iter().zip(ids) {
        let routed = route_of(&r.path, &options.route_map);
        event_id.append_value(id);
        ts.append_value(r.ts_us);
        client_ip.append_value(identities.address(&r.client_ip));
        ip_asn.append_option(r.ip_asn);
        ip_kind.append_option(r.ip_kind.as_deref());
        country.append_option(r.country.as_deref());
        user_agent.append_option(r.user_agent.as_deref());
        client_kind.append_option(r.client_kind.as_deref());
        api_key_id.append_option(r.api_key_id.as_deref().map(|k| identities.api_key(k)));
        principal_id.append_option(r.principal.as_deref().map(|p| identities.principal(p)));
        session_id.append_option(r.session_id);
        method.append_value(&r.method);
        route.append_value(&routed.route);
        path.append_value(&r.path);
        target_id.append_option(routed.target_id);
        status.append_value(r.status);
        latency_ms.append_option(r.latency_ms);
        response_bytes.append_option(r.response_bytes);
        records_returned.append_option(r.records_returned);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(event_id.finish()),
        Arc::new(ts.finish()),
        Arc::new(client_ip.finish()),
        Arc::new(ip_asn.finish()),
        Arc::new(ip_kind.finish()),
        Arc::new(country.finish()),
        Arc::new(user_agent.finish()),
        Arc::new(client_kind.finish()),
        Arc::new(api_key_id.finish()),
        Arc::new(principal_id.finish()),
        Arc::new(session_id.finish()),
        Arc::new(method.finish()),
        Arc::new(route.finish()),
        Arc::new(path.finish()),
        Arc::new(target_id.finish()),
        Arc::new(status.finish()),
        Arc::new(latency_ms.finish()),
        Arc::new(response_bytes.finish()),
        Arc::new(records_returned.finish()),
    ];
    RecordBatch::try_new(imported_events_schema(), columns).map_err(|e| {
        ImportError::Dataset(breachlab_dataset::DatasetError::parquet(
            Path::new(Table::Events.name()),
            e,
        ))
    })
}

/// Truth of imported events: labels unknown. The columns keep their types; the values
/// are those of an unlabelled event (`is_attack` false, no campaign, phase `none`), and
/// the manifest's `imported` block says they are unknown, not benign.
fn truth_batch(rows: &[Record], ids: &[i64]) -> Result<RecordBatch, ImportError> {
    let n = rows.len();
    let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut phase = StringBuilder::new();
    let mut nulls = StringBuilder::new();
    let mut campaign = Int32Builder::with_capacity(n);
    for r in rows {
        ts.append_value(r.ts_us);
        phase.append_value(Phase::None.as_str());
        nulls.append_null();
        campaign.append_null();
    }
    let nulls = Arc::new(nulls.finish()) as ArrayRef;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow_array::Int64Array::from(ids.to_vec())),
        Arc::new(ts.finish()),
        Arc::new(BooleanBuilder::new().finish_with(n, false)),
        Arc::new(campaign.finish()),
        Arc::new(arrow_array::Int64Array::from(vec![0i64; n])),
        Arc::new(phase.finish()),
        nulls.clone(),
        nulls.clone(),
        nulls,
        Arc::new(BooleanBuilder::new().finish_with(n, false)),
        Arc::new(arrow_array::Int32Array::from(vec![0i32; n])),
    ];
    RecordBatch::try_new(Arc::new(truth_schema()), columns).map_err(|e| {
        ImportError::Dataset(breachlab_dataset::DatasetError::parquet(
            Path::new(Table::Truth.name()),
            e,
        ))
    })
}

trait FinishWith {
    fn finish_with(self, n: usize, value: bool) -> arrow_array::BooleanArray;
}

impl FinishWith for BooleanBuilder {
    fn finish_with(mut self, n: usize, value: bool) -> arrow_array::BooleanArray {
        self.append_n(n, value);
        self.finish()
    }
}

const DAY_US: i64 = 86_400_000_000;

fn date_of(ts_us: i64) -> String {
    let (y, m, d) = breachlab_export::text::civil_from_days(ts_us.div_euclid(DAY_US));
    format!("{y:04}-{m:02}-{d:02}")
}

fn rfc3339(ts_us: i64) -> String {
    let mut out = Vec::new();
    breachlab_export::text::push_rfc3339_us(&mut out, ts_us);
    String::from_utf8(out).expect("ASCII")
}

fn write_dataset(
    records: &[Record],
    summary: &ImportSummary,
    options: &ImportOptions,
    out: &Path,
) -> Result<(), ImportError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| ImportError::Write {
        path: parent.clone(),
        source,
    })?;
    let partial = tempfile::Builder::new()
        .prefix(layout::PARTIAL_PREFIX)
        .tempdir_in(&parent)
        .map_err(|source| ImportError::Write {
            path: parent.clone(),
            source,
        })?;
    let ids: Vec<i64> = if summary.source_event_ids {
        records
            .iter()
            .map(|r| r.event_id.unwrap_or_default())
            .collect()
    } else {
        (1..=records.len() as i64).collect()
    };
    let mut manifest = manifest(records, summary, options);
    let header = manifest.header_json();
    let identities = Identities(options.pseudonymize_key.as_deref().map(Pseudonymizer::new));
    let mut start = 0;
    while start < records.len() {
        let day = records[start].ts_us.div_euclid(DAY_US);
        let end = start
            + records[start..]
                .iter()
                .position(|r| r.ts_us.div_euclid(DAY_US) != day)
                .unwrap_or(records.len() - start);
        let date = date_of(records[start].ts_us);
        for table in [Table::Events, Table::Truth] {
            let relative = layout::chunk_file(table.name(), &date, 0);
            let path = partial.path().join(&relative);
            let schema = match table {
                Table::Events => imported_events_schema(),
                _ => Arc::new(truth_schema()),
            };
            let mut writer = TableWriter::create(&path, schema, properties(&header))?;
            for chunk_start in (start..end).step_by(BATCH_ROWS) {
                let chunk_end = (chunk_start + BATCH_ROWS).min(end);
                let rows = &records[chunk_start..chunk_end];
                let chunk_ids = &ids[chunk_start..chunk_end];
                let batch = match table {
                    Table::Events => events_batch(rows, chunk_ids, options, &identities)?,
                    _ => truth_batch(rows, chunk_ids)?,
                };
                writer.write(&batch)?;
            }
            let written = writer.finish()?;
            manifest.files.push(FileEntry {
                path: layout::manifest_path(&relative),
                table: table.name().to_string(),
                rows: written.rows,
                bytes: written.bytes,
                sha256: written.sha256,
            });
        }
        start = end;
    }
    // Events files first, then truth, each in time order.
    manifest
        .files
        .sort_by_key(|f| f.table != Table::Events.name());
    manifest.recount();
    let manifest_path = partial.path().join(layout::MANIFEST);
    std::fs::write(&manifest_path, manifest.to_json()).map_err(|source| ImportError::Write {
        path: manifest_path.clone(),
        source,
    })?;
    let kept = partial.keep();
    std::fs::rename(&kept, out).map_err(|source| {
        let _ = std::fs::remove_dir_all(&kept);
        ImportError::Write {
            path: out.to_path_buf(),
            source,
        }
    })
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
    }
}
