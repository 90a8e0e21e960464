//! Running wikiupload: health and readiness, Prometheus metrics, the
//! request log (and what it must never contain), graceful shutdown of the
//! real binary, and the Docker image's entrypoint against a fresh data
//! directory.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::*;
use crate::on_both_backends;

/// The server's base URL (without `/api.php`).
fn base(app: &TestApp) -> String {
    app.api.trim_end_matches("/api.php").to_owned()
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

async fn health_and_readiness_are_reported(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", base(&app)))
        .send()
        .await
        .expect("answered");
    assert_eq!(health.status(), 200);
    let ready = client
        .get(format!("{}/readyz", base(&app)))
        .send()
        .await
        .expect("answered");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.expect("body"), "ready\n");
    // The file store breaks: uploads could not land anywhere.
    let spool = app.data_dir.path().join("tmp");
    let _ = std::fs::remove_dir_all(&spool);
    std::fs::write(&spool, b"not a directory").expect("file in the way");
    let broken = client
        .get(format!("{}/readyz", base(&app)))
        .send()
        .await
        .expect("answered");
    assert_eq!(broken.status(), 503);
    assert_eq!(
        broken.text().await.expect("body"),
        "file store unavailable\n"
    );
    let still_alive = client
        .get(format!("{}/healthz", base(&app)))
        .send()
        .await
        .expect("answered");
    assert_eq!(still_alive.status(), 200);
}

/// The value of the sample `name` (with its labels) in an exposition.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

async fn metrics_count_requests_uploads_and_the_stash(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(40, 30, 31);
    let published = app
        .upload(&[("filename", "Counted.png")], Some(&bytes))
        .await;
    assert_eq!(published["upload"]["result"], "Success");
    let stashed = app
        .upload(
            &[("filename", "Stashed count.png"), ("stash", "1")],
            Some(&png(40, 30, 32)),
        )
        .await;
    assert_eq!(stashed["upload"]["result"], "Success");
    let refused = app.upload(&[("filename", "Nothing.png")], None).await;
    assert_eq!(refused["error"]["code"], "missingparam");
    let warned = app
        .upload(&[("filename", "Counted again.png")], Some(&bytes))
        .await;
    assert_eq!(warned["upload"]["result"], "Warning", "{warned}");
    let text = reqwest::get(format!("{}/metrics", base(&app)))
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    assert_eq!(
        sample(
            &text,
            "wikiupload_api_requests_total{action=\"upload\",result=\"ok\"}"
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "wikiupload_api_requests_total{action=\"upload\",result=\"missingparam\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            "wikiupload_api_requests_total{action=\"upload\",result=\"warning\"}"
        ),
        Some(1.0),
        "{text}"
    );
    let received = sample(&text, "wikiupload_upload_bytes_total{source=\"file\"}")
        .expect("upload bytes counted");
    assert!(received > bytes.len() as f64, "{received}");
    assert_eq!(
        sample(
            &text,
            "wikiupload_upload_duration_seconds_count{source=\"file\"}"
        ),
        Some(3.0)
    );
    assert_eq!(sample(&text, "wikiupload_stash_entries"), Some(2.0));
    assert_eq!(sample(&text, "wikiupload_job_queue_depth"), Some(0.0));
    assert_eq!(sample(&text, "wikiupload_job_failures_total"), Some(0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_can_move_to_a_listener_of_their_own() {
    let port = free_port();
    let app = spawn_app_with(
        Backend::Sqlite,
        &format!("metrics_listen = \"127.0.0.1:{port}\"\n"),
    )
    .await;
    let main = reqwest::get(format!("{}/metrics", base(&app)))
        .await
        .expect("answered");
    assert_eq!(main.status(), 404);
    let own = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("answered");
    assert_eq!(own.status(), 200);
    assert!(
        own.text()
            .await
            .expect("body")
            .contains("wikiupload_stash_entries 0")
    );
}

/// The binary as the operator runs it, stderr kept in a file.
struct Served {
    child: Child,
    api: String,
    log: std::path::PathBuf,
}

impl Served {
    fn start(data_dir: &Path, port: u16, env: &[(&str, &str)], args: &[&str]) -> Served {
        let log = data_dir.with_extension("log");
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_wikiupload"));
        for (key, _) in std::env::vars() {
            if key.starts_with("WIKIUPLOAD_") {
                command.env_remove(key);
            }
        }
        let child = command
            .args(args)
            .env("WIKIUPLOAD_DATA_DIR", data_dir)
            .env("WIKIUPLOAD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(env.iter().copied())
            .env("WIKIUPLOAD_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("wikiupload starts");
        Served {
            child,
            api: format!("http://127.0.0.1:{port}/api.php"),
            log,
        }
    }

    async fn wait_ready(&self) {
        let url = self.api.replace("/api.php", "/readyz");
        for _ in 0..100 {
            if let Ok(response) = reqwest::get(&url).await
                && response.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server never became ready: {}", self.log_text());
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to end; its exit code.
    fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("waitable") {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the server did not stop in {limit:?}: {}", self.log_text());
    }

    fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The JSON answer to `request`.
async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json")
}

/// A client logged in as Admin against a server process, and its CSRF token.
async fn admin_client(api: &str) -> (reqwest::Client, String) {
    let client = new_client();
    let tokens_url = format!("{api}?action=query&meta=tokens&format=json");
    let tokens = json(client.get(format!("{tokens_url}&type=login"))).await;
    let login_token = tokens["query"]["tokens"]["logintoken"]
        .as_str()
        .expect("token")
        .to_owned();
    let login = json(client.post(api).form(&[
        ("action", "login"),
        ("lgname", "Admin"),
        ("lgpassword", ADMIN_PASSWORD),
        ("lgtoken", login_token.as_str()),
        ("format", "json"),
    ]))
    .await;
    assert_eq!(login["login"]["result"], "Success", "{login}");
    let tokens = json(client.get(tokens_url)).await;
    let csrf = tokens["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("token")
        .to_owned();
    (client, csrf)
}

fn upload_form(csrf: &str, filename: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("action", "upload")
        .text("format", "json")
        .text("token", csrf.to_owned())
        .text("filename", filename.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("upload.png"),
        )
}

/// MediaWiki's texts for a too large file and a banned type name no
/// setting; the log names the key to change, and the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_uploads_log_the_setting_that_refused_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Served::start(
        &data,
        port,
        &[("WIKIUPLOAD_MAX_UPLOAD_SIZE", "5000")],
        &["serve"],
    );
    server.wait_ready().await;
    let (client, csrf) = admin_client(&server.api).await;
    let large = json(client.post(&server.api).multipart(upload_form(
        &csrf,
        "Large.png",
        vec![7; 6000],
    )))
    .await;
    assert_eq!(large["error"]["code"], "file-too-large", "{large}");
    assert_eq!(
        large["error"]["info"], "The file you submitted was too large.",
        "{large}"
    );
    let banned = json(client.post(&server.api).multipart(upload_form(
        &csrf,
        "Notes.txt",
        b"plain notes\n".to_vec(),
    )))
    .await;
    assert_eq!(banned["error"]["code"], "filetype-banned", "{banned}");
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0));
    let log = server.log_text();
    let too_large = log
        .lines()
        .find(|line| line.contains("file-too-large"))
        .unwrap_or_else(|| panic!("a file-too-large line: {log}"));
    assert!(too_large.contains("max_upload_size=5000"), "{too_large}");
    let banned = log
        .lines()
        .find(|line| line.contains("filetype-banned"))
        .unwrap_or_else(|| panic!("a filetype-banned line: {log}"));
    assert!(banned.contains("filetype=txt"), "{banned}");
    assert!(
        banned.contains("file_extensions=\"png gif jpg jpeg webp\""),
        "{banned}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_names_each_request_and_no_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Served::start(
        &data,
        port,
        &[("WIKIUPLOAD_LOG_FORMAT", "json"), ("RUST_LOG", "debug")],
        &["serve"],
    );
    server.wait_ready().await;
    let (client, csrf) = admin_client(&server.api).await;
    let answer = json(client.post(&server.api).multipart(upload_form(
        &csrf,
        "Logged.png",
        png(20, 20, 5),
    )))
    .await;
    assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    let url = answer["upload"]["imageinfo"]["url"].as_str().expect("url");
    assert_eq!(
        client.get(url).send().await.expect("answered").status(),
        200
    );
    let page = format!(
        "{}/index.php/File:Logged.png",
        server.api.trim_end_matches("/api.php")
    );
    assert_eq!(
        client.get(page).send().await.expect("answered").status(),
        200
    );
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0));
    let log = server.log_text();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert!(!lines.is_empty(), "JSON log lines: {log}");
    let upload = lines
        .iter()
        .find(|line| line["action"] == "upload")
        .unwrap_or_else(|| panic!("an upload line: {log}"));
    assert_eq!(upload["user"], "Admin");
    assert_eq!(upload["filename"], "Logged.png");
    assert_eq!(upload["result"], "ok");
    assert!(upload["bytes"].as_u64().is_some_and(|b| b > 0));
    assert!(upload["duration_ms"].is_u64());
    let login = lines
        .iter()
        .find(|line| line["action"] == "login")
        .unwrap_or_else(|| panic!("a login line: {log}"));
    assert_eq!(login["method"], "POST");
    for class in ["file", "page"] {
        let line = lines
            .iter()
            .find(|line| line["class"] == class)
            .unwrap_or_else(|| panic!("a {class} line: {log}"));
        assert_eq!(line["method"], "GET");
        assert_eq!(line["status"], 200);
        assert!(line["duration_ms"].is_u64());
    }
    let file_line = lines.iter().find(|line| line["class"] == "file");
    assert!(file_line.is_some_and(|line| line["bytes"].as_u64() > Some(0)));
    // Neither the password, nor tokens, nor the session cookie.
    assert!(!log.contains(ADMIN_PASSWORD), "password logged");
    assert!(!log.contains(csrf.trim_end_matches("+\\")), "token logged");
    assert!(!log.contains("wikiupload_session"), "cookies logged");
    assert!(!log.contains("lgtoken") && !log.contains("lgpassword"));
}

/// A slow upload in flight when SIGTERM arrives still gets its answer;
/// then the server exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_an_upload_in_flight_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Served::start(&data, port, &[], &["serve"]);
    server.wait_ready().await;
    let (client, csrf) = admin_client(&server.api).await;
    let bytes = png(300, 300, 6);
    let (first, second) = bytes.split_at(bytes.len() / 2);
    let (first, second) = (first.to_vec(), second.to_vec());
    let (sent_half, half_sent) = tokio::sync::oneshot::channel::<()>();
    let body = futures_util::stream::unfold((0, Some(sent_half)), move |(step, signal)| {
        let (first, second) = (first.clone(), second.clone());
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(first), (1, signal))),
                1 => {
                    if let Some(signal) = signal {
                        let _ = signal.send(());
                    }
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                    Some((Ok(second), (2, None)))
                }
                _ => None,
            }
        }
    });
    let form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .text("format", "json")
        .text("token", csrf.clone())
        .text("filename", "In flight.png")
        .part(
            "file",
            reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body))
                .file_name("upload.png"),
        );
    let api = server.api.clone();
    let upload = tokio::spawn(async move {
        let response = client
            .post(&api)
            .multipart(form)
            .send()
            .await
            .expect("answered");
        response.json::<serde_json::Value>().await.expect("json")
    });
    half_sent.await.expect("half sent");
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.terminate();
    let answer = upload.await.expect("upload task");
    assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    assert_eq!(answer["upload"]["imageinfo"]["sha1"], sha1_hex(&bytes));
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0));
    let log = server.log_text();
    assert!(log.contains("stopping"), "{log}");
}

/// A request still running when the grace period ends is cut, and leaves
/// no partial file behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_cuts_what_outlives_the_grace_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Served::start(
        &data,
        port,
        &[("WIKIUPLOAD_SHUTDOWN_GRACE_PERIOD", "1")],
        &["serve"],
    );
    server.wait_ready().await;
    let (client, csrf) = admin_client(&server.api).await;
    let (sent, sent_signal) = tokio::sync::oneshot::channel::<()>();
    let body = futures_util::stream::unfold(Some(sent), |signal| async move {
        match signal {
            Some(signal) => {
                let _ = signal.send(());
                Some((Ok::<_, std::io::Error>(png(100, 100, 8)), None))
            }
            None => {
                // Never finishes.
                tokio::time::sleep(Duration::from_secs(60)).await;
                None
            }
        }
    });
    let form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .text("format", "json")
        .text("token", csrf)
        .text("filename", "Cut.png")
        .part(
            "file",
            reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(body))
                .file_name("upload.png"),
        );
    let api = server.api.clone();
    let upload = tokio::spawn(async move { client.post(&api).multipart(form).send().await });
    sent_signal.await.expect("started");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(upload.await.expect("task").is_err(), "the upload was cut");
    let spool = data.join("tmp");
    let left = std::fs::read_dir(&spool).map_or(0, |entries| entries.count());
    assert_eq!(left, 0, "no partial file left in the spool");
    assert!(server.log_text().contains("grace period over"));
}

/// The Dockerfile's own ENV, ENTRYPOINT, CMD and HEALTHCHECK, run here
/// against a fresh data directory (as `docker run -v ... -e ...` would,
/// with the volume and the port mapped to a temporary directory and a free
/// port), and what the image's build copies exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docker_image_command_serves_a_fresh_data_directory() {
    let dockerfile = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Dockerfile"))
        .expect("Dockerfile");
    let json_words = |line: &str, instruction: &str| -> Vec<String> {
        let rest = line.strip_prefix(instruction).unwrap_or_default().trim();
        serde_json::from_str(rest).unwrap_or_else(|_| panic!("{instruction} in exec form"))
    };
    let mut env: Vec<(String, String)> = Vec::new();
    let (mut entrypoint, mut cmd, mut healthcheck): (Vec<String>, Vec<String>, Vec<String>) =
        (Vec::new(), Vec::new(), Vec::new());
    for line in dockerfile.lines() {
        if let Some(pair) = line.strip_prefix("ENV ") {
            let (key, value) = pair.split_once('=').expect("ENV KEY=value");
            env.push((key.to_owned(), value.to_owned()));
        } else if line.starts_with("ENTRYPOINT ") {
            entrypoint = json_words(line, "ENTRYPOINT ");
        } else if line.starts_with("CMD ") {
            cmd = json_words(line, "CMD ");
        } else if let Some(rest) = line.strip_prefix("HEALTHCHECK ") {
            let exec = rest.split_once("CMD ").expect("HEALTHCHECK CMD").1;
            healthcheck = serde_json::from_str(exec).expect("HEALTHCHECK in exec form");
        } else if let Some(paths) = line.strip_prefix("COPY ")
            && !paths.starts_with("--from")
        {
            let words: Vec<&str> = paths.split_whitespace().collect();
            for source in &words[..words.len() - 1] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
                assert!(path.exists(), "COPY {source}: missing");
            }
        }
    }
    assert_eq!(entrypoint, ["wikiupload"]);
    assert_eq!(cmd, ["serve"]);
    assert_eq!(healthcheck[0], "wikiupload");
    let data_dir = env
        .iter()
        .find(|(k, _)| k == "WIKIUPLOAD_DATA_DIR")
        .map(|(_, v)| v.clone())
        .expect("the data directory is set");
    assert_eq!(data_dir, "/data");
    assert!(dockerfile.contains("VOLUME [\"/data\"]"));
    assert!(dockerfile.contains("USER wikiupload"));
    assert!(
        env.iter()
            .any(|(k, v)| k == "WIKIUPLOAD_LISTEN" && v == "0.0.0.0:8080")
    );
    assert!(dockerfile.contains("EXPOSE 8080"));

    let dir = tempfile::tempdir().expect("tempdir");
    let volume = dir.path().join("data");
    let port = free_port();
    // The image's environment, with the volume and port mapped here.
    let mut image_env: Vec<(&str, &str)> = env
        .iter()
        .filter(|(k, _)| k != "WIKIUPLOAD_DATA_DIR" && k != "WIKIUPLOAD_LISTEN")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    image_env.push(("WIKIUPLOAD_SERVER", "http://localhost:8080"));
    let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let mut server = Served::start(&volume, port, &image_env, &args);
    server.wait_ready().await;
    let check = Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .args(&healthcheck[1..])
        .env("WIKIUPLOAD_LISTEN", format!("0.0.0.0:{port}"))
        .env("WIKIUPLOAD_DATA_DIR", &volume)
        .output()
        .expect("healthcheck runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The first start created the administrator from the environment.
    let (_, csrf) = admin_client(&server.api).await;
    assert!(csrf.len() > 2);
    assert!(volume.join("wikiupload.sqlite").exists());
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(10)), Some(0));
    let stopped = Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .args(&healthcheck[1..])
        .env("WIKIUPLOAD_LISTEN", format!("0.0.0.0:{port}"))
        .output()
        .expect("healthcheck runs");
    assert!(!stopped.status.success(), "a stopped server is unhealthy");
}

on_both_backends!(
    health_and_readiness_are_reported,
    metrics_count_requests_uploads_and_the_stash,
);

/// A first start on a busy port creates nothing; a first start that
/// generates the administrator's password keeps it in a file only the
/// server's user can read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_port_creates_nothing_and_a_generated_password_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    use wikiupload::config::Config;
    use wikiupload::startup::Application;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let config = |listen: String| {
        let toml = format!(
            "listen = \"{listen}\"\ndata_dir = {:?}\n",
            data.display().to_string()
        );
        Config::from_toml(&[&toml]).expect("valid")
    };
    let refused = Application::build(config(busy.local_addr().expect("addr").to_string())).await;
    let error = refused.err().expect("a busy port is refused");
    assert!(error.to_string().starts_with("cannot listen on"), "{error}");
    assert!(!data.exists(), "nothing was created");

    let app = Application::build(config("127.0.0.1:0".into()))
        .await
        .expect("starts");
    let password = app.generated_admin_password.clone().expect("generated");
    let file = data.join("admin-password.txt");
    let text = std::fs::read_to_string(&file).expect("password file");
    assert_eq!(text, format!("Admin {password}\n"));
    let mode = std::fs::metadata(&file)
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}
