//! The key code detectors use, from `breachlab-keys`, and the event-time clocks that
//! age their per-key state: when a sweep runs and which window an event falls in depend
//! on the events alone.

pub(crate) use breachlab_keys::{
    API_KEY_SEED, HugePageVec, IP_SEED, KeyMap, NO_KEY, PRINCIPAL_SEED, ROUTE_SEED, SlotTable,
    hash_bytes, hash_int, prefetch,
};

/// The key of one client of a shared API key: the key and the address together. Every
/// signed-out client of a web portal or an app sends the same API key, so the key alone
/// is the whole population; with its address it is one script or one household.
pub(crate) fn key_and_address(api_key: &str, address: &str) -> u64 {
    let key = hash_bytes(API_KEY_SEED, api_key.as_bytes());
    hash_bytes(hash_int(IP_SEED, key as i64), address.as_bytes())
}

/// Schedules sweeps of idle state at fixed boundaries of event time, so that when a
/// sweep happens depends on the events alone, never on how they were batched.
pub(crate) struct Sweeper {
    interval: i64,
    next_due: i64,
}

impl Sweeper {
    pub fn every(interval_micros: i64) -> Self {
        Sweeper {
            interval: interval_micros.max(1),
            next_due: i64::MIN,
        }
    }

    /// True once per interval of event time, at the first event at or past a boundary.
    #[inline]
    pub fn due(&mut self, now: i64) -> bool {
        if now < self.next_due {
            return false;
        }
        let boundary = now.div_euclid(self.interval).saturating_mul(self.interval);
        self.next_due = boundary.saturating_add(self.interval);
        true
    }
}

/// Maps timestamps to the index of their fixed window (aligned to the Unix epoch),
/// dividing only when time leaves the window seen last.
pub(crate) struct WindowClock {
    length: i64,
    index: i64,
    start: i64,
    end: i64,
}

impl WindowClock {
    pub fn new(length_micros: i64) -> Self {
        WindowClock {
            length: length_micros.max(1),
            index: 0,
            start: 0,
            end: 0,
        }
    }

    #[inline]
    pub fn index(&mut self, ts: i64) -> i64 {
        if ts < self.start || ts >= self.end {
            self.index = ts.div_euclid(self.length);
            self.start = self.index.saturating_mul(self.length);
            self.end = self.start.saturating_add(self.length);
        }
        self.index
    }

    /// The index of `ts`'s window and where `ts` lies in it, from 0 (start) to just
    /// under 1 (end).
    #[inline]
    pub fn position(&mut self, ts: i64) -> (i64, f64) {
        let index = self.index(ts);
        (index, (ts - self.start) as f64 / self.length as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeper_fires_once_per_interval_of_event_time() {
        let mut sweeper = Sweeper::every(10);
        let fired: Vec<i64> = [3, 5, 9, 10, 11, 35, 36, 40]
            .into_iter()
            .filter(|&ts| sweeper.due(ts))
            .collect();
        assert_eq!(fired, vec![3, 10, 35, 40]);
    }

    #[test]
    fn window_clock_handles_negative_time_and_going_back() {
        let mut clock = WindowClock::new(10);
        assert_eq!(clock.index(-1), -1);
        assert_eq!(clock.index(25), 2);
        assert_eq!(clock.index(19), 1);
        assert_eq!(clock.position(15), (1, 0.5));
    }
}
