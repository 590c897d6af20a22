//! `breachlab detectors`: the registry, with each parameter's default and meaning.

use breachlab_detectors::{ParamDefault, ParamInfo, registry};

pub fn run() -> anyhow::Result<()> {
    super::write_stdout(&listing())
}

fn listing() -> String {
    let mut out = String::new();
    for info in registry() {
        out.push_str(&format!("{}\n    {}\n", info.name, info.description));
        for param in info.params {
            out.push_str(&format!(
                "    --param {}.{}={}\n        {}\n",
                info.name,
                param.name,
                param.default.value(),
                param.meaning
            ));
            if let Some(effect) = threshold_in_counts(info.params, param) {
                out.push_str(&format!("        {effect}\n"));
            }
        }
        out.push('\n');
    }
    out
}

/// A threshold given as a share of a limit, read as the count it means at the defaults:
/// `ip-rate.threshold=0.0433` of `limit=600` flags from the 26th request in a window.
fn threshold_in_counts(params: &[ParamInfo], param: &ParamInfo) -> Option<String> {
    if param.name != "threshold" || !param.meaning.starts_with("share of the limit") {
        return None;
    }
    let (ParamDefault::Float(share), Some(limit)) = (
        param.default,
        params
            .iter()
            .find(|p| p.name == "limit")
            .and_then(|p| match p.default {
                ParamDefault::Int(n) => Some(n as f64),
                ParamDefault::Float(x) => Some(x),
                _ => None,
            }),
    ) else {
        return None;
    };
    Some(format!(
        "(at the defaults: from about {} of the {} the limit allows)",
        (share * limit).ceil(),
        limit
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_of_a_limit_is_read_as_a_count() {
        let params = [
            ParamInfo::float(
                "threshold",
                0.0433,
                "share of the limit at which a request is flagged",
            ),
            ParamInfo::int("limit", 600, "requests allowed per IP per window"),
        ];
        // 0.0433 x 600 = 25.98: flagged from the 26th request.
        assert_eq!(
            threshold_in_counts(&params, &params[0]).as_deref(),
            Some("(at the defaults: from about 26 of the 600 the limit allows)")
        );
        assert_eq!(threshold_in_counts(&params, &params[1]), None);
        let other = [ParamInfo::float("threshold", 2.0, "evidence, in nats")];
        assert_eq!(threshold_in_counts(&other, &other[0]), None);
    }
}
