//! The plan's expected events (what the dry run prints and the size check refuses on)
//! against the events actually generated, for every library scenario: customers,
//! campaigns and look-alike cohorts together, within 10%.
//!
//! Each scenario is planned at a scale giving about [`TARGET_EVENTS`] events (the
//! incidents' populations are tens of millions at scale 1), so the whole span generates
//! in seconds; the default and benign-only scenarios, which hold every look-alike, run
//! at scale 1 as well (their minimum faithful scale) and the default at 0.01.

use breachlab_generator::Plan;
use breachlab_generator::scenario::{LIBRARY, LoadedScenario};
use breachlab_generator::sources::RunCarry;

/// About how many events each scenario is generated with.
const TARGET_EVENTS: f64 = 150_000.0;
/// Slices generated together, as `generate` runs them.
const RUN_SLICES: u64 = 36;

/// Every event of the plan's span, counted run by run.
fn generated_events(plan: &Plan) -> u64 {
    let slices = plan.world.calendar.slices;
    let mut carry = RunCarry::default();
    let mut total = 0;
    let mut first = 0;
    while first < slices {
        let count = RUN_SLICES.min(slices - first) as usize;
        let mut run = vec![Vec::new(); count];
        plan.continue_run_events(first, &mut run, &mut carry);
        total += run.iter().map(Vec::len).sum::<usize>() as u64;
        first += count as u64;
    }
    total
}

fn assert_estimate_close(loaded: &LoadedScenario, scale: f64) {
    let plan = Plan::new(loaded, 7, scale).expect("plannable");
    let generated = generated_events(&plan) as f64;
    let expected = plan.expected_events;
    let error = (expected - generated) / generated;
    println!(
        "{} at scale {scale}: {expected:.0} expected, {generated:.0} generated ({:+.1}%)",
        loaded.scenario.name,
        100.0 * error
    );
    assert!(
        error.abs() <= 0.10,
        "{} at scale {scale}: the plan expects {expected:.0} events, {generated:.0} were generated ({:+.1}%)",
        loaded.scenario.name,
        100.0 * error
    );
}

#[test]
fn the_plan_expects_what_every_library_scenario_generates() {
    for entry in LIBRARY {
        let loaded = LoadedScenario::load(entry.name).expect("library scenario");
        let at_one = Plan::new(&loaded, 7, 1.0).expect("plannable at scale 1");
        let scale = (TARGET_EVENTS / at_one.expected_events).min(1.0);
        assert_estimate_close(&loaded, scale);
    }
}

#[test]
fn cohorts_are_in_the_estimate_at_small_and_faithful_scales() {
    // At 0.01 the default's partner batch, which reads its entitlement as written at
    // every scale, sends most of the events: an estimate without cohorts is 11x short.
    for (name, scale) in [("default", 0.01), ("default", 1.0), ("benign-only", 1.0)] {
        let loaded = LoadedScenario::load(name).expect("library scenario");
        assert_estimate_close(&loaded, scale);
    }
}

/// A one-day scenario of 1,000 accounts with one password-reset wave of `recipients`.
fn reset_wave(recipients: &str) -> String {
    format!(
        "name = \"wave\"\nstart = \"2026-03-02T00:00:00Z\"\ndays = 1\n[population]\naccounts = 1000\n\
         [[cohorts]]\nname = \"wave\"\n[cohorts.lookalike]\nkind = \"password_reset_wave\"\n\
         recipients = {recipients}\nresponse_rate = 0.3\nhalf_life_h = 2\n"
    )
}

#[test]
fn a_huge_wave_is_planned_and_a_hopeless_one_refused_before_any_work() {
    let loaded = LoadedScenario::parse("wave.toml", &reset_wave("2147483648")).expect("valid");
    let plan = Plan::new(&loaded, 1, 0.01).expect("plannable");
    // 2^31 × 0.01 recipients, 30% respond (nearly all within the day's 12 half-lives),
    // 4.3 requests each: the customers' few thousand events are beside the point.
    let responders = 2_147_483_648.0 * 0.01 * 0.3;
    assert!(
        plan.expected_events > responders * 4.0 && plan.expected_events < responders * 4.5,
        "{}",
        plan.expected_events
    );
    let loaded = LoadedScenario::parse("wave.toml", &reset_wave("10000000000")).expect("valid");
    match Plan::new(&loaded, 1, 1000.0) {
        Err(breachlab_generator::PlanError::TooManyEvents { events, .. }) => {
            assert!(events > 1e12, "{events}")
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(plan) => panic!("{} events were accepted", plan.expected_events),
    }
}

#[test]
fn recipients_past_the_bound_are_refused_naming_the_field_and_the_range() {
    let Err(error) = LoadedScenario::parse("wave.toml", &reset_wave("1000000000000000")) else {
        panic!("10^15 recipients were accepted");
    };
    let message = error.to_string();
    assert!(
        message.contains("wave.toml")
            && message.contains("cohorts[0].lookalike.recipients")
            && message.contains("1 to 10000000000"),
        "{message}"
    );
}

/// A one-day scenario of 1,000 accounts with one look-alike whose table body is `lookalike`.
fn with_lookalike(lookalike: &str) -> String {
    format!(
        "name = \"look\"\nstart = \"2026-03-02T00:00:00Z\"\ndays = 1\n[population]\naccounts = 1000\n\
         [[cohorts]]\nname = \"look\"\n[cohorts.lookalike]\n{lookalike}\n"
    )
}

#[test]
fn the_new_look_alikes_refuse_out_of_range_fields_naming_them() {
    for (lookalike, field) in [
        ("kind = \"feed_poller\"\npollers = 0", "pollers"),
        ("kind = \"feed_poller\"\npollers = 3\npages = 50", "pages"),
        (
            "kind = \"feed_poller\"\npollers = 3\nposing_share = 1.5",
            "posing_share",
        ),
        ("kind = \"partner_portal\"\npartners = 1000000", "partners"),
        (
            "kind = \"partner_portal\"\npartners = 3\nreads_per_partner_day = 0",
            "reads_per_partner_day",
        ),
        (
            "kind = \"password_reset_wave\"\nrecipients = 10\ntried_old_password = -0.1",
            "tried_old_password",
        ),
    ] {
        let Err(error) = LoadedScenario::parse("look.toml", &with_lookalike(lookalike)) else {
            panic!("accepted: {lookalike}");
        };
        let message = error.to_string();
        assert!(
            message.contains("look.toml")
                && message.contains(&format!("cohorts[0].lookalike.{field}")),
            "{lookalike}: {message}"
        );
    }
    for lookalike in [
        "kind = \"feed_poller\"\npollers = 3",
        "kind = \"partner_portal\"\npartners = 3",
    ] {
        let loaded = LoadedScenario::parse("look.toml", &with_lookalike(lookalike))
            .unwrap_or_else(|e| panic!("{lookalike}: {e}"));
        let plan = Plan::new(&loaded, 1, 1.0).expect("plannable");
        assert!(plan.expected_events > 0.0, "{lookalike}: nothing planned");
    }
}
