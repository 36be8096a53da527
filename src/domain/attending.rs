//! Our members taking part in other servers' events (`remote_participation`): the request a
//! member made from a network item's page, pending until the organizer's server answers,
//! going or declined by its answer, cancelled when the member leaves. The organizer's server
//! keeps the places; this is only what we asked and what it said.
//!
//! Invariants: a member has one row per remote event; an answer counts only from the
//! organizer's server (the caller checks its origin) and only for the Join it names.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// Where our member stands with a remote event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Asked; no answer yet.
    Pending,
    Going,
    Declined,
    Cancelled,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Pending => "pending",
            Standing::Going => "going",
            Standing::Declined => "declined",
            Standing::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Standing {
        match text {
            "pending" => Standing::Pending,
            "going" => Standing::Going,
            "declined" => Standing::Declined,
            _ => Standing::Cancelled,
        }
    }
}

/// One of our members' requests to take part in a remote event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Attending {
    pub remote_participation_id: i64,
    pub local_actor_id: i64,
    pub event_ap_id: String,
    pub organizer_ap_id: String,
    pub join_ap_id: String,
    status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Attending {
    pub fn standing(&self) -> Standing {
        Standing::parse(&self.status)
    }
}

const COLUMNS: &str = "remote_participation_id, local_actor_id, event_ap_id, organizer_ap_id, \
                       join_ap_id, status, created_at, updated_at";

/// Member `local_actor_id`'s request for `event_ap_id`, if any.
pub async fn find(db: &Db, local_actor_id: i64, event_ap_id: &str) -> Result<Option<Attending>> {
    let sql = format!(
        "select {COLUMNS} from remote_participation where local_actor_id = $1 and event_ap_id = $2"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(local_actor_id)
    .bind(event_ap_id)
    .fetch_optional(pool)
    .await)?)
}

/// Records, in `tx`, that member `local_actor_id` asked to take part in `event_ap_id` with
/// the Join `join_ap_id` sent to `organizer_ap_id` (a new request replaces an earlier one).
pub async fn asked(
    tx: &mut Tx,
    local_actor_id: i64,
    event_ap_id: &str,
    organizer_ap_id: &str,
    join_ap_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "insert into remote_participation (local_actor_id, event_ap_id, organizer_ap_id, \
               join_ap_id, status, created_at, updated_at) values ($1, $2, $3, $4, 'pending', $5, $5) \
               on conflict (local_actor_id, event_ap_id) do update set \
               organizer_ap_id = excluded.organizer_ap_id, join_ap_id = excluded.join_ap_id, \
               status = 'pending', updated_at = excluded.updated_at";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(local_actor_id)
        .bind(event_ap_id)
        .bind(organizer_ap_id)
        .bind(join_ap_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Records, in `tx`, that member `local_actor_id` left `event_ap_id`.
pub async fn left(
    tx: &mut Tx,
    local_actor_id: i64,
    event_ap_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "update remote_participation set status = 'cancelled', updated_at = $3 \
               where local_actor_id = $1 and event_ap_id = $2";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(local_actor_id)
        .bind(event_ap_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The request whose Join is `join_ap_id`, read in `tx`.
pub async fn by_join_id(tx: &mut Tx, join_ap_id: &str) -> Result<Option<Attending>> {
    let sql = format!("select {COLUMNS} from remote_participation where join_ap_id = $1");
    Ok(with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(join_ap_id)
    .fetch_optional(conn)
    .await)?)
}

/// Records, in `tx`, the organizer's answer to request `remote_participation_id`: going
/// (`accepted`) or declined. A request the member cancelled stays cancelled.
pub async fn answered(
    tx: &mut Tx,
    remote_participation_id: i64,
    accepted: bool,
    now: DateTime<Utc>,
) -> Result<bool> {
    let sql = "update remote_participation set status = $1, updated_at = $2 \
               where remote_participation_id = $3 and status <> 'cancelled'";
    let status = if accepted {
        Standing::Going
    } else {
        Standing::Declined
    };
    let done = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(status.as_str())
        .bind(now)
        .bind(remote_participation_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// Member `local_actor_id`'s requests that still stand (pending or going), newest first.
pub async fn of_member(db: &Db, local_actor_id: i64) -> Result<Vec<Attending>> {
    let sql = format!(
        "select {COLUMNS} from remote_participation where local_actor_id = $1 \
         and status in ('pending', 'going') order by created_at desc limit 500"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(local_actor_id)
    .fetch_all(pool)
    .await)?)
}
