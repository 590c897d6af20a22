//! Per-actor state of one detector: whether the actor was flagged (one bit), and its
//! alarm while one is open. Indexed by the dense actor index of the
//! [`LabelIndex`](super::LabelIndex), and only touched by flagged events; whether an
//! actor attacked is shared by all detectors.
//!
//! Open alarms are kept only while they can still grow: batches come in time order, so
//! once the newest event is a gap past an alarm's last flagged event, no later event can
//! join it, and it is closed then (sweeps once per gap of event time). Closing it then
//! or at the actor's next flagged event counts the same alarm; memory is the alarms open
//! within the last gap or two plus one bit per actor seen.

use std::collections::HashMap;

use foldhash::fast::FixedState;

use super::alarms::{AlarmCounter, OpenAlarm};
use super::labels::IndexedBatch;
use super::{ActorMetrics, ratio};

#[derive(Debug, Clone, Default)]
pub(crate) struct FlaggedActors {
    /// One bit per dense actor index, set from the actor's first flagged event on.
    flagged: Vec<u64>,
    /// The alarm each actor has open, by dense actor index.
    open_alarms: HashMap<u32, OpenAlarm, FixedState>,
    /// Event time at or after which open alarms are next swept.
    next_sweep_us: Option<i64>,
}

impl FlaggedActors {
    /// Adds the flagged `rows` of `batch`, in order, to their actors' alarms, then closes
    /// the alarms no later event can join when a sweep is due.
    pub(crate) fn on_flagged_rows(
        &mut self,
        alarms: &mut AlarmCounter,
        batch: &IndexedBatch,
        rows: &[u32],
        gap_us: i64,
    ) {
        let words = batch.actors.div_ceil(64);
        if !rows.is_empty() && self.flagged.len() < words {
            self.flagged.resize(words, 0);
        }
        for &row in rows {
            let row = row as usize;
            let actor = batch.actor[row];
            self.flagged[actor as usize / 64] |= 1 << (actor % 64);
            let mut open = self.open_alarms.remove(&actor);
            alarms.on_flagged(
                &mut open,
                batch.ts_us[row],
                batch.first_row + row as u64,
                batch.is_attack[row],
                gap_us,
            );
            if let Some(open) = open {
                self.open_alarms.insert(actor, open);
            }
        }
        if let Some(&now) = batch.ts_us.last() {
            self.sweep(alarms, now, gap_us);
        }
    }

    /// Closes the alarms whose last flagged event is a gap or more before `now`, once per
    /// gap of event time.
    fn sweep(&mut self, alarms: &mut AlarmCounter, now: i64, gap_us: i64) {
        let due = *self.next_sweep_us.get_or_insert(now.saturating_add(gap_us));
        if now < due {
            return;
        }
        self.open_alarms.retain(|_, open| {
            let idle = !open.can_grow(now, gap_us);
            if idle {
                alarms.close(*open);
            }
            !idle
        });
        self.next_sweep_us = Some(now.saturating_add(gap_us));
    }

    /// Closes every still-open alarm into `alarms`; the actors stay flagged.
    pub(crate) fn close_open_alarms(&self, alarms: &mut AlarmCounter) {
        for alarm in self.open_alarms.values() {
            alarms.close(*alarm);
        }
    }

    /// How many actors attacked and were flagged, given which of the `attackers` (by dense
    /// index) attacked.
    pub(crate) fn tally(&self, attackers: &[bool]) -> ActorTally {
        let is_flagged = |actor: usize| {
            self.flagged
                .get(actor / 64)
                .is_some_and(|word| word & (1 << (actor % 64)) != 0)
        };
        ActorTally {
            actors: attackers.len() as u64,
            attackers: attackers.iter().filter(|&&a| a).count() as u64,
            flagged: self
                .flagged
                .iter()
                .map(|word| u64::from(word.count_ones()))
                .sum(),
            flagged_attackers: attackers
                .iter()
                .enumerate()
                .filter(|&(actor, &attacked)| attacked && is_flagged(actor))
                .count() as u64,
        }
    }

    /// Alarms open now (for tests of the bound).
    #[cfg(test)]
    pub(crate) fn open_alarms(&self) -> usize {
        self.open_alarms.len()
    }
}

/// Actors counted for the metrics: attackers have at least one attack event, flagged
/// actors at least one flagged event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActorTally {
    pub actors: u64,
    pub attackers: u64,
    pub flagged: u64,
    pub flagged_attackers: u64,
}

impl ActorTally {
    pub(crate) fn metrics(&self) -> ActorMetrics {
        ActorMetrics {
            precision: ratio(self.flagged_attackers, self.flagged),
            recall: ratio(self.flagged_attackers, self.attackers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags each row of `rows` (actor, ts) in one batch per row.
    fn flag_rows(rows: &[(u32, i64)], gap_us: i64) -> (FlaggedActors, AlarmCounter, usize) {
        let mut actors = FlaggedActors::default();
        let mut alarms = AlarmCounter::default();
        let mut most_open = 0;
        for &(actor, ts_us) in rows {
            let batch = IndexedBatch {
                is_attack: vec![actor == 0],
                ts_us: vec![ts_us],
                actor: vec![actor],
                actors: 1_000,
                ..IndexedBatch::default()
            };
            actors.on_flagged_rows(&mut alarms, &batch, &[0], gap_us);
            most_open = most_open.max(actors.open_alarms());
        }
        actors.close_open_alarms(&mut alarms);
        (actors, alarms, most_open)
    }

    #[test]
    fn idle_alarms_close_on_sweeps_and_count_as_at_the_end() {
        // 1000 actors flagged one after another, 10 time units apart, gap 100: each
        // actor's alarm can only grow for 100 units, so about 10 are open at once. Actor
        // 7 is flagged again 50 units after its first flag (same alarm) and again 500
        // units later (a second alarm).
        let mut rows: Vec<(u32, i64)> = (0..1_000)
            .map(|actor| (actor, i64::from(actor) * 10))
            .collect();
        rows.extend([(7, 120), (7, 7_020)]);
        rows.sort_by_key(|row| row.1);
        let (actors, alarms, most_open) = flag_rows(&rows, 100);
        // 1000 first alarms, actor 7's second one; the flag at 120 joins its first.
        assert_eq!(alarms.alarms(), 1_001);
        assert_eq!(alarms.true_alarms(), 1, "actor 0's alarm holds an attack");
        assert!(most_open <= 25, "{most_open} alarms open at once");
        let attackers: Vec<bool> = (0..1_000).map(|actor| actor % 2 == 0).collect();
        let tally = actors.tally(&attackers);
        assert_eq!((tally.flagged, tally.flagged_attackers), (1_000, 500));
    }
}
