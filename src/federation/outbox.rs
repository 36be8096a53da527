//! Publishing: a publication's write and the activity that tells every follower about it, in
//! one transaction, then a nudge to the delivery workers.
//!
//! Invariant: the `Create`, `Update` or `Delete` is queued for every follower inbox (shared
//! inboxes once per server) in the same transaction as the change, so a crash can lose neither.

use super::objects::{self, Verb};
use super::{delivery, followers};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::publication::{self, Draft, Kind, Publication};
use crate::error::{Error, Result};
use chrono::Utc;
use url::Url;

/// Publishes a new publication and sends `Create` to every follower.
pub async fn publish(state: &AppState, draft: &Draft) -> Result<Publication> {
    let mut tx = state.db().begin().await?;
    let created = publication::create(&mut tx, draft, Utc::now()).await?;
    announce(state, &mut tx, Verb::Create, &created).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(kind = created.kind.as_str(), id = %created.public_id, "published");
    Ok(created)
}

/// Replaces a publication's content and sends `Update` (with a newer `updated`).
pub async fn edit(
    state: &AppState,
    kind: Kind,
    public_id: &str,
    draft: &Draft,
) -> Result<Publication> {
    if draft.details.kind() != kind {
        return Err(Error::invalid("kind", "a publication keeps its kind"));
    }
    let current = publication::find(state.db(), kind, public_id).await?;
    let mut tx = state.db().begin().await?;
    let updated = publication::update(&mut tx, &current, draft, Utc::now()).await?;
    announce(state, &mut tx, Verb::Update, &updated).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(kind = kind.as_str(), id = %public_id, "edited");
    Ok(updated)
}

/// Deletes a publication (its id answers 410 from now on) and sends `Delete`.
pub async fn remove(state: &AppState, kind: Kind, public_id: &str) -> Result<Publication> {
    let current = publication::find(state.db(), kind, public_id).await?;
    let mut tx = state.db().begin().await?;
    let deleted = publication::delete(&mut tx, &current, Utc::now()).await?;
    let delete_id = announce(state, &mut tx, Verb::Delete, &deleted).await?;
    // Nothing of the erased content stays: earlier activities are withdrawn too.
    let prefix = state.urls().publication_activity(kind, public_id, "");
    delivery::withdraw(&mut tx, prefix.as_str(), &delete_id).await?;
    crate::domain::comment::erase_for_publication(&mut tx, deleted.publication_id).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(kind = kind.as_str(), id = %public_id, "deleted");
    Ok(deleted)
}

/// Queues the activity about `publication` for every follower; returns its id.
async fn announce(
    state: &AppState,
    tx: &mut Tx,
    verb: Verb,
    publication: &Publication,
) -> Result<Url> {
    let organization = &state.actors().organization;
    let (id, activity) = objects::activity(state, verb, publication);
    let inboxes = followers::delivery_inboxes(tx, organization.local_actor_id).await?;
    delivery::enqueue(
        tx,
        &activity,
        &id,
        organization.local_actor_id,
        true,
        &inboxes,
    )
    .await?;
    Ok(id)
}
