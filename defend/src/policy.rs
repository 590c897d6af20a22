//! How an attack campaign answers refusals. Every policy observes only what a client
//! observes: the status code of each of its own requests and when it sent them; never
//! the detector's scores, its threshold, which key was blocked, or other clients'
//! answers.
//!
//! - `none`: the attack as generated; a refused request is not sent again.
//! - `rotate`: a refused request is sent again, from a fresh identity: the identity it
//!   was sent from (address, principal and session) is replaced by one never used,
//!   drawn from the campaign's own stream, at `rotation_cost` each, until `pool`
//!   rotations are spent; then it behaves as `none`.
//! - `back-off`: a refused request is sent again after the next planned gap; after
//!   `refusals_to_slow` refusals in a row the campaign halves its rate (its gaps
//!   double), and each request served afterwards brings the rate back by
//!   `recovery` (gaps times `1 - recovery`, never below the planned ones).
//! - `pause`: on a refusal the campaign stops for `pause_s`, then sends the refused
//!   request again from the same identity.
//! - `mimic`: a refused request is sent again after the next planned gap; the campaign
//!   lowers each identity's rate to the highest rate that was still served without a
//!   refusal (it learns a cap per identity from its own 2xx/4xx answers), spacing that
//!   identity's requests at least by the learned gap.

use crate::DefendError;
use serde::Serialize;

/// The policies by name, as a scenario or a command line spells them.
pub const POLICY_NAMES: [&str; 5] = ["none", "rotate", "back-off", "pause", "mimic"];

/// An attacker policy and its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum Policy {
    None,
    Rotate {
        pool: u32,
        rotation_cost: f64,
    },
    BackOff {
        refusals_to_slow: u32,
        recovery: f64,
    },
    Pause {
        pause_s: f64,
    },
    Mimic {
        refusals_to_slow: u32,
    },
}

impl Policy {
    /// A policy by name with its default settings.
    pub fn named(name: &str) -> Result<Policy, DefendError> {
        Ok(match name {
            "none" => Policy::None,
            "rotate" => Policy::Rotate {
                pool: 1000,
                rotation_cost: 1.0,
            },
            "back-off" => Policy::BackOff {
                refusals_to_slow: 3,
                recovery: 0.05,
            },
            "pause" => Policy::Pause { pause_s: 900.0 },
            "mimic" => Policy::Mimic {
                refusals_to_slow: 1,
            },
            other => {
                return Err(DefendError::UnknownPolicy {
                    given: other.to_string(),
                    known: POLICY_NAMES.join(", "),
                });
            }
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Rotate { .. } => "rotate",
            Policy::BackOff { .. } => "back-off",
            Policy::Pause { .. } => "pause",
            Policy::Mimic { .. } => "mimic",
        }
    }

    /// Sets one setting (`pool`, `rotation_cost`, `refusals_to_slow`, `recovery`,
    /// `pause_s`) of this policy from its text.
    pub fn set(&mut self, setting: &str, value: &str) -> Result<(), DefendError> {
        let number = |setting: &'static str| -> Result<f64, DefendError> {
            value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or(DefendError::PolicySetting {
                    setting,
                    value: value.to_string(),
                    reason: "expected a number at or above 0",
                })
        };
        let count =
            |setting: &'static str| -> Result<u32, DefendError> {
                value.trim().parse::<u32>().ok().filter(|v| *v >= 1).ok_or(
                    DefendError::PolicySetting {
                        setting,
                        value: value.to_string(),
                        reason: "expected a whole number of at least 1",
                    },
                )
            };
        match (self, setting) {
            (Policy::Rotate { pool, .. }, "pool") => {
                *pool = value
                    .trim()
                    .parse()
                    .map_err(|_| DefendError::PolicySetting {
                        setting: "pool",
                        value: value.to_string(),
                        reason: "expected a whole number of rotations",
                    })?
            }
            (Policy::Rotate { rotation_cost, .. }, "rotation_cost") => {
                *rotation_cost = number("rotation_cost")?
            }
            (
                Policy::BackOff {
                    refusals_to_slow, ..
                },
                "refusals_to_slow",
            )
            | (Policy::Mimic { refusals_to_slow }, "refusals_to_slow") => {
                *refusals_to_slow = count("refusals_to_slow")?
            }
            (Policy::BackOff { recovery, .. }, "recovery") => {
                let v = number("recovery")?;
                if v >= 1.0 {
                    return Err(DefendError::PolicySetting {
                        setting: "recovery",
                        value: value.to_string(),
                        reason: "expected a fraction below 1",
                    });
                }
                *recovery = v;
            }
            (Policy::Pause { pause_s }, "pause_s") => {
                let v = number("pause_s")?;
                if v < 0.001 {
                    return Err(DefendError::PolicySetting {
                        setting: "pause_s",
                        value: value.to_string(),
                        reason: "a pause must last at least 1 ms",
                    });
                }
                *pause_s = v;
            }
            (policy, _) => {
                return Err(DefendError::PolicySetting {
                    setting: policy.name(),
                    value: setting.to_string(),
                    reason: "no such setting for this policy (rotate: pool, rotation_cost; back-off: refusals_to_slow, recovery; pause: pause_s; mimic: refusals_to_slow)",
                });
            }
        }
        Ok(())
    }
}

impl Policy {
    /// A campaign's `[campaigns.adapt]` table: `policy` names the policy, every other
    /// key is one of its settings.
    pub fn from_table(table: &toml::Table) -> Result<Policy, DefendError> {
        let name = match table.get("policy") {
            Some(toml::Value::String(name)) => name.as_str(),
            _ => {
                return Err(DefendError::PolicySetting {
                    setting: "policy",
                    value: table
                        .get("policy")
                        .map_or("missing".into(), |v| v.to_string()),
                    reason: "[campaigns.adapt] needs `policy`, one of none, rotate, back-off, pause, mimic",
                });
            }
        };
        let mut policy = Policy::named(name)?;
        for (key, value) in table {
            if key == "policy" {
                continue;
            }
            let text = match value {
                toml::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            policy.set(key, &text)?;
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_adapt_table_names_the_policy_and_its_settings() {
        let table: toml::Table = toml::from_str("policy = \"rotate\"\npool = 20\n").unwrap();
        assert_eq!(
            Policy::from_table(&table).unwrap(),
            Policy::Rotate {
                pool: 20,
                rotation_cost: 1.0
            }
        );
        let table: toml::Table = toml::from_str("pool = 20\n").unwrap();
        assert!(
            Policy::from_table(&table)
                .unwrap_err()
                .to_string()
                .contains("policy")
        );
        let table: toml::Table = toml::from_str("policy = \"pause\"\npool = 2\n").unwrap();
        assert!(Policy::from_table(&table).is_err());
    }

    use super::*;

    #[test]
    fn every_named_policy_parses_and_unknown_names_are_refused() {
        for name in POLICY_NAMES {
            assert_eq!(Policy::named(name).unwrap().name(), name);
        }
        let error = Policy::named("teleport").unwrap_err().to_string();
        assert!(
            error.contains("teleport") && error.contains("back-off"),
            "{error}"
        );
    }

    #[test]
    fn settings_are_checked() {
        let mut policy = Policy::named("pause").unwrap();
        policy.set("pause_s", "60").unwrap();
        assert_eq!(policy, Policy::Pause { pause_s: 60.0 });
        assert!(policy.set("pause_s", "0").is_err());
        assert!(policy.set("pool", "3").is_err());
        let mut rotate = Policy::named("rotate").unwrap();
        rotate.set("pool", "3").unwrap();
        assert!(rotate.set("rotation_cost", "-1").is_err());
    }
}
