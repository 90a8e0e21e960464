//! Test harness: every test gets its own server on a random loopback port,
//! with a fresh database (a temporary SQLite file, or a schema of its own
//! in PostgreSQL) seeded with the same accounts as the reference wiki.

use std::sync::OnceLock;

use serde_json::Value;
use tokio::sync::oneshot;
use wikiupload::config::Config;
use wikiupload::startup::Application;

pub const ADMIN_PASSWORD: &str = "adminpass123456";
pub const USER_PASSWORD: &str = "uploaderpass12345";
pub const BOT_LOGIN: &str = "Uploader@bot";
pub const BOT_PASSWORD: &str = "uploaderbotpassword0123456789abc";
pub const NOURL_BOT_LOGIN: &str = "Uploader@nourl";
pub const NOURL_BOT_PASSWORD: &str = "uploadernourlpassword0123456789a";

/// The reference wiki's accounts and rights (see shared/reference-wiki).
pub const SEED_CONFIG: &str = r#"
admin_password = "adminpass123456"

[[users]]
name = "Uploader"
password = "uploaderpass12345"

[[users]]
name = "NoUrlUser"
password = "nourlpass1234567"
groups = ["nourl"]

[[bot_passwords]]
user = "Uploader"
bot = "bot"
password = "uploaderbotpassword0123456789abc"
grants = ["basic", "highvolume", "editpage", "createeditmovepage", "uploadfile", "uploadeditmovefile"]

[[bot_passwords]]
user = "Uploader"
bot = "nourl"
password = "uploadernourlpassword0123456789a"
grants = ["basic", "highvolume", "editpage", "createeditmovepage", "uploadfile"]

[group_permissions.user]
upload_by_url = true

[revoke_permissions.nourl]
upload_by_url = true
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test PostgreSQL lives (trust authentication).
pub fn postgres_url() -> String {
    std::env::var("WIKIUPLOAD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// Whether PostgreSQL tests can run. Outside CI a missing server skips
/// them with a note; in CI (CI=true) it fails them, since CI must cover
/// both backends.
pub async fn postgres_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    if let Some(known) = AVAILABLE.get() {
        return *known;
    }
    let reachable = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&postgres_url())
            .await
    })
    .await
    .is_ok_and(|r| r.is_ok());
    if !reachable {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL at {} is required in CI",
            postgres_url()
        );
        eprintln!(
            "note: PostgreSQL not reachable at {}; skipping its tests",
            postgres_url()
        );
    }
    *AVAILABLE.get_or_init(|| reachable)
}

/// `wikiupload serve` in a child process, set to abort at a crash point.
pub struct CrashingChild {
    process: std::process::Child,
    _config: tempfile::NamedTempFile,
}

/// A test that fails before its child died must not leave it running.
impl Drop for CrashingChild {
    fn drop(&mut self) {
        if let Ok(None) = self.process.try_wait() {
            let _ = self.process.kill();
            let _ = self.process.wait();
        }
    }
}

/// A running server and a client with its own cookie jar.
pub struct TestApp {
    pub api: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    pub database_url: String,
    config_toml: Vec<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// PostgreSQL schemas dropped with the app.
    schemas: Vec<String>,
}

/// Starts a server seeded like the reference wiki.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, "").await
}

/// Starts a server with extra TOML configuration on top of the seed.
pub async fn spawn_app_with(backend: Backend, extra_toml: &str) -> TestApp {
    spawn_app_prepared(backend, extra_toml, &Prepared::default()).await
}

/// What a test's wiki holds before the server first starts.
#[derive(Debug, Default)]
pub struct Prepared {
    /// Copied into the data directory (SQLite's database and files).
    pub data_dir: Option<std::path::PathBuf>,
    /// Run in the test's PostgreSQL schema, `__SCHEMA__` naming it.
    pub postgres_sql: Option<String>,
}

/// Starts a server on a wiki prepared by `prepared` (a database made by
/// an earlier release, say).
pub async fn spawn_app_prepared(
    backend: Backend,
    extra_toml: &str,
    prepared: &Prepared,
) -> TestApp {
    init_test_logging();
    let data_dir = tempfile::tempdir().expect("temporary data directory");
    if let Some(from) = &prepared.data_dir {
        copy_dir(from, data_dir.path());
    }
    let (database_url, schema) = match backend {
        Backend::Sqlite => (String::new(), None),
        Backend::Postgres => {
            let schema = format!("wu_test_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&postgres_url())
                .await
                .expect("PostgreSQL connects");
            match &prepared.postgres_sql {
                Some(sql) => {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.replace("__SCHEMA__", &schema)))
                        .execute(&pool)
                        .await
                        .expect("prepared SQL runs");
                }
                None => {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                        .execute(&pool)
                        .await
                        .expect("schema created");
                }
            }
            pool.close().await;
            let url = format!("{}?options=-c%20search_path%3D{schema}", postgres_url());
            (url, Some(schema))
        }
    };
    let base = format!(
        "listen = \"127.0.0.1:0\"\ndata_dir = {:?}\ndatabase_url = {:?}\ndatabase_max_connections = 4\n",
        data_dir.path().display().to_string(),
        database_url,
    );
    let toml = vec![base, SEED_CONFIG.to_owned(), extra_toml.to_owned()];
    let (api, shutdown, server) = start(&toml).await;
    TestApp {
        api,
        client: new_client(),
        data_dir,
        database_url,
        config_toml: toml,
        shutdown: Some(shutdown),
        server: Some(server),
        schemas: schema.into_iter().collect(),
    }
}

/// Starts a server on the test PostgreSQL database told to keep its wiki
/// in `schema` (`database_schema`, created by the server if missing)
/// rather than given a `search_path` in its URL; the schema is dropped
/// with the app.
pub async fn spawn_app_in_schema(schema: &str) -> TestApp {
    let url = postgres_url();
    let mut app = spawn_app_with(
        Backend::Postgres,
        &format!("database_url = {url:?}\ndatabase_schema = {schema:?}\n"),
    )
    .await;
    app.database_url = url;
    app.schemas.push(schema.to_owned());
    app
}

/// Copies a directory tree.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("directory created");
    for entry in std::fs::read_dir(from).expect("directory readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("file copied");
        }
    }
}

async fn start(layers: &[String]) -> (String, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let layers: Vec<&str> = layers.iter().map(String::as_str).collect();
    let config = Config::from_toml(&layers).expect("test configuration is valid");
    let app = Application::build(config).await.expect("server starts");
    let api = app.api_url().to_owned();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    (api, tx, server)
}

/// A client with a cookie jar of its own (a fresh "browser").
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client builds")
}

impl TestApp {
    /// GET api.php with `params` (format=json added).
    pub async fn get(&self, params: &[(&str, &str)]) -> Value {
        self.get_with(&self.client, params).await
    }

    pub async fn get_with(&self, client: &reqwest::Client, params: &[(&str, &str)]) -> Value {
        let response = client
            .get(&self.api)
            .query(&with_format(params))
            .send()
            .await
            .expect("GET answered");
        json_body(response).await
    }

    /// GET returning the whole response, for headers and status.
    pub async fn get_raw(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .get(&self.api)
            .query(&with_format(params))
            .send()
            .await
            .expect("GET answered")
    }

    /// POST api.php, urlencoded.
    pub async fn post(&self, params: &[(&str, &str)]) -> Value {
        self.post_with(&self.client, params).await
    }

    pub async fn post_with(&self, client: &reqwest::Client, params: &[(&str, &str)]) -> Value {
        json_body(self.post_raw_with(client, params).await).await
    }

    pub async fn post_raw(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.post_raw_with(&self.client, params).await
    }

    pub async fn post_raw_with(
        &self,
        client: &reqwest::Client,
        params: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(&self.api)
            .form(&with_format(params))
            .send()
            .await
            .expect("POST answered")
    }

    pub async fn login_token(&self) -> String {
        self.login_token_with(&self.client).await
    }

    pub async fn login_token_with(&self, client: &reqwest::Client) -> String {
        let body = self
            .get_with(
                client,
                &[("action", "query"), ("meta", "tokens"), ("type", "login")],
            )
            .await;
        body["query"]["tokens"]["logintoken"]
            .as_str()
            .expect("a login token")
            .to_owned()
    }

    pub async fn csrf_token(&self) -> String {
        let body = self.get(&[("action", "query"), ("meta", "tokens")]).await;
        body["query"]["tokens"]["csrftoken"]
            .as_str()
            .expect("a csrf token")
            .to_owned()
    }

    /// Logs the test client in with `action=login`; returns the result.
    pub async fn login(&self, name: &str, password: &str) -> Value {
        let token = self.login_token().await;
        self.post(&[
            ("action", "login"),
            ("lgname", name),
            ("lgpassword", password),
            ("lgtoken", &token),
        ])
        .await
    }

    pub async fn login_as_bot(&self) {
        let body = self.login(BOT_LOGIN, BOT_PASSWORD).await;
        assert_eq!(body["login"]["result"], "Success", "{body}");
    }

    pub async fn login_as_admin(&self) {
        let token = self.login_token().await;
        let body = self
            .post(&[
                ("action", "clientlogin"),
                ("username", "Admin"),
                ("password", ADMIN_PASSWORD),
                ("logintoken", &token),
                ("loginreturnurl", "http://127.0.0.1/"),
            ])
            .await;
        assert_eq!(body["clientlogin"]["status"], "PASS", "{body}");
    }

    /// Stops the server and starts a new one on the same data directory
    /// and database (on another port); the client keeps its cookies.
    pub async fn restart(mut self) -> TestApp {
        self.stop_server().await;
        self.start_server().await;
        self
    }

    /// Starts the server again after `stop_server`.
    pub async fn start_server(&mut self) {
        let (api, shutdown, server) = start(&self.config_toml).await;
        self.api = api;
        self.shutdown = Some(shutdown);
        self.server = Some(server);
    }

    /// The server's database, opened beside it (e.g. while it is stopped).
    pub async fn database(&self) -> wikiupload::storage::Database {
        let layers: Vec<&str> = self.config_toml.iter().map(String::as_str).collect();
        let config = Config::from_toml(&layers).expect("test configuration is valid");
        wikiupload::storage::Database::connect(&config.database_url(), 2, config.database_schema())
            .await
            .expect("database opens")
    }

    /// Stops the in-process server and runs the binary's `serve` on the
    /// same data directory and database instead, told to abort at the
    /// crash point `crash_point` (see `wikiupload::crash`); requests go to
    /// it until `recover_from_crash`.
    pub async fn start_crashing_child(&mut self, crash_point: &str) -> CrashingChild {
        self.start_child((wikiupload::crash::CRASH_POINT_VARIABLE, crash_point))
            .await
    }

    /// The same with another fault variable of `wikiupload::crash` set.
    pub async fn start_child(&mut self, fault: (&str, &str)) -> CrashingChild {
        use std::io::BufRead;
        self.stop_server().await;
        assert!(
            self.config_toml[2].is_empty(),
            "no extra configuration after the seed's tables"
        );
        let config = self.config_file();
        let mut process = std::process::Command::new(env!("CARGO_BIN_EXE_wikiupload"))
            .arg("serve")
            .env("WIKIUPLOAD_CONFIG", config.path())
            .env(fault.0, fault.1)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("wikiupload serve starts");
        let stdout = process.stdout.take().expect("stdout");
        let api = tokio::task::spawn_blocking(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|line| line.split("API at ").nth(1).map(str::to_owned))
        })
        .await
        .expect("reader")
        .expect("the child says where it listens");
        self.api = api;
        CrashingChild {
            process,
            _config: config,
        }
    }

    /// Waits for the child to die at its crash point (it must not exit
    /// otherwise), then starts the in-process server again, which recovers.
    pub async fn recover_from_crash(&mut self, mut child: CrashingChild) {
        let status = tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                if let Some(status) = child.process.try_wait().expect("child state") {
                    return Some(status);
                }
                if std::time::Instant::now() > deadline {
                    let _ = child.process.kill();
                    let _ = child.process.wait();
                    return None;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        })
        .await
        .expect("waiter");
        let status = status.expect("the child reached its crash point");
        assert!(!status.success(), "the child aborted: {status:?}");
        self.start_server().await;
    }

    /// The server's configuration as one file, for the binary: the extra
    /// layer's top-level keys go before the seed's tables.
    pub fn config_file(&self) -> tempfile::NamedTempFile {
        let [base, seed, extra] = &self.config_toml[..] else {
            panic!("three configuration layers");
        };
        assert!(!extra.contains('['), "one file holds no extra tables");
        let config = tempfile::NamedTempFile::new().expect("config file");
        std::fs::write(config.path(), format!("{base}\n{extra}\n{seed}")).expect("config written");
        config
    }

    /// Stops a child that was not told to crash (SIGKILL: nothing it holds
    /// is flushed) and starts the in-process server again.
    pub async fn kill_child(&mut self, child: CrashingChild) {
        drop(child);
        self.start_server().await;
    }

    /// Runs `wikiupload fsck` (with `--repair` if asked) on the data
    /// directory and database; its output, and whether it succeeded.
    pub fn fsck(&self, repair: bool) -> (bool, String) {
        let config = self.config_file();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wikiupload"));
        command.arg("fsck").env("WIKIUPLOAD_CONFIG", config.path());
        if repair {
            command.arg("--repair");
        }
        let output = command.output().expect("wikiupload fsck runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    /// Points the server at another database address (a proxy in front of
    /// PostgreSQL) and restarts it.
    pub async fn route_database_through(&mut self, address: std::net::SocketAddr) {
        self.stop_server().await;
        self.config_toml[0] = self.config_toml[0].replace("127.0.0.1:5432", &address.to_string());
        assert!(
            self.config_toml[0].contains(&address.to_string()),
            "PostgreSQL URL rewritten"
        );
        self.start_server().await;
    }

    pub async fn stop_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task ends cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Drop runs inside the test's runtime, so the schema is dropped
        // from a thread with a runtime of its own.
        let schemas = std::mem::take(&mut self.schemas);
        if !schemas.is_empty() {
            let url = postgres_url();
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(pool) = sqlx::postgres::PgPoolOptions::new()
                        .max_connections(1)
                        .connect(&url)
                        .await
                    {
                        for schema in schemas {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP SCHEMA {schema} CASCADE"
                            )))
                            .execute(&pool)
                            .await;
                        }
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

fn with_format<'a>(params: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = params.to_vec();
    if !params.iter().any(|(k, _)| *k == "format") {
        all.push(("format", "json"));
    }
    all
}

pub async fn json_body(response: reqwest::Response) -> Value {
    let text = response.text().await.expect("body readable");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `TEST_LOG=1` shows the server's logs; otherwise tests stay quiet.
fn init_test_logging() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("debug")
                .try_init();
        }
    });
}

/// Declares each listed `async fn name(backend: Backend)` as two tests,
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if $crate::helpers::postgres_available().await {
                        super::$name($crate::helpers::Backend::Postgres).await
                    }
                }
            )*
        }
    };
}

impl TestApp {
    /// POST action=upload as multipart with the file part `file`, the
    /// client's CSRF token added unless `token` is given.
    pub async fn upload(&self, params: &[(&str, &str)], file: Option<&[u8]>) -> Value {
        self.upload_with(&self.client, params, file).await
    }

    pub async fn upload_with(
        &self,
        client: &reqwest::Client,
        params: &[(&str, &str)],
        file: Option<&[u8]>,
    ) -> Value {
        self.upload_part(client, params, file.map(|bytes| ("file", bytes)))
            .await
    }

    /// One chunk of a chunked upload (the multipart part `chunk`).
    pub async fn upload_chunk(&self, params: &[(&str, &str)], chunk: &[u8]) -> Value {
        self.upload_part(&self.client, params, Some(("chunk", chunk)))
            .await
    }

    /// action=upload with `params` (and a CSRF token unless given) and at
    /// most one file part `(field, bytes)`.
    pub async fn upload_part(
        &self,
        client: &reqwest::Client,
        params: &[(&str, &str)],
        part: Option<(&str, &[u8])>,
    ) -> Value {
        json_body(self.upload_raw(client, params, part).await).await
    }

    /// The same, answering the raw response (for headers).
    pub async fn upload_raw(
        &self,
        client: &reqwest::Client,
        params: &[(&str, &str)],
        part: Option<(&str, &[u8])>,
    ) -> reqwest::Response {
        self.try_upload_raw(client, params, part)
            .await
            .expect("answered")
    }

    /// The same, for a server that may die answering.
    pub async fn try_upload_raw(
        &self,
        client: &reqwest::Client,
        params: &[(&str, &str)],
        part: Option<(&str, &[u8])>,
    ) -> reqwest::Result<reqwest::Response> {
        let mut form = reqwest::multipart::Form::new().text("action", "upload");
        if !params.iter().any(|(k, _)| *k == "token") {
            let body = self
                .get_with(client, &[("action", "query"), ("meta", "tokens")])
                .await;
            let token = body["query"]["tokens"]["csrftoken"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            form = form.text("token", token);
        }
        for (name, value) in with_format(params) {
            form = form.text(name.to_owned(), value.to_owned());
        }
        if let Some((field, bytes)) = part {
            form = form.part(
                field.to_owned(),
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("upload.bin"),
            );
        }
        client.post(&self.api).multipart(form).send().await
    }

    pub async fn download(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.expect("answered")
    }
}

/// A valid PNG of `width` × `height` whose pixels depend on `seed`, so
/// every seed gives different bytes.
pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let v = seed
                .wrapping_mul(2_654_435_761)
                .wrapping_add(x * 31 + y * 17);
            raw.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
        }
    }
    // zlib stream of stored (uncompressed) deflate blocks.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler2::adler32_slice(&raw).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// SHA-1 of `bytes`, lower-case hex.
pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(bytes))
}

impl TestApp {
    /// POST api.php as multipart/form-data with text fields only.
    pub async fn post_multipart_fields(&self, params: &[(&str, &str)]) -> Value {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in with_format(params) {
            form = form.text(name.to_owned(), value.to_owned());
        }
        let response = self
            .client
            .post(&self.api)
            .multipart(form)
            .send()
            .await
            .expect("answered");
        json_body(response).await
    }
}

/// Serves `router` on a loopback port (a file server for URL uploads); its
/// base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("test server binds");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}
