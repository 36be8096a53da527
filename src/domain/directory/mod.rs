//! The directory of organizations: ourselves, those we follow, our followers that are
//! organizations, and the authors of the network content we keep, each with what it says of
//! itself (`network::Profile`) and how we are linked; the filters that narrow it (a country of
//! origin or residence, a sector, a language) and the counts per country its world map shows.
//!
//! Invariant: pure. The entries come from `federation::directory` (at most [`MAX_ENTRIES`]);
//! everything here filters, counts and sorts them in memory, so the list, the map and its
//! table always agree.

use super::network::Profile;
use std::collections::BTreeMap;

#[cfg(test)]
mod tests;

/// The most organizations the directory lists: its page shows them all and its map counts
/// them, so the whole directory is read at once. Past it, those we follow come first.
pub const MAX_ENTRIES: usize = 2_000;

/// The most sectors the sector filter offers (the most common ones).
pub const MAX_SECTOR_CHOICES: usize = 100;

/// An organization of the directory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    pub profile: Profile,
    /// Our own organization.
    pub is_us: bool,
    /// We follow it (accepted or waiting; not refused).
    pub we_follow: bool,
    /// It follows us.
    pub follows_us: bool,
}

/// What the map counts: where the organizations' members live, or where they come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Basis {
    #[default]
    Residence,
    Origin,
}

impl Basis {
    pub const ALL: [Basis; 2] = [Basis::Residence, Basis::Origin];

    /// `residence` or `origin`, as in `?map=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Residence => "residence",
            Basis::Origin => "origin",
        }
    }

    /// The basis `?map=` names, if any.
    pub fn parse(value: &str) -> Option<Basis> {
        Basis::ALL
            .into_iter()
            .find(|basis| value.trim().eq_ignore_ascii_case(basis.as_str()))
    }

    /// The countries of `entry` this basis counts.
    fn countries(self, entry: &Entry) -> &[String] {
        let details = &entry.profile.details;
        match self {
            Basis::Residence => &details.countries_of_residence,
            Basis::Origin => &details.countries_of_origin,
        }
    }
}

/// What narrows the directory; `None` for any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// An ISO 3166-1 alpha-2 code in capitals: a country of origin or of residence.
    pub country: Option<String>,
    /// A sector, compared without regard to case.
    pub sector: Option<String>,
    /// A BCP 47 tag, compared by its primary subtag (`ar` matches `ar-EG`).
    pub language: Option<String>,
}

impl Filters {
    /// Whether `entry` passes every filter.
    pub fn matches(&self, entry: &Entry) -> bool {
        self.matches_but_country(entry)
            && self.country.as_deref().is_none_or(|country| {
                let details = &entry.profile.details;
                details
                    .countries_of_origin
                    .iter()
                    .chain(&details.countries_of_residence)
                    .any(|code| code.eq_ignore_ascii_case(country))
            })
    }

    /// Whether `entry` passes the sector and language filters: what the map counts, so that it
    /// shows where a click leads.
    pub fn matches_but_country(&self, entry: &Entry) -> bool {
        let details = &entry.profile.details;
        let sector = self.sector.as_deref().is_none_or(|sector| {
            let sector = sector.trim().to_lowercase();
            details
                .sectors
                .iter()
                .any(|each| each.trim().to_lowercase() == sector)
        });
        let language = self.language.as_deref().is_none_or(|language| {
            let wanted = primary_subtag(language);
            details
                .languages
                .iter()
                .any(|tag| primary_subtag(tag) == wanted)
        });
        sector && language
    }
}

fn primary_subtag(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or(tag)
        .trim()
        .to_ascii_lowercase()
}

/// The entries that pass `filters`, in the order given.
pub fn select<'a>(entries: &'a [Entry], filters: &Filters) -> Vec<&'a Entry> {
    entries
        .iter()
        .filter(|entry| filters.matches(entry))
        .collect()
}

/// How many of the entries that pass the sector and language filters (not the country one)
/// have each country as a country of `basis`, by code: each organization once per country.
pub fn country_counts(entries: &[Entry], filters: &Filters, basis: Basis) -> BTreeMap<String, u32> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    for entry in entries
        .iter()
        .filter(|entry| filters.matches_but_country(entry))
    {
        let mut seen: Vec<String> = Vec::new();
        for code in basis.countries(entry) {
            let code = code.to_ascii_uppercase();
            if !seen.contains(&code) {
                *counts.entry(code.clone()).or_default() += 1;
                seen.push(code);
            }
        }
    }
    counts
}

/// The sectors the entries name, each once whatever its case (as first written), the
/// [`MAX_SECTOR_CHOICES`] most common, sorted without regard to case.
pub fn sectors(entries: &[Entry]) -> Vec<String> {
    // Lower-cased sector → (as first written, how many organizations name it).
    let mut found: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for entry in entries {
        let mut seen: Vec<String> = Vec::new();
        for sector in &entry.profile.details.sectors {
            let written = sector.trim();
            let key = written.to_lowercase();
            if key.is_empty() || seen.contains(&key) {
                continue;
            }
            found
                .entry(key.clone())
                .or_insert_with(|| (written.to_string(), 0))
                .1 += 1;
            seen.push(key);
        }
    }
    let mut common: Vec<(String, String, u32)> = found
        .into_iter()
        .map(|(key, (written, count))| (key, written, count))
        .collect();
    common.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    common.truncate(MAX_SECTOR_CHOICES);
    common.sort_by(|a, b| a.0.cmp(&b.0));
    common.into_iter().map(|(_, written, _)| written).collect()
}

/// The directory's order: ourselves, then those we follow, then the others, each group by
/// name without regard to case.
pub fn sort(entries: &mut [Entry]) {
    entries.sort_by_cached_key(|entry| {
        (
            !entry.is_us,
            !entry.we_follow,
            entry.profile.display_name().to_lowercase(),
            entry.profile.ap_id.clone(),
        )
    });
}
