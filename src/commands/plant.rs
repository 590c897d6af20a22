//! `breachlab plant`: a scenario's campaigns planted into an imported dataset, so the
//! detectors can be scored on the user's own traffic (docs/import.md).

use crate::cli::PlantArgs;
use anyhow::Context;
use breachlab_generator::LoadedScenario;
use breachlab_import::{PlantError, PlantOptions, plant};

pub fn run(args: PlantArgs) -> anyhow::Result<()> {
    if args.max_events == 0 {
        anyhow::bail!("--max-events must be at least 1");
    }
    let scenario = LoadedScenario::load(&args.scenario).context("--scenario")?;
    let options = PlantOptions {
        seed: args.seed,
        scale: args.scale,
        route: args.route.clone(),
        max_events: args.max_events,
    };
    let summary = plant(&args.dir, &scenario, &options, &args.out).map_err(|error| {
        let hint = match &error {
            PlantError::NoRoute { .. } => " (give --route TEMPLATE, one of the log's)",
            PlantError::UnknownRoute { .. } => " (--route)",
            PlantError::TooManyEvents { .. } => " (raise --max-events)",
            PlantError::Plan(_) => " (--scale)",
            _ => "",
        };
        anyhow::Error::new(error).context(format!(
            "plant failed{hint}: {} was not written",
            args.out.display()
        ))
    })?;
    println!(
        "planted {} events of {} campaign(s) of '{}' (seed {}) among the log's {} events into {}",
        summary.info.events,
        summary.campaigns.len(),
        scenario.scenario.name,
        args.seed,
        summary.imported_events,
        args.out.display()
    );
    for (name, events) in &summary.campaigns {
        println!("  {name}: {events} events");
        if *events == 0 {
            eprintln!(
                "warning: campaign '{name}' planted no event: its share of the log's span is too short at its rate; plant into a longer log or raise --scale"
            );
        }
    }
    for (route, template) in &summary.info.routes {
        if route != template {
            println!("  route {route} planted on the log's {template}");
        }
    }
    if !summary.info.null_columns.is_empty() {
        println!(
            "  left null as in the log: {}",
            summary.info.null_columns.join(", ")
        );
    }
    Ok(())
}
