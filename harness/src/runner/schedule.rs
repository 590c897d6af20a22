//! Hands decoded batches to the lanes without a barrier between batches.
//!
//! Every lane must see the batches one by one and in order, but lanes share nothing, so
//! they need not wait for each other: a lane may start the next batch while another is
//! still on the previous one. Waiting for every lane at the end of each batch left one
//! thread idle while the slowest lane finished; here a worker takes whichever lane is
//! free and furthest behind, as long as its next batch has been decoded. The lanes drift
//! apart by at most [`WINDOW_BATCHES`] batches, which bounds the memory decoded batches
//! hold, and a batch is dropped once every lane has scored it.

use super::RunError;
use super::lane::{Decoded, Lane};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Decoded batches held at once: the current ones of the lanes furthest behind and
/// ahead, and the ones the reader has decoded in advance.
pub(crate) const WINDOW_BATCHES: usize = 4;

/// How often a waiting thread looks at the cancel flag.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// The batches in flight and the lanes that score them, shared by the reader and the
/// workers of one pass.
pub(crate) struct Schedule<'l> {
    state: Mutex<State<'l>>,
    changed: Condvar,
    cancel: Arc<AtomicBool>,
}

struct State<'l> {
    /// Batches some lane has yet to score; `window[0]` is batch number `first`.
    window: VecDeque<Arc<Decoded>>,
    first: usize,
    /// No batch will follow the ones in the window.
    ended: bool,
    /// Why the pass stops early.
    failure: Option<RunError>,
    lanes: Vec<LaneSlot<'l>>,
}

struct LaneSlot<'l> {
    /// The lane, or `None` while a worker scores a batch with it.
    lane: Option<&'l mut Lane>,
    /// The number of the next batch this lane scores.
    next: usize,
}

/// One batch for one lane, taken by a worker.
struct Job<'l> {
    slot: usize,
    lane: &'l mut Lane,
    batch: Arc<Decoded>,
}

impl<'l> Schedule<'l> {
    pub(crate) fn new(lanes: &'l mut [Lane], cancel: Arc<AtomicBool>) -> Self {
        let lanes = lanes
            .iter_mut()
            .map(|lane| LaneSlot {
                lane: Some(lane),
                next: 0,
            })
            .collect();
        Schedule {
            state: Mutex::new(State {
                window: VecDeque::with_capacity(WINDOW_BATCHES),
                first: 0,
                ended: false,
                failure: None,
                lanes,
            }),
            changed: Condvar::new(),
            cancel,
        }
    }

    /// Adds the next decoded batch, waiting while the window is full. Returns `false`
    /// when the pass has stopped and no more batches are wanted.
    pub(crate) fn push(&self, batch: Decoded) -> bool {
        let mut state = self.lock();
        while state.window.len() >= WINDOW_BATCHES && !self.stopped(&state) {
            state = self.wait(state);
        }
        if self.stopped(&state) {
            return false;
        }
        state.window.push_back(Arc::new(batch));
        state.drop_scored_batches();
        drop(state);
        self.changed.notify_all();
        true
    }

    /// Marks the end of the stream when dropped, or a failure when dropped by a panic,
    /// so that the workers never wait for a reader that is gone. The reader holds it.
    pub(crate) fn reader_guard(&self) -> ReaderGuard<'_, 'l> {
        ReaderGuard { schedule: self }
    }

    /// Marks the end of the stream: the reader has sent every batch.
    fn end(&self) {
        self.lock().ended = true;
        self.changed.notify_all();
    }

    /// Stops the pass with `error` (the first one reported wins).
    pub(crate) fn fail(&self, error: RunError) {
        self.lock().failure.get_or_insert(error);
        self.changed.notify_all();
    }

    /// Scores batches with whichever lane is free until every lane has scored every
    /// batch or the pass stops. Run by each worker thread.
    pub(crate) fn work(&self) {
        while let Some(job) = self.take_job() {
            job.lane.process(&job.batch);
            self.return_job(job);
        }
    }

    /// The failure or interruption that stopped the pass, if any.
    pub(crate) fn into_outcome(self) -> Result<(), RunError> {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        match state.failure {
            Some(error) => Err(error),
            None if self.cancel.load(Ordering::SeqCst) => Err(RunError::Interrupted),
            None => Ok(()),
        }
    }

    fn take_job(&self) -> Option<Job<'l>> {
        let mut state = self.lock();
        loop {
            if self.stopped(&state) || state.finished() {
                return None;
            }
            if let Some(job) = state.take_job() {
                return Some(job);
            }
            state = self.wait(state);
        }
    }

    fn return_job(&self, job: Job<'l>) {
        let mut state = self.lock();
        let slot = &mut state.lanes[job.slot];
        slot.lane = Some(job.lane);
        slot.next += 1;
        state.drop_scored_batches();
        drop(state);
        self.changed.notify_all();
    }

    fn stopped(&self, state: &State<'_>) -> bool {
        state.failure.is_some() || self.cancel.load(Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, State<'l>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'g>(&self, state: MutexGuard<'g, State<'l>>) -> MutexGuard<'g, State<'l>> {
        match self.changed.wait_timeout(state, CANCEL_POLL) {
            Ok((state, _)) => state,
            Err(poisoned) => poisoned.into_inner().0,
        }
    }
}

/// The error of a pass whose reader panicked.
pub(crate) fn reader_panicked() -> RunError {
    RunError::Refused("the dataset reader panicked".to_string())
}

/// See [`Schedule::reader_guard`].
pub(crate) struct ReaderGuard<'s, 'l> {
    schedule: &'s Schedule<'l>,
}

impl Drop for ReaderGuard<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.schedule.fail(reader_panicked());
        }
        self.schedule.end();
    }
}

impl<'l> State<'l> {
    /// The free lane furthest behind whose next batch is decoded, taken out of its slot;
    /// of lanes equally far behind, the one whose last batch took longest.
    fn take_job(&mut self) -> Option<Job<'l>> {
        let available = self.first + self.window.len();
        let slot = self
            .lanes
            .iter()
            .enumerate()
            .filter(|(_, slot)| slot.next < available)
            .filter_map(|(index, slot)| Some((index, slot.next, slot.lane.as_ref()?.last_batch)))
            .min_by_key(|&(_, next, last_batch)| (next, std::cmp::Reverse(last_batch)))
            .map(|(index, _, _)| index)?;
        let lane_slot = &mut self.lanes[slot];
        let lane = lane_slot.lane.take()?;
        let batch = Arc::clone(&self.window[lane_slot.next - self.first]);
        Some(Job { slot, lane, batch })
    }

    /// Drops the batches at the front of the window that every lane has scored.
    fn drop_scored_batches(&mut self) {
        let behind = self.lanes.iter().map(|slot| slot.next).min();
        let behind = behind.unwrap_or(self.first + self.window.len());
        while self.first < behind && self.window.pop_front().is_some() {
            self.first += 1;
        }
    }

    /// Every batch of the stream has been scored by every lane. (A batch leaves the
    /// window only once every lane has returned from it, so no lane is busy then.)
    fn finished(&self) -> bool {
        self.ended && self.window.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::TruthColumns;
    use crate::metrics::BenignScoreCollector;
    use crate::runner::lane::Sink;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use arrow_array::{Int64Array, RecordBatch};
    use breachlab_detectors::DetectorError;
    use breachlab_detectors::testing::ClosureDetector;
    use std::sync::atomic::AtomicUsize;

    const ROWS: usize = 3;

    /// Lane `me` records the first event id of each batch it scores, sleeping `delay`
    /// per batch; `progress[me]` counts its batches, and `most_ahead` how far any lane
    /// ran ahead of the slowest.
    struct Recorder {
        me: usize,
        seen: Arc<Mutex<Vec<i64>>>,
        progress: Arc<Vec<AtomicUsize>>,
        most_ahead: Arc<AtomicUsize>,
        delay: Duration,
    }

    impl Recorder {
        fn score(&self, batch: &RecordBatch, scores: &mut Vec<f64>) -> Result<(), DetectorError> {
            std::thread::sleep(self.delay);
            let ids = batch.column(0).as_primitive::<Int64Type>();
            self.seen.lock().unwrap().push(ids.value(0));
            let done = self.progress[self.me].fetch_add(1, Ordering::SeqCst);
            let slowest = self.progress.iter().map(|p| p.load(Ordering::SeqCst)).min();
            let ahead = done.saturating_sub(slowest.unwrap_or(done));
            self.most_ahead.fetch_max(ahead, Ordering::SeqCst);
            scores.resize(batch.num_rows(), 0.0);
            Ok(())
        }
    }

    struct Lanes {
        lanes: Vec<Lane>,
        seen: Vec<Arc<Mutex<Vec<i64>>>>,
        most_ahead: Arc<AtomicUsize>,
    }

    fn lanes(delays_ms: &[u64]) -> Lanes {
        let progress: Arc<Vec<AtomicUsize>> =
            Arc::new(delays_ms.iter().map(|_| AtomicUsize::new(0)).collect());
        let most_ahead = Arc::new(AtomicUsize::new(0));
        let seen: Vec<_> = delays_ms.iter().map(|_| Arc::default()).collect();
        let lanes = delays_ms
            .iter()
            .enumerate()
            .map(|(me, &delay)| {
                let recorder = Recorder {
                    me,
                    seen: Arc::clone(&seen[me]),
                    progress: Arc::clone(&progress),
                    most_ahead: Arc::clone(&most_ahead),
                    delay: Duration::from_millis(delay),
                };
                let source = ClosureDetector::new(
                    "recorder",
                    move |batch: &RecordBatch, scores: &mut Vec<f64>| recorder.score(batch, scores),
                );
                Lane::new(
                    Box::new(source),
                    Sink::Benign(BenignScoreCollector::default()),
                )
            })
            .collect();
        Lanes {
            lanes,
            seen,
            most_ahead,
        }
    }

    fn batch(number: usize) -> Decoded {
        let first = (number * ROWS) as i64;
        let ids: Vec<i64> = (first..first + ROWS as i64).collect();
        let events = RecordBatch::try_from_iter([(
            "event_id",
            Arc::new(Int64Array::from(ids.clone())) as _,
        )])
        .unwrap();
        let truth = TruthColumns {
            event_id: ids.clone(),
            ts_us: ids.clone(),
            is_attack: vec![false; ROWS],
            campaign_id: vec![None; ROWS],
            actor_id: ids,
            records_exposed: vec![0; ROWS],
        };
        Decoded::new(events, truth, None)
    }

    /// Runs `batches` batches through `lanes` on `workers` threads, as a pass does.
    fn run(lanes: &mut [Lane], batches: usize, workers: usize) -> Result<(), RunError> {
        let schedule = Schedule::new(lanes, Arc::new(AtomicBool::new(false)));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let _guard = schedule.reader_guard();
                for number in 0..batches {
                    if !schedule.push(batch(number)) {
                        return;
                    }
                }
            });
            for _ in 1..workers {
                scope.spawn(|| schedule.work());
            }
            schedule.work();
        });
        schedule.into_outcome()
    }

    fn first_ids(batches: usize) -> Vec<i64> {
        (0..batches).map(|n| (n * ROWS) as i64).collect()
    }

    #[test]
    fn every_lane_scores_every_batch_in_order() {
        for workers in [1, 2, 3, 8] {
            let mut set = lanes(&[0, 1, 0, 0, 2]);
            run(&mut set.lanes, 25, workers).unwrap();
            for seen in &set.seen {
                assert_eq!(*seen.lock().unwrap(), first_ids(25), "{workers} workers");
            }
        }
    }

    #[test]
    fn a_fast_lane_runs_ahead_of_a_slow_one_but_no_further_than_the_window() {
        let mut set = lanes(&[0, 3]);
        run(&mut set.lanes, 40, 2).unwrap();
        let ahead = set.most_ahead.load(Ordering::SeqCst);
        assert!(ahead >= 1, "the fast lane never went ahead");
        assert!(ahead <= WINDOW_BATCHES, "ran {ahead} batches ahead");
        assert_eq!(*set.seen[1].lock().unwrap(), first_ids(40));
    }

    #[test]
    fn a_pass_without_lanes_reads_to_the_end() {
        run(&mut [], 3 * WINDOW_BATCHES, 2).unwrap();
    }

    #[test]
    fn a_failure_stops_the_pass_with_its_error() {
        let mut set = lanes(&[1, 1]);
        let schedule = Schedule::new(&mut set.lanes, Arc::new(AtomicBool::new(false)));
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for number in 0..3 {
                    assert!(schedule.push(batch(number)));
                }
                schedule.fail(RunError::Refused("truncated file".into()));
                assert!(!schedule.push(batch(3)), "took a batch after the failure");
            });
            schedule.work();
        });
        let error = schedule.into_outcome().unwrap_err();
        assert!(error.to_string().contains("truncated file"), "{error}");
        for seen in &set.seen {
            assert!(seen.lock().unwrap().len() <= 3);
        }
    }

    #[test]
    fn a_reader_that_panics_stops_the_pass_instead_of_leaving_it_waiting() {
        let mut set = lanes(&[0, 0]);
        let schedule = Schedule::new(&mut set.lanes, Arc::new(AtomicBool::new(false)));
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let _guard = schedule.reader_guard();
                assert!(schedule.push(batch(0)));
                panic!("a corrupt page");
            });
            schedule.work();
            assert!(reader.join().is_err());
        });
        let error = schedule.into_outcome().unwrap_err();
        assert!(error.to_string().contains("reader panicked"), "{error}");
    }

    #[test]
    fn cancelling_stops_the_reader_and_the_workers() {
        let mut set = lanes(&[0]);
        let cancel = Arc::new(AtomicBool::new(false));
        let schedule = Schedule::new(&mut set.lanes, Arc::clone(&cancel));
        cancel.store(true, Ordering::SeqCst);
        assert!(!schedule.push(batch(0)));
        schedule.work();
        assert!(matches!(
            schedule.into_outcome(),
            Err(RunError::Interrupted)
        ));
        assert!(set.seen[0].lock().unwrap().is_empty());
    }
}
