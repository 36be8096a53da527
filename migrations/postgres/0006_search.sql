-- Search: tsvectors (GIN indexes) over what the organization publishes and what the
-- organizations it follows publish, in every language.
--
-- Each text is indexed twice: with the `simple` configuration (every language, Arabic
-- included, word for word) and with the stemming configuration of its own language (english,
-- french, spanish, arabic; `simple` for any other). Titles weigh A, summaries B, bodies C.
-- Text is folded the same way when it is indexed and when it is searched (`domain::search`):
-- Latin diacritics removed (école = ecole), Arabic short vowels and tatweel removed, alef
-- forms (آ أ إ) written as a bare alef (ا).

-- Text as search sees it. Only built-in functions inside (a generated column calls this one
-- while a dump is restored, with an empty search_path).
create function search_fold(value text) returns text
    language sql immutable strict parallel safe
as $$
    select pg_catalog.translate(
        pg_catalog.regexp_replace($1, '[\u0300-\u036F\u0640\u064B-\u0652\u0670]', '', 'g'),
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆ'
            || 'ćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐő'
            || 'ŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžȘșȚțøØłŁđĐı'
            || U&'\0622\0623\0625',
        'AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaC'
            || 'cCcCcCcDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOo'
            || 'RrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzSsTtoOlLdDi'
            || U&'\0627\0627\0627')
$$;

-- The stemming configuration for a language tag (`simple` when there is none for it).
create function search_config(language text) returns regconfig
    language sql immutable parallel safe
as $$
    select case pg_catalog.lower(pg_catalog.split_part(coalesce($1, ''), '-', 1))
        when 'en' then 'pg_catalog.english'::regconfig
        when 'fr' then 'pg_catalog.french'::regconfig
        when 'es' then 'pg_catalog.spanish'::regconfig
        when 'ar' then 'pg_catalog.arabic'::regconfig
        else 'pg_catalog.simple'::regconfig
    end
$$;

-- Our publications: one vector per language version, and their concatenation on the
-- publication (a publication is found once, when all the words are in its texts), kept up to
-- date by a trigger on publication_text. Deleted publications have no texts: an empty vector.
alter table publication_text add column search tsvector generated always as (
    setweight(to_tsvector('pg_catalog.simple', search_fold(title)), 'A')
    || setweight(to_tsvector(search_config(language), search_fold(title)), 'A')
    || setweight(to_tsvector('pg_catalog.simple', search_fold(summary)), 'B')
    || setweight(to_tsvector(search_config(language), search_fold(summary)), 'B')
    || setweight(to_tsvector('pg_catalog.simple', search_fold(body_markdown)), 'C')
    || setweight(to_tsvector(search_config(language), search_fold(body_markdown)), 'C')
) stored;

create aggregate search_concat(tsvector) (
    sfunc = pg_catalog.tsvector_concat,
    stype = tsvector,
    initcond = ''
);

alter table publication add column search tsvector not null default '';
update publication set search = (
    select search_concat(publication_text.search) from publication_text
    where publication_text.publication_id = publication.publication_id
);
create index publication_search on publication using gin (search);

create function publication_text_search_changed() returns trigger
    language plpgsql
as $$
begin
    if tg_op <> 'INSERT' then
        update publication set search = (
            select search_concat(publication_text.search) from publication_text
            where publication_text.publication_id = old.publication_id
        ) where publication_id = old.publication_id;
    end if;
    if tg_op <> 'DELETE' then
        update publication set search = (
            select search_concat(publication_text.search) from publication_text
            where publication_text.publication_id = new.publication_id
        ) where publication_id = new.publication_id;
    end if;
    return null;
end
$$;

create trigger publication_text_search after insert or update or delete on publication_text
    for each row execute function publication_text_search_changed();

-- Received HTML as plain text (tags and character references removed), written by
-- `domain::network` when it stores a publication, so that markup is never searched.
alter table remote_publication add column search_text text not null default '';
update remote_publication set search_text = replace(replace(replace(replace(replace(replace(
    replace(regexp_replace(summary_html || ' ' || content_html, '<[^>]*>', ' ', 'g'),
    '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&#x27;', ''''),
    '&amp;', '&')
where deleted_at is null;

alter table remote_publication add column search tsvector generated always as (
    setweight(to_tsvector('pg_catalog.simple', search_fold(name)), 'A')
    || setweight(to_tsvector(search_config(language), search_fold(name)), 'A')
    || setweight(to_tsvector('pg_catalog.simple', search_fold(search_text)), 'C')
    || setweight(to_tsvector(search_config(language), search_fold(search_text)), 'C')
) stored;
create index remote_publication_search on remote_publication using gin (search);
