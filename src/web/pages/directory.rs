//! The directory of organizations, `/directory`: ourselves, those we follow, our followers that
//! are organizations and the authors of network content (`federation::directory`), narrowed
//! by a country (of origin or residence), a sector and a language chosen by name; a world map
//! of where they live or come from (`web::world_map`) with a table of the same counts as its
//! accessible alternative; then one card per organization.
//!
//! Invariant: the map and the table count what the sector and language filters leave, never
//! the country filter, so that they show where each click leads; their links keep the other
//! filters. Each organization's own words (name, summary, sectors) are marked `dir="auto"` and
//! `data-content`: they are in its language, not the reader's.

use super::cards::card_summary;
use crate::app::AppState;
use crate::domain::directory::{self, Basis, Entry, Filters};
use crate::error::Result;
use crate::i18n::{Language, Translator};
use crate::web::frame::{Frame, framed, respond};
use crate::web::world_map;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    frame: Frame,
    heading: String,
    intro: String,
    form: DirectoryForm,
    /// The map's two views: `(href, label, current)`.
    bases: Vec<(String, String, bool)>,
    map_heading: String,
    /// The map, an SVG written by `world_map::svg` (escaped there).
    map: String,
    /// `(shade, the counts it stands for)`, lightest first.
    legend: Vec<(u8, String)>,
    table_caption: String,
    rows: Vec<CountryRow>,
    results: String,
    /// When a country is chosen: the link that shows every country again.
    every_country: Option<String>,
    cards: Vec<OrganizationCard>,
}
framed!(DirectoryPage);

/// `?country=XX&sector=…&language=…&map=residence|origin`; empty fields are ignored.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    country: Option<String>,
    sector: Option<String>,
    language: Option<String>,
    map: Option<String>,
}

/// The filter form as the reader left it, every choice by name in the reader's language.
#[derive(Debug, Default)]
struct DirectoryForm {
    /// Countries named in the directory, then every country: `(code, name, selected)`.
    present_countries: Vec<(String, String, bool)>,
    countries: Vec<(&'static str, &'static str, bool)>,
    /// `(sector, selected)`.
    sectors: Vec<(String, bool)>,
    /// `(tag, name, selected)`.
    languages: Vec<(String, String, bool)>,
    /// `?map=` to keep, when not the default.
    map: Option<&'static str>,
}

/// One line of the map's table.
#[derive(Debug)]
struct CountryRow {
    name: String,
    count: String,
    href: String,
}

/// One organization.
#[derive(Debug)]
struct OrganizationCard {
    name: String,
    handle: String,
    /// Its logo: ours from this site, another's only over https.
    logo: Option<String>,
    /// Its page for people.
    page: String,
    /// Whether its page is on another server.
    elsewhere: bool,
    summary: String,
    origin: String,
    residence: String,
    languages: String,
    /// In its own words, each on its own (no separator of ours between words of its language).
    sectors: Vec<String>,
    /// `(href, text)`.
    website: Option<(String, String)>,
    /// "This is us", "We follow", "Follows us".
    badges: Vec<String>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_string)
}

impl DirectoryQuery {
    fn filters(&self) -> Filters {
        Filters {
            country: given(&self.country)
                .and_then(|value| crate::domain::validation::country(&value)),
            sector: given(&self.sector)
                .filter(|sector| sector.chars().count() <= crate::config::MAX_SECTOR_CHARS),
            language: given(&self.language)
                .and_then(|value| crate::domain::validation::language(&value)),
        }
    }

    fn basis(&self) -> Basis {
        given(&self.map)
            .and_then(|name| Basis::parse(&name))
            .unwrap_or_default()
    }
}

/// `/directory` with these filters and map (country first, the default map left out).
fn directory_href(country: Option<&str>, filters: &Filters, basis: Basis) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(country) = country {
        query.append_pair("country", country);
    }
    if let Some(sector) = &filters.sector {
        query.append_pair("sector", sector);
    }
    if let Some(language) = &filters.language {
        query.append_pair("language", language);
    }
    if basis != Basis::default() {
        query.append_pair("map", basis.as_str());
    }
    let query = query.finish();
    if query.is_empty() {
        "/directory".to_string()
    } else {
        format!("/directory?{query}")
    }
}

/// The language's separator between the items of a list.
fn separator(t: &Translator) -> &'static str {
    if t.language == Language::Ar {
        "، "
    } else {
        ", "
    }
}

/// A count in the reader's digits.
fn number(t: &Translator, count: impl ToString) -> String {
    t.digits(&count.to_string())
}

/// `GET /directory`.
pub async fn directory(
    State(state): State<AppState>,
    Query(query): Query<DirectoryQuery>,
    frame: Frame,
) -> Result<Response> {
    let t = frame.t;
    let mut entries = crate::federation::directory::entries(&state).await?;
    directory::sort(&mut entries);
    let filters = query.filters();
    let basis = query.basis();

    let counts = directory::country_counts(&entries, &filters, basis);
    let map_title = t.t(match basis {
        Basis::Residence => "directory-map-title-residence",
        Basis::Origin => "directory-map-title-origin",
    });
    let map = world_map::svg(
        &counts,
        |code, count| {
            t.t_args(
                "directory-map-country",
                &[("country", t.country(code)), ("count", number(&t, count))],
            )
        },
        |code| directory_href(Some(code), &filters, basis),
        &map_title,
    );
    let legend = world_map::legend(&counts)
        .into_iter()
        .map(|(shade, lowest, highest)| {
            let range = if lowest == highest {
                number(&t, lowest)
            } else {
                format!("{}–{}", number(&t, lowest), number(&t, highest))
            };
            (shade, range)
        })
        .collect();
    let mut rows: Vec<(String, u32, String)> = counts
        .iter()
        .map(|(code, count)| (t.country(code), *count, code.clone()))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let rows = rows
        .into_iter()
        .map(|(name, count, code)| CountryRow {
            name,
            count: number(&t, count),
            href: directory_href(Some(&code), &filters, basis),
        })
        .collect();

    let selected = directory::select(&entries, &filters);
    let results = match &filters.country {
        Some(country) => t.t_args(
            "directory-results-in",
            &[
                ("count", number(&t, selected.len())),
                ("country", t.country(country)),
            ],
        ),
        None => t.t1("directory-results", "count", &number(&t, selected.len())),
    };
    let cards = selected
        .iter()
        .map(|entry| card(&t, entry, frame.site.logo.as_deref()))
        .collect();
    let bases = Basis::ALL
        .into_iter()
        .map(|each| {
            let label = t.t(match each {
                Basis::Residence => "directory-map-residence",
                Basis::Origin => "directory-map-origin",
            });
            let href = directory_href(filters.country.as_deref(), &filters, each);
            (href, label, each == basis)
        })
        .collect();
    let page = DirectoryPage {
        heading: t.t("directory-title"),
        intro: t.t1("directory-intro", "name", &frame.site.name),
        form: form(&t, &state.config().instance, &entries, &filters, basis),
        bases,
        map_heading: map_title,
        map,
        legend,
        table_caption: t.t(match basis {
            Basis::Residence => "directory-table-residence",
            Basis::Origin => "directory-table-origin",
        }),
        rows,
        results,
        every_country: filters
            .country
            .as_ref()
            .map(|_| directory_href(None, &filters, basis)),
        cards,
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// The filter form: the countries the directory names first, the sectors it names, the
/// languages it and we use, each by name.
fn form(
    t: &Translator,
    instance: &crate::config::Instance,
    entries: &[Entry],
    filters: &Filters,
    basis: Basis,
) -> DirectoryForm {
    let chosen_country = filters.country.as_deref().unwrap_or_default();
    let present: BTreeSet<&str> = entries
        .iter()
        .flat_map(|entry| {
            let details = &entry.profile.details;
            details
                .countries_of_origin
                .iter()
                .chain(&details.countries_of_residence)
        })
        .map(String::as_str)
        .collect();
    let mut present_countries: Vec<(String, String, bool)> = present
        .iter()
        .map(|code| {
            (
                code.to_string(),
                t.country(code),
                code.eq_ignore_ascii_case(chosen_country),
            )
        })
        .collect();
    present_countries.sort_by(|a, b| a.1.cmp(&b.1));
    let countries = t
        .all_countries()
        .iter()
        .map(|(code, name)| {
            let on = code.eq_ignore_ascii_case(chosen_country) && !present.contains(code.as_str());
            (code.as_str(), name.as_str(), on)
        })
        .collect();

    let chosen_sector = filters.sector.as_deref().map(str::to_lowercase);
    let mut sectors: Vec<(String, bool)> = directory::sectors(entries)
        .into_iter()
        .map(|sector| {
            let on = chosen_sector.as_deref() == Some(sector.to_lowercase().as_str());
            (sector, on)
        })
        .collect();
    if let Some(sector) = &filters.sector
        && !sectors.iter().any(|(_, on)| *on)
    {
        sectors.insert(0, (sector.clone(), true));
    }

    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or(tag)
            .to_ascii_lowercase()
    };
    let tags: BTreeSet<String> = entries
        .iter()
        .flat_map(|entry| &entry.profile.details.languages)
        .chain(&instance.languages)
        .map(|tag| primary(tag))
        .filter(|tag| crate::domain::validation::language(tag).is_some())
        .collect();
    let chosen_language = filters.language.as_deref().map(primary);
    let mut languages: Vec<(String, String, bool)> = tags
        .into_iter()
        .map(|tag| {
            let on = chosen_language.as_deref() == Some(tag.as_str());
            let name = t.language(&tag);
            (tag, name, on)
        })
        .collect();
    languages.sort_by(|a, b| a.1.cmp(&b.1));
    DirectoryForm {
        present_countries,
        countries,
        sectors,
        languages,
        map: (basis != Basis::default()).then_some(basis.as_str()),
    }
}

/// An organization as a card.
fn card(t: &Translator, entry: &Entry, our_logo: Option<&str>) -> OrganizationCard {
    let profile = &entry.profile;
    let details = &profile.details;
    let logo = if entry.is_us {
        our_logo.map(str::to_string)
    } else {
        profile
            .icon_url
            .clone()
            .filter(|url| url.starts_with("https://"))
    };
    let languages: Vec<String> = details
        .languages
        .iter()
        .map(|tag| t.language(tag))
        .collect();
    let website = details.website.as_ref().and_then(|href| {
        let url = url::Url::parse(href).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let text = format!(
            "{}{}",
            url.host_str().unwrap_or_default(),
            url.path().trim_end_matches('/')
        );
        Some((href.clone(), text))
    });
    let mut badges = Vec::new();
    if entry.is_us {
        badges.push(t.t("directory-us"));
    }
    if entry.we_follow {
        badges.push(t.t("directory-we-follow"));
    }
    if entry.follows_us {
        badges.push(t.t("directory-follows-us"));
    }
    OrganizationCard {
        name: profile.display_name(),
        handle: profile.handle(),
        logo,
        page: profile.page().to_string(),
        elsewhere: !entry.is_us,
        summary: card_summary(&profile.summary_html),
        origin: t.countries(&details.countries_of_origin),
        residence: t.countries(&details.countries_of_residence),
        languages: languages.join(separator(t)),
        sectors: details.sectors.clone(),
        website,
        badges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_other_filters_and_leave_out_the_default_map() {
        let none = Filters::default();
        assert_eq!(
            directory_href(Some("DE"), &none, Basis::Residence),
            "/directory?country=DE"
        );
        assert_eq!(directory_href(None, &none, Basis::Residence), "/directory");
        let some = Filters {
            country: Some("FR".to_string()),
            sector: Some("arts & culture".to_string()),
            language: Some("ar".to_string()),
        };
        assert_eq!(
            directory_href(Some("SD"), &some, Basis::Origin),
            "/directory?country=SD&sector=arts+%26+culture&language=ar&map=origin"
        );
    }

    #[test]
    fn the_query_is_read_leniently() {
        let query = DirectoryQuery {
            country: Some(" de ".to_string()),
            sector: Some(" ".to_string()),
            language: Some("AR".to_string()),
            map: Some("ORIGIN".to_string()),
        };
        assert_eq!(
            query.filters(),
            Filters {
                country: Some("DE".to_string()),
                sector: None,
                language: Some("ar".to_string()),
            }
        );
        assert_eq!(query.basis(), Basis::Origin);
        let odd = DirectoryQuery {
            country: Some("Germany".to_string()),
            sector: Some("x".repeat(crate::config::MAX_SECTOR_CHARS + 1)),
            language: Some("not a tag".to_string()),
            map: Some("elsewhere".to_string()),
        };
        assert_eq!(odd.filters(), Filters::default());
        assert_eq!(odd.basis(), Basis::Residence);
    }

    #[test]
    fn a_card_shows_names_in_the_readers_language_and_only_https_logos() {
        let t = Translator::new(Language::Ar);
        let mut entry = Entry {
            profile: crate::domain::network::Profile {
                ap_id: "https://sd.example/actors/sdb".to_string(),
                actor_type: "Organization".to_string(),
                username: Some("sdb".to_string()),
                name: "Sudanese Berlin".to_string(),
                icon_url: Some("http://sd.example/logo.png".to_string()),
                summary_html: format!("<p>{}</p>", "word ".repeat(100)),
                url: Some("https://sd.example/@sdb".to_string()),
                details: crate::domain::network::ProfileDetails {
                    countries_of_origin: vec!["SD".to_string()],
                    countries_of_residence: vec!["DE".to_string()],
                    languages: vec!["ar".to_string(), "de".to_string()],
                    sectors: vec!["education".to_string()],
                    website: Some("https://sd-berlin.example/".to_string()),
                    expert_areas: Vec::new(),
                    experts: None,
                },
            },
            we_follow: true,
            ..Entry::default()
        };

        let card = card(&t, &entry, Some("/media/ours.png"));

        assert_eq!(card.logo, None, "http is not shown");
        assert_eq!(card.handle, "@sdb@sd.example");
        assert_eq!(card.origin, "السودان");
        assert_eq!(card.residence, "ألمانيا");
        assert_eq!(card.languages, "العربية، الألمانية");
        assert_eq!(
            card.website,
            Some((
                "https://sd-berlin.example/".to_string(),
                "sd-berlin.example".to_string()
            ))
        );
        assert!(card.summary.ends_with('…'), "{}", card.summary);
        assert!(card.summary.chars().count() <= 301);
        assert_eq!(card.badges, [t.t("directory-we-follow")]);
        assert!(card.elsewhere);

        entry.is_us = true;
        entry.we_follow = false;
        let ours = super::card(&t, &entry, Some("/media/ours.png"));
        assert_eq!(ours.logo.as_deref(), Some("/media/ours.png"));
        assert_eq!(ours.badges, [t.t("directory-us")]);
    }
}
