//! What every source shares: the world (seed, calendar, population) and the emitter
//! that keeps only a slice's own events and numbers them for tie-breaking.

use crate::calendar::Calendar;
use crate::event::Event;
use crate::population::{IdSpace, Region};
use crate::scenario::{Scale, TrafficConfig};

/// Everything derived from (scenario, seed, scale) that sources read.
#[derive(Debug, Clone)]
pub struct World {
    pub seed: u64,
    pub scale: Scale,
    pub calendar: Calendar,
    pub ids: IdSpace,
    pub traffic: TrafficConfig,
    /// Where the customers live: the owners of residential, carrier and office addresses.
    pub region: Region,
}

impl World {
    /// What people do in `slice`, given `mean`, their average per slice over a week:
    /// `mean × daily × weekly`, the human cycles taken at the slice's midpoint.
    pub fn following_human_cycles(&self, slice: u64, mean: f64) -> f64 {
        let (c, t) = (&self.calendar, &self.traffic);
        let mid = c.slice_mid(slice);
        mean * c.daily(mid, t.peak_trough_ratio, t.peak_hour_local)
            * c.weekly(mid, t.weekend_factor)
    }
}

/// Receives a source's events for one slice.
pub struct Emitter<'a> {
    events: &'a mut Vec<Event>,
    source_key: u64,
    sequence: u64,
    pub from_us: i64,
    pub until_us: i64,
}

impl<'a> Emitter<'a> {
    pub fn new(events: &'a mut Vec<Event>, source_key: u64, from_us: i64, until_us: i64) -> Self {
        Emitter {
            events,
            source_key,
            sequence: 0,
            from_us,
            until_us,
        }
    }

    /// Whether `ts_us` falls in this slice.
    pub fn accepts(&self, ts_us: i64) -> bool {
        ts_us >= self.from_us && ts_us < self.until_us
    }

    /// Keeps `event` if it falls in this slice. Returns whether it was kept.
    pub fn emit(&mut self, event: Event) -> bool {
        Sink::emit(self, event)
    }

    /// How many events this emitter has kept.
    pub fn kept(&self) -> u64 {
        self.sequence
    }
}

/// Where a source puts the events it generates.
pub trait Sink {
    /// Keeps `event` if it belongs here. Returns whether it was kept.
    fn emit(&mut self, event: Event) -> bool;
}

impl Sink for Emitter<'_> {
    fn emit(&mut self, mut event: Event) -> bool {
        if !self.accepts(event.ts_us) {
            return false;
        }
        event.tie = (self.source_key << 40) | self.sequence;
        self.sequence += 1;
        self.events.push(event);
        true
    }
}
