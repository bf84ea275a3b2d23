//! Where a run's time goes, for `--timings`: named phases (reading a file's footer, decoding
//! its ids, matching ids, each part of scoring an era) add their elapsed time to one table
//! that the command prints at the end.
//!
//! Recording is off unless [`enable`] was called (the CLI calls it for `--timings`), so the
//! library and the Python binding pay one relaxed atomic load per phase. Phases that run on
//! several threads at once (the files are read concurrently, eras are scored in parallel)
//! add up each thread's time: their sum can exceed the wall time of the step they belong to.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Per phase name: total time and how many times it was recorded.
static TABLE: Mutex<Vec<(&'static str, Duration, u64)>> = Mutex::new(Vec::new());

/// Starts recording (for the rest of the process).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether phases are recorded.
#[inline]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Adds `elapsed` to phase `name`.
pub fn add(name: &'static str, elapsed: Duration) {
    add_many(name, elapsed, 1);
}

/// Adds `elapsed` to phase `name`, counted as `count` occurrences (a caller that summed
/// several itself).
pub fn add_many(name: &'static str, elapsed: Duration, count: u64) {
    if !enabled() {
        return;
    }
    let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    match table.iter_mut().find(|(n, _, _)| *n == name) {
        Some((_, total, n)) => {
            *total += elapsed;
            *n += count;
        }
        None => table.push((name, elapsed, count)),
    }
}

/// Runs `f` and records its time as phase `name`.
#[inline]
pub fn time<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    add(name, start.elapsed());
    out
}

/// A clock for a caller that records several parts of one loop: [`Lap::lap`] returns the
/// time since the previous lap (zero when recording is off, without reading the clock).
#[derive(Debug, Clone, Copy)]
pub struct Lap(Option<Instant>);

impl Lap {
    /// Starts the clock (if recording).
    #[inline]
    pub fn start() -> Self {
        Self(enabled().then(Instant::now))
    }

    /// Time since the start or the previous lap.
    #[inline]
    pub fn lap(&mut self) -> Duration {
        match &mut self.0 {
            Some(t) => {
                let now = Instant::now();
                let d = now - *t;
                *t = now;
                d
            }
            None => Duration::ZERO,
        }
    }
}

/// The total time of phase `name` so far (zero if never recorded).
pub fn total(name: &str) -> Duration {
    let table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    table
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or(Duration::ZERO, |(_, d, _)| *d)
}

/// Every phase recorded, in order of first recording: (name, total time, times recorded).
pub fn snapshot() -> Vec<(&'static str, Duration, u64)> {
    TABLE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_add_up_by_name_once_enabled() {
        // Before `enable`, nothing is kept (the table is process-wide: names unique to
        // this test).
        add("test: off", Duration::from_millis(5));
        assert_eq!(total("test: off"), Duration::ZERO);
        enable();
        add("test: a", Duration::from_millis(2));
        add_many("test: a", Duration::from_millis(3), 4);
        assert_eq!(time("test: b", || 7), 7);
        assert_eq!(total("test: a"), Duration::from_millis(5));
        let snap = snapshot();
        let a = snap.iter().find(|(n, _, _)| *n == "test: a").unwrap();
        assert_eq!(a.2, 5);
        assert!(snap.iter().any(|(n, _, c)| *n == "test: b" && *c == 1));
        let mut lap = Lap::start();
        assert!(lap.lap() <= lap.lap() + Duration::from_secs(1));
    }
}
