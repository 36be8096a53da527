-- Replies shown under our publications, threaded and moderated: what each reply answers (a
-- reply to a reply keeps the publication and names its parent), whether it is shown, held for
-- a moderator or hidden, and its language; the reply policy as changed on the website; the
-- authors a moderator approved; and the authors and domains a moderator blocked.

-- `in_reply_to`: the id of the reply it answers, null when it answers the publication itself.
alter table comment add column in_reply_to text;
-- `shown`, `held` (waiting for a moderator) or `hidden`. Replies kept before this migration
-- were never shown anywhere; they stay `held` for a moderator to decide.
alter table comment add column status text not null default 'held';
alter table comment add column language text;
create index comment_by_status on comment (status, received_at) where deleted_at is null;
create index comment_by_actor on comment (actor_ap_id);

-- Settings an admin changes on the website, overriding the configuration's default.
create table setting (
    name text primary key,
    value text not null,
    updated_at text not null
);

-- Authors whose replies a moderator approved: under the `followed` policy their next replies
-- are shown at once.
create table approved_author (
    actor_ap_id text primary key,
    approved_at text not null
);

-- Authors (`actor`, by id) and domains (`domain`, a host name) whose replies are not kept.
create table blocked (
    kind text not null check (kind in ('actor', 'domain')),
    value text not null,
    created_at text not null,
    primary key (kind, value)
);
