//! Actors of other servers: fetched (signed by our instance actor), checked, stored in
//! `remote_actor`, and refreshed by the federation crate when older than a day.
//!
//! Invariant: a stored actor's key belongs to it: the key's `owner` is the actor's id and the
//! key id is on the actor's origin.

use super::origin::same_origin;
use crate::app::AppState;
use crate::db::with_pool;
use crate::error::{Error, Result};
use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use url::Url;

/// A remote actor as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RemoteActor {
    pub ap_id: String,
    pub actor_type: String,
    pub username: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub fetched_at: DateTime<Utc>,
    #[sqlx(skip)]
    id: Option<Url>,
}

/// The fields of a remote actor document we read (AS2 words).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDocument {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: Option<String>,
    pub inbox: Url,
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKeyDocument,
}

/// `endpoints` of an actor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Option<Url>,
}

/// `publicKey` of an actor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyDocument {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

const ACTOR_TYPES: [&str; 5] = ["Person", "Organization", "Application", "Service", "Group"];

impl RemoteActor {
    /// The actor's id.
    pub fn url(&self) -> &Url {
        self.id.as_ref().expect("set on load")
    }

    /// Where to deliver to this actor alone.
    pub fn inbox_url(&self) -> Result<Url> {
        Url::parse(&self.inbox).map_err(|_| Error::internal("stored inbox is not a URL"))
    }

    fn with_id(mut self) -> Result<Self> {
        self.id = Some(
            Url::parse(&self.ap_id).map_err(|_| Error::internal("stored actor id is not a URL"))?,
        );
        Ok(self)
    }
}

/// Fetches (or reads from the store) the actor that owns `key_id` (`<actor>#main-key`).
/// With `force`, refetches even a fresh copy (after a signature failure: the key may have rotated).
pub async fn for_key(key_id: &str, force: bool, data: &Data<AppState>) -> Result<RemoteActor> {
    let mut actor_url = Url::parse(key_id)
        .map_err(|_| Error::Unauthorized(format!("the keyId {key_id:?} is not a URL")))?;
    actor_url.set_fragment(None);
    if data.app_data().actors().by_url(&actor_url).is_some() {
        return Err(Error::Unauthorized(
            "the request claims to be signed by one of our own actors".to_string(),
        ));
    }
    let object_id: ObjectId<RemoteActor> = actor_url.into();
    let actor = if force {
        object_id.dereference_forced(data).await?
    } else {
        object_id.dereference(data).await?
    };
    if actor.public_key_id != key_id {
        return Err(Error::Unauthorized(format!(
            "the key {key_id} is not the key of {}",
            actor.ap_id
        )));
    }
    Ok(actor)
}

async fn find(ap_id: &str, state: &AppState) -> Result<Option<RemoteActor>> {
    let sql = "select ap_id, actor_type, username, inbox, shared_inbox, public_key_id, \
               public_key_pem, fetched_at from remote_actor where ap_id = $1";
    let row: Option<RemoteActor> = with_pool!(state.db(), |pool| sqlx::query_as(sql)
        .bind(ap_id)
        .fetch_optional(pool)
        .await)?;
    row.map(RemoteActor::with_id).transpose()
}

/// The stored actor with this id, if we have ever fetched it.
pub async fn find_stored(state: &AppState, ap_id: &Url) -> Result<Option<RemoteActor>> {
    find(ap_id.as_str(), state).await
}

#[async_trait::async_trait]
impl activitypub_federation::traits::Object for RemoteActor {
    type DataType = AppState;
    type Kind = ActorDocument;
    type Error = Error;

    fn id(&self) -> &Url {
        self.url()
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.fetched_at)
    }

    async fn read_from_id(object_id: Url, data: &Data<AppState>) -> Result<Option<Self>> {
        find(object_id.as_str(), data.app_data()).await
    }

    async fn into_json(self, _data: &Data<AppState>) -> Result<ActorDocument> {
        // We never serve remote actors; the crate only calls this for local objects.
        Err(Error::NotFound)
    }

    async fn verify(json: &ActorDocument, expected: &Url, _data: &Data<AppState>) -> Result<()> {
        if !same_origin(&json.id, expected) {
            return Err(Error::Forbidden(format!(
                "the actor document fetched from {expected} has the foreign id {}",
                json.id
            )));
        }
        if !ACTOR_TYPES.contains(&json.kind.as_str()) {
            return Err(Error::BadRequest(format!(
                "{} is a {}, not an actor",
                json.id, json.kind
            )));
        }
        if json.public_key.owner != json.id {
            return Err(Error::Forbidden(format!(
                "the key of {} is owned by {}",
                json.id, json.public_key.owner
            )));
        }
        let key_url = Url::parse(&json.public_key.id)
            .map_err(|_| Error::BadRequest("the actor's key id is not a URL".to_string()))?;
        let shared_inbox = json
            .endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref());
        if !same_origin(&key_url, &json.id)
            || !same_origin(&json.inbox, &json.id)
            || shared_inbox.is_some_and(|inbox| !same_origin(inbox, &json.id))
        {
            return Err(Error::Forbidden(format!(
                "the key or an inbox of {} is on another server",
                json.id
            )));
        }
        Ok(())
    }

    async fn from_json(json: ActorDocument, data: &Data<AppState>) -> Result<Self> {
        let state = data.app_data();
        let shared_inbox = json
            .endpoints
            .as_ref()
            .and_then(|endpoints| endpoints.shared_inbox.as_ref())
            .map(Url::to_string);
        let sql = "insert into remote_actor (ap_id, actor_type, username, inbox, shared_inbox, \
                   public_key_id, public_key_pem, fetched_at) values ($1, $2, $3, $4, $5, $6, $7, $8) \
                   on conflict (ap_id) do update set actor_type = excluded.actor_type, \
                   username = excluded.username, inbox = excluded.inbox, \
                   shared_inbox = excluded.shared_inbox, public_key_id = excluded.public_key_id, \
                   public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at";
        let now = Utc::now();
        with_pool!(state.db(), |pool| sqlx::query(sql)
            .bind(json.id.as_str())
            .bind(&json.kind)
            .bind(&json.preferred_username)
            .bind(json.inbox.as_str())
            .bind(&shared_inbox)
            .bind(&json.public_key.id)
            .bind(&json.public_key.public_key_pem)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        RemoteActor {
            ap_id: json.id.to_string(),
            actor_type: json.kind,
            username: json.preferred_username,
            inbox: json.inbox.to_string(),
            shared_inbox,
            public_key_id: json.public_key.id,
            public_key_pem: json.public_key.public_key_pem,
            fetched_at: now,
            id: None,
        }
        .with_id()
    }
}
