//! How others find us: WebFinger (RFC 7033, FEP-d556), host-meta, and NodeInfo 2.1 (FEP-2677).

use super::actors::{ActorKind, LocalActor};
use crate::app::AppState;
use crate::error::{Error, Result};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// `?resource=…`.
#[derive(Debug, Deserialize)]
pub struct WebFingerQuery {
    resource: Option<String>,
}

/// What a well-formed `resource` asks for (RFC 7033 §4.5: it is a URI).
#[derive(Debug, PartialEq, Eq)]
enum Requested {
    /// An `acct:` URI (RFC 7565): the user part percent-decoded and lower-cased, the host as
    /// given.
    Account { user: String, host: String },
    /// Any other absolute URI.
    Uri(url::Url),
}

/// Characters of an `acct:` user part besides percent-encodings (RFC 7565: unreserved and
/// sub-delims).
fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=".contains(c)
}

/// Characters of a host with an optional port (RFC 3986 reg-name, IP literal, `:port`).
fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=%:[]".contains(c)
}

/// `text` with its percent-encodings decoded, if each is `%` and two hex digits.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Parses a `resource` parameter, or says why it is malformed (which RFC 7033 §4.2 answers
/// with 400, where a well-formed URI we know nothing about gets 404).
///
/// An `acct:` URI needs a user and a host (`acct:user@host`; the scheme in any case, and, as
/// some servers send it, one `@` before the user); anything else must be an absolute URI with
/// a scheme, so `ngberlin@example.org` (no scheme) and `=acct:…` are refused.
fn parse_resource(resource: &str) -> Result<Requested, String> {
    let resource = resource.trim();
    let scheme = resource.split_once(':').map(|(scheme, _)| scheme);
    if let Some(scheme) = scheme.filter(|scheme| scheme.eq_ignore_ascii_case("acct")) {
        let account = &resource[scheme.len() + 1..];
        let account = account.strip_prefix('@').unwrap_or(account);
        let Some((user, host)) = account.split_once('@') else {
            return Err(format!(
                "the resource {resource:?} is not an acct: URI (acct:user@host)"
            ));
        };
        if user.is_empty() || !user.chars().all(|c| is_user_char(c) || c == '%') {
            return Err(format!("the resource {resource:?} has no valid user part"));
        }
        let user = percent_decode(user)
            .ok_or_else(|| format!("the resource {resource:?} has a bad percent-encoding"))?;
        let host_is_valid = !host.is_empty()
            && host.chars().all(is_host_char)
            && url::Url::parse(&format!("http://{host}/"))
                .is_ok_and(|url| url.host_str().is_some_and(|name| !name.is_empty()));
        if !host_is_valid {
            return Err(format!("the resource {resource:?} has no valid host"));
        }
        return Ok(Requested::Account {
            user: user.to_lowercase(),
            host: host.to_string(),
        });
    }
    match url::Url::parse(resource) {
        Ok(uri) => Ok(Requested::Uri(uri)),
        Err(error) => Err(format!(
            "the resource {resource:?} is not a URI ({error}): give acct:user@host or a URL"
        )),
    }
}

/// Which of our actors a well-formed resource names, if any: any actor by its handle or id,
/// and the instance actor by the site's own URL too.
async fn resolve(state: &AppState, requested: &Requested) -> Result<Option<Arc<LocalActor>>> {
    let actors = state.actors();
    match requested {
        Requested::Account { user, host } => {
            if !host.eq_ignore_ascii_case(&state.config().instance.domain) {
                return Ok(None);
            }
            actors.by_username(state.db(), user).await
        }
        Requested::Uri(uri) if uri == state.urls().base() => Ok(Some(actors.instance().clone())),
        Requested::Uri(uri) => actors.by_url(state.db(), uri).await,
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
    let requested = parse_resource(&resource).map_err(Error::BadRequest)?;
    let domain = &state.config().instance.domain;
    let actor = resolve(&state, &requested).await?.ok_or(Error::NotFound)?;
    // A member is found while their account is active (404 before, 410 after).
    super::members::shown_profile(state.db(), &actor).await?;
    let document = if actor.kind == ActorKind::Application {
        // FEP-d556: the server actor answers for the site's URL too, under that subject.
        let subject = if matches!(requested, Requested::Account { .. }) {
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
    } else {
        json!({
            "subject": format!("acct:{}@{domain}", actor.username),
            "aliases": [actor.id],
            "links": [
                {"rel": "self", "type": super::ACTIVITY_CONTENT_TYPE, "href": actor.id},
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.id},
            ],
        })
    };
    Ok(json_response("application/jrd+json", &document))
}

/// `GET /.well-known/host-meta`: where WebFinger is, for servers that look here first.
pub async fn host_meta(State(state): State<AppState>) -> Response {
    let template = crate::domain::text::escape_html(&state.urls().webfinger_template());
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
        super::followers::count(state.db(), state.actors().organization().local_actor_id).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn account(user: &str, host: &str) -> Requested {
        Requested::Account {
            user: user.to_string(),
            host: host.to_string(),
        }
    }

    #[test]
    fn resources_are_uris_and_acct_uris_have_a_user_and_a_host() {
        for (resource, expected) in [
            (
                "acct:ngberlin@example.org",
                account("ngberlin", "example.org"),
            ),
            (
                "acct:NGBerlin@Example.org",
                account("ngberlin", "Example.org"),
            ),
            (
                "ACCT:ngberlin@example.org",
                account("ngberlin", "example.org"),
            ),
            (
                "acct:@ngberlin@example.org",
                account("ngberlin", "example.org"),
            ),
            (
                " acct:ngberlin@localhost:8080 ",
                account("ngberlin", "localhost:8080"),
            ),
            (
                "acct:%6Egberlin@example.org",
                account("ngberlin", "example.org"),
            ),
        ] {
            assert_eq!(parse_resource(resource), Ok(expected), "{resource}");
        }
        for resource in [
            "https://example.org/",
            "https://example.org/actors/x",
            "mailto:a@b.example",
        ] {
            assert!(
                matches!(parse_resource(resource), Ok(Requested::Uri(_))),
                "{resource}"
            );
        }
        for resource in [
            "ngberlin@example.org",
            "=acct:ngberlin@example.org",
            "acct:",
            "acct:ngberlin",
            "acct:@example.org",
            "acct:ngberlin@",
            "acct:a@b@example.org",
            "acct:a b@example.org",
            "acct:ngberlin@exa mple.org",
            "acct:ngberlin@example.org/path",
            "acct:%zzberlin@example.org",
            "/actors/ngberlin",
            "https://",
        ] {
            let reason = parse_resource(resource).expect_err(resource);
            assert!(reason.contains("resource"), "{resource}: {reason}");
        }
    }
}
