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

/// A rate with an SI suffix and three significant digits, trailing zeros kept so every
/// cell of a column reads alike: 1234567.0 -> "1.23 M", 43e6 -> "43.0 M", 512.0 -> "512".
pub(crate) fn rate(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => {
            let (scaled, suffix) = match v.abs() {
                a if a >= 999.5e6 => (v / 1e9, " G"),
                a if a >= 999.5e3 => (v / 1e6, " M"),
                a if a >= 999.5 => (v / 1e3, " k"),
                _ => (v, ""),
            };
            format!("{}{suffix}", significant(scaled, 3))
        }
        _ => MISSING.to_string(),
    }
}

/// `value` with `digits` significant digits in fixed notation, trailing zeros kept:
/// (1.2345, 3) -> "1.23", (43.0, 3) -> "43.0", (512.4, 3) -> "512".
pub(crate) fn significant(value: f64, digits: usize) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value:.prec$}", prec = digits.saturating_sub(1));
    }
    let magnitude = value.abs().log10().floor() as i64;
    let decimals = (digits as i64 - 1 - magnitude).max(0) as usize;
    let text = format!("{value:.decimals$}");
    // Rounding can add a digit (9.996 -> "10.00"): one decimal fewer then.
    let rounded_up = text
        .parse::<f64>()
        .is_ok_and(|r| r.abs() >= 10f64.powi(magnitude as i32 + 1));
    if rounded_up && decimals > 0 {
        format!("{value:.prec$}", prec = decimals - 1)
    } else {
        text
    }
}

/// A threshold with four significant digits, exact when it is a whole number; in
/// scientific notation when very small or very large: 0.000004793117 -> "4.793e-6",
/// 0.5 -> "0.5", 20.0 -> "20", 1234.5678 -> "1235".
pub(crate) fn threshold(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    if value.fract() == 0.0 && magnitude < 1e15 {
        return format!("{value:.0}");
    }
    if !(1e-3..1e6).contains(&magnitude) {
        let text = format!("{value:.3e}");
        return match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => text,
        };
    }
    let decimals = (3 - magnitude.log10().floor() as i64).max(0) as usize;
    trim_zeros(&format!("{value:.decimals$}"))
}

/// "0.500" -> "0.5", "2.000" -> "2", "120" -> "120".
fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

/// A plain number with up to two decimals.
pub(crate) fn decimal(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.2}"),
        _ => MISSING.to_string(),
    }
}

/// A duration in seconds in the largest unit that keeps it readable, one decimal at most
/// and none when it is zero: "42 s", "3.5 min", "2 h", "1.3 d".
pub(crate) fn duration(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s.is_finite() => {
            let magnitude = s.abs();
            let (value, unit) = if magnitude < 59.5 {
                return format!("{s:.0} s");
            } else if magnitude < 3_570.0 {
                (s / 60.0, "min")
            } else if magnitude < 86_220.0 {
                (s / 3_600.0, "h")
            } else {
                (s / 86_400.0, "d")
            };
            format!("{} {unit}", trim_zeros(&format!("{value:.1}")))
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

/// Rows as a Markdown table: the first row is the header, the first column left-aligned
/// and the others right-aligned (names, then numbers).
pub(crate) fn markdown_grid(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for (index, row) in rows.iter().enumerate() {
        out.push_str(&format!("| {} |\n", row.join(" | ").replace('\n', " ")));
        if index == 0 {
            let rule: Vec<&str> = (0..row.len())
                .map(|i| if i == 0 { "---" } else { "---:" })
                .collect();
            out.push_str(&format!("| {} |\n", rule.join(" | ")));
        }
    }
    out
}

/// Rows as aligned plain text for a terminal, a rule under the header: the first column
/// padded on the right, the others on the left.
pub(crate) fn text_grid(rows: &[Vec<String>]) -> String {
    let Some(header) = rows.first() else {
        return String::new();
    };
    let widths: Vec<usize> = (0..header.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (index, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (text, width))| {
                let pad = " ".repeat(width - text.chars().count());
                if c == 0 {
                    format!("{text}{pad}")
                } else {
                    format!("{pad}{text}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if index == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-1_000), "-1,000");
        assert_eq!(grouped(12), "12");
        assert_eq!(rate(Some(1_234_567.0)), "1.23 M");
        assert_eq!(rate(Some(2_000.0)), "2.00 k");
        assert_eq!(rate(None), MISSING);
        assert_eq!(duration(Some(90.0)), "1.5 min");
        assert_eq!(duration(Some(7_200.0)), "2 h");
        assert_eq!(duration(Some(3_600.0)), "1 h");
        assert_eq!(duration(Some(59.9)), "1 min");
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_709_294_400_000_000), "2024-03-01 12:00:00");
        assert_eq!(utc(951_782_400_000_000), "2000-02-29 00:00:00");
        assert_eq!(
            escape_html("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape_markdown_cell("a|b\nc"), "a\\|b c");
    }

    #[test]
    fn rates_have_one_format_whatever_their_size() {
        // Not `43 M` next to `43.000 M`: three significant digits, zeros kept.
        assert_eq!(rate(Some(43e6)), "43.0 M");
        assert_eq!(rate(Some(43.0004e6)), "43.0 M");
        assert_eq!(rate(Some(35_158_000.0)), "35.2 M");
        assert_eq!(rate(Some(21_060_000.0)), "21.1 M");
        assert_eq!(rate(Some(1.1e9)), "1.10 G");
        assert_eq!(rate(Some(999_999.0)), "1.00 M");
        assert_eq!(rate(Some(9.996)), "10.0");
        assert_eq!(rate(Some(512.4)), "512");
        assert_eq!(rate(Some(0.0)), "0.00");
        for value in [1.0, 12.34, 999.4, 1234.0, 99_960.0, 2.5e7, 7.77e11] {
            let text = rate(Some(value));
            let digits = text.chars().filter(char::is_ascii_digit).count();
            assert_eq!(digits, 3, "{value} -> {text}");
            assert!(!text.contains('e'), "{value} -> {text}");
        }
    }

    #[test]
    fn thresholds_have_sensible_significant_digits() {
        assert_eq!(threshold(0.00000479311708312203), "4.793e-6");
        assert_eq!(threshold(0.5), "0.5");
        assert_eq!(threshold(20.0), "20");
        assert_eq!(threshold(1234.5678), "1235");
        assert_eq!(threshold(0.123456), "0.1235");
        assert_eq!(threshold(0.99), "0.99");
        assert_eq!(threshold(2.5e9 + 0.5), "2.5e9");
    }
}
