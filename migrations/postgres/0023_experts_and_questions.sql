-- Expert advice. A member declares the areas they advise on (our fixed list) and an admin
-- confirms them; a question (a thread of an "Ask an expert" forum) carries areas, may be
-- asked anonymously (shown as the forum's, its asker kept for moderators), and has at most
-- one accepted answer. Notifications on the website: replies to my threads, answers to my
-- questions, questions in my areas.
alter table account add column expert_areas text not null default '[]';
alter table account add column expert_confirmed_at timestamptz;

alter table forum_post add column areas text not null default '[]';
alter table forum_post add column accepted_answer text;
alter table forum_post add column asker_local_actor_id bigint references local_actor (local_actor_id);

create table notification (
    notification_id bigint generated always as identity primary key,
    account_id bigint not null references account (account_id),
    kind text not null check (kind in ('reply', 'accepted', 'question')),
    forum_post_id bigint not null references forum_post (forum_post_id),
    created_at timestamptz not null,
    read_at timestamptz
);
create index notification_unread on notification (account_id, created_at) where read_at is null;
