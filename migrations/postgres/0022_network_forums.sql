-- Forums of other servers that this instance follows (a Jisr forum, a Lemmy community): a
-- forum row with no actor of ours, named by its group's id, its path (`/forums/{slug}`)
-- `name@host`, its names and description as its group says. Their posts are forum_post
-- rows like ours, as the group announces them.
alter table forum alter column local_actor_id drop not null;
alter table forum add column remote_ap_id text unique;
alter table forum add column slug text unique;
alter table forum add constraint forum_local_or_remote
    check ((local_actor_id is null) <> (remote_ap_id is null));
