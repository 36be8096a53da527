//! The integration tests: real Jisr instances on free ports against a real database (SQLite by
//! default, PostgreSQL when `JISR_TEST_DATABASE_URL` is set), a test actor whose key the tests
//! control, and a Fedify peer (a real ActivityPub implementation nobody here wrote).
//!
//! Each test prints what each side sent and received when it fails.

mod harness;

mod accounts;
mod browser;
mod cli;
mod consent;
mod delivery;
mod directory;
mod discovery;
mod documented;
mod durability;
mod fedify;
mod follow;
mod forums;
mod gcm_reports;
mod gotosocial;
mod inbox;
mod members;
mod moderation;
mod network;
mod network_content;
mod network_website;
mod publishing;
mod remittances;
mod replies;
mod rsvp;
mod schema;
mod search;
mod skips;
mod website;
mod wire;
