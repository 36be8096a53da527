-- A member's public profile (what a publication's byline links to), and the byline itself: the
-- account a publication is by, besides the organization that publishes it (null: the
-- organization alone).
alter table account add column summary text not null default '';
alter table account add column website text not null default '';
alter table account add column countries text not null default '[]';
-- The public id of the uploaded logo or photo (`image.public_id`), '' for none.
alter table account add column logo text not null default '';
alter table publication add column author_account_id integer references account (account_id);
