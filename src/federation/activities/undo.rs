//! `Undo` of a `Follow`: the follower is removed. The undone Follow may be embedded or named by
//! id; either way it must be the Undo's own actor's.

use super::{id_of, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{Error, Result};
use crate::federation::followers;
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

#[derive(Debug, Deserialize)]
struct Undo {
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

pub(super) async fn receive(
    state: &AppState,
    tx: &mut Tx,
    activity: Value,
    signer: &RemoteActor,
) -> Result<()> {
    let undo: Undo = parse("Undo", activity)?;
    let removed = match undo.object {
        UndoneObject::Id(follow_id) | UndoneObject::Reference { id: follow_id } => {
            followers::remove_by_follow_id(tx, signer.url(), &follow_id).await?
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
                return Ok(());
            }
            let organization = &state.actors().organization;
            match (&undone.object, &undone.id) {
                (Some(object), _) if object == &organization.id => {
                    followers::remove(tx, organization.local_actor_id, signer.url()).await?
                }
                (None, Some(follow_id)) => {
                    followers::remove_by_follow_id(tx, signer.url(), follow_id).await?
                }
                _ => false,
            }
        }
    };
    tracing::info!(actor = %signer.ap_id, removed, "Undo Follow");
    Ok(())
}
