//! Everything ActivityPub: our actors and their documents, discovery, the inboxes, HTTP
//! signatures, remote actors, followers and the durable delivery queue.
//!
//! Invariants: only this module speaks ActivityStreams or signs requests; ids come from
//! [`urls::Urls`]; every outgoing request goes through [`net::client`]; every incoming activity
//! goes through [`inbox`], which verifies its signature and origin before anything is stored.
//! The `activitypub_federation` crate is used for fetching remote objects (signed GETs by the
//! instance actor) and its SSRF-checked URL rules; signing and verifying inbox traffic is ours
//! (aws-lc-rs, RFC 9421 and draft-cavage), see ACTIVITYPUB_FEDERATION.md for why.

pub mod activities;
pub mod actors;
pub mod delivery;
pub mod directory;
pub mod discovery;
pub mod document_cache;
pub mod documents;
pub mod followers;
pub mod following;
pub mod forums;
pub mod inbox;
pub mod interaction;
pub mod members;
pub mod net;
pub mod network_experts;
pub mod objects;
pub mod origin;
pub mod outbox;
pub mod policy;
pub mod price_reports;
pub mod profile;
pub mod remote_actors;
pub mod remote_profile;
pub mod replies;
pub mod reports;
pub mod rsvp;
pub mod signature;
pub mod suspensions;
pub mod urls;

use crate::app::AppState;
use activitypub_federation::config::FederationConfig;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::time::Duration;

/// The media type of ActivityStreams documents we serve and send.
pub const ACTIVITY_CONTENT_TYPE: &str = "application/activity+json";

/// The federation crate's configuration over our state: our client, our URL rules, and the
/// instance actor signing every fetch.
pub async fn crate_config(state: &AppState) -> anyhow::Result<FederationConfig<AppState>> {
    let config = state.config();
    let instance = &state.actors().instance();
    let signer = actors::FetchSigner {
        id: instance.id.clone(),
        private_key_pem: instance.private_key_pem.clone(),
        public_key_pem: instance.public_key_pem.clone(),
    };
    // `debug` lets ids carry ports and skips the crate's own DNS check (which would ignore
    // `federation.resolve`); our DNS resolver and URL verifier check addresses either way.
    let local_development = config.federation.allow_loopback_peers
        || config.instance.is_local_domain()
        || !config.federation.resolve.is_empty();
    Ok(FederationConfig::builder()
        .domain(config.instance.domain.clone())
        .app_data(state.clone())
        .client(reqwest_middleware::ClientBuilder::new(state.http().clone()).build())
        .url_verifier(Box::new(net::CrateUrlVerifier(state.peer_policy().clone())))
        .http_signature_compat(true)
        .signed_fetch_actor(&signer)
        .http_fetch_limit(50)
        .debug(local_development)
        .allow_http_urls(config.federation.allows_plain_http(&config.instance))
        .request_timeout(Duration::from_secs(
            config.federation.request_timeout_seconds,
        ))
        .build()
        .await?)
}

/// The federation routes: discovery, collections and inboxes. The paths that are both an
/// ActivityPub id and a page (actors, publications) are routed by `app::router`.
pub fn routes() -> Router<AppState> {
    let inboxes = Router::new()
        .route("/inbox", post(inbox::shared))
        .route("/actor/inbox", post(inbox::instance_actor))
        .route("/actors/{username}/inbox", post(inbox::personal))
        .layer(DefaultBodyLimit::max(inbox::MAX_BODY_BYTES));
    Router::new()
        .route("/.well-known/webfinger", get(discovery::webfinger))
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route("/.well-known/nodeinfo", get(discovery::nodeinfo_links))
        .route("/nodeinfo/2.1", get(discovery::nodeinfo))
        .route("/actor", get(documents::instance_actor))
        .route("/actor/outbox", get(documents::instance_outbox))
        .route("/actors/{username}/outbox", get(documents::outbox))
        .route("/actors/{username}/followers", get(documents::followers))
        .route("/actors/{username}/following", get(documents::following))
        .route("/actors/{username}/featured", get(documents::featured))
        .route("/actors/{username}/moderators", get(documents::moderators))
        .route("/actors/{username}/experts", get(documents::experts))
        .route("/ns", get(documents::namespace))
        .route(
            "/forums/{slug}/posts/{public_id}/{name}",
            get(documents::forum_post_activity),
        )
        .route(
            "/remittances/reports/{public_id}/{name}",
            get(documents::price_report_activity),
        )
        .route(
            "/{kinds}/{public_id}/activities/{name}",
            get(documents::publication_activity),
        )
        .route(
            "/{kinds}/{public_id}/replies",
            get(documents::publication_replies),
        )
        .route(
            "/{kinds}/{public_id}/replies/{token}",
            get(documents::reply),
        )
        .route(
            "/{kinds}/{public_id}/replies/{token}/activity",
            get(documents::reply_activity),
        )
        .merge(inboxes)
}
