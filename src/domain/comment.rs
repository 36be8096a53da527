//! Replies to our publications from anywhere on the fediverse, and ours, kept as comments:
//! threaded (a reply to a reply names its parent and keeps the publication), shown, held for
//! a moderator or hidden, as the reply policy and the moderators decide; the authors a
//! moderator approved and the authors and domains one blocked.
//!
//! Invariants: comment HTML was sanitized before it arrives; a comment's content is changed or
//! erased only by its author (checked by the caller against the signed actor) or erased by a
//! moderator; only `shown` comments are on pages and in `replies` collections.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a comment is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyStatus {
    /// Under its publication, and in its `replies` collection.
    Shown,
    /// Waiting for a moderator.
    Held,
    /// Taken down by a moderator.
    Hidden,
}

impl ReplyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyStatus::Shown => "shown",
            ReplyStatus::Held => "held",
            ReplyStatus::Hidden => "hidden",
        }
    }

    fn parse(text: &str) -> ReplyStatus {
        match text {
            "shown" => ReplyStatus::Shown,
            "hidden" => ReplyStatus::Hidden,
            _ => ReplyStatus::Held,
        }
    }
}

/// Which replies are shown at once (`website.replies`, changeable by an admin on the
/// website).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyPolicy {
    /// Every reply, at once.
    Open,
    /// Every reply waits for a moderator.
    Approval,
    /// Replies of the organizations we follow and of authors a moderator approved, at once;
    /// the others wait.
    Followed,
    /// No reply is kept.
    Closed,
}

impl ReplyPolicy {
    pub const ALL: [ReplyPolicy; 4] = [
        ReplyPolicy::Open,
        ReplyPolicy::Followed,
        ReplyPolicy::Approval,
        ReplyPolicy::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyPolicy::Open => "open",
            ReplyPolicy::Approval => "approval",
            ReplyPolicy::Followed => "followed",
            ReplyPolicy::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<ReplyPolicy> {
        ReplyPolicy::ALL
            .into_iter()
            .find(|policy| policy.as_str() == text.trim())
    }

    /// What becomes of a reply by an author we follow (`followed`) or a moderator approved
    /// (`approved`): `None` when it is not kept.
    pub fn status_of(self, followed: bool, approved: bool) -> Option<ReplyStatus> {
        match self {
            ReplyPolicy::Open => Some(ReplyStatus::Shown),
            ReplyPolicy::Approval => Some(ReplyStatus::Held),
            ReplyPolicy::Followed if followed || approved => Some(ReplyStatus::Shown),
            ReplyPolicy::Followed => Some(ReplyStatus::Held),
            ReplyPolicy::Closed => None,
        }
    }
}

/// A reply to one of our publications (or to a reply under it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub comment_id: i64,
    pub ap_id: String,
    pub publication_id: i64,
    pub actor_ap_id: String,
    /// The reply it answers; `None` when it answers the publication.
    pub in_reply_to: Option<String>,
    pub content_html: String,
    /// Its page on its own server.
    pub url: Option<String>,
    pub language: Option<String>,
    pub status: ReplyStatus,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    comment_id: i64,
    ap_id: String,
    publication_id: i64,
    actor_ap_id: String,
    in_reply_to: Option<String>,
    content_html: String,
    url: Option<String>,
    language: Option<String>,
    status: String,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "comment_id, ap_id, publication_id, actor_ap_id, in_reply_to, \
                       content_html, url, language, status, published_at, updated_at";

impl From<Row> for Comment {
    fn from(row: Row) -> Comment {
        Comment {
            comment_id: row.comment_id,
            ap_id: row.ap_id,
            publication_id: row.publication_id,
            actor_ap_id: row.actor_ap_id,
            in_reply_to: row.in_reply_to,
            content_html: row.content_html,
            url: row.url,
            language: row.language,
            status: ReplyStatus::parse(&row.status),
            published_at: row.published_at,
            updated_at: row.updated_at,
        }
    }
}

/// A reply as received, before it is known to be under a publication of ours.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub ap_id: String,
    pub actor_ap_id: String,
    pub content_html: String,
    pub url: Option<String>,
    pub language: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a reply answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Parent {
    /// Our publication of `kind` (its `as_str`) and `public_id`.
    Publication { kind: String, public_id: String },
    /// A comment we keep, by its id.
    Comment(String),
}

/// Stores `reply` under what it answers, if that exists and is not deleted, with `status`; or
/// replaces the content of a stored version if this one is newer (same author only; its status
/// stays). One statement: the parent is looked up by the insert itself. Returns whether
/// anything was written.
pub async fn store_reply(
    tx: &mut Tx,
    parent: &Parent,
    reply: &Reply,
    status: ReplyStatus,
) -> Result<bool> {
    let (source, key_a, key_b) = match parent {
        Parent::Publication { kind, public_id } => (
            "select publication_id, null from publication \
             where kind = $10 and public_id = $11 and deleted_at is null",
            kind.as_str(),
            public_id.as_str(),
        ),
        Parent::Comment(ap_id) => (
            "select publication_id, ap_id from comment \
             where ap_id = $10 and deleted_at is null and $11 = $11",
            ap_id.as_str(),
            "",
        ),
    };
    // `where true`: SQLite needs a WHERE before an upsert's ON CONFLICT in an INSERT … SELECT.
    let sql = format!(
        "insert into comment (publication_id, in_reply_to, ap_id, actor_ap_id, content_html, \
         url, published_at, updated_at, received_at, language, status) \
         select parent.*, $1, $2, $3, $4, $5, $6, $7, $8, $9 from ({source}) as parent \
         where true on conflict (ap_id) do update set content_html = excluded.content_html, \
         url = excluded.url, updated_at = excluded.updated_at, language = excluded.language \
         where comment.updated_at < excluded.updated_at and comment.deleted_at is null \
         and comment.actor_ap_id = excluded.actor_ap_id"
    );
    let changed = with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&reply.ap_id)
        .bind(&reply.actor_ap_id)
        .bind(&reply.content_html)
        .bind(&reply.url)
        .bind(reply.published_at)
        .bind(reply.updated_at)
        .bind(Utc::now())
        .bind(&reply.language)
        .bind(status.as_str())
        .bind(key_a)
        .bind(key_b)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}

/// Removes a comment of `actor_ap_id`. Returns whether there was one.
pub async fn erase(tx: &mut Tx, ap_id: &str, actor_ap_id: &str) -> Result<bool> {
    let sql = "update comment set deleted_at = $1, content_html = '' \
               where ap_id = $2 and actor_ap_id = $3 and deleted_at is null";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(ap_id)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}

/// Erases every comment of `actor_ap_id` (its account was deleted). Returns how many.
pub async fn erase_actor(tx: &mut Tx, actor_ap_id: &str) -> Result<u64> {
    let sql = "update comment set deleted_at = $1, content_html = '' \
               where actor_ap_id = $2 and deleted_at is null";
    Ok(with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Erases every comment on a publication (it was deleted). Returns how many.
pub async fn erase_for_publication(tx: &mut Tx, publication_id: i64) -> Result<u64> {
    let sql = "update comment set deleted_at = $1, content_html = '' \
               where publication_id = $2 and deleted_at is null";
    Ok(with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(publication_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// The ids of the comments `actor_ap_id` wrote under `publication_id` (not erased): the
/// organization's replies, which leave other servers with the publication.
pub async fn ids_by_actor(
    tx: &mut Tx,
    publication_id: i64,
    actor_ap_id: &str,
) -> Result<Vec<String>> {
    let sql = "select ap_id from comment where publication_id = $1 and actor_ap_id = $2 \
               and deleted_at is null order by comment_id";
    Ok(with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(publication_id)
        .bind(actor_ap_id)
        .fetch_all(conn)
        .await)?)
}

/// The most comments one publication shows.
pub const MAX_SHOWN: i64 = 500;

/// The shown comments on a publication, oldest first.
pub async fn for_publication(db: &Db, publication_id: i64) -> Result<Vec<Comment>> {
    // The limit is written in: SQLite prepares a statement again at every run when its limit
    // is bound.
    let sql = format!(
        "select {COLUMNS} from comment where publication_id = $1 and deleted_at is null \
         and status = 'shown' order by published_at, comment_id limit {MAX_SHOWN}"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(publication_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(Comment::from).collect())
}

/// The comment `ap_id`, whatever its status (not erased).
pub async fn find(db: &Db, ap_id: &str) -> Result<Option<Comment>> {
    let sql = format!("select {COLUMNS} from comment where ap_id = $1 and deleted_at is null");
    let row: Option<Row> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(ap_id)
            .fetch_optional(pool)
            .await)?;
    Ok(row.map(Comment::from))
}

/// [`find`] inside a transaction.
pub async fn find_in(tx: &mut Tx, ap_id: &str) -> Result<Option<Comment>> {
    let sql = format!("select {COLUMNS} from comment where ap_id = $1 and deleted_at is null");
    let row: Option<Row> = with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(ap_id)
        .fetch_optional(conn)
        .await)?;
    Ok(row.map(Comment::from))
}

/// The comment with row id `comment_id` (not erased).
pub async fn by_id(db: &Db, comment_id: i64) -> Result<Comment> {
    let sql = format!("select {COLUMNS} from comment where comment_id = $1 and deleted_at is null");
    let row: Option<Row> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(comment_id)
            .fetch_optional(pool)
            .await)?;
    row.map(Comment::from).ok_or(Error::NotFound)
}

/// The newest comments with `status`, at most `limit`.
pub async fn with_status(db: &Db, status: ReplyStatus, limit: i64) -> Result<Vec<Comment>> {
    let sql = format!(
        "select {COLUMNS} from comment where status = $1 and deleted_at is null \
         order by received_at desc, comment_id desc limit $2"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(Comment::from).collect())
}

/// How many comments wait for a moderator.
pub async fn held_count(db: &Db) -> Result<i64> {
    let sql = "select count(*) from comment where status = 'held' and deleted_at is null";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

/// Sets the status of a comment (a moderator's decision); approving it also approves its
/// author. Returns the comment as it was.
pub async fn moderate(db: &Db, comment_id: i64, status: ReplyStatus) -> Result<Comment> {
    let comment = by_id(db, comment_id).await?;
    let mut tx = db.begin().await?;
    let sql = "update comment set status = $1 where comment_id = $2";
    with_tx!(&mut tx, |conn| sqlx::query(sql)
        .bind(status.as_str())
        .bind(comment_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    if status == ReplyStatus::Shown {
        approve_author_in(&mut tx, &comment.actor_ap_id).await?;
    }
    tx.commit().await?;
    Ok(comment)
}

/// Erases a comment as a moderator (its content goes; its id stays, so it cannot come back).
pub async fn delete(db: &Db, comment_id: i64) -> Result<Comment> {
    let comment = by_id(db, comment_id).await?;
    let sql = "update comment set deleted_at = $1, content_html = '', status = 'hidden' \
               where comment_id = $2";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(Utc::now())
        .bind(comment_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(comment)
}

/// Approves `actor_ap_id`, in `tx`: what they write later is not held (replies and forum
/// posts alike).
pub async fn approve_author_in(tx: &mut Tx, actor_ap_id: &str) -> Result<()> {
    let approve = "insert into approved_author (actor_ap_id, approved_at) values ($1, $2) \
                   on conflict (actor_ap_id) do nothing";
    with_tx!(tx, |conn| sqlx::query(approve)
        .bind(actor_ap_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Whether a moderator approved `actor`.
pub async fn is_approved(tx: &mut Tx, actor_ap_id: &str) -> Result<bool> {
    let sql = "select count(*) from approved_author where actor_ap_id = $1";
    let count: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(actor_ap_id)
        .fetch_one(conn)
        .await)?;
    Ok(count > 0)
}

/// What a moderator blocks: one author, or every author of a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Actor(String),
    Domain(String),
}

/// Blocks an author or a domain: its replies are hidden now and not kept from now on; it is no
/// longer approved. Returns how many replies were hidden.
pub async fn block(db: &Db, block: &Block) -> Result<u64> {
    let (kind, value) = match block {
        Block::Actor(actor) => ("actor", actor.clone()),
        Block::Domain(domain) => ("domain", domain.to_ascii_lowercase()),
    };
    let mut tx = db.begin().await?;
    let insert = "insert into blocked (kind, value, created_at) values ($1, $2, $3) \
                  on conflict (kind, value) do nothing";
    with_tx!(&mut tx, |conn| sqlx::query(insert)
        .bind(kind)
        .bind(&value)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    // The authors' ids: one, or those on the domain (`https://host/…` or `http://host:port/…`).
    let (hide, unapprove) = match block {
        Block::Actor(_) => (
            "update comment set status = 'hidden' where actor_ap_id = $1 and status <> 'hidden'",
            "delete from approved_author where actor_ap_id = $1",
        ),
        Block::Domain(_) => (
            "update comment set status = 'hidden' where status <> 'hidden' \
             and (actor_ap_id like 'https://' || $1 || '/%' or actor_ap_id like 'http://' || $1 || '/%' \
             or actor_ap_id like 'https://' || $1 || ':%' or actor_ap_id like 'http://' || $1 || ':%')",
            "delete from approved_author where actor_ap_id like 'https://' || $1 || '/%' \
             or actor_ap_id like 'http://' || $1 || '/%' or actor_ap_id like 'https://' || $1 || ':%' \
             or actor_ap_id like 'http://' || $1 || ':%'",
        ),
    };
    let hidden = with_tx!(&mut tx, |conn| sqlx::query(hide)
        .bind(&value)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    with_tx!(&mut tx, |conn| sqlx::query(unapprove)
        .bind(&value)
        .execute(conn)
        .await
        .map(|_| ()))?;
    tx.commit().await?;
    Ok(hidden)
}

/// Hides every reply by an actor on `domain` or a subdomain of it (the domain was blocked),
/// in `tx`. Returns how many were not hidden yet.
pub async fn hide_domain(tx: &mut Tx, domain: &str) -> Result<u64> {
    crate::domain::policy::on_domain(
        tx,
        "update comment set status = 'hidden' where status <> 'hidden' and {on_domain}",
        "actor_ap_id",
        domain,
    )
    .await
}

/// Whether `actor_ap_id`, or its domain `host`, is blocked.
pub async fn is_blocked(tx: &mut Tx, actor_ap_id: &str, host: &str) -> Result<bool> {
    let sql = "select count(*) from blocked where (kind = 'actor' and value = $1) \
               or (kind = 'domain' and value = $2)";
    let count: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(actor_ap_id)
        .bind(host.to_ascii_lowercase())
        .fetch_one(conn)
        .await)?;
    Ok(count > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_policy_decides_as_it_says() {
        use ReplyPolicy::*;
        use ReplyStatus::*;
        assert_eq!(Open.status_of(false, false), Some(Shown));
        assert_eq!(Approval.status_of(true, true), Some(Held));
        assert_eq!(Followed.status_of(true, false), Some(Shown));
        assert_eq!(Followed.status_of(false, true), Some(Shown));
        assert_eq!(Followed.status_of(false, false), Some(Held));
        assert_eq!(Closed.status_of(true, true), None);
        for policy in ReplyPolicy::ALL {
            assert_eq!(ReplyPolicy::parse(policy.as_str()), Some(policy));
        }
    }
}
