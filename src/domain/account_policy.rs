//! What moderators decided about single accounts: one of our members' actors or another
//! server's, **suspended** (nothing it sends is taken, its content is hidden, and a member's
//! actor is gone) or **limited** (its replies and forum posts wait for a moderator, its network
//! content stays out of the lists). This module owns the stored decisions and what they do to
//! the content tables: hiding an author's content so that it can be shown again exactly as it
//! was when the suspension is lifted.
//!
//! Storage: `actor_policy`, one row per actor id; each change bumps `policy_version` (as a
//! domain policy's does) so that every process reloads its copy. Hidden content is marked
//! `comment.suspended_from` (the reply's status before), `forum_post.suspended_at` and
//! `remote_publication.suspended_at`.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{FieldError, Reason, Result};
use chrono::{DateTime, Utc};

/// The longest reason kept.
pub const MAX_REASON_CHARS: usize = 1_000;

/// What is decided about one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountSeverity {
    /// Nothing in; its content hidden; a member's actor gone (410).
    Suspend,
    /// Its replies and posts held for a moderator; its network content out of the lists.
    Limit,
}

impl AccountSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountSeverity::Suspend => "suspend",
            AccountSeverity::Limit => "limit",
        }
    }

    pub fn parse(text: &str) -> Option<AccountSeverity> {
        match text {
            "suspend" => Some(AccountSeverity::Suspend),
            "limit" => Some(AccountSeverity::Limit),
            _ => None,
        }
    }
}

/// One decision as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPolicy {
    pub actor_ap_id: String,
    pub severity: AccountSeverity,
    pub reason: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    actor_ap_id: String,
    severity: String,
    reason: String,
    updated_at: DateTime<Utc>,
}

impl From<Row> for AccountPolicy {
    fn from(row: Row) -> AccountPolicy {
        AccountPolicy {
            actor_ap_id: row.actor_ap_id,
            severity: AccountSeverity::parse(&row.severity).unwrap_or(AccountSeverity::Limit),
            reason: row.reason,
            updated_at: row.updated_at,
        }
    }
}

/// `reason` trimmed, or a 422 when it is too long.
pub fn check_reason(reason: &str) -> Result<String> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(FieldError::of("reason", Reason::TooLong)
            .with("max", MAX_REASON_CHARS.to_string())
            .into());
    }
    Ok(reason.to_string())
}

/// Every decision, newest first.
pub async fn all(db: &Db) -> Result<Vec<AccountPolicy>> {
    let sql = "select actor_ap_id, severity, reason, updated_at from actor_policy \
               order by updated_at desc, actor_ap_id";
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The decision about `actor_ap_id`, in `tx`.
pub async fn find(tx: &mut Tx, actor_ap_id: &str) -> Result<Option<AccountPolicy>> {
    let sql = "select actor_ap_id, severity, reason, updated_at from actor_policy \
               where actor_ap_id = $1";
    let row: Option<Row> = with_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(actor_ap_id)
        .fetch_optional(conn)
        .await)?;
    Ok(row.map(Into::into))
}

/// Records `severity` for `actor_ap_id` with `reason` (checked), in `tx`, and bumps the
/// policies' version.
pub async fn set(
    tx: &mut Tx,
    actor_ap_id: &str,
    severity: AccountSeverity,
    reason: &str,
) -> Result<()> {
    let sql = "insert into actor_policy (actor_ap_id, severity, reason, created_at, updated_at) \
               values ($1, $2, $3, $4, $4) on conflict (actor_ap_id) do update set \
               severity = excluded.severity, reason = excluded.reason, \
               updated_at = excluded.updated_at";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor_ap_id)
        .bind(severity.as_str())
        .bind(reason)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    crate::domain::policy::bump(tx).await
}

/// Forgets the decision about `actor_ap_id`, in `tx`: `true` when there was one.
pub async fn remove(tx: &mut Tx, actor_ap_id: &str) -> Result<bool> {
    let sql = "delete from actor_policy where actor_ap_id = $1";
    let removed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    crate::domain::policy::bump(tx).await?;
    Ok(removed > 0)
}

/// How much content a suspension hid, or its lifting showed again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hidden {
    pub replies: u64,
    pub forum_posts: u64,
    pub network_items: u64,
}

/// Hides what `actor_ap_id` wrote (`local_actor_id`: their actor's row, when they are one of
/// our members, whose anonymous questions go too), in `tx`: its replies, its forum posts (the
/// threads they answered counted again) and its network items, each marked so that [`show`]
/// brings back exactly these.
pub async fn hide(tx: &mut Tx, actor_ap_id: &str, local_actor_id: Option<i64>) -> Result<Hidden> {
    let now = Utc::now();
    let replies = "update comment set suspended_from = status, status = 'hidden' \
                   where actor_ap_id = $1 and suspended_from is null and status <> 'hidden' \
                   and deleted_at is null";
    let replies = with_tx!(tx, |conn| sqlx::query(replies)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    let posts = "update forum_post set status = 'removed', suspended_at = $3 \
                 where status = 'shown' and suspended_at is null \
                 and (author_ap_id = $1 or asker_local_actor_id = $2)";
    let forum_posts = with_tx!(tx, |conn| sqlx::query(posts)
        .bind(actor_ap_id)
        .bind(local_actor_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    recount_threads(tx, actor_ap_id, local_actor_id).await?;
    // `received_at` too: what feeds show changed (their validators read it).
    let items = "update remote_publication set suspended_at = $2, received_at = $2 \
                 where actor_ap_id = $1 and deleted_at is null and suspended_at is null";
    let network_items = with_tx!(tx, |conn| sqlx::query(items)
        .bind(actor_ap_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(Hidden {
        replies,
        forum_posts,
        network_items,
    })
}

/// Shows again what [`hide`] hid of `actor_ap_id`, in `tx`.
pub async fn show(tx: &mut Tx, actor_ap_id: &str, local_actor_id: Option<i64>) -> Result<Hidden> {
    let replies = "update comment set status = suspended_from, suspended_from = null \
                   where actor_ap_id = $1 and suspended_from is not null";
    let replies = with_tx!(tx, |conn| sqlx::query(replies)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    let posts = "update forum_post set status = 'shown', suspended_at = null \
                 where suspended_at is not null \
                 and (author_ap_id = $1 or asker_local_actor_id = $2)";
    let forum_posts = with_tx!(tx, |conn| sqlx::query(posts)
        .bind(actor_ap_id)
        .bind(local_actor_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    recount_threads(tx, actor_ap_id, local_actor_id).await?;
    let items = "update remote_publication set suspended_at = null, received_at = $2 \
                 where actor_ap_id = $1 and suspended_at is not null";
    let network_items = with_tx!(tx, |conn| sqlx::query(items)
        .bind(actor_ap_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(Hidden {
        replies,
        forum_posts,
        network_items,
    })
}

/// Counts again the shown replies of the threads that `actor_ap_id` answered.
async fn recount_threads(
    tx: &mut Tx,
    actor_ap_id: &str,
    local_actor_id: Option<i64>,
) -> Result<()> {
    let sql = "update forum_post set reply_count = (select count(*) from forum_post r \
               where r.thread_id = forum_post.forum_post_id and r.status = 'shown' \
               and r.held_at is null) \
               where forum_post_id in (select thread_id from forum_post \
               where (author_ap_id = $1 or asker_local_actor_id = $2) and thread_id is not null)";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor_ap_id)
        .bind(local_actor_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}
