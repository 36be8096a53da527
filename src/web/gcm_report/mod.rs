//! The Global Compact for Migration report, for those who report upwards: `/reports/gcm` (a
//! period's counts by objective, by category of Objective 19 in the order of its reporting
//! mechanism, by kind and by country, ours and the network's, each count linked to the items
//! behind it, the first two drawn as bar charts with their tables; printable, with the
//! organization's name, the period and the attribution of the network's content),
//! `/reports/gcm.csv` (the counts), `/reports/gcm/items` and `/reports/gcm/items.csv` (the
//! items behind a count, or all of them).

mod chart;

use super::frame::{Frame, framed, respond};
use crate::app::AppState;
use crate::domain::gcm_report::{self, Counts, Facet, Item, Period, Read, Source};
use crate::domain::publication::Kind;
use crate::domain::text::csv_field;
use crate::error::{Error, Result};
use crate::i18n::{Language, Translator};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

/// The report's pages and files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports/gcm", get(report))
        .route("/reports/gcm.csv", get(counts_csv))
        .route("/reports/gcm/items", get(items))
        .route("/reports/gcm/items.csv", get(items_csv))
}

/// The query of every report URL: the period (`2026`, `2026-Q3`, `2026-01-15..2026-06-30`),
/// or the chooser's fields; for the items, a source and one facet.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReportQuery {
    period: Option<String>,
    year: Option<String>,
    quarter: Option<String>,
    from: Option<String>,
    to: Option<String>,
    source: Option<String>,
    objective: Option<String>,
    category: Option<String>,
    kind: Option<String>,
    origin: Option<String>,
    residence: Option<String>,
}

impl ReportQuery {
    /// The period asked for: `period`, else the chooser's fields; this year when none.
    fn period(&self) -> Result<Period> {
        if let Some(text) = self.period.as_deref().filter(|text| !text.is_empty()) {
            return Period::parse(text).ok_or_else(|| bad_period(text));
        }
        if let (Some(from), Some(to)) = (&self.from, &self.to)
            && !from.is_empty()
            && !to.is_empty()
        {
            let text = format!("{from}..{to}");
            return Period::parse(&text).ok_or_else(|| bad_period(&text));
        }
        let year = match self.year.as_deref().filter(|year| !year.is_empty()) {
            Some(year) => year.parse().map_err(|_| bad_period(year))?,
            None => Utc::now().year(),
        };
        let period = match self
            .quarter
            .as_deref()
            .filter(|quarter| !quarter.is_empty())
        {
            Some(quarter) => quarter
                .parse()
                .ok()
                .and_then(|quarter| Period::quarter(year, quarter)),
            None => Period::year(year),
        };
        period.ok_or_else(|| bad_period(&year.to_string()))
    }

    /// Whether the chooser's fields were sent (the page then moves to its `?period=` URL).
    fn chose(&self) -> bool {
        self.period.is_none()
            && (self.year.is_some() || self.quarter.is_some() || self.from.is_some())
    }

    /// The facet of an items URL, if any.
    fn facet(&self) -> Option<Facet> {
        [
            ("objective", &self.objective),
            ("category", &self.category),
            ("kind", &self.kind),
            ("origin", &self.origin),
            ("residence", &self.residence),
        ]
        .into_iter()
        .find_map(|(name, value)| Facet::parse(name, value.as_deref()?))
    }
}

fn bad_period(text: &str) -> Error {
    Error::BadRequest(format!(
        "{text:?} is not a period: give a year (2026), a quarter (2026-Q3) or two days \
         (2026-01-15..2026-06-30), at most ten years, from 1990"
    ))
}

/// The URL of the items behind a count.
fn items_link(period: &Period, source: Source, facet: &Facet) -> String {
    let (name, value) = facet.query();
    format!(
        "/reports/gcm/items?period={}&source={}&{name}={value}",
        period.as_text(),
        source.as_str()
    )
}

/// A day as the reader writes it.
fn day(t: &Translator, day: NaiveDate) -> String {
    let noon = Utc
        .from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default())
        .fixed_offset();
    t.date(&noon)
}

/// "1 January 2026 – 31 December 2026".
fn period_words(t: &Translator, period: &Period) -> String {
    t.t_args(
        "gcm-report-period",
        &[("from", day(t, period.from)), ("to", day(t, period.to))],
    )
}

/// One line of a table: what is counted, and its two counts with their links.
pub struct CountRow {
    /// A short label (an objective's number), and its name.
    pub label: String,
    pub name: String,
    pub ours: String,
    pub ours_link: Option<String>,
    pub network: String,
    pub network_link: Option<String>,
}

fn row(
    t: &Translator,
    period: &Period,
    read: &(Counts, Counts),
    facet: Facet,
    label: String,
    name: String,
) -> CountRow {
    let (ours, network) = (read.0.of(&facet), read.1.of(&facet));
    CountRow {
        label,
        name,
        ours: t.digits(&ours.to_string()),
        ours_link: (ours > 0).then(|| items_link(period, Source::Ours, &facet)),
        network: t.digits(&network.to_string()),
        network_link: (network > 0).then(|| items_link(period, Source::Network, &facet)),
    }
}

/// The countries counted under `role` on either side, the most counted first (at most 40).
fn countries(
    t: &Translator,
    period: &Period,
    counts: &(Counts, Counts),
    make: fn(String) -> Facet,
) -> Vec<CountRow> {
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    for side in [&counts.0, &counts.1] {
        for (facet, count) in &side.by {
            let code = match facet {
                Facet::Origin(code) | Facet::Residence(code) => code,
                _ => continue,
            };
            if make(code.clone()) == *facet {
                *totals.entry(code.clone()).or_default() += count;
            }
        }
    }
    let mut codes: Vec<(String, usize)> = totals.into_iter().collect();
    codes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    codes
        .into_iter()
        .take(40)
        .map(|(code, _)| {
            let name = t.country(&code);
            row(t, period, counts, make(code), String::new(), name)
        })
        .collect()
}

#[derive(Template)]
#[template(path = "gcm_report.html")]
struct ReportPage {
    frame: Frame,
    heading: String,
    organization: String,
    period_words: String,
    period: String,
    summary: String,
    truncated: bool,
    /// `(value, shown, selected)` of the chooser's selects.
    years: Vec<(String, String, bool)>,
    quarters: Vec<(String, String, bool)>,
    objectives_chart: Option<String>,
    objectives: Vec<CountRow>,
    categories_chart: Option<String>,
    categories: Vec<CountRow>,
    kinds: Vec<CountRow>,
    origins: Vec<CountRow>,
    residences: Vec<CountRow>,
    /// The network's publishers counted, for the attribution.
    publishers: Vec<String>,
}
framed!(ReportPage);

/// `GET /reports/gcm`.
pub async fn report(
    State(state): State<AppState>,
    frame: Frame,
    Query(query): Query<ReportQuery>,
) -> Result<Response> {
    let period = query.period()?;
    if query.chose() {
        return Ok(
            Redirect::to(&format!("/reports/gcm?period={}", period.as_text())).into_response(),
        );
    }
    let read = gcm_report::read(state.db(), &period).await?;
    let counts = (
        gcm_report::count(&read.ours),
        gcm_report::count(&read.network),
    );
    let t = frame.t;
    let rtl = t.language.dir() == "rtl";
    let format = |count: usize| t.digits(&count.to_string());
    let series = (t.t("gcm-report-ours"), t.t("gcm-report-network"));
    // The objectives served, in their order (the 23 would make a long page on a phone; the
    // nine categories are always listed, as the reporting mechanism asks).
    let objectives: Vec<CountRow> = (1..=23)
        .filter(|number| {
            counts.0.of(&Facet::Objective(*number)) + counts.1.of(&Facet::Objective(*number)) > 0
        })
        .map(|number| {
            row(
                &t,
                &period,
                &counts,
                Facet::Objective(number),
                t.digits(&number.to_string()),
                t.t(&format!("gcm-objective-{number}")),
            )
        })
        .collect();
    let bars = |facet: fn(u8) -> Facet, numbers: std::ops::RangeInclusive<u8>| {
        numbers
            .filter_map(|number| {
                let (ours, network) = (counts.0.of(&facet(number)), counts.1.of(&facet(number)));
                (ours + network > 0).then(|| (t.digits(&number.to_string()), ours, network))
            })
            .collect::<Vec<_>>()
    };
    let objective_bars = bars(Facet::Objective, 1..=23);
    let objectives_chart = (!objective_bars.is_empty()).then(|| {
        chart::Bars {
            title: &t.t("gcm-report-by-objective"),
            description: &t.t("gcm-report-chart-description"),
            rows: &objective_bars,
            series: (&series.0, &series.1),
            format: &format,
            rtl,
        }
        .svg("gcm-objectives")
    });
    let categories: Vec<CountRow> = (1..=9)
        .map(|number| {
            row(
                &t,
                &period,
                &counts,
                Facet::Category(number),
                t.digits(&number.to_string()),
                t.t(&format!("gcm-category-{number}")),
            )
        })
        .collect();
    let category_bars = bars(Facet::Category, 1..=9);
    let categories_chart = (!category_bars.is_empty()).then(|| {
        chart::Bars {
            title: &t.t("gcm-report-by-category"),
            description: &t.t("gcm-report-chart-description"),
            rows: &category_bars,
            series: (&series.0, &series.1),
            format: &format,
            rtl,
        }
        .svg("gcm-categories")
    });
    let kinds = Kind::ALL
        .into_iter()
        .map(|kind| {
            row(
                &t,
                &period,
                &counts,
                Facet::Kind(kind),
                String::new(),
                t.t(&format!("kind-{}", kind.as_str())),
            )
        })
        .collect();
    let mut publishers: Vec<String> = read
        .network
        .iter()
        .map(|item| item.publisher.clone())
        .collect();
    publishers.sort();
    publishers.dedup();
    let this_year = Utc::now().year();
    let page = ReportPage {
        heading: t.t("gcm-report-title"),
        organization: state.config().instance.name.clone(),
        period_words: period_words(&t, &period),
        period: period.as_text(),
        summary: t.t_args(
            "gcm-report-summary",
            &[
                ("ours", t.digits(&counts.0.items.to_string())),
                ("network", t.digits(&counts.1.items.to_string())),
            ],
        ),
        truncated: read.truncated,
        years: (this_year - 5..=this_year)
            .rev()
            .map(|year| {
                (
                    year.to_string(),
                    t.digits(&year.to_string()),
                    period.from.year() == year,
                )
            })
            .collect(),
        quarters: (1..=4)
            .map(|quarter: u32| {
                (
                    quarter.to_string(),
                    t.t1(
                        "gcm-report-quarter-n",
                        "quarter",
                        &t.digits(&quarter.to_string()),
                    ),
                    Period::quarter(period.from.year(), quarter) == Some(period),
                )
            })
            .collect(),
        objectives_chart,
        objectives,
        categories_chart,
        categories,
        kinds,
        origins: countries(&t, &period, &counts, Facet::Origin),
        residences: countries(&t, &period, &counts, Facet::Residence),
        publishers,
        frame,
    };
    respond(StatusCode::OK, &page)
}

fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /reports/gcm.csv`: every count of the period, in English words.
pub async fn counts_csv(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response> {
    let period = query.period()?;
    let read = gcm_report::read(state.db(), &period).await?;
    let (ours, network) = (
        gcm_report::count(&read.ours),
        gcm_report::count(&read.network),
    );
    let t = Translator::new(Language::En);
    let mut facets: Vec<&Facet> = ours.by.keys().chain(network.by.keys()).collect();
    facets.sort();
    facets.dedup();
    let mut csv = String::from("period,facet,value,name,ours,network\n");
    csv.push_str(&format!(
        "{},all,,publications serving an objective,{},{}\n",
        period.as_text(),
        ours.items,
        network.items
    ));
    for facet in facets {
        let (name, value) = facet.query();
        let words = match facet {
            Facet::Objective(number) => t.t(&format!("gcm-objective-{number}")),
            Facet::Category(number) => t.t(&format!("gcm-category-{number}")),
            Facet::Kind(kind) => t.t(&format!("kind-{}", kind.as_str())),
            Facet::Origin(code) | Facet::Residence(code) => t.country(code),
        };
        csv.push_str(&format!(
            "{},{name},{value},{},{},{}\n",
            period.as_text(),
            csv_field(&words),
            ours.of(facet),
            network.of(facet)
        ));
    }
    Ok(csv_response(
        &format!("gcm-report-{}.csv", period.as_text()),
        csv,
    ))
}

/// The items of `read` the query asks for: one source or both, under one facet or all.
fn chosen<'a>(read: &'a Read, query: &ReportQuery) -> Vec<&'a Item> {
    let source = query.source.as_deref().and_then(Source::parse);
    let facet = query.facet();
    read.ours
        .iter()
        .chain(&read.network)
        .filter(|item| source.is_none_or(|source| item.source == source))
        .filter(|item| facet.as_ref().is_none_or(|facet| facet.holds(item)))
        .collect()
}

/// An item in a list, in the reader's words.
pub struct ItemRow {
    pub title: String,
    pub link: String,
    pub kind: String,
    pub publisher: String,
    pub day: String,
    pub objectives: String,
}

#[derive(Template)]
#[template(path = "gcm_items.html")]
struct ItemsPage {
    frame: Frame,
    heading: String,
    period_words: String,
    back: String,
    csv: String,
    items: Vec<ItemRow>,
}
framed!(ItemsPage);

/// `GET /reports/gcm/items`: the items behind a count (or all of the period's).
pub async fn items(
    State(state): State<AppState>,
    frame: Frame,
    Query(query): Query<ReportQuery>,
) -> Result<Response> {
    let period = query.period()?;
    let read = gcm_report::read(state.db(), &period).await?;
    let t = frame.t;
    let what = match query.facet() {
        Some(Facet::Objective(number)) => t.gcm_objective(number),
        Some(Facet::Category(number)) => t.t(&format!("gcm-category-{number}")),
        Some(Facet::Kind(kind)) => t.t(&format!("kind-{}", kind.as_str())),
        Some(Facet::Origin(code)) => t.t1("gcm-report-origin-of", "country", &t.country(&code)),
        Some(Facet::Residence(code)) => {
            t.t1("gcm-report-residence-of", "country", &t.country(&code))
        }
        None => t.t("gcm-report-all"),
    };
    let whose = match query.source.as_deref().and_then(Source::parse) {
        Some(Source::Ours) => t.t("gcm-report-ours"),
        Some(Source::Network) => t.t("gcm-report-network"),
        None => t.t("gcm-report-both"),
    };
    let rows = chosen(&read, &query)
        .into_iter()
        .map(|item| ItemRow {
            title: item.title.clone(),
            link: item.link.clone(),
            kind: t.t(&format!("kind-{}", item.kind.as_str())),
            publisher: item.publisher.clone(),
            day: t.date(&item.published_at.fixed_offset()),
            objectives: item
                .objectives
                .iter()
                .map(|number| t.digits(&number.to_string()))
                .collect::<Vec<_>>()
                .join(t.list_separator()),
        })
        .collect();
    let raw_query = |path: &str| {
        let mut url = format!("{path}?period={}", period.as_text());
        if let Some(source) = &query.source {
            url.push_str(&format!("&source={source}"));
        }
        if let Some(facet) = query.facet() {
            let (name, value) = facet.query();
            url.push_str(&format!("&{name}={value}"));
        }
        url
    };
    let page = ItemsPage {
        heading: t.t_args(
            "gcm-report-items-title",
            &[("what", what), ("whose", whose)],
        ),
        period_words: period_words(&t, &period),
        back: format!("/reports/gcm?period={}", period.as_text()),
        csv: raw_query("/reports/gcm/items.csv"),
        items: rows,
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// `GET /reports/gcm/items.csv`: the items behind a count, one a row.
pub async fn items_csv(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response> {
    let period = query.period()?;
    let read = gcm_report::read(state.db(), &period).await?;
    let base = state.urls().base().clone();
    let mut csv = String::from(
        "source,kind,title,link,publisher,published,objectives,objective_19_categories,\
         countries_of_origin,countries_of_residence\n",
    );
    let joined = |values: Vec<String>| values.join(" ");
    for item in chosen(&read, &query) {
        let link = match item.source {
            Source::Ours => base
                .join(&item.link)
                .map(|url| url.to_string())
                .unwrap_or_default(),
            Source::Network => item.link.clone(),
        };
        let publisher = match item.source {
            Source::Ours => state.config().instance.name.clone(),
            Source::Network => item.publisher.clone(),
        };
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            item.source.as_str(),
            item.kind.as_str(),
            csv_field(&item.title),
            csv_field(&link),
            csv_field(&publisher),
            item.published_at.format("%Y-%m-%d"),
            joined(item.objectives.iter().map(u8::to_string).collect()),
            joined(item.categories.iter().map(u8::to_string).collect()),
            joined(item.origin.clone()),
            joined(item.residence.clone()),
        ));
    }
    Ok(csv_response(
        &format!("gcm-items-{}.csv", period.as_text()),
        csv,
    ))
}
