-- Forum moderation: who moderates each forum (members' actors, listed in the group's
-- `attributedTo`), and threads locked (no more replies) or pinned (the group's `featured`).
create table forum_moderator (
    forum_id bigint not null references forum (forum_id),
    local_actor_id bigint not null references local_actor (local_actor_id),
    created_at timestamptz not null,
    primary key (forum_id, local_actor_id)
);

alter table forum_post add column locked_at timestamptz;
alter table forum_post add column pinned_at timestamptz;
create index forum_post_pinned on forum_post (forum_id, pinned_at) where pinned_at is not null;
