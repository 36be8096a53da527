//! The home page: the organization's header, what editors pinned, and the next events, latest
//! stories and open opportunities, ours and the network's (as `website.lists_show` says). Also what a browser sees at the organization's actor URL.

use super::cards::{Card, cards, entry_cards, listed, this_minute};
use crate::app::AppState;
use crate::domain::entries::Source;
use crate::domain::publication::{self, Bodies, Filters, Kind, Listing};
use crate::error::Result;
use crate::web::frame::{Frame, framed, respond};
use crate::web::kept::ContentVersion;
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
    let now = this_minute(Utc::now());
    let db = state.db();
    let t = frame.t;
    let source = state.config().website.default_source();
    let marked = source != Source::Ours;
    let filters = Filters::default();
    let version = ContentVersion::read(state).await?;
    let newest = |listing| listed(state, &version, source, listing, &filters, (0, 6));
    let events = newest(Listing::UpcomingEvents { now }).await?;
    let stories = newest(Listing::Newest(Some(Kind::Story))).await?;
    let opportunities = newest(Listing::OpenOpportunities { now }).await?;
    let page = HomePage {
        pinned: cards(
            state,
            &t,
            &publication::pins::pinned(db, Bodies::Left).await?,
        ),
        events: entry_cards(state, &t, &events, 6, marked),
        stories: entry_cards(state, &t, &stories, 6, marked),
        opportunities: entry_cards(state, &t, &opportunities, 6, marked),
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
    let (_, member) = crate::federation::documents::shown_actor(&state, &username).await?;
    match member {
        Some(profile) => crate::web::member_pages::actor_page(&state, frame, profile).await,
        None => home_page(&state, frame).await,
    }
}
