//! The search page, `GET /search?q=…&page=N`: our publications in every language and what the
//! organizations we follow publish, best first, each in the reader's language when it has one.
//! Results from the network are marked with their server and link there.

use super::frame::{Frame, framed, respond};
use super::html::direction;
use super::pages::cards::card;
use crate::app::AppState;
use crate::domain::network::RemotePublication;
use crate::domain::publication::Kind;
use crate::domain::search::{self, Hit, MAX_QUERY_CHARS};
use crate::domain::text::html_to_text;
use crate::error::Result;
use crate::i18n::Translator;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

/// Results per page.
const PAGE_SIZE: i64 = 20;
/// The last page one can ask for (beyond it, results are not worth ranking).
const MAX_PAGE: i64 = 50;
/// How much of a received text is shown when it has no summary.
const SUMMARY_CHARS: usize = 280;

/// `?q=…&page=N`; a page that is not a number is the first.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<String>,
}

/// One result as shown.
#[derive(Debug, Clone)]
pub struct ResultView {
    pub url: String,
    pub title: String,
    pub summary: String,
    /// The text's language (empty when a received one did not say) and direction.
    pub language: String,
    pub dir: &'static str,
    /// What it is and where it comes from, in the reader's language.
    pub source: String,
    pub when: Option<String>,
    pub remote: bool,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    query: String,
    heading: String,
    message: Option<String>,
    results: Vec<ResultView>,
    previous: Option<String>,
    next: Option<String>,
}
framed!(SearchPage);

/// `GET /search`.
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<SearchQuery>,
    frame: Frame,
) -> Result<Response> {
    let t = frame.t;
    let query = params.q.as_deref().unwrap_or_default().trim().to_string();
    let page = params
        .page
        .as_deref()
        .and_then(|page| page.trim().parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE);
    // What the page shows of the query (the whole of it is searched, or refused).
    let shown: String = query
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut status = StatusCode::OK;
    let mut message = None;
    let mut results = Vec::new();
    let mut more = false;
    if query.chars().count() > MAX_QUERY_CHARS {
        status = StatusCode::BAD_REQUEST;
        message = Some(t.t1(
            "search-too-long",
            "max",
            &t.digits(&MAX_QUERY_CHARS.to_string()),
        ));
    } else if search::words(&query).is_empty() {
        message = Some(t.t("search-hint"));
    } else {
        let found = search::search(
            state.db(),
            &query,
            t.language.code(),
            PAGE_SIZE,
            (page - 1) * PAGE_SIZE,
        )
        .await?;
        more = found.more && page < MAX_PAGE;
        results = found
            .hits
            .into_iter()
            .filter_map(|hit| view(&state, &t, hit))
            .collect();
        if results.is_empty() {
            message = Some(t.t1("search-nothing", "query", &isolated(&shown)));
        }
    }
    let link = |page: i64| {
        let q: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        format!("/search?q={q}&page={page}")
    };
    let page_view = SearchPage {
        heading: if results.is_empty() {
            t.t("search-title")
        } else {
            t.t1("search-results-for", "query", &isolated(&shown))
        },
        previous: (page > 1 && status == StatusCode::OK).then(|| link(page - 1)),
        next: more.then(|| link(page + 1)),
        query: shown,
        message,
        results,
        frame,
    };
    respond(status, &page_view)
}

/// The reader's words inside a sentence, isolated so that Arabic in an English sentence (or the
/// reverse) does not reorder it.
fn isolated(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

fn view(state: &AppState, t: &Translator, hit: Hit) -> Option<ResultView> {
    match hit {
        Hit::Local { publication, text } => {
            let card = card(state, t, &publication)?;
            let kind = match publication.kind {
                Kind::Story => "search-kind-story",
                Kind::Event => "search-kind-event",
                Kind::Opportunity => "search-kind-opportunity",
                Kind::Resource => "search-kind-resource",
            };
            let when = match (card.when, card.place) {
                (Some(when), Some(place)) => Some(format!("{when} · {place}")),
                (when, place) => when.or(place),
            };
            Some(ResultView {
                url: card.url,
                dir: direction(&text.language),
                title: text.title,
                summary: text.summary,
                language: text.language,
                source: t.t(kind),
                when,
                remote: false,
            })
        }
        Hit::Remote(id, remote) => Some(remote_view(t, id, *remote)),
    }
}

fn remote_view(t: &Translator, id: i64, remote: RemotePublication) -> ResultView {
    let host = url::Url::parse(&remote.actor_ap_id)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    let mut summary = html_to_text(&remote.summary_html);
    if summary.is_empty() {
        let content = html_to_text(&remote.content_html);
        summary = content.chars().take(SUMMARY_CHARS).collect();
        if summary.len() < content.len() {
            summary.push('…');
        }
    }
    let when = match remote.starts_at {
        Some(starts) => t.date_time(&remote.in_own_zone(starts)),
        None => t.date(&remote.published_at.fixed_offset()),
    };
    let language = remote.language.unwrap_or_default();
    ResultView {
        url: format!("/network/{id}"),
        title: remote.name,
        summary,
        dir: if language.is_empty() {
            "auto"
        } else {
            direction(&language)
        },
        language,
        source: t.t1("search-from-network", "host", &host),
        when: Some(when),
        remote: true,
    }
}
