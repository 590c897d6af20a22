//! `breachlab score`: an alert file made anywhere, scored on the dataset it was made on
//! with the same metrics and report as `bench`.

use anyhow::Context;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use breachlab_dataset::Dataset;
use breachlab_harness::alerts::{AlertForm, alerts_spec, read_alerts};
use breachlab_harness::runner;

use super::bench::{publish, run_error, run_options};
use crate::cli::ScoreArgs;

pub fn run(args: ScoreArgs) -> anyhow::Result<()> {
    let alerts = read_alerts(&args.alerts)?;
    let dataset = Dataset::open(&args.dataset)?;
    if alerts.form() == AlertForm::PerEvent {
        let ids = dataset
            .batches("events", &["event_id"], 1 << 16)
            .map(|batch| batch.map(|b| b.column(0).as_primitive::<Int64Type>().values().clone()))
            .collect::<Result<Vec<_>, _>>()?;
        alerts.check_event_ids(ids)?;
    }
    let name = match &args.name {
        Some(name) => name.clone(),
        None => args
            .alerts
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .context("--alerts needs a file name")?,
    };
    let rows = alerts.rows();
    let spec = alerts_spec(&name, alerts);
    let options = run_options(runner::DEFAULT_BATCH_ROWS);
    let outcome = runner::score_dataset(&dataset, &[spec], &[None], &options).map_err(run_error)?;
    eprintln!(
        "scored {rows} alert rows from {} as `{name}`",
        args.alerts.display()
    );
    let dir = args
        .report
        .clone()
        .unwrap_or_else(|| args.dataset.join(format!("report-{name}")));
    publish(&outcome.to_report(), &dir, args.force)
}
