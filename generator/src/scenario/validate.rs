//! Checks that types cannot express. Each failure names the field's dotted path and
//! what is allowed; [`super::ScenarioError`] turns the path into a line number.

use super::config::*;
use super::error::Issue;
use chrono::{DateTime, Timelike, Utc};

/// Longest span accepted: generation cost grows with it, and a century is a typo.
pub const MAX_DAYS: f64 = 3660.0;
/// Most accounts accepted at scale 1.
pub const MAX_ACCOUNTS: u64 = 10_000_000_000;
/// Most recipients of a password-reset wave at scale 1: as many as the largest
/// population (a mailing list can hold more than the scenario's accounts; beyond this it
/// is a typo, and the plan's size check weighs what is accepted).
pub const MAX_RECIPIENTS: u64 = MAX_ACCOUNTS;
/// Most app installs a day of a contact-sync cohort at scale 1.
pub const MAX_INSTALLS_PER_DAY: f64 = 1e8;
/// Most sessions a day of one account or one customer behind a NAT.
pub const MAX_SESSIONS_PER_DAY: f64 = 1000.0;

type Check = Result<(), Issue>;

impl Scenario {
    /// Validates ranges and cross-field rules; the first problem found is returned.
    pub fn validate(&self) -> Check {
        if self.name.trim().is_empty() {
            return Err(Issue::new("name", "must not be empty"));
        }
        self.start_time()?;
        let hours = self.days * 24.0;
        if !(self.days.is_finite() && self.days >= 1.0 / 24.0 && self.days <= MAX_DAYS) {
            return Err(Issue::new(
                "days",
                format!(
                    "is {}; allowed: 1 hour (0.0417) to {MAX_DAYS} days (ten years: longer spans cost days of generation and are usually a typo)",
                    self.days
                ),
            ));
        }
        if (hours - hours.round()).abs() > 1e-9 {
            return Err(Issue::new(
                "days",
                "must be a whole number of hours (days * 24 an integer)",
            ));
        }
        within("utc_offset_hours", self.utc_offset_hours, -12.0, 14.0)?;
        self.population.validate()?;
        self.traffic.validate()?;
        self.output.validate()?;
        let mut names = std::collections::HashSet::new();
        let mut signature: Option<usize> = None;
        for (i, c) in self.campaigns.iter().enumerate() {
            if c.signature.is_some() {
                if let Some(first) = signature {
                    return Err(Issue::new(
                        format!("campaigns[{i}].signature"),
                        format!(
                            "campaigns[{first}] already declares a signature: at most one campaign per scenario may"
                        ),
                    ));
                }
                signature = Some(i);
            }
            c.validate(&format!("campaigns[{i}]"), hours, &self.population)?;
            if !names.insert(c.name.as_str()) {
                return Err(Issue::new(
                    format!("campaigns[{i}].name"),
                    format!("'{}' is used twice: names must be unique", c.name),
                ));
            }
        }
        for (i, c) in self.cohorts.iter().enumerate() {
            c.validate(&format!("cohorts[{i}]"), hours, &self.population)?;
            if !names.insert(c.name.as_str()) {
                return Err(Issue::new(
                    format!("cohorts[{i}].name"),
                    format!("'{}' is used twice: names must be unique", c.name),
                ));
            }
        }
        Ok(())
    }

    /// The start instant, checked.
    pub fn start_time(&self) -> Result<DateTime<Utc>, Issue> {
        let parsed = DateTime::parse_from_rfc3339(&self.start).map_err(|e| {
            Issue::new(
                "start",
                format!(
                    "'{}' is not an RFC 3339 time ({e}); write e.g. 2022-11-25T00:00:00Z",
                    self.start
                ),
            )
        })?;
        if parsed.offset().local_minus_utc() != 0 {
            return Err(Issue::new("start", "must be in UTC (end with Z)"));
        }
        let utc = parsed.with_timezone(&Utc);
        if utc.minute() != 0 || utc.second() != 0 || utc.nanosecond() != 0 {
            return Err(Issue::new("start", "must fall on a whole hour"));
        }
        Ok(utc)
    }
}

fn within(field: &str, value: f64, low: f64, high: f64) -> Check {
    if value.is_finite() && value >= low && value <= high {
        Ok(())
    } else {
        Err(Issue::new(
            field,
            format!("is {value}; allowed: {low} to {high}"),
        ))
    }
}

fn positive(field: &str, value: f64) -> Check {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Issue::new(
            field,
            format!("is {value}; must be a number above 0"),
        ))
    }
}

/// A volume above 0 and at most `high`.
fn at_most(field: &str, value: f64, high: f64) -> Check {
    positive(field, value)?;
    if value > high {
        return Err(Issue::new(
            field,
            format!("is {value}; allowed: above 0, at most {high}"),
        ));
    }
    Ok(())
}

fn share(field: &str, value: f64) -> Check {
    within(field, value, 0.0, 1.0)
}

impl PopulationConfig {
    fn validate(&self) -> Check {
        if self.accounts == 0 || self.accounts > MAX_ACCOUNTS {
            return Err(Issue::new(
                "population.accounts",
                format!(
                    "is {}; allowed: 1 to {MAX_ACCOUNTS} (more would not fit in memory or time; shrink a scenario with its scale instead)",
                    self.accounts
                ),
            ));
        }
        if self.id_base < 1 || self.id_base > (1 << 50) {
            return Err(Issue::new("population.id_base", "allowed: 1 to 2^50"));
        }
        if !(self.id_density > 0.0 && self.id_density <= 1.0) {
            return Err(Issue::new(
                "population.id_density",
                format!("is {}; allowed: above 0, at most 1", self.id_density),
            ));
        }
        Ok(())
    }

    /// IDs `id_base .. id_space_end()` exist or not at scale 1.
    pub fn id_space_end(&self) -> i64 {
        self.id_base
            .saturating_add((self.accounts as f64 / self.id_density).ceil() as i64)
    }
}

impl TrafficConfig {
    fn validate(&self) -> Check {
        let t = "traffic.";
        at_most(
            &format!("{t}sessions_per_account_day"),
            self.sessions_per_account_day,
            MAX_SESSIONS_PER_DAY,
        )?;
        within(&format!("{t}zipf_exponent"), self.zipf_exponent, 0.1, 5.0)?;
        within(
            &format!("{t}peak_trough_ratio"),
            self.peak_trough_ratio,
            1.0,
            100.0,
        )?;
        within(
            &format!("{t}bot_peak_trough_ratio"),
            self.bot_peak_trough_ratio,
            1.0,
            100.0,
        )?;
        within(
            &format!("{t}peak_hour_local"),
            self.peak_hour_local,
            0.0,
            24.0,
        )?;
        within(&format!("{t}weekend_factor"), self.weekend_factor, 0.0, 2.0)?;
        for (name, v) in [
            ("app", self.client_mix.app),
            ("web", self.client_mix.web),
            ("sdk", self.client_mix.sdk),
        ] {
            share(&format!("{t}client_mix.{name}"), v)?;
        }
        if self.client_mix.app + self.client_mix.web + self.client_mix.sdk <= 0.0 {
            return Err(Issue::new(
                format!("{t}client_mix"),
                "shares must not all be 0",
            ));
        }
        within(
            &format!("{t}reads_per_session"),
            self.reads_per_session,
            0.0,
            1000.0,
        )?;
        positive(&format!("{t}think_time_s"), self.think_time_s)?;
        within(
            &format!("{t}think_time_alpha"),
            self.think_time_alpha,
            1.01,
            10.0,
        )?;
        within(
            &format!("{t}max_session_minutes"),
            self.max_session_minutes,
            1.0,
            120.0,
        )?;
        share(
            &format!("{t}mobile_carrier_share"),
            self.mobile_carrier_share,
        )?;
        share(&format!("{t}corporate_share"), self.corporate_share)?;
        share(&format!("{t}scripted_share"), self.scripted_share)?;
        share(&format!("{t}vpn_share"), self.vpn_share)?;
        share(&format!("{t}guest_share"), self.guest_share)?;
        share(&format!("{t}login_share"), self.login_share)?;
        if self.users_per_nat_ip == 0 {
            return Err(Issue::new(
                format!("{t}users_per_nat_ip"),
                "must be at least 1",
            ));
        }
        let s = &self.status;
        for (name, v) in [
            ("unauthorized", s.unauthorized),
            ("not_found", s.not_found),
            ("rate_limited", s.rate_limited),
            ("server_error", s.server_error),
        ] {
            share(&format!("{t}status.{name}"), v)?;
        }
        if s.unauthorized + s.not_found + s.rate_limited + s.server_error > 0.5 {
            return Err(Issue::new(
                format!("{t}status"),
                "error shares add up to more than 0.5: benign traffic is mostly 2xx",
            ));
        }
        within(&format!("{t}latency_sigma"), self.latency_sigma, 0.0, 3.0)?;
        within(
            &format!("{t}latency_factor"),
            self.latency_factor,
            0.01,
            100.0,
        )?;
        Ok(())
    }
}

impl OutputConfig {
    fn validate(&self) -> Check {
        if self.file_hours == 0 || 24 % self.file_hours != 0 {
            return Err(Issue::new(
                "output.file_hours",
                format!(
                    "is {}; allowed: a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24)",
                    self.file_hours
                ),
            ));
        }
        if self.accounts_per_file == 0 {
            return Err(Issue::new("output.accounts_per_file", "must be at least 1"));
        }
        Ok(())
    }
}

fn window(at: &str, start_h: f64, duration_h: f64, span_h: f64) -> Check {
    within(&format!("{at}.start_h"), start_h, 0.0, span_h)?;
    positive(&format!("{at}.duration_h"), duration_h)?;
    if start_h + duration_h > span_h + 1e-9 {
        return Err(Issue::new(
            format!("{at}.duration_h"),
            format!(
                "ends at hour {} but the scenario ends at hour {span_h}: end before start or past the span",
                start_h + duration_h
            ),
        ));
    }
    Ok(())
}

impl CampaignConfig {
    fn validate(&self, at: &str, span_h: f64, population: &PopulationConfig) -> Check {
        if self.name.trim().is_empty() {
            return Err(Issue::new(format!("{at}.name"), "must not be empty"));
        }
        window(at, self.start_h, self.duration_h, span_h)?;
        positive(&format!("{at}.rate_per_s"), self.rate_per_s)?;
        if self.rate_per_s > 1e6 {
            return Err(Issue::new(
                format!("{at}.rate_per_s"),
                "allowed: at most 1000000",
            ));
        }
        self.evasion.validate(&format!("{at}.evasion"))?;
        let has_reason = self
            .naive_reason
            .as_deref()
            .is_some_and(|reason| !reason.trim().is_empty());
        if self.naive && !has_reason {
            return Err(Issue::new(
                format!("{at}.naive_reason"),
                "a naive campaign needs a naive_reason: the source that says the attacker \
                 did give itself away, or why the campaign is deliberately unsophisticated",
            ));
        }
        if let Some(signature) = &self.signature {
            check_signature(&format!("{at}.signature"), signature)?;
        }
        self.validate_technique(&format!("{at}.attack"), population)
    }

    /// Requests the campaign makes at scale 1.
    pub fn planned_requests(&self) -> f64 {
        self.rate_per_s * self.duration_h * 3600.0
    }

    fn validate_technique(&self, at: &str, population: &PopulationConfig) -> Check {
        // Rate problems belong to the campaign's own `rate_per_s`, beside `attack`.
        let rate_field = format!("{}.rate_per_s", at.strip_suffix(".attack").unwrap_or(at));
        match &self.attack {
            Technique::SequentialWalk {
                start_id,
                stride,
                records_per_request,
                ..
            } => {
                if *stride == 0 {
                    return Err(Issue::new(format!("{at}.stride"), "must not be 0"));
                }
                within(
                    &format!("{at}.records_per_request"),
                    f64::from(*records_per_request),
                    1.0,
                    1000.0,
                )?;
                let first = start_id.unwrap_or(population.id_base);
                let end = population.id_space_end();
                if first < population.id_base || first >= end {
                    return Err(Issue::new(
                        format!("{at}.start_id"),
                        format!(
                            "{first} is outside the population's IDs {}..{end}: no account can exist there",
                            population.id_base
                        ),
                    ));
                }
                let ids = self.planned_requests() * f64::from(*records_per_request);
                let last = first as f64 + *stride as f64 * (ids - 1.0).max(0.0);
                // Random arrivals may carry a walk a little further than planned.
                let slack = 0.05 * (end - population.id_base) as f64;
                if last >= end as f64 + slack || last < population.id_base as f64 {
                    return Err(Issue::new(
                        rate_field,
                        format!(
                            "the walk would reach ID {last:.0}, past the population's IDs {}..{end}: lower rate_per_s or duration_h, or raise population.accounts",
                            population.id_base
                        ),
                    ));
                }
            }
            Technique::IdProbe { hit_rate, .. } => {
                within(&format!("{at}.hit_rate"), *hit_rate, 1e-6, 1.0)?;
                if *hit_rate > population.id_density {
                    return Err(Issue::new(
                        format!("{at}.hit_rate"),
                        format!(
                            "is {hit_rate}, above population.id_density {}: probes cannot hit more often than IDs exist",
                            population.id_density
                        ),
                    ));
                }
                let range = population.accounts as f64 / hit_rate;
                if self.planned_requests() > range {
                    return Err(Issue::new(
                        rate_field,
                        format!(
                            "the probe sends {:.0} requests but a range with hit_rate {hit_rate} holds only {range:.0} IDs to probe without repeats: lower rate_per_s or duration_h, or raise population.accounts",
                            self.planned_requests()
                        ),
                    ));
                }
            }
            Technique::LookupOracle {
                hit_rate,
                ids_per_request,
                ..
            } => {
                within(&format!("{at}.hit_rate"), *hit_rate, 0.0, 1.0)?;
                if *hit_rate > population.id_density {
                    return Err(Issue::new(
                        format!("{at}.hit_rate"),
                        format!(
                            "is {hit_rate}, above population.id_density {}: the input list is drawn over the ID space, so at most that share can name an account",
                            population.id_density
                        ),
                    ));
                }
                within(
                    &format!("{at}.ids_per_request"),
                    f64::from(*ids_per_request),
                    1.0,
                    1000.0,
                )?;
            }
            Technique::LowAndSlow { tokens, .. } => {
                within(&format!("{at}.tokens"), f64::from(*tokens), 1.0, 1e6)?
            }
            Technique::CredentialStuffing {
                success_rate,
                reads_per_account,
            } => {
                within(&format!("{at}.success_rate"), *success_rate, 0.0, 1.0)?;
                within(
                    &format!("{at}.reads_per_account"),
                    f64::from(*reads_per_account),
                    0.0,
                    1e6,
                )?;
            }
            Technique::PaginationScrape { page_size } => within(
                &format!("{at}.page_size"),
                f64::from(*page_size),
                1.0,
                1000.0,
            )?,
            Technique::OverBroadQuery {
                records_per_request,
                ..
            } => within(
                &format!("{at}.records_per_request"),
                f64::from(*records_per_request),
                1.0,
                65535.0,
            )?,
        }
        Ok(())
    }
}

impl Evasion {
    fn validate(&self, at: &str) -> Check {
        if self.ip_pool == 0 || self.ip_pool > 100_000_000 {
            return Err(Issue::new(
                format!("{at}.ip_pool"),
                format!("is {}; allowed: 1 to 100000000", self.ip_pool),
            ));
        }
        if self.requests_per_ip == 0 {
            return Err(Issue::new(
                format!("{at}.requests_per_ip"),
                "must be at least 1",
            ));
        }
        if let Some(cap) = self.per_ip_rate_cap_per_h {
            positive(&format!("{at}.per_ip_rate_cap_per_h"), cap)?;
        }
        share(&format!("{at}.jitter"), self.jitter)?;
        if self.actors == 0 || self.actors > 1_000_000 {
            return Err(Issue::new(format!("{at}.actors"), "allowed: 1 to 1000000"));
        }
        Ok(())
    }
}

impl CohortConfig {
    fn validate(&self, at: &str, span_h: f64, population: &PopulationConfig) -> Check {
        if self.name.trim().is_empty() {
            return Err(Issue::new(format!("{at}.name"), "must not be empty"));
        }
        let duration = self.duration_h.unwrap_or(span_h - self.start_h);
        window(at, self.start_h, duration, span_h)?;
        let l = format!("{at}.lookalike");
        match &self.lookalike {
            Lookalike::PartnerBatch {
                entitled_accounts,
                window_start_hour_local,
                window_hours,
                ips,
            } => {
                if *entitled_accounts == 0 || *entitled_accounts > population.accounts {
                    return Err(Issue::new(
                        format!("{l}.entitled_accounts"),
                        format!(
                            "is {entitled_accounts}; allowed: 1 to population.accounts ({})",
                            population.accounts
                        ),
                    ));
                }
                within(
                    &format!("{l}.window_start_hour_local"),
                    *window_start_hour_local,
                    0.0,
                    24.0,
                )?;
                within(&format!("{l}.window_hours"), *window_hours, 0.1, 24.0)?;
                within(&format!("{l}.ips"), f64::from(*ips), 1.0, 1000.0)?;
            }
            Lookalike::Monitor {
                regions,
                interval_s,
                test_ids,
            } => {
                within(&format!("{l}.regions"), f64::from(*regions), 1.0, 100.0)?;
                within(&format!("{l}.interval_s"), *interval_s, 1.0, 86400.0)?;
                within(&format!("{l}.test_ids"), f64::from(*test_ids), 1.0, 1000.0)?;
            }
            Lookalike::NatGateway {
                ips,
                users_per_ip,
                sessions_per_user_day,
            } => {
                within(&format!("{l}.ips"), f64::from(*ips), 1.0, 10000.0)?;
                within(
                    &format!("{l}.users_per_ip"),
                    f64::from(*users_per_ip),
                    1.0,
                    100000.0,
                )?;
                at_most(
                    &format!("{l}.sessions_per_user_day"),
                    *sessions_per_user_day,
                    MAX_SESSIONS_PER_DAY,
                )?;
            }
            Lookalike::ViralSpike {
                multiplier,
                ramp_minutes,
                signups_per_s,
            } => {
                within(&format!("{l}.multiplier"), *multiplier, 1.0, 1000.0)?;
                within(&format!("{l}.ramp_minutes"), *ramp_minutes, 0.0, 1440.0)?;
                within(&format!("{l}.signups_per_s"), *signups_per_s, 0.0, 1e5)?;
            }
            Lookalike::PasswordResetWave {
                recipients,
                response_rate,
                half_life_h,
                tried_old_password,
            } => {
                if *recipients == 0 || *recipients > MAX_RECIPIENTS {
                    return Err(Issue::new(
                        format!("{l}.recipients"),
                        format!(
                            "is {recipients}; allowed: 1 to {MAX_RECIPIENTS} (recipients at scale 1; a wave shrinks with the scale)"
                        ),
                    ));
                }
                share(&format!("{l}.response_rate"), *response_rate)?;
                positive(&format!("{l}.half_life_h"), *half_life_h)?;
                share(&format!("{l}.tried_old_password"), *tried_old_password)?;
            }
            Lookalike::ContactSync {
                installs_per_day,
                contacts_per_install,
                hit_rate,
            } => {
                at_most(
                    &format!("{l}.installs_per_day"),
                    *installs_per_day,
                    MAX_INSTALLS_PER_DAY,
                )?;
                within(
                    &format!("{l}.contacts_per_install"),
                    f64::from(*contacts_per_install),
                    1.0,
                    100000.0,
                )?;
                share(&format!("{l}.hit_rate"), *hit_rate)?;
            }
            Lookalike::FeedPoller(p) => {
                within(&format!("{l}.pollers"), p.pollers as f64, 1.0, 1e5)?;
                within(&format!("{l}.interval_s"), p.interval_s, 10.0, 86400.0)?;
                within(&format!("{l}.pages"), f64::from(p.pages), 1.0, 20.0)?;
                within(
                    &format!("{l}.page_size"),
                    f64::from(p.page_size),
                    1.0,
                    1000.0,
                )?;
                share(&format!("{l}.posing_share"), p.posing_share)?;
            }
            Lookalike::PartnerPortal(p) => {
                within(&format!("{l}.partners"), p.partners as f64, 1.0, 1e5)?;
                within(
                    &format!("{l}.reads_per_partner_day"),
                    p.reads_per_partner_day,
                    1.0,
                    1e5,
                )?;
                within(
                    &format!("{l}.customers_per_partner"),
                    f64::from(p.customers_per_partner),
                    1.0,
                    1e7,
                )?;
                share(&format!("{l}.cloud_egress_share"), p.cloud_egress_share)?;
            }
        }
        Ok(())
    }

    /// Duration in hours, defaulting to the rest of the span.
    pub fn duration_h(&self, span_h: f64) -> f64 {
        self.duration_h.unwrap_or(span_h - self.start_h)
    }
}

/// Where a signature's source must be cited.
/// (Spelt in pieces so that this file does not read as citing a section itself.)
pub const SIGNATURE_CITATION: &str = concat!("docs/references.md", "#");

/// A signature says what the real traffic's shape was and cites where that is stated.
fn check_signature(at: &str, signature: &str) -> Check {
    let cited = signature
        .split(SIGNATURE_CITATION)
        .skip(1)
        .any(|rest| rest.starts_with(|c: char| c.is_ascii_alphanumeric()));
    if signature.trim().is_empty() || !cited {
        return Err(Issue::new(
            at,
            "a signature states the shape the real attack traffic had and cites its source: \
             a section of docs/references.md, as the path, `#` and the section's anchor",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod signature_tests {
    use super::{SIGNATURE_CITATION, check_signature};

    #[test]
    fn a_signature_needs_a_cited_section() {
        let cited = format!(
            "unauthenticated reads ({SIGNATURE_CITATION}2-other-api-enumeration-incidents)"
        );
        assert!(check_signature("s", &cited).is_ok());
        let bare = format!("see {SIGNATURE_CITATION}");
        for bad in ["", "unauthenticated reads", bare.as_str()] {
            let issue = check_signature("campaigns[0].signature", bad).unwrap_err();
            assert_eq!(issue.field, "campaigns[0].signature");
            assert!(issue.message.contains("section"), "{bad}");
        }
    }
}
