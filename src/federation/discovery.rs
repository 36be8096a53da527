//! How others find us: WebFinger (RFC 7033, FEP-d556), host-meta, and NodeInfo 2.1 (FEP-2677).

use crate::app::AppState;
use crate::error::{Error, Result};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

/// `?resource=…`.
#[derive(Debug, Deserialize)]
pub struct WebFingerQuery {
    resource: Option<String>,
}

/// Which of our actors a WebFinger resource names.
#[derive(Debug, PartialEq, Eq)]
enum Resource {
    Organization,
    InstanceActor,
}

fn resolve(state: &AppState, resource: &str) -> Option<Resource> {
    let config = state.config();
    let domain = &config.instance.domain;
    let urls = state.urls();
    let resource = resource.trim();
    if let Some(account) = resource.strip_prefix("acct:") {
        let account = account.strip_prefix('@').unwrap_or(account);
        let (user, host) = account.rsplit_once('@')?;
        if !host.eq_ignore_ascii_case(domain) {
            return None;
        }
        let user = user.to_ascii_lowercase();
        if user == state.actors().organization.username {
            return Some(Resource::Organization);
        }
        if user == state.actors().instance.username {
            return Some(Resource::InstanceActor);
        }
        return None;
    }
    let organization = &state.actors().organization;
    let base = urls.base().as_str();
    if resource == organization.id.as_str() {
        Some(Resource::Organization)
    } else if resource == base
        || resource == base.trim_end_matches('/')
        || resource == urls.instance_actor().as_str()
    {
        Some(Resource::InstanceActor)
    } else {
        None
    }
}

/// `GET /.well-known/webfinger`.
pub async fn webfinger(
    State(state): State<AppState>,
    Query(query): Query<WebFingerQuery>,
) -> Result<Response> {
    let resource = query
        .resource
        .filter(|resource| !resource.trim().is_empty())
        .ok_or_else(|| Error::BadRequest("the resource parameter is required".to_string()))?;
    let domain = &state.config().instance.domain;
    let document = match resolve(&state, &resource).ok_or(Error::NotFound)? {
        Resource::Organization => {
            let actor = &state.actors().organization;
            json!({
                "subject": format!("acct:{}@{domain}", actor.username),
                "aliases": [actor.id],
                "links": [
                    {"rel": "self", "type": super::ACTIVITY_CONTENT_TYPE, "href": actor.id},
                    {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.id},
                ],
            })
        }
        Resource::InstanceActor => {
            let actor = &state.actors().instance;
            let subject = if resource.starts_with("acct:") {
                format!("acct:{}@{domain}", actor.username)
            } else {
                resource.trim().to_string()
            };
            json!({
                "subject": subject,
                "aliases": [actor.id],
                "links": [
                    {"rel": "self", "type": super::ACTIVITY_CONTENT_TYPE, "href": actor.id},
                    {"rel": "https://www.w3.org/ns/activitystreams#Application", "type": super::ACTIVITY_CONTENT_TYPE, "href": actor.id},
                ],
            })
        }
    };
    Ok(json_response("application/jrd+json", &document))
}

/// `GET /.well-known/host-meta`: where WebFinger is, for servers that look here first.
pub async fn host_meta(State(state): State<AppState>) -> Response {
    let template = crate::web::html::escape(&state.urls().webfinger_template());
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
    );
    (
        [
            (header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

/// The NodeInfo schema we serve.
const NODEINFO_SCHEMA: &str = "http://nodeinfo.diaspora.software/ns/schema/2.1";

/// `GET /.well-known/nodeinfo`: the NodeInfo document and the instance actor (FEP-2677).
pub async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    let urls = state.urls();
    json_response(
        "application/json",
        &json!({
            "links": [
                {"rel": NODEINFO_SCHEMA, "href": urls.nodeinfo()},
                {"rel": "https://www.w3.org/ns/activitystreams#Application", "href": urls.instance_actor()},
            ]
        }),
    )
}

/// `GET /nodeinfo/2.1`.
pub async fn nodeinfo(State(state): State<AppState>) -> Result<Response> {
    let config = state.config();
    let followers =
        super::followers::count(state.db(), state.actors().organization.local_actor_id).await?;
    let document = json!({
        "version": "2.1",
        "software": {
            "name": "jisr",
            "version": env!("CARGO_PKG_VERSION"),
            "repository": env!("CARGO_PKG_REPOSITORY"),
            "homepage": env!("CARGO_PKG_REPOSITORY"),
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": false,
        "usage": {
            "users": {"total": 1, "activeHalfyear": 1, "activeMonth": 1},
            "localPosts": crate::domain::publication::count(state.db(), None).await?,
        },
        "metadata": {
            "nodeName": config.instance.name,
            "nodeDescription": config.instance.summary,
            "organization": {
                "handle": format!("@{}@{}", config.instance.handle, config.instance.domain),
                "followers": followers,
            },
            "languages": config.instance.languages,
            "countriesOfOrigin": config.instance.countries_of_origin,
            "countriesOfResidence": config.instance.countries_of_residence,
        },
    });
    Ok(json_response(
        &format!("application/json; profile=\"{NODEINFO_SCHEMA}#\""),
        &document,
    ))
}

/// A JSON body with `content_type`, readable from any origin.
pub fn json_response(content_type: &str, value: &Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        value.to_string(),
    )
        .into_response()
}
