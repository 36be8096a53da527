//! A hashtag's page: everything we published with it, newest first (the `href` of the
//! `Hashtag`s in our federated objects), and the calendar feed of its events.

use super::cards::{Card, cards};
use super::lists::is_hashtag;
use crate::app::AppState;
use crate::domain::publication::{self, Listing};
use crate::error::{Error, Result};
use crate::web::frame::{Frame, framed, respond};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    frame: Frame,
    heading: String,
    items: Vec<Card>,
    /// The calendar feed of the tag's events.
    ics: String,
}
framed!(TagPage);

/// `GET /tags/{tag}`.
pub async fn tag(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    frame: Frame,
) -> Result<Response> {
    let tag = tag.trim_start_matches('#').to_string();
    if !is_hashtag(&tag) {
        return Err(Error::NotFound);
    }
    let filters = publication::Filters {
        hashtag: Some(tag.clone()),
        ..publication::Filters::default()
    };
    let found =
        publication::list_filtered(state.db(), Listing::Newest(None), &filters, 0, 60).await?;
    let ics = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("tag", &tag)
        .finish();
    let page = TagPage {
        ics: format!("/events.ics?{ics}"),
        heading: format!("#{tag}"),
        items: cards(&state, &frame.t, &found),
        frame,
    };
    respond(StatusCode::OK, &page)
}
