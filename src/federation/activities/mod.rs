//! What we do with each kind of incoming activity, after the inbox has verified who sent it.
//!
//! Each handler runs inside the inbox's transaction (which also recorded the activity id), so
//! its writes and the deliveries it queues land together or not at all. Unknown kinds are
//! accepted (202) and logged, as the fediverse expects.

mod accept;
mod create;
mod delete;
mod follow;
mod undo;

use super::remote_actors::RemoteActor;
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

/// The ActivityStreams context.
pub const ACTIVITY_STREAMS: &str = "https://www.w3.org/ns/activitystreams";

/// Handles one verified activity of type `kind` from `signer`.
pub async fn handle(
    state: &AppState,
    tx: &mut Tx,
    kind: &str,
    activity: Value,
    signer: &RemoteActor,
) -> Result<()> {
    match kind {
        "Follow" => follow::receive(state, tx, activity, signer).await,
        "Undo" => undo::receive(state, tx, activity, signer).await,
        "Accept" | "Reject" => accept::receive(tx, kind, activity, signer).await,
        "Create" | "Update" => create::receive(state, tx, kind, activity, signer).await,
        "Delete" => delete::receive(state, tx, activity, signer).await,
        other => {
            tracing::info!(kind = other, actor = %signer.ap_id, "activity kind not handled yet; accepted and ignored");
            Ok(())
        }
    }
}

/// Reads an id given either as a string or as an object with an `id`.
pub fn id_of<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IdOrObject {
        Id(Url),
        Object { id: Url },
    }
    Ok(match IdOrObject::deserialize(deserializer)? {
        IdOrObject::Id(id) | IdOrObject::Object { id } => id,
    })
}

/// Parses an activity into its typed form, or a 400 naming what is wrong.
fn parse<T: serde::de::DeserializeOwned>(kind: &str, activity: Value) -> Result<T> {
    serde_json::from_value(activity)
        .map_err(|error| Error::BadRequest(format!("malformed {kind}: {error}")))
}
