//! The inboxes (per actor and shared): every incoming activity passes here.
//!
//! Order of checks, cheapest and key-free first: body size (413), signature form, coverage,
//! date and digest (401), JSON shape (400), blocked domain or suspended
//! account (403), id origin = actor origin (403),
//! the signer's key found (by key id) and the signature verified, once more with a fresh copy
//! on failure (401), signer = actor (401), the activity parsed and prepared by its verb
//! (400/403; sanitizing happens here, on no transaction), then the activity id recorded (replays
//! are ignored) and its effects written in one transaction by the [`writer`], which commits the
//! activities of many requests together. The whole runs under `inbox_timeout_seconds`.
//!
//! Invariant: a request holds no database connection while it waits for another one, and no
//! transaction is open while CPU-heavy work (verifying, parsing, sanitizing) runs.

pub mod limits;
pub mod writer;

use writer::Received;

use super::activities::{self, Inbox, Incoming, Recipient};
use super::origin::same_origin;
use super::remote_actors::{self, RemoteActor};
use super::signature::{self, PendingSignature, PublicKey, SignedRequest};
use crate::app::AppState;
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use chrono::Utc;
use serde_json::Value;
use std::sync::Arc;
use url::Url;

/// The largest activity we accept, in bytes (Mastodon's limit is 1 MB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// `POST /inbox`.
pub async fn shared(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    receive(&state, Inbox::Shared, &method, &uri, &headers, &body).await
}

/// `POST /actor/inbox`: the instance actor's.
pub async fn instance_actor(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    let inbox = Inbox::Actor(state.actors().instance().clone());
    receive(&state, inbox, &method, &uri, &headers, &body).await
}

/// `POST /actors/{username}/inbox`: any of our actors' but the instance actor's.
pub async fn personal(
    State(state): State<AppState>,
    Path(username): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode> {
    // A member's inbox is there while their account is active (404 before, 410 after).
    let actor = super::documents::named_actor(&state, &username).await?;
    receive(&state, Inbox::Actor(actor), &method, &uri, &headers, &body).await
}

/// The longest activity type we read (`TentativeAccept` is 15).
const MAX_TYPE_CHARS: usize = 64;

/// The minimum every activity has.
#[derive(Debug, serde::Deserialize)]
struct Envelope {
    id: Url,
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "activities::id_of")]
    actor: Url,
}

async fn receive(
    state: &AppState,
    inbox: Inbox,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<StatusCode> {
    let limit = std::time::Duration::from_secs(state.config().federation.inbox_timeout_seconds);
    let work = async {
        // The semaphore is never closed, so acquiring only waits.
        let _slot = state.inbox_slots().acquire().await;
        process(state, inbox, method, uri, headers, body).await
    };
    match tokio::time::timeout(limit, work).await {
        Ok(result) => result.map(|()| StatusCode::ACCEPTED),
        Err(_) => Err(Error::Timeout),
    }
}

async fn process(
    state: &AppState,
    inbox: Inbox,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<()> {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let scheme = state.urls().base().scheme().to_string();
    let request = SignedRequest {
        method,
        path_and_query,
        scheme: &scheme,
        headers,
        body: Some(body),
    };
    let pending = signature::parse(&request, Utc::now())?;

    let value: Value = serde_json::from_slice(body)
        .map_err(|error| Error::BadRequest(format!("the body is not JSON: {error}")))?;
    let envelope: Envelope = serde_json::from_value(value.clone())
        .map_err(|error| Error::BadRequest(format!("the body is not an activity: {error}")))?;
    if envelope.kind.len() > MAX_TYPE_CHARS
        || envelope.id.as_str().len() > remote_actors::MAX_URL_CHARS
        || envelope.actor.as_str().len() > remote_actors::MAX_URL_CHARS
    {
        return Err(Error::BadRequest(format!(
            "the activity's type is longer than {MAX_TYPE_CHARS} characters, or its id or actor \
             longer than {} characters",
            remote_actors::MAX_URL_CHARS
        )));
    }
    let actor_host = envelope.actor.host_str().unwrap_or_default();
    if state.peer_policy().is_blocked(actor_host) {
        return Err(Error::Forbidden(format!(
            "{actor_host} is blocked, or not allowed, by this instance's domain policy"
        )));
    }
    if super::policy::is_suspended(state, envelope.actor.as_str()) {
        return Err(Error::Forbidden(format!(
            "the account {} is suspended on this instance",
            envelope.actor
        )));
    }
    if !same_origin(&envelope.id, &envelope.actor) {
        return Err(Error::Forbidden(format!(
            "the activity id {} is not on the server of its actor {}",
            envelope.id, envelope.actor
        )));
    }
    if same_origin(&envelope.actor, state.urls().base()) {
        return Err(Error::Forbidden(
            "the activity claims to come from this server".to_string(),
        ));
    }

    if envelope.kind == "Delete"
        && deletes_itself(&value, &envelope.actor)
        && remote_actors::find_stored(state, &envelope.actor)
            .await?
            .is_none()
    {
        // A server announcing the deletion of an account we never knew: its key is gone with
        // it, so nothing can be verified, and there is nothing to delete (Mastodon does this).
        tracing::debug!(actor = %envelope.actor, "Delete of an unknown actor; ignored");
        return Ok(());
    }
    let signer = verified_signer(state, &pending).await?;
    if signer.url() != &envelope.actor {
        return Err(Error::Unauthorized(format!(
            "the request is signed by {}, but the activity's actor is {}",
            signer.ap_id, envelope.actor
        )));
    }
    limits::check(state, signer.url()).await?;
    let recipient = Recipient::of(inbox, &value);
    let incoming = Incoming::from_json(&envelope.kind, value)?;
    let received = Received {
        id: envelope.id.clone(),
        kind: envelope.kind.clone(),
        object: incoming.object_id().cloned(),
    };
    let effect = incoming.prepare(state, &recipient, &signer).await?;
    let written = state.inbox_writer().write(received, effect, signer).await?;
    if written {
        // Anything the activity queued (an Accept) can go now.
        state.delivery_wakeup().notify_one();
        tracing::info!(id = %envelope.id, kind = %envelope.kind, signature = ?pending.standard, "accepted");
    } else {
        tracing::debug!(id = %envelope.id, "ignored an activity received before");
    }
    Ok(())
}

/// Whether `activity` deletes its own actor.
fn deletes_itself(activity: &Value, actor: &Url) -> bool {
    let object = &activity["object"];
    let id = object.as_str().or_else(|| object["id"].as_str());
    id == Some(actor.as_str())
}

/// Finds the key of the request's signer and verifies the signature; on failure, refetches the
/// signer once (its key may have rotated) and tries again.
pub async fn verified_signer(state: &AppState, pending: &PendingSignature) -> Result<RemoteActor> {
    let actor = remote_actors::for_key(state, &pending.key_id, false).await?;
    let host = actor.url().host_str().unwrap_or_default();
    if state.peer_policy().is_blocked(host) {
        return Err(Error::Forbidden(format!(
            "{host} is blocked, or not allowed, by this instance's domain policy"
        )));
    }
    if verify_with(state, pending, &actor).is_ok() {
        return Ok(actor);
    }
    let refreshed = remote_actors::for_key(state, &pending.key_id, true).await?;
    verify_with(state, pending, &refreshed)?;
    Ok(refreshed)
}

fn verify_with(state: &AppState, pending: &PendingSignature, actor: &RemoteActor) -> Result<()> {
    let key = actor.key(&pending.key_id).ok_or_else(|| {
        Error::Unauthorized(format!(
            "the key {} is not a key of {}",
            pending.key_id, actor.ap_id
        ))
    })?;
    pending.verify(&*state.public_key(&key.public_key_pem)?)
}

/// A cache of parsed public keys, by PEM text: parsing costs ~15 verifications.
#[derive(Default)]
pub struct KeyCache(std::sync::Mutex<std::collections::HashMap<String, Arc<PublicKey>>>);

impl KeyCache {
    /// Most keys kept; past this the cache starts again empty.
    const CAPACITY: usize = 10_000;

    /// The parsed key for `pem`.
    pub fn get(&self, pem: &str) -> Result<Arc<PublicKey>> {
        let mut keys = self
            .0
            .lock()
            .map_err(|_| Error::internal("key cache poisoned"))?;
        if let Some(key) = keys.get(pem) {
            return Ok(key.clone());
        }
        let key = Arc::new(PublicKey::from_pem(pem).ok_or_else(|| {
            Error::Unauthorized("the signer's public key is unreadable".to_string())
        })?);
        if keys.len() >= Self::CAPACITY {
            keys.clear();
        }
        keys.insert(pem.to_string(), key.clone());
        Ok(key)
    }
}

/// How long received activity ids are remembered. Senders retry for days (Mastodon about a
/// week); signatures are valid for an hour, so older replays are refused anyway.
pub const REMEMBER_RECEIVED_DAYS: i64 = 30;

/// Forgets the ids of activities received before `before`. Returns how many were forgotten.
pub async fn forget_received_before(
    db: &crate::db::Db,
    before: chrono::DateTime<Utc>,
) -> Result<u64> {
    let sql = "delete from received_activity where received_at < $1";
    Ok(crate::db::with_pool!(db, |pool| sqlx::query(sql)
        .bind(before)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}
