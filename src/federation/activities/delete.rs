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
use serde_json::Value;
use url::Url;

/// What a `Delete` erases.
#[derive(Debug)]
pub enum Delete {
    /// The sender's own account.
    Actor,
    /// One of the sender's objects, and the `Delete` as received (a forum's group announces
    /// it unchanged).
    Object(Url, Box<Value>),
}

/// A received `Delete`.
#[derive(Debug, Deserialize)]
pub struct DeleteIn {
    #[serde(deserialize_with = "id_of")]
    object: Url,
    /// The activity as received.
    #[serde(skip)]
    activity: Value,
}

impl DeleteIn {
    /// Parses a `Delete`, keeping it as received.
    pub(super) fn from_json(activity: Value) -> Result<DeleteIn> {
        let mut delete: DeleteIn = super::parse("Delete", activity.clone())?;
        delete.activity = activity;
        Ok(delete)
    }

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
    if &delete.object == actor {
        return Ok(Effect::Delete(Delete::Actor));
    }
    // A post in one of our forums is deleted by its author; its moderators act through
    // their own actors here, never through a Delete from elsewhere.
    if delete.object.as_str().len() <= crate::federation::remote_actors::MAX_URL_CHARS
        && let Some(post) =
            crate::domain::forums::find_post(state.db(), delete.object.as_str()).await?
        && post.author_ap_id != actor.as_str()
    {
        return Err(Error::Forbidden(format!(
            "{actor} cannot delete {}: only its author or the forum's moderators may",
            delete.object
        )));
    }
    Ok(Effect::Delete(Delete::Object(
        delete.object,
        Box::new(delete.activity),
    )))
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
            let posts = crate::domain::forums::erase_author(tx, actor.as_str()).await?;
            let prices =
                crate::domain::remittances::reports::erase_actor(tx, actor.as_str()).await?;
            tracing::info!(%actor, forgotten, unfollowed, published, replies, posts, prices, "an actor deleted itself");
            return Ok(());
        }
        Delete::Object(object, _) => object,
    };
    let activity = match delete {
        Delete::Object(_, activity) => activity.as_ref(),
        Delete::Actor => &Value::Null,
    };
    let erased = network::erase(tx, object.as_str(), actor.as_str()).await?
        || comment::erase(tx, object.as_str(), actor.as_str()).await?
        || crate::domain::remittances::reports::erase(tx, object.as_str(), actor.as_str()).await?
        || crate::federation::forums::deleted_by_author(state, tx, object, actor, activity).await?;
    let organization = state.actors().organization().local_actor_id;
    if !erased && following::is_following(tx, organization, actor).await? {
        network::tombstone(tx, object.as_str(), actor.as_str()).await?;
    }
    tracing::info!(%object, erased, "Delete");
    Ok(())
}
