//! A hashtag's page: everything we and the network published with it, newest first (the
//! `href` of the `Hashtag`s in our federated objects), and the calendar feed of its events.

use super::cards::{Card, entry_cards, listed};
use super::lists::{PageQuery, is_hashtag};
use crate::app::AppState;
use crate::domain::entries::Source;
use crate::domain::publication::{self, Listing};
use crate::error::{Error, Result};
use crate::web::frame::{Frame, framed, respond};
use crate::web::kept::ContentVersion;
use askama::Template;
use axum::extract::{Path, Query, State};
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

/// The most a tag's page shows.
const SHOWN: i64 = 60;

/// `GET /tags/{tag}`.
pub async fn tag(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    Query(query): Query<PageQuery>,
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
    let source = query.source(&state.config().website);
    let version = ContentVersion::read(&state).await?;
    let found = listed(
        &state,
        &version,
        source,
        Listing::Newest(None),
        &filters,
        (0, SHOWN),
    )
    .await?;
    // Stories whose consent does not allow indexing are left off hashtag pages, as Mastodon
    // leaves unlisted posts off its hashtag timelines (the page may show a few fewer). The
    // kept list is copied only when it holds one.
    let indexable = |entry: &crate::domain::entries::Entry| match entry {
        crate::domain::entries::Entry::Ours(publication) => publication.indexable(),
        crate::domain::entries::Entry::Network(_, item) => !item.details.noindex,
    };
    let unindexed;
    let shown: &super::cards::Listed = if found.entries.iter().all(indexable) {
        &found
    } else {
        unindexed = super::cards::Listed {
            entries: found
                .entries
                .iter()
                .filter(|entry| indexable(entry))
                .cloned()
                .collect(),
            profiles: found.profiles.clone(),
        };
        &unindexed
    };
    let ics = {
        let mut ics = url::form_urlencoded::Serializer::new(String::new());
        ics.append_pair("tag", &tag);
        if let Some(chosen) = query.chosen_source() {
            ics.append_pair("source", chosen.as_str());
        }
        ics.finish()
    };
    let page = TagPage {
        ics: format!("/events.ics?{ics}"),
        heading: format!("#{tag}"),
        items: entry_cards(
            &state,
            &frame.t,
            shown,
            SHOWN as usize,
            source != Source::Ours,
        ),
        frame,
    };
    respond(StatusCode::OK, &page)
}
