//! Turns slices of [`Event`]s into Arrow record batches of the `events` and `truth`
//! tables. Strings are built here, once per row, into reused buffers.

use crate::event::{Event, Ident, Query, SearchTerm};
use crate::plan::CampaignMeta;
use crate::population;
use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use breachlab_schema::{events_schema, truth_schema};
use std::fmt::Write;
use std::sync::Arc;

/// Bits of an event id below the slice index: the rank of the event in its slice.
pub const RANK_BITS: u32 = 32;

/// `event_id` of the `rank`-th event of `slice`: unique and increasing with time,
/// computable without knowing any other slice's count.
pub fn event_id(slice: u64, rank: usize) -> i64 {
    ((slice << RANK_BITS) | rank as u64) as i64
}

/// Accumulates rows of both tables.
pub struct BatchBuilder<'p> {
    seed: u64,
    campaigns: &'p [CampaignMeta],
    capacity: usize,
    /// Whether the column builders hold their `capacity` yet (see [`BatchBuilder::finish`]).
    allocated: bool,
    rows: usize,
    event_id: Int64Builder,
    ts: TimestampMicrosecondBuilder,
    client_ip: StringBuilder,
    ip_asn: Int32Builder,
    ip_kind: StringBuilder,
    country: StringBuilder,
    user_agent: StringBuilder,
    client_kind: StringBuilder,
    api_key_id: StringBuilder,
    principal_id: Int64Builder,
    session_id: Int64Builder,
    method: StringBuilder,
    route: StringBuilder,
    path: StringBuilder,
    target_id: Int64Builder,
    status: Int16Builder,
    latency_ms: Float32Builder,
    response_bytes: Int32Builder,
    records_returned: Int32Builder,
    is_attack: BooleanBuilder,
    campaign_id: Int32Builder,
    actor_id: Int64Builder,
    phase: StringBuilder,
    owasp_api: StringBuilder,
    oat: StringBuilder,
    attack_technique: StringBuilder,
    record_exposed: BooleanBuilder,
    records_exposed: Int32Builder,
}

impl<'p> BatchBuilder<'p> {
    pub fn new(seed: u64, campaigns: &'p [CampaignMeta]) -> Self {
        Self::with_capacity(seed, campaigns, 0)
    }

    /// A builder with room for `rows` rows before any reallocation.
    pub fn with_capacity(seed: u64, campaigns: &'p [CampaignMeta], rows: usize) -> Self {
        Self::allocate(seed, campaigns, rows, rows)
    }

    /// A builder that remembers `capacity` but holds room for `rows` rows.
    fn allocate(seed: u64, campaigns: &'p [CampaignMeta], capacity: usize, rows: usize) -> Self {
        let text = |bytes_per_row: usize| StringBuilder::with_capacity(rows, rows * bytes_per_row);
        BatchBuilder {
            seed,
            campaigns,
            capacity,
            allocated: rows == capacity,
            rows: 0,
            event_id: Int64Builder::with_capacity(rows),
            ts: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            client_ip: text(14),
            ip_asn: Int32Builder::with_capacity(rows),
            ip_kind: text(12),
            country: text(2),
            user_agent: text(110),
            client_kind: text(4),
            api_key_id: text(20),
            principal_id: Int64Builder::with_capacity(rows),
            session_id: Int64Builder::with_capacity(rows),
            method: text(4),
            route: text(20),
            path: text(32),
            target_id: Int64Builder::with_capacity(rows),
            status: Int16Builder::with_capacity(rows),
            latency_ms: Float32Builder::with_capacity(rows),
            response_bytes: Int32Builder::with_capacity(rows),
            records_returned: Int32Builder::with_capacity(rows),
            is_attack: BooleanBuilder::with_capacity(rows),
            campaign_id: Int32Builder::with_capacity(rows),
            actor_id: Int64Builder::with_capacity(rows),
            phase: text(6),
            owasp_api: text(4),
            oat: text(7),
            attack_technique: text(8),
            record_exposed: BooleanBuilder::with_capacity(rows),
            records_exposed: Int32Builder::with_capacity(rows),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends the sorted events of one slice.
    pub fn push_slice(&mut self, slice: u64, events: &[Event]) {
        self.push_slice_part(slice, 0, events);
    }

    /// Appends part of a slice's sorted events, the first of which has rank `first_rank`
    /// in its slice (so a large slice can be written in bounded batches).
    pub fn push_slice_part(&mut self, slice: u64, first_rank: usize, events: &[Event]) {
        if !self.allocated {
            *self = Self::with_capacity(self.seed, self.campaigns, self.capacity);
        }
        for (rank, event) in (first_rank..).zip(events) {
            self.push_event(event_id(slice, rank), event);
        }
    }

    fn push_event(&mut self, id: i64, e: &Event) {
        self.rows += 1;
        self.event_id.append_value(id);
        self.ts.append_value(e.ts_us);
        population::write_ipv4(e.peer.ip, &mut self.client_ip);
        self.client_ip.append_value("");
        self.ip_asn.append_value(e.peer.asn);
        self.ip_kind.append_value(e.peer.kind.as_str());
        self.country
            .append_value(population::country_code(population::Country(
                e.peer.country,
            )));
        self.user_agent
            .append_value(population::ua_text(e.user_agent));
        self.client_kind.append_value(e.client_kind.as_str());
        if e.api_key.write(&mut self.api_key_id) {
            self.api_key_id.append_value("");
        } else {
            self.api_key_id.append_null();
        }
        self.principal_id.append_option(e.principal_id);
        self.session_id.append_option(e.session_id);
        self.method.append_value(e.route.method().as_str());
        self.route.append_value(e.route.template());
        write_path(self.seed, e, &mut self.path);
        self.path.append_value("");
        self.target_id.append_option(e.target_id);
        self.status.append_value(e.status);
        self.latency_ms.append_value(e.latency_ms);
        self.response_bytes.append_value(e.response_bytes);
        self.records_returned.append_value(e.records_returned);
        self.push_truth(e);
    }

    fn push_truth(&mut self, e: &Event) {
        let t = &e.truth;
        let meta = t.campaign.and_then(|c| self.campaigns.get(usize::from(c)));
        self.is_attack.append_value(t.is_attack);
        self.campaign_id.append_option(meta.map(|m| m.id));
        self.actor_id.append_value(t.actor_id);
        self.phase.append_value(t.phase.as_str());
        let labels = meta.filter(|_| t.is_attack);
        self.owasp_api
            .append_option(labels.and_then(|m| m.owasp_api.as_deref()));
        self.oat
            .append_option(labels.and_then(|m| m.oat.as_deref()));
        self.attack_technique
            .append_option(labels.and_then(|m| m.attack_technique.as_deref()));
        self.record_exposed.append_value(t.records_exposed > 0);
        self.records_exposed.append_value(t.records_exposed);
    }

    /// The accumulated rows as (`events`, `truth`) batches; the builder starts empty again.
    /// Its room for the next batch is taken at the next push, not here: by then the caller
    /// has usually written and dropped these batches, so the allocator hands their memory
    /// back instead of one batch's worth more staying resident per writer.
    pub fn finish(&mut self) -> (RecordBatch, RecordBatch) {
        let empty = Self::allocate(self.seed, self.campaigns, self.capacity, 0);
        std::mem::replace(self, empty).build()
    }

    fn build(mut self) -> (RecordBatch, RecordBatch) {
        let event_id: ArrayRef = Arc::new(self.event_id.finish());
        let ts: ArrayRef = Arc::new(self.ts.finish());
        let events: Vec<ArrayRef> = vec![
            event_id.clone(),
            ts.clone(),
            Arc::new(self.client_ip.finish()),
            Arc::new(self.ip_asn.finish()),
            Arc::new(self.ip_kind.finish()),
            Arc::new(self.country.finish()),
            Arc::new(self.user_agent.finish()),
            Arc::new(self.client_kind.finish()),
            Arc::new(self.api_key_id.finish()),
            Arc::new(self.principal_id.finish()),
            Arc::new(self.session_id.finish()),
            Arc::new(self.method.finish()),
            Arc::new(self.route.finish()),
            Arc::new(self.path.finish()),
            Arc::new(self.target_id.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.latency_ms.finish()),
            Arc::new(self.response_bytes.finish()),
            Arc::new(self.records_returned.finish()),
        ];
        let truth: Vec<ArrayRef> = vec![
            event_id,
            ts,
            Arc::new(self.is_attack.finish()),
            Arc::new(self.campaign_id.finish()),
            Arc::new(self.actor_id.finish()),
            Arc::new(self.phase.finish()),
            Arc::new(self.owasp_api.finish()),
            Arc::new(self.oat.finish()),
            Arc::new(self.attack_technique.finish()),
            Arc::new(self.record_exposed.finish()),
            Arc::new(self.records_exposed.finish()),
        ];
        let events = RecordBatch::try_new(Arc::new(events_schema()), events)
            .expect("columns match the events schema");
        let truth = RecordBatch::try_new(Arc::new(truth_schema()), truth)
            .expect("columns match the truth schema");
        (events, truth)
    }
}

/// The concrete path of a request: the route template filled in, plus its query.
pub fn write_path(seed: u64, e: &Event, out: &mut impl Write) {
    match (e.route.template_parts(), e.target_id) {
        ((head, Some(tail)), Some(id)) => {
            put(out, head);
            put(out, itoa::Buffer::new().format(id));
            put(out, tail);
        }
        _ => put(out, e.route.template()),
    }
    match e.query {
        Query::None | Query::Batch { .. } => {}
        Query::Page { page, size } => push_page(out, "?page=", page, size),
        Query::Email(ident) => {
            put(out, "?email=");
            let email = match ident {
                Ident::Account(id) => population::email_of(seed, id),
                Ident::Miss(n) => population::fake_email(seed, n),
            };
            percent_encode(&email, out);
        }
        Query::Phone(ident) => {
            put(out, "?phone=");
            let phone = match ident {
                Ident::Account(id) => population::phone_of(seed, id),
                Ident::Miss(n) => population::fake_phone(seed, n),
            };
            percent_encode(&phone, out);
        }
        Query::Ids {
            first,
            stride,
            count,
        } => {
            put(out, "?ids=");
            for i in 0..i64::from(count) {
                if i > 0 {
                    put(out, "%2C");
                }
                put(out, itoa::Buffer::new().format(first + i * stride));
            }
        }
        Query::Search { term, page, size } => {
            put(out, "?q=");
            match term {
                SearchTerm::NameOf(id) => percent_encode(&population::last_name_of(seed, id), out),
                SearchTerm::Wildcard => put(out, "%2A"),
            }
            push_page(out, "&page=", page, size);
        }
    }
}

/// `{lead}{page}&size={size}`
fn push_page(out: &mut impl Write, lead: &str, page: impl itoa::Integer, size: impl itoa::Integer) {
    let mut digits = itoa::Buffer::new();
    put(out, lead);
    put(out, digits.format(page));
    put(out, "&size=");
    put(out, digits.format(size));
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str, out: &mut impl Write) {
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            let _ = out.write_char(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
}

/// Writes into a text sink that cannot fail (a `String` or an Arrow string builder).
fn put(out: &mut impl Write, text: &str) {
    let _ = out.write_str(text);
}
