//! Totals per campaign and cohort, for `campaigns.parquet`: computed from the same events
//! that are written, so the table always agrees with `events` and `truth`.

use crate::event::{ApiKey, Event, Query};
use std::collections::HashSet;

/// The distinct values seen, only ever counted: a fixed-seed fast hash (every event of a
/// campaign or cohort is inserted, and SipHash made that about 1% of `generate`).
pub type DistinctSet<T> = HashSet<T, foldhash::fast::FixedState>;

/// Running totals of one campaign or cohort.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignStats {
    pub events: i64,
    pub ips: DistinctSet<u32>,
    pub api_keys: DistinctSet<ApiKey>,
    pub principals: DistinctSet<i64>,
    pub records_targeted: i64,
    pub records_exposed: i64,
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
}

impl CampaignStats {
    pub fn add(&mut self, e: &Event) {
        self.events += 1;
        self.ips.insert(e.peer.ip);
        if e.api_key != ApiKey::None {
            self.api_keys.insert(e.api_key);
        }
        if let Some(p) = e.principal_id {
            self.principals.insert(p);
        }
        self.records_targeted += targets(e);
        self.records_exposed += i64::from(e.truth.records_exposed);
        self.first_us = Some(self.first_us.map_or(e.ts_us, |t| t.min(e.ts_us)));
        self.last_us = Some(self.last_us.map_or(e.ts_us, |t| t.max(e.ts_us)));
    }

    pub fn merge(&mut self, other: CampaignStats) {
        self.events += other.events;
        self.ips.extend(other.ips);
        self.api_keys.extend(other.api_keys);
        self.principals.extend(other.principals);
        self.records_targeted += other.records_targeted;
        self.records_exposed += other.records_exposed;
        self.first_us = [self.first_us, other.first_us].into_iter().flatten().min();
        self.last_us = [self.last_us, other.last_us].into_iter().flatten().max();
    }
}

/// How many customer records a request asked for.
pub fn targets(e: &Event) -> i64 {
    match e.query {
        Query::Ids { count, .. } => i64::from(count),
        Query::Page { size, .. } | Query::Search { size, .. } => i64::from(size),
        Query::Email(_) | Query::Phone(_) => 1,
        Query::Batch { count } => i64::from(count),
        Query::None => i64::from(e.target_id.is_some()),
    }
}

/// Adds each event of a slice to its campaign's totals (`stats` indexed like the plan's
/// campaign table).
pub fn add_events(stats: &mut [CampaignStats], events: &[Event]) {
    for e in events {
        if let Some(c) = e.truth.campaign {
            stats[usize::from(c)].add(e);
        }
    }
}
