//! What an organization publishes, in our words: stories, events, opportunities and library
//! resources, their validation, and the SQL that stores them.
//!
//! Invariant: nothing here knows HTTP, HTML pages or ActivityStreams. Inputs are parsed into
//! validated values (every bad field named at once) before anything is written.

pub mod account_policy;
pub mod accounts;
pub mod attending;
pub mod audit;
pub mod comment;
pub mod consent;
pub mod directory;
pub mod entries;
pub mod event;
pub mod experts;
pub mod forums;
pub mod gcm_report;
pub mod images;
pub mod mentions;
pub mod network;
pub mod notifications;
pub mod opportunity;
pub mod participation;
pub mod policy;
pub mod publication;
pub mod remittances;
pub mod reports;
pub mod resource;
pub mod search;
pub mod settings;
pub mod story;
pub mod text;
pub mod tokens;
pub mod validation;
