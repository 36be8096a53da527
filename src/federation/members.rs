//! Members as actors: each account speaks through an actor of this instance (a `Person` for
//! an individual, an `Organization` for a member organization) with its own handle, keys,
//! inbox and followers. This module gives the domain what it needs to make identities (the
//! reserved names, a key maker), says whether a member's actor may be shown, and tells its
//! followers when the member's profile changes (`Update`) or their account ends (`Delete`).
//!
//! Invariants: a member's actor is served while their account is active; a pending account's
//! actor does not exist yet (404) and a disabled or deleted one's is gone (410). A disabled
//! or deleted account's `Delete` is queued for its followers in the transaction that
//! records the change. Members' actor documents are built on each request (not kept as the
//! organization's are): their profile may change in any process.

use super::actors::{self, LocalActor};
use super::objects;
use super::{delivery, followers};
use crate::app::AppState;
use crate::config::Config;
use crate::db::{Db, Tx, with_pool};
use crate::domain::accounts::identity::Identities;
use crate::domain::accounts::profile::{self, Profile};
use crate::error::{Error, Result};
use serde_json::{Value, json};

/// What identities need from federation: the names of the server's own actors, kept from
/// members, and our key maker.
pub fn identities(config: &Config) -> Identities {
    Identities {
        reserved: vec![
            config.instance.handle.to_lowercase(),
            config.instance.instance_actor_username().to_lowercase(),
        ],
        make_keys: super::signature::generate_keypair,
    }
}

/// Whether a member's actor is there to be served.
#[derive(Debug)]
pub enum Standing {
    /// An active account: its profile as it is now.
    Active(Box<Profile>),
    /// Waiting for approval: not there yet.
    Pending,
    /// Disabled or deleted: gone.
    Gone,
}

/// The standing of the account that `actor` (a member's) speaks for.
pub async fn standing(db: &Db, account_id: i64) -> Result<Standing> {
    let sql = "select status, deleted_at is not null from account where account_id = $1";
    let row: Option<(String, bool)> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(account_id)
        .fetch_optional(pool)
        .await)?;
    Ok(match row {
        Some((status, false)) if status == "active" => {
            Standing::Active(Box::new(profile::find(db, account_id).await?))
        }
        Some((status, false)) if status == "pending" => Standing::Pending,
        _ => Standing::Gone,
    })
}

/// The profile `actor` shows if it is a member's: `Ok(None)` for the server's own actors,
/// 404 or 410 for a member that is not (or no longer) there.
pub async fn shown_profile(db: &Db, actor: &LocalActor) -> Result<Option<Profile>> {
    let Some(account_id) = actor.account_id else {
        return Ok(None);
    };
    match standing(db, account_id).await? {
        Standing::Active(profile) => Ok(Some(*profile)),
        Standing::Pending => Err(Error::NotFound),
        Standing::Gone => Err(Error::Gone),
    }
}

/// The actor of `account_id`.
pub async fn actor_of(
    state: &AppState,
    account_id: i64,
) -> Result<Option<std::sync::Arc<LocalActor>>> {
    let sql = "select local_actor_id from local_actor where account_id = $1";
    let id: Option<i64> = with_pool!(state.db(), |pool| sqlx::query_scalar(sql)
        .bind(account_id)
        .fetch_optional(pool)
        .await)?;
    match id {
        Some(id) => state.actors().by_id(state.db(), id).await,
        None => Ok(None),
    }
}

/// Tells the followers of `account_id`'s actor that its profile changed: an `Update` of the
/// actor as it is now. A member who declared expert areas is told of to the other Jisr
/// instances that follow us too (`followers::instance_inboxes`), so that their experts
/// directories follow confirmations, withdrawals and changes of areas. Nothing for an
/// account that is not active.
pub async fn profile_changed(state: &AppState, account_id: i64) -> Result<()> {
    let Some(actor) = actor_of(state, account_id).await? else {
        return Ok(());
    };
    let Standing::Active(profile) = standing(state.db(), account_id).await? else {
        return Ok(());
    };
    let pictures = actors::pictures(state.db(), actor.local_actor_id).await?;
    let mut object = actors::document(
        state.config(),
        state.urls(),
        &actor,
        &pictures,
        Some(&profile),
    );
    let context = object
        .as_object_mut()
        .and_then(|fields| fields.remove("@context"))
        .unwrap_or_default();
    let id = state.urls().new_activity(&actor.id, "update");
    let activity = json!({
        "@context": context,
        "id": id,
        "type": "Update",
        "actor": actor.id,
        "to": [objects::PUBLIC],
        "cc": [state.urls().followers(&actor.id)],
        "object": object,
    });
    let mut tx = state.db().begin_write().await?;
    let experts = !profile.expert_areas.is_empty();
    to_followers(&mut tx, &actor, &activity, &id, experts).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(())
}

/// Tells the followers of `account_id`'s actor that it is gone (the account was disabled or
/// deleted): a `Delete` of the actor, which answers 410 from now on.
pub async fn account_gone(state: &AppState, account_id: i64) -> Result<()> {
    let mut tx = state.db().begin_write().await?;
    queue_delete(state, &mut tx, account_id).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(())
}

/// Queues, in `tx`, the `Delete` of `account_id`'s actor for its followers.
pub(crate) async fn queue_delete(state: &AppState, tx: &mut Tx, account_id: i64) -> Result<()> {
    let Some(actor) = actor_of(state, account_id).await? else {
        return Ok(());
    };
    let id = state.urls().new_activity(&actor.id, "delete");
    let activity = json!({
        "@context": super::activities::ACTIVITY_STREAMS,
        "id": id,
        "type": "Delete",
        "actor": actor.id,
        "to": [objects::PUBLIC],
        "cc": [state.urls().followers(&actor.id)],
        "object": actor.id,
    });
    // The other Jisr instances that follow us too: one may list the member as an expert.
    to_followers(tx, &actor, &activity, &id, true).await
}

/// Queues `activity` of `actor` for each of its followers' inboxes (shared ones once), and
/// with `instances`, for the other Jisr instances that follow us
/// ([`followers::instance_inboxes`]).
async fn to_followers(
    tx: &mut Tx,
    actor: &LocalActor,
    activity: &Value,
    id: &url::Url,
    instances: bool,
) -> Result<()> {
    let mut inboxes = followers::delivery_inboxes(tx, actor.local_actor_id).await?;
    if instances {
        for inbox in followers::instance_inboxes(tx).await? {
            if !inboxes.contains(&inbox) {
                inboxes.push(inbox);
            }
        }
    }
    if inboxes.is_empty() {
        return Ok(());
    }
    delivery::enqueue(tx, activity, id, actor.local_actor_id, false, &inboxes).await
}
