-- Reports: what a visitor, a member or another server (a `Flag`) reported, why, and how a
-- moderator resolved it.
create table report (
    report_id bigint generated always as identity primary key,
    created_at timestamptz not null,
    -- Who reported: one of our accounts, a visitor, or another server's actor.
    reporter_account_id bigint references account (account_id),
    reporter_ap_id text,
    -- For a report from another server: its `Flag`'s id (once per id).
    flag_ap_id text unique,
    -- The actor reported, and the objects of theirs named (a JSON array of ids).
    target_actor text not null,
    objects text not null default '[]',
    -- What the first object is here: reply, forum_post, network_item, member, actor, publication.
    target_kind text not null,
    reason text not null check (reason in ('spam', 'harassment', 'hate', 'violence', 'illegal',
        'misinformation', 'other')),
    comment text not null default '',
    -- The reporter asked that it be sent on to the reported content's server.
    forward boolean not null default false,
    forwarded_at timestamptz,
    status text not null check (status in ('open', 'resolved')),
    resolved_at timestamptz,
    resolved_by bigint references account (account_id),
    resolution text,
    resolution_note text not null default ''
);
create index report_open on report (created_at) where status = 'open';
create index report_actor on report (target_actor);
