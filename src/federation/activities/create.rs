//! `Create` and `Update` of objects: publications of organizations we follow (`Article`,
//! `Event`, `Page`) are stored as network content; replies to our publications (any type with
//! `inReplyTo`, usually `Note`) are kept as comments; an actor's `Update` of itself refreshes
//! the stored actor. Anything else is accepted and ignored.
//!
//! Origin rules: the object's id is on the actor's server, and its `attributedTo` (when given)
//! is the actor. All HTML is sanitized, and every field is bounded, before the transaction
//! starts: names and titles to [`MAX_NAME_CHARS`], summaries to [`MAX_SUMMARY_BYTES`], URLs to
//! [`MAX_URL_CHARS`], languages to valid BCP 47 tags, dates to years 1000–9999.

use super::{Effect, Recipient, network_object, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::comment::{self, Parent, Reply};
use crate::domain::network::{self, RemotePublication, Translation};
use crate::domain::publication::Kind;
use crate::domain::settings;
use crate::domain::text::{
    decode_entities, language_tag, plain_title, remote_line, sanitize_html, truncate,
};
use crate::error::{Error, Result};
use crate::federation::following;
use crate::federation::forums::Target;
use crate::federation::origin::same_origin;
use crate::federation::remote_actors::{ACTOR_TYPES, MAX_URL_CHARS, RemoteActor};
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// The longest name (title) we keep, in characters.
pub const MAX_NAME_CHARS: usize = 500;
/// The most summary HTML we sanitize, in bytes.
pub const MAX_SUMMARY_BYTES: usize = 64 * 1024;
/// Above this many bytes, HTML is sanitized on a blocking thread, so that the async workers
/// keep answering other requests meanwhile.
const SANITIZE_INLINE_BYTES: usize = 16 * 1024;

/// What a received `Create` or `Update` writes.
#[derive(Debug)]
pub enum Received {
    /// A reply to our publication, or to a reply under it, kept if that exists and is not
    /// deleted (the write itself looks it up), as the reply policy says.
    Reply { parent: Parent, reply: Reply },
    /// A publication of an actor we may follow (checked when it is written).
    Network(Box<RemotePublication>),
    /// A thread or a reply in one of our forums (the forum's posting rule is checked when it
    /// is written).
    Forum(Box<crate::federation::forums::Received>),
    /// Its author's edit of a post in a forum, with the `Update` as received (a forum of ours
    /// announces it).
    ForumEdit(Box<(crate::federation::forums::Edited, Value)>),
    /// A member's price report on another Jisr instance, with the total cost and mid-market
    /// rate it is kept at (kept if we follow an actor of its server).
    PriceReport(Box<(crate::federation::price_reports::Received, (f64, f64))>),
}

#[derive(Debug, Deserialize)]
struct Envelope {
    object: Value,
}

/// A received `Create` or `Update`.
#[derive(Debug)]
pub struct CreateIn {
    /// `Create` or `Update`.
    kind: &'static str,
    /// The object, when embedded (one given by id only is ignored), and its JSON as sent (for
    /// what `network_object` reads of it).
    pub(super) object: Option<(Box<ObjectIn>, Value)>,
    /// The activity as received: a forum's group announces it unchanged.
    activity: Value,
}

impl CreateIn {
    /// Parses a `Create` or an `Update` (`kind`): a 400 when its embedded object is malformed.
    pub(super) fn from_json(kind: &str, activity: Value) -> Result<CreateIn> {
        let kind = if kind == "Update" { "Update" } else { "Create" };
        let whole = activity.clone();
        let envelope: Envelope = parse(kind, activity)?;
        let object = if envelope.object.is_object() {
            let parsed = serde_json::from_value(envelope.object.clone()).map_err(|error| {
                Error::BadRequest(format!("malformed object in {kind}: {error}"))
            })?;
            Some((Box::new(parsed), envelope.object))
        } else {
            None
        };
        Ok(CreateIn {
            kind,
            object,
            activity: whole,
        })
    }

    /// The id of the object created or updated, when embedded.
    pub fn object_id(&self) -> Option<&Url> {
        self.object.as_ref().map(|(object, _)| &object.id)
    }
}

/// The fields of a received object we read (AS2 words).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ObjectIn {
    pub(super) id: Url,
    #[serde(rename = "type")]
    kind: Value,
    attributed_to: Option<Value>,
    name: Option<String>,
    #[serde(default)]
    name_map: BTreeMap<String, String>,
    summary: Option<String>,
    #[serde(default)]
    summary_map: BTreeMap<String, String>,
    content: Option<String>,
    #[serde(default)]
    content_map: BTreeMap<String, String>,
    url: Option<Value>,
    pub(super) published: Option<DateTime<FixedOffset>>,
    updated: Option<DateTime<FixedOffset>>,
    start_time: Option<DateTime<FixedOffset>>,
    end_time: Option<DateTime<FixedOffset>>,
    pub(super) in_reply_to: Option<Value>,
    in_language: Option<Value>,
    /// Lemmy's language of a post or comment: `{"identifier": "ko", "name": "한국어"}`.
    language: Option<Value>,
    #[serde(default)]
    to: Value,
    #[serde(default)]
    cc: Value,
    #[serde(default)]
    audience: Value,
    #[serde(default)]
    tag: Value,
    /// A question's areas (our namespace).
    #[serde(default)]
    question_areas: Value,
}

impl ObjectIn {
    /// Its author: the first id of its `attributedTo`.
    pub(super) fn author(&self) -> Option<Url> {
        self.attributed_to.as_ref().and_then(first_id)
    }
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
    .or_else(|| {
        [&object.in_language, &object.language]
            .into_iter()
            .find_map(|given| match given {
                Some(Value::String(tag)) => Some(tag.clone()),
                Some(Value::Object(language)) => language
                    .get("identifier")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                _ => None,
            })
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
        .filter(|url| url.len() <= MAX_URL_CHARS && Url::parse(url).is_ok())
        .unwrap_or_else(|| object.id.to_string())
}

pub(super) async fn prepare(
    state: &AppState,
    recipient: &Recipient,
    create: CreateIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    let CreateIn {
        kind,
        object,
        activity,
    } = create;
    let Some((object, raw)) = object else {
        tracing::info!(kind, actor = %signer.ap_id, inbox = %recipient.inbox, "object given by id only; ignored");
        return Ok(Effect::Ignored);
    };
    let actor = signer.url();
    if !same_origin(&object.id, actor) {
        return Err(Error::Forbidden(format!(
            "{} cannot {kind} the object {}, which is on another server",
            actor, object.id
        )));
    }
    if object.id.as_str().len() > MAX_URL_CHARS {
        return Err(Error::BadRequest(format!(
            "the object id is longer than {MAX_URL_CHARS} characters"
        )));
    }
    if let Some(author) = object.attributed_to.as_ref().and_then(first_id)
        && &author != actor
    {
        return Err(Error::Forbidden(format!(
            "the object is attributed to {author}, not to {actor}"
        )));
    }
    if kind == "Update"
        && object
            .kind
            .as_str()
            .is_some_and(|kind| ACTOR_TYPES.contains(&kind))
    {
        // An actor's Update of itself: its profile changed.
        let stored = crate::federation::remote_actors::updated(state, signer, raw).await?;
        tracing::info!(actor = %actor, stored, "actor updated");
        return Ok(Effect::Ignored);
    }
    if !is_public(&object) {
        // Followers-only and direct objects are not kept: what we keep may be shown publicly.
        tracing::info!(kind, object = %object.id, "not public; ignored");
        return Ok(Effect::Ignored);
    }
    if let Some(read) = crate::federation::price_reports::read_received(&raw, actor) {
        let received = read?;
        let Some(cost) = crate::federation::price_reports::cost_of(state, &received).await? else {
            tracing::info!(object = %object.id, "a price report whose cost we cannot know; ignored");
            return Ok(Effect::Ignored);
        };
        return Ok(Effect::Create(Received::PriceReport(Box::new((
            received, cost,
        )))));
    }
    let object_type = object.kind.as_str().unwrap_or_default().to_string();
    let now = Utc::now();
    let published = moment(object.published).unwrap_or(now);
    let updated = moment(object.updated).unwrap_or(published);

    if kind == "Update"
        && let Some(edited) = forum_edit(state, &object, actor).await?
    {
        return Ok(Effect::Create(Received::ForumEdit(Box::new((
            edited, activity,
        )))));
    }
    if kind == "Create"
        && let Some(post) =
            forum_post(state, recipient, &object, activity, actor, published).await?
    {
        return Ok(Effect::Create(Received::Forum(Box::new(post))));
    }

    if let Some(reply_to) = object.in_reply_to.as_ref().and_then(first_id)
        && let Some(parent) = parent_of(state, &reply_to).await?
    {
        let content = object
            .content
            .clone()
            .or_else(|| object.content_map.values().next().cloned())
            .unwrap_or_default();
        let language = language_of(&object, &object.content_map, object.content.as_ref())
            .as_deref()
            .and_then(language_tag);
        return Ok(Effect::Create(Received::Reply {
            parent,
            reply: Reply {
                ap_id: object.id.to_string(),
                actor_ap_id: actor.to_string(),
                content_html: sanitized(content).await?,
                url: Some(page_url(&object)),
                language,
                published_at: published,
                updated_at: updated,
            },
        }));
    }

    if !matches!(object_type.as_str(), "Article" | "Event" | "Page") {
        tracing::info!(kind, object_type = %truncate(&object_type, 40), actor = %actor, "object kind not kept; ignored");
        return Ok(Effect::Ignored);
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
    let summary = object
        .summary
        .clone()
        .or_else(|| in_language(&object.summary_map))
        .unwrap_or_default();
    let (name, summary_html, content_html) = text(name, summary, content).await?;
    let language = language.as_deref().and_then(language_tag);
    let publication_kind = network_object::kind(&raw, &object_type);
    let mut details = network_object::details(&raw, publication_kind, object.start_time);
    details.translations = translations(&object, language.as_deref()).await?;
    // What the object does not say of its diaspora, its publisher's profile does (a Mastodon
    // account or Mobilizon group that speaks for one community).
    if (details.countries_of_origin.is_empty() || details.countries_of_residence.is_empty())
        && let Some(profile) =
            crate::federation::remote_actors::profile(state.db(), actor.as_str()).await?
    {
        if details.countries_of_origin.is_empty() {
            details.countries_of_origin = profile.details.countries_of_origin;
        }
        if details.countries_of_residence.is_empty() {
            details.countries_of_residence = profile.details.countries_of_residence;
        }
    }
    let (starts_at, ends_at, deadline) = match publication_kind {
        Kind::Event => {
            let starts = moment(object.start_time);
            // An event with no end (Gancio's may have none) is listed until it starts.
            let ends = moment(object.end_time).filter(|end| Some(*end) >= starts);
            (starts, ends.or(starts), None)
        }
        Kind::Opportunity => (
            None,
            None,
            network_object::deadline(&raw).filter(|at| (1000..=9999).contains(&at.year())),
        ),
        Kind::Story | Kind::Resource => (None, None, None),
    };
    Ok(Effect::Create(Received::Network(Box::new(
        RemotePublication {
            ap_id: object.id.to_string(),
            actor_ap_id: actor.to_string(),
            object_type,
            kind: publication_kind,
            name,
            summary_html,
            content_html,
            url: page_url(&object),
            language,
            starts_at,
            ends_at,
            deadline,
            details,
            published_at: published,
            updated_at: updated,
        },
    ))))
}

/// A name, summary and content as kept: the name a plain line, the HTML sanitized, and the
/// summary that Jisr writes at the top of `content` too (for readers that show only content)
/// taken out of the content.
async fn text(name: String, summary: String, content: String) -> Result<(String, String, String)> {
    let summary_html = sanitize_html(truncate(&summary, MAX_SUMMARY_BYTES));
    let mut content_html = sanitized(content).await?;
    if !summary_html.is_empty()
        && let Some(rest) = content_html.strip_prefix(&summary_html)
    {
        content_html = rest.to_string();
    }
    let name = plain_title(&remote_line(
        &decode_entities(truncate(&name, MAX_NAME_CHARS * 8)),
        MAX_NAME_CHARS,
    ));
    Ok((name, summary_html, content_html))
}

/// The most other languages kept of one object.
const MAX_TRANSLATIONS: usize = 8;

/// The object's texts in languages other than `language` (from `nameMap`, `summaryMap` and
/// `contentMap`), each kept as the main one is.
async fn translations(object: &ObjectIn, language: Option<&str>) -> Result<Vec<Translation>> {
    let mut tags: Vec<&String> = object.name_map.keys().collect();
    for tag in object.content_map.keys() {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let mut translations = Vec::new();
    for tag in tags {
        let Some(tag) = language_tag(tag) else {
            continue;
        };
        if Some(tag.as_str()) == language || translations.len() >= MAX_TRANSLATIONS {
            continue;
        }
        let get = |map: &BTreeMap<String, String>| {
            map.iter()
                .find(|(key, _)| language_tag(key).as_deref() == Some(tag.as_str()))
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let (name, summary_html, content_html) = text(
            get(&object.name_map),
            get(&object.summary_map),
            get(&object.content_map),
        )
        .await?;
        if name.is_empty() && content_html.is_empty() {
            continue;
        }
        translations.push(Translation {
            language: tag,
            name,
            summary_html,
            content_html,
        });
    }
    Ok(translations)
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    received: &Received,
    signer: &RemoteActor,
) -> Result<()> {
    match received {
        Received::Reply { parent, reply } => {
            let actor = signer.url();
            let host = actor.host_str().unwrap_or_default();
            if comment::is_blocked(tx, actor.as_str(), host).await? {
                tracing::info!(actor = %actor, "reply of a blocked author or domain; ignored");
                return Ok(());
            }
            let policy = settings::reply_policy(tx, state.config().website.reply_policy()).await?;
            let organization = state.actors().organization().local_actor_id;
            let followed = following::is_following(tx, organization, actor).await?;
            let approved = comment::is_approved(tx, actor.as_str()).await?;
            let Some(mut status) = policy.status_of(followed, approved) else {
                tracing::info!(comment = %reply.ap_id, "replies are closed; ignored");
                return Ok(());
            };
            if crate::federation::policy::holds(state, actor.as_str()) {
                // A limited account's or domain's replies wait for a moderator.
                status = comment::ReplyStatus::Held;
            }
            let stored = comment::store_reply(tx, parent, reply, status).await?;
            tracing::debug!(comment = %reply.ap_id, stored, status = status.as_str(), "reply kept as a comment");
        }
        Received::Forum(post) => crate::federation::forums::apply(state, tx, post).await?,
        Received::ForumEdit(edited) => {
            let (edited, update) = edited.as_ref();
            crate::federation::forums::apply_edit(state, tx, edited, Some(update)).await?
        }
        Received::PriceReport(report) => {
            let (received, cost) = report.as_ref();
            crate::federation::price_reports::apply(tx, received, *cost).await?
        }
        Received::Network(publication) => {
            let organization = state.actors().organization().local_actor_id;
            if !following::is_following(tx, organization, signer.url()).await? {
                tracing::info!(actor = %signer.ap_id, "content from an actor we do not follow; ignored");
                return Ok(());
            }
            let stored = network::store(tx, publication).await?;
            let host = signer.url().host_str().unwrap_or_default();
            if crate::federation::policy::is_limited(state, host) {
                // A limited domain's content is kept out of the lists.
                network::hide(tx, &publication.ap_id).await?;
            }
            tracing::debug!(object = %publication.ap_id, object_type = %publication.object_type, stored, "network content");
        }
    }
    Ok(())
}

/// The most ids read from one object's addressing and mentions, looking for one of our
/// forums.
const MAX_FORUM_CANDIDATES: usize = 64;

/// What a `Create` is for one of our forums: a reply to one of its posts, or a new thread
/// addressed to its group (in `to`, `cc` or `audience`, or mentioned, as Mastodon posts into
/// a group); `None` when it is neither.
async fn forum_post(
    state: &AppState,
    recipient: &Recipient,
    object: &ObjectIn,
    activity: Value,
    actor: &Url,
    published: DateTime<Utc>,
) -> Result<Option<crate::federation::forums::Received>> {
    use crate::domain::forums;
    use crate::federation::forums::forum_of_actor;
    let (forum, in_reply_to) = match object.in_reply_to.as_ref().and_then(first_id) {
        Some(parent) => {
            if parent.as_str().len() > MAX_URL_CHARS {
                return Ok(None);
            }
            let Some(found) = forums::find_post(state.db(), parent.as_str()).await? else {
                return Ok(None);
            };
            let forum = forums::by_id(state.db(), found.forum_id).await?;
            if forum.is_remote() {
                // Another server's forum: its group's announces are what we keep of it.
                return Ok(None);
            }
            (forum, Some(parent.to_string()))
        }
        None => {
            let mut candidates: Vec<Url> = recipient.addressed.clone();
            for field in [&object.audience, &object.to, &object.cc] {
                match field {
                    Value::Array(items) => candidates.extend(items.iter().filter_map(first_id)),
                    other => candidates.extend(first_id(other)),
                }
            }
            if let Value::Array(tags) = &object.tag {
                candidates.extend(
                    tags.iter()
                        .filter(|tag| tag["type"] == "Mention")
                        .filter_map(|tag| tag["href"].as_str())
                        .filter_map(|href| Url::parse(href).ok()),
                );
            }
            let mut found = None;
            for candidate in candidates.iter().take(MAX_FORUM_CANDIDATES) {
                if let Some(forum) = forum_of_actor(state, candidate).await? {
                    found = Some(forum);
                    break;
                }
            }
            match found {
                Some(forum) => (forum, None),
                None => return Ok(None),
            }
        }
    };
    forum_received(
        Target::Ours(forum),
        in_reply_to,
        object,
        activity,
        actor,
        published,
    )
    .await
}

/// A post for `target` (a forum of ours, or one we follow) from `object`, sanitized and
/// bounded: a thread's title from its `name`, else its first line; `None` for a thread with
/// neither.
pub(super) async fn forum_received(
    target: Target,
    in_reply_to: Option<String>,
    object: &ObjectIn,
    activity: Value,
    actor: &Url,
    published: DateTime<Utc>,
) -> Result<Option<crate::federation::forums::Received>> {
    let Some(text) = post_text(object, in_reply_to.is_none()).await? else {
        return Ok(None);
    };
    let areas = crate::domain::experts::areas_from(&object.question_areas);
    Ok(Some(crate::federation::forums::Received {
        areas,
        target,
        in_reply_to,
        ap_id: object.id.to_string(),
        author_ap_id: actor.to_string(),
        title: text.title,
        content_html: text.content_html,
        language: text.language,
        url: page_url(object),
        activity,
        published,
    }))
}

/// The text of a forum post in `object` (a `thread`, or a reply), sanitized and bounded: a
/// thread's title from its `name`, else its first line; `None` for a thread with neither.
pub(super) async fn post_text(
    object: &ObjectIn,
    thread: bool,
) -> Result<Option<crate::domain::forums::Edit>> {
    use crate::domain::forums;
    use crate::federation::forums::{lines_of_html, title_from};
    let content = object
        .content
        .clone()
        .or_else(|| object.content_map.values().next().cloned())
        .unwrap_or_default();
    let content_html = sanitized(truncate(&content, MAX_SUMMARY_BYTES * 4).to_string()).await?;
    let title = if thread {
        let named = object
            .name
            .clone()
            .or_else(|| object.name_map.values().next().cloned())
            .map(|name| {
                plain_title(&remote_line(
                    &decode_entities(truncate(&name, MAX_NAME_CHARS * 8)),
                    forums::MAX_TITLE,
                ))
            })
            .filter(|name| !name.is_empty());
        match named {
            Some(name) => name,
            None => title_from(&lines_of_html(&content_html)),
        }
    } else {
        String::new()
    };
    if thread && title.is_empty() {
        tracing::info!(object = %object.id, "a post for a forum with neither a title nor text; ignored");
        return Ok(None);
    }
    let language = language_of(object, &object.content_map, object.content.as_ref())
        .as_deref()
        .and_then(language_tag);
    Ok(Some(forums::Edit {
        title,
        content_html,
        language,
    }))
}

/// Its author's `Update` of a post in a forum (ours, or one we follow), read from `object`:
/// `None` when we do not keep that post; a 403 when `actor` is not its author.
pub(super) async fn forum_edit(
    state: &AppState,
    object: &ObjectIn,
    actor: &Url,
) -> Result<Option<crate::federation::forums::Edited>> {
    use crate::domain::forums;
    if object.id.as_str().len() > MAX_URL_CHARS {
        return Ok(None);
    }
    let Some(post) = forums::find_post(state.db(), object.id.as_str()).await? else {
        return Ok(None);
    };
    if post.author_ap_id != actor.as_str() {
        return Err(Error::Forbidden(format!(
            "only its author edits the post {}",
            object.id
        )));
    }
    let Some(edit) = post_text(object, post.is_thread()).await? else {
        return Ok(None);
    };
    let forum = forums::by_id(state.db(), post.forum_id).await?;
    Ok(Some(crate::federation::forums::Edited {
        forum,
        ap_id: post.ap_id,
        edit,
    }))
}

/// `html` sanitized; large texts on a blocking thread.
async fn sanitized(html: String) -> Result<String> {
    if html.len() <= SANITIZE_INLINE_BYTES {
        return Ok(sanitize_html(&html));
    }
    tokio::task::spawn_blocking(move || sanitize_html(&html))
        .await
        .map_err(|error| Error::internal(format!("sanitizing failed: {error}")))
}

/// A date of the years 1000 to 9999 in UTC (others do not sort as text, and are not real).
fn moment(value: Option<DateTime<FixedOffset>>) -> Option<DateTime<Utc>> {
    value
        .map(|moment| moment.with_timezone(&Utc))
        .filter(|moment| (1000..=9999).contains(&moment.year()))
}

/// What a reply to `url` answers: our publication at that URL, or a reply we keep (ours or
/// another server's); `None` for anything else.
async fn parent_of(state: &AppState, url: &Url) -> Result<Option<Parent>> {
    if let Some((kind, public_id)) = state.urls().publication_path(url) {
        return Ok(Some(Parent::Publication {
            kind: kind.as_str().to_string(),
            public_id,
        }));
    }
    if url.as_str().len() > MAX_URL_CHARS {
        return Ok(None);
    }
    Ok(comment::find(state.db(), url.as_str())
        .await?
        .map(|_| Parent::Comment(url.to_string())))
}
