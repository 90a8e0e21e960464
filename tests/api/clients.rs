//! Real MediaWiki clients (pywikibot, mwclient, mwn, nodemw) against the
//! server, driven by the scripts in tests/clients. The pinned clients are
//! installed by tests/clients/setup.sh into target/clients on first use.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::helpers::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether python3 and node are here to run the clients. Outside CI their
/// absence skips these tests with a note; in CI (CI=true) it fails them.
fn clients_available() -> bool {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let available = found("python3") && found("node") && found("npm");
    if !available {
        assert!(
            std::env::var("CI").is_err(),
            "python3, node and npm are required in CI"
        );
        eprintln!("note: python3/node/npm missing; skipping the real-client tests");
    }
    available
}

/// Installs the clients once per test run (the browser test's Python
/// script uses its `requests`).
pub fn clients_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = repo().join("target/clients");
        let status = Command::new("bash")
            .arg(repo().join("tests/clients/setup.sh"))
            .arg(&dir)
            .status()
            .expect("setup.sh runs");
        assert!(status.success(), "tests/clients/setup.sh failed");
        dir
    })
    .clone()
}

/// The command that runs one client script as `user`.
fn client_command(client: &str, api: &str, user: &str, password: &str) -> Command {
    let dir = clients_dir();
    let script = repo().join("tests/clients").join(client);
    let mut command = if client.ends_with(".py") {
        let mut c = Command::new(dir.join("venv/bin/python"));
        c.arg(&script);
        c
    } else {
        let mut c = Command::new("node");
        c.arg(&script)
            .env("CLIENTS_NODE_MODULES", dir.join("node_modules"));
        c
    };
    command.args(["--api", api, "--user", user, "--password", password]);
    command
}

/// Runs one client script; returns its JSON line.
async fn run_client(client: &str, api: &str, user: &str, password: &str, args: &[&str]) -> Value {
    let mut command = client_command(client, api, user, password);
    command.args(args);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joined")
        .expect("client runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let result: Value = serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "{client}: no JSON result\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(
        output.status.success() && result["ok"] == true,
        "{client} {args:?} failed: {result}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    result
}

const CLIENTS: [&str; 4] = [
    "pywikibot_client.py",
    "mwclient_client.py",
    "mwn_client.mjs",
    "nodemw_client.js",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_logs_in_with_a_bot_password_and_a_main_account() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    for client in CLIENTS {
        for (user, password) in [(BOT_LOGIN, BOT_PASSWORD), ("Uploader", USER_PASSWORD)] {
            let result = run_client(client, &app.api, user, password, &["login"]).await;
            assert_eq!(result["user"], "Uploader", "{client} as {user}: {result}");
            let rights = result["rights"].as_array().expect("rights");
            assert!(
                rights.contains(&"upload".into()),
                "{client} as {user}: {result}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_sees_a_wrong_password_fail() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    for client in CLIENTS {
        let mut command = client_command(client, &app.api, BOT_LOGIN, "wrongwrongwrong");
        command.arg("login");
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("joined")
            .expect("client runs");
        assert!(
            !output.status.success(),
            "{client} must fail with a wrong password"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_uploads_a_file_and_reads_back_the_same_bytes() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("tempdir");
    for (seed, client) in CLIENTS.iter().enumerate() {
        let bytes = png(40, 30, 1000 + seed as u32);
        let path = dir.path().join(format!("upload-{seed}.png"));
        std::fs::write(&path, &bytes).expect("written");
        let filename = format!("Client upload {seed}.png");
        let result = run_client(
            client,
            &app.api,
            BOT_LOGIN,
            BOT_PASSWORD,
            &[
                "upload",
                "--file",
                path.to_str().expect("utf-8"),
                "--filename",
                &filename,
            ],
        )
        .await;
        assert_eq!(result["sha1"], sha1_hex(&bytes), "{client}: {result}");
        assert_eq!(
            result["downloaded_sha1"],
            sha1_hex(&bytes),
            "{client}: {result}"
        );
        assert_eq!(result["size"], bytes.len(), "{client}: {result}");
    }
}

/// pywikibot (`chunk_size`), mwclient (`Site.chunk_size`) and mwn (its own
/// requests) send a 50 MiB file in chunks; the bytes come back the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_upload_a_large_file_in_chunks() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("tempdir");
    for (seed, client) in [
        "pywikibot_client.py",
        "mwclient_client.py",
        "mwn_client.mjs",
    ]
    .iter()
    .enumerate()
    {
        let path = dir.path().join(format!("large-{seed}.png"));
        let made = Command::new(clients_dir().join("venv/bin/python"))
            .arg(repo().join("tests/clients/make_png.py"))
            .args([path.to_str().expect("utf-8"), "50", &seed.to_string()])
            .status()
            .expect("make_png runs");
        assert!(made.success());
        let bytes = std::fs::read(&path).expect("large file");
        let filename = format!("Chunked client upload {seed}.png");
        let result = run_client(
            client,
            &app.api,
            BOT_LOGIN,
            BOT_PASSWORD,
            &[
                "upload",
                "--file",
                path.to_str().expect("utf-8"),
                "--filename",
                &filename,
                "--chunk-size",
                "4194304",
            ],
        )
        .await;
        assert_eq!(result["sha1"], sha1_hex(&bytes), "{client}: {result}");
        assert_eq!(result["downloaded_sha1"], sha1_hex(&bytes), "{client}");
        assert_eq!(result["size"], bytes.len(), "{client}: {result}");
        // The bytes really came as chunks, 4 MiB at a time.
        let metrics = reqwest::get(app.api.replace("/api.php", "/metrics"))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("body");
        let chunked: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("wikiupload_upload_bytes_total{source=\"chunk\"} "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        assert!(
            chunked >= ((seed + 1) * bytes.len()) as f64,
            "{client}: {chunked} bytes came in chunks"
        );
        let direct = metrics
            .lines()
            .find_map(|l| l.strip_prefix("wikiupload_upload_bytes_total{source=\"file\"} "));
        assert!(direct.is_none(), "{client} sent no whole file");
    }
}

/// pywikibot (`source_url`), mwclient, mwn (`uploadFromUrl`) and nodemw
/// upload from a URL served on loopback; the bytes come back the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_upload_from_a_url() {
    if !clients_available() {
        return;
    }
    let app = spawn_app_with(
        Backend::Sqlite,
        "allow_copy_uploads = true\ncopy_upload_allow_private_addresses = true\n",
    )
    .await;
    let files: Vec<Vec<u8>> = (0..CLIENTS.len() as u32)
        .map(|seed| png(36, 24, 2000 + seed))
        .collect();
    let served = files.clone();
    let server = axum::Router::new().route(
        "/{seed}",
        axum::routing::get(
            move |axum::extract::Path(seed): axum::extract::Path<usize>| {
                let served = served.clone();
                async move { served[seed].clone() }
            },
        ),
    );
    let base = serve(server).await;
    for (seed, client) in CLIENTS.iter().enumerate() {
        let url = format!("{base}/{seed}");
        let filename = format!("Client url upload {seed}.png");
        let result = run_client(
            client,
            &app.api,
            BOT_LOGIN,
            BOT_PASSWORD,
            &["upload-url", "--url", &url, "--filename", &filename],
        )
        .await;
        assert_eq!(result["sha1"], sha1_hex(&files[seed]), "{client}: {result}");
        assert_eq!(
            result["downloaded_sha1"],
            sha1_hex(&files[seed]),
            "{client}: {result}"
        );
    }
}

/// pywikibot (`FilePage.text`, `Page.save()`), mwclient (`Page.text()`,
/// `Page.edit()`), mwn (`bot.read()`, `bot.edit()`) and nodemw
/// (`getArticle`, `edit`) read a File page's description and save a new
/// one; the API then shows the new text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_reads_and_edits_a_file_page() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    app.login_as_bot().await;
    for (seed, client) in CLIENTS.iter().enumerate() {
        let filename = format!("Client page {seed}.png");
        let description = format!("Uploaded description {seed}.\n[[Category:Client files]]");
        let uploaded = app
            .upload(
                &[("filename", &filename), ("text", &description)],
                Some(&png(16, 16, 3000 + seed as u32)),
            )
            .await;
        assert_eq!(uploaded["upload"]["result"], "Success", "{uploaded}");
        let title = format!("File:{filename}");
        let new_text = format!("Edited by {client}.\n[[Category:Edited]]");
        let result = run_client(
            client,
            &app.api,
            BOT_LOGIN,
            BOT_PASSWORD,
            &["page", "--title", &title, "--text", &new_text],
        )
        .await;
        assert_eq!(result["before"], description, "{client}: {result}");
        assert_eq!(result["after"], new_text, "{client}: {result}");
        let body = app
            .get(&[
                ("action", "query"),
                ("prop", "revisions"),
                ("titles", &title),
                ("rvprop", "content|user"),
                ("rvslots", "main"),
                ("formatversion", "2"),
            ])
            .await;
        let revision = &body["query"]["pages"][0]["revisions"][0];
        assert_eq!(
            revision["slots"]["main"]["content"], new_text,
            "{client}: {body}"
        );
        assert_eq!(revision["user"], "Uploader", "{client}");
    }
}

/// pywikibot's `Site.upload()` of a new version without `text` reads the
/// page's current description first (`prop=revisions`); the page keeps it
/// and gets MediaWiki's null revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywikibot_uploads_a_new_version_without_text() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let filename = "Pywikibot versions.png";
    for (seed, extra) in [
        (0u32, vec!["--text", "Kept description."]),
        (1, vec!["--no-text", "--ignore-warnings"]),
    ] {
        let path = dir.path().join(format!("v{seed}.png"));
        std::fs::write(&path, png(20, 20, 4000 + seed)).expect("written");
        let mut args = vec![
            "upload",
            "--file",
            path.to_str().expect("utf-8"),
            "--filename",
            filename,
        ];
        args.extend(extra);
        run_client(
            "pywikibot_client.py",
            &app.api,
            BOT_LOGIN,
            BOT_PASSWORD,
            &args,
        )
        .await;
        // Versions are a second apart, as MediaWiki's archive names need.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions|imageinfo"),
            ("titles", &format!("File:{filename}")),
            ("rvprop", "content|comment"),
            ("rvslots", "main"),
            ("rvlimit", "max"),
            ("iilimit", "max"),
            ("formatversion", "2"),
        ])
        .await;
    let page = &body["query"]["pages"][0];
    assert_eq!(
        page["imageinfo"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
    let revisions = page["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2, "{body}");
    for revision in revisions {
        assert_eq!(revision["slots"]["main"]["content"], "Kept description.");
    }
    assert_eq!(
        revisions[0]["comment"],
        format!("Uploader uploaded a new version of [[File:{filename}]]")
    );
}

/// pywikibot's `generate_family_file` accepts index.php's URL: it reads
/// the `<meta name="generator">` and the `EditURI` link of the page, then
/// siteinfo, and writes a family file for the wiki.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pywikibot_generates_a_family_file_from_index_php() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let server = app.api.trim_end_matches("/api.php").to_owned();
    let host = server.trim_start_matches("http://").to_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(clients_dir().join("venv/bin/python"));
    command
        .args(["-m", "pywikibot.scripts.generate_family_file"])
        .arg(format!("{server}/index.php/Main_Page"))
        .arg("wikiuploadtest")
        .env("PYWIKIBOT_DIR", dir.path())
        .env("PYWIKIBOT_NO_USER_CONFIG", "1")
        // It writes families/ beside where it runs.
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("generate_family_file runs");
        // Answers to its questions: keep the URL, no other languages.
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            let _ = stdin.write_all(b"y\n\n\n");
        }
        child.wait_with_output().expect("finished")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("MediaWiki version: 1.39"), "{stdout}");
    let family = std::fs::read_to_string(dir.path().join("families/wikiuploadtest_family.py"))
        .expect("family file written");
    assert!(family.contains(&format!("'en': '{host}'")), "{family}");
}

/// pywikibot's `FilePage.get_file_url(url_width=120)` (which reads
/// `thumburl`) and mwclient's imageinfo with `iiurlwidth` get a thumbnail
/// URL that serves a 120 px PNG.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_get_thumbnail_urls_that_serve_thumbnails() {
    if !clients_available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    app.login_as_bot().await;
    let answer = app
        .upload(
            &[("filename", "Client thumb.png")],
            Some(&png(320, 200, 77)),
        )
        .await;
    assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    let args = ["thumb", "--filename", "Client thumb.png", "--width", "120"];
    let pywikibot = run_client(
        "pywikibot_client.py",
        &app.api,
        BOT_LOGIN,
        BOT_PASSWORD,
        &args,
    )
    .await;
    let url = pywikibot["thumburl"].as_str().expect("thumburl");
    assert!(url.ends_with("/120px-Client_thumb.png"), "{pywikibot}");
    assert_eq!(pywikibot["status"], 200, "{pywikibot}");
    assert_eq!(pywikibot["content_type"], "image/png", "{pywikibot}");
    let mwclient = run_client(
        "mwclient_client.py",
        &app.api,
        BOT_LOGIN,
        BOT_PASSWORD,
        &args,
    )
    .await;
    let info = &mwclient["imageinfo"];
    assert_eq!(info["thumburl"], url, "{mwclient}");
    assert_eq!(
        (info["thumbwidth"].as_u64(), info["thumbheight"].as_u64()),
        (Some(120), Some(75))
    );
    assert_eq!(info["thumbmime"], "image/png");
    assert_eq!(mwclient["status"], 200, "{mwclient}");
    // Both fetched the same rendered bytes.
    assert_eq!(mwclient["sha1"], pywikibot["sha1"]);
}
