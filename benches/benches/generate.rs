//! Generation throughput in events/s, stage by stage: slices of the plan to in-memory
//! events, events to Arrow batches, Arrow batches to zstd Parquet in memory (the writer's
//! share alone, `events` and `truth`), and the whole `generate` with one and two threads. The default scenario at `--scale 2` gives about 1-2 million events.
//!
//! Run: `cargo bench -p breachlab-benches --bench generate`.

use arrow_array::RecordBatch;
use breachlab_benches::{all_slices, parquet_in_memory, rendered};
use breachlab_generator::{LoadedScenario, Plan, Shard};
use breachlab_schema::{events_schema, truth_schema};
use breachlab_writer::{
    BATCH_ROWS, GenerateOptions, Progress, batch_builder, generate, parquet_io,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const SEED: u64 = 1;
const SCALE: f64 = 2.0;

/// Writes every (`events`, `truth`) batch pair as two Parquet files in memory; their bytes.
fn write_in_memory(batches: &[(RecordBatch, RecordBatch)], props: &WriterProperties) -> usize {
    let events: Vec<RecordBatch> = batches.iter().map(|(e, _)| e.clone()).collect();
    let truth: Vec<RecordBatch> = batches.iter().map(|(_, t)| t.clone()).collect();
    let events_schema = Arc::new(events_schema());
    let truth_schema = Arc::new(truth_schema());
    parquet_in_memory(&events, &events_schema, props).expect("events written")
        + parquet_in_memory(&truth, &truth_schema, props).expect("truth written")
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
            let mut builder = batch_builder(&plan);
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

    // The writer as `generate` sets it up, and without any column statistics: what the
    // statistics the dataset contract asks for cost.
    let batches = rendered(&plan, &slices);
    let as_generated = parquet_io::properties("");
    let without_statistics = as_generated
        .clone()
        .into_builder()
        .set_statistics_enabled(EnabledStatistics::None)
        .build();
    for (name, props) in [
        ("arrow_to_parquet", as_generated),
        ("arrow_to_parquet_without_statistics", without_statistics),
    ] {
        group.bench_function(name, |b| b.iter(|| write_in_memory(&batches, &props)));
    }

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
