//! `breachlab score`: an alert file made anywhere, scored on the dataset it was made on
//! with the same metrics and report as `bench`.

use anyhow::Context;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_dataset::Dataset;
use breachlab_harness::alerts::{AlertForm, alerts_spec, read_alerts};
use breachlab_harness::runner;
use breachlab_schema::{Table, events};

use super::scoring::{publish, run_error, run_options};
use crate::cli::ScoreArgs;

pub fn run(args: ScoreArgs) -> anyhow::Result<()> {
    let alerts = read_alerts(&args.alerts)?;
    let dataset = Dataset::open(&args.dataset)?;
    let name = report_name(&args)?;
    let dir = args
        .report
        .clone()
        .unwrap_or_else(|| args.dataset.join(format!("report-{name}")));
    // Before any scoring: a report that cannot be written wastes the whole run.
    super::outputs::check_report_dir(&dir, args.force)?;
    if alerts.form() == AlertForm::PerEvent {
        let ids = dataset
            .batches(Table::Events, &[events::EVENT_ID], 1 << 16)
            .map(|batch| batch.map(|b| b.column(0).as_primitive::<Int64Type>().values().clone()))
            .collect::<Result<Vec<_>, _>>()?;
        alerts.check_event_ids(ids)?;
    }
    let rows = alerts.rows();
    let spec = alerts_spec(&name, alerts);
    let options = run_options(runner::DEFAULT_BATCH_ROWS);
    let outcome = runner::score_dataset(&dataset, &[spec], &[None], &options).map_err(run_error)?;
    eprintln!(
        "scored {rows} alert rows from {} as `{name}`",
        args.alerts.display()
    );
    let mut report = outcome.to_report();
    breachlab_harness::report::report_alarms_on_your_traffic(&dataset, &mut report.report)?;
    let flagged = report
        .report
        .detectors
        .first()
        .map(|d| d.metrics.counts.flagged_events);
    if rows > 0 && flagged == Some(0) {
        let span = &dataset.manifest.time_span;
        eprintln!(
            "warning: none of the {rows} alert rows of {} flags an event of the dataset, which spans {} to {}: were the alerts made on another dataset, or are their times outside that span (or in another time zone)?",
            args.alerts.display(),
            span.start,
            span.end
        );
    }
    publish(&report, &dir, args.force)
}

/// `--name`, or the alert file's name without its extension.
fn report_name(args: &ScoreArgs) -> anyhow::Result<String> {
    match &args.name {
        Some(name) => Ok(name.clone()),
        None => args
            .alerts
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .context("--alerts needs a file name"),
    }
}
