//! Who attends our events (RSVP): members of this website and people on other servers, each a
//! `participation` row of one event with a status, and what an organizer set for the event's
//! registrations (`event_registration`: closed or not, and whether its counts changed since
//! the event was last sent to followers).
//!
//! The rules ([`decide`]): an event whose registration is elsewhere or not needed takes no
//! participants; a closed or finished one refuses; "the organizer accepts each participant"
//! holds every request for an organizer; otherwise a place is given while there is one, then
//! the waiting list if the event has one, else a refusal. A place that frees goes to the first
//! on the waiting list.
//!
//! Invariants: every change to one event's participants runs in a transaction that first
//! takes that event's lock ([`lock`]: a row lock on PostgreSQL, which two processes share;
//! SQLite's write transactions are one at a time anyway), and counts places inside it, so the
//! capacity is never exceeded, whatever the number of servers and processes. A participant
//! has one row per event, found by who they are or by the id of their last `Join`.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::domain::event::EventDetails;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a participant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A place is theirs.
    Going,
    /// Waiting for an organizer's decision.
    Pending,
    /// On the waiting list of a full event.
    Waiting,
    /// Refused: full, closed, or by an organizer.
    Declined,
    /// They left.
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Going,
        Status::Pending,
        Status::Waiting,
        Status::Declined,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Going => "going",
            Status::Pending => "pending",
            Status::Waiting => "waiting",
            Status::Declined => "declined",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    /// Still taking part, or asking to: going, pending or waiting.
    pub fn is_active(self) -> bool {
        matches!(self, Status::Going | Status::Pending | Status::Waiting)
    }
}

/// How people take part in an event (its `join_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinMode {
    /// Anyone may come, while there is room.
    Free,
    /// The organizer accepts each participant.
    Restricted,
    /// Registration is elsewhere (a link).
    External,
    /// No registration.
    None,
}

impl JoinMode {
    pub fn parse(text: &str) -> JoinMode {
        match text {
            "restricted" => JoinMode::Restricted,
            "external" => JoinMode::External,
            "none" => JoinMode::None,
            _ => JoinMode::Free,
        }
    }

    /// Whether this website takes participants (not elsewhere, not without registration).
    pub fn takes_participants(self) -> bool {
        matches!(self, JoinMode::Free | JoinMode::Restricted)
    }
}

/// What decides a new participant's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub join_mode: JoinMode,
    pub capacity: Option<u32>,
    pub waiting_list: bool,
    /// An organizer closed registrations.
    pub closed: bool,
    /// The event is over.
    pub ended: bool,
}

impl Rules {
    /// The rules of `details` at `now`, with registrations `closed` or not.
    pub fn of(details: &EventDetails, closed: bool, now: DateTime<Utc>) -> Rules {
        Rules {
            join_mode: JoinMode::parse(&details.join_mode),
            capacity: details.capacity,
            waiting_list: details.waiting_list,
            closed,
            ended: crate::domain::event::ends_utc(details) <= now,
        }
    }

    /// Whether a place is free when `going` have one.
    pub fn has_room(&self, going: i64) -> bool {
        self.capacity
            .is_none_or(|capacity| going < i64::from(capacity))
    }
}

/// What a request to take part gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// This website takes no participants for it (registration elsewhere, or none).
    NotHere,
    /// Stored with this status.
    Status(Status),
}

/// What a new request to take part gets, when `going` have a place.
pub fn decide(rules: &Rules, going: i64) -> Decision {
    if !rules.join_mode.takes_participants() {
        return Decision::NotHere;
    }
    if rules.closed || rules.ended {
        return Decision::Status(Status::Declined);
    }
    if rules.join_mode == JoinMode::Restricted {
        return Decision::Status(Status::Pending);
    }
    if rules.has_room(going) {
        Decision::Status(Status::Going)
    } else if rules.waiting_list {
        Decision::Status(Status::Waiting)
    } else {
        Decision::Status(Status::Declined)
    }
}

/// One participant of one event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Participation {
    pub participation_id: i64,
    pub publication_id: i64,
    /// Their actor's id (a member's actor here, or a remote one).
    pub participant_ap_id: String,
    /// A member's actor row; `None` for a remote participant.
    pub local_actor_id: Option<i64>,
    /// The id of their last `Join` (minted here for a member).
    pub join_ap_id: String,
    #[sqlx(try_from = "String")]
    pub status: StatusText,
    /// What they wrote with their request (plain text, bounded).
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored status (an unknown one, a newer version's, reads as cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusText(pub Status);

impl From<String> for StatusText {
    fn from(text: String) -> Self {
        StatusText(Status::parse(&text).unwrap_or(Status::Cancelled))
    }
}

impl Participation {
    pub fn status(&self) -> Status {
        self.status.0
    }
}

const COLUMNS: &str = "participation_id, publication_id, participant_ap_id, local_actor_id, \
                       join_ap_id, status, message, created_at, updated_at";

/// The longest message kept with a request, in characters.
pub const MAX_MESSAGE: usize = 500;

/// Who asks to take part.
#[derive(Debug, Clone)]
pub struct Asking<'a> {
    pub participant_ap_id: &'a str,
    pub local_actor_id: Option<i64>,
    pub join_ap_id: &'a str,
    /// Plain text; cut to [`MAX_MESSAGE`].
    pub message: &'a str,
}

/// Takes the lock of event `publication_id`'s participants for the rest of `tx`.
pub async fn lock(tx: &mut Tx, publication_id: i64) -> Result<()> {
    let sql = "insert into event_registration (publication_id) values ($1) \
               on conflict (publication_id) do nothing";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    if let Tx::Postgres(_) = tx {
        let sql = "select publication_id from event_registration where publication_id = $1 \
                   for update";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(publication_id)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// Whether an organizer closed registrations of `publication_id`.
pub async fn is_closed(db: &Db, publication_id: i64) -> Result<bool> {
    let sql = "select closed_at is not null from event_registration where publication_id = $1";
    let closed: Option<bool> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(publication_id)
        .fetch_optional(pool)
        .await)?;
    Ok(closed.unwrap_or(false))
}

async fn closed_in(tx: &mut Tx, publication_id: i64) -> Result<bool> {
    let sql = "select closed_at is not null from event_registration where publication_id = $1";
    let closed: Option<bool> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(publication_id)
        .fetch_optional(conn)
        .await)?;
    Ok(closed.unwrap_or(false))
}

async fn going_in(tx: &mut Tx, publication_id: i64) -> Result<i64> {
    let sql = "select count(*) from participation where publication_id = $1 and status = 'going'";
    Ok(with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(publication_id)
        .fetch_one(conn)
        .await)?)
}

/// One participant of one event (`$1`, `$2`).
fn participant_sql() -> String {
    format!(
        "select {COLUMNS} from participation where publication_id = $1 and participant_ap_id = $2"
    )
}

async fn find_in(
    tx: &mut Tx,
    publication_id: i64,
    participant_ap_id: &str,
) -> Result<Option<Participation>> {
    let sql = participant_sql();
    Ok(with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(publication_id)
    .bind(participant_ap_id)
    .fetch_optional(conn)
    .await)?)
}

/// Marks the counts of `publication_id` changed at `now`: its `Update` is due.
async fn counts_changed(tx: &mut Tx, publication_id: i64, now: DateTime<Utc>) -> Result<()> {
    let sql = "update event_registration set counts_changed_at = $2 where publication_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// What a request to take part did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// The event takes no participants here.
    NotHere,
    /// The participant's row as it is now; `changed` when its status is new.
    Stored {
        participation: Participation,
        changed: bool,
    },
}

/// `asking` asks to take part in event `publication_id` under `rules`, in `tx` (which this
/// locks). Asking again while taking part keeps the status (and records the new Join's id, so
/// that the answer embeds it); asking again after leaving or a refusal is a new request.
pub async fn join(
    tx: &mut Tx,
    publication_id: i64,
    details: &EventDetails,
    asking: &Asking<'_>,
    now: DateTime<Utc>,
) -> Result<Joined> {
    lock(tx, publication_id).await?;
    let rules = Rules::of(details, closed_in(tx, publication_id).await?, now);
    let message: String = asking.message.trim().chars().take(MAX_MESSAGE).collect();
    let existing = find_in(tx, publication_id, asking.participant_ap_id).await?;
    if let Some(existing) = &existing
        && existing.status().is_active()
    {
        let sql = "update participation set join_ap_id = $1 where participation_id = $2";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(asking.join_ap_id)
            .bind(existing.participation_id)
            .execute(conn)
            .await
            .map(|_| ()))?;
        return Ok(Joined::Stored {
            participation: Participation {
                join_ap_id: asking.join_ap_id.to_string(),
                ..existing.clone()
            },
            changed: false,
        });
    }
    let status = match decide(&rules, going_in(tx, publication_id).await?) {
        Decision::NotHere => return Ok(Joined::NotHere),
        Decision::Status(status) => status,
    };
    let sql = format!(
        "insert into participation (publication_id, participant_ap_id, local_actor_id, \
         join_ap_id, status, message, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $7) \
         on conflict (publication_id, participant_ap_id) do update set \
         join_ap_id = excluded.join_ap_id, status = excluded.status, \
         message = excluded.message, created_at = excluded.created_at, \
         updated_at = excluded.updated_at \
         returning {COLUMNS}"
    );
    let participation: Participation =
        with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(publication_id)
            .bind(asking.participant_ap_id)
            .bind(asking.local_actor_id)
            .bind(asking.join_ap_id)
            .bind(status.as_str())
            .bind(&message)
            .bind(now)
            .fetch_one(conn)
            .await)?;
    if status.is_active() {
        counts_changed(tx, publication_id, now).await?;
    }
    Ok(Joined::Stored {
        participation,
        changed: true,
    })
}

/// What a participant's leaving did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Left {
    /// Their row before, if they were taking part.
    pub left: Option<Participation>,
    /// Those who moved up from the waiting list to the place it freed.
    pub promoted: Vec<Participation>,
}

/// `participant_ap_id` leaves event `publication_id`, in `tx` (which this locks); a place
/// they held goes to the first on the waiting list.
pub async fn leave(
    tx: &mut Tx,
    publication_id: i64,
    details: &EventDetails,
    participant_ap_id: &str,
    now: DateTime<Utc>,
) -> Result<Left> {
    lock(tx, publication_id).await?;
    let Some(existing) = find_in(tx, publication_id, participant_ap_id).await? else {
        return Ok(Left::default());
    };
    if !existing.status().is_active() {
        return Ok(Left::default());
    }
    set_status(tx, existing.participation_id, Status::Cancelled, now).await?;
    counts_changed(tx, publication_id, now).await?;
    let promoted = if existing.status() == Status::Going {
        move_up(tx, publication_id, details, now).await?
    } else {
        Vec::new()
    };
    Ok(Left {
        left: Some(existing),
        promoted,
    })
}

/// The participation whose last `Join` is `join_ap_id`.
pub async fn by_join_id(db: &Db, join_ap_id: &str) -> Result<Option<Participation>> {
    let sql = format!("select {COLUMNS} from participation where join_ap_id = $1");
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(join_ap_id)
    .fetch_optional(pool)
    .await)?)
}

/// `participant_ap_id`'s participation in event `publication_id`, if any.
pub async fn of_participant(
    db: &Db,
    publication_id: i64,
    participant_ap_id: &str,
) -> Result<Option<Participation>> {
    let sql = participant_sql();
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(publication_id)
    .bind(participant_ap_id)
    .fetch_optional(pool)
    .await)?)
}

async fn set_status(
    tx: &mut Tx,
    participation_id: i64,
    status: Status,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "update participation set status = $1, updated_at = $2 where participation_id = $3";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(status.as_str())
        .bind(now)
        .bind(participation_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Gives free places to the first on the waiting list; returns them (now going).
async fn move_up(
    tx: &mut Tx,
    publication_id: i64,
    details: &EventDetails,
    now: DateTime<Utc>,
) -> Result<Vec<Participation>> {
    let rules = Rules::of(details, closed_in(tx, publication_id).await?, now);
    let going = going_in(tx, publication_id).await?;
    let free = match rules.capacity {
        Some(capacity) => (i64::from(capacity) - going).max(0),
        None => i64::MAX,
    };
    if free == 0 || rules.ended {
        return Ok(Vec::new());
    }
    let sql = format!(
        "select {COLUMNS} from participation where publication_id = $1 and status = 'waiting' \
         order by created_at, participation_id limit $2"
    );
    let waiting: Vec<Participation> =
        with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(publication_id)
            .bind(free.min(1000))
            .fetch_all(conn)
            .await)?;
    let mut promoted = Vec::with_capacity(waiting.len());
    for participation in waiting {
        set_status(tx, participation.participation_id, Status::Going, now).await?;
        promoted.push(Participation {
            status: StatusText(Status::Going),
            updated_at: now,
            ..participation
        });
    }
    if !promoted.is_empty() {
        counts_changed(tx, publication_id, now).await?;
    }
    Ok(promoted)
}

/// An organizer's decision on a pending request (or on anyone taking part: declining a
/// participant who has a place frees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approve,
    Decline,
}

/// What an organizer's decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The participant as they are now (going, waiting or declined).
    pub participation: Participation,
    /// Those who moved up from the waiting list to a place the decision freed.
    pub promoted: Vec<Participation>,
}

/// An organizer approves or declines `participation_id` of event `publication_id`, in `tx`
/// (which this locks). Approving gives a place if one is free, else the waiting list (or 422
/// when the event has none); approving someone going changes nothing.
pub async fn decide_on(
    tx: &mut Tx,
    publication_id: i64,
    details: &EventDetails,
    participation_id: i64,
    verdict: Verdict,
    now: DateTime<Utc>,
) -> Result<Decided> {
    lock(tx, publication_id).await?;
    let sql = format!(
        "select {COLUMNS} from participation where participation_id = $1 and publication_id = $2"
    );
    let found: Option<Participation> =
        with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(participation_id)
            .bind(publication_id)
            .fetch_optional(conn)
            .await)?;
    let found = found.ok_or(Error::NotFound)?;
    let rules = Rules::of(details, false, now);
    let status = match (verdict, found.status()) {
        (Verdict::Approve, Status::Going) => Status::Going,
        (Verdict::Approve, _) if rules.has_room(going_in(tx, publication_id).await?) => {
            Status::Going
        }
        (Verdict::Approve, _) if rules.waiting_list => Status::Waiting,
        (Verdict::Approve, _) => {
            return Err(Error::Forbidden(
                "the event is full: free a place or raise its capacity first".to_string(),
            ));
        }
        (Verdict::Decline, _) => Status::Declined,
    };
    let mut promoted = Vec::new();
    if status != found.status() {
        set_status(tx, participation_id, status, now).await?;
        counts_changed(tx, publication_id, now).await?;
        if found.status() == Status::Going {
            promoted = move_up(tx, publication_id, details, now).await?;
        }
    }
    Ok(Decided {
        participation: Participation {
            status: StatusText(status),
            updated_at: now,
            ..found
        },
        promoted,
    })
}

/// Closes (or opens again) the registrations of event `publication_id`.
pub async fn set_closed(db: &Db, publication_id: i64, closed: bool) -> Result<()> {
    let mut tx = db.begin_write().await?;
    lock(&mut tx, publication_id).await?;
    let sql = "update event_registration set closed_at = $2 where publication_id = $1";
    with_tx!(&mut tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .bind(closed.then(Utc::now))
        .execute(conn)
        .await
        .map(|_| ()))?;
    tx.commit().await?;
    Ok(())
}

/// How many take part in an event, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub going: i64,
    pub pending: i64,
    pub waiting: i64,
}

/// The counts of event `publication_id` and whether its registrations are closed, in one
/// query (what its page's RSVP box needs).
pub async fn counts_and_closed(db: &Db, publication_id: i64) -> Result<(Counts, bool)> {
    let sql = "select \
               coalesce(sum(case when status = 'going' then 1 else 0 end), 0), \
               coalesce(sum(case when status = 'pending' then 1 else 0 end), 0), \
               coalesce(sum(case when status = 'waiting' then 1 else 0 end), 0), \
               exists (select 1 from event_registration r \
                       where r.publication_id = $1 and r.closed_at is not null) \
               from participation where publication_id = $1";
    let (going, pending, waiting, closed): (i64, i64, i64, bool) =
        with_pool!(db, |pool| sqlx::query_as(sql)
            .bind(publication_id)
            .fetch_one(pool)
            .await)?;
    Ok((
        Counts {
            going,
            pending,
            waiting,
        },
        closed,
    ))
}

/// The counts of event `publication_id`.
pub async fn counts(db: &Db, publication_id: i64) -> Result<Counts> {
    Ok(counts_and_closed(db, publication_id).await?.0)
}

/// Everyone who takes part or asked to in event `publication_id`, by when they asked.
pub async fn of_event(db: &Db, publication_id: i64) -> Result<Vec<Participation>> {
    let sql = format!(
        "select {COLUMNS} from participation where publication_id = $1 \
         order by created_at, participation_id limit 10000"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(publication_id)
    .fetch_all(pool)
    .await)?)
}

/// The events our actor `local_actor_id` takes part in or asked to, by when they asked.
pub async fn of_member(db: &Db, local_actor_id: i64) -> Result<Vec<Participation>> {
    let sql = format!(
        "select {COLUMNS} from participation where local_actor_id = $1 \
         and status in ('going', 'pending', 'waiting') \
         order by created_at desc, participation_id limit 500"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(local_actor_id)
    .fetch_all(pool)
    .await)?)
}

/// The events whose counts last changed at or before `settled` and were not sent since, with
/// when they changed: each is sent once its burst of changes has settled.
pub async fn changed_counts(db: &Db, settled: DateTime<Utc>) -> Result<Vec<(i64, DateTime<Utc>)>> {
    let sql = "select publication_id, counts_changed_at from event_registration \
               where counts_changed_at is not null \
               and (counts_sent_at is null or counts_sent_at < counts_changed_at) \
               and counts_changed_at <= $1 \
               order by counts_changed_at limit 100";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(settled)
        .fetch_all(pool)
        .await)?)
}

/// Marks the change of `publication_id`'s counts at `changed` sent, unless a later one was;
/// `true` if this call marked it (so that one process sends each change).
pub async fn counts_sent(tx: &mut Tx, publication_id: i64, changed: DateTime<Utc>) -> Result<bool> {
    let sql = "update event_registration set counts_sent_at = $2 \
               where publication_id = $1 and (counts_sent_at is null or counts_sent_at < $2)";
    let done = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .bind(changed)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(done == 1)
}

/// What an event's document says of its attendance (by default: nobody yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub counts: Counts,
    /// When its counts last changed (the document's `updated` is at least this).
    pub changed_at: Option<DateTime<Utc>>,
}

/// The attendance of event `publication_id`.
pub async fn attendance(db: &Db, publication_id: i64) -> Result<Attendance> {
    let sql = "select counts_changed_at from event_registration where publication_id = $1";
    let changed_at: Option<Option<DateTime<Utc>>> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(publication_id)
        .fetch_optional(pool)
        .await)?;
    Ok(Attendance {
        counts: counts(db, publication_id).await?,
        changed_at: changed_at.flatten(),
    })
}

/// The longest message to an event's participants, in characters.
pub const MAX_EVENT_MESSAGE: usize = 2000;

/// A message organizers sent to an event's participants.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventMessage {
    pub publication_id: i64,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// Checks a message to participants: plain text, not empty, at most [`MAX_EVENT_MESSAGE`].
pub fn check_message(body: &str) -> Result<String> {
    let mut check = crate::domain::validation::Check::default();
    let body = check.text("message", body, MAX_EVENT_MESSAGE);
    check.finish()?;
    Ok(body)
}

/// Records, in `tx`, that organizers sent `body` (checked) to event `publication_id`'s
/// participants as `ap_id`.
pub async fn record_message(
    tx: &mut Tx,
    publication_id: i64,
    ap_id: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let sql = "insert into event_message (publication_id, ap_id, body, sent_at) \
               values ($1, $2, $3, $4)";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .bind(ap_id)
        .bind(body)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Those who take part in, wait for or asked for a place at event `publication_id`: whom its
/// organizers' messages reach.
pub async fn active_of_event(tx: &mut Tx, publication_id: i64) -> Result<Vec<Participation>> {
    let sql = format!(
        "select {COLUMNS} from participation where publication_id = $1 \
         and status in ('going', 'pending', 'waiting') order by participation_id limit 10000"
    );
    Ok(with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(publication_id)
    .fetch_all(conn)
    .await)?)
}

/// The messages of the events our member `local_actor_id` takes part in, newest first.
pub async fn messages_for_member(db: &Db, local_actor_id: i64) -> Result<Vec<EventMessage>> {
    let sql = "select m.publication_id, m.body, m.sent_at from event_message m \
               join participation p on p.publication_id = m.publication_id \
               where p.local_actor_id = $1 and p.status in ('going', 'pending', 'waiting') \
               order by m.sent_at desc limit 50";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(local_actor_id)
        .fetch_all(pool)
        .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(join_mode: JoinMode, capacity: Option<u32>, waiting_list: bool) -> Rules {
        Rules {
            join_mode,
            capacity,
            waiting_list,
            closed: false,
            ended: false,
        }
    }

    #[test]
    fn a_request_gets_a_place_the_waiting_list_a_refusal_or_an_organizer() {
        let free = rules(JoinMode::Free, Some(2), false);
        assert_eq!(decide(&free, 0), Decision::Status(Status::Going));
        assert_eq!(decide(&free, 1), Decision::Status(Status::Going));
        assert_eq!(decide(&free, 2), Decision::Status(Status::Declined));
        let listed = rules(JoinMode::Free, Some(2), true);
        assert_eq!(decide(&listed, 2), Decision::Status(Status::Waiting));
        let unlimited = rules(JoinMode::Free, None, false);
        assert_eq!(
            decide(&unlimited, 1_000_000),
            Decision::Status(Status::Going)
        );
        let restricted = rules(JoinMode::Restricted, Some(1), false);
        assert_eq!(decide(&restricted, 5), Decision::Status(Status::Pending));
        for elsewhere in [JoinMode::External, JoinMode::None] {
            assert_eq!(decide(&rules(elsewhere, None, false), 0), Decision::NotHere);
        }
        let closed = Rules {
            closed: true,
            ..free
        };
        assert_eq!(decide(&closed, 0), Decision::Status(Status::Declined));
        let ended = Rules {
            ended: true,
            ..free
        };
        assert_eq!(decide(&ended, 0), Decision::Status(Status::Declined));
    }
}
