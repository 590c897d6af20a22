//! One module per subcommand.

mod audit;
mod bench;
mod defend;
mod demo;
mod detectors;
mod export;
mod external;
mod faithful;
mod generate;
mod import;
mod origin;
mod outputs;
mod plant;
mod replay;
mod scenarios;
mod score;
mod scoring;
mod seeded;
mod sweep;
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
        Command::Defend(args) => defend::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Plant(args) => plant::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Origin(args) => origin::run(args),
        Command::Cite(args) => {
            let citation = breachlab_dataset::cite::Citation::of(&args.dir)?;
            write_stdout(&citation.bibtex())
        }
        Command::Merge(args) => {
            let manifest = breachlab_dataset::merge::merge_shards(&args.dir)?;
            println!(
                "merged {} files into {}",
                manifest.files.len(),
                args.dir.join("manifest.json").display()
            );
            Ok(())
        }
    }
}

/// Writes `text` to standard output, returning the error a closed pipe gives (`breachlab
/// scenarios show NAME | head`) instead of panicking as `print!` does; `main` ends
/// quietly on it.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Whether `error` is standard output's reader having gone away: nothing to report.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error and its causes on one line, each cause once: a cause whose text the message
/// before it already ends with (a `path: OS error` wrapping the same OS error) is skipped.
pub fn error_text(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::error_text;

    #[test]
    fn an_os_error_is_printed_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("/x/shards: {source}")]
        struct Wrapped {
            source: std::io::Error,
        }
        let os = std::io::Error::from(std::io::ErrorKind::NotFound);
        let error = anyhow::Error::new(Wrapped { source: os }).context("merge");
        let text = error_text(&error);
        assert_eq!(text.matches("not found").count(), 1, "{text}");
        assert!(text.starts_with("merge: /x/shards: "), "{text}");
    }
}
