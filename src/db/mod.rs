//! The database handle: one enum over the two native sqlx pools, chosen by the URL at run time.
//!
//! SQLite is the embedded default (WAL, file created if missing); PostgreSQL is for larger or
//! multi-process deployments. Every query is written once, portable (`$1` placeholders,
//! `returning`, no `for update skip locked`), and run on either arm with [`with_pool!`].
//! Migrations live in `migrations/sqlite` and `migrations/postgres`, with the same versions.

mod migrations;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// A pool of connections to SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Db {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// Evaluates `$body` once per backend arm, with `$pool` bound to that backend's native pool.
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Postgres($pool) => $body,
            $crate::db::Db::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Db {
    /// Connects to the database named by `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).context("invalid database.url")?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            return Ok(Db::Postgres(pool));
        }
        let options = SqliteConnectOptions::from_str(url)
            .context("invalid database.url")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let filename = options.get_filename().to_path_buf();
        if let Some(parent) = filename.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the SQLite database {}", filename.display()))?;
        Ok(Db::Sqlite(pool))
    }

    /// Applies the migrations of this backend that are not applied yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = migrations::migrator(self).await?;
        with_pool!(self, |pool| migrator.run(pool).await).context("database migration failed")?;
        Ok(())
    }

    /// `true` for PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// Closes the pool, waiting for connections in use.
    pub async fn close(&self) {
        with_pool!(self, |pool| pool.close().await);
    }
}

/// An open transaction on either backend. Dropping it without [`Tx::commit`] rolls it back, so a
/// failed multi-step write leaves nothing behind.
///
/// Invariant: no network call happens while a transaction is open (SQLite has one writer).
pub enum Tx {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

/// Evaluates `$body` with `$conn` bound to the transaction's native connection.
macro_rules! with_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Postgres($conn) => {
                let $conn = &mut **$conn;
                $body
            }
            $crate::db::Tx::Sqlite($conn) => {
                let $conn = &mut **$conn;
                $body
            }
        }
    };
}
pub(crate) use with_tx;

impl Db {
    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
        })
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads before it writes fails at once with
    /// "database is locked" when another connection wrote meanwhile, instead of waiting its
    /// turn. On PostgreSQL it is a plain transaction.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        })
    }

    /// Starts a transaction that reads and then writes with no other such transaction on the
    /// same `lock` in between: SQLite takes the write lock at once (`BEGIN IMMEDIATE`, so two
    /// of them wait for each other instead of failing), PostgreSQL a transaction-level advisory
    /// lock on `lock`. For checks such as "the first account" or "the last admin".
    pub async fn begin_exclusive(&self, lock: i64) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("select pg_advisory_xact_lock($1)")
                    .bind(lock)
                    .execute(&mut *tx)
                    .await?;
                Tx::Postgres(tx)
            }
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        })
    }
}

impl Db {
    /// A query that returns the rows of `query` as one text, a JSON array of arrays (the
    /// values of `columns`, its result columns named in order), built by the database; read
    /// it with [`unpack`]. On SQLite each row and each value of a result crosses from the
    /// connection's thread on its own, copied twice: a list of a few hundred rows spent most
    /// of its time there (issue 13), where one text crosses once. PostgreSQL builds the same
    /// array, so that both run the same code. Rows come in the order of `query`.
    pub fn packed(&self, columns: &str, query: &str) -> String {
        match self {
            Db::Sqlite(_) => format!(
                "select coalesce(json_group_array(json_array({columns})), '[]') \
                 from ({query}) as packed"
            ),
            Db::Postgres(_) => format!(
                "select coalesce(json_agg(json_build_array({columns})), '[]')::text \
                 from ({query}) as packed"
            ),
        }
    }
}

/// The rows of a [`Db::packed`] query, each read from its array of values in column order
/// (a struct with `Deserialize` reads an array field by field). Times are RFC 3339 text in
/// both databases' JSON.
pub fn unpack<T: serde::de::DeserializeOwned>(packed: &str) -> crate::error::Result<Vec<T>> {
    Ok(serde_json::from_str(packed)?)
}

impl Tx {
    /// Makes the transaction's writes permanent.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Postgres(tx) => tx.commit().await,
            Tx::Sqlite(tx) => tx.commit().await,
        }
    }
}
