//! The `breachlab` command: generate datasets, run detectors over them, score alerts.

mod cli;
mod commands;
mod interrupt;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let result = commands::run(cli);
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(match error.downcast_ref::<interrupt::Interrupted>() {
            Some(_) => 130,
            None => 1,
        });
    }
}
