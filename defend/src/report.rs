//! What a defended run publishes: `report.json` (the [`DefendReport`]) and its
//! Markdown view. Every figure comes in pairs, undefended (the open-loop dataset, the
//! attack as generated) and defended (the closed loop), on the same seed.

use serde::Serialize;

use crate::enforce::KeyKind;
use crate::gateway::{CampaignRun, Enforcement, LoopOutcome};
use crate::input::Traffic;
use crate::policy::Policy;

const HOUR_US: i64 = 3_600_000_000;

/// Who ran what: filled in by the caller.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub scenario: String,
    pub seed: u64,
    pub scale: f64,
    /// Below the scenario's minimum faithful scale.
    pub distorted: bool,
    pub detector: String,
    pub detector_params: serde_json::Value,
    pub threshold: f64,
    /// `default`, `param` or `calibrated`.
    pub threshold_source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefendReport {
    pub breachlab_version: String,
    pub run: RunInfo,
    /// The policy every campaign followed; `null` when each followed its scenario's
    /// `[campaigns.adapt]` (see `campaigns[].policy`).
    pub policy: Option<Policy>,
    pub enforcement: EnforcementSection,
    pub totals: Totals,
    pub campaigns: Vec<CampaignSection>,
    pub benign: Vec<BenignSection>,
    /// Cumulative records exposed at the end of each hour of the span.
    pub exposure_over_time: Vec<ExposurePoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnforcementSection {
    pub blocks: Vec<KeyKind>,
    /// `null`: until the end.
    pub block_for_s: Option<f64>,
    pub refuse_status: i16,
    pub window_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub records_exposed_undefended: i64,
    pub records_exposed_defended: i64,
    /// `1 - defended / undefended` (0 when nothing was exposed undefended).
    pub share_of_records_stopped: f64,
    pub attack_requests_planned: u64,
    pub attack_requests_sent: u64,
    pub attack_requests_refused: u64,
    pub benign_requests: u64,
    pub benign_requests_refused: u64,
    pub benign_entities_locked_out: u64,
    pub alerts: u64,
    pub alerts_on_attack_requests: u64,
    pub keys_blocked: u64,
}

/// What one attack campaign got and paid.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttackCost {
    pub records_exposed: i64,
    pub requests_sent: u64,
    pub requests_refused: u64,
    /// Planned requests never sent: the span ended first.
    pub requests_unsent: u64,
    pub addresses_used: u64,
    /// Addresses that were refused at least once.
    pub addresses_burned: u64,
    pub principals_used: u64,
    pub principals_burned: u64,
    pub sessions_used: u64,
    pub rotations: u64,
    pub rotation_cost: f64,
    pub slowdowns: u64,
    pub pauses: u64,
    /// From its first request sent to its last.
    pub time_taken_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CampaignSection {
    pub name: String,
    pub policy: Policy,
    pub undefended: AttackCost,
    pub defended: AttackCost,
}

/// Benign harm per source (`customers`, or a look-alike cohort by name).
#[derive(Debug, Clone, Serialize)]
pub struct BenignSection {
    pub source: String,
    pub requests: u64,
    pub refused: u64,
    pub entities: u64,
    pub entities_locked_out: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExposurePoint {
    pub hour: u32,
    pub undefended: i64,
    pub defended: i64,
}

impl DefendReport {
    pub fn new(
        run: RunInfo,
        policy: Option<Policy>,
        enforcement: &Enforcement,
        traffic: &Traffic,
        outcome: &LoopOutcome,
    ) -> DefendReport {
        let campaigns: Vec<CampaignSection> = outcome
            .campaigns
            .iter()
            .map(|c| campaign_section(traffic, c))
            .collect();
        let benign: Vec<BenignSection> = outcome
            .benign
            .iter()
            .map(|(source, tally)| BenignSection {
                source: source.clone(),
                requests: tally.requests,
                refused: tally.refused,
                entities: tally.entities.len() as u64,
                entities_locked_out: tally.locked_out.len() as u64,
            })
            .collect();
        let undefended: i64 = campaigns.iter().map(|c| c.undefended.records_exposed).sum();
        let defended: i64 = campaigns.iter().map(|c| c.defended.records_exposed).sum();
        let totals = Totals {
            records_exposed_undefended: undefended,
            records_exposed_defended: defended,
            share_of_records_stopped: if undefended > 0 {
                1.0 - defended as f64 / undefended as f64
            } else {
                0.0
            },
            attack_requests_planned: campaigns.iter().map(|c| c.undefended.requests_sent).sum(),
            attack_requests_sent: campaigns.iter().map(|c| c.defended.requests_sent).sum(),
            attack_requests_refused: campaigns.iter().map(|c| c.defended.requests_refused).sum(),
            benign_requests: benign.iter().map(|b| b.requests).sum(),
            benign_requests_refused: benign.iter().map(|b| b.refused).sum(),
            benign_entities_locked_out: benign.iter().map(|b| b.entities_locked_out).sum(),
            alerts: outcome.alerts,
            alerts_on_attack_requests: outcome.alerts_on_attack_requests,
            keys_blocked: outcome.keys_blocked as u64,
        };
        DefendReport {
            breachlab_version: env!("CARGO_PKG_VERSION").to_string(),
            run,
            policy,
            enforcement: EnforcementSection {
                blocks: enforcement.keys.clone(),
                block_for_s: enforcement.block_for_us.map(|us| us as f64 / 1e6),
                refuse_status: enforcement.refuse_status,
                window_s: enforcement.window_us as f64 / 1e6,
            },
            totals,
            campaigns,
            benign,
            exposure_over_time: exposure_over_time(traffic, outcome),
        }
    }

    /// The policy's name, or `per campaign` when each followed its scenario's.
    pub fn policy_name(&self) -> &'static str {
        self.policy.map_or("per campaign", |p| p.name())
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the report serialises");
        text.push('\n');
        text
    }

    pub fn to_markdown(&self) -> String {
        let r = &self.run;
        let t = &self.totals;
        let mut out = format!(
            "# Defended run: {} against `{}`\n\n\
             Scenario `{}`, seed {}, scale {}{}. Detector `{}` at threshold {} ({}); \
             an alert blocks {} for {} and refused requests get {}. Attacker policy `{}`.\n\n",
            r.detector,
            self.policy_name(),
            r.scenario,
            r.seed,
            r.scale,
            if r.distorted {
                " (DISTORTED: below the scenario's minimum faithful scale)"
            } else {
                ""
            },
            r.detector,
            r.threshold,
            r.threshold_source,
            self.enforcement
                .blocks
                .iter()
                .map(|k| serde_json::to_value(k)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("")
                    .to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            self.enforcement
                .block_for_s
                .map_or("the rest of the run".to_string(), |s| format!("{s} s")),
            self.enforcement.refuse_status,
            self.policy_name(),
        );
        out.push_str("| | undefended | defended |\n|---|---:|---:|\n");
        out.push_str(&format!(
            "| records exposed | {} | {} ({:.1}% stopped) |\n",
            t.records_exposed_undefended,
            t.records_exposed_defended,
            100.0 * t.share_of_records_stopped
        ));
        out.push_str(&format!(
            "| attack requests sent | {} | {} ({} refused) |\n",
            t.attack_requests_planned, t.attack_requests_sent, t.attack_requests_refused
        ));
        out.push_str(&format!(
            "| benign requests refused | 0 | {} of {} |\n| benign entities locked out | 0 | {} |\n\n",
            t.benign_requests_refused, t.benign_requests, t.benign_entities_locked_out
        ));
        out.push_str(&format!(
            "Alerts: {} ({} on attack requests); keys blocked: {}.\n\n",
            t.alerts, t.alerts_on_attack_requests, t.keys_blocked
        ));
        out.push_str("## Attack campaigns\n\n| campaign | run | records | sent | refused | unsent | addresses used/burned | principals used/burned | rotations | time taken (h) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for c in &self.campaigns {
            let defended = format!("defended ({})", c.policy.name());
            for (label, cost) in [
                ("undefended", &c.undefended),
                (defended.as_str(), &c.defended),
            ] {
                out.push_str(&format!(
                    "| {} | {label} | {} | {} | {} | {} | {}/{} | {}/{} | {} | {:.2} |\n",
                    c.name,
                    cost.records_exposed,
                    cost.requests_sent,
                    cost.requests_refused,
                    cost.requests_unsent,
                    cost.addresses_used,
                    cost.addresses_burned,
                    cost.principals_used,
                    cost.principals_burned,
                    cost.rotations,
                    cost.time_taken_s / 3600.0
                ));
            }
        }
        out.push_str("\n## Benign harm\n\n| source | requests | refused | entities | locked out |\n|---|---:|---:|---:|---:|\n");
        for b in &self.benign {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                b.source, b.requests, b.refused, b.entities, b.entities_locked_out
            ));
        }
        out
    }
}

fn campaign_section(traffic: &Traffic, c: &CampaignRun) -> CampaignSection {
    let [addresses, principals, sessions] = c.planned_identities;
    let undefended = AttackCost {
        records_exposed: c.planned_records,
        requests_sent: c.planned_requests,
        requests_refused: 0,
        requests_unsent: 0,
        addresses_used: addresses,
        addresses_burned: 0,
        principals_used: principals,
        principals_burned: 0,
        sessions_used: sessions,
        rotations: 0,
        rotation_cost: 0.0,
        slowdowns: 0,
        pauses: 0,
        time_taken_s: (c.planned_end_us - c.planned_start_us) as f64 / 1e6,
    };
    let tally = &c.tally;
    let rotation_cost = match c.policy {
        Policy::Rotate { rotation_cost, .. } => rotation_cost * tally.rotations as f64,
        _ => 0.0,
    };
    let defended = AttackCost {
        records_exposed: c.records_exposed,
        requests_sent: tally.sent,
        requests_refused: tally.refused,
        requests_unsent: c.unsent,
        addresses_used: tally.addresses_used.len() as u64,
        addresses_burned: tally.addresses_burned.len() as u64,
        principals_used: tally.principals_used.len() as u64,
        principals_burned: tally.principals_burned.len() as u64,
        sessions_used: tally.sessions_used.len() as u64,
        rotations: tally.rotations,
        rotation_cost,
        slowdowns: tally.slowdowns,
        pauses: tally.pauses,
        time_taken_s: match (tally.first_sent_us, tally.last_sent_us) {
            (Some(a), Some(b)) => (b - a) as f64 / 1e6,
            _ => 0.0,
        },
    };
    CampaignSection {
        name: traffic.campaigns[c.campaign].name.clone(),
        policy: c.policy,
        undefended,
        defended,
    }
}

/// Cumulative records exposed at the end of each hour of the span, both ways.
fn exposure_over_time(traffic: &Traffic, outcome: &LoopOutcome) -> Vec<ExposurePoint> {
    let hours = ((traffic.end_us - traffic.start_us).max(0) + HOUR_US - 1) / HOUR_US;
    let hours = hours.max(1) as usize;
    let mut undefended = vec![0i64; hours];
    let mut defended = vec![0i64; hours];
    let bucket = |ts: i64| (((ts - traffic.start_us).max(0) / HOUR_US) as usize).min(hours - 1);
    for c in &outcome.campaigns {
        for &(ts, n) in &c.planned_exposures {
            undefended[bucket(ts)] += n;
        }
        for &(ts, n) in &c.exposures {
            defended[bucket(ts)] += n;
        }
    }
    let (mut u, mut d) = (0, 0);
    (0..hours)
        .map(|h| {
            u += undefended[h];
            d += defended[h];
            ExposurePoint {
                hour: h as u32 + 1,
                undefended: u,
                defended: d,
            }
        })
        .collect()
}

/// Text safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl DefendReport {
    /// A page with the Markdown's figures and a plot of records exposed over time,
    /// defended against undefended (inline SVG, no script).
    pub fn to_html(&self) -> String {
        let title = format!(
            "Defended run: {} against {}",
            self.run.detector,
            self.policy_name()
        );
        let mut out = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:right}}</style></head><body>\n<h1>{}</h1>\n",
            escape(&title),
            escape(&title)
        );
        out.push_str(&self.exposure_plot());
        out.push_str("<pre>");
        out.push_str(&escape(&self.to_markdown()));
        out.push_str("</pre>\n</body></html>\n");
        out
    }

    /// Cumulative records exposed per hour: undefended dashed, defended solid.
    fn exposure_plot(&self) -> String {
        let (width, height, pad) = (640.0, 280.0, 40.0);
        let points = &self.exposure_over_time;
        let top = points
            .iter()
            .map(|p| p.undefended.max(p.defended))
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let hours = points.len().max(1) as f64;
        let line = |value: fn(&ExposurePoint) -> i64| -> String {
            let mut path = format!("{pad:.1},{:.1}", height - pad);
            for p in points {
                let x = pad + (width - 2.0 * pad) * f64::from(p.hour) / hours;
                let y = height - pad - (height - 2.0 * pad) * value(p) as f64 / top;
                path.push_str(&format!(" {x:.1},{y:.1}"));
            }
            path
        };
        format!(
            "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"records exposed over time\">\n\
             <line x1=\"{pad}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#444\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{b}\" stroke=\"#444\"/>\n\
             <polyline fill=\"none\" stroke=\"#999\" stroke-dasharray=\"6 4\" stroke-width=\"2\" points=\"{u}\"/>\n\
             <polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" points=\"{d}\"/>\n\
             <text x=\"{pad}\" y=\"{t}\" font-size=\"12\">{top} records</text><text x=\"{r}\" y=\"{x}\" font-size=\"12\" text-anchor=\"end\">hour {hours}</text>\n\
             </svg><figcaption>Records exposed so far, per hour: undefended (dashed) and defended (solid).</figcaption></figure>\n",
            b = height - pad,
            r = width - pad,
            t = pad - 8.0,
            x = height - pad + 16.0,
            u = line(|p| p.undefended),
            d = line(|p| p.defended),
        )
    }
}
