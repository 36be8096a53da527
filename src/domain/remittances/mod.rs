//! What sending money home costs, from the World Bank's public data: the average total cost of
//! each corridor by quarter (Remittance Prices Worldwide), the yearly flow of remittances and
//! the migrant stock of each country pair (2017 estimates), as imported ([`databank`] reads the
//! files, [`shipped`] holds the copies inside the binary); and what a corridor page shows from
//! them: its series, how it compares with the other corridors to the same country and from the
//! same country, and the estimated yearly cost of fees to the community (flow × cost).
//!
//! Storage: `remittance_cost` (sending, receiving, quarter → percent), `remittance_flow`
//! (sending, receiving, year → millions of US$), `migrant_stock` (origin, destination, year →
//! people), `dataset` (what was imported, from where, when). Countries are ISO alpha-2.

pub mod databank;
pub mod rates;
pub mod reports;
pub mod shipped;

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The SDG 10.c target for the average cost of sending money, in percent, by 2030.
pub const SDG_AVERAGE: f64 = 3.0;
/// The SDG 10.c target: no corridor above this, in percent.
pub const SDG_CEILING: f64 = 5.0;

/// The World Bank's files Jisr reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    /// Remittance Prices Worldwide (Corridors), the DataBank export.
    Prices,
    /// Bilateral Remittance Estimates.
    Flows,
    /// Bilateral Estimates of Migrant Stocks.
    Stocks,
}

impl Dataset {
    pub const ALL: [Dataset; 3] = [Dataset::Prices, Dataset::Flows, Dataset::Stocks];

    /// Its name in `dataset` and on the command line (`jisr data import rpw FILE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dataset::Prices => "rpw",
            Dataset::Flows => "flows",
            Dataset::Stocks => "stocks",
        }
    }

    pub fn parse(text: &str) -> Option<Dataset> {
        Dataset::ALL
            .into_iter()
            .find(|dataset| dataset.as_str() == text)
    }

    /// The source as its attribution names it.
    pub fn source(self) -> &'static str {
        match self {
            Dataset::Prices => "World Bank, Remittance Prices Worldwide (Corridors)",
            Dataset::Flows => "World Bank, Bilateral Remittance Estimates",
            Dataset::Stocks => "World Bank, Bilateral Estimates of Migrant Stocks",
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// Data rows read (empty rows and the footer apart).
    pub rows: usize,
    /// Corridors with figures, or pairs, kept.
    pub kept: usize,
    /// Pairs without a single figure (prices only).
    pub without_figures: usize,
    /// Values new to the database.
    pub added: usize,
    /// Values that replaced another.
    pub replaced: usize,
    /// Values already so.
    pub unchanged: usize,
    /// Lines skipped, with why.
    pub skipped: Vec<(usize, String)>,
}

/// Rows written per statement.
const CHUNK: usize = 400;

/// One value to keep: `(a, b, key, value)`: a corridor's quarter, or a pair's year.
type Row = (String, String, String, f64);

/// The statements of one dataset: what is stored, and how a chunk is written.
fn table(dataset: Dataset) -> (&'static str, [&'static str; 4]) {
    match dataset {
        Dataset::Prices => (
            "remittance_cost",
            ["sending", "receiving", "quarter", "cost"],
        ),
        Dataset::Flows => (
            "remittance_flow",
            ["sending", "receiving", "year", "usd_millions"],
        ),
        Dataset::Stocks => (
            "migrant_stock",
            ["origin", "destination", "year", "migrants"],
        ),
    }
}

/// Writes `rows` of `dataset` (replacing the values of the same keys), in `tx`, and records
/// the import; says how many were new, replaced or already so. `progress(done, total)` is
/// called as it goes.
async fn store(
    tx: &mut Tx,
    dataset: Dataset,
    rows: &[Row],
    last_updated: Option<&str>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<(usize, usize, usize)> {
    let (name, [a, b, key, value]) = table(dataset);
    let existing_sql = format!(
        "select {a}, {b}, cast({key} as text), cast({value} as double precision) from {name}"
    );
    let existing: Vec<(String, String, String, f64)> = with_tx!(tx, |conn| sqlx::query_as(
        sqlx::AssertSqlSafe(existing_sql.as_str())
    )
    .fetch_all(conn)
    .await)?;
    let existing: HashMap<(String, String, String), f64> = existing
        .into_iter()
        .map(|(a, b, key, value)| ((a, b, key), value))
        .collect();
    let (mut added, mut replaced, mut unchanged) = (0, 0, 0);
    let mut changed: Vec<&Row> = Vec::new();
    for row in rows {
        match existing.get(&(row.0.clone(), row.1.clone(), row.2.clone())) {
            None => {
                added += 1;
                changed.push(row);
            }
            Some(before) if (before - row.3).abs() > 1e-9 => {
                replaced += 1;
                changed.push(row);
            }
            Some(_) => unchanged += 1,
        }
    }
    let numeric_key = dataset != Dataset::Prices;
    for (done, chunk) in changed.chunks(CHUNK).enumerate() {
        let placeholders: Vec<String> = (0..chunk.len())
            .map(|index| {
                let n = index * 4;
                format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4)
            })
            .collect();
        let sql = format!(
            "insert into {name} ({a}, {b}, {key}, {value}) values {} \
             on conflict ({a}, {b}, {key}) do update set {value} = excluded.{value}",
            placeholders.join(", ")
        );
        with_tx!(tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for row in chunk {
                query = query.bind(&row.0).bind(&row.1);
                query = if numeric_key {
                    query.bind(row.2.parse::<i32>().unwrap_or_default())
                } else {
                    query.bind(&row.2)
                };
                query = if dataset == Dataset::Stocks {
                    query.bind(row.3.round() as i64)
                } else {
                    query.bind(row.3)
                };
            }
            query.execute(conn).await.map(|_| ())
        })?;
        progress(((done + 1) * CHUNK).min(changed.len()), changed.len());
    }
    let sql = "insert into dataset (name, source, last_updated, rows, imported_at) \
               values ($1, $2, $3, $4, $5) on conflict (name) do update set \
               source = excluded.source, last_updated = excluded.last_updated, \
               rows = excluded.rows, imported_at = excluded.imported_at";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(dataset.as_str())
        .bind(dataset.source())
        .bind(last_updated)
        .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok((added, replaced, unchanged))
}

/// Imports the text of a DataBank export of Remittance Prices Worldwide, in one transaction.
/// A 422 (`Invalid`) when it is not one.
pub async fn import_prices(
    db: &Db,
    raw: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Imported> {
    let prices = databank::read_prices(raw).map_err(not_the_file)?;
    let rows: Vec<Row> = prices
        .corridors
        .iter()
        .flat_map(|corridor| {
            corridor.costs.iter().map(|(quarter, cost)| {
                (
                    corridor.sending.clone(),
                    corridor.receiving.clone(),
                    quarter.clone(),
                    *cost,
                )
            })
        })
        .collect();
    let mut tx = db.begin_write().await?;
    let (added, replaced, unchanged) = store(
        &mut tx,
        Dataset::Prices,
        &rows,
        prices.last_updated.as_deref(),
        progress,
    )
    .await?;
    tx.commit().await?;
    Ok(Imported {
        rows: prices.rows,
        kept: prices.corridors.len(),
        without_figures: prices.without_figures,
        added,
        replaced,
        unchanged,
        skipped: prices
            .skipped
            .into_iter()
            .map(|skipped| (skipped.line, skipped.why))
            .collect(),
    })
}

/// Imports the text of a long file of flows or stocks for `year`, in one transaction.
pub async fn import_pairs(
    db: &Db,
    dataset: Dataset,
    year: i32,
    raw: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Imported> {
    let read = match dataset {
        Dataset::Flows => {
            databank::read_pairs(raw, "sending_iso3", "receiving_iso3", "usd_millions")
        }
        Dataset::Stocks => databank::read_pairs(raw, "origin_iso3", "destination_iso3", "migrants"),
        Dataset::Prices => return import_prices(db, raw, progress).await,
    }
    .map_err(not_the_file)?;
    let rows: Vec<Row> = read
        .pairs
        .iter()
        .map(|(a, b, value)| (a.clone(), b.clone(), year.to_string(), *value))
        .collect();
    let mut tx = db.begin_write().await?;
    let (added, replaced, unchanged) =
        store(&mut tx, dataset, &rows, Some(&year.to_string()), progress).await?;
    tx.commit().await?;
    Ok(Imported {
        rows: read.rows,
        kept: read.pairs.len(),
        without_figures: 0,
        added,
        replaced,
        unchanged,
        skipped: read
            .skipped
            .into_iter()
            .map(|skipped| (skipped.line, skipped.why))
            .collect(),
    })
}

fn not_the_file(why: String) -> crate::error::Error {
    crate::error::FieldError::of("file", crate::error::Reason::Other)
        .with("text", why)
        .into()
}

/// When each dataset was imported, and the source's own date.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Imports {
    pub name: String,
    pub last_updated: Option<String>,
    pub imported_at: DateTime<Utc>,
}

/// The datasets imported, by name.
pub async fn imports(db: &Db) -> Result<BTreeMap<String, Imports>> {
    let sql = "select name, last_updated, imported_at from dataset";
    let rows: Vec<Imports> = with_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.name.clone(), row))
        .collect())
}

/// Loads the shipped copy of each dataset that was never imported (a new instance), so that
/// the remittance pages work without any command. Cheap once done: one small query.
pub async fn ensure_loaded(db: &Db) -> Result<()> {
    let done = imports(db).await?;
    for dataset in Dataset::ALL {
        if done.contains_key(dataset.as_str()) {
            continue;
        }
        let text = shipped::text(dataset);
        let imported = match dataset {
            Dataset::Prices => import_prices(db, &text, &|_, _| {}).await?,
            _ => import_pairs(db, dataset, shipped::YEAR, &text, &|_, _| {}).await?,
        };
        tracing::info!(
            dataset = dataset.as_str(),
            kept = imported.kept,
            "the shipped World Bank data loaded"
        );
    }
    Ok(())
}

/// One quarter's figure of a corridor.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    pub quarter: String,
    pub cost: f64,
}

/// The series of the corridor `from` → `to`, oldest first.
pub async fn series(db: &Db, from: &str, to: &str) -> Result<Vec<Point>> {
    let sql = "select quarter, cost from remittance_cost where sending = $1 and receiving = $2 \
               order by quarter";
    let rows: Vec<(String, f64)> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(quarter, cost)| Point { quarter, cost })
        .collect())
}

/// A corridor's latest figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Latest {
    pub sending: String,
    pub receiving: String,
    pub quarter: String,
    pub cost: f64,
}

/// The latest figure of each corridor (`sending` only from it, `receiving` only to it, when
/// given), cheapest first.
pub async fn latest(
    db: &Db,
    sending: Option<&str>,
    receiving: Option<&str>,
) -> Result<Vec<Latest>> {
    // Each corridor's latest quarter in one pass along the primary key, then its figure.
    let sql = "select c.sending, c.receiving, c.quarter, c.cost from remittance_cost c \
               join (select sending, receiving, max(quarter) as quarter from remittance_cost \
               where (cast($1 as text) is null or sending = $1) \
               and (cast($2 as text) is null or receiving = $2) \
               group by sending, receiving) l \
               on c.sending = l.sending and c.receiving = l.receiving and c.quarter = l.quarter \
               order by c.cost, c.sending, c.receiving";
    let rows: Vec<(String, String, String, f64)> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(sending)
        .bind(receiving)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(sending, receiving, quarter, cost)| Latest {
            sending,
            receiving,
            quarter,
            cost,
        })
        .collect())
}

/// The latest yearly flow `from` → `to`, in millions of US$: `(year, amount)`.
pub async fn flow(db: &Db, from: &str, to: &str) -> Result<Option<(i32, f64)>> {
    let sql = "select year, usd_millions from remittance_flow where sending = $1 \
               and receiving = $2 order by year desc limit 1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(from)
        .bind(to)
        .fetch_optional(pool)
        .await)?)
}

/// The latest count of people born in `origin` living in `destination`: `(year, people)`.
pub async fn stock(db: &Db, origin: &str, destination: &str) -> Result<Option<(i32, i64)>> {
    let sql = "select year, migrants from migrant_stock where origin = $1 \
               and destination = $2 order by year desc limit 1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(origin)
        .bind(destination)
        .fetch_optional(pool)
        .await)?)
}

/// What fees cost a community in a year: the flow (millions of US$) at `cost` percent.
pub fn yearly_cost(flow_millions: f64, cost_percent: f64) -> f64 {
    flow_millions * cost_percent / 100.0
}

/// The average of the latest figures of the corridors from `from` (the proxy for a corridor
/// the survey does not cover): `(average, corridors)`.
pub fn average(latest: &[Latest]) -> Option<(f64, usize)> {
    if latest.is_empty() {
        return None;
    }
    let sum: f64 = latest.iter().map(|latest| latest.cost).sum();
    Some((sum / latest.len() as f64, latest.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yearly_cost_is_the_flow_at_the_corridors_cost() {
        // France → Senegal: 646.894 million US$ in 2017 at 4.24 % (2020Q3).
        let cost = yearly_cost(646.894, 4.238_947_391_510_01);
        assert!((cost - 27.42).abs() < 0.01, "{cost}");
    }
}
