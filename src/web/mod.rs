//! The website: server-rendered pages for people. For now the home page and the organization's
//! profile; the full site (calendar, stories, accounts, four languages) comes with its issue.
//!
//! Invariant: `web` writes no SQL and speaks no ActivityStreams; it renders what `domain` and
//! `config` give it.

pub mod api;
pub mod error;
pub mod feeds;
pub mod html;
pub mod i18n;
pub mod pages;

use crate::app::AppState;
use crate::error::Error;
use axum::Router;
use axum::routing::get;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/stories", get(pages::stories))
        .route("/events", get(pages::events))
        .route("/events/calendar", get(pages::calendar))
        .route("/opportunities", get(pages::opportunities))
        .route("/resources", get(pages::resources))
        .route("/about", get(pages::about))
        .route("/events.ics", get(feeds::calendar))
        .route("/events/{public_id}/calendar.ics", get(feeds::event))
        .route("/stories.atom", get(feeds::stories))
        .route("/events.atom", get(feeds::events))
        .route("/opportunities.atom", get(feeds::opportunities))
        .route("/resources.atom", get(feeds::resources))
        .route("/static/style.css", get(stylesheet))
        .merge(api::routes())
}

/// The stylesheet, built into the binary.
async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
}

/// Any unknown path.
pub async fn not_found() -> Error {
    Error::NotFound
}
