//! Reads our iCalendar documents with a real parser (the `icalendar` crate) and places each
//! event's times in UTC through the document's own `VTIMEZONE`, not through a time zone
//! database: what a calendar that knows nothing but the file would show.

use chrono::{Duration, NaiveDateTime};

/// The first event of a document, its times resolved to UTC (`20270314T090000Z`).
#[derive(Debug, Clone)]
pub struct IcsEvent {
    pub uid: String,
    pub summary: String,
    pub geo: Option<String>,
    /// The `TZID` of `DTSTART`.
    pub tzid: String,
    pub starts_utc: String,
    pub ends_utc: String,
}

fn offset_seconds(offset: &str) -> i64 {
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = &offset[1..];
    let number = |range: std::ops::Range<usize>| -> i64 {
        digits
            .get(range)
            .map_or(0, |part| part.parse().expect("offset digits"))
    };
    sign * (number(0..2) * 3600 + number(2..4) * 60 + number(4..6))
}

/// Parses `text` and returns its first `VEVENT`; panics with the document on any problem.
pub fn first_event(text: &str) -> IcsEvent {
    let unfolded = icalendar::parser::unfold(text);
    let calendar = icalendar::parser::read_calendar(&unfolded)
        .unwrap_or_else(|error| panic!("not iCalendar: {error}\n{text}"));
    let event = calendar
        .components
        .iter()
        .find(|component| component.name == "VEVENT")
        .unwrap_or_else(|| panic!("no VEVENT\n{text}"));
    let property = |name: &str| {
        event
            .properties
            .iter()
            .find(|property| property.name == name)
            .unwrap_or_else(|| panic!("no {name}\n{text}"))
    };
    let tzid = |name: &str| {
        property(name)
            .params
            .iter()
            .find(|param| param.key == "TZID")
            .and_then(|param| param.val.as_ref())
            .map(|value| value.as_str().to_string())
            .unwrap_or_else(|| panic!("{name} has no TZID\n{text}"))
    };
    let to_utc = |name: &str| {
        let zone = tzid(name);
        let local = NaiveDateTime::parse_from_str(property(name).val.as_str(), "%Y%m%dT%H%M%S")
            .unwrap_or_else(|error| panic!("{name}: {error}\n{text}"));
        let vtimezone = calendar
            .components
            .iter()
            .find(|component| {
                component.name == "VTIMEZONE"
                    && component
                        .properties
                        .iter()
                        .any(|property| property.name == "TZID" && property.val == zone.as_str())
            })
            .unwrap_or_else(|| panic!("no VTIMEZONE for {zone}\n{text}"));
        // The observance in force: the latest whose start is not after the local time.
        let offset = vtimezone
            .components
            .iter()
            .filter_map(|observance| {
                let value = |key: &str| {
                    observance
                        .properties
                        .iter()
                        .find(|property| property.name == key)
                        .map(|property| property.val.as_str().to_string())
                };
                let begins =
                    NaiveDateTime::parse_from_str(&value("DTSTART")?, "%Y%m%dT%H%M%S").ok()?;
                Some((begins, offset_seconds(&value("TZOFFSETTO")?)))
            })
            .filter(|(begins, _)| *begins <= local)
            .max_by_key(|(begins, _)| *begins)
            .map(|(_, offset)| offset)
            .unwrap_or_else(|| panic!("no observance of {zone} covers {local}\n{text}"));
        (local - Duration::seconds(offset))
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    IcsEvent {
        uid: property("UID").val.as_str().to_string(),
        summary: property("SUMMARY").val.as_str().to_string(),
        geo: event
            .properties
            .iter()
            .find(|property| property.name == "GEO")
            .map(|property| property.val.as_str().to_string()),
        tzid: tzid("DTSTART"),
        starts_utc: to_utc("DTSTART"),
        ends_utc: to_utc("DTEND"),
    }
}
