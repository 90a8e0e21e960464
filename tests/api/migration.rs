//! A wiki made by the previous release (tests/fixtures/previous-release,
//! see its README) opened by this one: migrations 0006 and 0007 and the
//! start's backfill keep every page, revision, file version and deletion,
//! and complete what the new release knows of them.

use std::path::PathBuf;

use serde_json::Value;
use sha1::Digest;

use crate::helpers::*;
use crate::on_both_backends;

const TEXT: &str = "A file from the previous release.\n[[Category:Migrated]] {{Info}} See [[Some page]] and https://example.org/x.";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous-release")
}

async fn previous_release(backend: Backend) -> TestApp {
    let prepared = match backend {
        Backend::Sqlite => Prepared {
            data_dir: Some(fixture().join("sqlite")),
            postgres_sql: None,
        },
        Backend::Postgres => Prepared {
            data_dir: Some(fixture().join("postgres")),
            postgres_sql: Some(
                std::fs::read_to_string(fixture().join("postgres/dump.sql")).expect("dump"),
            ),
        },
    };
    spawn_app_prepared(backend, "", &prepared).await
}

fn only_page(body: &Value) -> &Value {
    &body["query"]["pages"][0]
}

async fn a_wiki_of_the_previous_release_keeps_its_pages_and_files(backend: Backend) {
    let app = previous_release(backend).await;
    app.login_as_admin().await;
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions|info|imageinfo"),
            ("titles", "File:Migrated file.png"),
            ("rvprop", "ids|user|comment|size|sha1|content"),
            ("rvslots", "main"),
            ("rvlimit", "max"),
            ("iiprop", "comment|archivename"),
            ("iilimit", "max"),
            ("formatversion", "2"),
        ])
        .await;
    let page = only_page(&body);
    let revisions = page["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2, "{body}");
    let (newest, oldest) = (&revisions[0], &revisions[1]);
    // The upload's revision and the re-upload's null revision, as the
    // previous release wrote them, now with what MediaWiki stores beside.
    assert_eq!(oldest["comment"], "first version");
    assert_eq!(
        newest["comment"],
        "Admin uploaded a new version of [[File:Migrated file.png]]"
    );
    assert_eq!(oldest["parentid"], 0);
    assert_eq!(newest["parentid"], oldest["revid"]);
    let sha1 = hex::encode(sha1::Sha1::digest(TEXT.as_bytes()));
    for revision in revisions {
        assert_eq!(revision["slots"]["main"]["content"], TEXT);
        assert_eq!(revision["size"], TEXT.len());
        assert_eq!(revision["sha1"], sha1);
        assert_eq!(revision["user"], "Admin");
    }
    assert_eq!(page["lastrevid"], newest["revid"]);
    assert_eq!(page["length"], TEXT.len());
    let versions = page["imageinfo"].as_array().expect("imageinfo");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["comment"], "second version");
    assert!(versions[1]["archivename"].is_string());

    // The link tables were derived from the migrated text at start.
    let db = app.database().await;
    let page_id = page["pageid"].as_i64().expect("page id");
    let links = db.page_links(page_id).await.expect("links");
    assert!(links.pages.contains(&(0, "Some_page".to_owned())));
    assert!(links.templates.contains(&(10, "Info".to_owned())));
    assert!(links.categories.contains_key("Migrated"));
    assert!(links.external.contains("https://example.org/x"));

    // The current file is still served.
    let url = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Migrated file.png"),
            ("iiprop", "url|sha1"),
            ("formatversion", "2"),
        ])
        .await;
    let info = &only_page(&url)["imageinfo"][0];
    let bytes = app
        .download(info["url"].as_str().expect("url"))
        .await
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(sha1_hex(&bytes), info["sha1"]);

    // A fresh wiki's main page, created by the migration.
    let main = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", "Main Page"),
            ("rvprop", "user|size"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        only_page(&main)["revisions"][0]["user"],
        "MediaWiki default"
    );
    assert_eq!(only_page(&main)["revisions"][0]["size"], 755);

    // The deleted file is listed and comes back with its page.
    let archive = app
        .get(&[
            ("action", "query"),
            ("list", "filearchive"),
            ("faprop", "sha1|size"),
            ("formatversion", "2"),
        ])
        .await;
    let deleted = archive["query"]["filearchive"]
        .as_array()
        .expect("filearchive");
    assert_eq!(deleted.len(), 1, "{archive}");
    assert_eq!(deleted[0]["name"], "Deleted_file.png");
    let token = app.csrf_token().await;
    let restored = app
        .post(&[
            ("action", "undelete"),
            ("title", "File:Deleted file.png"),
            ("token", &token),
        ])
        .await;
    assert_eq!(restored["undelete"]["fileversions"], 1, "{restored}");
    let back = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Deleted file.png"),
            ("iiprop", "sha1"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(only_page(&back)["imageinfo"][0]["sha1"], deleted[0]["sha1"]);

    // Editing the migrated page goes on from its history.
    let edit = app
        .post(&[
            ("action", "edit"),
            ("title", "File:Migrated file.png"),
            ("appendtext", "\nEdited after the migration."),
            ("token", &token),
        ])
        .await;
    assert_eq!(edit["edit"]["oldrevid"], newest["revid"], "{edit}");
}

on_both_backends!(a_wiki_of_the_previous_release_keeps_its_pages_and_files);

/// `database_schema`: two wikis in one PostgreSQL database, each in a
/// schema of its own that the server creates and migrates, keep their
/// accounts' files apart; restarted, a wiki finds its schema again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schemas_in_one_database_keep_separate_wikis() {
    if !postgres_available().await {
        return;
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (schema_a, schema_b) = (format!("wu_shared_a_{id}"), format!("wu_shared_b_{id}"));
    let a = spawn_app_in_schema(&schema_a).await;
    let b = spawn_app_in_schema(&schema_b).await;

    a.login_as_bot().await;
    let file_a = png(20, 20, 1);
    let uploaded = a
        .upload(&[("filename", "Shared name.png")], Some(&file_a))
        .await;
    assert_eq!(uploaded["upload"]["result"], "Success", "{uploaded}");
    assert_eq!(
        shared_file_sha1(&b).await,
        Value::Null,
        "b does not see a's file"
    );

    b.login_as_bot().await;
    let file_b = png(20, 20, 2);
    let uploaded = b
        .upload(&[("filename", "Shared name.png")], Some(&file_b))
        .await;
    assert_eq!(uploaded["upload"]["result"], "Success", "{uploaded}");
    assert!(uploaded["upload"]["warnings"].is_null(), "{uploaded}");
    assert_eq!(shared_file_sha1(&b).await, sha1_hex(&file_b));
    assert_eq!(shared_file_sha1(&a).await, sha1_hex(&file_a));

    // The tables, the migrations' own among them, are in the schemas.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&postgres_url())
        .await
        .expect("PostgreSQL connects");
    for schema in [&schema_a, &schema_b] {
        let (tables,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name IN ('_sqlx_migrations', 'upload_status')",
        )
        .bind(schema)
        .fetch_one(&pool)
        .await
        .expect("counted");
        assert_eq!(tables, 2, "{schema}");
    }
    pool.close().await;

    let a = a.restart().await;
    assert_eq!(shared_file_sha1(&a).await, sha1_hex(&file_a));
}

/// The SHA-1 imageinfo reports for File:Shared name.png (null if none).
async fn shared_file_sha1(app: &TestApp) -> Value {
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Shared name.png"),
            ("iiprop", "sha1"),
            ("formatversion", "2"),
        ])
        .await;
    body["query"]["pages"][0]["imageinfo"][0]["sha1"].clone()
}
