//! The page of a network item, `/network/{id}`: what an organization we follow published, as
//! we received it (sanitized), in the reader's language when it has it, with where it comes
//! from and a clear link to the original. It is theirs, not ours: `rel=canonical` points at
//! the original and search engines are asked not to index our copy.

use super::cards::their_mark;
use super::publication::{Fact, Version};
use crate::app::AppState;
use crate::domain::network::{self, Profile};
use crate::domain::publication::Kind;
use crate::error::{Error, Result};
use crate::web::frame::{Frame, framed};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "network_item.html")]
struct NetworkItemPage {
    frame: Frame,
    /// Its page on its own server.
    original: String,
    /// Where to report it.
    report: String,
    /// The original's host, to name where the link goes.
    original_host: String,
    language: String,
    dir: &'static str,
    title: String,
    summary_html: String,
    content_html: String,
    image: Option<(String, String)>,
    /// Who published it: name, handle, logo, their page.
    source_name: String,
    source_handle: String,
    source_icon: Option<String>,
    source_page: String,
    facts: Vec<Fact>,
    versions: Vec<Version>,
    tags: Vec<(String, String)>,
    published: String,
    /// An event's RSVP box, when it takes participants on its server.
    rsvp: Option<crate::web::rsvp::RsvpView>,
}
framed!(NetworkItemPage);

/// `?lang=` chooses one of its language versions.
#[derive(Debug, Default, Deserialize)]
pub struct ItemQuery {
    lang: Option<String>,
}

/// `GET /network/{id}`.
pub async fn item(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<ItemQuery>,
    frame: Frame,
    visitor: crate::web::auth::Visitor,
) -> Result<Response> {
    let item = network::by_id(state.db(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let profile: Option<Profile> =
        crate::federation::remote_actors::profile(state.db(), &item.actor_ap_id).await?;
    let t = frame.t;
    let wanted = query
        .lang
        .as_deref()
        .filter(|tag| item.languages().contains(tag))
        .unwrap_or(t.language.code());
    let (language, title, summary_html, content_html) = item.text_in(wanted);
    let language = language.to_string();
    let mark = their_mark(profile.as_ref(), &item.actor_ap_id);

    let mut facts = Vec::new();
    let mut fact = |label: &str, value: String| {
        if !value.is_empty() {
            facts.push(Fact {
                label: t.t(label),
                value,
            });
        }
    };
    let details = &item.details;
    match item.kind {
        Kind::Event => {
            if let Some(starts) = item.starts_at.map(|at| item.in_own_zone(at)) {
                let ends = item
                    .ends_at
                    .filter(|ends| Some(*ends) > item.starts_at)
                    .map(|at| item.in_own_zone(at));
                let when = match ends {
                    // One date when it starts and ends on the same day.
                    Some(ends) if ends.date_naive() == starts.date_naive() => format!(
                        "{} – {}",
                        t.date_time(&starts),
                        t.digits(&ends.format("%H:%M").to_string())
                    ),
                    Some(ends) => format!("{} – {}", t.date_time(&starts), t.date_time(&ends)),
                    None => t.date_time(&starts),
                };
                fact("event-when", when);
                let zone = details.time_zone.clone().unwrap_or_default();
                fact(
                    "editor-time-zone",
                    format!("{zone} ({})", t.utc_offset(&starts))
                        .trim()
                        .to_string(),
                );
            }
            let online = details.online.then(|| t.t("event-online"));
            fact(
                "event-where",
                item.place_naming(|code| t.country(code))
                    .into_iter()
                    .chain(online)
                    .collect::<Vec<_>>()
                    .join(" · "),
            );
        }
        Kind::Opportunity => {
            if let Some(kind) = details
                .opportunity_kind
                .as_deref()
                .filter(|kind| crate::domain::opportunity::KINDS.contains(kind))
            {
                fact("filter-kind", t.t(&format!("opportunity-kind-{kind}")));
            }
            if let Some(deadline) = item.deadline {
                fact("editor-deadline", t.date(&item.in_own_zone(deadline)));
            }
            let remote = details.online.then(|| t.t("opportunity-remote"));
            fact(
                "event-where",
                details
                    .place
                    .clone()
                    .into_iter()
                    .chain(remote)
                    .collect::<Vec<_>>()
                    .join(" · "),
            );
        }
        Kind::Resource => {
            if let Some(topic) = &details.topic {
                fact("editor-topic", topic.clone());
            }
            if let Some(year) = details.year {
                fact("filter-year", t.digits(&year.to_string()));
            }
        }
        Kind::Story => {}
    }
    if item.kind != Kind::Event {
        // An event's country is its place's, shown there.
        fact("filter-country", t.countries(&details.countries));
    }
    fact(
        "filter-gcm",
        details
            .gcm_objectives
            .iter()
            .map(|number| t.gcm_objective(*number))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    fact(
        "about-countries-of-origin",
        t.countries(&details.countries_of_origin),
    );
    fact(
        "about-countries-of-residence",
        t.countries(&details.countries_of_residence),
    );

    let versions = item
        .languages()
        .into_iter()
        .filter(|tag| *tag != language && !tag.is_empty())
        .map(|tag| Version {
            href: format!("/network/{id}?lang={tag}"),
            language: tag.to_string(),
            name: crate::i18n::language_name(tag),
        })
        .collect();
    let tags = details
        .hashtags
        .iter()
        .map(|tag| (format!("/tags/{tag}"), format!("#{tag}")))
        .collect();
    let original_host = url::Url::parse(&item.url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    let page = NetworkItemPage {
        original: item.url.clone(),
        report: crate::web::reports::link(&item.ap_id),
        original_host,
        dir: if language.is_empty() {
            "auto"
        } else {
            crate::web::html::direction(&language)
        },
        title: title.to_string(),
        summary_html: summary_html.to_string(),
        content_html: content_html.to_string(),
        language,
        image: details
            .image
            .clone()
            .filter(|(url, _)| url.starts_with("https://")),
        source_name: mark.name,
        source_handle: mark.handle,
        source_icon: mark.icon,
        source_page: profile
            .as_ref()
            .map_or(item.actor_ap_id.clone(), |profile| {
                profile.page().to_string()
            }),
        facts,
        versions,
        tags,
        published: t.t1(
            "published-on",
            "date",
            &t.date(&item.published_at.fixed_offset()),
        ),
        rsvp: crate::web::rsvp::network_view(&state, &t, &item, id, &visitor).await?,
        frame,
    };
    crate::web::frame::respond_with(&state, &visitor, StatusCode::OK, &page)
}
