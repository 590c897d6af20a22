//! Decimal numbers written straight into a text column. `write!` with a width goes through
//! the formatter's padding machinery for every field of every account (a few percent of a
//! whole `generate`); these write the same text through `itoa`.

use std::fmt::{Result, Write};

/// `value` in decimal, as `{value}` prints it.
pub(crate) fn write_decimal(out: &mut impl Write, value: u64) -> Result {
    out.write_str(itoa::Buffer::new().format(value))
}

/// `value` in decimal, zero-padded to `width` digits, as `{value:0width$}` prints it.
pub(crate) fn write_zero_padded(out: &mut impl Write, value: u64, width: usize) -> Result {
    const ZEROS: &str = "00000000000000000000";
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value);
    let padding = width.saturating_sub(digits.len());
    out.write_str(&ZEROS[..padding.min(ZEROS.len())])?;
    for _ in ZEROS.len()..padding {
        out.write_char('0')?;
    }
    out.write_str(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_the_formatter() {
        for value in [
            0u64,
            7,
            42,
            12_345,
            99_999,
            100_000,
            1_234_567_890,
            u64::MAX,
        ] {
            for width in [0usize, 1, 2, 5, 10, 24] {
                let mut ours = String::new();
                write_zero_padded(&mut ours, value, width).unwrap();
                assert_eq!(ours, format!("{value:0width$}"), "{value} width {width}");
            }
            let mut ours = String::new();
            write_decimal(&mut ours, value).unwrap();
            assert_eq!(ours, value.to_string());
        }
    }
}
