//! Text building blocks shared by the encoders: timestamps, numbers and escaping.
//! Everything appends to a byte buffer and never allocates per value.

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// Howard Hinnant's `civil_from_days`, exact for every `i64` day this crate can meet.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A UTC instant in microseconds since the epoch, split into calendar fields.
struct Instant {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
}

fn split(epoch_us: i64) -> Instant {
    let seconds = epoch_us.div_euclid(1_000_000);
    let micros = epoch_us.rem_euclid(1_000_000) as u32;
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Instant {
        year,
        month,
        day,
        hour: of_day / 3600,
        minute: of_day / 60 % 60,
        second: of_day % 60,
        micros,
    }
}

fn push_padded(out: &mut Vec<u8>, value: u32, width: usize) {
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(value).as_bytes();
    out.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    out.extend_from_slice(digits);
}

fn push_year(out: &mut Vec<u8>, year: i64) {
    if (0..=9999).contains(&year) {
        push_padded(out, year as u32, 4);
    } else {
        push_int(out, year);
    }
}

/// RFC 3339 in UTC with microseconds: `2026-03-01T00:00:00.250000Z`.
pub fn push_rfc3339_us(out: &mut Vec<u8>, epoch_us: i64) {
    let t = split(epoch_us);
    push_year(out, t.year);
    out.push(b'-');
    push_padded(out, t.month, 2);
    out.push(b'-');
    push_padded(out, t.day, 2);
    out.push(b'T');
    push_clock(out, &t);
    out.push(b'.');
    push_padded(out, t.micros, 6);
    out.push(b'Z');
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The access-log time, `$time_local` of nginx and `%t` of Apache, in UTC:
/// `01/Mar/2026:00:00:00 +0000` (whole seconds, as those servers write it).
pub fn push_clf_time(out: &mut Vec<u8>, epoch_us: i64) {
    let t = split(epoch_us);
    push_padded(out, t.day, 2);
    out.push(b'/');
    out.extend_from_slice(MONTHS[(t.month - 1) as usize].as_bytes());
    out.push(b'/');
    push_year(out, t.year);
    out.push(b':');
    push_clock(out, &t);
    out.extend_from_slice(b" +0000");
}

/// The time of day, `HH:MM:SS`, as both formats write it.
fn push_clock(out: &mut Vec<u8>, t: &Instant) {
    push_padded(out, t.hour, 2);
    out.push(b':');
    push_padded(out, t.minute, 2);
    out.push(b':');
    push_padded(out, t.second, 2);
}

pub fn push_int(out: &mut Vec<u8>, value: impl itoa::Integer) {
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(value).as_bytes());
}

/// The shortest decimal that reads back as the same `f32` (`18.14`, `3.0`), or `null`
/// for a value JSON cannot hold (NaN, infinities).
pub fn push_f32_json(out: &mut Vec<u8>, value: f32) {
    if value.is_finite() {
        let mut buffer = ryu::Buffer::new();
        out.extend_from_slice(buffer.format_finite(value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// The decimal value an `f32` prints as (its shortest round-trip form), times `factor`,
/// rounded to an integer: `18.14` ms is 18140000 ns, not the 18139999 of the binary value.
pub fn f32_decimal_scaled(value: f32, factor: f64) -> Option<i64> {
    if !value.is_finite() {
        return None;
    }
    let mut buffer = ryu::Buffer::new();
    let decimal: f64 = buffer.format_finite(value).parse().ok()?;
    Some((decimal * factor).round() as i64)
}

/// A JSON string literal, quotes included (serde_json's escaping).
pub fn push_json_str(out: &mut Vec<u8>, value: &str) {
    serde_json::to_writer(&mut *out, value).expect("writing to a Vec cannot fail");
}

/// A string inside a quoted access-log field, escaped as nginx escapes variables in
/// `log_format` (escape=default): `"`, `\` and bytes outside printable ASCII become
/// `\xHH`, so a line never breaks and a field never ends early.
pub fn push_clf_escaped(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in value.as_bytes() {
        if byte == b'"' || byte == b'\\' || !(0x20..0x7f).contains(&byte) {
            out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[(byte >> 4) as usize],
                HEX[(byte & 15) as usize],
            ]);
        } else {
            out.push(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn civil_dates_by_hand() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        // 2000-03-01 is day 11017 (30 years of 365 days + 7 leap days + Jan + Feb 29 days).
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn rfc3339_keeps_microseconds() {
        // 2000-03-01T12:34:56.000789Z
        let us = (11_017 * 86_400 + 12 * 3600 + 34 * 60 + 56) * 1_000_000 + 789;
        assert_eq!(
            text(|o| push_rfc3339_us(o, us)),
            "2000-03-01T12:34:56.000789Z"
        );
        assert_eq!(
            text(|o| push_rfc3339_us(o, -1)),
            "1969-12-31T23:59:59.999999Z"
        );
        assert_eq!(text(|o| push_clf_time(o, us)), "01/Mar/2000:12:34:56 +0000");
    }

    #[test]
    fn floats_are_shortest_exact() {
        assert_eq!(text(|o| push_f32_json(o, 18.14)), "18.14");
        assert_eq!(text(|o| push_f32_json(o, 3.0)), "3.0");
        assert_eq!(text(|o| push_f32_json(o, f32::NAN)), "null");
        assert_eq!(f32_decimal_scaled(18.14, 1e6), Some(18_140_000));
        assert_eq!(f32_decimal_scaled(0.001, 1e6), Some(1000));
        assert_eq!(f32_decimal_scaled(f32::INFINITY, 1e6), None);
    }

    #[test]
    fn access_log_escaping() {
        assert_eq!(
            text(|o| push_clf_escaped(o, "a \"b\" \\ é\n")),
            "a \\x22b\\x22 \\x5C \\xC3\\xA9\\x0A"
        );
        assert_eq!(text(|o| push_json_str(o, "a\"\n")), "\"a\\\"\\n\"");
    }
}
