//! Events per second of every registered detector on one core, on synthetic traffic with
//! realistic cardinalities (100k IPs, 50k principals, 5k API keys, 20 routes, 2^20 events
//! per two hours), fed in 8192-row batches as a Parquet reader would hand them over.
//!
//! Two groups: `steady` times the second 2^20 events after the detector has seen the
//! first 2^20 (its maps already grown, as in a gateway that has been running), `cold`
//! times the first 2^20 on a fresh detector, so map growth and page faults count too.
//!
//! Times are the benchmark thread's on-CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall
//! time: on a machine shared with builds, wall time also counts the time the thread
//! waited for a core, which says nothing about the detector. Set `BENCH_WALL_TIME=1` to
//! measure wall time instead.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use arrow_array::RecordBatch;
use breachlab_detectors::testing::{SyntheticTraffic, events_batch, synthetic_events};
use breachlab_detectors::{EventBatch, Params, build, registry};

const EVENTS: usize = 1 << 20;
const BATCH_ROWS: usize = 8192;

/// Two consecutive halves of 2^20 events each.
fn traffic() -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    let rows = synthetic_events(SyntheticTraffic {
        events: 2 * EVENTS,
        ips: 100_000,
        principals: 50_000,
        api_keys: 5_000,
        routes: 20,
        duration_secs: 4.0 * 3600.0,
        prober_every: 1000,
        seed: 1,
    });
    let batch = events_batch(0, &rows);
    let mut batches: Vec<RecordBatch> = (0..2 * EVENTS)
        .step_by(BATCH_ROWS)
        .map(|offset| batch.slice(offset, BATCH_ROWS.min(2 * EVENTS - offset)))
        .collect();
    let second_half = batches.split_off(batches.len() / 2);
    (batches, second_half)
}

/// On-CPU time to score `timed` with a detector called `name` that first saw `warm_up`.
fn score_once(name: &str, warm_up: &[RecordBatch], timed: &[RecordBatch]) -> Duration {
    let mut detector = build(name, &Params::new()).expect("defaults build");
    let mut scores = Vec::with_capacity(EVENTS);
    for batch in warm_up {
        detector
            .score(&EventBatch::new(batch), &mut scores)
            .expect("scores");
    }
    scores.clear();
    let clock = Clock::new();
    for batch in timed {
        detector
            .score(&EventBatch::new(batch), &mut scores)
            .expect("scores");
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

criterion_group!(benches, detectors);
criterion_main!(benches);
