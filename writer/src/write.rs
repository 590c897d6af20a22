//! `generate`: a plan written as a dataset.
//!
//! Work is cut into tasks that each own whole files: one per chunk of slices (its
//! `events` and `truth` files) and one per `accounts` part. Tasks run on a pool of
//! `threads` workers in any order; since file boundaries depend only on the plan, the
//! bytes never depend on the thread count. A shard runs its contiguous share of the
//! tasks. Everything is written under a temporary folder and moved into place at the
//! end, the manifest last: an interrupted or failed run leaves no dataset that looks
//! complete. Finished files are put on disk (fsync) by a thread of their own while the
//! workers go on, and the dataset is published only once all of them are.
//!
//! A chunk generates its runs of slices in order, each continuing the sessions the one
//! before it played ([`Plan::continue_run_events`]), and encodes one run while it
//! generates the next.

use crate::parquet_io::{self, Syncer, TableWriter, WrittenFile};
use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use breachlab_dataset::manifest::{
    CampaignFaithfulness, EntityFacts, Faithfulness, FileEntry, Manifest, ScenarioInfo, ShardInfo,
    TimeSpan, write_atomically,
};
use breachlab_dataset::{DatasetError, card, layout};
use breachlab_generator::event::Event;
use breachlab_generator::population::accounts_batch;
use breachlab_generator::render::BatchBuilder;
use breachlab_generator::sources::RunCarry;
use breachlab_generator::stats::{self, CampaignStats};
use breachlab_generator::{Chunk, LoadedScenario, Plan, Shard};
use breachlab_schema::{SCHEMA_VERSION, campaigns_schema, events_schema, truth_schema};
use rayon::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// Rows gathered before handing a batch to the Parquet writer.
pub const BATCH_ROWS: usize = 64 * 1024;
/// Slices generated together at most: sessions spanning slices are played once per run
/// rather than once per slice they could reach. Output does not depend on it.
const RUN_SLICES: usize = 12;
/// Events a run may hold in memory on average: runs get shorter as the traffic rate
/// grows, so memory stays bounded whatever the scale.
const RUN_EVENTS: f64 = 150_000.0;

/// Slices per run for this plan's traffic rate.
fn run_slices(plan: &Plan) -> usize {
    let per_slice = plan.expected_events_per_slice().max(1.0);
    ((RUN_EVENTS / per_slice) as usize).clamp(1, RUN_SLICES)
}

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub out: PathBuf,
    pub seed: u64,
    pub scale: f64,
    pub threads: usize,
    pub shard: Shard,
    /// Replace an existing dataset in `out`.
    pub force: bool,
}

/// Counters a caller can watch while `generate` runs, and a flag to stop it.
#[derive(Debug, Default)]
pub struct Progress {
    pub slices_total: AtomicU64,
    pub slices_done: AtomicU64,
    pub events: AtomicU64,
    pub cancel: AtomicBool,
}

/// What a finished run wrote.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub manifest: Manifest,
    pub events: u64,
    pub files: usize,
    pub bytes: u64,
    pub seconds: f64,
}

/// Generates the dataset of `scenario` described by `options`.
pub fn generate(
    scenario: &LoadedScenario,
    options: &GenerateOptions,
    progress: Arc<Progress>,
) -> Result<GenerateSummary, DatasetError> {
    let started = Instant::now();
    keep_freed_buffers();
    let plan = Plan::new(scenario, options.seed, options.scale)
        .map_err(|e| DatasetError::Refused(e.to_string()))?;
    prepare_out(options)?;
    let partial = options.out.join(format!(
        "{}{}-of-{}",
        layout::PARTIAL_PREFIX,
        options.shard.index,
        options.shard.count
    ));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|e| DatasetError::io(&partial, e))?;
    }
    let mut manifest = base_manifest(scenario, &plan, options);
    let result = write_all(&plan, options, &partial, &manifest, &progress);
    let files = match result {
        Ok(files) => files,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    manifest.files = files.iter().map(|f| entry(&partial, f)).collect();
    manifest.recount();
    if options.shard.is_whole()
        && let Err(e) = card::write_card(&partial, &mut manifest, 1)
    {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    if let Err(e) = publish(&partial, &options.out, &manifest, options.shard) {
        unpublish(&partial, &options.out, &manifest);
        return Err(e);
    }
    let bytes = manifest.files.iter().map(|f| f.bytes).sum();
    Ok(GenerateSummary {
        events: manifest
            .row_counts
            .get(breachlab_schema::Table::Events.name())
            .copied()
            .unwrap_or(0),
        files: manifest.files.len(),
        bytes,
        manifest,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every batch allocates its Arrow buffers and the writer's pages anew (builders hand
/// their memory to the arrays they finish). glibc serves blocks over its mmap threshold
/// (128 KiB at first) with fresh mappings and returns them on free, so each batch paid
/// page faults and the kernel's zeroing of every page again (about 7% of the samples of
/// `perf record` on `generate --scale 2 --threads 2`). With a fixed threshold above any
/// batch buffer and a high trim threshold, freed buffers are reused instead (system time
/// falls by about a third; see docs/performance.md for what is measured).
fn keep_freed_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes allocator parameters; these two are valid.
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
                libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
            }
        });
    }
}

/// Refuses to overwrite a dataset without `force`. Nothing is removed here: a forced run
/// replaces the old dataset only once the new one is complete (see [`publish`]), so an
/// interrupted run leaves the old one in place.
fn prepare_out(options: &GenerateOptions) -> Result<(), DatasetError> {
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(|e| DatasetError::io(out, e))?;
    let existing = if options.shard.is_whole() {
        holds_data(out)?
    } else {
        out.join(layout::shard_manifest(
            options.shard.index,
            options.shard.count,
        ))
        .exists()
    };
    if existing && !options.force {
        return Err(DatasetError::HoldsData(out.clone()));
    }
    Ok(())
}

/// Whether `dir` holds anything besides temporary folders of earlier runs.
fn holds_data(dir: &Path) -> Result<bool, DatasetError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DatasetError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| DatasetError::io(dir, e))?;
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(layout::PARTIAL_PREFIX)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn remove_any(path: &Path) -> Result<(), DatasetError> {
    let result = if path.is_dir() {
        std::fs::remove_dir_all(path)
    } else if path.exists() {
        std::fs::remove_file(path)
    } else {
        Ok(())
    };
    result.map_err(|e| DatasetError::io(path, e))
}

fn base_manifest(scenario: &LoadedScenario, plan: &Plan, options: &GenerateOptions) -> Manifest {
    let calendar = &plan.world.calendar;
    Manifest {
        breachlab_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioInfo {
            name: plan.scenario.name.clone(),
            sha256: scenario.text_sha256(),
            text: scenario.text.clone(),
        },
        seed: options.seed,
        scale: options.scale,
        shard: ShardInfo {
            index: options.shard.index,
            count: options.shard.count,
        },
        time_span: TimeSpan {
            start: rfc3339(calendar.start_us),
            end: rfc3339(calendar.end_us()),
            start_us: calendar.start_us,
            end_us: calendar.end_us(),
            days: calendar.span_days(),
        },
        row_counts: Default::default(),
        card: None,
        files: Vec::new(),
        faithfulness: Some(faithfulness(plan, options.scale)),
        imported: None,
        planted: None,
    }
}

/// The manifest's statement of how this scale keeps each entity's behaviour.
pub fn faithfulness(plan: &Plan, scale: f64) -> Faithfulness {
    let minimum = plan.scenario.minimum_faithful_scale();
    let campaigns = plan
        .scenario
        .campaigns
        .iter()
        .zip(&plan.scalings)
        .map(|(config, s)| CampaignFaithfulness {
            name: config.name.clone(),
            share: s.share,
            duration_h: s.duration_h,
            faithful_horizon_h: s.horizon_h,
            rate_per_s: s.rate_per_s,
            entities: s
                .entities
                .iter()
                .map(|e| EntityFacts {
                    kind: e.kind.to_string(),
                    written: e.written,
                    kept: e.kept,
                    requests_per_hour_each: s.rate_per_s * 3600.0 / e.kept as f64,
                })
                .collect(),
        })
        .collect();
    Faithfulness {
        distorted: scale < minimum.scale,
        minimum_scale: minimum.scale,
        minimum_set_by: minimum.set_by,
        campaigns,
    }
}

/// A task owns whole files.
enum Task {
    Chunk(Chunk),
    Accounts(usize, std::ops::Range<i64>),
}

/// Generating and writing one account costs about as much as one event.
const ACCOUNT_COST_IN_EVENTS: f64 = 1.0;

impl Task {
    /// Expected work, in events.
    fn cost(&self, plan: &Plan) -> f64 {
        match self {
            Task::Chunk(chunk) => (chunk.first_slice..chunk.end_slice)
                .map(|slice| plan.expected_slice_events(slice))
                .sum(),
            Task::Accounts(_, range) => {
                plan.world.ids.expected_in(range.clone()) * ACCOUNT_COST_IN_EVENTS
            }
        }
    }
}

/// Tasks largest first: workers take them in this order, so the last ones to start are
/// small and the workers finish close together.
fn largest_first(plan: &Plan, tasks: Vec<Task>) -> Vec<Task> {
    let mut costed: Vec<(f64, Task)> = tasks.into_iter().map(|t| (t.cost(plan), t)).collect();
    costed.sort_by(|a, b| b.0.total_cmp(&a.0));
    costed.into_iter().map(|(_, task)| task).collect()
}

fn write_all(
    plan: &Plan,
    options: &GenerateOptions,
    partial: &Path,
    manifest: &Manifest,
    progress: &Progress,
) -> Result<Vec<WrittenFile>, DatasetError> {
    let chunks = plan.chunks();
    let parts = plan.account_parts();
    let chunk_range = options.shard.range(chunks.len());
    let part_range = options.shard.range(parts.len());
    let slices: u64 = chunks[chunk_range.clone()]
        .iter()
        .map(|c| c.end_slice - c.first_slice)
        .sum();
    // A whole run sees every campaign event while writing its chunks; a shard sees only
    // its own, so it first totals the campaigns over the whole span.
    let whole = options.shard.is_whole();
    let totals_pass_slices = if whole { 0 } else { plan.world.calendar.slices };
    progress
        .slices_total
        .store(slices + totals_pass_slices, Ordering::Relaxed);
    let mut tasks: Vec<Task> = chunks[chunk_range]
        .iter()
        .cloned()
        .map(Task::Chunk)
        .collect();
    tasks.extend(part_range.map(|i| Task::Accounts(i, parts[i].clone())));
    let tasks = largest_first(plan, tasks);
    let header = manifest.header_json();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| {
            DatasetError::Refused(format!("cannot start {} threads: {e}", options.threads))
        })?;
    let syncer = Syncer::start();
    let files = pool.install(|| {
        let span_totals = if whole {
            None
        } else {
            Some(campaign_totals(plan, partial, progress)?)
        };
        // Merged as tasks finish, so campaign totals of finished chunks do not pile up.
        let no_totals = || vec![CampaignStats::default(); plan.campaigns.len()];
        let (mut files, totals) = tasks
            .into_iter()
            .par_bridge()
            .map(|task| match task {
                Task::Chunk(chunk) => {
                    write_chunk(plan, &chunk, partial, &header, progress, &syncer)
                }
                Task::Accounts(index, range) => {
                    write_accounts(plan, index, range, partial, &header, progress, &syncer)
                        .map(|files| (files, no_totals()))
                }
            })
            .try_reduce(
                || (Vec::new(), no_totals()),
                |(mut files, mut totals), (more_files, more_totals)| {
                    files.extend(more_files);
                    merge_totals(&mut totals, more_totals);
                    Ok((files, totals))
                },
            )?;
        let campaigns = write_campaigns(plan, span_totals.unwrap_or(totals), partial, &header)?;
        files.push(campaigns);
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok::<_, DatasetError>(files)
    })?;
    syncer.wait()?;
    Ok(files)
}

fn check_cancel(progress: &Progress, partial: &Path) -> Result<(), DatasetError> {
    if progress.cancel.load(Ordering::Relaxed) {
        Err(DatasetError::Interrupted(
            partial.parent().unwrap_or(partial).to_path_buf(),
        ))
    } else {
        Ok(())
    }
}

fn write_chunk(
    plan: &Plan,
    chunk: &Chunk,
    partial: &Path,
    header: &str,
    progress: &Progress,
    syncer: &Syncer,
) -> Result<(Vec<WrittenFile>, Vec<CampaignStats>), DatasetError> {
    let props = parquet_io::properties(header);
    let create = |table: &str, schema: arrow_schema::Schema| {
        let path = layout::chunk_file(table, &chunk.date, chunk.first_slice);
        TableWriter::create(&partial.join(path), Arc::new(schema), props.clone())
    };
    let mut events_file = create(layout::EVENTS, events_schema())?;
    let mut truth_file = create(layout::TRUTH, truth_schema())?;
    let mut builder = batch_builder(plan);
    let mut totals = vec![CampaignStats::default(); plan.campaigns.len()];
    // Generating the next run while encoding this one holds two runs, so each is half as
    // long and the events in memory stay those of one. Where a run is a single slice (high
    // rates), a slice cannot be halved: one run, generated and encoded in turn.
    let run_len = run_slices(plan);
    let overlapped = run_len >= 2;
    let run_len = (if overlapped { run_len / 2 } else { run_len }) as u64;
    let run_at = |first: u64| first..(first + run_len).min(chunk.end_slice);
    let mut carry = RunCarry::default();
    let mut generate = |slices: &Range<u64>, run: &mut [Vec<Event>]| {
        if !slices.is_empty() {
            plan.continue_run_events(slices.start, &mut run[..slice_count(slices)], &mut carry);
        }
    };
    let mut encode = |slices: Range<u64>, run: &[Vec<Event>]| -> Result<(), DatasetError> {
        for (slice, events) in slices.zip(run) {
            for (part, rows) in events.chunks(BATCH_ROWS).enumerate() {
                builder.push_slice_part(slice, part * BATCH_ROWS, rows);
                if builder.rows() >= BATCH_ROWS {
                    write_pair(
                        &mut events_file,
                        &mut truth_file,
                        builder.finish(),
                        overlapped,
                    )?;
                }
            }
            stats::add_events(&mut totals, events);
            progress
                .events
                .fetch_add(events.len() as u64, Ordering::Relaxed);
            progress.slices_done.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    };
    let mut run: Vec<Vec<Event>> = vec![Vec::new(); run_len as usize];
    let mut next_run = if overlapped { run.clone() } else { Vec::new() };
    let mut slices = run_at(chunk.first_slice);
    generate(&slices, &mut run);
    while !slices.is_empty() {
        check_cancel(progress, partial)?;
        let next = run_at(slices.end);
        if overlapped {
            let ((), encoded) = rayon::join(
                || generate(&next, &mut next_run),
                || encode(slices.clone(), &run),
            );
            encoded?;
            std::mem::swap(&mut run, &mut next_run);
        } else {
            encode(slices.clone(), &run)?;
            generate(&next, &mut run);
        }
        slices = next;
    }
    if builder.rows() > 0 {
        write_pair(
            &mut events_file,
            &mut truth_file,
            builder.finish(),
            overlapped,
        )?;
    }
    let (events_written, truth_written) = both(
        overlapped,
        || events_file.finish_with(syncer),
        || truth_file.finish_with(syncer),
    );
    let files = vec![events_written?, truth_written?];
    Ok((files, totals))
}

fn slice_count(slices: &Range<u64>) -> usize {
    (slices.end - slices.start) as usize
}

/// Encodes a batch's events and truth, side by side when `side_by_side` (see [`both`]).
fn write_pair(
    events_file: &mut TableWriter,
    truth_file: &mut TableWriter,
    (events, truth): (RecordBatch, RecordBatch),
    side_by_side: bool,
) -> Result<(), DatasetError> {
    let (events_written, truth_written) = both(
        side_by_side,
        || events_file.write(&events),
        || truth_file.write(&truth),
    );
    events_written.and(truth_written)
}

/// Runs `a` and `b`, side by side when `side_by_side`: while every worker is busy the two
/// run one after the other on this one, and a worker with nothing left to do takes `b`,
/// so the last chunks of a run are not encoded on one core alone. A worker waiting for
/// the other half may meanwhile start another chunk, one more chunk's buffers in memory:
/// cheap where runs are short (low rates), so chunks of high-rate plans, whose runs are
/// single slices, run both halves in turn.
fn both<A, B>(
    side_by_side: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B)
where
    A: Send,
    B: Send,
{
    if side_by_side {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// The builder `generate` renders with: room for a batch and a slice's overshoot, so
/// rendering never grows (and copies) a buffer.
pub fn batch_builder(plan: &Plan) -> BatchBuilder<'_> {
    BatchBuilder::with_capacity(
        plan.world.seed,
        &plan.campaigns,
        BATCH_ROWS + BATCH_ROWS / 4,
    )
}

fn write_accounts(
    plan: &Plan,
    index: usize,
    range: std::ops::Range<i64>,
    partial: &Path,
    header: &str,
    progress: &Progress,
    syncer: &Syncer,
) -> Result<Vec<WrittenFile>, DatasetError> {
    let path = partial.join(layout::accounts_file(index));
    let mut file = TableWriter::create(
        &path,
        Arc::new(breachlab_schema::accounts_schema()),
        parquet_io::properties(header),
    )?;
    for ids in account_batches(range) {
        check_cancel(progress, partial)?;
        file.write(&accounts_batch(plan.world.seed, &plan.world.ids, ids))?;
    }
    Ok(vec![file.finish_with(syncer)?])
}

/// Account ids drawn and written per batch of an `accounts` part.
const ACCOUNT_BATCH_IDS: i64 = 100_000;

/// The id ranges of the batches an `accounts` part is written in, in order.
pub fn account_batches(part: Range<i64>) -> impl Iterator<Item = Range<i64>> {
    let end = part.end;
    part.step_by(ACCOUNT_BATCH_IDS as usize)
        .map(move |from| from..(from + ACCOUNT_BATCH_IDS).min(end))
}

/// Totals of every campaign and cohort over the whole span, from the campaign and cohort
/// sources alone (what a shard needs: every shard writes the same `campaigns.parquet`).
fn campaign_totals(
    plan: &Plan,
    partial: &Path,
    progress: &Progress,
) -> Result<Vec<CampaignStats>, DatasetError> {
    let slices = plan.world.calendar.slices;
    (0..slices)
        .into_par_iter()
        .try_fold(
            || vec![CampaignStats::default(); plan.campaigns.len()],
            |mut acc, slice| {
                check_cancel(progress, partial)?;
                let mut events = Vec::new();
                plan.campaign_slice_events(slice, &mut events);
                stats::add_events(&mut acc, &events);
                progress.slices_done.fetch_add(1, Ordering::Relaxed);
                Ok::<_, DatasetError>(acc)
            },
        )
        .try_reduce(
            || vec![CampaignStats::default(); plan.campaigns.len()],
            |mut a, b| {
                merge_totals(&mut a, b);
                Ok(a)
            },
        )
}

fn merge_totals(into: &mut [CampaignStats], from: Vec<CampaignStats>) {
    for (x, y) in into.iter_mut().zip(from) {
        x.merge(y);
    }
}

/// `campaigns.parquet`, from the totals of the whole span.
fn write_campaigns(
    plan: &Plan,
    totals: Vec<CampaignStats>,
    partial: &Path,
    header: &str,
) -> Result<WrittenFile, DatasetError> {
    let batch = campaigns_batch(&plan.campaigns, &totals);
    parquet_io::write_file(
        &partial.join(layout::CAMPAIGNS),
        &batch,
        parquet_io::properties(header),
    )
}

/// The `campaigns` table of `campaigns` with their totals (same order): what `generate`
/// writes, and `plant` for the campaigns it plants.
pub fn campaigns_batch(
    campaigns: &[breachlab_generator::CampaignMeta],
    totals: &[CampaignStats],
) -> RecordBatch {
    let mut id = Int32Builder::new();
    let (mut name, mut kind, mut technique) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let mut start = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut end = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut counts: [Int64Builder; 6] = Default::default();
    let mut naive = BooleanBuilder::new();
    let (mut owasp, mut oat, mut mitre) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    for (meta, s) in campaigns.iter().zip(totals) {
        id.append_value(meta.id);
        name.append_value(&meta.name);
        kind.append_value(meta.kind());
        technique.append_value(meta.technique);
        start.append_value(meta.start_us);
        end.append_value(meta.end_us);
        let values = [
            s.events,
            s.ips.len() as i64,
            s.api_keys.len() as i64,
            s.principals.len() as i64,
            s.records_targeted,
            s.records_exposed,
        ];
        for (builder, value) in counts.iter_mut().zip(values) {
            builder.append_value(value);
        }
        owasp.append_option(meta.owasp_api.as_deref());
        oat.append_option(meta.oat.as_deref());
        mitre.append_option(meta.attack_technique.as_deref());
        naive.append_value(meta.naive);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(name.finish()),
        Arc::new(kind.finish()),
        Arc::new(technique.finish()),
        Arc::new(start.finish()),
        Arc::new(end.finish()),
    ];
    columns.extend(counts.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.extend([
        Arc::new(owasp.finish()) as ArrayRef,
        Arc::new(oat.finish()),
        Arc::new(mitre.finish()),
        Arc::new(naive.finish()),
    ]);
    RecordBatch::try_new(Arc::new(campaigns_schema()), columns)
        .expect("columns match the campaigns schema")
}

fn entry(partial: &Path, file: &WrittenFile) -> FileEntry {
    let relative = file.path.strip_prefix(partial).unwrap_or(&file.path);
    let path = layout::manifest_path(relative);
    let table = path
        .split('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".parquet")
        .to_string();
    FileEntry {
        path,
        table,
        rows: file.rows,
        bytes: file.bytes,
        sha256: file.sha256.clone(),
    }
}

/// Moves every file (and the card) into place, then writes the manifest (atomically, last).
fn publish(
    partial: &Path,
    out: &Path,
    manifest: &Manifest,
    shard: Shard,
) -> Result<(), DatasetError> {
    if shard.is_whole() {
        for name in layout::OWNED {
            remove_any(&out.join(name))?;
        }
        for report in layout::own_report_dirs(out) {
            remove_any(&report)?;
        }
    }
    for path in published_paths(manifest) {
        let from = partial.join(path);
        let to = out.join(path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| DatasetError::io(parent, e))?;
        }
        std::fs::rename(&from, &to).map_err(|e| DatasetError::io(&to, e))?;
    }
    let manifest_name = if shard.is_whole() {
        PathBuf::from(layout::MANIFEST)
    } else {
        layout::shard_manifest(shard.index, shard.count)
    };
    let target = out.join(manifest_name);
    write_atomically(&target, manifest.to_json().as_bytes())?;
    std::fs::remove_dir_all(partial).map_err(|e| DatasetError::io(partial, e))
}

/// Every file [`publish`] moves into place: the tables' files and the card.
fn published_paths(manifest: &Manifest) -> impl Iterator<Item = &str> {
    let files = manifest.files.iter().map(|f| f.path.as_str());
    files.chain(manifest.card.iter().map(|c| c.path.as_str()))
}

/// After a failed [`publish`]: removes what it moved into `out` and the temporary folder,
/// so that no partial dataset is left behind.
fn unpublish(partial: &Path, out: &Path, manifest: &Manifest) {
    for path in published_paths(manifest) {
        let _ = std::fs::remove_file(out.join(path));
    }
    let _ = std::fs::remove_dir_all(partial);
}

fn rfc3339(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let date = breachlab_generator::calendar::Calendar::date_string(days * 86_400_000_000);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
