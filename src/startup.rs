//! Building and running the application: one entry point for the binary
//! and for tests. `Application::build` binds the listener first (so a test
//! can ask for port 0 and read the port back), then `run_until` serves
//! until the given shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::api::{self, AppState};
use crate::auth::rights::RightsPolicy;
use crate::auth::{self, Accounts, SessionStore};
use crate::config::Config;
use crate::pages::{PageError, Pages};
use crate::server;
use crate::storage::{Database, StorageError};
use crate::upload::repo::FileRepo;
use crate::upload::{UploadError, Uploads, fsck};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("cannot create the first accounts: {0}")]
    Seed(#[from] auth::AuthError),
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("the data directory {0} is not writable: {1}")]
    DataDirNotWritable(String, std::io::Error),
    #[error("cannot write the administrator's password to {0}: {1}")]
    AdminPasswordFile(String, std::io::Error),
    #[error("cannot recover the file store: {0}")]
    FileStore(#[from] UploadError),
    #[error("cannot complete the pages of an earlier release: {0}")]
    Pages(#[from] PageError),
    #[error(
        "the data directory {dir} is in use by another wikiupload process (PID {holder}); \
         one process per data directory"
    )]
    DataDirInUse { dir: String, holder: String },
}

/// The exclusive lock on a data directory (`flock` on `wikiupload.lock`,
/// holding the owner's PID), held while the server runs: two processes on
/// one data directory would undo each other's publishes.
#[derive(Debug)]
pub struct DataDirLock {
    _file: std::fs::File,
}

impl DataDirLock {
    pub fn acquire(data_dir: &std::path::Path) -> Result<DataDirLock, StartupError> {
        use std::io::{Read, Seek, Write};
        let dir = data_dir.display().to_string();
        std::fs::create_dir_all(data_dir).map_err(|e| StartupError::DataDir(dir.clone(), e))?;
        let path = data_dir.join("wikiupload.lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StartupError::DataDir(path.display().to_string(), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "unknown".to_owned(),
                    pid => pid.to_owned(),
                };
                return Err(StartupError::DataDirInUse { dir, holder });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StartupError::DataDir(path.display().to_string(), e));
            }
        }
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        written.map_err(|e| StartupError::DataDir(path.display().to_string(), e))?;
        Ok(DataDirLock { _file: file })
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    /// `/metrics` on its own address (`metrics_listen`).
    metrics_listener: Option<TcpListener>,
    state: Arc<AppState>,
    /// Held until `run_until` returns.
    data_dir_lock: DataDirLock,
    /// The administrator's password, when it was generated at this start.
    pub generated_admin_password: Option<String>,
}

/// Opens the database (applying migrations) and builds the services that
/// share it. Used by `serve` and by the admin commands alike.
pub async fn open_accounts(config: &Config) -> Result<(Database, Accounts), StartupError> {
    let data_dir = config.data_dir.display().to_string();
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| StartupError::DataDir(data_dir.clone(), e))?;
    // Uploads write here (on PostgreSQL nothing else would notice before
    // the first upload fails).
    tempfile::NamedTempFile::new_in(&config.data_dir)
        .map_err(|e| StartupError::DataDirNotWritable(data_dir, e))?;
    let db = Database::connect(
        &config.database_url(),
        config.database_max_connections,
        config.database_schema(),
    )
    .await?;
    let policy = RightsPolicy::new(
        config.group_permissions.clone(),
        config.revoke_permissions.clone(),
    );
    let accounts = Accounts::new(db.clone(), policy, config.password_attempt_throttle.clone());
    Ok((db, accounts))
}

/// A data directory ready to take uploads: its lock held, the database
/// open and seeded, the file store recovered (`prepare_file_store`). What
/// `serve` starts from, and what `import` works on.
pub struct FileStore {
    pub lock: DataDirLock,
    pub db: Database,
    pub accounts: Accounts,
    pub uploads: Uploads,
    /// The administrator's password, when it was generated now.
    pub generated_admin_password: Option<String>,
}

impl FileStore {
    /// `server` is the URL files are served under (`http://host:port`).
    pub async fn open(config: &Config, server: &str) -> Result<FileStore, StartupError> {
        let lock = DataDirLock::acquire(&config.data_dir)?;
        let (db, accounts) = open_accounts(config).await?;
        let generated_admin_password = accounts.seed(config).await?;
        if let Some(password) = &generated_admin_password {
            write_admin_password(config, password)?;
        }
        let repo = FileRepo::new(&config.data_dir, &format!("{server}{}", config.script_path));
        let uploads = Uploads::new(db.clone(), repo, config);
        prepare_file_store(&db, &uploads).await?;
        Ok(FileStore {
            lock,
            db,
            accounts,
            uploads,
            generated_admin_password,
        })
    }
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        // The listeners first: a busy port must not leave a new database
        // and an administrator whose generated password nobody saw.
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| StartupError::Bind(config.listen, e))?;
        let metrics_listener = match config.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .map_err(|e| StartupError::Bind(address, e))?,
            ),
            None => None,
        };
        let bound = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(config.listen, e))?;
        let server = config.server_url(bound);
        let FileStore {
            lock: data_dir_lock,
            db,
            accounts,
            uploads,
            generated_admin_password,
        } = FileStore::open(&config, &server).await?;
        let pages = Pages::new(db.clone(), &config.sitename);
        pages.backfill(auth::now()).await?;
        let state = AppState {
            api_url: format!("{server}{}/api.php", config.script_path),
            server,
            uploads,
            pages,
            sessions: SessionStore::new(db.clone(), config.session_lifetime),
            accounts,
            db,
            config,
            metrics: api::metrics::Metrics::new(),
        };
        Ok(Application {
            listener,
            metrics_listener,
            state: Arc::new(state),
            data_dir_lock,
            generated_admin_password,
        })
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.listen)
    }

    /// The public URL of api.php.
    pub fn api_url(&self) -> &str {
        &self.state.api_url
    }

    /// The address of the metrics listener, if it has one of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` completes, then stops accepting connections
    /// and gives requests in flight `shutdown_grace_period` to finish.
    /// Requests still running then are cut: their spooled parts are deleted
    /// and no chunk is acknowledged that was not written, so the stash stays
    /// consistent.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let sweeper = tokio::spawn(sweep_sessions(state.clone()));
        let jobs = tokio::spawn(state.uploads.clone().run_jobs());
        let expiry = tokio::spawn(state.uploads.clone().run_expiry());
        let resolver = tokio::spawn(state.uploads.clone().run_publish_resolver());
        let limits = server::ConnectionLimits {
            header_read_timeout: Duration::from_secs(state.config.header_read_timeout),
            body_idle_timeout: Duration::from_secs(state.config.body_idle_timeout),
            max_connections: state.config.max_connections,
        };
        let reserve = api::reserve_router(state.clone());
        let metrics = self.metrics_listener.map(|listener| {
            let router = api::metrics_router(state.clone());
            let reserve = reserve.clone();
            tokio::spawn(server::serve(
                listener,
                router,
                reserve,
                limits,
                std::future::pending(),
            ))
        });
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signal = stopping.clone();
        let app = api::router(state.clone()).merge(crate::web::router(state.clone()));
        let server = server::serve(self.listener, app, reserve, limits, async move {
            shutdown.await;
            tracing::info!("stopping: no new connections, finishing requests in flight");
            signal.notify_one();
        });
        let grace = Duration::from_secs(state.config.shutdown_grace_period);
        tokio::select! {
            () = server => {}
            () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
                tracing::warn!(seconds = grace.as_secs(), "grace period over: cutting the requests still running");
            }
        }
        for task in [sweeper, jobs, expiry, resolver] {
            task.abort();
        }
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        // Connections held by cut requests must not keep the stop waiting.
        let _ = tokio::time::timeout(Duration::from_secs(5), state.db.close()).await;
        drop(self.data_dir_lock);
        Ok(())
    }
}

/// Where a generated administrator password is kept, readable by the
/// server's user only, so that it is not lost with the first start's
/// output.
pub fn admin_password_file(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("admin-password.txt")
}

fn write_admin_password(config: &Config, password: &str) -> Result<(), StartupError> {
    use std::io::Write;
    let path = admin_password_file(config);
    let failed = |e| StartupError::AdminPasswordFile(path.display().to_string(), e);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(failed)?;
    writeln!(file, "{} {password}", config.admin_user).map_err(failed)
}

/// Makes the file store consistent before serving, in this order:
/// publishes left in the journal are settled (kept if they committed,
/// rolled back if not) and interrupted jobs queued again, while the spool
/// still holds what they may move back; then the spool of requests that
/// never finished is emptied; then the orphan check repairs what a crash
/// left (`fsck`).
async fn prepare_file_store(db: &Database, uploads: &Uploads) -> Result<(), StartupError> {
    let rolled_back = uploads.resolve_publishes().await?;
    if rolled_back > 0 {
        tracing::warn!(rolled_back, "rolled back publishes that never committed");
    }
    let requeued = db.requeue_running_jobs().await?;
    if requeued > 0 {
        tracing::warn!(jobs = requeued, "resuming jobs interrupted by a stop");
    }
    let spool = uploads.repo().spool_dir();
    if spool.exists() {
        std::fs::remove_dir_all(&spool)
            .map_err(|e| StartupError::DataDir(spool.display().to_string(), e))?;
    }
    let report = fsck::check(db, uploads.repo(), true).await?;
    if !report.orphans.is_empty() {
        tracing::warn!(orphans = ?report.orphans, "files no row describes were removed (see lost+found/)");
    }
    if !report.missing.is_empty() {
        tracing::error!(missing = ?report.missing, "files the database describes are missing");
    }
    Ok(())
}

/// Removes expired sessions and throttle counters every few minutes, so
/// the tables stay small.
async fn sweep_sessions(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tick.tick().await;
        match state.sessions.purge_expired(auth::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(removed = n, "expired sessions removed"),
            Err(err) => tracing::warn!(error = %err, "session sweep failed"),
        }
        if let Err(err) = state.db.purge_throttle_counters(auth::now()).await {
            tracing::warn!(error = %err, "throttle counter sweep failed");
        }
    }
}
