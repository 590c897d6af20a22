//! The four encoders: one events batch (and optionally its truth batch) to bytes, one
//! line per event, in the batch's row order. Pure: no I/O, no clock, no randomness, so
//! the same batch always gives the same bytes.

use arrow_array::RecordBatch;
use breachlab_schema::{Table, events as e, truth as t};

use crate::ExportError;
use crate::columns::{Events, Truth, opt, opt_str};
use crate::text::{
    f32_decimal_scaled, push_clf_escaped, push_clf_time, push_clf_token, push_f32_json, push_int,
    push_json_str, push_rfc3339_us,
};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One flat JSON object per event with the `events` columns.
    Jsonl,
    /// Elastic Common Schema documents.
    Ecs,
    /// OCSF HTTP Activity (class 4002) events.
    Ocsf,
    /// The Apache/nginx combined access-log format, the event id appended as a quoted field.
    Combined,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Jsonl, Format::Ecs, Format::Ocsf, Format::Combined];

    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Ecs => "ecs",
            Format::Ocsf => "ocsf",
            Format::Combined => "combined",
        }
    }

    pub fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == text)
    }

    /// Whether `--with-truth` can add labels (the JSON formats).
    pub fn carries_truth(self) -> bool {
        self != Format::Combined
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
        for i in 0..ev.rows {
            match self.format {
                Format::Jsonl => jsonl(&ev, truth.as_ref(), i, out),
                Format::Ecs => ecs(&ev, truth.as_ref(), i, out),
                Format::Ocsf => ocsf(&ev, truth.as_ref(), i, &self.product_version, out),
                Format::Combined => combined(&ev, i, out),
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

/// A JSON object being written: keys are this crate's own ASCII names, never escaped.
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn close(self) {
        self.out.push(b'}');
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        push_json_str(self.out, value);
    }

    fn int(&mut self, key: &str, value: impl itoa::Integer) {
        self.key(key);
        push_int(self.out, value);
    }

    fn f32(&mut self, key: &str, value: f32) {
        self.key(key);
        push_f32_json(self.out, value);
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    fn null(&mut self, key: &str) {
        self.key(key);
        self.out.extend_from_slice(b"null");
    }

    fn str_or_null(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    fn int_or_null<I: itoa::Integer>(&mut self, key: &str, value: Option<I>) {
        match value {
            Some(v) => self.int(key, v),
            None => self.null(key),
        }
    }

    /// The integer as a JSON string (ECS and OCSF identifiers are keywords/strings).
    fn int_str(&mut self, key: &str, value: impl itoa::Integer) {
        self.key(key);
        self.out.push(b'"');
        push_int(self.out, value);
        self.out.push(b'"');
    }

    fn ts(&mut self, key: &str, epoch_us: i64) {
        self.key(key);
        self.out.push(b'"');
        push_rfc3339_us(self.out, epoch_us);
        self.out.push(b'"');
    }

    fn object(&mut self, key: &str, body: impl FnOnce(&mut Obj)) {
        self.key(key);
        let mut inner = Obj::open(self.out);
        body(&mut inner);
        inner.close();
    }

    fn array(&mut self, key: &str, items: &[&dyn Fn(&mut Obj)]) {
        self.key(key);
        self.out.push(b'[');
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                self.out.push(b',');
            }
            let mut inner = Obj::open(self.out);
            item(&mut inner);
            inner.close();
        }
        self.out.push(b']');
    }

    fn str_array(&mut self, key: &str, items: &[&str]) {
        self.key(key);
        self.out.push(b'[');
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                self.out.push(b',');
            }
            push_json_str(self.out, item);
        }
        self.out.push(b']');
    }
}

/// The truth columns of row `i`, nulls kept (a fixed set of keys).
fn truth_fields(o: &mut Obj, labels: &Truth, i: usize) {
    o.bool(t::IS_ATTACK, labels.is_attack.value(i));
    o.int_or_null(t::CAMPAIGN_ID, opt(labels.campaign_id, i));
    o.int(t::ACTOR_ID, labels.actor_id.value(i));
    o.str(t::PHASE, labels.phase.value(i));
    o.str_or_null(t::OWASP_API, opt_str(labels.owasp_api, i));
    o.str_or_null(t::OAT, opt_str(labels.oat, i));
    o.str_or_null(t::ATTACK_TECHNIQUE, opt_str(labels.attack_technique, i));
    o.bool(t::RECORD_EXPOSED, labels.record_exposed.value(i));
    o.int(t::RECORDS_EXPOSED, labels.records_exposed.value(i));
}

fn jsonl(ev: &Events, truth: Option<&Truth>, i: usize, out: &mut Vec<u8>) {
    let mut o = Obj::open(out);
    o.int(e::EVENT_ID, ev.event_id.value(i));
    o.ts(e::TS, ev.ts.value(i));
    o.str(e::CLIENT_IP, ev.client_ip.value(i));
    o.int(e::IP_ASN, ev.ip_asn.value(i));
    o.str(e::IP_KIND, ev.ip_kind.value(i));
    o.str(e::COUNTRY, ev.country.value(i));
    o.str(e::USER_AGENT, ev.user_agent.value(i));
    o.str(e::CLIENT_KIND, ev.client_kind.value(i));
    o.str_or_null(e::API_KEY_ID, opt_str(ev.api_key_id, i));
    o.int_or_null(e::PRINCIPAL_ID, opt(ev.principal_id, i));
    o.int_or_null(e::SESSION_ID, opt(ev.session_id, i));
    o.str(e::METHOD, ev.method.value(i));
    o.str(e::ROUTE, ev.route.value(i));
    o.str(e::PATH, ev.path.value(i));
    o.int_or_null(e::TARGET_ID, opt(ev.target_id, i));
    o.int(e::STATUS, ev.status.value(i));
    o.f32(e::LATENCY_MS, ev.latency_ms.value(i));
    o.int(e::RESPONSE_BYTES, ev.response_bytes.value(i));
    o.int(e::RECORDS_RETURNED, ev.records_returned.value(i));
    if let Some(t) = truth {
        o.object(Table::Truth.name(), |o| truth_fields(o, t, i));
    }
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
    let latency = ev.latency_ms.value(i);
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
        if let Some(ns) = f32_decimal_scaled(latency, 1e6) {
            o.int("duration", ns);
        }
        o.str("dataset", "breachlab.events");
    });
    o.object("source", |o| {
        o.str("ip", ev.client_ip.value(i));
        o.str("address", ev.client_ip.value(i));
        o.object("as", |o| o.int("number", ev.ip_asn.value(i)));
        o.object("geo", |o| o.str("country_iso_code", ev.country.value(i)));
    });
    o.object("user_agent", |o| o.str("original", ev.user_agent.value(i)));
    o.object("http", |o| {
        o.object("request", |o| o.str("method", ev.method.value(i)));
        o.object("response", |o| {
            o.int("status_code", status);
            o.object("body", |o| o.int("bytes", ev.response_bytes.value(i)));
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
        o.int("event_id", ev.event_id.value(i));
        o.str("ip_kind", ev.ip_kind.value(i));
        o.str("client_kind", ev.client_kind.value(i));
        if let Some(key) = opt_str(ev.api_key_id, i) {
            o.str("api_key_id", key);
        }
        if let Some(session) = opt(ev.session_id, i) {
            o.int("session_id", session);
        }
        o.str("route", ev.route.value(i));
        if let Some(target) = opt(ev.target_id, i) {
            o.int("target_id", target);
        }
        o.f32("latency_ms", latency);
        o.int("records_returned", ev.records_returned.value(i));
        if let Some(t) = truth {
            o.object(Table::Truth.name(), |o| truth_fields(o, t, i));
        }
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
    let latency = ev.latency_ms.value(i);
    let latency_ms = f32_decimal_scaled(latency, 1.0);
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
    o.key("type_name");
    o.out.extend_from_slice(b"\"HTTP Activity: ");
    o.out.extend_from_slice(activity.as_bytes());
    o.out.push(b'"');
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
        o.str("user_agent", ev.user_agent.value(i));
    });
    o.object("http_response", |o| {
        o.int("code", status);
        o.int("length", ev.response_bytes.value(i));
        if let Some(ms) = latency_ms {
            o.int("latency", ms);
        }
    });
    o.object("src_endpoint", |o| {
        o.str("ip", ev.client_ip.value(i));
        o.object("autonomous_system", |o| o.int("number", ev.ip_asn.value(i)));
        o.object("location", |o| o.str("country", ev.country.value(i)));
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
            o.int("event_id", ev.event_id.value(i));
            o.str("ip_kind", ev.ip_kind.value(i));
            o.str("client_kind", ev.client_kind.value(i));
            o.str("route", ev.route.value(i));
            if let Some(target) = opt(ev.target_id, i) {
                o.int("target_id", target);
            }
            o.f32("latency_ms", latency);
            o.int("records_returned", ev.records_returned.value(i));
            if let Some(t) = truth {
                o.object(Table::Truth.name(), |o| truth_fields(o, t, i));
            }
        });
    });
    o.close();
}

/// `$remote_user`: the principal, else the API key, else `-`.
fn remote_user(ev: &Events, i: usize, out: &mut Vec<u8>) {
    if let Some(p) = opt(ev.principal_id, i) {
        push_int(out, p);
    } else if let Some(key) = opt_str(ev.api_key_id, i).filter(|k| !k.is_empty()) {
        push_clf_token(out, key);
    } else {
        out.push(b'-');
    }
}

fn combined(ev: &Events, i: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(ev.client_ip.value(i).as_bytes());
    out.extend_from_slice(b" - ");
    remote_user(ev, i, out);
    out.extend_from_slice(b" [");
    push_clf_time(out, ev.ts.value(i));
    out.extend_from_slice(b"] \"");
    push_clf_escaped(out, ev.method.value(i));
    out.push(b' ');
    push_clf_escaped(out, ev.path.value(i));
    out.extend_from_slice(b" HTTP/1.1\" ");
    push_int(out, ev.status.value(i));
    out.push(b' ');
    push_int(out, ev.response_bytes.value(i));
    out.extend_from_slice(b" \"-\" \"");
    push_clf_escaped(out, ev.user_agent.value(i));
    out.extend_from_slice(b"\" \"");
    push_int(out, ev.event_id.value(i));
    out.push(b'"');
}
