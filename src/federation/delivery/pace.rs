//! How fast each host answers, as this process has seen it, and which claimed delivery starts
//! next on which budget of sending slots.
//!
//! Two budgets: `delivery_workers` slots for requests that answer at the network's usual pace,
//! and a larger one for requests that have been waiting longer than [`Pace::threshold`] (a few
//! times the median answer time). A request moves to the larger budget when it passes the
//! threshold, freeing its slot at once, and its host becomes *slow*: its next deliveries start
//! only on the slow budget, one at a time, until it answers within the threshold again. So a
//! slow or silent host costs the others one threshold per request it had in flight when it
//! turned slow, not a slot for its whole timeout; it is backed off for slowness as well as,
//! through `delivery_host`, for failure.
//!
//! Invariants:
//! - A host known slow has at most one delivery in flight from this process.
//! - A slow delivery never starts on the usual budget, and it leaves `delivery_workers` slots
//!   of the slow budget free, so that a request passing the threshold can always move there.
//! - Nothing here is stored: a restart forgets it, and each process learns it for itself.

use super::Job;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// Answer times kept for the median.
const SAMPLES: usize = 256;
/// The threshold is this many times the median answer time …
const THRESHOLD_TIMES_MEDIAN: u32 = 8;
/// … and never under this (a busy network's median is a few milliseconds on loopback).
const THRESHOLD_FLOOR: Duration = Duration::from_millis(250);
/// The slow budget is this many times `delivery_workers` (a request waiting on a slow server
/// costs a connection and a few kilobytes, no CPU).
pub(super) const SLOW_BUDGET_TIMES_WORKERS: usize = 2;

/// What this process knows of how fast hosts answer; shared by the dispatcher and the tasks
/// sending.
pub(super) struct Pace {
    /// The threshold's ceiling (a quarter of the request timeout).
    ceiling: Duration,
    inner: Mutex<Speeds>,
}

#[derive(Default)]
struct Speeds {
    /// Hosts that passed the threshold and have not answered within it since.
    slow: std::collections::HashSet<String>,
    /// Requests in flight per host (hosts with none are absent).
    in_flight: HashMap<String, u32>,
    /// Recent answer times in milliseconds (a ring).
    samples: Vec<u32>,
    next_sample: usize,
    /// The threshold as last computed (`None` before any answer).
    threshold: Option<Duration>,
}

impl Pace {
    pub(super) fn new(request_timeout: Duration) -> Pace {
        Pace {
            ceiling: (request_timeout / 4).max(THRESHOLD_FLOOR),
            inner: Mutex::new(Speeds::default()),
        }
    }

    fn speeds(&self) -> std::sync::MutexGuard<'_, Speeds> {
        // A panic while holding it leaves plain counters behind; they are still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long a request may wait for its answer before it counts as slow: eight times the
    /// median of recent answers, between 250 ms and a quarter of the request timeout (the
    /// ceiling until anything has answered).
    pub(super) fn threshold(&self) -> Duration {
        self.speeds().threshold.unwrap_or(self.ceiling)
    }

    pub(super) fn is_slow(&self, host: &str) -> bool {
        self.speeds().slow.contains(host)
    }

    /// Whether a delivery to the slow `host` may start now (it has none in flight).
    fn may_start_slow(&self, host: &str) -> bool {
        !self.speeds().in_flight.contains_key(host)
    }

    /// A request to `host` starts.
    pub(super) fn started(&self, host: &str) {
        *self.speeds().in_flight.entry(host.to_string()).or_default() += 1;
    }

    /// A request to `host` has waited past the threshold.
    pub(super) fn went_slow(&self, host: &str) {
        let mut speeds = self.speeds();
        if speeds.slow.insert(host.to_string()) {
            tracing::info!(%host, threshold = ?speeds.threshold.unwrap_or(self.ceiling), "host is slow; one delivery at a time, on the slow budget");
        }
    }

    /// A request to `host` ended after `took`; `delivered` if the host accepted it.
    pub(super) fn finished(&self, host: &str, took: Duration, delivered: bool) {
        let mut speeds = self.speeds();
        if let Some(count) = speeds.in_flight.get_mut(host) {
            *count -= 1;
            if *count == 0 {
                speeds.in_flight.remove(host);
            }
        }
        if !delivered {
            return;
        }
        let threshold = speeds.threshold.unwrap_or(self.ceiling);
        if took < threshold && speeds.slow.remove(host) {
            tracing::info!(%host, ?took, "host answers in time again");
        }
        let millis = u32::try_from(took.as_millis()).unwrap_or(u32::MAX);
        if speeds.samples.len() < SAMPLES {
            speeds.samples.push(millis);
        } else {
            let at = speeds.next_sample;
            speeds.samples[at] = millis;
        }
        speeds.next_sample = (speeds.next_sample + 1) % SAMPLES;
        // Recomputed every 16 answers (a sort of 256 numbers), and at the first ones.
        if speeds.samples.len() < 16 || speeds.next_sample.is_multiple_of(16) {
            let mut sorted = speeds.samples.clone();
            sorted.sort_unstable();
            let median = Duration::from_millis(u64::from(sorted[sorted.len() / 2]));
            speeds.threshold =
                Some((median * THRESHOLD_TIMES_MEDIAN).clamp(THRESHOLD_FLOOR, self.ceiling));
        }
    }
}

/// The claimed deliveries of this process that have not started: those of hosts answering at
/// the usual pace in claim order, and those of slow hosts per host, taken in turn.
#[derive(Default)]
pub(super) struct Held {
    usual: VecDeque<Job>,
    slow: HashMap<String, VecDeque<Job>>,
    /// Slow hosts with deliveries waiting, in turn.
    turns: VecDeque<String>,
    slow_count: usize,
}

impl Held {
    /// Adds a claimed job under its host's pace.
    pub(super) fn push(&mut self, job: Job, pace: &Pace) {
        if pace.is_slow(&job.inbox_host) {
            self.push_slow(job);
        } else {
            self.usual.push_back(job);
        }
    }

    fn push_slow(&mut self, job: Job) {
        let queue = self.slow.entry(job.inbox_host.clone()).or_default();
        if queue.is_empty() {
            self.turns.push_back(job.inbox_host.clone());
        }
        queue.push_back(job);
        self.slow_count += 1;
    }

    /// Whether nothing waits for the usual budget.
    pub(super) fn usual_is_empty(&self) -> bool {
        self.usual.is_empty()
    }

    /// The next delivery for the usual budget; those whose host turned slow meanwhile move to
    /// the slow side.
    pub(super) fn next_usual(&mut self, pace: &Pace) -> Option<Job> {
        while let Some(job) = self.usual.pop_front() {
            if pace.is_slow(&job.inbox_host) {
                self.push_slow(job);
            } else {
                return Some(job);
            }
        }
        None
    }

    /// The next delivery to a slow host that has none in flight, host after host; those of
    /// hosts that answer in time again go back to the usual side.
    pub(super) fn next_slow(&mut self, pace: &Pace) -> Option<Job> {
        for _ in 0..self.turns.len() {
            let host = self.turns.pop_front()?;
            let Some(queue) = self.slow.get_mut(&host) else {
                continue;
            };
            if !pace.is_slow(&host) {
                let jobs = self.slow.remove(&host).unwrap_or_default();
                self.slow_count -= jobs.len();
                self.usual.extend(jobs);
                continue;
            }
            if !pace.may_start_slow(&host) {
                self.turns.push_back(host);
                continue;
            }
            let job = queue.pop_front();
            if queue.is_empty() {
                self.slow.remove(&host);
            } else {
                self.turns.push_back(host);
            }
            if job.is_some() {
                self.slow_count -= 1;
                return job;
            }
        }
        None
    }

    /// Takes the most recently claimed deliveries of slow hosts beyond `keep`, to be handed
    /// back for later (so that a network of slow hosts cannot fill this process's memory).
    pub(super) fn overflow(&mut self, keep: usize) -> Vec<Job> {
        let mut taken = Vec::new();
        while self.slow_count > keep {
            // The longest queue gives back its newest.
            let Some(host) = self
                .slow
                .iter()
                .max_by_key(|(_, queue)| queue.len())
                .map(|(host, _)| host.clone())
            else {
                break;
            };
            let Some(queue) = self.slow.get_mut(&host) else {
                break;
            };
            if let Some(job) = queue.pop_back() {
                taken.push(job);
                self.slow_count -= 1;
            }
            if queue.is_empty() {
                self.slow.remove(&host);
                self.turns.retain(|turn| turn != &host);
            }
        }
        taken
    }

    /// Everything held, for handing back at a stop.
    pub(super) fn drain(&mut self) -> Vec<Job> {
        let mut jobs: Vec<Job> = self.usual.drain(..).collect();
        for (_, queue) in self.slow.drain() {
            jobs.extend(queue);
        }
        self.turns.clear();
        self.slow_count = 0;
        jobs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn job(id: i64, host: &str) -> Job {
        Job {
            delivery_id: id,
            outgoing_activity_id: 1,
            inbox: format!("https://{host}/inbox"),
            inbox_host: host.to_string(),
            attempts: 0,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn the_threshold_follows_the_median_within_its_bounds() {
        let pace = Pace::new(Duration::from_secs(10));
        assert_eq!(pace.threshold(), Duration::from_millis(2500));
        for _ in 0..100 {
            pace.finished("a", Duration::from_millis(10), true);
        }
        assert_eq!(pace.threshold(), THRESHOLD_FLOOR);
        for _ in 0..SAMPLES {
            pace.finished("a", Duration::from_millis(100), true);
        }
        assert_eq!(pace.threshold(), Duration::from_millis(800));
        for _ in 0..SAMPLES {
            pace.finished("a", Duration::from_secs(1), true);
        }
        assert_eq!(pace.threshold(), Duration::from_millis(2500));
    }

    #[test]
    fn a_slow_host_waits_its_turn_one_at_a_time_and_comes_back_when_it_answers_in_time() {
        let pace = Pace::new(Duration::from_secs(10));
        let mut held = Held::default();
        pace.started("slow");
        pace.went_slow("slow");
        for id in 1..=3 {
            held.push(job(id, "slow"), &pace);
        }
        held.push(job(4, "fast"), &pace);
        assert_eq!(held.slow_count, 3);
        assert_eq!(held.next_usual(&pace).map(|j| j.delivery_id), Some(4));
        assert!(held.next_usual(&pace).is_none());
        // One in flight: the next waits.
        assert!(held.next_slow(&pace).is_none());
        pace.finished("slow", Duration::from_secs(9), true);
        assert_eq!(held.next_slow(&pace).map(|j| j.delivery_id), Some(1));
        pace.started("slow");
        assert!(held.next_slow(&pace).is_none());
        // It answers in time: what waits goes back to the usual side.
        pace.finished("slow", Duration::from_millis(100), true);
        assert!(!pace.is_slow("slow"));
        assert!(held.next_slow(&pace).is_none());
        assert_eq!(held.slow_count, 0);
        let usual: Vec<i64> = std::iter::from_fn(|| held.next_usual(&pace))
            .map(|j| j.delivery_id)
            .collect();
        assert_eq!(usual, [2, 3]);
    }

    #[test]
    fn slow_hosts_take_turns_and_overflow_is_taken_from_the_back() {
        let pace = Pace::new(Duration::from_secs(10));
        let mut held = Held::default();
        for host in ["a", "b"] {
            pace.went_slow(host);
        }
        for id in 1..=4 {
            held.push(job(id, if id % 2 == 1 { "a" } else { "b" }), &pace);
        }
        let taken = held.overflow(2);
        assert_eq!(taken.len(), 2);
        assert_eq!(held.slow_count, 2);
        let first = held.next_slow(&pace).expect("a job");
        pace.started(&first.inbox_host);
        let second = held.next_slow(&pace).expect("another host's job");
        assert_ne!(first.inbox_host, second.inbox_host);
        assert_eq!(held.drain().len(), 0);
    }
}
