//! One test binary for all detectors. `contract` holds the properties every registered
//! detector must have (one score per row, no look-ahead, batch-size independence, clear
//! errors), instantiated per detector by `detector_suite!`; `behaviour` shows, on small
//! hand-built traffic, what each detector catches and what it misses.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, LargeStringArray, RecordBatch, StringArray,
    StringViewArray,
};
use arrow_schema::{DataType, Field, Schema};
use breachlab_detectors::testing::{EventRow, SyntheticTraffic, events_batch, synthetic_events};
use breachlab_detectors::{
    Detector, DetectorError, EventBatch, KeyCache, ParamValue, Params, SharedColumns, SharedNeeds,
    build, registry,
};

fn detector(name: &str, assignments: &[&str]) -> Box<dyn Detector> {
    let overrides = Params::from_assignments(assignments).unwrap();
    build(name, &overrides).unwrap_or_else(|error| panic!("{error}"))
}

fn score_batches<'a>(
    detector: &mut dyn Detector,
    batches: impl IntoIterator<Item = &'a RecordBatch>,
) -> Vec<f64> {
    let mut scores = Vec::new();
    for batch in batches {
        detector
            .score(&EventBatch::new(batch), &mut scores)
            .unwrap();
    }
    scores
}

fn scores(name: &str, assignments: &[&str], rows: &[EventRow]) -> Vec<f64> {
    let batch = events_batch(0, rows);
    score_batches(detector(name, assignments).as_mut(), [&batch])
}

fn chunks(batch: &RecordBatch, size: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows())
        .step_by(size)
        .map(|offset| batch.slice(offset, size.min(batch.num_rows() - offset)))
        .collect()
}

fn flagged(scores: &[f64], threshold: f64) -> Vec<usize> {
    (0..scores.len())
        .filter(|&index| scores[index] >= threshold)
        .collect()
}

fn max(scores: &[f64]) -> f64 {
    scores.iter().copied().fold(0.0, f64::max)
}

fn sorted_by_time(mut rows: Vec<EventRow>) -> Vec<EventRow> {
    rows.sort_by_key(|row| row.ts_micros);
    rows
}

/// Properties every registered detector must have.
mod contract {
    use super::*;

    fn synthetic_batch() -> RecordBatch {
        events_batch(1_000, &synthetic_events(SyntheticTraffic::default()))
    }

    fn fresh_scores(name: &str, batch: &RecordBatch) -> Vec<f64> {
        score_batches(detector(name, &[]).as_mut(), [batch])
    }

    fn declared_threshold(name: &str) -> f64 {
        let info = registry().iter().find(|info| info.name == name).unwrap();
        match info.defaults().get("threshold") {
            Some(ParamValue::Float(threshold)) => *threshold,
            other => panic!("{name}: threshold default {other:?}"),
        }
    }

    pub fn is_registered_and_reports_its_params(name: &str) {
        let info = registry().iter().find(|info| info.name == name).unwrap();
        assert!(!info.description.is_empty());
        assert!(info.params.iter().all(|param| !param.meaning.is_empty()));
        let detector = detector(name, &[]);
        assert_eq!(detector.name(), name);
        assert_eq!(detector.default_threshold(), declared_threshold(name));
        let json = serde_json::to_value(detector.params()).unwrap();
        let object = json.as_object().unwrap();
        let reported: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut declared: Vec<&str> = info.params.iter().map(|param| param.name).collect();
        declared.sort_unstable();
        assert_eq!(reported, declared);
    }

    pub fn accepts_a_threshold_override(name: &str) {
        let detector = detector(name, &["threshold=0.25"]);
        assert_eq!(detector.default_threshold(), 0.25);
        assert_eq!(
            detector.params().get("threshold"),
            Some(&ParamValue::Float(0.25))
        );
    }

    pub fn gives_one_finite_non_negative_score_per_row(name: &str) {
        let batch = synthetic_batch();
        let mut scores = vec![-1.0; 3];
        detector(name, &[])
            .score(&EventBatch::new(&batch), &mut scores)
            .unwrap();
        assert_eq!(scores.len(), 3 + batch.num_rows());
        assert_eq!(&scores[..3], &[-1.0; 3], "earlier scores were touched");
        assert!(
            scores[3..]
                .iter()
                .all(|score| score.is_finite() && *score >= 0.0)
        );
    }

    pub fn scores_do_not_depend_on_batch_size(name: &str) {
        let batch = synthetic_batch();
        let whole = fresh_scores(name, &batch);
        for size in [1, 7, 1000] {
            let parts = chunks(&batch, size);
            let split = score_batches(detector(name, &[]).as_mut(), &parts);
            assert!(whole == split, "{name}: batches of {size} change scores");
        }
    }

    /// Scored side by side with every other detector, on columns derived ahead once for
    /// all of them, or on none, or on another batch's, the scores stay the same.
    pub fn shares_derived_columns_without_changing_scores(name: &str) {
        let parts = chunks(&synthetic_batch(), 1000);
        let alone = score_batches(detector(name, &[]).as_mut(), &parts);
        let mut others: Vec<Box<dyn Detector>> =
            SUITE.iter().map(|other| detector(other, &[])).collect();
        let mut first = detector(name, &[]);
        let mut last = detector(name, &[]);
        let mut prefilled = detector(name, &[]);
        let all_needs = others
            .iter()
            .map(|other| other.shared_needs())
            .fold(SharedNeeds::default(), SharedNeeds::union);
        let (mut first_scores, mut last_scores, mut other_scores) = (vec![], vec![], vec![]);
        let mut prefilled_scores = vec![];
        // Columns of another batch, which no detector may use for this one.
        let stale = SharedColumns::derive(&synthetic_batch(), all_needs, &mut KeyCache::default());
        let mut misled = detector(name, &[]);
        let mut misled_scores = vec![];
        let mut key_cache = KeyCache::default();
        for part in &parts {
            let nothing_ahead = SharedColumns::default();
            first
                .score(
                    &EventBatch::with_shared(part, &nothing_ahead),
                    &mut first_scores,
                )
                .unwrap();
            let ahead = SharedColumns::derive(part, all_needs, &mut key_cache);
            prefilled
                .score(
                    &EventBatch::with_shared(part, &ahead),
                    &mut prefilled_scores,
                )
                .unwrap();
            for other in others.iter_mut() {
                other
                    .score(&EventBatch::with_shared(part, &ahead), &mut other_scores)
                    .unwrap();
            }
            last.score(&EventBatch::with_shared(part, &ahead), &mut last_scores)
                .unwrap();
            misled
                .score(&EventBatch::with_shared(part, &stale), &mut misled_scores)
                .unwrap();
        }
        assert!(
            first_scores == alone,
            "{name}: scores change with nothing derived ahead"
        );
        assert!(
            last_scores == alone,
            "{name}: scores change after others read the columns"
        );
        assert!(
            prefilled_scores == alone,
            "{name}: scores change with columns derived ahead"
        );
        assert!(
            misled_scores == alone,
            "{name}: used the columns of another batch"
        );
    }

    /// Columns that cannot be derived ahead are left for the detector, which then names
    /// the problem as it would alone.
    pub fn a_column_missing_when_deriving_ahead_is_its_own_error(name: &str) {
        let batch = synthetic_batch();
        for column in needed_columns(name, &batch) {
            let broken = without_column(&batch, &column);
            let mut alone = detector(name, &[]);
            let expected = alone
                .score(&EventBatch::new(&broken), &mut vec![])
                .unwrap_err();
            let mut shared_detector = detector(name, &[]);
            let shared = SharedColumns::derive(
                &broken,
                shared_detector.shared_needs(),
                &mut KeyCache::default(),
            );
            let error = shared_detector
                .score(&EventBatch::with_shared(&broken, &shared), &mut vec![])
                .unwrap_err();
            assert_eq!(
                error.to_string(),
                expected.to_string(),
                "{name} without {column}"
            );
        }
    }

    pub fn never_looks_ahead(name: &str) {
        let batch = synthetic_batch();
        let whole = fresh_scores(name, &batch);
        for prefix in [1, 777, 12_345] {
            let early = fresh_scores(name, &batch.slice(0, prefix));
            assert!(
                early[..] == whole[..prefix],
                "{name}: later events changed the scores of the first {prefix}"
            );
        }
    }

    pub fn is_deterministic(name: &str) {
        let batch = synthetic_batch();
        assert!(fresh_scores(name, &batch) == fresh_scores(name, &batch));
    }

    pub fn scores_an_empty_batch_as_nothing(name: &str) {
        let batch = synthetic_batch();
        let mut detector = detector(name, &[]);
        let mut scores = Vec::new();
        detector
            .score(&EventBatch::new(&batch.slice(0, 0)), &mut scores)
            .unwrap();
        assert!(scores.is_empty());
        detector
            .score(&EventBatch::new(&batch), &mut scores)
            .unwrap();
        assert!(scores == fresh_scores(name, &batch));
    }

    pub fn rejects_an_unknown_parameter(name: &str) {
        let overrides = Params::from_assignments(["no_such_knob=1"]).unwrap();
        let error = build(name, &overrides).err().unwrap();
        assert!(matches!(error, DetectorError::UnknownParam { .. }));
        let message = error.to_string();
        assert!(message.contains(name), "{message}");
        assert!(message.contains("no_such_knob"), "{message}");
        assert!(
            message.contains("threshold"),
            "allowed names missing: {message}"
        );
    }

    pub fn rejects_a_parameter_of_the_wrong_type(name: &str) {
        let overrides = Params::from_assignments(["threshold=high"]).unwrap();
        let message = build(name, &overrides).err().unwrap().to_string();
        assert!(message.contains(name), "{message}");
        assert!(message.contains("threshold"), "{message}");
        assert!(message.contains("a number"), "{message}");
    }

    fn without_column(batch: &RecordBatch, column: &str) -> RecordBatch {
        let index = batch.schema().index_of(column).unwrap();
        let mut batch = batch.clone();
        batch.remove_column(index);
        batch
    }

    fn with_column_replaced(batch: &RecordBatch, column: &str, array: ArrayRef) -> RecordBatch {
        let schema = batch.schema();
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|field| match field.name() == column {
                true => Field::new(column, array.data_type().clone(), true),
                false => field.as_ref().clone(),
            })
            .collect();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .map(|(field, values)| match field.name() == column {
                true => array.clone(),
                false => values.clone(),
            })
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    /// The columns without which the detector fails, checking that it names them.
    fn needed_columns(name: &str, batch: &RecordBatch) -> Vec<String> {
        let mut needed = Vec::new();
        for field in batch.schema().fields() {
            let column = field.name();
            let mut scores = Vec::new();
            let result = detector(name, &[]).score(
                &EventBatch::new(&without_column(batch, column)),
                &mut scores,
            );
            match result {
                Ok(()) => {}
                Err(DetectorError::MissingColumn { column: missing }) => {
                    assert_eq!(&missing, column);
                    assert!(
                        scores.is_empty(),
                        "{name}: scores appended despite an error"
                    );
                    needed.push(missing);
                }
                Err(other) => panic!("{name}: unexpected error {other}"),
            }
        }
        needed
    }

    pub fn names_a_missing_column_and_needs_no_other(name: &str) {
        let batch = synthetic_batch();
        let needed = needed_columns(name, &batch);
        assert_eq!(needed.is_empty(), name == "null", "{name} needs {needed:?}");
        let indices: Vec<usize> = needed
            .iter()
            .map(|column| batch.schema().index_of(column).unwrap())
            .collect();
        let projected = batch.project(&indices).unwrap();
        assert!(fresh_scores(name, &projected) == fresh_scores(name, &batch));
    }

    pub fn declares_exactly_the_columns_it_reads(name: &str) {
        let batch = synthetic_batch();
        let mut needed = needed_columns(name, &batch);
        needed.sort();
        let declared = detector(name, &[])
            .columns()
            .unwrap_or_else(|| panic!("{name} declares no columns"));
        let mut declared: Vec<String> = declared.iter().map(|c| c.to_string()).collect();
        declared.sort();
        assert_eq!(declared, needed, "{name}");
    }

    pub fn names_a_column_of_the_wrong_type(name: &str) {
        let batch = synthetic_batch();
        let booleans: ArrayRef = Arc::new(BooleanArray::from(vec![true; batch.num_rows()]));
        for column in needed_columns(name, &batch) {
            let mistyped = with_column_replaced(&batch, &column, booleans.clone());
            let error = detector(name, &[])
                .score(&EventBatch::new(&mistyped), &mut Vec::new())
                .err()
                .unwrap_or_else(|| panic!("{name} accepted a Boolean `{column}`"));
            assert!(
                matches!(&error, DetectorError::WrongColumnType { column: named, .. } if *named == column),
                "{name}: {error}"
            );
            assert!(error.to_string().contains(&column));
        }
    }

    fn re_encoded(batch: &RecordBatch, encode: fn(&StringArray) -> ArrayRef) -> RecordBatch {
        let mut batch = batch.clone();
        for field in batch.schema().fields() {
            if field.data_type() == &DataType::Utf8 {
                let strings = batch.column_by_name(field.name()).unwrap();
                let strings = strings.as_any().downcast_ref::<StringArray>().unwrap();
                batch = with_column_replaced(&batch, field.name(), encode(strings));
            }
        }
        batch
    }

    pub fn reads_every_string_encoding_alike(name: &str) {
        let batch = synthetic_batch();
        let expected = fresh_scores(name, &batch);
        let encodings: [fn(&StringArray) -> ArrayRef; 3] = [
            |strings| Arc::new(LargeStringArray::from_iter(strings.iter())),
            |strings| Arc::new(StringViewArray::from_iter(strings.iter())),
            |strings| Arc::new(strings.iter().collect::<DictionaryArray<Int32Type>>()),
        ];
        for encode in encodings {
            let re_encoded = re_encoded(&batch, encode);
            assert!(fresh_scores(name, &re_encoded) == expected, "{name}");
        }
        // Slices of one dictionary-encoded batch share its values, as a Parquet reader's
        // batches share their column chunk's dictionary: keys of values kept from one
        // slice serve the next, for the detector and for columns derived ahead.
        let dictionary = re_encoded(&batch, encodings[2]);
        let parts = chunks(&dictionary, 1000);
        let sliced = score_batches(detector(name, &[]).as_mut(), &parts);
        assert!(sliced == expected, "{name}: dictionary slices");
        let mut ahead_detector = detector(name, &[]);
        let (mut key_cache, mut ahead) = (KeyCache::default(), vec![]);
        for part in &parts {
            let needs = ahead_detector.shared_needs();
            let shared = SharedColumns::derive(part, needs, &mut key_cache);
            let part = EventBatch::with_shared(part, &shared);
            ahead_detector.score(&part, &mut ahead).unwrap();
        }
        assert!(ahead == expected, "{name}: dictionary slices derived ahead");
    }
}

macro_rules! detector_suite {
    ($($module:ident => $name:literal),+ $(,)?) => {
        const SUITE: &[&str] = &[$($name),+];
        $(
            mod $module {
                const NAME: &str = $name;
                #[test]
                fn is_registered_and_reports_its_params() { super::contract::is_registered_and_reports_its_params(NAME) }
                #[test]
                fn accepts_a_threshold_override() { super::contract::accepts_a_threshold_override(NAME) }
                #[test]
                fn gives_one_finite_non_negative_score_per_row() { super::contract::gives_one_finite_non_negative_score_per_row(NAME) }
                #[test]
                fn scores_do_not_depend_on_batch_size() { super::contract::scores_do_not_depend_on_batch_size(NAME) }
                #[test]
                fn shares_derived_columns_without_changing_scores() { super::contract::shares_derived_columns_without_changing_scores(NAME) }
                #[test]
                fn a_column_missing_when_deriving_ahead_is_its_own_error() { super::contract::a_column_missing_when_deriving_ahead_is_its_own_error(NAME) }
                #[test]
                fn never_looks_ahead() { super::contract::never_looks_ahead(NAME) }
                #[test]
                fn is_deterministic() { super::contract::is_deterministic(NAME) }
                #[test]
                fn scores_an_empty_batch_as_nothing() { super::contract::scores_an_empty_batch_as_nothing(NAME) }
                #[test]
                fn rejects_an_unknown_parameter() { super::contract::rejects_an_unknown_parameter(NAME) }
                #[test]
                fn rejects_a_parameter_of_the_wrong_type() { super::contract::rejects_a_parameter_of_the_wrong_type(NAME) }
                #[test]
                fn names_a_missing_column_and_needs_no_other() { super::contract::names_a_missing_column_and_needs_no_other(NAME) }
                #[test]
                fn declares_exactly_the_columns_it_reads() { super::contract::declares_exactly_the_columns_it_reads(NAME) }
                #[test]
                fn names_a_column_of_the_wrong_type() { super::contract::names_a_column_of_the_wrong_type(NAME) }
                #[test]
                fn reads_every_string_encoding_alike() { super::contract::reads_every_string_encoding_alike(NAME) }
            }
        )+
    };
}

detector_suite! {
    null => "null",
    random => "random",
    ip_rate => "ip-rate",
    principal_rate => "principal-rate",
    fanout => "fanout",
    sequential => "sequential",
    not_found_ratio => "not-found-ratio",
    route_volume => "route-volume",
    combined => "combined",
    error_jail => "error-jail",
    token_bucket => "token-bucket",
    distinct_objects => "distinct-objects",
    evidence => "evidence",
    long_distinct => "long-distinct",
    route_baseline => "route-baseline",
    population => "population",
}

#[test]
fn the_suite_covers_every_registered_detector() {
    let registered: Vec<&str> = registry().iter().map(|info| info.name).collect();
    assert_eq!(registered, SUITE);
}

/// What each detector catches and what it misses, on hand-built traffic.
mod behaviour {
    use super::*;

    /// `count` requests, one every `interval` seconds from `start`, shaped by `shape`.
    fn requests(
        count: usize,
        start: f64,
        interval: f64,
        shape: impl Fn(usize, EventRow) -> EventRow,
    ) -> Vec<EventRow> {
        (0..count)
            .map(|index| shape(index, EventRow::at(start + index as f64 * interval)))
            .collect()
    }

    fn ip(index: usize) -> String {
        format!("100.64.{}.{}", index / 256, index % 256)
    }

    #[test]
    fn null_never_flags() {
        let rows = synthetic_events(SyntheticTraffic::default());
        let scores = scores("null", &[], &rows);
        assert!(scores.iter().all(|&score| score == 0.0));
    }

    #[test]
    fn random_flags_about_one_percent_by_event_id_alone() {
        let rows = synthetic_events(SyntheticTraffic {
            events: 100_000,
            ..SyntheticTraffic::default()
        });
        let scores = scores("random", &[], &rows);
        let count = flagged(&scores, 0.99).len();
        assert!((800..=1200).contains(&count), "{count} flagged");

        let shifted = events_batch(500, &rows[..1000]);
        let later = score_batches(detector("random", &[]).as_mut(), [&shifted]);
        assert!(
            later[..500] == scores[500..1000],
            "score depends on more than event_id"
        );

        let reseeded = super::scores("random", &["seed=1"], &rows[..1000]);
        assert!(reseeded != scores[..1000]);
    }

    #[test]
    fn ip_rate_flags_one_ip_hammering_from_the_request_that_reaches_the_limit() {
        let rows = requests(700, 0.0, 0.05, |_, row| row);
        let scores = scores("ip-rate", &[], &rows);
        assert_eq!(flagged(&scores, 1.0).first(), Some(&599));
        assert_eq!(flagged(&scores, 1.0).len(), 101);
    }

    #[test]
    fn ip_rate_misses_the_same_requests_spread_over_a_thousand_ips() {
        let rows = requests(700, 0.0, 0.05, |index, row| row.ip(ip(index)));
        let scores = scores("ip-rate", &[], &rows);
        assert!(flagged(&scores, 1.0).is_empty());
        assert!(max(&scores) <= 1.0 / 600.0);
    }

    #[test]
    fn ip_rate_counts_start_over_in_each_window() {
        let rows = requests(1000, 0.0, 0.1, |_, row| row);
        let scores = scores("ip-rate", &["limit=500"], &rows);
        assert_eq!(scores[599], 1.2);
        assert_eq!(scores[600], 1.0 / 500.0, "a new minute starts at 60 s");
    }

    /// 500 customers read their accounts once a second in turn for two hours; then 1000
    /// proxies each read one other account during five minutes.
    fn distributed_scrape() -> (Vec<EventRow>, Vec<bool>) {
        let benign = requests(2 * 3600 + 600, 0.0, 1.0, |index, row| {
            let customer = index % 500;
            row.ip(format!("192.0.2.{}", customer % 250))
                .principal(customer as i64)
                .target(customer as i64)
        });
        let attack = requests(1000, 2.0 * 3600.0 + 0.1, 0.3, |index, row| {
            row.ip(ip(index)).target(9_000_000 - index as i64 * 37)
        });
        let mut rows: Vec<(EventRow, bool)> = benign
            .into_iter()
            .map(|row| (row, false))
            .chain(attack.into_iter().map(|row| (row, true)))
            .collect();
        rows.sort_by_key(|(row, _)| row.ts_micros);
        rows.into_iter().unzip()
    }

    #[test]
    fn route_volume_flags_a_scrape_spread_over_a_thousand_ips_that_ip_rate_misses() {
        let (rows, is_attack) = distributed_scrape();
        let volume = scores("route-volume", &[], &rows);
        let attack_flagged = (0..rows.len())
            .filter(|&index| is_attack[index] && volume[index] >= 3.0)
            .count();
        assert!(
            attack_flagged >= 900,
            "{attack_flagged} of 1000 attack requests flagged"
        );
        let first_attack = is_attack.iter().position(|&attack| attack).unwrap();
        assert!(
            flagged(&volume[..first_attack], 3.0).is_empty(),
            "steady traffic flagged"
        );

        let per_ip = scores("ip-rate", &[], &rows);
        assert!(flagged(&per_ip, 1.0).is_empty());
    }

    #[test]
    fn route_volume_stays_silent_during_warm_up() {
        let rows = requests(3000, 0.0, 1.0, |index, row| row.ip(ip(index)));
        let mut burst = requests(3000, 1800.0, 0.1, |index, row| row.ip(ip(index)));
        burst.extend(rows);
        let scores = scores(
            "route-volume",
            &["warmup_buckets=12"],
            &sorted_by_time(burst),
        );
        assert!(
            flagged(&scores, 3.0).is_empty(),
            "a burst in the first hour was flagged"
        );
    }

    #[test]
    fn combined_flags_the_spread_scrape_through_route_volume_only() {
        let (rows, is_attack) = distributed_scrape();
        let attack_flagged = |scores: &[f64]| {
            (0..rows.len())
                .filter(|&index| is_attack[index] && scores[index] >= 1.0)
                .count()
        };
        assert!(attack_flagged(&scores("combined", &[], &rows)) >= 900);
        let without_volume = scores("combined", &["route_volume_weight=0"], &rows);
        assert_eq!(attack_flagged(&without_volume), 0);
    }

    #[test]
    fn combined_flags_an_id_walker_without_route_volume() {
        let rows = requests(60, 0.0, 2.0, |index, row| {
            row.principal(5).target(1000 + index as i64)
        });
        let scores = scores("combined", &["route_volume_weight=0"], &rows);
        assert_eq!(
            flagged(&scores, 1.0).first(),
            Some(&19),
            "sequential flags the 20th step"
        );
    }

    #[test]
    fn sequential_flags_an_ascending_id_walk() {
        let rows = requests(50, 0.0, 1.0, |index, row| {
            row.principal(7).target(1000 + index as i64)
        });
        let scores = scores("sequential", &[], &rows);
        assert_eq!(scores[..3], [1.0, 2.0, 3.0]);
        assert_eq!(flagged(&scores, 20.0).first(), Some(&19));
    }

    #[test]
    fn sequential_allows_small_gaps_but_not_large_ones() {
        let small = requests(30, 0.0, 1.0, |index, row| row.target(10 + 3 * index as i64));
        assert_eq!(max(&scores("sequential", &[], &small)), 30.0);
        let large = requests(30, 0.0, 1.0, |index, row| {
            row.target(10 + 10 * index as i64)
        });
        assert_eq!(max(&scores("sequential", &[], &large)), 1.0);
    }

    #[test]
    fn sequential_ignores_a_user_reading_its_own_account_and_lines() {
        let own_account = requests(100, 0.0, 1.0, |_, row| row.principal(8).target(12_345));
        assert_eq!(max(&scores("sequential", &[], &own_account)), 1.0);
        let own_lines = requests(90, 0.0, 1.0, |index, row| {
            row.principal(8).target(500 + (index % 3) as i64)
        });
        assert_eq!(max(&scores("sequential", &[], &own_lines)), 3.0);
    }

    #[test]
    fn sequential_misses_a_walk_from_rotating_ips_and_restarts_after_a_pause() {
        let rotating = requests(50, 0.0, 1.0, |index, row| {
            row.ip(ip(index)).target(1000 + index as i64)
        });
        assert_eq!(max(&scores("sequential", &[], &rotating)), 1.0);

        let mut paused = requests(15, 0.0, 1.0, |index, row| row.target(1000 + index as i64));
        paused.extend(requests(15, 15.0 + 301.0, 1.0, |index, row| {
            row.target(1015 + index as i64)
        }));
        assert_eq!(max(&scores("sequential", &[], &paused)), 15.0);
    }

    #[test]
    fn error_jail_bans_an_ip_at_the_fifth_failure_and_releases_it_after_bantime() {
        // Failures at 0, 60, 120, 180, 240 s: banned at 240 s until 840 s.
        let mut rows = requests(5, 0.0, 60.0, |_, row| row.status(404));
        rows.push(EventRow::at(300.0));
        rows.push(EventRow::at(839.0));
        rows.push(EventRow::at(840.0).status(401));
        rows.push(EventRow::at(841.0).ip("203.0.113.2").status(404));
        let scores = scores("error-jail", &[], &rows);
        assert_eq!(flagged(&scores, 1.0), [4, 5, 6]);
        assert_eq!(scores[7], 0.2, "released: one failure again");
        assert_eq!(scores[8], 0.2, "another IP has its own jail");
    }

    #[test]
    fn error_jail_bans_a_principal_behind_rotating_ips_unless_keyed_by_ip_only() {
        let rows = requests(8, 0.0, 10.0, |index, row| {
            row.ip(ip(index)).principal(7).status(403)
        });
        assert_eq!(
            flagged(&scores("error-jail", &[], &rows), 1.0),
            [4, 5, 6, 7]
        );
        let by_ip = scores("error-jail", &["key=ip"], &rows);
        assert!(flagged(&by_ip, 1.0).is_empty());
    }

    #[test]
    fn error_jail_ignores_successes_and_statuses_outside_its_filter() {
        let rows = requests(50, 0.0, 1.0, |index, row| {
            row.status(if index % 2 == 0 { 200 } else { 429 })
        });
        assert_eq!(max(&scores("error-jail", &[], &rows)), 0.0);
        let with_429 = scores("error-jail", &["failure_statuses=\"429\""], &rows);
        assert_eq!(flagged(&with_429, 1.0).first(), Some(&9));
    }

    #[test]
    fn token_bucket_flags_a_burst_beyond_the_bucket_and_not_a_client_at_the_rate() {
        let burst = requests(30, 0.0, 0.0, |_, row| row);
        let scores_burst = scores("token-bucket", &[], &burst);
        // Burst 20: the 21st request at once finds 20 queued.
        assert_eq!(flagged(&scores_burst, 1.0).first(), Some(&20));
        let steady = requests(2_000, 0.0, 0.1, |_, row| row);
        assert!(max(&scores("token-bucket", &[], &steady)) < 0.1);
    }

    #[test]
    fn token_bucket_keys_by_principal_across_ips() {
        let rows = requests(40, 0.0, 0.01, |index, row| row.ip(ip(index)).principal(9));
        assert!(!flagged(&scores("token-bucket", &[], &rows), 1.0).is_empty());
        assert!(flagged(&scores("token-bucket", &["key=ip"], &rows), 1.0).is_empty());
    }

    #[test]
    fn distinct_objects_flags_the_fiftieth_distinct_target_in_ten_minutes() {
        let rows = requests(150, 0.0, 5.0, |index, row| {
            row.target(1_000 + 3 * index as i64)
        });
        let scores = scores("distinct-objects", &[], &rows);
        assert_eq!(flagged(&scores, 1.0).first(), Some(&49));
        // Windows are aligned to the epoch, and EPOCH_MICROS is a multiple of 600 s: the
        // request at 600 s starts a new window.
        assert_eq!(scores[119], 2.4);
        assert_eq!(scores[120], 0.02);
    }

    #[test]
    fn evidence_fuses_weak_signals_that_no_single_rule_flags() {
        // A slow walker: one request a minute, ascending ids, a third not found: below
        // not-found-ratio's 0.5 and fanout's 100 per hour, yet each share is far from a
        // customer's, and the evidence grows with every request.
        let walker = requests(60, 0.0, 60.0, |index, row| {
            row.principal(11)
                .target(50_000 + 2 * index as i64)
                .status(if index % 3 == 0 { 404 } else { 200 })
        });
        let walker_scores = scores("evidence", &[], &walker);
        assert!(walker_scores[59] > walker_scores[9]);
        assert!(walker_scores[59] > 30.0, "{}", walker_scores[59]);
        assert!(max(&scores("not-found-ratio", &[], &walker)) < 0.5);
        assert!(max(&scores("fanout", &[], &walker)) < 1.0);
        // A customer re-reading its own account and two lines as often: next to no
        // evidence (its decayed volume is just above the lowest baseline).
        let customer = requests(60, 0.0, 60.0, |index, row| {
            row.principal(12).target([900, 901_777, 903_555][index % 3])
        });
        let customer_scores = scores("evidence", &[], &customer);
        assert!(customer_scores[59] < 0.1, "{}", customer_scores[59]);
    }

    #[test]
    fn not_found_ratio_flags_a_prober_once_it_has_enough_requests() {
        let rows = requests(30, 0.0, 1.0, |index, row| {
            row.target(index as i64)
                .status(if index % 5 < 3 { 404 } else { 200 })
        });
        let scores = scores("not-found-ratio", &[], &rows);
        let first_scored = scores.iter().position(|&score| score > 0.0).unwrap();
        assert!(
            (9..=10).contains(&first_scored),
            "first scored at {first_scored}"
        );
        assert!(scores[29] >= 0.5, "{}", scores[29]);
    }

    #[test]
    fn not_found_ratio_ignores_a_client_with_a_few_broken_links() {
        let rows = requests(200, 0.0, 1.0, |index, row| {
            row.principal(3)
                .status(if index % 50 == 49 { 404 } else { 200 })
        });
        assert!(max(&scores("not-found-ratio", &[], &rows)) < 0.1);
        let one_typo = [EventRow::at(0.0).status(404)];
        assert_eq!(scores("not-found-ratio", &[], &one_typo), [0.0]);
    }

    #[test]
    fn not_found_ratio_forgets_old_404s() {
        let mut rows = requests(20, 0.0, 1.0, |_, row| row.status(404));
        rows.extend(requests(20, 2.0 * 3600.0, 1.0, |_, row| row));
        let scores = scores("not-found-ratio", &[], &rows);
        assert_eq!(scores[19], 1.0);
        assert!(scores[39] < 0.01, "{}", scores[39]);
    }

    #[test]
    fn fanout_flags_a_principal_reading_a_hundred_accounts_within_the_hour() {
        let rows = requests(150, 0.0, 10.0, |index, row| {
            row.principal(42).target(77 * index as i64)
        });
        let scores = scores("fanout", &[], &rows);
        assert_eq!(flagged(&scores, 1.0).first(), Some(&99));
        assert_eq!(scores[149], 1.5, "150 targets are counted exactly");
    }

    #[test]
    fn fanout_ignores_a_user_rereading_its_own_objects_and_restarts_each_hour() {
        let own = requests(200, 0.0, 1.0, |index, row| {
            row.principal(43).target((index % 5) as i64)
        });
        assert_eq!(max(&scores("fanout", &[], &own)), 0.05);

        let across_hours = requests(120, 3000.0, 10.0, |index, row| {
            row.principal(44).target(index as i64)
        });
        let scores = scores("fanout", &[], &across_hours);
        let first_of_next_hour = 60;
        assert_eq!(scores[first_of_next_hour - 1], 0.6);
        assert_eq!(scores[first_of_next_hour], 0.01);
    }

    #[test]
    fn fanout_estimates_large_fanouts_with_the_sketch() {
        let rows = requests(5000, 0.0, 0.5, |index, row| {
            row.principal(45).target(index as i64 * 13)
        });
        let scores = scores("fanout", &[], &rows);
        let estimate = scores[4999] * 100.0;
        assert!((estimate - 5000.0).abs() < 250.0, "estimated {estimate}");
        assert!(scores.windows(2).all(|pair| pair[1] >= pair[0] * 0.97));
    }

    #[test]
    fn fanout_misses_a_scrape_spread_over_many_principals() {
        let rows = requests(150, 0.0, 10.0, |index, row| {
            row.principal(index as i64 % 30).target(77 * index as i64)
        });
        assert!(flagged(&scores("fanout", &[], &rows), 1.0).is_empty());
    }

    /// 250 requests in the last 10 s of a minute and 250 in the first 10 s of the next.
    fn burst_across_a_minute_boundary() -> Vec<EventRow> {
        requests(500, 50.0, 0.04, |_, row| row.principal(9))
    }

    #[test]
    fn principal_rate_catches_a_burst_that_straddles_a_fixed_window() {
        let rows = burst_across_a_minute_boundary();
        let sliding = scores("principal-rate", &[], &rows);
        assert!(max(&sliding) >= 500.0 / 300.0 - 1e-9);
        assert_eq!(flagged(&sliding, 1.0).first(), Some(&299));
        let fixed = scores("ip-rate", &["limit=300"], &rows);
        assert!(flagged(&fixed, 1.0).is_empty(), "max {}", max(&fixed));
    }

    #[test]
    fn principal_rate_falls_back_to_the_api_key_and_ignores_anonymous_calls() {
        let keyed = requests(400, 0.0, 0.1, |_, row| row.api_key("partner-key"));
        assert_eq!(
            flagged(&scores("principal-rate", &[], &keyed), 1.0).first(),
            Some(&299)
        );
        let anonymous = requests(400, 0.0, 0.1, |_, row| row);
        assert_eq!(max(&scores("principal-rate", &[], &anonymous)), 0.0);
    }

    #[test]
    fn principal_rate_window_slides() {
        let rows = requests(400, 0.0, 0.5, |_, row| row.principal(10));
        let scores = scores("principal-rate", &["limit=100"], &rows);
        assert_eq!(max(&scores), 1.2, "120 requests in any 60 s");
    }
}

/// Parameter handling seen from a caller.
mod params {
    use super::*;

    #[test]
    fn an_unknown_detector_lists_the_known_ones() {
        let message = build("nope", &Params::new()).err().unwrap().to_string();
        assert!(message.contains("nope"));
        for info in registry() {
            assert!(message.contains(info.name), "{message}");
        }
    }

    #[test]
    fn overrides_from_a_toml_table_become_the_effective_params() {
        let table: toml::Table = toml::from_str("limit = 100\nwindow_secs = 30").unwrap();
        let detector = build("ip-rate", &Params::from_toml(&table).unwrap()).unwrap();
        let json = serde_json::to_string(detector.params()).unwrap();
        let threshold = breachlab_detectors::calibrated_defaults::IP_RATE;
        let expected = format!(r#"{{"limit":100,"threshold":{threshold:?},"window_secs":30}}"#);
        assert_eq!(json, expected);
    }

    #[test]
    fn out_of_range_values_name_the_detector_parameter_and_range() {
        let overrides = Params::from_assignments(["window_secs=0"]).unwrap();
        let message = build("ip-rate", &overrides).err().unwrap().to_string();
        assert!(
            message.contains("ip-rate") && message.contains("window_secs"),
            "{message}"
        );
        let overrides = Params::from_assignments(["mode=avg"]).unwrap();
        let message = build("combined", &overrides).err().unwrap().to_string();
        assert!(message.contains("max, sum"), "{message}");
        let overrides = Params::from_assignments(["season_secs=1000"]).unwrap();
        assert!(build("route-volume", &overrides).is_err());
    }

    #[test]
    fn a_string_where_an_integer_belongs_is_refused() {
        let overrides = Params::from_assignments(["limit=lots"]).unwrap();
        let error = build("fanout", &overrides).err().unwrap();
        assert!(
            matches!(error, DetectorError::WrongParamType { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("an integer"));
    }
}
