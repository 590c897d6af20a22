//! Which events columns the audit bounds, how their values are keyed, and which it does
//! not bound and why.

use breachlab_schema::events as e;
use foldhash::HashMap;

/// How a column's values become the audit's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Each distinct string (null is a value of its own, shown as `∅`).
    Text,
    /// Each distinct integer.
    Integer,
    /// Only whether the value is null (`∅`) or not (`set`).
    Presence,
    /// The value itself up to 10, then power-of-two buckets `[2^k, 2^(k+1))`.
    SmallThenLog2,
    /// Buckets of half an octave: `[2^(j/2), 2^((j+1)/2))`, and one bucket for `<= 0`.
    HalfOctave,
}

/// A bounded column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundedColumn {
    pub name: &'static str,
    pub kind: ValueKind,
}

/// The columns the audit bounds, in report order.
pub const BOUNDED_COLUMNS: [BoundedColumn; 14] = [
    col(e::USER_AGENT, ValueKind::Text),
    col(e::ROUTE, ValueKind::Text),
    col(e::METHOD, ValueKind::Text),
    col(e::STATUS, ValueKind::Integer),
    col(e::IP_ASN, ValueKind::Integer),
    col(e::IP_KIND, ValueKind::Text),
    col(e::COUNTRY, ValueKind::Text),
    col(e::CLIENT_KIND, ValueKind::Text),
    col(e::API_KEY_ID, ValueKind::Text),
    col(e::PRINCIPAL_ID, ValueKind::Presence),
    col(e::SESSION_ID, ValueKind::Presence),
    col(e::RECORDS_RETURNED, ValueKind::SmallThenLog2),
    col(e::RESPONSE_BYTES, ValueKind::HalfOctave),
    col(e::LATENCY_MS, ValueKind::HalfOctave),
];

const fn col(name: &'static str, kind: ValueKind) -> BoundedColumn {
    BoundedColumn { name, kind }
}

/// The events columns the audit does not bound, each with the reason.
pub const UNBOUNDED_COLUMNS: [(&str, &str); 7] = [
    (
        e::EVENT_ID,
        "a row number: a set of them chosen with the labels is the answer itself",
    ),
    (
        e::TS,
        "time is the volume signal detectors are meant to find; a time window chosen with the labels is not a field artefact",
    ),
    (
        e::CLIENT_IP,
        "an identity: a set of addresses chosen with the labels is the attacker's addresses",
    ),
    (
        e::TARGET_ID,
        "an identity (the account read): a set chosen with the labels is the attack's targets",
    ),
    (
        e::PATH,
        "holds the target id, an identity; its template is `route`, which is bounded",
    ),
    (
        e::PRINCIPAL_ID,
        "its values are identities (only null / set is bounded)",
    ),
    (
        e::SESSION_ID,
        "its values are identities (only null / set is bounded)",
    ),
];

/// Text shown for a null value.
pub const NULL_TEXT: &str = "∅";

/// A column's distinct values as small ids `0..len`, in first-seen order, with the text
/// shown for each. Looked up once per row of most bounded columns, so its maps hash with
/// foldhash, not SipHash: the ids follow first sight, never the maps' order.
#[derive(Debug, Default, Clone)]
pub struct Dictionary {
    texts: HashMap<Box<str>, u32>,
    integers: HashMap<i64, u32>,
    null: Option<u32>,
    shown: Vec<String>,
}

impl Dictionary {
    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// The text shown for value `id`.
    pub fn text(&self, id: u32) -> &str {
        &self.shown[id as usize]
    }

    fn push(&mut self, shown: String) -> u32 {
        self.shown.push(shown);
        (self.shown.len() - 1) as u32
    }

    /// The id of the string `value` (distinct from null, also when empty).
    pub fn text_id(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.texts.get(value) {
            return id;
        }
        let id = self.push(value.to_string());
        self.texts.insert(value.into(), id);
        id
    }

    /// The id of null, if null was seen.
    pub fn null_seen(&self) -> Option<u32> {
        self.null
    }

    /// The id of null.
    pub fn null_id(&mut self) -> u32 {
        match self.null {
            Some(id) => id,
            None => {
                let id = self.push(NULL_TEXT.to_string());
                self.null = Some(id);
                id
            }
        }
    }

    /// The id of integer key `key`, shown as `show(key)` when first seen.
    pub fn integer_id(&mut self, key: i64, show: impl FnOnce(i64) -> String) -> u32 {
        if let Some(&id) = self.integers.get(&key) {
            return id;
        }
        let id = self.push(show(key));
        self.integers.insert(key, id);
        id
    }
}

/// Bucket key of `records_returned`: the value up to 10, else `100 + floor(log2 v)`.
pub fn small_then_log2(value: i64) -> i64 {
    if value <= 10 {
        value
    } else {
        100 + (63 - value.leading_zeros() as i64)
    }
}

/// Text of a [`small_then_log2`] key.
pub fn small_then_log2_text(key: i64) -> String {
    if key <= 10 {
        key.to_string()
    } else {
        let k = key - 100;
        format!("{}..{}", 1u64 << k, (1u64 << (k + 1)) - 1)
    }
}

/// Key of the bucket for `<= 0` (and NaN) in [`half_octave`].
pub const NON_POSITIVE: i64 = i64::MIN;

/// Half-octave bucket `j = floor(2·log2 x)` of `x` (so `x` is in
/// `[2^(j/2), 2^((j+1)/2))`), computed exactly as the binary exponent of `x²`;
/// [`NON_POSITIVE`] for `x <= 0` or NaN.
pub fn half_octave(value: f64) -> i64 {
    if value.is_nan() || value <= 0.0 {
        return NON_POSITIVE;
    }
    // Exact for values that are f32 or integers below 2^26: the square keeps every bit.
    let square = value * value;
    if square < f64::MIN_POSITIVE {
        return -2046;
    }
    ((square.to_bits() >> 52) & 0x7ff) as i64 - 1023
}

/// [`half_octave`] of an integer, exact for every `i64`.
pub fn half_octave_int(value: i64) -> i64 {
    if value <= 0 {
        return NON_POSITIVE;
    }
    let square = value as u128 * value as u128;
    127 - square.leading_zeros() as i64
}

/// Text of a [`half_octave`] key: `lo..hi` with three significant digits.
pub fn half_octave_text(key: i64) -> String {
    if key == NON_POSITIVE {
        return "<=0".to_string();
    }
    let lo = 2f64.powf(key as f64 / 2.0);
    let hi = 2f64.powf((key + 1) as f64 / 2.0);
    format!("{}..{}", significant(lo), significant(hi))
}

fn significant(x: f64) -> String {
    if x >= 100.0 {
        format!("{}", x.round() as i64)
    } else if x >= 10.0 {
        format!("{:.1}", x)
    } else {
        format!("{:.2}", x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_returned_are_exact_up_to_ten_then_octaves() {
        assert_eq!(small_then_log2(0), 0);
        assert_eq!(small_then_log2(10), 10);
        assert_eq!(small_then_log2(11), 103);
        assert_eq!(small_then_log2(15), 103);
        assert_eq!(small_then_log2(16), 104);
        assert_eq!(small_then_log2_text(103), "8..15");
        assert_eq!(small_then_log2_text(104), "16..31");
        assert_eq!(small_then_log2_text(7), "7");
    }

    #[test]
    fn half_octaves_split_each_power_of_two_at_its_square_root_two() {
        // 1024 = 2^10: j = 20. 1448 < 1024·√2 = 1448.15: j = 20. 1449: j = 21.
        assert_eq!(half_octave(1024.0), 20);
        assert_eq!(half_octave(1448.0), 20);
        assert_eq!(half_octave(1449.0), 21);
        assert_eq!(half_octave(2047.0), 21);
        assert_eq!(half_octave(2048.0), 22);
        assert_eq!(half_octave(1.0), 0);
        assert_eq!(half_octave(0.75), -1);
        assert_eq!(half_octave(0.0), NON_POSITIVE);
        assert_eq!(half_octave(f64::NAN), NON_POSITIVE);
        for x in [
            1i64,
            2,
            3,
            1024,
            1448,
            1449,
            2047,
            2048,
            1 << 40,
            (1 << 40) + 1,
        ] {
            assert_eq!(half_octave_int(x), half_octave(x as f64), "{x}");
        }
        assert_eq!(half_octave_int(0), NON_POSITIVE);
        assert_eq!(half_octave_text(20), "1024..1448");
        assert_eq!(half_octave_text(NON_POSITIVE), "<=0");
    }

    #[test]
    fn null_and_the_empty_string_are_different_values() {
        let mut dictionary = Dictionary::default();
        let empty = dictionary.text_id("");
        let null = dictionary.null_id();
        assert_ne!(empty, null);
        assert_eq!(dictionary.text_id(""), empty);
        assert_eq!(dictionary.text(null), NULL_TEXT);
        assert_eq!(dictionary.integer_id(7, |k| k.to_string()), 2);
        assert_eq!(dictionary.integer_id(7, |_| unreachable!()), 2);
        assert_eq!(dictionary.len(), 3);
    }
}
