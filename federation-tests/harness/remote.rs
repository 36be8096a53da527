//! A remote server with actors whose keys the tests hold: it serves their actor documents,
//! records what its inboxes receive (answering with statuses the test chooses), and signs
//! requests to Jisr, correctly or in exactly the wrong way a test asks for.
//!
//! It speaks in one of two styles ([`Style`]): Mastodon's (keys at `<actor>#main-key`, actors
//! served to anyone) or GoToSocial's (keys at `<actor>/main-key`, served as a key stub without
//! an inbox; actors served only to a request whose signature verifies, with the signer's key
//! fetched from Jisr; requests signed `hs2019` over `(request-target) host date digest`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use jisr::federation::signature::{self, PrivateKey, PublicKey, SignedRequest};
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use url::Url;

/// One request an inbox of the test server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("received JSON")
    }
}

struct Key {
    private: PrivateKey,
    public_pem: String,
}

struct Shared {
    base: Url,
    keys: BTreeMap<String, Key>,
    received: Mutex<Vec<Received>>,
    /// Every GET of an actor document, with its headers (to check our fetches are signed).
    fetches: Mutex<Vec<Received>>,
    /// Statuses the inboxes answer next, in order; 202 once empty.
    statuses: Mutex<VecDeque<u16>>,
    /// How long the inboxes take to answer, in milliseconds.
    delay_ms: std::sync::atomic::AtomicU64,
    style: Style,
    /// Members added to every Mastodon-style actor document (`with_profile`).
    profile: Mutex<serde_json::Map<String, Value>>,
}

/// How the test server names its keys and serves its actors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `<actor>#main-key`; actors served to anyone (Mastodon without authorized fetch).
    Mastodon,
    /// `<actor>/main-key` serving a key stub; actors served only to verified signed GETs.
    GoToSocial,
}

/// The test server, with actors `ada` and `mallory`.
#[derive(Clone)]
pub struct TestActor(Arc<Shared>);

/// How to get a signed request wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// A correct signature.
    None,
    /// No signature headers at all.
    Unsigned,
    /// Signed with mallory's key but naming ada's key.
    WrongKey,
    /// Signed for another body than the one sent.
    DigestMismatch,
    /// Signed with a date this many seconds from now.
    DateOffset(i64),
}

impl TestActor {
    /// Starts the server on a free port.
    pub async fn start() -> TestActor {
        Self::start_as("localhost").await
    }

    /// Starts a server that behaves as GoToSocial does, on a free port.
    pub async fn start_gotosocial() -> TestActor {
        Self::start_styled("localhost", Style::GoToSocial).await
    }

    /// Starts the server on a free port, named `host` (which the instances must resolve).
    pub async fn start_as(host: &str) -> TestActor {
        Self::start_styled(host, Style::Mastodon).await
    }

    /// Starts the server on a free port, named `host`, in `style`.
    pub async fn start_styled(host: &str, style: Style) -> TestActor {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let base = Url::parse(&format!("http://{host}:{port}/")).expect("base");
        let mut keys = BTreeMap::new();
        for name in ["ada", "mallory"] {
            let (private, public_pem) = signature::generate_keypair().expect("keys");
            let private = PrivateKey::from_pem(&private).expect("private key");
            keys.insert(
                name.to_string(),
                Key {
                    private,
                    public_pem,
                },
            );
        }
        let shared = Arc::new(Shared {
            base,
            keys,
            received: Mutex::new(Vec::new()),
            fetches: Mutex::new(Vec::new()),
            statuses: Mutex::new(VecDeque::new()),
            delay_ms: std::sync::atomic::AtomicU64::new(0),
            style,
            profile: Mutex::new(serde_json::Map::new()),
        });
        let app = Router::new()
            .route("/users/{name}", get(actor_document))
            .route("/users/{name}/main-key", get(key_stub))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox_shared))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestActor(shared)
    }

    /// The server with these members added to its actors' documents from now on (Mastodon
    /// style only), replacing any of the same name: a profile such as `{"type":
    /// "Organization", "name": …, "countriesOfResidence": ["DE"]}`.
    pub fn with_profile(self, fields: Value) -> TestActor {
        if let Value::Object(fields) = fields {
            self.0.profile.lock().expect("lock").extend(fields);
        }
        self
    }

    /// The id of actor `name`.
    pub fn id(&self, name: &str) -> Url {
        self.0.base.join(&format!("users/{name}")).expect("id")
    }

    /// The key id of actor `name`, in this server's style.
    pub fn key_id(&self, name: &str) -> String {
        key_id(&self.0, &self.id(name))
    }

    /// A new activity id on this server.
    pub fn new_id(&self, what: &str) -> Url {
        self.0
            .base
            .join(&format!("activities/{what}-{:016x}", rand::random::<u64>()))
            .expect("id")
    }

    /// An activity of `kind` by `ada` about `object`, with a new id.
    pub fn activity(&self, kind: &str, object: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id(&kind.to_lowercase()),
            "type": kind,
            "actor": self.id("ada"),
            "object": object,
        })
    }

    /// Makes `state`'s organization follow `ada` and answers with an `Accept`, as a followed
    /// server would; returns the `Follow` received.
    pub async fn followed_by(&self, state: &jisr::app::AppState, inbox: &Url) -> Value {
        jisr::federation::following::follow(state, self.id("ada").as_str())
            .await
            .expect("follow");
        let follow = super::eventually(10, "the Follow at ada's inbox", || async {
            self.received()
                .into_iter()
                .find(|r| r.json()["type"] == "Follow")
                .map(|r| r.json())
        })
        .await;
        let accept = self.activity("Accept", follow.clone());
        let (status, body) = self.post("ada", inbox, &accept, Forgery::None).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        follow
    }

    /// The inboxes answer these statuses next, in order.
    pub fn answer_next(&self, statuses: &[u16]) {
        self.0.statuses.lock().expect("lock").extend(statuses);
    }

    /// The inboxes take this long to answer from now on.
    pub fn answer_after(&self, delay: std::time::Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.0
            .delay_ms
            .store(millis, std::sync::atomic::Ordering::SeqCst);
    }

    /// The origin of the server, `http://localhost:<port>/`.
    pub fn base(&self) -> &Url {
        &self.0.base
    }

    /// Everything the inboxes received so far.
    pub fn received(&self) -> Vec<Received> {
        self.0.received.lock().expect("lock").clone()
    }

    /// How many POSTs the inboxes received so far.
    pub fn received_count(&self) -> usize {
        self.0.received.lock().expect("lock").len()
    }

    /// `(activity id, inbox path)` of every POST the inboxes received so far.
    pub fn deliveries(&self) -> Vec<(String, String)> {
        #[derive(serde::Deserialize)]
        struct Id {
            id: String,
        }
        let received = self.0.received.lock().expect("lock");
        received
            .iter()
            .map(|received| {
                let id = serde_json::from_slice::<Id>(&received.body)
                    .map_or_else(|error| format!("(no id: {error})"), |activity| activity.id);
                (id, received.path.clone())
            })
            .collect()
    }

    /// Every GET of an actor document so far.
    pub fn fetches(&self) -> Vec<Received> {
        self.0.fetches.lock().expect("lock").clone()
    }

    /// A `Follow` of `object` by `actor`.
    pub fn follow(&self, actor: &str, object: &Url) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": self.new_id("follow"),
            "type": "Follow",
            "actor": self.id(actor),
            "object": object,
        })
    }

    /// POSTs `activity` to `inbox`, signed as `signer` (or forged as `forgery` says).
    pub async fn post(
        &self,
        signer: &str,
        inbox: &Url,
        activity: &Value,
        forgery: Forgery,
    ) -> (StatusCode, String) {
        let body = serde_json::to_vec(activity).expect("body");
        self.post_bytes(signer, inbox, body, forgery).await
    }

    /// POSTs raw `body` to `inbox`, signed as `signer` (or forged as `forgery` says).
    pub async fn post_bytes(
        &self,
        signer: &str,
        inbox: &Url,
        body: Vec<u8>,
        forgery: Forgery,
    ) -> (StatusCode, String) {
        let headers = self.sign(signer, inbox, &body, forgery, Utc::now());
        self.send(inbox, headers, body).await
    }

    /// The signature headers for a POST of `body` to `inbox`.
    pub fn sign(
        &self,
        signer: &str,
        inbox: &Url,
        body: &[u8],
        forgery: Forgery,
        now: DateTime<Utc>,
    ) -> Vec<(&'static str, String)> {
        let key_id = self.key_id(signer);
        let key = match forgery {
            Forgery::WrongKey => &self.0.keys["mallory"].private,
            _ => &self.0.keys[signer].private,
        };
        let date = match forgery {
            Forgery::DateOffset(seconds) => now + chrono::Duration::seconds(seconds),
            _ => now,
        };
        let signed_body: Vec<u8> = match forgery {
            Forgery::DigestMismatch => b"{\"something\":\"else\"}".to_vec(),
            _ => body.to_vec(),
        };
        match (forgery, self.0.style) {
            (Forgery::Unsigned, _) => Vec::new(),
            (_, Style::GoToSocial) => sign_as_gotosocial(inbox, &signed_body, &key_id, key, date),
            _ => signature::sign_request(
                &http::Method::POST,
                inbox,
                Some(&signed_body),
                &key_id,
                key,
                date,
            ),
        }
    }

    /// GETs `url` as ActivityStreams JSON, signed as `signer` (or forged as `forgery` says).
    pub async fn signed_get(
        &self,
        signer: &str,
        url: &Url,
        forgery: Forgery,
    ) -> (StatusCode, String) {
        self.signed_get_as(&self.key_id(signer), signer, url, forgery)
            .await
    }

    /// GETs `url` signed with `signer`'s key but naming `key_id` (which may be anywhere).
    pub async fn signed_get_as(
        &self,
        key_id: &str,
        signer: &str,
        url: &Url,
        forgery: Forgery,
    ) -> (StatusCode, String) {
        let key = match forgery {
            Forgery::WrongKey => &self.0.keys["mallory"].private,
            _ => &self.0.keys[signer].private,
        };
        let date = match forgery {
            Forgery::DateOffset(seconds) => Utc::now() + chrono::Duration::seconds(seconds),
            _ => Utc::now(),
        };
        let mut request = crate::harness::http_client()
            .get(url.clone())
            .header("accept", "application/activity+json");
        if forgery != Forgery::Unsigned {
            for (name, value) in
                signature::sign_request(&http::Method::GET, url, None, key_id, key, date)
            {
                request = request.header(name, value);
            }
        }
        let response = request.send().await.expect("GET");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    /// Sends a POST with exactly these extra headers.
    pub async fn send(
        &self,
        inbox: &Url,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let content_type = match self.0.style {
            Style::GoToSocial => {
                "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
            }
            Style::Mastodon => "application/activity+json",
        };
        let mut request = crate::harness::http_client()
            .post(inbox.clone())
            .header("content-type", content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("POST");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }
}

/// Verifies a received POST's signature with `public_key_pem` (the sender's key).
pub fn verify_received(received: &Received, public_key_pem: &str) -> Result<String, String> {
    verify(
        &http::Method::POST,
        received,
        Some(&received.body),
        public_key_pem,
    )
}

/// Verifies a received GET's signature with `public_key_pem` (the sender's key).
pub fn verify_fetch(received: &Received, public_key_pem: &str) -> Result<String, String> {
    verify(&http::Method::GET, received, None, public_key_pem)
}

fn verify(
    method: &http::Method,
    received: &Received,
    body: Option<&[u8]>,
    public_key_pem: &str,
) -> Result<String, String> {
    let key = PublicKey::from_pem(public_key_pem).ok_or("unreadable key")?;
    let request = SignedRequest {
        method,
        path_and_query: &received.path,
        scheme: "http",
        headers: &received.headers,
        body,
    };
    let pending = signature::parse(&request, Utc::now()).map_err(|error| error.to_string())?;
    pending.verify(&key).map_err(|error| error.to_string())?;
    Ok(pending.key_id)
}

fn key_id(shared: &Shared, actor: &Url) -> String {
    match shared.style {
        Style::Mastodon => format!("{actor}#main-key"),
        Style::GoToSocial => format!("{actor}/main-key"),
    }
}

/// Signs a POST as GoToSocial does: `hs2019`, `(request-target) host date digest`.
fn sign_as_gotosocial(
    inbox: &Url,
    body: &[u8],
    key_id: &str,
    key: &PrivateKey,
    now: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    use base64::Engine;
    let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let digest = signature::digest_header(body);
    let signing_string = format!(
        "(request-target): post {}\nhost: {}\ndate: {date}\ndigest: {digest}",
        inbox.path(),
        signature::host_header(inbox)
    );
    let signed =
        base64::engine::general_purpose::STANDARD.encode(key.sign(signing_string.as_bytes()));
    vec![
        ("date", date),
        ("digest", digest),
        (
            "signature",
            format!(
                "keyId=\"{key_id}\",algorithm=\"hs2019\",headers=\"(request-target) host date digest\",signature=\"{signed}\""
            ),
        ),
    ]
}

fn json_response(
    status: StatusCode,
    document: &Value,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    (
        status,
        [("content-type", "application/activity+json")],
        document.to_string(),
    )
}

fn not_found() -> (StatusCode, [(&'static str, &'static str); 1], String) {
    (
        StatusCode::NOT_FOUND,
        [("content-type", "text/plain")],
        String::new(),
    )
}

/// Verifies a signed GET the way GoToSocial does: the signer's key is fetched (from Jisr) and
/// the signature must verify with it.
async fn verify_signed_get(uri: &Uri, headers: &HeaderMap) -> Result<(), String> {
    let request = SignedRequest {
        method: &http::Method::GET,
        path_and_query: uri.path_and_query().map_or("/", |p| p.as_str()),
        scheme: "http",
        headers,
        body: None,
    };
    let pending = signature::parse(&request, Utc::now()).map_err(|error| error.to_string())?;
    let key_document: Value = crate::harness::http_client()
        .get(pending.key_id.as_str())
        .header("accept", "application/activity+json")
        .send()
        .await
        .map_err(|error| error.to_string())?
        .json()
        .await
        .map_err(|error| error.to_string())?;
    let pem = key_document["publicKey"]["publicKeyPem"]
        .as_str()
        .ok_or("the signer's document has no key")?;
    let key = PublicKey::from_pem(pem).ok_or("unreadable key")?;
    pending.verify(&key).map_err(|error| error.to_string())
}

/// Records a GET of a document.
fn record_fetch(shared: &Shared, uri: &Uri, headers: &HeaderMap) {
    shared.fetches.lock().expect("lock").push(Received {
        path: uri.path().to_string(),
        headers: headers.clone(),
        body: Vec::new(),
    });
}

async fn actor_document(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> impl IntoResponse {
    record_fetch(&shared, &uri, &headers);
    let Some(key) = shared.keys.get(&name) else {
        return not_found();
    };
    let id = shared.base.join(&format!("users/{name}")).expect("id");
    let document = match shared.style {
        Style::Mastodon => {
            let mut document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "preferredUsername": name,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "endpoints": {"sharedInbox": shared.base.join("inbox").expect("inbox")},
            "publicKey": {"id": key_id(&shared, &id), "owner": id, "publicKeyPem": key.public_pem},
            });
            for (member, value) in shared.profile.lock().expect("lock").iter() {
                document[member] = value.clone();
            }
            document
        }
        Style::GoToSocial => {
            // Authorized fetch, always on: an unsigned or unverifiable GET gets a 401.
            if let Err(reason) = verify_signed_get(&uri, &headers).await {
                let body = json!({"error": format!("Unauthorized: http request wasn't signed or http signature was invalid: (verifier) {reason}")});
                return json_response(StatusCode::UNAUTHORIZED, &body);
            }
            // The shape of GoToSocial's AccountToAS (fixtures/gotosocial/actor.json).
            json!({
                "@context": [
                    "https://gotosocial.org/ns",
                    "https://w3id.org/security/v1",
                    "https://www.w3.org/ns/activitystreams",
                    {"discoverable": "toot:discoverable", "featured": {"@id": "toot:featured", "@type": "@id"},
                     "manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "toot": "http://joinmastodon.org/ns#"}
                ],
                "discoverable": true,
                "featured": format!("{id}/collections/featured"),
                "followers": format!("{id}/followers"),
                "following": format!("{id}/following"),
                "id": id,
                "inbox": format!("{id}/inbox"),
                "manuallyApprovesFollowers": false,
                "name": name,
                "outbox": format!("{id}/outbox"),
                "preferredUsername": name,
                "publicKey": {"id": key_id(&shared, &id), "owner": id, "publicKeyPem": key.public_pem},
                "published": "2022-06-04T13:12:00Z",
                "tag": [],
                "type": "Person",
                "url": shared.base.join(&format!("@{name}")).expect("url"),
            })
        }
    };
    json_response(StatusCode::OK, &document)
}

/// `GET /users/{name}/main-key`: GoToSocial's key stub, served to anyone (fixtures/gotosocial/
/// key-stub.json): a `Person` with no inbox.
async fn key_stub(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> impl IntoResponse {
    record_fetch(&shared, &uri, &headers);
    let (Some(key), Style::GoToSocial) = (shared.keys.get(&name), shared.style) else {
        return not_found();
    };
    let id = shared.base.join(&format!("users/{name}")).expect("id");
    json_response(
        StatusCode::OK,
        &json!({
            "@context": ["https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"],
            "id": id,
            "preferredUsername": name,
            "publicKey": {"id": key_id(&shared, &id), "owner": id, "publicKeyPem": key.public_pem},
            "type": "Person",
        }),
    )
}

async fn record(shared: &Shared, uri: &Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delay = shared.delay_ms.load(std::sync::atomic::Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    shared.received.lock().expect("lock").push(Received {
        path: uri.path().to_string(),
        headers,
        body: body.to_vec(),
    });
    let status = shared
        .statuses
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(202);
    StatusCode::from_u16(status).expect("status")
}

async fn inbox(
    State(shared): State<Arc<Shared>>,
    Path(_name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    record(&shared, &uri, headers, body).await
}

async fn inbox_shared(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    record(&shared, &uri, headers, body).await
}
