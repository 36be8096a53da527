//! `Announce` from a forum of another server that this instance follows (FEP-1b12: a Jisr
//! forum, a Lemmy community): the `Create` of a thread or reply it embeds is kept as a post of
//! that forum, and a `Delete` it embeds removes one. Boosts by anyone else, and an `Announce`
//! that names its object by id only, are accepted and ignored.
//!
//! Trust: the group speaks for what is on its own server; an announced post from a third
//! server is not kept, as it would need its own fetch to be believed.

use super::create::{CreateIn, forum_received};
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
    /// A post, for `federation::forums::apply`.
    Post(Box<crate::federation::forums::Received>),
    /// A post of the group's forum removed (by its author or a moderator there).
    Removed { group: String, object: String },
    /// A question of the group's forum updated: the answer it accepted (a reply's id), or
    /// none.
    Answered {
        group: String,
        question: String,
        accepted: Option<String>,
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
            if !same_origin(&object.id, group) || !same_origin(&actor, group) {
                tracing::info!(group = %group, object = %object.id, "an announced post from another server; not kept without a fetch");
                return Ok(Effect::Ignored);
            }
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
                Ok(id) if same_origin(&id, group) => Ok(Effect::Announced(Announced::Answered {
                    group: group.to_string(),
                    question: question.to_string(),
                    accepted: object["acceptedAnswer"]
                        .as_str()
                        .filter(|answer| {
                            answer.len() <= crate::federation::remote_actors::MAX_URL_CHARS
                        })
                        .map(str::to_string),
                })),
                _ => Ok(Effect::Ignored),
            }
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
        _ => Ok(Effect::Ignored),
    }
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
        Announced::Answered {
            group,
            question,
            accepted,
        } => {
            let Some(forum) = crate::domain::forums::by_remote(state.db(), group).await? else {
                return Ok(());
            };
            let Some(thread) = crate::domain::forums::by_ap_id(tx, question).await? else {
                return Ok(());
            };
            if thread.forum_id != forum.forum_id || !thread.is_thread() {
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
