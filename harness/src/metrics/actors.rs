//! Per-actor state of one detector: whether the actor was flagged, and its open alarm.
//! Indexed by the dense actor index of the [`LabelIndex`](super::LabelIndex), and only
//! touched by flagged events; whether an actor attacked is shared by all detectors.

use super::alarms::{AlarmCounter, OpenAlarm};
use super::labels::IndexedBatch;
use super::{ActorMetrics, ratio};
use breachlab_keys::prefetch;

/// Flagged rows ahead whose actor's open alarm is fetched into cache.
const PREFETCH_ROWS: usize = 8;

#[derive(Debug, Clone, Default)]
pub(crate) struct FlaggedActors {
    /// An actor has an open alarm from its first flagged event on, so `Some` here means
    /// "flagged"; grown to every actor seen once a batch flags any.
    open_alarms: Vec<Option<OpenAlarm>>,
}

impl FlaggedActors {
    /// Adds the flagged `rows` of `batch`, in order, to their actors' alarms. Each
    /// actor's open alarm is a random access into a table as large as the population,
    /// so the one a few flagged rows ahead is fetched into cache meanwhile.
    pub(crate) fn on_flagged_rows(
        &mut self,
        alarms: &mut AlarmCounter,
        batch: &IndexedBatch,
        rows: &[u32],
        gap_us: i64,
    ) {
        if !rows.is_empty() && self.open_alarms.len() < batch.actors {
            self.open_alarms.resize(batch.actors, None);
        }
        for (index, &row) in rows.iter().enumerate() {
            if let Some(&ahead) = rows.get(index + PREFETCH_ROWS)
                && let Some(open) = self.open_alarms.get(batch.actor[ahead as usize] as usize)
            {
                prefetch(open);
            }
            let row = row as usize;
            alarms.on_flagged(
                &mut self.open_alarms[batch.actor[row] as usize],
                batch.ts_us[row],
                batch.first_row + row as u64,
                batch.is_attack[row],
                gap_us,
            );
        }
    }

    /// Closes every still-open alarm into `alarms`; the actors stay flagged.
    pub(crate) fn close_open_alarms(&self, alarms: &mut AlarmCounter) {
        for alarm in self.open_alarms.iter().flatten() {
            alarms.close(*alarm);
        }
    }

    /// How many actors attacked and were flagged, given which of the `attackers` (by dense
    /// index) attacked.
    pub(crate) fn tally(&self, attackers: &[bool]) -> ActorTally {
        let flagged_actors = || {
            self.open_alarms
                .iter()
                .enumerate()
                .filter(|(_, alarm)| alarm.is_some())
        };
        ActorTally {
            actors: attackers.len() as u64,
            attackers: attackers.iter().filter(|&&a| a).count() as u64,
            flagged: flagged_actors().count() as u64,
            flagged_attackers: flagged_actors()
                .filter(|(actor, _)| attackers.get(*actor).copied().unwrap_or(false))
                .count() as u64,
        }
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
