//! Every actor of ours, one `local_actor` row each: the organization (`Organization`), the
//! instance actor (`Application`, FEP-2677) and, as they come, members and discussion groups.
//! A row holds the actor's kind, username, keys and profile; [`LocalActors`] finds any of them
//! by username, row id or ActivityPub id, and keeps the parsed keys of those it has seen.
//!
//! Invariant: each actor's RSA-2048 key pair is made once, when its row is, and kept forever;
//! peers cache public keys, so a new key would break every signature. Adding a kind of actor
//! is a value of [`ActorKind`] and its JSON shape in [`documents`], not a new code path.

pub mod documents;
pub mod pictures;
pub mod signer;

pub use documents::{actor_context, document, image_object};
pub use pictures::{Picture, Pictures, picture_source, pictures, set_picture};
pub use signer::FetchSigner;

use super::signature::{self, PrivateKey};
use super::urls::{ActorPath, Urls};
use crate::config::Config;
use crate::db::{Db, with_pool};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// What kind of local actor a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// The organization that runs the instance.
    Organization,
    /// The instance actor: it signs our fetches.
    Application,
    /// A member who registered as an individual.
    Person,
    /// A member that registered as an organization (not the one that runs the instance).
    MemberOrganization,
    /// A discussion forum (FEP-1b12).
    Group,
}

impl ActorKind {
    /// The value of `local_actor.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Organization => "organization",
            ActorKind::Application => "application",
            ActorKind::Person => "person",
            ActorKind::MemberOrganization => "member_organization",
            ActorKind::Group => "group",
        }
    }

    /// The kind stored as `text`.
    pub fn parse(text: &str) -> Option<ActorKind> {
        [
            ActorKind::Organization,
            ActorKind::Application,
            ActorKind::Person,
            ActorKind::MemberOrganization,
            ActorKind::Group,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }

    /// The ActivityStreams type of its actor document.
    pub fn activity_type(self) -> &'static str {
        match self {
            ActorKind::Organization => "Organization",
            ActorKind::Application => "Application",
            ActorKind::Person => "Person",
            ActorKind::MemberOrganization => "Organization",
            ActorKind::Group => "Group",
        }
    }

    /// Whether remote actors may follow it (the instance actor follows and is followed by
    /// nobody).
    pub fn accepts_followers(self) -> bool {
        !matches!(self, ActorKind::Application)
    }

    /// Whether it speaks for a member's account.
    pub fn is_member(self) -> bool {
        matches!(self, ActorKind::Person | ActorKind::MemberOrganization)
    }
}

/// A `local_actor` row.
#[derive(Debug, Clone, sqlx::FromRow)]
struct ActorRow {
    local_actor_id: i64,
    username: String,
    kind: String,
    display_name: String,
    summary: String,
    public_key_pem: String,
    private_key_pem: String,
    created_at: DateTime<Utc>,
    account_id: Option<i64>,
}

const ACTOR_COLUMNS: &str = "local_actor_id, username, kind, display_name, summary, \
                             public_key_pem, private_key_pem, created_at, account_id";

/// A local actor: its identity, profile and parsed signing key.
#[derive(Debug)]
pub struct LocalActor {
    pub local_actor_id: i64,
    pub kind: ActorKind,
    pub username: String,
    /// Its ActivityPub id, from [`Urls::actor`].
    pub id: Url,
    pub key_id: String,
    pub key: PrivateKey,
    pub display_name: String,
    /// Plain text.
    pub summary: String,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: DateTime<Utc>,
    /// The account a member's actor speaks for.
    pub account_id: Option<i64>,
}

impl LocalActor {
    fn from_row(row: ActorRow, urls: &Urls) -> Result<LocalActor> {
        let kind = ActorKind::parse(&row.kind).ok_or_else(|| {
            Error::internal(format!(
                "the actor {} has an unknown kind {}",
                row.username, row.kind
            ))
        })?;
        let key = PrivateKey::from_pem(&row.private_key_pem).ok_or_else(|| {
            Error::internal(format!(
                "the stored key of {} is not a PKCS#8 RSA key",
                row.username
            ))
        })?;
        let id = urls.actor(kind, &row.username);
        Ok(LocalActor {
            local_actor_id: row.local_actor_id,
            kind,
            key_id: urls.actor_key(&id),
            id,
            username: row.username,
            key,
            display_name: row.display_name,
            summary: row.summary,
            public_key_pem: row.public_key_pem,
            private_key_pem: row.private_key_pem,
            created_at: row.created_at,
            account_id: row.account_id,
        })
    }
}

/// The actors of this instance, found by username, row id or id, read from their rows once
/// and then kept (parsing a key costs milliseconds). The organization and the instance actor
/// exist from the first start and are always at hand.
#[derive(Debug)]
pub struct LocalActors {
    organization: Arc<LocalActor>,
    instance: Arc<LocalActor>,
    urls: Urls,
    /// Actors read so far.
    seen: Mutex<Seen>,
}

/// The actors read so far, by username and by row id (every lookup is one of those).
#[derive(Debug, Default)]
struct Seen {
    by_username: HashMap<String, Arc<LocalActor>>,
    by_id: HashMap<i64, Arc<LocalActor>>,
}

impl Seen {
    fn insert(&mut self, actor: Arc<LocalActor>) -> Arc<LocalActor> {
        let actor = self
            .by_id
            .entry(actor.local_actor_id)
            .or_insert(actor)
            .clone();
        self.by_username
            .insert(actor.username.clone(), actor.clone());
        actor
    }
}

impl LocalActors {
    /// The organization that runs this instance.
    pub fn organization(&self) -> &Arc<LocalActor> {
        &self.organization
    }

    /// The instance actor.
    pub fn instance(&self) -> &Arc<LocalActor> {
        &self.instance
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, row: ActorRow) -> Result<Arc<LocalActor>> {
        let actor = Arc::new(LocalActor::from_row(row, &self.urls)?);
        Ok(self.seen().insert(actor))
    }

    /// The actor named `username` (as stored: lowercase), if it exists.
    pub async fn by_username(&self, db: &Db, username: &str) -> Result<Option<Arc<LocalActor>>> {
        let remembered = self.seen().by_username.get(username).cloned();
        if let Some(actor) = remembered {
            return Ok(Some(actor));
        }
        match find(db, username).await? {
            Some(row) => self.remember(row).map(Some),
            None => Ok(None),
        }
    }

    /// The actor of row `local_actor_id`, if it exists.
    pub async fn by_id(&self, db: &Db, local_actor_id: i64) -> Result<Option<Arc<LocalActor>>> {
        let remembered = self.seen().by_id.get(&local_actor_id).cloned();
        if let Some(actor) = remembered {
            return Ok(Some(actor));
        }
        let sql = format!("select {ACTOR_COLUMNS} from local_actor where local_actor_id = $1");
        let row: Option<ActorRow> =
            with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(local_actor_id)
                .fetch_optional(pool)
                .await)?;
        match row {
            Some(row) => self.remember(row).map(Some),
            None => Ok(None),
        }
    }

    /// The actor whose ActivityPub id is `id`, if it is one of ours.
    pub async fn by_url(&self, db: &Db, id: &Url) -> Result<Option<Arc<LocalActor>>> {
        let actor = match self.urls.actor_path(id) {
            Some(ActorPath::Instance) => Some(self.instance.clone()),
            Some(ActorPath::Named(username)) => self.by_username(db, &username).await?,
            None => None,
        };
        Ok(actor.filter(|actor| &actor.id == id))
    }
}

/// The row of actor `username`.
async fn find(db: &Db, username: &str) -> Result<Option<ActorRow>> {
    let sql = format!("select {ACTOR_COLUMNS} from local_actor where username = $1");
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(username)
    .fetch_optional(pool)
    .await)?)
}

/// Makes a new actor of `kind` named `username`, with a new key pair. Invalid (422) if the
/// name is taken (names are never reused: a peer may still hold the old actor's key).
pub async fn create(
    db: &Db,
    actors: &LocalActors,
    kind: ActorKind,
    username: &str,
    display_name: &str,
    summary: &str,
) -> Result<Arc<LocalActor>> {
    let (private_key_pem, public_key_pem) =
        tokio::task::spawn_blocking(signature::generate_keypair)
            .await
            .map_err(|error| Error::internal(format!("key generation failed: {error}")))?
            .map_err(|error| Error::internal(format!("key generation failed: {error}")))?;
    let sql = "insert into local_actor (username, kind, display_name, summary, public_key_pem, \
               private_key_pem, created_at) values ($1, $2, $3, $4, $5, $6, $7) \
               on conflict (username) do nothing";
    let inserted = with_pool!(db, |pool| sqlx::query(sql)
        .bind(username)
        .bind(kind.as_str())
        .bind(display_name)
        .bind(summary)
        .bind(&public_key_pem)
        .bind(&private_key_pem)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    if inserted == 0 {
        return Err(FieldError::of("username", Reason::UsernameTaken).into());
    }
    actors
        .by_username(db, username)
        .await?
        .ok_or_else(|| Error::internal(format!("the actor {username} vanished after insertion")))
}

/// Loads the organization and instance actors, creating them (and their keys) if missing, and
/// brings their profiles in line with the configuration.
pub async fn ensure(db: &Db, config: &Config, urls: &Urls) -> anyhow::Result<LocalActors> {
    let instance = &config.instance;
    let organization = ensure_one(
        db,
        &instance.handle,
        ActorKind::Organization,
        &instance.name,
        &instance.summary,
    )
    .await?;
    let server = ensure_one(
        db,
        &instance.instance_actor_username(),
        ActorKind::Application,
        &instance.domain,
        "The server actor of this Jisr instance. It signs requests and follows nobody.",
    )
    .await?;
    let organization = Arc::new(LocalActor::from_row(organization, urls)?);
    let server = Arc::new(LocalActor::from_row(server, urls)?);
    let mut seen = Seen::default();
    seen.insert(organization.clone());
    seen.insert(server.clone());
    Ok(LocalActors {
        organization,
        instance: server,
        urls: urls.clone(),
        seen: Mutex::new(seen),
    })
}

/// The row of actor `username` of `kind`, made (with a new key pair) if missing; its profile
/// set to `display_name` and `summary`.
async fn ensure_one(
    db: &Db,
    username: &str,
    kind: ActorKind,
    display_name: &str,
    summary: &str,
) -> anyhow::Result<ActorRow> {
    let existing = find(db, username).await?;
    if let Some(actor) = &existing
        && actor.kind != kind.as_str()
    {
        anyhow::bail!(
            "the name {username:?} already belongs to an actor of kind {}; choose another instance.handle",
            actor.kind
        );
    }
    if existing.is_none() {
        let (private_key_pem, public_key_pem) =
            tokio::task::spawn_blocking(signature::generate_keypair).await??;
        let sql = "insert into local_actor (username, kind, public_key_pem, private_key_pem, created_at) \
                   values ($1, $2, $3, $4, $5) on conflict (username) do nothing";
        with_pool!(db, |pool| sqlx::query(sql)
            .bind(username)
            .bind(kind.as_str())
            .bind(&public_key_pem)
            .bind(&private_key_pem)
            .bind(Utc::now())
            .execute(pool)
            .await
            .map(|_| ()))?;
        // Another process may have won the race: whatever is stored now is the key for good.
    }
    let sql = "update local_actor set display_name = $1, summary = $2 \
               where username = $3 and (display_name <> $1 or summary <> $2)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(display_name)
        .bind(summary)
        .bind(username)
        .execute(pool)
        .await
        .map(|_| ()))?;
    find(db, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the actor {username} vanished after insertion"))
}
