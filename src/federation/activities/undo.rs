//! `Undo`: finds what is undone and hands it to that verb's module. The undone activity may be
//! embedded, or named by its id; an id is resolved through the activities we recorded, else
//! (it may be older than we remember) taken as a `Follow`'s id, which followers keep. Either
//! way the undone activity must be the Undo's own actor's.

use super::{Effect, Recipient, follow, id_of, join, recorded};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use url::Url;

/// A received `Undo`.
#[derive(Debug, Deserialize)]
pub struct UndoIn {
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

impl UndoIn {
    /// The undone activity's id, when given.
    pub fn object_id(&self) -> Option<&Url> {
        match &self.object {
            UndoneObject::Id(id) | UndoneObject::Reference { id } => Some(id),
            UndoneObject::Activity(undone) => undone.id.as_ref(),
        }
    }
}

pub(super) async fn prepare(
    state: &AppState,
    recipient: &Recipient,
    undo: UndoIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    // The undone activity's kind, id and object.
    let (kind, id, object) = match undo.object {
        UndoneObject::Id(id) | UndoneObject::Reference { id } => {
            match recorded(state, &id, signer.url()).await? {
                Some(recorded) => (
                    recorded.activity_type.unwrap_or_default(),
                    Some(id),
                    recorded
                        .object_ap_id
                        .and_then(|object| Url::parse(&object).ok()),
                ),
                // Not (or no longer) remembered: only a follow outlives our memory of ids.
                None => ("Follow".to_string(), Some(id), None),
            }
        }
        UndoneObject::Activity(undone) => {
            if &undone.actor != signer.url() {
                return Err(Error::Forbidden(format!(
                    "{} cannot undo an activity of {}",
                    signer.ap_id, undone.actor
                )));
            }
            (undone.kind, undone.id, undone.object)
        }
    };
    match kind.as_str() {
        "Follow" => follow::undo(state, id, object.as_ref()).await,
        "Join" => join::undo(state, id.as_ref(), object.as_ref(), signer).await,
        other => {
            tracing::info!(kind = %other, actor = %signer.ap_id, inbox = %recipient.inbox, "Undo of an activity kind not handled yet; ignored");
            Ok(Effect::Ignored)
        }
    }
}
