-- The keys remote actors list (`publicKey`: one, or several while a key is rotated), by key id.
-- A signature names its key (`keyId`), and the key leads to its actor: Mastodon's keys are
-- `<actor>#main-key`, GoToSocial's `<actor>/main-key`, so an actor cannot be found by cutting
-- the key id. A key id belongs to one actor; the actor's row owns its keys.
create table remote_actor_key (
    key_id text primary key,
    remote_actor_id integer not null references remote_actor (remote_actor_id) on delete cascade,
    public_key_pem text not null
);
create index remote_actor_key_by_actor on remote_actor_key (remote_actor_id);

insert into remote_actor_key (key_id, remote_actor_id, public_key_pem)
    select public_key_id, remote_actor_id, public_key_pem from remote_actor where true
    on conflict (key_id) do nothing;

alter table remote_actor drop column public_key_id;
alter table remote_actor drop column public_key_pem;
