//! What the tests of the harness and of the CLI share, behind the `testing` feature: the
//! `report.json` keys other tools rely on, so that the library's report, the one the
//! binary writes and `docs/report-schema.md` are all checked against one list.

/// The keys of one object of `report.json`, as its table in `docs/report-schema.md`
/// lists them.
#[derive(Debug, Clone, Copy)]
pub struct KeySection {
    /// The heading of the schema's section that lists them.
    pub heading: &'static str,
    /// Every key the object has, in the schema's order.
    pub keys: &'static [&'static str],
    /// The keys the schema marks **contract** (none where its table has no such column:
    /// there every key is always present).
    pub contract: &'static [&'static str],
}

impl KeySection {
    /// Every key, contract or not, as the report's objects must have them exactly.
    pub fn key_set(&self) -> std::collections::BTreeSet<String> {
        self.keys.iter().map(|key| key.to_string()).collect()
    }
}

/// The top level of `report.json`.
pub const TOP_LEVEL: KeySection = KeySection {
    heading: "## Top level",
    keys: &[
        "breachlab_version",
        "schema_version",
        "dataset",
        "detectors",
    ],
    contract: &["breachlab_version", "dataset", "detectors"],
};

/// A `detectors[]` entry.
pub const DETECTOR: KeySection = KeySection {
    heading: "## `detectors[]`",
    keys: &[
        "name",
        "params",
        "threshold",
        "threshold_source",
        "event",
        "actor",
        "campaign_recall",
        "campaigns_detected",
        "campaigns_undetected",
        "median_time_to_detect_s",
        "p90_time_to_detect_s",
        "records_exposed_before_detection_total",
        "alarm_precision",
        "false_alarms_per_day",
        "false_alarms_per_million_benign",
        "campaigns",
        "cohorts",
        "counts",
        "events_per_s",
        "end_to_end_events_per_s",
        "peak_memory_bytes",
        "upper_bound",
        "pr_curve",
        "exposure_curves",
    ],
    contract: &[
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
    ],
};

/// A detector's `event` object: exactly these keys.
pub const EVENT: KeySection = KeySection {
    heading: "### `event`",
    keys: &[
        "tp",
        "fp",
        "fn",
        "tn",
        "precision",
        "recall",
        "f1",
        "average_precision",
    ],
    contract: &[],
};

/// A detector's `actor` object.
pub const ACTOR: KeySection = KeySection {
    heading: "### `actor`",
    keys: &["precision", "recall"],
    contract: &[],
};

/// A `campaigns[]` entry of a detector.
pub const CAMPAIGN: KeySection = KeySection {
    heading: "### `campaigns[]`",
    keys: &[
        "campaign_id",
        "name",
        "technique",
        "start_us",
        "end_us",
        "events",
        "detected",
        "first_detection_ts_us",
        "time_to_detect_s",
        "events_to_detect",
        "records_exposed_before_detection",
        "records_exposed_by_delay",
        "records_exposed_total",
    ],
    contract: &[
        "campaign_id",
        "detected",
        "time_to_detect_s",
        "events_to_detect",
        "records_exposed_before_detection",
        "records_exposed_by_delay",
        "records_exposed_total",
    ],
};

/// A `cohorts[]` entry of a detector.
pub const COHORT: KeySection = KeySection {
    heading: "### `cohorts[]`",
    keys: &[
        "campaign_id",
        "name",
        "technique",
        "events",
        "flagged",
        "false_flag_rate",
    ],
    contract: &[],
};

/// Every object whose keys the schema lists in a table.
pub const KEY_SECTIONS: [KeySection; 6] = [TOP_LEVEL, DETECTOR, EVENT, ACTOR, CAMPAIGN, COHORT];
