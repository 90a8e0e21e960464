//! Uploads from a URL, against a file server on loopback: success and the
//! stash, fetch failures with the reference's codes (transcripts 40-42),
//! the SSRF refusals, rights and switches, and async uploads polled by URL.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;
use crate::transcripts::{compare_shape, reference_answer};

/// What the test file server serves.
fn served_png() -> Vec<u8> {
    png(30, 20, 4242)
}

/// Starts the file server; its base URL.
async fn file_server() -> String {
    let big = vec![b'x'; 30_000];
    let app =
        Router::new()
            .route("/file.png", get(|| async { served_png() }))
            .route(
                "/seed/{seed}",
                get(
                    |axum::extract::Path(seed): axum::extract::Path<u32>| async move {
                        png(30, 20, seed)
                    },
                ),
            )
            .route("/empty.png", get(|| async { Vec::<u8>::new() }))
            .route(
                "/page.html",
                get(|| async { "<html><body>not a picture</body></html>" }),
            )
            .route("/missing.png", get(|| async { StatusCode::NOT_FOUND }))
            .route(
                "/slow.png",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    served_png()
                }),
            )
            .route("/big.png", get(move || async move { big.clone() }))
            .route(
                "/big-unsized.png",
                get(|| async {
                    let parts = (0..30).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1000]));
                    Body::from_stream(futures_util::stream::iter(parts))
                }),
            )
            .route(
                "/halting.png",
                get(|| async {
                    // Half the file, a pause, then the rest: long enough for a
                    // status poll to see the download in progress.
                    let bytes = png(200, 200, 77);
                    let half = bytes.len() / 2;
                    let (first, second) = (bytes[..half].to_vec(), bytes[half..].to_vec());
                    let stream = futures_util::stream::unfold(0, move |step| {
                        let (first, second) = (first.clone(), second.clone());
                        async move {
                            match step {
                                0 => Some((Ok::<_, std::io::Error>(first), 1)),
                                1 => {
                                    tokio::time::sleep(Duration::from_millis(1500)).await;
                                    Some((Ok(second), 2))
                                }
                                _ => None,
                            }
                        }
                    });
                    let length = png(200, 200, 77).len();
                    Response::builder()
                        .header(header::CONTENT_LENGTH, length)
                        .body(Body::from_stream(stream))
                        .expect("response")
                        .into_response()
                }),
            )
            .route(
                "/redirect.png",
                get(|| async { Redirect::temporary("/file.png") }),
            )
            .route(
                "/loop.png",
                get(|| async { Redirect::temporary("/loop.png") }),
            )
            .route(
                "/to-metadata.png",
                get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data") }),
            );
    serve(app).await
}

const URL_UPLOADS: &str = "allow_copy_uploads = true\n\
     copy_upload_allow_private_addresses = true\n\
     copy_upload_timeout = 2\n\
     max_upload_size = 20000\n\
     enable_async_uploads = true\n";

async fn url_upload(app: &TestApp, filename: &str, url: &str, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![("filename", filename), ("url", url)];
    params.extend_from_slice(extra);
    app.upload(&params, None).await
}

async fn files_from_a_url_are_published_warned_about_and_stashed(backend: Backend) {
    let app = spawn_app_with(backend, URL_UPLOADS).await;
    app.login_as_bot().await;
    let server = file_server().await;
    let url = format!("{server}/file.png");
    let published = url_upload(&app, "From url.png", &url, &[("comment", "fetched")]).await;
    let upload = &published["upload"];
    assert_eq!(upload["result"], "Success", "{published}");
    assert_eq!(upload["filename"], "From_url.png");
    assert_eq!(upload["imageinfo"]["sha1"], sha1_hex(&served_png()));
    let served = app
        .download(upload["imageinfo"]["url"].as_str().expect("url"))
        .await
        .bytes()
        .await
        .expect("body");
    assert_eq!(sha1_hex(&served), sha1_hex(&served_png()));

    // The same bytes again: a duplicate warning; the key has no extension.
    let warned = url_upload(&app, "From url 2.png", &url, &[]).await;
    assert_eq!(warned["upload"]["result"], "Warning", "{warned}");
    assert_eq!(warned["upload"]["warnings"]["duplicate"][0], "From_url.png");
    let key = warned["upload"]["filekey"].as_str().expect("key");
    assert!(key.ends_with('.'), "{key}");

    let redirected = format!("{server}/redirect.png");
    let stashed = url_upload(
        &app,
        "Stashed from url.png",
        &redirected,
        &[("stash", "1"), ("ignorewarnings", "1")],
    )
    .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    let key = stashed["upload"]["filekey"].as_str().expect("key");
    assert!(key.ends_with('.'), "{key}");
    assert_eq!(
        stashed["upload"]["imageinfo"]["sha1"],
        sha1_hex(&served_png())
    );
}

async fn failed_fetches_get_the_references_errors(backend: Backend) {
    let app = spawn_app_with(backend, URL_UPLOADS).await;
    app.login_as_bot().await;
    let server = file_server().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        drop(listener);
        format!("http://127.0.0.1:{port}/x.png")
    };
    let cases: Vec<(String, &str, String)> = vec![
        (
            "not a url".into(),
            "http-invalid-url",
            "Invalid URL: not a url".into(),
        ),
        (
            "http://".into(),
            "http-invalid-url",
            "Invalid URL: http://".into(),
        ),
        (
            "ftp://127.0.0.1/x.png".into(),
            "http-invalid-url",
            "Invalid URL: ftp://127.0.0.1/x.png".into(),
        ),
        (
            "file:///etc/hostname".into(),
            "http-invalid-url",
            "Invalid URL: file:///etc/hostname".into(),
        ),
        (
            format!("{server}/missing.png"),
            "http-bad-status",
            "There was a problem during the HTTP request: 404 Not Found".into(),
        ),
        // MediaWiki names the detected type ("Files of the MIME type
        // "text/html" are not allowed"); it would tell what an internal
        // address serves, so wikiupload answers its generic text.
        (
            format!("{server}/page.html"),
            "verification-error",
            "This file did not pass file verification.".into(),
        ),
        (
            format!("{server}/empty.png"),
            "empty-file",
            "The file you submitted was empty.".into(),
        ),
        (
            format!("{server}/slow.png"),
            "http-timed-out",
            "HTTP request timed out.".into(),
        ),
        (
            format!("{server}/big.png"),
            "file-too-large",
            "The file you submitted was too large.".into(),
        ),
        (
            format!("{server}/big-unsized.png"),
            "file-too-large",
            "The file you submitted was too large.".into(),
        ),
        (
            format!("{server}/loop.png"),
            "upload-too-many-redirects",
            "The URL contained too many redirects".into(),
        ),
    ];
    for (url, code, info) in cases {
        let body = url_upload(&app, "Failing url.png", &url, &[]).await;
        assert_eq!(body["error"]["code"], code, "{url}: {body}");
        assert_eq!(body["error"]["info"], info, "{url}: {body}");
    }
    // The refused content's key stays, its detected type does not, in any
    // error format.
    for format in ["bc", "raw", "wikitext"] {
        let body = url_upload(
            &app,
            "Failing url.png",
            &format!("{server}/page.html"),
            &[("errorformat", format)],
        )
        .await;
        let error = body.get("error").unwrap_or(&body["errors"][0]);
        let details = error.get("details").unwrap_or(&error["data"]["details"]);
        assert_eq!(details, &serde_json::json!(["filetype-badmime"]), "{body}");
        assert!(!body.to_string().contains("text/html"), "{format}: {body}");
    }
    let response = app
        .upload_raw(
            &app.client,
            &[("filename", "Closed.png"), ("url", closed.as_str())],
            None,
        )
        .await;
    assert_eq!(
        response.headers()["mediawiki-api-error"],
        "http-curl-error, http-bad-status"
    );
    let body = json_body(response).await;
    assert!(
        body["error"]["info"].as_str().is_some_and(
            |info| info.starts_with("Error fetching URL: Failed to connect to 127.0.0.1")
        ),
        "{body}"
    );
    // Nothing of a failed fetch stays in the spool.
    let spool = app.data_dir.path().join("tmp");
    let left = std::fs::read_dir(&spool).map_or(0, |entries| entries.count());
    assert_eq!(left, 0, "spool files left behind");
}

async fn refused_sources_never_reach_the_network(backend: Backend) {
    let server = file_server().await;
    let url = format!("{server}/file.png");

    // The switch is off by default.
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let off = url_upload(&app, "Off.png", &url, &[]).await;
    assert_eq!(off["error"]["code"], "copyuploaddisabled");
    drop(app);

    // Loopback is private: refused unless allowed; the metadata address
    // and credentials are refused always, also behind a redirect.
    let app = spawn_app_with(backend, "allow_copy_uploads = true\n").await;
    app.login_as_bot().await;
    let private = url_upload(&app, "Private.png", &url, &[]).await;
    assert_eq!(private["error"]["code"], "copyuploadbadurl", "{private}");
    assert_eq!(
        private["error"]["info"],
        "Upload not allowed from this URL."
    );
    let localhost = url.replace("127.0.0.1", "localhost");
    let named = url_upload(&app, "Private.png", &localhost, &[]).await;
    assert_eq!(named["error"]["code"], "copyuploadbadurl", "{named}");
    drop(app);

    let app = spawn_app_with(backend, URL_UPLOADS).await;
    app.login_as_bot().await;
    let redirect = format!("{server}/to-metadata.png");
    let metadata = url_upload(&app, "Metadata.png", &redirect, &[]).await;
    assert_eq!(metadata["error"]["code"], "copyuploadbadurl", "{metadata}");
    let with_password = url.replace("http://", "http://user:secret@");
    let credentials = url_upload(&app, "Credentials.png", &with_password, &[]).await;
    assert_eq!(credentials["error"]["code"], "copyuploadbadurl");
    let mapped = url_upload(&app, "Mapped.png", "http://[::ffff:169.254.169.254]/x", &[]).await;
    assert_eq!(mapped["error"]["code"], "copyuploadbadurl", "{mapped}");
    drop(app);

    // The domain list, MediaWiki's wildcard rules.
    let app = spawn_app_with(
        backend,
        &format!("{URL_UPLOADS}copy_uploads_domains = [\"*.example.org\"]\n"),
    )
    .await;
    app.login_as_bot().await;
    let domain = url_upload(&app, "Domain.png", &url, &[]).await;
    assert_eq!(domain["error"]["code"], "copyuploadbaddomain", "{domain}");
    assert_eq!(
        domain["error"]["info"],
        "Uploads by URL are not allowed from this domain."
    );
}

async fn url_uploads_need_the_upload_by_url_right(backend: Backend) {
    let app = spawn_app_with(backend, URL_UPLOADS).await;
    let server = file_server().await;
    let url = format!("{server}/file.png");
    let anonymous = url_upload(&app, "Anonymous.png", &url, &[]).await;
    assert_eq!(anonymous["error"]["code"], "mustbeloggedin", "{anonymous}");
    app.login("NoUrlUser", "nourlpass1234567").await;
    let revoked = url_upload(&app, "No right.png", &url, &[]).await;
    assert_eq!(revoked["error"]["code"], "permissiondenied", "{revoked}");
    let client = new_client();
    let token = app.login_token_with(&client).await;
    let login = app
        .post_with(
            &client,
            &[
                ("action", "login"),
                ("lgname", NOURL_BOT_LOGIN),
                ("lgpassword", NOURL_BOT_PASSWORD),
                ("lgtoken", &token),
            ],
        )
        .await;
    assert_eq!(login["login"]["result"], "Success", "{login}");
    let params = [("filename", "No grant.png"), ("url", url.as_str())];
    let no_grant = app.upload_part(&client, &params, None).await;
    assert_eq!(no_grant["error"]["code"], "permissiondenied", "{no_grant}");
}

async fn async_url_uploads_are_polled_by_url_and_name(backend: Backend) {
    let app = spawn_app_with(backend, URL_UPLOADS.replace("20000", "2000000").as_str()).await;
    app.login_as_bot().await;
    let server = file_server().await;
    let url = format!("{server}/halting.png");
    let queued = url_upload(&app, "Async url.png", &url, &[("async", "1")]).await;
    assert_eq!(
        queued["upload"],
        serde_json::json!({"result": "Poll", "stage": "queued", "filename": "Async_url.png"})
    );
    let mut saw_progress = false;
    let mut done = Value::Null;
    for _ in 0..100 {
        let status = app
            .upload(
                &[
                    ("checkstatus", "1"),
                    ("url", url.as_str()),
                    ("filename", "Async url.png"),
                ],
                None,
            )
            .await;
        let upload = &status["upload"];
        if upload["stage"] == "fetching" && upload["loaded"].as_u64().is_some_and(|n| n > 0) {
            assert_eq!(upload["contentlength"], png(200, 200, 77).len());
            saw_progress = true;
        }
        if upload["result"] == "Success" {
            done = status;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(saw_progress, "checkstatus reports the bytes loaded");
    assert_eq!(done["upload"]["stage"], "publish", "{done}");
    assert_eq!(done["upload"]["filename"], "Async_url.png");
    assert_eq!(
        done["upload"]["imageinfo"]["sha1"],
        sha1_hex(&png(200, 200, 77))
    );

    // A failed download is reported with its own code.
    let missing = format!("{server}/missing.png");
    url_upload(&app, "Async missing.png", &missing, &[("async", "1")]).await;
    let mut failed = Value::Null;
    for _ in 0..100 {
        failed = app
            .upload(
                &[
                    ("checkstatus", "1"),
                    ("url", missing.as_str()),
                    ("filename", "Async missing.png"),
                ],
                None,
            )
            .await;
        if failed.get("error").is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // As MediaWiki answers every failed status: stashfailed, its own text.
    assert_eq!(failed["error"]["code"], "stashfailed", "{failed}");
    assert_eq!(
        failed["error"]["info"],
        "There was a problem during the HTTP request: 404 Not Found"
    );
}

/// Two users queueing the same name and URL each get their own upload and
/// their own status.
async fn async_url_uploads_are_kept_apart_by_user(backend: Backend) {
    let app = spawn_app_with(backend, URL_UPLOADS).await;
    app.login_as_bot().await;
    let server = file_server().await;
    let url = format!("{server}/seed/77");
    let params = [
        ("filename", "Shared.png"),
        ("url", url.as_str()),
        ("async", "1"),
    ];
    let mine = app.upload(&params, None).await;
    assert_eq!(mine["upload"]["result"], "Poll", "{mine}");
    let admin = new_client();
    let token = app.login_token_with(&admin).await;
    let login = app
        .post_with(
            &admin,
            &[
                ("action", "login"),
                ("lgname", "Admin"),
                ("lgpassword", ADMIN_PASSWORD),
                ("lgtoken", &token),
            ],
        )
        .await;
    assert_eq!(login["login"]["result"], "Success");
    let theirs = app.upload_part(&admin, &params, None).await;
    assert_eq!(
        theirs["upload"]["result"], "Poll",
        "not blocked by another user: {theirs}"
    );
    let status = [
        ("checkstatus", "1"),
        ("filename", "Shared.png"),
        ("url", url.as_str()),
    ];
    for _ in 0..100 {
        let a = app.upload(&status, None).await;
        let b = app.upload_part(&admin, &status, None).await;
        if a["upload"]["result"] != "Poll" && b["upload"]["result"] != "Poll" {
            // One published the file, the other was warned that it exists
            // now; each sees only its own outcome.
            for (outcome, user, id) in [(&a, "Uploader", 2), (&b, "Admin", 1)] {
                let upload = &outcome["upload"];
                match upload["result"].as_str() {
                    Some("Success") => assert_eq!(upload["imageinfo"]["user"], user),
                    Some("Warning") => assert!(
                        upload["filekey"]
                            .as_str()
                            .is_some_and(|k| k.contains(&format!(".{id}."))),
                        "{outcome}"
                    ),
                    _ => panic!("{user}: {outcome}"),
                }
            }
            assert_ne!(a["upload"]["result"], b["upload"]["result"]);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the uploads never finished");
}

/// URL answers have the reference's shape (transcripts 40 and 41): the
/// published file, the duplicate warning, the stashed file, a 404, and the
/// async Poll.
async fn url_answers_have_the_references_shape(backend: Backend) {
    let app = spawn_app_with(backend, URL_UPLOADS).await;
    app.login_as_bot().await;
    let server = file_server().await;
    let url = format!("{server}/file.png");
    let skip = ["metadata", "commonmetadata"];
    for fv in [1u64, 2] {
        let fv_text = fv.to_string();
        let format = [("formatversion", fv_text.as_str())];
        let first = format!("{server}/seed/{}", 100 + fv);
        let second = format!("{server}/seed/{}", 200 + fv);
        let (first, second) = (first.as_str(), second.as_str());
        let mut exchanges = vec![(
            url_upload(&app, &format!("Shape url {fv}.png"), first, &format).await,
            "upload by URL",
        )];
        exchanges.push((
            url_upload(&app, &format!("Shape url dup {fv}.png"), first, &format).await,
            "same URL, new name (duplicate warning)",
        ));
        let stash = [("stash", "1"), ("formatversion", fv_text.as_str())];
        exchanges.push((
            url_upload(&app, &format!("Shape url stash {fv}.png"), second, &stash).await,
            "upload by URL with stash=1",
        ));
        let async_params = [("async", "1"), ("formatversion", fv_text.as_str())];
        exchanges.push((
            url_upload(
                &app,
                &format!("Shape url async {fv}.png"),
                &url,
                &async_params,
            )
            .await,
            "upload by URL with async=1",
        ));
        for (ours, step) in exchanges {
            let reference = reference_answer("40-url-upload", fv, step);
            compare_shape(&ours, &reference, "", &skip, &format!("{step} fv{fv}"));
        }
        let missing = format!("{server}/missing.png");
        let ours = url_upload(&app, "Shape missing.png", &missing, &format).await;
        let reference = reference_answer("41-url-upload-errors", fv, "404 from the file server");
        compare_shape(&ours, &reference, "", &skip, &format!("404 fv{fv}"));
    }
}

on_both_backends!(
    url_answers_have_the_references_shape,
    files_from_a_url_are_published_warned_about_and_stashed,
    failed_fetches_get_the_references_errors,
    refused_sources_never_reach_the_network,
    url_uploads_need_the_upload_by_url_right,
    async_url_uploads_are_polled_by_url_and_name,
    async_url_uploads_are_kept_apart_by_user,
);
