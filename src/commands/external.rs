//! The `bench` flags that add detectors from outside: `--detector-cmd` (with
//! `--detector-name`, `--detector-timeout`) and `--alerts`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use breachlab_harness::alerts::{alerts_spec, read_alerts};
use breachlab_harness::external::{ExternalSpec, external_spec, kill_running_detectors};
use breachlab_harness::runner::DetectorSpec;

use crate::cli::BenchArgs;
use crate::interrupt;

/// One spec per `--detector-cmd` and per `--alerts` file, in that order.
pub fn specs(args: &BenchArgs) -> anyhow::Result<Vec<DetectorSpec>> {
    if args.detector_names.len() > args.detector_cmds.len() {
        bail!(
            "{} --detector-name for {} --detector-cmd: each name follows the --detector-cmd it names",
            args.detector_names.len(),
            args.detector_cmds.len()
        );
    }
    let mut specs = Vec::new();
    if !args.detector_cmds.is_empty() {
        interrupt::on_interrupt(kill_running_detectors);
    }
    let names = names_by_position(std::env::args(), args.detector_cmds.len());
    for (index, command) in args.detector_cmds.iter().enumerate() {
        if command.trim().is_empty() {
            bail!("--detector-cmd is empty: give the command line that starts the detector");
        }
        let spec = ExternalSpec {
            command: command.clone(),
            name: names.get(index).cloned().flatten(),
            timeout: Duration::from_secs_f64(args.detector_timeout),
        };
        specs.push(external_spec(spec, None));
    }
    for path in &args.alerts {
        specs.push(alert_file_spec(path, None)?);
    }
    Ok(specs)
}

/// The `--detector-name` of each `--detector-cmd`: the one that follows it on the
/// command line (before the next `--detector-cmd`), if any.
fn names_by_position(argv: impl Iterator<Item = String>, commands: usize) -> Vec<Option<String>> {
    let mut names: Vec<Option<String>> = Vec::with_capacity(commands);
    let mut argv = argv.peekable();
    while let Some(arg) = argv.next() {
        if arg == "--" {
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        match flag.as_str() {
            "--detector-cmd" => {
                names.push(None);
                if inline.is_none() {
                    argv.next();
                }
            }
            "--detector-name" => {
                let value = inline.or_else(|| argv.next());
                if let Some(last) = names.last_mut() {
                    *last = value;
                }
            }
            _ => {}
        }
    }
    names.resize(commands, None);
    names
}

/// An alert file read and checked (not yet against a dataset), named `name` or by its
/// file stem.
pub fn alert_file_spec(path: &Path, name: Option<&str>) -> anyhow::Result<DetectorSpec> {
    let alerts = read_alerts(path)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .context("an alert file path needs a file name")?;
    Ok(alerts_spec(name.unwrap_or(&stem), alerts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_goes_to_the_command_before_it() {
        let argv = [
            "breachlab",
            "bench",
            "--detector-cmd",
            "a",
            "--detector-cmd=b",
            "--detector-name",
            "B",
            "--detectors",
            "null",
            "--detector-cmd",
            "c",
            "--detector-name=C",
        ];
        let names = names_by_position(argv.iter().map(|s| s.to_string()), 3);
        assert_eq!(names, vec![None, Some("B".into()), Some("C".into())]);
    }
}
