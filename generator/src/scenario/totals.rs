//! Planned totals: what each campaign of a scenario is expected to send and expose,
//! computed from its parameters alone, without generating a single event.
//!
//! This is how a library scenario is checked against the incident it reproduces (tens of
//! millions of records at scale 1 would take hours to generate), and what a user reads
//! before choosing `--scale`. The numbers are expectations: the generated counts in
//! `campaigns.parquet` scatter around them (Poisson arrivals, random hits). They follow
//! the techniques in `sources::attacks`: each record is exposed at most once per
//! campaign, so exposure stops at the size of the range a technique goes through.

use super::config::{CampaignConfig, Scenario, Technique};
use super::scale::Scale;
use crate::population::IdSpace;

/// The seed of the ID space the totals are sized on: the seed decides which IDs exist,
/// and no total depends on that, only on the space's size and density.
const ANY_SEED: u64 = 0;

/// The expected volume of one attack campaign at a given scale.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignPlan {
    pub name: String,
    /// As written in the scenario, e.g. `sequential_walk`.
    pub technique: &'static str,
    pub start_h: f64,
    /// How long the campaign runs at this scale: its faithful horizon (see
    /// `scenario::faithful`), at most the duration as written.
    pub duration_h: f64,
    /// Requests the campaign sends: rate × duration × scale (for credential stuffing,
    /// login attempts and the reads through taken-over accounts together).
    pub requests: f64,
    /// Customer records the requests ask for (IDs, identifiers looked up, page items).
    pub records_targeted: f64,
    /// Customer records the requests return.
    pub records_exposed: f64,
}

/// The expected totals of every attack campaign of `scenario` at `scale`, in file order.
pub fn planned_totals(scenario: &Scenario, scale: f64) -> Vec<CampaignPlan> {
    let scale = Scale::new(scale);
    totals_in(
        scenario,
        &scale.id_space(&scenario.population, ANY_SEED),
        scale,
    )
}

/// The same totals over `ids`, the population's ID space at `scale` (a plan's own).
pub(crate) fn totals_in(scenario: &Scenario, ids: &IdSpace, scale: Scale) -> Vec<CampaignPlan> {
    scenario
        .campaigns
        .iter()
        .map(|campaign| plan_campaign(campaign, ids, scale))
        .collect()
}

fn plan_campaign(campaign: &CampaignConfig, ids: &IdSpace, scale: Scale) -> CampaignPlan {
    let requests = scale.expected(campaign.planned_requests());
    let horizon_h = campaign.scaling(scale).horizon_h;
    let (records_targeted, records_exposed) = records(&campaign.attack, ids, requests);
    CampaignPlan {
        name: campaign.name.clone(),
        technique: campaign.attack.name(),
        start_h: campaign.start_h,
        duration_h: horizon_h,
        requests,
        records_targeted,
        records_exposed,
    }
}

/// (records targeted, records exposed) for `requests` requests of `technique`. Every
/// technique reads each record at most once, so exposure stops growing once it has been
/// through its whole range (the ID space, the list, the directory).
fn records(technique: &Technique, ids: &IdSpace, requests: f64) -> (f64, f64) {
    // IDs in the space, existing or not, and the accounts that exist among them.
    let size = ids.size as f64;
    let accounts = ids.expected_accounts() as f64;
    let density = ids.density;
    match technique {
        // `records_per_request` IDs by stride per request; IDs past the end of the
        // space never exist, and `density` of those inside do.
        Technique::SequentialWalk {
            records_per_request,
            ..
        } => {
            let walked = requests * f64::from(*records_per_request);
            (walked, walked.min(size) * density)
        }
        // One guessed ID per request from a shuffled range of `accounts / hit_rate` IDs
        // (at least the whole space), without repeats.
        Technique::IdProbe { hit_rate, .. } => {
            let range = (accounts / hit_rate).max(size);
            (requests, requests.min(range) * accounts / range)
        }
        // `ids_per_request` identifiers per request from an input list with one entry per
        // slot of the ID space (so the space must be at least as large as the list);
        // `hit_rate` of the entries name a customer.
        Technique::LookupOracle {
            hit_rate,
            ids_per_request,
            ..
        } => {
            let identifiers = requests * f64::from(*ids_per_request);
            let hits = hit_rate.min(density);
            (identifiers, identifiers.min(size) * hits)
        }
        // One ID per request from the ID space, in order or shuffled, each read once;
        // `density` of them belong to an account.
        Technique::LowAndSlow { .. } => (requests, requests.min(size) * density),
        // Requests are login attempts plus, after each success, `reads_per_account`
        // reads of other customers' IDs (a shuffle of the ID space, each read once).
        Technique::CredentialStuffing {
            success_rate,
            reads_per_account,
        } => {
            let reads_per_attempt = success_rate * f64::from(*reads_per_account);
            let reads = requests * reads_per_attempt / (1.0 + reads_per_attempt);
            (reads, reads.min(size) * density)
        }
        // `page_size` directory entries per page, one per account, until the last page.
        Technique::PaginationScrape { page_size } => {
            let items = requests * f64::from(*page_size);
            (items, items.min(accounts))
        }
        // `records_per_request` accounts per wildcard query, until every account is out.
        Technique::OverBroadQuery {
            records_per_request,
            ..
        } => {
            let items = requests * f64::from(*records_per_request);
            (items, items.min(accounts))
        }
    }
}

/// Sum of `records_exposed` over `plans`.
pub fn total_records_exposed(plans: &[CampaignPlan]) -> f64 {
    plans.iter().map(|p| p.records_exposed).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::LoadedScenario;

    fn scenario(attack: &str) -> Scenario {
        let text = format!(
            "name = \"t\"\nstart = \"2026-01-01T00:00:00Z\"\ndays = 1\n[population]\naccounts = 1000\nid_density = 0.5\n\
             [[campaigns]]\nname = \"c\"\nstart_h = 0\nduration_h = 2\nrate_per_s = 0.1\n[campaigns.attack]\n{attack}\n"
        );
        LoadedScenario::parse("t.toml", &text).unwrap().scenario
    }

    /// Asserts the records a 720-request campaign of `attack` targets and exposes at
    /// scale 1, against 1000 accounts in a space of 2000 IDs.
    fn assert_records(attack: &str, targeted: f64, exposed: f64) {
        let plans = planned_totals(&scenario(attack), 1.0);
        assert!(
            (plans[0].records_targeted - targeted).abs() < 1e-9,
            "{attack}"
        );
        assert!(
            (plans[0].records_exposed - exposed).abs() < 1e-9,
            "{attack}"
        );
    }

    #[test]
    fn requests_are_rate_times_duration_times_scale() {
        let plans = planned_totals(&scenario("technique = \"id_probe\"\nhit_rate = 0.25"), 0.5);
        assert_eq!(plans.len(), 1);
        assert!((plans[0].requests - 360.0).abs() < 1e-9);
        assert!((plans[0].records_exposed - 90.0).abs() < 1e-9);
    }

    #[test]
    fn walk_exposes_only_ids_that_exist() {
        let walk = "technique = \"sequential_walk\"\nrecords_per_request = 2";
        assert_records(walk, 1440.0, 720.0);
    }

    #[test]
    fn oracle_multiplies_identifiers_per_request_by_hit_rate() {
        let oracle =
            "technique = \"lookup_oracle\"\nby = \"phone\"\nhit_rate = 0.1\nids_per_request = 2";
        assert_records(oracle, 1440.0, 144.0);
    }

    #[test]
    fn stuffing_exposes_reads_of_taken_over_accounts() {
        // 720 requests; each attempt brings 0.5 reads on average, so 240 of them are reads.
        let stuffing =
            "technique = \"credential_stuffing\"\nsuccess_rate = 0.01\nreads_per_account = 50";
        assert_records(stuffing, 240.0, 120.0);
    }

    #[test]
    fn exposure_stops_at_the_end_of_the_range() {
        // 720 pages of 20 against a directory of 1000 accounts.
        assert_records("technique = \"pagination_scrape\"", 14400.0, 1000.0);
        // A list of 7200 identifiers cycles through a space of 2000 slots.
        let oracle =
            "technique = \"lookup_oracle\"\nby = \"email\"\nhit_rate = 0.1\nids_per_request = 10";
        assert_records(oracle, 7200.0, 200.0);
    }

    #[test]
    fn a_plan_sizes_on_the_same_space_as_the_totals() {
        let scenario = scenario("technique = \"low_and_slow\"");
        let scale = Scale::new(0.3);
        let seeded = scale.id_space(&scenario.population, 99);
        assert_eq!(
            totals_in(&scenario, &seeded, scale),
            planned_totals(&scenario, 0.3)
        );
    }
}
