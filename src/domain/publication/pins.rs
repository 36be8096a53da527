//! Publications pinned to the organization's profile by its editors: shown first on the home
//! page, and listed in the actor's `featured` collection (Mastodon and GoToSocial show them at
//! the top of the profile).
//!
//! Invariant: at most [`MAX_PINNED`] publications are pinned, and a deleted one never is.

use super::storage::{COLUMNS, Row, with_texts};
use super::{Bodies, Publication};
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::{DateTime, Utc};

/// The most publications pinned at once (Mastodon's limit too).
pub const MAX_PINNED: i64 = 5;

/// The pinned publications, the newest pin first, with their bodies or without.
pub async fn pinned(db: &Db, bodies: Bodies) -> Result<Vec<Publication>> {
    // The limit is written in: SQLite prepares a statement again at every run when its limit
    // is bound.
    let sql = format!(
        "select {COLUMNS} from publication where pinned_at is not null and deleted_at is null \
         order by pinned_at desc limit {MAX_PINNED}"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(pool)
        .await)?;
    with_texts(db, rows, bodies).await
}

/// Pins (`Some(now)`) or unpins (`None`) `current` (read before `tx` began). Returns whether
/// anything changed (pinning a pinned publication does not).
pub async fn set_pinned(
    tx: &mut Tx,
    current: &Publication,
    pinned_at: Option<DateTime<Utc>>,
) -> Result<bool> {
    if current.is_deleted() {
        return Err(Error::Gone);
    }
    if current.pinned_at.is_some() == pinned_at.is_some() {
        return Ok(false);
    }
    if pinned_at.is_some() {
        let count =
            "select count(*) from publication where pinned_at is not null and deleted_at is null";
        let pinned: i64 = with_tx!(tx, |conn| sqlx::query_scalar(count).fetch_one(conn).await)?;
        if pinned >= MAX_PINNED {
            return Err(FieldError::of("pinned", Reason::TooManyPinned)
                .with("max", MAX_PINNED)
                .into());
        }
    }
    let sql =
        "update publication set pinned_at = $1 where publication_id = $2 and deleted_at is null";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(pinned_at)
        .bind(current.publication_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}
