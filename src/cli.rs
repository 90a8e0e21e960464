//! The command line: `serve`, the admin commands that manage accounts
//! in the same database `serve` uses (safe while it runs), and `import`
//! (`import.rs`).

mod import;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, LogFormat};
use crate::startup::{Application, DataDirLock, open_accounts};

#[derive(Debug, Parser)]
#[command(
    name = "wikiupload",
    version,
    about = "A MediaWiki-compatible upload server"
)]
struct Cli {
    /// TOML configuration file, layered over the built-in defaults.
    #[arg(long, global = true, env = "WIKIUPLOAD_CONFIG")]
    config: Option<PathBuf>,
    /// Lets an admin command start a new SQLite database when none is
    /// there yet (`serve` creates one on its first start anyway).
    #[arg(long, global = true)]
    create: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the server.
    Serve,
    /// Asks the server configured here whether it is ready (GET /readyz);
    /// exits 0 if it is. For container health checks.
    Healthcheck,
    /// Compares the data directory with the database: files no row
    /// describes (orphans) and rows whose file is missing. Exits 1 unless
    /// clean. Safe while the server runs (it may then name files of
    /// requests in flight).
    Fsck {
        /// Moves orphans of images/ to lost+found/ and deletes orphans of
        /// stash/; needs the data directory's lock (the server stopped).
        #[arg(long)]
        repair: bool,
    },
    /// Manages accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manages bot passwords.
    #[command(subcommand)]
    Botpassword(BotPasswordCommand),
    /// Imports the files of a folder and its subfolders as uploads
    /// (MediaWiki's importImages.php), with the upload rules, warnings and
    /// File pages of api.php uploads. Never overwrites: run it again to
    /// resume. Needs the data directory's lock (the server stopped).
    Import(import::ImportArgs),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Creates an account.
    Create {
        name: String,
        #[arg(long)]
        password: String,
        /// An explicit group (sysop, bot, ...); repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Sets an account's password.
    Passwd {
        name: String,
        #[arg(long)]
        password: String,
    },
    /// Shows an account's groups, after adding or removing some.
    Groups {
        name: String,
        #[arg(long = "add")]
        add: Vec<String>,
        #[arg(long = "remove")]
        remove: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum BotPasswordCommand {
    /// Creates (or replaces) the bot password USER@BOTNAME and prints it.
    Create {
        user: String,
        botname: String,
        /// Grants, comma-separated: basic, highvolume, uploadfile,
        /// uploadeditmovefile, createeditmovepage, editpage, ...
        #[arg(long, value_delimiter = ',', required = true)]
        grants: Vec<String>,
        /// The password (at least 32 characters of 0-9 and a-w);
        /// generated when absent.
        #[arg(long)]
        password: Option<String>,
    },
}

/// Runs the command line; the exit code says whether it worked.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    let may_create = cli.create || matches!(cli.command, Command::Serve);
    if !matches!(cli.command, Command::Healthcheck) {
        announce_database(&config, may_create)?;
    }
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Healthcheck => healthcheck(&config).await,
        Command::Fsck { repair } => fsck(config, repair).await,
        Command::User(command) => user(config, command).await,
        Command::Import(args) => import::run(config, args).await,
        Command::Botpassword(BotPasswordCommand::Create {
            user,
            botname,
            grants,
            password,
        }) => {
            let (db, accounts) = open_accounts(&config).await?;
            let password = accounts
                .create_bot_password(&user, &botname, password.as_deref(), &grants)
                .await?;
            let name = crate::auth::canonical_user_name(&user).unwrap_or(user);
            println!("login name: {name}@{botname}");
            println!("password:   {password}");
            db.close().await;
            Ok(())
        }
    }
}

/// Says which data directory and database a command works on, and refuses
/// to start a new SQLite database unless `may_create`: run from another
/// directory, a command would otherwise silently manage an empty one.
fn announce_database(config: &Config, may_create: bool) -> anyhow::Result<()> {
    let url = config.database_url();
    eprintln!("data directory: {}", config.data_dir.display());
    eprintln!("database: {}", crate::storage::redact_url(&url));
    if let Some(file) = new_sqlite_file(&url) {
        anyhow::ensure!(
            may_create,
            "there is no database at {} yet: check the data directory \
             (data_dir, WIKIUPLOAD_DATA_DIR) or pass --create to start a new one",
            file.display()
        );
        eprintln!("creating a new database at {}", file.display());
    }
    Ok(())
}

/// The file of an SQLite URL when it does not exist yet.
fn new_sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    let file = PathBuf::from(path);
    (!path.is_empty() && path != ":memory:" && !file.exists()).then_some(file)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let admin = config.admin_user.clone();
    let password_file = crate::startup::admin_password_file(&config);
    let app = Application::build(config).await?;
    if let Some(password) = &app.generated_admin_password {
        println!("Created the administrator account {admin:?} with password: {password}");
        println!(
            "(also in {}, readable by this user only: delete it once noted; change the password with `wikiupload user passwd {admin} --password ...`)",
            password_file.display()
        );
    }
    tracing::info!(address = %app.local_addr(), api = app.api_url(), "wikiupload is listening");
    let site = format!("{}index.php", app.api_url().trim_end_matches("api.php"));
    println!(
        "wikiupload is listening: open {site} in a browser; API at {}",
        app.api_url()
    );
    app.run_until(shutdown_signal()).await?;
    tracing::info!("wikiupload stopped");
    Ok(())
}

async fn fsck(config: Config, repair: bool) -> anyhow::Result<()> {
    let _lock = match repair {
        true => Some(DataDirLock::acquire(&config.data_dir)?),
        false => None,
    };
    let (db, _) = open_accounts(&config).await?;
    let repo = crate::upload::repo::FileRepo::new(&config.data_dir, "");
    let report = crate::upload::fsck::check(&db, &repo, repair).await?;
    db.close().await;
    for path in &report.orphans {
        println!("orphan: {}", path.display());
    }
    for path in &report.missing {
        println!("missing: {}", path.display());
    }
    println!(
        "{} orphans ({} repaired), {} missing",
        report.orphans.len(),
        report.repaired,
        report.missing.len()
    );
    let unrepaired = report.orphans.len() - report.repaired;
    anyhow::ensure!(
        unrepaired == 0 && report.missing.is_empty(),
        "the data directory does not match the database"
    );
    println!("clean");
    Ok(())
}

async fn healthcheck(config: &Config) -> anyhow::Result<()> {
    // A server bound to every interface is asked on loopback.
    let mut address = config.listen;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let url = format!("http://{address}/readyz");
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .no_proxy()
        .build()?;
    let response = client.get(&url).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    println!("ready");
    Ok(())
}

async fn user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let (db, accounts) = open_accounts(&config).await?;
    match command {
        UserCommand::Create {
            name,
            password,
            groups,
        } => {
            let user = accounts.create_user(&name, &password, &groups).await?;
            println!("created user {} (id {})", user.name, user.id);
        }
        UserCommand::Passwd { name, password } => {
            accounts.set_password(&name, &password).await?;
            println!("password of {name} changed");
        }
        UserCommand::Groups { name, add, remove } => {
            let mut groups = accounts.groups_of(&name).await?;
            if !add.is_empty() || !remove.is_empty() {
                groups.retain(|g| !remove.contains(g));
                groups.extend(
                    add.into_iter()
                        .filter(|g| !groups.contains(g))
                        .collect::<Vec<_>>(),
                );
                accounts.set_groups(&name, &groups).await?;
                groups = accounts.groups_of(&name).await?;
            }
            println!("{}", groups.join(","));
        }
    }
    db.close().await;
    Ok(())
}

/// Logs go to stderr, as text or JSON lines; `RUST_LOG` filters them
/// (default: info).
fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only where a person reads them, not into files.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_sqlite_file_is_a_new_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let existing = dir.path().join("old.sqlite");
        std::fs::write(&existing, b"").expect("written");
        let missing = dir.path().join("new.sqlite");
        assert_eq!(
            new_sqlite_file(&format!("sqlite://{}", existing.display())),
            None
        );
        assert_eq!(
            new_sqlite_file(&format!("sqlite://{}?mode=rwc", missing.display())),
            Some(missing)
        );
        assert_eq!(new_sqlite_file("sqlite::memory:"), None);
        assert_eq!(new_sqlite_file("postgres://wiki@db/wiki"), None);
    }
}
