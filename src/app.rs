//! The running instance: its shared state, its router, and `serve`.
//!
//! [`AppState`] is cheap to clone (one `Arc`) and is both axum's state and the federation
//! crate's app data. [`Instance::start`] is the testable entry point: the caller binds the
//! listener (port 0 in tests) and decides when to stop.

use crate::config::Config;
use crate::db::Db;
use crate::error::Result;
use crate::federation::actors::{self, LocalActors};
use crate::federation::inbox::KeyCache;
use crate::federation::inbox::writer::InboxWriter;
use crate::federation::net::{self, PeerPolicy};
use crate::federation::remote_actors::KeyLookups;
use crate::federation::signature::PublicKey;
use crate::federation::urls::Urls;
use crate::federation::{self, delivery};
use activitypub_federation::config::{Data, FederationConfig};
use axum::Router;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};

/// Everything a request handler or worker needs.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Arc<Config>,
    db: Db,
    urls: Urls,
    actors: LocalActors,
    http: reqwest::Client,
    peer_policy: PeerPolicy,
    /// This process's inbox counts per actor and domain (SQLite; PostgreSQL counts in a table).
    inbox_counts: crate::federation::inbox::limits::InboxCounts,
    keys: KeyCache,
    /// Recently verified signers and recently failed key fetches.
    key_lookups: KeyLookups,
    /// Writes received activities, many requests' to a transaction.
    inbox_writer: InboxWriter,
    /// The organization's pictures, read again from the database after a few seconds (another
    /// process may have changed them).
    pictures: std::sync::Mutex<Option<(std::time::Instant, crate::federation::actors::Pictures)>>,
    /// Identifies this process's delivery claims (random per start).
    process_token: String,
    /// Wakes idle delivery workers when something is queued.
    delivery_wakeup: Notify,
    /// Bounds how many inbox requests are processed at once.
    inbox_slots: Semaphore,
    /// Failed logins of the website, per e-mail and per client address.
    login_limiter: crate::web::auth::LoginLimiter,
    /// Password hashing, a bounded number at a time.
    passwords: crate::domain::accounts::Passwords,
    /// Image re-encoding, one at a time.
    images: crate::domain::images::Encoder,
    /// The feeds last built, plain and gzipped, by validator.
    feeds: crate::web::kept::FeedCache,
    /// Actor and publication documents, serialized.
    documents: crate::federation::document_cache::DocumentCache,
    /// The lists read lately, with the content version they were read at.
    lists: crate::web::pages::cards::ListCache,
    /// The federation crate's configuration; set right after the state is built, and taken
    /// away when the instance stops: it holds a clone of the state itself, a cycle that would
    /// otherwise keep a stopped instance (its HTTP connections, its caches) alive.
    federation: std::sync::RwLock<Option<FederationConfig<AppState>>>,
    /// Set once the World Bank's shipped data is in the database (loaded on first use).
    remittances_loaded: tokio::sync::OnceCell<()>,
}

impl AppState {
    /// Builds the state: connects nothing, but creates the local actors (and their keys) if
    /// they are missing.
    pub async fn new(config: Config, db: Db) -> anyhow::Result<AppState> {
        let config = Arc::new(config);
        let urls = Urls::new(&config.instance);
        let actors = actors::ensure(&db, &config, &urls).await?;
        // Accounts made before members were actors get theirs.
        let made = crate::domain::accounts::identity::ensure_all(
            &db,
            &federation::members::identities(&config),
        )
        .await?;
        if made > 0 {
            tracing::info!(made, "gave existing accounts their actors");
        }
        let state = AppState(Arc::new(Inner {
            http: net::client(&config)?,
            peer_policy: PeerPolicy::new(config.clone()),
            inbox_counts: Default::default(),
            config,
            db,
            urls,
            actors,
            keys: KeyCache::default(),
            key_lookups: KeyLookups::default(),
            inbox_writer: InboxWriter::default(),
            pictures: std::sync::Mutex::new(None),
            process_token: format!("{:032x}", rand::random::<u128>()),
            delivery_wakeup: Notify::new(),
            inbox_slots: Semaphore::new(64),
            login_limiter: Default::default(),
            passwords: Default::default(),
            images: Default::default(),
            feeds: Default::default(),
            documents: Default::default(),
            lists: Default::default(),
            federation: std::sync::RwLock::new(None),
            remittances_loaded: tokio::sync::OnceCell::new(),
        }));
        state
            .peer_policy()
            .domains()
            .reload(state.db(), true)
            .await?;
        let federation = federation::crate_config(&state).await?;
        *state
            .0
            .federation
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(federation);
        crate::federation::profile::read_configured_pictures(&state).await?;
        state.refresh_pictures().await?;
        Ok(state)
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn db(&self) -> &Db {
        &self.0.db
    }

    pub fn urls(&self) -> &Urls {
        &self.0.urls
    }

    pub fn actors(&self) -> &LocalActors {
        &self.0.actors
    }

    /// Loads the World Bank's shipped remittance data into a new database, once per process
    /// (the first request of a remittance page waits for it; the others then read nothing).
    pub async fn remittances_loaded(&self) -> Result<()> {
        self.0
            .remittances_loaded
            .get_or_try_init(|| crate::domain::remittances::ensure_loaded(self.db()))
            .await
            .map(|_| ())
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.0.http
    }

    pub fn inbox_counts(&self) -> &crate::federation::inbox::limits::InboxCounts {
        &self.0.inbox_counts
    }

    pub fn peer_policy(&self) -> &PeerPolicy {
        &self.0.peer_policy
    }

    /// This process's token in `delivery.claimed_by`.
    pub fn process_token(&self) -> &str {
        &self.0.process_token
    }

    pub fn delivery_wakeup(&self) -> &Notify {
        &self.0.delivery_wakeup
    }

    pub fn inbox_slots(&self) -> &Semaphore {
        &self.0.inbox_slots
    }

    pub fn key_lookups(&self) -> &KeyLookups {
        &self.0.key_lookups
    }

    pub fn inbox_writer(&self) -> &InboxWriter {
        &self.0.inbox_writer
    }

    /// The organization's logo and header image (cached for a few seconds).
    pub async fn organization_pictures(&self) -> Result<crate::federation::actors::Pictures> {
        const FRESH: std::time::Duration = std::time::Duration::from_secs(10);
        if let Ok(cached) = self.0.pictures.lock()
            && let Some((read_at, pictures)) = cached.as_ref()
            && read_at.elapsed() < FRESH
        {
            return Ok(pictures.clone());
        }
        let pictures =
            actors::pictures(self.db(), self.actors().organization().local_actor_id).await?;
        if let Ok(mut cached) = self.0.pictures.lock() {
            *cached = Some((std::time::Instant::now(), pictures.clone()));
        }
        Ok(pictures)
    }

    /// The organization's pictures as last read, without waiting for the database (pages call
    /// it; the actor document and the favicon keep it fresh).
    pub fn pictures_now(&self) -> crate::federation::actors::Pictures {
        self.0
            .pictures
            .lock()
            .ok()
            .and_then(|cached| cached.as_ref().map(|(_, pictures)| pictures.clone()))
            .unwrap_or_default()
    }

    /// Reads the organization's pictures again (they just changed).
    pub async fn refresh_pictures(&self) -> Result<()> {
        if let Ok(mut cached) = self.0.pictures.lock() {
            *cached = None;
        }
        self.organization_pictures().await.map(|_| ())
    }

    pub fn login_limiter(&self) -> &crate::web::auth::LoginLimiter {
        &self.0.login_limiter
    }

    pub fn passwords(&self) -> &crate::domain::accounts::Passwords {
        &self.0.passwords
    }

    pub fn images(&self) -> &crate::domain::images::Encoder {
        &self.0.images
    }

    pub fn feeds(&self) -> &crate::web::kept::FeedCache {
        &self.0.feeds
    }

    pub fn documents(&self) -> &crate::federation::document_cache::DocumentCache {
        &self.0.documents
    }

    pub fn lists(&self) -> &crate::web::pages::cards::ListCache {
        &self.0.lists
    }

    /// The parsed public key for `pem`, from the cache.
    pub fn public_key(&self, pem: &str) -> Result<Arc<PublicKey>> {
        self.0.keys.get(pem)
    }

    /// A request context for the federation crate (fetches count against one limit per
    /// context); none once the instance has stopped.
    pub fn federation_data(&self) -> Result<Data<AppState>> {
        self.0
            .federation
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map(FederationConfig::to_request_data)
            .ok_or_else(|| crate::error::Error::Unavailable("the instance is stopping".to_string()))
    }

    /// Drops the federation crate's configuration (and the clone of this state it holds).
    fn forget_federation(&self) {
        self.0
            .federation
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
    }
}

/// The whole HTTP surface.
pub fn router(state: AppState) -> Router {
    use crate::federation::documents;
    use crate::web::pages;
    Router::new()
        .route(
            "/actors/{username}",
            negotiated(documents::actor, pages::actor),
        )
        .route(
            "/{kinds}/{public_id}",
            negotiated(documents::publication, pages::publication),
        )
        .route(
            "/forums/{slug}/posts/{public_id}",
            negotiated(documents::forum_post, crate::web::forums::thread),
        )
        .route(
            "/remittances/reports/{public_id}",
            negotiated(
                documents::price_report,
                crate::web::remittances::reports::page,
            ),
        )
        .fallback(crate::web::not_found)
        // Errors are pages for people here, and stay JSON or plain for ActivityPub clients.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::frame::error_pages,
        ))
        .merge(federation::routes())
        .merge(crate::web::routes(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::web::headers::security_headers,
        ))
        .layer(compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Pages and the stylesheet gzipped for clients that accept it, at the fastest level: it
/// makes a page about a fifth of its size for a fraction of what a page costs to build
/// (`jisr bench pages` shows both).
fn compression()
-> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    tower_http::compression::CompressionLayer::new()
        .quality(tower_http::CompressionLevel::Fastest)
        .compress_when(
            SizeAbove::new(crate::web::headers::MIN_COMPRESSED_BYTES)
                .and(crate::web::headers::compressible),
        )
}

/// A `GET` route for a URL that is both an ActivityPub id and a page: `json` answers clients
/// that ask for ActivityStreams JSON, `page` everyone else. The one place content is negotiated.
fn negotiated<J, JT, P, PT>(json: J, page: P) -> axum::routing::MethodRouter<AppState>
where
    J: axum::handler::Handler<JT, AppState>,
    P: axum::handler::Handler<PT, AppState>,
    JT: 'static,
    PT: 'static,
{
    axum::routing::get(
        move |axum::extract::State(state): axum::extract::State<AppState>,
              request: axum::extract::Request| async move {
            if federation::documents::wants_activity_json(request.headers()) {
                json.call(request, state).await
            } else {
                page.call(request, state).await
            }
        },
    )
}

/// Hourly housekeeping: forget old received activity ids, expired sessions and links, and
/// images no publication shows.
fn spawn_maintenance(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let before = chrono::Utc::now()
                - chrono::Duration::days(crate::federation::inbox::REMEMBER_RECEIVED_DAYS);
            match crate::federation::inbox::forget_received_before(state.db(), before).await {
                Ok(forgotten) if forgotten > 0 => {
                    tracing::info!(forgotten, "forgot old received activity ids");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(error = ?error, "maintenance"),
            }
            let minute = chrono::Utc::now().timestamp() - 3600;
            if let Err(error) =
                crate::federation::inbox::limits::forget_before(state.db(), minute).await
            {
                tracing::error!(error = ?error, "maintenance: inbox counts");
            }
            if let Err(error) = crate::domain::accounts::forget_expired(state.db()).await {
                tracing::error!(error = ?error, "maintenance: sessions");
            }
            if let Err(error) = crate::domain::network::forget_tombstones(state.db()).await {
                tracing::error!(error = ?error, "maintenance: tombstones");
            }
            match crate::domain::images::forget_unused(state.db()).await {
                Ok(forgotten) if forgotten > 0 => {
                    tracing::info!(forgotten, "deleted unused images")
                }
                Ok(_) => {}
                Err(error) => tracing::error!(error = ?error, "maintenance: images"),
            }
        }
    })
}

/// An instance dropped without [`Instance::stop`] (a test that ends, a panic) lets go of its
/// state: the federation crate's configuration holds a clone of it, a cycle that would keep
/// its database pool, and the connections in it, open for as long as the process lives.
impl Drop for Instance {
    fn drop(&mut self) {
        self.state.forget_federation();
    }
}

/// A started instance: its address and the tasks that run it.
pub struct Instance {
    pub state: AppState,
    pub address: std::net::SocketAddr,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The dispatcher first, then the recorder, the inbox writer and the housekeeping.
    workers: Vec<tokio::task::JoinHandle<()>>,
    /// Tells the dispatcher to stop at its next safe point.
    stop_delivery: tokio::sync::watch::Sender<bool>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Instance {
    /// Serves `state` on `listener` and starts the delivery workers.
    pub fn start(state: AppState, listener: TcpListener) -> std::io::Result<Instance> {
        let address = listener.local_addr()?;
        let app = router(state.clone());
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = signal.await;
            })
            .await
        });
        let (stop_delivery, stop) = tokio::sync::watch::channel(false);
        let mut workers = delivery::spawn_workers(&state, stop);
        workers.extend(InboxWriter::spawn(&state));
        workers.push(spawn_maintenance(&state));
        workers.push(federation::rsvp::spawn_count_updates(&state));
        workers.push(federation::outbox::spawn_consent_ends(&state));
        workers.push(federation::policy::spawn_reload(&state));
        workers.extend(crate::daily_rates::spawn(&state));
        Ok(Instance {
            state,
            address,
            server,
            workers,
            stop_delivery,
            shutdown: Some(shutdown),
        })
    }

    /// Serves until `signal` completes (or the server fails), then stops.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let result = tokio::select! {
            result = &mut self.server => Some(result),
            () = signal => None,
        };
        match result {
            Some(result) => {
                self.stop_workers().await;
                Ok(result??)
            }
            None => {
                self.stop().await;
                Ok(())
            }
        }
    }

    async fn stop_workers(&mut self) {
        // The dispatcher finishes the claim it may be making, hands back what it had not sent
        // and waits for what is in flight (each request ends within its timeout); the recorder
        // then writes those results and returns, so a clean stop sends nothing twice. The
        // others can be dropped anywhere (a result not recorded leaves its row claimed by us,
        // released below).
        let _ = self.stop_delivery.send(true);
        let in_flight = self.state.config().federation.request_timeout_seconds + 15;
        let mut workers = self.workers.drain(..);
        for (worker, seconds) in [("dispatcher", in_flight), ("recorder", 15)] {
            if let Some(mut task) = workers.next()
                && tokio::time::timeout(std::time::Duration::from_secs(seconds), &mut task)
                    .await
                    .is_err()
            {
                tracing::warn!(worker, "delivery worker did not stop in time");
                task.abort();
            }
        }
        for worker in workers {
            worker.abort();
        }
        // Deliveries claimed but not finished go back to the queue now, not when the lease ends.
        match delivery::release_mine(&self.state).await {
            Ok(released) if released > 0 => {
                tracing::info!(released, "handed back unfinished deliveries")
            }
            Ok(_) => {}
            Err(error) => tracing::error!(error = ?error, "handing back deliveries"),
        }
        self.state.db().close().await;
        self.state.forget_federation();
    }

    /// Stops taking requests, finishes those in progress (for up to five seconds), stops the
    /// delivery workers and closes the database. Pending deliveries stay queued.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.server)
            .await
            .is_err()
        {
            self.server.abort();
        }
        self.stop_workers().await;
    }
}
