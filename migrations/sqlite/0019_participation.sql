-- Who attends our events (RSVP): members of this website pressing "I'm going", and remote
-- actors whose `Join` reached us (Mobilizon, other Jisr instances). One row per event and
-- participant, found again by the Join's id (`Accept`/`Reject` embed it, and `Undo` and
-- Mobilizon's `Leave` may name it); a member's own Join id is minted here.
--   going      a place is theirs (Accepted)
--   pending    waiting for an organizer (join mode "restricted")
--   waiting    on the waiting list of a full event; moves up when a place frees
--   declined   refused (full, closed, or by an organizer)
--   cancelled  they left (`Leave`, `Undo{Join}`, or "Cancel" on the website)
create table participation (
    participation_id integer primary key,
    publication_id integer not null references publication (publication_id),
    participant_ap_id text not null,
    -- One of ours (a member's actor), or null for a remote actor.
    local_actor_id integer references local_actor (local_actor_id),
    join_ap_id text not null unique,
    status text not null check (status in ('going', 'pending', 'waiting', 'declined', 'cancelled')),
    message text not null default '',
    created_at text not null,
    updated_at text not null,
    unique (publication_id, participant_ap_id)
);
create index participation_event on participation (publication_id, status, created_at);
create index participation_member on participation (local_actor_id) where local_actor_id is not null;

-- What an organizer set for an event's registrations, when its counts last changed, and
-- which change its followers were last sent (the event's `Update` goes once a burst of Joins
-- has settled, and its `updated` is the last change).
create table event_registration (
    publication_id integer primary key references publication (publication_id),
    closed_at text,
    counts_changed_at text,
    counts_sent_at text
);
create index event_registration_unsent on event_registration (counts_changed_at)
    where counts_changed_at is not null
    and (counts_sent_at is null or counts_sent_at < counts_changed_at);

-- Our members taking part in other servers' events (a network item's page, "I'm going"): the
-- Join sent from the member's actor to the event's organizer, pending until its Accept or
-- Reject (matched by the Join's id), cancelled by our Leave.
create table remote_participation (
    remote_participation_id integer primary key,
    local_actor_id integer not null references local_actor (local_actor_id),
    event_ap_id text not null,
    organizer_ap_id text not null,
    join_ap_id text not null unique,
    status text not null check (status in ('pending', 'going', 'declined', 'cancelled')),
    created_at text not null,
    updated_at text not null,
    unique (local_actor_id, event_ap_id)
);

-- What organizers told an event's participants: sent to remote ones as a direct `Note`, shown
-- to our members on their account page.
create table event_message (
    event_message_id integer primary key,
    publication_id integer not null references publication (publication_id),
    ap_id text not null unique,
    body text not null,
    sent_at text not null
);
create index event_message_event on event_message (publication_id, sent_at);

-- A member's private calendar of the events they attend: the secret of its URL, hashed.
alter table account add column calendar_token_hash text;
