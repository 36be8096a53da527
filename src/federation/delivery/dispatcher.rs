//! The delivery loop of one process: a dispatcher that claims due rows in batches (up to twice
//! the sending slots) and starts them on free slots, a task per delivery in flight, and a
//! recorder that writes results back in batches. Two budgets of slots: `delivery_workers` for
//! requests answered at the usual pace, and a larger one for requests waiting on slow hosts
//! (see [`super::pace`]). Memory stays bounded by the budgets and by how many deliveries of
//! slow hosts may wait, whatever the queue's length.

use super::pace::{Held, Pace, SLOW_BUDGET_TIMES_WORKERS};
use super::sender::{self, SendResult};
use super::{
    Job, StoredActivity, claim, leave_to_its_lease, load_activity, put_off_until, record, release,
    release_leases, renew_leases,
};
use crate::app::AppState;
use crate::db::Db;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::task::JoinHandle;

/// Most rows one claim takes.
const MAX_BATCH: usize = 256;
/// Most results written in one transaction.
const MAX_RECORD_BATCH: usize = 512;
/// Times a batch of results is written before its rows are left to their leases.
const RECORD_ATTEMPTS: u32 = 5;
/// Stored activities kept in memory (a fan-out sends one activity to many inboxes).
const ACTIVITY_CACHE: usize = 64;

/// Starts the dispatcher and the recorder of this process; returns them in that order. The
/// dispatcher returns when `stop` turns true, but never in the middle of a claim (a claim
/// cancelled after the database received it could still commit, leaving rows leased to a
/// process that is gone), and only once what it had in flight has finished; the recorder
/// returns once it has written every result.
pub fn spawn_workers(state: &AppState, stop: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let (results, received) = mpsc::channel(MAX_RECORD_BATCH * 2);
    vec![
        tokio::spawn(dispatch(state.clone(), results, stop)),
        tokio::spawn(record_results(state.clone(), received)),
    ]
}

async fn dispatch(
    state: AppState,
    results: mpsc::Sender<(Job, SendResult)>,
    mut stop: watch::Receiver<bool>,
) {
    if let Db::Sqlite(_) = state.db() {
        // One process owns an SQLite database: leases still set were left by a dead process.
        match release_leases(state.db()).await {
            Ok(released) if released > 0 => {
                tracing::info!(released, "took back deliveries of a stopped process")
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = ?error, "releasing delivery leases"),
        }
    }
    let federation = &state.config().federation;
    let workers = federation.delivery_workers as usize;
    let slow_budget = workers * SLOW_BUDGET_TIMES_WORKERS;
    let budgets = Budgets {
        usual: Arc::new(Semaphore::new(workers)),
        slow: Arc::new(Semaphore::new(slow_budget)),
        changed: Arc::new(Notify::new()),
        pace: Arc::new(Pace::new(Duration::from_secs(
            federation.request_timeout_seconds,
        ))),
    };
    let mut activities: HashMap<i64, Arc<StoredActivity>> = HashMap::new();
    // Claimed jobs not yet started. Claiming in batches (up to twice the slots) keeps the
    // claim query off the per-delivery path; claimed jobs count against their host's limit,
    // and their leases are renewed while they wait (`renewal`), so waiting cannot outlive them.
    let mut held = Held::default();
    let mut renewal = tokio::time::interval(renewal_period(&state));
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Set when the last claim found nothing: then wait for news, or until then, before claiming
    // again. A deadline, not a sleep started anew at each turn of the loop: other events (lease
    // renewals, results) must not put the next look at the queue off for ever.
    let mut idle_until: Option<tokio::time::Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        if idle_until.is_some_and(|until| until <= tokio::time::Instant::now()) {
            idle_until = None;
        }
        if idle_until.is_none() && held.usual_is_empty() && budgets.usual.available_permits() > 0 {
            let want = (workers * 2).clamp(1, MAX_BATCH);
            match claim(&state, chrono::Utc::now(), want).await {
                Ok(jobs) => {
                    if jobs.is_empty() {
                        idle_until = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                    }
                    for job in jobs {
                        held.push(job, &budgets.pace);
                    }
                    let later = held.overflow(workers * MAX_HELD_SLOW_TIMES_WORKERS);
                    if !later.is_empty() {
                        put_off(&state, &later).await;
                    }
                }
                Err(error) => {
                    tracing::error!(error = ?error, "claiming deliveries");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        // Start what may start: the usual deliveries on free usual slots, slow hosts' on the
        // slow budget, leaving room there for requests that turn slow.
        while let Ok(permit) = budgets.usual.clone().try_acquire_owned() {
            let Some(job) = held.next_usual(&budgets.pace) else {
                break;
            };
            start(
                &state,
                &budgets,
                &mut activities,
                &results,
                job,
                Slot::usual(permit),
            )
            .await;
        }
        while budgets.slow.available_permits() > workers {
            let Some(job) = held.next_slow(&budgets.pace) else {
                break;
            };
            let Ok(permit) = budgets.slow.clone().try_acquire_owned() else {
                held.push(job, &budgets.pace);
                break;
            };
            start(
                &state,
                &budgets,
                &mut activities,
                &results,
                job,
                Slot::slow(permit),
            )
            .await;
        }
        tokio::select! {
            // A request ended or moved to the slow budget.
            () = budgets.changed.notified() => {}
            () = state.delivery_wakeup().notified(), if idle_until.is_some() => idle_until = None,
            () = tokio::time::sleep_until(idle_until.unwrap_or_else(tokio::time::Instant::now)),
                if idle_until.is_some() => idle_until = None,
            _ = renewal.tick() => renew(&state).await,
            _ = stop.changed() => break,
        }
    }
    // A clean stop: what was claimed but never sent goes back at once; what is in flight
    // finishes (each request ends within its timeout) and its result is recorded, so nothing
    // that was delivered is sent again.
    hand_back(&state, &held.drain()).await;
    let timeout = Duration::from_secs(state.config().federation.request_timeout_seconds + 5);
    let usual = u32::try_from(workers).unwrap_or(u32::MAX);
    let slow = u32::try_from(slow_budget).unwrap_or(u32::MAX);
    let finished = async {
        let _usual = budgets.usual.acquire_many(usual).await;
        let _slow = budgets.slow.acquire_many(slow).await;
    };
    if tokio::time::timeout(timeout, finished).await.is_err() {
        tracing::warn!("deliveries still in flight at the stop; their leases will run out");
    }
}

/// Slow hosts' deliveries held at most, per usual slot; beyond, the newest are put off.
const MAX_HELD_SLOW_TIMES_WORKERS: usize = 8;

/// The sending budgets of one process and what the sending tasks share with the dispatcher.
struct Budgets {
    /// `delivery_workers` slots for requests answered at the usual pace.
    usual: Arc<Semaphore>,
    /// Slots for requests waiting on slow hosts (see [`super::pace`]).
    slow: Arc<Semaphore>,
    /// Told when a request ends or moves to the slow budget.
    changed: Arc<Notify>,
    pace: Arc<Pace>,
}

/// The slot a request in flight holds, of one budget or the other.
struct Slot {
    _permit: OwnedSemaphorePermit,
    /// A usual slot, which the request gives up for a slow one if it turns slow.
    usual: bool,
}

impl Slot {
    fn usual(permit: OwnedSemaphorePermit) -> Slot {
        Slot {
            _permit: permit,
            usual: true,
        }
    }

    fn slow(permit: OwnedSemaphorePermit) -> Slot {
        Slot {
            _permit: permit,
            usual: false,
        }
    }
}

/// Loads what `job` sends (or leaves it to its lease) and starts sending it in a task of its
/// own, holding `slot`.
async fn start(
    state: &AppState,
    budgets: &Budgets,
    activities: &mut HashMap<i64, Arc<StoredActivity>>,
    results: &mpsc::Sender<(Job, SendResult)>,
    job: Job,
    slot: Slot,
) {
    let activity = match activities.get(&job.outgoing_activity_id) {
        Some(activity) => activity.clone(),
        None => match load_activity(state.db(), job.outgoing_activity_id).await {
            Ok(activity) => {
                if activities.len() >= ACTIVITY_CACHE {
                    activities.clear();
                }
                let activity = Arc::new(activity);
                activities.insert(job.outgoing_activity_id, activity.clone());
                activity
            }
            Err(error) => {
                // Tried again when its lease runs out (not at once: a lasting error would
                // spin), so it is no longer ours to renew.
                tracing::error!(error = ?error, "loading an outgoing activity");
                if let Err(error) = leave_to_its_lease(state, &job).await {
                    tracing::error!(error = ?error, "leaving a delivery to its lease");
                }
                return;
            }
        },
    };
    let state = state.clone();
    let results = results.clone();
    let slow = budgets.slow.clone();
    let changed = budgets.changed.clone();
    let pace = budgets.pace.clone();
    let host = job.inbox_host.clone();
    pace.started(&host);
    tokio::spawn(async move {
        let began = Instant::now();
        let mut slot = slot;
        let result = {
            let send = sender::send(
                &state,
                activity.local_actor_id,
                &job.inbox,
                activity.body.as_bytes(),
            );
            tokio::pin!(send);
            loop {
                if !slot.usual {
                    break (&mut send).await;
                }
                let threshold = pace.threshold();
                let waited = began.elapsed();
                if waited >= threshold {
                    // It turned slow: its host waits its turn from now on, and this request
                    // waits on the slow budget, freeing its usual slot for the others.
                    pace.went_slow(&host);
                    match slow.clone().try_acquire_owned() {
                        Ok(permit) => slot = Slot::slow(permit),
                        // The slow budget is full (it should not be): it keeps its slot.
                        Err(_) => slot.usual = false,
                    }
                    changed.notify_one();
                    continue;
                }
                // Looked at again at least every quarter second: the threshold follows the answers.
                let check = (threshold - waited).min(Duration::from_millis(250));
                tokio::select! {
                    result = &mut send => break result,
                    () = tokio::time::sleep(check) => {}
                }
            }
        };
        pace.finished(
            &host,
            began.elapsed(),
            matches!(result, SendResult::Delivered),
        );
        let _ = results.send((job, result)).await;
        drop(slot);
        changed.notify_one();
    });
}

/// Renews the leases of everything this process holds, waiting or in flight, every third of a
/// lease: a lease ends only when its process has stopped renewing it (it died).
fn renewal_period(state: &AppState) -> Duration {
    Duration::from_secs(state.config().federation.delivery_lease_seconds.max(3) / 3)
}

async fn renew(state: &AppState) {
    if let Err(error) = renew_leases(state).await {
        tracing::error!(error = ?error, "renewing delivery leases");
    }
}

/// Hands back deliveries of slow hosts beyond what this process holds, due again after a request
/// timeout (about as long as a slow host takes to answer one).
async fn put_off(state: &AppState, jobs: &[Job]) {
    let until = chrono::Utc::now()
        + chrono::Duration::seconds(state.config().federation.request_timeout_seconds as i64);
    match put_off_until(state, jobs, until).await {
        Ok(put) => tracing::debug!(put, "put off deliveries to slow hosts"),
        Err(error) => tracing::error!(error = ?error, "putting off deliveries to slow hosts"),
    }
}

async fn hand_back(state: &AppState, jobs: &[Job]) {
    if jobs.is_empty() {
        return;
    }
    match release(state, jobs).await {
        Ok(released) => tracing::info!(released, "handed back deliveries not sent"),
        Err(error) => tracing::error!(error = ?error, "handing back deliveries"),
    }
}

async fn record_results(state: AppState, mut received: mpsc::Receiver<(Job, SendResult)>) {
    while let Some(first) = received.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_RECORD_BATCH {
            match received.try_recv() {
                Ok(result) => batch.push(result),
                Err(_) => break,
            }
        }
        // A write that failed (a deadlock victim, a lost connection) is tried again: its rows
        // stay leased to us meanwhile, and sending them again would be a duplicate.
        let mut attempt = 0;
        while let Err(error) = record(&state, &batch).await {
            attempt += 1;
            if attempt >= RECORD_ATTEMPTS {
                // The rows stay claimed until their lease ends, then are sent again: at least once.
                tracing::error!(error = ?error, count = batch.len(), "recording delivery results; giving up");
                break;
            }
            tracing::warn!(error = ?error, count = batch.len(), attempt, "recording delivery results; trying again");
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
        // Recorded results free per-host capacity: the dispatcher may claim more now.
        state.delivery_wakeup().notify_one();
    }
}
