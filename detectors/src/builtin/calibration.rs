//! What the built-in detectors' default thresholds are calibrated to: a false-alarm
//! budget on the benign traffic of datasets nothing else scores (seeds 1001-1003; the
//! tests, the demo and the README use 1-5). `cargo run --release --example
//! calibrate_defaults` calibrates on these and writes the thresholds into `calibrated.rs`:
//! change them here, then run it again.

/// Budget the thresholds are calibrated to, false alarms per day.
pub const BUDGET_PER_DAY: f64 = 5.0;

/// Calibration datasets: (scenario, seed, scale).
pub const CALIBRATION_SETS: &[(&str, u64, f64)] = &[
    ("benign-only", 1001, 1.0),
    ("benign-only", 1002, 1.0),
    ("benign-only", 1003, 1.0),
    ("default", 1001, 1.0),
    ("default", 1002, 1.0),
    ("default", 1003, 1.0),
];
