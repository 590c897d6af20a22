//! The Python port of `ip-rate` (examples/ip_rate.py), run through the external protocol,
//! gives exactly the scores of the built-in Rust detector on the same events, whatever
//! the batch sizes. Skipped, with the reason printed, when python3 or pyarrow is missing.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use arrow_array::RecordBatch;
use breachlab_detectors::testing::{SyntheticTraffic, events_batch, synthetic_events};
use breachlab_detectors::{EventBatch, ParamValue, Params, build};
use breachlab_harness::external::{ExternalDetector, ExternalSpec};

fn traffic() -> RecordBatch {
    let rows = synthetic_events(SyntheticTraffic {
        events: 40_000,
        ips: 40,
        principals: 200,
        api_keys: 20,
        routes: 5,
        duration_secs: 1800.0,
        prober_every: 50,
        seed: 7,
    });
    events_batch(0, &rows)
}

fn slices(batch: &RecordBatch, rows: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows())
        .step_by(rows)
        .map(|offset| batch.slice(offset, rows.min(batch.num_rows() - offset)))
        .collect()
}

#[test]
fn python_ip_rate_matches_the_builtin_exactly() {
    let has_pyarrow = Command::new("python3")
        .args(["-c", "import pyarrow"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !has_pyarrow {
        eprintln!(
            "SKIPPED: python3 with pyarrow is not installed (pip install -r examples/requirements.txt)"
        );
        return;
    }
    let events = traffic();
    // A small window and limit so that scores take many distinct values and cross 1.0.
    let mut params = Params::new();
    params.insert("window_secs", ParamValue::Int(10));
    params.insert("limit", ParamValue::Int(7));
    let mut builtin = build("ip-rate", &params).expect("builds");
    let mut expected = Vec::new();
    for batch in slices(&events, 4096) {
        builtin
            .score(&EventBatch::new(&batch), &mut expected)
            .expect("scores");
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ip_rate.py");
    let spec = ExternalSpec {
        command: format!("python3 {} --window-secs 10 --limit 7", script.display()),
        name: None,
        timeout: Duration::from_secs(60),
    };
    let mut external = ExternalDetector::start(&spec).expect("starts");
    assert_eq!(external.default_threshold(), builtin.default_threshold());
    let mut actual = Vec::new();
    for batch in slices(&events, 1000) {
        external.score_batch(&batch, &mut actual).expect("scores");
    }
    external.finish().expect("exits cleanly");

    assert_eq!(actual.len(), expected.len());
    let flagged = expected.iter().filter(|&&s| s >= 1.0).count();
    assert!(flagged > 0, "the data exercises the limit");
    for (index, (a, e)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(
            a.to_bits(),
            e.to_bits(),
            "event {index}: python {a}, rust {e}"
        );
    }
}
