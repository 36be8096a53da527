//! What members are told on the website: a reply to a thread of theirs, their answer
//! accepted, a question in an area they advise on, a post that mentions them. Each names the forum post it is about; the
//! header shows how many are unread, and the account page lists them and marks them read.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A reply to a thread of theirs.
    Reply,
    /// Their answer was accepted.
    Accepted,
    /// A question in one of their areas.
    Question,
    /// A post that mentions them.
    Mention,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Reply => "reply",
            NotificationKind::Accepted => "accepted",
            NotificationKind::Question => "question",
            NotificationKind::Mention => "mention",
        }
    }
}

/// Tells `account_id` of `kind` about the post `forum_post_id`, in `tx`.
pub async fn notify(
    tx: &mut Tx,
    account_id: i64,
    kind: NotificationKind,
    forum_post_id: i64,
) -> Result<()> {
    let sql = "insert into notification (account_id, kind, forum_post_id, created_at) \
               values ($1, $2, $3, $4)";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(account_id)
        .bind(kind.as_str())
        .bind(forum_post_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The account whose actor's username is `username`, in `tx`.
pub async fn account_of_username(tx: &mut Tx, username: &str) -> Result<Option<i64>> {
    let sql = "select account_id from local_actor where username = $1";
    let found: Option<Option<i64>> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(username)
        .fetch_optional(conn)
        .await)?;
    Ok(found.flatten())
}

/// The account whose actor is `local_actor_id`, in `tx`.
pub async fn account_of_actor(tx: &mut Tx, local_actor_id: i64) -> Result<Option<i64>> {
    let sql = "select account_id from local_actor where local_actor_id = $1";
    let found: Option<Option<i64>> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(local_actor_id)
        .fetch_optional(conn)
        .await)?;
    Ok(found.flatten())
}

/// How many unread notifications `account_id` has.
pub async fn unread(db: &Db, account_id: i64) -> Result<i64> {
    let sql = "select count(*) from notification where account_id = $1 and read_at is null";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(account_id)
        .fetch_one(pool)
        .await)?)
}

/// One notification, with the post it is about.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    /// The post's forum and public id, and its thread's public id and title.
    pub forum_slug: String,
    pub public_id: String,
    pub thread_public_id: String,
    pub thread_title: String,
}

/// The latest notifications of `account_id`, newest first.
pub async fn latest(db: &Db, account_id: i64, limit: i64) -> Result<Vec<Notification>> {
    let sql = "select n.kind, n.created_at, n.read_at, \
               coalesce(l.username, f.slug) as forum_slug, p.public_id, \
               coalesce(t.public_id, p.public_id) as thread_public_id, \
               coalesce(t.title, p.title) as thread_title \
               from notification n join forum_post p on p.forum_post_id = n.forum_post_id \
               left join forum_post t on t.forum_post_id = p.thread_id \
               join forum f on f.forum_id = p.forum_id \
               left join local_actor l on l.local_actor_id = f.local_actor_id \
               where n.account_id = $1 order by n.created_at desc, n.notification_id desc limit $2";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(account_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Marks every notification of `account_id` read.
pub async fn mark_read(db: &Db, account_id: i64) -> Result<u64> {
    let sql = "update notification set read_at = $2 where account_id = $1 and read_at is null";
    Ok(with_pool!(db, |pool| sqlx::query(sql)
        .bind(account_id)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}
