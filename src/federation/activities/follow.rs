//! `Follow` of one of our actors: store the follower, answer `Accept` (embedding the Follow as
//! received, signed by the followed actor), durably delivered; and its `Undo`, handed here by
//! the `Undo` module.

use super::{ACTIVITY_STREAMS, Effect, Recipient, id_of, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::error::Result;
use crate::federation::actors::LocalActor;
use crate::federation::delivery;
use crate::federation::followers::{self, NewFollower};
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use url::Url;

/// A received `Follow`: the fields we read, and the activity as received (the `Accept` embeds
/// it).
#[derive(Debug)]
pub struct FollowIn {
    id: Url,
    object: Url,
    activity: Value,
}

#[derive(Debug, Deserialize)]
struct FollowFields {
    id: Url,
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

impl FollowIn {
    pub(super) fn from_json(activity: Value) -> Result<FollowIn> {
        let fields: FollowFields = parse("Follow", activity.clone())?;
        Ok(FollowIn {
            id: fields.id,
            object: fields.object,
            activity,
        })
    }

    /// The followed actor.
    pub fn object(&self) -> &Url {
        &self.object
    }
}

/// A `Follow` of one of our actors, to store and accept.
#[derive(Debug)]
pub struct Follow {
    id: Url,
    followed: Arc<LocalActor>,
    activity: Value,
}

/// The follow an `Undo` ends.
#[derive(Debug)]
pub enum Unfollow {
    /// The sender's follow made by the Follow with this id.
    ById(Url),
    /// The sender's follow of our actor `local_actor_id`.
    Of(i64),
}

pub(super) async fn prepare(
    state: &AppState,
    recipient: &Recipient,
    follow: FollowIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    let followed = state
        .actors()
        .by_url(state.db(), &follow.object)
        .await?
        .filter(|actor| actor.kind.accepts_followers());
    let Some(followed) = followed else {
        tracing::info!(object = %follow.object, actor = %signer.ap_id, inbox = %recipient.inbox, "ignored a Follow of an actor that is not one of ours, or takes no followers");
        return Ok(Effect::Ignored);
    };
    Ok(Effect::Follow(Follow {
        id: follow.id,
        followed,
        activity: follow.activity,
    }))
}

/// The `Undo` of a `Follow` of the sender's, known by its id, its object (the followed
/// actor), or both: which follow it ends.
pub(super) async fn undo(
    state: &AppState,
    follow_id: Option<Url>,
    followed: Option<&Url>,
) -> Result<Effect> {
    if let Some(object) = followed
        && let Some(actor) = state.actors().by_url(state.db(), object).await?
    {
        return Ok(Effect::Unfollow(Unfollow::Of(actor.local_actor_id)));
    }
    match follow_id {
        Some(id) => Ok(Effect::Unfollow(Unfollow::ById(id))),
        None => Ok(Effect::Ignored),
    }
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    follow: &Follow,
    signer: &RemoteActor,
) -> Result<()> {
    let followed = &follow.followed;
    followers::upsert(
        tx,
        &NewFollower {
            local_actor_id: followed.local_actor_id,
            actor: signer.url(),
            inbox: &signer.inbox,
            shared_inbox: signer.shared_inbox.as_deref(),
            follow_activity_id: &follow.id,
        },
    )
    .await?;
    let accept_id = state.urls().new_activity(&followed.id, "accept");
    let accept = json!({
        "@context": ACTIVITY_STREAMS,
        "id": accept_id,
        "type": "Accept",
        "actor": followed.id,
        // The Follow exactly as received, its own `@context` included, so that its terms (a
        // sender's `proof`, `signature`…) stay defined for JSON-LD readers.
        "object": follow.activity,
        "to": [signer.ap_id],
    });
    delivery::enqueue(
        tx,
        &accept,
        &accept_id,
        followed.local_actor_id,
        false,
        &[signer.inbox_url()?],
    )
    .await?;
    tracing::info!(follower = %signer.ap_id, followed = %followed.username, "new follower");
    Ok(())
}

pub(super) async fn apply_undo(
    tx: &mut Tx,
    unfollow: &Unfollow,
    signer: &RemoteActor,
) -> Result<()> {
    let removed = match unfollow {
        Unfollow::ById(follow_id) => {
            followers::remove_by_follow_id(tx, signer.url(), follow_id).await?
        }
        Unfollow::Of(local_actor_id) => {
            followers::remove(tx, *local_actor_id, signer.url()).await?
        }
    };
    tracing::info!(actor = %signer.ap_id, removed, "Undo Follow");
    Ok(())
}
