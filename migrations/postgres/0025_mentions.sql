-- A member is told when a forum post mentions them: notifications gain the kind `mention`.
alter table notification drop constraint notification_kind_check;
alter table notification add constraint notification_kind_check
    check (kind in ('reply', 'accepted', 'question', 'mention'));
