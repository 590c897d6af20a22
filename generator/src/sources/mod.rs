//! Traffic sources. The generator is a set of sources merged in time order; each source
//! generates any one time slice alone, from streams keyed by (seed, source, slice).
//! Customers are one source; every attack campaign and every benign look-alike cohort
//! is another.

pub mod attacks;
pub mod cohorts;
pub mod customers;
mod shared;

pub use shared::{Emitter, World};

use crate::event::Event;

/// A source of requests.
pub trait Source: Send + Sync {
    /// Emits every event of `slice` whose timestamp falls inside it.
    fn generate(&self, world: &World, slice: u64, out: &mut Emitter<'_>);
}

/// Collects a slice's events from every source, in a deterministic order.
pub fn generate_slice(
    world: &World,
    sources: &[Box<dyn Source>],
    slice: u64,
    events: &mut Vec<Event>,
) {
    events.clear();
    for (key, source) in sources.iter().enumerate() {
        let mut out = Emitter::new(
            events,
            key as u64,
            world.calendar.slice_start(slice),
            world.calendar.slice_start(slice + 1),
        );
        source.generate(world, slice, &mut out);
    }
    sort_by_time(events);
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
