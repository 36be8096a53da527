//! `Delete` of an object by its author: network content is erased, a comment removed. An
//! object named by the id of the activity that created it (a `Create` we recorded) is that
//! activity's object. A
//! `Delete` from an actor we follow of an object we have not received yet leaves a tombstone,
//! so that a `Create` delivered late (retries reorder activities) does not bring it back. A
//! `Delete` of an actor we never stored, or of anything else, is accepted and ignored.

use super::{Effect, id_of, recorded};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::{comment, network};
use crate::error::{Error, Result};
use crate::federation::origin::same_origin;
use crate::federation::remote_actors::RemoteActor;
use crate::federation::{followers, following};
use serde::Deserialize;
use url::Url;

/// What a `Delete` erases.
#[derive(Debug)]
pub enum Delete {
    /// The sender's own account.
    Actor,
    /// One of the sender's objects.
    Object(Url),
}

/// A received `Delete`.
#[derive(Debug, Deserialize)]
pub struct DeleteIn {
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

impl DeleteIn {
    /// What it deletes, as named.
    pub fn object(&self) -> &Url {
        &self.object
    }
}

pub(super) async fn prepare(
    state: &AppState,
    mut delete: DeleteIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    let actor = signer.url();
    if let Some(recorded) = recorded(state, &delete.object, actor).await?
        && matches!(recorded.activity_type.as_deref(), Some("Create" | "Update"))
        && let Some(object) = recorded.object_ap_id.and_then(|id| Url::parse(&id).ok())
    {
        delete.object = object;
    }
    if !same_origin(&delete.object, actor) {
        return Err(Error::Forbidden(format!(
            "{actor} cannot delete {}, which is on another server",
            delete.object
        )));
    }
    Ok(Effect::Delete(if &delete.object == actor {
        Delete::Actor
    } else {
        Delete::Object(delete.object)
    }))
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    delete: &Delete,
    signer: &RemoteActor,
) -> Result<()> {
    let actor = signer.url();
    let object = match delete {
        Delete::Actor => {
            // The account is gone: it follows nobody here any more, we stop following it, and
            // what it published and replied goes with it.
            let forgotten = followers::forget_actor(tx, actor).await?;
            let unfollowed = following::forget_actor(tx, actor).await?;
            let published = network::erase_actor(tx, actor.as_str()).await?;
            let replies = comment::erase_actor(tx, actor.as_str()).await?;
            tracing::info!(%actor, forgotten, unfollowed, published, replies, "an actor deleted itself");
            return Ok(());
        }
        Delete::Object(object) => object,
    };
    let erased = network::erase(tx, object.as_str(), actor.as_str()).await?
        || comment::erase(tx, object.as_str(), actor.as_str()).await?;
    let organization = state.actors().organization().local_actor_id;
    if !erased && following::is_following(tx, organization, actor).await? {
        network::tombstone(tx, object.as_str(), actor.as_str()).await?;
    }
    tracing::info!(%object, erased, "Delete");
    Ok(())
}
