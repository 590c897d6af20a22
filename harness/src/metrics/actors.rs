//! Per-actor state: whether the actor attacked, whether it was flagged, and its open
//! alarm. One small entry per distinct `actor_id`.

use super::alarms::OpenAlarm;
use super::{ActorMetrics, ratio};
use foldhash::fast::FixedState;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct ActorState {
    pub(crate) is_attacker: bool,
    pub(crate) is_flagged: bool,
    pub(crate) open_alarm: Option<OpenAlarm>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ActorTable {
    actors: HashMap<i64, ActorState, FixedState>,
}

impl ActorTable {
    pub(crate) fn state_mut(&mut self, actor_id: i64) -> &mut ActorState {
        self.actors.entry(actor_id).or_default()
    }

    /// Takes every still-open alarm, leaving none open.
    pub(crate) fn drain_open_alarms(&mut self) -> Vec<OpenAlarm> {
        self.actors
            .values_mut()
            .filter_map(|state| state.open_alarm.take())
            .collect()
    }

    pub(crate) fn metrics(&self) -> ActorMetrics {
        let states = self.actors.values();
        let attackers = states.clone().filter(|s| s.is_attacker).count() as u64;
        let flagged = states.clone().filter(|s| s.is_flagged).count() as u64;
        let flagged_attackers = states.filter(|s| s.is_attacker && s.is_flagged).count() as u64;
        ActorMetrics {
            actors: self.actors.len() as u64,
            attackers,
            flagged,
            flagged_attackers,
            precision: ratio(flagged_attackers, flagged),
            recall: ratio(flagged_attackers, attackers),
        }
    }
}
