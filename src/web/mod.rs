//! The website: server-rendered pages for people. For now the home page and the organization's
//! profile; the full site (calendar, stories, accounts, four languages) comes with its issue.
//!
//! Invariant: `web` writes no SQL and speaks no ActivityStreams; it renders what `domain` and
//! `config` give it.

pub mod api;
pub mod error;
pub mod html;
pub mod pages;

use crate::app::AppState;
use crate::error::Error;
use axum::Router;
use axum::routing::get;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .merge(api::routes())
}

/// Any unknown path.
pub async fn not_found() -> Error {
    Error::NotFound
}
