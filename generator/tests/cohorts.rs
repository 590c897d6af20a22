//! Benign look-alike cohorts: each one's signature in the generated events, its truth
//! labels, and that its slices are the same whatever order they are generated in.

use breachlab_generator::event::{Event, Query, Route};
use breachlab_generator::population::user_agents::UaTable;
use breachlab_generator::{LoadedScenario, Plan};
use breachlab_schema::{ClientKind, IpKind, Phase};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// A small scenario with the given `[[cohorts]]` tables appended.
fn scenario(days: u32, accounts: u64, cohorts: &str) -> Plan {
    let text = format!(
        r#"
name = "cohort-test"
start = "2026-03-02T00:00:00Z"
days = {days}
utc_offset_hours = -6
[population]
accounts = {accounts}
[traffic]
sessions_per_account_day = 0.1
{cohorts}
"#
    );
    let loaded = LoadedScenario::parse("cohort-test.toml", &text).expect("valid test scenario");
    Plan::new(&loaded, 7, 1.0).expect("plannable")
}

/// Every event of every slice, in order.
fn all_events(plan: &Plan) -> Vec<Event> {
    let mut all = Vec::new();
    let mut slice_events = Vec::new();
    for slice in 0..plan.world.calendar.slices {
        plan.slice_events(slice, &mut slice_events);
        all.extend_from_slice(&slice_events);
    }
    all
}

/// The events of cohort `index` only.
fn cohort_events(plan: &Plan, index: u16) -> Vec<Event> {
    all_events(plan)
        .into_iter()
        .filter(|e| e.truth.campaign == Some(index))
        .collect()
}

fn assert_benign_labels(events: &[Event], index: u16) {
    assert!(!events.is_empty(), "cohort {index} emitted nothing");
    for e in events {
        assert_eq!(e.truth.campaign, Some(index));
        assert!(!e.truth.is_attack);
        assert_eq!(e.truth.phase, Phase::None);
        assert_eq!(e.truth.records_exposed, 0);
    }
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

#[test]
fn partner_batch_walks_only_its_entitled_accounts_in_order_at_night() {
    let plan = scenario(
        2,
        20_000,
        r#"
[[cohorts]]
name = "partner"
[cohorts.lookalike]
kind = "partner_batch"
entitled_accounts = 500
window_start_hour_local = 1
window_hours = 4
ips = 2
"#,
    );
    let all = cohort_events(&plan, 0);
    assert_benign_labels(&all, 0);
    let (exports, events): (Vec<&Event>, Vec<&Event>) =
        all.iter().partition(|e| e.route == Route::AccountsBatch);
    // Between nights, one delta export per 10-minute slice, each a large answer.
    assert_eq!(exports.len() as u64, plan.world.calendar.slices);
    for e in &exports {
        assert_eq!(e.status, 200);
        assert_eq!(e.client_kind, ClientKind::Partner);
        assert!(
            (50..=20_000).contains(&e.records_returned),
            "{}",
            e.records_returned
        );
    }
    let median = {
        let mut records: Vec<i32> = exports.iter().map(|e| e.records_returned).collect();
        records.sort_unstable();
        records[records.len() / 2]
    };
    assert!((1_000..2_200).contains(&median), "median export {median}");
    let calendar = &plan.world.calendar;
    let ids = &plan.world.ids;
    let mut nights: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for e in &events {
        let hour = calendar.local_hour(e.ts_us);
        assert!((1.0..5.0).contains(&hour), "read at local hour {hour}");
        assert_eq!(e.route, Route::Account);
        assert_eq!(e.client_kind, ClientKind::Partner);
        assert_eq!(e.peer.kind, IpKind::Cloud);
        assert_eq!(e.principal_id, None);
        assert!(e.truth.actor_id >= 2_000_000_000_000);
        let night = (e.ts_us - calendar.start_us) / 86_400_000_000;
        nights.entry(night).or_default().push(e.target_id.unwrap());
    }
    assert_eq!(nights.len(), 2, "one run per night");
    let sets: Vec<BTreeSet<i64>> = nights
        .values()
        .map(|t| t.iter().copied().collect())
        .collect();
    for targets in nights.values() {
        assert!(
            targets.windows(2).all(|w| w[0] < w[1]),
            "reads ascend strictly"
        );
        let (low, high) = (targets[0], *targets.last().unwrap());
        let existing: Vec<i64> = ids.existing_in(low..high + 1).collect();
        assert_eq!(
            targets, &existing,
            "every existing ID of the block, nothing else"
        );
        assert!(
            (425..=575).contains(&targets.len()),
            "{} read",
            targets.len()
        );
    }
    assert_eq!(sets[0], sets[1], "the same entitlement every night");
    let ips: HashSet<u32> = all.iter().map(|e| e.peer.ip).collect();
    assert!(ips.len() <= 2);
    let ok = events.iter().filter(|e| e.status / 100 == 2).count();
    assert!(share(ok, events.len()) >= 0.97, "2xx share");
}

#[test]
fn monitor_checks_each_region_every_interval_from_distinct_countries() {
    let plan = scenario(
        1,
        2_000,
        r#"
[[cohorts]]
name = "monitor"
start_h = 2
duration_h = 6
[cohorts.lookalike]
kind = "monitor"
regions = 3
interval_s = 60
test_ids = 3
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let mut checks: BTreeMap<u32, Vec<i64>> = BTreeMap::new();
    let mut countries = BTreeSet::new();
    let mut targets = BTreeSet::new();
    for e in &events {
        assert_eq!(e.client_kind, ClientKind::Monitor);
        assert_eq!(e.peer.kind, IpKind::Cloud);
        countries.insert(e.peer.country);
        match e.route {
            Route::Health => checks.entry(e.peer.ip).or_default().push(e.ts_us),
            Route::Account => {
                targets.insert(e.target_id.unwrap());
            }
            other => panic!("monitor called {other:?}"),
        }
    }
    assert_eq!(checks.len(), 3, "one address per region");
    assert_eq!(countries.len(), 3, "regions in different countries");
    assert!(targets.len() <= 3, "fixed test accounts: {targets:?}");
    for times in checks.values() {
        assert!(
            (355..=361).contains(&times.len()),
            "{} checks in 6 h",
            times.len()
        );
        for gap in times.windows(2).map(|w| (w[1] - w[0]) as f64 / 1e6) {
            assert!((58.0..=62.0).contains(&gap), "gap of {gap} s");
        }
    }
}

#[test]
fn nat_address_fronts_many_customers_each_reading_its_own_account() {
    let plan = scenario(
        1,
        5_000,
        r#"
[[cohorts]]
name = "nat"
[cohorts.lookalike]
kind = "nat_gateway"
ips = 1
users_per_ip = 60
sessions_per_user_day = 3
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let ips: HashSet<u32> = events.iter().map(|e| e.peer.ip).collect();
    assert_eq!(ips.len(), 1, "everything through one NAT address");
    let principals: HashSet<i64> = events.iter().filter_map(|e| e.principal_id).collect();
    assert!(principals.len() >= 40, "{} principals", principals.len());
    let own_routes = [
        Route::Account,
        Route::Lines,
        Route::Plan,
        Route::Billing,
        Route::Usage,
    ];
    for e in &events {
        assert_eq!(e.peer.kind, IpKind::MobileCarrier);
        assert_eq!(e.client_kind, ClientKind::App);
        if let Some(principal) = e.principal_id {
            assert_eq!(e.truth.actor_id, principal, "the actor is the customer");
        }
        // Signed in or out (a bill paid without signing in), a customer reads only
        // their own account.
        if own_routes.contains(&e.route) && e.status == 200 {
            assert_eq!(
                e.target_id,
                Some(e.truth.actor_id),
                "read someone else's account"
            );
        }
    }
}

#[test]
fn viral_spike_steps_signups_up_by_the_multiplier() {
    let plan = scenario(
        1,
        2_000,
        r#"
[[cohorts]]
name = "spike"
start_h = 10
duration_h = 4
[cohorts.lookalike]
kind = "viral_spike"
multiplier = 10
ramp_minutes = 10
signups_per_s = 0.5
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let start = plan.campaigns[0].start_us;
    let signups: Vec<&Event> = events
        .iter()
        .filter(|e| e.route == Route::Signup && e.status == 201)
        .collect();
    // A 4-hour window: an hour at the normal level, a 10-minute ramp, then the peak.
    let minute = |e: &Event| (e.ts_us - start) as f64 / 60e6;
    let lead = signups.iter().filter(|e| minute(e) < 60.0).count() as f64 / 60.0;
    let hold = signups.iter().filter(|e| minute(e) >= 70.0).count() as f64 / 170.0;
    let ratio = hold / lead;
    assert!((8.0..12.5).contains(&ratio), "step ratio {ratio}");
    let home: Vec<&&Event> = signups
        .iter()
        .filter(|e| e.peer.kind == IpKind::Residential)
        .collect();
    let home_ips: HashSet<u32> = home.iter().map(|e| e.peer.ip).collect();
    assert!(home.len() > 1000, "{} sign-ups from home", home.len());
    assert!(
        share(home_ips.len(), home.len()) > 0.95,
        "many distinct addresses"
    );
    let new_ids: HashSet<i64> = signups.iter().map(|e| e.truth.actor_id).collect();
    assert_eq!(new_ids.len(), signups.len(), "one new account per sign-up");
    assert!(new_ids.iter().all(|&id| id >= plan.world.ids.end()));
    for e in &events {
        assert!(matches!(
            e.peer.kind,
            IpKind::Residential | IpKind::MobileCarrier
        ));
        assert!(matches!(e.client_kind, ClientKind::App | ClientKind::Web));
        if let Some(target) = e.target_id {
            assert_eq!(Some(target), e.principal_id, "new customers read their own");
        }
    }
}

#[test]
fn password_reset_wave_decays_with_its_half_life() {
    let plan = scenario(
        1,
        20_000,
        r#"
[[cohorts]]
name = "reset"
start_h = 6
duration_h = 4
[cohorts.lookalike]
kind = "password_reset_wave"
recipients = 20000
response_rate = 0.3
half_life_h = 1
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let start = plan.campaigns[0].start_us;
    let mut first_seen: BTreeMap<i64, i64> = BTreeMap::new();
    for e in &events {
        let session = e.session_id.unwrap();
        first_seen.entry(session).or_insert(e.ts_us);
    }
    let hour = |h: i64| {
        first_seen
            .values()
            .filter(|&&ts| (ts - start) / 3_600_000_000 == h)
            .count() as f64
    };
    let (first, second, third) = (hour(0), hour(1), hour(2));
    assert!(
        (1.8..2.2).contains(&(first / second)),
        "{first} then {second}"
    );
    assert!(
        (1.7..2.3).contains(&(second / third)),
        "{second} then {third}"
    );
    let resets: Vec<&Event> = events
        .iter()
        .filter(|e| e.route == Route::PasswordReset)
        .collect();
    let stale = resets
        .iter()
        .filter(|e| matches!(e.status, 400 | 401))
        .count();
    assert!(
        (0.03..0.1).contains(&share(stale, resets.len())),
        "extra 4xx"
    );
    for e in events.iter().filter(|e| e.route == Route::Login) {
        assert!(
            plan.world.ids.exists(e.principal_id.unwrap()),
            "real customers"
        );
    }
}

#[test]
fn contact_sync_matches_the_hit_rate_in_batches() {
    let plan = scenario(
        1,
        5_000,
        r#"
[[cohorts]]
name = "contacts"
[cohorts.lookalike]
kind = "contact_sync"
installs_per_day = 200
contacts_per_install = 300
hit_rate = 0.05
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let (mut sent, mut hits) = (0i64, 0i64);
    for e in events.iter().filter(|e| e.route == Route::ContactsMatch) {
        let breachlab_generator::event::Query::Batch { count } = e.query else {
            panic!("contact upload without a batch: {:?}", e.query);
        };
        assert!(count <= 50);
        assert!(e.principal_id.is_some());
        assert_eq!(e.client_kind, ClientKind::App);
        sent += i64::from(count);
        hits += i64::from(e.records_returned);
    }
    assert!(sent > 40_000, "{sent} contacts uploaded");
    let rate = hits as f64 / sent as f64;
    assert!((0.045..0.055).contains(&rate), "hit rate {rate}");
}

#[test]
fn password_reset_responders_who_try_the_old_password_are_refused_like_a_stuffer() {
    let plan = scenario(
        1,
        20_000,
        r#"
[[cohorts]]
name = "reset"
start_h = 6
duration_h = 6
[cohorts.lookalike]
kind = "password_reset_wave"
recipients = 20000
response_rate = 0.3
half_life_h = 1
tried_old_password = 0.6
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let logins = |status: i16| {
        events
            .iter()
            .filter(|e| e.route == Route::Login && e.status == status)
            .collect::<Vec<_>>()
    };
    let (accepted, refused) = (logins(200), logins(401));
    assert!(accepted.len() > 2_000, "{} responders", accepted.len());
    for e in &refused {
        assert_eq!(e.principal_id, None, "a refused login names nobody");
        assert_eq!(e.session_id, None, "a login carries no session yet");
    }
    // 60% of responders try one to three times: 1.2 refused logins a responder.
    let per_responder = share(refused.len(), accepted.len());
    assert!(
        (1.05..1.35).contains(&per_responder),
        "{per_responder} refused logins a responder"
    );
}

#[test]
fn feed_pollers_read_the_first_pages_signed_out_from_the_cloud_every_interval() {
    let plan = scenario(
        1,
        5_000,
        r#"
[[cohorts]]
name = "pollers"
[cohorts.lookalike]
kind = "feed_poller"
pollers = 40
interval_s = 600
pages = 2
posing_share = 0.5
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    let mut per_poller: BTreeMap<u32, Vec<&Event>> = BTreeMap::new();
    for e in &events {
        assert_eq!(e.route, Route::Directory);
        assert_eq!((e.principal_id, e.session_id), (None, None), "signed out");
        assert_eq!(e.peer.kind, IpKind::Cloud);
        let Query::Page { page, .. } = e.query else {
            panic!("a feed read without a page: {:?}", e.query);
        };
        assert!((1..=2).contains(&page), "page {page}");
        per_poller.entry(e.peer.ip).or_default().push(e);
    }
    assert_eq!(per_poller.len(), 40, "one address per poller");
    // 144 polls of two pages a day, give or take the first poll's phase.
    for (ip, own) in &per_poller {
        assert!(
            (284..=290).contains(&own.len()),
            "{ip:?}: {} reads",
            own.len()
        );
    }
    let posing = per_poller
        .values()
        .filter(|own| !UaTable::tools().contains(own[0].user_agent))
        .count();
    assert!(
        (10..=30).contains(&posing),
        "{posing} of 40 present a browser or the app"
    );
}

#[test]
fn partner_staff_read_only_their_books_signed_in_some_from_the_cloud() {
    let plan = scenario(
        7,
        50_000,
        r#"
[[cohorts]]
name = "portal"
[cohorts.lookalike]
kind = "partner_portal"
partners = 10
reads_per_partner_day = 400
customers_per_partner = 50
cloud_egress_share = 0.5
"#,
    );
    let events = cohort_events(&plan, 0);
    assert_benign_labels(&events, 0);
    // Per partner (the truth's actor): the records it read and its staff's accounts.
    let mut books: BTreeMap<i64, (HashSet<i64>, HashSet<i64>)> = BTreeMap::new();
    let mut kinds = BTreeSet::new();
    for e in &events {
        assert_eq!(e.route, Route::Account);
        assert!(e.session_id.is_some(), "staff are signed in");
        let staff = e.principal_id.expect("signed in with their own account");
        let (read, members) = books.entry(e.truth.actor_id).or_default();
        read.insert(e.target_id.unwrap());
        members.insert(staff);
        kinds.insert(e.peer.kind);
        assert!(matches!(e.peer.kind, IpKind::Cloud | IpKind::Corporate));
    }
    assert_eq!(books.len(), 10, "ten partners");
    for (partner, (read, members)) in &books {
        assert!(
            read.len() <= 50,
            "partner {partner} read {} records",
            read.len()
        );
        assert!(
            (2..=8).contains(&members.len()),
            "partner {partner} has {} staff accounts",
            members.len()
        );
    }
    assert_eq!(kinds.len(), 2, "offices and cloud gateways: {kinds:?}");
    let per_day = events.len() as f64 / 7.0 / 10.0;
    assert!(
        (300.0..500.0).contains(&per_day),
        "{per_day} reads a partner a day"
    );
}

const EVERY_LOOKALIKE: &str = r#"
[[cohorts]]
name = "partner"
[cohorts.lookalike]
kind = "partner_batch"
entitled_accounts = 300
[[cohorts]]
name = "monitor"
start_h = 1
duration_h = 20
[cohorts.lookalike]
kind = "monitor"
interval_s = 120
[[cohorts]]
name = "nat"
[cohorts.lookalike]
kind = "nat_gateway"
users_per_ip = 20
[[cohorts]]
name = "spike"
start_h = 12
duration_h = 2
[cohorts.lookalike]
kind = "viral_spike"
multiplier = 5
signups_per_s = 0.1
[[cohorts]]
name = "reset"
start_h = 3
duration_h = 5
[cohorts.lookalike]
kind = "password_reset_wave"
recipients = 1000
[[cohorts]]
name = "contacts"
start_h = 0.5
[cohorts.lookalike]
kind = "contact_sync"
installs_per_day = 40
contacts_per_install = 120
[[cohorts]]
name = "pollers"
start_h = 2
duration_h = 10
[cohorts.lookalike]
kind = "feed_poller"
pollers = 3
[[cohorts]]
name = "portal"
start_h = 4
[cohorts.lookalike]
kind = "partner_portal"
partners = 4
reads_per_partner_day = 100
"#;

#[test]
fn every_cohort_is_labelled_benign_and_stays_in_its_window() {
    let plan = scenario(2, 3_000, EVERY_LOOKALIKE);
    let events = all_events(&plan);
    for (index, meta) in plan.campaigns.iter().enumerate() {
        let own: Vec<Event> = events
            .iter()
            .filter(|e| e.truth.campaign == Some(index as u16))
            .copied()
            .collect();
        assert_benign_labels(&own, index as u16);
        assert!(!meta.is_attack);
        for e in &own {
            assert!(
                e.ts_us >= meta.start_us && e.ts_us < meta.end_us,
                "{} outside its window",
                meta.name
            );
        }
    }
}

#[test]
fn slices_give_the_same_events_in_any_order() {
    let plan = scenario(1, 3_000, EVERY_LOOKALIKE);
    let slices = plan.world.calendar.slices;
    let generate = |slice| {
        let mut events = Vec::new();
        plan.campaign_slice_events(slice, &mut events);
        events
    };
    let forward: Vec<Vec<Event>> = (0..slices).map(generate).collect();
    let mut backward: Vec<Vec<Event>> = (0..slices).rev().map(generate).collect();
    backward.reverse();
    assert_eq!(forward, backward);
    let shuffled: Vec<u64> = (0..slices).map(|s| (s * 37) % slices).collect();
    for &slice in &shuffled {
        assert_eq!(generate(slice), forward[slice as usize], "slice {slice}");
    }
    assert!(forward.iter().map(Vec::len).sum::<usize>() > 1000);
}
