//! Reads the `events` columns a detector needs out of a batch, once per batch.
//!
//! Strings become 64-bit actor keys through [`StringColumn`], which reads any Arrow string
//! encoding into buffers reused across batches. A dictionary's values are hashed once
//! each, when first used, and their keys kept in a [`KeyCache`] while later batches share
//! the dictionary: a Parquet reader hands every batch of a column chunk the chunk's whole
//! dictionary (tens of thousands of client IPs for a few thousand rows). Numeric columns
//! are borrowed as slices. Detectors then iterate plain slices.
//! A combined detector reads the union of its parts' needs once and hands the same view
//! to each. An actor key needs the client IP (an account key the API key) only where no
//! principal is set, so only those rows' strings are hashed (hashing is most of a view).

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{
    AnyDictionaryArray, Array, ArrayRef, GenericStringArray, OffsetSizeTrait, RecordBatch,
};
use arrow_schema::{DataType, TimeUnit};
use breachlab_schema::events;

use crate::DetectorError;
use crate::keys::{
    API_KEY_SEED, IP_SEED, NO_KEY, PRINCIPAL_SEED, ROUTE_SEED, hash_bytes, hash_int,
};

/// The stand-in for a null `target_id`. A real id of `i64::MIN` would read as null.
pub(crate) const NO_TARGET: i64 = i64::MIN;

/// Which columns a detector reads.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Needs {
    pub ts: bool,
    pub event_id: bool,
    /// `client_ip` as a key.
    pub ip: bool,
    /// `principal_id` if set, else `client_ip`.
    pub actor: bool,
    /// `principal_id` if set, else `api_key_id`, else [`NO_KEY`].
    pub account: bool,
    pub route: bool,
    pub target: bool,
    pub status: bool,
}

impl Needs {
    pub fn union(self, other: Needs) -> Needs {
        Needs {
            ts: self.ts || other.ts,
            event_id: self.event_id || other.event_id,
            ip: self.ip || other.ip,
            actor: self.actor || other.actor,
            account: self.account || other.account,
            route: self.route || other.route,
            target: self.target || other.target,
            status: self.status || other.status,
        }
    }

    /// The `events` columns these needs read, each once, in schema order.
    pub fn column_names(self) -> Vec<&'static str> {
        let wanted = [
            (events::EVENT_ID, self.event_id),
            (events::TS, self.ts),
            (events::CLIENT_IP, self.ip || self.actor),
            (events::API_KEY_ID, self.account),
            (events::PRINCIPAL_ID, self.actor || self.account),
            (events::ROUTE, self.route),
            (events::TARGET_ID, self.target),
            (events::STATUS, self.status),
        ];
        wanted
            .into_iter()
            .filter_map(|(name, needed)| needed.then_some(name))
            .collect()
    }
}

/// The needed columns of one batch; columns not needed are empty slices.
pub(crate) struct EventView<'a> {
    pub rows: usize,
    pub ts: &'a [i64],
    pub event_id: &'a [i64],
    pub ip: &'a [u64],
    pub actor: &'a [u64],
    pub account: &'a [u64],
    pub route: &'a [u64],
    /// `target_id`, [`NO_TARGET`] where null.
    pub target: &'a [i64],
    pub status: &'a [i16],
}

/// Buffers for derived columns, reused from batch to batch.
#[derive(Default)]
pub(crate) struct ColumnBuffers {
    ip: Vec<u64>,
    actor: Vec<u64>,
    account: Vec<u64>,
    route: Vec<u64>,
    target: Vec<i64>,
    cache: KeyCache,
}

/// The keys of each string column's dictionary values, kept from batch to batch while
/// batches share a dictionary (see the module doc). Keep one per stream of batches.
#[derive(Default)]
pub struct KeyCache {
    ip: ValueKeys,
    api_key: ValueKeys,
    route: ValueKeys,
}

/// The keys of one dictionary's values, each hashed when first used.
#[derive(Default)]
struct ValueKeys {
    /// The values the keys are of, held so that their buffers, which identify them,
    /// cannot be freed and reused by other values while the keys are kept.
    values: Option<arrow_data::ArrayData>,
    seed: u64,
    /// The key of each value, [`NO_KEY`] until hashed (or for a null value).
    keys: Vec<u64>,
}

impl ValueKeys {
    /// Ready for `values` hashed with `seed`: the keys kept when they are the values
    /// seen last (the same buffers), else none.
    fn prepare(&mut self, values: &dyn Array, seed: u64) {
        let data = values.to_data();
        let same = self.seed == seed && self.values.as_ref().is_some_and(|kept| kept.ptr_eq(&data));
        if !same {
            self.keys.clear();
            self.keys.resize(values.len(), NO_KEY);
            self.values = Some(data);
            self.seed = seed;
        }
    }

    /// The key of value `index` of `values`, the values it was prepared for.
    #[inline]
    fn key(&mut self, values: &PlainStrings<'_>, index: usize) -> u64 {
        match self.keys.get(index) {
            Some(&key) if key != NO_KEY => key,
            Some(_) => {
                let key = values.key(index, self.seed);
                self.keys[index] = key;
                key
            }
            None => NO_KEY,
        }
    }
}

/// The derived columns of one batch (string keys, targets), derived once by a runner for
/// every detector that scores the batch: detectors scoring one batch side by side would
/// otherwise each hash the same strings, and each count that time as its own. A column
/// not derived here (not asked for, or missing or of a wrong type in the batch) is
/// derived by each detector that needs it, which then reports any error as its own.
/// A column whose length is not the batch's is never used.
#[derive(Default)]
pub struct SharedColumns {
    ip: Option<Vec<u64>>,
    actor: Option<Vec<u64>>,
    account: Option<Vec<u64>>,
    route: Option<Vec<u64>>,
    target: Option<Vec<i64>>,
}

/// The derived columns some detectors take from [`SharedColumns`]: the union over the
/// detectors scoring a batch tells a runner what to derive for all of them at once.
#[derive(Debug, Clone, Copy, Default)]
pub struct SharedNeeds(pub(crate) Needs);

impl SharedNeeds {
    pub fn union(self, other: SharedNeeds) -> SharedNeeds {
        SharedNeeds(self.0.union(other.0))
    }
}

impl SharedColumns {
    /// The columns of `batch` that `needs` asks for; `cache` is the one kept for the
    /// stream of batches `batch` belongs to.
    pub fn derive(batch: &RecordBatch, needs: SharedNeeds, cache: &mut KeyCache) -> Self {
        let needs = needs.0;
        SharedColumns {
            ip: derive_if(needs.ip, batch, cache, FILL_IP),
            actor: derive_if(needs.actor, batch, cache, FILL_ACTOR),
            account: derive_if(needs.account, batch, cache, FILL_ACCOUNT),
            route: derive_if(needs.route, batch, cache, FILL_ROUTE),
            target: derive_if(needs.target, batch, cache, FILL_TARGET),
        }
    }
}

type Fill<T> = fn(&RecordBatch, &mut Vec<T>, &mut KeyCache) -> Result<(), DetectorError>;

fn derive_if<T>(
    needed: bool,
    batch: &RecordBatch,
    cache: &mut KeyCache,
    fill: Fill<T>,
) -> Option<Vec<T>> {
    let mut column = Vec::new();
    (needed && fill(batch, &mut column, cache).is_ok()).then_some(column)
}

impl ColumnBuffers {
    /// The columns `needs` asks for: taken from `shared` where it holds them, else
    /// derived into these buffers.
    pub fn view<'a>(
        &'a mut self,
        batch: &'a RecordBatch,
        needs: Needs,
        shared: Option<&'a SharedColumns>,
    ) -> Result<EventView<'a>, DetectorError> {
        let ColumnBuffers {
            ip,
            actor,
            account,
            route,
            target,
            cache,
        } = self;
        Ok(EventView {
            rows: batch.num_rows(),
            ts: if needs.ts { timestamps(batch)? } else { &[] },
            event_id: if needs.event_id {
                int64_column(batch, events::EVENT_ID)?.values()
            } else {
                &[]
            },
            ip: derived(
                needs.ip,
                shared.and_then(|s| s.ip.as_deref()),
                batch,
                ip,
                cache,
                FILL_IP,
            )?,
            actor: derived(
                needs.actor,
                shared.and_then(|s| s.actor.as_deref()),
                batch,
                actor,
                cache,
                FILL_ACTOR,
            )?,
            account: derived(
                needs.account,
                shared.and_then(|s| s.account.as_deref()),
                batch,
                account,
                cache,
                FILL_ACCOUNT,
            )?,
            route: derived(
                needs.route,
                shared.and_then(|s| s.route.as_deref()),
                batch,
                route,
                cache,
                FILL_ROUTE,
            )?,
            target: derived(
                needs.target,
                shared.and_then(|s| s.target.as_deref()),
                batch,
                target,
                cache,
                FILL_TARGET,
            )?,
            status: if needs.status { statuses(batch)? } else { &[] },
        })
    }
}

/// A derived column, empty when not `needed`: the one derived `ahead` when it is there
/// with a row per row of `batch`, else `fill`ed into `own`.
fn derived<'a, T>(
    needed: bool,
    ahead: Option<&'a [T]>,
    batch: &RecordBatch,
    own: &'a mut Vec<T>,
    cache: &mut KeyCache,
    fill: Fill<T>,
) -> Result<&'a [T], DetectorError> {
    if !needed {
        return Ok(&[]);
    }
    match ahead {
        Some(column) if column.len() == batch.num_rows() => Ok(column),
        _ => {
            fill(batch, own, cache)?;
            Ok(own)
        }
    }
}

fn string_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<StringColumn<'a>, DetectorError> {
    StringColumn::new(column(batch, name)?, name)
}

const FILL_IP: Fill<u64> =
    |batch, out, cache| fill_string_keys(batch, events::CLIENT_IP, IP_SEED, &mut cache.ip, out);
const FILL_ACTOR: Fill<u64> =
    |batch, out, cache| fill_principal_else(batch, events::CLIENT_IP, IP_SEED, &mut cache.ip, out);
const FILL_ACCOUNT: Fill<u64> = |batch, out, cache| {
    let cache = &mut cache.api_key;
    fill_principal_else(batch, events::API_KEY_ID, API_KEY_SEED, cache, out)
};
const FILL_ROUTE: Fill<u64> =
    |batch, out, cache| fill_string_keys(batch, events::ROUTE, ROUTE_SEED, &mut cache.route, out);

/// Every row's key of string column `name`.
fn fill_string_keys(
    batch: &RecordBatch,
    name: &str,
    seed: u64,
    cache: &mut ValueKeys,
    out: &mut Vec<u64>,
) -> Result<(), DetectorError> {
    string_column(batch, name)?.keys(seed, cache).fill(out);
    Ok(())
}

/// Every row's principal key, else its key of string column `name`.
fn fill_principal_else(
    batch: &RecordBatch,
    name: &str,
    seed: u64,
    cache: &mut ValueKeys,
    out: &mut Vec<u64>,
) -> Result<(), DetectorError> {
    let strings = string_column(batch, name)?;
    let principal = int64_column(batch, events::PRINCIPAL_ID)?;
    principal_else(principal, &mut strings.keys(seed, cache), out);
    Ok(())
}

const FILL_TARGET: Fill<i64> = |batch, out, _| {
    copy_targets(int64_column(batch, events::TARGET_ID)?, out);
    Ok(())
};

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, DetectorError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| DetectorError::MissingColumn {
            column: name.to_string(),
        })
}

fn wrong_type(name: &str, expected: &str, array: &dyn Array) -> DetectorError {
    DetectorError::WrongColumnType {
        column: name.to_string(),
        expected: expected.to_string(),
        found: array.data_type().clone(),
    }
}

fn int64_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a arrow_array::Int64Array, DetectorError> {
    let array = column(batch, name)?;
    array
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| wrong_type(name, "Int64", array.as_ref()))
}

fn timestamps(batch: &RecordBatch) -> Result<&[i64], DetectorError> {
    let array = column(batch, events::TS)?;
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Microsecond, _) => array
            .as_primitive_opt::<TimestampMicrosecondType>()
            .map(|ts| ts.values().as_ref()),
        _ => None,
    }
    .ok_or_else(|| wrong_type(events::TS, "Timestamp(Microsecond, UTC)", array.as_ref()))
}

fn statuses(batch: &RecordBatch) -> Result<&[i16], DetectorError> {
    let array = column(batch, events::STATUS)?;
    array
        .as_primitive_opt::<Int16Type>()
        .map(|status| status.values().as_ref())
        .ok_or_else(|| wrong_type(events::STATUS, "Int16", array.as_ref()))
}

/// Replaces `out` with the key of each row's principal where set, else of its `strings`
/// value (hashed with `seed`), else [`NO_KEY`]. Only the strings of rows without a
/// principal are hashed: a signed-in row's string key is never read, and hashing is most
/// of a view.
fn principal_else(
    principal: &arrow_array::Int64Array,
    strings: &mut RowKeys<'_, '_>,
    out: &mut Vec<u64>,
) {
    out.clear();
    out.extend(
        principal
            .values()
            .iter()
            .map(|&id| hash_int(PRINCIPAL_SEED, id)),
    );
    let Some(principal_nulls) = principal.nulls() else {
        return;
    };
    // A loop over the anonymous rows' indices, not a branch per row that a mix of
    // signed-in and anonymous rows would mispredict.
    for row in (!principal_nulls.inner()).set_indices() {
        out[row] = strings.key(row);
    }
}

fn copy_targets(target: &arrow_array::Int64Array, out: &mut Vec<i64>) {
    out.clear();
    out.extend_from_slice(target.values());
    if let Some(nulls) = target.nulls() {
        for row in (!nulls.inner()).set_indices() {
            out[row] = NO_TARGET;
        }
    }
}

const STRING_TYPES: &str = "Utf8, LargeUtf8, Utf8View or a dictionary of Utf8";

/// Strings stored one per row: a plain string column, or a dictionary's values.
enum PlainStrings<'a> {
    Utf8(&'a GenericStringArray<i32>),
    LargeUtf8(&'a GenericStringArray<i64>),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> PlainStrings<'a> {
    fn of(array: &'a dyn Array) -> Option<Self> {
        if let Some(strings) = array.as_string_opt::<i32>() {
            Some(PlainStrings::Utf8(strings))
        } else if let Some(strings) = array.as_string_opt::<i64>() {
            Some(PlainStrings::LargeUtf8(strings))
        } else {
            array.as_string_view_opt().map(PlainStrings::View)
        }
    }

    fn array(&self) -> &'a dyn Array {
        match *self {
            PlainStrings::Utf8(strings) => strings,
            PlainStrings::LargeUtf8(strings) => strings,
            PlainStrings::View(strings) => strings,
        }
    }

    /// The string of `row`, `None` where null or out of range.
    fn value(&self, row: usize) -> Option<&'a str> {
        let array = self.array();
        if row >= array.len() || array.is_null(row) {
            return None;
        }
        Some(match *self {
            PlainStrings::Utf8(strings) => strings.value(row),
            PlainStrings::LargeUtf8(strings) => strings.value(row),
            PlainStrings::View(strings) => strings.value(row),
        })
    }

    /// The key of `row`'s string, [`NO_KEY`] where null.
    fn key(&self, row: usize, seed: u64) -> u64 {
        match self {
            PlainStrings::Utf8(strings) => offset_string_key(strings, row, seed),
            PlainStrings::LargeUtf8(strings) => offset_string_key(strings, row, seed),
            PlainStrings::View(strings) => match strings.is_valid(row) {
                true => hash_bytes(seed, strings.value(row).as_bytes()),
                false => NO_KEY,
            },
        }
    }

    /// Appends every row's key, in a loop of its own per encoding.
    fn fill(&self, seed: u64, out: &mut Vec<u64>) {
        match self {
            PlainStrings::Utf8(strings) => {
                out.extend((0..strings.len()).map(|row| offset_string_key(strings, row, seed)))
            }
            PlainStrings::LargeUtf8(strings) => {
                out.extend((0..strings.len()).map(|row| offset_string_key(strings, row, seed)))
            }
            PlainStrings::View(strings) => {
                out.extend((0..strings.len()).map(|row| self.key(row, seed)))
            }
        }
    }
}

/// Every row's value of string column `name` (any encoding detectors take), `None` where
/// null: for detectors that read a field's text (an address prefix) or group by a column
/// the shared views do not derive.
pub(crate) fn row_strings<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<Vec<Option<&'a str>>, DetectorError> {
    let column = string_column(batch, name)?;
    let rows = batch.num_rows();
    Ok(match &column {
        StringColumn::Plain(strings) => (0..rows).map(|row| strings.value(row)).collect(),
        StringColumn::Dictionary {
            values,
            rows: indices,
            nulls,
        } => (0..rows)
            .map(
                |row| match nulls.as_ref().is_some_and(|nulls| nulls.is_null(row)) {
                    true => None,
                    false => values.value(indices.get(row)),
                },
            )
            .collect(),
    })
}

/// Every row's key of integer column `name` (`Int64` or `Int32`) hashed with `seed`,
/// [`NO_KEY`] where null.
pub(crate) fn int_keys(
    batch: &RecordBatch,
    name: &str,
    seed: u64,
    out: &mut Vec<u64>,
) -> Result<(), DetectorError> {
    let array = column(batch, name)?;
    out.clear();
    if let Some(values) = array.as_primitive_opt::<Int64Type>() {
        out.extend(
            values
                .iter()
                .map(|v| v.map_or(NO_KEY, |v| hash_int(seed, v))),
        );
    } else if let Some(values) = array.as_primitive_opt::<Int32Type>() {
        out.extend(
            values
                .iter()
                .map(|v| v.map_or(NO_KEY, |v| hash_int(seed, i64::from(v)))),
        );
    } else {
        return Err(wrong_type(name, "Int64 or Int32", array.as_ref()));
    }
    Ok(())
}

/// Every row's `ts`, in microseconds.
pub(crate) fn event_times(batch: &RecordBatch) -> Result<&[i64], DetectorError> {
    timestamps(batch)
}

/// Every row's `target_id`, [`NO_TARGET`] where null.
pub(crate) fn event_targets(batch: &RecordBatch, out: &mut Vec<i64>) -> Result<(), DetectorError> {
    copy_targets(int64_column(batch, events::TARGET_ID)?, out);
    Ok(())
}

/// A string column in any Arrow encoding detectors take, read as one 64-bit key per row
/// ([`NO_KEY`] where null) through [`keys`](Self::keys).
enum StringColumn<'a> {
    Plain(PlainStrings<'a>),
    /// The values, each row's value index, and which rows are null (a null index or a
    /// null value).
    Dictionary {
        values: PlainStrings<'a>,
        rows: ValueIndices<'a>,
        nulls: Option<arrow_buffer::NullBuffer>,
    },
}

/// Each row's index into a dictionary's values: the `Int32` indices the dataset reader
/// gives read in place, any other index type widened once per batch.
enum ValueIndices<'a> {
    Int32(&'a [i32]),
    Widened(Vec<usize>),
}

impl ValueIndices<'_> {
    fn of(dictionary: &dyn AnyDictionaryArray) -> ValueIndices<'_> {
        match dictionary.keys().as_primitive_opt::<Int32Type>() {
            Some(indices) => ValueIndices::Int32(indices.values()),
            None => ValueIndices::Widened(dictionary.normalized_keys()),
        }
    }

    /// The value index of `row`; a null row's index may be out of the values' range.
    #[inline]
    fn get(&self, row: usize) -> usize {
        match self {
            ValueIndices::Int32(indices) => indices[row] as usize,
            ValueIndices::Widened(indices) => indices[row],
        }
    }

    /// Appends `key(index)` for every row's value index, in a loop of its own per type.
    fn map_into(&self, out: &mut Vec<u64>, mut key: impl FnMut(usize) -> u64) {
        match self {
            ValueIndices::Int32(indices) => {
                out.extend(indices.iter().map(|&index| key(index as usize)))
            }
            ValueIndices::Widened(indices) => out.extend(indices.iter().map(|&index| key(index))),
        }
    }
}

impl<'a> StringColumn<'a> {
    fn new(array: &'a ArrayRef, name: &str) -> Result<Self, DetectorError> {
        Self::of(array.as_ref()).ok_or_else(|| wrong_type(name, STRING_TYPES, array.as_ref()))
    }

    fn of(array: &'a dyn Array) -> Option<Self> {
        if let Some(strings) = PlainStrings::of(array) {
            return Some(StringColumn::Plain(strings));
        }
        let dictionary = array.as_any_dictionary_opt()?;
        Some(StringColumn::Dictionary {
            values: PlainStrings::of(dictionary.values().as_ref())?,
            rows: ValueIndices::of(dictionary),
            nulls: array.logical_nulls(),
        })
    }

    /// Its rows' keys under `seed`; `cache` keeps a dictionary's value keys, and is
    /// prepared for this dictionary here.
    fn keys<'c>(self, seed: u64, cache: &'c mut ValueKeys) -> RowKeys<'a, 'c> {
        if let StringColumn::Dictionary { values, .. } = &self {
            cache.prepare(values.array(), seed);
        }
        RowKeys {
            column: self,
            seed,
            cache,
        }
    }
}

/// A string column's row keys: strings hashed, a dictionary's values each once through
/// a [`ValueKeys`] prepared for them.
struct RowKeys<'a, 'c> {
    column: StringColumn<'a>,
    seed: u64,
    cache: &'c mut ValueKeys,
}

impl RowKeys<'_, '_> {
    /// The key of `row`'s string.
    fn key(&mut self, row: usize) -> u64 {
        match &self.column {
            StringColumn::Plain(strings) => strings.key(row, self.seed),
            StringColumn::Dictionary {
                values,
                rows,
                nulls,
            } => match nulls.as_ref().is_some_and(|nulls| nulls.is_null(row)) {
                true => NO_KEY,
                false => self.cache.key(values, rows.get(row)),
            },
        }
    }

    /// Replaces `out` with every row's key.
    fn fill(&mut self, out: &mut Vec<u64>) {
        out.clear();
        match &self.column {
            StringColumn::Plain(strings) => strings.fill(self.seed, out),
            StringColumn::Dictionary {
                values,
                rows,
                nulls,
            } => {
                rows.map_into(out, |index| self.cache.key(values, index));
                if let Some(nulls) = nulls {
                    for row in (!nulls.inner()).set_indices() {
                        out[row] = NO_KEY;
                    }
                }
            }
        }
    }
}

fn offset_string_key<O: OffsetSizeTrait>(
    strings: &GenericStringArray<O>,
    row: usize,
    seed: u64,
) -> u64 {
    match strings.is_valid(row) {
        true => hash_bytes(seed, strings.value(row).as_bytes()),
        false => NO_KEY,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::types::{Int8Type, Int32Type};
    use arrow_array::{DictionaryArray, Int64Array, LargeStringArray, StringArray};

    use super::*;

    /// The actor key of each row computed plainly: principal, else IP, else none.
    fn expected_keys(principals: &Int64Array, ips: &[Option<&str>]) -> Vec<u64> {
        (0..principals.len())
            .map(|row| match (principals.is_valid(row), ips[row]) {
                (true, _) => hash_int(PRINCIPAL_SEED, principals.value(row)),
                (false, Some(ip)) => hash_bytes(IP_SEED, ip.as_bytes()),
                (false, None) => NO_KEY,
            })
            .collect()
    }

    #[test]
    fn keys_hashing_only_anonymous_strings_match_the_plain_computation() {
        let texts = [
            Some("10.0.0.1"),
            None,
            Some("10.0.0.3"),
            None,
            Some("10.0.0.5"),
        ];
        let principals = Int64Array::from(vec![Some(7), Some(8), None, None, None]);
        let encodings: [ArrayRef; 3] = [
            Arc::new(StringArray::from(texts.to_vec())),
            Arc::new(LargeStringArray::from(texts.to_vec())),
            Arc::new(texts.into_iter().collect::<DictionaryArray<Int32Type>>()),
        ];
        for ips in &encodings {
            // One cache for the slices, which share a dictionary's values.
            let mut cache = ValueKeys::default();
            for offset in 0..3 {
                let ips = ips.slice(offset, 5 - offset);
                let principals = principals.slice(offset, 5 - offset);
                let mut fast = Vec::new();
                let strings = StringColumn::new(&ips, events::CLIENT_IP).unwrap();
                principal_else(
                    &principals,
                    &mut strings.keys(IP_SEED, &mut cache),
                    &mut fast,
                );
                let general = expected_keys(&principals, &texts[offset..]);
                assert_eq!(fast, general, "{} offset {offset}", ips.data_type());
            }
        }
        let mut keys = Vec::new();
        let strings = StringColumn::new(&encodings[0], events::CLIENT_IP).unwrap();
        let mut cache = ValueKeys::default();
        principal_else(
            &principals,
            &mut strings.keys(IP_SEED, &mut cache),
            &mut keys,
        );
        assert_eq!(keys[3], NO_KEY);
        assert_eq!(keys[2], hash_bytes(IP_SEED, b"10.0.0.3"));
    }

    #[test]
    fn every_encoding_fills_the_same_keys() {
        let texts = [Some("a"), None, Some("bb"), Some("a")];
        let encodings: [ArrayRef; 4] = [
            Arc::new(StringArray::from(texts.to_vec())),
            Arc::new(arrow_array::StringViewArray::from(texts.to_vec())),
            Arc::new(texts.into_iter().collect::<DictionaryArray<Int32Type>>()),
            Arc::new(texts.into_iter().collect::<DictionaryArray<Int8Type>>()),
        ];
        let expected: Vec<u64> = texts
            .iter()
            .map(|text| text.map_or(NO_KEY, |text| hash_bytes(ROUTE_SEED, text.as_bytes())))
            .collect();
        for strings in &encodings {
            let mut keys = Vec::new();
            let mut cache = ValueKeys::default();
            let column = StringColumn::new(strings, events::ROUTE).unwrap();
            column.keys(ROUTE_SEED, &mut cache).fill(&mut keys);
            assert_eq!(keys, expected, "{}", strings.data_type());
        }
        let numbers: ArrayRef = Arc::new(Int64Array::from(vec![1]));
        assert!(StringColumn::new(&numbers, events::ROUTE).is_err());
    }

    #[test]
    fn cached_value_keys_follow_the_dictionary_and_the_seed() {
        let first: DictionaryArray<Int32Type> = ["a", "b", "a"].into_iter().collect();
        let same_length: DictionaryArray<Int32Type> = ["c", "d", "c"].into_iter().collect();
        let key = |seed: u64, text: &str| hash_bytes(seed, text.as_bytes());
        let mut cache = ValueKeys::default();
        let mut fill = |array: &ArrayRef, seed: u64| {
            let mut keys = Vec::new();
            let column = StringColumn::new(array, events::ROUTE).unwrap();
            column.keys(seed, &mut cache).fill(&mut keys);
            keys
        };
        let first: ArrayRef = Arc::new(first);
        let same_length: ArrayRef = Arc::new(same_length);
        let (a, b) = (key(ROUTE_SEED, "a"), key(ROUTE_SEED, "b"));
        assert_eq!(fill(&first, ROUTE_SEED), vec![a, b, a]);
        assert_eq!(fill(&first.slice(1, 2), ROUTE_SEED), vec![b, a]);
        let (c, d) = (key(ROUTE_SEED, "c"), key(ROUTE_SEED, "d"));
        assert_eq!(fill(&same_length, ROUTE_SEED), vec![c, d, c]);
        assert_eq!(fill(&first, ROUTE_SEED), vec![a, b, a]);
        let a_as_ip = key(IP_SEED, "a");
        assert_eq!(
            fill(&first, IP_SEED),
            vec![a_as_ip, key(IP_SEED, "b"), a_as_ip]
        );
    }
}
