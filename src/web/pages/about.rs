//! The about page: the organization, its languages, the countries it works between, how to
//! follow it, how to reach it and how to show its calendar on another website, from the
//! configuration.

use crate::app::AppState;
use crate::error::Result;
use crate::web::frame::{Frame, framed, respond};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    frame: Frame,
    heading: String,
    follow: String,
    languages_spoken: String,
    origin: String,
    residence: String,
    /// The HTML another website pastes to show our calendar (see `pages::embed`).
    embed_code: String,
    /// Whether the public moderation log is shown (`/about/moderation`).
    moderation_log: bool,
}
framed!(AboutPage);

/// `GET /about`.
pub async fn about(State(state): State<AppState>, frame: Frame) -> Result<Response> {
    let t = frame.t;
    let instance = &state.config().instance;
    let page = AboutPage {
        heading: t.t1("about-title", "name", &instance.name),
        follow: t.t1("about-follow", "name", &instance.name),
        languages_spoken: t.languages(&instance.languages),
        origin: t.countries(&instance.countries_of_origin),
        residence: t.countries(&instance.countries_of_residence),
        embed_code: format!(
            "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"600\" loading=\"lazy\"></iframe>",
            state.urls().embedded_events(),
            // Escaped for the attribute it is pasted into (the page escapes it again to show it).
            t.t1("embed-heading", "name", &instance.name)
                .replace('&', "&amp;")
                .replace('"', "&quot;"),
        ),
        moderation_log: state.config().moderation.public_log,
        frame,
    };
    respond(StatusCode::OK, &page)
}
