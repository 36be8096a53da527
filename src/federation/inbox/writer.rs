//! The inbox writer: one task per process that records received activities and writes their
//! effects, committing the activities of many concurrent requests in one transaction.
//!
//! SQLite has one writer at a time, and a commit costs more than the rows in it: when a burst
//! of replies arrives, one transaction per request makes every request wait for the write lock
//! (the old inbox held a pool connection per request and then asked the pool for another, so
//! eight at once locked it up). Here a request prepares its activity on no transaction and
//! hands it to the writer; the writer takes every activity waiting (up to [`MAX_BATCH`]), opens
//! one transaction, records each id (a replay is skipped) and applies each, then commits and
//! answers every request. If the batch fails, each activity is written again in a transaction
//! of its own, so one bad activity cannot fail the others and a failure leaves nothing behind.
//!
//! Invariants: the writer holds at most one connection, and nothing it runs asks for another;
//! requests that gave up waiting (the inbox timeout) are still written, and the sender's retry
//! is then a duplicate.

use crate::app::AppState;
use crate::db::{Tx, with_tx};
use crate::error::{Error, Result};
use crate::federation::activities::Effect;
use crate::federation::remote_actors::RemoteActor;
use chrono::Utc;
use tokio::sync::{mpsc, oneshot};
use url::Url;

/// The most activities written in one transaction.
pub const MAX_BATCH: usize = 64;

/// What is recorded of each received activity.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: Url,
    /// Its `type`.
    pub kind: String,
    /// Its object's id, when it has one.
    pub object: Option<Url>,
}

/// One activity to write, and where to say how it went.
struct Job {
    received: Received,
    effect: Effect,
    signer: RemoteActor,
    /// `Ok(true)` when written, `Ok(false)` when it had been received before.
    done: oneshot::Sender<Result<bool>>,
}

/// The handle requests use to hand activities to the writer task.
pub struct InboxWriter {
    jobs: mpsc::Sender<Job>,
    /// The receiving end, until [`InboxWriter::spawn`] takes it.
    waiting: std::sync::Mutex<Option<mpsc::Receiver<Job>>>,
}

impl Default for InboxWriter {
    fn default() -> Self {
        let (jobs, waiting) = mpsc::channel(MAX_BATCH * 4);
        InboxWriter {
            jobs,
            waiting: std::sync::Mutex::new(Some(waiting)),
        }
    }
}

impl InboxWriter {
    /// Records `received` (from `signer`) and writes `effect`. Returns `false` if the activity
    /// had been received before (nothing written).
    pub async fn write(
        &self,
        received: Received,
        effect: Effect,
        signer: RemoteActor,
    ) -> Result<bool> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            received,
            effect,
            signer,
            done,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| Error::Unavailable("the inbox writer has stopped".to_string()))?;
        answer
            .await
            .map_err(|_| Error::Unavailable("the inbox writer has stopped".to_string()))?
    }

    /// Starts the writer task of `state` (once; later calls return `None`).
    pub fn spawn(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
        let jobs = state.inbox_writer().waiting.lock().ok()?.take()?;
        let state = state.clone();
        Some(tokio::spawn(run(state, jobs)))
    }
}

async fn run(state: AppState, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let outcomes = match write_batch(&state, &batch).await {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            Err(error) if batch.len() == 1 => vec![Err(error)],
            Err(error) => {
                tracing::warn!(error = ?error, activities = batch.len(), "a batch of received activities failed; writing each alone");
                let mut outcomes = Vec::with_capacity(batch.len());
                for job in &batch {
                    outcomes.push(
                        write_batch(&state, std::slice::from_ref(job))
                            .await
                            .map(|written| written[0]),
                    );
                }
                outcomes
            }
        };
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            // The request may have given up (timed out); the activity is written anyway.
            let _ = job.done.send(outcome);
        }
    }
}

/// Writes `jobs` in one transaction; for each, whether it was new.
async fn write_batch(state: &AppState, jobs: &[Job]) -> Result<Vec<bool>> {
    let mut tx = state.db().begin_write().await?;
    let new = record(&mut tx, jobs).await?;
    for (job, new) in jobs.iter().zip(&new) {
        if *new {
            job.effect.apply(state, &mut tx, &job.signer).await?;
        }
    }
    tx.commit().await?;
    Ok(new)
}

/// Records the activities of `jobs` (id, type, actor, object) in one statement; for each,
/// whether it was not recorded before (the second of two jobs with one id in a batch is a
/// replay of the first).
async fn record(tx: &mut Tx, jobs: &[Job]) -> Result<Vec<bool>> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<&Job> = jobs
        .iter()
        .filter(|job| seen.insert(job.received.id.as_str()))
        .collect();
    const COLUMNS: usize = 5;
    let values: Vec<String> = (0..unique.len())
        .map(|index| {
            let first = index * COLUMNS + 1;
            let placeholders: Vec<String> =
                (first..first + COLUMNS).map(|n| format!("${n}")).collect();
            format!("({})", placeholders.join(", "))
        })
        .collect();
    let sql = format!(
        "insert into received_activity (ap_id, received_at, activity_type, actor_ap_id, \
         object_ap_id) values {} on conflict (ap_id) do nothing returning ap_id",
        values.join(", ")
    );
    let now = Utc::now();
    let inserted: Vec<String> = with_tx!(tx, |conn| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for job in &unique {
            query = query
                .bind(job.received.id.as_str())
                .bind(now)
                .bind(job.received.kind.as_str())
                .bind(job.signer.ap_id.as_str())
                .bind(job.received.object.as_ref().map(Url::as_str));
        }
        query.fetch_all(conn).await
    })?;
    let mut fresh: std::collections::HashSet<String> = inserted.into_iter().collect();
    Ok(jobs
        .iter()
        .map(|job| fresh.remove(job.received.id.as_str()))
        .collect())
}
