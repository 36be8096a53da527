//! The home page: the organization's header, what editors pinned, and the next events, latest
//! stories and open opportunities. Also what a browser sees at the organization's actor URL.

use super::cards::{Card, cards};
use crate::app::AppState;
use crate::domain::publication::{self, Kind, Listing};
use crate::error::Result;
use crate::web::frame::{Frame, framed, respond};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    frame: Frame,
    /// What editors pinned to the profile.
    pinned: Vec<Card>,
    events: Vec<Card>,
    stories: Vec<Card>,
    opportunities: Vec<Card>,
}
framed!(HomePage);

/// The home page in the reader's language.
async fn home_page(state: &AppState, frame: Frame) -> Result<Response> {
    let now = Utc::now();
    let db = state.db();
    let t = frame.t;
    let newest = |listing| publication::list_where(db, listing, 0, 6);
    let page = HomePage {
        pinned: cards(state, &t, &publication::pins::pinned(db).await?),
        events: cards(state, &t, &newest(Listing::UpcomingEvents { now }).await?),
        stories: cards(
            state,
            &t,
            &newest(Listing::Newest(Some(Kind::Story))).await?,
        ),
        opportunities: cards(
            state,
            &t,
            &newest(Listing::OpenOpportunities { now }).await?,
        ),
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// `GET /`.
pub async fn home(State(state): State<AppState>, frame: Frame) -> Result<Response> {
    home_page(&state, frame).await
}

/// `GET /actors/{username}` for people: the organization's profile is the home page.
pub async fn actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
    frame: Frame,
) -> Result<Response> {
    crate::federation::documents::named_actor(&state, &username).await?;
    home_page(&state, frame).await
}
