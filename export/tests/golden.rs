//! Golden tests: two hand-built events (one signed-in GET, one anonymous POST with an
//! API key and nulls) and their truth, encoded in every format and compared with
//! expected lines written out by hand.

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Int16Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray,
};
use breachlab_export::{Encoder, ExportError, Format};
use breachlab_schema::{events_schema, truth_schema};

/// 2026-03-01T12:34:56.000789Z. 2000-03-01 is day 11017 after the epoch; 26 years later
/// with the 6 leap days 2004..2024 in between it is 11017 + 26 * 365 + 6 = 20513.
const TS1: i64 = (20_513 * 86_400 + 12 * 3600 + 34 * 60 + 56) * 1_000_000 + 789;
/// 1.5 s later: 12:34:57.500789.
const TS2: i64 = TS1 + 1_500_000;

fn events() -> RecordBatch {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![4_294_967_297, 4_294_967_298])),
        Arc::new(TimestampMicrosecondArray::from(vec![TS1, TS2]).with_timezone("UTC")),
        Arc::new(StringArray::from(vec!["10.1.2.3", "192.168.0.9"])),
        Arc::new(Int32Array::from(vec![64_512, 65_000])),
        Arc::new(StringArray::from(vec!["residential", "proxy"])),
        Arc::new(StringArray::from(vec!["US", "DE"])),
        Arc::new(StringArray::from(vec!["App/1.2 (iOS)", "curl/8.5 \"q\""])),
        Arc::new(StringArray::from(vec!["app", "sdk"])),
        Arc::new(StringArray::from(vec![None, Some("key-17")])),
        Arc::new(Int64Array::from(vec![Some(42), None])),
        Arc::new(Int64Array::from(vec![Some(7), None])),
        Arc::new(StringArray::from(vec!["GET", "POST"])),
        Arc::new(StringArray::from(vec!["/v1/accounts/{id}", "/v1/lookup"])),
        Arc::new(StringArray::from(vec![
            "/v1/accounts/1001",
            "/v1/lookup?email=a%40example.com",
        ])),
        Arc::new(Int64Array::from(vec![Some(1001), None])),
        Arc::new(Int16Array::from(vec![200, 404])),
        Arc::new(Float32Array::from(vec![18.14, 3.0])),
        Arc::new(Int32Array::from(vec![512, 0])),
        Arc::new(Int32Array::from(vec![1, 0])),
    ];
    RecordBatch::try_new(Arc::new(events_schema()), columns).unwrap()
}

fn truth(second_id: i64) -> RecordBatch {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![4_294_967_297, second_id])),
        Arc::new(TimestampMicrosecondArray::from(vec![TS1, TS2]).with_timezone("UTC")),
        Arc::new(BooleanArray::from(vec![false, true])),
        Arc::new(Int32Array::from(vec![None, Some(3)])),
        Arc::new(Int64Array::from(vec![99, 123])),
        Arc::new(StringArray::from(vec!["benign", "enumerate"])),
        Arc::new(StringArray::from(vec![None, Some("API1:2023")])),
        Arc::new(StringArray::from(vec![None, Some("OAT-011")])),
        Arc::new(StringArray::from(vec![None, Some("lookup_oracle")])),
        Arc::new(BooleanArray::from(vec![false, true])),
        Arc::new(Int32Array::from(vec![0, 1])),
    ];
    RecordBatch::try_new(Arc::new(truth_schema()), columns).unwrap()
}

fn encode(format: Format, with_truth: bool) -> Vec<String> {
    let mut out = Vec::new();
    let truth = truth(4_294_967_298);
    Encoder::new(format, "0.2.0")
        .encode(&events(), with_truth.then_some(&truth), &mut out)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with('\n'), "every line ends with a newline");
    text.lines().map(str::to_owned).collect()
}

#[test]
fn jsonl_lines() {
    let lines = encode(Format::Jsonl, false);
    assert_eq!(
        lines,
        [
            r#"{"event_id":4294967297,"ts":"2026-03-01T12:34:56.000789Z","client_ip":"10.1.2.3","ip_asn":64512,"ip_kind":"residential","country":"US","user_agent":"App/1.2 (iOS)","client_kind":"app","api_key_id":null,"principal_id":42,"session_id":7,"method":"GET","route":"/v1/accounts/{id}","path":"/v1/accounts/1001","target_id":1001,"status":200,"latency_ms":18.14,"response_bytes":512,"records_returned":1}"#,
            r#"{"event_id":4294967298,"ts":"2026-03-01T12:34:57.500789Z","client_ip":"192.168.0.9","ip_asn":65000,"ip_kind":"proxy","country":"DE","user_agent":"curl/8.5 \"q\"","client_kind":"sdk","api_key_id":"key-17","principal_id":null,"session_id":null,"method":"POST","route":"/v1/lookup","path":"/v1/lookup?email=a%40example.com","target_id":null,"status":404,"latency_ms":3.0,"response_bytes":0,"records_returned":0}"#,
        ]
    );
}

#[test]
fn jsonl_with_truth_appends_the_labels() {
    let lines = encode(Format::Jsonl, true);
    assert!(lines[0].ends_with(r#","records_returned":1,"truth":{"is_attack":false,"campaign_id":null,"actor_id":99,"phase":"benign","owasp_api":null,"oat":null,"attack_technique":null,"record_exposed":false,"records_exposed":0}}"#), "{}", lines[0]);
    assert!(lines[1].ends_with(r#","records_returned":0,"truth":{"is_attack":true,"campaign_id":3,"actor_id":123,"phase":"enumerate","owasp_api":"API1:2023","oat":"OAT-011","attack_technique":"lookup_oracle","record_exposed":true,"records_exposed":1}}"#), "{}", lines[1]);
}

#[test]
fn ecs_documents() {
    let lines = encode(Format::Ecs, false);
    assert_eq!(
        lines,
        [
            r#"{"@timestamp":"2026-03-01T12:34:56.000789Z","ecs":{"version":"8.17.0"},"event":{"id":"4294967297","kind":"event","category":["web"],"type":["access"],"outcome":"success","duration":18140000,"dataset":"breachlab.events"},"source":{"ip":"10.1.2.3","address":"10.1.2.3","as":{"number":64512},"geo":{"country_iso_code":"US"}},"user_agent":{"original":"App/1.2 (iOS)"},"http":{"request":{"method":"GET"},"response":{"status_code":200,"body":{"bytes":512}}},"url":{"original":"/v1/accounts/1001","path":"/v1/accounts/1001"},"user":{"id":"42"},"breachlab":{"event_id":4294967297,"ip_kind":"residential","client_kind":"app","session_id":7,"route":"/v1/accounts/{id}","target_id":1001,"latency_ms":18.14,"records_returned":1}}"#,
            r#"{"@timestamp":"2026-03-01T12:34:57.500789Z","ecs":{"version":"8.17.0"},"event":{"id":"4294967298","kind":"event","category":["web"],"type":["access"],"outcome":"failure","duration":3000000,"dataset":"breachlab.events"},"source":{"ip":"192.168.0.9","address":"192.168.0.9","as":{"number":65000},"geo":{"country_iso_code":"DE"}},"user_agent":{"original":"curl/8.5 \"q\""},"http":{"request":{"method":"POST"},"response":{"status_code":404,"body":{"bytes":0}}},"url":{"original":"/v1/lookup?email=a%40example.com","path":"/v1/lookup","query":"email=a%40example.com"},"breachlab":{"event_id":4294967298,"ip_kind":"proxy","client_kind":"sdk","api_key_id":"key-17","route":"/v1/lookup","latency_ms":3.0,"records_returned":0}}"#,
        ]
    );
    let with_truth = encode(Format::Ecs, true);
    assert!(with_truth[1].ends_with(r#""records_returned":0,"truth":{"is_attack":true,"campaign_id":3,"actor_id":123,"phase":"enumerate","owasp_api":"API1:2023","oat":"OAT-011","attack_technique":"lookup_oracle","record_exposed":true,"records_exposed":1}}}"#), "{}", with_truth[1]);
}

#[test]
fn ocsf_http_activity() {
    let lines = encode(Format::Ocsf, false);
    // time: TS1 / 1000 = 1772368496000 ms (20513 days * 86400 + 45296 s = 1772368496 s).
    assert_eq!(
        lines,
        [
            r#"{"class_uid":4002,"class_name":"HTTP Activity","category_uid":4,"category_name":"Network Activity","activity_id":3,"activity_name":"Get","type_uid":400203,"type_name":"HTTP Activity: Get","time":1772368496000,"severity_id":1,"severity":"Informational","status_id":1,"status":"Success","status_code":"200","duration":18,"metadata":{"version":"1.7.0","uid":"4294967297","log_name":"events","profiles":["host"],"product":{"name":"breachlab","vendor_name":"breachlab","version":"0.2.0"}},"http_request":{"http_method":"GET","url":{"path":"/v1/accounts/1001"},"user_agent":"App/1.2 (iOS)"},"http_response":{"code":200,"length":512,"latency":18},"src_endpoint":{"ip":"10.1.2.3","autonomous_system":{"number":64512},"location":{"country":"US"}},"actor":{"user":{"uid":"42"},"session":{"uid":"7"}},"observables":[{"name":"src_endpoint.ip","type_id":2,"type":"IP Address","value":"10.1.2.3"}],"unmapped":{"breachlab":{"event_id":4294967297,"ip_kind":"residential","client_kind":"app","route":"/v1/accounts/{id}","target_id":1001,"latency_ms":18.14,"records_returned":1}}}"#,
            r#"{"class_uid":4002,"class_name":"HTTP Activity","category_uid":4,"category_name":"Network Activity","activity_id":6,"activity_name":"Post","type_uid":400206,"type_name":"HTTP Activity: Post","time":1772368497500,"severity_id":1,"severity":"Informational","status_id":2,"status":"Failure","status_code":"404","duration":3,"metadata":{"version":"1.7.0","uid":"4294967298","log_name":"events","profiles":["host"],"product":{"name":"breachlab","vendor_name":"breachlab","version":"0.2.0"}},"http_request":{"http_method":"POST","url":{"path":"/v1/lookup","query_string":"email=a%40example.com"},"user_agent":"curl/8.5 \"q\""},"http_response":{"code":404,"length":0,"latency":3},"src_endpoint":{"ip":"192.168.0.9","autonomous_system":{"number":65000},"location":{"country":"DE"}},"actor":{"user":{"credential_uid":"key-17"}},"observables":[{"name":"src_endpoint.ip","type_id":2,"type":"IP Address","value":"192.168.0.9"}],"unmapped":{"breachlab":{"event_id":4294967298,"ip_kind":"proxy","client_kind":"sdk","route":"/v1/lookup","latency_ms":3.0,"records_returned":0}}}"#,
        ]
    );
}

#[test]
fn ocsf_activity_ids_follow_the_schema() {
    use breachlab_export::ocsf_activity;
    let ids: Vec<u8> = [
        "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "TRACE", "PATCH", "BREW",
    ]
    .iter()
    .map(|m| ocsf_activity(m).0)
    .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 99]);
}

#[test]
fn combined_log_lines() {
    // nginx's default `combined`: no Basic auth, so `$remote_user` is `-`; nothing after
    // the user agent.
    let lines = encode(Format::Combined, false);
    assert_eq!(
        lines,
        [
            r#"10.1.2.3 - - [01/Mar/2026:12:34:56 +0000] "GET /v1/accounts/1001 HTTP/1.1" 200 512 "-" "App/1.2 (iOS)""#,
            r#"192.168.0.9 - - [01/Mar/2026:12:34:57 +0000] "POST /v1/lookup?email=a%40example.com HTTP/1.1" 404 0 "-" "curl/8.5 \x22q\x22""#,
        ]
    );
}

#[test]
fn combined_ext_log_lines() {
    let lines = encode(Format::CombinedExt, false);
    assert_eq!(
        lines,
        [
            r#"10.1.2.3 - - [01/Mar/2026:12:34:56 +0000] "GET /v1/accounts/1001 HTTP/1.1" 200 512 "-" "App/1.2 (iOS)" principal="42" api_key="-" event_id=4294967297"#,
            r#"192.168.0.9 - - [01/Mar/2026:12:34:57 +0000] "POST /v1/lookup?email=a%40example.com HTTP/1.1" 404 0 "-" "curl/8.5 \x22q\x22" principal="-" api_key="key-17" event_id=4294967298"#,
        ]
    );
}

#[test]
fn truth_out_of_step_is_an_error() {
    let mut out = Vec::new();
    let wrong = truth(4_294_967_299);
    let error = Encoder::new(Format::Jsonl, "0.2.0")
        .encode(&events(), Some(&wrong), &mut out)
        .unwrap_err();
    assert!(matches!(error, ExportError::Lockstep(_)), "{error}");
    assert!(error.to_string().contains("row 1"), "{error}");
}

#[test]
fn combined_refuses_truth_and_a_missing_column_is_named() {
    let mut out = Vec::new();
    let t = truth(4_294_967_298);
    let error = Encoder::new(Format::Combined, "0.2.0")
        .encode(&events(), Some(&t), &mut out)
        .unwrap_err();
    assert!(matches!(error, ExportError::TruthNotSupported("combined")));
    let error = Encoder::new(Format::CombinedExt, "0.2.0")
        .encode(&events(), Some(&t), &mut out)
        .unwrap_err();
    assert!(matches!(
        error,
        ExportError::TruthNotSupported("combined-ext")
    ));
    let narrow = events().project(&[0, 1]).unwrap();
    let error = Encoder::new(Format::Jsonl, "0.2.0")
        .encode(&narrow, None, &mut out)
        .unwrap_err();
    assert!(error.to_string().contains("`client_ip`"), "{error}");
}
