//! The lists of published (not deleted) publications: newest first, upcoming events, events in
//! a period, open opportunities ([`Listing`]), narrowed by [`Filters`]; the publications with
//! given row ids; and how many there are.
//!
//! Invariant: only fixed SQL fragments and numbers (limits) are put in a query's text; every
//! other value is bound.

use super::index::{Bound, Filters, Form, Lookup, Narrowed};
use super::storage::{COLUMNS, NAMES, Row, with_texts};
use super::{Bodies, Kind, Publication};
use crate::db::{Db, unpack, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// Which published publications to list, in which order.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    /// Newest first; all kinds when `None`.
    Newest(Option<Kind>),
    /// What may go to other servers (not the stories whose consent keeps them on this
    /// website), all kinds, newest first: the outbox.
    Federated,
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

/// How many published publications may go to other servers (what the outbox holds).
pub async fn count_federated(db: &Db) -> Result<i64> {
    let sql = "select count(*) from publication where deleted_at is null and federated";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct Key {
    pub id: i64,
    pub at: DateTime<Utc>,
}

impl Listing {
    /// Whether it lists the newest first (else the soonest first).
    pub fn newest_first(&self) -> bool {
        matches!(
            self,
            Listing::Newest(_) | Listing::Federated | Listing::OpenOpportunities { .. }
        )
    }
}

/// Events that last longer than this are long ones (`long_event`, written with the event): a
/// list finds the events running at a moment among those that started at most this long
/// before it, and the long ones through an index of their own, so that neither walks every
/// stored event.
pub const LONG_EVENT: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Whether an event from `starts` to `ends` is a long one ([`LONG_EVENT`]).
pub fn is_long_event(starts: Option<DateTime<Utc>>, ends: Option<DateTime<Utc>>) -> bool {
    matches!((starts, ends), (Some(starts), Some(ends)) if ends - starts > LONG_EVENT)
}

/// The query of [`ordered_keys`]: its text and the values bound to it, in order.
struct KeysQuery {
    sql: String,
    values: Vec<Bound>,
}

impl Table {
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Table::Publication => ("publication", "publication_id"),
            Table::RemotePublication => ("remote_publication", "remote_publication_id"),
        }
    }

    fn narrowed(self) -> Narrowed {
        match self {
            Table::Publication => Narrowed::Ours,
            Table::RemotePublication => Narrowed::Network,
        }
    }
}

/// The SQL of a listing on `table`. Each part of it is an index walk in the listing's order
/// that stops after `limit` rows: newest first on `(kind, published_at)`; events by their
/// start on `(kind, starts_at)`, those starting in the period (or from now on), plus those
/// already running at its beginning: the short ones among those that started at most
/// [`LONG_EVENT`] before it, the long ones on their own index by `ends_at`. The kind is a
/// literal, so that SQLite can use the partial indexes that name it, and so is the limit (a
/// number): SQLite prepares a statement again at every run when its limit is bound. Every
/// other value is bound.
fn keys_query(
    table: Table,
    listing: Listing,
    (lookups, forms): (&[Lookup], &[Form]),
    limit: i64,
) -> KeysQuery {
    let (table_name, id) = table.names();
    // The times of the listing first, then the filters' values.
    let times: Vec<DateTime<Utc>> = match listing {
        Listing::Newest(_) | Listing::Federated => Vec::new(),
        Listing::OpenOpportunities { now } => vec![now],
        // $1 the moment, $2 a long event's length before it, ($3 the period's end).
        Listing::UpcomingEvents { now } => vec![now, now - LONG_EVENT],
        Listing::EventsBetween { from, to } => vec![from, from - LONG_EVENT, to],
    };
    let mut values: Vec<Bound> = times.into_iter().map(Bound::Time).collect();
    let limit = limit.max(0);
    let (narrowing, narrowing_values) =
        Filters::narrowing(table.narrowed(), lookups, forms, values.len() + 1);
    values.extend(narrowing_values);
    // The network's items hidden by moderation (their domain is limited, or
    // their actor suspended) are left out.
    let shown = match table {
        Table::Publication => "deleted_at is null",
        Table::RemotePublication => {
            "deleted_at is null and hidden_at is null and suspended_at is null"
        }
    };
    let part = |kind: Option<Kind>, condition: &str, key: &str, order: &str| {
        let kind = kind
            .map(|kind| format!(" and kind = '{}'", kind.as_str()))
            .unwrap_or_default();
        format!(
            "select {id} as id, {key} as at from {table_name} \
             where {shown}{kind}{condition}{narrowing} \
             order by {key} {order}, {id} {order} limit {limit}"
        )
    };
    let events = |starting: &str| {
        [
            part(Some(Kind::Event), starting, "starts_at", "asc"),
            // Short events that started in the week before and have not ended.
            part(
                Some(Kind::Event),
                " and starts_at >= $2 and starts_at < $1 and ends_at >= $1",
                "starts_at",
                "asc",
            ),
            // Long ones that started before that and have not ended: few, in no order, and
            // kept apart (`materialized`), or SQLite would walk the index by start for the
            // order of the whole.
            format!(
                "select {id} as id, starts_at as at from {table_name} \
                 where {shown} and kind = 'event' and long_event \
                 and ends_at >= $1 and starts_at < $2{narrowing}"
            ),
        ]
    };
    let sql = match listing {
        Listing::Newest(kind) => part(kind, "", "published_at", "desc"),
        Listing::Federated => part(None, " and federated", "published_at", "desc"),
        Listing::OpenOpportunities { .. } => part(
            Some(Kind::Opportunity),
            " and (deadline is null or deadline >= $1)",
            "published_at",
            "desc",
        ),
        Listing::UpcomingEvents { .. } => union(events(" and starts_at >= $1"), limit),
        Listing::EventsBetween { .. } => {
            union(events(" and starts_at >= $1 and starts_at < $3"), limit)
        }
    };
    KeysQuery { sql, values }
}

/// The first `limit` rows of three parts, each in the order of its start.
fn union(parts: [String; 3], limit: i64) -> String {
    let [starting, running, long] = parts;
    format!(
        "with long_running as materialized ({long}) \
         select id, at from ({starting}) as starting \
         union all select id, at from ({running}) as running \
         union all select id, at from long_running \
         order by at asc, id asc limit {limit}"
    )
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
    let lookups = filters.lookups(table.narrowed())?;
    let forms = Filters::forms(db, &lookups).await?;
    let KeysQuery { sql, values } = keys_query(table, listing, (&lookups, &forms), limit);
    let sql = db.packed("id, at", &sql);
    let packed: String = with_pool!(db, |pool| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for value in &values {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Integer(number) => query.bind(*number),
                Bound::Time(moment) => query.bind(*moment),
            };
        }
        query.fetch_one(pool).await
    })?;
    unpack(&packed)
}

/// How the database runs [`ordered_keys`]: the lines of its plan (`explain query plan` on
/// SQLite, `explain` on PostgreSQL), for benchmarks and for reading.
pub async fn explain_keys(
    db: &Db,
    table: Table,
    listing: Listing,
    filters: &Filters,
    limit: i64,
) -> Result<Vec<String>> {
    let lookups = filters.lookups(table.narrowed())?;
    let forms = Filters::forms(db, &lookups).await?;
    let KeysQuery { sql, values } = keys_query(table, listing, (&lookups, &forms), limit);
    macro_rules! bound {
        ($query:expr) => {{
            let mut query = $query;
            for value in &values {
                query = match value {
                    Bound::Text(text) => query.bind(text),
                    Bound::Integer(number) => query.bind(*number),
                    Bound::Time(moment) => query.bind(*moment),
                };
            }
            query
        }};
    }
    Ok(match db {
        Db::Sqlite(pool) => {
            let sql = format!("explain query plan {sql}");
            let rows: Vec<(i64, i64, i64, String)> =
                bound!(sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())))
                    .fetch_all(pool)
                    .await?;
            // Indented by depth, as the sqlite3 shell shows it.
            let mut depth: std::collections::HashMap<i64, usize> = Default::default();
            rows.into_iter()
                .map(|(id, parent, _, detail)| {
                    let level = depth.get(&parent).map_or(0, |level| level + 1);
                    depth.insert(id, level);
                    format!("{}{detail}", "  ".repeat(level))
                })
                .collect()
        }
        Db::Postgres(pool) => {
            let sql = format!("explain {sql}");
            bound!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())))
                .fetch_all(pool)
                .await?
        }
    })
}

/// The published (not deleted) publications with these row ids, in no particular order.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Publication>> {
    by_ids_with(db, ids, Bodies::Included).await
}

/// [`by_ids`], with their bodies or without (what cards and calendars show), in one packed
/// query for the rows and one for their texts.
pub async fn by_ids_with(db: &Db, ids: &[i64], bodies: Bodies) -> Result<Vec<Publication>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let sql = db.packed(
        NAMES,
        &format!(
            "select {COLUMNS} from publication where deleted_at is null \
             and publication_id in ({})",
            placeholders.join(", ")
        ),
    );
    let packed: String = with_pool!(db, |pool| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_one(pool).await
    })?;
    with_texts(db, unpack::<Row>(&packed)?, bodies).await
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
    with_texts(db, rows, Bodies::Included).await
}

/// The newest change to any publication (published, edited or deleted: each sets
/// `updated_at`), read from the last entry of its index; `None` before the first.
pub async fn last_change(db: &Db) -> Result<Option<DateTime<Utc>>> {
    let sql = "select max(updated_at) from publication";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
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
