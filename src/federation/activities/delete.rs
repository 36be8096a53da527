//! `Delete` of an object by its author: network content is erased, a comment removed. A
//! `Delete` from an actor we follow of an object we have not received yet leaves a tombstone,
//! so that a `Create` delivered late (retries reorder activities) does not bring it back. A
//! `Delete` of an actor we never stored, or of anything else, is accepted and ignored.

use super::{Incoming, id_of, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::{comment, network};
use crate::error::{Error, Result};
use crate::federation::origin::same_origin;
use crate::federation::remote_actors::RemoteActor;
use crate::federation::{followers, following};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// What a `Delete` erases.
#[derive(Debug)]
pub enum Delete {
    /// The sender's own account.
    Actor,
    /// One of the sender's objects.
    Object(Url),
}

#[derive(Debug, Deserialize)]
struct DeleteIn {
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

pub(super) fn prepare(activity: Value, signer: &RemoteActor) -> Result<Incoming> {
    let delete: DeleteIn = parse("Delete", activity)?;
    let actor = signer.url();
    if !same_origin(&delete.object, actor) {
        return Err(Error::Forbidden(format!(
            "{actor} cannot delete {}, which is on another server",
            delete.object
        )));
    }
    Ok(Incoming::Delete(if &delete.object == actor {
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
            // The account is gone: it follows nobody here any more, and we stop following it.
            let forgotten = followers::forget_actor(tx, actor).await?;
            let unfollowed = following::forget_actor(tx, actor).await?;
            tracing::info!(%actor, forgotten, unfollowed, "an actor deleted itself");
            return Ok(());
        }
        Delete::Object(object) => object,
    };
    let erased = network::erase(tx, object.as_str(), actor.as_str()).await?
        || comment::erase(tx, object.as_str(), actor.as_str()).await?;
    let organization = state.actors().organization.local_actor_id;
    if !erased && following::is_following(tx, organization, actor).await? {
        network::tombstone(tx, object.as_str(), actor.as_str()).await?;
    }
    tracing::info!(%object, erased, "Delete");
    Ok(())
}
