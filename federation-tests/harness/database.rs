//! A fresh database per test: a SQLite file in a temporary folder, or a new PostgreSQL database
//! on the server named by `JISR_TEST_DATABASE_URL`.

use std::sync::atomic::{AtomicU32, Ordering};

/// A database that lives as long as this value (SQLite) or the test server (PostgreSQL).
pub struct TestDatabase {
    pub url: String,
    _folder: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    /// Makes an empty database.
    pub async fn create() -> TestDatabase {
        match std::env::var("JISR_TEST_DATABASE_URL") {
            Ok(server) if server.starts_with("postgres") => {
                let name = format!(
                    "jisr_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let admin = jisr::db::Db::connect(&server, 1)
                    .await
                    .unwrap_or_else(|error| panic!("JISR_TEST_DATABASE_URL={server}: {error:#}"));
                let jisr::db::Db::Postgres(pool) = &admin else {
                    panic!("not PostgreSQL");
                };
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(pool)
                    .await
                    .expect("create database");
                admin.close().await;
                let base = server
                    .rsplit_once('/')
                    .map_or(server.as_str(), |(base, _)| base);
                TestDatabase {
                    url: format!("{base}/{name}"),
                    _folder: None,
                }
            }
            _ => {
                let folder = tempfile::tempdir().expect("temporary folder");
                let url = format!("sqlite://{}", folder.path().join("jisr.db").display());
                TestDatabase {
                    url,
                    _folder: Some(folder),
                }
            }
        }
    }
}
