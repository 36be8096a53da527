-- Publishing: what the organization publishes (stories, events, opportunities, resources),
-- the editors' API tokens, and a delivery queue that stores each outgoing activity once.

-- One row per publication, whatever its kind; the kind's own fields are JSON in `details`.
-- A deleted publication keeps its row (its id is never reused) but loses its content.
create table publication (
    publication_id bigint generated always as identity primary key,
    public_id text not null unique,
    kind text not null check (kind in ('story', 'event', 'opportunity', 'resource')),
    default_language text not null,
    hashtags text not null,
    gcm_objectives text not null,
    countries_of_origin text not null,
    countries_of_residence text not null,
    details text not null,
    starts_at timestamptz,
    ends_at timestamptz,
    deadline timestamptz,
    published_at timestamptz not null,
    updated_at timestamptz not null,
    deleted_at timestamptz
);
create index publication_newest on publication (published_at) where deleted_at is null;
create index publication_kind_newest on publication (kind, published_at) where deleted_at is null;
create index publication_starts on publication (starts_at) where deleted_at is null and kind = 'event';

-- One row per language of a publication: title, summary, Markdown and its sanitized HTML.
create table publication_text (
    publication_id bigint not null references publication (publication_id),
    language text not null,
    title text not null,
    summary text not null,
    body_markdown text not null,
    body_html text not null,
    primary key (publication_id, language)
);

-- Bearer tokens of the editors' API, stored as SHA-256 hashes (the token is shown once).
create table api_token (
    api_token_id bigint generated always as identity primary key,
    name text not null,
    token_hash text not null unique,
    created_at timestamptz not null,
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- Every activity we send, stored once, whatever the number of inboxes it goes to.
create table outgoing_activity (
    outgoing_activity_id bigint generated always as identity primary key,
    ap_id text not null unique,
    local_actor_id bigint not null references local_actor (local_actor_id),
    body text not null,
    is_public boolean not null default false,
    created_at timestamptz not null
);

-- The delivery queue, now pointing at the stored activity instead of copying it.
create table delivery_new (
    delivery_id bigint generated always as identity primary key,
    outgoing_activity_id bigint not null references outgoing_activity (outgoing_activity_id),
    inbox text not null,
    inbox_host text not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    claimed_until timestamptz,
    last_error text,
    failed_at timestamptz,
    created_at timestamptz not null
);
insert into outgoing_activity (ap_id, local_actor_id, body, created_at)
    select activity_id, min(local_actor_id), min(activity), min(created_at)
    from delivery group by activity_id;
insert into delivery_new (delivery_id, outgoing_activity_id, inbox, inbox_host, attempts,
        next_attempt_at, claimed_until, last_error, failed_at, created_at)
    overriding system value
    select d.delivery_id, o.outgoing_activity_id, d.inbox, d.inbox_host, d.attempts,
        d.next_attempt_at, d.claimed_until, d.last_error, d.failed_at, d.created_at
    from delivery d join outgoing_activity o on o.ap_id = d.activity_id;
select setval(pg_get_serial_sequence('delivery_new', 'delivery_id'),
    coalesce(max(delivery_id), 0) + 1, false) from delivery_new;
drop table delivery;
alter table delivery_new rename to delivery;
create index delivery_due on delivery (next_attempt_at) where failed_at is null;
create index delivery_claimed on delivery (claimed_until) where claimed_until is not null;
create index delivery_activity on delivery (outgoing_activity_id);

-- Hosts that keep failing: retried as a whole, slowly, without holding up the others.
create table delivery_host (
    host text primary key,
    failures integer not null,
    next_attempt_at timestamptz not null,
    unreachable_since timestamptz not null,
    last_error text
);
