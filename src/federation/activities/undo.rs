//! `Undo` of a `Follow`: the follower is removed. The undone Follow may be embedded or named by
//! id; either way it must be the Undo's own actor's.

use super::{Incoming, id_of, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::federation::followers;
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// What an `Undo` removes.
#[derive(Debug)]
pub enum Undo {
    /// The sender's follow made by the Follow with this id.
    FollowById(Url),
    /// The sender's follow of the organization.
    FollowOfOrganization,
}

#[derive(Debug, Deserialize)]
struct UndoIn {
    object: UndoneObject,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum UndoneObject {
    Id(Url),
    Activity(UndoneActivity),
    /// An object with only an id (no type or actor): matched like a bare id.
    Reference {
        id: Url,
    },
}

#[derive(Debug, Deserialize)]
struct UndoneActivity {
    id: Option<Url>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(deserialize_with = "id_of")]
    actor: Url,
    #[serde(default, deserialize_with = "optional_id_of")]
    object: Option<Url>,
}

fn optional_id_of<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Url>, D::Error> {
    id_of(deserializer).map(Some)
}

pub(super) fn prepare(state: &AppState, activity: Value, signer: &RemoteActor) -> Result<Incoming> {
    let undo: UndoIn = parse("Undo", activity)?;
    let undo = match undo.object {
        UndoneObject::Id(follow_id) | UndoneObject::Reference { id: follow_id } => {
            Undo::FollowById(follow_id)
        }
        UndoneObject::Activity(undone) => {
            if &undone.actor != signer.url() {
                return Err(Error::Forbidden(format!(
                    "{} cannot undo an activity of {}",
                    signer.ap_id, undone.actor
                )));
            }
            if undone.kind != "Follow" {
                tracing::info!(kind = %undone.kind, "Undo of an activity kind not handled yet; ignored");
                return Ok(Incoming::Ignored);
            }
            match (&undone.object, undone.id) {
                (Some(object), _) if object == &state.actors().organization.id => {
                    Undo::FollowOfOrganization
                }
                (None, Some(follow_id)) => Undo::FollowById(follow_id),
                _ => return Ok(Incoming::Ignored),
            }
        }
    };
    Ok(Incoming::Undo(undo))
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    undo: &Undo,
    signer: &RemoteActor,
) -> Result<()> {
    let removed = match undo {
        Undo::FollowById(follow_id) => {
            followers::remove_by_follow_id(tx, signer.url(), follow_id).await?
        }
        Undo::FollowOfOrganization => {
            let organization = state.actors().organization.local_actor_id;
            followers::remove(tx, organization, signer.url()).await?
        }
    };
    tracing::info!(actor = %signer.ap_id, removed, "Undo Follow");
    Ok(())
}
