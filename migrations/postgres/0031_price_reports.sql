-- What members reported a transfer cost them, ours and those other Jisr instances send
-- (numbers only): the provider's name, the channel, the corridor and currencies, the amounts,
-- the day and how long it took; the total cost in percent (fee + exchange-rate margin) and
-- the mid-market rate it was computed against. One row per object id; an `Update` replaces
-- it if newer, a `Delete` erases it.
create table price_report (
    price_report_id bigint generated always as identity primary key,
    ap_id text not null unique,
    -- Ours: the id in our URLs and the account that reported it (null for another server's).
    public_id text unique,
    account_id bigint references account (account_id),
    actor_ap_id text not null,
    provider text not null,
    -- The provider's name folded (case and spaces), what reports are grouped by.
    provider_key text not null,
    channel text not null check (channel in ('cash', 'bank', 'card', 'mobile', 'online')),
    sending text not null,
    receiving text not null,
    send_currency text not null,
    receive_currency text not null,
    amount_sent double precision not null,
    fee double precision not null,
    amount_received double precision not null,
    -- The day of the transfer, `YYYY-MM-DD`.
    sent_on text not null,
    duration text not null
        check (duration in ('minutes', 'same-day', '1-2-days', '3-5-days', 'longer')),
    mid_rate double precision not null,
    total_cost double precision not null,
    published_at timestamptz not null,
    updated_at timestamptz not null
);
create index price_report_corridor on price_report (sending, receiving, sent_on);
create index price_report_account on price_report (account_id, updated_at);
create index price_report_actor on price_report (actor_ap_id);
