//! The database behind verdict: connecting, migrating, and typed queries over the tables.
//!
//! One code path serves PostgreSQL and SQLite through sqlx's `Any` driver: every statement is
//! portable SQL with `$n` parameters, every time is an integer of microseconds and every flag
//! an integer, so rows decode the same on both.

mod decisions;
pub(crate) mod rows;
mod saga_queue;
mod sagas;
pub mod sagas_view;
mod stats;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::error::{Error, Result};

pub use decisions::{DecisionContext, DecisionCursor, DecisionSummary, CONTEXT_HITS};
pub use stats::{Stats, WindowCounts};

/// The migrations, embedded at build time from `migrations/`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The backend a URL names, or a clear error for anything else.
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else {
            Err(Error::Config(format!(
                "unsupported database URL '{}': use postgres://... or sqlite://PATH",
                crate::config::redact_url(url)
            )))
        }
    }

    /// A short name for the header and logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// A pool of connections to the decision log and read model.
///
/// Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The URL with any password hidden, for display.
    display_url: String,
}

impl Store {
    /// Connects to an existing database. A SQLite file that does not exist is an error
    /// saying how to create it, never a new empty file.
    ///
    /// Fails within a few seconds when the database is unreachable.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::open(url, max_connections, Create::No).await
    }

    /// Connects to `url`, creating a SQLite file if it does not exist (its directory must):
    /// for `verdict migrate` and the demo.
    pub async fn connect_or_create(url: &str, max_connections: u32) -> Result<Self> {
        Self::open(url, max_connections, Create::Yes).await
    }

    async fn open(url: &str, max_connections: u32, create: Create) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let display_url = crate::config::redact_url(url);
        if backend == Backend::Sqlite {
            check_sqlite_path(url, create)?;
        }
        let url = normalize_url(url, backend, create);
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        preflight(&options).await?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(CONNECT_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            backend,
            display_url,
        })
    }

    /// Fails with how to fix it when the database has no verdict schema (never migrated):
    /// otherwise the first query would fail with a bare "no such table".
    pub async fn require_schema(&self) -> Result<()> {
        let applied = match self.applied_migrations().await {
            Ok(applied) => applied,
            Err(Error::Database(e)) if is_missing_table(&e) => Vec::new(),
            Err(e) => return Err(e),
        };
        if applied.is_empty() {
            return Err(Error::Invalid(format!(
                "the database at {url} has no verdict schema: run `verdict migrate --db {url}`",
                url = self.display_url
            )));
        }
        Ok(())
    }

    /// Connects and applies every pending migration.
    pub async fn connect_and_migrate(url: &str, max_connections: u32) -> Result<Self> {
        let store = Self::connect_or_create(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies pending migrations; running it again is a no-op.
    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// The versions of the migrations applied to this database, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT version FROM _sqlx_migrations WHERE success = $1 ORDER BY version",
        )
        .bind(true)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// A cheap round trip, used by the console to tell "connected" from "reconnecting".
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The underlying pool, for the gate and the saga engine.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL, password hidden.
    pub fn display_url(&self) -> &str {
        &self.display_url
    }
}

/// One direct connection before the pool is built, so an unreachable database reports its
/// real cause ("connection refused", "password authentication failed") instead of the
/// pool's generic timeout.
async fn preflight(options: &AnyConnectOptions) -> Result<()> {
    use sqlx::Connection;
    let attempt = tokio::time::timeout(CONNECT_TIMEOUT, options.connect());
    match attempt.await {
        Ok(conn) => Ok(conn?.close().await?),
        Err(_) => Err(Error::Database(sqlx::Error::PoolTimedOut)),
    }
}

/// How long connecting may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether connecting may create a missing SQLite file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Create {
    Yes,
    No,
}

/// Sets the SQLite open mode (`rwc` creates, `rw` does not) unless the URL chose one;
/// leaves other URLs alone.
fn normalize_url(url: &str, backend: Backend, create: Create) -> String {
    if backend != Backend::Sqlite || url.contains("mode=") || url.contains(":memory:") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    let mode = if create == Create::Yes { "rwc" } else { "rw" };
    format!("{url}{sep}mode={mode}")
}

/// The file a SQLite URL names; `None` for in-memory databases.
fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| Path::new(path))
}

/// A clear error, before SQLite's "unable to open database file", for a file that is not
/// there when it must be, or a directory that is not there when the file is to be made.
fn check_sqlite_path(url: &str, create: Create) -> Result<()> {
    let Some(path) = sqlite_file(url) else {
        return Ok(());
    };
    if path.exists() {
        return Ok(());
    }
    match create {
        Create::No => Err(Error::Invalid(format!(
            "no SQLite database at {}: create one with `verdict migrate --db {url}`",
            path.display()
        ))),
        Create::Yes => match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                Err(Error::Invalid(format!(
                    "cannot create {}: the directory {} does not exist",
                    path.display(),
                    dir.display()
                )))
            }
            _ => Ok(()),
        },
    }
}

/// SQLite's "no such table" or PostgreSQL's "relation ... does not exist".
fn is_missing_table(e: &sqlx::Error) -> bool {
    let message = e.to_string();
    message.contains("no such table")
        || (message.contains("relation") && message.contains("does not exist"))
}

/// A SQLite URL for a file path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}
