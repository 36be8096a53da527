//! Settings an admin changes on the website, which override the configuration's defaults: the
//! reply policy for now. Table `setting` (name, value).
//!
//! Invariant: a stored value that no longer parses is ignored (the configuration's default
//! applies), never an error on a page.

use super::comment::ReplyPolicy;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::Utc;

const REPLY_POLICY: &str = "reply_policy";

/// The reply policy: an admin's choice, else `default` (the configuration's).
pub async fn reply_policy(tx: &mut Tx, default: ReplyPolicy) -> Result<ReplyPolicy> {
    let sql = "select value from setting where name = $1";
    let value: Option<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(REPLY_POLICY)
        .fetch_optional(conn)
        .await)?;
    Ok(value
        .as_deref()
        .and_then(ReplyPolicy::parse)
        .unwrap_or(default))
}

/// [`reply_policy`] outside a transaction.
pub async fn current_reply_policy(db: &Db, default: ReplyPolicy) -> Result<ReplyPolicy> {
    let sql = "select value from setting where name = $1";
    let value: Option<String> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(REPLY_POLICY)
        .fetch_optional(pool)
        .await)?;
    Ok(value
        .as_deref()
        .and_then(ReplyPolicy::parse)
        .unwrap_or(default))
}

/// Sets the reply policy.
pub async fn set_reply_policy(db: &Db, policy: ReplyPolicy) -> Result<()> {
    let sql = "insert into setting (name, value, updated_at) values ($1, $2, $3) \
               on conflict (name) do update set value = excluded.value, \
               updated_at = excluded.updated_at";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(REPLY_POLICY)
        .bind(policy.as_str())
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}
