//! What a list shows: our publications, the network's (what the organizations we follow
//! publish), or both merged in the list's order. Every list page, the calendar and the feeds
//! read their entries here.
//!
//! Invariant: a merged page reads at most `offset + limit` keys from each table, each an index
//! walk in the list's order, and only the `limit` rows it shows; what it costs grows with the
//! page, not with what is stored.

use super::network::{self, RemotePublication};
use super::publication::{self, Bodies, Filters, Key, Listing, Publication, Table};
use crate::db::Db;
use crate::error::Result;

/// Whose publications a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Ours only.
    Ours,
    /// The organizations we follow only.
    Network,
    /// Both, merged.
    #[default]
    Both,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Both, Source::Ours, Source::Network];

    /// `ours`, `network` or `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ours => "ours",
            Source::Network => "network",
            Source::Both => "both",
        }
    }

    /// The source named `name`.
    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL
            .into_iter()
            .find(|source| source.as_str() == name.trim())
    }

    fn reads(self, table: Table) -> bool {
        matches!(
            (self, table),
            (Source::Both, _)
                | (Source::Ours, Table::Publication)
                | (Source::Network, Table::RemotePublication)
        )
    }
}

/// One entry of a list.
#[derive(Debug, Clone)]
pub enum Entry {
    /// One of our publications.
    Ours(Box<Publication>),
    /// A publication of an organization we follow, with its row id (its page is
    /// `/network/{id}`).
    Network(i64, Box<RemotePublication>),
}

/// The entries of `source` chosen by `listing` and narrowed by `filters`, from `offset`, at
/// most `limit`, in the listing's order (ours first among equals), without their bodies (as
/// cards, calendars and the calendar feed show them).
pub async fn entries(
    db: &Db,
    source: Source,
    listing: Listing,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> Result<Vec<Entry>> {
    entries_with(db, source, listing, filters, (offset, limit), Bodies::Left).await
}

/// [`entries`] from `offset` to at most `limit` (`page`), with their bodies or without.
pub async fn entries_with(
    db: &Db,
    source: Source,
    listing: Listing,
    filters: &Filters,
    (offset, limit): (i64, i64),
    bodies: Bodies,
) -> Result<Vec<Entry>> {
    let wanted = offset.saturating_add(limit);
    let ours = if source.reads(Table::Publication) {
        publication::ordered_keys(db, Table::Publication, listing, filters, wanted).await?
    } else {
        Vec::new()
    };
    let theirs = if source.reads(Table::RemotePublication) {
        publication::ordered_keys(db, Table::RemotePublication, listing, filters, wanted).await?
    } else {
        Vec::new()
    };
    let merged = merge(&ours, &theirs, listing.newest_first());
    let page: Vec<(Table, i64)> = merged
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let our_ids: Vec<i64> = page
        .iter()
        .filter(|(table, _)| *table == Table::Publication)
        .map(|(_, id)| *id)
        .collect();
    let their_ids: Vec<i64> = page
        .iter()
        .filter(|(table, _)| *table == Table::RemotePublication)
        .map(|(_, id)| *id)
        .collect();
    let mut ours: std::collections::HashMap<i64, Publication> =
        publication::by_ids_with(db, &our_ids, bodies)
            .await?
            .into_iter()
            .map(|publication| (publication.publication_id, publication))
            .collect();
    let mut theirs = network::by_ids_with(db, &their_ids, bodies).await?;
    Ok(page
        .into_iter()
        .filter_map(|(table, id)| match table {
            Table::Publication => ours.remove(&id).map(|p| Entry::Ours(Box::new(p))),
            Table::RemotePublication => theirs
                .remove(&id)
                .map(|item| Entry::Network(id, Box::new(item))),
        })
        .collect())
}

/// Two lists of keys, each in the listing's order, as one (ours first among equals).
fn merge(ours: &[Key], theirs: &[Key], newest_first: bool) -> Vec<(Table, i64)> {
    let mut merged = Vec::with_capacity(ours.len() + theirs.len());
    let (mut a, mut b) = (0, 0);
    while a < ours.len() || b < theirs.len() {
        let take_ours = match (ours.get(a), theirs.get(b)) {
            (Some(mine), Some(other)) => {
                if newest_first {
                    mine.at >= other.at
                } else {
                    mine.at <= other.at
                }
            }
            (Some(_), None) => true,
            _ => false,
        };
        if take_ours {
            merged.push((Table::Publication, ours[a].id));
            a += 1;
        } else {
            merged.push((Table::RemotePublication, theirs[b].id));
            b += 1;
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn key(id: i64, hour: u32) -> Key {
        Key {
            id,
            at: Utc
                .with_ymd_and_hms(2026, 12, 1, hour, 0, 0)
                .single()
                .expect("a time"),
        }
    }

    #[test]
    fn merging_keeps_the_listing_order_and_puts_ours_first_among_equals() {
        let ours = [key(1, 9), key(2, 12)];
        let theirs = [key(7, 10), key(8, 12), key(9, 13)];
        assert_eq!(
            merge(&ours, &theirs, false),
            vec![
                (Table::Publication, 1),
                (Table::RemotePublication, 7),
                (Table::Publication, 2),
                (Table::RemotePublication, 8),
                (Table::RemotePublication, 9),
            ]
        );
        let ours = [key(2, 12), key(1, 9)];
        let theirs = [key(9, 13), key(8, 12), key(7, 10)];
        assert_eq!(
            merge(&ours, &theirs, true),
            vec![
                (Table::RemotePublication, 9),
                (Table::Publication, 2),
                (Table::RemotePublication, 8),
                (Table::RemotePublication, 7),
                (Table::Publication, 1),
            ]
        );
    }

    #[test]
    fn sources_are_named_as_in_the_query_string() {
        for source in Source::ALL {
            assert_eq!(Source::parse(source.as_str()), Some(source));
        }
        assert_eq!(Source::parse("everything"), None);
    }
}
