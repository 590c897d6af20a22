//! Traffic sources. The generator is a set of sources merged in time order; each source
//! generates any one time slice alone, from streams keyed by (seed, source, slice).
//! Customers are one source; every attack campaign and every benign look-alike cohort
//! is another.

pub mod attacks;
pub mod cohorts;
pub mod customers;
mod shared;

pub use shared::{Emitter, Sink, World};

use crate::calendar::SLICE_US;
use crate::event::Event;

/// A source of requests.
pub trait Source: Send + Sync {
    /// Emits every event of `slice` whose timestamp falls inside it.
    fn generate(&self, world: &World, slice: u64, out: &mut Emitter<'_>);

    /// Emits the events of the consecutive slices `first..first + outs.len()`, slice
    /// `first + i` into `outs[i]`, exactly as [`Source::generate`] would one by one. A
    /// source whose units of work span slices overrides it to play each unit once.
    fn generate_run(&self, world: &World, first: u64, outs: &mut [Emitter<'_>]) {
        for (slice, out) in (first..).zip(outs.iter_mut()) {
            self.generate(world, slice, out);
        }
    }

    /// [`Source::generate_run`] for runs played one after another: `carry` holds what
    /// this source kept from the run before (if that run ended where this one starts)
    /// and takes what it keeps for the next. The events are exactly those of
    /// [`Source::generate_run`]; a source whose units of work outlast a run overrides it
    /// to hand their later events on instead of playing those units again.
    fn continue_run(&self, world: &World, first: u64, outs: &mut [Emitter<'_>], carry: &mut Carry) {
        *carry = Carry::default();
        self.generate_run(world, first, outs);
    }
}

/// How many slices before its own a unit of work (a session, a visit) lasting at most
/// `longest_us` can reach.
pub(crate) fn lookback_slices(longest_us: i64) -> u64 {
    (longest_us as f64 / SLICE_US as f64).ceil() as u64
}

/// Events a source generated past the end of a run, for the run that follows it.
#[derive(Debug, Default)]
pub struct Carry {
    /// The first slice of the run these events are for; `None` until a run has kept some.
    next_slice: Option<u64>,
    /// In the order they were generated, each with the last instant a slice may start
    /// and still keep it (as [`Emitter`]s of a run are offered events).
    events: Vec<(Event, i64)>,
}

impl Carry {
    /// The carried events if they continue a run ending just before `first`.
    pub(crate) fn take_for(&mut self, first: u64) -> Option<Vec<(Event, i64)>> {
        let Carry { next_slice, events } = std::mem::take(self);
        (next_slice == Some(first)).then_some(events)
    }

    /// Keeps `events` for the run starting at `next_slice`.
    pub(crate) fn keep(&mut self, next_slice: u64, events: Vec<(Event, i64)>) {
        *self = Carry {
            next_slice: Some(next_slice),
            events,
        };
    }
}

/// What every source carries from one run to the next (see [`Source::continue_run`]).
#[derive(Debug, Default)]
pub struct RunCarry {
    sources: Vec<Carry>,
}

/// Collects a slice's events from every source, in a deterministic order: each source's
/// [`Source::generate`], the definition that runs of slices reproduce.
pub fn generate_slice(
    world: &World,
    sources: &[Box<dyn Source>],
    slice: u64,
    events: &mut Vec<Event>,
) {
    events.clear();
    let (from_us, until_us) = (
        world.calendar.slice_start(slice),
        world.calendar.slice_start(slice + 1),
    );
    for (key, source) in sources.iter().enumerate() {
        source.generate(
            world,
            slice,
            &mut Emitter::new(events, key as u64, from_us, until_us),
        );
    }
    sort_by_time(events);
}

/// Collects the events of the consecutive slices `first..first + slices.len()` from every
/// source, each slice sorted as [`generate_slice`] sorts it. `carry` holds what sources
/// carried over from the run before (used only if that run ended just before `first`),
/// and this run refills it.
pub fn continue_run(
    world: &World,
    sources: &[Box<dyn Source>],
    first: u64,
    slices: &mut [Vec<Event>],
    carry: &mut RunCarry,
) {
    for events in slices.iter_mut() {
        events.clear();
    }
    carry.sources.resize_with(sources.len(), Carry::default);
    for (key, source) in sources.iter().enumerate() {
        let mut outs: Vec<Emitter<'_>> = (first..)
            .zip(slices.iter_mut())
            .map(|(slice, events)| {
                Emitter::new(
                    events,
                    key as u64,
                    world.calendar.slice_start(slice),
                    world.calendar.slice_start(slice + 1),
                )
            })
            .collect();
        source.continue_run(world, first, &mut outs, &mut carry.sources[key]);
    }
    for events in slices.iter_mut() {
        sort_by_time(events);
    }
}

/// Sorts by (timestamp, tie) through a permutation of small keys: events are large, so
/// each is moved once, in place, along the cycles of the permutation (no second buffer to
/// allocate and fault in for every slice).
fn sort_by_time(events: &mut [Event]) {
    let mut keys: Vec<(i64, u64, u32)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.ts_us, e.tie, i as u32))
        .collect();
    keys.sort_unstable();
    let mut source_of: Vec<u32> = keys.into_iter().map(|k| k.2).collect();
    apply_gather(events, &mut source_of);
}

/// Rearranges `items` so that position `i` holds what `items[source_of[i]]` held.
/// `source_of` must be a permutation; it is consumed (overwritten) on the way.
fn apply_gather<T: Copy>(items: &mut [T], source_of: &mut [u32]) {
    const DONE: u32 = u32::MAX;
    for start in 0..items.len() {
        if source_of[start] == DONE {
            continue;
        }
        let held = items[start];
        let mut at = start;
        loop {
            let from = source_of[at] as usize;
            source_of[at] = DONE;
            if from == start {
                items[at] = held;
                break;
            }
            items[at] = items[from];
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::apply_gather;

    #[test]
    fn gather_moves_every_item_to_its_place() {
        let items: Vec<u32> = (0..50).map(|i| i * 7 + 3).collect();
        // A permutation with fixed points, a 2-cycle and one long cycle.
        let mut source_of: Vec<u32> = (0..50).collect();
        source_of.swap(3, 9);
        source_of[10..50].rotate_left(13);
        let expected: Vec<u32> = source_of.iter().map(|&s| items[s as usize]).collect();
        let mut moved = items.clone();
        apply_gather(&mut moved, &mut source_of.clone());
        assert_eq!(moved, expected);
    }
}
