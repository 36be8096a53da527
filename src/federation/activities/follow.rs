//! `Follow` of our organization: store the follower, answer `Accept` (embedding the Follow as
//! received, signed by the organization), durably delivered.

use super::{ACTIVITY_STREAMS, Incoming, id_of, parse};
use crate::app::AppState;
use crate::db::Tx;
use crate::error::Result;
use crate::federation::delivery;
use crate::federation::followers::{self, NewFollower};
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

/// A `Follow` of the organization, with the activity as received (the `Accept` embeds it).
#[derive(Debug)]
pub struct Follow {
    id: Url,
    activity: Value,
}

/// The fields of a `Follow` we read.
#[derive(Debug, Deserialize)]
struct FollowIn {
    id: Url,
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

pub(super) fn prepare(state: &AppState, activity: Value, signer: &RemoteActor) -> Result<Incoming> {
    let follow: FollowIn = parse("Follow", activity.clone())?;
    let organization = &state.actors().organization;
    if follow.object != organization.id {
        tracing::info!(object = %follow.object, actor = %signer.ap_id, "ignored a Follow of an actor that is not our organization");
        return Ok(Incoming::Ignored);
    }
    Ok(Incoming::Follow(Follow {
        id: follow.id,
        activity,
    }))
}

pub(super) async fn apply(
    state: &AppState,
    tx: &mut Tx,
    follow: &Follow,
    signer: &RemoteActor,
) -> Result<()> {
    let organization = &state.actors().organization;
    followers::upsert(
        tx,
        &NewFollower {
            local_actor_id: organization.local_actor_id,
            actor: signer.url(),
            inbox: &signer.inbox,
            shared_inbox: signer.shared_inbox.as_deref(),
            follow_activity_id: &follow.id,
        },
    )
    .await?;
    let accept_id = state.urls().new_activity(&organization.id, "accept");
    let accept = json!({
        "@context": ACTIVITY_STREAMS,
        "id": accept_id,
        "type": "Accept",
        "actor": organization.id,
        // The Follow exactly as received, its own `@context` included, so that its terms (a
        // sender's `proof`, `signature`…) stay defined for JSON-LD readers.
        "object": follow.activity,
        "to": [signer.ap_id],
    });
    delivery::enqueue(
        tx,
        &accept,
        &accept_id,
        organization.local_actor_id,
        false,
        &[signer.inbox_url()?],
    )
    .await?;
    tracing::info!(follower = %signer.ap_id, "new follower");
    Ok(())
}
