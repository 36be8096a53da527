//! `Delete` of an object by its author: network content is erased, a comment removed. A
//! `Delete` from an actor we follow of an object we have not received yet leaves a tombstone,
//! so that a `Create` delivered late (retries reorder activities) does not bring it back. A
//! `Delete` of an actor we never stored, or of anything else, is accepted and ignored.

use super::{id_of, parse};
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

#[derive(Debug, Deserialize)]
struct Delete {
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

pub(super) async fn receive(
    state: &AppState,
    tx: &mut Tx,
    activity: Value,
    signer: &RemoteActor,
) -> Result<()> {
    let delete: Delete = parse("Delete", activity)?;
    let actor = signer.url();
    if !same_origin(&delete.object, actor) {
        return Err(Error::Forbidden(format!(
            "{actor} cannot delete {}, which is on another server",
            delete.object
        )));
    }
    if &delete.object == actor {
        // The account is gone: it follows nobody here any more, and we stop following it.
        let forgotten = followers::forget_actor(tx, actor).await?;
        let unfollowed = following::forget_actor(tx, actor).await?;
        tracing::info!(%actor, forgotten, unfollowed, "an actor deleted itself");
        return Ok(());
    }
    let erased = network::erase(tx, delete.object.as_str(), actor.as_str()).await?
        || comment::erase(tx, delete.object.as_str(), actor.as_str()).await?;
    let organization = state.actors().organization.local_actor_id;
    if !erased && following::is_following(tx, organization, actor).await? {
        network::tombstone(tx, delete.object.as_str(), actor.as_str()).await?;
    }
    tracing::info!(object = %delete.object, erased, "Delete");
    Ok(())
}
