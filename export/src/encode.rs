//! The four encoders: one events batch (and optionally its truth batch) to bytes, one
//! line per event, in the batch's row order. Pure: no I/O, no clock, no randomness, so
//! the same batch always gives the same bytes.

use arrow_array::RecordBatch;
use breachlab_schema::Table;

use crate::ExportError;
use crate::columns::{Events, StoredColumn, Truth, Values, columns_as_stored, opt, opt_str};
use crate::json::Obj;
use crate::text::{f32_decimal_scaled, push_clf_escaped, push_clf_time, push_int};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One flat JSON object per event with the `events` columns.
    Jsonl,
    /// Elastic Common Schema documents.
    Ecs,
    /// OCSF HTTP Activity (class 4002) events.
    Ocsf,
    /// Exactly nginx's default `combined` log format (`$remote_user` is `-`).
    Combined,
    /// `combined` followed by named fields, as a custom nginx `log_format` writes them:
    /// `principal="42" api_key="-" event_id=4294967297`.
    CombinedExt,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Jsonl,
        Format::Ecs,
        Format::Ocsf,
        Format::Combined,
        Format::CombinedExt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Ecs => "ecs",
            Format::Ocsf => "ocsf",
            Format::Combined => "combined",
            Format::CombinedExt => "combined-ext",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == text)
    }

    /// Whether `--with-truth` can add labels (the JSON formats).
    pub fn carries_truth(self) -> bool {
        !matches!(self, Format::Combined | Format::CombinedExt)
    }
}

/// The ECS version the `ecs` documents follow.
pub const ECS_VERSION: &str = "8.17.0";
/// The OCSF schema version the `ocsf` events follow.
pub const OCSF_VERSION: &str = "1.7.0";

/// Encodes batches in one format.
#[derive(Debug, Clone)]
pub struct Encoder {
    format: Format,
    /// The breachlab version that wrote the dataset (OCSF `metadata.product.version`).
    product_version: String,
}

impl Encoder {
    pub fn new(format: Format, product_version: impl Into<String>) -> Self {
        Encoder {
            format,
            product_version: product_version.into(),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Appends one line per row of `events` to `out`. `truth`, when given, must be the
    /// matching truth batch (same rows, same event ids in the same order) and is added to
    /// the JSON formats under `truth` (jsonl), `breachlab.truth` (ecs) or
    /// `unmapped.breachlab.truth` (ocsf).
    pub fn encode(
        &self,
        events: &RecordBatch,
        truth: Option<&RecordBatch>,
        out: &mut Vec<u8>,
    ) -> Result<(), ExportError> {
        let ev = Events::of(events)?;
        let truth = match truth {
            None => None,
            Some(_) if !self.format.carries_truth() => {
                return Err(ExportError::TruthNotSupported(self.format.name()));
            }
            Some(batch) => {
                let truth = Truth::of(batch)?;
                check_lockstep(&ev, &truth)?;
                Some(truth)
            }
        };
        let as_stored = match self.format {
            Format::Jsonl => columns_as_stored(events, Table::Events, &[])?,
            _ => Vec::new(),
        };
        for i in 0..ev.rows {
            match self.format {
                Format::Jsonl => jsonl(&as_stored, truth.as_ref(), i, out),
                Format::Ecs => ecs(&ev, truth.as_ref(), i, out),
                Format::Ocsf => ocsf(&ev, truth.as_ref(), i, &self.product_version, out),
                Format::Combined => combined(&ev, i, out),
                Format::CombinedExt => combined_ext(&ev, i, out),
            }
            out.push(b'\n');
        }
        Ok(())
    }
}

fn check_lockstep(ev: &Events, truth: &Truth) -> Result<(), ExportError> {
    if ev.rows != truth.rows {
        return Err(ExportError::Lockstep(format!(
            "an events batch of {} rows met a truth batch of {} rows",
            ev.rows, truth.rows
        )));
    }
    let (a, b) = (ev.event_id.values(), truth.event_id.values());
    if let Some(i) = (0..ev.rows).find(|&i| a[i] != b[i]) {
        return Err(ExportError::Lockstep(format!(
            "row {i}: events has event_id {} where truth has {}",
            a[i], b[i]
        )));
    }
    Ok(())
}

/// Row `i` of `column` as the JSON value of its type, `null` where it is null.
fn stored_value(o: &mut Obj, column: &StoredColumn, i: usize) {
    let key = column.name.as_str();
    if column.values.array().is_null(i) {
        return o.null(key);
    }
    match column.values {
        Values::Int16(a) => o.int(key, a.value(i)),
        Values::Int32(a) => o.int(key, a.value(i)),
        Values::Int64(a) => o.int(key, a.value(i)),
        Values::Float32(a) => o.f32(key, a.value(i)),
        Values::Micros(a) => o.ts(key, a.value(i)),
        Values::Utf8(a) => o.str(key, a.value(i)),
        Values::Boolean(a) => o.bool(key, a.value(i)),
    }
}

/// With `--with-truth`, the row's labels as a `truth` object.
fn truth_labels(o: &mut Obj, truth: Option<&Truth>, i: usize) {
    if let Some(truth) = truth {
        o.object(Table::Truth.name(), |o| {
            for label in &truth.labels {
                stored_value(o, label, i);
            }
        });
    }
}

/// Every events column under its own name, in schema order, nulls kept.
fn jsonl(as_stored: &[StoredColumn], truth: Option<&Truth>, i: usize, out: &mut Vec<u8>) {
    let mut o = Obj::open(out);
    for column in as_stored {
        stored_value(&mut o, column, i);
    }
    truth_labels(&mut o, truth, i);
    o.close();
}

/// A request target split at the first `?` into path and query (without the `?`).
fn split_query(target: &str) -> (&str, Option<&str>) {
    match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    }
}

/// Success below 400, as ECS `event.outcome` and OCSF `status_id` read an HTTP status.
fn succeeded(status: i16) -> bool {
    status < 400
}

fn ecs(ev: &Events, truth: Option<&Truth>, i: usize, out: &mut Vec<u8>) {
    let status = ev.status.value(i);
    let mut o = Obj::open(out);
    o.ts("@timestamp", ev.ts.value(i));
    o.object("ecs", |o| o.str("version", ECS_VERSION));
    o.object("event", |o| {
        o.int_str("id", ev.event_id.value(i));
        o.str("kind", "event");
        o.str_array("category", &["web"]);
        o.str_array("type", &["access"]);
        o.str(
            "outcome",
            if succeeded(status) {
                "success"
            } else {
                "failure"
            },
        );
        if let Some(ns) = opt(ev.latency_ms, i).and_then(|ms| f32_decimal_scaled(ms, 1e6)) {
            o.int("duration", ns);
        }
        o.str("dataset", "breachlab.events");
    });
    o.object("source", |o| {
        o.str("ip", ev.client_ip.value(i));
        o.str("address", ev.client_ip.value(i));
        if let Some(asn) = opt(ev.ip_asn, i) {
            o.object("as", |o| o.int("number", asn));
        }
        if let Some(country) = opt_str(ev.country, i) {
            o.object("geo", |o| o.str("country_iso_code", country));
        }
    });
    if let Some(agent) = opt_str(ev.user_agent, i) {
        o.object("user_agent", |o| o.str("original", agent));
    }
    o.object("http", |o| {
        o.object("request", |o| o.str("method", ev.method.value(i)));
        o.object("response", |o| {
            o.int("status_code", status);
            if let Some(bytes) = opt(ev.response_bytes, i) {
                o.object("body", |o| o.int("bytes", bytes));
            }
        });
    });
    let (path, query) = split_query(ev.path.value(i));
    o.object("url", |o| {
        o.str("original", ev.path.value(i));
        o.str("path", path);
        if let Some(query) = query {
            o.str("query", query);
        }
    });
    if let Some(principal) = opt(ev.principal_id, i) {
        o.object("user", |o| o.int_str("id", principal));
    }
    o.object("breachlab", |o| {
        extension(o, ev, truth, i, Credentials::InExtension)
    });
    o.close();
}

/// OCSF HTTP Activity `activity_id` of an HTTP method (0 Unknown, 99 Other).
pub fn ocsf_activity(method: &str) -> (u8, &'static str) {
    match method {
        "CONNECT" => (1, "Connect"),
        "DELETE" => (2, "Delete"),
        "GET" => (3, "Get"),
        "HEAD" => (4, "Head"),
        "OPTIONS" => (5, "Options"),
        "POST" => (6, "Post"),
        "PUT" => (7, "Put"),
        "TRACE" => (8, "Trace"),
        "PATCH" => (9, "Patch"),
        _ => (99, "Other"),
    }
}

const OCSF_HTTP_ACTIVITY: u32 = 4002;

fn ocsf(ev: &Events, truth: Option<&Truth>, i: usize, version: &str, out: &mut Vec<u8>) {
    let status = ev.status.value(i);
    let latency_ms = opt(ev.latency_ms, i).and_then(|ms| f32_decimal_scaled(ms, 1.0));
    let (activity_id, activity) = ocsf_activity(ev.method.value(i));
    let mut o = Obj::open(out);
    o.int("class_uid", OCSF_HTTP_ACTIVITY);
    o.str("class_name", "HTTP Activity");
    o.int("category_uid", 4);
    o.str("category_name", "Network Activity");
    o.int("activity_id", activity_id);
    o.str("activity_name", activity);
    o.int(
        "type_uid",
        OCSF_HTTP_ACTIVITY * 100 + u32::from(activity_id),
    );
    o.quoted("type_name", |out| {
        out.extend_from_slice(b"HTTP Activity: ");
        out.extend_from_slice(activity.as_bytes());
    });
    o.int("time", ev.ts.value(i).div_euclid(1000));
    o.int("severity_id", 1);
    o.str("severity", "Informational");
    let ok = succeeded(status);
    o.int("status_id", if ok { 1 } else { 2 });
    o.str("status", if ok { "Success" } else { "Failure" });
    o.int_str("status_code", status);
    if let Some(ms) = latency_ms {
        o.int("duration", ms);
    }
    let principal = opt(ev.principal_id, i);
    let key = opt_str(ev.api_key_id, i);
    let session = opt(ev.session_id, i);
    let has_actor = principal.is_some() || key.is_some() || session.is_some();
    o.object("metadata", |o| {
        o.str("version", OCSF_VERSION);
        o.int_str("uid", ev.event_id.value(i));
        o.str("log_name", Table::Events.name());
        if has_actor {
            // `actor` is an attribute of the Host profile, which every class takes in.
            o.str_array("profiles", &["host"]);
        }
        o.object("product", |o| {
            o.str("name", "breachlab");
            o.str("vendor_name", "breachlab");
            o.str("version", version);
        });
    });
    o.object("http_request", |o| {
        o.str("http_method", ev.method.value(i));
        let (path, query) = split_query(ev.path.value(i));
        o.object("url", |o| {
            o.str("path", path);
            if let Some(query) = query {
                o.str("query_string", query);
            }
        });
        if let Some(agent) = opt_str(ev.user_agent, i) {
            o.str("user_agent", agent);
        }
    });
    o.object("http_response", |o| {
        o.int("code", status);
        if let Some(bytes) = opt(ev.response_bytes, i) {
            o.int("length", bytes);
        }
        if let Some(ms) = latency_ms {
            o.int("latency", ms);
        }
    });
    o.object("src_endpoint", |o| {
        o.str("ip", ev.client_ip.value(i));
        if let Some(asn) = opt(ev.ip_asn, i) {
            o.object("autonomous_system", |o| o.int("number", asn));
        }
        if let Some(country) = opt_str(ev.country, i) {
            o.object("location", |o| o.str("country", country));
        }
    });
    if has_actor {
        o.object("actor", |o| {
            if principal.is_some() || key.is_some() {
                o.object("user", |o| {
                    if let Some(p) = principal {
                        o.int_str("uid", p);
                    }
                    if let Some(k) = key {
                        o.str("credential_uid", k);
                    }
                });
            }
            if let Some(s) = session {
                o.object("session", |o| o.int_str("uid", s));
            }
        });
    }
    o.array(
        "observables",
        &[&|o: &mut Obj| {
            o.str("name", "src_endpoint.ip");
            o.int("type_id", 2);
            o.str("type", "IP Address");
            o.str("value", ev.client_ip.value(i));
        }],
    );
    o.object("unmapped", |o| {
        o.object("breachlab", |o| {
            extension(o, ev, truth, i, Credentials::Mapped)
        });
    });
    o.close();
}

/// Where a format puts the API key and the session: ECS has no field for them, OCSF
/// maps them under `actor`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Credentials {
    InExtension,
    Mapped,
}

/// The `breachlab` object of ECS and OCSF: the columns the schema has no field for, and
/// the truth labels with `--with-truth`.
fn extension(o: &mut Obj, ev: &Events, truth: Option<&Truth>, i: usize, credentials: Credentials) {
    o.int("event_id", ev.event_id.value(i));
    if let Some(kind) = opt_str(ev.ip_kind, i) {
        o.str("ip_kind", kind);
    }
    if let Some(kind) = opt_str(ev.client_kind, i) {
        o.str("client_kind", kind);
    }
    if credentials == Credentials::InExtension {
        if let Some(key) = opt_str(ev.api_key_id, i) {
            o.str("api_key_id", key);
        }
        if let Some(session) = opt(ev.session_id, i) {
            o.int("session_id", session);
        }
    }
    o.str("route", ev.route.value(i));
    if let Some(target) = opt(ev.target_id, i) {
        o.int("target_id", target);
    }
    if let Some(ms) = opt(ev.latency_ms, i) {
        o.f32("latency_ms", ms);
    }
    if let Some(records) = opt(ev.records_returned, i) {
        o.int("records_returned", records);
    }
    truth_labels(o, truth, i);
}

/// An access-log line being written: fields separated by one space.
struct LogLine<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> LogLine<'o> {
    fn new(out: &'o mut Vec<u8>) -> Self {
        LogLine { out, first: true }
    }

    fn field(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        if !self.first {
            self.out.push(b' ');
        }
        self.first = false;
        write(self.out);
    }

    fn enclosed(&mut self, open: u8, close: u8, write: impl FnOnce(&mut Vec<u8>)) {
        self.field(|out| {
            out.push(open);
            write(out);
            out.push(close);
        });
    }

    fn quoted(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        self.enclosed(b'"', b'"', write);
    }
}

/// nginx's default `combined` log format, byte for byte:
/// `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
/// "$http_referer" "$http_user_agent"`. The generator's clients authenticate with bearer
/// tokens and API keys, never HTTP Basic, so `$remote_user` is always `-`, as nginx logs it.
fn combined(ev: &Events, i: usize, out: &mut Vec<u8>) {
    combined_fields(&mut LogLine::new(out), ev, i);
}

/// `combined` followed by the principal, the API key and the event id as named fields,
/// as the `log_format` in docs/export.md writes them (`-` for an empty value, as nginx
/// writes an empty variable).
fn combined_ext(ev: &Events, i: usize, out: &mut Vec<u8>) {
    let mut line = LogLine::new(out);
    combined_fields(&mut line, ev, i);
    line.field(|out| {
        out.extend_from_slice(b"principal=\"");
        match opt(ev.principal_id, i) {
            Some(p) => push_int(out, p),
            None => out.push(b'-'),
        }
        out.push(b'"');
    });
    line.field(|out| {
        out.extend_from_slice(b"api_key=\"");
        match opt_str(ev.api_key_id, i).filter(|k| !k.is_empty()) {
            Some(key) => push_clf_escaped(out, key),
            None => out.push(b'-'),
        }
        out.push(b'"');
    });
    line.field(|out| {
        out.extend_from_slice(b"event_id=");
        push_int(out, ev.event_id.value(i));
    });
}

fn combined_fields(line: &mut LogLine, ev: &Events, i: usize) {
    line.field(|out| out.extend_from_slice(ev.client_ip.value(i).as_bytes()));
    line.field(|out| out.push(b'-'));
    line.field(|out| out.push(b'-'));
    line.enclosed(b'[', b']', |out| push_clf_time(out, ev.ts.value(i)));
    line.quoted(|out| {
        push_clf_escaped(out, ev.method.value(i));
        out.push(b' ');
        push_clf_escaped(out, ev.path.value(i));
        out.extend_from_slice(b" HTTP/1.1");
    });
    line.field(|out| push_int(out, ev.status.value(i)));
    // What a log lacks is written `-`, as servers write an absent value.
    line.field(|out| match opt(ev.response_bytes, i) {
        Some(bytes) => push_int(out, bytes),
        None => out.push(b'-'),
    });
    line.quoted(|out| out.push(b'-'));
    line.quoted(|out| match opt_str(ev.user_agent, i) {
        Some(agent) => push_clf_escaped(out, agent),
        None => out.push(b'-'),
    });
}
