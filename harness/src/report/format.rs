//! Human formatting of numbers, durations and timestamps, and text escaping, shared by
//! the Markdown, terminal and HTML views.

/// Placeholder for a value that does not exist (undetected, not measured).
pub(crate) const MISSING: &str = "—";

/// A ratio in 0..=1 with three decimals.
pub(crate) fn fraction(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.3}")
    } else {
        MISSING.to_string()
    }
}

/// An integer with thin grouping: 1234567 -> "1,234,567".
pub(crate) fn grouped(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A rate with an SI suffix: 1234567.0 -> "1.23 M".
pub(crate) fn rate(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => {
            let (scaled, suffix) = match v.abs() {
                a if a >= 1e9 => (v / 1e9, " G"),
                a if a >= 1e6 => (v / 1e6, " M"),
                a if a >= 1e3 => (v / 1e3, " k"),
                _ => (v, ""),
            };
            format!("{scaled:.3}{suffix}")
                .replacen(".000", "", 1)
                .trim()
                .to_string()
        }
        _ => MISSING.to_string(),
    }
}

/// A plain number with up to two decimals.
pub(crate) fn decimal(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.2}"),
        _ => MISSING.to_string(),
    }
}

/// A duration in seconds in the largest unit that keeps it readable: "42 s", "3.5 min",
/// "2.0 h", "1.3 d".
pub(crate) fn duration(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => {
            let magnitude = s.abs();
            if magnitude < 60.0 {
                format!("{s:.0} s")
            } else if magnitude < 3_600.0 {
                format!("{:.1} min", s / 60.0)
            } else if magnitude < 86_400.0 {
                format!("{:.1} h", s / 3_600.0)
            } else {
                format!("{:.1} d", s / 86_400.0)
            }
        }
        _ => MISSING.to_string(),
    }
}

/// A UTC timestamp as "YYYY-MM-DD HH:MM:SS".
pub(crate) fn utc(ts_us: i64) -> String {
    let seconds = ts_us.div_euclid(1_000_000);
    let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (
        second_of_day / 3_600,
        second_of_day % 3_600 / 60,
        second_of_day % 60,
    );
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Text made safe inside HTML or SVG elements and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text made safe inside one Markdown table cell.
pub(crate) fn escape_markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Text made safe for a terminal: control characters (escape sequences) dropped.
pub(crate) fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-1_000), "-1,000");
        assert_eq!(grouped(12), "12");
        assert_eq!(rate(Some(1_234_567.0)), "1.235 M");
        assert_eq!(rate(Some(2_000.0)), "2 k");
        assert_eq!(rate(None), MISSING);
        assert_eq!(duration(Some(90.0)), "1.5 min");
        assert_eq!(duration(Some(7_200.0)), "2.0 h");
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_709_294_400_000_000), "2024-03-01 12:00:00");
        assert_eq!(utc(951_782_400_000_000), "2000-02-29 00:00:00");
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape_markdown_cell("a|b\nc"), "a\\|b c");
    }
}
