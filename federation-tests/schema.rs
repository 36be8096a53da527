//! After every migration, the SQLite and PostgreSQL schemas have the same tables, the same
//! columns in each (by name: types are spelled differently) and the same indexes (by name, on
//! the same table), so that one set of SQL serves both. Triggers, views and functions are each
//! backend's own.
//!
//! The one allowed difference is search (migration 6, `domain::search`): SQLite has FTS5 tables
//! (with their shadow tables) where PostgreSQL has a `search` tsvector column and its GIN index
//! of the same name. It is listed below, and checked to be there, so that the list cannot rot.
//!
//! Runs in the PostgreSQL pass (`JISR_TEST_DATABASE_URL=postgres://…`), where both databases
//! are at hand; the SQLite pass only says so. It is not a skip: CI runs both passes under
//! `JISR_REQUIRE_ALL=1`, and a skip there would fail the SQLite one.

use crate::harness::{TestDatabase, notice};
use jisr::db::Db;
use std::collections::{BTreeMap, BTreeSet};

/// Tables, each with its columns, and indexes, each with its table.
#[derive(Debug, Default, PartialEq)]
struct Schema {
    tables: BTreeMap<String, BTreeSet<String>>,
    indexes: BTreeMap<String, String>,
}

/// The FTS5 tables of SQLite's search; PostgreSQL has a `search` column on each one's table and
/// a GIN index named after it.
const SEARCH: &[(&str, &str)] = &[
    ("publication_search", "publication"),
    ("remote_publication_search", "remote_publication"),
];

/// The tables FTS5 makes for each of its own.
const FTS5_SHADOWS: &[&str] = &["config", "content", "data", "docsize", "idx"];

/// PostgreSQL's `search` columns: the publication's (its texts' together) and each text's.
const POSTGRES_SEARCH_COLUMNS: &[(&str, &str)] = &[
    ("publication", "search"),
    ("publication_text", "search"),
    ("remote_publication", "search"),
];

/// Rows of `(name, related name)` from `sql`.
async fn pairs(db: &Db, sql: &'static str) -> Vec<(String, String)> {
    match db {
        Db::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await,
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await,
    }
    .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

async fn schema(db: &Db) -> Schema {
    let (columns, indexes) = match db {
        Db::Sqlite(_) => (
            // Every table but SQLite's own and sqlx's, with its columns.
            "select m.name, c.name from sqlite_schema m, pragma_table_info(m.name) c \
             where m.type = 'table' and m.name not like 'sqlite\\_%' escape '\\' \
             and m.name <> '_sqlx_migrations'",
            // Indexes made by `create index`: those of primary keys and `unique` have no SQL.
            "select name, tbl_name from sqlite_schema where type = 'index' and sql is not null",
        ),
        Db::Postgres(_) => (
            "select c.table_name::text, c.column_name::text from information_schema.columns c \
             join information_schema.tables t \
             on t.table_schema = c.table_schema and t.table_name = c.table_name \
             where c.table_schema = current_schema() and t.table_type = 'BASE TABLE' \
             and c.table_name <> '_sqlx_migrations'",
            // Indexes made by `create index`, not those of primary keys, `unique` or exclusion
            // constraints.
            "select i.relname::text, t.relname::text from pg_index x \
             join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid \
             join pg_namespace n on n.oid = t.relnamespace \
             where n.nspname = current_schema() and t.relname <> '_sqlx_migrations' \
             and not exists (select 1 from pg_constraint k \
                 where k.conindid = x.indexrelid and k.contype in ('p', 'u', 'x'))",
        ),
    };
    let mut schema = Schema::default();
    for (table, column) in pairs(db, columns).await {
        schema.tables.entry(table).or_default().insert(column);
    }
    schema.indexes = pairs(db, indexes).await.into_iter().collect();
    schema
}

async fn migrated(url: &str) -> Db {
    let db = Db::connect(url, 2)
        .await
        .unwrap_or_else(|error| panic!("{url}: {error:#}"));
    db.migrate().await.expect("migrate");
    db
}

#[tokio::test]
async fn sqlite_and_postgresql_have_the_same_tables_columns_and_indexes() {
    let postgres_pass =
        std::env::var("JISR_TEST_DATABASE_URL").is_ok_and(|server| server.starts_with("postgres"));
    if !postgres_pass {
        notice(
            "schema::sqlite_and_postgresql_have_the_same_tables_columns_and_indexes runs in \
             the PostgreSQL pass (JISR_TEST_DATABASE_URL=postgres://…)",
        );
        return;
    }
    let postgres_database = TestDatabase::create().await;
    let folder = tempfile::tempdir().expect("temporary folder");
    let sqlite_url = format!("sqlite://{}", folder.path().join("jisr.db").display());
    let sqlite = migrated(&sqlite_url).await;
    let postgres = migrated(&postgres_database.url).await;

    let mut on_sqlite = schema(&sqlite).await;
    let mut on_postgres = schema(&postgres).await;
    sqlite.close().await;
    postgres.close().await;

    // Search, the allowed difference: present where it belongs, then set aside.
    for (fts, table) in SEARCH {
        let mut own = vec![fts.to_string()];
        own.extend(FTS5_SHADOWS.iter().map(|shadow| format!("{fts}_{shadow}")));
        for name in own {
            assert!(
                on_sqlite.tables.remove(&name).is_some(),
                "SQLite lacks the search table {name}"
            );
        }
        assert_eq!(
            on_postgres.indexes.remove(*fts).as_deref(),
            Some(*table),
            "PostgreSQL lacks the search index {fts} on {table}"
        );
    }
    for (table, column) in POSTGRES_SEARCH_COLUMNS {
        let removed = on_postgres
            .tables
            .get_mut(*table)
            .is_some_and(|columns| columns.remove(*column));
        assert!(
            removed,
            "PostgreSQL lacks the search column {table}.{column}"
        );
    }

    let names = |schema: &Schema| schema.tables.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(names(&on_sqlite), names(&on_postgres), "tables");
    for (table, columns) in &on_sqlite.tables {
        assert_eq!(
            Some(columns),
            on_postgres.tables.get(table),
            "columns of {table} (SQLite, then PostgreSQL)"
        );
    }
    assert_eq!(
        on_sqlite.indexes, on_postgres.indexes,
        "indexes and their tables (SQLite, then PostgreSQL)"
    );
}
