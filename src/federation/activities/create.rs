//! `Create` and `Update` of objects: publications of organizations we follow (`Article`,
//! `Event`, `Page`) are stored as network content; replies to our publications (any type with
//! `inReplyTo`, usually `Note`) are kept as comments. Anything else is accepted and ignored.
//!
//! Origin rules: the object's id is on the actor's server, and its `attributedTo` (when given)
//! is the actor. All HTML is sanitized before it is stored.

use super::parse;
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::comment::{self, Comment};
use crate::domain::network::{self, RemotePublication};
use crate::domain::publication::{self, Kind};
use crate::domain::text::{decode_entities, plain_title, sanitize_html};
use crate::error::{Error, Result};
use crate::federation::following;
use crate::federation::origin::same_origin;
use crate::federation::remote_actors::RemoteActor;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

#[derive(Debug, Deserialize)]
struct Envelope {
    object: Value,
}

/// The fields of a received object we read (AS2 words).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectIn {
    id: Url,
    #[serde(rename = "type")]
    kind: Value,
    attributed_to: Option<Value>,
    name: Option<String>,
    #[serde(default)]
    name_map: BTreeMap<String, String>,
    summary: Option<String>,
    content: Option<String>,
    #[serde(default)]
    content_map: BTreeMap<String, String>,
    url: Option<Value>,
    published: Option<DateTime<FixedOffset>>,
    updated: Option<DateTime<FixedOffset>>,
    start_time: Option<DateTime<FixedOffset>>,
    end_time: Option<DateTime<FixedOffset>>,
    in_reply_to: Option<Value>,
    in_language: Option<Value>,
    #[serde(default)]
    to: Value,
    #[serde(default)]
    cc: Value,
}

/// Whether the object is addressed to the public (`as:Public` in `to` or `cc`, any spelling).
fn is_public(object: &ObjectIn) -> bool {
    let public = |value: &Value| match value {
        Value::String(id) => matches!(
            id.as_str(),
            super::super::objects::PUBLIC | "as:Public" | "Public"
        ),
        _ => false,
    };
    [&object.to, &object.cc]
        .into_iter()
        .any(|field| match field {
            Value::Array(items) => items.iter().any(public),
            other => public(other),
        })
}

/// The language of `text` in `map` (the key whose value it is), else the object's
/// `inLanguage`, else the first key: maps arrive in no particular order.
fn language_of(
    object: &ObjectIn,
    map: &BTreeMap<String, String>,
    text: Option<&String>,
) -> Option<String> {
    text.and_then(|text| {
        map.iter()
            .find(|(_, value)| *value == text)
            .map(|(key, _)| key.clone())
    })
    .or_else(|| match &object.in_language {
        Some(Value::String(tag)) => Some(tag.clone()),
        Some(Value::Object(language)) => language
            .get("identifier")
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    })
    .or_else(|| map.keys().next().cloned())
}

/// The first id in a value that is an id, an object with an id, or an array of those.
fn first_id(value: &Value) -> Option<Url> {
    match value {
        Value::String(id) => Url::parse(id).ok(),
        Value::Object(object) => object.get("id").and_then(first_id),
        Value::Array(items) => items.iter().find_map(first_id),
        _ => None,
    }
}

/// The HTML page of an object: its `url` (the first http(s) link), else its id.
fn page_url(object: &ObjectIn) -> String {
    let from_value = |value: &Value| -> Option<String> {
        match value {
            Value::String(url) => Some(url.clone()),
            Value::Object(link) => link.get("href").and_then(Value::as_str).map(str::to_string),
            Value::Array(items) => items.iter().find_map(|item| match item {
                Value::String(url) => Some(url.clone()),
                Value::Object(link) => link.get("href").and_then(Value::as_str).map(str::to_string),
                _ => None,
            }),
            _ => None,
        }
    };
    object
        .url
        .as_ref()
        .and_then(from_value)
        .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
        .unwrap_or_else(|| object.id.to_string())
}

pub(super) async fn receive(
    state: &AppState,
    tx: &mut Tx,
    kind: &str,
    activity: Value,
    signer: &RemoteActor,
) -> Result<()> {
    let envelope: Envelope = parse(kind, activity)?;
    if !envelope.object.is_object() {
        tracing::info!(kind, actor = %signer.ap_id, "object given by id only; ignored");
        return Ok(());
    }
    let object: ObjectIn = serde_json::from_value(envelope.object)
        .map_err(|error| Error::BadRequest(format!("malformed object in {kind}: {error}")))?;
    let actor = signer.url();
    if !same_origin(&object.id, actor) {
        return Err(Error::Forbidden(format!(
            "{} cannot {kind} the object {}, which is on another server",
            actor, object.id
        )));
    }
    if let Some(author) = object.attributed_to.as_ref().and_then(first_id)
        && &author != actor
    {
        return Err(Error::Forbidden(format!(
            "the object is attributed to {author}, not to {actor}"
        )));
    }
    if !is_public(&object) {
        // Followers-only and direct objects are not kept: what we keep may be shown publicly.
        tracing::info!(kind, object = %object.id, "not public; ignored");
        return Ok(());
    }
    let object_type = object.kind.as_str().unwrap_or_default().to_string();
    let now = Utc::now();
    let published = object
        .published
        .map_or(now, |moment| moment.with_timezone(&Utc));
    let updated = object
        .updated
        .map_or(published, |moment| moment.with_timezone(&Utc));

    if let Some(reply_to) = object.in_reply_to.as_ref().and_then(first_id)
        && let Some(publication_id) = our_publication(state, &reply_to).await?
    {
        let content = object
            .content
            .clone()
            .or_else(|| object.content_map.values().next().cloned())
            .unwrap_or_default();
        let stored = comment::store(
            tx,
            &Comment {
                ap_id: object.id.to_string(),
                publication_id,
                actor_ap_id: actor.to_string(),
                content_html: sanitize_html(&content),
                url: Some(page_url(&object)),
                published_at: published,
                updated_at: updated,
            },
        )
        .await?;
        tracing::info!(kind, comment = %object.id, on = %reply_to, stored, "reply kept as a comment");
        return Ok(());
    }

    if !matches!(object_type.as_str(), "Article" | "Event" | "Page") {
        tracing::info!(kind, object_type, actor = %actor, "object kind not kept; ignored");
        return Ok(());
    }
    let organization = state.actors().organization.local_actor_id;
    if !following::is_following(tx, organization, actor).await? {
        tracing::info!(kind, actor = %actor, "content from an actor we do not follow; ignored");
        return Ok(());
    }
    let language = language_of(&object, &object.content_map, object.content.as_ref())
        .or_else(|| language_of(&object, &object.name_map, object.name.as_ref()));
    let in_language = |map: &BTreeMap<String, String>| {
        language
            .as_ref()
            .and_then(|tag| map.get(tag))
            .or_else(|| map.values().next())
            .cloned()
    };
    let name = object
        .name
        .clone()
        .or_else(|| in_language(&object.name_map))
        .unwrap_or_default();
    let content = object
        .content
        .clone()
        .or_else(|| in_language(&object.content_map))
        .unwrap_or_default();
    let stored = network::store(
        tx,
        &RemotePublication {
            ap_id: object.id.to_string(),
            actor_ap_id: actor.to_string(),
            object_type: object_type.clone(),
            name: plain_title(&decode_entities(&name)),
            summary_html: sanitize_html(object.summary.as_deref().unwrap_or_default()),
            content_html: sanitize_html(&content),
            url: page_url(&object),
            language,
            starts_at: object.start_time.map(|moment| moment.with_timezone(&Utc)),
            ends_at: object.end_time.map(|moment| moment.with_timezone(&Utc)),
            published_at: published,
            updated_at: updated,
        },
    )
    .await?;
    tracing::info!(kind, object = %object.id, object_type, stored, "network content");
    Ok(())
}

/// The row id of our publication at `url`, if it is one and is not deleted.
async fn our_publication(state: &AppState, url: &Url) -> Result<Option<i64>> {
    if !same_origin(url, state.urls().base()) {
        return Ok(None);
    }
    let mut segments = url.path_segments().into_iter().flatten();
    let (Some(kinds), Some(public_id), None) = (segments.next(), segments.next(), segments.next())
    else {
        return Ok(None);
    };
    let Some(kind) = Kind::parse(kinds).filter(|kind| kind.plural() == kinds) else {
        return Ok(None);
    };
    match publication::find(state.db(), kind, public_id).await {
        Ok(found) if !found.is_deleted() => Ok(Some(found.publication_id)),
        Ok(_) | Err(Error::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}
