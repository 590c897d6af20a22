//! `breachlab import`, run as a user would: breachlab's own exports of a small generated
//! dataset read back (round trip: the fields each format carries are equal, compared
//! through a `jsonl` export of the imported dataset), gzip and standard input, bad lines
//! counted with their line numbers, `--max-bad-lines`, `--pseudonymize`, and the same
//! files whatever `--chunk-events`.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

mod common;

use common::{breachlab, generated_dataset, text};

fn export(data: &Path, format: &str, out: &Path) {
    let output = breachlab(&[
        "export",
        data.to_str().unwrap(),
        "--format",
        format,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{format}: {}", text(&output));
}

fn import(logs: &[&Path], format: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import"];
    args.extend(logs.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--format", format, "--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    breachlab(&args)
}

/// The events of a dataset as JSON objects, through `export --format jsonl`.
fn rows(data: &Path) -> Vec<Value> {
    let out = data.with_extension("rows.jsonl");
    export(data, "jsonl", &out);
    std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn manifest(data: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(data.join("manifest.json")).unwrap()).unwrap()
}

/// What each format carries (docs/import.md); `route` is inferred from the path.
fn carried(format: &str) -> &'static [&'static str] {
    match format {
        "jsonl" | "ecs" => &[
            "event_id",
            "ts",
            "client_ip",
            "ip_asn",
            "ip_kind",
            "country",
            "user_agent",
            "client_kind",
            "api_key_id",
            "principal_id",
            "session_id",
            "method",
            "route",
            "path",
            "status",
            "latency_ms",
            "response_bytes",
            "records_returned",
        ],
        "combined-ext" => &[
            "event_id",
            "client_ip",
            "user_agent",
            "api_key_id",
            "principal_id",
            "method",
            "route",
            "path",
            "status",
            "response_bytes",
        ],
        _ => &[
            "client_ip",
            "user_agent",
            "method",
            "route",
            "path",
            "status",
            "response_bytes",
        ],
    }
}

const LACKED_BY_COMBINED: [&str; 8] = [
    "ip_asn",
    "ip_kind",
    "country",
    "client_kind",
    "session_id",
    "latency_ms",
    "records_returned",
    "api_key_id",
];

#[test]
fn own_exports_round_trip() {
    let (dir, data) = generated_dataset("0.002", &[]);
    let original = rows(&data);
    assert!(original.len() > 1000, "{} events", original.len());
    for format in ["jsonl", "ecs", "combined-ext", "combined"] {
        let log = dir.path().join(format!("events.{format}"));
        export(&data, format, &log);
        let imported = dir.path().join(format!("imported-{format}"));
        let import_format = if format.starts_with("combined") {
            "combined"
        } else {
            format
        };
        let output = import(&[&log], import_format, &imported, &[]);
        assert!(output.status.success(), "{format}: {}", text(&output));
        assert!(text(&output).contains("(0 bad)"), "{}", text(&output));
        let back = rows(&imported);
        assert_eq!(back.len(), original.len(), "{format}: every event imported");
        for (n, (a, b)) in original.iter().zip(&back).enumerate() {
            for field in carried(format) {
                assert_eq!(a[field], b[field], "{format}: event {n}, {field}");
            }
            // The target id of a templated route is its numeric segment.
            if a["route"].as_str().unwrap().contains("{id}") {
                assert_eq!(a["target_id"], b["target_id"], "{format}: event {n}");
            }
            let (ts_a, ts_b) = (a["ts"].as_str().unwrap(), b["ts"].as_str().unwrap());
            if format.starts_with("combined") {
                // Access logs are to the second.
                assert_eq!(ts_a[..19], ts_b[..19], "{format}: event {n}");
                assert!(ts_b.ends_with(".000000Z"));
                for field in LACKED_BY_COMBINED {
                    if !carried(format).contains(&field) {
                        assert!(b[field].is_null(), "{format}: {field} should be null");
                    }
                }
            }
            if format == "combined" {
                assert!(b["principal_id"].is_null());
                assert_eq!(b["event_id"], n as i64 + 1, "numbered from 1 in time order");
            }
        }
        let m = manifest(&imported);
        let info = &m["imported"];
        assert_eq!(info["imported"], true);
        assert_eq!(info["labels"], "unknown");
        assert_eq!(info["real_identities"], true);
        assert_eq!(info["source_event_ids"], format != "combined");
        let bytes = std::fs::read(&log).unwrap();
        use sha2::Digest;
        let sha: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(info["sources"][0]["sha256"], sha.as_str());
        assert_eq!(info["sources"][0]["bytes"], bytes.len() as u64);
        // The truth table has one unlabelled row per event.
        assert_eq!(m["row_counts"]["truth"], m["row_counts"]["events"]);
        let verify = breachlab(&["verify", imported.to_str().unwrap()]);
        assert!(verify.status.success(), "verify: {}", text(&verify));
        // Sorted externally in chunks of 97 events: the same files, byte for byte.
        let chunked = dir.path().join(format!("chunked-{format}"));
        let output = import(&[&log], import_format, &chunked, &["--chunk-events", "97"]);
        assert!(output.status.success(), "{format}: {}", text(&output));
        assert_eq!(
            files(&chunked),
            files(&imported),
            "{format}: chunked import"
        );
    }
}

/// Every file of a dataset folder and the SHA-256 of its bytes, by name.
fn files(root: &Path) -> Vec<(PathBuf, String)> {
    use sha2::Digest;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let sha: String = sha2::Sha256::digest(std::fs::read(&path).unwrap())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), sha));
            }
        }
    }
    out.sort();
    out
}

/// A few lines of nginx's default format, the last two bad.
fn nginx_log(dir: &Path) -> PathBuf {
    let path = dir.join("access.log");
    let lines = [
        r#"203.0.113.9 - - [01/Mar/2026:10:00:02 +0000] "GET /v1/accounts/77/lines HTTP/1.1" 200 91 "-" "Mozilla/5.0""#,
        r#"203.0.113.7 - - [01/Mar/2026:10:00:01 +0000] "GET /v1/accounts/8812731 HTTP/1.1" 404 12 "-" "curl/8.5""#,
        r#"198.51.100.4 - alice [01/Mar/2026:11:00:00 +0100] "POST /v1/orders/123e4567-e89b-12d3-a456-426614174000 HTTP/2.0" 201 5 "https://x" "app/1""#,
        "this is not an access log line",
        r#"203.0.113.7 - - [01/Mar/2026:10:00:03 +0000] "GET /v1/x HTTP/1.1" OK 12 "-" "-""#,
    ];
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn a_real_log_gzip_stdin_bad_lines_and_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    let log = nginx_log(dir.path());
    let plain = dir.path().join("plain");
    let output = import(&[&log], "combined", &plain, &[]);
    assert!(output.status.success(), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains("access.log line 4:"), "{said}");
    assert!(
        said.contains("access.log line 5: the status `OK`"),
        "{said}"
    );
    assert!(
        said.contains("imported 3 events from 5 lines (2 bad)"),
        "{said}"
    );
    let back = rows(&plain);
    // Sorted by time: 10:00:00 (11:00 +0100), 10:00:01, 10:00:02.
    let routes: Vec<&str> = back.iter().map(|r| r["route"].as_str().unwrap()).collect();
    assert_eq!(
        routes,
        [
            "/v1/orders/{id}",
            "/v1/accounts/{id}",
            "/v1/accounts/{id}/lines"
        ]
    );
    let targets: Vec<Value> = back.iter().map(|r| r["target_id"].clone()).collect();
    assert_eq!(targets, [Value::Null, 8_812_731.into(), 77.into()]);
    assert_eq!(back[0]["ts"], "2026-03-01T10:00:00.000000Z");
    assert!(
        back[0]["principal_id"].is_i64(),
        "Basic auth's user is a principal"
    );
    assert_eq!(manifest(&plain)["imported"]["bad_lines"], 2);

    // gzip, and standard input, give the same events.
    let gz = dir.path().join("access.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(&std::fs::read(&log).unwrap()).unwrap();
    encoder.finish().unwrap();
    let zipped = dir.path().join("zipped");
    assert!(import(&[&gz], "combined", &zipped, &[]).status.success());
    assert_eq!(rows(&zipped), back);
    assert_eq!(manifest(&zipped)["imported"]["sources"][0]["gzip"], true);
    let stdin_out = dir.path().join("stdin");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_breachlab"))
        .args(["import", "-", "--format", "combined", "--out"])
        .arg(&stdin_out)
        .stdin(std::fs::File::open(&log).unwrap())
        .output()
        .unwrap();
    assert!(child.status.success(), "{}", text(&child));
    assert_eq!(rows(&stdin_out), back);

    // --max-bad-lines: more than allowed stops with the first bad lines named; nothing written.
    let strict = dir.path().join("strict");
    let output = import(&[&log], "combined", &strict, &["--max-bad-lines", "1"]);
    assert_eq!(output.status.code(), Some(1));
    let said = text(&output);
    assert!(said.contains("more than 1 bad lines"), "{said}");
    assert!(said.contains("line 4"), "{said}");
    assert!(said.contains("--max-bad-lines"), "{said}");
    assert!(!strict.exists());
    // An existing output folder is never replaced.
    let again = import(&[&log], "combined", &plain, &[]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // --pseudonymize: addresses into 10/8, principals hashed; the same key, the same mapping.
    let hidden = |name: &str, key: &str| {
        let out = dir.path().join(name);
        let output = import(&[&log], "combined", &out, &["--pseudonymize", key]);
        assert!(output.status.success(), "{}", text(&output));
        (rows(&out), manifest(&out))
    };
    let (a, m) = hidden("p1", "k1");
    let (b, _) = hidden("p2", "k1");
    let (c, _) = hidden("p3", "k2");
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(m["imported"]["real_identities"], false);
    assert_eq!(m["imported"]["pseudonymized_with"], "HMAC-SHA256");
    for (row, original) in a.iter().zip(&back) {
        let ip = row["client_ip"].as_str().unwrap();
        assert!(ip.starts_with("10.") && ip != original["client_ip"], "{ip}");
    }
    assert_ne!(a[0]["principal_id"], back[0]["principal_id"]);
}
