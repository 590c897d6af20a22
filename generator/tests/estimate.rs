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
