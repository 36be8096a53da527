//! The delivery loop of one process: a dispatcher that claims due rows in batches (up to twice
//! the sending slots) and hands them to free slots, a task per delivery in flight (at most
//! `delivery_workers`), and a recorder
//! that writes results back in batches. Memory stays bounded by the number of slots, whatever
//! the queue's length.

use super::sender::{self, SendResult};
use super::{
    Job, StoredActivity, claim, leave_to_its_lease, load_activity, record, release, release_leases,
    renew_leases,
};
use crate::app::AppState;
use crate::db::Db;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
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
    let workers = state.config().federation.delivery_workers as usize;
    let slots = Arc::new(Semaphore::new(workers));
    let mut activities: HashMap<i64, Arc<StoredActivity>> = HashMap::new();
    // Claimed jobs waiting for a free slot. Claiming in batches (up to twice the slots) keeps
    // the claim query off the per-delivery path; claimed jobs count against their host's limit,
    // and their leases are renewed while they wait (`renewal`), so waiting cannot outlive them.
    let mut waiting: VecDeque<Job> = VecDeque::new();
    let mut renewal = tokio::time::interval(renewal_period(&state));
    renewal.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if *stop.borrow() {
            break;
        }
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit,
            _ = renewal.tick() => {
                renew(&state).await;
                continue;
            }
            _ = stop.changed() => break,
        };
        let Ok(permit) = permit else {
            break;
        };
        if waiting.is_empty() {
            let want = (workers * 2).clamp(1, MAX_BATCH);
            match claim(&state, chrono::Utc::now(), want).await {
                Ok(jobs) => waiting.extend(jobs),
                Err(error) => {
                    tracing::error!(error = ?error, "claiming deliveries");
                    drop(permit);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        let Some(job) = waiting.pop_front() else {
            drop(permit);
            tokio::select! {
                () = state.delivery_wakeup().notified() => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = renewal.tick() => renew(&state).await,
                _ = stop.changed() => break,
            }
            continue;
        };
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
                    if let Err(error) = leave_to_its_lease(&state, &job).await {
                        tracing::error!(error = ?error, "leaving a delivery to its lease");
                    }
                    continue;
                }
            },
        };
        let state = state.clone();
        let results = results.clone();
        tokio::spawn(async move {
            let result = sender::send(
                &state,
                activity.local_actor_id,
                &job.inbox,
                activity.body.as_bytes(),
            )
            .await;
            let _ = results.send((job, result)).await;
            drop(permit);
        });
    }
    // A clean stop: what was claimed but never sent goes back at once; what is in flight
    // finishes (each request ends within its timeout) and its result is recorded, so nothing
    // that was delivered is sent again.
    hand_back(&state, waiting.make_contiguous()).await;
    let in_flight = u32::try_from(workers).unwrap_or(u32::MAX);
    let timeout = Duration::from_secs(state.config().federation.request_timeout_seconds + 5);
    if tokio::time::timeout(timeout, slots.acquire_many(in_flight))
        .await
        .is_err()
    {
        tracing::warn!("deliveries still in flight at the stop; their leases will run out");
    }
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
