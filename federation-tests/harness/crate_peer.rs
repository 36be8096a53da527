//! A peer built on the `activitypub_federation` crate (Lemmy's library): it signs its Follow
//! with the crate's own signer and verifies what we send with the crate's own verifier, so our
//! aws-lc-rs signatures are checked by an implementation we did not write.

use activitypub_federation::activity_sending::SendActivityTask;
use activitypub_federation::axum::inbox::{ActivityData, receive_activity};
use activitypub_federation::axum::json::FederationJson;
use activitypub_federation::config::{Data, FederationConfig, FederationMiddleware};
use activitypub_federation::fetch::object_id::ObjectId;
use activitypub_federation::http_signatures::generate_actor_keypair;
use activitypub_federation::protocol::context::WithContext;
use activitypub_federation::protocol::public_key::PublicKey;
use activitypub_federation::traits::{Activity, Actor, Object};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use url::Url;

/// The peer's shared state.
#[derive(Clone)]
pub struct PeerData(Arc<PeerState>);

pub struct PeerState {
    me: PeerActor,
    known: Mutex<HashMap<Url, PeerActor>>,
    received: Mutex<Vec<Value>>,
}

/// An actor as the crate sees it: ours (with a private key) or a fetched one.
#[derive(Clone, Debug)]
pub struct PeerActor {
    id: Url,
    inbox: Url,
    public_key_pem: String,
    private_key_pem: Option<String>,
    fetched_at: DateTime<Utc>,
}

/// The fields of an actor document the crate needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorJson {
    #[serde(rename = "type")]
    kind: String,
    id: Url,
    inbox: Url,
    public_key: PublicKey,
}

#[async_trait::async_trait]
impl Object for PeerActor {
    type DataType = PeerData;
    type Kind = ActorJson;
    type Error = anyhow::Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        Some(self.fetched_at)
    }

    async fn read_from_id(id: Url, data: &Data<PeerData>) -> Result<Option<Self>, anyhow::Error> {
        if id == data.0.me.id {
            return Ok(Some(data.0.me.clone()));
        }
        Ok(data.0.known.lock().expect("lock").get(&id).cloned())
    }

    async fn into_json(self, _data: &Data<PeerData>) -> Result<ActorJson, anyhow::Error> {
        Ok(ActorJson {
            kind: "Person".to_string(),
            public_key: self.public_key(),
            id: self.id,
            inbox: self.inbox,
        })
    }

    async fn verify(
        _json: &ActorJson,
        _expected: &Url,
        _data: &Data<PeerData>,
    ) -> Result<(), anyhow::Error> {
        Ok(())
    }

    async fn from_json(json: ActorJson, data: &Data<PeerData>) -> Result<Self, anyhow::Error> {
        let actor = PeerActor {
            id: json.id.clone(),
            inbox: json.inbox,
            public_key_pem: json.public_key.public_key_pem,
            private_key_pem: None,
            fetched_at: Utc::now(),
        };
        data.0
            .known
            .lock()
            .expect("lock")
            .insert(json.id, actor.clone());
        Ok(actor)
    }
}

impl Actor for PeerActor {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }
}

/// Any activity: the crate checks its envelope and signature; we keep it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnyActivity {
    id: Url,
    actor: ObjectId<PeerActor>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[async_trait::async_trait]
impl Activity for AnyActivity {
    type DataType = PeerData;
    type Error = anyhow::Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        self.actor.inner()
    }

    async fn verify(&self, _data: &Data<PeerData>) -> Result<(), anyhow::Error> {
        Ok(())
    }

    async fn receive(self, data: &Data<PeerData>) -> Result<(), anyhow::Error> {
        data.0
            .received
            .lock()
            .expect("lock")
            .push(serde_json::to_value(&self)?);
        Ok(())
    }
}

/// The running peer.
pub struct CratePeer {
    config: FederationConfig<PeerData>,
    pub actor_id: Url,
}

async fn inbox(data: Data<PeerData>, activity: ActivityData) -> (StatusCode, String) {
    match receive_activity::<AnyActivity, PeerActor, PeerData>(activity, &data).await {
        Ok(()) => (StatusCode::ACCEPTED, String::new()),
        Err(error) => (StatusCode::UNAUTHORIZED, format!("{error:#}")),
    }
}

async fn actor(data: Data<PeerData>) -> FederationJson<WithContext<ActorJson>> {
    let json = data
        .0
        .me
        .clone()
        .into_json(&data)
        .await
        .expect("actor json");
    FederationJson(WithContext::new_default(json))
}

impl CratePeer {
    /// Starts the peer on a free port, as `localhost:<port>`.
    pub async fn start() -> CratePeer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let domain = format!(
            "localhost:{}",
            listener.local_addr().expect("address").port()
        );
        let keys = generate_actor_keypair().expect("keys");
        let actor_id = Url::parse(&format!("http://{domain}/users/peer")).expect("id");
        let me = PeerActor {
            inbox: Url::parse(&format!("{actor_id}/inbox")).expect("inbox"),
            id: actor_id.clone(),
            public_key_pem: keys.public_key,
            private_key_pem: Some(keys.private_key),
            fetched_at: Utc::now(),
        };
        let data = PeerData(Arc::new(PeerState {
            me,
            known: Mutex::new(HashMap::new()),
            received: Mutex::new(Vec::new()),
        }));
        let config = FederationConfig::builder()
            .domain(domain)
            .app_data(data)
            .debug(true)
            .build()
            .await
            .expect("federation config");
        let app = Router::new()
            .route("/users/peer", get(actor))
            .route("/users/peer/inbox", post(inbox))
            .layer(FederationMiddleware::new(config.clone()));
        tokio::spawn(async move { axum::serve(listener, app).await });
        CratePeer { config, actor_id }
    }

    /// Sends a `Follow` of `object` to `inbox`, signed by the crate.
    pub async fn follow(&self, object: &Url, inbox: &Url) -> Url {
        let data = self.config.to_request_data();
        let id = Url::parse(&format!(
            "{}/follows/{:x}",
            self.actor_id,
            rand::random::<u64>()
        ))
        .expect("id");
        let mut rest = Map::new();
        rest.insert(
            "@context".into(),
            json!("https://www.w3.org/ns/activitystreams"),
        );
        rest.insert("type".into(), json!("Follow"));
        rest.insert("object".into(), json!(object));
        let follow = AnyActivity {
            id: id.clone(),
            actor: self.actor_id.clone().into(),
            rest,
        };
        let me = data.0.me.clone();
        for task in SendActivityTask::prepare(&follow, &me, vec![inbox.clone()], &data)
            .await
            .expect("prepare")
        {
            task.sign_and_send(&data).await.expect("send");
        }
        id
    }

    /// The activities whose signatures the crate verified, in order.
    pub fn received(&self) -> Vec<Value> {
        self.config
            .to_request_data()
            .0
            .received
            .lock()
            .expect("lock")
            .clone()
    }
}
