//! What a network item is, read from the object a followed organization sent: which of our
//! kinds it is shown as, and what cards, filters and feeds show of it ([`NetworkDetails`]).
//!
//! Jisr instances send our namespace's terms (`countriesOfOrigin`, `gcmObjectives`,
//! `storyCategory`, `opportunity`, `library`, …); Mobilizon, Gancio and Mastodon send less, so
//! the rest falls back to what they do send: the `location` and its `addressCountry` (a code or
//! a country's name), `timezone`, `category`, `isOnline` or a `VirtualLocation`, `Hashtag`
//! tags, and the first image. Pure: no state, no I/O, so the captured fixtures are read by the
//! very code the inbox runs.
//!
//! Invariant: every value kept is bounded and checked (codes are known countries, objectives
//! 1 to 23, zones in the tz database, URLs http(s) and short, lines without controls); anything
//! else is dropped, never refused: a peer's odd field must not lose us its event.

use crate::domain::network::NetworkDetails;
use crate::domain::publication::Kind;
use crate::domain::text::remote_line;
use crate::federation::remote_actors::MAX_URL_CHARS;
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::Value;

/// The most values kept of any list (countries, tags, objectives).
const MAX_VALUES: usize = 32;
/// The longest place line kept, in characters.
const MAX_PLACE_CHARS: usize = 300;
/// The longest category, topic or kind kept, in characters.
const MAX_WORD_CHARS: usize = 60;

/// Which of our kinds `object` (of ActivityStreams type `object_type`) is shown as.
pub fn kind(object: &Value, object_type: &str) -> Kind {
    match object_type {
        "Event" => Kind::Event,
        "Page" if object.get("opportunity").is_some_and(Value::is_object) => Kind::Opportunity,
        "Page" if object.get("opportunityKind").is_some() => Kind::Opportunity,
        "Article" | "Page" if object.get("library").is_some_and(Value::is_object) => Kind::Resource,
        // A Page that is no opportunity (a WordPress page, a Lemmy post) reads as a story.
        _ => Kind::Story,
    }
}

/// The details of `object`, shown as `kind`; `start` is its `startTime` as sent (for the offset
/// of an event with no zone).
pub fn details(object: &Value, kind: Kind, start: Option<DateTime<FixedOffset>>) -> NetworkDetails {
    let mut details = NetworkDetails {
        countries_of_origin: countries(object.get("countriesOfOrigin")),
        countries_of_residence: countries(object.get("countriesOfResidence")),
        gcm_objectives: objectives(object.get("gcmObjectives")),
        gcm_categories: numbers_between(object.get("gcmCategories"), 1, 9),
        hashtags: hashtags(object.get("tag")),
        image: image(object),
        // A story whose consent does not allow indexing says so (our `indexable`, false).
        noindex: object.get("indexable") == Some(&Value::Bool(false)),
        ..NetworkDetails::default()
    };
    let location = first(object.get("location"));
    match kind {
        Kind::Event => {
            details.time_zone = object
                .get("timezone")
                .and_then(Value::as_str)
                .filter(|zone| zone.len() <= 64 && zone.parse::<chrono_tz::Tz>().is_ok())
                .map(str::to_string);
            details.utc_offset_minutes = start.map(|start| start.offset().local_minus_utc() / 60);
            details.category = word(object.get("category")).map(|c| c.to_ascii_lowercase());
            details.online = object.get("isOnline").and_then(Value::as_bool) == Some(true)
                || location.is_some_and(|place| type_is(place, "VirtualLocation"));
            if let Some(place) = location.filter(|place| !type_is(place, "VirtualLocation")) {
                details.place_country = place_country(place);
                details.place = place_line(place, details.place_country.is_some());
                details.countries.extend(details.place_country.clone());
            }
            // How people take part (FEP-8a8e, Mobilizon): what our members' RSVP follows.
            details.join_mode = word(object.get("joinMode"))
                .map(|mode| mode.to_ascii_lowercase())
                .filter(|mode| {
                    ["free", "restricted", "invite", "external", "none"].contains(&mode.as_str())
                });
            let count = |key: &str| {
                object
                    .get(key)
                    .and_then(Value::as_u64)
                    .and_then(|count| u32::try_from(count).ok())
            };
            details.capacity = count("maximumAttendeeCapacity");
            details.participant_count = count("participantCount");
            details.remaining_capacity = count("remainingAttendeeCapacity");
        }
        Kind::Opportunity => {
            let nested = object.get("opportunity").unwrap_or(&Value::Null);
            details.opportunity_kind =
                word(object.get("opportunityKind")).map(|k| k.to_ascii_lowercase());
            details.online = nested.get("jobLocationType").and_then(Value::as_str)
                == Some("TELECOMMUTE")
                || nested.get("courseMode").and_then(Value::as_str) == Some("online");
            details.place = location.and_then(|place| place_line(place, false));
            if let Some(Value::Array(required)) = nested.get("applicantLocationRequirements") {
                for country in required.iter().take(MAX_VALUES) {
                    let name = country.get("name").or(Some(country));
                    details.countries.extend(name.and_then(country_code));
                }
            }
        }
        Kind::Resource => {
            let library = object.get("library").unwrap_or(&Value::Null);
            details.topic = word(library.get("topic"));
            details.year = library
                .get("year")
                .and_then(Value::as_i64)
                .filter(|year| (1000..=9999).contains(year))
                .and_then(|year| i32::try_from(year).ok());
            details
                .countries
                .extend(library.get("country").and_then(country_code));
        }
        Kind::Story => {
            details.category = word(object.get("storyCategory")).map(|c| c.to_ascii_lowercase());
        }
    }
    details.countries.dedup();
    details
}

/// An opportunity's deadline: `endTime`, else its schema.org object's `validThrough`.
pub fn deadline(object: &Value) -> Option<DateTime<Utc>> {
    let read = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .map(|moment| moment.with_timezone(&Utc))
    };
    read(object.get("endTime")).or_else(|| {
        read(
            object
                .get("opportunity")
                .and_then(|nested| nested.get("validThrough")),
        )
    })
}

/// The first of a value that may be one item or a list of them.
fn first(value: Option<&Value>) -> Option<&Value> {
    match value? {
        Value::Array(items) => items.first(),
        Value::Null => None,
        other => Some(other),
    }
}

fn type_is(value: &Value, wanted: &str) -> bool {
    match value.get("type") {
        Some(Value::String(kind)) => kind == wanted,
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == wanted),
        _ => false,
    }
}

/// A short word-like value (a category, a topic): trimmed, bounded, without controls.
fn word(value: Option<&Value>) -> Option<String> {
    let text = value?.as_str()?;
    let line = remote_line(text, MAX_WORD_CHARS);
    (!line.is_empty()).then_some(line)
}

/// The code of a country given as a code (`DE`) or a name in one of our four languages
/// (`Germany`, `France`), or as `{"name": …}`.
fn country_code(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.as_str(),
        Value::Object(map) => map.get("name")?.as_str()?,
        _ => return None,
    };
    if text.len() > 100 {
        return None;
    }
    crate::i18n::country_code(text)
}

fn countries(value: Option<&Value>) -> Vec<String> {
    let mut codes: Vec<String> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .take(MAX_VALUES)
            .filter_map(country_code)
            .collect(),
        Some(single) => country_code(single).into_iter().collect(),
        None => Vec::new(),
    };
    codes.dedup();
    codes
}

fn objectives(value: Option<&Value>) -> Vec<u8> {
    numbers_between(value, 1, 23)
}

/// The distinct whole numbers from `low` to `high` in an array, in order.
fn numbers_between(value: Option<&Value>, low: u64, high: u64) -> Vec<u8> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    let mut numbers: Vec<u8> = items
        .iter()
        .take(MAX_VALUES)
        .filter_map(Value::as_u64)
        .filter(|number| (low..=high).contains(number))
        .filter_map(|number| u8::try_from(number).ok())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    numbers
}

/// The names of the `Hashtag` tags, without `#`: letters, digits and `_`, as our own.
fn hashtags(value: Option<&Value>) -> Vec<String> {
    let items: Vec<&Value> = match value {
        Some(Value::Array(items)) => items.iter().take(MAX_VALUES * 4).collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    let mut tags: Vec<String> = Vec::new();
    for item in items {
        if !type_is(item, "Hashtag") {
            continue;
        }
        let Some(name) = item.get("name").and_then(Value::as_str) else {
            continue;
        };
        let tag = name.trim().trim_start_matches('#');
        let valid = !tag.is_empty()
            && tag.chars().count() <= 50
            && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
        if valid
            && !tags
                .iter()
                .any(|known| known.to_lowercase() == tag.to_lowercase())
        {
            tags.push(tag.to_string());
        }
        if tags.len() >= MAX_VALUES {
            break;
        }
    }
    tags
}

/// A place on one line: its name, then its address (a string or a `PostalAddress`), without
/// its country when `known_country` (it is shown by name in the reader's language).
fn place_line(place: &Value, known_country: bool) -> Option<String> {
    if let Value::String(text) = place {
        let line = remote_line(text, MAX_PLACE_CHARS);
        return (!line.is_empty()).then_some(line);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut push = |value: Option<&Value>| {
        if let Some(text) = value.and_then(Value::as_str) {
            let line = remote_line(text, MAX_PLACE_CHARS);
            if !line.is_empty() && !parts.contains(&line) {
                parts.push(line);
            }
        }
    };
    push(place.get("name"));
    match place.get("address") {
        Some(address @ Value::String(_)) => push(Some(address)),
        Some(address @ Value::Object(_)) => {
            for field in [
                "streetAddress",
                "postalCode",
                "addressLocality",
                "addressRegion",
                "addressCountry",
            ] {
                if field == "addressCountry" && known_country {
                    continue;
                }
                push(address.get(field));
            }
        }
        _ => {}
    }
    let line = remote_line(&parts.join(", "), MAX_PLACE_CHARS);
    (!line.is_empty()).then_some(line)
}

/// The country of a place: its address's `addressCountry`, a code or a name.
fn place_country(place: &Value) -> Option<String> {
    place
        .get("address")
        .and_then(|address| address.get("addressCountry"))
        .and_then(country_code)
}

/// Its image: `image` (an object with a `url`, or a URL), else the first image attachment.
fn image(object: &Value) -> Option<(String, String)> {
    let from = |value: &Value| -> Option<(String, String)> {
        let url = match value {
            Value::String(url) => url.as_str(),
            Value::Object(map) => match map.get("url")? {
                Value::String(url) => url.as_str(),
                Value::Object(link) => link.get("href")?.as_str()?,
                _ => return None,
            },
            _ => return None,
        };
        let url = url::Url::parse(url).ok()?;
        if !matches!(url.scheme(), "https" | "http") || url.as_str().len() > MAX_URL_CHARS {
            return None;
        }
        let alt = value
            .get("name")
            .and_then(Value::as_str)
            .map(|name| remote_line(name, 300))
            .unwrap_or_default();
        Some((url.to_string(), alt))
    };
    if let Some(image) = first(object.get("image")).and_then(from) {
        return Some(image);
    }
    let Some(Value::Array(attachments)) = object.get("attachment") else {
        return None;
    };
    attachments
        .iter()
        .take(MAX_VALUES)
        .filter(|attachment| {
            attachment
                .get("mediaType")
                .and_then(Value::as_str)
                .is_some_and(|media| media.starts_with("image/"))
                || type_is(attachment, "Image")
        })
        .find_map(from)
}

#[cfg(test)]
mod tests;
