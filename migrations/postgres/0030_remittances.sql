-- The World Bank's remittance data, as imported (or loaded from the copies shipped in the
-- binary): each corridor's average total cost by quarter, in percent of the amount sent
-- (Remittance Prices Worldwide); the yearly flows, in millions of US$, and the migrant stocks
-- of each country pair; and what was imported, from where and when. Countries are ISO 3166-1
-- alpha-2 codes.
create table remittance_cost (
    sending text not null,
    receiving text not null,
    quarter text not null,
    cost double precision not null,
    primary key (sending, receiving, quarter)
);
create index remittance_cost_receiving on remittance_cost (receiving, sending);

create table remittance_flow (
    sending text not null,
    receiving text not null,
    year integer not null,
    usd_millions double precision not null,
    primary key (sending, receiving, year)
);

create table migrant_stock (
    origin text not null,
    destination text not null,
    year integer not null,
    migrants bigint not null,
    primary key (origin, destination, year)
);

create table dataset (
    name text primary key,
    source text not null,
    last_updated text,
    rows bigint not null,
    imported_at timestamptz not null
);

-- Mid-market rates, in units of the currency per euro by day (`YYYY-MM-DD`): the European
-- Central Bank's reference rates (`ecb`), and an admin's for the currencies it lacks (`admin`).
create table exchange_rate (
    day text not null,
    currency text not null,
    per_euro double precision not null,
    source text not null check (source in ('ecb', 'admin')),
    primary key (day, currency)
);
create index exchange_rate_currency on exchange_rate (currency, day);
