//! Whom our organization follows: resolving a handle with WebFinger, sending the `Follow`
//! (durably, like every activity), and recording the `Accept` or `Reject` that answers it.
//!
//! Invariant: a following is marked accepted only by an Accept from the followed actor itself
//! that names our Follow's id.

use super::activities::ACTIVITY_STREAMS;
use super::delivery;
use super::remote_actors::RemoteActor;
use crate::app::AppState;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, FieldError, Reason, Result};
use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde_json::json;
use url::Url;

/// One actor our organization follows (or asked to follow).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Following {
    pub target_ap_id: String,
    pub follow_activity_id: String,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// When the followed actor refused (the follow is kept, to be shown, until unfollowed or
    /// asked again).
    pub rejected_at: Option<DateTime<Utc>>,
}

/// Where a follow stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowState {
    /// Asked, not answered yet.
    Pending,
    Accepted,
    Rejected,
}

impl FollowState {
    /// `pending`, `accepted` or `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowState::Pending => "pending",
            FollowState::Accepted => "accepted",
            FollowState::Rejected => "rejected",
        }
    }
}

impl Following {
    pub fn state(&self) -> FollowState {
        if self.rejected_at.is_some() {
            FollowState::Rejected
        } else if self.accepted_at.is_some() {
            FollowState::Accepted
        } else {
            FollowState::Pending
        }
    }
}

/// The actor's id of `target`: an actor URL as it is, or a handle `@name@host` through
/// WebFinger.
pub async fn actor_url(state: &AppState, target: &str) -> Result<Url> {
    match Url::parse(target.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => resolve_handle(state, target).await,
    }
}

/// Follows `target` (an actor URL, or a handle `@name@host`); returns the actor's id.
pub async fn follow(state: &AppState, target: &str) -> Result<Url> {
    let actor_url = actor_url(state, target).await?;
    if crate::federation::origin::same_origin(&actor_url, state.urls().base()) {
        return Err(FieldError::of("target", Reason::OwnActor).into());
    }
    // Refused by the domain policy: not even a copy we have is followed.
    state.peer_policy().check_url(&actor_url)?;
    let data = state.federation_data()?;
    let actor: RemoteActor = ObjectId::<RemoteActor>::from(actor_url)
        .dereference(&data)
        .await?;
    let organization = &state.actors().organization();
    let follow_id = state.urls().new_activity(&organization.id, "follow");
    let follow = json!({
        "@context": ACTIVITY_STREAMS,
        "id": follow_id,
        "type": "Follow",
        "actor": organization.id,
        "object": actor.ap_id,
        "to": [actor.ap_id],
    });
    let mut tx = state.db().begin().await?;
    let sql = "insert into following (local_actor_id, target_ap_id, target_inbox, follow_activity_id, \
               created_at) values ($1, $2, $3, $4, $5) \
               on conflict (local_actor_id, target_ap_id) do update set target_inbox = excluded.target_inbox, \
               follow_activity_id = excluded.follow_activity_id, created_at = excluded.created_at, \
               accepted_at = null, rejected_at = null";
    with_tx!(&mut tx, |conn| sqlx::query(sql)
        .bind(organization.local_actor_id)
        .bind(&actor.ap_id)
        .bind(&actor.inbox)
        .bind(follow_id.as_str())
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    delivery::enqueue(
        &mut tx,
        &follow,
        &follow_id,
        organization.local_actor_id,
        false,
        &[actor.inbox_url()?],
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(actor = %actor.ap_id, "follow sent");
    Ok(actor.url().clone())
}

/// Finds the actor of a handle (`@name@host` or `name@host`) with WebFinger: https, or plain
/// http where the configuration allows it.
pub async fn resolve_handle(state: &AppState, handle: &str) -> Result<Url> {
    let (url, document) = webfinger(state, handle).await?;
    let links = document["links"].as_array().cloned().unwrap_or_default();
    let actor = links.iter().find_map(|link| {
        let media = link["type"].as_str().unwrap_or_default();
        let is_activity =
            media == super::ACTIVITY_CONTENT_TYPE || media.starts_with("application/ld+json");
        (link["rel"] == "self" && is_activity)
            .then(|| link["href"].as_str().and_then(|href| Url::parse(href).ok()))
            .flatten()
    });
    actor.ok_or_else(|| Error::Unavailable(format!("{url} names no ActivityPub actor")))
}

/// The largest WebFinger document read (Mastodon's are under 1 KiB).
const MAX_WEBFINGER_BYTES: usize = 64 * 1024;

/// The WebFinger document of a handle (`@name@host` or `name@host`), fetched through the
/// peer policy (no private addresses, no blocked domains): https, or plain http where the
/// configuration allows it. Returns the URL asked and the document.
pub async fn webfinger(state: &AppState, handle: &str) -> Result<(Url, serde_json::Value)> {
    let handle = handle.trim().trim_start_matches('@');
    let (name, host) = handle
        .rsplit_once('@')
        .filter(|(name, host)| !name.is_empty() && !host.is_empty())
        .ok_or_else(|| Error::from(FieldError::of("target", Reason::Handle)))?;
    let config = state.config();
    let mut schemes = vec!["https"];
    if config.federation.allows_plain_http(&config.instance) {
        schemes.push("http");
    }
    let mut last_error = None;
    for scheme in schemes {
        let url =
            Url::parse(&format!("{scheme}://{host}/.well-known/webfinger")).map_err(|_| {
                Error::from(FieldError::of("target", Reason::HostName).with("host", host))
            })?;
        let mut url = url;
        url.query_pairs_mut()
            .append_pair("resource", &format!("acct:{name}@{host}"));
        state.peer_policy().check_url(&url)?;
        let response = match state
            .http()
            .get(url.clone())
            .header("accept", "application/jrd+json, application/json")
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => {
                last_error = Some(format!("{url}: {error}"));
                continue;
            }
        };
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(FieldError::of("target", Reason::UnknownName)
                .with("host", host)
                .with("name", name)
                .into());
        }
        if !response.status().is_success() {
            return Err(Error::Unavailable(format!(
                "{url} answered {}",
                response.status()
            )));
        }
        // A WebFinger document is small; a larger answer is not read past the limit.
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| Error::Unavailable(format!("{url}: {error}")))?
        {
            if body.len() + chunk.len() > MAX_WEBFINGER_BYTES {
                return Err(Error::Unavailable(format!(
                    "{url} answered more than {MAX_WEBFINGER_BYTES} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let document: serde_json::Value = serde_json::from_slice(&body).map_err(|error| {
            Error::Unavailable(format!("{url} is not a WebFinger document: {error}"))
        })?;
        return Ok((url, document));
    }
    Err(Error::Unavailable(
        last_error.unwrap_or_else(|| format!("cannot reach {host}")),
    ))
}

/// Marks our follow `follow_id` of `actor` accepted. Returns whether it matched.
pub async fn accepted(tx: &mut Tx, follow_id: &Url, actor: &Url) -> Result<bool> {
    let sql = "update following set accepted_at = $1, rejected_at = null where follow_activity_id = $2 \
         and target_ap_id = $3";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(follow_id.as_str())
        .bind(actor.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}

/// Marks our follow `follow_id` of `actor` refused (kept, so that admins see it; nothing it
/// sends is kept any more). Returns whether it matched.
pub async fn rejected(tx: &mut Tx, follow_id: &Url, actor: &Url) -> Result<bool> {
    let sql = "update following set rejected_at = $1, accepted_at = null \
               where follow_activity_id = $2 and target_ap_id = $3";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(follow_id.as_str())
        .bind(actor.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed > 0)
}

/// Stops following `target`: queues the `Undo` of our `Follow` to it (unless it refused us),
/// forgets the follow and erases what it published here, in one transaction. Returns whether
/// we followed it.
pub async fn unfollow(state: &AppState, target: &Url) -> Result<bool> {
    let organization = state.actors().organization();
    let sql = "select follow_activity_id, rejected_at, target_inbox from following \
               where local_actor_id = $1 and target_ap_id = $2";
    let found: Option<(String, Option<DateTime<Utc>>, String)> =
        with_pool!(state.db(), |pool| sqlx::query_as(sql)
            .bind(organization.local_actor_id)
            .bind(target.as_str())
            .fetch_optional(pool)
            .await)?;
    let Some((follow_id, rejected_at, inbox)) = found else {
        return Ok(false);
    };
    let mut tx = state.db().begin().await?;
    let forget = "delete from following where local_actor_id = $1 and target_ap_id = $2";
    with_tx!(&mut tx, |conn| sqlx::query(forget)
        .bind(organization.local_actor_id)
        .bind(target.as_str())
        .execute(conn)
        .await
        .map(|_| ()))?;
    crate::domain::network::erase_actor(&mut tx, target.as_str()).await?;
    if rejected_at.is_none() {
        let inbox =
            Url::parse(&inbox).map_err(|_| Error::internal("a stored inbox is not a URL"))?;
        let undo_id = state.urls().new_activity(&organization.id, "undo");
        let undo = json!({
            "@context": ACTIVITY_STREAMS,
            "id": undo_id,
            "type": "Undo",
            "actor": organization.id,
            "object": {
                "id": follow_id,
                "type": "Follow",
                "actor": organization.id,
                "object": target,
            },
            "to": [target],
        });
        delivery::enqueue(
            &mut tx,
            &undo,
            &undo_id,
            organization.local_actor_id,
            false,
            &[inbox],
        )
        .await?;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(actor = %target, "unfollowed");
    Ok(true)
}

/// Forgets every actor on `domain` or a subdomain of it that we follow or asked to follow (the
/// domain was blocked: no `Undo` is sent there), in `tx`. Returns how many.
pub async fn remove_domain(tx: &mut Tx, domain: &str) -> Result<u64> {
    crate::domain::policy::on_domain(
        tx,
        "delete from following where {on_domain}",
        "target_ap_id",
        domain,
    )
    .await
}

/// Stops following `actor` (its account was deleted). Returns how many rows went.
pub async fn forget_actor(tx: &mut Tx, actor: &Url) -> Result<u64> {
    let sql = "delete from following where target_ap_id = $1";
    Ok(with_tx!(tx, |conn| sqlx::query(sql)
        .bind(actor.as_str())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// The inbox of `actor`, which `local_actor_id` follows (asked or accepted; not refused), in
/// `tx`.
pub async fn inbox_of(tx: &mut Tx, local_actor_id: i64, actor: &Url) -> Result<Option<Url>> {
    let sql = "select target_inbox from following where local_actor_id = $1 and target_ap_id = $2 \
               and rejected_at is null";
    let inbox: Option<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(local_actor_id)
        .bind(actor.as_str())
        .fetch_optional(conn)
        .await)?;
    Ok(inbox.and_then(|inbox| Url::parse(&inbox).ok()))
}

/// Whether the local actor follows `actor` (asked or accepted: content may arrive first; not
/// refused).
pub async fn is_following(tx: &mut Tx, local_actor_id: i64, actor: &Url) -> Result<bool> {
    let sql = "select count(*) from following where local_actor_id = $1 and target_ap_id = $2 \
               and rejected_at is null";
    let count: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(local_actor_id)
        .bind(actor.as_str())
        .fetch_one(conn)
        .await)?;
    Ok(count > 0)
}

/// Whom the local actor follows, oldest first.
pub async fn list(db: &Db, local_actor_id: i64) -> Result<Vec<Following>> {
    let sql = "select target_ap_id, follow_activity_id, created_at, accepted_at, rejected_at \
               from following where local_actor_id = $1 order by following_id";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(local_actor_id)
        .fetch_all(pool)
        .await)?)
}
