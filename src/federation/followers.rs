//! Who follows our actors: the `follower` table; and an admin's removal of a follower, which
//! tells the follower's server with a `Reject` of its `Follow` (Mastodon and GoToSocial then
//! drop the follow on their side).

use super::activities::ACTIVITY_STREAMS;
use super::delivery;
use crate::app::AppState;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde_json::json;
use url::Url;

/// One follower of a local actor.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Follower {
    pub actor_ap_id: String,
    pub inbox: String,
    pub follow_activity_id: String,
    pub created_at: DateTime<Utc>,
}

/// The followers of the local actor, newest first, at most `limit`.
pub async fn list(db: &Db, local_actor_id: i64, limit: i64) -> Result<Vec<Follower>> {
    let sql = "select actor_ap_id, inbox, follow_activity_id, created_at from follower \
               where local_actor_id = $1 order by follower_id desc limit $2";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(local_actor_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Removes `actor` from the organization's followers and queues the `Reject` of its `Follow`
/// to it, in one transaction. Returns whether it was a follower.
pub async fn remove_and_reject(state: &AppState, actor: &Url) -> Result<bool> {
    let organization = state.actors().organization();
    let sql = "select actor_ap_id, inbox, follow_activity_id, created_at from follower \
               where local_actor_id = $1 and actor_ap_id = $2";
    let found: Option<Follower> = with_pool!(state.db(), |pool| sqlx::query_as(sql)
        .bind(organization.local_actor_id)
        .bind(actor.as_str())
        .fetch_optional(pool)
        .await)?;
    let Some(follower) = found else {
        return Ok(false);
    };
    let inbox =
        Url::parse(&follower.inbox).map_err(|_| Error::internal("a stored inbox is not a URL"))?;
    let reject_id = state.urls().new_activity(&organization.id, "reject");
    let reject = json!({
        "@context": ACTIVITY_STREAMS,
        "id": reject_id,
        "type": "Reject",
        "actor": organization.id,
        "object": {
            "id": follower.follow_activity_id,
            "type": "Follow",
            "actor": follower.actor_ap_id,
            "object": organization.id,
        },
        "to": [follower.actor_ap_id],
    });
    let mut tx = state.db().begin().await?;
    let removed = remove(&mut tx, organization.local_actor_id, actor).await?;
    delivery::enqueue(
        &mut tx,
        &reject,
        &reject_id,
        organization.local_actor_id,
        false,
        &[inbox],
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(actor = %actor, "follower removed");
    Ok(removed)
}

/// A new or renewed follow of a local actor by a remote one.
#[derive(Debug)]
pub struct NewFollower<'a> {
    pub local_actor_id: i64,
    pub actor: &'a Url,
    pub inbox: &'a str,
    pub shared_inbox: Option<&'a str>,
    pub follow_activity_id: &'a Url,
}

/// Records a follow; a repeated follow by the same actor replaces the stored one.
pub async fn upsert(tx: &mut Tx, follower: &NewFollower<'_>) -> Result<()> {
    let sql = "insert into follower (local_actor_id, actor_ap_id, inbox, shared_inbox, \
               follow_activity_id, created_at) values ($1, $2, $3, $4, $5, $6) \
               on conflict (local_actor_id, actor_ap_id) do update set inbox = excluded.inbox, \
               shared_inbox = excluded.shared_inbox, follow_activity_id = excluded.follow_activity_id";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(follower.local_actor_id)
        .bind(follower.actor.as_str())
        .bind(follower.inbox)
        .bind(follower.shared_inbox)
        .bind(follower.follow_activity_id.as_str())
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Removes `actor`'s follow of the local actor. Returns whether there was one.
pub async fn remove(tx: &mut Tx, local_actor_id: i64, actor: &Url) -> Result<bool> {
    let sql = "delete from follower where local_actor_id = $1 and actor_ap_id = $2";
    let result = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(local_actor_id)
        .bind(actor.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result > 0)
}

/// Removes the follow made by the Follow activity `follow_id` of `actor`. Returns whether there
/// was one.
pub async fn remove_by_follow_id(tx: &mut Tx, actor: &Url, follow_id: &Url) -> Result<bool> {
    let sql = "delete from follower where actor_ap_id = $1 and follow_activity_id = $2";
    let result = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor.as_str())
        .bind(follow_id.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(result > 0)
}

/// Where to deliver to all followers of the local actor: each follower's shared inbox if it
/// has one, else its own, each once.
pub async fn delivery_inboxes(tx: &mut Tx, local_actor_id: i64) -> Result<Vec<Url>> {
    let sql =
        "select distinct coalesce(shared_inbox, inbox) from follower where local_actor_id = $1";
    let inboxes: Vec<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(local_actor_id)
        .fetch_all(conn)
        .await)?;
    Ok(inboxes
        .iter()
        .filter_map(|inbox| Url::parse(inbox).ok())
        .collect())
}

/// Where to deliver to the other servers' organizations (and groups and server actors) that
/// follow our organization or one of our forums, each inbox once: other Jisr instances, which
/// keep what our members' actors say of them (their experts directory), where a person who
/// follows us has no use for it.
pub async fn instance_inboxes(tx: &mut Tx) -> Result<Vec<Url>> {
    let sql = "select distinct coalesce(f.shared_inbox, f.inbox) from follower f \
               join local_actor l on l.local_actor_id = f.local_actor_id \
               join remote_actor r on r.ap_id = f.actor_ap_id \
               where l.account_id is null \
               and r.actor_type in ('Organization', 'Group', 'Application', 'Service')";
    let inboxes: Vec<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql).fetch_all(conn).await)?;
    Ok(inboxes
        .iter()
        .filter_map(|inbox| Url::parse(inbox).ok())
        .collect())
}

/// Removes every follower on `domain` or a subdomain of it (the domain was blocked), of any
/// of our actors, in `tx`. Returns how many.
pub async fn remove_domain(tx: &mut Tx, domain: &str) -> Result<u64> {
    crate::domain::policy::on_domain(
        tx,
        "delete from follower where {on_domain}",
        "actor_ap_id",
        domain,
    )
    .await
}

/// Removes every follow by `actor` (its account was deleted). Returns how many.
pub async fn forget_actor(tx: &mut Tx, actor: &Url) -> Result<u64> {
    let sql = "delete from follower where actor_ap_id = $1";
    Ok(with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// How many actors follow the local actor.
pub async fn count(db: &Db, local_actor_id: i64) -> Result<i64> {
    let sql = "select count(*) from follower where local_actor_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(local_actor_id)
        .fetch_one(pool)
        .await)?)
}

/// Adds many followers at once (multi-row inserts), for imports and benchmarks: `(actor id,
/// inbox, shared inbox)`; existing ones are left as they are.
pub async fn insert_many(
    db: &Db,
    local_actor_id: i64,
    followers: &[(String, String, Option<String>)],
) -> Result<()> {
    let mut tx = db.begin().await?;
    let now = Utc::now();
    for chunk in followers.chunks(300) {
        let mut sql = String::from(
            "insert into follower (local_actor_id, actor_ap_id, inbox, shared_inbox, \
             follow_activity_id, created_at) values ",
        );
        for index in 0..chunk.len() {
            let first = 3 + index * 3;
            if index > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, ${first}, ${}, ${}, ${first}, $2)",
                first + 1,
                first + 2
            ));
        }
        sql.push_str(" on conflict (local_actor_id, actor_ap_id) do nothing");
        with_tx!(&mut tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(local_actor_id)
                .bind(now);
            for (actor, inbox, shared_inbox) in chunk {
                query = query.bind(actor).bind(inbox).bind(shared_inbox);
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    tx.commit().await?;
    Ok(())
}
