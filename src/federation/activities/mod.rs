//! What we do with each kind of incoming activity, after the inbox has verified who sent it,
//! in two steps: [`Incoming::prepare`] parses the activity into what its verb needs, checks its
//! origin rules and does the work that needs no write (sanitizing, lookups), on no transaction;
//! [`Incoming::apply`] then writes its effects inside the inbox writer's transaction, which also
//! recorded the activity id, so they land together or not at all.
//!
//! Invariants: `apply` uses only the transaction it is given (never a second connection while
//! holding one), does no CPU-heavy work and no network call, and fails only when the database
//! does: every refusal (a malformed activity, a forged origin) comes from `prepare`. Unknown
//! kinds are accepted (202) and logged, as the fediverse expects.

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

/// An incoming activity, parsed and checked, with what its verb will write.
#[derive(Debug)]
pub enum Incoming {
    Follow(follow::Follow),
    Undo(undo::Undo),
    Answer(accept::Answer),
    Create(create::Received),
    Delete(delete::Delete),
    /// Understood and accepted, with nothing to write (a kind we do not act on, a `Follow` of
    /// another actor, a reply to something that is not ours…).
    Ignored,
}

impl Incoming {
    /// Parses and checks an activity of type `kind` from `signer`: a 400 for a malformed
    /// activity of a kind we handle, a 403 for an origin it may not claim.
    pub async fn prepare(
        state: &AppState,
        kind: &str,
        activity: Value,
        signer: &RemoteActor,
    ) -> Result<Incoming> {
        match kind {
            "Follow" => follow::prepare(state, activity, signer),
            "Undo" => undo::prepare(state, activity, signer),
            "Accept" | "Reject" => accept::prepare(kind, activity),
            "Create" | "Update" => create::prepare(state, kind, activity, signer).await,
            "Delete" => delete::prepare(activity, signer),
            other => {
                tracing::info!(kind = %other, actor = %signer.ap_id, "activity kind not handled yet; accepted and ignored");
                Ok(Incoming::Ignored)
            }
        }
    }

    /// Writes the activity's effects in `tx`.
    pub async fn apply(&self, state: &AppState, tx: &mut Tx, signer: &RemoteActor) -> Result<()> {
        match self {
            Incoming::Follow(follow) => follow::apply(state, tx, follow, signer).await,
            Incoming::Undo(undo) => undo::apply(state, tx, undo, signer).await,
            Incoming::Answer(answer) => accept::apply(tx, answer, signer).await,
            Incoming::Create(received) => create::apply(state, tx, received, signer).await,
            Incoming::Delete(delete) => delete::apply(state, tx, delete, signer).await,
            Incoming::Ignored => Ok(()),
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
