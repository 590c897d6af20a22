//! Scale thins entities and never changes how one behaves: for library incidents, an
//! attacker's token, address and actor send the same requests per active hour at two
//! scales a factor 4 apart (over the horizon both scales generate), the campaign's volume
//! is its share of the scaled world, and a NAT address fronts as many customers.
//!
//! Only the campaign and cohort sources are generated (`campaign_slice_events`), so the
//! incidents run in seconds at the scales they are faithful at.

use breachlab_generator::Plan;
use breachlab_generator::calendar::HOUR_US;
use breachlab_generator::event::Event;
use breachlab_generator::scenario::LoadedScenario;
use std::collections::BTreeMap;

/// The first attack campaign's events over its first `hours` hours.
fn campaign_events(plan: &Plan, hours: f64) -> Vec<Event> {
    let meta = &plan.campaigns[0];
    let until = meta.start_us + (hours * HOUR_US as f64) as i64;
    let calendar = &plan.world.calendar;
    let mut all = Vec::new();
    let mut slice = Vec::new();
    for s in calendar.slice_of(meta.start_us)..=calendar.slice_of(until - 1) {
        plan.campaign_slice_events(s, &mut slice);
        all.extend(
            slice
                .iter()
                .filter(|e| e.truth.is_attack && e.truth.campaign == Some(0))
                .filter(|e| e.ts_us < until)
                .copied(),
        );
    }
    all
}

/// Quantiles (p50, p90, p99, p99.9) of requests per (entity, hour) with any request.
fn per_active_hour(events: &[Event], entity: impl Fn(&Event) -> Option<i64>) -> [f64; 4] {
    let mut counts: BTreeMap<(i64, i64), u64> = BTreeMap::new();
    for e in events {
        if let Some(id) = entity(e) {
            *counts.entry((id, e.ts_us.div_euclid(HOUR_US))).or_default() += 1;
        }
    }
    let mut values: Vec<u64> = counts.into_values().collect();
    values.sort_unstable();
    assert!(!values.is_empty(), "no active entity-hours");
    [0.5, 0.9, 0.99, 0.999].map(|q| {
        let at = ((values.len() - 1) as f64 * q).round() as usize;
        values[at] as f64
    })
}

fn close(a: [f64; 4], b: [f64; 4], what: &str) {
    for (x, y) in a.iter().zip(&b) {
        let relative = (x - y).abs() / x.max(*y).max(1.0);
        assert!(relative <= 0.15, "{what}: {a:?} against {b:?}");
    }
}

fn plan(name: &str, scale: f64) -> Plan {
    let loaded = LoadedScenario::load(name).expect("library scenario");
    Plan::new(&loaded, 1, scale).expect("plannable")
}

#[test]
fn incidents_keep_each_attackers_rates_at_two_faithful_scales() {
    for name in ["tmobile-2023", "optus-2022", "dell-2024"] {
        let loaded = LoadedScenario::load(name).unwrap();
        let minimum = loaded.scenario.minimum_faithful_scale().scale;
        let (low, high) = (plan(name, minimum * 1.01), plan(name, minimum * 4.04));
        let horizon = low.scalings[0].horizon_h.min(high.scalings[0].horizon_h);
        assert!(
            horizon >= 0.99,
            "{name}: horizon {horizon} h at the minimum"
        );
        let hours = horizon.min(6.0);
        let (a, b) = (campaign_events(&low, hours), campaign_events(&high, hours));
        let token = |e: &Event| e.principal_id;
        let address = |e: &Event| Some(i64::from(e.peer.ip));
        let actor = |e: &Event| Some(e.truth.actor_id);
        if a.iter().any(|e| e.principal_id.is_some()) {
            close(per_active_hour(&a, token), per_active_hour(&b, token), name);
        }
        close(
            per_active_hour(&a, address),
            per_active_hour(&b, address),
            name,
        );
        close(per_active_hour(&a, actor), per_active_hour(&b, actor), name);
    }
}

#[test]
fn a_shortened_campaign_keeps_its_share_of_the_scaled_volume() {
    // optus: one actor, so the scaled walk runs at the written rate for scale × 72 h.
    let loaded = LoadedScenario::load("optus-2022").unwrap();
    let written = &loaded.scenario.campaigns[0];
    let scale = 0.02;
    let plan = plan("optus-2022", scale);
    let scaling = &plan.scalings[0];
    assert_eq!(scaling.share, 1.0);
    assert!((scaling.horizon_h - written.duration_h * scale).abs() < 1e-9);
    let events = campaign_events(&plan, scaling.horizon_h).len() as f64;
    let expected = written.rate_per_s * written.duration_h * 3600.0 * scale;
    assert!(
        (events - expected).abs() / expected < 0.02,
        "{events} events, {expected} expected"
    );
    let meta = &plan.campaigns[0];
    let generated_h = (meta.end_us - meta.start_us) as f64 / HOUR_US as f64;
    assert!((generated_h - scaling.horizon_h).abs() < 1e-6);
}

#[test]
fn a_nat_address_fronts_the_same_customers_at_every_scale() {
    let text = |scale_note: &str| {
        format!(
            "name = \"nat\"\nstart = \"2026-03-02T00:00:00Z\"\ndays = 1\n# {scale_note}\n\
             [population]\naccounts = 200000\n[traffic]\nsessions_per_account_day = 0.01\n\
             [[cohorts]]\nname = \"nat\"\n[cohorts.lookalike]\nkind = \"nat_gateway\"\nips = 40\nusers_per_ip = 300\n"
        )
    };
    let per_address = |scale: f64| {
        let loaded = LoadedScenario::parse("nat.toml", &text("x")).unwrap();
        let plan = Plan::new(&loaded, 3, scale).unwrap();
        let mut addresses: BTreeMap<u32, std::collections::BTreeSet<i64>> = BTreeMap::new();
        let mut slice = Vec::new();
        for s in 0..plan.world.calendar.slices {
            plan.campaign_slice_events(s, &mut slice);
            for e in slice.iter().filter(|e| e.truth.campaign.is_some()) {
                if let Some(p) = e.principal_id {
                    addresses.entry(e.peer.ip).or_default().insert(p);
                }
            }
        }
        let count = addresses.len();
        let mean = addresses.values().map(|p| p.len()).sum::<usize>() as f64 / count as f64;
        (count, mean)
    };
    let (few, few_mean) = per_address(0.25);
    let (many, many_mean) = per_address(1.0);
    assert_eq!((few, many), (10, 40), "addresses scale with the scale");
    assert!(
        (few_mean - many_mean).abs() / many_mean < 0.15,
        "{few_mean} against {many_mean} customers an address"
    );
}
