//! Runs of slices give each slice exactly the events it has alone, whether a run replays
//! the sessions that began before it (the first run, or one not continuing the last) or
//! takes their later events from the run before it (`continue_run_events`, as `generate`
//! writes a file).

use breachlab_generator::event::Event;
use breachlab_generator::scenario::LIBRARY;
use breachlab_generator::sources::RunCarry;
use breachlab_generator::{LoadedScenario, Plan};

/// Slices compared per window: several runs of every length below, and sessions (up to
/// `max_session_minutes`, 20 by default) crossing their boundaries.
const WINDOW: u64 = 24;
/// Run lengths `generate` uses: single slices at high rates, up to six at low ones.
const RUN_LENGTHS: [u64; 3] = [1, 2, 5];

/// Scales small enough for a debug build, large enough that every slice has sessions.
fn scale_of(name: &str) -> f64 {
    match name {
        "default" | "benign-only" => 0.2,
        "optus-2022" => 0.0005,
        "panera-2018" | "venmo-2019" => 0.0002,
        _ => 0.00002,
    }
}

fn slices_alone(plan: &Plan, window: std::ops::Range<u64>) -> Vec<Vec<Event>> {
    window
        .map(|slice| {
            let mut events = Vec::new();
            plan.slice_events(slice, &mut events);
            events
        })
        .collect()
}

fn carried_runs(plan: &Plan, window: std::ops::Range<u64>, run_length: u64) -> Vec<Vec<Event>> {
    let mut carry = RunCarry::default();
    let mut slices = Vec::new();
    let mut first = window.start;
    while first < window.end {
        let end = (first + run_length).min(window.end);
        let mut run = vec![Vec::new(); (end - first) as usize];
        plan.continue_run_events(first, &mut run, &mut carry);
        slices.extend(run);
        first = end;
    }
    slices
}

#[test]
fn carried_runs_give_every_slice_its_own_events() {
    for entry in LIBRARY {
        let loaded = LoadedScenario::load(entry.name).unwrap();
        let plan = Plan::new(&loaded, 3, scale_of(entry.name)).unwrap();
        let slices = plan.world.calendar.slices;
        // The start (nothing before it to carry) and the middle, where the incidents'
        // campaigns run.
        for start in [0, slices / 2] {
            let window = start..(start + WINDOW).min(slices);
            let alone = slices_alone(&plan, window.clone());
            let events: usize = alone.iter().map(Vec::len).sum();
            assert!(events > 0, "{}: no events in slices {window:?}", entry.name);
            for run_length in RUN_LENGTHS {
                let carried = carried_runs(&plan, window.clone(), run_length);
                for (offset, (a, b)) in alone.iter().zip(&carried).enumerate() {
                    assert!(
                        a == b,
                        "{}: slice {} differs in runs of {run_length} ({} events alone, {} carried)",
                        entry.name,
                        window.start + offset as u64,
                        a.len(),
                        b.len()
                    );
                }
            }
        }
    }
}

/// The default scenario holds every look-alike cohort once: over its whole span, runs
/// give each cohort's slices the events they have alone.
#[test]
fn runs_over_the_whole_default_span_give_every_slice_its_own_events() {
    let plan = Plan::new(&LoadedScenario::default_scenario(), 5, 0.05).unwrap();
    let window = 0..plan.world.calendar.slices;
    let alone = slices_alone(&plan, window.clone());
    for run_length in RUN_LENGTHS {
        let carried = carried_runs(&plan, window.clone(), run_length);
        for (slice, (a, b)) in alone.iter().zip(&carried).enumerate() {
            assert!(a == b, "slice {slice} differs in runs of {run_length}");
        }
    }
}

/// A carry is only taken by the run that starts where its run ended: a run elsewhere
/// plays the sessions before it again.
#[test]
fn a_carry_from_elsewhere_is_not_used() {
    let plan = Plan::new(&LoadedScenario::default_scenario(), 3, 0.2).unwrap();
    let mut carry = RunCarry::default();
    let mut run = vec![Vec::new(); 3];
    plan.continue_run_events(100, &mut run, &mut carry);
    let mut jumped = vec![Vec::new(); 3];
    plan.continue_run_events(40, &mut jumped, &mut carry);
    assert_eq!(jumped, slices_alone(&plan, 40..43));
}
