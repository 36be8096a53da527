-- Hashtags lower-cased by Jisr itself, for the tag pages (the same column as on SQLite).
alter table publication add column hashtags_lower text not null default '[]';
update publication set hashtags_lower = lower(hashtags);

-- A tsvector holds at most 1 MB: a publication with long texts in many languages (or a long
-- received article) could not be saved. Only the first 8,000 characters of each body, and 20,000 of a
-- received text, are searched.
alter table publication_text drop column search;
alter table publication_text add column search tsvector generated always as (
    setweight(to_tsvector('pg_catalog.simple', search_fold(title)), 'A')
    || setweight(to_tsvector(search_config(language), search_fold(title)), 'A')
    || setweight(to_tsvector('pg_catalog.simple', search_fold(summary)), 'B')
    || setweight(to_tsvector(search_config(language), search_fold(summary)), 'B')
    || setweight(to_tsvector('pg_catalog.simple', search_fold(left(body_markdown, 8000))), 'C')
    || setweight(to_tsvector(search_config(language), search_fold(left(body_markdown, 8000))), 'C')
) stored;
update publication set search = coalesce((
    select search_concat(publication_text.search) from publication_text
    where publication_text.publication_id = publication.publication_id
), '');

drop index remote_publication_search;
alter table remote_publication drop column search;
alter table remote_publication add column search tsvector generated always as (
    setweight(to_tsvector('pg_catalog.simple', search_fold(name)), 'A')
    || setweight(to_tsvector(search_config(language), search_fold(name)), 'A')
    || setweight(to_tsvector('pg_catalog.simple', search_fold(left(search_text, 20000))), 'C')
    || setweight(to_tsvector(search_config(language), search_fold(left(search_text, 20000))), 'C')
) stored;
create index remote_publication_search on remote_publication using gin (search);
