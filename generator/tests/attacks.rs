//! Attack techniques: each one's signature in the generated events, its truth labels,
//! slice-order determinism, and that a mimicking attacker has no single-field shortcut.
//!
//! Every scenario is tiny (20k accounts, one day) and generated in memory, slice by slice.

mod common;

use breachlab_generator::event::{Event, Query, Route};
use breachlab_generator::population::ua_text;
use breachlab_generator::{LoadedScenario, Plan};
use breachlab_schema::{IpKind, Phase};
use std::collections::{HashMap, HashSet};

const HOUR_US: i64 = 3_600_000_000;

/// A one-day, 20k-account scenario holding `campaigns` (TOML `[[campaigns]]` tables).
fn scenario(campaigns: &str) -> LoadedScenario {
    let text = format!(
        r#"
name = "attack-test"
start = "2026-03-03T00:00:00Z"
days = 1
[population]
accounts = 20_000
{campaigns}
"#
    );
    LoadedScenario::parse("attack-test", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn plan(campaigns: &str) -> Plan {
    Plan::new(&scenario(campaigns), 7, 1.0).expect("plan")
}

/// Every event of the plan, in time order.
fn all_events(plan: &Plan) -> Vec<Event> {
    let mut all = Vec::new();
    let mut slice = Vec::new();
    for s in 0..plan.world.calendar.slices {
        plan.slice_events(s, &mut slice);
        all.extend_from_slice(&slice);
    }
    all
}

fn attack(events: &[Event], campaign: u16) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.truth.campaign == Some(campaign))
        .copied()
        .collect()
}

fn benign(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.truth.campaign.is_none())
        .copied()
        .collect()
}

/// Requests per (address, clock hour), over the pairs that saw any.
fn per_ip_hour_counts(events: &[Event]) -> Vec<usize> {
    let mut counts: HashMap<(u32, i64), usize> = HashMap::new();
    for e in events {
        *counts.entry((e.peer.ip, e.ts_us / HOUR_US)).or_default() += 1;
    }
    let mut v: Vec<usize> = counts.into_values().collect();
    v.sort_unstable();
    v
}

fn p95(sorted: &[usize]) -> usize {
    sorted[(sorted.len() as f64 * 0.95) as usize]
}

#[test]
fn sequential_walk_reads_ids_ascending_by_stride_and_404s_the_missing() {
    let plan = plan(&format!("{}stride = 3\n", common::WALK_CAMPAIGN));
    let events = attack(&all_events(&plan), 0);
    assert!(events.len() > 3000, "{}", events.len());
    let ids: Vec<i64> = events.iter().map(|e| e.target_id.unwrap()).collect();
    assert_eq!(ids[0], plan.world.ids.id_base);
    assert!(
        ids.windows(2).all(|w| w[1] - w[0] == 3),
        "not a stride-3 walk"
    );
    for e in &events {
        let exists = plan.world.ids.exists(e.target_id.unwrap());
        assert_eq!(e.status, if exists { 200 } else { 404 });
        assert_eq!(e.truth.records_exposed, i32::from(exists));
        assert_eq!(e.principal_id, None, "unauthenticated walk");
        assert!(e.ts_us >= plan.campaigns[0].start_us && e.ts_us < plan.campaigns[0].end_us);
    }
}

#[test]
fn batched_authenticated_walk_asks_for_consecutive_id_blocks() {
    let plan = plan(
        r#"
[[campaigns]]
name = "walk"
start_h = 0
duration_h = 1
rate_per_s = 0.2
[campaigns.attack]
technique = "sequential_walk"
records_per_request = 10
authenticated = true
"#,
    );
    let events = attack(&all_events(&plan), 0);
    assert!(events.len() > 500);
    let mut next = plan.world.ids.id_base;
    for e in &events {
        assert_eq!(e.route, Route::AccountsBatch);
        let Query::Ids {
            first,
            stride,
            count,
        } = e.query
        else {
            panic!("{:?}", e.query)
        };
        assert_eq!((first, stride, count), (next, 1, 10));
        let hits = (first..first + 10)
            .filter(|id| plan.world.ids.exists(*id))
            .count();
        assert_eq!(e.records_returned as usize, hits);
        assert!(plan.world.ids.exists(e.principal_id.expect("logged in")));
        next += 10;
    }
}

#[test]
fn id_probe_hits_at_its_rate_and_never_repeats_an_id() {
    let plan = plan(
        r#"
[[campaigns]]
name = "probe"
start_h = 0
duration_h = 4
rate_per_s = 1.0
[campaigns.attack]
technique = "id_probe"
hit_rate = 0.02
authenticated = true
"#,
    );
    let events = attack(&all_events(&plan), 0);
    assert!(events.len() > 10_000);
    let ids: HashSet<i64> = events.iter().map(|e| e.target_id.unwrap()).collect();
    assert_eq!(ids.len(), events.len(), "an ID was probed twice");
    let hits = events.iter().filter(|e| e.status == 200).count();
    let rate = hits as f64 / events.len() as f64;
    assert!((rate - 0.02).abs() < 0.006, "hit rate {rate}");
    let principals: HashSet<i64> = events.iter().filter_map(|e| e.principal_id).collect();
    assert!(principals.len() <= 5 && !principals.is_empty());
}

#[test]
fn lookup_oracle_hits_at_its_rate_single_and_batched() {
    let plan = plan(
        r#"
[[campaigns]]
name = "emails"
start_h = 0
duration_h = 2
rate_per_s = 1.0
[campaigns.attack]
technique = "lookup_oracle"
by = "email"
hit_rate = 0.3

[[campaigns]]
name = "phones"
start_h = 0
duration_h = 2
rate_per_s = 0.1
[campaigns.attack]
technique = "lookup_oracle"
by = "phone"
hit_rate = 0.1
ids_per_request = 50
"#,
    );
    let all = all_events(&plan);
    let emails = attack(&all, 0);
    let found = emails.iter().filter(|e| e.records_returned > 0).count();
    let rate = found as f64 / emails.len() as f64;
    assert!((rate - 0.3).abs() < 0.03, "email hit rate {rate}");
    for e in &emails {
        assert_eq!(e.route, Route::Lookup);
        assert!(matches!(e.query, Query::Email(_)));
        // Found or not, the lookup answers 200; only the answer's size tells.
        assert_eq!(e.status, 200);
        assert_eq!(e.records_returned > 0, e.truth.phase == Phase::Exfiltrate);
    }
    let phones = attack(&all, 1);
    let asked: usize = phones.len() * 50;
    let returned: i32 = phones.iter().map(|e| e.records_returned).sum();
    let rate = f64::from(returned) / asked as f64;
    assert!((rate - 0.1).abs() < 0.02, "phone hit rate {rate}");
    assert!(
        phones
            .iter()
            .all(|e| e.route == Route::ContactsMatch && e.query == Query::Batch { count: 50 })
    );
}

#[test]
fn low_and_slow_keeps_every_proxy_under_the_cap_and_the_benign_p95() {
    let plan = plan(
        r#"
[[campaigns]]
name = "slow"
start_h = 0
duration_h = 24
rate_per_s = 0.2
[campaigns.attack]
technique = "low_and_slow"
tokens = 40
[campaigns.evasion]
ip_pool = 200
per_ip_rate_cap_per_h = 4
follow_daily_cycle = true
user_agent = "mimic"
"#,
    );
    let all = all_events(&plan);
    let events = attack(&all, 0);
    assert!(events.len() > 10_000, "{}", events.len());
    let attack_counts = per_ip_hour_counts(&events);
    let benign_counts = per_ip_hour_counts(&benign(&all));
    let worst = *attack_counts.last().unwrap();
    assert!(worst <= 4, "an address sent {worst} requests in an hour");
    assert!(
        p95(&attack_counts) <= p95(&benign_counts),
        "attack per-IP p95 {} over benign {}",
        p95(&attack_counts),
        p95(&benign_counts)
    );
    assert!(events.iter().all(|e| e.peer.kind == IpKind::Residential));
    // Tokens travel: each stolen principal is used from many addresses, same session.
    let mut ips_per_token: HashMap<i64, HashSet<u32>> = HashMap::new();
    let mut sessions_per_token: HashMap<i64, HashSet<i64>> = HashMap::new();
    for e in &events {
        let p = e.principal_id.unwrap();
        ips_per_token.entry(p).or_default().insert(e.peer.ip);
        sessions_per_token
            .entry(p)
            .or_default()
            .insert(e.session_id.unwrap());
    }
    assert!(ips_per_token.len() <= 40);
    assert!(ips_per_token.values().all(|ips| ips.len() > 20));
    assert!(sessions_per_token.values().all(|s| s.len() == 1));
    // It follows the customers' daily cycle: busiest hour well above the quietest.
    let mut hourly = [0usize; 24];
    for e in &events {
        hourly[((e.ts_us / HOUR_US) % 24) as usize] += 1;
    }
    let (max, min) = (hourly.iter().max().unwrap(), hourly.iter().min().unwrap());
    assert!(*max as f64 > 2.0 * *min as f64, "{hourly:?}");
}

#[test]
fn credential_stuffing_fails_logins_at_one_minus_success_then_reads_others() {
    let plan = plan(
        r#"
[[campaigns]]
name = "stuffing"
start_h = 0
duration_h = 3
rate_per_s = 2.0
[campaigns.attack]
technique = "credential_stuffing"
success_rate = 0.02
reads_per_account = 20
"#,
    );
    let events = attack(&all_events(&plan), 0);
    let logins: Vec<&Event> = events.iter().filter(|e| e.route == Route::Login).collect();
    let failed = logins.iter().filter(|e| e.status == 401).count();
    let share = failed as f64 / logins.len() as f64;
    assert!((share - 0.98).abs() < 0.005, "401 share {share}");
    assert!(logins.iter().all(|e| e.truth.phase == Phase::Login));
    assert!(
        logins
            .iter()
            .all(|e| (e.status == 200) == e.principal_id.is_some())
    );
    let mut taken_over = HashSet::new();
    let mut targets = HashSet::new();
    let mut reads = 0;
    for e in &events {
        if e.route == Route::Login {
            if e.status == 200 {
                taken_over.insert(e.principal_id.unwrap());
            }
            continue;
        }
        reads += 1;
        let principal = e.principal_id.unwrap();
        assert!(taken_over.contains(&principal), "read before its login");
        let target = e.target_id.unwrap();
        assert_ne!(target, principal, "BOLA reads other customers");
        assert!(targets.insert(target), "target {target} read twice");
    }
    // 20 reads per taken-over account; the campaign may end inside the last one's.
    let successes = logins.iter().filter(|e| e.status == 200).count();
    assert!(successes > 100, "{successes}");
    assert!(
        (20 * (successes - 1)..=20 * successes).contains(&reads),
        "{reads} reads after {successes} successful logins"
    );
}

#[test]
fn pagination_scrape_walks_consecutive_pages_under_the_cap_and_stops_at_the_end() {
    let plan = plan(
        r#"
[[campaigns]]
name = "scrape"
start_h = 0
duration_h = 20
rate_per_s = 0.05
[campaigns.attack]
technique = "pagination_scrape"
page_size = 50
[campaigns.evasion]
per_ip_rate_cap_per_h = 6
"#,
    );
    let events = attack(&all_events(&plan), 0);
    let accounts = plan.world.ids.expected_accounts();
    let pages: Vec<u32> = events
        .iter()
        .map(|e| match e.query {
            Query::Page { page, size: 50 } => page,
            other => panic!("{other:?}"),
        })
        .collect();
    let expected: Vec<u32> = (1..=accounts.div_ceil(50) as u32).collect();
    assert_eq!(pages, expected, "pages are not 1, 2, 3, ... to the last");
    let exposed: i64 = events
        .iter()
        .map(|e| i64::from(e.truth.records_exposed))
        .sum();
    assert_eq!(exposed, accounts as i64);
    assert!(*per_ip_hour_counts(&events).last().unwrap() <= 6);
    assert!(events.iter().all(|e| e.route == Route::Directory));
}

#[test]
fn over_broad_query_is_a_few_huge_responses() {
    let plan = plan(
        r#"
[[campaigns]]
name = "broad"
start_h = 2
duration_h = 10
rate_per_s = 0.001
[campaigns.attack]
technique = "over_broad_query"
records_per_request = 5000
"#,
    );
    let all = all_events(&plan);
    let events = attack(&all, 0);
    let accounts = plan.world.ids.expected_accounts();
    assert_eq!(events.len() as u64, accounts.div_ceil(5000));
    let biggest_benign = benign(&all).iter().map(|e| e.response_bytes).max().unwrap();
    for e in &events {
        assert_eq!(e.route, Route::Search);
        assert!(e.response_bytes > 1_000_000, "{}", e.response_bytes);
        assert!(e.response_bytes > 50 * biggest_benign);
    }
    let exposed: i64 = events
        .iter()
        .map(|e| i64::from(e.truth.records_exposed))
        .sum();
    assert_eq!(exposed, accounts as i64);
}

/// Every technique at once, mimicking, so they share one scenario with the customers.
const ALL_MIMICKING: &str = r#"
[[campaigns]]
name = "walk"
start_h = 1
duration_h = 3
rate_per_s = 0.3
[campaigns.attack]
technique = "sequential_walk"
[campaigns.evasion]
user_agent = "mimic"
ip_pool = 500

[[campaigns]]
name = "probe"
start_h = 2
duration_h = 3
rate_per_s = 0.3
[campaigns.attack]
technique = "id_probe"
hit_rate = 0.5
authenticated = true
[campaigns.evasion]
user_agent = "mimic"
ip_pool = 500

[[campaigns]]
name = "oracle"
start_h = 3
duration_h = 3
rate_per_s = 0.3
[campaigns.attack]
technique = "lookup_oracle"
by = "phone"
hit_rate = 0.2
[campaigns.evasion]
user_agent = "mimic"
ip_pool = 500

[[campaigns]]
name = "slow"
start_h = 0
duration_h = 24
rate_per_s = 0.1
[campaigns.attack]
technique = "low_and_slow"
[campaigns.evasion]
user_agent = "mimic"
ip_pool = 1000
follow_daily_cycle = true

[[campaigns]]
name = "stuffing"
start_h = 5
duration_h = 2
rate_per_s = 0.5
[campaigns.attack]
technique = "credential_stuffing"
success_rate = 0.05
reads_per_account = 5
[campaigns.evasion]
user_agent = "mimic"
ip_pool = 2000
actors = 3

[[campaigns]]
name = "scrape"
start_h = 6
duration_h = 10
rate_per_s = 0.01
[campaigns.attack]
technique = "pagination_scrape"
[campaigns.evasion]
user_agent = "mimic"
ip_pool = 300
jitter = 0.3

[[campaigns]]
name = "broad"
start_h = 8
duration_h = 4
rate_per_s = 0.002
[campaigns.attack]
technique = "over_broad_query"
records_per_request = 2000
[campaigns.evasion]
user_agent = "mimic"
"#;

#[test]
fn truth_labels_agree_and_exposure_counts_distinct_accounts() {
    let plan = plan(ALL_MIMICKING);
    let all = all_events(&plan);
    for e in &all {
        match e.truth.campaign {
            Some(c) => {
                assert!(e.truth.is_attack);
                let base = 9_000_000_000_000 + i64::from(c) * 1_000_000;
                assert!((base..base + 1_000_000).contains(&e.truth.actor_id));
                assert_ne!(e.truth.phase, Phase::None);
                let meta = &plan.campaigns[usize::from(c)];
                assert!(e.ts_us >= meta.start_us && e.ts_us < meta.end_us);
                assert!(e.truth.records_exposed <= e.records_returned);
                assert_eq!(
                    e.truth.phase == Phase::Exfiltrate,
                    e.truth.records_exposed > 0 || e.records_returned > 0,
                    "{e:?}"
                );
            }
            None => assert!(!e.truth.is_attack),
        }
    }
    for (c, meta) in plan.campaigns.iter().enumerate() {
        let events = attack(&all, c as u16);
        assert!(!events.is_empty(), "{} sent nothing", meta.name);
        let exposed: i64 = events
            .iter()
            .map(|e| i64::from(e.truth.records_exposed))
            .sum();
        assert!(exposed > 0, "{} exposed nothing", meta.name);
        // Single-object reads: one exposed account each, never the same twice.
        let single: Vec<i64> = events
            .iter()
            .filter(|e| e.truth.records_exposed > 0 && e.target_id.is_some())
            .map(|e| {
                assert_eq!(e.truth.records_exposed, 1);
                e.target_id.unwrap()
            })
            .collect();
        let distinct: HashSet<i64> = single.iter().copied().collect();
        assert_eq!(distinct.len(), single.len(), "{} re-exposed", meta.name);
        // List reads: distinct pages, each exposing what it returned.
        let pages: Vec<(u32, u16)> = events
            .iter()
            .filter_map(|e| match e.query {
                Query::Page { page, size } | Query::Search { page, size, .. } => Some((page, size)),
                _ => None,
            })
            .collect();
        let distinct_pages: HashSet<(u32, u16)> = pages.iter().copied().collect();
        assert_eq!(
            distinct_pages.len(),
            pages.len(),
            "{} re-read a page",
            meta.name
        );
        let listed: i64 = events
            .iter()
            .filter(|e| e.target_id.is_none())
            .map(|e| i64::from(e.truth.records_exposed))
            .sum();
        assert_eq!(exposed, single.len() as i64 + listed, "{}", meta.name);
    }
}

#[test]
fn slices_in_any_order_give_identical_events() {
    let forward = plan(ALL_MIMICKING);
    let backward = plan(ALL_MIMICKING);
    let slices = forward.world.calendar.slices;
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut order: Vec<u64> = (0..slices).rev().collect();
    order.rotate_left(slices as usize / 3);
    for s in order {
        forward.slice_events(s, &mut a);
        backward.slice_events(s, &mut b);
        assert_eq!(a, b, "slice {s}");
        let mut again = Vec::new();
        forward.slice_events(s, &mut again);
        assert_eq!(a, again, "slice {s} regenerated");
    }
    let mut whole = all_events(&forward);
    whole.retain(|e| e.truth.campaign.is_some());
    let mut pieces = Vec::new();
    for s in (0..slices).rev() {
        backward.slice_events(s, &mut b);
        pieces.extend(b.iter().filter(|e| e.truth.campaign.is_some()).copied());
    }
    pieces.sort_by_key(|e| (e.ts_us, e.tie));
    assert_eq!(whole, pieces);
}

/// Field values that only attack traffic has, each carried by over 2% of its events.
fn shortcuts(benign: &[Event], events: &[Event]) -> Vec<String> {
    type Field = (&'static str, fn(&Event) -> String);
    let fields: [Field; 6] = [
        ("user_agent", |e| ua_text(e.user_agent).to_string()),
        ("ip_asn", |e| e.peer.asn.to_string()),
        ("country", |e| e.peer.country.to_string()),
        ("client_kind", |e| e.client_kind.to_string()),
        ("api_key", |e| format!("{:?}", e.api_key)),
        ("route", |e| e.route.template().to_string()),
    ];
    let mut found = Vec::new();
    for (name, value) in &fields {
        let seen: HashSet<String> = benign.iter().map(value).collect();
        let mut only_attack: HashMap<String, usize> = HashMap::new();
        for e in events {
            let v = value(e);
            if !seen.contains(&v) {
                *only_attack.entry(v).or_default() += 1;
            }
        }
        for (v, n) in only_attack {
            let share = n as f64 / events.len() as f64;
            if share > 0.02 {
                found.push(format!(
                    "{name} = {v} ({:.1}% of attack events)",
                    share * 100.0
                ));
            }
        }
    }
    found
}

#[test]
fn mimicking_attackers_have_no_single_field_shortcut() {
    let plan = plan(ALL_MIMICKING);
    let all = all_events(&plan);
    let benign = benign(&all);
    // The customers' requests span the population's IDs (a sample of one day misses
    // the very ends, so compare with the population's range and check the sample covers it).
    let ids = plan.world.ids;
    let benign_range = (ids.id_base, ids.end() - 1);
    let (low, high) = {
        let seen = benign.iter().filter_map(|e| e.target_id);
        (seen.clone().min().unwrap(), seen.max().unwrap())
    };
    let population = (ids.end() - ids.id_base) as f64;
    assert!((high.min(ids.end()) - low) as f64 > 0.99 * population);
    for (c, meta) in plan.campaigns.iter().enumerate() {
        let events = attack(&all, c as u16);
        let found = shortcuts(&benign, &events);
        assert!(
            found.is_empty(),
            "{}: only attackers have {found:?}",
            meta.name
        );
        // A low hit rate needs IDs that do not exist, so the probe's range is its own
        // signature; every other technique reads inside the customers' ID range.
        if meta.name != "probe" {
            for id in events.iter().filter_map(|e| e.target_id) {
                assert!(
                    (benign_range.0..=benign_range.1).contains(&id),
                    "{}: target {id} outside the benign range {benign_range:?}",
                    meta.name
                );
            }
        }
    }
}

#[test]
fn the_shortcut_check_catches_a_tool_that_does_not_mimic() {
    // Without customers' own scripts, nothing benign speaks with a tool's user agent.
    let plan = plan(
        r#"
[traffic]
scripted_share = 0.0
[[campaigns]]
name = "tool"
start_h = 1
duration_h = 2
rate_per_s = 0.3
[campaigns.attack]
technique = "sequential_walk"
"#,
    );
    let all = all_events(&plan);
    let found = shortcuts(&benign(&all), &attack(&all, 0));
    assert!(
        found.iter().any(|f| f.starts_with("user_agent")),
        "{found:?}"
    );
}

/// `start_id` is written for scale 1: at a small scale the walk must still start inside
/// the (smaller) population and expose records, not walk IDs that no longer exist.
#[test]
fn a_walk_scaled_down_stays_inside_the_population() {
    let loaded = LoadedScenario::default_scenario();
    let walker = loaded
        .scenario
        .campaigns
        .iter()
        .position(|c| c.attack.name() == "sequential_walk")
        .expect("the default scenario has a sequential walk");
    let plan = Plan::new(&loaded, 1, 0.05).expect("plan");
    let ids = plan.world.ids;
    let mut events = Vec::new();
    let (mut requests, mut exposed) = (0, 0);
    for slice in 0..plan.world.calendar.slices {
        plan.campaign_slice_events(slice, &mut events);
        for e in events
            .iter()
            .filter(|e| e.truth.campaign == Some(walker as u16))
        {
            requests += 1;
            exposed += e.truth.records_exposed;
            let target = e.target_id.expect("a walk addresses an object");
            assert!(
                ids.contains(target),
                "walked to {target}, outside {}..{}",
                ids.id_base,
                ids.end()
            );
        }
    }
    assert!(requests > 100, "{requests} requests");
    let hit_share = f64::from(exposed) / f64::from(requests);
    assert!(
        (hit_share - ids.density).abs() < 0.1,
        "hit share {hit_share}, ID density {}",
        ids.density
    );
}

/// The principals (stolen tokens) and the first IDs read by a low-and-slow campaign at `seed`.
fn low_and_slow_choices(seed: u64) -> (HashSet<i64>, Vec<i64>) {
    let scenario = scenario(
        r#"
[[campaigns]]
name = "slow"
start_h = 0
duration_h = 6
rate_per_s = 0.2
[campaigns.attack]
technique = "low_and_slow"
tokens = 20
"#,
    );
    let plan = Plan::new(&scenario, seed, 1.0).expect("plan");
    let events = attack(&all_events(&plan), 0);
    let tokens = events.iter().filter_map(|e| e.principal_id).collect();
    let first_reads = events.iter().filter_map(|e| e.target_id).take(50).collect();
    (tokens, first_reads)
}

#[test]
fn an_attack_s_keyed_choices_change_with_the_seed() {
    let (tokens_a, reads_a) = low_and_slow_choices(1);
    let (tokens_b, reads_b) = low_and_slow_choices(2);
    assert_eq!(tokens_a.len(), 20);
    assert_eq!(low_and_slow_choices(1), (tokens_a.clone(), reads_a.clone()));
    let shared = tokens_a.intersection(&tokens_b).count();
    assert!(
        shared < 3,
        "{shared} of 20 stolen tokens are the same on seeds 1 and 2"
    );
    assert_ne!(reads_a, reads_b, "seeds 1 and 2 read IDs in the same order");
}
