//! The external sort gives the same dataset, byte for byte, whatever the chunk size: a
//! log imported a few events at a time (many runs, merged in groups) and in one chunk
//! (sorted in memory) writes identical files.

use std::path::{Path, PathBuf};

use breachlab_import::{ImportOptions, LogFormat, import_logs};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A combined log of `n` lines out of time order over three days, with many events of
/// the same second (ties keep the log's order), some with `event_id` fields.
fn write_log(path: &Path, n: u64, with_ids: bool) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut text = String::new();
    for i in 0..n {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // 3 days of 40 distinct seconds each, so many lines share a time.
        let second = (state >> 33) % 120;
        let (day, rest) = (5 + second / 40, second % 40);
        let ts = format!(
            "{day:02}/{}/2026:10:{rest:02}:{:02} +0000",
            MONTHS[11],
            rest % 7
        );
        let ids = if with_ids {
            // Ids increasing with time, so the sources' ids are kept.
            format!(" event_id={}", (day * 100 + rest) * 1_000_000 + i)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "10.0.{}.{} - - [{ts}] \"GET /v1/accounts/{} HTTP/1.1\" {} {} \"-\" \"client-{}\"{ids}\n",
            i % 7,
            i % 251,
            1000 + (state >> 40) % 5000,
            [200, 404, 429][(i % 3) as usize],
            100 + i,
            i % 5,
        ));
    }
    std::fs::write(path, text).unwrap();
}

/// Every file of a dataset folder with its bytes, by relative path.
fn files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

fn import(log: &Path, out: &Path, chunk_events: usize, key: Option<&str>) {
    let mut options = ImportOptions::new(LogFormat::Combined);
    options.chunk_events = chunk_events;
    options.pseudonymize_key = key.map(|k| k.as_bytes().to_vec());
    let summary = import_logs(&[log.to_path_buf()], &options, out, &|_| {}).unwrap();
    assert_eq!(summary.bad_lines, 0);
}

fn same_output_for_chunks(n: u64, with_ids: bool, key: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    write_log(&log, n, with_ids);
    let whole = dir.path().join("whole");
    import(&log, &whole, usize::MAX, key);
    let whole_files = files(&whole);
    assert!(
        whole_files.len() >= 7,
        "three days of events and truth, and a manifest: {whole_files:?}"
    );
    for chunk in [1, 3, 50, n as usize - 1] {
        let chunked = dir.path().join(format!("chunk-{chunk}"));
        import(&log, &chunked, chunk, key);
        let chunked_files = files(&chunked);
        assert_eq!(
            chunked_files.iter().map(|f| &f.0).collect::<Vec<_>>(),
            whole_files.iter().map(|f| &f.0).collect::<Vec<_>>(),
            "chunk {chunk}: the same files"
        );
        for ((name, a), (_, b)) in chunked_files.iter().zip(&whole_files) {
            assert!(a == b, "chunk {chunk}: {} differs", name.display());
        }
    }
    // Nothing but the outputs is left beside them: the runs' folder is removed.
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut expected = ["access.log", "chunk-1", "chunk-3", "chunk-50", "whole"]
        .map(String::from)
        .to_vec();
    expected.push(format!("chunk-{}", n - 1));
    left.sort();
    expected.sort();
    assert_eq!(left, expected);
}

#[test]
fn chunk_size_never_changes_the_output() {
    // 600 events in chunks of 1: 600 runs, merged in groups before the last merge.
    same_output_for_chunks(600, false, None);
}

#[test]
fn source_event_ids_and_pseudonyms_survive_the_external_sort() {
    same_output_for_chunks(300, true, Some("secret"));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    write_log(&log, 50, true);
    let out = dir.path().join("out");
    let mut options = ImportOptions::new(LogFormat::Combined);
    options.chunk_events = 4;
    let summary = import_logs(&[log], &options, &out, &|_| {}).unwrap();
    assert!(summary.source_event_ids, "ids increase with time: kept");
    assert_eq!(summary.events, 50);
}

#[test]
fn the_event_limit_stops_a_chunked_import_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    write_log(&log, 40, false);
    let out = dir.path().join("out");
    let mut options = ImportOptions::new(LogFormat::Combined);
    options.chunk_events = 5;
    options.max_events = Some(30);
    let error = import_logs(&[log], &options, &out, &|_| {}).unwrap_err();
    assert!(error.to_string().contains("more than 30 events"), "{error}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        left.len(),
        1,
        "only the log: no output, no runs left behind"
    );
}
