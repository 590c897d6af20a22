//! Events and truth as owned rows, and the writing of a dataset from them: one events and
//! one truth file per UTC day, in the writer's Parquet settings, under a manifest.
//!
//! `import` and `plant` both write through here, so an imported dataset and a planted
//! one have the same layout; the rows are the imported events schema's columns (what a
//! log lacks is `None`) and the truth schema's.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use breachlab_dataset::manifest::{FileEntry, Manifest};
use breachlab_dataset::{DatasetError, layout};
use breachlab_schema::{Phase, Table, truth_schema};
use breachlab_writer::parquet_io::{TableWriter, properties};

use crate::ImportError;

/// Rows written per Arrow batch.
pub const BATCH_ROWS: usize = 64 * 1024;
pub use breachlab_generator::calendar::DAY_US;

/// One event, every column of the imported events schema.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub event_id: i64,
    pub ts_us: i64,
    pub client_ip: String,
    pub ip_asn: Option<i32>,
    pub ip_kind: Option<String>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
    pub client_kind: Option<String>,
    pub api_key_id: Option<String>,
    pub principal_id: Option<i64>,
    pub session_id: Option<i64>,
    pub method: String,
    pub route: String,
    pub path: String,
    pub target_id: Option<i64>,
    pub status: i16,
    pub latency_ms: Option<f32>,
    pub response_bytes: Option<i32>,
    pub records_returned: Option<i32>,
}

/// One event's truth row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TruthRow {
    pub is_attack: bool,
    pub campaign_id: Option<i32>,
    pub actor_id: i64,
    pub phase: String,
    pub owasp_api: Option<String>,
    pub oat: Option<String>,
    pub attack_technique: Option<String>,
    pub records_exposed: i32,
}

impl TruthRow {
    /// The truth of an imported event: labels unknown. The columns keep their types; the
    /// values are those of an unlabelled event (`is_attack` false, no campaign, phase
    /// `none`), and the manifest's `imported` block says they are unknown, not benign.
    pub fn unknown() -> TruthRow {
        TruthRow {
            is_attack: false,
            campaign_id: None,
            actor_id: 0,
            phase: Phase::None.as_str().to_string(),
            owasp_api: None,
            oat: None,
            attack_technique: None,
            records_exposed: 0,
        }
    }
}

fn batch_error(table: Table, e: arrow_schema::ArrowError) -> ImportError {
    ImportError::Dataset(DatasetError::parquet(Path::new(table.name()), e))
}

/// The rows as an `events` batch of the imported events schema.
pub fn events_batch(rows: &[EventRow]) -> Result<RecordBatch, ImportError> {
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
    for r in rows {
        event_id.append_value(r.event_id);
        ts.append_value(r.ts_us);
        client_ip.append_value(&r.client_ip);
        ip_asn.append_option(r.ip_asn);
        ip_kind.append_option(r.ip_kind.as_deref());
        country.append_option(r.country.as_deref());
        user_agent.append_option(r.user_agent.as_deref());
        client_kind.append_option(r.client_kind.as_deref());
        api_key_id.append_option(r.api_key_id.as_deref());
        principal_id.append_option(r.principal_id);
        session_id.append_option(r.session_id);
        method.append_value(&r.method);
        route.append_value(&r.route);
        path.append_value(&r.path);
        target_id.append_option(r.target_id);
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
    RecordBatch::try_new(
        Arc::new(breachlab_schema::imported_events_schema()),
        columns,
    )
    .map_err(|e| batch_error(Table::Events, e))
}

/// The truth rows of `events` (same order) as a `truth` batch.
pub fn truth_batch(events: &[EventRow], truth: &[TruthRow]) -> Result<RecordBatch, ImportError> {
    let n = truth.len();
    let mut ts = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut is_attack = BooleanBuilder::with_capacity(n);
    let mut campaign = Int32Builder::with_capacity(n);
    let mut actor = Int64Builder::with_capacity(n);
    let mut phase = StringBuilder::new();
    let mut owasp = StringBuilder::new();
    let mut oat = StringBuilder::new();
    let mut technique = StringBuilder::new();
    let mut exposed = BooleanBuilder::with_capacity(n);
    let mut records = Int32Builder::with_capacity(n);
    for (e, t) in events.iter().zip(truth) {
        ts.append_value(e.ts_us);
        is_attack.append_value(t.is_attack);
        campaign.append_option(t.campaign_id);
        actor.append_value(t.actor_id);
        phase.append_value(&t.phase);
        owasp.append_option(t.owasp_api.as_deref());
        oat.append_option(t.oat.as_deref());
        technique.append_option(t.attack_technique.as_deref());
        exposed.append_value(t.records_exposed > 0);
        records.append_value(t.records_exposed);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(arrow_array::Int64Array::from_iter_values(
            events.iter().map(|e| e.event_id),
        )),
        Arc::new(ts.finish()),
        Arc::new(is_attack.finish()),
        Arc::new(campaign.finish()),
        Arc::new(actor.finish()),
        Arc::new(phase.finish()),
        Arc::new(owasp.finish()),
        Arc::new(oat.finish()),
        Arc::new(technique.finish()),
        Arc::new(exposed.finish()),
        Arc::new(records.finish()),
    ];
    RecordBatch::try_new(Arc::new(truth_schema()), columns)
        .map_err(|e| batch_error(Table::Truth, e))
}

/// The rows of an imported events batch. The caller has checked (or written) its columns
/// as the imported events schema's, so every column below is there, of its type.
pub fn event_rows(batch: &RecordBatch) -> Vec<EventRow> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .expect("columns checked against the imported events schema")
    };
    let text = |name: &str| column(name).as_string::<i32>().clone();
    let (client_ip, ip_kind, country, user_agent, client_kind, api_key_id, method, route, path) = (
        text("client_ip"),
        text("ip_kind"),
        text("country"),
        text("user_agent"),
        text("client_kind"),
        text("api_key_id"),
        text("method"),
        text("route"),
        text("path"),
    );
    let event_id = column("event_id").as_primitive::<Int64Type>().clone();
    let ts = column("ts")
        .as_primitive::<TimestampMicrosecondType>()
        .clone();
    let ip_asn = column("ip_asn").as_primitive::<Int32Type>().clone();
    let principal = column("principal_id").as_primitive::<Int64Type>().clone();
    let session = column("session_id").as_primitive::<Int64Type>().clone();
    let target = column("target_id").as_primitive::<Int64Type>().clone();
    let status = column("status").as_primitive::<Int16Type>().clone();
    let latency = column("latency_ms").as_primitive::<Float32Type>().clone();
    let bytes = column("response_bytes").as_primitive::<Int32Type>().clone();
    let records = column("records_returned")
        .as_primitive::<Int32Type>()
        .clone();
    let string =
        |a: &arrow_array::StringArray, i: usize| a.is_valid(i).then(|| a.value(i).to_string());
    (0..batch.num_rows())
        .map(|i| EventRow {
            event_id: event_id.value(i),
            ts_us: ts.value(i),
            client_ip: client_ip.value(i).to_string(),
            ip_asn: ip_asn.is_valid(i).then(|| ip_asn.value(i)),
            ip_kind: string(&ip_kind, i),
            country: string(&country, i),
            user_agent: string(&user_agent, i),
            client_kind: string(&client_kind, i),
            api_key_id: string(&api_key_id, i),
            principal_id: principal.is_valid(i).then(|| principal.value(i)),
            session_id: session.is_valid(i).then(|| session.value(i)),
            method: method.value(i).to_string(),
            route: route.value(i).to_string(),
            path: path.value(i).to_string(),
            target_id: target.is_valid(i).then(|| target.value(i)),
            status: status.value(i),
            latency_ms: latency.is_valid(i).then(|| latency.value(i)),
            response_bytes: bytes.is_valid(i).then(|| bytes.value(i)),
            records_returned: records.is_valid(i).then(|| records.value(i)),
        })
        .collect()
}

/// A dataset to write: `len` events in time order, `ts_of(i)` the time of event `i`,
/// `batches(range)` the (events, truth) batches of a range of them, and single files
/// (`campaigns.parquet`) to add.
pub struct DatasetParts<'a> {
    pub len: usize,
    pub ts_of: &'a dyn Fn(usize) -> i64,
    pub batches: &'a dyn Fn(Range<usize>) -> Result<(RecordBatch, RecordBatch), ImportError>,
    pub single_files: Vec<(PathBuf, Table, RecordBatch)>,
}

/// Writes `parts` at `out` under `manifest` (whose `files` and row counts are filled
/// here): into a temporary folder beside `out`, renamed onto it only when complete, so
/// an error leaves nothing behind. An existing `out` is refused.
pub fn write_dataset(
    parts: DatasetParts<'_>,
    manifest: Manifest,
    out: &Path,
) -> Result<(), ImportError> {
    let mut sink = DatasetSink::create(manifest, out)?;
    let mut start = 0;
    while start < parts.len {
        let day = (parts.ts_of)(start).div_euclid(DAY_US);
        let mut end = start + 1;
        while end < parts.len && (parts.ts_of)(end).div_euclid(DAY_US) == day {
            end += 1;
        }
        sink.open_day((parts.ts_of)(start))?;
        for chunk_start in (start..end).step_by(BATCH_ROWS) {
            let (e, t) = (parts.batches)(chunk_start..(chunk_start + BATCH_ROWS).min(end))?;
            sink.write_batches(&e, &t)?;
        }
        start = end;
    }
    sink.finish(parts.single_files, out)
}

/// The folder `out` is written in (created if missing).
pub fn parent_of(out: &Path) -> Result<PathBuf, ImportError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| ImportError::Write {
        path: parent.clone(),
        source,
    })?;
    Ok(parent)
}

/// The events and truth files of the day being written.
struct DayFiles {
    day: i64,
    events_file: PathBuf,
    truth_file: PathBuf,
    events: TableWriter,
    truth: TableWriter,
}

/// A dataset written as its events arrive in time order, one UTC day's files after the
/// other, into a temporary folder beside the output that [`DatasetSink::finish`] renames
/// onto it (dropped unfinished, the folder is removed). Events pushed one by one
/// ([`DatasetSink::push`]) are written in batches of [`BATCH_ROWS`] from the start of
/// each day, the batches [`write_dataset`] writes, so both give the same bytes.
pub struct DatasetSink {
    partial: tempfile::TempDir,
    manifest: Manifest,
    header: String,
    day: Option<DayFiles>,
    pending: Vec<EventRow>,
    pending_truth: Vec<TruthRow>,
}

impl DatasetSink {
    /// Starts writing a dataset for `out` under `manifest` (whose `files` and row counts
    /// are filled as files are written). An existing `out` is refused.
    pub fn create(manifest: Manifest, out: &Path) -> Result<DatasetSink, ImportError> {
        refuse_existing(out)?;
        let parent = parent_of(out)?;
        let partial = tempfile::Builder::new()
            .prefix(layout::PARTIAL_PREFIX)
            .tempdir_in(&parent)
            .map_err(|source| ImportError::Write {
                path: parent.clone(),
                source,
            })?;
        let header = manifest.header_json();
        Ok(DatasetSink {
            partial,
            manifest,
            header,
            day: None,
            pending: Vec::new(),
            pending_truth: Vec::new(),
        })
    }

    /// Adds one event (not earlier than the last one) and its truth.
    pub fn push(&mut self, event: EventRow, truth: TruthRow) -> Result<(), ImportError> {
        let day = event.ts_us.div_euclid(DAY_US);
        if self.day.as_ref().map(|d| d.day) != Some(day) {
            self.open_day(event.ts_us)?;
        }
        self.pending.push(event);
        self.pending_truth.push(truth);
        if self.pending.len() == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let events = events_batch(&self.pending)?;
        let truth = truth_batch(&self.pending, &self.pending_truth)?;
        self.pending.clear();
        self.pending_truth.clear();
        self.write_batches(&events, &truth)
    }

    fn write_batches(
        &mut self,
        events: &RecordBatch,
        truth: &RecordBatch,
    ) -> Result<(), ImportError> {
        let day = self.day.as_mut().expect("a day is open before its events");
        day.events.write(events)?;
        day.truth.write(truth)?;
        Ok(())
    }

    /// Closes the day being written (if any) and opens the files of the day of `ts_us`.
    fn open_day(&mut self, ts_us: i64) -> Result<(), ImportError> {
        self.close_day()?;
        let date = date_of(ts_us);
        let events_file = layout::chunk_file(Table::Events.name(), &date, 0);
        let truth_file = layout::chunk_file(Table::Truth.name(), &date, 0);
        let events = TableWriter::create(
            &self.partial.path().join(&events_file),
            Arc::new(breachlab_schema::imported_events_schema()),
            properties(&self.header),
        )?;
        let truth = TableWriter::create(
            &self.partial.path().join(&truth_file),
            Arc::new(truth_schema()),
            properties(&self.header),
        )?;
        self.day = Some(DayFiles {
            day: ts_us.div_euclid(DAY_US),
            events_file,
            truth_file,
            events,
            truth,
        });
        Ok(())
    }

    fn close_day(&mut self) -> Result<(), ImportError> {
        self.flush()?;
        if let Some(day) = self.day.take() {
            for (relative, table, written) in [
                (day.events_file, Table::Events, day.events.finish()?),
                (day.truth_file, Table::Truth, day.truth.finish()?),
            ] {
                self.manifest.files.push(entry(&relative, table, written));
            }
        }
        Ok(())
    }

    /// Writes the last day, the single files and the manifest, and renames the folder
    /// onto `out`.
    pub fn finish(
        mut self,
        single_files: Vec<(PathBuf, Table, RecordBatch)>,
        out: &Path,
    ) -> Result<(), ImportError> {
        self.close_day()?;
        let mut manifest = self.manifest;
        let partial = self.partial;
        for (relative, table, batch) in &single_files {
            let written = breachlab_writer::parquet_io::write_file(
                &partial.path().join(relative),
                batch,
                properties(&self.header),
            )?;
            manifest.files.push(entry(relative, *table, written));
        }
        // Events files first, then truth, each in time order, then the single files.
        manifest.files.sort_by_key(|f| {
            Table::ALL
                .iter()
                .position(|t| t.name() == f.table)
                .unwrap_or(Table::ALL.len())
        });
        manifest.recount();
        let manifest_path = partial.path().join(layout::MANIFEST);
        std::fs::write(&manifest_path, manifest.to_json()).map_err(|source| {
            ImportError::Write {
                path: manifest_path.clone(),
                source,
            }
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
}

fn entry(
    relative: &Path,
    table: Table,
    written: breachlab_writer::parquet_io::WrittenFile,
) -> FileEntry {
    FileEntry {
        path: layout::manifest_path(relative),
        table: table.name().to_string(),
        rows: written.rows,
        bytes: written.bytes,
        sha256: written.sha256,
    }
}

/// An existing output folder is an error: import and plant never replace one.
pub fn refuse_existing(out: &Path) -> Result<(), ImportError> {
    if out.exists() {
        return Err(ImportError::Write {
            path: out.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "already exists: choose another output folder (never replaced)",
            ),
        });
    }
    Ok(())
}

pub fn date_of(ts_us: i64) -> String {
    let (y, m, d) = breachlab_export::text::civil_from_days(ts_us.div_euclid(DAY_US));
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn rfc3339(ts_us: i64) -> String {
    let mut out = Vec::new();
    breachlab_export::text::push_rfc3339_us(&mut out, ts_us);
    String::from_utf8(out).expect("ASCII")
}
