//! The month calendar (`/events/calendar?month=YYYY-MM`): a grid of weeks starting on the
//! reader's locale's first day, each event, ours and the network's, on every local day it
//! spans, in its own time zone; narrowed by the lists' filters.

use super::cards::listed;
use super::lists::{FilterForm, PageQuery, filters};
use crate::app::AppState;
use crate::domain::entries::Entry;
use crate::domain::publication::{Details, Kind, Listing};
use crate::error::{FieldError, Reason, Result};
use crate::web::frame::{Frame, framed, respond};
use crate::web::kept::ContentVersion;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use std::sync::Arc;

/// One day of the month grid.
#[derive(Debug, Clone)]
pub struct Day {
    pub label: String,
    pub outside: bool,
    /// The events on it, each shared by every day it spans.
    pub events: Vec<Arc<DayEvent>>,
}

/// An event as the grid shows it: its start time and title, linked; whose it is when it is
/// another organization's.
#[derive(Debug)]
pub struct DayEvent {
    pub url: String,
    pub title: String,
    pub language: String,
    pub dir: &'static str,
    /// Its start, in its own zone.
    pub when: String,
    /// The organization that published it, when it is not ours.
    pub from: Option<String>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    frame: Frame,
    heading: String,
    previous: String,
    next: String,
    /// `(name, its one- or two-letter form for phones)`, from the first day of the week.
    weekdays: Vec<(String, String)>,
    weeks: Vec<Vec<Day>>,
    form: FilterForm,
    /// The filters as a query string, for the links to other months and the feed.
    filters: String,
}
framed!(CalendarPage);

/// The most events one month shows.
const MAX_EVENTS: i64 = 500;

/// `GET /events/calendar?month=YYYY-MM`: the month grid, weeks starting on Monday.
pub async fn calendar(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    frame: Frame,
) -> Result<Response> {
    let t = frame.t;
    let today = Utc::now().date_naive();
    let first = match query.month.as_deref() {
        Some(month) => NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| FieldError::of("month", Reason::Month))?,
        None => today.with_day(1).unwrap_or(today),
    };
    let next_month = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| FieldError::of("month", Reason::OutOfRange))?;
    let previous_month = first
        .checked_sub_months(chrono::Months::new(1))
        .ok_or_else(|| FieldError::of("month", Reason::OutOfRange))?;
    let from = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::days(1);
    let to = next_month
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        + Duration::days(1);
    let (chosen, form) = filters(&t, Kind::Event, &query);
    let source = query.source(&state.config().website);
    let mut form = form
        .with_names(&t, &state.config().instance)
        .with_source(&t, source);
    form.hidden
        .push(("month", first.format("%Y-%m").to_string()));
    let version = ContentVersion::read(&state).await?;
    let listing = Listing::EventsBetween { from, to };
    let found = listed(&state, &version, source, listing, &chosen, (0, MAX_EVENTS)).await?;
    let profiles = &found.profiles;
    let language = t.language.code();

    // Each event's local days and start time, in its own zone, computed once (not once per
    // day of the grid); only what the grid shows of it.
    let spans: Vec<(Arc<DayEvent>, NaiveDate, NaiveDate)> = found
        .entries
        .iter()
        .filter_map(|entry| {
            let (event, starts, ends) = match entry {
                Entry::Ours(publication) => {
                    let Details::Event(details) = &publication.draft.details else {
                        return None;
                    };
                    let text = publication.text_in(language)?;
                    let event = DayEvent {
                        url: state
                            .urls()
                            .publication(publication.kind, &publication.public_id)
                            .to_string(),
                        title: text.title.clone(),
                        dir: crate::web::html::direction(&text.language),
                        language: text.language.clone(),
                        when: String::new(),
                        from: None,
                    };
                    (event, details.starts(), details.ends())
                }
                Entry::Network(id, item) => {
                    let starts = item.starts_at?;
                    let ends = item.ends_at.unwrap_or(starts);
                    let (text_language, name, _, _) = item.text_in(language);
                    let event = DayEvent {
                        url: format!("/network/{id}"),
                        title: name.to_string(),
                        dir: if text_language.is_empty() {
                            "auto"
                        } else {
                            crate::web::html::direction(text_language)
                        },
                        language: text_language.to_string(),
                        when: String::new(),
                        // Its name as its card's mark says it.
                        from: Some(
                            profiles
                                .get(&item.actor_ap_id)
                                .map(crate::domain::network::Profile::display_name)
                                .unwrap_or_else(|| item.actor_ap_id.clone()),
                        ),
                    };
                    (event, item.in_own_zone(starts), item.in_own_zone(ends))
                }
            };
            let when = t.digits(&starts.format("%H:%M").to_string());
            Some((
                Arc::new(DayEvent { when, ..event }),
                starts.date_naive(),
                ends.date_naive(),
            ))
        })
        .collect();
    // Weeks start on the reader's locale's first day.
    let first_weekday = t.first_weekday();
    let back =
        (first.weekday().num_days_from_monday() + 7 - first_weekday.num_days_from_monday()) % 7;
    let grid_start = first - Duration::days(i64::from(back));
    let mut weeks = Vec::new();
    let mut day = grid_start;
    while day < next_month || weeks.is_empty() {
        let mut week = Vec::new();
        for _ in 0..7 {
            // An event shows on each local day it spans, in its own time zone; days of other
            // months show none.
            let outside = day.month() != first.month();
            let day_events = if outside {
                Vec::new()
            } else {
                spans
                    .iter()
                    .filter(|(_, start, end)| *start <= day && day <= *end)
                    .map(|(event, _, _)| event.clone())
                    .collect()
            };
            week.push(Day {
                label: t.digits(&day.day().to_string()),
                outside,
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
        weekdays: weekday_names(&t, first_weekday),
        weeks,
        filters: query.filter_query().trim_start_matches('?').to_string(),
        form,
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// The names of the days from `first` on: the short ones, and the narrow ones phones show.
fn weekday_names(t: &crate::i18n::Translator, first: chrono::Weekday) -> Vec<(String, String)> {
    let words =
        |key: &str| -> Vec<String> { t.t(key).split_whitespace().map(str::to_string).collect() };
    let (short, narrow) = (words("weekday-short"), words("weekday-narrow"));
    (0..7)
        .map(|offset| {
            // The catalogs list the days from Monday.
            let index = (first.num_days_from_monday() as usize + offset) % 7;
            (
                short.get(index).cloned().unwrap_or_default(),
                narrow.get(index).cloned().unwrap_or_default(),
            )
        })
        .collect()
}
