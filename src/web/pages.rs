//! The pages people read: home, the lists of stories, events, opportunities and resources, the
//! month calendar, and each publication's page (the `url` of its federated object). Rendered
//! on the server with askama templates (`templates/`), in the reader's language.

use crate::app::AppState;
use crate::domain::publication::{self, Details, Kind, Listing, Publication};
use crate::error::{Error, Result};
use crate::i18n::{Language, Translator, negotiate};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;

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
        }
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
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .find_map(|pair| pair.trim().strip_prefix("jisr_lang=").map(str::to_string));
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
        let language = negotiate(query_lang.as_deref(), cookie.as_deref(), accept, default);
        Reader {
            t: Translator::new(language),
            chose: query_lang.as_deref().and_then(Language::parse).is_some(),
        }
    }

    /// A rendered page as a response: `Vary` on what chose its language, and the choice kept in
    /// a cookie when the reader just made it.
    pub(crate) fn respond(
        &self,
        status: StatusCode,
        html: std::result::Result<String, askama::Error>,
    ) -> Result<Response> {
        let html = html.map_err(|error| Error::internal(format!("template: {error}")))?;
        let mut response = (
            status,
            [(header::VARY, "Accept, Accept-Language, Cookie")],
            Html(html),
        )
            .into_response();
        if self.chose {
            let cookie = format!(
                "jisr_lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                self.t.language.code()
            );
            if let Ok(value) = header::HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
        }
        Ok(response)
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

/// A publication as a card in a list.
#[derive(Debug, Clone)]
pub struct Card {
    pub url: String,
    pub title: String,
    pub summary: String,
    pub language: String,
    pub dir: &'static str,
    pub when: Option<String>,
    pub place: Option<String>,
}

pub(crate) fn card(state: &AppState, t: &Translator, publication: &Publication) -> Option<Card> {
    let text = publication.text_in(t.language.code())?;
    let (when, place) = match &publication.draft.details {
        Details::Event(event) => (
            Some(t.date_time(&event.starts())),
            event
                .place
                .as_ref()
                .map(|place| place.one_line())
                .or_else(|| event.online_url.as_ref().map(|_| t.t("event-online"))),
        ),
        Details::Opportunity(opportunity) => (
            opportunity.deadline.map(|deadline| {
                t.t1(
                    "opportunity-deadline",
                    "date",
                    &t.date(&deadline.fixed_offset()),
                )
            }),
            Some(format!(
                "{}{}",
                t.t(&format!("opportunity-kind-{}", opportunity.kind)),
                opportunity
                    .place
                    .as_ref()
                    .map(|place| format!(" · {place}"))
                    .unwrap_or_default()
            )),
        ),
        _ => (Some(t.date(&publication.published_at.fixed_offset())), None),
    };
    Some(Card {
        url: state
            .urls()
            .publication(publication.kind, &publication.public_id)
            .to_string(),
        title: text.title.clone(),
        summary: text.summary.clone(),
        dir: super::html::direction(&text.language),
        language: text.language.clone(),
        when,
        place,
    })
}

fn cards(state: &AppState, t: &Translator, publications: &[Publication]) -> Vec<Card> {
    publications
        .iter()
        .filter_map(|publication| card(state, t, publication))
        .collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    /// What editors pinned to the profile.
    pinned: Vec<Card>,
    events: Vec<Card>,
    stories: Vec<Card>,
    opportunities: Vec<Card>,
}

/// The home page (also what a browser sees at the organization's actor URL).
pub async fn home_page(state: &AppState, reader: Reader) -> Result<Response> {
    let now = Utc::now();
    let db = state.db();
    let t = reader.t;
    let page = HomePage {
        pinned: cards(state, &t, &publication::pins::pinned(db).await?),
        events: cards(
            state,
            &t,
            &publication::list_where(db, Listing::UpcomingEvents { now }, 0, 6).await?,
        ),
        stories: cards(
            state,
            &t,
            &publication::list_where(db, Listing::Newest(Some(Kind::Story)), 0, 6).await?,
        ),
        opportunities: cards(
            state,
            &t,
            &publication::list_where(db, Listing::OpenOpportunities { now }, 0, 6).await?,
        ),
        t,
        site: Site::of(state),
        languages: languages(),
    };
    reader.respond(StatusCode::OK, page.render())
}

/// `GET /`.
pub async fn home(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response> {
    home_page(&state, Reader::of(&state, &headers, &uri)).await
}

/// `GET /actors/{username}` for people: the organization's profile is the home page.
pub async fn actor(
    State(state): State<AppState>,
    Path(username): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    crate::federation::documents::named_actor(&state, &username).await?;
    home_page(&state, Reader::of(&state, &headers, &uri)).await
}

/// `GET /{kinds}/{public_id}` for people: a publication's page.
pub async fn publication(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let found = publication::find(state.db(), kind, &public_id).await?;
    publication_page(&state, &headers, &uri, &found).await
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    heading: String,
    feed: String,
    ics: Option<String>,
    items: Vec<Card>,
    form: FilterForm,
    /// The previous and next pages of the same selection.
    previous: Option<String>,
    next: Option<String>,
}

/// `?page=N` and the filters of a list page; empty fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    country: Option<String>,
    gcm: Option<String>,
    language: Option<String>,
    category: Option<String>,
    kind: Option<String>,
    remote: Option<String>,
    year: Option<String>,
    /// Opportunities whose deadline has passed too.
    closed: Option<String>,
    topic: Option<String>,
    /// A hashtag, without `#`.
    tag: Option<String>,
}

impl PageQuery {
    /// The filters as a query string (`?country=DE&category=arts`, or "" for none), for the
    /// feed of the same selection.
    pub fn filter_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("country", &self.country),
            ("gcm", &self.gcm),
            ("language", &self.language),
            ("category", &self.category),
            ("kind", &self.kind),
            ("remote", &self.remote),
            ("year", &self.year),
            ("closed", &self.closed),
            ("topic", &self.topic),
            ("tag", &self.tag),
        ] {
            if let Some(value) = given(value) {
                query.append_pair(name, &value);
            }
        }
        let query = query.finish();
        if query.is_empty() {
            query
        } else {
            format!("?{query}")
        }
    }
}

/// The filter form of a list page, as the reader left it.
#[derive(Debug, Clone, Default)]
pub struct FilterForm {
    pub country: String,
    pub gcm: String,
    pub language: String,
    pub year: String,
    pub remote: bool,
    /// `category` or `kind`, when the kind has such a choice.
    pub choice_name: Option<&'static str>,
    pub choice_label: String,
    /// `(value, label, selected)`.
    pub choices: Vec<(String, String, bool)>,
    pub show_remote: bool,
    pub show_year: bool,
    /// Opportunities: include those whose deadline has passed.
    pub closed: bool,
    /// Resources: the topic, as written.
    pub topic: String,
}

/// Letters, digits and `_`, 1 to 50 of them: what a hashtag of ours can be.
fn is_hashtag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.chars().count() <= 50
        && tag.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

/// The filters of a list of `kind` from the query, and the form that shows them.
pub(crate) fn filters(
    t: &Translator,
    kind: Kind,
    query: &PageQuery,
) -> (publication::Filters, FilterForm) {
    let mut filters = publication::Filters {
        country: given(&query.country).and_then(|value| crate::domain::validation::country(&value)),
        gcm: given(&query.gcm)
            .and_then(|value| value.parse::<u8>().ok())
            .filter(|gcm| (1..=23).contains(gcm)),
        language: given(&query.language)
            .and_then(|value| crate::domain::validation::language(&value)),
        fields: Vec::new(),
        hashtag: given(&query.tag)
            .map(|tag| tag.trim_start_matches('#').to_string())
            .filter(|tag| is_hashtag(tag)),
    };
    let mut form = FilterForm {
        country: filters.country.clone().unwrap_or_default(),
        gcm: filters.gcm.map(|gcm| gcm.to_string()).unwrap_or_default(),
        language: filters.language.clone().unwrap_or_default(),
        ..FilterForm::default()
    };
    let (name, options, chosen): (&'static str, Vec<(String, String)>, Option<String>) = match kind
    {
        Kind::Story => (
            "category",
            crate::domain::story::CATEGORIES
                .iter()
                .map(|value| (value.to_string(), t.t(&format!("story-category-{value}"))))
                .collect(),
            given(&query.category),
        ),
        Kind::Opportunity => (
            "kind",
            crate::domain::opportunity::KINDS
                .iter()
                .map(|value| (value.to_string(), t.t(&format!("opportunity-kind-{value}"))))
                .collect(),
            given(&query.kind),
        ),
        Kind::Event => (
            "category",
            crate::domain::event::CATEGORIES
                .iter()
                .map(|value| (value.to_string(), t.t(&format!("event-category-{value}"))))
                .collect(),
            given(&query.category),
        ),
        Kind::Resource => ("", Vec::new(), None),
    };
    if !options.is_empty() {
        let chosen = chosen.filter(|value| options.iter().any(|(option, _)| option == value));
        if let Some(value) = &chosen {
            let stored = if kind == Kind::Event {
                value.to_ascii_uppercase()
            } else {
                value.clone()
            };
            filters
                .fields
                .push((name, serde_json::Value::String(stored)));
        }
        form.choice_name = Some(name);
        form.choice_label = t.t(if name == "kind" {
            "filter-kind"
        } else {
            "filter-category"
        });
        form.choices = options
            .into_iter()
            .map(|(value, label)| {
                let selected = chosen.as_deref() == Some(value.as_str());
                (value, label, selected)
            })
            .collect();
    }
    if kind == Kind::Opportunity {
        form.show_remote = true;
        form.closed = given(&query.closed).is_some();
        form.remote = given(&query.remote).is_some();
        if form.remote {
            filters
                .fields
                .push(("remote", serde_json::Value::Bool(true)));
        }
    }
    if kind == Kind::Resource {
        form.show_year = true;
        if let Some(year) = given(&query.year).and_then(|value| value.parse::<i32>().ok()) {
            form.year = year.to_string();
            filters.fields.push(("year", serde_json::Value::from(year)));
        }
        if let Some(topic) = given(&query.topic) {
            filters
                .fields
                .push(("topic", serde_json::Value::String(topic.clone())));
            form.topic = topic;
        }
    }
    (filters, form)
}

const PAGE_SIZE: i64 = 24;

async fn list_page(
    state: &AppState,
    reader: Reader,
    kind: Kind,
    query: &PageQuery,
) -> Result<Response> {
    let number = query.page.unwrap_or(1).clamp(1, 10_000);
    let offset = (number - 1) * PAGE_SIZE;
    let now = Utc::now();
    let listing = match kind {
        Kind::Event => Listing::UpcomingEvents { now },
        Kind::Opportunity if given(&query.closed).is_none() => Listing::OpenOpportunities { now },
        other => Listing::Newest(Some(other)),
    };
    let t = reader.t;
    let (chosen, form) = filters(&t, kind, query);
    // One more than a page: whether there is a next one.
    let mut publications =
        publication::list_filtered(state.db(), listing, &chosen, offset, PAGE_SIZE + 1).await?;
    let has_next = publications.len() as i64 > PAGE_SIZE;
    publications.truncate(PAGE_SIZE as usize);
    let filters_query = query.filter_query();
    let page_link = |number: i64| {
        let separator = if filters_query.is_empty() { '?' } else { '&' };
        format!("/{}{filters_query}{separator}page={number}", kind.plural())
    };
    let page = ListPage {
        previous: (number > 1).then(|| page_link(number - 1)),
        next: has_next.then(|| page_link(number + 1)),
        heading: t.t(&format!("{}-title", kind.plural())),
        feed: format!("/{}.atom", kind.plural()),
        ics: (kind == Kind::Event).then(|| format!("/events.ics{}", query.filter_query())),
        items: cards(state, &t, &publications),
        form,
        t,
        site: Site::of(state),
        languages: languages(),
    };
    reader.respond(StatusCode::OK, page.render())
}

macro_rules! list_handler {
    ($name:ident, $kind:expr) => {
        /// The list page of one kind.
        pub async fn $name(
            State(state): State<AppState>,
            Query(query): Query<PageQuery>,
            headers: HeaderMap,
            uri: Uri,
        ) -> Result<Response> {
            list_page(&state, Reader::of(&state, &headers, &uri), $kind, &query).await
        }
    };
}

list_handler!(stories, Kind::Story);
list_handler!(events, Kind::Event);
list_handler!(opportunities, Kind::Opportunity);
list_handler!(resources, Kind::Resource);

/// One day of the month grid.
#[derive(Debug, Clone)]
pub struct Day {
    pub label: String,
    pub outside: bool,
    pub events: Vec<Card>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    heading: String,
    previous: String,
    next: String,
    weekdays: Vec<String>,
    weeks: Vec<Vec<Day>>,
}

/// `?month=2026-03`.
#[derive(Debug, Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// `GET /events/calendar?month=YYYY-MM`: the month grid, weeks starting on Monday.
pub async fn calendar(
    State(state): State<AppState>,
    Query(query): Query<MonthQuery>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let reader = Reader::of(&state, &headers, &uri);
    let t = reader.t;
    let today = Utc::now().date_naive();
    let first = match query.month.as_deref() {
        Some(month) => NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| Error::invalid("month", "must look like 2026-03"))?,
        None => today.with_day(1).unwrap_or(today),
    };
    let next_month = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| Error::invalid("month", "out of range"))?;
    let previous_month = first
        .checked_sub_months(chrono::Months::new(1))
        .ok_or_else(|| Error::invalid("month", "out of range"))?;
    let from = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::days(1);
    let to = next_month
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        + Duration::days(1);
    let events =
        publication::list_where(state.db(), Listing::EventsBetween { from, to }, 0, 500).await?;

    // Each event's local days and start time, computed once (not once per day of the grid).
    let spans: Vec<(&Publication, NaiveDate, NaiveDate, String)> = events
        .iter()
        .filter_map(|publication| match &publication.draft.details {
            Details::Event(event) => {
                let (starts, ends) = (event.starts(), event.ends());
                Some((
                    publication,
                    starts.date_naive(),
                    ends.date_naive(),
                    t.digits(&starts.format("%H:%M").to_string()),
                ))
            }
            _ => None,
        })
        .collect();
    let grid_start = first - Duration::days(i64::from(first.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    let mut day = grid_start;
    while day < next_month || weeks.is_empty() {
        let mut week = Vec::new();
        for _ in 0..7 {
            // An event shows on each local day it spans, in its own time zone.
            let day_events = spans
                .iter()
                .filter(|(_, start, end, _)| *start <= day && day <= *end)
                .filter_map(|(publication, _, _, time)| {
                    let mut card = card(&state, &t, publication)?;
                    card.when = Some(time.clone());
                    Some(card)
                })
                .collect();
            week.push(Day {
                label: t.digits(&day.day().to_string()),
                outside: day.month() != first.month(),
                events: day_events,
            });
            day += Duration::days(1);
        }
        weeks.push(week);
    }
    let page = CalendarPage {
        heading: t.month_year(first.year(), first.month()),
        previous: previous_month.format("%Y-%m").to_string(),
        next: next_month.format("%Y-%m").to_string(),
        weekdays: t
            .t("weekday-short")
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        weeks,
        t,
        site: Site::of(&state),
        languages: languages(),
    };
    reader.respond(StatusCode::OK, page.render())
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
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
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

/// What a logged-in editor or admin gets on a publication's page.
pub struct EditorTools {
    /// The edit form (its `/pin` pins or unpins).
    pub edit: String,
    pub csrf: String,
    pub pinned: bool,
}

/// A short page with a heading and a sentence.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub t: Translator,
    pub site: Site,
    pub languages: Vec<(&'static str, String)>,
    pub heading: String,
    pub text: String,
}

/// A publication's page: the reader's language first, then the others; 410 once deleted. An
/// editor or admin who is logged in also gets a link to its edit form and a pin button.
pub async fn publication_page(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    publication: &Publication,
) -> Result<Response> {
    let reader = Reader::of(state, headers, uri);
    let t = reader.t;
    let Some(main) = publication.text_in(t.language.code()) else {
        let page = MessagePage {
            heading: t.t("gone-title"),
            text: t.t("gone-text"),
            t,
            site: Site::of(state),
            languages: languages(),
        };
        return reader.respond(StatusCode::GONE, page.render());
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
                dir: super::html::direction(&text.language),
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
        t,
        site: Site::of(state),
        languages: languages(),
    };
    reader.respond(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    heading: String,
    follow: String,
    languages_spoken: String,
    origin: String,
    residence: String,
    /// `(href, text)`: a `mailto:` for an e-mail address, else the URL.
    contact: Option<(String, String)>,
}

/// The edit form and pin button of `publication` when the request comes from a logged-in
/// editor or admin.
async fn editor_tools(
    state: &AppState,
    headers: &HeaderMap,
    publication: &Publication,
) -> Result<Option<EditorTools>> {
    let Some(secret) = super::auth::cookie(headers, super::auth::SESSION_COOKIE) else {
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

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    heading: String,
    items: Vec<Card>,
    /// The calendar feed of the tag's events.
    ics: String,
}

/// `GET /tags/{tag}`: everything we published with a hashtag, newest first (the `href` of the
/// `Hashtag`s in our federated objects).
pub async fn tag(
    State(state): State<AppState>,
    Path(tag): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let tag = tag.trim_start_matches('#').to_string();
    if tag.is_empty()
        || tag.chars().count() > 50
        || !tag.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(Error::NotFound);
    }
    let reader = Reader::of(&state, &headers, &uri);
    let t = reader.t;
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
        items: cards(&state, &t, &found),
        t,
        site: Site::of(&state),
        languages: languages(),
    };
    reader.respond(StatusCode::OK, page.render())
}

/// `GET /about`: the organization, from the configuration.
pub async fn about(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    let reader = Reader::of(&state, &headers, &uri);
    let t = reader.t;
    let instance = &state.config().instance;
    let contact = (!instance.contact.is_empty()).then(|| {
        let contact = instance.contact.clone();
        if contact.contains('@') && !contact.contains("://") {
            (format!("mailto:{contact}"), contact)
        } else {
            (contact.clone(), contact)
        }
    });
    let page = AboutPage {
        heading: t.t1("about-title", "name", &instance.name),
        follow: t.t1("about-follow", "name", &instance.name),
        languages_spoken: instance.languages.join(", "),
        origin: instance.countries_of_origin.join(", "),
        residence: instance.countries_of_residence.join(", "),
        contact,
        t,
        site: Site::of(&state),
        languages: languages(),
    };
    reader.respond(StatusCode::OK, page.render())
}
