//! Upper and lower bounds on option values, checked while the command line is parsed.
//!
//! A value past a bound would otherwise overflow a conversion (`1e308` seconds do not fit
//! a `Duration`) or make the machine unusable (thousands of threads); clap names the flag
//! in its message, and the message says the bound. docs/limits.md lists them.

/// Longest `--detector-timeout` and replay `--timeout`: one day, in seconds.
pub const MAX_TIMEOUT_S: f64 = 86_400.0;
/// Largest origin `--latency-scale`: recorded latencies stretched a thousand times.
pub const MAX_LATENCY_SCALE: f64 = 1_000.0;
/// Largest `--scale`: the plan's own bound, a thousand times a scenario as written.
pub const MAX_SCALE: f64 = breachlab_generator::plan::MAX_SCALE;
/// Most worker threads `--threads` may ask for.
pub const MAX_THREADS: usize = 256;

/// A finite float from `text`, or an error that quotes it.
fn finite(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(format!("`{text}` is not a number")),
    }
}

/// Seconds to wait: above 0 and at most [`MAX_TIMEOUT_S`].
pub fn timeout_seconds(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if value > 0.0 && value <= MAX_TIMEOUT_S {
        return Ok(value);
    }
    Err(format!(
        "expected a number of seconds above 0 and at most {MAX_TIMEOUT_S} (one day)"
    ))
}

/// A latency factor: 0 (answer at once) up to [`MAX_LATENCY_SCALE`].
pub fn latency_scale(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if (0.0..=MAX_LATENCY_SCALE).contains(&value) {
        return Ok(value);
    }
    Err(format!(
        "expected 0 (answer at once) or a factor up to {MAX_LATENCY_SCALE}"
    ))
}

/// A scale factor: above 0 and at most [`MAX_SCALE`].
pub fn scale(text: &str) -> Result<f64, String> {
    let value = finite(text)?;
    if value > 0.0 && value <= MAX_SCALE {
        return Ok(value);
    }
    Err(format!(
        "expected a factor above 0 and at most {MAX_SCALE} (1 = the scenario's published volume)"
    ))
}

/// A worker-thread count from 1 to [`MAX_THREADS`].
pub fn threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(value) if (1..=MAX_THREADS).contains(&value) => Ok(value),
        _ => Err(format!(
            "expected a number of threads from 1 to {MAX_THREADS}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_accept_one_day_and_refuse_what_a_duration_cannot_hold() {
        assert_eq!(timeout_seconds("0.5"), Ok(0.5));
        assert_eq!(timeout_seconds("86400"), Ok(86_400.0));
        for text in [
            "0",
            "-1",
            "86400.5",
            "1e308",
            "18446744073709551616",
            "inf",
            "NaN",
            "x",
        ] {
            assert!(timeout_seconds(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn scales_run_from_above_zero_to_the_bound() {
        assert_eq!(scale("0.001"), Ok(0.001));
        assert_eq!(scale("1000"), Ok(1000.0));
        for text in ["0", "-1", "1000.5", "1e30", "inf", "NaN", "x"] {
            assert!(scale(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn latency_scales_run_from_zero_to_the_bound() {
        assert_eq!(latency_scale("0"), Ok(0.0));
        assert_eq!(latency_scale("1000"), Ok(1000.0));
        for text in ["-0.1", "1000.1", "1e30", "inf", "NaN"] {
            assert!(latency_scale(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn threads_run_from_one_to_the_bound() {
        assert_eq!(threads("1"), Ok(1));
        assert_eq!(threads("256"), Ok(256));
        for text in ["0", "257", "5000", "-1", "two"] {
            assert!(threads(text).is_err(), "{text} was accepted");
        }
    }
}
