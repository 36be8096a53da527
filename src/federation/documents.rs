//! The ActivityPub documents we serve: actors and their collections, publications and our
//! public activities, as ActivityStreams JSON (the router, `app::router`, decides once whether
//! a request wants JSON or a page; pages are `web`'s), and verification of signed
//! GETs (authorized fetch) when a signature is sent: a signature that does not verify is a 401,
//! a signer whose key cannot be fetched a 503 (and that key is not fetched again for a while).
//!
//! Invariant: the instance actor is always served without checking signatures, so that a peer
//! verifying our signed fetch can fetch our key without a loop.

use super::actors::{self, ActorKind, LocalActor};
use super::inbox::verified_signer;
use super::objects::{self, Verb};
use super::signature::{self, SignedRequest};
use super::{delivery, followers, following};
use crate::app::AppState;
use crate::domain::accounts::profile::Profile;
use crate::domain::publication::{self, Kind};
use crate::error::{Error, Result};
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use url::Url;

/// Whether the client asks for ActivityStreams JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|media| media.split(';').next().unwrap_or("").trim())
        .any(|media| {
            [
                "application/activity+json",
                "application/ld+json",
                "application/json",
            ]
            .iter()
            .any(|json| media.eq_ignore_ascii_case(json))
        })
}

/// An ActivityStreams JSON response.
pub fn activity_json(value: &Value) -> Response {
    serialized_json(StatusCode::OK, Bytes::from(value.to_string()))
}

/// An ActivityStreams JSON response of a document already serialized.
fn serialized_json(status: StatusCode, body: Bytes) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, super::ACTIVITY_CONTENT_TYPE),
            (header::VARY, "Accept, Signature"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

/// The document of `actor` with `pictures`, as kept or built now (and kept).
fn actor_document(state: &AppState, actor: &LocalActor, pictures: actors::Pictures) -> Response {
    let kept = state.documents().actor(actor.local_actor_id, &pictures);
    let body = kept.unwrap_or_else(|| {
        let document = actors::document(state.config(), state.urls(), actor, &pictures, None);
        let body = Bytes::from(document.to_string());
        state
            .documents()
            .keep_actor(actor.local_actor_id, pictures, body.clone());
        body
    });
    serialized_json(StatusCode::OK, body)
}

/// If the GET is signed, verifies the signature (401 when it does not verify).
async fn check_signed_get(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<()> {
    if !signature::is_signed(headers) {
        return Ok(());
    }
    let scheme = state.urls().base().scheme().to_string();
    let request = SignedRequest {
        method,
        path_and_query: uri.path_and_query().map_or("/", |p| p.as_str()),
        scheme: &scheme,
        headers,
        body: None,
    };
    let pending = signature::parse(&request, Utc::now())?;
    // A signer whose key cannot be fetched gets a 503, as for POSTs; the key lookups remember
    // the failure, so that repeating the request does not make us fetch that key again.
    let signer = verified_signer(state, &pending).await?;
    tracing::debug!(signer = %signer.ap_id, path = %uri.path(), "signed fetch");
    Ok(())
}

/// Our actor at `/actors/{username}`: any kind but the instance actor, whose id is `/actor`.
/// A member's actor is there only while their account is active (404 before, 410 after).
pub async fn named_actor(state: &AppState, username: &str) -> Result<Arc<LocalActor>> {
    Ok(shown_actor(state, username).await?.0)
}

/// [`named_actor`], with the member's profile as it is now when it is a member's.
pub async fn shown_actor(
    state: &AppState,
    username: &str,
) -> Result<(Arc<LocalActor>, Option<Profile>)> {
    let actor = state
        .actors()
        .by_username(state.db(), username)
        .await?
        .filter(|actor| actor.kind != ActorKind::Application)
        .ok_or(Error::NotFound)?;
    let profile = super::members::shown_profile(state.db(), &actor).await?;
    Ok((actor, profile))
}

/// The pictures of `actor` (the organization's are cached).
async fn pictures_of(state: &AppState, actor: &LocalActor) -> Result<actors::Pictures> {
    if actor.kind == ActorKind::Organization {
        state.organization_pictures().await
    } else {
        actors::pictures(state.db(), actor.local_actor_id).await
    }
}

/// `GET /actors/{username}` as ActivityStreams JSON (the router sends browsers to the page).
pub async fn actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
    request: Request,
) -> Result<Response> {
    let (actor, member) = shown_actor(&state, &username).await?;
    check_signed_get(&state, request.method(), request.uri(), request.headers()).await?;
    let pictures = pictures_of(&state, &actor).await?;
    if let Some(profile) = &member {
        let document = actors::document(
            state.config(),
            state.urls(),
            &actor,
            &pictures,
            Some(profile),
        );
        return Ok(activity_json(&document));
    }
    if actor.kind == ActorKind::Group
        && let Some(forum) =
            crate::domain::forums::by_actor(state.db(), actor.local_actor_id).await?
    {
        let mut document = actors::document(state.config(), state.urls(), &actor, &pictures, None);
        super::forums::decorate(&state, &forum, &mut document);
        return Ok(activity_json(&document));
    }
    Ok(actor_document(&state, &actor, pictures))
}

/// `GET /forums/{slug}/posts/{public_id}` as ActivityStreams JSON: one of our members' posts
/// (a remote post's id is on its own server; a removed post is gone).
pub async fn forum_post(
    State(state): State<AppState>,
    Path((slug, public_id)): Path<(String, String)>,
) -> Result<Response> {
    let forum = crate::domain::forums::find(state.db(), &slug).await?;
    let post = crate::domain::forums::post(state.db(), forum.forum_id, &public_id).await?;
    if post.asker().is_none() {
        // Another server's post: its id is on its own server.
        return Err(Error::NotFound);
    }
    if post.status() == crate::domain::forums::PostStatus::Removed {
        return Err(Error::Gone);
    }
    if post.held_at.is_some() {
        // Waiting for a moderator: not published yet.
        return Err(Error::NotFound);
    }
    let thread_ap_id = match post.thread_id {
        Some(thread) => crate::domain::forums::thread_ap_id(state.db(), thread).await?,
        None => post.ap_id.clone(),
    };
    Ok(activity_json(&super::forums::object(
        &state,
        &forum,
        &post,
        &thread_ap_id,
    )))
}

/// `GET /remittances/reports/{public_id}`: a member's price report (404 once deleted, 410
/// while its author is suspended or gone).
pub async fn price_report(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let report = crate::domain::remittances::reports::find(state.db(), &public_id).await?;
    if let Some(account_id) = report.account_id
        && !matches!(
            super::members::standing(state.db(), account_id).await?,
            super::members::Standing::Active(_)
        )
    {
        return Err(Error::Gone);
    }
    Ok(activity_json(&super::price_reports::object(
        &state, &report,
    )))
}

/// `GET /remittances/reports/{public_id}/{name}`: a public activity about a price report
/// (its `Create`, the organization's `Announce`, an `Update`, its `Delete`), at its id.
pub async fn price_report_activity(
    State(state): State<AppState>,
    Path((public_id, name)): Path<(String, String)>,
) -> Result<Response> {
    let id = state.urls().price_report_activity(&public_id, &name);
    Ok(activity_json(
        &delivery::public_activity(state.db(), id.as_str()).await?,
    ))
}

/// `GET /forums/{slug}/posts/{public_id}/{name}`: a public activity about a forum post (a
/// member's `Create`, the group's `Announce`s), at its id.
pub async fn forum_post_activity(
    State(state): State<AppState>,
    Path((slug, public_id, name)): Path<(String, String, String)>,
) -> Result<Response> {
    let id = state.urls().forum_post_activity(&slug, &public_id, &name);
    Ok(activity_json(
        &delivery::public_activity(state.db(), id.as_str()).await?,
    ))
}

/// `GET /actors/{username}/featured`: the pinned publications, embedded (GoToSocial reads only
/// embedded items, Mastodon both), the newest pin first.
pub async fn featured(
    State(state): State<AppState>,
    Path(username): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = named_actor(&state, &username).await?;
    check_signed_get(&state, &method, &uri, &headers).await?;
    if actor.kind == ActorKind::Group
        && let Some(forum) =
            crate::domain::forums::by_actor(state.db(), actor.local_actor_id).await?
    {
        return Ok(activity_json(
            &super::forums::featured_collection(&state, &forum).await?,
        ));
    }
    // Publications are the organization's (members' own come with their actors).
    let pinned = if actor.kind == ActorKind::Organization {
        publication::pins::pinned(state.db(), publication::Bodies::Included).await?
    } else {
        Vec::new()
    };
    let items: Vec<Value> = pinned
        .iter()
        .filter(|publication| publication.federated())
        .map(|publication| objects::object(&state, publication))
        .collect();
    Ok(activity_json(&json!({
        "@context": objects::context(),
        "id": state.urls().featured(&actor.id),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}

/// `GET /actors/{slug}/moderators`: a forum's moderators (its group's `attributedTo`).
pub async fn moderators(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response> {
    let forum = crate::domain::forums::find(state.db(), &slug).await?;
    Ok(activity_json(
        &super::forums::moderators_collection(&state, &forum).await?,
    ))
}

/// `GET /actors/{username}/experts`: the organization's confirmed experts, as the ids of their
/// actors (our namespace's `experts`; other Jisr instances read it when they follow us, and
/// list them in their experts directory). Only the organization has one.
pub async fn experts(
    State(state): State<AppState>,
    Path(username): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = named_actor(&state, &username).await?;
    if actor.kind != ActorKind::Organization {
        return Err(Error::NotFound);
    }
    check_signed_get(&state, &method, &uri, &headers).await?;
    let items: Vec<Url> = crate::domain::experts::local(state.db(), None, None)
        .await?
        .iter()
        .map(|expert| state.urls().actor(ActorKind::Person, &expert.username))
        .collect();
    Ok(activity_json(&json!({
        "@context": super::activities::ACTIVITY_STREAMS,
        "id": state.urls().experts(&actor.id),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })))
}

/// `GET /actor`: the instance actor, never behind a signature check.
pub async fn instance_actor(State(state): State<AppState>) -> Result<Response> {
    let actor = state.actors().instance();
    let pictures = actors::pictures(state.db(), actor.local_actor_id).await?;
    Ok(actor_document(&state, actor, pictures))
}

/// `?page=N`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

/// An `OrderedCollection` with `totalItems` and `first`/`last` pages, or one of its pages.
fn ordered_collection(
    state: &AppState,
    id: &Url,
    total: u64,
    page: Option<u64>,
    items: Vec<Value>,
) -> Value {
    let urls = state.urls();
    let context = super::activities::ACTIVITY_STREAMS;
    match page {
        None => json!({
            "@context": context,
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": urls.page(id, 1),
            "last": urls.page(id, 1),
        }),
        Some(page) => json!({
            "@context": context,
            "id": urls.page(id, page),
            "type": "OrderedCollectionPage",
            "partOf": id,
            "totalItems": total,
            "orderedItems": items,
        }),
    }
}

/// Items per page of the outbox.
const OUTBOX_PAGE_SIZE: i64 = 20;

/// `GET /actors/{username}/outbox`: the `Create` of every publication of the actor, newest
/// first, paged.
pub async fn outbox(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = named_actor(&state, &username).await?;
    check_signed_get(&state, &method, &uri, &headers).await?;
    let id = state.urls().outbox(&actor.id);
    if actor.kind != ActorKind::Organization {
        // Publications are the organization's; the other actors publish nothing yet.
        return Ok(activity_json(&ordered_collection(
            &state,
            &id,
            0,
            query.page,
            Vec::new(),
        )));
    }
    // A story whose consent keeps it on this website is not in it.
    let total = publication::count_federated(state.db()).await?;
    let total = u64::try_from(total).unwrap_or_default();
    let Some(page) = query.page else {
        let last = total.div_ceil(OUTBOX_PAGE_SIZE as u64).max(1);
        let mut collection = ordered_collection(&state, &id, total, None, Vec::new());
        collection["last"] = json!(state.urls().page(&id, last));
        return Ok(activity_json(&collection));
    };
    let page = page.max(1);
    let offset = i64::try_from(page - 1).unwrap_or(i64::MAX / 2) * OUTBOX_PAGE_SIZE;
    let publications = publication::list_where(
        state.db(),
        publication::Listing::Federated,
        offset,
        OUTBOX_PAGE_SIZE,
    )
    .await?;
    let items = publications
        .iter()
        .map(|publication| {
            let (_, mut activity) = objects::activity(&state, Verb::Create, publication);
            if let Some(fields) = activity.as_object_mut() {
                fields.remove("@context");
            }
            activity
        })
        .collect();
    let mut collection_page = ordered_collection(&state, &id, total, Some(page), items);
    // The items use our terms: the page carries our whole context, not just ActivityStreams.
    collection_page["@context"] = objects::context();
    if offset + OUTBOX_PAGE_SIZE < i64::try_from(total).unwrap_or(i64::MAX) {
        collection_page["next"] = json!(state.urls().page(&id, page + 1));
    }
    if page > 1 {
        collection_page["prev"] = json!(state.urls().page(&id, page - 1));
    }
    Ok(activity_json(&collection_page))
}

/// `GET /{kinds}/{public_id}` as ActivityStreams JSON (the router sends browsers to the page);
/// 410 with a `Tombstone` once deleted. Served as kept when it was built a moment ago
/// (`document_cache`), else read and built, then kept.
pub async fn publication(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    request: Request,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let (method, uri, headers) = (request.method(), request.uri(), request.headers());
    if let Some(kept) = state.documents().object(kind, &public_id) {
        check_signed_get(&state, method, uri, headers).await?;
        return Ok(serialized_json(kept.status, kept.body));
    }
    let generation = state.documents().generation();
    let found = publication::find(state.db(), kind, &public_id).await?;
    check_signed_get(&state, method, uri, headers).await?;
    if !found.is_deleted() && !found.federated() {
        // A story whose consent keeps it on this website has no ActivityStreams form.
        return Err(Error::NotFound);
    }
    let status = if found.is_deleted() {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    let body = Bytes::from(super::rsvp::document(&state, found).await?.to_string());
    state
        .documents()
        .keep_object(generation, kind, &public_id, status, body.clone());
    Ok(serialized_json(status, body))
}

/// `GET /{kinds}/{public_id}/replies`: the publication's `replies` collection (the replies
/// shown under it).
pub async fn publication_replies(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    check_signed_get(&state, &method, &uri, &headers).await?;
    kept_here(&state, kind, &public_id).await?;
    Ok(activity_json(
        &super::replies::collection(&state, kind, &public_id).await?,
    ))
}

/// `GET /{kinds}/{public_id}/replies/{token}`: one of our replies, as a `Note`.
pub async fn reply(
    State(state): State<AppState>,
    Path((kinds, public_id, token)): Path<(String, String, String)>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    check_signed_get(&state, &method, &uri, &headers).await?;
    kept_here(&state, kind, &public_id).await?;
    let id = state.urls().publication_replies(kind, &public_id);
    let id = url::Url::parse(&format!("{id}/{token}")).map_err(|_| Error::NotFound)?;
    Ok(activity_json(&super::replies::note(&state, &id).await?))
}

/// Refuses (404) what is about a story whose consent keeps it on this website: its replies
/// have no ActivityStreams form either.
async fn kept_here(state: &AppState, kind: Kind, public_id: &str) -> Result<()> {
    match publication::find(state.db(), kind, public_id).await {
        Ok(found) if !found.is_deleted() && !found.federated() => Err(Error::NotFound),
        _ => Ok(()),
    }
}

/// `GET /{kinds}/{public_id}/replies/{token}/activity`: the `Create` of one of our replies.
pub async fn reply_activity(
    State(state): State<AppState>,
    Path((kinds, public_id, token)): Path<(String, String, String)>,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let id = state.urls().publication_replies(kind, &public_id);
    let id = format!("{id}/{token}/activity");
    Ok(activity_json(
        &delivery::public_activity(state.db(), &id).await?,
    ))
}

/// `GET /{kinds}/{public_id}/activities/{name}`: a public activity we sent, at its id.
pub async fn publication_activity(
    State(state): State<AppState>,
    Path((kinds, public_id, name)): Path<(String, String, String)>,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let id = state.urls().publication_activity(kind, &public_id, &name);
    Ok(activity_json(
        &delivery::public_activity(state.db(), id.as_str()).await?,
    ))
}

/// `GET /ns`: our JSON-LD context, which defines Jisr's terms.
pub async fn namespace() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/ld+json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        format!("{{\"@context\": {}}}", objects::CONTEXT_JSON.trim()),
    )
        .into_response()
}

/// `GET /actor/outbox`: the instance actor publishes nothing.
pub async fn instance_outbox(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Response {
    let id = state.urls().outbox(&state.actors().instance().id);
    activity_json(&ordered_collection(&state, &id, 0, query.page, Vec::new()))
}

/// `GET /actors/{username}/followers`: the count only. Who follows a diaspora organization can
/// be sensitive, so the list is not published (Mastodon shows such a collection as hidden).
pub async fn followers(
    State(state): State<AppState>,
    Path(username): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = named_actor(&state, &username).await?;
    check_signed_get(&state, &method, &uri, &headers).await?;
    let total = followers::count(state.db(), actor.local_actor_id).await?;
    Ok(activity_json(&json!({
        "@context": super::activities::ACTIVITY_STREAMS,
        "id": state.urls().followers(&actor.id),
        "type": "OrderedCollection",
        "totalItems": total,
    })))
}

/// `GET /actors/{username}/following`: the organizations ours follows (accepted follows).
pub async fn following(
    State(state): State<AppState>,
    Path(username): Path<String>,
    Query(query): Query<PageQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response> {
    let actor = named_actor(&state, &username).await?;
    check_signed_get(&state, &method, &uri, &headers).await?;
    let id = state.urls().following(&actor.id);
    let accepted: Vec<Value> = following::list(state.db(), actor.local_actor_id)
        .await?
        .into_iter()
        .filter(|entry| entry.accepted_at.is_some())
        .map(|entry| Value::String(entry.target_ap_id))
        .collect();
    let total = accepted.len() as u64;
    let items = if query.page == Some(1) {
        accepted
    } else {
        Vec::new()
    };
    Ok(activity_json(&ordered_collection(
        &state, &id, total, query.page, items,
    )))
}
