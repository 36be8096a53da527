//! Feeds: Atom for each kind of publication, and iCalendar (RFC 5545) for the events, the
//! whole calendar and each event on its own; ours and the network's, narrowed by the lists'
//! filters (`?source=network&country=SD&…`), so any selection of a list is one feed URL.
//!
//! Event times are written in the event's own IANA zone (`DTSTART;TZID=Europe/Berlin:
//! 20260314T100000`), and each document carries the `VTIMEZONE` of every zone it names, for
//! the years of its events (`vtimezone.rs`); a network event whose organizer gave no zone is
//! written in UTC. Each event names its organizer.
//!
//! The calendar feed holds a window of events (30 days back to a year ahead unless the reader
//! asks for another, at most [`MAX_FEED_EVENTS`]); every feed is answered through
//! `web::kept`: a `304` when the reader's copy is current, else the document as built once for
//! its validator, gzipped when the reader accepts it.

use super::frame::Reader;
use super::kept::{ContentVersion, Feed, Validator};
use super::pages::PageQuery;
use crate::app::AppState;
use crate::domain::entries::{self, Entry};
use crate::domain::network::{Profile, RemotePublication};
use crate::domain::publication::{self, Details, Kind, Listing, Publication};
use crate::error::{Error, Result};
use crate::web::html::escape;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
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
        organizer(
            &state.config().instance.name,
            state.actors().organization().id.as_str(),
        ),
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

/// `ORGANIZER;CN="name":url` (a parameter value in quotes, which it may not hold).
fn organizer(name: &str, url: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("ORGANIZER;CN=\"{name}\":{url}")
}

/// A network event: its times in its own zone when it gave one (else UTC), its page at its
/// origin, its organizer.
fn network_vevent(
    item: &RemotePublication,
    profile: Option<&Profile>,
    language: &str,
) -> Option<String> {
    let starts = item.starts_at?;
    let ends = item.ends_at.unwrap_or(starts);
    let (_, name, summary_html, _) = item.text_in(language);
    let summary = crate::domain::text::html_to_text(summary_html);
    let time = |moment: DateTime<Utc>, what: &str| match network_zone(item) {
        Some(zone) => format!(
            "{what};TZID={zone}:{}",
            moment.with_timezone(&zone).format("%Y%m%dT%H%M%S")
        ),
        None => format!("{what}:{}", ics_time(moment)),
    };
    let mut lines = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", item.ap_id),
        format!("DTSTAMP:{}", ics_time(item.updated_at)),
        time(starts, "DTSTART"),
        time(ends.max(starts), "DTEND"),
        format!("SUMMARY:{}", ics_text(name)),
        format!("DESCRIPTION:{}", ics_text(&summary)),
        format!("URL:{}", item.url),
    ];
    if let Some(language) = item.language.as_deref() {
        lines[5] = format!("SUMMARY;LANGUAGE={language}:{}", ics_text(name));
    }
    let t = crate::i18n::Translator::new(
        crate::i18n::Language::parse(language).unwrap_or(crate::i18n::Language::En),
    );
    let place = item
        .place_naming(|code| t.country(code))
        .or_else(|| item.details.online.then(|| "Online".to_string()));
    if let Some(place) = place {
        lines.push(format!("LOCATION:{}", ics_text(&place)));
    }
    let organizer_name = profile
        .map(Profile::display_name)
        .unwrap_or_else(|| item.actor_ap_id.clone());
    let organizer_page = profile.map_or(item.actor_ap_id.as_str(), Profile::page);
    lines.push(organizer(&organizer_name, organizer_page));
    if !item.details.hashtags.is_empty() {
        lines.push(format!(
            "CATEGORIES:{}",
            item.details
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

/// A network event's IANA zone, when its organizer gave one.
fn network_zone(item: &RemotePublication) -> Option<chrono_tz::Tz> {
    item.details.time_zone.as_deref()?.parse().ok()
}

/// The document of `events` (ours and the network's), with the profiles of the network's
/// organizers.
fn calendar_document(
    state: &AppState,
    events: &[Entry],
    profiles: &std::collections::HashMap<String, Profile>,
    language: &str,
) -> String {
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
    let mut network_zones: Vec<(String, i32, i32)> = Vec::new();
    for entry in events {
        match entry {
            Entry::Ours(publication) => {
                if let Details::Event(event) = &publication.draft.details {
                    zones
                        .entry(event.time_zone.as_str())
                        .or_default()
                        .extend(event.starts_local.year()..=event.ends_local.year());
                }
            }
            Entry::Network(_, item) => {
                if let (Some(zone), Some(starts)) = (network_zone(item), item.starts_at) {
                    let ends = item.ends_at.unwrap_or(starts).max(starts);
                    network_zones.push((zone.name().to_string(), starts.year(), ends.year()));
                }
            }
        }
    }
    for (zone, first, last) in &network_zones {
        zones
            .entry(zone.as_str())
            .or_default()
            .extend(*first..=*last);
    }
    for (zone, years) in zones {
        for line in super::vtimezone::vtimezone(zone, &years).unwrap_or_default() {
            document.push_str(&fold(&line));
        }
    }
    for entry in events {
        let vevent = match entry {
            Entry::Ours(event) => vevent(state, event, language),
            Entry::Network(_, item) => {
                network_vevent(item, profiles.get(&item.actor_ap_id), language)
            }
        };
        if let Some(vevent) = vevent {
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

/// The most events one calendar feed holds: the first of its window.
pub const MAX_FEED_EVENTS: i64 = 500;
/// The calendar feed's window, unless the reader asks for another: from this many days ago…
pub const FEED_DAYS_BEFORE: i64 = 30;
/// …to this many days ahead.
pub const FEED_DAYS_AFTER: i64 = 365;
/// The longest window a reader can ask for.
pub const MAX_WINDOW_DAYS: i64 = 400;

/// The period a calendar feed shows events of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// When it last moved (it starts each day anew when the reader gave no `from`).
    pub moved: Option<DateTime<Utc>>,
}

impl Window {
    /// `?from=` and `?to=` (a day, `2026-03-14`, or a moment in RFC 3339), else from
    /// [`FEED_DAYS_BEFORE`] ago to [`FEED_DAYS_AFTER`] ahead, at most [`MAX_WINDOW_DAYS`] long.
    pub fn of(query: &PageQuery, now: DateTime<Utc>) -> Result<Window> {
        let today = now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let moment = |field: &'static str, value: &Option<String>| -> Result<Option<_>> {
            let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            if let Ok(moment) = DateTime::parse_from_rfc3339(value) {
                return Ok(Some(moment.with_timezone(&Utc)));
            }
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|midnight| Some(midnight.and_utc()))
                .ok_or_else(|| {
                    crate::error::FieldError::of(field, crate::error::Reason::Date).into()
                })
        };
        let given_from = moment("from", &query.from)?;
        let given_to = moment("to", &query.to)?;
        let from = given_from.unwrap_or(today - Duration::days(FEED_DAYS_BEFORE));
        let to = given_to
            .unwrap_or_else(|| match given_from {
                Some(from) => from + Duration::days(FEED_DAYS_BEFORE + FEED_DAYS_AFTER),
                None => today + Duration::days(FEED_DAYS_AFTER),
            })
            .min(from + Duration::days(MAX_WINDOW_DAYS))
            .max(from);
        Ok(Window {
            from,
            to,
            moved: given_from.is_none().then_some(today),
        })
    }
}

/// When an event of a feed starts.
fn starts_at(entry: &Entry) -> Option<DateTime<Utc>> {
    match entry {
        Entry::Ours(publication) => match &publication.draft.details {
            Details::Event(event) => Some(crate::domain::event::starts_utc(event)),
            _ => None,
        },
        Entry::Network(_, item) => item.starts_at,
    }
}

/// `GET /events.ics`: the events of a window (from 30 days ago to a year ahead, or
/// `?from=`/`?to=`), at most [`MAX_FEED_EVENTS`], the first first, with a `Link` to the rest
/// when there is more; ours and the network's as `?source=` says, narrowed by the events
/// list's filters (country, GCM objective, language, category, hashtag) when given. Answers
/// `304` to a client whose copy is current, and gzipped to one that accepts it.
pub async fn calendar(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    reader: Reader,
    headers: HeaderMap,
) -> Result<Response> {
    let window = Window::of(&query, Utc::now())?;
    let filter_query = query.filter_query();
    let language = reader.t.language.code();
    let version = ContentVersion::read(&state).await?;
    let selection = format!(
        "events.ics{filter_query} {} {}",
        window.from.to_rfc3339(),
        window.to.to_rfc3339()
    );
    let validator = Validator::new(&state, &selection, language, &version, window.moved);
    if validator.matches(&headers) {
        return Ok(validator.not_modified());
    }
    if let Some(feed) = state.feeds().feed(&validator) {
        return Ok(feed.response(&headers));
    }
    // The same filters as the events list (`?country=DE&category=arts&tag=berlin`).
    let (filters, _) = super::pages::lists::filters(&reader.t, Kind::Event, &query);
    let source = query.source(&state.config().website);
    let mut events = entries::entries(
        state.db(),
        source,
        Listing::EventsBetween {
            from: window.from,
            to: window.to,
        },
        &filters,
        0,
        MAX_FEED_EVENTS + 1,
    )
    .await?;
    let more = events.len() as i64 > MAX_FEED_EVENTS;
    events.truncate(MAX_FEED_EVENTS as usize);
    // The rest: the window from the start of the last event here (which comes again).
    let link = more
        .then(|| events.last().and_then(starts_at))
        .flatten()
        .map(|last| {
            let mut next = url::form_urlencoded::Serializer::new(String::new());
            next.extend_pairs(url::form_urlencoded::parse(
                filter_query.trim_start_matches('?').as_bytes(),
            ));
            next.append_pair("from", &rfc3339(last));
            next.append_pair("to", &rfc3339(window.to));
            format!("</events.ics?{}>; rel=\"next\"", next.finish())
        });
    let profiles = organizers(&state, &events).await?;
    let document = calendar_document(&state, &events, &profiles, language);
    let feed = state.feeds().keep_feed(Feed::new(
        validator,
        "text/calendar; charset=utf-8",
        Some("inline; filename=\"events.ics\"".to_string()),
        link,
        document,
    ));
    Ok(feed.response(&headers))
}

/// The profiles of the network's publishers among `entries`.
async fn organizers(
    state: &AppState,
    entries: &[Entry],
) -> Result<std::collections::HashMap<String, Profile>> {
    let actors: Vec<&str> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Network(_, item) => Some(item.actor_ap_id.as_str()),
            Entry::Ours(_) => None,
        })
        .collect();
    crate::federation::remote_actors::profiles(state.db(), &actors).await
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
            &[Entry::Ours(Box::new(found))],
            &Default::default(),
            reader.t.language.code(),
        ),
        &format!("{public_id}.ics"),
    ))
}

/// The events a member takes part in (or asked to), ours and other servers', by start.
pub async fn member_events(state: &AppState, local_actor_id: i64) -> Result<Vec<Entry>> {
    use crate::domain::{attending, network, participation};
    let ours: Vec<i64> = participation::of_member(state.db(), local_actor_id)
        .await?
        .iter()
        .map(|found| found.publication_id)
        .collect();
    let mut entries: Vec<Entry> = publication::by_ids(state.db(), &ours)
        .await?
        .into_iter()
        .map(|found| Entry::Ours(Box::new(found)))
        .collect();
    for request in attending::of_member(state.db(), local_actor_id).await? {
        if let Some(id) = network::id_of(state.db(), &request.event_ap_id).await?
            && let Some(item) = network::by_id(state.db(), id).await?
        {
            entries.push(Entry::Network(id, Box::new(item)));
        }
    }
    entries.sort_by_key(starts_at);
    Ok(entries)
}

/// `GET /calendar/{secret}.ics`: a member's private calendar of the events they take part
/// in; its secret link can be made anew (and the old one then fails) on their account page.
pub async fn member_calendar(
    State(state): State<AppState>,
    Path(file): Path<String>,
    reader: Reader,
) -> Result<Response> {
    let secret = file.strip_suffix(".ics").ok_or(Error::NotFound)?;
    let account = crate::domain::accounts::by_calendar_secret(state.db(), secret)
        .await?
        .ok_or(Error::NotFound)?;
    let actor = crate::federation::members::actor_of(&state, account.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let events = member_events(&state, actor.local_actor_id).await?;
    let profiles = organizers(&state, &events).await?;
    let mut response = ics_response(
        calendar_document(&state, &events, &profiles, reader.t.language.code()),
        "my-events.ics",
    );
    // A secret in the URL: not to be kept by shared caches, nor sent on as a referrer.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

fn rfc3339(moment: DateTime<Utc>) -> String {
    moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `GET /{kinds}.atom`: the newest 50 of `kind`, ours and the network's as `?source=` says,
/// narrowed by the list's filters, in the reader's language. Answers `304` to a client whose
/// copy is current, and gzipped to one that accepts it.
pub async fn atom(
    state: &AppState,
    reader: Reader,
    kind: Kind,
    query: &PageQuery,
    headers: &HeaderMap,
) -> Result<Response> {
    let version = ContentVersion::read(state).await?;
    let selection = format!("{}.atom{}", kind.plural(), query.filter_query());
    let validator = Validator::new(state, &selection, reader.t.language.code(), &version, None);
    if validator.matches(headers) {
        return Ok(validator.not_modified());
    }
    if let Some(feed) = state.feeds().feed(&validator) {
        return Ok(feed.response(headers));
    }
    let (filters, _) = super::pages::lists::filters(&reader.t, kind, query);
    let source = query.source(&state.config().website);
    let found = entries::entries_with(
        state.db(),
        source,
        Listing::Newest(Some(kind)),
        &filters,
        (0, 50),
        publication::Bodies::Included,
    )
    .await?;
    let profiles = organizers(state, &found).await?;
    let base = state.urls().base();
    let instance = &state.config().instance;
    let t = reader.t;
    let updated = found
        .iter()
        .map(|entry| match entry {
            Entry::Ours(publication) => publication.updated_at,
            Entry::Network(_, item) => item.updated_at,
        })
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
    for entry in &found {
        let entry = match entry {
            Entry::Ours(publication) => {
                // A story kept on this website is not syndicated: feed readers copy it.
                if !publication.federated() {
                    continue;
                }
                let Some(text) = publication.text_in(t.language.code()) else {
                    continue;
                };
                let url = state.urls().publication(kind, &publication.public_id);
                let mut content = std::borrow::Cow::Borrowed(text.body_html.as_str());
                if let Details::Story(story) = &publication.draft.details
                    && let Some(line) = story.line(&publication.draft.countries_of_residence, &t)
                {
                    content = std::borrow::Cow::Owned(format!(
                        "<p>{}</p>{}",
                        crate::domain::text::escape_html(&line),
                        text.body_html
                    ));
                }
                AtomEntry {
                    language: &text.language,
                    id: url.to_string(),
                    url: url.to_string(),
                    title: &text.title,
                    published: publication.published_at,
                    updated: publication.updated_at,
                    summary: text.summary.clone(),
                    content,
                    author: None,
                }
            }
            Entry::Network(_, item) => {
                let (language, name, summary, content) = item.text_in(t.language.code());
                AtomEntry {
                    language,
                    id: item.ap_id.clone(),
                    url: item.url.clone(),
                    title: name,
                    published: item.published_at,
                    updated: item.updated_at,
                    summary: crate::domain::text::html_to_text(summary),
                    content: std::borrow::Cow::Borrowed(content),
                    author: Some(
                        profiles
                            .get(&item.actor_ap_id)
                            .map(Profile::display_name)
                            .unwrap_or_else(|| item.actor_ap_id.clone()),
                    ),
                }
            }
        };
        feed.push_str(&entry.xml());
    }
    feed.push_str("</feed>\n");
    let feed = state.feeds().keep_feed(Feed::new(
        validator,
        "application/atom+xml; charset=utf-8",
        None,
        None,
        feed,
    ));
    Ok(feed.response(headers))
}

/// One `<entry>` of an Atom feed.
struct AtomEntry<'a> {
    language: &'a str,
    id: String,
    url: String,
    title: &'a str,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    summary: String,
    /// Sanitized HTML.
    content: std::borrow::Cow<'a, str>,
    /// Another organization's name (ours is the feed's author).
    author: Option<String>,
}

impl AtomEntry<'_> {
    fn xml(&self) -> String {
        let author = self
            .author
            .as_ref()
            .map(|name| format!("<author><name>{}</name></author>\n", escape(name)))
            .unwrap_or_default();
        let language = if self.language.is_empty() {
            String::new()
        } else {
            format!(" xml:lang=\"{}\"", escape(self.language))
        };
        format!(
            "<entry{language}>\n<id>{id}</id>\n<title>{title}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{url}\"/>\n\
             {author}<published>{published}</published>\n<updated>{updated}</updated>\n<summary>{summary}</summary>\n\
             <content type=\"html\">{content}</content>\n</entry>\n",
            id = escape(&self.id),
            url = escape(&self.url),
            title = escape(self.title),
            published = rfc3339(self.published),
            updated = rfc3339(self.updated),
            summary = escape(&self.summary),
            content = escape(&self.content),
        )
    }
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
