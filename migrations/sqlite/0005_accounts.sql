-- Accounts of the website: members registered as individuals or organizations, their sessions,
-- one-time links (invitations, password resets) and the images they upload.

-- One row per person or organization with a login. The e-mail address is stored lower-cased.
create table account (
    account_id integer primary key,
    email text not null unique,
    name text not null,
    account_type text not null check (account_type in ('individual', 'organization')),
    password_hash text not null,
    role text not null check (role in ('admin', 'editor', 'member')),
    status text not null check (status in ('active', 'pending', 'disabled')),
    created_at text not null,
    approved_at text
);
create index account_pending on account (created_at) where status = 'pending';

-- A logged-in browser: the cookie holds the secret, we keep its SHA-256 hash and the form
-- token (CSRF) bound to the session.
create table session (
    session_id integer primary key,
    token_hash text not null unique,
    account_id integer not null references account (account_id),
    csrf_token text not null,
    created_at text not null,
    expires_at text not null
);
create index session_account on session (account_id);

-- One-time links: an invitation (invite-only registration) or a password reset, stored as
-- SHA-256 hashes of the secret in the link.
create table one_time_link (
    one_time_link_id integer primary key,
    purpose text not null check (purpose in ('invitation', 'password_reset')),
    token_hash text not null unique,
    account_id integer references account (account_id),
    role text check (role in ('admin', 'editor', 'member')),
    created_at text not null,
    expires_at text not null,
    used_at text
);

-- Uploaded images, re-encoded (no EXIF, no GPS) and kept in the database so that a backup of
-- the database is a backup of everything.
create table image (
    image_id integer primary key,
    public_id text not null unique,
    content_type text not null,
    width integer not null,
    height integer not null,
    bytes blob not null,
    account_id integer references account (account_id),
    created_at text not null
);
