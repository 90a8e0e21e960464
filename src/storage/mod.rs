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
mod quotas;
mod recent_changes;
mod search;
mod sessions;
mod throttle;
mod title_listings;
mod upload_status;
mod user_listings;

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
pub use recent_changes::{RC_EDIT, RC_LOG, RC_NEW, RecentChangeListing, RecentChangeRow};
pub use search::{FoundPage, PageSearch, SearchField, SearchTerm};
pub use sessions::SessionRow;
pub use title_listings::{CategoryListing, ListedCategory};
pub use upload_status::UploadStatusRow;
pub use user_listings::{
    ContributionListing, ContributionRow, Contributors, ListedUser, UserKey, UserListing,
};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

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

/// How long the first connection may take before startup gives up.
const FIRST_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Database {
    /// Connects and applies the migrations. A database that cannot be
    /// reached is an `Unavailable` error that names it (password hidden)
    /// and says why, not a panic. With `schema` (PostgreSQL only), every
    /// connection works in that schema, created if missing, so that
    /// several wikis can share one database.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        schema: Option<&str>,
    ) -> Result<Database, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_file(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let unavailable = |why: String| {
            StorageError::Unavailable(format!("cannot connect to {}: {why}", redact_url(&url)))
        };
        if schema.is_some() && backend != Backend::Postgres {
            return Err(unavailable("a schema needs PostgreSQL".into()));
        }
        let options = AnyConnectOptions::from_str(&url).map_err(|e| unavailable(e.to_string()))?;
        // One connection first, outside the pool: the pool retries a
        // refused connection until its timeout and then says only "pool
        // timed out".
        let mut first = tokio::time::timeout(FIRST_CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| {
                unavailable(format!(
                    "no answer within {} s",
                    FIRST_CONNECT_TIMEOUT.as_secs()
                ))
            })?
            .map_err(|e| unavailable(connect_failure(&e)))?;
        if let Some(schema) = schema {
            create_schema(&mut first, schema)
                .await
                .map_err(|e| unavailable(format!("cannot create the schema {schema:?}: {e}")))?;
        }
        // A failed goodbye does not matter: the connection is done with.
        let _ = first.close().await;
        let search_path = schema.map(|schema| format!("SET search_path TO \"{schema}\""));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                let search_path = search_path.clone();
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while a writer commits; the busy
                        // timeout makes concurrent writers wait instead of failing;
                        // FULL syncs the WAL at every commit, so a row that
                        // acknowledges bytes survives an operating-system crash.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    } else {
                        // A transaction whose client vanished (a cut or
                        // black-holed connection) must not hold its locks
                        // forever: the publish outcome waits on them.
                        conn.execute("SET idle_in_transaction_session_timeout = '15s'")
                            .await?;
                        // Tables, and the migrations' own, in the schema.
                        if let Some(search_path) = search_path {
                            sqlx::query(sqlx::AssertSqlSafe(search_path))
                                .execute(&mut *conn)
                                .await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| unavailable(e.to_string()))?;
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

/// Creates `schema` unless it exists (so that a role without the right
/// to create schemas can use one made for it).
async fn create_schema(conn: &mut AnyConnection, schema: &str) -> Result<(), sqlx::Error> {
    let (exists,): (bool,) =
        sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(schema)
            .fetch_one(&mut *conn)
            .await?;
    if !exists {
        // IF NOT EXISTS: another instance may be starting at the same time.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS \"{schema}\""
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Why a first connection failed, in the operator's terms.
fn connect_failure(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the database server running and listening there?)".into()
        }
        // The resolver's failures have no error kind of their own.
        sqlx::Error::Io(io) if io.to_string().contains("failed to lookup address") => {
            format!("host unknown ({io})")
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // invalid_password, invalid_authorization_specification
            Some("28P01" | "28000") => format!("authentication failed: {}", db.message()),
            // invalid_catalog_name
            Some("3D000") => format!("no such database: {}", db.message()),
            _ => db.message().to_owned(),
        },
        other => other.to_string(),
    }
}

/// A database URL fit for an error, a terminal or a log: its password
/// masked.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
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
            redact_url("postgres://bob:secret@db:5432/wiki?sslmode=disable"),
            "postgres://bob:***@db:5432/wiki?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://bob@db/wiki"),
            "postgres://bob@db/wiki"
        );
        assert_eq!(
            redact_url("sqlite:///srv/wiki/wikiupload.sqlite"),
            "sqlite:///srv/wiki/wikiupload.sqlite"
        );
    }

    #[test]
    fn connection_failures_say_what_is_wrong() {
        let refused = sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
        assert!(connect_failure(&refused).starts_with("connection refused"));
        let unknown = sqlx::Error::Io(std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        ));
        assert!(connect_failure(&unknown).starts_with("host unknown"));
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
