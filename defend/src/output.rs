//! The requests as the gateway saw them, written as a dataset: the events in the
//! order the gateway received them (refused ones with their status, no records, no
//! bytes), numbered from 1, with truth rows that carry each request's campaign and
//! labels and the records it exposed (none when refused). `verify`, `bench`, `audit` and
//! `export` read it as any dataset; `bench` on it reports the defended exposure.
//!
//! The manifest is the generated dataset's (scenario, seed, scale, span), with the
//! events and truth files replaced; the accounts and campaigns files are copied as they
//! are (the campaigns table describes the attacks as planned). It is written into a
//! temporary folder beside `out` and renamed onto it only when complete.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::TimestampMicrosecondArray;
use arrow_array::{ArrayRef, BooleanArray, Int32Array, Int64Array, RecordBatch, UInt32Array};
use breachlab_dataset::manifest::{FileEntry, Manifest};
use breachlab_dataset::{Dataset, layout};
use breachlab_schema::{Table, truth_schema};
use breachlab_writer::parquet_io::{TableWriter, properties};

use crate::DefendError;
use crate::gateway::{GatewayEvent, LoopOutcome, gateway_batch};
use crate::input::Traffic;

const BATCH_ROWS: usize = 64 * 1024;
const DAY_US: i64 = 86_400_000_000;

fn io_error(path: &Path, source: std::io::Error) -> DefendError {
    DefendError::Dataset(breachlab_dataset::DatasetError::io(path, source))
}

/// Writes the gateway's dataset at `out`, which must not exist.
pub fn write_gateway_dataset(
    source: &Dataset,
    traffic: &Traffic,
    outcome: &LoopOutcome,
    refuse_status: i16,
    out: &Path,
) -> Result<(), DefendError> {
    if out.exists() {
        return Err(io_error(
            out,
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "already exists"),
        ));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io_error(&parent, e))?;
    let partial = tempfile::Builder::new()
        .prefix(layout::PARTIAL_PREFIX)
        .tempdir_in(&parent)
        .map_err(|e| io_error(&parent, e))?;
    let truth = read_truth(source)?;
    let mut manifest = source.manifest.clone();
    manifest.card = None;
    manifest.files.clear();
    let header = manifest.header_json();
    let events = &outcome.events;
    let mut start = 0;
    while start < events.len() {
        let day = events[start].ts_us.div_euclid(DAY_US);
        let end = start
            + events[start..]
                .iter()
                .position(|e| e.ts_us.div_euclid(DAY_US) != day)
                .unwrap_or(events.len() - start);
        let date = date_of(day);
        for table in [Table::Events, Table::Truth] {
            let relative = layout::chunk_file(table.name(), &date, 0);
            let path = partial.path().join(&relative);
            let schema = Arc::new(table.schema());
            let mut writer = TableWriter::create(&path, schema, properties(&header))?;
            for chunk in (start..end).step_by(BATCH_ROWS) {
                let rows = &events[chunk..(chunk + BATCH_ROWS).min(end)];
                let first_id = chunk as i64 + 1;
                let batch = match table {
                    Table::Events => gateway_batch(traffic, rows, first_id, refuse_status)?,
                    _ => truth_batch(&truth, rows, first_id)?,
                };
                writer.write(&batch)?;
            }
            let written = writer.finish()?;
            manifest.files.push(FileEntry {
                path: layout::manifest_path(&relative),
                table: table.name().to_string(),
                rows: written.rows,
                bytes: written.bytes,
                sha256: written.sha256,
            });
        }
        start = end;
    }
    manifest
        .files
        .sort_by_key(|f| f.table != Table::Events.name());
    copy_other_tables(source, &mut manifest, partial.path())?;
    manifest.recount();
    breachlab_dataset::manifest::write_atomically(
        &partial.path().join(layout::MANIFEST),
        manifest.to_json().as_bytes(),
    )?;
    let kept = partial.keep();
    std::fs::rename(&kept, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        io_error(out, e)
    })
}

/// The accounts and campaigns files, byte for byte, with their manifest entries.
fn copy_other_tables(
    source: &Dataset,
    manifest: &mut Manifest,
    into: &Path,
) -> Result<(), DefendError> {
    for entry in &source.manifest.files {
        if entry.table == Table::Events.name() || entry.table == Table::Truth.name() {
            continue;
        }
        let from = source.root.join(&entry.path);
        let to = into.join(&entry.path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        std::fs::copy(&from, &to).map_err(|e| io_error(&from, e))?;
        manifest.files.push(entry.clone());
    }
    Ok(())
}

fn read_truth(source: &Dataset) -> Result<RecordBatch, DefendError> {
    let schema = Arc::new(truth_schema());
    let batches: Vec<RecordBatch> = source
        .batches(Table::Truth.name(), &[], 1 << 16)
        .collect::<Result<_, _>>()?;
    let batches = batches
        .into_iter()
        .map(|b| RecordBatch::try_new(schema.clone(), b.columns().to_vec()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(arrow_select::concat::concat_batches(&schema, &batches)?)
}

/// The truth of the gateway's requests: the planned row's labels, the gateway's id and
/// time, and the records it exposed.
fn truth_batch(
    truth: &RecordBatch,
    rows: &[GatewayEvent],
    first_id: i64,
) -> Result<RecordBatch, DefendError> {
    let take = UInt32Array::from_iter_values(rows.iter().map(|e| e.row));
    let mut columns: Vec<ArrayRef> = truth
        .columns()
        .iter()
        .map(|c| arrow_select::take::take(c.as_ref(), &take, None))
        .collect::<Result<_, _>>()?;
    let n = rows.len() as i64;
    columns[0] = Arc::new(Int64Array::from_iter_values(first_id..first_id + n));
    columns[1] = Arc::new(
        TimestampMicrosecondArray::from_iter_values(rows.iter().map(|e| e.ts_us))
            .with_timezone("UTC"),
    );
    columns[9] = Arc::new(BooleanArray::from_iter(
        rows.iter().map(|e| Some(e.records > 0)),
    ));
    columns[10] = Arc::new(Int32Array::from_iter_values(
        rows.iter().map(|e| e.records as i32),
    ));
    Ok(RecordBatch::try_new(truth.schema(), columns)?)
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (civil calendar).
fn date_of(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::date_of(0), "1970-01-01");
        assert_eq!(super::date_of(19_723), "2024-01-01");
        assert_eq!(super::date_of(19_782), "2024-02-29");
    }
}
