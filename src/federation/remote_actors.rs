//! Actors of other servers: fetched (signed by our instance actor), checked, stored in
//! `remote_actor` with the keys they list in `remote_actor_key`, and found again by key id.
//!
//! A signature names a key, not an actor. Mastodon's keys are fragments of the actor
//! (`<actor>#main-key`), so the document behind them is the actor itself; GoToSocial's have
//! their own path (`<actor>/main-key`) and serve a key stub: a `Person` with only `id`,
//! `preferredUsername` and `publicKey`. [`for_key`] reads whatever the key id serves as a key
//! (`publicKey`, or a bare key object with an `owner`), fetches its owner, and accepts it only if
//! the owner lists that key.
//!
//! Invariants: a stored actor's keys belong to it (each key's `owner` is the actor, and the key
//! is on the actor's origin); every stored field is bounded; a key that could not be fetched is
//! not fetched again for [`KEY_FAILURE_MEMORY`], a host whose keys keep failing not for
//! [`HOST_FAILURE_WINDOW`], and a known key is refreshed by force at most once per
//! [`FORCED_REFRESH_INTERVAL`], so no request can make Jisr fetch a URL over and over.

use super::origin::same_origin;
use crate::app::AppState;
use crate::db::{Db, with_pool};
use crate::domain::network::Profile;
use crate::domain::text::remote_line;
use crate::error::{Error, Result};
use activitypub_federation::config::Data;
use activitypub_federation::fetch::object_id::ObjectId;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use url::Url;

/// A remote actor as stored, with the keys it lists.
#[derive(Debug, Clone)]
pub struct RemoteActor {
    pub ap_id: String,
    pub actor_type: String,
    pub username: Option<String>,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub fetched_at: DateTime<Utc>,
    /// The keys the actor listed when last fetched (at least one).
    pub keys: Vec<RemoteKey>,
    id: Url,
}

/// One public key of a remote actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteKey {
    pub key_id: String,
    pub public_key_pem: String,
}

#[derive(Debug, sqlx::FromRow)]
struct ActorRow {
    remote_actor_id: i64,
    ap_id: String,
    actor_type: String,
    username: Option<String>,
    inbox: String,
    shared_inbox: Option<String>,
    fetched_at: DateTime<Utc>,
}

#[derive(Debug, sqlx::FromRow)]
struct KeyRow {
    key_id: String,
    public_key_pem: String,
}

/// The fields of a remote actor document we read (AS2 words).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorDocument {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    pub preferred_username: Option<Value>,
    pub inbox: Url,
    pub endpoints: Option<Endpoints>,
    pub public_key: OneOrMany<PublicKeyDocument>,
    /// What its profile shows (read by `remote_profile`, leniently: a field of an odd shape
    /// is dropped, never a reason to refuse the actor).
    #[serde(flatten)]
    pub profile: super::remote_profile::ProfileFields,
}

/// `endpoints` of an actor.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Option<Url>,
}

/// `publicKey` of an actor, or a key document of its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyDocument {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

/// One value or a list of them, as JSON-LD allows.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(one) => std::slice::from_ref(one),
            OneOrMany::Many(many) => many,
        }
    }
}

/// Actor types we accept.
pub const ACTOR_TYPES: [&str; 5] = ["Person", "Organization", "Application", "Service", "Group"];
/// The longest URL we store (ids, inboxes, key ids).
pub const MAX_URL_CHARS: usize = 2048;
/// The longest username we store.
const MAX_USERNAME_CHARS: usize = 128;
/// The longest public key we accept (an RSA-8192 key in PEM is about 1,500 bytes).
const MAX_KEY_PEM_BYTES: usize = 16 * 1024;
/// The most keys we keep of one actor (Mastodon keeps 10).
const MAX_KEYS: usize = 10;
/// How long a stored actor is used before it is fetched again.
pub const REFRESH_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(1);
/// How long a key that could not be fetched is not tried again.
pub const KEY_FAILURE_MEMORY: Duration = Duration::from_secs(300);
/// The window in which at most [`HOST_MAX_FAILURES`] fetches of unknown keys may fail on one
/// host; past that, unknown keys of that host are not fetched until the window ends.
pub const HOST_FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// See [`HOST_FAILURE_WINDOW`].
pub const HOST_MAX_FAILURES: u32 = 10;
/// The shortest time between two forced refreshes of one key (after a signature failed).
pub const FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

impl RemoteActor {
    /// The actor's id.
    pub fn url(&self) -> &Url {
        &self.id
    }

    /// Where to deliver to this actor alone.
    pub fn inbox_url(&self) -> Result<Url> {
        Url::parse(&self.inbox).map_err(|_| Error::internal("stored inbox is not a URL"))
    }

    /// The key with this id, if the actor lists it.
    pub fn key(&self, key_id: &str) -> Option<&RemoteKey> {
        self.keys.iter().find(|key| key.key_id == key_id)
    }

    fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.fetched_at + REFRESH_AFTER < now
    }

    fn from_rows(row: ActorRow, keys: Vec<KeyRow>) -> Result<Self> {
        Ok(RemoteActor {
            id: Url::parse(&row.ap_id)
                .map_err(|_| Error::internal("stored actor id is not a URL"))?,
            ap_id: row.ap_id,
            actor_type: row.actor_type,
            username: row.username,
            inbox: row.inbox,
            shared_inbox: row.shared_inbox,
            fetched_at: row.fetched_at,
            keys: keys
                .into_iter()
                .map(|key| RemoteKey {
                    key_id: key.key_id,
                    public_key_pem: key.public_key_pem,
                })
                .collect(),
        })
    }
}

/// What this process remembers about remote keys: the signers it verified recently (so that a
/// busy inbox does not read the database for every activity) and the keys and hosts that
/// failed (so that nobody can make Jisr fetch a URL of their choosing once per request).
#[derive(Default)]
pub struct KeyLookups {
    signers: Mutex<HashMap<String, RemoteActor>>,
    failures: Mutex<Failures>,
}

#[derive(Default)]
struct Failures {
    /// When each key id last failed.
    keys: HashMap<String, Instant>,
    /// Per host: when its window started and how many fetches failed in it.
    hosts: HashMap<String, (Instant, u32)>,
    /// When each key id was last refreshed by force.
    forced: HashMap<String, Instant>,
}

impl KeyLookups {
    /// Most entries of each map; past this, expired entries go, and if that is not enough, all.
    const CAPACITY: usize = 10_000;

    fn cached(&self, key_id: &str) -> Option<RemoteActor> {
        self.signers.lock().ok()?.get(key_id).cloned()
    }

    fn remember(&self, actor: &RemoteActor) {
        if let Ok(mut signers) = self.signers.lock() {
            if signers.len() >= Self::CAPACITY {
                signers.clear();
            }
            signers.retain(|_, cached| cached.ap_id != actor.ap_id);
            for key in &actor.keys {
                signers.insert(key.key_id.clone(), actor.clone());
            }
        }
    }

    /// Refuses a fetch of `key_id` on `host` that failed too recently.
    fn check(&self, key_id: &str, host: &str) -> Result<()> {
        let Ok(failures) = self.failures.lock() else {
            return Ok(());
        };
        if let Some(failed) = failures.keys.get(key_id)
            && failed.elapsed() < KEY_FAILURE_MEMORY
        {
            return Err(Error::Unavailable(format!(
                "the key {key_id} could not be fetched {} s ago; it is not fetched again for {} s",
                failed.elapsed().as_secs(),
                KEY_FAILURE_MEMORY.as_secs()
            )));
        }
        if let Some((started, count)) = failures.hosts.get(host)
            && started.elapsed() < HOST_FAILURE_WINDOW
            && *count >= HOST_MAX_FAILURES
        {
            return Err(Error::Unavailable(format!(
                "{count} keys of {host} could not be fetched in the last {} s; unknown keys of \
                 {host} are not fetched for a while",
                HOST_FAILURE_WINDOW.as_secs()
            )));
        }
        Ok(())
    }

    fn record_failure(&self, key_id: &str, host: &str) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        failures.sweep();
        failures.keys.insert(key_id.to_string(), Instant::now());
        let window = failures
            .hosts
            .entry(host.to_string())
            .or_insert((Instant::now(), 0));
        if window.0.elapsed() >= HOST_FAILURE_WINDOW {
            *window = (Instant::now(), 0);
        }
        window.1 += 1;
    }

    /// Whether `key_id` may be refreshed by force now; if so, records that it is.
    fn may_force(&self, key_id: &str) -> bool {
        let Ok(mut failures) = self.failures.lock() else {
            return true;
        };
        failures.sweep();
        match failures.forced.get(key_id) {
            Some(last) if last.elapsed() < FORCED_REFRESH_INTERVAL => false,
            _ => {
                failures.forced.insert(key_id.to_string(), Instant::now());
                true
            }
        }
    }
}

impl Failures {
    fn sweep(&mut self) {
        if self.keys.len() >= KeyLookups::CAPACITY {
            self.keys
                .retain(|_, failed| failed.elapsed() < KEY_FAILURE_MEMORY);
        }
        if self.hosts.len() >= KeyLookups::CAPACITY {
            self.hosts
                .retain(|_, (started, _)| started.elapsed() < HOST_FAILURE_WINDOW);
        }
        if self.forced.len() >= KeyLookups::CAPACITY {
            self.forced
                .retain(|_, last| last.elapsed() < FORCED_REFRESH_INTERVAL);
        }
        for map_len in [self.keys.len(), self.hosts.len(), self.forced.len()] {
            if map_len >= KeyLookups::CAPACITY {
                self.keys.clear();
                self.hosts.clear();
                self.forced.clear();
                break;
            }
        }
    }
}

/// The actor that owns the key `key_id`, with that key among its keys: from this process's
/// memory, else the store, else fetched. With `force` (a signature did not verify with the
/// stored key, which may have changed), fetched again, at most once per
/// [`FORCED_REFRESH_INTERVAL`].
pub async fn for_key(state: &AppState, key_id: &str, force: bool) -> Result<RemoteActor> {
    let key_url = Url::parse(key_id)
        .ok()
        .filter(|_| key_id.len() <= MAX_URL_CHARS)
        .ok_or_else(|| Error::Unauthorized(format!("the keyId {key_id:.200?} is not a URL")))?;
    if same_origin(&key_url, state.urls().base()) {
        return Err(Error::Unauthorized(
            "the request claims to be signed by one of our own actors".to_string(),
        ));
    }
    let now = Utc::now();
    let lookups = state.key_lookups();
    let mut stale = None;
    if force {
        if !lookups.may_force(key_id) {
            return Err(Error::Unauthorized(format!(
                "the signature does not verify with the key {key_id}, which was fetched again \
                 less than {} s ago",
                FORCED_REFRESH_INTERVAL.as_secs()
            )));
        }
    } else {
        if let Some(actor) = lookups.cached(key_id)
            && !actor.is_stale(now)
        {
            return Ok(actor);
        }
        match find_by_key(state, key_id).await? {
            Some(actor) if !actor.is_stale(now) => {
                lookups.remember(&actor);
                return Ok(actor);
            }
            other => stale = other,
        }
    }
    let host = key_url.host_str().unwrap_or_default().to_ascii_lowercase();
    if stale.is_none() {
        lookups.check(key_id, &host)?;
    }
    match fetch_key_owner(state, &key_url, force).await {
        Ok(actor) if actor.key(key_id).is_some() => {
            lookups.remember(&actor);
            Ok(actor)
        }
        Ok(actor) => {
            lookups.record_failure(key_id, &host);
            Err(Error::Unauthorized(format!(
                "the key {key_id} is not a key of {}",
                actor.ap_id
            )))
        }
        // A copy we have beats none when the refresh fails (the server may be down a moment).
        Err(_) if stale.is_some() => Ok(stale.expect("checked")),
        Err(error) => {
            lookups.record_failure(key_id, &host);
            Err(error)
        }
    }
}

/// Fetches the document at `key_url` as a key and returns its owner.
async fn fetch_key_owner(state: &AppState, key_url: &Url, force: bool) -> Result<RemoteActor> {
    let data = state.federation_data()?;
    let dereference = |owner: Url| {
        let data = data.reset_request_count();
        async move {
            let owner: ObjectId<RemoteActor> = owner.into();
            if force {
                owner.dereference_forced(&data).await
            } else {
                owner.dereference(&data).await
            }
        }
    };
    if key_url.fragment().is_some() {
        // `<actor>#main-key`: the document is the actor itself.
        let mut actor_url = key_url.clone();
        actor_url.set_fragment(None);
        return dereference(actor_url).await;
    }
    // A key with a URL of its own. The federation crate follows a document whose `id` differs
    // from the URL to that `id` when it is on the same host: a GoToSocial key stub leads it to
    // the actor, a bare key object (its `id` is the key's URL) is returned as it is.
    let fetched =
        activitypub_federation::fetch::fetch_object_http::<AppState, Value>(key_url, &data).await?;
    let document = fetched.object;
    let is_actor = document["type"]
        .as_str()
        .is_some_and(|kind| ACTOR_TYPES.contains(&kind));
    if is_actor && document.get("inbox").is_some() {
        let actor: ActorDocument = serde_json::from_value(document).map_err(|error| {
            Error::Unavailable(format!("{} is not a readable actor: {error}", fetched.url))
        })?;
        <RemoteActor as activitypub_federation::traits::Object>::verify(
            &actor,
            &fetched.url,
            &data,
        )
        .await?;
        return <RemoteActor as activitypub_federation::traits::Object>::from_json(actor, &data)
            .await;
    }
    let owner = document["publicKey"]["owner"]
        .as_str()
        .or_else(|| document["owner"].as_str())
        .or_else(|| is_actor.then(|| document["id"].as_str()).flatten())
        .and_then(|owner| Url::parse(owner).ok())
        .ok_or_else(|| {
            Error::Unavailable(format!(
                "{key_url} is neither an actor nor a key with an owner"
            ))
        })?;
    if !same_origin(&owner, key_url) {
        return Err(Error::Forbidden(format!(
            "the key {key_url} names an owner on another server, {owner}"
        )));
    }
    dereference(owner).await
}

async fn keys_of(state: &AppState, remote_actor_id: i64) -> Result<Vec<KeyRow>> {
    let sql = "select key_id, public_key_pem from remote_actor_key where remote_actor_id = $1 \
               order by key_id";
    Ok(with_pool!(state.db(), |pool| sqlx::query_as(sql)
        .bind(remote_actor_id)
        .fetch_all(pool)
        .await)?)
}

const ACTOR_COLUMNS: &str = "remote_actor.remote_actor_id, ap_id, actor_type, username, inbox, \
                             shared_inbox, fetched_at";

async fn find(state: &AppState, ap_id: &str) -> Result<Option<RemoteActor>> {
    let sql = format!("select {ACTOR_COLUMNS} from remote_actor where ap_id = $1");
    let row: Option<ActorRow> = with_pool!(state.db(), |pool| sqlx::query_as(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(ap_id)
    .fetch_optional(pool)
    .await)?;
    load(state, row).await
}

/// The stored actor that lists the key `key_id`.
async fn find_by_key(state: &AppState, key_id: &str) -> Result<Option<RemoteActor>> {
    let sql = format!(
        "select {ACTOR_COLUMNS} from remote_actor join remote_actor_key \
         on remote_actor_key.remote_actor_id = remote_actor.remote_actor_id where key_id = $1"
    );
    let row: Option<ActorRow> = with_pool!(state.db(), |pool| sqlx::query_as(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(key_id)
    .fetch_optional(pool)
    .await)?;
    load(state, row).await
}

async fn load(state: &AppState, row: Option<ActorRow>) -> Result<Option<RemoteActor>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let keys = keys_of(state, row.remote_actor_id).await?;
    RemoteActor::from_rows(row, keys).map(Some)
}

/// Stores what an actor's `Update` of itself says (Mastodon sends one when a profile changes;
/// another Jisr instance when an expert is confirmed or withdrawn), as a fetch of it would:
/// the same checks, the same row. `document` must be the signer's own: returns whether it
/// was, and was stored.
pub async fn updated(state: &AppState, signer: &RemoteActor, document: Value) -> Result<bool> {
    let Ok(actor) = serde_json::from_value::<ActorDocument>(document) else {
        return Ok(false);
    };
    if actor.id.as_str() != signer.ap_id {
        return Ok(false);
    }
    let data = state.federation_data()?;
    <RemoteActor as activitypub_federation::traits::Object>::verify(&actor, signer.url(), &data)
        .await?;
    <RemoteActor as activitypub_federation::traits::Object>::from_json(actor, &data).await?;
    Ok(true)
}

/// Fetches (again) the actor `id` and stores it.
pub async fn refresh(state: &AppState, id: Url) -> Result<RemoteActor> {
    let data = state.federation_data()?;
    ObjectId::<RemoteActor>::from(id)
        .dereference_forced(&data)
        .await
}

/// The stored actor whose handle is `username@host`, if we have ever fetched it (an actor
/// whose id is on another host than its handle's is not found).
pub async fn by_handle(
    state: &AppState,
    username: &str,
    host: &str,
) -> Result<Option<RemoteActor>> {
    let sql = format!(
        "select {ACTOR_COLUMNS} from remote_actor where lower(username) = $1 \
         and (ap_id like $2 or ap_id like $3) limit 5"
    );
    let host = host.to_ascii_lowercase();
    let rows: Vec<ActorRow> = with_pool!(state.db(), |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(username.to_lowercase())
    .bind(format!("https://{host}/%"))
    .bind(format!("http://{host}/%"))
    .fetch_all(pool)
    .await)?;
    for row in rows {
        let same_host = Url::parse(&row.ap_id).is_ok_and(|url| {
            let shown = match (url.host_str(), url.port()) {
                (Some(name), Some(port)) => format!("{name}:{port}"),
                (Some(name), None) => name.to_string(),
                _ => String::new(),
            };
            shown == host
        });
        if same_host {
            return load(state, Some(row)).await;
        }
    }
    Ok(None)
}

/// The stored actor with this id, if we have ever fetched it.
pub async fn find_stored(state: &AppState, ap_id: &Url) -> Result<Option<RemoteActor>> {
    find(state, ap_id.as_str()).await
}

/// The keys of `json` we keep: those owned by the actor, on its origin, within bounds.
fn listed_keys(json: &ActorDocument) -> Vec<RemoteKey> {
    json.public_key
        .as_slice()
        .iter()
        .filter(|key| key.owner == json.id && key.id.len() <= MAX_URL_CHARS)
        .filter(|key| Url::parse(&key.id).is_ok_and(|url| same_origin(&url, &json.id)))
        .filter(|key| key.public_key_pem.len() <= MAX_KEY_PEM_BYTES)
        .take(MAX_KEYS)
        .map(|key| RemoteKey {
            key_id: key.id.clone(),
            public_key_pem: key.public_key_pem.clone(),
        })
        .collect()
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
        find(data.app_data(), object_id.as_str()).await
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
                "{} is a {:.40}, not an actor",
                json.id, json.kind
            )));
        }
        let shared_inbox = json
            .endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_ref());
        if !same_origin(&json.inbox, &json.id)
            || shared_inbox.is_some_and(|inbox| !same_origin(inbox, &json.id))
        {
            return Err(Error::Forbidden(format!(
                "an inbox of {} is on another server",
                json.id
            )));
        }
        let too_long = [Some(&json.id), Some(&json.inbox), shared_inbox]
            .into_iter()
            .flatten()
            .any(|url| url.as_str().len() > MAX_URL_CHARS);
        if too_long {
            return Err(Error::BadRequest(format!(
                "{:.200}: an id or inbox is longer than {MAX_URL_CHARS} characters",
                json.id
            )));
        }
        if listed_keys(json).is_empty() {
            return Err(Error::Forbidden(format!(
                "{} lists no key of its own (a publicKey owned by it, on its server)",
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
        let username = json
            .preferred_username
            .as_ref()
            .and_then(Value::as_str)
            .map(|name| remote_line(name, MAX_USERNAME_CHARS))
            .filter(|name| !name.is_empty());
        let keys = listed_keys(&json);
        let now = Utc::now();
        let profile = super::remote_profile::read(&json.profile);
        let upsert = format!(
            "insert into remote_actor (ap_id, actor_type, username, inbox, shared_inbox, \
             fetched_at, name, icon_url, summary_html, url, profile) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             on conflict (ap_id) do update set actor_type = excluded.actor_type, \
             username = excluded.username, inbox = excluded.inbox, \
             shared_inbox = excluded.shared_inbox, fetched_at = excluded.fetched_at, \
             name = excluded.name, icon_url = excluded.icon_url, \
             summary_html = excluded.summary_html, url = excluded.url, \
             profile = excluded.profile \
             returning {ACTOR_COLUMNS}"
        );
        let forget_keys = "delete from remote_actor_key where remote_actor_id = $1";
        let add_key = "insert into remote_actor_key (key_id, remote_actor_id, public_key_pem) \
                       values ($1, $2, $3) on conflict (key_id) do update set \
                       remote_actor_id = excluded.remote_actor_id, \
                       public_key_pem = excluded.public_key_pem";
        let mut tx = state.db().begin().await?;
        let row: ActorRow = crate::db::with_tx!(&mut tx, |conn| sqlx::query_as(
            sqlx::AssertSqlSafe(upsert.as_str())
        )
        .bind(json.id.as_str())
        .bind(&json.kind)
        .bind(&username)
        .bind(json.inbox.as_str())
        .bind(&shared_inbox)
        .bind(now)
        .bind(&profile.name)
        .bind(&profile.icon_url)
        .bind(&profile.summary_html)
        .bind(&profile.url)
        .bind(serde_json::to_string(&profile.details)?)
        .fetch_one(conn)
        .await)?;
        crate::db::with_tx!(&mut tx, |conn| sqlx::query(forget_keys)
            .bind(row.remote_actor_id)
            .execute(conn)
            .await
            .map(|_| ()))?;
        for key in &keys {
            crate::db::with_tx!(&mut tx, |conn| sqlx::query(add_key)
                .bind(&key.key_id)
                .bind(row.remote_actor_id)
                .bind(&key.public_key_pem)
                .execute(conn)
                .await
                .map(|_| ()))?;
        }
        tx.commit().await?;
        let rows = keys
            .into_iter()
            .map(|key| KeyRow {
                key_id: key.key_id,
                public_key_pem: key.public_key_pem,
            })
            .collect();
        let actor = RemoteActor::from_rows(row, rows)?;
        state.key_lookups().remember(&actor);
        Ok(actor)
    }
}

/// The fields of a profile, in the order of [`PROFILE_COLUMNS`], as a packed row is read.
#[derive(serde::Deserialize, sqlx::FromRow)]
struct ProfileRow {
    ap_id: String,
    actor_type: String,
    username: Option<String>,
    name: String,
    icon_url: Option<String>,
    summary_html: String,
    url: Option<String>,
    profile: String,
}

impl From<ProfileRow> for Profile {
    fn from(row: ProfileRow) -> Profile {
        Profile {
            details: serde_json::from_str(&row.profile).unwrap_or_default(),
            ap_id: row.ap_id,
            actor_type: row.actor_type,
            username: row.username,
            name: row.name,
            icon_url: row.icon_url,
            summary_html: row.summary_html,
            url: row.url,
        }
    }
}

const PROFILE_COLUMNS: &str =
    "ap_id, actor_type, username, name, icon_url, summary_html, url, profile";

/// The stored profiles of these actors, by id (those never fetched are missing).
pub async fn profiles(db: &Db, ap_ids: &[&str]) -> Result<HashMap<String, Profile>> {
    let mut ap_ids: Vec<&str> = ap_ids.to_vec();
    ap_ids.sort_unstable();
    ap_ids.dedup();
    if ap_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (1..=ap_ids.len())
        .map(|index| format!("${index}"))
        .collect();
    let sql = db.packed(
        PROFILE_COLUMNS,
        &format!(
            "select {PROFILE_COLUMNS} from remote_actor where ap_id in ({})",
            placeholders.join(", ")
        ),
    );
    let packed: String = with_pool!(db, |pool| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for id in &ap_ids {
            query = query.bind(*id);
        }
        query.fetch_one(pool).await
    })?;
    Ok(crate::db::unpack::<ProfileRow>(&packed)?
        .into_iter()
        .map(|row| (row.ap_id.clone(), Profile::from(row)))
        .collect())
}

/// The stored remote actors whose documents say they are confirmed experts (of other Jisr
/// instances: those who posted in forums we follow, members whose events we attend…), at
/// most 500.
pub async fn experts(db: &Db) -> Result<Vec<Profile>> {
    let sql = "select ap_id from remote_actor where profile like '%expert_areas%' limit 500";
    let ids: Vec<String> = with_pool!(db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut found: Vec<Profile> = profiles(db, &ids)
        .await?
        .into_values()
        .filter(|profile| !profile.details.expert_areas.is_empty())
        .collect();
    found.sort_by_key(|profile| profile.display_name().to_lowercase());
    Ok(found)
}

/// When a remote actor (and its profile) was last fetched, the newest of all, read from the
/// last entry of its index; `None` before the first.
pub async fn last_fetch(db: &Db) -> Result<Option<DateTime<Utc>>> {
    let sql = "select max(fetched_at) from remote_actor";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

/// The stored profile of one actor.
pub async fn profile(db: &Db, ap_id: &str) -> Result<Option<Profile>> {
    Ok(profiles(db, &[ap_id]).await?.remove(ap_id))
}

#[derive(sqlx::FromRow)]
struct DirectoryRow {
    #[sqlx(flatten)]
    profile: ProfileRow,
    we_follow: bool,
    follows_us: bool,
}

/// The remote actors of the directory of our actor `local_actor_id`: those it follows (not
/// refused), those of its followers that are organizations (`Organization`, `Group` or
/// `Application`), and every author of network content we keep (not erased); each with its
/// profile and whether we follow it and it follows us. At most `limit` (the directory's
/// `MAX_ENTRIES`), those we follow first.
///
/// The one query that reads other modules' tables (`following`, `follower`,
/// `remote_publication`), and only reads them: one bounded query over the union, where a list
/// per table would bound each part and not the whole.
pub async fn directory(
    db: &Db,
    local_actor_id: i64,
    limit: usize,
) -> Result<Vec<crate::domain::directory::Entry>> {
    let sql = format!(
        "select {PROFILE_COLUMNS}, \
         exists (select 1 from following where following.local_actor_id = $1 \
                 and following.target_ap_id = remote_actor.ap_id \
                 and following.rejected_at is null) as we_follow, \
         exists (select 1 from follower where follower.local_actor_id = $1 \
                 and follower.actor_ap_id = remote_actor.ap_id) as follows_us \
         from remote_actor \
         where (exists (select 1 from following where following.local_actor_id = $1 \
                       and following.target_ap_id = remote_actor.ap_id \
                       and following.rejected_at is null) \
         or (actor_type in ('Organization', 'Group', 'Application') \
             and exists (select 1 from follower where follower.local_actor_id = $1 \
                         and follower.actor_ap_id = remote_actor.ap_id)) \
         or exists (select 1 from remote_publication \
                    where remote_publication.actor_ap_id = remote_actor.ap_id \
                    and remote_publication.deleted_at is null)) \
         and not exists (select 1 from forum where forum.remote_ap_id = remote_actor.ap_id) \
         order by we_follow desc, ap_id \
         limit $2"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows: Vec<DirectoryRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(local_actor_id)
            .bind(limit)
            .fetch_all(pool)
            .await)?;
    Ok(rows
        .into_iter()
        .map(|row| crate::domain::directory::Entry {
            profile: Profile::from(row.profile),
            is_us: false,
            we_follow: row.we_follow,
            follows_us: row.follows_us,
        })
        .collect())
}
