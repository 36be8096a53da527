-- What list pages filter on, as rows the database can index: one row per value, keyed from the
-- value to the publications (`country = 'DE'` is an index lookup, not a `like` over JSON text).
-- The JSON columns of `publication` stay: they are what pages and peers read, in their order.
-- `domain::publication::index` writes these rows in the transaction that writes the
-- publication; a deleted publication has none.

-- The countries of a publication: of origin, of residence, and those in the kind's own fields
-- (`field`: an event's place, an opportunity's countries, a resource's country).
create table publication_country (
    publication_id integer not null references publication (publication_id),
    role text not null check (role in ('origin', 'residence', 'field')),
    country text not null,
    primary key (publication_id, role, country)
);
create index publication_country_by_country on publication_country (country, publication_id);

-- Its Global Compact for Migration objectives, 1 to 23.
create table publication_gcm_objective (
    publication_id integer not null references publication (publication_id),
    objective integer not null check (objective between 1 and 23),
    primary key (publication_id, objective)
);
create index publication_gcm_objective_by_objective
    on publication_gcm_objective (objective, publication_id);

-- Its hashtags, lower-cased by Jisr (SQLite's lower() only knows ASCII: `Émigrés` must be
-- found as `émigrés`). They replace the `hashtags_lower` column of migration 7, copied as it is.
create table publication_hashtag (
    publication_id integer not null references publication (publication_id),
    hashtag_lower text not null,
    primary key (publication_id, hashtag_lower)
);
create index publication_hashtag_by_hashtag on publication_hashtag (hashtag_lower, publication_id);

-- The kind's own fields that lists filter on: a story's or an event's `category`, an
-- opportunity's `kind` and `remote`, a resource's `year` and `topic`. `value` is the JSON
-- value as text, strings without quotes and with ASCII capitals lower-cased (the `like` this
-- replaces ignored ASCII case on SQLite): `social`, `networking`, `true`, `2018`.
create table publication_field (
    publication_id integer not null references publication (publication_id),
    name text not null,
    value text not null,
    primary key (publication_id, name)
);
create index publication_field_by_value on publication_field (name, value, publication_id);

-- The uploaded images a publication shows (`/media/{image_public_id}` in its fields), so that
-- housekeeping finds the unused ones without reading every publication. Not a foreign key: a
-- field may name an image that is not (or no longer) stored.
create table publication_image (
    publication_id integer not null references publication (publication_id),
    image_public_id text not null,
    primary key (publication_id, image_public_id)
);
create index publication_image_by_image on publication_image (image_public_id, publication_id);

-- The language filter looks publications up by the language of a text.
create index publication_text_by_language on publication_text (language, publication_id);

-- The rows of what is already published (deleted publications hold empty lists and '{}').
insert into publication_country (publication_id, role, country)
    select publication.publication_id, 'origin', code.value
    from publication, json_each(publication.countries_of_origin) as code where true
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication.publication_id, 'residence', code.value
    from publication, json_each(publication.countries_of_residence) as code where true
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication_id, 'field', json_extract(details, '$.event.place.country')
    from publication where json_extract(details, '$.event.place.country') is not null
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication.publication_id, 'field', code.value
    from publication, json_each(publication.details, '$.opportunity.countries') as code
    where true
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication_id, 'field', json_extract(details, '$.resource.country')
    from publication where json_extract(details, '$.resource.country') is not null
    on conflict do nothing;

insert into publication_gcm_objective (publication_id, objective)
    select publication.publication_id, objective.value
    from publication, json_each(publication.gcm_objectives) as objective where true
    on conflict do nothing;

insert into publication_hashtag (publication_id, hashtag_lower)
    select publication.publication_id, tag.value
    from publication, json_each(publication.hashtags_lower) as tag where true
    on conflict do nothing;
alter table publication drop column hashtags_lower;

insert into publication_field (publication_id, name, value)
    select publication.publication_id, field.key,
        case field.type
            when 'text' then lower(field.value)
            when 'true' then 'true'
            when 'false' then 'false'
            else cast(field.value as text)
        end
    from publication, json_each(publication.details, '$.' || publication.kind) as field
    where field.key in ('category', 'kind', 'remote', 'year', 'topic')
        and field.type in ('text', 'integer', 'true', 'false')
    on conflict do nothing;

-- The rule housekeeping used until now, once.
insert into publication_image (publication_id, image_public_id)
    select publication.publication_id, image.public_id
    from publication join image on publication.details like '%/media/' || image.public_id || '%'
    where true
    on conflict do nothing;
