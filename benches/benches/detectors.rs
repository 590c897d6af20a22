//! Events per second of every registered detector on one core, on synthetic traffic with
//! realistic cardinalities (100k IPs, 50k principals, 5k API keys, 20 routes, 2^20 events
//! per two hours), fed in 8192-row batches as the harness's reader hands them over: written
//! to Parquet with the dataset's writer settings and read back with the strings as
//! dictionaries (so a batch of client IPs may share a column chunk's whole dictionary).
//!
//! Two groups: `steady` times the second 2^20 events after the detector has seen the
//! first 2^20 (its maps already grown, as in a gateway that has been running), `cold`
//! times the first 2^20 on a fresh detector, so map growth and page faults count too.
//!
//! A third, `combined-parts`, says where `combined`'s time goes, timed as `steady`: each
//! part alone (the others weighted 0, so the fused per-actor state is the same size),
//! the three actor parts together, all parts with the string keys derived ahead as the
//! harness's reader does, and each of those again on a population of 1.5k actors, whose
//! states all stay in cache, against 150k.
//!
//! Times are the benchmark thread's on-CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall
//! time: on a machine shared with builds, wall time also counts the time the thread
//! waited for a core, which says nothing about the detector. Set `BENCH_WALL_TIME=1` to
//! measure wall time instead.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use arrow_array::RecordBatch;
use breachlab_detectors::testing::{SyntheticTraffic, events_batch, synthetic_events};
use breachlab_detectors::{EventBatch, KeyCache, Params, SharedColumns, build, registry};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

const EVENTS: usize = 1 << 20;
const BATCH_ROWS: usize = 8192;

/// Two consecutive halves of 2^20 events each, from 100k IPs and 50k principals.
fn traffic() -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    traffic_of(100_000, 50_000)
}

/// Two consecutive halves of 2^20 events each, from `ips` IPs and `principals`
/// principals.
fn traffic_of(ips: u64, principals: u64) -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    let rows = synthetic_events(SyntheticTraffic {
        events: 2 * EVENTS,
        ips,
        principals,
        api_keys: 5_000,
        routes: 20,
        duration_secs: 4.0 * 3600.0,
        prober_every: 1000,
        seed: 1,
    });
    let mut batches = read_back(&events_batch(0, &rows));
    let second_half = batches.split_off(batches.len() / 2);
    (batches, second_half)
}

/// `batch` in `BATCH_ROWS`-row batches as the harness's reader hands them to built-in
/// detectors: written to Parquet with the dataset's writer properties, read back with its
/// string columns as dictionaries.
fn read_back(batch: &RecordBatch) -> Vec<RecordBatch> {
    let mut file = tempfile::tempfile().expect("a temporary file");
    let properties = breachlab_writer::parquet_io::properties("");
    let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), Some(properties))
        .expect("the events schema writes");
    writer.write(batch).expect("the batch writes");
    writer.close().expect("the file closes");
    let schema = breachlab_dataset::read::dictionary_schema(&batch.schema());
    let options = ArrowReaderOptions::new().with_schema(schema);
    ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
        .expect("the file reads back")
        .with_batch_size(BATCH_ROWS)
        .build()
        .expect("the reader builds")
        .collect::<Result<_, _>>()
        .expect("the batches read back")
}

/// On-CPU time to score `timed` with a detector called `name` that first saw `warm_up`.
fn score_once(name: &str, warm_up: &[RecordBatch], timed: &[RecordBatch]) -> Duration {
    score_with(name, &Params::new(), warm_up, timed, false)
}

/// On-CPU time to score `timed` with detector `name` built with `params` that first saw
/// `warm_up`; with `derived_ahead`, the string keys of `timed` are derived before the
/// clock starts and handed over as the harness's reader hands them.
fn score_with(
    name: &str,
    params: &Params,
    warm_up: &[RecordBatch],
    timed: &[RecordBatch],
    derived_ahead: bool,
) -> Duration {
    let mut detector = build(name, params).expect("the parameters build");
    let mut scores = Vec::with_capacity(EVENTS);
    for batch in warm_up {
        detector
            .score(&EventBatch::new(batch), &mut scores)
            .expect("scores");
    }
    scores.clear();
    let mut key_cache = KeyCache::default();
    let shared: Vec<SharedColumns> = match derived_ahead {
        true => timed
            .iter()
            .map(|batch| SharedColumns::derive(batch, detector.shared_needs(), &mut key_cache))
            .collect(),
        false => Vec::new(),
    };
    let clock = Clock::new();
    for (index, batch) in timed.iter().enumerate() {
        let batch = match shared.get(index) {
            Some(shared) => EventBatch::with_shared(batch, shared),
            None => EventBatch::new(batch),
        };
        detector.score(&batch, &mut scores).expect("scores");
    }
    let elapsed = clock.elapsed();
    std::hint::black_box((detector, scores));
    elapsed
}

/// The thread's on-CPU time, or wall time when `BENCH_WALL_TIME` is set.
enum Clock {
    Wall(Instant),
    ThreadCpu(Duration),
}

impl Clock {
    fn new() -> Self {
        match std::env::var_os("BENCH_WALL_TIME") {
            Some(_) => Clock::Wall(Instant::now()),
            None => Clock::ThreadCpu(thread_cpu_time()),
        }
    }

    fn elapsed(&self) -> Duration {
        match self {
            Clock::Wall(start) => start.elapsed(),
            Clock::ThreadCpu(start) => thread_cpu_time().saturating_sub(*start),
        }
    }
}

fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec for the call to write into.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "CLOCK_THREAD_CPUTIME_ID is unavailable");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn detectors(c: &mut Criterion) {
    let (first_half, second_half) = traffic();
    let cases: [(&str, &[RecordBatch], &[RecordBatch]); 2] = [
        ("steady", &first_half, &second_half),
        ("cold", &[], &first_half),
    ];
    for (group_name, warm_up, timed) in cases {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(EVENTS as u64));
        group.sample_size(10);
        for info in registry() {
            group.bench_function(info.name, |bencher| {
                bencher.iter_custom(|iterations| {
                    (0..iterations)
                        .map(|_| score_once(info.name, warm_up, timed))
                        .sum()
                });
            });
        }
        group.finish();
    }
}

/// `combined` with only `kept` of its parts (the others weighted 0).
fn combined_with(kept: &[&str]) -> Params {
    let weights = [
        "fanout_weight",
        "sequential_weight",
        "not_found_weight",
        "route_volume_weight",
    ];
    let dropped = weights.iter().filter(|weight| !kept.contains(weight));
    Params::from_assignments(dropped.map(|weight| format!("{weight}=0.0"))).expect("weights parse")
}

fn combined_parts(c: &mut Criterion) {
    let actor_parts = ["fanout_weight", "sequential_weight", "not_found_weight"];
    let all = [
        "route_volume_weight",
        actor_parts[0],
        actor_parts[1],
        actor_parts[2],
    ];
    let cases: [(&str, &[&str], bool); 7] = [
        ("all", &all, false),
        ("all-keys-derived-ahead", &all, true),
        ("actor-parts", &actor_parts, false),
        ("fanout", &["fanout_weight"], false),
        ("sequential", &["sequential_weight"], false),
        ("not-found", &["not_found_weight"], false),
        ("route-volume", &["route_volume_weight"], false),
    ];
    let mut group = c.benchmark_group("combined-parts");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    for (population, ips, principals) in [
        ("150k-actors", 100_000, 50_000),
        ("1.5k-actors", 1_000, 500),
    ] {
        let (warm_up, timed) = traffic_of(ips, principals);
        for (case, kept, derived_ahead) in cases {
            let params = combined_with(kept);
            group.bench_function(format!("{case}/{population}"), |bencher| {
                bencher.iter_custom(|iterations| {
                    (0..iterations)
                        .map(|_| score_with("combined", &params, &warm_up, &timed, derived_ahead))
                        .sum()
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, detectors, combined_parts);
criterion_main!(benches);
