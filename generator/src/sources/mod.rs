//! Traffic sources. The generator is a set of sources merged in time order; each source
//! generates any one time slice alone, from streams keyed by (seed, source, slice).
//! Customers are one source; every attack campaign and every benign look-alike cohort
//! is another.

pub mod attacks;
pub mod cohorts;
pub mod customers;
mod shared;

pub use shared::{Emitter, Sink, World};

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
}

/// Collects a slice's events from every source, in a deterministic order.
pub fn generate_slice(
    world: &World,
    sources: &[Box<dyn Source>],
    slice: u64,
    events: &mut Vec<Event>,
) {
    generate_run(world, sources, slice, std::slice::from_mut(events));
}

/// Collects the events of the consecutive slices `first..first + slices.len()` from every
/// source, each slice sorted as [`generate_slice`] sorts it.
pub fn generate_run(
    world: &World,
    sources: &[Box<dyn Source>],
    first: u64,
    slices: &mut [Vec<Event>],
) {
    for events in slices.iter_mut() {
        events.clear();
    }
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
        source.generate_run(world, first, &mut outs);
    }
    for events in slices.iter_mut() {
        sort_by_time(events);
    }
}

/// Sorts by (timestamp, tie) through a permutation of small keys: events are large, so
/// moving each once beats moving them around inside the sort.
fn sort_by_time(events: &mut Vec<Event>) {
    let mut keys: Vec<(i64, u64, u32)> = events
        .iter()
        .enumerate()
        .map(|(i, e)| (e.ts_us, e.tie, i as u32))
        .collect();
    keys.sort_unstable();
    let sorted: Vec<Event> = keys.iter().map(|k| events[k.2 as usize]).collect();
    *events = sorted;
}
