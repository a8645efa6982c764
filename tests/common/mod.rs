//! Shared test support: fresh databases on the real PostgreSQL and on SQLite files.
#![allow(dead_code)]

use std::path::PathBuf;

use verdict::store::Store;

/// The PostgreSQL server the tests use; `.ci/run` makes sure it is up.
pub fn pg_admin_url() -> String {
    std::env::var("VERDICT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database created for one test on the real PostgreSQL, dropped on `drop_pg`.
pub struct PgDb {
    pub url: String,
    pub name: String,
}

/// Creates an empty database for one test. Panics with a clear message when PostgreSQL is
/// not reachable: these tests never silently skip.
pub async fn fresh_pg() -> PgDb {
    let admin = pg_admin_url();
    let name = format!("verdict_t_{}", uuid::Uuid::now_v7().simple());
    let store = Store::connect(&admin, 1).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at {admin} is not reachable ({e}); start it or set VERDICT_TEST_PG")
    });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(store.pool())
        .await
        .expect("create test database");
    store.pool().close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    PgDb {
        url: format!("{base}/{name}"),
        name,
    }
}

/// Drops a test database (forcing out leftover connections).
pub async fn drop_pg(db: &PgDb) {
    if let Ok(store) = Store::connect(&pg_admin_url(), 1).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name))
            .execute(store.pool())
            .await;
    }
}

/// A SQLite URL in a fresh temporary directory, kept alive by the returned guard.
pub fn fresh_sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join("verdict.db");
    let url = format!("sqlite://{}", path.display());
    (dir, url)
}
