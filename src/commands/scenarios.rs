//! `breachlab scenarios [show NAME]`.

use crate::cli::{ScenariosAction, ScenariosArgs};
use breachlab_generator::scenario::{LIBRARY, LoadedScenario};

pub fn run(args: ScenariosArgs) -> anyhow::Result<()> {
    match args.action {
        None => {
            for entry in LIBRARY {
                let loaded = LoadedScenario::parse(entry.name, entry.text)?;
                let s = &loaded.scenario;
                println!(
                    "{:<14} {:>5} d  {:>3} campaigns  {:>2} cohorts  {}",
                    entry.name,
                    s.days,
                    s.campaigns.len(),
                    s.cohorts.len(),
                    s.description
                );
            }
        }
        Some(ScenariosAction::Show { name }) => {
            let loaded = LoadedScenario::load(&name)?;
            print!("{}", loaded.text);
        }
    }
    Ok(())
}
