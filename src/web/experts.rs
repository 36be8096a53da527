//! The experts directory (`/experts`): our confirmed experts and those of other Jisr
//! instances whose actors say so, filtered by area and language, each with the areas they
//! advise on and a link to their profile.

use super::frame::{Frame, framed, respond};
use crate::app::AppState;
use crate::domain::experts;
use crate::error::Result;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

/// One expert as the directory shows them.
struct ExpertCard {
    name: String,
    handle: String,
    link: String,
    areas: Vec<String>,
    languages: String,
    /// Another server's expert: "From host".
    source: Option<String>,
}

#[derive(Template)]
#[template(path = "experts.html")]
struct ExpertsPage {
    frame: Frame,
    /// `(value, label, chosen)`.
    areas: Vec<(String, String, bool)>,
    /// The languages experts speak (named `spoken`: the frame's `languages` are the
    /// interface's).
    spoken: Vec<(String, String, bool)>,
    experts: Vec<ExpertCard>,
    results: String,
}
framed!(ExpertsPage);

/// `?area=&language=`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ExpertsQuery {
    area: Option<String>,
    language: Option<String>,
}

/// `GET /experts`.
pub async fn experts(
    State(state): State<AppState>,
    frame: Frame,
    Query(query): Query<ExpertsQuery>,
) -> Result<Response> {
    let t = frame.t;
    let area = query
        .area
        .as_deref()
        .filter(|area| experts::AREAS.contains(area));
    let language = query
        .language
        .as_deref()
        .and_then(crate::domain::validation::language);
    let domain = &state.config().instance.domain;
    let area_names = |areas: &[String]| -> Vec<String> {
        areas
            .iter()
            .map(|area| t.t(&format!("expert-area-{area}")))
            .collect()
    };
    let mut cards: Vec<ExpertCard> = experts::local(state.db(), area, language.as_deref())
        .await?
        .into_iter()
        .map(|expert| ExpertCard {
            name: expert.name.clone(),
            handle: format!("@{}@{domain}", expert.username),
            link: state
                .urls()
                .actor(
                    crate::federation::actors::ActorKind::Person,
                    &expert.username,
                )
                .path()
                .to_string(),
            areas: area_names(&expert.areas()),
            languages: t.languages(&expert.languages()),
            source: None,
        })
        .collect();
    let mut spoken: Vec<String> = Vec::new();
    for profile in crate::federation::remote_actors::experts(state.db()).await? {
        let details = &profile.details;
        spoken.extend(details.languages.iter().cloned());
        if area.is_some_and(|area| !details.expert_areas.iter().any(|given| given == area))
            || language
                .as_deref()
                .is_some_and(|language| !details.languages.iter().any(|given| given == language))
        {
            continue;
        }
        let handle = profile.handle();
        let host = handle.rsplit('@').next().unwrap_or_default().to_string();
        cards.push(ExpertCard {
            name: profile.display_name(),
            link: profile.page().to_string(),
            areas: area_names(&details.expert_areas),
            languages: t.languages(&details.languages),
            source: Some(t.t1("forum-from", "host", &format!("\u{2068}{host}\u{2069}"))),
            handle,
        });
    }
    for expert in experts::local(state.db(), None, None).await? {
        spoken.extend(expert.languages());
    }
    spoken.sort();
    spoken.dedup();
    let page = ExpertsPage {
        areas: experts::AREAS
            .iter()
            .map(|code| {
                (
                    code.to_string(),
                    t.t(&format!("expert-area-{code}")),
                    area == Some(*code),
                )
            })
            .collect(),
        spoken: spoken
            .into_iter()
            .map(|tag| {
                let chosen = language.as_deref() == Some(tag.as_str());
                (tag.clone(), t.language(&tag), chosen)
            })
            .collect(),
        results: t.t1(
            "experts-count",
            "count",
            &t.digits(&cards.len().to_string()),
        ),
        experts: cards,
        frame,
    };
    respond(StatusCode::OK, &page)
}
