//! `breachlab replay` against `breachlab origin` on 127.0.0.1: every event id arrives, and
//! the origin answers with the recorded statuses and body sizes. Bounded: a few thousand
//! requests, every child process killed after a deadline.

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type};
use breachlab_dataset::Dataset;
use common::{breachlab, generated_dataset, text};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EVENTS: usize = 3000;

/// The first `n` events' ids, and their recorded status counts and body bytes.
fn recorded(dir: &Path, n: usize) -> (Vec<i64>, BTreeMap<u16, u64>, u64) {
    let dataset = Dataset::open(dir).unwrap();
    let (mut ids, mut statuses, mut bytes) = (Vec::new(), BTreeMap::new(), 0u64);
    let columns = ["event_id", "status", "response_bytes", "method"];
    for batch in dataset.batches("events", &columns, 1024) {
        let batch = batch.unwrap();
        let column = |name| batch.column_by_name(name).unwrap();
        let id = column("event_id").as_primitive::<Int64Type>();
        let status = column("status").as_primitive::<Int16Type>();
        let size = column("response_bytes").as_primitive::<Int32Type>();
        let method = column("method").as_string::<i32>();
        for row in 0..batch.num_rows() {
            if ids.len() == n {
                return (ids, statuses, bytes);
            }
            ids.push(id.value(row));
            let code = status.value(row) as u16;
            *statuses.entry(code).or_insert(0) += 1;
            if !matches!(code, 100..=199 | 204 | 304) && method.value(row) != "HEAD" {
                bytes += size.value(row) as u64;
            }
        }
    }
    (ids, statuses, bytes)
}

/// Starts `breachlab origin` on an ephemeral loopback port; returns it and its URL.
fn start_origin(dir: &Path, seen: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_breachlab"))
        .args(["origin", dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .args(["--latency-scale", "0", "--seen", seen.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .strip_prefix("origin listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("origin printed {line:?}"))
        .to_string();
    (child, url)
}

/// Waits for `child` at most `limit`, killing it past that.
fn wait(mut child: Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("process still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn terminate(child: &Child) {
    // SAFETY: sending SIGTERM to a child this test started and has not reaped.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
}

#[test]
fn replay_reaches_the_origin_with_every_event_and_recorded_responses() {
    let (tmp, dir) = generated_dataset("0.002", &[]);
    let seen = tmp.path().join("seen.txt");
    let (origin, url) = start_origin(&dir, &seen);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let limit = EVENTS.to_string();
    let replay = Command::new(env!("CARGO_BIN_EXE_breachlab"))
        .args(["replay", dir.to_str().unwrap(), "--target", &url])
        .args([
            "--max-rate",
            "50000",
            "--limit",
            &limit,
            "--concurrency",
            "16",
        ])
        .output()
        .unwrap();
    terminate(&origin);
    let origin = wait(origin, Duration::from_secs(30));
    let replay_text = text(&replay);
    assert!(replay.status.success(), "{replay_text}");
    assert!(origin.status.success(), "{}", text(&origin));

    let (ids, statuses, bytes) = recorded(&dir, EVENTS);
    assert_eq!(ids.len(), EVENTS, "the dataset is large enough");
    // The origin saw exactly the replayed events.
    let seen_ids: Vec<i64> = std::fs::read_to_string(&seen)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let mut expected = ids.clone();
    expected.sort_unstable();
    assert_eq!(seen_ids, expected);
    let origin_text = text(&origin);
    assert!(
        origin_text.contains(&format!("{EVENTS} requests, {EVENTS} distinct events of"))
            && origin_text.contains("0 repeated, 0 unknown"),
        "{origin_text}"
    );
    // The client got the recorded statuses and body sizes.
    assert!(
        replay_text.contains(&format!("replayed {EVENTS} events"))
            && replay_text.contains(&format!("({EVENTS} answered, 0 failed)")),
        "{replay_text}"
    );
    let status_line: Vec<String> = statuses.iter().map(|(s, n)| format!("{s} {n}")).collect();
    assert!(
        replay_text.contains(&format!(
            "statuses: {}; {bytes} response body bytes",
            status_line.join(", ")
        )),
        "recorded {status_line:?}, {bytes} bytes; replay said:\n{replay_text}"
    );
    assert!(
        statuses.len() > 1,
        "the sample has several statuses: {statuses:?}"
    );
}

#[test]
fn speed_paces_by_the_events_timestamps() {
    let (tmp, dir) = generated_dataset("0.002", &[]);
    let seen = tmp.path().join("seen.txt");
    let (origin, url) = start_origin(&dir, &seen);
    // The first 200 events span some dataset seconds; at --speed S they take span/S.
    let replay = Command::new(env!("CARGO_BIN_EXE_breachlab"))
        .args(["replay", dir.to_str().unwrap(), "--target", &url])
        .args(["--speed", "2000", "--limit", "200"])
        .output()
        .unwrap();
    terminate(&origin);
    wait(origin, Duration::from_secs(30));
    let out = text(&replay);
    assert!(replay.status.success(), "{out}");
    let number = |after: &str, before: &str| -> f64 {
        let start = out.find(after).unwrap() + after.len();
        let rest = &out[start..];
        rest[..rest.find(before).unwrap()].trim().parse().unwrap()
    };
    let elapsed = number(" in ", " s: ");
    let span = number("dataset time covered: ", " s;");
    assert!(span > 0.0, "{out}");
    let wanted = span / 2000.0;
    assert!(
        elapsed >= wanted * 0.95 && elapsed <= wanted + 2.0,
        "span {span} s at speed 2000 should take {wanted:.2} s, took {elapsed} s:\n{out}"
    );
}

#[test]
fn bad_targets_and_flags_are_refused_with_the_fix() {
    let (tmp, dir) = generated_dataset("0.002", &[]);
    let d = dir.to_str().unwrap();
    // A port nothing listens on: bind one, note it, free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}");
    for (args, wanted) in [
        (vec!["--target", target.as_str()], "cannot connect"),
        (vec!["--target", "127.0.0.1:8080"], "give http://HOST:PORT"),
        (vec!["--target", "https://127.0.0.1:1"], "only http://"),
        (
            vec!["--target", target.as_str(), "--speed", "0"],
            "--speed 0: must be a positive",
        ),
    ] {
        let out = breachlab(&[&["replay", d][..], &args[..]].concat());
        let said = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {said}");
        assert!(said.contains(wanted), "{args:?}: {said}");
        assert!(!said.contains("panicked"), "{said}");
    }
    let out = breachlab(&["replay", "/nonexistent-dataset", "--target", &target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("nonexistent-dataset"), "{}", text(&out));

    // The origin: a --seen file is never silently replaced; a taken port is named.
    let seen = tmp.path().join("seen.txt");
    std::fs::write(&seen, "keep me").unwrap();
    let out = breachlab(&["origin", d, "--seen", seen.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("pass --force"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "keep me");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = breachlab(&["origin", d, "--listen", &address]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains(&format!("--listen {address}: cannot listen there")),
        "{}",
        text(&out)
    );
}
