-- An actor's pictures: its avatar (`icon`, the organization's logo) and its header (`image`),
-- as ids of rows in `image`. An admin uploads them on the website, or names files in the
-- configuration (`instance.logo`, `instance.header_image`); for those, `*_source` keeps the
-- SHA-256 of the file read, so that a changed file is read again at start and the same one is not.
alter table local_actor add column icon_image text;
alter table local_actor add column icon_source text;
alter table local_actor add column header_image text;
alter table local_actor add column header_source text;

-- Publications an editor pinned to the organization's profile (the actor's `featured`
-- collection), newest pin first.
alter table publication add column pinned_at text;
create index publication_pinned on publication (pinned_at) where pinned_at is not null;
