-- A member is told when a forum post mentions them: notifications gain the kind `mention`.
-- SQLite cannot change a check constraint in place, so the table is made again.
create table notification_new (
    notification_id integer primary key,
    account_id integer not null references account (account_id),
    kind text not null check (kind in ('reply', 'accepted', 'question', 'mention')),
    forum_post_id integer not null references forum_post (forum_post_id),
    created_at text not null,
    read_at text
);
insert into notification_new (notification_id, account_id, kind, forum_post_id, created_at, read_at)
    select notification_id, account_id, kind, forum_post_id, created_at, read_at from notification;
drop table notification;
alter table notification_new rename to notification;
create index notification_unread on notification (account_id, created_at) where read_at is null;
