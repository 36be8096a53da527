-- no-transaction
-- Forums of other servers that this instance follows (a Jisr forum, a Lemmy community): a
-- forum row with no actor of ours, named by its group's id, its path (`/forums/{slug}`)
-- `name@host`, its names and description as its group says. Their posts are forum_post
-- rows like ours, as the group announces them.
--
-- SQLite cannot make a column nullable in place, so the table is rebuilt the documented way:
-- foreign keys off while forum_post and forum_moderator keep their references by name, and
-- the rebuild one transaction.
pragma foreign_keys = off;
begin;
create table forum_new (
    forum_id integer primary key,
    local_actor_id integer unique references local_actor (local_actor_id),
    remote_ap_id text unique,
    slug text unique,
    kind text not null check (kind in ('discussion', 'questions')),
    posting text not null check (posting in ('members', 'followers', 'anyone')),
    texts text not null,
    created_at text not null,
    check ((local_actor_id is null) <> (remote_ap_id is null))
);
insert into forum_new (forum_id, local_actor_id, kind, posting, texts, created_at)
    select forum_id, local_actor_id, kind, posting, texts, created_at from forum;
drop table forum;
alter table forum_new rename to forum;
commit;
pragma foreign_keys = on;
