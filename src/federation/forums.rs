//! Forums on the wire (FEP-1b12): each forum is a `Group` actor that remote users follow from
//! Lemmy, Mastodon, GoToSocial or another Jisr; a thread is a `Page` with a title and a reply
//! a `Note` with `inReplyTo`, both with the group in `audience` and the thread in `context`
//! and `conversation`; the group `Announce`s every post it accepts to its followers, twice as
//! Lemmy does: the `Create` unchanged (FEP-1b12 peers) and the object by id (Mastodon, which
//! drops an announced `Create` whose id does not dereference).
//!
//! Our members post through their own actors: their `Create` is stored (served at its id) and
//! the group announces it. Remote actors post by addressing the group (a Lemmy post to the
//! community, a Mastodon status that mentions it, its first line the title) or by replying
//! to a post of the forum; the forum's posting rule decides, then the same two `Announce`s go.
//!
//! Invariants: a post and its announces are written in one transaction; a post is announced
//! once (a repeated `Create` stores nothing and announces nothing).

use super::activities::ACTIVITY_STREAMS;
use super::actors::LocalActor;
use super::delivery;
use super::followers;
use super::objects::PUBLIC;
use crate::app::AppState;
use crate::db::{Tx, with_tx};
use crate::domain::forums::{self, Forum, NewForum, NewPost, Post, PostStatus};
use crate::domain::mentions;
use crate::domain::text::escape_html;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use url::Url;

/// Makes a forum and its `Group` actor (a new key pair, made off the async threads).
pub async fn create(state: &AppState, input: &NewForum) -> Result<Forum> {
    let identities = super::members::identities(state.config());
    let reserved: Vec<&str> = identities.reserved.iter().map(String::as_str).collect();
    let keys = tokio::task::spawn_blocking(identities.make_keys)
        .await
        .map_err(|error| Error::internal(format!("key generation failed: {error}")))?
        .map_err(|error| Error::internal(format!("key generation failed: {error}")))?;
    let forum = forums::create(state.db(), input, &reserved, &keys).await?;
    tracing::info!(forum = %forum.slug, "forum created");
    Ok(forum)
}

/// The `Group` actor of `forum`.
pub async fn group(state: &AppState, forum: &Forum) -> Result<Arc<LocalActor>> {
    state
        .actors()
        .by_id(state.db(), forum.local_actor_id.ok_or(Error::NotFound)?)
        .await?
        .ok_or_else(|| Error::internal("a forum without its actor"))
}

/// What a forum adds to its `Group` actor's document: its names and descriptions in every
/// language, its page, and who may post (Lemmy's `postingRestrictedToMods`).
pub fn decorate(state: &AppState, forum: &Forum, document: &mut Value) {
    let name_map: serde_json::Map<String, Value> = forum
        .texts
        .iter()
        .map(|(language, text)| (language.clone(), json!(text.name)))
        .collect();
    let summary_map: serde_json::Map<String, Value> = forum
        .texts
        .iter()
        .filter(|(_, text)| !text.description.is_empty())
        .map(|(language, text)| {
            (
                language.clone(),
                json!(format!("<p>{}</p>", escape_html(&text.description))),
            )
        })
        .collect();
    document["nameMap"] = Value::Object(name_map);
    if !summary_map.is_empty() {
        document["summaryMap"] = Value::Object(summary_map);
    }
    document["url"] = json!(state.urls().forum(&forum.slug));
    document["attributedTo"] = json!(format!("{}/moderators", urls_group(state, forum)));
    document["postingRestrictedToMods"] = json!(false);
    document["forumKind"] = json!(forum.kind.as_str());
    // The organization's experts, for Jisr instances that follow only this forum.
    document["experts"] = json!(state.urls().experts(&state.actors().organization().id));
}

/// `@slug@our.domain` for a forum of ours, `@name@host` for another server's: its handle.
pub fn mention_of(state: &AppState, forum: &Forum) -> String {
    if forum.is_remote() {
        format!("@{}", forum.slug)
    } else {
        format!("@{}@{}", forum.slug, state.config().instance.domain)
    }
}

/// The id of `post` (ours or remote) as a URL.
fn id_of(post: &Post) -> Result<Url> {
    Url::parse(&post.ap_id).map_err(|_| Error::internal("a stored post id is not a URL"))
}

/// The object of one of our members' posts: a `Page` for a thread, a `Note` for a reply.
pub fn object(state: &AppState, forum: &Forum, post: &Post, thread_ap_id: &str) -> Value {
    let urls = state.urls();
    let group = urls_group(state, forum);
    let published = post
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut object = json!({
        "@context": super::objects::context(),
        "id": post.ap_id,
        "type": if post.is_thread() { "Page" } else { "Note" },
        "attributedTo": post.author_ap_id,
        "content": post.content_html,
        "mediaType": "text/html",
        "published": published,
        "to": [group, PUBLIC],
        "cc": if forum.is_remote() { json!([]) } else { json!([urls.followers(&group)]) },
        "audience": group,
        "context": thread_ap_id,
        "conversation": thread_ap_id,
        "url": urls.forum_post(&forum.slug, &post.public_id),
        "tag": [{"type": "Mention", "href": group, "name": mention_of(state, forum)}],
    });
    // The actors its text mentions: tagged (Mastodon notifies them) and addressed.
    for (href, name) in mentions::linked(&post.content_html) {
        object["tag"]
            .as_array_mut()
            .expect("an array")
            .push(json!({"type": "Mention", "href": href, "name": name}));
        object["cc"]
            .as_array_mut()
            .expect("an array")
            .push(json!(href));
    }
    if post.is_thread() {
        object["name"] = json!(post.title);
    }
    let areas = post.areas();
    if !areas.is_empty() {
        object["questionAreas"] = json!(areas);
    }
    if let Some(answer) = &post.accepted_answer {
        object["acceptedAnswer"] = json!(answer);
    }
    if let Some(parent) = &post.in_reply_to {
        object["inReplyTo"] = json!(parent);
    }
    if let Some(language) = &post.language {
        object["contentMap"] = json!({ language: post.content_html });
    }
    if post.updated_at > post.created_at {
        object["updated"] = json!(
            post.updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    object
}

/// Queues the group's `Announce` of `activity` (embedded) to the forum's followers, in `tx`,
/// with the id `…/posts/{public_id}/{name}`.
async fn announce_activity(
    state: &AppState,
    tx: &mut Tx,
    forum: &Forum,
    public_id: &str,
    name: &str,
    object: Value,
) -> Result<()> {
    let group = group(state, forum).await?;
    let followers_url = state.urls().followers(&group.id);
    let inboxes = followers::delivery_inboxes(tx, group.local_actor_id).await?;
    let id = state
        .urls()
        .forum_post_activity(&forum.slug, public_id, name);
    let announce = json!({
        "@context": ACTIVITY_STREAMS,
        "id": id,
        "type": "Announce",
        "actor": group.id,
        "published": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "to": [PUBLIC],
        "cc": [followers_url],
        "audience": group.id,
        "object": object,
    });
    delivery::enqueue(tx, &announce, &id, group.local_actor_id, true, &inboxes).await
}

/// Queues the group's two `Announce`s of a post's `activity` to the forum's followers, in
/// `tx`: the activity embedded unchanged, and the object by id.
async fn announce(
    state: &AppState,
    tx: &mut Tx,
    forum: &Forum,
    post: &Post,
    activity: &Value,
) -> Result<()> {
    let object_id = id_of(post)?;
    announce_activity(
        state,
        tx,
        forum,
        &post.public_id,
        "announce",
        activity.clone(),
    )
    .await?;
    announce_activity(
        state,
        tx,
        forum,
        &post.public_id,
        "announce-object",
        json!(object_id),
    )
    .await
}

/// What a moderator does to a post (or its author, for [`Moderation::Remove`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    /// Takes it down: a `Delete`, with the moderator's reason in `summary` (none when its
    /// author deletes it, as Lemmy tells the two apart).
    Remove {
        reason: String,
    },
    /// Closes a thread to replies (Lemmy's `Lock`), or opens it again (`Undo{Lock}`).
    Lock,
    Unlock,
    /// Pins a thread in the group's `featured` (`Add`), or unpins it (`Remove`).
    Pin,
    Unpin,
}

/// `actor` (a moderator of `forum`, or the post's author removing it: the caller checks)
/// applies `action` to `post`; the activity is stored, served at its id, and announced by
/// the group, in one transaction. `false` when it changed nothing.
pub async fn moderate(
    state: &AppState,
    forum: &Forum,
    actor: &LocalActor,
    post: &Post,
    action: &Moderation,
) -> Result<bool> {
    let urls = state.urls();
    let group = urls_group(state, forum);
    let featured = urls.featured(&group);
    let (verb, changed_by) = match action {
        Moderation::Remove { .. } => ("delete", 0),
        Moderation::Lock => ("lock", 1),
        Moderation::Unlock => ("unlock", 2),
        Moderation::Pin => ("pin", 3),
        Moderation::Unpin => ("unpin", 4),
    };
    let name = format!("{verb}-{:016x}", rand::random::<u64>());
    let id = urls.forum_post_activity(&forum.slug, &post.public_id, &name);
    let mut tx = state.db().begin().await?;
    let changed = match changed_by {
        0 => forums::remove(&mut tx, &post.ap_id).await?.is_some(),
        1 => forums::set_locked(&mut tx, post.forum_post_id, true).await?,
        2 => forums::set_locked(&mut tx, post.forum_post_id, false).await?,
        3 => forums::set_pinned(&mut tx, post.forum_post_id, true).await?,
        _ => forums::set_pinned(&mut tx, post.forum_post_id, false).await?,
    };
    if !changed {
        return Ok(false);
    }
    let base = |kind: &str, object: Value| {
        json!({
            "@context": ACTIVITY_STREAMS,
            "id": id,
            "type": kind,
            "actor": actor.id,
            "published": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "to": [PUBLIC],
            "cc": [group],
            "audience": group,
            "object": object,
        })
    };
    let activity = match action {
        Moderation::Remove { reason } => {
            let mut delete = base("Delete", json!(post.ap_id));
            if !reason.trim().is_empty() {
                delete["summary"] = json!(reason.trim());
            }
            delete
        }
        Moderation::Lock => base("Lock", json!(post.ap_id)),
        Moderation::Unlock => {
            let mut lock = base("Lock", json!(post.ap_id));
            lock["id"] = json!(format!("{id}#lock"));
            base("Undo", lock)
        }
        Moderation::Pin => {
            let mut add = base("Add", json!(post.ap_id));
            add["target"] = json!(featured);
            add
        }
        Moderation::Unpin => {
            let mut remove = base("Remove", json!(post.ap_id));
            remove["target"] = json!(featured);
            remove
        }
    };
    if forum.is_remote() {
        // Another server's forum (only an author's own Delete comes here): it goes to the
        // group, which announces it to its followers.
        let inbox = group_inbox(state, &mut tx, &group).await?;
        delivery::enqueue(
            &mut tx,
            &activity,
            &id,
            actor.local_actor_id,
            true,
            &[inbox],
        )
        .await?;
    } else {
        delivery::enqueue(&mut tx, &activity, &id, actor.local_actor_id, true, &[]).await?;
        announce_activity(
            state,
            &mut tx,
            forum,
            &post.public_id,
            &format!("{name}-announce"),
            activity,
        )
        .await?;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(forum = %forum.slug, post = %post.ap_id, action = verb, by = %actor.id, "moderated");
    Ok(true)
}

/// `answer` (a reply in the question `thread` of our forum) becomes its accepted answer, as
/// its asker or a moderator decided (the caller checks), or no longer (`answer` `None`): the
/// question's `Update` (from its author, or from the group for an anonymous or another
/// server's question) is stored and announced, and the answer's author notified, in one
/// transaction.
pub async fn accept(
    state: &AppState,
    forum: &Forum,
    thread: &Post,
    answer: Option<&Post>,
) -> Result<bool> {
    use crate::domain::notifications::{self, NotificationKind};
    if forum.is_remote() {
        return Err(Error::Forbidden(
            "answers are accepted on the forum's own server".to_string(),
        ));
    }
    if let Some(answer) = answer
        && (answer.thread_id != Some(thread.forum_post_id)
            || answer.status() == PostStatus::Removed)
    {
        return Err(Error::NotFound);
    }
    let mut tx = state.db().begin().await?;
    let accepted = answer.map(|answer| answer.ap_id.as_str());
    if !forums::set_accepted(&mut tx, thread.forum_post_id, accepted).await? {
        return Ok(false);
    }
    let updated = forums::thread_in(&mut tx, thread.forum_post_id)
        .await?
        .ok_or(Error::NotFound)?;
    let group = group(state, forum).await?;
    let (actor_id, sender) = match updated.local_actor_id {
        Some(author) => match state.actors().by_id(state.db(), author).await? {
            Some(actor) => (actor.id.clone(), actor.local_actor_id),
            None => (group.id.clone(), group.local_actor_id),
        },
        None => (group.id.clone(), group.local_actor_id),
    };
    let mut object = object(state, forum, &updated, &updated.ap_id);
    object["updated"] = json!(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    if updated.local_actor_id.is_none() && updated.asker_local_actor_id.is_none() {
        // Another server's question: its object is not ours to update; the group says which
        // answer it accepted, on an `Update` of its own with the question's id and the answer.
        object = json!({
            "id": updated.ap_id,
            "type": "Page",
            "acceptedAnswer": updated.accepted_answer,
        });
    }
    let name = format!("accept-{:016x}", rand::random::<u64>());
    let id = state
        .urls()
        .forum_post_activity(&forum.slug, &updated.public_id, &name);
    let activity = json!({
        "@context": ACTIVITY_STREAMS,
        "id": id,
        "type": "Update",
        "actor": actor_id,
        "published": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "to": [PUBLIC],
        "cc": [urls_group(state, forum)],
        "audience": urls_group(state, forum),
        "object": object,
    });
    delivery::enqueue(&mut tx, &activity, &id, sender, true, &[]).await?;
    announce_activity(
        state,
        &mut tx,
        forum,
        &updated.public_id,
        &format!("{name}-announce"),
        activity,
    )
    .await?;
    if let Some(answer) = answer
        && let Some(author) = answer.asker()
        && let Some(account) = notifications::account_of_actor(&mut tx, author).await?
    {
        notifications::notify(
            &mut tx,
            account,
            NotificationKind::Accepted,
            answer.forum_post_id,
        )
        .await?;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(true)
}

/// A remote author's `Delete` of their post in one of our forums, in `tx`: removed, and the
/// group announces the `Delete` as received. `false` when it is not such a post.
pub async fn deleted_by_author(
    state: &AppState,
    tx: &mut Tx,
    object: &Url,
    actor: &Url,
    activity: &Value,
) -> Result<bool> {
    let Some(found) = forums::by_ap_id(tx, object.as_str()).await? else {
        return Ok(false);
    };
    if found.author_ap_id != actor.as_str() || found.local_actor_id.is_some() {
        return Ok(false);
    }
    if forums::remove(tx, object.as_str()).await?.is_none() {
        return Ok(true);
    }
    let forum = forums::by_id(state.db(), found.forum_id).await?;
    let name = format!("delete-{:016x}", rand::random::<u64>());
    announce_activity(state, tx, &forum, &found.public_id, &name, activity.clone()).await?;
    Ok(true)
}

/// The moderators collection of `forum` (its group's `attributedTo`, as Lemmy's).
pub async fn moderators_collection(state: &AppState, forum: &Forum) -> Result<Value> {
    let group = urls_group(state, forum);
    let mut items = Vec::new();
    for local_actor_id in forums::moderators(state.db(), forum.forum_id).await? {
        if let Some(actor) = state.actors().by_id(state.db(), local_actor_id).await? {
            items.push(json!(actor.id));
        }
    }
    Ok(json!({
        "@context": ACTIVITY_STREAMS,
        "id": format!("{group}/moderators"),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    }))
}

/// The inbox of another server's forum `group`, which this instance follows, in `tx`: where
/// our members' posts and deletions go.
async fn group_inbox(state: &AppState, tx: &mut Tx, group: &Url) -> Result<Url> {
    let organization = state.actors().organization().local_actor_id;
    super::following::inbox_of(tx, organization, group)
        .await?
        .ok_or_else(|| Error::Forbidden("this instance no longer follows the forum".to_string()))
}

/// The id of `forum`'s group.
pub fn urls_group(state: &AppState, forum: &Forum) -> Url {
    match forum
        .remote_ap_id
        .as_deref()
        .and_then(|id| Url::parse(id).ok())
    {
        Some(group) => group,
        None => state
            .urls()
            .actor(super::actors::ActorKind::Group, &forum.slug),
    }
}

/// The `featured` collection of `forum`'s group: its pinned threads, embedded.
pub async fn featured_collection(state: &AppState, forum: &Forum) -> Result<Value> {
    let group = urls_group(state, forum);
    let items: Vec<Value> = forums::pinned(state.db(), forum.forum_id)
        .await?
        .iter()
        .map(|post| {
            if post.local_actor_id.is_some() {
                object(state, forum, post, &post.ap_id)
            } else {
                json!(post.ap_id)
            }
        })
        .collect();
    Ok(json!({
        "@context": ACTIVITY_STREAMS,
        "id": state.urls().featured(&group),
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    }))
}

/// `actor` named (or no longer) a moderator of `forum` by an admin: the group tells its
/// followers with `Add` (or `Remove`) of the actor to its moderators collection.
pub async fn set_moderator(
    state: &AppState,
    forum: &Forum,
    actor: &LocalActor,
    named: bool,
) -> Result<bool> {
    let group = group(state, forum).await?;
    let mut tx = state.db().begin().await?;
    if !forums::set_moderator(&mut tx, forum.forum_id, actor.local_actor_id, named).await? {
        return Ok(false);
    }
    let id = Url::parse(&format!(
        "{}/moderators/{}-{:016x}",
        group.id,
        if named { "add" } else { "remove" },
        rand::random::<u64>()
    ))
    .map_err(|_| Error::internal("an activity id is not a URL"))?;
    let activity = json!({
        "@context": ACTIVITY_STREAMS,
        "id": id,
        "type": if named { "Add" } else { "Remove" },
        "actor": group.id,
        "to": [PUBLIC],
        "cc": [state.urls().followers(&group.id)],
        "audience": group.id,
        "object": actor.id,
        "target": format!("{}/moderators", group.id),
    });
    let inboxes = followers::delivery_inboxes(&mut tx, group.local_actor_id).await?;
    delivery::enqueue(
        &mut tx,
        &activity,
        &id,
        group.local_actor_id,
        true,
        &inboxes,
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(true)
}

/// Paragraphs of escaped text, as members write posts.
fn paragraphs(body: &str, mentioned: &HashMap<String, (String, String)>) -> String {
    body.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| {
            format!(
                "<p>{}</p>",
                mentions::linked_html(paragraph, mentioned).replace('\n', "<br>")
            )
        })
        .collect()
}

/// The mentions of `body` that name an actor we know: ours by name (`@name`, or
/// `@name@our.domain`), another server's when we have stored it; by their key, each as its
/// id and handle; and the inboxes of the other servers' actors, to which the post goes too.
async fn mentioned(
    state: &AppState,
    body: &str,
) -> Result<(HashMap<String, (String, String)>, Vec<Url>)> {
    let domain = state.config().instance.domain.to_ascii_lowercase();
    let mut resolved = HashMap::new();
    let mut inboxes = Vec::new();
    for mention in mentions::find(body) {
        let key = mention.key();
        if resolved.contains_key(&key) {
            continue;
        }
        match mention.host.as_deref() {
            None => {
                let username = mention.username.to_lowercase();
                if let Some(actor) = state.actors().by_username(state.db(), &username).await?
                    && actor.kind != super::actors::ActorKind::Application
                {
                    let handle = format!("{}@{domain}", actor.username);
                    resolved.insert(key, (actor.id.to_string(), handle));
                }
            }
            Some(host) if host == domain => {
                let username = mention.username.to_lowercase();
                if let Some(actor) = state.actors().by_username(state.db(), &username).await?
                    && actor.kind != super::actors::ActorKind::Application
                {
                    resolved.insert(key, (actor.id.to_string(), format!("{username}@{host}")));
                }
            }
            Some(host) => {
                if let Some(actor) =
                    super::remote_actors::by_handle(state, &mention.username, host).await?
                {
                    let handle = format!("{}@{host}", mention.username);
                    resolved.insert(key, (actor.ap_id.clone(), handle));
                    let inbox = actor.inbox_url()?;
                    if !inboxes.contains(&inbox) {
                        inboxes.push(inbox);
                    }
                }
            }
        }
    }
    Ok((resolved, inboxes))
}

/// The actors a post mentions: for a remote post, its object's `Mention` tags (at most
/// [`mentions::MAX_MENTIONS`]); for one of ours, the mentions linked in its text.
fn mentioned_in(post: &Post) -> Vec<String> {
    match post.activity.as_deref() {
        Some(activity) => {
            let activity: Value = serde_json::from_str(activity).unwrap_or_default();
            let tags = match &activity["object"]["tag"] {
                Value::Array(tags) => tags.clone(),
                Value::Object(_) => vec![activity["object"]["tag"].clone()],
                _ => Vec::new(),
            };
            tags.iter()
                .filter(|tag| tag["type"] == "Mention")
                .filter_map(|tag| tag["href"].as_str().map(str::to_string))
                .take(mentions::MAX_MENTIONS)
                .collect()
        }
        None => mentions::linked(&post.content_html)
            .into_iter()
            .map(|(href, _)| href)
            .collect(),
    }
}

/// What a member's new thread asks, in an "Ask an expert" forum: its areas, and whether it
/// is asked anonymously (shown as the forum's own; the asker known to moderators only).
#[derive(Debug, Clone, Default)]
pub struct Asking {
    pub areas: Vec<String>,
    pub anonymous: bool,
}

/// A member's new thread (`reply_to` `None`) or reply in `forum`, written by `author` (their
/// actor) in `language`: stored, its `Create` stored and served at its id, and the group's
/// announces queued, in one transaction; whom it concerns is notified.
#[allow(clippy::too_many_arguments)]
pub async fn post(
    state: &AppState,
    forum: &Forum,
    author: &LocalActor,
    reply_to: Option<&Post>,
    title: &str,
    body: &str,
    language: &str,
    asking: &Asking,
) -> Result<Post> {
    let (title, body) = forums::check_post(reply_to.is_none().then_some(title), body)?;
    let question = reply_to.is_none() && forum.kind == forums::ForumKind::Questions;
    let areas = if question {
        crate::domain::experts::check_areas("areas", &asking.areas)?
    } else {
        Vec::new()
    };
    // Only a question of a forum of ours may be asked anonymously: its group speaks for it.
    let anonymous = question && asking.anonymous && !forum.is_remote();
    // A limited member's posts wait for a moderator: ours hold them; another server's forum
    // has no queue of ours, so they are not sent there.
    let held = super::policy::holds(state, author.id.as_str());
    if held && forum.is_remote() {
        return Err(Error::Forbidden(
            "your account is limited: your posts wait for a moderator of this website, so              they cannot go to another server's forum"
                .to_string(),
        ));
    }
    if let Some(parent) = reply_to
        && (parent.forum_id != forum.forum_id || parent.status() == PostStatus::Removed)
    {
        return Err(Error::NotFound);
    }
    let (linked, mentioned_inboxes) = mentioned(state, &body).await?;
    let now = Utc::now();
    let public_id = crate::domain::publication::new_public_id(now);
    let ap_id = state.urls().forum_post(&forum.slug, &public_id);
    let mut tx = state.db().begin().await?;
    let thread = match reply_to {
        Some(parent) => Some(match parent.thread_id {
            Some(thread) => forums::thread_in(&mut tx, thread)
                .await?
                .ok_or(Error::NotFound)?,
            None => parent.clone(),
        }),
        None => None,
    };
    let stored = forums::store(
        &mut tx,
        &NewPost {
            public_id: public_id.clone(),
            forum_id: forum.forum_id,
            ap_id: ap_id.to_string(),
            reply: reply_to
                .zip(thread.as_ref())
                .map(|(parent, thread)| (thread.forum_post_id, parent.ap_id.clone())),
            author_ap_id: if anonymous {
                urls_group(state, forum).to_string()
            } else {
                author.id.to_string()
            },
            local_actor_id: (!anonymous).then_some(author.local_actor_id),
            title,
            content_html: paragraphs(&body, &linked),
            language: crate::domain::validation::language(language),
            url: None,
            activity: None,
            published: now,
            areas,
            asker_local_actor_id: anonymous.then_some(author.local_actor_id),
            held,
        },
    )
    .await?
    .ok_or_else(|| Error::internal("a new post's id was taken"))?;
    let thread_ap_id = thread
        .as_ref()
        .map_or(stored.ap_id.clone(), |thread| thread.ap_id.clone());
    if thread
        .as_ref()
        .is_some_and(|thread| thread.locked_at.is_some())
    {
        return Err(Error::Forbidden("this thread is locked".to_string()));
    }
    if held {
        // Neither served, sent nor announced until a moderator approves it ([`release`]).
        tx.commit().await?;
        tracing::info!(forum = %forum.slug, post = %stored.ap_id, "a limited member's post held");
        return Ok(stored);
    }
    let (create, create_id, sender) = member_create(state, forum, &stored, &thread_ap_id);
    if forum.is_remote() {
        // Another server's forum: the Create goes to its group, which announces it to its
        // followers (and back to us).
        let inbox = group_inbox(state, &mut tx, &urls_group(state, forum)).await?;
        let mut inboxes = mentioned_inboxes;
        inboxes.retain(|url| *url != inbox);
        inboxes.insert(0, inbox);
        delivery::enqueue(
            &mut tx,
            &create,
            &create_id,
            author.local_actor_id,
            true,
            &inboxes,
        )
        .await?;
    } else {
        // Stored and served at its id (Mastodon fetches an announced `Create` by its id); the
        // group is ours, so it goes to no inbox but those of the other servers' actors it
        // mentions: the group's announces carry it.
        delivery::enqueue(
            &mut tx,
            &create,
            &create_id,
            sender,
            true,
            &mentioned_inboxes,
        )
        .await?;
        announce(state, &mut tx, forum, &stored, &create).await?;
    }
    notify_new(state, &mut tx, &stored, thread.as_ref()).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(forum = %forum.slug, post = %stored.ap_id, "posted");
    Ok(stored)
}

/// The `Create` of a member's `post` in `forum`, its id, and the local actor that sends it:
/// the member's, or for an anonymous question the forum's group.
fn member_create(
    state: &AppState,
    forum: &Forum,
    post: &Post,
    thread_ap_id: &str,
) -> (Value, Url, i64) {
    let object = object(state, forum, post, thread_ap_id);
    let create_id = state
        .urls()
        .forum_post_activity(&forum.slug, &post.public_id, "create");
    let (creator, sender) = match (post.asker_local_actor_id, post.local_actor_id) {
        (Some(asker), _) => (
            urls_group(state, forum),
            forum.local_actor_id.unwrap_or(asker),
        ),
        (None, Some(author)) => (
            Url::parse(&post.author_ap_id).unwrap_or_else(|_| urls_group(state, forum)),
            author,
        ),
        (None, None) => (urls_group(state, forum), forum.local_actor_id.unwrap_or(0)),
    };
    let create = json!({
        "@context": ACTIVITY_STREAMS,
        "id": create_id,
        "type": "Create",
        "actor": creator,
        "published": object["published"],
        "to": object["to"],
        "cc": object["cc"],
        "audience": object["audience"],
        "object": object,
    });
    (create, create_id, sender)
}

/// Its author's edit of a remote post, checked and sanitized by `activities`.
#[derive(Debug)]
pub struct Edited {
    /// The forum of the post.
    pub forum: Forum,
    pub ap_id: String,
    pub edit: forums::Edit,
}

/// Applies an author's edit of their post, in `tx`; in a forum of ours, the group announces
/// the `update` (as received) to its followers, as it announced the post.
pub async fn apply_edit(
    state: &AppState,
    tx: &mut Tx,
    edited: &Edited,
    update: Option<&Value>,
) -> Result<()> {
    let Some(post) = forums::by_ap_id(tx, &edited.ap_id).await? else {
        return Ok(());
    };
    if !forums::edit(tx, &edited.ap_id, &edited.edit).await? {
        return Ok(());
    }
    tracing::info!(forum = %edited.forum.slug, post = %edited.ap_id, "a post edited by its author");
    if let Some(update) = update
        && !edited.forum.is_remote()
        && post.held_at.is_none()
    {
        let name = format!("announce-update-{}", Utc::now().timestamp_millis());
        announce_activity(
            state,
            tx,
            &edited.forum,
            &post.public_id,
            &name,
            update.clone(),
        )
        .await?;
    }
    Ok(())
}

/// Where a remote post goes.
#[derive(Debug)]
pub enum Target {
    /// A forum of ours: its posting rule decides, and its group announces what it takes.
    Ours(Forum),
    /// Another server's forum, as its group announced the post: kept if this instance
    /// follows the group.
    Followed {
        group: String,
        slug: String,
        texts: std::collections::BTreeMap<String, forums::ForumText>,
    },
}

/// A remote post for a forum, checked and sanitized by `activities::create`.
#[derive(Debug)]
pub struct Received {
    pub target: Target,
    /// What it answers, when it is a reply: the post's id.
    pub in_reply_to: Option<String>,
    pub ap_id: String,
    pub author_ap_id: String,
    pub title: String,
    pub content_html: String,
    pub language: Option<String>,
    pub url: String,
    /// The `Create` as received, announced unchanged.
    pub activity: Value,
    pub published: DateTime<Utc>,
    /// A question's areas, from our namespace's `questionAreas`.
    pub areas: Vec<String>,
}

/// Whether `actor` follows the forum's group, or its server does (another Jisr instance, a
/// Lemmy: a follower on the same origin), in `tx`.
async fn follows(tx: &mut Tx, forum: &Forum, actor: &str) -> Result<bool> {
    let Some(origin) = Url::parse(actor)
        .ok()
        .map(|url| url.origin().ascii_serialization())
    else {
        return Ok(false);
    };
    let sql = "select actor_ap_id from follower where local_actor_id = $1 \
               and (actor_ap_id = $2 or actor_ap_id like $3) limit 50";
    let found: Vec<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(forum.local_actor_id)
        .bind(actor)
        // `_` and `%` in the origin only widen the match; the origins are compared below.
        .bind(format!("{origin}/%"))
        .fetch_all(conn)
        .await)?;
    Ok(found.iter().any(|follower| {
        follower == actor
            || Url::parse(follower).is_ok_and(|url| url.origin().ascii_serialization() == origin)
    }))
}

/// Stores a remote post in `tx` if the forum's posting rule lets its author post, and queues
/// the group's announces of it. A reply to a post we do not have, or to a removed one, is
/// dropped; so is a repeated one.
pub async fn apply(state: &AppState, tx: &mut Tx, received: &Received) -> Result<()> {
    let forum = match &received.target {
        Target::Ours(forum) => forum.clone(),
        Target::Followed { group, slug, texts } => {
            let organization = state.actors().organization().local_actor_id;
            let group_id =
                Url::parse(group).map_err(|_| Error::internal("a group id is not a URL"))?;
            if !super::following::is_following(tx, organization, &group_id).await? {
                tracing::info!(group = %group, "an announce from a group we do not follow; ignored");
                return Ok(());
            }
            if super::policy::is_suspended(state, &received.author_ap_id) {
                tracing::info!(group = %group, author = %received.author_ap_id, "an announced post of a suspended author; dropped");
                return Ok(());
            }
            let forum =
                forums::upsert_remote(tx, group, slug, forums::ForumKind::Discussion, texts)
                    .await?;
            store_remote(state, tx, &forum, received, false).await?;
            return Ok(());
        }
    };
    let forum = &forum;
    // The blocks of the moderation queue hold for forums too.
    let host = Url::parse(&received.author_ap_id)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    if crate::domain::comment::is_blocked(tx, &received.author_ap_id, &host).await?
        || super::policy::is_suspended(state, &received.author_ap_id)
    {
        tracing::info!(forum = %forum.slug, author = %received.author_ap_id, "a post of a blocked or suspended author, or a blocked domain; dropped");
        return Ok(());
    }
    let allowed = match forum.posting {
        forums::Posting::Members => false,
        forums::Posting::Followers => follows(tx, forum, &received.author_ap_id).await?,
        forums::Posting::Anyone => true,
    };
    if !allowed {
        tracing::info!(forum = %forum.slug, author = %received.author_ap_id, posting = forum.posting.as_str(), "a post the forum's rule does not let in; dropped");
        return Ok(());
    }
    // The moderation queue: a forum that holds other servers' posts keeps them for a
    // moderator, unless their author is approved; a limited account's or domain's posts wait
    // in any forum.
    let held = super::policy::holds(state, &received.author_ap_id)
        || (forum.hold_remote
            && !crate::domain::comment::is_approved(tx, &received.author_ap_id).await?);
    let stored = store_remote(state, tx, forum, received, held).await?;
    if held {
        tracing::info!(forum = %forum.slug, post = %received.ap_id, "a post held for a moderator");
        return Ok(());
    }
    if let Some(stored) = stored {
        announce(state, tx, forum, &stored, &received.activity).await?;
        tracing::info!(forum = %forum.slug, post = %stored.ap_id, "a remote post in a forum");
    }
    Ok(())
}

/// Stores a remote post in `forum`, in `tx`: `None` when it answers nothing we keep, a removed
/// post or a locked thread, or is there already.
async fn store_remote(
    state: &AppState,
    tx: &mut Tx,
    forum: &Forum,
    received: &Received,
    held: bool,
) -> Result<Option<Post>> {
    let reply = match &received.in_reply_to {
        Some(parent) => {
            let Some(parent) = forums::by_ap_id(tx, parent).await? else {
                return Ok(None);
            };
            if parent.status() == PostStatus::Removed || parent.forum_id != forum.forum_id {
                return Ok(None);
            }
            let thread = match parent.thread_id {
                Some(thread) => forums::thread_in(tx, thread).await?,
                None => Some(parent.clone()),
            };
            if thread.is_some_and(|thread| thread.locked_at.is_some()) {
                tracing::info!(forum = %forum.slug, post = %received.ap_id, "a reply in a locked thread; dropped");
                return Ok(None);
            }
            Some((
                parent.thread_id.unwrap_or(parent.forum_post_id),
                parent.ap_id,
            ))
        }
        None => None,
    };
    let public_id = crate::domain::publication::new_public_id(Utc::now());
    let stored = forums::store(
        tx,
        &NewPost {
            public_id,
            forum_id: forum.forum_id,
            ap_id: received.ap_id.clone(),
            reply,
            author_ap_id: received.author_ap_id.clone(),
            local_actor_id: None,
            title: received.title.clone(),
            content_html: received.content_html.clone(),
            language: received.language.clone(),
            url: Some(received.url.clone()),
            activity: Some(serde_json::to_string(&received.activity)?),
            published: received.published,
            areas: received.areas.clone(),
            asker_local_actor_id: None,
            held,
        },
    )
    .await?;
    if let Some(stored) = stored.as_ref().filter(|_| !held) {
        let thread = match stored.thread_id {
            Some(thread) => forums::thread_in(tx, thread).await?,
            None => None,
        };
        notify_new(state, tx, stored, thread.as_ref()).await?;
    }
    Ok(stored)
}

/// Tells whom a new post concerns, in `tx`: the member whose thread it answers, for a
/// question our experts in its areas, and our members it mentions (each once, never its
/// writer).
async fn notify_new(
    state: &AppState,
    tx: &mut Tx,
    stored: &Post,
    thread: Option<&Post>,
) -> Result<()> {
    use crate::domain::notifications::{self, NotificationKind};
    let writer = match stored.asker() {
        Some(actor) => notifications::account_of_actor(tx, actor).await?,
        None => None,
    };
    let mut told = Vec::new();
    match thread {
        Some(thread) => {
            if let Some(asker) = thread.asker()
                && let Some(account) = notifications::account_of_actor(tx, asker).await?
                && Some(account) != writer
            {
                notifications::notify(tx, account, NotificationKind::Reply, stored.forum_post_id)
                    .await?;
                told.push(account);
            }
        }
        None => {
            let areas = stored.areas();
            if !areas.is_empty() {
                for account in crate::domain::experts::accounts_in(tx, &areas).await? {
                    if Some(account) != writer {
                        notifications::notify(
                            tx,
                            account,
                            NotificationKind::Question,
                            stored.forum_post_id,
                        )
                        .await?;
                        told.push(account);
                    }
                }
            }
        }
    }
    // Our members it mentions, unless told of it already.
    for href in mentioned_in(stored) {
        let Ok(id) = Url::parse(&href) else {
            continue;
        };
        let Some(super::urls::ActorPath::Named(username)) = state.urls().actor_path(&id) else {
            continue;
        };
        if let Some(account) = notifications::account_of_username(tx, &username).await?
            && Some(account) != writer
            && !told.contains(&account)
        {
            notifications::notify(tx, account, NotificationKind::Mention, stored.forum_post_id)
                .await?;
            told.push(account);
        }
    }
    Ok(())
}

/// The forum whose `Group` actor is `id`, if `id` is one of ours.
pub async fn forum_of_actor(state: &AppState, id: &Url) -> Result<Option<Forum>> {
    let Some(super::urls::ActorPath::Named(username)) = state.urls().actor_path(id) else {
        return Ok(None);
    };
    let Some(actor) = state.actors().by_username(state.db(), &username).await? else {
        return Ok(None);
    };
    if actor.kind != super::actors::ActorKind::Group {
        return Ok(None);
    }
    forums::by_actor(state.db(), actor.local_actor_id).await
}

/// The first line of a post's text, as a thread's title (Mastodon statuses have none): the
/// mentions at its start left out, at most [`forums::MAX_TITLE`] characters.
pub fn title_from(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    let words: Vec<&str> = first
        .split_whitespace()
        .skip_while(|word| word.starts_with('@'))
        .collect();
    let title = words.join(" ");
    let mut shortened: String = title.chars().take(forums::MAX_TITLE).collect();
    if shortened.chars().count() < title.chars().count() {
        shortened.pop();
        shortened.push('…');
    }
    shortened
}

/// The text of sanitized `html` with its paragraphs and line breaks as lines, and inline
/// tags (links, spans: Mastodon's mentions) as nothing, for [`title_from`].
pub fn lines_of_html(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end]
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if matches!(
            tag.as_str(),
            "p" | "br" | "div" | "li" | "h1" | "h2" | "h3" | "blockquote"
        ) {
            text.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    text.push_str(rest);
    crate::domain::text::decode_entities(&text)
}

#[cfg(test)]
mod tests {
    use super::{lines_of_html, title_from};

    #[test]
    fn a_mastodon_status_gives_its_first_paragraph_without_the_mention() {
        let html = "<p><span class=\"h-card\"><a href=\"https://jisr.example/actors/housing\" \
                    class=\"u-url mention\">@<span>housing</span></a></span> Where do I register \
                    my address?</p><p>I moved to Berlin last week.</p>";
        assert_eq!(
            title_from(&lines_of_html(html)),
            "Where do I register my address?"
        );
    }

    #[test]
    fn a_status_title_is_its_first_line_without_the_mentions() {
        assert_eq!(
            title_from("@housing@jisr.example @ana Where to register?\nI moved last week."),
            "Where to register?"
        );
        assert_eq!(title_from("\n\n  First words  \nmore"), "First words");
        let long = "x".repeat(300);
        assert_eq!(title_from(&long).chars().count(), 200);
    }
}

/// What a moderator decides about a held post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Shown and announced, and its author approved (as approving a held reply does): their
    /// next posts are not held.
    Approve,
    /// Removed.
    Delete,
}

/// A moderator's decision on the held post `forum_post_id` of `forum`: `false` when it was
/// not held.
pub async fn release(
    state: &AppState,
    forum: &Forum,
    post: &Post,
    decision: Release,
) -> Result<bool> {
    if post.held_at.is_none() || post.forum_id != forum.forum_id {
        return Ok(false);
    }
    let mut tx = state.db().begin().await?;
    if decision == Release::Delete {
        let removed = forums::remove(&mut tx, &post.ap_id).await?.is_some();
        tx.commit().await?;
        return Ok(removed);
    }
    let Some(released) = forums::release(&mut tx, post.forum_post_id).await? else {
        return Ok(false);
    };
    let thread = match released.thread_id {
        Some(thread) => forums::thread_in(&mut tx, thread).await?,
        None => None,
    };
    if released.local_actor_id.is_some() || released.asker_local_actor_id.is_some() {
        // A limited member's post: its `Create`, served at its id from now on, announced.
        let thread_ap_id = thread
            .as_ref()
            .map_or(released.ap_id.clone(), |thread| thread.ap_id.clone());
        let (create, create_id, sender) = member_create(state, forum, &released, &thread_ap_id);
        delivery::enqueue(&mut tx, &create, &create_id, sender, true, &[]).await?;
        announce(state, &mut tx, forum, &released, &create).await?;
    } else {
        crate::domain::comment::approve_author_in(&mut tx, &released.author_ap_id).await?;
        let activity: Value = released
            .activity
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null);
        if !activity.is_null() {
            announce(state, &mut tx, forum, &released, &activity).await?;
        }
    }
    notify_new(state, &mut tx, &released, thread.as_ref()).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(true)
}
