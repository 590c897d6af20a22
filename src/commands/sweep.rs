//! `breachlab bench --scenario NAME --sweep PATH=V1,V2,...`: an evasion curve. Each value
//! gives a variant of the scenario (its TOML with the value at PATH replaced; the
//! variant's text is what the dataset cache hashes), generated through the cache and
//! scored by every detector with thresholds calibrated once, on the unswept scenario.
//! A variant below the scenario's minimum faithful scale is scored and marked distorted.

use super::scoring::run_error;
use super::seeded::{CachedSeeds, ScoredAs, bench_error, cached_dataset};
use crate::cli::BenchArgs;
use anyhow::{Context, anyhow, bail};
use breachlab_generator::LoadedScenario;
use breachlab_harness::bench::calibrate_on_seeds;
use breachlab_harness::report::{
    BenchReport, SweepDetector, SweepPoint, SweepSection, SweepVariant,
};
use breachlab_harness::runner::{self, DetectorSpec, RunOptions};

/// Runs the sweep on `seed` and returns the first variant's report with the `sweep`
/// section.
pub fn bench_sweep(
    args: &BenchArgs,
    scenario: &LoadedScenario,
    sweep: &str,
    seed: u64,
    specs: &[DetectorSpec],
    budget: f64,
    options: &RunOptions,
) -> anyhow::Result<BenchReport> {
    let (path, values) = parse_sweep(sweep)?;
    let scale = args.scale.unwrap_or(1.0);
    let variants = values
        .iter()
        .map(|value| variant(scenario, &path, value))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (calibrated, calibration_seeds) = match &args.calibrate {
        Some(seeds) => {
            let mut source = CachedSeeds::new(args, scenario, scale);
            let thresholds =
                calibrate_on_seeds(&mut source, &seeds.0, &[seed], specs, budget, options)
                    .map_err(|e| bench_error(e, seeds, ScoredAs::Sweep))?;
            (thresholds, seeds.0.clone())
        }
        None => (vec![None; specs.len()], Vec::new()),
    };
    let mut first_report = None;
    let mut section = SweepSection {
        path: path.clone(),
        seed,
        calibration_seeds,
        variants: Vec::new(),
        detectors: Vec::new(),
    };
    for (value, variant) in values.iter().zip(&variants) {
        let dataset = cached_dataset(variant, seed, scale, &args.cache)?;
        eprintln!("scoring {path}={value}: {}", dataset.root.display());
        let report = runner::score_dataset(&dataset, specs, &calibrated, options)
            .map_err(run_error)?
            .to_report();
        let detectors = &report.report.detectors;
        let records_exposed_total = detectors.first().map_or(0, |detector| {
            let campaigns = &detector.metrics.campaigns;
            campaigns.iter().map(|c| c.records_exposed_total).sum()
        });
        section.variants.push(SweepVariant {
            value: value.clone(),
            distorted: dataset
                .manifest
                .faithfulness
                .as_ref()
                .is_some_and(|f| f.distorted),
            records_exposed_total,
        });
        for spec in specs {
            let scored = detectors.iter().find(|d| d.name == spec.name);
            let index = match section.detectors.iter().position(|d| d.name == spec.name) {
                Some(index) => index,
                None => {
                    section.detectors.push(SweepDetector {
                        name: spec.name.clone(),
                        threshold: scored.map_or(f64::NAN, |d| d.metrics.threshold),
                        points: Vec::new(),
                    });
                    section.detectors.len() - 1
                }
            };
            section.detectors[index]
                .points
                .push(scored.map(SweepPoint::of));
        }
        if first_report.is_none() {
            let mut report = report;
            report.faithfulness = dataset.manifest.faithfulness.clone();
            first_report = Some(report);
        }
    }
    let mut report = first_report.ok_or_else(|| anyhow!("--sweep: no value to sweep"))?;
    report.sweep = Some(section);
    Ok(report)
}

/// `PATH=V1,V2,...` into the path and its values.
fn parse_sweep(sweep: &str) -> anyhow::Result<(String, Vec<String>)> {
    let usage = "expected PATH=V1,V2,..., e.g. `campaigns.0.attack.tokens=200,2000`";
    let (path, values) = sweep
        .split_once('=')
        .ok_or_else(|| anyhow!("--sweep `{sweep}`: {usage}"))?;
    let values: Vec<String> = values
        .split(',')
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
        .collect();
    if path.trim().is_empty() || values.is_empty() {
        bail!("--sweep `{sweep}`: {usage}");
    }
    Ok((path.trim().to_string(), values))
}

/// `scenario` with `value` (read as a TOML value, else as a string) at the dotted `path`.
fn variant(scenario: &LoadedScenario, path: &str, value: &str) -> anyhow::Result<LoadedScenario> {
    let origin = &scenario.origin;
    let mut document: toml::Table = toml::from_str(&scenario.text)
        .with_context(|| format!("scenario {origin}: not valid TOML"))?;
    let new_value = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let slot = lookup(&mut document, path).with_context(|| {
        format!("--sweep: scenario {origin} has no `{path}`; give a path to an existing value, e.g. `campaigns.0.attack.tokens`")
    })?;
    *slot = new_value;
    let text = toml::to_string(&document)
        .with_context(|| format!("--sweep: scenario {origin} with {path}={value}"))?;
    LoadedScenario::parse(&format!("{origin} with {path}={value}"), &text)
        .with_context(|| format!("--sweep: {path}={value} makes scenario {origin} invalid"))
}

/// The value at dotted `path` (table keys, array indices) in `document`.
fn lookup<'a>(document: &'a mut toml::Table, path: &str) -> anyhow::Result<&'a mut toml::Value> {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or_default();
    let mut current = document
        .get_mut(first)
        .ok_or_else(|| anyhow!("no key `{first}` at the top level"))?;
    for part in parts {
        current = match current {
            toml::Value::Table(table) => table
                .get_mut(part)
                .ok_or_else(|| anyhow!("no key `{part}`"))?,
            toml::Value::Array(items) => {
                let index: usize = part
                    .parse()
                    .map_err(|_| anyhow!("`{part}` is not an index into an array"))?;
                let length = items.len();
                items
                    .get_mut(index)
                    .ok_or_else(|| anyhow!("index {index} is past the array's {length} items"))?
            }
            _ => bail!("`{part}` goes into a value that is neither a table nor an array"),
        };
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_replaces_one_value_and_keeps_the_rest() {
        let scenario = LoadedScenario::load("default").unwrap();
        let original: toml::Table = toml::from_str(&scenario.text).unwrap();
        let campaigns = original["campaigns"].as_array().unwrap();
        let path = campaigns[0]
            .as_table()
            .unwrap()
            .keys()
            .find(|key| campaigns[0][key.as_str()].is_float())
            .cloned()
            .expect("a float field in the first campaign");
        let changed = variant(&scenario, &format!("campaigns.0.{path}"), "0.125").unwrap();
        let table: toml::Table = toml::from_str(&changed.text).unwrap();
        assert_eq!(table["campaigns"][0][path.as_str()].as_float(), Some(0.125));
        assert_eq!(
            table["campaigns"].as_array().unwrap().len(),
            campaigns.len()
        );
        assert_ne!(changed.text_sha256(), scenario.text_sha256());
    }

    #[test]
    fn a_missing_path_is_a_clear_error() {
        let scenario = LoadedScenario::load("default").unwrap();
        let error = variant(&scenario, "campaigns.0.no_such_field", "1").unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("no_such_field") && message.contains("--sweep"),
            "{message}"
        );
        let error = variant(&scenario, "campaigns.99.start_h", "1").unwrap_err();
        assert!(format!("{error:#}").contains("index 99"), "{error:#}");
    }

    #[test]
    fn sweep_arguments_need_a_path_and_values() {
        assert_eq!(
            parse_sweep("a.b=1, 2").unwrap(),
            ("a.b".to_string(), vec!["1".to_string(), "2".to_string()])
        );
        assert!(parse_sweep("a.b").is_err());
        assert!(parse_sweep("a.b=").is_err());
    }
}
