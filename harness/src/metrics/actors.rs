//! Per-actor state of one detector: whether the actor was flagged, and its open alarm.
//! Indexed by the dense actor index of the [`LabelIndex`](super::LabelIndex), and only
//! touched by flagged events; whether an actor attacked is shared by all detectors.

use super::alarms::{AlarmCounter, OpenAlarm};
use super::{ActorMetrics, ratio};

#[derive(Debug, Clone, Default)]
pub(crate) struct FlaggedActors {
    /// An actor has an open alarm from its first flagged event on, so `Some` here means
    /// "flagged"; grown on demand up to the highest flagged actor.
    open_alarms: Vec<Option<OpenAlarm>>,
}

impl FlaggedActors {
    /// Feeds one flagged event of `actor` to its alarm.
    pub(crate) fn on_flagged(
        &mut self,
        alarms: &mut AlarmCounter,
        actor: u32,
        ts_us: i64,
        is_attack: bool,
        gap_us: i64,
    ) {
        let actor = actor as usize;
        if actor >= self.open_alarms.len() {
            self.open_alarms.resize(actor + 1, None);
        }
        alarms.on_flagged(&mut self.open_alarms[actor], ts_us, is_attack, gap_us);
    }

    /// Closes every still-open alarm into `alarms`; the actors stay flagged.
    pub(crate) fn close_open_alarms(&self, alarms: &mut AlarmCounter) {
        for alarm in self.open_alarms.iter().flatten() {
            alarms.close(*alarm);
        }
    }

    /// Actor metrics given which of the `attackers` (by dense index) attacked.
    pub(crate) fn metrics(&self, attackers: &[bool]) -> ActorMetrics {
        let flagged_actors = || {
            self.open_alarms
                .iter()
                .enumerate()
                .filter(|(_, alarm)| alarm.is_some())
        };
        let attackers_total = attackers.iter().filter(|&&a| a).count() as u64;
        let flagged = flagged_actors().count() as u64;
        let flagged_attackers = flagged_actors()
            .filter(|(actor, _)| attackers.get(*actor).copied().unwrap_or(false))
            .count() as u64;
        ActorMetrics {
            actors: attackers.len() as u64,
            attackers: attackers_total,
            flagged,
            flagged_attackers,
            precision: ratio(flagged_attackers, flagged),
            recall: ratio(flagged_attackers, attackers_total),
        }
    }
}
