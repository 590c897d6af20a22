//! Generation throughput in events/s, stage by stage: slices of the plan to in-memory
//! events, events to Arrow batches, and the whole `generate` to zstd Parquet with one and
//! two threads. The default scenario at `--scale 2` gives about 1-2 million events.
//!
//! Run: `cargo bench -p breachlab-benches --bench generate`.

use breachlab_dataset::{GenerateOptions, Progress, generate};
use breachlab_generator::event::Event;
use breachlab_generator::render::BatchBuilder;
use breachlab_generator::{LoadedScenario, Plan, Shard};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const SEED: u64 = 1;
const SCALE: f64 = 2.0;
/// Rows per Arrow batch, as the writer gathers them.
const BATCH_ROWS: usize = 64 * 1024;

fn all_slices(plan: &Plan) -> Vec<Vec<Event>> {
    (0..plan.world.calendar.slices)
        .map(|slice| {
            let mut events = Vec::new();
            plan.slice_events(slice, &mut events);
            events
        })
        .collect()
}

fn generation(c: &mut Criterion) {
    let scenario = LoadedScenario::default_scenario();
    let plan = Plan::new(&scenario, SEED, SCALE).expect("default scenario plans");
    let slices = all_slices(&plan);
    let events: u64 = slices.iter().map(|s| s.len() as u64).sum();
    eprintln!("default scenario at scale {SCALE}: {events} events");

    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(events));

    group.bench_function("slices_to_events", |b| {
        let mut buffer = Vec::new();
        b.iter(|| {
            let mut n = 0;
            for slice in 0..plan.world.calendar.slices {
                plan.slice_events(slice, &mut buffer);
                n += buffer.len();
            }
            black_box(n)
        })
    });

    group.bench_function("events_to_arrow", |b| {
        b.iter(|| {
            let mut builder = BatchBuilder::new(plan.world.seed, &plan.campaigns);
            let mut rows = 0;
            for (slice, events) in slices.iter().enumerate() {
                builder.push_slice(slice as u64, events);
                if builder.rows() >= BATCH_ROWS {
                    rows += black_box(builder.finish()).0.num_rows();
                }
            }
            rows + builder.finish().0.num_rows()
        })
    });

    for threads in [1, 2] {
        group.bench_function(format!("parquet_threads_{threads}"), |b| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let options = GenerateOptions {
                out: dir.path().to_path_buf(),
                seed: SEED,
                scale: SCALE,
                threads,
                shard: Shard::WHOLE,
                force: true,
            };
            b.iter(|| {
                let summary = generate(&scenario, &options, Arc::new(Progress::default()))
                    .expect("generation succeeds");
                assert_eq!(summary.events, events);
                summary.bytes
            })
        });
    }
    group.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
