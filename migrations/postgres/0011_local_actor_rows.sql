-- Every actor of ours is a row of local_actor: the organization and the instance actor today,
-- members (person, member organization) and discussion groups next. The row holds the actor's
-- profile too (a display name and a plain-text summary), so that an actor document is built
-- from its row, whatever its kind.
--
-- received_activity now remembers what each activity was (its type, actor and object), so that
-- an Undo or a Delete that names an activity only by its id resolves to what it undoes.
alter table local_actor drop constraint local_actor_kind_check;
alter table local_actor add constraint local_actor_kind_check
    check (kind in ('organization', 'application', 'person', 'group'));
alter table local_actor add column display_name text not null default '';
alter table local_actor add column summary text not null default '';

alter table received_activity add column activity_type text;
alter table received_activity add column actor_ap_id text;
alter table received_activity add column object_ap_id text;
