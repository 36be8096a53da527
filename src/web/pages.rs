//! The pages that exist so far: home and the organization's profile.

use super::html::{escape, page};
use crate::app::AppState;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// The organization's profile: what a person sees at the actor's URL.
pub fn profile(state: &AppState) -> Response {
    let config = state.config();
    let instance = &config.instance;
    let actor = &state.actors().organization;
    let handle = format!("@{}@{}", actor.username, instance.domain);
    let language = instance.languages.first().map_or("en", String::as_str);
    let head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\">\n\
         <meta property=\"og:title\" content=\"{name}\">\n\
         <meta property=\"og:description\" content=\"{summary}\">\n\
         <meta name=\"fediverse:creator\" content=\"{handle}\">\n",
        id = escape(actor.id.as_str()),
        name = escape(&instance.name),
        summary = escape(&instance.summary),
        handle = escape(&handle),
    );
    let contact = if instance.contact.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", escape(&instance.contact))
    };
    let body = format!(
        "<main>\n<h1>{name}</h1>\n<p>{handle}</p>\n<p>{summary}</p>\n{contact}\n\
         <p>Follow this organization from Mastodon or any fediverse app by searching for {handle}.</p>\n</main>",
        name = escape(&instance.name),
        handle = escape(&handle),
        summary = escape(&instance.summary),
    );
    (
        [(header::VARY, "Accept")],
        Html(page(language, &instance.name, &head, &body)),
    )
        .into_response()
}

/// `GET /`.
pub async fn home(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    profile(&state)
}

/// A publication's page (its federated object's `url`); "gone" once deleted.
pub fn publication(
    state: &AppState,
    publication: &crate::domain::publication::Publication,
) -> Response {
    let config = state.config();
    let id = state
        .urls()
        .publication(publication.kind, &publication.public_id);
    let Some(text) = publication.text() else {
        let language = config
            .instance
            .languages
            .first()
            .map_or("en", String::as_str);
        let body = "<main>\n<h1>Gone</h1>\n<p>This was deleted.</p>\n</main>";
        return (
            axum::http::StatusCode::GONE,
            Html(page(language, "Gone", "", body)),
        )
            .into_response();
    };
    let head = format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\">\n\
         <meta property=\"og:title\" content=\"{title}\">\n\
         <meta property=\"og:description\" content=\"{summary}\">\n\
         <meta property=\"og:site_name\" content=\"{site}\">\n\
         <meta name=\"fediverse:creator\" content=\"@{handle}@{domain}\">\n",
        id = escape(id.as_str()),
        title = escape(&text.title),
        summary = escape(&text.summary),
        site = escape(&config.instance.name),
        handle = escape(&state.actors().organization.username),
        domain = escape(&config.instance.domain),
    );
    let mut head = head;
    if let crate::domain::publication::Details::Story(story) = &publication.draft.details
        && let Some(image) = &story.image
    {
        head.push_str(&format!(
            "<meta property=\"og:image\" content=\"{}\">\n<meta property=\"og:image:alt\" content=\"{}\">\n",
            escape(image.url.as_str()),
            escape(&image.alt)
        ));
    }
    let mut body = String::from("<main>\n");
    for text in &publication.draft.texts {
        body.push_str(&format!(
            "<article lang=\"{lang}\" dir=\"{dir}\">\n<h1>{title}</h1>\n<p>{summary}</p>\n{html}\n</article>\n",
            lang = escape(&text.language),
            dir = super::html::direction(&text.language),
            title = escape(&text.title),
            summary = escape(&text.summary),
            html = text.body_html,
        ));
    }
    body.push_str("</main>");
    (
        [(header::VARY, "Accept")],
        Html(page(&text.language, &text.title, &head, &body)),
    )
        .into_response()
}
