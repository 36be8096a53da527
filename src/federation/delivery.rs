//! The durable outgoing queue: every activity we send is a row per target inbox in `delivery`,
//! signed and POSTed by a pool of workers, retried with exponential backoff and jitter.
//!
//! Invariants: an activity is queued in the same transaction as the change that caused it, so
//! nothing is lost on a crash; a row is claimed with a lease (`claimed_until`) that both SQLite
//! and PostgreSQL understand, so a crashed worker's rows are taken again when the lease ends;
//! delivery is at-least-once (receivers dedupe by activity id). Signing is ours (aws-lc-rs,
//! draft-cavage), so we can read the response and honour `Retry-After`.

use super::signature;
use crate::app::AppState;
use crate::db::{Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Duration, Utc};
use http::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
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

/// Queues `activity` (which has the id `activity_id`) from the local actor to each inbox,
/// once per distinct inbox.
pub async fn enqueue(
    tx: &mut Tx,
    activity: &Value,
    activity_id: &Url,
    local_actor_id: i64,
    inboxes: &[Url],
) -> Result<()> {
    let body = serde_json::to_string(activity)?;
    let now = Utc::now();
    let distinct: BTreeSet<&Url> = inboxes.iter().collect();
    let sql = "insert into delivery (activity_id, activity, local_actor_id, inbox, inbox_host, \
               attempts, next_attempt_at, created_at) values ($1, $2, $3, $4, $5, 0, $6, $6)";
    for inbox in distinct {
        let host = inbox.host_str().unwrap_or_default();
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(activity_id.as_str())
            .bind(&body)
            .bind(local_actor_id)
            .bind(inbox.as_str())
            .bind(host)
            .bind(now)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct Claimed {
    delivery_id: i64,
    activity: String,
    local_actor_id: i64,
    inbox: String,
    attempts: i32,
    created_at: DateTime<Utc>,
}

/// Claims the most overdue delivery whose lease is free, for `lease`.
async fn claim(
    state: &AppState,
    now: DateTime<Utc>,
    lease: DateTime<Utc>,
) -> Result<Option<Claimed>> {
    let sql = "update delivery set claimed_until = $1 \
               where delivery_id = (select delivery_id from delivery \
                   where failed_at is null and next_attempt_at <= $2 \
                   and (claimed_until is null or claimed_until < $2) \
                   order by next_attempt_at, delivery_id limit 1) \
               and (claimed_until is null or claimed_until < $2) \
               returning delivery_id, activity, local_actor_id, inbox, attempts, created_at";
    Ok(with_pool!(state.db(), |pool| sqlx::query_as(sql)
        .bind(lease)
        .bind(now)
        .fetch_optional(pool)
        .await)?)
}

/// Why a send failed.
#[derive(Debug)]
enum SendError {
    /// Worth retrying (network error, 5xx, 401, 408, 429), after `retry_after` if the peer said.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help (other 4xx, 501, a refused URL).
    Permanent(String),
}

/// Sends the most overdue delivery, if any, and records the result.
pub async fn deliver_next(state: &AppState) -> Result<Outcome> {
    let federation = &state.config().federation;
    let now = Utc::now();
    let lease = now + Duration::seconds(federation.request_timeout_seconds as i64 + 30);
    let Some(row) = claim(state, now, lease).await? else {
        return Ok(Outcome::Empty);
    };
    let result = match state.actors().by_id(row.local_actor_id) {
        Some(actor) => match Url::parse(&row.inbox) {
            Ok(inbox) => send(state, actor, &inbox, row.activity.as_bytes()).await,
            Err(_) => Err(SendError::Permanent("the inbox is not a URL".to_string())),
        },
        None => Err(SendError::Permanent(
            "the sending actor no longer exists".to_string(),
        )),
    };
    let attempts = row.attempts + 1;
    match result {
        Ok(()) => {
            let sql = "delete from delivery where delivery_id = $1";
            with_pool!(state.db(), |pool| sqlx::query(sql)
                .bind(row.delivery_id)
                .execute(pool)
                .await
                .map(|_| ()))?;
            tracing::info!(inbox = %row.inbox, attempts, "delivered");
            Ok(Outcome::Delivered)
        }
        Err(SendError::Retry {
            reason,
            retry_after,
        }) => {
            let give_up_at =
                row.created_at + Duration::hours(federation.give_up_after_hours as i64);
            let wait = match retry_after {
                // Honour the peer's wish within our bounds: at least a second, at most our cap.
                Some(wait) => wait.clamp(
                    Duration::seconds(1),
                    Duration::seconds(federation.retry_max_seconds as i64),
                ),
                None => backoff(state, attempts),
            };
            let next = Utc::now() + wait;
            if next > give_up_at {
                mark_failed(
                    state,
                    row.delivery_id,
                    attempts,
                    &format!("gave up: {reason}"),
                )
                .await?;
                tracing::warn!(inbox = %row.inbox, attempts, %reason, "delivery given up");
                return Ok(Outcome::Failed);
            }
            let sql = "update delivery set attempts = $1, next_attempt_at = $2, \
                       claimed_until = null, last_error = $3 where delivery_id = $4";
            with_pool!(state.db(), |pool| sqlx::query(sql)
                .bind(attempts)
                .bind(next)
                .bind(&reason)
                .bind(row.delivery_id)
                .execute(pool)
                .await
                .map(|_| ()))?;
            tracing::info!(inbox = %row.inbox, attempts, %reason, next_attempt = %next, "delivery will be retried");
            Ok(Outcome::Retrying)
        }
        Err(SendError::Permanent(reason)) => {
            mark_failed(state, row.delivery_id, attempts, &reason).await?;
            tracing::warn!(inbox = %row.inbox, attempts, %reason, "delivery refused for good");
            Ok(Outcome::Failed)
        }
    }
}

async fn mark_failed(
    state: &AppState,
    delivery_id: i64,
    attempts: i32,
    reason: &str,
) -> Result<()> {
    let sql = "update delivery set attempts = $1, failed_at = $2, claimed_until = null, \
               last_error = $3 where delivery_id = $4";
    with_pool!(state.db(), |pool| sqlx::query(sql)
        .bind(attempts)
        .bind(Utc::now())
        .bind(reason)
        .bind(delivery_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
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

/// Signs and POSTs `body` to `inbox` as `actor`.
async fn send(
    state: &AppState,
    actor: &super::actors::SigningActor,
    inbox: &Url,
    body: &[u8],
) -> Result<(), SendError> {
    state
        .peer_policy()
        .check_url(inbox)
        .map_err(|error| SendError::Permanent(error.to_string()))?;
    let headers = signature::sign_request(
        &Method::POST,
        inbox,
        Some(body),
        &actor.key_id,
        &actor.key,
        Utc::now(),
    );
    let mut request = state
        .http()
        .post(inbox.clone())
        .header("content-type", super::ACTIVITY_CONTENT_TYPE)
        .header("accept", super::ACTIVITY_CONTENT_TYPE)
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.map_err(|error| SendError::Retry {
        reason: format!("network: {}", error_chain(&error)),
        retry_after: None,
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_retry_after);
    let reason = format!("{inbox} answered {status}");
    if is_retryable(status) {
        Err(SendError::Retry {
            reason,
            retry_after,
        })
    } else {
        Err(SendError::Permanent(reason))
    }
}

/// Mastodon's rule: 401, 408, 429 and 5xx (but 501) may pass; other 4xx cannot, and neither
/// can a redirect (an inbox that moves must be refetched from its actor).
fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 401 | 408 | 429)
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

/// `Retry-After` as seconds or an HTTP date, capped at a day.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds = match value.trim().parse::<i64>() {
        Ok(seconds) => seconds,
        Err(_) => (signature::parse_http_date(value)? - Utc::now()).num_seconds(),
    };
    Some(Duration::seconds(seconds.clamp(0, 86_400)))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Runs `workers` delivery loops until the process ends. Each sleeps while nothing is due, and
/// wakes when something is queued or after a second (retries come due by time).
pub fn spawn_workers(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    (0..state.config().federation.delivery_workers)
        .map(|_| {
            let state = state.clone();
            tokio::spawn(async move {
                loop {
                    match deliver_next(&state).await {
                        Ok(Outcome::Empty) => {
                            tokio::select! {
                                _ = state.delivery_wakeup().notified() => {}
                                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                            }
                        }
                        Ok(_) => {}
                        Err(error) => {
                            tracing::error!(error = ?error, "delivery worker");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        }
                    }
                }
            })
        })
        .collect()
}

/// Counts of the queue, for tests and operators.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_like_mastodon_does() {
        for retry in [401, 408, 429, 500, 502, 503, 504] {
            assert!(
                is_retryable(StatusCode::from_u16(retry).expect("status")),
                "{retry}"
            );
        }
        for permanent in [301, 302, 400, 403, 404, 410, 413, 422, 501] {
            assert!(
                !is_retryable(StatusCode::from_u16(permanent).expect("status")),
                "{permanent}"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("120"), Some(Duration::seconds(120)));
        assert_eq!(parse_retry_after("999999"), Some(Duration::seconds(86_400)));
        let in_a_minute = (Utc::now() + Duration::seconds(60))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let parsed = parse_retry_after(&in_a_minute).expect("date");
        assert!((55..=60).contains(&parsed.num_seconds()), "{parsed}");
        assert_eq!(parse_retry_after("soon"), None);
    }
}
