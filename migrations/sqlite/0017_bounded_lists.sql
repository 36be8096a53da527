-- Lists, the calendar and the feeds cost what they show, not what is stored (issue 13).

-- An event longer than a week is a long one (`domain::publication::LONG_EVENT`). The events
-- running at a moment are the short ones that started in the week before it, found on the
-- index by start, and the long ones, found on an index of their own by end; so neither the
-- events list nor the calendar walks every past or future event.
alter table publication add column long_event boolean not null default false;
alter table remote_publication add column long_event boolean not null default false;
update publication set long_event = true
    where kind = 'event' and julianday(ends_at) - julianday(starts_at) > 7;
update remote_publication set long_event = true
    where kind = 'event' and julianday(ends_at) - julianday(starts_at) > 7;
-- Ours by kind and start, as the network's (the index by start alone, of events only, lost
-- to the index by kind and publication time in SQLite's planner, which then sorted every
-- event).
drop index publication_starts;
create index publication_kind_starts on publication (kind, starts_at)
    where deleted_at is null;
create index publication_long_events on publication (kind, ends_at)
    where deleted_at is null and long_event;
create index remote_publication_long_events on remote_publication (kind, ends_at)
    where deleted_at is null and long_event;

-- A feed's validator (`ETag`, `Last-Modified`) is the newest change to what feeds show: our
-- publications' `updated_at` (a delete sets it too), the network's `received_at` (a delete
-- sets it too) and the organizers' `fetched_at`; each read as the last entry of an index.
create index publication_updated on publication (updated_at);
create index remote_publication_received on remote_publication (received_at);
create index remote_actor_fetched on remote_actor (fetched_at);
