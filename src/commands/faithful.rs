//! What a scale keeps of a scenario, in words: printed by `scenarios show`, by
//! `generate --dry-run`, and checked by `generate` before it writes anything.

use anyhow::bail;
use breachlab_dataset::manifest::Faithfulness;
use breachlab_generator::{LoadedScenario, Plan};

/// The faithfulness of `scenario` at `scale`, as the manifest will state it.
pub fn at_scale(scenario: &LoadedScenario, scale: f64) -> anyhow::Result<Faithfulness> {
    let plan = Plan::new(scenario, 0, scale)?;
    Ok(breachlab_writer::faithfulness(&plan, scale))
}

/// One line per campaign, and the scenario's minimum, each starting with `prefix`.
pub fn describe(f: &Faithfulness, scale: f64, prefix: &str) -> String {
    let mut out = format!(
        "{prefix}faithful from --scale {} (set by {}); this scale {scale}: {}\n",
        short(f.minimum_scale),
        f.minimum_set_by,
        if f.distorted {
            "DISTORTED (below the minimum)"
        } else {
            "faithful"
        }
    );
    for c in &f.campaigns {
        let entities: Vec<String> = c
            .entities
            .iter()
            .map(|e| {
                format!(
                    "{} {}/{} ({:.3} req/h each)",
                    e.kind, e.kept, e.written, e.requests_per_hour_each
                )
            })
            .collect();
        let horizon = if c.faithful_horizon_h >= c.duration_h {
            format!("whole {:.4} h", c.duration_h)
        } else {
            format!(
                "first {:.4} h of {:.4} h ({:.1}%)",
                c.faithful_horizon_h,
                c.duration_h,
                100.0 * c.faithful_horizon_h / c.duration_h
            )
        };
        out.push_str(&format!(
            "{prefix}  {}: {horizon}; entities kept/written: {}\n",
            c.name,
            entities.join(", ")
        ));
    }
    out
}

/// Refuses a scale below the scenario's minimum unless the user allowed distortion.
pub fn check(
    f: &Faithfulness,
    scale: f64,
    name: &str,
    allow_distorted: bool,
) -> anyhow::Result<()> {
    if f.distorted && !allow_distorted {
        bail!(
            "scenario `{name}` at --scale {scale} is below its minimum faithful scale {} (set by {}): below it a campaign runs for less than its needed horizon, so its detection figures say nothing about the incident. Raise --scale to at least {}, or pass --allow-distorted (the manifest and every report then say so)",
            short(f.minimum_scale),
            f.minimum_set_by,
            short(f.minimum_scale)
        );
    }
    Ok(())
}

/// A scale rounded up to three significant digits (so it is itself at or above the
/// minimum).
pub fn short(scale: f64) -> String {
    if scale <= 0.0 || !scale.is_finite() {
        return format!("{scale}");
    }
    let digits = 3 - 1 - scale.log10().floor() as i32;
    let factor = 10f64.powi(digits);
    let rounded = (scale * factor).ceil() / factor;
    format!("{}", (rounded * 1e12).round() / 1e12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_rounds_up_to_three_digits() {
        assert_eq!(short(0.013888), "0.0139");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(1.0), "1");
        assert_eq!(short(0.000254), "0.000254");
    }
}
