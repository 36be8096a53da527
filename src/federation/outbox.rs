//! Publishing: a publication's write and the activity that tells every follower about it, in
//! one transaction, then a nudge to the delivery workers.
//!
//! Invariant: the `Create`, `Update` or `Delete` is queued for every follower inbox (shared
//! inboxes once per server) in the same transaction as the change, so a crash can lose neither.
//! A story whose consent keeps it on this website sends nothing; an edit that takes it off
//! other servers sends a `Delete`, one that lets it go sends a `Create`.

use super::objects::{self, Verb};
use super::{delivery, followers};
use crate::app::AppState;
use crate::db::Tx;
use crate::domain::consent::{self, WithdrawnBy};
use crate::domain::participation::{self, Attendance};
use crate::domain::publication::{self, Details, Draft, Kind, Publication};
use crate::error::{FieldError, Reason, Result};
use chrono::Utc;
use url::Url;

/// Publishes a new publication and sends `Create` to every follower.
pub async fn publish(state: &AppState, draft: &Draft) -> Result<Publication> {
    let mut tx = state.db().begin().await?;
    let created = publication::create(&mut tx, draft, Utc::now()).await?;
    // A new event: nobody takes part yet.
    let attendance = Attendance::default();
    if created.federated() {
        queue_for_followers(state, &mut tx, Verb::Create, &created, &attendance).await?;
    }
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
        return Err(FieldError::of("kind", Reason::KeepsKind).into());
    }
    let current = publication::find(state.db(), kind, public_id).await?;
    let attendance = participation::attendance(state.db(), current.publication_id).await?;
    let mut tx = state.db().begin().await?;
    let updated = publication::update(&mut tx, &current, draft, Utc::now()).await?;
    match (current.federated(), updated.federated()) {
        (true, true) => {
            queue_for_followers(state, &mut tx, Verb::Update, &updated, &attendance).await?;
        }
        (false, true) => {
            queue_for_followers(state, &mut tx, Verb::CreateAgain, &updated, &attendance).await?;
        }
        (true, false) => {
            // Taken off other servers: they delete their copy, as if it were deleted.
            let delete_id =
                queue_for_followers(state, &mut tx, Verb::TakeDown, &updated, &attendance).await?;
            let prefix = state.urls().publication_activity(kind, public_id, "");
            delivery::withdraw(&mut tx, prefix.as_str(), &delete_id).await?;
            delete_our_replies(state, &mut tx, &updated).await?;
        }
        (false, false) => {}
    }
    tx.commit().await?;
    state.documents().forget_object(kind, public_id);
    state.delivery_wakeup().notify_one();
    tracing::info!(kind = kind.as_str(), id = %public_id, "edited");
    Ok(updated)
}

/// Deletes a publication (its id answers 410 from now on) and sends `Delete`.
pub async fn remove(state: &AppState, kind: Kind, public_id: &str) -> Result<Publication> {
    remove_recording(state, kind, public_id, None).await
}

/// Withdraws a story's consent: deletes it as [`remove`] does, and keeps the fact of the
/// withdrawal (not the story) in the same transaction.
pub async fn withdraw_consent(
    state: &AppState,
    public_id: &str,
    by: WithdrawnBy,
) -> Result<Publication> {
    remove_recording(state, Kind::Story, public_id, Some(by)).await
}

/// Deletes a publication and sends `Delete` (when it was federated); with `withdrawal`, records
/// a story's withdrawn consent.
async fn remove_recording(
    state: &AppState,
    kind: Kind,
    public_id: &str,
    withdrawal: Option<WithdrawnBy>,
) -> Result<Publication> {
    let current = publication::find(state.db(), kind, public_id).await?;
    let now = Utc::now();
    let mut tx = state.db().begin().await?;
    let deleted = publication::delete(&mut tx, &current, now).await?;
    if current.federated() {
        let delete_id = queue_for_followers(
            state,
            &mut tx,
            Verb::Delete,
            &deleted,
            &Attendance::default(),
        )
        .await?;
        // Nothing of the erased content stays: earlier activities are withdrawn too.
        let prefix = state.urls().publication_activity(kind, public_id, "");
        delivery::withdraw(&mut tx, prefix.as_str(), &delete_id).await?;
        delete_our_replies(state, &mut tx, &current).await?;
    }
    if let (Some(by), Details::Story(story)) = (withdrawal, &current.draft.details) {
        consent::record_withdrawal(&mut tx, current.publication_id, &story.consent, now, by)
            .await?;
    }
    crate::domain::comment::erase_for_publication(&mut tx, deleted.publication_id).await?;
    tx.commit().await?;
    state.documents().forget_object(kind, public_id);
    state.delivery_wakeup().notify_one();
    tracing::info!(kind = kind.as_str(), id = %public_id, "deleted");
    Ok(deleted)
}

/// Withdraws the organization's earlier replies under `publication` (their `Create`s are no
/// longer served nor delivered) and queues a `Delete` of each for every follower: what we said
/// under a publication that leaves other servers leaves with it.
async fn delete_our_replies(
    state: &AppState,
    tx: &mut Tx,
    publication: &Publication,
) -> Result<()> {
    let urls = state.urls();
    let organization = state.actors().organization();
    let replies = urls.publication_replies(publication.kind, &publication.public_id);
    let prefix = format!("{replies}/");
    let nothing_kept = urls.publication(publication.kind, &publication.public_id);
    delivery::withdraw(tx, &prefix, &nothing_kept).await?;
    let ours = crate::domain::comment::ids_by_actor(
        tx,
        publication.publication_id,
        organization.id.as_str(),
    )
    .await?;
    let now = Utc::now().timestamp_millis();
    for note in ours {
        let id = Url::parse(&format!("{note}/delete-{now}"))
            .map_err(|_| crate::error::Error::internal("a reply's id is not a URL"))?;
        let activity = serde_json::json!({
            "@context": super::activities::ACTIVITY_STREAMS,
            "id": id,
            "type": "Delete",
            "actor": organization.id,
            "to": [objects::PUBLIC],
            "cc": [urls.followers(&organization.id)],
            "object": {"id": note, "type": "Tombstone"},
        });
        to_followers(state, tx, &activity, &id, false).await?;
    }
    Ok(())
}

/// How often the stories whose consent ends are looked for (and once at start).
const CONSENT_ENDS_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts the task that withdraws the stories whose consent ends on a day set in advance, at
/// the start of that day (UTC): at start, then every minute.
pub fn spawn_consent_ends(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(CONSENT_ENDS_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = withdraw_due(&state).await {
                tracing::error!(error = ?error, "withdrawing stories whose consent ended");
            }
        }
    })
}

/// Withdraws every story whose consent has ended; one that fails is logged and tried again at
/// the next look, and does not hold back the others.
async fn withdraw_due(state: &AppState) -> Result<()> {
    for public_id in consent::due(state.db(), Utc::now()).await? {
        match withdraw_consent(state, &public_id, WithdrawnBy::Schedule).await {
            Ok(_) => tracing::info!(story = %public_id, "consent ended: withdrawn"),
            Err(error) => {
                tracing::error!(story = %public_id, error = ?error, "withdrawing a story whose consent ended");
            }
        }
    }
    Ok(())
}

/// Queues the activity `verb` of `publication` for every follower; returns its id. An event's
/// object carries `attendance`, as its document does. (Not an `Announce`: groups announce
/// what their members post, and that verb will have its own code.)
async fn queue_for_followers(
    state: &AppState,
    tx: &mut Tx,
    verb: Verb,
    publication: &Publication,
    attendance: &Attendance,
) -> Result<Url> {
    let (id, mut activity) = objects::activity(state, verb, publication);
    if !matches!(verb, Verb::Delete | Verb::TakeDown)
        && let Details::Event(details) = &publication.draft.details
    {
        super::rsvp::with_attendance(&mut activity["object"], details, attendance);
    }
    to_followers(state, tx, &activity, &id, true).await?;
    Ok(id)
}

/// Queues `activity` of the organization for every follower inbox (shared inboxes once);
/// `public` activities are served at their id.
async fn to_followers(
    state: &AppState,
    tx: &mut Tx,
    activity: &serde_json::Value,
    id: &Url,
    public: bool,
) -> Result<()> {
    let organization = state.actors().organization().local_actor_id;
    let inboxes = followers::delivery_inboxes(tx, organization).await?;
    delivery::enqueue(tx, activity, id, organization, public, &inboxes).await
}

/// The advisory lock of pinning (PostgreSQL), so that two editors cannot pass the limit.
const PINS_LOCK: i64 = 0x4a69_7372_5069_6e73;

/// Pins (`pinned`) or unpins a publication on the organization's profile and tells every
/// follower, with an `Add` or `Remove` whose `target` is the `featured` collection (what
/// Mastodon sends and reads). Returns the publication as it is now.
pub async fn set_pinned(
    state: &AppState,
    kind: Kind,
    public_id: &str,
    pinned: bool,
) -> Result<Publication> {
    let current = publication::find(state.db(), kind, public_id).await?;
    let now = Utc::now();
    let mut tx = state.db().begin_exclusive(PINS_LOCK).await?;
    let changed = publication::pins::set_pinned(&mut tx, &current, pinned.then_some(now)).await?;
    if changed && current.federated() {
        let (id, activity) = objects::pin_activity(state, &current, pinned);
        to_followers(state, &mut tx, &activity, &id, false).await?;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(Publication {
        pinned_at: pinned.then_some(current.pinned_at.unwrap_or(now)),
        ..current
    })
}

/// Tells every follower that the organization's profile changed (its logo or header image):
/// an `Update` of the actor, so that Mastodon and GoToSocial show the new pictures.
pub async fn update_organization(state: &AppState) -> Result<()> {
    let organization = &state.actors().organization();
    let pictures = super::actors::pictures(state.db(), organization.local_actor_id).await?;
    let document =
        super::actors::document(state.config(), state.urls(), organization, &pictures, None);
    let id = state.urls().new_activity(&organization.id, "update");
    let mut object = document;
    let context = object
        .as_object_mut()
        .and_then(|fields| fields.remove("@context"))
        .unwrap_or_default();
    let activity = serde_json::json!({
        "@context": context,
        "id": id,
        "type": "Update",
        "actor": organization.id,
        "to": [objects::PUBLIC],
        "cc": [state.urls().followers(&organization.id)],
        "object": object,
    });
    let mut tx = state.db().begin_write().await?;
    to_followers(state, &mut tx, &activity, &id, false).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(())
}
