//! The lists of published (not deleted) publications: newest first, upcoming events, events in
//! a period, open opportunities ([`Listing`]), narrowed by [`Filters`]; the publications with
//! given row ids; and how many there are.
//!
//! Invariant: only fixed SQL fragments are put in a query's text; every value is bound.

use super::index::{Bound, Filters};
use super::storage::{COLUMNS, Row, with_texts};
use super::{Kind, Publication};
use crate::db::{Db, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// Which published publications to list, in which order.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    /// Newest first; all kinds when `None`.
    Newest(Option<Kind>),
    /// Events that have not ended at `now`, soonest first.
    UpcomingEvents { now: DateTime<Utc> },
    /// Events overlapping `[from, to)`, in time order.
    EventsBetween {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Opportunities whose deadline has not passed at `now` (or has none), newest first.
    OpenOpportunities { now: DateTime<Utc> },
}

/// A page of published (not deleted) publications, newest first; all kinds when `kind` is None.
pub async fn list(
    db: &Db,
    kind: Option<Kind>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Publication>> {
    list_where(db, Listing::Newest(kind), offset, limit).await
}

/// Published publications chosen by `listing`.
pub async fn list_where(
    db: &Db,
    listing: Listing,
    offset: i64,
    limit: i64,
) -> Result<Vec<Publication>> {
    list_filtered(db, listing, &Filters::default(), offset, limit).await
}

/// Published publications chosen by `listing` and narrowed by `filters`.
pub async fn list_filtered(
    db: &Db,
    listing: Listing,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> Result<Vec<Publication>> {
    let keys = ordered_keys(db, Table::Publication, listing, filters, offset + limit).await?;
    let ids: Vec<i64> = keys
        .iter()
        .skip(usize::try_from(offset).unwrap_or(0))
        .map(|key| key.id)
        .collect();
    let mut found = by_ids(db, &ids).await?;
    // In the listing's order.
    found.sort_by_key(|publication| {
        ids.iter()
            .position(|id| *id == publication.publication_id)
            .unwrap_or(usize::MAX)
    });
    Ok(found)
}

/// The two tables lists read: ours and the network's. Both have the columns a [`Listing`]
/// reads (`kind`, `published_at`, `starts_at`, `ends_at`, `deadline`, `deleted_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `publication`: ours.
    Publication,
    /// `remote_publication`: what the organizations we follow publish.
    RemotePublication,
}

/// A row of a listing: its id in its table, and what the listing orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Key {
    pub id: i64,
    pub at: DateTime<Utc>,
}

impl Listing {
    /// Whether it lists the newest first (else the soonest first).
    pub fn newest_first(&self) -> bool {
        matches!(self, Listing::Newest(_) | Listing::OpenOpportunities { .. })
    }
}

/// The first `limit` rows of `table` chosen by `listing` and narrowed by `filters`, in the
/// listing's order: each with its id and the time it is ordered by.
pub async fn ordered_keys(
    db: &Db,
    table: Table,
    listing: Listing,
    filters: &Filters,
    limit: i64,
) -> Result<Vec<Key>> {
    // Fixed SQL fragments only; values are bound ($1, $2 are the time bounds, $3 the kind).
    // The `$n = $n` terms keep every parameter referenced whatever the variant, so one bind list
    // serves all of them on both databases.
    let (filter, key, order) = match listing {
        Listing::Newest(Some(_)) => ("kind = $3", "published_at", "desc"),
        Listing::Newest(None) => ("$3 = $3", "published_at", "desc"),
        Listing::UpcomingEvents { .. } => ("kind = $3 and ends_at >= $1", "starts_at", "asc"),
        Listing::EventsBetween { .. } => (
            "kind = $3 and starts_at < $2 and ends_at >= $1",
            "starts_at",
            "asc",
        ),
        Listing::OpenOpportunities { .. } => (
            "kind = $3 and (deadline is null or deadline >= $1)",
            "published_at",
            "desc",
        ),
    };
    let (from, to, kind) = match listing {
        Listing::Newest(kind) => (None, None, kind.unwrap_or(Kind::Story)),
        Listing::UpcomingEvents { now } => (Some(now), None, Kind::Event),
        Listing::EventsBetween { from, to } => (Some(from), Some(to), Kind::Event),
        Listing::OpenOpportunities { now } => (Some(now), None, Kind::Opportunity),
    };
    let (table_name, id, (narrowing, values)) = match table {
        Table::Publication => ("publication", "publication_id", filters.conditions(5)?),
        Table::RemotePublication => (
            "remote_publication",
            "remote_publication_id",
            filters.network_conditions(5)?,
        ),
    };
    let sql = format!(
        "select {id} as id, {key} as at from {table_name} where deleted_at is null and {filter} \
         and ($1 is null or $1 = $1) and ($2 is null or $2 = $2){narrowing} \
         order by {key} {order}, {id} {order} limit $4"
    );
    let keys: Vec<Key> = with_pool!(db, |pool| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(from)
            .bind(to)
            .bind(kind.as_str())
            .bind(limit);
        for value in &values {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Integer(number) => query.bind(*number),
            };
        }
        query.fetch_all(pool).await
    })?;
    Ok(keys)
}

/// The published (not deleted) publications with these row ids, in no particular order.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Publication>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let sql = format!(
        "select {COLUMNS} from publication where deleted_at is null and publication_id in ({})",
        placeholders.join(", ")
    );
    let rows: Vec<Row> = with_pool!(db, |pool| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })?;
    with_texts(db, rows).await
}

/// The newest `limit` published publications that `account_id` is the byline of.
pub async fn by_author(db: &Db, account_id: i64, limit: i64) -> Result<Vec<Publication>> {
    let sql = format!(
        "select {COLUMNS} from publication where deleted_at is null and author_account_id = $1 \
         order by published_at desc, publication_id desc limit $2"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    with_texts(db, rows).await
}

/// How many publications are published (not deleted); all kinds when `kind` is None.
pub async fn count(db: &Db, kind: Option<Kind>) -> Result<i64> {
    let count: i64 = match kind {
        Some(kind) => {
            let sql = "select count(*) from publication where deleted_at is null and kind = $1";
            with_pool!(db, |pool| sqlx::query_scalar(sql)
                .bind(kind.as_str())
                .fetch_one(pool)
                .await)?
        }
        None => {
            let sql = "select count(*) from publication where deleted_at is null";
            with_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)?
        }
    };
    Ok(count)
}
