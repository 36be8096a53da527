-- What list pages filter on, as rows the database can index: one row per value, keyed from the
-- value to the publications (`country = 'DE'` is an index lookup, not a `like` over JSON text).
-- The JSON columns of `publication` stay: they are what pages and peers read, in their order.
-- `domain::publication::index` writes these rows in the transaction that writes the
-- publication; a deleted publication has none.

-- The countries of a publication: of origin, of residence, and those in the kind's own fields
-- (`field`: an event's place, an opportunity's countries, a resource's country).
create table publication_country (
    publication_id bigint not null references publication (publication_id),
    role text not null check (role in ('origin', 'residence', 'field')),
    country text not null,
    primary key (publication_id, role, country)
);
create index publication_country_by_country on publication_country (country, publication_id);

-- Its Global Compact for Migration objectives, 1 to 23.
create table publication_gcm_objective (
    publication_id bigint not null references publication (publication_id),
    objective integer not null check (objective between 1 and 23),
    primary key (publication_id, objective)
);
create index publication_gcm_objective_by_objective
    on publication_gcm_objective (objective, publication_id);

-- Its hashtags, lower-cased by Jisr (the same rule on both backends). They replace the
-- `hashtags_lower` column of migration 7, copied as it is.
create table publication_hashtag (
    publication_id bigint not null references publication (publication_id),
    hashtag_lower text not null,
    primary key (publication_id, hashtag_lower)
);
create index publication_hashtag_by_hashtag on publication_hashtag (hashtag_lower, publication_id);

-- The kind's own fields that lists filter on: a story's or an event's `category`, an
-- opportunity's `kind` and `remote`, a resource's `year` and `topic`. `value` is the JSON
-- value as text, strings without quotes and with ASCII capitals lower-cased (the `like` this
-- replaces ignored ASCII case on SQLite; now both backends do): `social`, `networking`,
-- `true`, `2018`.
create table publication_field (
    publication_id bigint not null references publication (publication_id),
    name text not null,
    value text not null,
    primary key (publication_id, name)
);
create index publication_field_by_value on publication_field (name, value, publication_id);

-- The uploaded images a publication shows (`/media/{image_public_id}` in its fields), so that
-- housekeeping finds the unused ones without reading every publication. Not a foreign key: a
-- field may name an image that is not (or no longer) stored.
create table publication_image (
    publication_id bigint not null references publication (publication_id),
    image_public_id text not null,
    primary key (publication_id, image_public_id)
);
create index publication_image_by_image on publication_image (image_public_id, publication_id);

-- The language filter looks publications up by the language of a text.
create index publication_text_by_language on publication_text (language, publication_id);

-- The rows of what is already published (deleted publications hold empty lists and '{}').
insert into publication_country (publication_id, role, country)
    select publication_id, 'origin', jsonb_array_elements_text(countries_of_origin::jsonb)
    from publication
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication_id, 'residence', jsonb_array_elements_text(countries_of_residence::jsonb)
    from publication
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication_id, 'field', details::jsonb #>> '{event,place,country}'
    from publication where details::jsonb #>> '{event,place,country}' is not null
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication_id, 'field',
        jsonb_array_elements_text(coalesce(details::jsonb #> '{opportunity,countries}', '[]'))
    from publication
    on conflict do nothing;
insert into publication_country (publication_id, role, country)
    select publication_id, 'field', details::jsonb #>> '{resource,country}'
    from publication where details::jsonb #>> '{resource,country}' is not null
    on conflict do nothing;

insert into publication_gcm_objective (publication_id, objective)
    select publication_id, jsonb_array_elements_text(gcm_objectives::jsonb)::integer
    from publication
    on conflict do nothing;

insert into publication_hashtag (publication_id, hashtag_lower)
    select publication_id, jsonb_array_elements_text(hashtags_lower::jsonb)
    from publication
    on conflict do nothing;
alter table publication drop column hashtags_lower;

insert into publication_field (publication_id, name, value)
    select publication.publication_id, field.key,
        case jsonb_typeof(field.value)
            when 'string' then translate(field.value #>> '{}',
                'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
            else field.value #>> '{}'
        end
    from publication, jsonb_each(publication.details::jsonb -> publication.kind) as field
    where field.key in ('category', 'kind', 'remote', 'year', 'topic')
        and jsonb_typeof(field.value) in ('string', 'number', 'boolean')
    on conflict do nothing;

-- The rule housekeeping used until now, once.
insert into publication_image (publication_id, image_public_id)
    select publication.publication_id, image.public_id
    from publication join image on publication.details like '%/media/' || image.public_id || '%'
    on conflict do nothing;
