-- The network: organizations this one follows, what they publish, and replies to our
-- publications (comments) from anywhere on the fediverse.

-- Whom a local actor follows; `accepted_at` is set when the followed actor's Accept arrives.
create table following (
    following_id integer primary key,
    local_actor_id integer not null references local_actor (local_actor_id),
    target_ap_id text not null,
    target_inbox text not null,
    follow_activity_id text not null unique,
    created_at text not null,
    accepted_at text,
    unique (local_actor_id, target_ap_id)
);

-- Publications of followed actors (Article, Event, Page), as received and sanitized. One row
-- per object id; an Update replaces it if newer, a Delete erases it.
create table remote_publication (
    remote_publication_id integer primary key,
    ap_id text not null unique,
    actor_ap_id text not null,
    object_type text not null,
    name text not null,
    summary_html text not null,
    content_html text not null,
    url text not null,
    language text,
    starts_at text,
    ends_at text,
    published_at text not null,
    updated_at text not null,
    deleted_at text,
    received_at text not null
);
create index remote_publication_actor on remote_publication (actor_ap_id);
create index remote_publication_starts on remote_publication (starts_at) where deleted_at is null;

-- Replies to our publications, from any actor: sanitized, kept as comments.
create table comment (
    comment_id integer primary key,
    publication_id integer not null references publication (publication_id),
    ap_id text not null unique,
    actor_ap_id text not null,
    content_html text not null,
    url text,
    published_at text not null,
    updated_at text not null,
    deleted_at text,
    received_at text not null
);
create index comment_publication on comment (publication_id, published_at);
