//! The audit log: every moderation action, who took it (a member of the team, or the command
//! line), when, on what, and why. Moderators read it on `/admin/log`; the public moderation log
//! shows the domain blocks and limits with their public reasons.
//!
//! Invariant: a domain policy change, a report's resolution and a forwarded report are recorded
//! in the transaction that takes them; the other moderation actions (a reply hidden, a member
//! disabled, a forum post removed…), whose own modules write in transactions of their own, are
//! recorded right after they succeed ([`record_now`]), never before.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Who takes an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// Their account, when they acted on the website.
    pub account_id: Option<i64>,
    /// How the log names them: an account's name and email, or "command line".
    pub label: String,
}

impl Who {
    /// The command line (an admin with a shell on the server).
    pub fn command_line() -> Who {
        Who {
            account_id: None,
            label: "command line".to_string(),
        }
    }

    /// The server itself (what the configuration decides).
    pub fn configuration() -> Who {
        Who {
            account_id: None,
            label: "configuration".to_string(),
        }
    }
}

/// The longest reason kept, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// Records `action` (a short word: `domain.block`, `domain.remove`…) on `target` by `who`,
/// with `reason` and `details`, in `tx`.
pub async fn record(
    tx: &mut Tx,
    who: &Who,
    action: &str,
    target: &str,
    reason: &str,
    details: &Value,
) -> Result<()> {
    let sql = "insert into audit_log (at, account_id, actor_label, action, target, reason, details) \
               values ($1, $2, $3, $4, $5, $6, $7)";
    let reason: String = reason.trim().chars().take(MAX_REASON_CHARS).collect();
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(who.account_id)
        .bind(&who.label)
        .bind(action)
        .bind(target)
        .bind(&reason)
        .bind(details.to_string())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// [`record`] in a transaction of its own, for an action taken (and committed) just before.
pub async fn record_now(
    db: &Db,
    who: &Who,
    action: &str,
    target: &str,
    reason: &str,
    details: &Value,
) -> Result<()> {
    let mut tx = db.begin_write().await?;
    record(&mut tx, who, action, target, reason, details).await?;
    tx.commit().await?;
    Ok(())
}

/// One entry of the log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub actor_label: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub details: String,
}

/// The entries, newest first: `limit` from `offset`, of `action`s starting with `prefix`
/// when given.
pub async fn entries(db: &Db, prefix: Option<&str>, limit: i64, offset: i64) -> Result<Vec<Entry>> {
    let sql = "select at, actor_label, action, target, reason, details from audit_log \
               where ($1 = '' or action like $1 || '%') \
               order by audit_id desc limit $2 offset $3";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(prefix.unwrap_or_default())
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)?)
}
