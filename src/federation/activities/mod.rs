//! What we do with each kind of incoming activity, after the inbox has verified who sent it,
//! in three steps:
//!
//! 1. [`Incoming::from_json`] parses the activity into its verb and what that verb reads. It is
//!    pure (no state, no I/O), so the fixtures captured from other servers are parsed by the
//!    very code the inbox runs; a malformed activity of a kind we handle is a 400 here.
//! 2. [`Incoming::prepare`] hands it, with its [`Recipient`] (which inbox it came to and whom
//!    it addresses), to the module of its verb, which checks the origin rules and does the work
//!    that needs no write (sanitizing, lookups) on no transaction, and says what to write: an
//!    [`Effect`]. An `Undo` hands the undone activity to the undone verb's module.
//! 3. [`Effect::apply`] writes it inside the inbox writer's transaction, which also recorded the
//!    activity (its id, type, actor and object), so they land together or not at all.
//!
//! Invariants: `apply` uses only the transaction it is given (never a second connection while
//! holding one), does no CPU-heavy work and no network call, and fails only when the database
//! does: every refusal (a malformed activity, a forged origin) comes from steps 1 and 2. Unknown
//! kinds are accepted (202) and logged, as the fediverse expects. A new verb is a variant here
//! and a module beside this one.

mod accept;
mod announce;
mod create;
mod delete;
mod flag;
mod follow;
mod join;
mod network_object;
mod undo;

use super::actors::LocalActor;
use super::remote_actors::RemoteActor;
use crate::app::AppState;
use crate::db::Tx;
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::sync::Arc;
use url::Url;

/// The ActivityStreams context.
pub const ACTIVITY_STREAMS: &str = "https://www.w3.org/ns/activitystreams";

/// An incoming activity as parsed from its JSON: its verb, and the fields that verb reads.
#[derive(Debug)]
pub enum Incoming {
    Follow(follow::FollowIn),
    Undo(undo::UndoIn),
    /// `Accept`, `Reject` or `Ignore` of one of our `Follow`s or our members' `Join`s.
    Answer(accept::Answer),
    /// `Create` or `Update` of an object.
    Create(create::CreateIn),
    Delete(delete::DeleteIn),
    /// `Join` of an event (RSVP).
    Join(join::JoinIn),
    /// `Leave` of an event.
    Leave(join::LeaveIn),
    /// `Announce` by a group (a forum this instance follows).
    Announce(announce::AnnounceIn),
    /// `Flag`: a report from another server.
    Flag(flag::FlagIn),
    /// A kind we do not act on (yet): accepted and ignored.
    Other {
        kind: String,
    },
}

impl Incoming {
    /// Parses `activity`, whose `type` is `kind`: a 400 naming what is wrong when an activity
    /// of a kind we handle is malformed.
    pub fn from_json(kind: &str, activity: Value) -> Result<Incoming> {
        Ok(match kind {
            "Follow" => Incoming::Follow(follow::FollowIn::from_json(activity)?),
            "Undo" => Incoming::Undo(parse(kind, activity)?),
            "Accept" | "Reject" | "Ignore" => {
                Incoming::Answer(accept::Answer::from_json(kind, activity)?)
            }
            "Create" | "Update" => Incoming::Create(create::CreateIn::from_json(kind, activity)?),
            "Delete" => Incoming::Delete(delete::DeleteIn::from_json(activity)?),
            "Join" => Incoming::Join(join::JoinIn::from_json(activity)?),
            "Leave" => Incoming::Leave(join::LeaveIn::from_json(activity)?),
            "Announce" => Incoming::Announce(announce::AnnounceIn::from_json(activity)?),
            "Flag" => Incoming::Flag(flag::FlagIn::from_json(activity)?),
            other => Incoming::Other {
                kind: other.to_string(),
            },
        })
    }

    /// The id of the activity's object, as recorded with the activity (so that an `Undo` or
    /// `Delete` naming this activity by its id finds what it was about).
    pub fn object_id(&self) -> Option<&Url> {
        match self {
            Incoming::Follow(follow) => Some(follow.object()),
            Incoming::Undo(undo) => undo.object_id(),
            Incoming::Answer(answer) => Some(answer.object()),
            Incoming::Create(create) => create.object_id(),
            Incoming::Delete(delete) => Some(delete.object()),
            Incoming::Join(join) => Some(join.object()),
            Incoming::Leave(leave) => Some(leave.object()),
            Incoming::Announce(announce) => announce.object_id(),
            Incoming::Flag(flag) => flag.object_id(),
            Incoming::Other { .. } => None,
        }
    }

    /// Hands the activity to the module of its verb: what it will write, or a 403 for an
    /// origin it may not claim.
    pub async fn prepare(
        self,
        state: &AppState,
        recipient: &Recipient,
        signer: &RemoteActor,
    ) -> Result<Effect> {
        match self {
            Incoming::Follow(follow) => follow::prepare(state, recipient, follow, signer).await,
            Incoming::Undo(undo) => undo::prepare(state, recipient, undo, signer).await,
            Incoming::Answer(answer) => Ok(Effect::Answer(answer)),
            Incoming::Create(create) => create::prepare(state, recipient, create, signer).await,
            Incoming::Delete(delete) => delete::prepare(state, delete, signer).await,
            Incoming::Join(join) => join::prepare(state, join, signer).await,
            Incoming::Leave(leave) => join::prepare_leave(state, leave, signer).await,
            Incoming::Announce(announce) => announce::prepare(state, announce, signer).await,
            Incoming::Flag(flag) => flag::prepare(state, flag, signer).await,
            Incoming::Other { kind } => {
                tracing::info!(kind = %kind, actor = %signer.ap_id, inbox = %recipient.inbox, "activity kind not handled yet; accepted and ignored");
                Ok(Effect::Ignored)
            }
        }
    }
}

/// Where an activity was delivered and whom it addresses.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The inbox it came to.
    pub inbox: Inbox,
    /// Every id named in the activity's `to`, `cc` and `audience` (ours and others).
    pub addressed: Vec<Url>,
}

/// One of our inboxes.
#[derive(Debug, Clone)]
pub enum Inbox {
    /// `/inbox`, shared by all our actors.
    Shared,
    /// The personal inbox of one of our actors (the instance actor's is `/actor/inbox`).
    Actor(Arc<LocalActor>),
}

impl std::fmt::Display for Inbox {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Inbox::Shared => formatter.write_str("shared"),
            Inbox::Actor(actor) => formatter.write_str(&actor.username),
        }
    }
}

/// The most addressees read from one activity.
const MAX_ADDRESSED: usize = 256;

impl Recipient {
    /// The recipient of `activity` delivered to `inbox`.
    pub fn of(inbox: Inbox, activity: &Value) -> Recipient {
        let mut addressed = Vec::new();
        for field in ["to", "cc", "audience"] {
            let ids = match &activity[field] {
                Value::Array(items) => items.iter().collect(),
                Value::Null => Vec::new(),
                single => vec![single],
            };
            for value in ids {
                let id = value.as_str().or_else(|| value["id"].as_str());
                if let Some(url) = id.and_then(|id| Url::parse(id).ok())
                    && addressed.len() < MAX_ADDRESSED
                    && !addressed.contains(&url)
                {
                    addressed.push(url);
                }
            }
        }
        Recipient { inbox, addressed }
    }

    /// Whether the activity names `id` in `to`, `cc` or `audience`.
    pub fn addresses(&self, id: &Url) -> bool {
        self.addressed.contains(id)
    }
}

/// What an incoming activity writes, decided by its verb's module.
#[derive(Debug)]
pub enum Effect {
    /// A new follower of one of our actors, and our `Accept`.
    Follow(follow::Follow),
    /// A follow of one of our actors undone.
    Unfollow(follow::Unfollow),
    /// An answer to one of our `Follow`s.
    Answer(accept::Answer),
    /// A reply or network content stored.
    Create(create::Received),
    /// An object or an actor erased.
    Delete(delete::Delete),
    /// A request to take part in one of our events, and its answer.
    Join(join::Join),
    /// A participant leaving one of our events.
    Leave(join::Leave),
    /// What a followed forum's group announced.
    Announced(announce::Announced),
    /// A report from another server, for the moderators' queue.
    Report(Box<crate::domain::reports::NewReport>),
    /// Understood and accepted, with nothing to write (a kind we do not act on, a `Follow` of
    /// an actor that is not ours, a reply to something that is not ours…).
    Ignored,
}

impl Effect {
    /// Writes the activity's effects in `tx`.
    pub async fn apply(&self, state: &AppState, tx: &mut Tx, signer: &RemoteActor) -> Result<()> {
        match self {
            Effect::Follow(follow) => follow::apply(state, tx, follow, signer).await,
            Effect::Unfollow(unfollow) => follow::apply_undo(tx, unfollow, signer).await,
            Effect::Answer(answer) => accept::apply(tx, answer, signer).await,
            Effect::Create(received) => create::apply(state, tx, received, signer).await,
            Effect::Delete(delete) => delete::apply(state, tx, delete, signer).await,
            Effect::Join(join) => join::apply(state, tx, join, signer).await,
            Effect::Leave(leave) => join::apply_leave(state, tx, leave, signer).await,
            Effect::Announced(announced) => announce::apply(state, tx, announced, signer).await,
            Effect::Report(report) => flag::apply(tx, report).await,
            Effect::Ignored => Ok(()),
        }
    }
}

/// An activity we received before, as recorded: what an `Undo` or `Delete` naming it by id
/// refers to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recorded {
    pub activity_type: Option<String>,
    pub object_ap_id: Option<String>,
}

/// The activity `id` of `actor`, if we received it (within the days received ids are kept).
pub async fn recorded(state: &AppState, id: &Url, actor: &Url) -> Result<Option<Recorded>> {
    let sql = "select activity_type, object_ap_id from received_activity \
               where ap_id = $1 and actor_ap_id = $2";
    Ok(crate::db::with_pool!(state.db(), |pool| sqlx::query_as(
        sql
    )
    .bind(id.as_str())
    .bind(actor.as_str())
    .fetch_optional(pool)
    .await)?)
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

#[cfg(test)]
mod tests;
