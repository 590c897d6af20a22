//! `breachlab scenarios [show NAME]`.

use crate::cli::{ScenariosAction, ScenariosArgs};
use breachlab_generator::scenario::{LIBRARY, LoadedScenario};

pub fn run(args: ScenariosArgs) -> anyhow::Result<()> {
    match args.action {
        None => {
            let mut listing = String::new();
            for entry in LIBRARY {
                let loaded = LoadedScenario::parse(entry.name, entry.text)?;
                let s = &loaded.scenario;
                listing.push_str(&format!(
                    "{:<14} {:>5} d  {:<13}  {:<10}  {}\n",
                    entry.name,
                    s.days,
                    counted(s.campaigns.len(), "campaign"),
                    counted(s.cohorts.len(), "cohort"),
                    s.description
                ));
            }
            super::write_stdout(&listing)?;
        }
        Some(ScenariosAction::Show { name, scale }) => {
            let loaded = LoadedScenario::load(&name)?;
            let scale = scale.unwrap_or_else(|| loaded.scenario.minimum_faithful_scale().scale);
            let facts = super::faithful::at_scale(&loaded, scale)?;
            let described = super::faithful::describe(&facts, scale, "# ");
            super::write_stdout(&format!("{}\n{described}", loaded.text))?;
        }
    }
    Ok(())
}

/// "1 campaign", "3 campaigns".
fn counted(count: usize, noun: &str) -> String {
    format!("{count:>3} {noun}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular() {
        assert_eq!(super::counted(1, "campaign"), "  1 campaign");
        assert_eq!(super::counted(9, "campaign"), "  9 campaigns");
        assert_eq!(super::counted(0, "cohort"), "  0 cohorts");
    }
}
