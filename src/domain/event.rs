//! Events of the calendar: when (in the event's own time zone), where, and how to join.

use super::validation::{Check, choice, country};
use crate::error::{FieldError, Reason};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use url::Url;

/// Categories, as Mobilizon names them (FEP-8a8e recommends the same set).
pub const CATEGORIES: &[&str] = &[
    "arts",
    "book_clubs",
    "business",
    "causes",
    "comedy",
    "crafts",
    "food_drink",
    "health",
    "music",
    "auto_boat_air",
    "community",
    "family",
    "fashion_beauty",
    "film_media",
    "games",
    "language_culture",
    "learning",
    "lgbtq",
    "movements_politics",
    "networking",
    "party",
    "performing_visual_arts",
    "pets",
    "photography",
    "outdoors_adventure",
    "spirituality_religion_beliefs",
    "science_tech",
    "sports",
    "theatre",
    "meeting",
];

/// Whether the event takes place as planned.
pub const STATUSES: &[&str] = &["confirmed", "tentative", "cancelled"];

/// How people join: freely, after the organizer accepts, or elsewhere.
pub const JOIN_MODES: &[&str] = &["free", "restricted", "external", "none"];

/// The `[event]` part of an input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Local start, e.g. `2026-03-14T10:00`, in `time_zone`.
    pub starts_at: String,
    /// Local end, after the start.
    pub ends_at: String,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub place: Option<PlaceInput>,
    /// Where to follow it online.
    pub online_url: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub join_mode: Option<String>,
    /// Where to register when `join_mode` is `external`.
    pub external_url: Option<String>,
    pub capacity: Option<u32>,
    /// When full, later participants wait on a list and move up as places free (without
    /// it, they are turned away).
    pub waiting_list: Option<bool>,
    /// Participants who go see who else goes (names only, never handles); without it only
    /// organizers see the list.
    pub participants_visible: Option<bool>,
    pub organizer: Option<String>,
    /// The banner: an image and its description (both or neither).
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
}

/// A place, as given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    pub name: String,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// An event's own fields, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetails {
    pub starts_local: NaiveDateTime,
    pub ends_local: NaiveDateTime,
    pub time_zone: String,
    pub place: Option<Place>,
    pub online_url: Option<Url>,
    /// Upper case, as on the wire (`NETWORKING`).
    pub category: String,
    pub status: String,
    pub join_mode: String,
    pub external_url: Option<Url>,
    pub capacity: Option<u32>,
    /// A waiting list when full (events stored before RSVP have none).
    #[serde(default)]
    pub waiting_list: bool,
    /// Participants who go see the names of the others who go (events stored before this
    /// option show the list to organizers only).
    #[serde(default)]
    pub participants_visible: bool,
    pub organizer: Option<String>,
    /// The banner (events stored before banners existed have none); boxed, as most events
    /// have none and every publication's details are the size of the largest kind.
    #[serde(default)]
    pub image: Option<Box<super::story::Image>>,
}

/// A validated place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub street_address: Option<String>,
    pub postal_code: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Place {
    /// One line: name, street, postal code and town, country (its code).
    pub fn one_line(&self) -> String {
        self.one_line_naming(str::to_string)
    }

    /// [`Place::one_line`] with the country written by `country` (its name in a language).
    pub fn one_line_naming(&self, country: impl Fn(&str) -> String) -> String {
        let country = self.country.as_deref().map(country);
        let town = [self.postal_code.as_deref(), self.locality.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [
            Some(self.name.as_str()),
            self.street_address.as_deref(),
            (!town.is_empty()).then_some(town.as_str()),
            country.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl EventDetails {
    fn zone(&self) -> Tz {
        self.time_zone.parse().unwrap_or(Tz::UTC)
    }

    /// The start with the zone's offset at that moment.
    pub fn starts(&self) -> DateTime<FixedOffset> {
        local(self.zone(), self.starts_local).map_or_else(
            || self.starts_local.and_utc().fixed_offset(),
            |moment| moment.fixed_offset(),
        )
    }

    /// The end with the zone's offset at that moment.
    pub fn ends(&self) -> DateTime<FixedOffset> {
        local(self.zone(), self.ends_local).map_or_else(
            || self.ends_local.and_utc().fixed_offset(),
            |moment| moment.fixed_offset(),
        )
    }
}

/// `naive` in `zone`; the earlier reading when clocks go back; `None` in a gap.
fn local(zone: Tz, naive: NaiveDateTime) -> Option<DateTime<Tz>> {
    zone.from_local_datetime(&naive).earliest()
}

fn parse_local(value: &str) -> Option<NaiveDateTime> {
    let value = value.trim();
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
    .filter(|moment| YEARS.contains(&moment.year()))
}

/// The years an event may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;
/// The longest event, in days.
pub const MAX_DAYS: i64 = 366;

/// Validates the `[event]` part.
pub fn validate(input: &EventInput, check: &mut Check) -> EventDetails {
    let zone: Option<Tz> = input.time_zone.trim().parse().ok();
    if zone.is_none() {
        check.fail("event.time_zone", Reason::TimeZone);
    }
    let mut moment = |field: &str, value: &str| -> Option<NaiveDateTime> {
        let Some(naive) = parse_local(value) else {
            check.fail(field, Reason::DateTime);
            return None;
        };
        if let Some(zone) = zone
            && local(zone, naive).is_none()
        {
            check.fail_with(FieldError::of(field, Reason::SkippedHour).with("zone", zone));
        }
        Some(naive)
    };
    let starts = moment("event.starts_at", &input.starts_at);
    let ends = moment("event.ends_at", &input.ends_at);
    if let (Some(starts), Some(ends), Some(zone)) = (starts, ends, zone)
        && let (Some(start), Some(end)) = (local(zone, starts), local(zone, ends))
        && end <= start
    {
        check.fail("event.ends_at", Reason::AfterStart);
    }
    if let (Some(starts), Some(ends)) = (starts, ends) {
        check.require_with(
            ends - starts <= chrono::Duration::days(MAX_DAYS),
            FieldError::of("event.ends_at", Reason::EventLength).with("max", MAX_DAYS),
        );
    }

    let place = input
        .place
        .as_ref()
        .map(|place| validate_place(place, check));
    let online_url = check.optional_url("event.online_url", input.online_url.as_deref());
    check.require(
        place.is_some() || online_url.is_some(),
        "event.place",
        Reason::EventPlace,
    );
    let pick =
        |check: &mut Check, field: &str, value: Option<&str>, choices: &[&str], default: &str| {
            match value {
                None => default.to_string(),
                Some(value) => match choice(value, choices) {
                    Some(found) => found.to_string(),
                    None => {
                        check.fail_with(
                            FieldError::of(field, Reason::OneOf)
                                .with("choices", choices.join(", ")),
                        );
                        default.to_string()
                    }
                },
            }
        };
    let category = pick(
        check,
        "event.category",
        input.category.as_deref(),
        CATEGORIES,
        "community",
    )
    .to_ascii_uppercase();
    let status = pick(
        check,
        "event.status",
        input.status.as_deref(),
        STATUSES,
        "confirmed",
    );
    let join_mode = pick(
        check,
        "event.join_mode",
        input.join_mode.as_deref(),
        JOIN_MODES,
        "free",
    );
    let external_url = check.optional_url("event.external_url", input.external_url.as_deref());
    if join_mode == "external" && external_url.is_none() {
        check.fail("event.external_url", Reason::ExternalUrl);
    }
    if let Some(capacity) = input.capacity {
        check.require_with(
            capacity > 0,
            FieldError::of("event.capacity", Reason::AtLeast).with("min", 1),
        );
    }
    let organizer = check.optional_text("event.organizer", input.organizer.as_deref(), 200);
    EventDetails {
        starts_local: starts.unwrap_or_default(),
        ends_local: ends.unwrap_or_default(),
        time_zone: zone.map(|zone| zone.name().to_string()).unwrap_or_default(),
        place,
        online_url,
        category,
        status,
        join_mode,
        external_url,
        capacity: input.capacity,
        waiting_list: input.waiting_list.unwrap_or(false),
        participants_visible: input.participants_visible.unwrap_or(false),
        organizer,
        image: super::story::image(
            check,
            "event",
            input.image_url.as_deref(),
            input.image_alt.as_deref(),
        )
        .map(Box::new),
    }
}

fn validate_place(input: &PlaceInput, check: &mut Check) -> Place {
    let latitude = input.latitude.filter(|latitude| {
        let valid = (-90.0..=90.0).contains(latitude);
        check.require_with(
            valid,
            FieldError::of("event.place.latitude", Reason::Between)
                .with("min", -90)
                .with("max", 90),
        );
        valid
    });
    let longitude = input.longitude.filter(|longitude| {
        let valid = (-180.0..=180.0).contains(longitude);
        check.require_with(
            valid,
            FieldError::of("event.place.longitude", Reason::Between)
                .with("min", -180)
                .with("max", 180),
        );
        valid
    });
    check.require(
        latitude.is_some() == longitude.is_some(),
        "event.place.longitude",
        Reason::Coordinates,
    );
    let country = input.country.as_deref().and_then(|value| {
        let code = country(value);
        if code.is_none() {
            check.fail_with(
                FieldError::of("event.place.country", Reason::CountryCode).with("example", "DE"),
            );
        }
        code
    });
    Place {
        name: check.text("event.place.name", &input.name, 200),
        street_address: check.optional_text(
            "event.place.street_address",
            input.street_address.as_deref(),
            200,
        ),
        postal_code: check.optional_text(
            "event.place.postal_code",
            input.postal_code.as_deref(),
            20,
        ),
        locality: check.optional_text("event.place.locality", input.locality.as_deref(), 100),
        region: check.optional_text("event.place.region", input.region.as_deref(), 100),
        country,
        latitude: latitude.filter(|_| longitude.is_some()),
        longitude: longitude.filter(|_| latitude.is_some()),
    }
}

/// The start of an event in UTC, for ordering and filtering.
pub fn starts_utc(details: &EventDetails) -> DateTime<Utc> {
    details.starts().with_timezone(&Utc)
}

/// The end of an event in UTC.
pub fn ends_utc(details: &EventDetails) -> DateTime<Utc> {
    details.ends().with_timezone(&Utc)
}
