-- How many activities each actor and each domain sent in the current minute. Counted here on
-- PostgreSQL, where several processes share the counts; one SQLite process counts in memory,
-- and leaves this table empty.
create table inbox_rate (
    key text primary key,
    window_start integer not null,
    hits integer not null
);
