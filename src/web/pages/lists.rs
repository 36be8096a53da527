//! The list pages of the four kinds (`/stories`, `/events`, `/opportunities`, `/resources`):
//! a page of cards, ours and the network's, the filters that narrow it (whose, country, GCM
//! objective, language, the kind's own choice, hashtag), and its feeds. The same filters
//! narrow the calendar, the feeds and the tag pages.

use super::cards::{Card, entry_cards, listed, this_minute};
use crate::app::AppState;
use crate::domain::entries::Source;
use crate::domain::publication::{self, Kind, Listing};
use crate::error::Result;
use crate::i18n::Translator;
use crate::web::frame::{Frame, framed, respond};
use crate::web::kept::ContentVersion;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    frame: Frame,
    heading: String,
    feed: String,
    ics: Option<String>,
    items: Vec<Card>,
    form: FilterForm,
    /// The previous and next pages of the same selection.
    previous: Option<String>,
    next: Option<String>,
}
framed!(ListPage);

/// `?page=N` and the filters of a list page; empty fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
    country: Option<String>,
    /// A country of origin and one of residence: a corridor.
    origin: Option<String>,
    residence: Option<String>,
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
    /// The calendar's month, `YYYY-MM` (not a filter: feeds leave it out).
    pub month: Option<String>,
    /// The calendar feed's window: a day (`2026-03-14`) or a moment (RFC 3339); not filters.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Whose: `ours`, `network` or `both` (the configuration's default when absent).
    source: Option<String>,
}

impl PageQuery {
    /// Whose publications the reader chose, if they did.
    pub fn chosen_source(&self) -> Option<Source> {
        given(&self.source).and_then(|name| Source::parse(&name))
    }

    /// Whose publications the reader chose, else the configuration's default.
    pub fn source(&self, website: &crate::config::Website) -> Source {
        given(&self.source)
            .and_then(|name| Source::parse(&name))
            .unwrap_or_else(|| website.default_source())
    }

    /// The filters as a query string (`?country=DE&category=arts`, or "" for none), for the
    /// feed of the same selection.
    pub fn filter_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("country", &self.country),
            ("origin", &self.origin),
            ("residence", &self.residence),
            ("gcm", &self.gcm),
            ("language", &self.language),
            ("category", &self.category),
            ("kind", &self.kind),
            ("remote", &self.remote),
            ("year", &self.year),
            ("closed", &self.closed),
            ("topic", &self.topic),
            ("tag", &self.tag),
            ("source", &self.source),
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

/// A country select's options: the organization's own countries, then all of them;
/// `(code, name, selected)`.
#[derive(Debug, Clone, Default)]
pub struct CountryChoices {
    pub ours: Vec<(String, String, bool)>,
    pub all: Vec<(&'static str, &'static str, bool)>,
}

/// The filter form of a list page, as the reader left it.
#[derive(Debug, Clone, Default)]
pub struct FilterForm {
    pub country: String,
    pub origin: String,
    pub residence: String,
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
    /// The countries to choose from, by name: the organization's own, then all of them;
    /// `(code, name, selected)`.
    pub our_countries: Vec<(String, String, bool)>,
    pub countries: Vec<(&'static str, &'static str, bool)>,
    /// The same for the country of origin and the country of residence.
    pub origin_choices: CountryChoices,
    pub residence_choices: CountryChoices,
    /// The languages to choose from, by name: `(tag, name, selected)`.
    pub languages: Vec<(String, String, bool)>,
    /// The Global Compact objectives, by number and title: `(number, title, selected)`.
    pub objectives: Vec<(String, String, bool)>,
    /// Whose publications: `(value, label, selected)`.
    pub sources: Vec<(&'static str, String, bool)>,
    /// Values the form keeps as they are (the calendar's month): `(name, value)`.
    pub hidden: Vec<(&'static str, String)>,
}

impl FilterForm {
    /// Fills the choice of whose publications, `source` chosen.
    pub(crate) fn with_source(mut self, t: &Translator, source: Source) -> FilterForm {
        self.sources = Source::ALL
            .into_iter()
            .map(|each| {
                (
                    each.as_str(),
                    t.t(&format!("filter-source-{}", each.as_str())),
                    each == source,
                )
            })
            .collect();
        self
    }

    /// Fills the country and language choices, by name in the reader's language.
    pub(crate) fn with_names(
        mut self,
        t: &Translator,
        instance: &crate::config::Instance,
    ) -> FilterForm {
        let selected = |code: &str, chosen: &str| code.eq_ignore_ascii_case(chosen);
        let mut ours: Vec<String> = Vec::new();
        for code in instance
            .countries_of_origin
            .iter()
            .chain(&instance.countries_of_residence)
        {
            if !ours.contains(code) {
                ours.push(code.clone());
            }
        }
        self.our_countries = ours
            .iter()
            .map(|code| (code.clone(), t.country(code), selected(code, &self.country)))
            .collect();
        self.countries = t
            .all_countries()
            .iter()
            .map(|(code, name)| {
                let on = selected(code, &self.country) && !ours.contains(code);
                (code.as_str(), name.as_str(), on)
            })
            .collect();
        let choices = |chosen: &str| CountryChoices {
            ours: ours
                .iter()
                .map(|code| (code.clone(), t.country(code), selected(code, chosen)))
                .collect(),
            all: t
                .all_countries()
                .iter()
                .map(|(code, name)| {
                    let on = selected(code, chosen) && !ours.contains(code);
                    (code.as_str(), name.as_str(), on)
                })
                .collect(),
        };
        self.origin_choices = choices(&self.origin);
        self.residence_choices = choices(&self.residence);
        let mut tags: Vec<String> = instance.languages.clone();
        for language in crate::i18n::Language::ALL {
            if !tags.iter().any(|tag| tag == language.code()) {
                tags.push(language.code().to_string());
            }
        }
        self.languages = tags
            .into_iter()
            .map(|tag| {
                let on = selected(&tag, &self.language);
                (tag.clone(), t.language(&tag), on)
            })
            .collect();
        self.objectives = (1..=23)
            .map(|number: u8| {
                let value = number.to_string();
                let on = value == self.gcm;
                (value, t.gcm_objective(number), on)
            })
            .collect();
        self
    }
}

/// Letters, digits and `_`, 1 to 50 of them: what a hashtag of ours can be.
pub(crate) fn is_hashtag(tag: &str) -> bool {
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
        origin: given(&query.origin).and_then(|value| crate::domain::validation::country(&value)),
        residence: given(&query.residence)
            .and_then(|value| crate::domain::validation::country(&value)),
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
        origin: filters.origin.clone().unwrap_or_default(),
        residence: filters.residence.clone().unwrap_or_default(),
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

/// `GET /{kinds}?page=N&…`: a page of `kind`, newest first (events: the next first;
/// opportunities: those still open unless `closed` is given).
pub async fn list(
    state: &AppState,
    frame: Frame,
    kind: Kind,
    query: &PageQuery,
) -> Result<Response> {
    let number = query.page.unwrap_or(1).clamp(1, 10_000);
    let offset = (number - 1) * PAGE_SIZE;
    let now = this_minute(Utc::now());
    let listing = match kind {
        Kind::Event => Listing::UpcomingEvents { now },
        Kind::Opportunity if given(&query.closed).is_none() => Listing::OpenOpportunities { now },
        other => Listing::Newest(Some(other)),
    };
    let t = frame.t;
    let (chosen, form) = filters(&t, kind, query);
    let source = query.source(&state.config().website);
    let form = form
        .with_names(&t, &state.config().instance)
        .with_source(&t, source);
    // One more than a page: whether there is a next one.
    let version = ContentVersion::read(state).await?;
    let found = listed(
        state,
        &version,
        source,
        listing,
        &chosen,
        (offset, PAGE_SIZE + 1),
    )
    .await?;
    let has_next = found.entries.len() as i64 > PAGE_SIZE;
    let items = entry_cards(
        state,
        &t,
        &found,
        PAGE_SIZE as usize,
        source != Source::Ours,
    );
    let filters_query = query.filter_query();
    let page_link = |number: i64| {
        let separator = if filters_query.is_empty() { '?' } else { '&' };
        format!("/{}{filters_query}{separator}page={number}", kind.plural())
    };
    let page = ListPage {
        previous: (number > 1).then(|| page_link(number - 1)),
        next: has_next.then(|| page_link(number + 1)),
        heading: t.t(&format!("{}-title", kind.plural())),
        feed: format!("/{}.atom{}", kind.plural(), query.filter_query()),
        ics: (kind == Kind::Event).then(|| format!("/events.ics{}", query.filter_query())),
        items,
        form,
        frame,
    };
    respond(StatusCode::OK, &page)
}
