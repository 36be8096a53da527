-- no-transaction
-- Every actor of ours is a row of local_actor: the organization and the instance actor today,
-- members (person, member organization) and discussion groups next. The row holds the actor's
-- profile too (a display name and a plain-text summary), so that an actor document is built
-- from its row, whatever its kind.
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt (the documented
-- twelve-step way): foreign keys are off while the tables that point at local_actor keep their
-- references by name, and the rebuild is one transaction.
--
-- received_activity now remembers what each activity was (its type, actor and object), so that
-- an Undo or a Delete that names an activity only by its id resolves to what it undoes.
pragma foreign_keys = off;
begin;
create table local_actor_new (
    local_actor_id integer primary key,
    username text not null unique,
    kind text not null check (kind in ('organization', 'application', 'person', 'group')),
    display_name text not null default '',
    summary text not null default '',
    public_key_pem text not null,
    private_key_pem text not null,
    created_at text not null,
    icon_image text,
    icon_source text,
    header_image text,
    header_source text
);
insert into local_actor_new (local_actor_id, username, kind, public_key_pem, private_key_pem,
        created_at, icon_image, icon_source, header_image, header_source)
    select local_actor_id, username, kind, public_key_pem, private_key_pem, created_at,
        icon_image, icon_source, header_image, header_source
    from local_actor;
drop table local_actor;
alter table local_actor_new rename to local_actor;

alter table received_activity add column activity_type text;
alter table received_activity add column actor_ap_id text;
alter table received_activity add column object_ap_id text;
commit;
pragma foreign_keys = on;
