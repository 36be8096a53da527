//! Jisr (جسر, "bridge"): a federated community server for diaspora organizations.
//!
//! Each organization runs its own instance; everything it publishes is an ActivityPub object that
//! federates to other Jisr instances and to Mastodon.
//!
//! # Layout
//!
//! Read in this order:
//! - [`config`]: the one TOML file, its defaults and validation.
//! - [`error`]: the one error type; [`web::error`] maps it to HTTP.
//! - [`db`]: SQLite or PostgreSQL behind one enum, migrations, transactions.
//! - [`domain`]: stories, events, opportunities, resources: validation and storage.
//! - [`app`]: the shared state, the router, starting and stopping an instance.
//! - [`federation`]: ActivityPub: actors, discovery, inboxes, signatures, delivery.
//! - [`web`]: pages for people.
//! - [`daily_rates`]: the daily fetch of the ECB's exchange rates.
//! - [`cli`]: the command line.
//! - [`bench`]: benchmarks with a baseline measured in the same run.
//!
//! `docs/ARCHITECTURE.md` has the codemap and the invariants.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod daily_rates;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
pub mod i18n;
pub mod web;
