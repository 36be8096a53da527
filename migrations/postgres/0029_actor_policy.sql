-- Accounts a moderator suspended or limited on this instance: one of our members' actors, or
-- another server's. Every change bumps `policy_version`, as domain policies do, so that each
-- process reloads what it keeps in memory.
create table actor_policy (
    actor_ap_id text primary key,
    severity text not null check (severity in ('suspend', 'limit')),
    reason text not null default '',
    created_at timestamptz not null,
    updated_at timestamptz not null
);

-- Content hidden because its author is suspended, kept to be shown again when the suspension
-- is lifted: a reply's status before (`shown` or `held`), a forum post's and a network item's
-- time of suspension.
alter table comment add column suspended_from text;
alter table forum_post add column suspended_at timestamptz;
alter table remote_publication add column suspended_at timestamptz;

-- The reports filed in the last hour, counted against the website's bounds.
create index report_created on report (created_at);
