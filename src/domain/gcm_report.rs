//! Reports against the Global Compact for Migration: what our publications and the network's
//! served, over a period (a year, a quarter, or from one day to another), counted by objective
//! (1–23), by category of Objective 19 (1–9, in the order of its reporting mechanism), by kind
//! and by country of origin and of residence; and the items behind each count.
//!
//! A publication counts when it carries at least one objective; its kind and countries are
//! counted among those. Our deleted publications are left out, and of the network's the
//! deleted, hidden (a limited domain) and suspended ones. At most [`MAX_ITEMS`] of each side
//! are read for one period (the newest first), and the report says when it reached that.

use crate::db::{Db, with_pool};
use crate::domain::publication::Kind;
use crate::error::Result;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

/// The most items of one side read for a period.
pub const MAX_ITEMS: i64 = 20_000;

/// The days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// A calendar year.
    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            from: NaiveDate::from_ymd_opt(year, 1, 1)?,
            to: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }

    /// A quarter (1–4) of a year.
    pub fn quarter(year: i32, quarter: u32) -> Option<Period> {
        if !(1..=4).contains(&quarter) {
            return None;
        }
        let from = NaiveDate::from_ymd_opt(year, quarter * 3 - 2, 1)?;
        let next = if quarter == 4 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, quarter * 3 + 1, 1)?
        };
        Some(Period {
            from,
            to: next.pred_opt()?,
        })
    }

    /// A period as written in a URL: `2026`, `2026-Q3`, or `2026-01-15..2026-06-30` (at most
    /// ten years, the years 1990 to 2200).
    pub fn parse(text: &str) -> Option<Period> {
        let text = text.trim();
        let period = if let Some((from, to)) = text.split_once("..") {
            let from = NaiveDate::parse_from_str(from.trim(), "%Y-%m-%d").ok()?;
            let to = NaiveDate::parse_from_str(to.trim(), "%Y-%m-%d").ok()?;
            (from <= to && (to - from).num_days() <= 3_660).then_some(Period { from, to })?
        } else if let Some((year, quarter)) = text.split_once("-Q") {
            Period::quarter(year.parse().ok()?, quarter.parse().ok()?)?
        } else {
            Period::year(text.parse().ok()?)?
        };
        (1990..=2200)
            .contains(&period.from.year())
            .then_some(period)
            .filter(|period| period.to.year() <= 2200)
    }

    /// How [`Period::parse`] reads it back.
    pub fn as_text(&self) -> String {
        let (from, to) = (self.from, self.to);
        if Period::year(from.year()) == Some(*self) {
            return from.year().to_string();
        }
        if let Some(quarter) =
            (1..=4).find(|quarter| Period::quarter(from.year(), *quarter) == Some(*self))
        {
            return format!("{}-Q{quarter}", from.year());
        }
        format!("{from}..{to}")
    }

    /// Its first moment, and the first moment after it (UTC).
    fn bounds(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start =
            |day: NaiveDate| Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default());
        (
            start(self.from),
            start(self.to.succ_opt().unwrap_or(self.to)),
        )
    }
}

/// Whose publication it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Ours,
    Network,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ours => "ours",
            Source::Network => "network",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        [Source::Ours, Source::Network]
            .into_iter()
            .find(|source| source.as_str() == text)
    }
}

/// A publication that served one objective or more.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub source: Source,
    pub kind: Kind,
    pub title: String,
    /// Ours: the path of its page; the network's: its page on its own server.
    pub link: String,
    /// Who published it: empty for ours, the actor's name (or id) for the network's.
    pub publisher: String,
    pub published_at: DateTime<Utc>,
    pub objectives: Vec<u8>,
    pub categories: Vec<u8>,
    pub origin: Vec<String>,
    pub residence: Vec<String>,
}

/// What a count is of: the facet an item is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Facet {
    Objective(u8),
    Category(u8),
    Kind(Kind),
    Origin(String),
    Residence(String),
}

impl Facet {
    /// Its name and value in a URL's query: `objective=19`, `origin=NG`.
    pub fn query(&self) -> (&'static str, String) {
        match self {
            Facet::Objective(number) => ("objective", number.to_string()),
            Facet::Category(number) => ("category", number.to_string()),
            Facet::Kind(kind) => ("kind", kind.as_str().to_string()),
            Facet::Origin(code) => ("origin", code.clone()),
            Facet::Residence(code) => ("residence", code.clone()),
        }
    }

    /// The facet a query names, when it names one.
    pub fn parse(name: &str, value: &str) -> Option<Facet> {
        let number = |high: u8| value.parse::<u8>().ok().filter(|n| (1..=high).contains(n));
        let country = || {
            (value.len() == 2 && value.chars().all(|c| c.is_ascii_alphabetic()))
                .then(|| value.to_ascii_uppercase())
        };
        match name {
            "objective" => number(23).map(Facet::Objective),
            "category" => number(9).map(Facet::Category),
            "kind" => Kind::parse(value).map(Facet::Kind),
            "origin" => country().map(Facet::Origin),
            "residence" => country().map(Facet::Residence),
            _ => None,
        }
    }

    /// Whether `item` is counted under it.
    pub fn holds(&self, item: &Item) -> bool {
        match self {
            Facet::Objective(number) => item.objectives.contains(number),
            Facet::Category(number) => item.categories.contains(number),
            Facet::Kind(kind) => item.kind == *kind,
            Facet::Origin(code) => item.origin.contains(code),
            Facet::Residence(code) => item.residence.contains(code),
        }
    }
}

/// The counts of one side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// The items counted (each has an objective).
    pub items: usize,
    pub by: BTreeMap<Facet, usize>,
}

impl Counts {
    pub fn of(&self, facet: &Facet) -> usize {
        self.by.get(facet).copied().unwrap_or_default()
    }
}

/// Counts `items` under every facet they hold.
pub fn count(items: &[Item]) -> Counts {
    let mut counts = Counts {
        items: items.len(),
        by: BTreeMap::new(),
    };
    for item in items {
        let mut facets: Vec<Facet> = item
            .objectives
            .iter()
            .map(|number| Facet::Objective(*number))
            .chain(
                item.categories
                    .iter()
                    .map(|number| Facet::Category(*number)),
            )
            .chain(std::iter::once(Facet::Kind(item.kind)))
            .chain(item.origin.iter().map(|code| Facet::Origin(code.clone())))
            .chain(
                item.residence
                    .iter()
                    .map(|code| Facet::Residence(code.clone())),
            )
            .collect();
        facets.sort();
        facets.dedup();
        for facet in facets {
            *counts.by.entry(facet).or_default() += 1;
        }
    }
    counts
}

/// What a period's report reads: both sides' items, the newest first, and whether either
/// reached [`MAX_ITEMS`].
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub ours: Vec<Item>,
    pub network: Vec<Item>,
    pub truncated: bool,
}

#[derive(sqlx::FromRow)]
struct OurRow {
    public_id: String,
    kind: String,
    title: String,
    gcm_objectives: String,
    gcm_categories: String,
    countries_of_origin: String,
    countries_of_residence: String,
    published_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct NetworkRow {
    actor_ap_id: String,
    publisher: Option<String>,
    kind: String,
    name: String,
    url: String,
    details: String,
    published_at: DateTime<Utc>,
}

/// Reads the items of `period` that carry an objective.
pub async fn read(db: &Db, period: &Period) -> Result<Read> {
    let (start, end) = period.bounds();
    let ours_sql = "select p.public_id, p.kind, coalesce(t.title, '') as title, \
                    p.gcm_objectives, p.gcm_categories, p.countries_of_origin, \
                    p.countries_of_residence, p.published_at from publication p \
                    left join publication_text t on t.publication_id = p.publication_id \
                    and t.language = p.default_language \
                    where p.deleted_at is null and p.published_at >= $1 and p.published_at < $2 \
                    and p.gcm_objectives <> '[]' order by p.published_at desc limit $3";
    let ours: Vec<OurRow> = with_pool!(db, |pool| sqlx::query_as(ours_sql)
        .bind(start)
        .bind(end)
        .bind(MAX_ITEMS)
        .fetch_all(pool)
        .await)?;
    let network_sql = "select p.actor_ap_id, a.name as publisher, p.kind, p.name, p.url, \
                       p.details, p.published_at from remote_publication p \
                       left join remote_actor a on a.ap_id = p.actor_ap_id \
                       where p.deleted_at is null and p.hidden_at is null \
                       and p.suspended_at is null and p.published_at >= $1 \
                       and p.published_at < $2 order by p.published_at desc limit $3";
    let network: Vec<NetworkRow> = with_pool!(db, |pool| sqlx::query_as(network_sql)
        .bind(start)
        .bind(end)
        .bind(MAX_ITEMS)
        .fetch_all(pool)
        .await)?;
    let truncated = ours.len() as i64 >= MAX_ITEMS || network.len() as i64 >= MAX_ITEMS;
    let list = |json: &str| -> Vec<String> { serde_json::from_str(json).unwrap_or_default() };
    let numbers = |json: &str, high: u8| -> Vec<u8> {
        let mut numbers: Vec<u8> = serde_json::from_str::<Vec<i64>>(json)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|number| u8::try_from(number).ok())
            .filter(|number| (1..=high).contains(number))
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    };
    let ours = ours
        .into_iter()
        .filter_map(|row| {
            let kind = Kind::parse(&row.kind)?;
            let objectives = numbers(&row.gcm_objectives, 23);
            let categories = if objectives.contains(&19) {
                numbers(&row.gcm_categories, 9)
            } else {
                Vec::new()
            };
            Some(Item {
                source: Source::Ours,
                kind,
                title: row.title,
                link: format!("/{}/{}", kind.plural(), row.public_id),
                publisher: String::new(),
                published_at: row.published_at,
                objectives,
                categories,
                origin: list(&row.countries_of_origin),
                residence: list(&row.countries_of_residence),
            })
        })
        .filter(|item| !item.objectives.is_empty())
        .collect();
    let network = network
        .into_iter()
        .filter_map(|row| {
            let details: crate::domain::network::NetworkDetails =
                serde_json::from_str(&row.details).unwrap_or_default();
            let objectives = details.gcm_objectives;
            if objectives.is_empty() {
                return None;
            }
            let categories = if objectives.contains(&19) {
                details.gcm_categories
            } else {
                Vec::new()
            };
            Some(Item {
                source: Source::Network,
                kind: Kind::parse(&row.kind)?,
                title: row.name,
                link: row.url,
                publisher: row
                    .publisher
                    .filter(|name| !name.is_empty())
                    .unwrap_or(row.actor_ap_id),
                published_at: row.published_at,
                objectives,
                categories,
                origin: details.countries_of_origin,
                residence: details.countries_of_residence,
            })
        })
        .collect();
    Ok(Read {
        ours,
        network,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_written_as_they_are_read() {
        let q3 = Period::parse("2026-Q3").expect("quarter");
        assert_eq!(q3.from.to_string(), "2026-07-01");
        assert_eq!(q3.to.to_string(), "2026-09-30");
        assert_eq!(q3.as_text(), "2026-Q3");
        let year = Period::parse("2025").expect("year");
        assert_eq!(year.to.to_string(), "2025-12-31");
        assert_eq!(year.as_text(), "2025");
        let range = Period::parse("2026-01-15..2026-06-30").expect("range");
        assert_eq!(range.as_text(), "2026-01-15..2026-06-30");
        assert_eq!(Period::parse("2026-Q5"), None);
        assert_eq!(Period::parse("2026-06-30..2026-01-15"), None);
        assert_eq!(Period::parse("99999"), None);
        assert_eq!(Period::parse("1900..2100-01-01"), None);
    }

    #[test]
    fn an_item_counts_once_under_each_facet_it_holds() {
        let item = |kind: Kind, objectives: &[u8], categories: &[u8], origin: &[&str]| Item {
            source: Source::Ours,
            kind,
            title: String::new(),
            link: String::new(),
            publisher: String::new(),
            published_at: Utc::now(),
            objectives: objectives.to_vec(),
            categories: categories.to_vec(),
            origin: origin.iter().map(|code| code.to_string()).collect(),
            residence: vec!["DE".to_string()],
        };
        let counts = count(&[
            item(Kind::Story, &[19, 3], &[2, 7], &["NG"]),
            item(Kind::Event, &[19], &[7], &["NG", "GH"]),
            item(Kind::Event, &[16], &[], &[]),
        ]);
        assert_eq!(counts.items, 3);
        assert_eq!(counts.of(&Facet::Objective(19)), 2);
        assert_eq!(counts.of(&Facet::Category(7)), 2);
        assert_eq!(counts.of(&Facet::Category(2)), 1);
        assert_eq!(counts.of(&Facet::Kind(Kind::Event)), 2);
        assert_eq!(counts.of(&Facet::Origin("NG".to_string())), 2);
        assert_eq!(counts.of(&Facet::Residence("DE".to_string())), 3);
        assert_eq!(
            Facet::parse("origin", "ng"),
            Some(Facet::Origin("NG".to_string()))
        );
        assert_eq!(Facet::parse("objective", "24"), None);
    }
}
