//! Storage: the database behind accounts, sessions, files and pages.
//!
//! One `Database` type serves SQLite and PostgreSQL through sqlx's `Any`
//! driver: every query is written once, with `$N` placeholders that both
//! backends accept, and only the migrations differ per backend
//! (`migrations/sqlite`, `migrations/postgres`, embedded in the binary).
//! This layer knows nothing of HTTP or MediaWiki's rules; it stores and
//! returns rows.

mod accounts;
mod actions;
mod files;
mod integrity;
mod jobs;
mod links;
mod listings;
mod page_listings;
mod pages;
#[cfg(test)]
mod plans;
mod quotas;
mod sessions;
mod throttle;
mod upload_status;

pub use accounts::{BotPasswordRow, UserRow};
pub use actions::{
    DeletedFileListing, DeletedFileRow, FileDeletion, PageMove, Undeleted, Undeletion,
};
pub use files::{
    ContentFacts, DescriptionPage, FILE_NAMESPACE, FileVersionRow, JournalRow, PublishRecord,
    StashRow,
};
pub use integrity::DescribedFiles;
pub use jobs::JobRow;
pub use links::PageLinks;
pub use listings::{BotFilter, FileListing, FileOrder, ListedFile, LogEventRow, LogListing};
pub use page_listings::{BacklinkListing, CategoryCounts, LinkTable, LinkingPage, PageListing};
pub use pages::{
    NewLogEntry, NewRevision, PageRow, PageStatistics, Restore, RevisionListing, RevisionRow,
    SavedRevision,
};
pub use sessions::SessionRow;
pub use upload_status::UploadStatusRow;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

/// The database engines wikiupload runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Picks the backend from a URL's scheme.
    pub fn from_url(url: &str) -> Result<Backend, StorageError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StorageError::Unavailable(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
            )))
        }
    }

    /// A short lower-case name, as siteinfo's `dbtype` reports it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Everything that can go wrong below the domain.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be reached or opened at all.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A row with the same unique key exists already.
    #[error("a row with this key exists already")]
    Conflict,
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(sqlx::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StorageError::Conflict,
            _ => StorageError::Query(err),
        }
    }
}

/// A pool of connections to the configured database.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Database {
    /// Connects and applies the migrations. A database that cannot be
    /// reached is an `Unavailable` error that names it, not a panic.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Database, StorageError> {
        Database::connect_with(url, max_connections, true).await
    }

    /// The same; `full_sync` false runs SQLite with `synchronous = NORMAL`
    /// (the WAL synced at checkpoints only), which `sqlite_synchronous`
    /// allows for speed at the cost of the last commits on a crash.
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        full_sync: bool,
    ) -> Result<Database, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StorageError::Unavailable(format!("{}: {e}", redact_url(&url))))?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while a writer commits; the busy
                        // timeout makes concurrent writers wait instead of failing;
                        // FULL syncs the WAL at every commit, so a row that
                        // acknowledges bytes survives an operating-system crash.
                        let synchronous = if full_sync { "FULL" } else { "NORMAL" };
                        conn.execute(sqlx::AssertSqlSafe(format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
                        )))
                        .await?;
                    } else {
                        // A transaction whose client vanished (a cut or
                        // black-holed connection) must not hold its locks
                        // forever: the publish outcome waits on them.
                        conn.execute("SET idle_in_transaction_session_timeout = '15s'")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StorageError::Unavailable(format!("{}: {e}", redact_url(&url))))?;
        let db = Database { pool, backend };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&db.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&db.pool).await?,
        }
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers when the database takes a trivial query.
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Answers when the database takes a write (`/readyz`): a row is
    /// changed and committed. The value always changes (`now`, or one past
    /// the last one): SQLite skips writing a row rewritten as it was, so a
    /// second probe within the same time would write nothing and pass on a
    /// read-only file.
    pub async fn check_writable(&self, now: i64) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO readiness_probe (id, checked_at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET checked_at = CASE \
             WHEN excluded.checked_at > readiness_probe.checked_at THEN excluded.checked_at \
             ELSE readiness_probe.checked_at + 1 END",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The database engine's version (siteinfo's `dbversion`).
    pub async fn version(&self) -> Result<String, StorageError> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT sqlite_version()",
            Backend::Postgres => "SHOW server_version",
        };
        let (version,): (String,) = sqlx::query_as(sql).fetch_one(&self.pool).await?;
        Ok(version)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// SQLite opens read-write but does not create the file unless asked to;
/// the directory must exist too.
fn sqlite_url_creating_file(url: &str) -> Result<String, StorageError> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            StorageError::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Hides a password in a database URL before it is shown in an error.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://bob:secret@db:5432/wiki"),
            "postgres://bob:***@db:5432/wiki"
        );
        assert_eq!(
            redact_url("postgres://bob@db/wiki"),
            "postgres://bob@db/wiki"
        );
    }

    #[test]
    fn backend_comes_from_the_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://x.db").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").ok(),
            Some(Backend::Postgres)
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }
}
