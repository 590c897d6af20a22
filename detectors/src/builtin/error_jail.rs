//! `error-jail`: the fail2ban jail a practitioner puts in front of an API. A filter picks
//! failed requests from the access log (here the statuses 401, 403 and 404, the "any
//! 401/403/404 per host" filter of a stock API jail; 429 is left out because it is the
//! gateway's own throttling answer, not the client's failure); when a client has
//! `maxretry` failures within the sliding `findtime`, it is banned for `bantime`.
//! Defaults are fail2ban's stock jail: `maxretry = 5`, `findtime = 10m`, `bantime = 10m`.
//!
//! As in fail2ban, a client's failures are forgotten when it is banned, and the failures
//! of a banned client are not counted (the firewall would have dropped those requests),
//! so once the ban ends the client gets `maxretry` failures again before the next ban.
//! The failure that reaches `maxretry` starts the ban and is flagged, like every later
//! request of the client until `bantime` has passed.
//!
//! Keys (`key`): the client IP, the principal (else the API key), or both (default), as
//! two jails side by side: a request scores the higher of its IP's and its principal's.
//!
//! Score: while banned, the number of bans of this client in the last 24 hours, this
//! one included (1 for a first ban, so the default threshold of 1 flags every banned
//! request; a threshold of 3 flags the third ban of a day, fail2ban's `recidive` jail);
//! otherwise the client's failures within `findtime` over `maxretry`, below 1. Memory:
//! a client without failures or bans keeps no heap memory and its state is swept within a
//! `findtime`; failure times are at most `maxretry - 1`, ban times at most 64 per day.

use super::actor::{ActorEvent, ActorKey, ActorSignal, PerKey, key_choice};
use crate::columns::Needs;
use crate::params::ParamReader;
use crate::scored::ScoredDetector;
use crate::{Detector, DetectorError, DetectorInfo, ParamInfo, Params};

pub(crate) const INFO: DetectorInfo = DetectorInfo {
    name: "error-jail",
    description: "fail2ban-style jail: maxretry failures (401/403/404) in findtime ban a client (IP and principal) for bantime",
    params: &[
        ParamInfo::threshold(
            super::calibrated::ERROR_JAIL,
            "bans of the client in the last 24 h at which a request is flagged (1: any banned request)",
        ),
        ParamInfo::int("maxretry", 5, "failures within findtime that ban a client"),
        ParamInfo::int(
            "findtime_secs",
            600,
            "sliding window in which failures count, in seconds",
        ),
        ParamInfo::int("bantime_secs", 600, "length of a ban, in seconds"),
        ParamInfo::string(
            "key",
            "both",
            "jail per \"ip\", per \"principal\" (else API key), or \"both\"",
        ),
        ParamInfo::string(
            "failure_statuses",
            "401,403,404",
            "comma-separated HTTP statuses that count as failures",
        ),
    ],
    constructor: build,
};

/// How far back bans count towards the score (fail2ban's `recidive` findtime).
const RECIDIVE_WINDOW: i64 = 24 * 3600 * 1_000_000;
/// Ban times kept per client.
const MAX_BANS: usize = 64;

fn build(params: Params) -> Result<Box<dyn Detector>, DetectorError> {
    let reader = ParamReader::new(INFO.name, &params);
    let signal = JailSignal {
        key: ActorKey::Ip,
        maxretry: reader.int_in("maxretry", 1, 1_000)? as usize,
        findtime: reader.duration_micros("findtime_secs")?,
        bantime: reader.duration_micros("bantime_secs")?,
        failures: failure_statuses(&reader)?,
    };
    let signals = key_choice(&reader, "key")?
        .into_iter()
        .map(|key| JailSignal { key, ..signal })
        .collect();
    ScoredDetector::boxed(INFO.name, params, PerKey::new(signals))
}

/// The statuses of `failure_statuses` as a table indexed by status.
fn failure_statuses(reader: &ParamReader<'_>) -> Result<StatusSet, DetectorError> {
    let text = reader.string("failure_statuses")?;
    let invalid = || DetectorError::InvalidParam {
        detector: INFO.name.to_string(),
        param: "failure_statuses".to_string(),
        allowed: "comma-separated HTTP statuses in 100..=599, e.g. \"401,403,404\"".to_string(),
        found: format!("{text:?}"),
    };
    let mut set = StatusSet([0; 10]);
    for part in text.split(',') {
        let status: i16 = part.trim().parse().map_err(|_| invalid())?;
        if !(100..=599).contains(&status) {
            return Err(invalid());
        }
        set.insert(status);
    }
    Ok(set)
}

/// A set of HTTP statuses, one bit per status below 640.
#[derive(Clone, Copy)]
pub(crate) struct StatusSet([u64; 10]);

impl StatusSet {
    fn insert(&mut self, status: i16) {
        let status = status as usize;
        self.0[status / 64] |= 1 << (status % 64);
    }

    #[inline]
    pub fn contains(&self, status: i16) -> bool {
        let Ok(status) = usize::try_from(status) else {
            return false;
        };
        self.0
            .get(status / 64)
            .is_some_and(|word| word & (1 << (status % 64)) != 0)
    }
}

#[derive(Clone, Copy)]
struct JailSignal {
    key: ActorKey,
    maxretry: usize,
    findtime: i64,
    bantime: i64,
    failures: StatusSet,
}

/// One client in one jail.
#[derive(Default)]
struct Jail {
    /// Failure times within `findtime`, oldest first; fewer than `maxretry`.
    failures: Vec<i64>,
    /// Start times of the bans of the last [`RECIDIVE_WINDOW`], oldest first.
    bans: Vec<i64>,
    /// End of the current ban; 0 when none was ever set.
    banned_until: i64,
}

impl Jail {
    fn forget_failures_before(&mut self, oldest_kept: i64) {
        let expired = self
            .failures
            .iter()
            .take_while(|&&time| time <= oldest_kept)
            .count();
        self.failures.drain(..expired);
    }

    fn recent_bans(&mut self, now: i64) -> f64 {
        let oldest_kept = now.saturating_sub(RECIDIVE_WINDOW);
        let expired = self
            .bans
            .iter()
            .take_while(|&&time| time <= oldest_kept)
            .count();
        self.bans.drain(..expired);
        self.bans.len() as f64
    }
}

impl ActorSignal for JailSignal {
    type State = Jail;

    fn needs(&self) -> Needs {
        Needs {
            status: true,
            ..Needs::default()
        }
    }

    fn key(&self) -> ActorKey {
        self.key
    }

    fn sweep_interval(&self) -> i64 {
        self.findtime.max(self.bantime)
    }

    #[inline]
    fn observe(&mut self, jail: &mut Jail, event: &ActorEvent) -> f64 {
        let now = event.ts;
        if now < jail.banned_until {
            return jail.recent_bans(now);
        }
        let is_failure = self.failures.contains(event.status);
        if !is_failure && jail.failures.is_empty() {
            return 0.0;
        }
        jail.forget_failures_before(now.saturating_sub(self.findtime));
        if is_failure {
            if jail.failures.len() + 1 >= self.maxretry {
                jail.failures.clear();
                jail.banned_until = now.saturating_add(self.bantime);
                if jail.bans.len() >= MAX_BANS {
                    jail.bans.remove(0);
                }
                jail.bans.push(now);
                return jail.recent_bans(now);
            }
            jail.failures.push(now);
        }
        jail.failures.len() as f64 / self.maxretry as f64
    }

    fn is_stale(&self, jail: &Jail, now: i64) -> bool {
        let failures_gone = jail
            .failures
            .last()
            .is_none_or(|&last| last <= now.saturating_sub(self.findtime));
        let bans_gone = jail
            .bans
            .last()
            .is_none_or(|&last| last <= now.saturating_sub(RECIDIVE_WINDOW));
        now >= jail.banned_until && failures_gone && bans_gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal() -> JailSignal {
        JailSignal {
            key: ActorKey::Ip,
            maxretry: 5,
            findtime: 600_000_000,
            bantime: 600_000_000,
            failures: failure_statuses(&ParamReader::new(INFO.name, &INFO.defaults())).unwrap(),
        }
    }

    fn event(secs: i64, status: i16) -> ActorEvent {
        ActorEvent {
            actor: 1,
            ts: secs * 1_000_000,
            target: 0,
            status,
        }
    }

    #[test]
    fn statuses_parse_into_the_set() {
        let set = signal().failures;
        assert!(set.contains(401) && set.contains(403) && set.contains(404));
        assert!(!set.contains(200) && !set.contains(429) && !set.contains(-1));
    }

    #[test]
    fn bans_at_the_fifth_failure_and_releases_after_bantime() {
        let mut signal = signal();
        let mut jail = Jail::default();
        let scores: Vec<f64> = [
            (0, 404),
            (10, 200),
            (20, 401),
            (30, 403),
            (40, 404),
            (50, 404), // fifth failure: banned until 650
            (60, 200), // banned
            (649, 200),
            (650, 404), // released: a first failure again
            (651, 200),
        ]
        .into_iter()
        .map(|(secs, status)| signal.observe(&mut jail, &event(secs, status)))
        .collect();
        assert_eq!(
            scores,
            [0.2, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 0.2, 0.2],
            "scores {scores:?}"
        );
    }

    #[test]
    fn failures_slide_out_of_findtime() {
        let mut signal = signal();
        let mut jail = Jail::default();
        for secs in [0, 100, 200, 300] {
            signal.observe(&mut jail, &event(secs, 404));
        }
        // At 601 the failure at 0 left the window: 4 failures, no ban.
        assert_eq!(signal.observe(&mut jail, &event(601, 404)), 0.8);
        assert_eq!(signal.observe(&mut jail, &event(602, 404)), 1.0);
    }

    #[test]
    fn a_second_ban_within_a_day_scores_two() {
        let mut signal = signal();
        let mut jail = Jail::default();
        let mut last = 0.0;
        for secs in (0..5).chain(1000..1005) {
            last = signal.observe(&mut jail, &event(secs, 401));
        }
        assert_eq!(last, 2.0);
        assert!(!signal.is_stale(&jail, 1004 * 1_000_000));
    }
}
