//! A publication's page (the `url` of its federated object): its texts, the facts of its kind
//! (an event's time and place, an opportunity's deadline, a resource's links, a story's image),
//! its hashtags, and for a logged-in editor the edit and pin tools.

use crate::app::AppState;
use crate::domain::publication::{self, Details, Kind, Publication};
use crate::error::{Error, Result};
use crate::web::frame::{Frame, framed, message, respond};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

/// `GET /{kinds}/{public_id}` for people.
pub async fn publication(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    headers: HeaderMap,
    frame: Frame,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let found = publication::find(state.db(), kind, &public_id).await?;
    page(&state, &headers, frame, &found).await
}

/// One language version on a publication's page.
#[derive(Debug, Clone)]
pub struct TextView {
    pub language: String,
    pub dir: &'static str,
    pub title: String,
    pub summary: String,
    pub body_html: String,
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    frame: Frame,
    id: String,
    title: String,
    summary: String,
    image: Option<(String, String)>,
    texts: Vec<TextView>,
    facts: Vec<String>,
    links: Vec<(String, String)>,
    /// `(href, #tag)`.
    tags: Vec<(String, String)>,
    published: String,
    /// The edit form and the pin button, for a logged-in editor.
    tools: Option<EditorTools>,
}
framed!(PublicationPage);

/// What a logged-in editor or admin gets on a publication's page.
pub struct EditorTools {
    /// The edit form (its `/pin` pins or unpins).
    pub edit: String,
    pub csrf: String,
    pub pinned: bool,
}

/// A publication's page: the reader's language first, then the others; 410 once deleted. An
/// editor or admin who is logged in also gets a link to its edit form and a pin button.
async fn page(
    state: &AppState,
    headers: &HeaderMap,
    frame: Frame,
    publication: &Publication,
) -> Result<Response> {
    let t = frame.t;
    let Some(main) = publication.text_in(t.language.code()) else {
        return message(frame, StatusCode::GONE, "gone-title", "gone-text");
    };
    let mut texts = vec![main];
    texts.extend(
        publication
            .draft
            .texts
            .iter()
            .filter(|text| text.language != main.language),
    );
    let mut facts = Vec::new();
    let mut links = Vec::new();
    let mut image = None;
    match &publication.draft.details {
        Details::Event(event) => {
            let mut when = format!("{}: {}", t.t("event-when"), t.date_time(&event.starts()));
            when.push_str(&format!(
                " – {} ({})",
                t.date_time(&event.ends()),
                event.time_zone
            ));
            match event.status.as_str() {
                "cancelled" => facts.push(t.t("event-status-cancelled")),
                "tentative" => facts.push(t.t("event-status-tentative")),
                _ => {}
            }
            facts.push(when);
            if let Some(place) = &event.place {
                facts.push(format!("{}: {}", t.t("event-where"), place.one_line()));
                if let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude) {
                    links.push((
                        format!("https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"),
                        t.t("event-map"),
                    ));
                }
            }
            if let Some(url) = &event.online_url {
                links.push((url.to_string(), t.t("event-join-online")));
            }
            links.push((
                format!("/events/{}/calendar.ics", publication.public_id),
                t.t("event-add-to-calendar"),
            ));
        }
        Details::Opportunity(opportunity) => {
            facts.push(t.t(&format!("opportunity-kind-{}", opportunity.kind)));
            if let Some(deadline) = opportunity.deadline {
                facts.push(t.t1(
                    "opportunity-deadline",
                    "date",
                    &t.date(&deadline.fixed_offset()),
                ));
            }
            if opportunity.remote {
                facts.push(t.t("opportunity-remote"));
            }
            if let Some(url) = &opportunity.apply_url {
                links.push((url.to_string(), t.t("opportunity-apply")));
            }
            if let Some(email) = &opportunity.apply_email {
                links.push((format!("mailto:{email}"), email.clone()));
            }
        }
        Details::Resource(resource) => {
            if let Some(url) = &resource.document_url {
                links.push((url.to_string(), t.t("resource-document")));
            }
            if let Some(url) = &resource.link {
                links.push((url.to_string(), t.t("resource-link")));
            }
        }
        Details::Story(story) => {
            image = story
                .image
                .as_ref()
                .map(|image| (image.url.to_string(), image.alt.clone()));
        }
    }
    let page = PublicationPage {
        id: state
            .urls()
            .publication(publication.kind, &publication.public_id)
            .to_string(),
        title: main.title.clone(),
        summary: main.summary.clone(),
        image,
        texts: texts
            .into_iter()
            .map(|text| TextView {
                language: text.language.clone(),
                dir: crate::web::html::direction(&text.language),
                title: text.title.clone(),
                summary: text.summary.clone(),
                body_html: text.body_html.clone(),
            })
            .collect(),
        facts,
        links,
        tools: editor_tools(state, headers, publication).await?,
        tags: publication
            .draft
            .hashtags
            .iter()
            .map(|tag| {
                (
                    state.urls().hashtag(tag).path().to_string(),
                    format!("#{tag}"),
                )
            })
            .collect(),
        published: t.t1(
            "published-on",
            "date",
            &t.date(&publication.published_at.fixed_offset()),
        ),
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// The edit form and pin button of `publication` when the request comes from a logged-in
/// editor or admin.
async fn editor_tools(
    state: &AppState,
    headers: &HeaderMap,
    publication: &Publication,
) -> Result<Option<EditorTools>> {
    let Some(secret) = crate::web::auth::cookie(headers, crate::web::auth::SESSION_COOKIE) else {
        return Ok(None);
    };
    let session = crate::domain::accounts::session(state.db(), secret).await?;
    Ok(session
        .filter(|session| session.account.role.can_publish())
        .map(|session| EditorTools {
            edit: format!(
                "/publish/{}/{}",
                publication.kind.as_str(),
                publication.public_id
            ),
            csrf: session.csrf_token,
            pinned: publication.pinned_at.is_some(),
        }))
}
