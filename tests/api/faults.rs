//! Fault injection: the server killed at each named crash point of a
//! direct upload, a publish from the stash, a re-upload, a chunk and the
//! assembly (a child process aborting at the point, `wikiupload::crash`),
//! a stale journal row, a second process on the same data directory, and
//! PostgreSQL's answer to COMMIT lost behind a TCP proxy. After each: every
//! listed version downloads with its SHA-1, `wikiupload fsck` finds the
//! data directory clean, and the upload can be finished.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

/// Every version of every listed file downloads with the SHA-1 its row
/// gives, and `fsck` finds nothing out of place.
async fn assert_consistent(app: &TestApp) {
    let listed = app
        .get(&[
            ("action", "query"),
            ("list", "allimages"),
            ("ailimit", "max"),
            ("formatversion", "2"),
        ])
        .await;
    for image in listed["query"]["allimages"].as_array().expect("list") {
        let title = format!("File:{}", image["name"].as_str().expect("name"));
        let history = app
            .get(&[
                ("action", "query"),
                ("prop", "imageinfo"),
                ("titles", title.as_str()),
                ("iilimit", "max"),
                ("iiprop", "sha1|url"),
                ("formatversion", "2"),
            ])
            .await;
        for version in history["query"]["pages"][0]["imageinfo"]
            .as_array()
            .expect("versions")
        {
            let response = app.download(version["url"].as_str().expect("url")).await;
            assert_eq!(response.status(), 200, "{title}: {version}");
            let bytes = response.bytes().await.expect("bytes");
            assert_eq!(sha1_hex(&bytes), version["sha1"], "{title}: {version}");
        }
    }
    let (clean, report) = app.fsck(false);
    assert!(clean, "fsck: {report}");
}

async fn current_sha1(app: &TestApp, name: &str) -> Value {
    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", &format!("File:{name}")),
            ("iiprop", "sha1"),
            ("formatversion", "2"),
        ])
        .await;
    info["query"]["pages"][0]["imageinfo"][0]["sha1"].clone()
}

/// A re-upload of `Crash.png` sent straight to a server that dies at
/// `point`; `committed` says whether the point is past the commit.
async fn crash_in_a_reupload(backend: Backend, point: &str, committed: bool) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (v1, v2) = (png(16, 16, 1), png(16, 16, 2));
    let first = app.upload(&[("filename", "Crash.png")], Some(&v1)).await;
    assert_eq!(first["upload"]["result"], "Success", "{first}");
    let token = app.csrf_token().await;
    let child = app.start_crashing_child(point).await;
    let died = app
        .try_upload_raw(
            &app.client,
            &[
                ("filename", "Crash.png"),
                ("ignorewarnings", "1"),
                ("token", &token),
            ],
            Some(("file", &v2)),
        )
        .await;
    assert!(died.is_err(), "no answer from a server that died");
    app.recover_from_crash(child).await;
    let expected = if committed { &v2 } else { &v1 };
    assert_eq!(current_sha1(&app, "Crash.png").await, sha1_hex(expected));
    assert_consistent(&app).await;
    if !committed {
        let again = app
            .upload(
                &[("filename", "Crash.png"), ("ignorewarnings", "1")],
                Some(&v2),
            )
            .await;
        assert_eq!(again["upload"]["result"], "Success", "{again}");
        assert_consistent(&app).await;
    }
}

async fn crash_after_the_journal_row(backend: Backend) {
    crash_in_a_reupload(backend, "publish.after_journal", false).await;
}

async fn crash_after_the_archive_link(backend: Backend) {
    crash_in_a_reupload(backend, "publish.after_archive_link", false).await;
}

async fn crash_after_the_rename_into_images(backend: Backend) {
    crash_in_a_reupload(backend, "publish.after_rename", false).await;
}

async fn crash_after_the_publish_commit(backend: Backend) {
    crash_in_a_reupload(backend, "publish.after_commit", true).await;
}

/// A first upload (no archive) interrupted after its rename into images/:
/// nothing is published, nothing stays in images/ or the spool.
async fn crash_in_a_first_upload_leaves_no_orphan(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(8, 8, 3);
    let token = app.csrf_token().await;
    let child = app.start_crashing_child("publish.after_rename").await;
    let died = app
        .try_upload_raw(
            &app.client,
            &[("filename", "Fresh.png"), ("token", &token)],
            Some(("file", &bytes)),
        )
        .await;
    assert!(died.is_err());
    app.recover_from_crash(child).await;
    assert_eq!(current_sha1(&app, "Fresh.png").await, Value::Null);
    assert_consistent(&app).await;
    let lost_and_found = app.data_dir.path().join("lost+found");
    assert!(!lost_and_found.exists(), "moved back, not quarantined");
    let again = app.upload(&[("filename", "Fresh.png")], Some(&bytes)).await;
    assert_eq!(again["upload"]["result"], "Success", "{again}");
    assert_consistent(&app).await;
}

/// A publish from the stash interrupted before its commit keeps the stash
/// entry usable.
async fn crash_in_a_publish_from_the_stash(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (v1, v2) = (png(16, 16, 4), png(16, 16, 5));
    let first = app.upload(&[("filename", "Stashed.png")], Some(&v1)).await;
    assert_eq!(first["upload"]["result"], "Success", "{first}");
    let stashed = app
        .upload(&[("filename", "Stashed.png"), ("stash", "1")], Some(&v2))
        .await;
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    let token = app.csrf_token().await;
    let publish = [
        ("action", "upload"),
        ("filename", "Stashed.png"),
        ("filekey", key.as_str()),
        ("ignorewarnings", "1"),
        ("token", token.as_str()),
    ];
    let child = app.start_crashing_child("publish.after_rename").await;
    let died = app.client.post(&app.api).form(&publish).send().await;
    assert!(died.is_err());
    app.recover_from_crash(child).await;
    assert_eq!(current_sha1(&app, "Stashed.png").await, sha1_hex(&v1));
    assert_consistent(&app).await;
    let done = app.post(&publish).await;
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    assert_eq!(current_sha1(&app, "Stashed.png").await, sha1_hex(&v2));
    assert_consistent(&app).await;
}

/// A direct upload with `stash=1` killed between the file's move into the
/// stash and its row: the file is removed at the next start.
async fn crash_between_a_stash_file_and_its_row(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let token = app.csrf_token().await;
    let child = app.start_crashing_child("stash.after_rename").await;
    let died = app
        .try_upload_raw(
            &app.client,
            &[("filename", "Half.png"), ("stash", "1"), ("token", &token)],
            Some(("file", &png(8, 8, 6))),
        )
        .await;
    assert!(died.is_err());
    app.recover_from_crash(child).await;
    let stash = std::fs::read_dir(app.data_dir.path().join("stash"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(stash, 0, "no stash file without a row");
    assert_consistent(&app).await;
}

fn chunk_params<'a>(
    size: &'a str,
    offset: &'a str,
    key: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("filename", "Chunked.png"),
        ("filesize", size),
        ("offset", offset),
        ("stash", "1"),
    ];
    if let Some(key) = key {
        params.push(("filekey", key));
    }
    params
}

/// A chunked upload whose server dies at `point` while the chunk at
/// `offset` 4096 (`last` = the final one) is handled; then the client
/// sends that chunk again and finishes.
async fn crash_in_a_chunked_upload(backend: Backend, point: &str, last: bool) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 7);
    let size = bytes.len().to_string();
    let split = if last { bytes.len() - 2048 } else { 4096 };
    let split_text = split.to_string();
    let first = app
        .upload_chunk(&chunk_params(&size, "0", None), &bytes[..split])
        .await;
    let key = first["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    let token = app.csrf_token().await;
    let mut params = chunk_params(&size, &split_text, Some(&key));
    params.push(("token", &token));
    let end = if last { bytes.len() } else { split + 4096 };
    let child = app.start_crashing_child(point).await;
    let died = app
        .try_upload_raw(&app.client, &params, Some(("chunk", &bytes[split..end])))
        .await;
    assert!(died.is_err());
    app.recover_from_crash(child).await;
    assert_consistent(&app).await;
    let mut offset = split;
    let mut answer = json!(null);
    while offset < bytes.len() {
        let end = if last {
            bytes.len()
        } else {
            (offset + 4096).min(bytes.len())
        };
        let offset_text = offset.to_string();
        answer = app
            .upload_chunk(
                &chunk_params(&size, &offset_text, Some(&key)),
                &bytes[offset..end],
            )
            .await;
        offset = end;
    }
    assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    let stashed_key = answer["upload"]["filekey"].as_str().expect("key");
    let done = app
        .post(&[
            ("action", "upload"),
            ("filename", "Chunked.png"),
            ("filekey", stashed_key),
            ("token", &app.csrf_token().await),
        ])
        .await;
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    assert_eq!(current_sha1(&app, "Chunked.png").await, sha1_hex(&bytes));
    assert_consistent(&app).await;
}

async fn crash_after_a_chunk_is_written(backend: Backend) {
    crash_in_a_chunked_upload(backend, "chunk.after_write", false).await;
}

async fn crash_after_the_assembly_link(backend: Backend) {
    crash_in_a_chunked_upload(backend, "assembly.after_link", true).await;
}

/// Killed after the assembly committed, before the upload's own file was
/// unlinked: the start removes that file (no live upload describes it).
async fn crash_after_the_assembly_commit(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 8);
    let size = bytes.len().to_string();
    let first = app
        .upload_chunk(&chunk_params(&size, "0", None), &bytes[..4096])
        .await;
    let key = first["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    let token = app.csrf_token().await;
    let mut params = chunk_params(&size, "4096", Some(&key));
    params.push(("token", token.as_str()));
    let child = app.start_crashing_child("assembly.after_commit").await;
    let died = app
        .try_upload_raw(&app.client, &params, Some(("chunk", &bytes[4096..])))
        .await;
    assert!(died.is_err());
    app.recover_from_crash(child).await;
    assert!(!app.data_dir.path().join("stash").join(&key).exists());
    assert_consistent(&app).await;
}

/// Issue 11, failure 1: a journal row left by a publish whose commit and
/// clean-up failed (the database was down) must not undo the publish that
/// succeeded later with the same stash entry and archive name.
async fn a_stale_journal_row_never_undoes_a_later_publish(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (v1, v2) = (png(16, 16, 9), png(16, 16, 10));
    app.upload(&[("filename", "Stale.png")], Some(&v1)).await;
    let stashed = app
        .upload(&[("filename", "Stale.png"), ("stash", "1")], Some(&v2))
        .await;
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    let done = app
        .post(&[
            ("action", "upload"),
            ("filename", "Stale.png"),
            ("filekey", &key),
            ("ignorewarnings", "1"),
            ("token", &app.csrf_token().await),
        ])
        .await;
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    let history = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Stale.png"),
            ("iilimit", "max"),
            ("iiprop", "archivename"),
            ("formatversion", "2"),
        ])
        .await;
    let archive_name = history["query"]["pages"][0]["imageinfo"][1]["archivename"]
        .as_str()
        .expect("archive name")
        .to_owned();
    // What the failed attempt left: its journal row (with a publish id
    // that never committed, or none as an earlier release wrote it), the
    // same staged path and archive name.
    let mut app = app;
    app.stop_server().await;
    let stash_path = app.data_dir.path().join("stash").join(&key);
    for publish_id in [Some("a-publish-that-never-committed"), None] {
        insert_journal_row(&app, publish_id, &stash_path, &archive_name).await;
    }
    app.start_server().await;
    assert_eq!(current_sha1(&app, "Stale.png").await, sha1_hex(&v2));
    assert_consistent(&app).await;
}

async fn insert_journal_row(
    app: &TestApp,
    publish_id: Option<&str>,
    staged: &std::path::Path,
    archive_name: &str,
) {
    sqlx::any::install_default_drivers();
    let url = match app.database_url.as_str() {
        "" => format!(
            "sqlite://{}",
            app.data_dir.path().join("wikiupload.sqlite").display()
        ),
        url => url.to_owned(),
    };
    let pool = sqlx::AnyPool::connect(&url).await.expect("database opens");
    sqlx::query(
        "INSERT INTO publish_journal (publish_id, name, staged_path, archive_name, created_at) \
         VALUES ($1, 'Stale.png', $2, $3, 0)",
    )
    .bind(publish_id)
    .bind(staged.to_string_lossy().into_owned())
    .bind(archive_name)
    .execute(&pool)
    .await
    .expect("journal row written");
    pool.close().await;
}

/// One owner per data directory: a second `serve` fails at start and
/// names the holder's PID.
async fn a_second_process_on_the_data_directory_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let config = tempfile::NamedTempFile::new().expect("config file");
    std::fs::write(
        config.path(),
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = {:?}\ndatabase_url = {:?}\n",
            app.data_dir.path().display().to_string(),
            app.database_url
        ),
    )
    .expect("config written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .arg("serve")
        .env("WIKIUPLOAD_CONFIG", config.path())
        .output()
        .expect("wikiupload runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "is in use by another wikiupload process (PID {})",
            std::process::id()
        )),
        "{stderr}"
    );
    let (repairable, report) = app.fsck(true);
    assert!(!repairable, "fsck --repair needs the lock: {report}");
    assert!(
        report.contains("in use by another wikiupload process"),
        "{report}"
    );
    let (clean, report) = app.fsck(false);
    assert!(clean, "{report}");
}

/// Orphans and missing files are reported; `--repair` moves orphans of
/// images/ to lost+found/ and deletes those of the stash.
async fn fsck_reports_and_repairs(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(8, 8, 11);
    app.upload(&[("filename", "Listed.png")], Some(&bytes))
        .await;
    let images = app.data_dir.path().join("images");
    std::fs::create_dir_all(images.join("archive/x/xy")).expect("dir");
    std::fs::write(
        images.join("archive/x/xy/20260101000000!Ghost.png"),
        b"ghost",
    )
    .expect("orphan");
    std::fs::create_dir_all(app.data_dir.path().join("stash")).expect("stash");
    std::fs::write(app.data_dir.path().join("stash/wu-orphan.png"), b"ghost").expect("orphan");
    let thumbs = app.data_dir.path().join("thumbs/a/ab");
    std::fs::create_dir_all(&thumbs).expect("thumbs");
    std::fs::write(thumbs.join("derived.png"), b"cache").expect("thumbnail");
    let (clean, report) = app.fsck(false);
    assert!(!clean);
    assert!(
        report.contains("orphan: images/archive/x/xy/20260101000000!Ghost.png"),
        "{report}"
    );
    assert!(report.contains("orphan: stash/wu-orphan.png"), "{report}");
    assert!(
        !report.contains("thumbs"),
        "thumbnails are derived: {report}"
    );
    assert!(
        report.contains("2 orphans (0 repaired), 0 missing"),
        "{report}"
    );

    app.stop_server().await;
    let (repaired, report) = app.fsck(true);
    assert!(repaired, "{report}");
    assert!(report.contains("2 orphans (2 repaired)"), "{report}");
    let kept = app
        .data_dir
        .path()
        .join("lost+found/images/archive/x/xy/20260101000000!Ghost.png");
    assert_eq!(std::fs::read(kept).expect("kept in lost+found"), b"ghost");
    assert!(thumbs.join("derived.png").exists());

    let public = std::fs::read_dir(&images)
        .expect("images")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir() && !p.ends_with("archive"))
        .expect("hash directory");
    std::fs::remove_dir_all(public).expect("file removed");
    let (clean, report) = app.fsck(false);
    assert!(!clean);
    assert!(report.contains("missing: images/"), "{report}");
    assert!(report.contains("Listed.png"), "{report}");
    app.start_server().await;
}

async fn readyz_status(app: &TestApp) -> u16 {
    app.client
        .get(app.api.replace("/api.php", "/readyz"))
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

/// Issue 11, failure 6: below `min_free_space` the server is not ready and
/// refuses uploads before writing anything, with MediaWiki's
/// `backend-fail-readonly`.
async fn uploads_are_refused_below_the_free_space_minimum(backend: Backend) {
    // More free space than any disk has.
    let app = spawn_app_with(backend, "min_free_space = 9223372036854775807\n").await;
    assert_eq!(readyz_status(&app).await, 503);
    app.login_as_bot().await;
    let refused = app
        .upload(&[("filename", "Full.png")], Some(&png(8, 8, 14)))
        .await;
    assert_eq!(
        refused["error"]["code"], "backend-fail-readonly",
        "{refused}"
    );
    let info = refused["error"]["info"].as_str().expect("info");
    assert!(
        info.starts_with("The storage backend \"local-backend\" is currently read-only."),
        "{info}"
    );
    assert!(
        info.contains("below the minimum of 9223372036854775807"),
        "{info}"
    );
    assert_eq!(current_sha1(&app, "Full.png").await, Value::Null);
    assert_consistent(&app).await;
}

/// Issue 11, failure 6: a SQLite file locked by another connection (as another process would hold it) answers
/// reads but takes no write: `/readyz` says so, and is ready again once the
/// lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_while_another_connection_locks_the_sqlite_file() {
    use sqlx::Connection;
    let app = spawn_app(Backend::Sqlite).await;
    app.login_as_bot().await;
    assert_eq!(readyz_status(&app).await, 200);
    let url = format!(
        "sqlite://{}",
        app.data_dir.path().join("wikiupload.sqlite").display()
    );
    let mut other = sqlx::SqliteConnection::connect(&url).await.expect("opens");
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .expect("locked");
    assert_eq!(readyz_status(&app).await, 503);
    // Requests end with an error once the busy timeout is over.
    let refused = app
        .upload(&[("filename", "Locked.png")], Some(&png(8, 8, 24)))
        .await;
    assert_eq!(
        refused["error"]["code"], "internal_api_error_DBQueryError",
        "{refused}"
    );
    sqlx::query("COMMIT")
        .execute(&mut other)
        .await
        .expect("unlocked");
    other.close().await.expect("closed");
    assert_eq!(readyz_status(&app).await, 200);
    assert_eq!(current_sha1(&app, "Locked.png").await, Value::Null);
    let published = app
        .upload(&[("filename", "Locked.png")], Some(&png(8, 8, 24)))
        .await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    assert_consistent(&app).await;
}

/// Files made immutable (`chattr +i`, which binds root too) for as long as
/// this lives.
struct Immutable(Vec<std::path::PathBuf>);

impl Immutable {
    /// None when the filesystem has no immutable attribute.
    fn set(paths: Vec<std::path::PathBuf>) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .args(&paths)
            .status()
            .is_ok_and(|s| s.success());
        let guard = Immutable(paths);
        ok.then_some(guard)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .args(&self.0)
            .status();
    }
}

/// Issue 11, failure 6: a SQLite file that cannot be written (immutable:
/// read-only even for root) answers reads but no write: `/readyz` says
/// so, requests that write end with an error (nothing half done), and all
/// is well again once the file is writable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_while_the_sqlite_file_is_read_only() {
    let app = spawn_app(Backend::Sqlite).await;
    app.login_as_bot().await;
    assert_eq!(readyz_status(&app).await, 200);
    let database = app.data_dir.path().join("wikiupload.sqlite");
    let files = ["", "-wal"]
        .iter()
        .map(|suffix| std::path::PathBuf::from(format!("{}{suffix}", database.display())))
        .filter(|path| path.exists())
        .collect::<Vec<_>>();
    let Some(immutable) = Immutable::set(files) else {
        eprintln!("no chattr +i on this filesystem: skipped");
        return;
    };
    assert_eq!(readyz_status(&app).await, 503);
    let refused = app
        .upload(&[("filename", "ReadOnly.png")], Some(&png(8, 8, 25)))
        .await;
    assert_eq!(
        refused["error"]["code"], "internal_api_error_DBQueryError",
        "{refused}"
    );
    // A login cannot begin: its token needs a session row.
    let fresh = new_client();
    let token = app
        .get_with(
            &fresh,
            &[("action", "query"), ("meta", "tokens"), ("type", "login")],
        )
        .await;
    assert_eq!(
        token["error"]["code"], "internal_api_error_DBQueryError",
        "{token}"
    );
    drop(immutable);
    assert_eq!(readyz_status(&app).await, 200);
    assert_eq!(current_sha1(&app, "ReadOnly.png").await, Value::Null);
    let published = app
        .upload(&[("filename", "ReadOnly.png")], Some(&png(8, 8, 25)))
        .await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    assert_consistent(&app).await;
}

/// Issue 11, failure 8: a chunk that meets a full disk is answered with
/// `stashfailed` and the reason, the upload's file is trimmed to the
/// acknowledged size at once, and the chunk can be sent again.
async fn a_full_disk_during_a_chunk_keeps_only_what_was_acknowledged(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 15);
    let size = bytes.len().to_string();
    let first = app
        .upload_chunk(&chunk_params(&size, "0", None), &bytes[..4096])
        .await;
    let key = first["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    let child = app
        .start_child((wikiupload::crash::DISK_FULL_VARIABLE, "chunk.write"))
        .await;
    let refused = app
        .upload_chunk(&chunk_params(&size, "4096", Some(&key)), &bytes[4096..8192])
        .await;
    assert_eq!(refused["error"]["code"], "stashfailed", "{refused}");
    assert_eq!(refused["error"]["offset"], "4096", "{refused}");
    let info = refused["error"]["info"].as_str().expect("info");
    assert_eq!(
        info,
        format!(
            "Could not write file \"mwstore://local-backend/local-temp/{key}\". \
             (No space left on device (os error 28))"
        ),
    );
    let on_disk = std::fs::metadata(app.data_dir.path().join("stash").join(&key))
        .expect("the upload's file")
        .len();
    assert_eq!(on_disk, 4096, "trimmed to the acknowledged size at once");
    app.kill_child(child).await;
    let second = app
        .upload_chunk(&chunk_params(&size, "4096", Some(&key)), &bytes[4096..8192])
        .await;
    assert_eq!(second["upload"]["offset"], 8192, "{second}");
    let last = app
        .upload_chunk(&chunk_params(&size, "8192", Some(&key)), &bytes[8192..])
        .await;
    assert_eq!(last["upload"]["result"], "Success", "{last}");
    assert_consistent(&app).await;
}

/// The files under `dir` of the data directory (none if it is missing).
fn files_in(app: &TestApp, dir: &str) -> Vec<String> {
    std::fs::read_dir(app.data_dir.path().join(dir))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// An API error as the client sees it: HTTP status, the
/// `MediaWiki-API-Error` header and the body.
async fn answered_error(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let header = response
        .headers()
        .get("mediawiki-api-error")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, header, json_body(response).await)
}

/// A publish that meets a full disk (a direct re-upload, then a publish
/// from the stash) answers MediaWiki's `backend-fail-store` with the
/// reason, HTTP 200 as for any API error, keeps the bytes in the stash for
/// a retry, and changes nothing; once there is room the retry publishes.
async fn a_full_disk_during_a_publish_answers_backend_fail_store(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (v1, v2) = (png(16, 16, 21), png(16, 16, 22));
    let first = app.upload(&[("filename", "Full.png")], Some(&v1)).await;
    assert_eq!(first["upload"]["result"], "Success", "{first}");
    let token = app.csrf_token().await;
    let child = app
        .start_child((wikiupload::crash::DISK_FULL_VARIABLE, "publish.move"))
        .await;
    let response = app
        .try_upload_raw(
            &app.client,
            &[
                ("filename", "Full.png"),
                ("ignorewarnings", "1"),
                ("token", &token),
            ],
            Some(("file", &v2)),
        )
        .await
        .expect("answered");
    let (status, header, refused) = answered_error(response).await;
    assert_eq!(
        (status, header.as_str()),
        (200, "backend-fail-store"),
        "{refused}"
    );
    let info = refused["error"]["info"].as_str().expect("info");
    assert!(
        info.starts_with("Could not store file \"mwstore://local-backend/local-temp/"),
        "{info}"
    );
    assert!(
        info.ends_with("/Full.png\". (No space left on device (os error 28))"),
        "{info}"
    );
    let key = refused["error"]["filekey"]
        .as_str()
        .expect("kept in the stash")
        .to_owned();
    assert_eq!(current_sha1(&app, "Full.png").await, sha1_hex(&v1));
    // From the stash, the same answer; the entry stays usable.
    let again = app
        .upload(
            &[
                ("filename", "Full.png"),
                ("filekey", &key),
                ("ignorewarnings", "1"),
            ],
            None,
        )
        .await;
    assert_eq!(again["error"]["code"], "backend-fail-store", "{again}");
    assert_eq!(again["error"]["filekey"], key.as_str(), "{again}");
    assert!(
        files_in(&app, "tmp").is_empty(),
        "nothing left in the spool"
    );
    app.kill_child(child).await;
    assert_eq!(current_sha1(&app, "Full.png").await, sha1_hex(&v1));
    assert_consistent(&app).await;
    let published = app
        .upload(
            &[
                ("filename", "Full.png"),
                ("filekey", &key),
                ("ignorewarnings", "1"),
            ],
            None,
        )
        .await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    assert_eq!(current_sha1(&app, "Full.png").await, sha1_hex(&v2));
    assert_consistent(&app).await;
}

/// Stashing that meets a full disk (`stash=1`, and a chunked upload's
/// first chunk) answers MediaWiki's `uploadstash-exception` around
/// `backend-fail-store`'s words and the reason, and leaves no file and no
/// row behind; once there is room the same requests succeed.
async fn a_full_disk_while_stashing_answers_uploadstash_exception(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 23);
    let size = bytes.len().to_string();
    let token = app.csrf_token().await;
    let child = app
        .start_child((wikiupload::crash::DISK_FULL_VARIABLE, "stash.store"))
        .await;
    let response = app
        .try_upload_raw(
            &app.client,
            &[
                ("filename", "Stashed.png"),
                ("stash", "1"),
                ("token", &token),
            ],
            Some(("file", &bytes)),
        )
        .await
        .expect("answered");
    let (status, header, refused) = answered_error(response).await;
    assert_eq!(
        (status, header.as_str()),
        (200, "uploadstash-exception"),
        "{refused}"
    );
    let info = refused["error"]["info"].as_str().expect("info");
    assert!(
        info.starts_with(
            "Could not store upload in the stash (UploadStashFileException): \"Could not store file \""
        ),
        "{info}"
    );
    assert!(
        info.ends_with(". (No space left on device (os error 28))\"."),
        "{info}"
    );
    let first_chunk = app
        .upload_chunk(&chunk_params(&size, "0", None), &bytes[..4096])
        .await;
    assert_eq!(
        first_chunk["error"]["code"], "uploadstash-exception",
        "{first_chunk}"
    );
    assert!(files_in(&app, "stash").is_empty(), "no stash file");
    assert!(
        files_in(&app, "tmp").is_empty(),
        "nothing left in the spool"
    );
    app.kill_child(child).await;
    assert_consistent(&app).await;
    let stashed = app
        .upload(&[("filename", "Stashed.png"), ("stash", "1")], Some(&bytes))
        .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    let first_chunk = app
        .upload_chunk(&chunk_params(&size, "0", None), &bytes[..4096])
        .await;
    assert_eq!(first_chunk["upload"]["result"], "Continue", "{first_chunk}");
    assert_consistent(&app).await;
}

on_both_backends!(
    a_full_disk_during_a_publish_answers_backend_fail_store,
    a_full_disk_while_stashing_answers_uploadstash_exception,
    a_full_disk_during_a_chunk_keeps_only_what_was_acknowledged,
    uploads_are_refused_below_the_free_space_minimum,
    crash_after_the_journal_row,
    crash_after_the_archive_link,
    crash_after_the_rename_into_images,
    crash_after_the_publish_commit,
    crash_in_a_first_upload_leaves_no_orphan,
    crash_in_a_publish_from_the_stash,
    crash_between_a_stash_file_and_its_row,
    crash_after_a_chunk_is_written,
    crash_after_the_assembly_link,
    crash_after_the_assembly_commit,
    a_stale_journal_row_never_undoes_a_later_publish,
    a_second_process_on_the_data_directory_is_refused,
    fsck_reports_and_repairs,
);

/// The address of the test PostgreSQL, for the proxy.
fn postgres_address() -> std::net::SocketAddr {
    "127.0.0.1:5432".parse().expect("address")
}

/// Issue 11, failure 2: PostgreSQL commits a publish but its answer is
/// lost with the connection. The server asks again, finds the publish id
/// committed, and answers Success; nothing is moved back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_whose_commit_answer_is_lost_is_kept() {
    if !postgres_available().await {
        return;
    }
    let mut app = spawn_app(Backend::Postgres).await;
    let proxy = crate::pgproxy::PgProxy::start(postgres_address()).await;
    app.route_database_through(proxy.address).await;
    app.login_as_bot().await;
    let bytes = png(16, 16, 12);
    let stashed = app
        .upload(&[("filename", "Lost.png"), ("stash", "1")], Some(&bytes))
        .await;
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    proxy.lose_commit_answer_after("INSERT INTO file_versions");
    let done = app
        .post(&[
            ("action", "upload"),
            ("filename", "Lost.png"),
            ("filekey", &key),
            ("token", &app.csrf_token().await),
        ])
        .await;
    assert_eq!(
        proxy.lost_answers.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    assert_eq!(current_sha1(&app, "Lost.png").await, sha1_hex(&bytes));
    assert_consistent(&app).await;
    let app = app.restart().await;
    assert_eq!(current_sha1(&app, "Lost.png").await, sha1_hex(&bytes));
    assert_consistent(&app).await;
}

/// Issue 11, failure 5: an async publish during a PostgreSQL outage (the
/// connection cut as it writes its journal row) is retried with backoff
/// and finishes once the database is back, without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_publish_finishes_after_a_database_outage() {
    if !postgres_available().await {
        return;
    }
    let mut app = spawn_app_with(Backend::Postgres, "enable_async_uploads = true\n").await;
    let proxy = crate::pgproxy::PgProxy::start(postgres_address()).await;
    app.route_database_through(proxy.address).await;
    app.login_as_bot().await;
    let bytes = png(16, 16, 13);
    let stashed = app
        .upload(&[("filename", "Outage.png"), ("stash", "1")], Some(&bytes))
        .await;
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    proxy.cut_at(
        "INSERT INTO publish_journal",
        std::time::Duration::from_secs(6),
    );
    let queued = app
        .post(&[
            ("action", "upload"),
            ("filename", "Outage.png"),
            ("filekey", &key),
            ("async", "1"),
            ("token", &app.csrf_token().await),
        ])
        .await;
    // The job may take the database down before the request has answered.
    let mut outage_seen = queued["error"]["code"] == "internal_api_error_DBQueryError";
    assert!(
        outage_seen || queued["upload"]["result"] == "Poll",
        "{queued}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let status = app
            .upload(&[("checkstatus", "1"), ("filekey", &key)], None)
            .await;
        match status["upload"]["result"].as_str() {
            Some("Success") => break,
            Some("Poll") => {}
            _ if status["error"]["code"].is_string() => outage_seen = true,
            _ => panic!("unexpected status: {status}"),
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still not published: {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(outage_seen, "the database was away for a while");
    assert_eq!(current_sha1(&app, "Outage.png").await, sha1_hex(&bytes));
    assert_consistent(&app).await;
}

/// Issue 11: PostgreSQL black-holed at a publish's COMMIT (the COMMIT not
/// relayed, nothing answered, nothing closed). The server gives the commit
/// up after its deadline, closes that connection, and learns the outcome
/// from the committed state once PostgreSQL has ended the idle transaction
/// (`idle_in_transaction_session_timeout`): the request ends with an error,
/// nothing is published or left behind, and the stashed file publishes on
/// the next try.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_black_holed_at_its_commit_fails_and_can_be_retried() {
    if !postgres_available().await {
        return;
    }
    let mut app = spawn_app(Backend::Postgres).await;
    let proxy = crate::pgproxy::PgProxy::start(postgres_address()).await;
    app.route_database_through(proxy.address).await;
    app.login_as_bot().await;
    let bytes = png(16, 16, 26);
    let stashed = app
        .upload(&[("filename", "Hole.png"), ("stash", "1")], Some(&bytes))
        .await;
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    proxy.black_hole_commit_after("INSERT INTO file_versions");
    let token = app.csrf_token().await;
    let params = [
        ("action", "upload"),
        ("filename", "Hole.png"),
        ("filekey", key.as_str()),
        ("token", token.as_str()),
    ];
    // A bound for the test, far above the server's own (15 s for the
    // commit, then the outcome): a hang fails here instead of forever.
    let failed = tokio::time::timeout(std::time::Duration::from_secs(120), app.post(&params))
        .await
        .expect("the request ends");
    assert_eq!(
        proxy.black_holed.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(
        failed["error"]["code"], "internal_api_error_DBQueryError",
        "{failed}"
    );
    assert_eq!(current_sha1(&app, "Hole.png").await, Value::Null);
    assert_consistent(&app).await;
    let published = app.post(&params).await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    assert_eq!(current_sha1(&app, "Hole.png").await, sha1_hex(&bytes));
    assert_consistent(&app).await;
}
