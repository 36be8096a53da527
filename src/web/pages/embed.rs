//! The embeddable calendar, `/embed/events`: the next events as a compact list that an
//! organization pastes into its own website as an `<iframe>`, filtered like `/events`
//! (`?tag=…`, `?country=…`, `?gcm=…`, `?language=…`, `?source=…`, `?lang=` for the interface
//! language).
//!
//! It is the one page other sites may frame (`web::headers` lets `/embed/` be framed by any
//! site and keeps every other page unframable), so it holds no form and nothing that acts for
//! a signed-in reader, and every link opens in a new tab: our other pages refuse to be framed.

use crate::app::AppState;
use crate::domain::entries::Source;
use crate::domain::publication::{Kind, Listing};
use crate::error::Result;
use crate::web::frame::{Frame, framed, respond};
use crate::web::kept::ContentVersion;
use crate::web::pages::PageQuery;
use crate::web::pages::cards::{Card, entry_cards, listed, this_minute};
use crate::web::pages::lists::filters;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;

/// How many events the embedded calendar lists.
const SHOWN: i64 = 12;

#[derive(Template)]
#[template(path = "embed_events.html")]
struct EmbeddedEvents {
    frame: Frame,
    heading: String,
    items: Vec<Card>,
    /// The same selection on our website, and as a calendar feed.
    full: String,
    ics: String,
}
framed!(EmbeddedEvents);

/// `GET /embed/events`: the next events of the selection.
pub async fn events(
    State(state): State<AppState>,
    frame: Frame,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let t = frame.t;
    let (chosen, _) = filters(&t, Kind::Event, &query);
    let listing = Listing::UpcomingEvents {
        now: this_minute(Utc::now()),
    };
    let source = query.source(&state.config().website);
    let version = ContentVersion::read(&state).await?;
    let events = listed(&state, &version, source, listing, &chosen, (0, SHOWN)).await?;
    let selection = query.filter_query();
    let page = EmbeddedEvents {
        heading: t.t1("embed-heading", "name", &state.config().instance.name),
        items: entry_cards(&state, &t, &events, SHOWN as usize, source != Source::Ours),
        full: format!("/events{selection}"),
        ics: format!("/events.ics{selection}"),
        frame,
    };
    respond(StatusCode::OK, &page)
}
