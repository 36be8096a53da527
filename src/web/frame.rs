//! The frame every page shares: who reads it ([`Reader`], an extractor), what the header and
//! footer show ([`Site`], the language switcher), and how a rendered page becomes a response
//! ([`respond`]). Also the pages that say one thing: [`message`], and the HTML error pages
//! that [`error_pages`] puts in place of the plain-text reason of an error answer.
//!
//! Every page's template struct holds a [`Frame`] and derefs to it ([`framed!`]), so the
//! templates say `t`, `site` and `languages` whatever the page.
//!
//! Invariants: every page is answered in the reader's language with `Vary` on what chose it;
//! a language the reader just chose (`?lang=`) is kept in a cookie; an error on a page route
//! shows a page in the reader's language and the site's layout, while federation and API
//! routes (which this middleware does not wrap) keep their JSON and plain-text answers.

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::i18n::{Language, Translator, negotiate};
use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

/// What every page shows of the instance.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub summary: String,
    /// `@handle@domain`.
    pub handle: String,
    pub actor: String,
    pub source: String,
    /// The organization's logo (a path on this site), if it has one.
    pub logo: Option<String>,
    /// The organization's header image (a path on this site), if it has one.
    pub header: Option<String>,
    /// How to reach the organization: `(href, text)`, a `mailto:` for an e-mail address.
    pub contact: Option<(String, String)>,
}

impl Site {
    pub(crate) fn of(state: &AppState) -> Site {
        let instance = &state.config().instance;
        let pictures = state.pictures_now();
        let media = |id: &String| state.urls().media(id).path().to_string();
        Site {
            name: instance.name.clone(),
            summary: instance.summary.clone(),
            handle: format!("@{}@{}", instance.handle, instance.domain),
            actor: state.actors().organization().id.to_string(),
            source: env!("CARGO_PKG_REPOSITORY").to_string(),
            logo: pictures.icon_image.as_ref().map(media),
            header: pictures.header_image.as_ref().map(media),
            contact: contact_link(&instance.contact),
        }
    }
}

/// The link of `instance.contact`: a `mailto:` for an e-mail address, an http(s) URL itself.
fn contact_link(contact: &str) -> Option<(String, String)> {
    let contact = contact.trim();
    if contact.is_empty() {
        return None;
    }
    let href = if contact.starts_with("https://") || contact.starts_with("http://") {
        contact.to_string()
    } else if contact.contains('@') && !contact.contains(':') {
        format!("mailto:{contact}")
    } else {
        // Neither a web address nor an e-mail address: not a link we would make.
        return None;
    };
    Some((href, contact.to_string()))
}

/// Who is logged in, as far as the header shows it.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn {
    /// May publish (the header links to the publishing page).
    pub publisher: bool,
    /// For an admin: how many registrations wait for approval.
    pub waiting: Option<i64>,
    /// How many of their notifications are unread.
    pub unread: i64,
}

impl SignedIn {
    /// The logged-in visitor of a request, if any (the session the request's extractors share,
    /// and one more query for an admin).
    async fn of(state: &AppState, parts: &mut Parts) -> Option<SignedIn> {
        let session = super::auth::session_of(parts, state).await.ok()??;
        let role = session.account.role;
        let waiting = if role == crate::domain::accounts::Role::Admin {
            crate::domain::accounts::pending_count(state.db())
                .await
                .ok()
        } else {
            None
        };
        let unread = crate::domain::notifications::unread(state.db(), session.account.account_id)
            .await
            .unwrap_or(0);
        Some(SignedIn {
            publisher: role.can_publish(),
            waiting,
            unread,
        })
    }
}

/// The reader of a page: their language, and whether they just chose it (`?lang=`).
#[derive(Debug, Clone, Copy)]
pub struct Reader {
    pub t: Translator,
    chose: bool,
}

impl Reader {
    /// The reader's language from `?lang=`, the `jisr_lang` cookie, `Accept-Language`, or the
    /// instance's first language.
    pub fn of(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Reader {
        let query_lang = uri.query().and_then(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("lang="))
                .map(str::to_string)
        });
        let cookie = super::auth::cookie(headers, "jisr_lang");
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok());
        let default = state
            .config()
            .instance
            .languages
            .iter()
            .find_map(|tag| Language::parse(tag))
            .unwrap_or(Language::En);
        let language = negotiate(query_lang.as_deref(), cookie, accept, default);
        Reader {
            t: Translator::new(language),
            chose: query_lang.as_deref().and_then(Language::parse).is_some(),
        }
    }
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(Reader::of(state, &parts.headers, &parts.uri))
    }
}

/// The language switcher's choices: `(code, name in that language)`.
pub(crate) fn languages() -> Vec<(&'static str, String)> {
    Language::ALL
        .into_iter()
        .map(|language| {
            (
                language.code(),
                Translator::new(language).t("language-name"),
            )
        })
        .collect()
}

/// What every page's template needs besides its own content.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The reader's language.
    pub t: Translator,
    pub site: Site,
    /// The language switcher.
    pub languages: Vec<(&'static str, String)>,
    /// Who is logged in (filled by the extractor; `None` on pages made without a request).
    pub signed_in: Option<SignedIn>,
    reader: Reader,
}

impl Frame {
    pub fn new(state: &AppState, reader: Reader) -> Frame {
        Frame {
            t: reader.t,
            site: Site::of(state),
            languages: languages(),
            signed_in: None,
            reader,
        }
    }
}

impl FromRequestParts<AppState> for Frame {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let mut frame = Frame::new(state, Reader::of(state, &parts.headers, &parts.uri));
        frame.signed_in = SignedIn::of(state, parts).await;
        Ok(frame)
    }
}

/// A page: a template that derefs to its [`Frame`].
pub trait Page: Template + std::ops::Deref<Target = Frame> {}

impl<P: Template + std::ops::Deref<Target = Frame>> Page for P {}

/// Lets the template of each page struct (which holds `frame: Frame`) say `t`, `site` and
/// `languages`.
macro_rules! framed {
    ($($page:ty),+ $(,)?) => {$(
        impl std::ops::Deref for $page {
            type Target = $crate::web::frame::Frame;

            fn deref(&self) -> &Self::Target {
                &self.frame
            }
        }
    )+};
}
pub(crate) use framed;

/// A rendered page as a response: `Vary` on what chose its language, and the choice kept in a
/// cookie when the reader just made it.
pub fn respond(status: StatusCode, page: &impl Page) -> Result<Response> {
    let html = page
        .render()
        .map_err(|error| Error::internal(format!("template: {error}")))?;
    let mut response = (
        status,
        [(header::VARY, "Accept, Accept-Language, Cookie")],
        Html(html),
    )
        .into_response();
    let reader = page.reader;
    if reader.chose {
        let cookie = format!(
            "jisr_lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            reader.t.language.code()
        );
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// A short page with a heading and a few sentences.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub frame: Frame,
    pub heading: String,
    pub text: String,
    /// Each said in the reader's language (an invalid form's fields).
    pub details: Vec<String>,
    /// The server's own words, in English (`lang="en"`), for the curious and for support.
    pub reason: Option<String>,
    /// What to do next: `(href, text)`, shown as a button.
    pub next: Option<(String, String)>,
}
framed!(MessagePage);

/// A page saying the texts of the keys `heading` and `text`.
pub fn message(frame: Frame, status: StatusCode, heading: &str, text: &str) -> Result<Response> {
    let page = MessagePage {
        heading: frame.t.t(heading),
        text: frame.t.t(text),
        details: Vec::new(),
        reason: None,
        next: None,
        frame,
    };
    respond(status, &page)
}

/// The error behind an error answer, kept on the response (by `web::error`) for
/// [`error_pages`].
#[derive(Debug, Clone)]
pub struct Refusal(pub Arc<Error>);

/// The middleware of the page routes: an error answer (the plain-text reason that
/// `web::error` gives every client) becomes a page in the reader's language, with the same
/// status and headers. Answers that are not errors pass untouched.
pub async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // ActivityPub clients keep their plain answers: nothing to prepare for them.
    if crate::federation::documents::wants_activity_json(request.headers()) {
        return next.run(request).await;
    }
    // The request's address and headers, to choose the language and ask who is logged in
    // once it is refused.
    let mut asking = axum::http::Request::new(()).into_parts().0;
    asking.headers = request.headers().clone();
    asking.uri = request.uri().clone();
    let response = next.run(request).await;
    let Some(Refusal(error)) = response.extensions().get::<Refusal>().cloned() else {
        return response;
    };
    let reader = Reader::of(&state, &asking.headers, &asking.uri);
    let path = asking.uri.path().to_string();
    let status = response.status();
    let (heading, text) = match status {
        StatusCode::NOT_FOUND => ("not-found-title", "not-found-text"),
        StatusCode::GONE => ("gone-title", "gone-text"),
        StatusCode::FORBIDDEN => ("forbidden-title", "forbidden-text"),
        StatusCode::UNAUTHORIZED => ("forbidden-title", "unauthorized-text"),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid-title", "invalid-text"),
        StatusCode::PAYLOAD_TOO_LARGE => ("invalid-title", "too-large-text"),
        status if status.is_client_error() => ("invalid-title", "bad-request-text"),
        StatusCode::SERVICE_UNAVAILABLE => ("error-title", "unavailable-text"),
        _ => ("error-title", "error-text"),
    };
    let mut frame = Frame::new(&state, reader);
    let t = frame.t;
    frame.signed_in = SignedIn::of(&state, &mut asking).await;
    // A logged-in account refused a page of another role is told which roles may use it.
    let (text, next) = match &frame.signed_in {
        Some(signed_in) if status == StatusCode::FORBIDDEN => {
            let account = Some(("/account".to_string(), t.t("nav-account")));
            if path.starts_with("/admin") {
                ("forbidden-admin-text", account)
            } else if path.starts_with("/publish") && !signed_in.publisher {
                ("forbidden-publish-text", account)
            } else {
                (text, None)
            }
        }
        _ => (text, None),
    };
    let details = match error.as_ref() {
        Error::Invalid(fields) => fields
            .iter()
            .map(|field| super::forms::say(&t, field))
            .collect(),
        _ => Vec::new(),
    };
    // The reason in the server's words, where it says more than the status.
    let reason = match error.as_ref() {
        Error::Forbidden(reason)
        | Error::Unauthorized(reason)
        | Error::BadRequest(reason)
        | Error::TooLarge(reason) => Some(reason.clone()),
        _ => None,
    };
    let page = MessagePage {
        heading: t.t(heading),
        text: t.t(text),
        details,
        reason,
        next,
        frame,
    };
    let (mut parts, _) = response.into_parts();
    match page.render() {
        Ok(html) => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/html; charset=utf-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::VARY,
                header::HeaderValue::from_static("Accept, Accept-Language, Cookie"),
            );
            Response::from_parts(parts, axum::body::Body::from(html))
        }
        Err(error) => {
            tracing::error!(%error, "error page template");
            Response::from_parts(parts, axum::body::Body::from("something went wrong\n"))
        }
    }
}

/// [`respond`] for a page with a form: also sets the visitor's CSRF cookie when it is new.
pub fn respond_with(
    state: &AppState,
    visitor: &super::auth::Visitor,
    status: StatusCode,
    page: &impl Page,
) -> Result<Response> {
    Ok(visitor.finish(state, respond(status, page)?))
}
