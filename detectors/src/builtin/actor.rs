//! The loop shared by detectors that keep state per actor (the principal when
//! authenticated, else the client IP): `fanout`, `sequential`, `not-found-ratio`, and
//! `combined`, which fuses their states into one map entry so that an event costs one
//! lookup however many signals read it.

use std::ops::Range;

use crate::columns::{EventView, NO_TARGET, Needs};
use crate::keys::{HugePageVec, NO_KEY, SlotTable, Sweeper, prefetch};
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

/// Which key column an [`ActorSignal`] keeps its states by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ActorKey {
    /// The principal when authenticated, else the client IP.
    #[default]
    Actor,
    /// The client IP.
    Ip,
    /// The principal when authenticated, else the API key; none for anonymous calls.
    Account,
}

impl ActorKey {
    /// The key column of `view` this names.
    #[inline]
    fn column<'a>(self, view: &EventView<'a>) -> &'a [u64] {
        match self {
            ActorKey::Actor => view.actor,
            ActorKey::Ip => view.ip,
            ActorKey::Account => view.account,
        }
    }

    fn needs(self) -> Needs {
        Needs {
            actor: self == ActorKey::Actor,
            ip: self == ActorKey::Ip,
            account: self == ActorKey::Account,
            ..Needs::default()
        }
    }
}

/// A per-actor signal: a state per actor (`Default` being a fresh actor) and an update
/// that scores each event.
pub(crate) trait ActorSignal: Send {
    type State: Default + Send;

    /// Columns read besides `ts` and the key.
    fn needs(&self) -> Needs;
    /// The column states are kept by: the actor unless the signal says otherwise.
    fn key(&self) -> ActorKey {
        ActorKey::Actor
    }
    /// Event time between sweeps of stale states.
    fn sweep_interval(&self) -> i64;
    /// Updates `state` with `event` and scores it.
    fn observe(&mut self, state: &mut Self::State, event: &ActorEvent) -> f64;
    /// True when `state` can be dropped at `now` without changing any later score
    /// (beyond a documented negligible residue).
    fn is_stale(&self, state: &Self::State, now: i64) -> bool;
    /// Sees every live state (`keys[i]` is [`NO_KEY`] where slot `i` is free) right
    /// after each sweep at `now`: a place to learn population statistics from the past
    /// alone. Nothing by default.
    fn census(&mut self, states: &[Self::State], keys: &[u64], now: i64) {
        let _ = (states, keys, now);
    }
}

/// States live in a vector indexed by a dense slot per actor. The slots of a run of rows
/// are looked up first, then each row updates its state; in both loops the entry a few
/// rows ahead is fetched into cache meanwhile, so cache misses overlap. Runs end at
/// sweeps, so a row never sees a slot freed after its lookup.
pub(crate) struct ActorScorer<S: ActorSignal> {
    signal: S,
    slots: SlotTable,
    /// In memory backed by huge pages: each row reads its actor's state at random.
    states: HugePageVec<S::State>,
    /// The actor key of each slot, [`NO_KEY`] when free.
    keys: Vec<u64>,
    free: Vec<u32>,
    sweeper: Sweeper,
    /// Slot of each row of the current run, [`NO_SLOT`] for rows without an actor.
    row_slots: Vec<u32>,
}

/// The slot of a row without an actor.
const NO_SLOT: u32 = u32::MAX;
/// Rows ahead whose state is fetched into cache while a row is scored. A fetch from
/// memory takes longer than scoring a few rows, so the fetch starts well ahead.
const PREFETCH_DISTANCE: usize = 16;
/// Rows ahead whose slot-table entry is fetched while a row's slot is looked up: a lookup
/// costs far less than scoring, so it looks further ahead (measured best at 32; 8 left
/// lookups waiting on memory).
const SLOT_PREFETCH_DISTANCE: usize = 32;

impl<S: ActorSignal> ActorScorer<S> {
    pub fn new(signal: S) -> Self {
        let sweeper = Sweeper::every(signal.sweep_interval());
        ActorScorer {
            signal,
            slots: SlotTable::default(),
            states: HugePageVec::default(),
            keys: Vec::new(),
            free: Vec::new(),
            sweeper,
            row_slots: Vec::new(),
        }
    }

    /// Drops every state that is stale at `now`, freeing its slot.
    fn sweep(&mut self, now: i64) {
        let free_before = self.free.len();
        let mut swept_keys = Vec::new();
        for (slot, key) in self.keys.iter_mut().enumerate() {
            // Fetched ahead though the walk is in order: the hardware's own prefetching
            // left the walk waiting on memory about half of its time.
            if let Some(ahead) = self.states.get(slot + PREFETCH_DISTANCE) {
                prefetch(ahead);
            }
            if *key != NO_KEY && self.signal.is_stale(&self.states[slot], now) {
                swept_keys.push(*key);
                *key = NO_KEY;
                self.states[slot] = S::State::default();
                self.free.push(slot as u32);
            }
        }
        let live = self.keys.len() - self.free.len();
        let swept_slots = &self.free[free_before..];
        forget_swept(&mut self.slots, &self.keys, live, &swept_keys, swept_slots);
        self.signal.census(&self.states, &self.keys, now);
    }

    /// The slot of `actor`, a fresh state's for an actor not seen (or swept) before.
    fn slot(&mut self, actor: u64) -> u32 {
        if actor == NO_KEY {
            return NO_SLOT;
        }
        let fresh = match self.free.last() {
            Some(&slot) => slot,
            None => self.keys.len() as u32,
        };
        let slot = self.slots.get_or_insert(actor, fresh);
        if slot == fresh {
            match self.free.pop() {
                Some(_) => self.keys[slot as usize] = actor,
                None => {
                    self.keys.push(actor);
                    self.states.push(S::State::default());
                }
            }
        }
        slot
    }

    /// Scores `rows` of `view`, a run without a sweep.
    fn score_run(&mut self, view: &EventView<'_>, rows: Range<usize>, scores: &mut Vec<f64>) {
        let mut row_slots = std::mem::take(&mut self.row_slots);
        row_slots.clear();
        let keys = self.signal.key().column(view);
        let actors = &keys[rows.clone()];
        for (offset, &actor) in actors.iter().enumerate() {
            if let Some(&ahead) = actors.get(offset + SLOT_PREFETCH_DISTANCE) {
                self.slots.prefetch(ahead);
            }
            row_slots.push(self.slot(actor));
        }
        // Scores are written in place (rows without an actor keep 0): a push per row
        // would update the vector's length through memory at every row.
        let start = scores.len();
        scores.resize(start + actors.len(), 0.0);
        let timestamps = &view.ts[rows.clone()];
        let targets = view.target.get(rows.clone());
        let statuses = view.status.get(rows);
        let rows = row_slots.iter().zip(actors).zip(timestamps);
        for (offset, ((&slot, &actor), &ts)) in rows.enumerate() {
            if let Some(&ahead) = row_slots.get(offset + PREFETCH_DISTANCE)
                && let Some(state) = self.states.get(ahead as usize)
            {
                prefetch(state);
            }
            if slot == NO_SLOT {
                continue;
            }
            let event = ActorEvent {
                actor,
                ts,
                target: targets.map_or(NO_TARGET, |targets| targets[offset]),
                status: statuses.map_or(0, |statuses| statuses[offset]),
            };
            let state = &mut self.states[slot as usize];
            scores[start + offset] = self.signal.observe(state, &event);
        }
        self.row_slots = row_slots;
    }
}

impl<S: ActorSignal> Scorer for ActorScorer<S> {
    fn needs(&self) -> Needs {
        Needs {
            ts: true,
            ..self.signal.needs()
        }
        .union(self.signal.key().needs())
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let mut run_start = 0;
        for (row, &ts) in view.ts.iter().enumerate() {
            if self.sweeper.due(ts) {
                self.score_run(view, run_start..row, scores);
                self.sweep(ts);
                run_start = row;
            }
        }
        self.score_run(view, run_start..view.ts.len(), scores);
    }
}

/// Table entries a walk of the slot table passes in the time one swept key takes to
/// remove on its own (measured at about 6 and 50 ns on a 150k-actor table).
const WALKED_ENTRIES_PER_REMOVAL: usize = 8;

/// Takes the swept keys (at `swept_slots`) out of `table`, whose `live` keys are those
/// of `keys` other than [`NO_KEY`], in the cheapest of three ways: rebuilt from the live
/// keys when most went, each removed on its own when few went, else in one walk.
fn forget_swept(
    table: &mut SlotTable,
    keys: &[u64],
    live: usize,
    swept_keys: &[u64],
    swept_slots: &[u32],
) {
    if swept_keys.len() > live {
        let live_keys = keys.iter().enumerate();
        let live_keys = live_keys.filter(|(_, key)| **key != NO_KEY);
        table.rebuild(live_keys.map(|(slot, key)| (*key, slot as u32)));
    } else if swept_keys.len() * WALKED_ENTRIES_PER_REMOVAL < table.capacity() {
        for (index, &key) in swept_keys.iter().enumerate() {
            if let Some(&ahead) = swept_keys.get(index + SLOT_PREFETCH_DISTANCE) {
                table.prefetch(ahead);
            }
            table.remove(key);
        }
    } else {
        // One bit per slot, set when swept: small enough to stay in cache while the
        // table is walked in its own order.
        let mut swept = vec![0u64; keys.len().div_ceil(64)];
        for &slot in swept_slots {
            swept[slot as usize / 64] |= 1 << (slot % 64);
        }
        table.retain_slots(|slot| swept[slot as usize / 64] & (1 << (slot % 64)) == 0);
    }
}

/// The `key` parameter of detectors that key their states by client: `"ip"`,
/// `"principal"` (the principal, else the API key) or `"both"` (one state per IP and one
/// per principal, an event scoring the higher: like two fail2ban jails or two
/// `limit_req` zones, either of which blocks).
pub(crate) fn key_choice(
    reader: &crate::params::ParamReader<'_>,
    param: &str,
) -> Result<Vec<ActorKey>, crate::DetectorError> {
    Ok(match reader.choice(param, &["ip", "principal", "both"])? {
        "ip" => vec![ActorKey::Ip],
        "principal" => vec![ActorKey::Account],
        _ => vec![ActorKey::Ip, ActorKey::Account],
    })
}

/// One [`ActorScorer`] per key column, an event scoring the highest of them.
pub(crate) struct PerKey<S: ActorSignal> {
    parts: Vec<ActorScorer<S>>,
    buffer: Vec<f64>,
}

impl<S: ActorSignal> PerKey<S> {
    pub fn new(signals: Vec<S>) -> Self {
        PerKey {
            parts: signals.into_iter().map(ActorScorer::new).collect(),
            buffer: Vec::new(),
        }
    }
}

impl<S: ActorSignal> Scorer for PerKey<S> {
    fn needs(&self) -> Needs {
        self.parts
            .iter()
            .map(Scorer::needs)
            .fold(Needs::default(), Needs::union)
    }

    fn score(&mut self, view: &EventView<'_>, scores: &mut Vec<f64>) {
        let start = scores.len();
        let Some((first, rest)) = self.parts.split_first_mut() else {
            scores.resize(start + view.rows, 0.0);
            return;
        };
        first.score(view, scores);
        for part in rest {
            self.buffer.clear();
            part.score(view, &mut self.buffer);
            for (score, &other) in scores[start..].iter_mut().zip(&self.buffer) {
                *score = score.max(other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::ops::RangeInclusive;

    use super::*;

    /// Counts an actor's events since it was last idle for more than `IDLE`; stale once
    /// idle that long, so sweeps never change a score.
    struct SessionLength;

    const IDLE: i64 = 10;

    #[derive(Default)]
    struct Session {
        events: u32,
        last_ts: i64,
    }

    impl ActorSignal for SessionLength {
        type State = Session;

        fn needs(&self) -> Needs {
            Needs::default()
        }

        fn sweep_interval(&self) -> i64 {
            IDLE
        }

        fn observe(&mut self, session: &mut Session, event: &ActorEvent) -> f64 {
            if session.events > 0 && event.ts - session.last_ts > IDLE {
                session.events = 0;
            }
            session.events += 1;
            session.last_ts = event.ts;
            f64::from(session.events)
        }

        fn is_stale(&self, session: &Session, now: i64) -> bool {
            now - session.last_ts > IDLE
        }
    }

    /// Sweeps that drop a few of many actors, about half of them, and most of them (the
    /// three ways the slot table forgets swept keys) leave every live actor's state
    /// findable: scores match a plain map's that never sweeps.
    #[test]
    fn sweeps_of_few_half_or_most_actors_keep_the_others_states() {
        let mut rows: Vec<(i64, u64)> = Vec::new();
        // Phases of 20 time units, back to back, in which some actors send an event
        // each unit. Sweeps drop 100 actors of 2,000 (few), 900 of 1,900 (about half)
        // and 1,150 of 2,250 (most). Some come back after new actors took their slots,
        // and must not find a slot the table kept for them.
        let phases: [&[RangeInclusive<u64>]; 6] = [
            &[1..=2_000],
            &[1..=1_900],
            &[1..=1_000],
            &[1..=100, 5_001..=6_000, 1_901..=1_950, 1_001..=1_050],
            &[1..=50, 6_001..=7_000, 101..=150],
            &[1..=50, 7_001..=8_000, 5_001..=5_050],
        ];
        for (phase, actors) in phases.iter().enumerate() {
            for unit in 0..20 {
                let ts = phase as i64 * 20 + unit;
                let actors = actors.iter().flat_map(|range| range.clone());
                rows.extend(actors.map(|actor| (ts, actor * 0x9e37_79b9)));
            }
        }
        let ts: Vec<i64> = rows.iter().map(|row| row.0).collect();
        let actor: Vec<u64> = rows.iter().map(|row| row.1).collect();
        let view = EventView {
            rows: rows.len(),
            ts: &ts,
            event_id: &[],
            ip: &[],
            actor: &actor,
            account: &[],
            route: &[],
            target: &[],
            status: &[],
        };
        let mut scorer = ActorScorer::new(SessionLength);
        let mut scores = Vec::new();
        scorer.score(&view, &mut scores);

        let mut reference = SessionLength;
        let mut sessions: HashMap<u64, Session> = HashMap::new();
        let expected: Vec<f64> = rows
            .iter()
            .map(|&(ts, actor)| {
                let event = ActorEvent {
                    actor,
                    ts,
                    target: NO_TARGET,
                    status: 0,
                };
                reference.observe(sessions.entry(actor).or_default(), &event)
            })
            .collect();
        assert_eq!(scores, expected);
        let slots = scorer.keys.len();
        assert!(
            slots < 3_000,
            "{slots} slots for 5,000 actors: swept ones are reused"
        );
    }
}
