//! Our own actors: the organization (`Organization`) and the instance actor (`Application`,
//! FEP-2677), their stored keys and pictures (the organization's logo as its `icon`, a header
//! as its `image`), and the documents we serve for them.
//!
//! Invariant: each actor's RSA-2048 key pair is made once, on first start, and kept forever in
//! `local_actor`; peers cache public keys, so a new key would break every signature.

use super::signature::{self, PrivateKey};
use super::urls::Urls;
use crate::config::Config;
use crate::db::{Db, with_pool};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use url::Url;

/// What kind of local actor a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    Organization,
    Application,
}

impl ActorKind {
    fn as_str(self) -> &'static str {
        match self {
            ActorKind::Organization => "organization",
            ActorKind::Application => "application",
        }
    }
}

/// A local actor as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LocalActor {
    pub local_actor_id: i64,
    pub username: String,
    pub kind: String,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: DateTime<Utc>,
}

/// A local actor's identity and parsed signing key, kept in memory for the process's life.
#[derive(Debug)]
pub struct SigningActor {
    pub local_actor_id: i64,
    pub username: String,
    pub id: Url,
    pub key_id: String,
    pub key: PrivateKey,
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: DateTime<Utc>,
}

/// The two actors every instance has.
#[derive(Debug)]
pub struct LocalActors {
    pub organization: SigningActor,
    pub instance: SigningActor,
}

impl LocalActors {
    /// The actor with this row id.
    pub fn by_id(&self, local_actor_id: i64) -> Option<&SigningActor> {
        [&self.organization, &self.instance]
            .into_iter()
            .find(|actor| actor.local_actor_id == local_actor_id)
    }

    /// The actor whose id is `url`.
    pub fn by_url(&self, url: &Url) -> Option<&SigningActor> {
        [&self.organization, &self.instance]
            .into_iter()
            .find(|actor| &actor.id == url)
    }
}

/// Loads the organization and instance actors, creating them (and their keys) if missing.
pub async fn ensure(db: &Db, config: &Config, urls: &Urls) -> anyhow::Result<LocalActors> {
    let organization = ensure_one(db, &config.instance.handle, ActorKind::Organization).await?;
    let instance_name = config.instance.instance_actor_username();
    let instance = ensure_one(db, &instance_name, ActorKind::Application).await?;
    let organization_id = urls.actor(&organization.username);
    let instance_id = urls.instance_actor();
    Ok(LocalActors {
        organization: signing_actor(organization, organization_id, urls)?,
        instance: signing_actor(instance, instance_id, urls)?,
    })
}

fn signing_actor(row: LocalActor, id: Url, urls: &Urls) -> anyhow::Result<SigningActor> {
    let key = PrivateKey::from_pem(&row.private_key_pem).ok_or_else(|| {
        anyhow::anyhow!("the stored key of {} is not a PKCS#8 RSA key", row.username)
    })?;
    Ok(SigningActor {
        local_actor_id: row.local_actor_id,
        key_id: urls.actor_key(&id),
        id,
        username: row.username,
        key,
        public_key_pem: row.public_key_pem,
        private_key_pem: row.private_key_pem,
        created_at: row.created_at,
    })
}

async fn find(db: &Db, username: &str) -> Result<Option<LocalActor>> {
    let sql = "select local_actor_id, username, kind, public_key_pem, private_key_pem, created_at \
               from local_actor where username = $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(username)
        .fetch_optional(pool)
        .await)?)
}

async fn ensure_one(db: &Db, username: &str, kind: ActorKind) -> anyhow::Result<LocalActor> {
    if let Some(actor) = find(db, username).await? {
        if actor.kind != kind.as_str() {
            anyhow::bail!(
                "the name {username:?} already belongs to an actor of kind {}; choose another instance.handle",
                actor.kind
            );
        }
        return Ok(actor);
    }
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
    find(db, username)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the actor {username} vanished after insertion"))
}

/// An actor's pictures, as ids of images served at `/media/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Pictures {
    /// The avatar (for the organization: its logo).
    pub icon_image: Option<String>,
    /// The header image.
    pub header_image: Option<String>,
}

/// Which of an actor's pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    Icon,
    Header,
}

impl Picture {
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Picture::Icon => ("icon_image", "icon_source"),
            Picture::Header => ("header_image", "header_source"),
        }
    }
}

/// The pictures of actor `local_actor_id`.
pub async fn pictures(db: &Db, local_actor_id: i64) -> Result<Pictures> {
    let sql = "select icon_image, header_image from local_actor where local_actor_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(local_actor_id)
        .fetch_one(pool)
        .await)?)
}

/// Sets (or, with `None`, removes) one picture of actor `local_actor_id`. `source` is the
/// SHA-256 of the configuration file it was read from, `None` for an upload.
pub async fn set_picture(
    db: &Db,
    local_actor_id: i64,
    picture: Picture,
    image: Option<&str>,
    source: Option<&str>,
) -> Result<()> {
    let (image_column, source_column) = picture.columns();
    let sql = format!(
        "update local_actor set {image_column} = $1, {source_column} = $2 where local_actor_id = $3"
    );
    with_pool!(db, |pool| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(image)
        .bind(source)
        .bind(local_actor_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The SHA-256 of the configuration file picture `picture` was last read from, if any.
pub async fn picture_source(
    db: &Db,
    local_actor_id: i64,
    picture: Picture,
) -> Result<Option<String>> {
    let (_, source_column) = picture.columns();
    let sql = format!("select {source_column} from local_actor where local_actor_id = $1");
    Ok(with_pool!(db, |pool| sqlx::query_scalar(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(local_actor_id)
    .fetch_one(pool)
    .await)?)
}

/// An `Image` for a stored picture: its URL and media type (told by the id's extension).
pub fn image_object(urls: &Urls, public_id: &str, name: &str) -> Value {
    let media_type = if public_id.ends_with(".png") {
        "image/png"
    } else {
        "image/jpeg"
    };
    json!({
        "type": "Image",
        "mediaType": media_type,
        "url": urls.media(public_id),
        "name": name,
    })
}

/// The JSON-LD context of our actor documents: ActivityStreams, security, and the inline terms
/// Mastodon reads (so that a JSON-LD processor expands every key we send).
pub fn actor_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger"
        }
    ])
}

/// The organization's `Organization` actor document.
pub fn organization_document(
    config: &Config,
    urls: &Urls,
    actor: &SigningActor,
    pictures: &Pictures,
) -> Value {
    let instance = &config.instance;
    let username = &actor.username;
    let mut document = json!({
        "@context": actor_context(),
        "id": actor.id,
        "type": "Organization",
        "preferredUsername": username,
        "name": instance.name,
        "summary": format!("<p>{}</p>", crate::web::html::escape(&instance.summary)),
        "url": actor.id,
        "inbox": urls.inbox(username),
        "outbox": urls.outbox(username),
        "followers": urls.followers(username),
        "following": urls.following(username),
        "featured": urls.featured(username),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.id,
            "publicKeyPem": actor.public_key_pem,
        },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "published": actor.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "webfinger": format!("{username}@{}", instance.domain),
        "attributionDomains": [instance.domain],
    });
    if let Some(icon) = &pictures.icon_image {
        document["icon"] = image_object(urls, icon, &instance.name);
    }
    if let Some(header) = &pictures.header_image {
        document["image"] = image_object(urls, header, &instance.name);
    }
    if !instance.contact.is_empty() {
        document["attachment"] = json!([{
            "type": "PropertyValue",
            "name": "Contact",
            "value": crate::web::html::escape(&instance.contact),
        }]);
    }
    document
}

/// The instance actor's `Application` document: fetchable without a signature, it signs our
/// fetches (Mastodon's "authorized fetch" needs a key owner it can resolve).
pub fn instance_document(config: &Config, urls: &Urls, actor: &SigningActor) -> Value {
    json!({
        "@context": actor_context(),
        "id": actor.id,
        "type": "Application",
        "preferredUsername": actor.username,
        "name": config.instance.domain,
        "summary": "<p>The server actor of this Jisr instance. It signs requests and follows nobody.</p>",
        "url": urls.base(),
        "inbox": urls.instance_actor_inbox(),
        "outbox": urls.instance_actor_outbox(),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "publicKey": {
            "id": actor.key_id,
            "owner": actor.id,
            "publicKeyPem": actor.public_key_pem,
        },
        "manuallyApprovesFollowers": true,
        "discoverable": false,
        "indexable": false,
        "published": actor.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "webfinger": format!("{}@{}", actor.username, config.instance.domain),
    })
}

/// Lets the federation crate sign its fetches with the instance actor's key.
#[derive(Debug, Clone)]
pub struct FetchSigner {
    pub id: Url,
    pub private_key_pem: String,
    pub public_key_pem: String,
}

#[async_trait::async_trait]
impl activitypub_federation::traits::Object for FetchSigner {
    type DataType = crate::app::AppState;
    type Kind = Value;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    async fn read_from_id(
        _object_id: Url,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<Option<Self>> {
        Ok(None)
    }

    async fn into_json(
        self,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<Value> {
        Err(Error::NotFound)
    }

    async fn verify(
        _json: &Value,
        _expected_domain: &Url,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<()> {
        Err(Error::NotFound)
    }

    async fn from_json(
        _json: Value,
        _data: &activitypub_federation::config::Data<Self::DataType>,
    ) -> Result<Self> {
        Err(Error::NotFound)
    }
}

impl activitypub_federation::traits::Actor for FetchSigner {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }

    fn inbox(&self) -> Url {
        self.id.clone()
    }
}
