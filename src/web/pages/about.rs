//! The about page: the organization, its languages, the countries it works between, how to
//! follow it and how to reach it, from the configuration.

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
}
framed!(AboutPage);

/// `GET /about`.
pub async fn about(State(state): State<AppState>, frame: Frame) -> Result<Response> {
    let t = frame.t;
    let instance = &state.config().instance;
    let page = AboutPage {
        heading: t.t1("about-title", "name", &instance.name),
        follow: t.t1("about-follow", "name", &instance.name),
        languages_spoken: instance
            .languages
            .iter()
            .map(|tag| t.language(tag))
            .collect::<Vec<_>>()
            .join(if t.language == crate::i18n::Language::Ar {
                "، "
            } else {
                ", "
            }),
        origin: t.countries(&instance.countries_of_origin),
        residence: t.countries(&instance.countries_of_residence),
        frame,
    };
    respond(StatusCode::OK, &page)
}
