//! One module per subcommand.

mod audit;
mod bench;
mod demo;
mod detectors;
mod export;
mod external;
mod generate;
mod origin;
mod replay;
mod scenarios;
mod score;
mod verify;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Scenarios(args) => scenarios::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Detectors => detectors::run(),
        Command::Score(args) => score::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Export(args) => export::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Origin(args) => origin::run(args),
        Command::Merge(args) => {
            let manifest = breachlab_dataset::read::merge_shards(&args.dir)?;
            println!(
                "merged {} files into {}",
                manifest.files.len(),
                args.dir.join("manifest.json").display()
            );
            Ok(())
        }
    }
}
