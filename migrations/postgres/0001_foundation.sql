-- The foundation: the actors this instance speaks for, the remote actors it knows, who follows
-- whom, which activities were already received, and the outgoing delivery queue.
-- Conventions (both backends): singular table names, <table>_id keys, timestamps in UTC
-- (timestamptz), ActivityPub ids as text.

-- Actors of this instance (the organization, the instance actor) and their RSA-2048 keys,
-- made once at first start and kept forever: peers cache them.
create table local_actor (
    local_actor_id bigint generated always as identity primary key,
    username text not null unique,
    kind text not null check (kind in ('organization', 'application')),
    public_key_pem text not null,
    private_key_pem text not null,
    created_at timestamptz not null
);

-- Actors of other servers, as last fetched: where to deliver to them and how to check their
-- signatures.
create table remote_actor (
    remote_actor_id bigint generated always as identity primary key,
    ap_id text not null unique,
    actor_type text not null,
    username text,
    inbox text not null,
    shared_inbox text,
    public_key_id text not null,
    public_key_pem text not null,
    fetched_at timestamptz not null
);

-- Who follows a local actor. The Follow's id is kept so that an Undo naming only it matches.
create table follower (
    follower_id bigint generated always as identity primary key,
    local_actor_id bigint not null references local_actor (local_actor_id),
    actor_ap_id text not null,
    inbox text not null,
    shared_inbox text,
    follow_activity_id text not null,
    created_at timestamptz not null,
    unique (local_actor_id, actor_ap_id)
);

-- Ids of incoming activities already processed: replays and redeliveries are ignored.
create table received_activity (
    ap_id text primary key,
    received_at timestamptz not null
);

-- Outgoing activities waiting to be sent: one row per target inbox, signed at sending time.
-- A row is claimed by setting claimed_until (a lease), deleted when delivered, and marked
-- failed_at when given up.
create table delivery (
    delivery_id bigint generated always as identity primary key,
    activity_id text not null,
    activity text not null,
    local_actor_id bigint not null references local_actor (local_actor_id),
    inbox text not null,
    inbox_host text not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    claimed_until timestamptz,
    last_error text,
    failed_at timestamptz,
    created_at timestamptz not null
);
create index delivery_due on delivery (next_attempt_at) where failed_at is null;
