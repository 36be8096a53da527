//! What the organizations we follow publish: their stories, events, opportunities and
//! resources as received (sanitized), for the network-wide calendar, board and stories.
//!
//! Invariant: one row per object id; an update applies only when newer; a delete erases the
//! content. Everything here was checked for origin and sanitized before it arrives.

use super::text::html_to_text;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A publication of another organization.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct RemotePublication {
    pub ap_id: String,
    pub actor_ap_id: String,
    /// `Article`, `Event` or `Page`.
    pub object_type: String,
    pub name: String,
    pub summary_html: String,
    pub content_html: String,
    pub url: String,
    pub language: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Stores a received publication, or replaces the stored one if this one is newer. Returns
/// whether anything changed. A deleted one stays deleted.
pub async fn store(tx: &mut Tx, publication: &RemotePublication) -> Result<bool> {
    let sql = "insert into remote_publication (ap_id, actor_ap_id, object_type, name, summary_html, \
               content_html, url, language, starts_at, ends_at, published_at, updated_at, received_at, \
               search_text) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
               on conflict (ap_id) do update set object_type = excluded.object_type, \
               name = excluded.name, summary_html = excluded.summary_html, \
               content_html = excluded.content_html, url = excluded.url, language = excluded.language, \
               starts_at = excluded.starts_at, ends_at = excluded.ends_at, \
               search_text = excluded.search_text, \
               updated_at = excluded.updated_at, received_at = excluded.received_at, \
               published_at = case when remote_publication.object_type = 'Tombstone' \
               then excluded.published_at else remote_publication.published_at end, \
               actor_ap_id = excluded.actor_ap_id, deleted_at = null \
               where (remote_publication.updated_at < excluded.updated_at \
               and remote_publication.deleted_at is null \
               and remote_publication.actor_ap_id = excluded.actor_ap_id) \
               or (remote_publication.object_type = 'Tombstone' \
               and remote_publication.actor_ap_id <> excluded.actor_ap_id)";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(&publication.ap_id)
        .bind(&publication.actor_ap_id)
        .bind(&publication.object_type)
        .bind(&publication.name)
        .bind(&publication.summary_html)
        .bind(&publication.content_html)
        .bind(&publication.url)
        .bind(&publication.language)
        .bind(publication.starts_at)
        .bind(publication.ends_at)
        .bind(publication.published_at)
        .bind(publication.updated_at)
        .bind(Utc::now())
        .bind(search_text(publication))
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}

/// What search reads of a publication besides its name: its summary and content as plain text.
fn search_text(publication: &RemotePublication) -> String {
    format!(
        "{} {}",
        html_to_text(&publication.summary_html),
        html_to_text(&publication.content_html)
    )
}

/// Erases a publication of `actor_ap_id` (content gone, id kept so that a late Create cannot
/// bring it back). Returns whether there was one.
pub async fn erase(tx: &mut Tx, ap_id: &str, actor_ap_id: &str) -> Result<bool> {
    let sql = "update remote_publication set deleted_at = $1, name = '', summary_html = '', \
               content_html = '', search_text = '' where ap_id = $2 and actor_ap_id = $3 and deleted_at is null";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(ap_id)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}

/// Records that `ap_id` of `actor_ap_id` is deleted before we ever received it, so that its
/// `Create` by that actor, if it comes later, is not stored (an existing row is left as it is).
/// Another actor's object with that id replaces the tombstone: on a shared host, one account
/// cannot block another's future objects. Tombstones are forgotten after
/// [`TOMBSTONE_DAYS`].
pub async fn tombstone(tx: &mut Tx, ap_id: &str, actor_ap_id: &str) -> Result<()> {
    let sql = "insert into remote_publication (ap_id, actor_ap_id, object_type, name, summary_html, \
               content_html, url, language, starts_at, ends_at, published_at, updated_at, received_at, \
               search_text, deleted_at) values ($1, $2, 'Tombstone', '', '', '', $1, null, null, null, \
               $3, $3, $3, '', $3) on conflict (ap_id) do nothing";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(ap_id)
        .bind(actor_ap_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// How long a tombstone of an object never received is kept (senders retry for days, not
/// weeks).
pub const TOMBSTONE_DAYS: i64 = 30;

/// Forgets tombstones older than [`TOMBSTONE_DAYS`]; returns how many.
pub async fn forget_tombstones(db: &Db) -> Result<u64> {
    let sql = "delete from remote_publication where object_type = 'Tombstone' and received_at < $1";
    Ok(with_pool!(db, |pool| sqlx::query(sql)
        .bind(Utc::now() - chrono::Duration::days(TOMBSTONE_DAYS))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

/// The stored (not deleted) publications of the network, newest first.
pub async fn list(db: &Db, limit: i64) -> Result<Vec<RemotePublication>> {
    let sql = "select ap_id, actor_ap_id, object_type, name, summary_html, content_html, url, \
               language, starts_at, ends_at, published_at, updated_at from remote_publication \
               where deleted_at is null order by published_at desc limit $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

#[derive(sqlx::FromRow)]
struct IdRow {
    remote_publication_id: i64,
    #[sqlx(flatten)]
    publication: RemotePublication,
}

/// The stored (not deleted) publications with these row ids, by row id.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<BTreeMap<i64, RemotePublication>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let sql = format!(
        "select remote_publication_id, ap_id, actor_ap_id, object_type, name, summary_html, \
         content_html, url, language, starts_at, ends_at, published_at, updated_at \
         from remote_publication where deleted_at is null and remote_publication_id in ({})",
        placeholders.join(", ")
    );
    let rows: Vec<IdRow> = with_pool!(db, |pool| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows
        .into_iter()
        .map(|row| (row.remote_publication_id, row.publication))
        .collect())
}
