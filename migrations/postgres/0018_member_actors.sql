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
alter table local_actor drop constraint local_actor_kind_check;
alter table local_actor add constraint local_actor_kind_check
    check (kind in ('organization', 'application', 'person', 'member_organization', 'group'));
alter table local_actor add column account_id bigint unique references account (account_id);

alter table account add column languages text not null default '[]';
alter table account add column listed boolean not null default false;
alter table account add column discoverable boolean not null default false;
alter table account add column deleted_at timestamptz;
