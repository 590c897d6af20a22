//! The generation stages that the `generate` benchmark and the `stages` example time, one
//! at a time, on the whole plan held in memory. The criterion benchmarks live in
//! `benches/`, the examples in `examples/`.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use breachlab_generator::Plan;
use breachlab_generator::event::Event;
use breachlab_writer::{BATCH_ROWS, batch_builder};
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// Every slice of the plan as its sorted events.
pub fn all_slices(plan: &Plan) -> Vec<Vec<Event>> {
    (0..plan.world.calendar.slices)
        .map(|slice| {
            let mut events = Vec::new();
            plan.slice_events(slice, &mut events);
            events
        })
        .collect()
}

/// Every event of the plan as (`events`, `truth`) batches of the writer's size.
pub fn rendered(plan: &Plan, slices: &[Vec<Event>]) -> Vec<(RecordBatch, RecordBatch)> {
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

/// The size of `batches` written as one Parquet file of `schema` in memory (the table's
/// schema: rendered batches carry some columns as dictionaries of the same text).
pub fn parquet_in_memory(
    batches: &[RecordBatch],
    schema: &SchemaRef,
    props: &WriterProperties,
) -> Result<usize, ParquetError> {
    let mut writer = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props.clone()))?;
    for batch in batches {
        writer.write(batch)?;
    }
    Ok(writer.into_inner()?.len())
}
