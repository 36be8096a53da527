-- no-transaction
-- Every active account is an actor of this instance: a `person` (an individual) or a
-- `member_organization` (an organization that registered as a member), on a local_actor row
-- that points back at its account. The row is made with the account and never deleted, so
-- that a username is never reused (peers keep the old actor's key); a disabled or deleted
-- account's actor answers 410.
--
-- A member chooses whether their profile is listed on the website (`listed`) and whether
-- other servers may suggest and index it (`discoverable`); both are off until they choose.
-- The languages they speak join the countries of their profile. A deleted account keeps its
-- row (and so its username) with its personal data erased.
--
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt as in 0011.
pragma foreign_keys = off;
begin;
create table local_actor_new (
    local_actor_id integer primary key,
    username text not null unique,
    kind text not null check (kind in
        ('organization', 'application', 'person', 'member_organization', 'group')),
    display_name text not null default '',
    summary text not null default '',
    public_key_pem text not null,
    private_key_pem text not null,
    created_at text not null,
    icon_image text,
    icon_source text,
    header_image text,
    header_source text,
    account_id integer unique references account (account_id)
);
insert into local_actor_new (local_actor_id, username, kind, display_name, summary,
        public_key_pem, private_key_pem, created_at, icon_image, icon_source, header_image,
        header_source)
    select local_actor_id, username, kind, display_name, summary, public_key_pem,
        private_key_pem, created_at, icon_image, icon_source, header_image, header_source
    from local_actor;
drop table local_actor;
alter table local_actor_new rename to local_actor;

alter table account add column languages text not null default '[]';
alter table account add column listed boolean not null default false;
alter table account add column discoverable boolean not null default false;
alter table account add column deleted_at text;
commit;
pragma foreign_keys = on;
