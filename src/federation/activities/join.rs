//! `Join` and `Leave` of our events (Mobilizon's RSVP, INTEROP.md §10), and the `Undo` of a
//! `Join`, handed here by the `Undo` module. A Join gets a place, the waiting list, an
//! organizer's decision, a refusal, or nothing here (registration elsewhere or none), as
//! `domain::participation` decides; its answer is queued in the same transaction:
//! `Accept` or `Reject` embedding the Join (Mobilizon matches answers by the Join's id),
//! `Ignore` for an event that takes no participants here (FEP-8a8e). A `Leave` or `Undo`
//! frees the place, which goes to the first on the waiting list (and they are sent an
//! `Accept`).

use super::{Effect, id_of, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::event::EventDetails;
use crate::domain::participation::{self, Asking, Joined, Status};
use crate::domain::publication::{self, Details, Kind};
use crate::error::Result;
use crate::federation::remote_actors::RemoteActor;
use crate::federation::rsvp::{self, Answer};
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// The longest `participationMessage` read, in bytes (it is cut to
/// [`participation::MAX_MESSAGE`] characters).
const MAX_MESSAGE_BYTES: usize = 8_000;

/// A received `Join`: the fields we read, and the activity as received (the answer embeds it).
#[derive(Debug)]
pub struct JoinIn {
    id: Url,
    object: Url,
    message: String,
    activity: Value,
}

#[derive(Debug, Deserialize)]
struct JoinFields {
    id: Url,
    #[serde(deserialize_with = "id_of")]
    object: Url,
    #[serde(default, rename = "participationMessage")]
    message: Option<Value>,
}

impl JoinIn {
    pub(super) fn from_json(activity: Value) -> Result<JoinIn> {
        let fields: JoinFields = parse("Join", activity.clone())?;
        let message = match fields.message {
            Some(Value::String(text)) if text.len() <= MAX_MESSAGE_BYTES => text,
            _ => String::new(),
        };
        Ok(JoinIn {
            id: fields.id,
            object: fields.object,
            message: crate::domain::text::remote_line(&message, participation::MAX_MESSAGE),
            activity,
        })
    }

    /// The event joined.
    pub fn object(&self) -> &Url {
        &self.object
    }
}

/// A received `Leave`.
#[derive(Debug, Deserialize)]
pub struct LeaveIn {
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

impl LeaveIn {
    pub(super) fn from_json(activity: Value) -> Result<LeaveIn> {
        parse("Leave", activity)
    }

    /// The event left.
    pub fn object(&self) -> &Url {
        &self.object
    }
}

/// One of our events, as a Join or a Leave names it.
#[derive(Debug)]
pub struct OurEvent {
    publication_id: i64,
    public_id: String,
    details: Box<EventDetails>,
}

/// A `Join` of one of our events, to decide on and answer.
#[derive(Debug)]
pub struct Join {
    event: OurEvent,
    id: Url,
    message: String,
    activity: Value,
}

/// A participant leaving one of our events.
#[derive(Debug)]
pub struct Leave {
    event: OurEvent,
}

/// Our event at `url`, if it names one that exists.
async fn our_event(state: &AppState, url: &Url) -> Result<Option<OurEvent>> {
    let Some((Kind::Event, public_id)) = state.urls().publication_path(url) else {
        return Ok(None);
    };
    let found = match publication::find(state.db(), Kind::Event, &public_id).await {
        Ok(found) if !found.is_deleted() => found,
        Ok(_) | Err(crate::error::Error::NotFound) => return Ok(None),
        Err(error) => return Err(error),
    };
    let Details::Event(details) = found.draft.details else {
        return Ok(None);
    };
    Ok(Some(OurEvent {
        publication_id: found.publication_id,
        public_id,
        details: Box::new(details),
    }))
}

pub(super) async fn prepare(
    state: &AppState,
    join: JoinIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    let Some(event) = our_event(state, &join.object).await? else {
        tracing::info!(object = %join.object, actor = %signer.ap_id, "ignored a Join of something that is not one of our events");
        return Ok(Effect::Ignored);
    };
    Ok(Effect::Join(Join {
        event,
        id: join.id,
        message: join.message,
        activity: join.activity,
    }))
}

pub(super) async fn prepare_leave(
    state: &AppState,
    leave: LeaveIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    leave_of(state, &leave.object, signer).await
}

/// The `Undo` of a `Join` of `event` (its object, when known) or with id `join_id`.
pub(super) async fn undo(
    state: &AppState,
    join_id: Option<&Url>,
    event: Option<&Url>,
    signer: &RemoteActor,
) -> Result<Effect> {
    if let Some(event) = event {
        return leave_of(state, event, signer).await;
    }
    let Some(join_id) = join_id else {
        return Ok(Effect::Ignored);
    };
    match participation::by_join_id(state.db(), join_id.as_str()).await? {
        Some(found) if found.participant_ap_id == signer.ap_id => {
            let events = publication::by_ids(state.db(), &[found.publication_id]).await?;
            let Some(event) = events.first() else {
                return Ok(Effect::Ignored);
            };
            let url = state.urls().publication(Kind::Event, &event.public_id);
            leave_of(state, &url, signer).await
        }
        _ => Ok(Effect::Ignored),
    }
}

async fn leave_of(state: &AppState, event: &Url, signer: &RemoteActor) -> Result<Effect> {
    match our_event(state, event).await? {
        Some(event) => Ok(Effect::Leave(Leave { event })),
        None => {
            tracing::info!(object = %event, actor = %signer.ap_id, "ignored a Leave of something that is not one of our events");
            Ok(Effect::Ignored)
        }
    }
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    join: &Join,
    signer: &RemoteActor,
) -> Result<()> {
    let event = &join.event;
    let asking = Asking {
        participant_ap_id: &signer.ap_id,
        local_actor_id: None,
        join_ap_id: join.id.as_str(),
        message: &join.message,
    };
    let joined = participation::join(
        tx,
        event.publication_id,
        &event.details,
        &asking,
        Utc::now(),
    )
    .await?;
    let answer = match &joined {
        Joined::NotHere => Some(Answer::Ignore),
        Joined::Stored { participation, .. } => match participation.status() {
            Status::Going => Some(Answer::Accept),
            Status::Declined => Some(Answer::Reject),
            // Answered when an organizer decides, or a place frees.
            Status::Pending | Status::Waiting | Status::Cancelled => None,
        },
    };
    if let Some(answer) = answer {
        rsvp::answer(
            state,
            tx,
            &event.public_id,
            answer,
            &join.activity,
            &signer.ap_id,
            &signer.inbox_url()?,
        )
        .await?;
    }
    tracing::info!(event = %event.public_id, actor = %signer.ap_id, outcome = ?joined, "Join");
    Ok(())
}

pub(super) async fn apply_leave(
    state: &AppState,
    tx: &mut Tx,
    leave: &Leave,
    signer: &RemoteActor,
) -> Result<()> {
    let event = &leave.event;
    let left = participation::leave(
        tx,
        event.publication_id,
        &event.details,
        &signer.ap_id,
        Utc::now(),
    )
    .await?;
    rsvp::accept_promoted(state, tx, &event.public_id, &left.promoted).await?;
    tracing::info!(event = %event.public_id, actor = %signer.ap_id, left = left.left.is_some(), promoted = left.promoted.len(), "Leave");
    Ok(())
}
