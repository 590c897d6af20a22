//! The loop shared by detectors that keep state per actor (the principal when
//! authenticated, else the client IP): `fanout`, `sequential`, `not-found-ratio`, and
//! `combined`, which fuses their states into one map entry so that an event costs one
//! lookup however many signals read it.

use std::iter::repeat;

use crate::columns::{EventView, NO_TARGET, Needs};
use crate::keys::{KeyMap, NO_KEY, Sweeper};
use crate::scored::Scorer;

/// What an actor signal sees of one event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActorEvent {
    pub actor: u64,
    pub ts: i64,
    /// [`NO_TARGET`] when null or not read.
    pub target: i64,
    /// 0 when not read.
    pub status: i16,
}

/// A per-actor signal: a state per actor (`Default` being a fresh actor) and an update
/// that scores each event.
pub(crate) trait ActorSignal: Send {
    type State: Default + Send;

    /// Columns read besides `ts` and the actor.
    fn needs(&self) -> Needs;
    /// Event time between sweeps of stale states.
    fn sweep_interval(&self) -> i64;
    /// Updates `state` with `event` and scores it.
    fn observe(&mut self, state: &mut Self::State, event: &ActorEvent) -> f64;
    /// True when `state` can be dropped at `now` without changing any later score
    /// (beyond a documented negligible residue).
    fn is_stale(&self, state: &Self::State, now: i64) -> bool;
}

pub(crate) struct ActorScorer<S: ActorSignal> {
    signal: S,
    states: KeyMap<S::State>,
    sweeper: Sweeper,
}

impl<S: ActorSignal> ActorScorer<S> {
    pub fn new(signal: S) -> Self {
        let sweeper = Sweeper::every(signal.sweep_interval());
        ActorScorer {
            signal,
            states: KeyMap::default(),
            sweeper,
        }
    }

    fn sweep(&mut self, now: i64) {
        let signal = &self.signal;
        self.states.retain(|_, state| !signal.is_stale(state, now));
    }
}

impl<S: ActorSignal> Scorer for ActorScorer<S> {
    fn needs(&self) -> Needs {
        Needs {
            ts: true,
            actor: true,
            ..self.signal.needs()
        }
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let targets = view.target.iter().copied().chain(repeat(NO_TARGET));
        let statuses = view.status.iter().copied().chain(repeat(0));
        let events = view.ts.iter().zip(view.actor).zip(targets).zip(statuses);
        for (((&ts, &actor), target), status) in events {
            if self.sweeper.due(ts) {
                self.sweep(ts);
            }
            if actor == NO_KEY {
                scores.push(0.0);
                continue;
            }
            let event = ActorEvent {
                actor,
                ts,
                target,
                status,
            };
            let state = self.states.entry(actor).or_default();
            scores.push(self.signal.observe(state, &event));
        }
    }
}
