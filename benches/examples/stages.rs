//! Where generation's time goes, in one run: nanoseconds per event for each stage
//! (plan slices to events, events to Arrow batches, Arrow to zstd Parquet in memory for
//! `events` and for `truth`, with the writer settings `generate` uses) and, with
//! `--columns`, for each column encoded alone. One thread, wall time: read the figures as
//! shares of one run, not as absolute speeds.
//!
//! Run: `cargo run --release -p breachlab-benches --example stages -- [SCALE] [--columns]`
//! (default scale 2, the default scenario, seed 1).

use arrow_array::RecordBatch;
use breachlab_generator::event::Event;
use breachlab_generator::{LoadedScenario, Plan};
use breachlab_writer::{BATCH_ROWS, batch_builder, parquet_io};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_column = args.iter().any(|arg| arg == "--columns");
    let scale = match args.iter().find(|arg| !arg.starts_with("--")) {
        Some(text) => text
            .parse::<f64>()
            .map_err(|_| format!("stages: SCALE must be a number, got {text}"))?,
        None => 2.0,
    };
    let scenario = LoadedScenario::default_scenario();
    let plan = Plan::new(&scenario, 1, scale)?;

    let started = Instant::now();
    let slices: Vec<Vec<Event>> = (0..plan.world.calendar.slices)
        .map(|slice| {
            let mut events = Vec::new();
            plan.slice_events(slice, &mut events);
            events
        })
        .collect();
    let generating = started.elapsed().as_secs_f64();
    let events: usize = slices.iter().map(Vec::len).sum();

    let started = Instant::now();
    let batches = rendered(&plan, &slices);
    let rendering = started.elapsed().as_secs_f64();

    let props = parquet_io::properties("");
    let tables: [(&str, Vec<RecordBatch>); 2] = [
        ("events", batches.iter().map(|(e, _)| e.clone()).collect()),
        ("truth", batches.iter().map(|(_, t)| t.clone()).collect()),
    ];
    let per_event = |seconds: f64| seconds * 1e9 / events.max(1) as f64;
    println!("default scenario, scale {scale}: {events} events, one thread, ns per event");
    println!(
        "  {:<28} {:>7.0}",
        "plan slices to events",
        per_event(generating)
    );
    println!("  {:<28} {:>7.0}", "events to Arrow", per_event(rendering));
    let mut total = generating + rendering;
    for (table, batches) in &tables {
        let (seconds, bytes) = encode(batches, &props)?;
        total += seconds;
        println!(
            "  {:<28} {:>7.0}  ({bytes} bytes)",
            format!("{table} to zstd Parquet"),
            per_event(seconds)
        );
    }
    println!("  {:<28} {:>7.0}", "all stages", per_event(total));
    if per_column {
        println!("each column encoded alone:");
        for (table, batches) in &tables {
            for (index, field) in batches[0].schema().fields().iter().enumerate() {
                let column: Vec<RecordBatch> = batches
                    .iter()
                    .map(|batch| batch.project(&[index]))
                    .collect::<Result<_, _>>()?;
                let (seconds, bytes) = encode(&column, &props)?;
                println!(
                    "  {:<28} {:>7.0}  ({bytes} bytes)",
                    format!("{table}.{}", field.name()),
                    per_event(seconds)
                );
            }
        }
    }
    Ok(())
}

/// Every event of the plan as (`events`, `truth`) batches of the writer's size.
fn rendered(plan: &Plan, slices: &[Vec<Event>]) -> Vec<(RecordBatch, RecordBatch)> {
    let mut builder = batch_builder(plan);
    let mut batches = Vec::new();
    for (slice, events) in slices.iter().enumerate() {
        builder.push_slice(slice as u64, events);
        if builder.rows() >= BATCH_ROWS {
            batches.push(builder.finish());
        }
    }
    batches.push(builder.finish());
    batches
}

/// Seconds to write `batches` as one Parquet file in memory, and the file's size.
fn encode(
    batches: &[RecordBatch],
    props: &WriterProperties,
) -> Result<(f64, usize), parquet::errors::ParquetError> {
    let started = Instant::now();
    let mut writer = ArrowWriter::try_new(Vec::new(), batches[0].schema(), Some(props.clone()))?;
    for batch in batches {
        writer.write(batch)?;
    }
    let bytes = writer.into_inner()?.len();
    Ok((started.elapsed().as_secs_f64(), bytes))
}
