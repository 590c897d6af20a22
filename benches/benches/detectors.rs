//! Events per second of every registered detector on one core, on ~1M synthetic events
//! with realistic cardinalities (100k IPs, 50k principals, 5k API keys, 20 routes, two
//! hours of traffic), fed in 8192-row batches as a Parquet reader would hand them over.
//! Each iteration builds a fresh detector, so map growth is part of the cost (dropping it
//! is not).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use arrow_array::RecordBatch;
use breachlab_detectors::testing::{SyntheticTraffic, events_batch, synthetic_events};
use breachlab_detectors::{Params, build, registry};

const EVENTS: usize = 1 << 20;
const BATCH_ROWS: usize = 8192;

fn batches() -> Vec<RecordBatch> {
    let rows = synthetic_events(SyntheticTraffic {
        events: EVENTS,
        ips: 100_000,
        principals: 50_000,
        api_keys: 5_000,
        routes: 20,
        duration_secs: 2.0 * 3600.0,
        prober_every: 1000,
        seed: 1,
    });
    let batch = events_batch(0, &rows);
    (0..EVENTS)
        .step_by(BATCH_ROWS)
        .map(|offset| batch.slice(offset, BATCH_ROWS.min(EVENTS - offset)))
        .collect()
}

fn detectors(c: &mut Criterion) {
    let batches = batches();
    let mut group = c.benchmark_group("detectors");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(10);
    for info in registry() {
        group.bench_function(info.name, |bencher| {
            bencher.iter_batched(
                || {
                    let detector = build(info.name, &Params::new()).expect("defaults build");
                    (detector, Vec::with_capacity(EVENTS))
                },
                |(mut detector, mut scores)| {
                    for batch in &batches {
                        detector.score_batch(batch, &mut scores).expect("scores");
                    }
                    (detector, scores)
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, detectors);
criterion_main!(benches);
