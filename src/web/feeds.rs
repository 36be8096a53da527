//! Feeds: Atom for each kind of publication, and iCalendar (RFC 5545) for the events, the
//! whole calendar and each event on its own.
//!
//! Event times are written in the event's own IANA zone (`DTSTART;TZID=Europe/Berlin:
//! 20260314T100000`), and each document carries the `VTIMEZONE` of every zone it names, for
//! the years of its events (`vtimezone.rs`).

use super::frame::Reader;
use super::pages::PageQuery;
use crate::app::AppState;
use crate::domain::publication::{self, Details, Kind, Listing, Publication};
use crate::error::{Error, Result};
use crate::web::html::escape;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, Utc};

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn ics_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets, on character boundaries, with CRLF + space.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for character in line.chars() {
        let size = character.len_utf8();
        if width + size > 75 {
            folded.push_str("\r\n ");
            width = 1;
        }
        folded.push(character);
        width += size;
    }
    folded.push_str("\r\n");
    folded
}

fn ics_time(moment: DateTime<Utc>) -> String {
    moment.format("%Y%m%dT%H%M%SZ").to_string()
}

fn vevent(state: &AppState, publication: &Publication, language: &str) -> Option<String> {
    let Details::Event(event) = &publication.draft.details else {
        return None;
    };
    let text = publication.text_in(language)?;
    let url = state
        .urls()
        .publication(Kind::Event, &publication.public_id);
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{url}"),
        format!("DTSTAMP:{}", ics_time(publication.updated_at)),
        format!(
            "DTSTART;TZID={}:{}",
            event.time_zone,
            event.starts_local.format("%Y%m%dT%H%M%S")
        ),
        format!(
            "DTEND;TZID={}:{}",
            event.time_zone,
            event.ends_local.format("%Y%m%dT%H%M%S")
        ),
        format!(
            "SUMMARY;LANGUAGE={}:{}",
            text.language,
            ics_text(&text.title)
        ),
        format!(
            "DESCRIPTION;LANGUAGE={}:{}",
            text.language,
            ics_text(&text.summary)
        ),
        format!("URL:{url}"),
        format!("STATUS:{}", event.status.to_ascii_uppercase()),
    ];
    if let Some(place) = &event.place {
        lines.push(format!("LOCATION:{}", ics_text(&place.one_line())));
        if let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude) {
            lines.push(format!("GEO:{latitude};{longitude}"));
        }
    } else if let Some(online) = &event.online_url {
        lines.push(format!("LOCATION:{}", ics_text(online.as_str())));
    }
    if !publication.draft.hashtags.is_empty() {
        lines.push(format!(
            "CATEGORIES:{}",
            publication
                .draft
                .hashtags
                .iter()
                .map(|tag| ics_text(tag))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    lines.push("END:VEVENT".to_string());
    Some(lines.iter().map(|line| fold(line)).collect())
}

fn calendar_document(state: &AppState, events: &[Publication], language: &str) -> String {
    let name = &state.config().instance.name;
    let mut document = String::new();
    for line in [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        format!("PRODID:-//Jisr//Jisr {}//EN", env!("CARGO_PKG_VERSION")),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!("X-WR-CALNAME:{}", ics_text(name)),
    ] {
        document.push_str(&fold(&line));
    }
    // Each zone once, for the years its events fall in.
    let mut zones: std::collections::BTreeMap<&str, std::collections::BTreeSet<i32>> =
        Default::default();
    for publication in events {
        if let Details::Event(event) = &publication.draft.details {
            zones
                .entry(event.time_zone.as_str())
                .or_default()
                .extend(event.starts_local.year()..=event.ends_local.year());
        }
    }
    for (zone, years) in zones {
        for line in super::vtimezone::vtimezone(zone, &years).unwrap_or_default() {
            document.push_str(&fold(&line));
        }
    }
    for event in events {
        if let Some(vevent) = vevent(state, event, language) {
            document.push_str(&vevent);
        }
    }
    document.push_str(&fold("END:VCALENDAR"));
    document
}

fn ics_response(body: String, file: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /events.ics`: every event from 30 days ago on, narrowed by the events list's filters
/// (country, GCM objective, language, category, hashtag) when given.
pub async fn calendar(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    reader: Reader,
) -> Result<Response> {
    let now = Utc::now() - Duration::days(30);
    // The same filters as the events list (`?country=DE&category=arts&tag=berlin`).
    let (filters, _) = super::pages::lists::filters(&reader.t, Kind::Event, &query);
    let events = publication::list_filtered(
        state.db(),
        Listing::UpcomingEvents { now },
        &filters,
        0,
        1000,
    )
    .await?;
    Ok(ics_response(
        calendar_document(&state, &events, reader.t.language.code()),
        "events.ics",
    ))
}

/// `GET /events/{id}/calendar.ics`: one event, to add to a calendar.
pub async fn event(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
    reader: Reader,
) -> Result<Response> {
    let found = publication::find(state.db(), Kind::Event, &public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone);
    }
    Ok(ics_response(
        calendar_document(
            &state,
            std::slice::from_ref(&found),
            reader.t.language.code(),
        ),
        &format!("{public_id}.ics"),
    ))
}

fn rfc3339(moment: DateTime<Utc>) -> String {
    moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `GET /{kinds}.atom`: the newest 50 of `kind`, in the reader's language.
pub async fn atom(state: &AppState, reader: Reader, kind: Kind) -> Result<Response> {
    let publications =
        publication::list_where(state.db(), Listing::Newest(Some(kind)), 0, 50).await?;
    let base = state.urls().base();
    let instance = &state.config().instance;
    let t = reader.t;
    let updated = publications
        .iter()
        .map(|p| p.updated_at)
        .max()
        .unwrap_or_else(Utc::now);
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n\
         <id>{base}{plural}.atom</id>\n<title>{name}: {title}</title>\n<updated>{updated}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}{plural}.atom\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{base}{plural}\"/>\n<author><name>{name}</name></author>\n",
        lang = t.language.code(),
        plural = kind.plural(),
        name = escape(&instance.name),
        title = escape(&t.t(&format!("{}-title", kind.plural()))),
        updated = rfc3339(updated),
    );
    for publication in &publications {
        let Some(text) = publication.text_in(t.language.code()) else {
            continue;
        };
        let url = state.urls().publication(kind, &publication.public_id);
        feed.push_str(&format!(
            "<entry xml:lang=\"{lang}\">\n<id>{url}</id>\n<title>{title}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n\
             <published>{published}</published>\n<updated>{updated}</updated>\n<summary>{summary}</summary>\n\
             <content type=\"html\">{content}</content>\n</entry>\n",
            lang = escape(&text.language),
            url = escape(url.as_str()),
            title = escape(&text.title),
            published = rfc3339(publication.published_at),
            updated = rfc3339(publication.updated_at),
            summary = escape(&text.summary),
            content = escape(&text.body_html),
        ));
    }
    feed.push_str("</feed>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "معرض ".repeat(30));
        let folded = fold(&line);
        for part in folded.split("\r\n").filter(|part| !part.is_empty()) {
            assert!(part.len() <= 75, "{} octets: {part}", part.len());
        }
        assert_eq!(
            folded.replace("\r\n ", "").strip_suffix("\r\n"),
            Some(line.as_str())
        );
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
