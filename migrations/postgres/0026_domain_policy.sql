-- What this instance does with other servers (block, limit, allow), decided by its admins, and
-- a counter every change bumps, which each process polls to reload its copy.
create table domain_policy (
    domain text primary key,
    severity text not null check (severity in ('block', 'limit', 'allow')),
    reject_media boolean not null default false,
    reject_reports boolean not null default false,
    public_comment text not null default '',
    private_comment text not null default '',
    obfuscate boolean not null default false,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create table policy_version (
    name text primary key,
    version bigint not null
);
insert into policy_version (name, version) values ('domains', 0);

-- Every moderation action: who did it (an account, or the command line), when, what, to
-- what, and why.
create table audit_log (
    audit_id bigint generated always as identity primary key,
    at timestamptz not null,
    account_id bigint references account (account_id),
    actor_label text not null,
    action text not null,
    target text not null,
    reason text not null default '',
    details text not null default '{}'
);
create index audit_log_at on audit_log (at);

-- Network content kept but not shown: its domain is limited.
alter table remote_publication add column hidden_at timestamptz;
