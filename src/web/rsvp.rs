//! RSVP on the website: the box on an event's page (how many go and how many places are left,
//! the member's own status, and "I'm going", "Request a place", "Join the waiting list" or
//! "Cancel"), the member's button itself, and the organizers' page of an event's participants
//! (`/events/{id}/participants`: who, when, status, with approve and decline, registrations
//! closed or opened, and the list as CSV).
//!
//! A network event gets the same box: a member's request goes to its organizer as a `Join`
//! from their own actor (`/network/{id}/rsvp`), pending until its server answers.
//!
//! Invariants: counts are public, the participants' list is for organizers (editors and
//! admins) only; a member takes part through their own actor, as a remote participant does,
//! so the rules, the capacity and the waiting list are the same (`domain::participation`);
//! every decision that answers a remote participant queues the answer in its transaction.

use super::auth::{Member, Publisher, Visitor};
use super::forms::FormValues;
use super::frame::{Frame, framed, respond_with};
use crate::app::AppState;
use crate::domain::attending::{self, Standing};
use crate::domain::event::EventDetails;
use crate::domain::network::RemotePublication;
use crate::domain::participation::{
    self, Asking, Counts, JoinMode, Joined, Participation, Rules, Status, Verdict,
};
use crate::domain::publication::{self, Details, Kind, Publication};
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::rsvp::{self, Answer};
use crate::i18n::Translator;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

/// The RSVP box of an event's page.
#[derive(Debug, Clone)]
pub struct RsvpView {
    /// "3 going · 7 places left", or "Full".
    pub counts: String,
    /// The reader's own status, when they take part or asked to.
    pub mine: Option<String>,
    /// The button: `(action, label)`.
    pub button: Option<(&'static str, String)>,
    /// Why there is no button (closed, over, full).
    pub note: Option<String>,
    /// Where the button posts.
    pub action: String,
    pub csrf: String,
    /// Not logged in: "Log in to take part".
    pub login: Option<String>,
    /// For organizers: the participants' page.
    pub organizer: Option<String>,
    /// For a participant who goes, when the event lets participants see each other: the
    /// names of the others who go (never their handles), and how many more there are.
    pub others: Vec<String>,
    pub more: Option<String>,
}

/// How many names of the others who go an RSVP box shows.
const OTHERS_SHOWN: usize = 50;

/// The event `publication` and its details, or 404.
async fn our_event(state: &AppState, public_id: &str) -> Result<(Publication, EventDetails)> {
    let found = publication::find(state.db(), Kind::Event, public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone);
    }
    match &found.draft.details {
        Details::Event(details) => {
            let details = details.clone();
            Ok((found, details))
        }
        _ => Err(Error::NotFound),
    }
}

/// "3 going · 7 places left", or "Full" with how many wait.
fn counts_line(t: &Translator, details: &EventDetails, counts: &Counts) -> String {
    let going = t.t1(
        "rsvp-going-count",
        "count",
        &t.digits(&counts.going.to_string()),
    );
    match details.capacity {
        Some(capacity) => {
            let left = (i64::from(capacity) - counts.going).max(0);
            let places = if left == 0 {
                t.t("rsvp-full")
            } else {
                t.t1("rsvp-places-left", "count", &t.digits(&left.to_string()))
            };
            format!("{going} · {places}")
        }
        None => going,
    }
}

/// The member's actor id and row id, or 404 for an account without one.
async fn member_actor(state: &AppState, visitor: &Visitor) -> Result<(String, i64)> {
    let account = visitor.account().ok_or(Error::NotFound)?;
    let actor = crate::federation::members::actor_of(state, account.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((actor.id.to_string(), actor.local_actor_id))
}

/// The RSVP box of `publication`'s page (an event that takes participants here), for
/// `visitor`.
pub async fn view(
    state: &AppState,
    t: &Translator,
    publication: &Publication,
    visitor: &Visitor,
) -> Result<Option<RsvpView>> {
    let Details::Event(details) = &publication.draft.details else {
        return Ok(None);
    };
    if !JoinMode::parse(&details.join_mode).takes_participants() {
        return Ok(None);
    }
    let (counts, closed) =
        participation::counts_and_closed(state.db(), publication.publication_id).await?;
    let rules = Rules::of(details, closed, Utc::now());
    let path = state
        .urls()
        .publication(Kind::Event, &publication.public_id)
        .path()
        .to_string();
    let mut view = RsvpView {
        counts: counts_line(t, details, &counts),
        mine: None,
        button: None,
        note: None,
        action: format!("{path}/rsvp"),
        csrf: visitor.csrf().to_string(),
        login: None,
        organizer: None,
        others: Vec::new(),
        more: None,
    };
    let Some(account) = visitor.account() else {
        if !rules.closed && !rules.ended {
            view.login = Some(format!("/login?next={}", urlencoding(&path)));
        }
        return Ok(Some(view));
    };
    if account.role.can_publish() {
        view.organizer = Some(format!("{path}/participants"));
    }
    let (actor, _) = member_actor(state, visitor).await?;
    let mine = participation::of_participant(state.db(), publication.publication_id, &actor)
        .await?
        .filter(|found| found.status().is_active());
    if let Some(mine) = mine {
        view.mine = Some(t.t(&format!("rsvp-you-{}", mine.status().as_str())));
        view.button = Some(("leave", t.t("rsvp-cancel")));
        if details.participants_visible && mine.status() == Status::Going {
            let (others, more) = others_going(state, publication.publication_id, &actor).await?;
            view.others = others;
            view.more =
                (more > 0).then(|| t.t1("rsvp-others-more", "count", &t.digits(&more.to_string())));
        }
        return Ok(Some(view));
    }
    if rules.ended {
        view.note = Some(t.t("rsvp-over"));
    } else if rules.closed {
        view.note = Some(t.t("rsvp-closed"));
    } else if rules.join_mode == JoinMode::Restricted {
        view.button = Some(("join", t.t("rsvp-request")));
    } else if rules.has_room(counts.going) {
        view.button = Some(("join", t.t("rsvp-going")));
    } else if rules.waiting_list {
        view.button = Some(("join", t.t("rsvp-wait")));
    } else {
        view.note = Some(t.t("rsvp-full-note"));
    }
    Ok(Some(view))
}

/// The names of those who go to `publication_id` other than `actor` (at most
/// [`OTHERS_SHOWN`], in the order they joined), and how many more go.
async fn others_going(
    state: &AppState,
    publication_id: i64,
    actor: &str,
) -> Result<(Vec<String>, usize)> {
    let going: Vec<Participation> = participation::of_event(state.db(), publication_id)
        .await?
        .into_iter()
        .filter(|found| found.status() == Status::Going && found.participant_ap_id != actor)
        .collect();
    let more = going.len().saturating_sub(OTHERS_SHOWN);
    let shown = &going[..going.len().min(OTHERS_SHOWN)];
    let names = who(state, shown).await?;
    Ok((names.into_iter().map(|(name, _, _)| name).collect(), more))
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `POST /events/{id}/rsvp`: the logged-in member takes part (`action=join`) or cancels
/// (`action=leave`).
pub async fn rsvp(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path(public_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let (event, details) = our_event(&state, &public_id).await?;
    let (actor, local_actor_id) = member_actor(&state, &visitor).await?;
    let now = Utc::now();
    let mut tx = state.db().begin_write().await?;
    match values.get("action") {
        "join" => {
            let join_id = state.urls().publication_activity(
                Kind::Event,
                &public_id,
                &format!("join-{:032x}", rand::random::<u128>()),
            );
            let asking = Asking {
                participant_ap_id: &actor,
                local_actor_id: Some(local_actor_id),
                join_ap_id: join_id.as_str(),
                message: values.get("message"),
            };
            let joined =
                participation::join(&mut tx, event.publication_id, &details, &asking, now).await?;
            if joined == Joined::NotHere {
                return Err(Error::Forbidden(
                    "this event takes no registrations here".to_string(),
                ));
            }
        }
        "leave" => {
            let left =
                participation::leave(&mut tx, event.publication_id, &details, &actor, now).await?;
            rsvp::accept_promoted(&state, &mut tx, &public_id, &left.promoted).await?;
        }
        _ => {
            return Err(FieldError::of("action", Reason::OneOf)
                .with("choices", "join, leave")
                .into());
        }
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    state.documents().forget_object(Kind::Event, &public_id);
    let page = state.urls().publication(Kind::Event, &public_id);
    Ok(Redirect::to(&format!("{}#rsvp", page.path())).into_response())
}

/// One participant as organizers see them.
#[derive(Debug, Clone)]
pub struct ParticipantRow {
    pub participation_id: i64,
    pub name: String,
    pub handle: String,
    /// Their profile: a member's page here, or their actor on its server.
    pub link: String,
    pub when: String,
    pub status: &'static str,
    pub status_label: String,
    pub message: String,
    pub local: bool,
}

#[derive(Template)]
#[template(path = "participants.html")]
struct ParticipantsPage {
    frame: Frame,
    title: String,
    event: String,
    counts: String,
    rows: Vec<ParticipantRow>,
    closed: bool,
    csrf: String,
    base: String,
    /// A message was just sent.
    sent: bool,
}
framed!(ParticipantsPage);

/// `?sent=1` after a message.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ParticipantsQuery {
    sent: Option<String>,
}

/// Who each of `participations` is, as organizers see them: name, handle and link, in order.
async fn who(
    state: &AppState,
    participations: &[Participation],
) -> Result<Vec<(String, String, String)>> {
    let people: Vec<(&str, Option<i64>)> = participations
        .iter()
        .map(|found| (found.participant_ap_id.as_str(), found.local_actor_id))
        .collect();
    Ok(super::people::who(state, &people)
        .await?
        .into_iter()
        .map(|shown| (shown.name, shown.handle, shown.link))
        .collect())
}

async fn rows(
    state: &AppState,
    t: &Translator,
    event: &Publication,
) -> Result<Vec<ParticipantRow>> {
    let everyone = participation::of_event(state.db(), event.publication_id).await?;
    let names = who(state, &everyone).await?;
    Ok(everyone
        .into_iter()
        .zip(names)
        .map(|(found, (name, handle, link))| ParticipantRow {
            participation_id: found.participation_id,
            name,
            handle,
            link,
            when: t.date(&found.created_at.fixed_offset()),
            status: found.status().as_str(),
            status_label: t.t(&format!("rsvp-status-{}", found.status().as_str())),
            local: found.local_actor_id.is_some(),
            message: found.message,
        })
        .collect())
}

/// `GET /events/{id}/participants`: the organizers' list.
pub async fn participants(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path(public_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<ParticipantsQuery>,
) -> Result<Response> {
    let t = frame.t;
    let (event, details) = our_event(&state, &public_id).await?;
    let counts = participation::counts(state.db(), event.publication_id).await?;
    let base = state
        .urls()
        .publication(Kind::Event, &public_id)
        .path()
        .to_string();
    let title = event
        .text_in(t.language.code())
        .map(|text| text.title.clone())
        .unwrap_or_default();
    let page = ParticipantsPage {
        title: t.t1(
            "rsvp-participants-of",
            "title",
            &format!("\u{2068}{title}\u{2069}"),
        ),
        event: base.clone(),
        counts: format!(
            "{} · {} · {}",
            counts_line(&t, &details, &counts),
            t.t1(
                "rsvp-pending-count",
                "count",
                &t.digits(&counts.pending.to_string())
            ),
            t.t1(
                "rsvp-waiting-count",
                "count",
                &t.digits(&counts.waiting.to_string())
            ),
        ),
        rows: rows(&state, &t, &event).await?,
        closed: participation::is_closed(state.db(), event.publication_id).await?,
        csrf: visitor.csrf().to_string(),
        base,
        sent: query.sent.is_some(),
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /events/{id}/participants/{participation}`: approve or decline.
pub async fn decide(
    State(state): State<AppState>,
    Publisher(visitor): Publisher,
    Path((public_id, participation_id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let verdict = match values.get("decision") {
        "approve" => Verdict::Approve,
        "decline" => Verdict::Decline,
        _ => {
            return Err(FieldError::of("decision", Reason::OneOf)
                .with("choices", "approve, decline")
                .into());
        }
    };
    let (event, details) = our_event(&state, &public_id).await?;
    let mut tx = state.db().begin_write().await?;
    let decided = participation::decide_on(
        &mut tx,
        event.publication_id,
        &details,
        participation_id,
        verdict,
        Utc::now(),
    )
    .await?;
    let answer = match decided.participation.status() {
        Status::Going => Some(Answer::Accept),
        Status::Declined => Some(Answer::Reject),
        _ => None,
    };
    if let Some(answer) = answer {
        rsvp::answer_each(
            &state,
            &mut tx,
            &public_id,
            answer,
            std::slice::from_ref(&decided.participation),
        )
        .await?;
    }
    rsvp::accept_promoted(&state, &mut tx, &public_id, &decided.promoted).await?;
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(Redirect::to(&format!("/events/{public_id}/participants")).into_response())
}

/// `POST /events/{id}/participants/message`: a message to everyone taking part.
pub async fn message(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path(public_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let (event, _) = our_event(&state, &public_id).await?;
    match rsvp::message_participants(
        &state,
        event.publication_id,
        &public_id,
        values.get("message"),
    )
    .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/events/{public_id}/participants?sent=1")).into_response())
        }
        Err(Error::Invalid(errors)) => {
            let t = frame.t;
            let reason = errors
                .first()
                .map(|error| crate::web::forms::say(&t, error))
                .unwrap_or_default();
            Err(Error::BadRequest(reason))
        }
        Err(other) => Err(other),
    }
}

/// `POST /events/{id}/registrations`: close (`closed=1`) or open them again.
pub async fn registrations(
    State(state): State<AppState>,
    Publisher(visitor): Publisher,
    Path(public_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let (event, _) = our_event(&state, &public_id).await?;
    participation::set_closed(
        state.db(),
        event.publication_id,
        values.get("closed") == "1",
    )
    .await?;
    Ok(Redirect::to(&format!("/events/{public_id}/participants")).into_response())
}

/// A CSV field, quoted, with formulas defused (a leading `=`, `+`, `-` or `@` would run in a
/// spreadsheet).
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `GET /events/{id}/participants.csv`: the list for a spreadsheet.
pub async fn participants_csv(
    State(state): State<AppState>,
    Publisher(_visitor): Publisher,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let (event, _) = our_event(&state, &public_id).await?;
    let mut csv = String::from("name,handle,profile,status,since,message\r\n");
    let everyone = participation::of_event(state.db(), event.publication_id).await?;
    let names = who(&state, &everyone).await?;
    for (found, (name, handle, link)) in everyone.iter().zip(names) {
        let profile = if found.local_actor_id.is_some() {
            state
                .urls()
                .base()
                .join(&link)
                .map(|url| url.to_string())
                .unwrap_or(link)
        } else {
            link
        };
        let fields = [
            name,
            // Without its leading `@`, which a spreadsheet would read as a formula.
            handle.trim_start_matches('@').to_string(),
            profile,
            found.status().as_str().to_string(),
            found
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            found.message.clone(),
        ];
        csv.push_str(
            &fields
                .iter()
                .map(|field| csv_field(field))
                .collect::<Vec<_>>()
                .join(","),
        );
        csv.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"participants-{public_id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// The RSVP box of a network event (one that takes participants on its own server), for
/// `visitor`: its counts as its server says, the member's request and its answer, and the
/// button that sends their `Join` or `Leave`.
pub async fn network_view(
    state: &AppState,
    t: &Translator,
    item: &RemotePublication,
    id: i64,
    visitor: &Visitor,
) -> Result<Option<RsvpView>> {
    let details = &item.details;
    let takes_part = matches!(details.join_mode.as_deref(), Some("free" | "restricted"));
    if item.kind != Kind::Event || !takes_part {
        return Ok(None);
    }
    let going = details
        .participant_count
        .map(|count| t.t1("rsvp-going-count", "count", &t.digits(&count.to_string())));
    let left = details.remaining_capacity.map(|left| {
        if left == 0 {
            t.t("rsvp-full")
        } else {
            t.t1("rsvp-places-left", "count", &t.digits(&left.to_string()))
        }
    });
    let mut view = RsvpView {
        counts: going
            .into_iter()
            .chain(left)
            .collect::<Vec<_>>()
            .join(" · "),
        mine: None,
        button: None,
        note: None,
        action: format!("/network/{id}/rsvp"),
        csrf: visitor.csrf().to_string(),
        login: None,
        organizer: None,
        others: Vec::new(),
        more: None,
    };
    let over = item.ends_at.is_some_and(|ends| ends <= Utc::now());
    let Some(account) = visitor.account() else {
        if !over {
            view.login = Some(format!(
                "/login?next={}",
                urlencoding(&format!("/network/{id}"))
            ));
        }
        return Ok(Some(view));
    };
    let Some(actor) = crate::federation::members::actor_of(state, account.account_id).await? else {
        return Ok(Some(view));
    };
    let mine = attending::find(state.db(), actor.local_actor_id, &item.ap_id).await?;
    match mine.as_ref().map(attending::Attending::standing) {
        Some(Standing::Pending) => {
            view.mine = Some(t.t("rsvp-you-asked"));
            view.button = Some(("leave", t.t("rsvp-cancel")));
        }
        Some(Standing::Going) => {
            view.mine = Some(t.t("rsvp-you-going"));
            view.button = Some(("leave", t.t("rsvp-cancel")));
        }
        Some(Standing::Declined) => view.mine = Some(t.t("rsvp-you-declined")),
        Some(Standing::Cancelled) | None if over => view.note = Some(t.t("rsvp-over")),
        Some(Standing::Cancelled) | None => {
            let label = if details.join_mode.as_deref() == Some("restricted") {
                "rsvp-request"
            } else {
                "rsvp-going"
            };
            view.button = Some(("join", t.t(label)));
        }
    }
    Ok(Some(view))
}

/// `POST /network/{id}/rsvp`: the logged-in member asks to take part in a network event
/// (`action=join`, a `Join` from their actor to its organizer) or leaves it (`action=leave`).
pub async fn network_rsvp(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let item = crate::domain::network::by_id(state.db(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if item.kind != Kind::Event {
        return Err(Error::NotFound);
    }
    let account = visitor.account().ok_or(Error::NotFound)?;
    let member = crate::federation::members::actor_of(&state, account.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    match values.get("action") {
        "join" => rsvp::join_remote(&state, &member, &item).await?,
        "leave" => rsvp::leave_remote(&state, &member, &item).await?,
        _ => {
            return Err(FieldError::of("action", Reason::OneOf)
                .with("choices", "join, leave")
                .into());
        }
    }
    Ok(Redirect::to(&format!("/network/{id}#rsvp")).into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Amaka \"Ama\" O."), "\"Amaka \"\"Ama\"\" O.\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
        assert_eq!(csv_field("@bob@peer.test"), "\"'@bob@peer.test\"");
    }
}
