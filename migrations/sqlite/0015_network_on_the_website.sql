-- The network on the website: what lists need of the content of the organizations we follow,
-- who those organizations are, the state of our follows, and replies shown in threads under a
-- moderation policy.

-- Network content as one of our four kinds (`story`, `event`, `opportunity`, `resource`), its
-- deadline (an opportunity's), and everything else a card, a page, a filter or a feed shows of
-- it, as JSON (`domain::network::NetworkDetails`: other languages, the event's zone and place,
-- countries, objectives, hashtags, the image).
alter table remote_publication add column kind text not null default 'story';
alter table remote_publication add column deadline text;
alter table remote_publication add column details text not null default '{}';
update remote_publication set kind = case object_type
    when 'Event' then 'event' when 'Page' then 'opportunity' else 'story' end;
create index remote_publication_kind_newest on remote_publication (kind, published_at)
    where deleted_at is null;
create index remote_publication_kind_starts on remote_publication (kind, starts_at)
    where deleted_at is null;
create index remote_publication_kind_ends on remote_publication (kind, ends_at)
    where deleted_at is null;

-- What list filters look up for network content, one row per value: `country`, `objective`,
-- `language`, `hashtag` (lower-cased), and the kinds' own fields (`category`, `kind`, `remote`,
-- `year`, `topic`), stored as `domain::publication::index` stores ours.
create table remote_publication_facet (
    remote_publication_id integer not null references remote_publication (remote_publication_id),
    facet text not null,
    value text not null,
    primary key (remote_publication_id, facet, value)
);
create index remote_publication_facet_by_value
    on remote_publication_facet (facet, value, remote_publication_id);

-- A remote actor's public profile, for cards and the directory: its name, avatar, summary
-- (sanitized HTML), page, and as JSON its countries, languages, sectors and website.
alter table remote_actor add column name text not null default '';
alter table remote_actor add column icon_url text;
alter table remote_actor add column summary_html text not null default '';
alter table remote_actor add column url text;
alter table remote_actor add column profile text not null default '{}';

-- A follow the other side refused is kept, so that admins see it.
alter table following add column rejected_at text;

-- Newest first, all kinds (the home page, tags).
create index remote_publication_newest on remote_publication (published_at)
    where deleted_at is null;
