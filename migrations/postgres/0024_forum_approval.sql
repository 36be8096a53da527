-- A forum may hold posts from other servers until a moderator approves them (the moderation
-- queue of `/admin/replies`): a held post is stored but neither shown nor announced.
alter table forum add column hold_remote boolean not null default false;
alter table forum_post add column held_at timestamptz;
create index forum_post_held on forum_post (held_at) where held_at is not null;
