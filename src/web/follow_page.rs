//! Follow in one click: `/follow` asks a visitor for their own fediverse handle, looks their
//! server up (`federation::interaction`) and sends them there to follow the organization, or,
//! with `?uri=` one of our publications, to open it on their server to reply or share.
//!
//! Invariants: the form is a POST with the CSRF token (an outgoing request is never made for a
//! plain link), each client may ask a bounded number of times (the login limiter's window), and
//! `uri` is one of our own URLs or it is ignored.

use super::account_pages::FormPage;
use super::auth::{self, Visitor};
use super::forms::{Field, FormValues};
use super::frame::{Frame, MessagePage, respond_with};
use crate::app::AppState;
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::interaction;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::net::SocketAddr;
use url::Url;

/// Lookups one client may ask for in the limiter's window.
const LOOKUPS_PER_CLIENT: u32 = 30;

/// `?uri=`: the publication of ours to open; none for following the organization.
#[derive(Debug, Default, Deserialize)]
pub struct FollowQuery {
    uri: Option<String>,
}

/// `uri` when it is one of our own URLs.
fn ours(state: &AppState, uri: &str) -> Option<Url> {
    let base = state.urls().base();
    Url::parse(uri.trim())
        .ok()
        .filter(|url| url.origin() == base.origin() && url.path() != "/follow")
}

fn form(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    uri: Option<&Url>,
    handle: &str,
) -> FormPage {
    let t = frame.t;
    let name = &state.config().instance.name;
    let (heading, intro) = match uri {
        Some(_) => (t.t("follow-share-title"), t.t("follow-share-intro")),
        None => (t.t1("follow-title", "name", name), t.t("follow-intro")),
    };
    let mut page = FormPage::new(frame, visitor, heading);
    page.intro = format!("{intro} {}", t.t("follow-or"));
    page.action = "/follow".to_string();
    page.submit = t.t("follow-submit");
    page.fields = vec![
        Field::new("handle", "text", t.t("follow-handle"))
            .required()
            .hint(t.t("follow-handle-hint"))
            .value(handle)
            .autocomplete("username"),
    ];
    if let Some(uri) = uri {
        page.fields
            .push(Field::new("uri", "hidden", "").value(uri.as_str()));
    }
    let instance = &state.config().instance;
    page.links = vec![(
        state.actors().organization().id.to_string(),
        format!("@{}@{}", instance.handle, instance.domain),
    )];
    page
}

/// `GET /follow`.
pub async fn page(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Query(query): Query<FollowQuery>,
) -> Result<Response> {
    let uri = query.uri.as_deref().and_then(|uri| ours(&state, uri));
    let page = form(&state, frame, &visitor, uri.as_ref(), "");
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /follow`: to the visitor's own server, or the form again saying why not.
pub async fn follow(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    frame: Frame,
    visitor: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    let t = frame.t;
    let uri = ours(&state, values.get("uri"));
    let handle: String = values.get("handle").chars().take(300).collect();
    let filled = || form(&state, frame.clone(), &visitor, uri.as_ref(), &handle);
    let again = |errors: &[FieldError], status: StatusCode| {
        respond_with(&state, &visitor, status, &filled().with_errors(errors))
    };
    let refuse = |key: &str, status: StatusCode| {
        respond_with(&state, &visitor, status, &filled().with_message(t.t(key)))
    };
    if visitor.check_csrf(values.get("csrf")).is_err() {
        return refuse("error-csrf", StatusCode::FORBIDDEN);
    }
    if !auth::within_limit(&state, client, &headers, "follow", LOOKUPS_PER_CLIENT) {
        return refuse("error-too-many", StatusCode::TOO_MANY_REQUESTS);
    }
    if handle.trim().is_empty() {
        return again(
            &[FieldError::of("handle", Reason::Required)],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let target = uri
        .clone()
        .unwrap_or_else(|| state.actors().organization().id.clone());
    match interaction::remote_page(&state, &handle, &target).await {
        // A link to follow, not a redirect: the pages' policy keeps forms and their redirects
        // on this site (`form-action 'self'`), and the visitor sees where they are going.
        Ok(page) => {
            let host = page.host_str().unwrap_or_default().to_string();
            let there = MessagePage {
                heading: t.t1("follow-found-title", "host", &host),
                text: t.t(if uri.is_some() {
                    "follow-found-share"
                } else {
                    "follow-found-text"
                }),
                details: Vec::new(),
                reason: None,
                next: Some((page.to_string(), t.t1("follow-continue", "host", &host))),
                frame,
            };
            respond_with(&state, &visitor, StatusCode::OK, &there)
        }
        Err(Error::Invalid(errors)) => again(&errors, StatusCode::UNPROCESSABLE_ENTITY),
        Err(Error::Forbidden(_) | Error::Unavailable(_) | Error::Timeout) => again(
            &[FieldError::of("handle", Reason::NoRemoteInteraction)],
            StatusCode::BAD_GATEWAY,
        ),
        Err(other) => Err(other),
    }
}
