//! RSVP on the wire (INTEROP.md §10 and §15.6): the organization's answers to `Join`s of our
//! events (`Accept` and `Reject` embedding the Join, `Ignore` naming it), what an event's
//! document says of its attendance (`participantCount`, `remainingAttendeeCapacity`, as
//! Mobilizon sends them), and the `Update` that tells followers new counts once a burst of
//! Joins has settled (one `Update`, not one per Join).
//!
//! Our members take part in other servers' events too: a `Join` from the member's own actor
//! to the event's organizer, pending until its `Accept` or `Reject`, and a `Leave`.
//!
//! Invariants: an answer is queued in the transaction that records the participant's new
//! status; local members get no activities (they are here). Each settled change of counts
//! is sent by one process: the change is marked sent in the transaction that queues it.

use super::objects::{self, Verb};
use super::{delivery, followers};
use crate::app::AppState;
use crate::db::{Tx, with_tx};
use crate::domain::attending;
use crate::domain::event::EventDetails;
use crate::domain::network::RemotePublication;
use crate::domain::participation::{self, Attendance, Participation};
use crate::domain::publication::{self, Details, Kind, Publication};
use crate::error::{Error, Result};
use crate::federation::actors::LocalActor;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::time::Duration;
use url::Url;

/// How long an event's counts must rest before its `Update` goes.
pub const SETTLE: Duration = Duration::from_secs(3);
/// How often the settled changes are looked for.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// The answer to a `Join`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Reject,
    /// The event takes no participants here (FEP-8a8e).
    Ignore,
}

impl Answer {
    fn kind(self) -> &'static str {
        match self {
            Answer::Accept => "Accept",
            Answer::Reject => "Reject",
            Answer::Ignore => "Ignore",
        }
    }
}

/// Queues, in `tx`, the organization's `answer` to `join` (the Join as received, or as we
/// rebuilt it) of our event `public_id`, for `participant` at `inbox`.
pub async fn answer(
    state: &AppState,
    tx: &mut Tx,
    public_id: &str,
    answer: Answer,
    join: &Value,
    participant: &str,
    inbox: &Url,
) -> Result<()> {
    let organization = state.actors().organization();
    let id = state.urls().publication_activity(
        Kind::Event,
        public_id,
        &format!(
            "{}-{:032x}",
            answer.kind().to_lowercase(),
            rand::random::<u128>()
        ),
    );
    let object = match answer {
        // FEP-8a8e: `Ignore` names the Join.
        Answer::Ignore => join["id"].clone(),
        Answer::Accept | Answer::Reject => join.clone(),
    };
    let activity = json!({
        "@context": super::activities::ACTIVITY_STREAMS,
        "id": id,
        "type": answer.kind(),
        "actor": organization.id,
        "to": [participant],
        "object": object,
    });
    delivery::enqueue(
        tx,
        &activity,
        &id,
        organization.local_actor_id,
        false,
        std::slice::from_ref(inbox),
    )
    .await
}

/// The `Join` of `participation` as Mobilizon matches answers: its id, actor and event.
pub fn join_of(state: &AppState, public_id: &str, participation: &Participation) -> Value {
    json!({
        "id": participation.join_ap_id,
        "type": "Join",
        "actor": participation.participant_ap_id,
        "object": state.urls().publication(Kind::Event, public_id),
    })
}

/// The inbox of remote actor `ap_id` (a participant, an organizer), as stored when we last
/// fetched it.
async fn inbox_of(tx: &mut Tx, ap_id: &str) -> Result<Option<Url>> {
    let sql = "select inbox from remote_actor where ap_id = $1";
    let inbox: Option<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(ap_id)
        .fetch_optional(conn)
        .await)?;
    Ok(inbox.and_then(|inbox| Url::parse(&inbox).ok()))
}

/// Queues, in `tx`, the answer `answer` to each remote participant in `decided` (a local
/// member gets none: they see it here).
pub async fn answer_each(
    state: &AppState,
    tx: &mut Tx,
    public_id: &str,
    answer: Answer,
    decided: &[Participation],
) -> Result<()> {
    for participation in decided {
        if participation.local_actor_id.is_some() {
            continue;
        }
        let Some(inbox) = inbox_of(tx, &participation.participant_ap_id).await? else {
            tracing::warn!(participant = %participation.participant_ap_id, "no inbox kept for a participant; not answered");
            continue;
        };
        let join = join_of(state, public_id, participation);
        self::answer(
            state,
            tx,
            public_id,
            answer,
            &join,
            &participation.participant_ap_id,
            &inbox,
        )
        .await?;
    }
    Ok(())
}

/// Queues an `Accept` for each participant who moved up from the waiting list.
pub async fn accept_promoted(
    state: &AppState,
    tx: &mut Tx,
    public_id: &str,
    promoted: &[Participation],
) -> Result<()> {
    answer_each(state, tx, public_id, Answer::Accept, promoted).await
}

/// Sets on an event's `object` what it says of its attendance, and makes its `updated` the
/// last change of its counts when that is later (so that servers that keep only newer
/// versions take the new counts).
pub fn with_attendance(object: &mut Value, details: &EventDetails, attendance: &Attendance) {
    let Some(fields) = object.as_object_mut() else {
        return;
    };
    let going = attendance.counts.going;
    fields.insert("participantCount".into(), json!(going));
    if let Some(capacity) = details.capacity {
        fields.insert(
            "remainingAttendeeCapacity".into(),
            json!((i64::from(capacity) - going).max(0)),
        );
    }
}

/// `publication` with its `updated_at` moved to the last change of its counts when that is
/// later: the document and the `Update` of new counts carry it.
pub fn counted(mut publication: Publication, attendance: &Attendance) -> Publication {
    if let Some(changed) = attendance.changed_at
        && changed > publication.updated_at
    {
        publication.updated_at = changed;
    }
    publication
}

/// The document of `publication` as served: an event's with its attendance.
pub async fn document(state: &AppState, publication: Publication) -> Result<Value> {
    let Details::Event(details) = &publication.draft.details else {
        return Ok(objects::document(state, &publication));
    };
    if publication.is_deleted() {
        return Ok(objects::document(state, &publication));
    }
    let details = details.clone();
    let attendance = participation::attendance(state.db(), publication.publication_id).await?;
    let publication = counted(publication, &attendance);
    let mut document = objects::document(state, &publication);
    with_attendance(&mut document, &details, &attendance);
    Ok(document)
}

/// Sends the `Update` of each event whose counts changed and then rested [`SETTLE`].
async fn send_settled(state: &AppState) -> Result<()> {
    let settled = Utc::now() - chrono::Duration::from_std(SETTLE).unwrap_or_default();
    for (publication_id, changed) in participation::changed_counts(state.db(), settled).await? {
        send_counts(state, publication_id, changed).await?;
    }
    Ok(())
}

async fn send_counts(state: &AppState, publication_id: i64, changed: DateTime<Utc>) -> Result<()> {
    let Some(found) = publication::by_ids(state.db(), &[publication_id])
        .await?
        .into_iter()
        .next()
    else {
        // Deleted since: nothing to tell, only the mark to clear.
        let mut tx = state.db().begin_write().await?;
        participation::counts_sent(&mut tx, publication_id, changed).await?;
        return Ok(tx.commit().await?);
    };
    let Details::Event(details) = &found.draft.details else {
        return Ok(());
    };
    let details = details.clone();
    let attendance = participation::attendance(state.db(), publication_id).await?;
    let found = counted(found, &attendance);
    let (id, mut activity) = objects::activity(state, Verb::Update, &found);
    with_attendance(&mut activity["object"], &details, &attendance);
    let organization = state.actors().organization().local_actor_id;
    let mut tx = state.db().begin_write().await?;
    if participation::counts_sent(&mut tx, publication_id, changed).await? {
        let inboxes = followers::delivery_inboxes(&mut tx, organization).await?;
        delivery::enqueue(&mut tx, &activity, &id, organization, true, &inboxes).await?;
    }
    tx.commit().await?;
    state
        .documents()
        .forget_object(Kind::Event, &found.public_id);
    state.delivery_wakeup().notify_one();
    tracing::info!(event = %found.public_id, going = attendance.counts.going, "sent new counts");
    Ok(())
}

/// Starts the task that sends settled counts.
pub fn spawn_count_updates(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(LOOK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = send_settled(&state).await {
                tracing::error!(error = ?error, "sending events' new counts");
            }
        }
    })
}

/// An activity `kind` (`Join` or `Leave`) of our `member` about the remote `event`, addressed
/// to its organizer: its id and its document.
fn member_activity(
    state: &AppState,
    member: &LocalActor,
    kind: &str,
    event: &RemotePublication,
) -> (Url, Value) {
    let id = state.urls().new_activity(&member.id, kind);
    let activity = json!({
        "@context": super::activities::ACTIVITY_STREAMS,
        "id": id,
        "type": kind,
        "actor": member.id,
        "object": event.ap_id,
        "to": [event.actor_ap_id],
    });
    (id, activity)
}

/// Our `member` asks to take part in the network event `event`: a `Join` from their actor to
/// its organizer, recorded as pending until the answer comes.
pub async fn join_remote(
    state: &AppState,
    member: &LocalActor,
    event: &RemotePublication,
) -> Result<()> {
    tell_organizer(state, member, event, true).await
}

/// Our `member` leaves the network event `event`: a `Leave` to its organizer.
pub async fn leave_remote(
    state: &AppState,
    member: &LocalActor,
    event: &RemotePublication,
) -> Result<()> {
    tell_organizer(state, member, event, false).await
}

/// Records our `member`'s `Join` (`joining`) or `Leave` of the network event `event` and
/// queues it for its organizer, in one transaction.
async fn tell_organizer(
    state: &AppState,
    member: &LocalActor,
    event: &RemotePublication,
    joining: bool,
) -> Result<()> {
    let kind = if joining { "Join" } else { "Leave" };
    let (id, activity) = member_activity(state, member, kind, event);
    let now = Utc::now();
    let mut tx = state.db().begin_write().await?;
    let inbox = inbox_of(&mut tx, &event.actor_ap_id)
        .await?
        .ok_or_else(|| Error::Unavailable("the organizer's server is not known yet".to_string()))?;
    if joining {
        let organizer = &event.actor_ap_id;
        attending::asked(
            &mut tx,
            member.local_actor_id,
            &event.ap_id,
            organizer,
            id.as_str(),
            now,
        )
        .await?;
    } else {
        attending::left(&mut tx, member.local_actor_id, &event.ap_id, now).await?;
    }
    delivery::enqueue(
        &mut tx,
        &activity,
        &id,
        member.local_actor_id,
        false,
        &[inbox],
    )
    .await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(())
}

/// Records, in `tx`, an organizer's answer to one of our members' Joins (`join_id`), if it
/// is one and comes from the event's own server; `true` when it matched.
pub async fn answered(tx: &mut Tx, join_id: &Url, signer: &Url, accepted: bool) -> Result<bool> {
    let Some(request) = attending::by_join_id(tx, join_id.as_str()).await? else {
        return Ok(false);
    };
    // Mobilizon may answer from the event's group or from its organizer: any actor of the
    // event's own server, never another's.
    let from_its_server = Url::parse(&request.event_ap_id)
        .is_ok_and(|event| super::origin::same_origin(&event, signer));
    if !from_its_server {
        tracing::warn!(join = %join_id, answered_by = %signer, "an answer to a Join from another server; ignored");
        return Ok(false);
    }
    attending::answered(tx, request.remote_participation_id, accepted, Utc::now()).await
}

/// The organization tells the participants of our event `public_id` (`publication_id`)
/// `body`: recorded for our members (their account page shows it) and sent to each remote
/// participant as a direct `Note` of their own (addressed to them alone and mentioning only
/// them, as Mastodon shows a direct message: no participant learns who the others are), in
/// one transaction. Returns how many remote participants it goes to.
pub async fn message_participants(
    state: &AppState,
    publication_id: i64,
    public_id: &str,
    body: &str,
) -> Result<usize> {
    let body = participation::check_message(body)?;
    let organization = state.actors().organization();
    let event = state.urls().publication(Kind::Event, public_id);
    let message = state.urls().publication_activity(
        Kind::Event,
        public_id,
        &format!("message-{:032x}", rand::random::<u128>()),
    );
    let escape = crate::domain::text::escape_html;
    let paragraphs: String = body
        .split("\n\n")
        .map(|paragraph| format!("<p>{}</p>", escape(paragraph.trim()).replace('\n', "<br>")))
        .collect();
    let content = format!(
        "{paragraphs}<p><a href=\"{}\">{}</a></p>",
        escape(event.as_str()),
        escape(event.as_str())
    );
    let now = Utc::now();
    let published = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut tx = state.db().begin_write().await?;
    participation::record_message(&mut tx, publication_id, message.as_str(), &body, now).await?;
    let mut sent = 0;
    for participant in participation::active_of_event(&mut tx, publication_id).await? {
        if participant.local_actor_id.is_some() {
            continue;
        }
        let Some(inbox) = inbox_of(&mut tx, &participant.participant_ap_id).await? else {
            continue;
        };
        let to = &participant.participant_ap_id;
        let id = Url::parse(&format!("{message}-{}", participant.participation_id))
            .map_err(|error| Error::internal(error.to_string()))?;
        let activity = json!({
            "@context": super::activities::ACTIVITY_STREAMS,
            "id": id,
            "type": "Create",
            "actor": organization.id,
            "to": [to],
            "object": {
                "id": format!("{id}#note"),
                "type": "Note",
                "attributedTo": organization.id,
                "content": content,
                "context": event,
                "published": published,
                "to": [to],
                "tag": [{"type": "Mention", "href": to}],
            },
        });
        delivery::enqueue(
            &mut tx,
            &activity,
            &id,
            organization.local_actor_id,
            false,
            &[inbox],
        )
        .await?;
        sent += 1;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(sent)
}

/// Ends everything the member of `account_id` takes part in (their account is gone): their
/// places at our events go to the waiting lists (whose remote participants get their
/// `Accept`), and other servers' organizers get their `Leave`.
pub async fn member_left_everything(state: &AppState, account_id: i64) -> Result<()> {
    let Some(member) = super::members::actor_of(state, account_id).await? else {
        return Ok(());
    };
    let actor = member.id.to_string();
    for taking_part in participation::of_member(state.db(), member.local_actor_id).await? {
        let Some(event) = publication::by_ids(state.db(), &[taking_part.publication_id])
            .await?
            .into_iter()
            .next()
        else {
            continue;
        };
        let Details::Event(details) = &event.draft.details else {
            continue;
        };
        let mut tx = state.db().begin_write().await?;
        let left = participation::leave(&mut tx, event.publication_id, details, &actor, Utc::now())
            .await?;
        accept_promoted(state, &mut tx, &event.public_id, &left.promoted).await?;
        tx.commit().await?;
    }
    for request in attending::of_member(state.db(), member.local_actor_id).await? {
        let Some(id) = crate::domain::network::id_of(state.db(), &request.event_ap_id).await?
        else {
            continue;
        };
        if let Some(event) = crate::domain::network::by_id(state.db(), id).await? {
            leave_remote(state, &member, &event).await?;
        }
    }
    state.delivery_wakeup().notify_one();
    Ok(())
}
