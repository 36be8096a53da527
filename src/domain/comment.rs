//! Replies to our publications from anywhere on the fediverse, kept as comments.
//!
//! Invariant: comment HTML was sanitized before it arrives; a comment can be changed or removed
//! only by its author (checked by the caller against the signed actor).

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// A reply to one of our publications.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Comment {
    pub ap_id: String,
    pub publication_id: i64,
    pub actor_ap_id: String,
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A reply as received, before it is known to be on a publication of ours.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub ap_id: String,
    pub actor_ap_id: String,
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Stores `reply` as a comment on our publication of `kind` (its `as_str`) and `public_id`,
/// if that publication exists and is not deleted, or replaces a stored version if this one is
/// newer (same author only). One statement: the publication is looked up by the insert itself.
/// Returns whether anything was written.
pub async fn store_reply(tx: &mut Tx, kind: &str, public_id: &str, reply: &Reply) -> Result<bool> {
    let sql = "insert into comment (publication_id, ap_id, actor_ap_id, content_html, url, \
               published_at, updated_at, received_at) \
               select publication_id, $1, $2, $3, $4, $5, $6, $7 from publication \
               where kind = $8 and public_id = $9 and deleted_at is null \
               on conflict (ap_id) do update set content_html = excluded.content_html, \
               url = excluded.url, updated_at = excluded.updated_at \
               where comment.updated_at < excluded.updated_at and comment.deleted_at is null \
               and comment.actor_ap_id = excluded.actor_ap_id";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(&reply.ap_id)
        .bind(&reply.actor_ap_id)
        .bind(&reply.content_html)
        .bind(&reply.url)
        .bind(reply.published_at)
        .bind(reply.updated_at)
        .bind(Utc::now())
        .bind(kind)
        .bind(public_id)
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

/// The comments on a publication, oldest first.
pub async fn for_publication(db: &Db, publication_id: i64) -> Result<Vec<Comment>> {
    let sql = "select ap_id, publication_id, actor_ap_id, content_html, url, published_at, updated_at \
               from comment where publication_id = $1 and deleted_at is null order by published_at, comment_id";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(publication_id)
        .fetch_all(pool)
        .await)?)
}
