//! The durable outgoing queue. Every activity we send is stored once (`outgoing_activity`) with
//! one `delivery` row per target inbox; a dispatcher claims due rows in batches, a bounded pool
//! of tasks signs and POSTs them, and the results are written back in batches.
//!
//! Invariants:
//! - An activity is queued in the same transaction as the change that caused it, so nothing is
//!   lost on a crash, and delivery is at-least-once (receivers dedupe by activity id).
//! - A row is claimed with a lease (`claimed_until`) that both SQLite and PostgreSQL
//!   understand: two workers or two processes never hold the same row at once, and the rows of
//!   a crashed process are taken again when their lease ends. A live process renews the leases
//!   of all it holds, so only a dead one's run out.
//! - Claims skip locked rows (PostgreSQL) and result writes lock hosts by name, then deliveries
//!   by id: no two writers wait on each other in a cycle.
//! - A host's wait grows with how long it has been failing, not with how many deliveries
//!   failed; when it answers again, its whole queue is due.
//! - A host (host and port, as in the `Host` header) gets at most `per_host_concurrency`
//!   deliveries at a time, and a host that keeps
//!   failing (`delivery_host`) is retried as a whole, slowly, while others go on.
//! - A fan-out is queued host after host (the first inbox of every host before the second of
//!   any), and a claim leaves out hosts in backoff or at their limit before it takes its window
//!   of due rows: one host's backlog cannot hide the others'.
//! - A host that answers slowly holds no slot of the usual budget (`pace`).
//! - Signing is ours (aws-lc-rs, draft-cavage), so we read responses and honour `Retry-After`.

mod dispatcher;
mod pace;
mod sender;
#[cfg(test)]
mod tests;

pub use dispatcher::spawn_workers;

use crate::app::AppState;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use sender::SendResult;
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// What one call of [`deliver_next`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A delivery succeeded.
    Delivered,
    /// A delivery failed and was rescheduled.
    Retrying,
    /// A delivery failed for good (a permanent refusal or too old) and was marked failed.
    Failed,
    /// Nothing was due.
    Empty,
}

/// Rows per multi-row insert (2 parameters each, far below both databases' limits).
const INSERT_CHUNK: usize = 500;

/// Consecutive failures after which a host is retried as a whole, with its own backoff.
const HOST_FAILURES_BEFORE_BACKOFF: i32 = 3;

/// Stores `activity` (whose id is `activity_id`, sent by the local actor) once and queues it
/// for each distinct inbox. `public` activities may be served at their id.
pub async fn enqueue(
    tx: &mut Tx,
    activity: &Value,
    activity_id: &Url,
    local_actor_id: i64,
    public: bool,
    inboxes: &[Url],
) -> Result<()> {
    let now = Utc::now();
    let body = serde_json::to_string(activity)?;
    let sql = "insert into outgoing_activity (ap_id, local_actor_id, body, is_public, created_at) \
               values ($1, $2, $3, $4, $5) returning outgoing_activity_id";
    let outgoing_activity_id: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(activity_id.as_str())
        .bind(local_actor_id)
        .bind(&body)
        .bind(public)
        .bind(now)
        .fetch_one(conn)
        .await)?;
    let distinct = interleave_hosts(inboxes);
    for chunk in distinct.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "insert into delivery (outgoing_activity_id, inbox, inbox_host, attempts, \
             next_attempt_at, created_at) values ",
        );
        for index in 0..chunk.len() {
            let first = index * 2 + 3;
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${first}, ${}, 0, $2, $2)", first + 1));
        }
        with_tx!(tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(outgoing_activity_id)
                .bind(now);
            for (inbox, host) in chunk {
                query = query.bind(inbox.as_str()).bind(host.as_str());
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The distinct `inboxes` with their hosts (as in the `Host` header), the first of every host
/// before the second of any: rows are claimed in this order, so a window of them spans many
/// hosts even when one host has most of the followers.
fn interleave_hosts(inboxes: &[Url]) -> Vec<(&Url, String)> {
    let mut seen = std::collections::HashSet::with_capacity(inboxes.len());
    let mut rank_in_host: std::collections::HashMap<String, usize> =
        std::collections::HashMap::new();
    let mut ranked: Vec<(usize, usize, &Url, String)> = inboxes
        .iter()
        .filter(|inbox| seen.insert(inbox.as_str()))
        .enumerate()
        .map(|(position, inbox)| {
            let host = crate::federation::signature::host_header(inbox);
            let rank = rank_in_host.entry(host.clone()).or_default();
            *rank += 1;
            (*rank, position, inbox, host)
        })
        .collect();
    ranked.sort_unstable_by_key(|(rank, position, _, _)| (*rank, *position));
    ranked
        .into_iter()
        .map(|(_, _, inbox, host)| (inbox, host))
        .collect()
}

/// A claimed delivery.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Job {
    delivery_id: i64,
    outgoing_activity_id: i64,
    inbox: String,
    inbox_host: String,
    attempts: i32,
    created_at: DateTime<Utc>,
}

/// How many due rows one claim looks at per row it wants (the per-host ranking runs over
/// these), and at most. Hosts at their limit are left out before, so a small window suffices.
const CLAIM_WINDOW_PER_ROW: usize = 8;
const MAX_CLAIM_WINDOW: usize = 2000;

/// Claims up to `limit` due deliveries: oldest first, at most `per_host_concurrency` in flight
/// per host (counting other workers' and processes' claims), none for a host in backoff.
/// Hosts in backoff or at their limit are left out before the window of due rows is taken,
/// so a dead or busy host's backlog, however long, cannot hide the rows behind it.
///
/// On PostgreSQL the rows are locked `for update skip locked` before they are claimed, so a
/// claim never waits for a row another process is recording (and so cannot deadlock with it):
/// it takes the others. SQLite has one writer at a time and needs no row locks.
async fn claim(state: &AppState, now: DateTime<Utc>, limit: usize) -> Result<Vec<Job>> {
    let federation = &state.config().federation;
    let lease = now + Duration::seconds(federation.delivery_lease_seconds as i64);
    let lock = match state.db() {
        Db::Postgres(_) => "for update skip locked",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "with busy as ( \
            select inbox_host, count(*) as in_flight from delivery \
            where claimed_until > $1 group by inbox_host), \
        due as ( \
            select d.delivery_id, d.inbox_host, d.next_attempt_at from delivery d \
            where d.failed_at is null and d.next_attempt_at <= $1 \
            and (d.claimed_until is null or d.claimed_until <= $1) \
            and not exists (select 1 from delivery_host h \
                where h.host = d.inbox_host and h.next_attempt_at > $1) \
            and not exists (select 1 from busy \
                where busy.inbox_host = d.inbox_host and busy.in_flight >= $3) \
            order by d.next_attempt_at, d.delivery_id limit $4), \
        ranked as ( \
            select due.delivery_id, due.next_attempt_at, \
            row_number() over (partition by due.inbox_host order by due.next_attempt_at, due.delivery_id) \
                + coalesce(busy.in_flight, 0) as slot \
            from due left join busy on busy.inbox_host = due.inbox_host), \
        picked as ( \
            select delivery_id from ranked where slot <= $3 \
            order by slot, next_attempt_at, delivery_id limit $5), \
        locked as ( \
            select delivery_id from delivery where delivery_id in (select delivery_id from picked) \
            and (claimed_until is null or claimed_until <= $1) {lock}) \
        update delivery set claimed_until = $2, claimed_by = $6 \
        where delivery_id in (select delivery_id from locked) \
        returning delivery_id, outgoing_activity_id, inbox, inbox_host, attempts, created_at"
    );
    let per_host = i64::from(federation.per_host_concurrency);
    let window = (limit.saturating_mul(CLAIM_WINDOW_PER_ROW)).clamp(64, MAX_CLAIM_WINDOW);
    let window = i64::try_from(window).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(with_pool!(state.db(), |pool| sqlx::query_as(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(now)
    .bind(lease)
    .bind(per_host)
    .bind(window)
    .bind(limit)
    .bind(state.process_token())
    .fetch_all(pool)
    .await)?)
}

/// Extends the lease of every delivery this process holds (waiting for a slot or in flight).
pub(crate) async fn renew_leases(state: &AppState) -> Result<u64> {
    let lease =
        Utc::now() + Duration::seconds(state.config().federation.delivery_lease_seconds as i64);
    let sql = "update delivery set claimed_until = $1 \
               where claimed_by = $2 and claimed_until is not null";
    Ok(with_pool!(state.db(), |pool| sqlx::query(sql)
        .bind(lease)
        .bind(state.process_token())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Stops renewing the lease of `job`, which is then taken again when its lease runs out.
pub(crate) async fn leave_to_its_lease(state: &AppState, job: &Job) -> Result<()> {
    let sql = "update delivery set claimed_by = null where delivery_id = $1 and claimed_by = $2";
    with_pool!(state.db(), |pool| sqlx::query(sql)
        .bind(job.delivery_id)
        .bind(state.process_token())
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Hands back claimed `jobs` that were not sent, for the next claim to take.
pub(crate) async fn release(state: &AppState, jobs: &[Job]) -> Result<u64> {
    unclaim(state, jobs, None).await
}

/// Hands back claimed `jobs` that were not sent, due again at `until` (not an attempt).
pub(crate) async fn put_off_until(
    state: &AppState,
    jobs: &[Job],
    until: DateTime<Utc>,
) -> Result<u64> {
    unclaim(state, jobs, Some(until)).await
}

async fn unclaim(state: &AppState, jobs: &[Job], until: Option<DateTime<Utc>>) -> Result<u64> {
    let mut released = 0;
    for chunk in jobs.chunks(INSERT_CHUNK) {
        let placeholders: Vec<String> = (3..chunk.len() + 3)
            .map(|index| format!("${index}"))
            .collect();
        let sql = format!(
            "update delivery set claimed_until = null, claimed_by = null, \
             next_attempt_at = coalesce($2, next_attempt_at) \
             where claimed_by = $1 and delivery_id in ({})",
            placeholders.join(", ")
        );
        released += with_pool!(state.db(), |pool| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(state.process_token())
                .bind(until);
            for job in chunk {
                query = query.bind(job.delivery_id);
            }
            query.execute(pool).await.map(|done| done.rows_affected())
        })?;
    }
    Ok(released)
}

/// The stored activity a job sends: its sender and body.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct StoredActivity {
    local_actor_id: i64,
    body: String,
}

async fn load_activity(db: &Db, outgoing_activity_id: i64) -> Result<StoredActivity> {
    let sql = "select local_actor_id, body from outgoing_activity where outgoing_activity_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(outgoing_activity_id)
        .fetch_one(pool)
        .await)?)
}

/// What one batch of results says of a host.
#[derive(Debug, Clone, Copy)]
enum HostNews<'a> {
    /// At least one delivery to it succeeded: it is up.
    Up,
    /// Its deliveries failed because of the host itself (`failures` of them).
    Down {
        failures: i32,
        reason: &'a str,
        retry_after: Option<Duration>,
    },
}

/// Writes the results of sent jobs in one transaction. Returns what happened to each.
///
/// Every writer takes its locks in one order: the hosts' rows by name, then the deliveries'
/// rows by id. (A claim on PostgreSQL skips locked rows, so it never waits on a recorder.)
async fn record(state: &AppState, results: &[(Job, SendResult)]) -> Result<Vec<Outcome>> {
    let federation = &state.config().federation;
    let now = Utc::now();
    let mut hosts: BTreeMap<&str, HostNews<'_>> = BTreeMap::new();
    for (job, result) in results {
        let host = job.inbox_host.as_str();
        match result {
            SendResult::Delivered => {
                hosts.insert(host, HostNews::Up);
            }
            SendResult::Retry {
                reason,
                retry_after,
                host_down: true,
            } => match hosts.entry(host).or_insert(HostNews::Down {
                failures: 0,
                reason,
                retry_after: None,
            }) {
                HostNews::Up => {}
                HostNews::Down {
                    failures,
                    retry_after: latest,
                    ..
                } => {
                    *failures += 1;
                    *latest = (*latest).max(*retry_after);
                }
            },
            _ => {}
        }
    }
    let mut tx = state.db().begin().await?;
    let mut gates: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    let mut recovered = Vec::new();
    for (host, news) in &hosts {
        match news {
            HostNews::Up => {
                if host_up(&mut tx, host).await? {
                    recovered.push(*host);
                }
            }
            HostNews::Down {
                failures,
                reason,
                retry_after,
            } => {
                let gate =
                    host_down(state, &mut tx, host, *failures, reason, *retry_after, now).await?;
                gates.insert(host, gate);
            }
        }
    }
    let mut order: Vec<&(Job, SendResult)> = results.iter().collect();
    order.sort_by_key(|(job, _)| job.delivery_id);
    let mut outcomes = std::collections::HashMap::with_capacity(results.len());
    let mut delivered = Vec::new();
    for (job, result) in order {
        let attempts = job.attempts + 1;
        let outcome = match result {
            SendResult::Delivered => {
                delivered.push(job.delivery_id);
                Outcome::Delivered
            }
            SendResult::Retry {
                reason,
                retry_after,
                host_down,
            } => {
                let asked = retry_after.map(|wait| {
                    // The peer's wish, within our bounds: at least a second, at most our cap.
                    now + wait.clamp(
                        Duration::seconds(1),
                        Duration::seconds(federation.retry_max_seconds as i64),
                    )
                });
                let next = if *host_down {
                    // The host failed, not this delivery: it waits for the host (whose wait
                    // grows with the outage), not for a backoff of its own that would keep
                    // growing with every round of retries.
                    let own = now + backoff(state, 1);
                    let gate = gates.get(job.inbox_host.as_str()).copied().unwrap_or(now);
                    own.max(gate).max(asked.unwrap_or(now))
                } else {
                    asked.unwrap_or_else(|| now + backoff(state, attempts))
                };
                let give_up_at =
                    job.created_at + Duration::hours(federation.give_up_after_hours as i64);
                if next > give_up_at {
                    mark_failed(
                        &mut tx,
                        job.delivery_id,
                        attempts,
                        &format!("gave up: {reason}"),
                        now,
                    )
                    .await?;
                    tracing::warn!(inbox = %job.inbox, attempts, %reason, "delivery given up");
                    Outcome::Failed
                } else {
                    let sql = "update delivery set attempts = $1, next_attempt_at = $2, \
                               claimed_until = null, last_error = $3 where delivery_id = $4";
                    with_tx!(&mut tx, |conn| sqlx::query(sql)
                        .bind(attempts)
                        .bind(next)
                        .bind(reason)
                        .bind(job.delivery_id)
                        .execute(conn)
                        .await
                        .map(|_| ()))?;
                    tracing::debug!(inbox = %job.inbox, attempts, %reason, next_attempt = %next, "delivery will be retried");
                    Outcome::Retrying
                }
            }
            SendResult::Permanent(reason) => {
                mark_failed(&mut tx, job.delivery_id, attempts, reason, now).await?;
                tracing::warn!(inbox = %job.inbox, attempts, %reason, "delivery refused for good");
                Outcome::Failed
            }
        };
        outcomes.insert(job.delivery_id, outcome);
    }
    for chunk in delivered.chunks(INSERT_CHUNK) {
        let placeholders: Vec<String> =
            (1..=chunk.len()).map(|index| format!("${index}")).collect();
        let sql = format!(
            "delete from delivery where delivery_id in ({})",
            placeholders.join(", ")
        );
        with_tx!(&mut tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    if !delivered.is_empty() {
        tracing::info!(delivered = delivered.len(), "deliveries recorded");
    }
    for host in recovered {
        release_host(state, host, now).await;
    }
    Ok(results
        .iter()
        .map(|(job, _)| outcomes[&job.delivery_id])
        .collect())
}

/// Forgets the failures of `host`, which answered; `true` if it had failed before.
async fn host_up(tx: &mut Tx, host: &str) -> Result<bool> {
    let sql = "delete from delivery_host where host = $1 returning failures";
    let failures: Option<i32> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(host)
        .fetch_optional(conn)
        .await)?;
    Ok(failures.is_some())
}

/// A host that came back gets its queue now: deliveries that waited out its outage are due.
/// (Outside the results' transaction; if it fails, they go at their own time.)
async fn release_host(state: &AppState, host: &str, now: DateTime<Utc>) {
    let sql = "update delivery set next_attempt_at = $1 where inbox_host = $2 \
               and failed_at is null and next_attempt_at > $1 \
               and (claimed_until is null or claimed_until <= $1)";
    let released = with_pool!(state.db(), |pool| sqlx::query(sql)
        .bind(now)
        .bind(host)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()));
    match released {
        Ok(0) => {}
        Ok(released) => tracing::info!(%host, released, "host is back; its queue is due"),
        Err(error) => tracing::warn!(%host, error = ?error, "making a recovered host's queue due"),
    }
}

async fn mark_failed(
    tx: &mut Tx,
    delivery_id: i64,
    attempts: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "update delivery set attempts = $1, failed_at = $2, claimed_until = null, \
               last_error = $3 where delivery_id = $4";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(attempts)
        .bind(now)
        .bind(reason)
        .bind(delivery_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Counts `failures` more of `host`; from the third in a row on, the whole host waits, for a
/// time that grows with how long it has been failing (half of it, between
/// `retry_initial_seconds` and `retry_max_seconds`), however many deliveries failed meanwhile,
/// and at least as long as it asked (`Retry-After`). Returns when the host may be tried again.
async fn host_down(
    state: &AppState,
    tx: &mut Tx,
    host: &str,
    failures: i32,
    reason: &str,
    retry_after: Option<Duration>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let sql = "insert into delivery_host (host, failures, next_attempt_at, unreachable_since, last_error) \
               values ($1, $2, $3, $3, $4) \
               on conflict (host) do update set failures = delivery_host.failures + excluded.failures, \
               last_error = excluded.last_error \
               returning failures, unreachable_since, next_attempt_at";
    let (total, since, gate): (i32, DateTime<Utc>, DateTime<Utc>) =
        with_tx!(tx, |conn| sqlx::query_as(sql)
            .bind(host)
            .bind(failures)
            .bind(now)
            .bind(reason)
            .fetch_one(conn)
            .await)?;
    if total < HOST_FAILURES_BEFORE_BACKOFF {
        return Ok(gate);
    }
    let asked = retry_after.map_or(now, |wait| now + wait);
    let next = gate.max(now + host_wait(state, now - since)).max(asked);
    let sql = "update delivery_host set next_attempt_at = $1 where host = $2";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(next)
        .bind(host)
        .execute(conn)
        .await
        .map(|_| ()))?;
    if total - failures < HOST_FAILURES_BEFORE_BACKOFF {
        tracing::warn!(%host, %reason, next_attempt = %next, "host unreachable; retrying it slowly");
    }
    Ok(next)
}

/// How long a host that has been failing for `outage` waits before it is tried again: half
/// the outage, between `retry_initial_seconds` and `retry_max_seconds`, ±20 % jitter. So a
/// host that comes back is tried again within half as long as it was away (at most the cap).
fn host_wait(state: &AppState, outage: Duration) -> Duration {
    let federation = &state.config().federation;
    let half = outage.num_milliseconds().max(0) as f64 / 2000.0;
    let base = half.clamp(
        federation.retry_initial_seconds as f64,
        federation.retry_max_seconds as f64,
    );
    let jitter: f64 = rand::random_range(0.8..1.2);
    Duration::milliseconds((base * 1000.0 * jitter) as i64)
}

/// `retry_initial_seconds × 2^(attempts-1)`, capped at `retry_max_seconds`, ±20 % jitter so
/// that many failures at once do not retry in lockstep.
fn backoff(state: &AppState, attempts: i32) -> Duration {
    let federation = &state.config().federation;
    let exponent = attempts.saturating_sub(1).clamp(0, 30) as u32;
    let base = federation
        .retry_initial_seconds
        .saturating_mul(1u64 << exponent)
        .min(federation.retry_max_seconds) as f64;
    let jitter: f64 = rand::random_range(0.8..1.2);
    Duration::milliseconds((base * 1000.0 * jitter) as i64)
}

/// Sends the most overdue delivery, if any, and records the result (for tests and tools that
/// want to drain the queue step by step).
pub async fn deliver_next(state: &AppState) -> Result<Outcome> {
    let Some(job) = claim(state, Utc::now(), 1).await?.pop() else {
        return Ok(Outcome::Empty);
    };
    let activity = load_activity(state.db(), job.outgoing_activity_id).await?;
    let result = sender::send(
        state,
        activity.local_actor_id,
        &job.inbox,
        activity.body.as_bytes(),
    )
    .await;
    let outcomes = record(state, &[(job, result)]).await?;
    outcomes
        .first()
        .copied()
        .ok_or_else(|| Error::internal("no outcome recorded"))
}

/// Hands back the deliveries this process claimed but did not finish (at a clean stop), so
/// that another process, or this one restarted, takes them at once.
pub async fn release_mine(state: &AppState) -> Result<u64> {
    let sql = "update delivery set claimed_until = null, claimed_by = null where claimed_by = $1";
    Ok(with_pool!(state.db(), |pool| sqlx::query(sql)
        .bind(state.process_token())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Frees every lease. Only for SQLite at start-up: one process owns an SQLite database, so a
/// lease still set was left by a process that died.
pub async fn release_leases(db: &Db) -> Result<u64> {
    let sql = "update delivery set claimed_until = null where claimed_until is not null";
    Ok(with_pool!(db, |pool| sqlx::query(sql)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Counts of the whole queue.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueCounts {
    pub pending: i64,
    pub failed: i64,
}

/// How many deliveries are pending and failed.
pub async fn counts(state: &AppState) -> Result<QueueCounts> {
    let sql = "select coalesce(sum(case when failed_at is null then 1 else 0 end), 0) as pending, \
               coalesce(sum(case when failed_at is null then 0 else 1 end), 0) as failed from delivery";
    Ok(with_pool!(state.db(), |pool| sqlx::query_as(sql)
        .fetch_one(pool)
        .await)?)
}

/// The queue of one host, for `jisr queue status`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct HostStatus {
    pub host: String,
    pub pending: i64,
    pub failed: i64,
    /// Since when the host has kept failing, when it has.
    pub unreachable_since: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Pending and failed deliveries per host, and which hosts are unreachable.
pub async fn status(db: &Db) -> Result<Vec<HostStatus>> {
    let sql = "select q.host, q.pending, q.failed, h.unreachable_since, h.next_attempt_at, \
               coalesce(h.last_error, q.last_error) as last_error from ( \
                 select inbox_host as host, \
                 sum(case when failed_at is null then 1 else 0 end) as pending, \
                 sum(case when failed_at is null then 0 else 1 end) as failed, \
                 max(last_error) as last_error \
                 from delivery group by inbox_host) q \
               left join delivery_host h on h.host = q.host and h.failures >= $1 \
               order by q.pending desc, q.host";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(HOST_FAILURES_BEFORE_BACKOFF)
        .fetch_all(pool)
        .await)?)
}

/// Withdraws the earlier activities about a deleted object (its `Create` and `Update`s, whose
/// ids start with `prefix`): their bodies are erased, they are no longer served, and their
/// deliveries not yet made are cancelled. `keep` (the `Delete`) is left alone.
pub async fn withdraw(tx: &mut Tx, prefix: &str, keep: &Url) -> Result<u64> {
    let pattern = format!("{}%", prefix.replace('%', "\\%").replace('_', "\\_"));
    let sql = "delete from delivery where outgoing_activity_id in (select outgoing_activity_id \
               from outgoing_activity where ap_id like $1 escape '\\' and ap_id <> $2)";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(&pattern)
        .bind(keep.as_str())
        .execute(conn)
        .await
        .map(|_| ()))?;
    let sql = "update outgoing_activity set body = '{}', is_public = $3 \
               where ap_id like $1 escape '\\' and ap_id <> $2";
    let withdrawn = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(&pattern)
        .bind(keep.as_str())
        .bind(false)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(withdrawn)
}

/// Cancels every delivery not yet made to an inbox on `domain` or a subdomain of it (the
/// domain was blocked), in `tx`. Returns how many.
pub async fn cancel_domain(tx: &mut Tx, domain: &str) -> Result<u64> {
    crate::domain::policy::on_domain(
        tx,
        "delete from delivery where {on_domain}",
        "inbox",
        domain,
    )
    .await
}

/// A stored public activity by id, to serve at its URL.
pub async fn public_activity(db: &Db, ap_id: &str) -> Result<Value> {
    let sql = "select body from outgoing_activity where ap_id = $1 and is_public = $2";
    let body: String = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(ap_id)
        .bind(true)
        .fetch_one(pool)
        .await)?;
    Ok(serde_json::from_str(&body)?)
}
