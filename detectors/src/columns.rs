//! Reads the `events` columns a detector needs out of a batch, once per batch.
//!
//! Strings become 64-bit actor keys in one tight loop per column (over the arrow offsets
//! and validity bitmap, no per-row allocation) into buffers reused across batches; numeric
//! columns are borrowed as slices. Detectors then iterate plain slices. A combined
//! detector reads the union of its parts' needs once and hands the same view to each.
//! An actor key needs the client IP (an account key the API key) only where no principal
//! is set, so only those rows' strings are hashed (hashing is most of a view).

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, GenericStringArray, OffsetSizeTrait, RecordBatch};
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
    api_key: Vec<u64>,
    account: Vec<u64>,
    route: Vec<u64>,
    target: Vec<i64>,
}

impl ColumnBuffers {
    pub fn view<'a>(
        &'a mut self,
        batch: &'a RecordBatch,
        needs: Needs,
    ) -> Result<EventView<'a>, DetectorError> {
        let actors_done = needs.actor
            && !needs.ip
            && principal_else_string(
                int64_column(batch, events::PRINCIPAL_ID)?,
                column(batch, events::CLIENT_IP)?,
                IP_SEED,
                &mut self.actor,
            );
        if needs.ip || (needs.actor && !actors_done) {
            hash_strings(
                column(batch, events::CLIENT_IP)?,
                events::CLIENT_IP,
                IP_SEED,
                &mut self.ip,
            )?;
        }
        if needs.actor && !actors_done {
            let principal = int64_column(batch, events::PRINCIPAL_ID)?;
            principal_or(principal, &self.ip, &mut self.actor);
        }
        if needs.account {
            let api_key = column(batch, events::API_KEY_ID)?;
            let principal = int64_column(batch, events::PRINCIPAL_ID)?;
            if !principal_else_string(principal, api_key, API_KEY_SEED, &mut self.account) {
                hash_strings(api_key, events::API_KEY_ID, API_KEY_SEED, &mut self.api_key)?;
                principal_or(principal, &self.api_key, &mut self.account);
            }
        }
        if needs.route {
            hash_strings(
                column(batch, events::ROUTE)?,
                events::ROUTE,
                ROUTE_SEED,
                &mut self.route,
            )?;
        }
        if needs.target {
            copy_targets(int64_column(batch, events::TARGET_ID)?, &mut self.target);
        }
        Ok(EventView {
            rows: batch.num_rows(),
            ts: if needs.ts { timestamps(batch)? } else { &[] },
            event_id: if needs.event_id {
                int64_column(batch, events::EVENT_ID)?.values()
            } else {
                &[]
            },
            ip: if needs.ip { &self.ip } else { &[] },
            actor: if needs.actor { &self.actor } else { &[] },
            account: if needs.account { &self.account } else { &[] },
            route: if needs.route { &self.route } else { &[] },
            target: if needs.target { &self.target } else { &[] },
            status: if needs.status { statuses(batch)? } else { &[] },
        })
    }
}

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
/// value (hashed with `seed`), else [`NO_KEY`], hashing only the strings of rows without
/// a principal (the string key of a signed-in row is never read). Returns false, leaving
/// `out` to the general path, for string columns other than `Utf8` and `LargeUtf8`.
fn principal_else_string(
    principal: &arrow_array::Int64Array,
    strings: &ArrayRef,
    seed: u64,
    out: &mut Vec<u64>,
) -> bool {
    if let Some(strings) = strings.as_string_opt::<i32>() {
        principal_else_offset_string(principal, strings, seed, out);
    } else if let Some(strings) = strings.as_string_opt::<i64>() {
        principal_else_offset_string(principal, strings, seed, out);
    } else {
        return false;
    }
    true
}

fn principal_else_offset_string<O: OffsetSizeTrait>(
    principal: &arrow_array::Int64Array,
    strings: &GenericStringArray<O>,
    seed: u64,
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
    let anonymous = !principal_nulls.inner();
    for row in anonymous.set_indices() {
        out[row] = match strings.is_valid(row) {
            true => hash_bytes(seed, strings.value(row).as_bytes()),
            false => NO_KEY,
        };
    }
}

/// Replaces `out` with the key of each row's principal where set, else `fallback`'s.
fn principal_or(principal: &arrow_array::Int64Array, fallback: &[u64], out: &mut Vec<u64>) {
    out.clear();
    match principal.nulls() {
        None => out.extend(
            principal
                .values()
                .iter()
                .map(|&id| hash_int(PRINCIPAL_SEED, id)),
        ),
        Some(nulls) => out.extend(
            principal
                .values()
                .iter()
                .zip(nulls.iter())
                .zip(fallback)
                .map(|((&id, valid), &fallback)| {
                    if valid {
                        hash_int(PRINCIPAL_SEED, id)
                    } else {
                        fallback
                    }
                }),
        ),
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

/// Replaces `out` with one key per row of a string column, [`NO_KEY`] where null.
fn hash_strings(
    array: &ArrayRef,
    name: &str,
    seed: u64,
    out: &mut Vec<u64>,
) -> Result<(), DetectorError> {
    out.clear();
    if let Some(strings) = array.as_string_opt::<i32>() {
        hash_offset_strings(strings, seed, out);
    } else if let Some(strings) = array.as_string_opt::<i64>() {
        hash_offset_strings(strings, seed, out);
    } else if let Some(strings) = array.as_string_view_opt() {
        out.extend(
            strings
                .iter()
                .map(|value| value.map_or(NO_KEY, |text| hash_bytes(seed, text.as_bytes()))),
        );
    } else if let Some(dictionary) = array.as_any_dictionary_opt() {
        let mut value_keys = Vec::new();
        hash_strings(dictionary.values(), name, seed, &mut value_keys)
            .map_err(|_| wrong_type(name, STRING_TYPES, array.as_ref()))?;
        out.extend(
            dictionary
                .normalized_keys()
                .into_iter()
                .map(|key| value_keys.get(key).copied().unwrap_or(NO_KEY)),
        );
        let logical_nulls = array.logical_nulls();
        blank_nulls(logical_nulls.as_ref().map(|nulls| nulls.iter()), out);
    } else {
        return Err(wrong_type(name, STRING_TYPES, array.as_ref()));
    }
    Ok(())
}

fn hash_offset_strings<O: OffsetSizeTrait>(
    strings: &GenericStringArray<O>,
    seed: u64,
    out: &mut Vec<u64>,
) {
    let data = strings.value_data();
    out.extend(strings.value_offsets().windows(2).map(|bounds| {
        let bytes = data
            .get(bounds[0].as_usize()..bounds[1].as_usize())
            .unwrap_or_default();
        hash_bytes(seed, bytes)
    }));
    blank_nulls(strings.nulls().map(|nulls| nulls.iter()), out);
}

/// Sets the key of every row that `validity` marks null to [`NO_KEY`].
fn blank_nulls(validity: Option<impl Iterator<Item = bool>>, keys: &mut [u64]) {
    if let Some(validity) = validity {
        for (key, valid) in keys.iter_mut().zip(validity) {
            if !valid {
                *key = NO_KEY;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Int64Array, StringArray};

    use super::*;

    #[test]
    fn keys_hashing_only_anonymous_strings_match_the_general_path() {
        let ips: ArrayRef = Arc::new(StringArray::from(vec![
            Some("10.0.0.1"),
            None,
            Some("10.0.0.3"),
            None,
            Some("10.0.0.5"),
        ]));
        let principals = Int64Array::from(vec![Some(7), Some(8), None, None, None]);
        for offset in 0..3 {
            let ips = ips.slice(offset, 5 - offset);
            let principals = principals.slice(offset, 5 - offset);
            let mut fast = Vec::new();
            assert!(principal_else_string(&principals, &ips, IP_SEED, &mut fast));
            let (mut ip_keys, mut general) = (Vec::new(), Vec::new());
            hash_strings(&ips, events::CLIENT_IP, IP_SEED, &mut ip_keys).unwrap();
            principal_or(&principals, &ip_keys, &mut general);
            assert_eq!(fast, general, "offset {offset}");
        }
        let mut keys = Vec::new();
        principal_else_string(&principals, &ips, IP_SEED, &mut keys);
        assert_eq!(keys[3], NO_KEY);
        assert_eq!(keys[2], hash_bytes(IP_SEED, b"10.0.0.3"));
    }
}
