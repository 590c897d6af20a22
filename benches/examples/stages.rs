//! Where generation's time goes, in one run: nanoseconds per event for each stage
//! (plan slices to events, events to Arrow batches, Arrow to zstd Parquet in memory for
//! `events` and for `truth`, and the `accounts` table's rows drawn and encoded, spread
//! over the events) and, with `--columns`, for each column encoded alone. One
//! thread, wall time: read the figures as shares of one run, not as absolute speeds.
//!
//! The Parquet stages use the settings `generate` writes with; the other options change
//! them, to measure a setting before proposing it (under `valgrind --tool=callgrind` for
//! instruction counts that do not depend on the machine's load).
//!
//! Run: `cargo run --release -p breachlab-benches --example stages -- [SCALE] [--columns]
//! [--write-batch-size N] [--no-statistics COL,..] [--no-dictionary COL,..]
//! [--encoding COL=ENCODING]` (default scale 2, the default scenario, seed 1).

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use breachlab_benches::{all_slices, parquet_in_memory, rendered};
use breachlab_generator::population::accounts_batch;
use breachlab_generator::{LoadedScenario, Plan};
use breachlab_schema::{accounts_schema, events_schema, truth_schema};
use breachlab_writer::{account_batches, parquet_io};
use parquet::basic::Encoding;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::sync::Arc;
use std::time::Instant;

type Failure = Box<dyn std::error::Error>;

struct Options {
    scale: f64,
    per_column: bool,
    props: WriterProperties,
}

fn options() -> Result<Options, Failure> {
    let mut args = std::env::args().skip(1);
    let mut scale = 2.0;
    let mut per_column = false;
    let mut props = parquet_io::properties("").into_builder();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("stages: {arg} needs a value"));
        match arg.as_str() {
            "--columns" => per_column = true,
            "--write-batch-size" => props = props.set_write_batch_size(value()?.parse()?),
            "--no-statistics" => {
                for column in value()?.split(',') {
                    props =
                        props.set_column_statistics_enabled(column.into(), EnabledStatistics::None);
                }
            }
            "--no-dictionary" => {
                for column in value()?.split(',') {
                    props = props.set_column_dictionary_enabled(column.into(), false);
                }
            }
            "--encoding" => {
                let setting = value()?;
                let (column, encoding) = setting.split_once('=').ok_or(format!(
                    "stages: --encoding takes COL=ENCODING, got {setting}"
                ))?;
                let encoding: Encoding = encoding.parse()?;
                props = props.set_column_encoding(column.into(), encoding);
            }
            _ if !arg.starts_with("--") => {
                scale = arg
                    .parse()
                    .map_err(|_| format!("stages: SCALE must be a number, got {arg}"))?;
            }
            _ => {
                return Err(format!("stages: unknown option {arg} (see the example's doc)").into());
            }
        }
    }
    Ok(Options {
        scale,
        per_column,
        props: props.build(),
    })
}

fn main() -> Result<(), Failure> {
    let Options {
        scale,
        per_column,
        props,
    } = options()?;
    let scenario = LoadedScenario::default_scenario();
    let plan = Plan::new(&scenario, 1, scale)?;

    let started = Instant::now();
    let slices = all_slices(&plan);
    let generating = started.elapsed().as_secs_f64();
    let events: usize = slices.iter().map(Vec::len).sum();

    let started = Instant::now();
    let batches = rendered(&plan, &slices);
    let rendering = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let accounts = accounts_batches(&plan);
    let drawing = started.elapsed().as_secs_f64();
    let account_rows: usize = accounts.iter().map(RecordBatch::num_rows).sum();

    let tables: [(&str, SchemaRef, Vec<RecordBatch>); 3] = [
        (
            "events",
            Arc::new(events_schema()),
            batches.iter().map(|(e, _)| e.clone()).collect(),
        ),
        (
            "truth",
            Arc::new(truth_schema()),
            batches.iter().map(|(_, t)| t.clone()).collect(),
        ),
        ("accounts", Arc::new(accounts_schema()), accounts),
    ];
    let per_event = |seconds: f64| seconds * 1e9 / events.max(1) as f64;
    println!("default scenario, scale {scale}: {events} events, one thread, ns per event");
    println!(
        "  {:<28} {:>7.0}",
        "plan slices to events",
        per_event(generating)
    );
    println!("  {:<28} {:>7.0}", "events to Arrow", per_event(rendering));
    println!(
        "  {:<28} {:>7.0}  ({account_rows} rows)",
        "accounts drawn to Arrow",
        per_event(drawing)
    );
    let mut total = generating + rendering + drawing;
    for (table, schema, batches) in &tables {
        let (seconds, bytes) = encode(batches, schema, &props)?;
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
        for (table, schema, batches) in &tables {
            for (index, field) in schema.fields().iter().enumerate() {
                let column: Vec<RecordBatch> = batches
                    .iter()
                    .map(|batch| batch.project(&[index]))
                    .collect::<Result<_, _>>()?;
                let column_schema = Arc::new(schema.project(&[index])?);
                let (seconds, bytes) = encode(&column, &column_schema, &props)?;
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

/// The `accounts` table in the batches the writer draws it in.
fn accounts_batches(plan: &Plan) -> Vec<RecordBatch> {
    plan.account_parts()
        .into_iter()
        .flat_map(account_batches)
        .map(|ids| accounts_batch(plan.world.seed, &plan.world.ids, ids))
        .collect()
}

/// Seconds to write `batches` as one Parquet file in memory, and the file's size.
fn encode(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    props: &WriterProperties,
) -> Result<(f64, usize), Failure> {
    let started = Instant::now();
    let bytes = parquet_in_memory(batches, schema, props)?;
    Ok((started.elapsed().as_secs_f64(), bytes))
}
