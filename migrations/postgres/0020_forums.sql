-- Discussion forums (FEP-1b12): each forum is a `Group` actor of ours (its `local_actor` row,
-- kind 'group'), with its names and descriptions in several languages, its kind (a discussion
-- forum, or "Ask an expert") and who may post in it:
--   members    members of this website only (remote posts are refused)
--   followers  members, and remote actors who follow the forum
--   anyone     any remote actor too
create table forum (
    forum_id bigint generated always as identity primary key,
    local_actor_id bigint not null unique references local_actor (local_actor_id),
    kind text not null check (kind in ('discussion', 'questions')),
    posting text not null check (posting in ('members', 'followers', 'anyone')),
    -- {"en": {"name": …, "description": …}, "ar": …}
    texts text not null,
    created_at timestamptz not null
);

-- Threads and replies of our forums, ours and remote, one row each: a thread has no parent
-- (a `Page` with a title), a reply names its thread and what it answers (a `Note`).
-- `activity` is the Create as received (remote posts), which the group announces unchanged.
--   shown    on the forum and announced
--   removed  taken down by a moderator or deleted by its author (kept as a tombstone)
create table forum_post (
    forum_post_id bigint generated always as identity primary key,
    public_id text not null unique,
    forum_id bigint not null references forum (forum_id),
    ap_id text not null unique,
    thread_id bigint references forum_post (forum_post_id),
    in_reply_to text,
    author_ap_id text not null,
    -- A member's actor, or null for a remote author.
    local_actor_id bigint references local_actor (local_actor_id),
    title text not null default '',
    content_html text not null,
    language text,
    url text,
    status text not null check (status in ('shown', 'removed')),
    activity text,
    reply_count bigint not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    last_activity_at timestamptz not null
);
create index forum_post_threads on forum_post (forum_id, last_activity_at) where thread_id is null;
create index forum_post_replies on forum_post (thread_id, created_at) where thread_id is not null;
