//! Our side of reply threads: each publication's `replies` collection (FEP-7458: the replies
//! shown under it, so Mastodon and others can load the thread), and the replies we write as
//! the organization, each a `Note` in reply to the publication or to a reply under it, sent
//! with a `Create` to our followers and to the author it answers, and served at its id.
//!
//! Invariant: the collection is read from what is shown at the moment it is asked for, so a
//! reply a moderator holds or hides leaves it at once.

use super::activities::ACTIVITY_STREAMS;
use super::objects::PUBLIC;
use super::{delivery, followers, remote_actors};
use crate::app::AppState;
use crate::db::Db;
use crate::domain::comment::{self, Comment, Parent, Reply, ReplyStatus};
use crate::domain::publication::{self, Kind, Publication};
use crate::domain::text::escape_html;
use crate::error::{Error, FieldError, Reason, Result};
use chrono::Utc;
use serde_json::{Value, json};
use url::Url;

/// The longest reply we write, in characters.
pub const MAX_REPLY_CHARS: usize = 5000;

/// The `replies` collection of our publication of `kind` and `public_id`: the ids of the shown
/// replies that answer it directly, oldest first.
pub async fn collection(state: &AppState, kind: Kind, public_id: &str) -> Result<Value> {
    let found = publication::find(state.db(), kind, public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone);
    }
    let items: Vec<String> = comment::for_publication(state.db(), found.publication_id)
        .await?
        .into_iter()
        .filter(|comment| comment.in_reply_to.is_none())
        .map(|comment| comment.ap_id)
        .collect();
    let object = state.urls().publication(kind, public_id);
    Ok(json!({
        "@context": ACTIVITY_STREAMS,
        "id": state.urls().publication_replies(kind, public_id),
        "type": "OrderedCollection",
        "attributedTo": state.actors().organization().id,
        "partOf": object,
        "totalItems": items.len(),
        "orderedItems": items,
    }))
}

/// Our reply `id` as a `Note`, if it is one of ours and shown.
pub async fn note(state: &AppState, id: &Url) -> Result<Value> {
    let found = comment::find(state.db(), id.as_str())
        .await?
        .filter(|found| found.status == ReplyStatus::Shown)
        .filter(|found| found.actor_ap_id == state.actors().organization().id.as_str())
        .ok_or(Error::NotFound)?;
    let publication = publication::by_ids(state.db(), &[found.publication_id])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let answered = answered_author(state.db(), &found).await?;
    Ok(note_json(
        state,
        &publication,
        &found,
        answered.as_deref(),
        true,
    ))
}

/// The author of what `reply` answers, when it is another server's reply.
async fn answered_author(db: &Db, reply: &Comment) -> Result<Option<String>> {
    let Some(parent) = &reply.in_reply_to else {
        return Ok(None);
    };
    Ok(comment::find(db, parent)
        .await?
        .map(|parent| parent.actor_ap_id))
}

fn note_json(
    state: &AppState,
    publication: &Publication,
    reply: &Comment,
    answered: Option<&str>,
    with_context: bool,
) -> Value {
    let urls = state.urls();
    let organization = state.actors().organization();
    let publication_id = urls.publication(publication.kind, &publication.public_id);
    let in_reply_to = reply
        .in_reply_to
        .clone()
        .unwrap_or_else(|| publication_id.to_string());
    let mut cc = vec![Value::String(urls.followers(&organization.id).to_string())];
    let mut tags = Vec::new();
    if let Some(author) = answered.filter(|author| *author != organization.id.as_str()) {
        cc.push(Value::String(author.to_string()));
        tags.push(json!({"type": "Mention", "href": author}));
    }
    let mut note = json!({
        "id": reply.ap_id,
        "type": "Note",
        "attributedTo": organization.id,
        "inReplyTo": in_reply_to,
        "content": reply.content_html,
        "published": reply.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        // Its place in the thread on the publication's page.
        "url": format!("{publication_id}#reply-{}", reply.comment_id),
        "to": [PUBLIC],
        "cc": cc,
        "tag": tags,
        // The thread is the publication (FEP-7888's `context`, Mastodon's `conversation`).
        "context": publication_id,
        "conversation": publication_id,
    });
    if let Some(language) = &reply.language {
        note["contentMap"] = json!({ language: reply.content_html });
    }
    if with_context {
        note["@context"] = json!(ACTIVITY_STREAMS);
    }
    note
}

/// Writes `text` as the organization's reply to our publication, or to `parent` (a shown reply
/// under it), in `language`; it is shown at once, and its `Create` is queued for our followers
/// and for the author it answers, in one transaction. Returns the stored reply.
pub async fn reply(
    state: &AppState,
    publication: &Publication,
    parent: Option<&Comment>,
    text: &str,
    language: &str,
) -> Result<Comment> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::of("reply", Reason::Required).into());
    }
    if text.chars().count() > MAX_REPLY_CHARS {
        return Err(FieldError::of("reply", Reason::TooLong)
            .with("max", MAX_REPLY_CHARS)
            .into());
    }
    if let Some(parent) = parent
        && (parent.publication_id != publication.publication_id
            || parent.status != ReplyStatus::Shown)
    {
        return Err(Error::NotFound);
    }
    // Under a story that hides a name or a place, a reply may not give it away.
    if let crate::domain::publication::Details::Story(story) = &publication.draft.details
        && let Some(why) = crate::domain::story::gives_away(story, text)
    {
        return Err(FieldError::of("reply", why).into());
    }
    let urls = state.urls();
    let organization = state.actors().organization();
    let id = urls.new_reply(publication.kind, &publication.public_id);
    let content_html: String = text
        .split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| format!("<p>{}</p>", escape_html(paragraph).replace('\n', "<br>")))
        .collect();
    let now = Utc::now();
    let stored = Reply {
        ap_id: id.to_string(),
        actor_ap_id: organization.id.to_string(),
        content_html,
        url: None,
        language: crate::domain::validation::language(language),
        published_at: now,
        updated_at: now,
    };
    let parent_of = match parent {
        Some(parent) => Parent::Comment(parent.ap_id.clone()),
        None => Parent::Publication {
            kind: publication.kind.as_str().to_string(),
            public_id: publication.public_id.clone(),
        },
    };
    let answered = parent.map(|parent| parent.actor_ap_id.clone());
    // The inbox of the author it answers, when we know it.
    let mut inboxes = Vec::new();
    if let Some(author) = answered
        .as_deref()
        .filter(|author| *author != organization.id.as_str())
        .and_then(|author| Url::parse(author).ok())
        && let Some(actor) = remote_actors::find_stored(state, &author).await?
    {
        inboxes.push(
            Url::parse(actor.shared_inbox.as_deref().unwrap_or(&actor.inbox))
                .map_err(|_| Error::internal("a stored inbox is not a URL"))?,
        );
    }
    let mut tx = state.db().begin().await?;
    if !comment::store_reply(&mut tx, &parent_of, &stored, ReplyStatus::Shown).await? {
        return Err(Error::NotFound);
    }
    let created = comment::find_in(&mut tx, &stored.ap_id)
        .await?
        .ok_or_else(|| Error::internal("the reply just stored is missing"))?;
    let note = note_json(state, publication, &created, answered.as_deref(), false);
    let activity_id = Url::parse(&format!("{id}/activity"))
        .map_err(|_| Error::internal("an activity id is not a URL"))?;
    let activity = json!({
        "@context": ACTIVITY_STREAMS,
        "id": activity_id,
        "type": "Create",
        "actor": organization.id,
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    });
    if !publication.federated() {
        // Under a story kept on this website, the reply stays here too.
        tx.commit().await?;
        tracing::info!(reply = %id, "replied on the website only");
        return Ok(created);
    }
    inboxes.extend(followers::delivery_inboxes(&mut tx, organization.local_actor_id).await?);
    delivery::enqueue(
        &mut tx,
        &activity,
        &activity_id,
        organization.local_actor_id,
        true,
        &inboxes,
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(reply = %id, "replied");
    Ok(created)
}
