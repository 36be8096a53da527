//! `Announce` from a forum of another server that this instance follows (FEP-1b12: a Jisr
//! forum, a Lemmy community): the `Create` of a thread or reply it embeds is kept as a post of
//! that forum, and a `Delete` it embeds removes one. Boosts by anyone else, and an `Announce`
//! that names its object by id only, are accepted and ignored. A thread locked or pinned
//! there (`Lock`, `Add` to `featured`, and their undoing) is locked or pinned here.
//!
//! Trust: the group speaks for what is on its own server; an announced post from a third
//! server (a Mastodon or Lemmy user's post in the group) is fetched from that server, and
//! kept as that server says it is. An author's `Update` of a post, announced, edits our copy.

use super::create::{CreateIn, ObjectIn, forum_edit, forum_received};
use super::{Effect, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::forums::ForumText;
use crate::error::Result;
use crate::federation::forums::Target;
use crate::federation::origin::same_origin;
use crate::federation::remote_actors::RemoteActor;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use url::Url;

/// A received `Announce`.
#[derive(Debug, Deserialize)]
pub struct AnnounceIn {
    object: Value,
    /// The id of what it announces (an activity's or an object's).
    #[serde(skip)]
    object_id: Option<Url>,
}

impl AnnounceIn {
    pub(super) fn from_json(activity: Value) -> Result<AnnounceIn> {
        let mut announce: AnnounceIn = parse("Announce", activity)?;
        announce.object_id = match &announce.object {
            Value::String(id) => Url::parse(id).ok(),
            other => other["id"].as_str().and_then(|id| Url::parse(id).ok()),
        };
        Ok(announce)
    }

    /// The id of what it announces.
    pub fn object_id(&self) -> Option<&Url> {
        self.object_id.as_ref()
    }
}

/// What an announce from a followed group writes.
#[derive(Debug)]
pub enum Announced {
    /// A thread of the group's forum locked or pinned (or no longer).
    Marked(Mark),
    /// A post, for `federation::forums::apply`.
    Post(Box<crate::federation::forums::Received>),
    /// A post of the group's forum removed (by its author or a moderator there).
    Removed { group: String, object: String },
    /// A post of the group's forum updated: edited by its author, and for a question, the
    /// answer it accepted (a reply's id), or none.
    Updated {
        group: String,
        question: String,
        /// Whether it names an accepted answer (else one it had is taken back).
        says_answer: bool,
        accepted: Option<String>,
        edit: Option<Box<crate::federation::forums::Edited>>,
    },
}

pub(super) async fn prepare(
    state: &AppState,
    announce: AnnounceIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    let group = signer.url();
    if signer.actor_type != "Group" || !announce.object.is_object() {
        return Ok(Effect::Ignored);
    }
    let inner = announce.object;
    let kind = inner["type"].as_str().unwrap_or_default().to_string();
    match kind.as_str() {
        "Create" => {
            let Some(actor) = inner["actor"].as_str().and_then(|id| Url::parse(id).ok()) else {
                return Ok(Effect::Ignored);
            };
            let create = CreateIn::from_json("Create", inner.clone())?;
            let Some((object, _)) = create.object else {
                return Ok(Effect::Ignored);
            };
            if state.urls().base().origin() == object.id.origin() {
                // One of our members' posts, announced back: we have it.
                return Ok(Effect::Ignored);
            }
            let (object, actor, inner) = if same_origin(&object.id, group)
                && same_origin(&actor, group)
            {
                (object, actor, inner)
            } else {
                // A post from a third server (a Mastodon or Lemmy user's in the group):
                // the group cannot vouch for it, its own server can.
                match fetched(state, &object.id, inner).await {
                    Ok(Some(found)) => found,
                    Ok(None) => return Ok(Effect::Ignored),
                    Err(error) => {
                        tracing::info!(group = %group, object = %object.id, %error, "an announced post from another server could not be fetched; not kept");
                        return Ok(Effect::Ignored);
                    }
                }
            };
            let in_reply_to = object
                .in_reply_to
                .as_ref()
                .and_then(|value| value.as_str().map(str::to_string));
            let published = object
                .published
                .map_or_else(Utc::now, |moment| moment.with_timezone(&Utc));
            let received = forum_received(
                followed(state, signer).await?,
                in_reply_to,
                &object,
                inner,
                &actor,
                published,
            )
            .await?;
            Ok(match received {
                Some(post) => Effect::Announced(Announced::Post(Box::new(post))),
                None => Effect::Ignored,
            })
        }
        "Update" => {
            let object = &inner["object"];
            let Some(question) = object["id"].as_str() else {
                return Ok(Effect::Ignored);
            };
            match Url::parse(question) {
                Ok(id) if same_origin(&id, group) => {}
                _ => return Ok(Effect::Ignored),
            }
            // An edit by the post's author (a question's Update by its asker carries its text
            // unchanged); one by anybody else changes no text.
            let actor = inner["actor"].as_str().and_then(|id| Url::parse(id).ok());
            let edit = match (CreateIn::from_json("Update", inner.clone()), actor) {
                (Ok(update), Some(actor)) if same_origin(&actor, group) => match update.object {
                    Some((object, _)) => forum_edit(state, &object, &actor)
                        .await
                        .ok()
                        .flatten()
                        .filter(|edited| {
                            edited.forum.remote_ap_id.as_deref() == Some(group.as_str())
                        })
                        .map(Box::new),
                    None => None,
                },
                _ => None,
            };
            Ok(Effect::Announced(Announced::Updated {
                group: group.to_string(),
                question: question.to_string(),
                says_answer: object.get("acceptedAnswer").is_some(),
                accepted: object["acceptedAnswer"]
                    .as_str()
                    .filter(|answer| {
                        answer.len() <= crate::federation::remote_actors::MAX_URL_CHARS
                    })
                    .map(str::to_string),
                edit,
            }))
        }
        "Delete" => {
            let object = match &inner["object"] {
                Value::String(id) => id.clone(),
                other => other["id"].as_str().unwrap_or_default().to_string(),
            };
            match Url::parse(&object) {
                Ok(id) if same_origin(&id, group) => Ok(Effect::Announced(Announced::Removed {
                    group: group.to_string(),
                    object,
                })),
                _ => Ok(Effect::Ignored),
            }
        }
        "Lock" | "Undo" | "Add" | "Remove" => Ok(marked(&inner, group)
            .map_or(Effect::Ignored, |mark| {
                Effect::Announced(Announced::Marked(mark))
            })),
        _ => Ok(Effect::Ignored),
    }
}

/// A thread locked or pinned by the group's moderators, as Lemmy and Jisr announce it:
/// `Lock` (and `Undo{Lock}`), `Add` to the group's `featured` (and `Remove` from it). The
/// thread must be on the group's server.
fn marked(inner: &Value, group: &Url) -> Option<Mark> {
    let id_of = |value: &Value| {
        value
            .as_str()
            .or_else(|| value["id"].as_str())
            .and_then(|id| Url::parse(id).ok())
    };
    let kind = inner["type"].as_str()?;
    let (kind, object) = if kind == "Undo" {
        (
            format!("Undo{}", inner["object"]["type"].as_str()?),
            id_of(&inner["object"]["object"])?,
        )
    } else {
        (kind.to_string(), id_of(&inner["object"])?)
    };
    if !same_origin(&object, group) {
        return None;
    }
    let featured = || {
        id_of(&inner["target"]).is_some_and(|target| {
            same_origin(&target, group) && target.path().ends_with("/featured")
        })
    };
    let (locked, pinned) = match kind.as_str() {
        "Lock" => (Some(true), None),
        "UndoLock" => (Some(false), None),
        "Add" if featured() => (None, Some(true)),
        "Remove" if featured() => (None, Some(false)),
        _ => return None,
    };
    Some(Mark {
        group: group.to_string(),
        thread: object.to_string(),
        locked,
        pinned,
    })
}

/// A thread of a followed group's forum locked or unlocked, pinned or unpinned.
#[derive(Debug)]
pub struct Mark {
    group: String,
    thread: String,
    locked: Option<bool>,
    pinned: Option<bool>,
}

/// The post `id` of a third server, fetched from that server (announced by a group on
/// another), with its author (its `attributedTo`, on the same server, whose actor is fetched
/// too when we have not stored it) and the announced `Create` with the fetched object in
/// place of the one it embedded. `None` when the document is not such a post.
async fn fetched(
    state: &AppState,
    id: &Url,
    mut create: Value,
) -> Result<Option<(Box<ObjectIn>, Url, Value)>> {
    let data = state.federation_data()?;
    let document =
        activitypub_federation::fetch::fetch_object_http::<AppState, Value>(id, &data).await?;
    let object = document.object;
    if object["id"].as_str() != Some(id.as_str()) {
        return Ok(None);
    }
    let Ok(parsed) = serde_json::from_value::<ObjectIn>(object.clone()) else {
        return Ok(None);
    };
    let Some(author) = parsed.author().filter(|author| same_origin(author, id)) else {
        return Ok(None);
    };
    if crate::federation::remote_actors::find_stored(state, &author)
        .await?
        .is_none()
        && let Err(error) = crate::federation::remote_actors::refresh(state, author.clone()).await
    {
        tracing::info!(author = %author, %error, "the author of an announced post not fetched");
    }
    create["object"] = object;
    create["actor"] = Value::String(author.to_string());
    Ok(Some((Box::new(parsed), author, create)))
}

/// The forum a group of another server is here: its path `name@host`, its names as it says.
async fn followed(state: &AppState, signer: &RemoteActor) -> Result<Target> {
    let group = signer.url();
    let host = match (group.host_str(), group.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => String::new(),
    };
    let username = signer
        .username
        .clone()
        .unwrap_or_else(|| "group".to_string());
    let profile = crate::federation::remote_actors::profile(state.db(), group.as_str()).await?;
    let (name, description) = profile
        .map(|profile| {
            (
                profile.display_name(),
                crate::domain::text::html_to_text(&profile.summary_html),
            )
        })
        .unwrap_or_else(|| (username.clone(), String::new()));
    let mut texts = BTreeMap::new();
    texts.insert("und".to_string(), ForumText { name, description });
    Ok(Target::Followed {
        group: group.to_string(),
        slug: format!("{username}@{host}"),
        texts,
    })
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    announced: &Announced,
    _signer: &RemoteActor,
) -> Result<()> {
    match announced {
        Announced::Post(post) => crate::federation::forums::apply(state, tx, post).await,
        Announced::Marked(mark) => {
            let Some(forum) = crate::domain::forums::by_remote(state.db(), &mark.group).await?
            else {
                return Ok(());
            };
            let Some(thread) = crate::domain::forums::by_ap_id(tx, &mark.thread).await? else {
                return Ok(());
            };
            if thread.forum_id != forum.forum_id || !thread.is_thread() {
                return Ok(());
            }
            if let Some(locked) = mark.locked {
                crate::domain::forums::set_locked(tx, thread.forum_post_id, locked).await?;
            }
            if let Some(pinned) = mark.pinned {
                crate::domain::forums::set_pinned(tx, thread.forum_post_id, pinned).await?;
            }
            Ok(())
        }
        Announced::Removed { group, object } => {
            let Some(forum) = crate::domain::forums::by_remote(state.db(), group).await? else {
                return Ok(());
            };
            if let Some(post) = crate::domain::forums::by_ap_id(tx, object).await?
                && post.forum_id == forum.forum_id
            {
                crate::domain::forums::remove(tx, object).await?;
            }
            Ok(())
        }
        Announced::Updated {
            group,
            question,
            says_answer,
            accepted,
            edit,
        } => {
            if let Some(edited) = edit {
                crate::federation::forums::apply_edit(state, tx, edited, None).await?;
            }
            let Some(forum) = crate::domain::forums::by_remote(state.db(), group).await? else {
                return Ok(());
            };
            let Some(thread) = crate::domain::forums::by_ap_id(tx, question).await? else {
                return Ok(());
            };
            if thread.forum_id != forum.forum_id
                || !thread.is_thread()
                || (!says_answer && thread.accepted_answer.is_none())
            {
                return Ok(());
            }
            // Only a reply of that very thread can be its accepted answer.
            let answer = match accepted {
                Some(answer) => crate::domain::forums::by_ap_id(tx, answer)
                    .await?
                    .filter(|reply| reply.thread_id == Some(thread.forum_post_id))
                    .map(|reply| reply.ap_id),
                None => None,
            };
            crate::domain::forums::set_accepted(tx, thread.forum_post_id, answer.as_deref())
                .await?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).expect("a fixture")
    }

    /// Lemmy's own test data (`federation-tests/fixtures/lemmy`): the moderation activities
    /// a community announces.
    #[test]
    fn lemmys_lock_and_featured_mark_a_thread_of_the_group() {
        let alpha = Url::parse("http://lemmy-alpha:8541/c/main").expect("url");
        let lock = fixture(include_str!(
            "../../../federation-tests/fixtures/lemmy/lock-page.json"
        ));
        let mark = marked(&lock, &alpha).expect("a lock");
        assert_eq!(mark.thread, "http://lemmy-alpha:8541/post/2");
        assert_eq!((mark.locked, mark.pinned), (Some(true), None));
        let unlock = fixture(include_str!(
            "../../../federation-tests/fixtures/lemmy/undo-lock-page.json"
        ));
        let mark = marked(&unlock, &alpha).expect("an unlock");
        assert_eq!((mark.locked, mark.pinned), (Some(false), None));

        let ds9 = Url::parse("https://ds9.lemmy.ml/c/main").expect("url");
        let add = fixture(include_str!(
            "../../../federation-tests/fixtures/lemmy/add-featured-post.json"
        ));
        let mark = marked(&add, &ds9).expect("a pin");
        assert_eq!((mark.locked, mark.pinned), (None, Some(true)));
        let remove = fixture(include_str!(
            "../../../federation-tests/fixtures/lemmy/remove-featured-post.json"
        ));
        assert_eq!(
            marked(&remove, &ds9).and_then(|mark| mark.pinned),
            Some(false)
        );
        // A group vouches only for threads on its own server; an `Add` of a moderator is
        // not a pin.
        assert!(marked(&lock, &ds9).is_none());
        let add_mod = fixture(include_str!(
            "../../../federation-tests/fixtures/lemmy/add-mod.json"
        ));
        let group =
            Url::parse(add_mod["target"].as_str().unwrap_or("https://x.example/")).expect("url");
        assert!(marked(&add_mod, &group).is_none());
    }
}
