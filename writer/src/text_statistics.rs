//! Chunk statistics of text columns whose values repeat from a short list, kept by
//! value instead of by row.
//!
//! The Parquet writer compares every row's text with the chunk's minimum and maximum so
//! far. Columns such as `route` or `country` hold a few dozen distinct values, and
//! generation renders them as dictionary keys: comparing each distinct value of a batch
//! once gives the same minimum and maximum for a fraction of the work. The table writer
//! turns the writer's own statistics off for these columns, keeps a [`TextStatistics`]
//! per column chunk, and puts into the chunk's metadata exactly what the writer would
//! have put there (statistics, the unencoded byte count and the definition-level
//! histogram), so the file's bytes are the same (tested against `ArrowWriter`).

use arrow_array::cast::AsArray;
use arrow_array::types::{ArrowDictionaryKeyType, UInt16Type, UInt32Type};
use arrow_array::{Array, DictionaryArray, StringArray};
use arrow_buffer::ArrowNativeType;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::metadata::{ColumnChunkMetaData, LevelHistogram};
use parquet::file::statistics::{Statistics, ValueStatistics};

/// Minimum, maximum, null and byte counts of one text column chunk so far.
#[derive(Debug, Default, Clone)]
pub(crate) struct TextStatistics {
    min: Option<Vec<u8>>,
    max: Option<Vec<u8>>,
    nulls: u64,
    values: u64,
    /// Bytes of the non-null values, each counted once per row.
    value_bytes: i64,
}

impl TextStatistics {
    /// Counts a batch's column: a `Utf8` array, or a dictionary of `Utf8` values.
    pub fn add(&mut self, array: &dyn Array) -> Result<(), ParquetError> {
        if let Some(dictionary) = array.as_dictionary_opt::<UInt16Type>() {
            self.add_dictionary(dictionary)
        } else if let Some(dictionary) = array.as_dictionary_opt::<UInt32Type>() {
            self.add_dictionary(dictionary)
        } else if let Some(strings) = array.as_string_opt::<i32>() {
            self.add_strings(strings);
            Ok(())
        } else {
            Err(unsupported(array))
        }
    }

    fn add_strings(&mut self, strings: &StringArray) {
        for value in strings.iter() {
            match value {
                Some(text) => {
                    self.offer(text.as_bytes());
                    self.values += 1;
                    self.value_bytes += text.len() as i64;
                }
                None => self.nulls += 1,
            }
        }
    }

    /// Rows are counted by key; each key used is then compared once.
    fn add_dictionary<K: ArrowDictionaryKeyType>(
        &mut self,
        dictionary: &DictionaryArray<K>,
    ) -> Result<(), ParquetError> {
        let values = dictionary
            .values()
            .as_string_opt::<i32>()
            .ok_or_else(|| unsupported(dictionary))?;
        if values.null_count() > 0 {
            return Err(unsupported(dictionary));
        }
        let mut rows_by_key = vec![0u64; values.len()];
        let keys = dictionary.keys();
        let mut count = |key: &K::Native| match rows_by_key.get_mut(key.as_usize()) {
            Some(rows) => {
                *rows += 1;
                Ok(())
            }
            None => Err(ParquetError::General(format!(
                "dictionary key {} beyond its {} values",
                key.as_usize(),
                values.len()
            ))),
        };
        match keys.nulls() {
            None => keys.values().iter().try_for_each(&mut count)?,
            Some(valid) => keys
                .values()
                .iter()
                .zip(valid.iter())
                .filter(|(_, valid)| *valid)
                .try_for_each(|(key, _)| count(key))?,
        }
        self.nulls += keys.null_count() as u64;
        for (key, &rows) in rows_by_key.iter().enumerate() {
            if rows > 0 {
                let text = values.value(key).as_bytes();
                self.offer(text);
                self.values += rows;
                self.value_bytes += rows as i64 * text.len() as i64;
            }
        }
        Ok(())
    }

    fn offer(&mut self, value: &[u8]) {
        if self.min.as_deref().is_none_or(|min| value < min) {
            self.min = Some(value.to_vec());
        }
        if self.max.as_deref().is_none_or(|max| value > max) {
            self.max = Some(value.to_vec());
        }
    }

    /// `metadata` of a chunk written without statistics, with what the writer writes
    /// for a `Utf8` column with chunk statistics: min and max (cut to `truncate_length`
    /// bytes, the maximum then raised to stay an upper bound), the null count, the
    /// unencoded size and, for a nullable column, the definition-level histogram.
    pub fn into_metadata(
        self,
        metadata: ColumnChunkMetaData,
        nullable: bool,
        truncate_length: Option<usize>,
    ) -> Result<ColumnChunkMetaData, ParquetError> {
        let statistics = match (self.min, self.max) {
            (Some(min), Some(max)) => {
                let (min, min_cut) = truncated_min(min, truncate_length);
                let (max, max_cut) = truncated_max(max, truncate_length);
                ValueStatistics::new(
                    Some(ByteArray::from(min)),
                    Some(ByteArray::from(max)),
                    None,
                    Some(self.nulls),
                    false,
                )
                .with_min_is_exact(!min_cut)
                .with_max_is_exact(!max_cut)
            }
            _ => ValueStatistics::new(None, None, None, Some(self.nulls), false),
        };
        let histogram = nullable.then(|| {
            LevelHistogram::from(vec![
                i64::try_from(self.nulls).unwrap_or(i64::MAX),
                i64::try_from(self.values).unwrap_or(i64::MAX),
            ])
        });
        metadata
            .into_builder()
            .set_statistics(Statistics::ByteArray(statistics))
            .set_unencoded_byte_array_data_bytes(Some(self.value_bytes))
            .set_definition_level_histogram(histogram)
            .build()
    }
}

fn unsupported(array: &dyn Array) -> ParquetError {
    ParquetError::General(format!(
        "statistics by value take Utf8 text or a UInt16/UInt32 dictionary of it, not {}",
        array.data_type()
    ))
}

/// A lower bound of at most `limit` bytes: the longest prefix ending on a character
/// boundary. Whether it was cut.
fn truncated_min(value: Vec<u8>, limit: Option<usize>) -> (Vec<u8>, bool) {
    let Some(limit) = limit.filter(|&limit| value.len() > limit) else {
        return (value, false);
    };
    let Ok(text) = std::str::from_utf8(&value) else {
        return (value[..limit].to_vec(), true);
    };
    match (1..=limit).rev().find(|&end| text.is_char_boundary(end)) {
        Some(end) => (value[..end].to_vec(), true),
        None => (value, false),
    }
}

/// An upper bound of at most `limit` bytes: a prefix ending on a character boundary
/// (at most 3 bytes short of the limit) whose last character that can be is raised by
/// one code point of the same width. Whether it was cut; uncut when no such prefix
/// exists.
fn truncated_max(value: Vec<u8>, limit: Option<usize>) -> (Vec<u8>, bool) {
    let Some(limit) = limit.filter(|&limit| value.len() > limit) else {
        return (value, false);
    };
    let Ok(text) = std::str::from_utf8(&value) else {
        return match raise_bytes(value[..limit].to_vec()) {
            Some(raised) => (raised, true),
            None => (value, false),
        };
    };
    let end = (limit.saturating_sub(3)..=limit)
        .rev()
        .find(|&end| text.is_char_boundary(end));
    match end.and_then(|end| raise_last_char(&text[..end])) {
        Some(raised) => (raised, true),
        None => (value, false),
    }
}

/// `text` with its last character that has a successor of the same UTF-8 width
/// replaced by it, the characters after it dropped.
fn raise_last_char(text: &str) -> Option<Vec<u8>> {
    text.char_indices().rev().find_map(|(at, c)| {
        let next = char::from_u32(c as u32 + 1).filter(|n| n.len_utf8() == c.len_utf8())?;
        let mut raised = text.as_bytes()[..at].to_vec();
        raised.extend_from_slice(next.encode_utf8(&mut [0; 4]).as_bytes());
        Some(raised)
    })
}

/// `bytes` plus one, as a big-endian number; `None` when every byte is 0xFF.
fn raise_bytes(mut bytes: Vec<u8>) -> Option<Vec<u8>> {
    for byte in bytes.iter_mut().rev() {
        let (raised, overflowed) = byte.overflowing_add(1);
        *byte = raised;
        if !overflowed {
            return Some(bytes);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_minimum_ends_on_a_character_boundary() {
        assert_eq!(
            truncated_min(b"abcdef".to_vec(), Some(4)),
            (b"abcd".to_vec(), true)
        );
        assert_eq!(
            truncated_min(b"abc".to_vec(), Some(4)),
            (b"abc".to_vec(), false)
        );
        // "é" is two bytes: a cut at 2 would split it.
        assert_eq!(
            truncated_min("aéé".as_bytes().to_vec(), Some(2)),
            (b"a".to_vec(), true)
        );
    }

    #[test]
    fn a_cut_maximum_is_raised_to_stay_above_the_value() {
        assert_eq!(
            truncated_max(b"abcdef".to_vec(), Some(4)),
            (b"abce".to_vec(), true)
        );
        assert_eq!(
            truncated_max(b"abc".to_vec(), None),
            (b"abc".to_vec(), false)
        );
        // The last character has no successor of its width: the one before is raised.
        let value = format!("ab{}x", char::MAX);
        assert_eq!(
            truncated_max(value.into_bytes(), Some(6)),
            (b"ac".to_vec(), true)
        );
    }
}
