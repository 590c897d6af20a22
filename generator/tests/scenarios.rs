//! The scenario library and the scenario format, from the outside: every library file
//! loads and is registered, each incident scenario plans its published volume at scale 1,
//! the default scenario covers every technique and look-alike, and bad files fail with
//! the line and the field, never a panic.

mod common;

use breachlab_generator::scenario::{
    CampaignPlan, LIBRARY, LoadedScenario, Lookalike, LookupKey, Scenario, ScenarioError,
    Technique, planned_totals, total_records_exposed,
};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn library(name: &str) -> Scenario {
    LoadedScenario::load(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .scenario
}

fn plans(name: &str) -> Vec<CampaignPlan> {
    planned_totals(&library(name), 1.0)
}

fn assert_near(what: &str, planned: f64, published: f64, tolerance: f64) {
    let off = (planned - published).abs() / published;
    assert!(
        off <= tolerance,
        "{what}: planned {planned:.4e}, published {published:.4e}: off by {:.1}%, allowed {:.0}%",
        off * 100.0,
        tolerance * 100.0
    );
}

/// Relative tolerance of a planned volume against its published figure. Published
/// figures are rounded ("~37M", "nearly 50M") and the scenarios round their rates.
const TOLERANCE: f64 = 0.10;

#[test]
fn every_library_scenario_parses_and_validates() {
    assert!(LIBRARY.len() >= 10, "the library lists {}", LIBRARY.len());
    for entry in LIBRARY {
        let loaded = LoadedScenario::parse(entry.name, entry.text)
            .unwrap_or_else(|e| panic!("library scenario {}: {e}", entry.name));
        assert_eq!(loaded.scenario.name, entry.name, "name inside the file");
        assert!(
            !loaded.scenario.description.trim().is_empty(),
            "{} has no description",
            entry.name
        );
        assert!(
            loaded.scenario.description.len() <= 90,
            "{}: the description is a one-liner for `breachlab scenarios`",
            entry.name
        );
    }
}

#[test]
fn every_file_in_the_scenarios_folder_is_in_the_library() {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&folder)
        .expect("the workspace's scenarios folder")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let registered: BTreeSet<String> = LIBRARY.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(on_disk, registered, "scenarios/*.toml versus LIBRARY");
    for entry in LIBRARY {
        let text = std::fs::read_to_string(folder.join(format!("{}.toml", entry.name))).unwrap();
        assert_eq!(text, entry.text, "{} embedded text is stale", entry.name);
    }
}

#[test]
fn every_library_file_cites_sources_and_marks_estimates() {
    for entry in LIBRARY {
        assert!(
            entry.text.contains("Sources:"),
            "{} cites no sources",
            entry.name
        );
        assert!(
            entry.text.contains("# estimate"),
            "{} marks no estimate",
            entry.name
        );
    }
}

// Published volumes, each with its source (docs/references.md#1-the-motivating-case-t-mobile-2023
// and docs/references.md#2-other-api-enumeration-incidents).

/// T-Mobile 8-K, 2023-01-19: ~37M accounts over ~41 days (2022-11-25 to 2023-01-05).
const TMOBILE_RECORDS: f64 = 37e6;
const TMOBILE_DAYS: f64 = 41.0;
/// Optus, September 2022: 9.8M records in about 3 days, ~38 records/s (derived).
const OPTUS_RECORDS: f64 = 9.8e6;
const OPTUS_DAYS: f64 = 3.0;
const OPTUS_RECORDS_PER_S: f64 = 38.0;
/// Dell notice 2024-05-09 and the attacker to TechCrunch: 49M records, nearly 50M
/// requests, nearly three weeks.
const DELL_RECORDS: f64 = 49e6;
const DELL_REQUESTS: f64 = 50e6;
const DELL_DAYS: f64 = 21.0;
/// Trello, January 2024: 15.1M accounts matched from a 500M-email list.
const TRELLO_RECORDS: f64 = 15.1e6;
const TRELLO_LIST: f64 = 500e6;
/// Authy, Twilio alert 2024-07-01 and the leak: 33.4M phone numbers.
const AUTHY_RECORDS: f64 = 33.4e6;
/// Twitter 2019 (TechCrunch 2019-12-24): 17M matches from >2B numbers in ~2 months.
const TWITTER_RECORDS: f64 = 17e6;
const TWITTER_NUMBERS: f64 = 2e9;
const TWITTER_DAYS: f64 = 60.0;
/// Venmo 2019 (Salmon): ~7M transactions over ~6 months, 20 per page, 1 request per 30 s
/// per address.
const VENMO_RECORDS: f64 = 7e6;
const VENMO_DAYS: f64 = 182.0;
const VENMO_PAGE: u32 = 20;
const VENMO_CAP_PER_H: f64 = 120.0;
/// Panera 2018 (KrebsOnSecurity and later reports): between 7M and 37M records.
const PANERA_RECORDS: std::ops::RangeInclusive<f64> = 7e6..=37e6;

fn campaign_days(plans: &[CampaignPlan]) -> f64 {
    let start = plans.iter().map(|p| p.start_h).fold(f64::MAX, f64::min);
    let end = plans
        .iter()
        .map(|p| p.start_h + p.duration_h)
        .fold(0.0, f64::max);
    (end - start) / 24.0
}

#[test]
fn tmobile_plans_37m_accounts_over_41_days() {
    let p = plans("tmobile-2023");
    assert_near(
        "records",
        total_records_exposed(&p),
        TMOBILE_RECORDS,
        TOLERANCE,
    );
    assert_near("span", library("tmobile-2023").days, TMOBILE_DAYS, 0.0);
    assert_near("campaign days", campaign_days(&p), TMOBILE_DAYS, 0.0);
    assert!(p.iter().all(|c| c.technique == "low_and_slow"));
}

#[test]
fn optus_plans_9_8m_records_in_3_days() {
    let p = plans("optus-2022");
    let records = total_records_exposed(&p);
    assert_near("records", records, OPTUS_RECORDS, TOLERANCE);
    assert_near("campaign days", campaign_days(&p), OPTUS_DAYS, 0.0);
    assert_near(
        "records per second",
        records / (OPTUS_DAYS * 86400.0),
        OPTUS_RECORDS_PER_S,
        TOLERANCE,
    );
    assert!(p.iter().all(|c| c.technique == "sequential_walk"));
}

#[test]
fn dell_plans_49m_records_from_50m_requests_in_3_weeks() {
    let p = plans("dell-2024");
    assert_near(
        "records",
        total_records_exposed(&p),
        DELL_RECORDS,
        TOLERANCE,
    );
    let requests: f64 = p.iter().map(|c| c.requests).sum();
    assert_near("requests", requests, DELL_REQUESTS, TOLERANCE);
    assert_near("campaign days", campaign_days(&p), DELL_DAYS, 0.0);
    assert!(p.iter().all(|c| c.technique == "id_probe"));
}

#[test]
fn trello_plans_15_1m_matches_from_500m_emails() {
    let p = plans("trello-2024");
    assert_near(
        "records",
        total_records_exposed(&p),
        TRELLO_RECORDS,
        TOLERANCE,
    );
    let looked_up: f64 = p.iter().map(|c| c.records_targeted).sum();
    assert_near("emails looked up", looked_up, TRELLO_LIST, TOLERANCE);
    let scenario = library("trello-2024");
    assert!(matches!(
        scenario.campaigns[0].attack,
        Technique::LookupOracle {
            by: LookupKey::Email,
            ..
        }
    ));
    assert!(scenario.campaigns[0].evasion.ip_pool > 1, "several proxies");
}

#[test]
fn authy_plans_33_4m_phone_numbers() {
    let p = plans("authy-2024");
    assert_near(
        "records",
        total_records_exposed(&p),
        AUTHY_RECORDS,
        TOLERANCE,
    );
    assert!(matches!(
        library("authy-2024").campaigns[0].attack,
        Technique::LookupOracle {
            by: LookupKey::Phone,
            ..
        }
    ));
}

#[test]
fn twitter_plans_17m_matches_from_2b_uploaded_numbers() {
    let p = plans("twitter-2019");
    assert_near(
        "records",
        total_records_exposed(&p),
        TWITTER_RECORDS,
        TOLERANCE,
    );
    let numbers: f64 = p.iter().map(|c| c.records_targeted).sum();
    assert_near("numbers uploaded", numbers, TWITTER_NUMBERS, TOLERANCE);
    assert_near("campaign days", campaign_days(&p), TWITTER_DAYS, 0.0);
    match library("twitter-2019").campaigns[0].attack {
        Technique::LookupOracle {
            ids_per_request, ..
        } => assert!(ids_per_request > 1, "contact upload sends many numbers"),
        ref other => panic!("twitter-2019 uses {}", other.name()),
    }
}

#[test]
fn venmo_plans_7m_transactions_over_6_months_under_the_per_ip_cap() {
    let p = plans("venmo-2019");
    assert_near(
        "records",
        total_records_exposed(&p),
        VENMO_RECORDS,
        TOLERANCE,
    );
    assert_near("campaign days", campaign_days(&p), VENMO_DAYS, 0.0);
    let campaign = &library("venmo-2019").campaigns[0];
    assert!(matches!(
        campaign.attack,
        Technique::PaginationScrape { page_size } if page_size == VENMO_PAGE
    ));
    let cap = campaign
        .evasion
        .per_ip_rate_cap_per_h
        .expect("a per-IP cap");
    assert_near("per-IP cap", cap, VENMO_CAP_PER_H, 0.0);
    let per_ip_per_h = campaign.rate_per_s * 3600.0 / campaign.evasion.ip_pool as f64;
    assert!(per_ip_per_h <= cap, "{per_ip_per_h} requests/h per address");
}

#[test]
fn panera_plans_a_volume_inside_the_published_range() {
    let p = plans("panera-2018");
    let records = total_records_exposed(&p);
    assert!(
        PANERA_RECORDS.contains(&records),
        "planned {records:.3e}, published {PANERA_RECORDS:?}"
    );
    assert!(p.iter().all(|c| c.technique == "sequential_walk"));
}

#[test]
fn planned_totals_shrink_with_scale() {
    for entry in LIBRARY {
        let scenario = library(entry.name);
        if scenario.campaigns.is_empty() {
            continue;
        }
        let full = total_records_exposed(&planned_totals(&scenario, 1.0));
        let small = total_records_exposed(&planned_totals(&scenario, 0.001));
        assert_near(entry.name, small * 1000.0, full, 0.01);
    }
}

#[test]
fn benign_only_has_no_campaign_and_every_lookalike() {
    let scenario = library("benign-only");
    assert!(scenario.campaigns.is_empty());
    let kinds: BTreeSet<&str> = scenario
        .cohorts
        .iter()
        .map(|c| c.lookalike.name())
        .collect();
    assert_eq!(kinds, every_lookalike_name());
}

/// One value of every technique, from its minimal TOML (required parameters only). The
/// match fails to compile when a technique is added and not listed here.
fn every_technique() -> Vec<Technique> {
    let all: Vec<Technique> = [
        "technique = \"sequential_walk\"",
        "technique = \"id_probe\"\nhit_rate = 0.01",
        "technique = \"lookup_oracle\"\nby = \"email\"\nhit_rate = 0.03",
        "technique = \"low_and_slow\"",
        "technique = \"credential_stuffing\"\nsuccess_rate = 0.01",
        "technique = \"pagination_scrape\"",
        "technique = \"over_broad_query\"",
    ]
    .iter()
    .map(|text| toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}")))
    .collect();
    for technique in &all {
        match technique {
            Technique::SequentialWalk { .. }
            | Technique::IdProbe { .. }
            | Technique::LookupOracle { .. }
            | Technique::LowAndSlow { .. }
            | Technique::CredentialStuffing { .. }
            | Technique::PaginationScrape { .. }
            | Technique::OverBroadQuery { .. } => {}
        }
    }
    all
}

/// One value of every look-alike; the match guards the list as above.
fn every_lookalike() -> Vec<Lookalike> {
    let all: Vec<Lookalike> = [
        "kind = \"partner_batch\"\nentitled_accounts = 1",
        "kind = \"monitor\"",
        "kind = \"nat_gateway\"",
        "kind = \"viral_spike\"\nmultiplier = 5",
        "kind = \"password_reset_wave\"\nrecipients = 1",
        "kind = \"contact_sync\"\ninstalls_per_day = 1",
        "kind = \"feed_poller\"\npollers = 1",
        "kind = \"partner_portal\"\npartners = 1",
    ]
    .iter()
    .map(|text| toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}")))
    .collect();
    for lookalike in &all {
        match lookalike {
            Lookalike::PartnerBatch { .. }
            | Lookalike::Monitor { .. }
            | Lookalike::NatGateway { .. }
            | Lookalike::ViralSpike { .. }
            | Lookalike::PasswordResetWave { .. }
            | Lookalike::ContactSync { .. }
            | Lookalike::FeedPoller(_)
            | Lookalike::PartnerPortal(_) => {}
        }
    }
    all
}

fn every_technique_name() -> BTreeSet<&'static str> {
    let names: BTreeSet<_> = every_technique().iter().map(Technique::name).collect();
    assert_eq!(
        names.len(),
        every_technique().len(),
        "technique names collide"
    );
    names
}

fn every_lookalike_name() -> BTreeSet<&'static str> {
    let names: BTreeSet<_> = every_lookalike().iter().map(Lookalike::name).collect();
    assert_eq!(
        names.len(),
        every_lookalike().len(),
        "look-alike names collide"
    );
    names
}

#[test]
fn default_scenario_has_every_technique_and_every_lookalike_once() {
    let scenario = LoadedScenario::default_scenario().scenario;
    let techniques: Vec<&str> = scenario.campaigns.iter().map(|c| c.attack.name()).collect();
    let lookalikes: Vec<&str> = scenario
        .cohorts
        .iter()
        .map(|c| c.lookalike.name())
        .collect();
    assert_eq!(
        techniques.iter().copied().collect::<BTreeSet<_>>(),
        every_technique_name()
    );
    assert_eq!(techniques.len(), every_technique_name().len(), "each once");
    assert_eq!(
        lookalikes.iter().copied().collect::<BTreeSet<_>>(),
        every_lookalike_name()
    );
    assert_eq!(lookalikes.len(), every_lookalike_name().len(), "each once");
}

#[test]
fn default_scenario_is_short_and_small() {
    let scenario = LoadedScenario::default_scenario().scenario;
    assert!(scenario.days <= 3.0, "{} days", scenario.days);
    assert!(scenario.population.accounts <= 200_000);
    for plan in planned_totals(&scenario, 1.0) {
        assert!(
            plan.requests >= 10.0 && plan.requests <= 50_000.0,
            "{}: {} requests",
            plan.name,
            plan.requests
        );
        assert!(
            plan.records_exposed >= 10.0,
            "{} exposes nothing",
            plan.name
        );
    }
}

// Bad scenario files: the error names the file, the line and the field.

/// The base of the bad files: 13 valid lines, a walk over 10,000 accounts.
fn valid() -> String {
    let header = r#"name = "bad"
start = "2026-01-01T00:00:00Z"
days = 2
[population]
accounts = 10_000
"#;
    format!("{header}{}stride = 1\n", common::WALK_CAMPAIGN)
}

/// [`valid`] with line `line` (1-based) replaced by `with`.
fn with_line(line: usize, with: &str) -> String {
    let valid = valid();
    let mut lines: Vec<&str> = valid.lines().collect();
    lines[line - 1] = with;
    lines.join("\n") + "\n"
}

fn error_of(text: &str) -> ScenarioError {
    match LoadedScenario::parse("bad.toml", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

/// Asserts the error points at `line` and its message names `field` and the file.
fn assert_error(text: &str, line: usize, field: &str) -> String {
    let error = error_of(text);
    let message = error.to_string();
    assert_eq!(error.line(), Some(line), "{message}");
    assert!(
        message.starts_with(&format!("bad.toml:{line}:")),
        "{message}"
    );
    assert!(message.contains(field), "no `{field}` in: {message}");
    message
}

#[test]
fn the_base_of_the_bad_files_is_valid() {
    LoadedScenario::parse("bad.toml", &valid()).unwrap();
}

#[test]
fn unknown_technique() {
    let message = assert_error(&with_line(12, "technique = \"teleport\""), 12, "technique");
    assert!(
        message.contains("teleport") && message.contains("sequential_walk"),
        "{message}"
    );
}

#[test]
fn unknown_field() {
    let message = assert_error(&with_line(10, "rate_per_sec = 0.5"), 10, "rate_per_sec");
    assert!(
        message.contains("rate_per_s`"),
        "lists the allowed fields: {message}"
    );
}

#[test]
fn missing_required_parameter() {
    let text = with_line(12, "technique = \"id_probe\"").replace("stride = 1\n", "");
    let message = error_of(&text).to_string();
    assert!(message.contains("hit_rate"), "{message}");
    let line = error_of(&text).line().unwrap();
    assert!(
        (11..=12).contains(&line),
        "points at the attack table: {message}"
    );
}

#[test]
fn wrong_type() {
    let message = assert_error(
        &with_line(10, "rate_per_s = \"fast\""),
        10,
        "campaigns[0].rate_per_s",
    );
    assert!(message.contains("string"), "{message}");
}

#[test]
fn negative_rate() {
    assert_error(
        &with_line(10, "rate_per_s = -3"),
        10,
        "campaigns[0].rate_per_s",
    );
}

#[test]
fn rate_of_zero() {
    let message = assert_error(
        &with_line(10, "rate_per_s = 0"),
        10,
        "campaigns[0].rate_per_s",
    );
    assert!(message.contains("above 0"), "{message}");
}

#[test]
fn end_before_start() {
    assert_error(
        &with_line(9, "duration_h = -2"),
        9,
        "campaigns[0].duration_h",
    );
}

#[test]
fn campaign_past_the_span() {
    let message = assert_error(&with_line(8, "start_h = 47"), 9, "campaigns[0].duration_h");
    assert!(
        message.contains("48"),
        "says where the span ends: {message}"
    );
}

#[test]
fn start_not_rfc_3339() {
    let message = assert_error(&with_line(2, "start = \"2026-01-01 noon\""), 2, "start");
    assert!(message.contains("RFC 3339"), "{message}");
}

#[test]
fn walk_starting_outside_the_id_space() {
    let text = valid() + "start_id = 5\n";
    let message = assert_error(&text, 14, "campaigns[0].attack.start_id");
    assert!(message.contains("outside"), "{message}");
}

#[test]
fn walk_running_past_the_end_of_the_id_space() {
    let message = assert_error(
        &with_line(10, "rate_per_s = 50"),
        10,
        "campaigns[0].rate_per_s",
    );
    assert!(message.contains("past the population's IDs"), "{message}");
}

#[test]
fn probe_hitting_more_often_than_ids_exist() {
    let text = with_line(12, "technique = \"id_probe\"").replace("stride = 1", "hit_rate = 0.9");
    assert_error(&text, 13, "campaigns[0].attack.hit_rate");
}

#[test]
fn partner_entitled_to_more_accounts_than_exist() {
    let text = valid()
        + "[[cohorts]]\nname = \"p\"\n[cohorts.lookalike]\nkind = \"partner_batch\"\nentitled_accounts = 20_000\n";
    assert_error(&text, 18, "cohorts[0].lookalike.entitled_accounts");
}

#[test]
fn a_trillion_accounts() {
    let message = assert_error(
        &with_line(5, "accounts = 1_000_000_000_000"),
        5,
        "population.accounts",
    );
    assert!(message.contains("scale"), "says what to do: {message}");
}

#[test]
fn a_hundred_year_span() {
    let message = assert_error(&with_line(3, "days = 36500"), 3, "days");
    assert!(message.contains("3660"), "says the limit: {message}");
}

#[test]
fn duplicate_names() {
    let text = valid() + "[[cohorts]]\nname = \"walk\"\n[cohorts.lookalike]\nkind = \"monitor\"\n";
    assert_error(&text, 15, "cohorts[0].name");
}

// Fuzzing: no input makes parsing or planning panic.

fn parse_and_plan(text: &str) {
    if let Ok(loaded) = LoadedScenario::parse("fuzz.toml", text) {
        for plan in planned_totals(&loaded.scenario, 1.0) {
            let _ = plan.records_exposed;
        }
    }
}

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "4294967296",
    "0.0000001",
];

/// Replaces the `which`-th run of digits in `text` with `with`.
fn replace_number(text: &str, which: usize, with: &str) -> String {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            runs.push(start..i);
        } else {
            i += 1;
        }
    }
    if runs.is_empty() {
        return text.to_string();
    }
    let run = runs[which % runs.len()].clone();
    format!("{}{}{}", &text[..run.start], with, &text[run.end..])
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte { at: usize, bit: u8 },
    DeleteLine(usize),
    DuplicateLine(usize),
    ExtremeNumber { which: usize, value: usize },
}

fn mutate(text: &str, mutation: &Mutation) -> String {
    match *mutation {
        Mutation::FlipByte { at, bit } => {
            let mut bytes = text.as_bytes().to_vec();
            let at = at % bytes.len();
            bytes[at] ^= 1 << (bit % 8);
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Mutation::DeleteLine(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let skip = n % lines.len();
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        Mutation::DuplicateLine(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let copy = n % lines.len();
            let mut out: Vec<&str> = lines.clone();
            out.insert(copy, lines[copy]);
            out.join("\n")
        }
        Mutation::ExtremeNumber { which, value } => {
            replace_number(text, which, EXTREMES[value % EXTREMES.len()])
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, bit)| Mutation::FlipByte { at, bit }),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>())
            .prop_map(|(which, value)| Mutation::ExtremeNumber { which, value }),
    ]
}

// Inputs that once panicked, or would have: kept as regression tests.

#[test]
fn a_vanishing_id_density_does_not_overflow_the_id_space() {
    // ceil(accounts / density) saturates to i64::MAX; adding id_base used to overflow.
    let text = with_line(5, "accounts = 10_000\nid_density = 1e-300");
    parse_and_plan(&text);
    let text = valid() + "start_id = 9223372036854775807\n";
    parse_and_plan(
        &(text.replace(
            "accounts = 10_000",
            "accounts = 10_000\nid_density = 1e-300",
        )),
    );
}

#[test]
fn an_error_inside_a_multibyte_character_does_not_panic() {
    parse_and_plan("name = \"é\"\nstart = \"é\u{301}\"\ndays = é\n");
    parse_and_plan("\u{feff}[population]\naccounts = \"🦀\"\n");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        parse_and_plan(&text);
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "([a-z_\\[\\]]{1,12} ?= ?(\"[^\"]{0,8}\"|-?[0-9_.e]{1,12}|true)\n){0,12}") {
        parse_and_plan(&text);
    }

    #[test]
    fn mutated_library_scenarios_never_panic(
        index in 0..LIBRARY.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut text = LIBRARY[index].text.to_string();
        for m in &mutations {
            text = mutate(&text, m);
        }
        parse_and_plan(&text);
    }

    #[test]
    fn every_number_of_the_default_at_an_extreme_never_panics(
        which in 0usize..400,
        value in 0..EXTREMES.len(),
    ) {
        let text = replace_number(LIBRARY[0].text, which, EXTREMES[value]);
        parse_and_plan(&text);
    }
}

#[test]
fn an_endless_scenario_file_stops_at_the_size_limit() {
    let Err(error) = LoadedScenario::load("/dev/zero") else {
        panic!("/dev/zero was read as a scenario");
    };
    let message = error.to_string();
    assert!(matches!(error, ScenarioError::TooLarge { .. }), "{message}");
    assert!(
        message.contains("/dev/zero") && message.contains("1048576"),
        "{message}"
    );
}

#[test]
fn a_scenario_file_just_over_the_limit_is_refused_and_one_at_it_is_read() {
    use breachlab_generator::scenario::MAX_SCENARIO_BYTES;
    let dir = std::env::temp_dir().join(format!("breachlab-scenario-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = valid();
    let padded = |len: u64| {
        let mut text = base.clone();
        text.push_str(&"#".repeat(len as usize - base.len() - 1));
        text.push('\n');
        text
    };
    let at_limit = dir.join("at.toml");
    std::fs::write(&at_limit, padded(MAX_SCENARIO_BYTES)).unwrap();
    let over = dir.join("over.toml");
    std::fs::write(&over, padded(MAX_SCENARIO_BYTES + 1)).unwrap();
    let read = LoadedScenario::load(at_limit.to_str().unwrap());
    let refused = LoadedScenario::load(over.to_str().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
    read.unwrap();
    assert!(matches!(refused, Err(ScenarioError::TooLarge { .. })));
}

#[test]
fn a_signature_is_cited_and_one_per_scenario() {
    // Line 10 is the campaign's `rate_per_s`; a signature beside it.
    let cited = "signature = \"unauthenticated reads (docs/references.md#7-shortcuts-and-look-alikes-per-incident)\"";
    let one = with_line(10, &format!("rate_per_s = 0.5\n{cited}"));
    LoadedScenario::parse("bad.toml", &one).unwrap();
    let uncited = with_line(
        10,
        "rate_per_s = 0.5\nsignature = \"unauthenticated reads\"",
    );
    let message = error_of(&uncited).to_string();
    assert!(
        message.contains("campaigns[0].signature") && message.contains("docs/references.md"),
        "{message}"
    );
    // A second campaign with a signature too.
    let second =
        common::WALK_CAMPAIGN.replace("name = \"walk\"", &format!("name = \"walk2\"\n{cited}"));
    let two = format!("{one}{second}stride = 1\n");
    let message = error_of(&two).to_string();
    assert!(
        message.contains("campaigns[1].signature") && message.contains("at most one"),
        "{message}"
    );
}
