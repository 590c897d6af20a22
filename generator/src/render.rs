//! Turns slices of [`Event`]s into Arrow record batches of the `events` and `truth`
//! tables. Strings are built here, once per row, into reused buffers.
//!
//! Columns whose text comes from a fixed list (user agent, route, method, kinds,
//! country, phase and the attack labels) are rendered as list indexes, and the client
//! address and API key once per distinct value in a batch: the batches carry them as
//! dictionary arrays. Parquet's writer interns each row's value either way and stores the
//! same bytes it would for the plain string column of [`events_schema`] and
//! [`truth_schema`], so write these batches with those schemas; rendering then copies a
//! key a row instead of the text.

use crate::campaign::CampaignMeta;
use crate::event::{Event, Ident, Query, Route, SearchTerm};
use crate::population;
use arrow_array::builder::{
    BooleanBuilder, Float32Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt16Builder,
};
use arrow_array::types::{ArrowPrimitiveType, Int32Type, Int64Type, UInt16Type, UInt32Type};
use arrow_array::{ArrayRef, DictionaryArray, PrimitiveArray, RecordBatch, StringArray};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{Field, Schema};
use breachlab_schema::{ClientKind, IpKind, Method, Phase};
use breachlab_schema::{events_schema, truth_schema};
use std::collections::HashMap;
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
    vocabulary: Arc<Vocabulary>,
    client_ip: Interned,
    ip_asn: Int32Builder,
    ip_kind: UInt16Builder,
    country: UInt16Builder,
    user_agent: UInt16Builder,
    client_kind: UInt16Builder,
    api_key_id: Interned,
    principal_id: Optional<Int64Type>,
    session_id: Optional<Int64Type>,
    method: UInt16Builder,
    route: UInt16Builder,
    path: StringBuilder,
    target_id: Optional<Int64Type>,
    status: Int16Builder,
    latency_ms: Float32Builder,
    response_bytes: Int32Builder,
    records_returned: Int32Builder,
    is_attack: BooleanBuilder,
    campaign_id: Optional<Int32Type>,
    actor_id: Int64Builder,
    phase: UInt16Builder,
    owasp_api: Optional<UInt16Type>,
    oat: Optional<UInt16Type>,
    attack_technique: Optional<UInt16Type>,
    record_exposed: BooleanBuilder,
    records_exposed: Int32Builder,
}

impl<'p> BatchBuilder<'p> {
    pub fn new(seed: u64, campaigns: &'p [CampaignMeta]) -> Self {
        Self::with_capacity(seed, campaigns, 0)
    }

    /// A builder with room for `rows` rows before any reallocation.
    pub fn with_capacity(seed: u64, campaigns: &'p [CampaignMeta], rows: usize) -> Self {
        let vocabulary = Arc::new(Vocabulary::new(campaigns));
        Self::allocate(seed, campaigns, vocabulary, rows, rows)
    }

    /// An empty builder like this one, with room for `rows` rows.
    fn with_room(&self, rows: usize) -> Self {
        let vocabulary = self.vocabulary.clone();
        Self::allocate(self.seed, self.campaigns, vocabulary, self.capacity, rows)
    }

    /// A builder that remembers `capacity` but holds room for `rows` rows.
    fn allocate(
        seed: u64,
        campaigns: &'p [CampaignMeta],
        vocabulary: Arc<Vocabulary>,
        capacity: usize,
        rows: usize,
    ) -> Self {
        let text = |bytes_per_row: usize| StringBuilder::with_capacity(rows, rows * bytes_per_row);
        let code = || UInt16Builder::with_capacity(rows);
        BatchBuilder {
            seed,
            campaigns,
            capacity,
            allocated: rows == capacity,
            rows: 0,
            vocabulary,
            event_id: Int64Builder::with_capacity(rows),
            ts: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            client_ip: Interned::with_capacity(rows),
            ip_asn: Int32Builder::with_capacity(rows),
            ip_kind: code(),
            country: code(),
            user_agent: code(),
            client_kind: code(),
            api_key_id: Interned::with_capacity(rows),
            principal_id: Optional::with_capacity(rows),
            session_id: Optional::with_capacity(rows),
            method: code(),
            route: code(),
            path: text(32),
            target_id: Optional::with_capacity(rows),
            status: Int16Builder::with_capacity(rows),
            latency_ms: Float32Builder::with_capacity(rows),
            response_bytes: Int32Builder::with_capacity(rows),
            records_returned: Int32Builder::with_capacity(rows),
            is_attack: BooleanBuilder::with_capacity(rows),
            campaign_id: Optional::with_capacity(rows),
            actor_id: Int64Builder::with_capacity(rows),
            phase: code(),
            owasp_api: Optional::with_capacity(rows),
            oat: Optional::with_capacity(rows),
            attack_technique: Optional::with_capacity(rows),
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
            *self = self.with_room(self.capacity);
        }
        for (rank, event) in (first_rank..).zip(events) {
            self.push_event(event_id(slice, rank), event);
        }
    }

    fn push_event(&mut self, id: i64, e: &Event) {
        self.rows += 1;
        self.event_id.append_value(id);
        self.ts.append_value(e.ts_us);
        let ip = e.peer.ip;
        self.client_ip
            .push(Some(u64::from(ip)), |out| population::write_ipv4(ip, out));
        self.ip_asn.append_value(e.peer.asn);
        self.ip_kind.append_value(e.peer.kind as u16);
        self.country.append_value(u16::from(e.peer.country));
        self.user_agent.append_value(e.user_agent);
        self.client_kind.append_value(e.client_kind as u16);
        let key = e.api_key;
        self.api_key_id.push(key.code(), |out| {
            key.write(out);
        });
        self.principal_id.push(e.principal_id);
        self.session_id.push(e.session_id);
        self.method.append_value(e.route.method() as u16);
        self.route.append_value(e.route as u16);
        write_path(self.seed, e, &mut self.path);
        self.path.append_value("");
        self.target_id.push(e.target_id);
        self.status.append_value(e.status);
        self.latency_ms.append_value(e.latency_ms);
        self.response_bytes.append_value(e.response_bytes);
        self.records_returned.append_value(e.records_returned);
        self.push_truth(e);
    }

    fn push_truth(&mut self, e: &Event) {
        let t = &e.truth;
        let campaign = t
            .campaign
            .and_then(|c| Some((c, self.campaigns.get(usize::from(c))?)));
        self.is_attack.append_value(t.is_attack);
        self.campaign_id.push(campaign.map(|(_, m)| m.id));
        self.actor_id.append_value(t.actor_id);
        self.phase.append_value(t.phase as u16);
        let labels = campaign.filter(|_| t.is_attack);
        let label = |of: fn(&CampaignMeta) -> &Option<String>| {
            labels.and_then(|(c, m)| of(m).as_ref().map(|_| c))
        };
        self.owasp_api.push(label(|m| &m.owasp_api));
        self.oat.push(label(|m| &m.oat));
        self.attack_technique.push(label(|m| &m.attack_technique));
        self.record_exposed.append_value(t.records_exposed > 0);
        self.records_exposed.append_value(t.records_exposed);
    }

    /// The accumulated rows as (`events`, `truth`) batches; the builder starts empty again.
    /// Its room for the next batch is taken at the next push, not here: by then the caller
    /// has usually written and dropped these batches, so the allocator hands their memory
    /// back instead of one batch's worth more staying resident per writer.
    pub fn finish(&mut self) -> (RecordBatch, RecordBatch) {
        let empty = self.with_room(0);
        std::mem::replace(self, empty).build()
    }

    fn build(mut self) -> (RecordBatch, RecordBatch) {
        let v = &self.vocabulary;
        let event_id: ArrayRef = Arc::new(self.event_id.finish());
        let ts: ArrayRef = Arc::new(self.ts.finish());
        let events: Vec<ArrayRef> = vec![
            event_id.clone(),
            ts.clone(),
            self.client_ip.finish(),
            Arc::new(self.ip_asn.finish()),
            dictionary(self.ip_kind.finish(), &v.ip_kinds),
            dictionary(self.country.finish(), &v.countries),
            dictionary(self.user_agent.finish(), &v.user_agents),
            dictionary(self.client_kind.finish(), &v.client_kinds),
            self.api_key_id.finish(),
            Arc::new(self.principal_id.finish()),
            Arc::new(self.session_id.finish()),
            dictionary(self.method.finish(), &v.methods),
            dictionary(self.route.finish(), &v.routes),
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
            dictionary(self.phase.finish(), &v.phases),
            dictionary(self.owasp_api.finish(), &v.owasp_api),
            dictionary(self.oat.finish(), &v.oat),
            dictionary(self.attack_technique.finish(), &v.attack_technique),
            Arc::new(self.record_exposed.finish()),
            Arc::new(self.records_exposed.finish()),
        ];
        (batch(events_schema(), events), batch(truth_schema(), truth))
    }
}

/// The lists the coded columns index.
struct Vocabulary {
    ip_kinds: ArrayRef,
    countries: ArrayRef,
    user_agents: ArrayRef,
    client_kinds: ArrayRef,
    methods: ArrayRef,
    routes: ArrayRef,
    phases: ArrayRef,
    /// Indexed by campaign; a campaign without the label has an empty entry no row uses.
    owasp_api: ArrayRef,
    oat: ArrayRef,
    attack_technique: ArrayRef,
}

impl Vocabulary {
    fn new(campaigns: &[CampaignMeta]) -> Self {
        let labels = |of: fn(&CampaignMeta) -> &Option<String>| {
            list(campaigns.iter().map(|m| of(m).as_deref().unwrap_or("")))
        };
        Vocabulary {
            ip_kinds: list(IpKind::ALL.iter().map(|k| k.as_str())),
            countries: list(population::COUNTRY_CODES),
            user_agents: list((0..population::ua_count()).map(population::ua_text)),
            client_kinds: list(ClientKind::ALL.iter().map(|k| k.as_str())),
            methods: list(Method::ALL.iter().map(|m| m.as_str())),
            routes: list(Route::ALL.iter().map(|r| r.template())),
            phases: list(Phase::ALL.iter().map(|p| p.as_str())),
            owasp_api: labels(|m| &m.owasp_api),
            oat: labels(|m| &m.oat),
            attack_technique: labels(|m| &m.attack_technique),
        }
    }
}

fn list<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

/// `columns` under `table`'s names and nullability, each with its own array's type (the
/// coded ones are dictionaries of the type the table gives as text).
fn batch(table: Schema, columns: Vec<ArrayRef>) -> RecordBatch {
    let fields: Vec<Field> = table
        .fields()
        .iter()
        .zip(&columns)
        .map(|(field, column)| {
            field
                .as_ref()
                .clone()
                .with_data_type(column.data_type().clone())
        })
        .collect();
    let schema = Schema::new_with_metadata(fields, table.metadata().clone());
    RecordBatch::try_new(Arc::new(schema), columns).expect("a column for each field")
}

fn dictionary(keys: PrimitiveArray<UInt16Type>, values: &ArrayRef) -> ArrayRef {
    let array = DictionaryArray::<UInt16Type>::try_new(keys, values.clone())
        .expect("every key indexes its list");
    Arc::new(array)
}

/// A string column whose rows repeat a value often within a batch (an address, an API
/// key): each distinct value, known by a number, is rendered once per batch, and rows
/// hold its index.
struct Interned {
    keys: Optional<UInt32Type>,
    values: StringBuilder,
    index: HashMap<u64, u32, foldhash::fast::FixedState>,
}

impl Interned {
    fn with_capacity(rows: usize) -> Self {
        Interned {
            keys: Optional::with_capacity(rows),
            values: StringBuilder::new(),
            index: HashMap::default(),
        }
    }

    /// A row holding the value numbered `code` (rendered by `render` when new), or null.
    #[inline]
    fn push(&mut self, code: Option<u64>, render: impl FnOnce(&mut StringBuilder)) {
        let key = code.map(|code| {
            let next = self.index.len() as u32;
            *self.index.entry(code).or_insert_with(|| {
                render(&mut self.values);
                self.values.append_value("");
                next
            })
        });
        self.keys.push(key);
    }

    fn finish(&mut self) -> ArrayRef {
        self.index.clear();
        let array = DictionaryArray::<UInt32Type>::try_new(
            self.keys.finish(),
            Arc::new(self.values.finish()),
        )
        .expect("every key indexes the batch's values");
        Arc::new(array)
    }
}

/// A nullable number column: values and validity in plain vectors, made an Arrow array at
/// the end. Several times cheaper per row than a builder's `append_option`, which
/// rendering calls seven times an event.
struct Optional<T: ArrowPrimitiveType> {
    values: Vec<T::Native>,
    valid: Vec<bool>,
    nulls: usize,
}

impl<T: ArrowPrimitiveType> Optional<T> {
    fn with_capacity(rows: usize) -> Self {
        Optional {
            values: Vec::with_capacity(rows),
            valid: Vec::with_capacity(rows),
            nulls: 0,
        }
    }

    #[inline]
    fn push(&mut self, value: Option<T::Native>) {
        self.values.push(value.unwrap_or_default());
        self.valid.push(value.is_some());
        self.nulls += usize::from(value.is_none());
    }

    /// The rows so far as an array (without a validity buffer when none is null); the
    /// column starts empty again.
    fn finish(&mut self) -> PrimitiveArray<T> {
        let valid = std::mem::take(&mut self.valid);
        let nulls = (std::mem::take(&mut self.nulls) > 0).then(|| NullBuffer::from(valid));
        PrimitiveArray::new(ScalarBuffer::from(std::mem::take(&mut self.values)), nulls)
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
