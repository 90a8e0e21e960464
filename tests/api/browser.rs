//! The web UI in a real browser: Debian's Chromium driven by
//! playwright-core (`tests/browser/ui_test.js`), against a server started
//! here (uploads, warnings, gallery, File page, revert, a bot password,
//! delete and undelete); this side makes the files, uploads with the bot
//! password from a Python `requests` script (`tests/browser/bot_upload.py`)
//! and checks what the server ended up with. The tools are installed by tests/browser/setup.sh into
//! target/browser. Without Chromium or node the test is skipped with a
//! note; with CI=true it fails instead. Screenshots go to
//! target/browser-artifacts.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether Chromium, node and npm are here.
fn browser_available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let available = node && chromium().exists();
    if !available {
        assert!(
            std::env::var("CI").is_err(),
            "chromium ({}) and node are required in CI",
            chromium().display()
        );
        eprintln!("note: chromium or node missing; skipping the browser test");
    }
    available
}

fn install_tools() -> PathBuf {
    let dir = repo().join("target/browser");
    let status = Command::new("bash")
        .arg(repo().join("tests/browser/setup.sh"))
        .arg(&dir)
        .status()
        .expect("setup.sh runs");
    assert!(status.success(), "tests/browser/setup.sh failed");
    dir.join("node_modules")
}

/// A PNG of `size` bytes: a small picture with a private ancillary chunk
/// of noise (decoders skip it), so the file is large but cheap to render.
fn large_png(size: usize) -> Vec<u8> {
    let small = png(640, 480, 7);
    let (head, iend) = small.split_at(small.len() - 12);
    let filler = size - small.len() - 12;
    let mut data = Vec::with_capacity(filler);
    let mut state: u32 = 0x9e37_79b9;
    while data.len() < filler {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data.truncate(filler);
    let mut body = b"wkUp".to_vec();
    body.extend_from_slice(&data);
    let mut out = head.to_vec();
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    out.extend_from_slice(iend);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).expect("file written");
}

on_both_backends!(upload_browse_and_scan_in_chromium);
async fn upload_browse_and_scan_in_chromium(backend: Backend) {
    if !browser_available() {
        return;
    }
    let modules = install_tools();
    let app = spawn_app(backend).await;
    let files = tempfile::tempdir().expect("tempdir");
    let big = large_png(40 << 20);
    assert_eq!(big.len(), 40 << 20);
    let (a, b, changed) = (png(300, 200, 1), png(200, 300, 2), png(300, 200, 3));
    write(files.path(), "small-a.png", &a);
    write(files.path(), "small-b.png", &b);
    write(files.path(), "changed-a.png", &changed);
    write(files.path(), "big.png", &big);
    let artifacts = repo().join("target/browser-artifacts").join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    });
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");

    let mut command = Command::new("node");
    command
        .arg(repo().join("tests/browser/ui_test.js"))
        .env("BASE", app.api.trim_end_matches("/api.php"))
        .env("USER", "Uploader")
        .env("PASSWORD", "uploaderpass12345")
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("FILES", files.path())
        .env("ARTIFACTS", &artifacts)
        .env("BROWSER_NODE_MODULES", &modules)
        .env("CHROMIUM", chromium())
        .env("BIG_SIZE", big.len().to_string())
        .env("CHUNK_SIZE", (1 << 20).to_string());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joined")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser test failed:\n{stderr}\n{stdout}"
    );
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON line ({e}): {stdout}"));

    // The bar moved through several values before the reload, and the
    // upload went on from where the server was, not from the start.
    let progress = seen["progress"].as_array().expect("samples");
    assert!(progress.len() >= 4, "{seen}");
    let before = seen["offsetBeforeReload"].as_f64().expect("offset");
    let after = seen["firstValueAfterReload"].as_f64().expect("offset");
    assert!(
        after > 0.3 * big.len() as f64 && after >= before - 2.0 * 1048576.0,
        "{seen}"
    );
    let status = seen["statusMidUpload"].as_str().expect("status");
    assert!(
        status.contains(" of 40 MiB") && status.contains("/s") && status.contains("left"),
        "{status}"
    );
    assert!(
        seen["existsWarning"]
            .as_str()
            .expect("warning")
            .contains("exists already"),
        "{seen}"
    );
    assert!(
        seen["duplicateWarning"]
            .as_str()
            .expect("warning")
            .contains("Browser test B.png"),
        "{seen}"
    );
    for name in [
        "Browser test A.png",
        "Browser test B.png",
        "Browser test big.png",
    ] {
        assert!(
            seen["newFiles"]
                .as_array()
                .expect("names")
                .iter()
                .any(|n| n == name),
            "{seen}"
        );
        assert!(
            seen["mainPageFiles"]
                .as_array()
                .expect("names")
                .iter()
                .any(|n| n == name),
            "{seen}"
        );
    }
    assert_eq!(seen["filePageHeading"], "File:Browser test A.png");
    for (page, violations) in seen["axe"].as_object().expect("scans") {
        assert_eq!(
            violations,
            &Value::Array(vec![]),
            "axe on {page}: {violations}"
        );
    }
    assert_eq!(seen["axe"].as_object().expect("scans").len(), 9, "{seen}");
    assert_eq!(seen["versionsAfterRevert"], 3, "{seen}");
    assert_eq!(seen["deletedPageHasUndelete"], 1, "{seen}");
    assert_eq!(
        seen["deletedPageErrors"].as_array().expect("errors").len(),
        2,
        "{seen}"
    );
    assert_eq!(seen["versionsAfterUndelete"], 3, "{seen}");
    assert!(seen["phoneOverflow"].as_i64().expect("px") <= 0, "{seen}");
    assert_eq!(seen["consoleErrors"], Value::Array(vec![]), "{seen}");
    for shot in ["main-page.png", "upload-in-progress.png", "file-page.png"] {
        assert!(
            artifacts.join(shot).metadata().expect("screenshot").len() > 10_000,
            "{shot}"
        );
    }

    // The bot password made in the browser, used by a Python script.
    assert_eq!(seen["botUsername"], "Uploader@browserci", "{seen}");
    assert_eq!(
        seen["botPasswordsListed"],
        serde_json::json!(["bot", "browserci", "nourl"]),
        "{seen}"
    );
    let password = seen["botPassword"].as_str().expect("password").to_owned();
    let bot_png = png(64, 48, 11);
    write(files.path(), "bot.png", &bot_png);
    let mut python = Command::new(crate::clients::clients_dir().join("venv/bin/python"));
    python
        .arg(repo().join("tests/browser/bot_upload.py"))
        .arg(&app.api)
        .arg("Uploader@browserci")
        .arg(&password)
        .arg(files.path().join("bot.png"))
        .arg("Uploaded by a bot.png");
    let output = tokio::task::spawn_blocking(move || python.output())
        .await
        .expect("joined")
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "bot_upload.py failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bot: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON line ({e}): {stdout}"));
    assert_eq!(bot["login"]["login"]["lgusername"], "Uploader", "{bot}");
    assert_eq!(bot["upload"]["upload"]["result"], "Success", "{bot}");

    // What the server has: every byte, in the right versions and text.
    app.login_as_bot().await;
    let info = app
        .get(&[
            ("action", "query"),
            (
                "titles",
                "File:Browser test big.png|File:Browser test A.png|File:Browser test B copy.png|File:Uploaded by a bot.png",
            ),
            ("prop", "imageinfo|revisions"),
            ("iiprop", "sha1|size|user"),
            ("iilimit", "5"),
            ("rvprop", "content"),
            ("rvslots", "main"),
            ("formatversion", "2"),
        ])
        .await;
    let pages = info["query"]["pages"].as_array().expect("pages");
    let page = |title: &str| pages.iter().find(|p| p["title"] == title).expect("page");
    let big_info = &page("File:Browser test big.png")["imageinfo"][0];
    assert_eq!(big_info["sha1"], sha1_hex(&big), "{info}");
    assert_eq!(big_info["user"], "Uploader");
    let a_page = page("File:Browser test A.png");
    let versions = a_page["imageinfo"].as_array().expect("versions");
    // The first upload, the changed one, and the revert to the first.
    assert_eq!(versions.len(), 3, "{info}");
    assert_eq!(versions[0]["sha1"], sha1_hex(&a));
    assert_eq!(versions[1]["sha1"], sha1_hex(&changed));
    assert_eq!(versions[2]["sha1"], sha1_hex(&a));
    let text = a_page["revisions"][0]["slots"]["main"]["content"]
        .as_str()
        .expect("text");
    assert!(
        text.contains("A picture uploaded from the browser test.")
            && text.contains("[[Category:Browser tests]]")
            && text.contains("[[Category:Pictures]]"),
        "{text}"
    );
    let bot_info = &page("File:Uploaded by a bot.png")["imageinfo"][0];
    assert_eq!(bot_info["sha1"], sha1_hex(&bot_png), "{info}");
    assert_eq!(bot_info["user"], "Uploader", "{info}");
    assert_eq!(
        page("File:Browser test B copy.png")["missing"],
        true,
        "cancelled"
    );
}
