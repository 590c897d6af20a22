//! What the tests of the harness and of the CLI share, behind the `testing` feature: the
//! `report.json` keys other tools rely on, so that the library's report and the one the
//! binary writes are checked against one list, which `docs/report-schema.md` states.

/// Keys every `detectors[]` entry has, the ones the schema marks **contract**.
pub const DETECTOR_CONTRACT_KEYS: [&str; 12] = [
    "name",
    "params",
    "threshold",
    "event",
    "actor",
    "campaign_recall",
    "alarm_precision",
    "false_alarms_per_day",
    "campaigns",
    "cohorts",
    "events_per_s",
    "peak_memory_bytes",
];

/// Exactly the keys of a detector's `event` object.
pub const EVENT_KEYS: [&str; 8] = [
    "tp",
    "fp",
    "fn",
    "tn",
    "precision",
    "recall",
    "f1",
    "average_precision",
];
