-- What a story's consent allows, in columns that lists, search and the federation read (the
-- record itself is in `details`): sent to other servers, indexed by search, and the moment a
-- consent given until a day ends (the story is withdrawn then). Everything else is `true`.
alter table publication add column federated boolean not null default true;
alter table publication add column indexable boolean not null default true;
alter table publication add column withdraw_at timestamptz;
create index publication_withdraw_at on publication (withdraw_at)
    where withdraw_at is not null and deleted_at is null;

-- What another Jisr instance says of its story's indexing consent: a story that may not be
-- indexed is left out of our search.
alter table remote_publication add column indexable boolean not null default true;

-- The fact that a story's consent was withdrawn (not its text: the story is deleted): when
-- consent had been given and how, when it was withdrawn, and whether an editor did it or the
-- day set in advance.
create table consent_withdrawal (
    publication_id bigint primary key references publication (publication_id),
    given_on text,
    form text,
    withdrawn_at timestamptz not null,
    scheduled boolean not null,
    -- The editor who withdrew it (null when the day set in advance did).
    account_id bigint references account (account_id)
);
