//! Per-user quotas: chunked uploads in progress, bytes in the stash and
//! jobs in the queue.

use std::time::Duration;

use axum::routing::get;
use serde_json::Value;
use tokio::sync::watch;

use crate::helpers::*;
use crate::on_both_backends;

/// A client of its own, logged in as Admin (another user than the bot).
async fn admin_client(app: &TestApp) -> reqwest::Client {
    let admin = new_client();
    let token = app.login_token_with(&admin).await;
    let login = app
        .post_with(
            &admin,
            &[
                ("action", "clientlogin"),
                ("username", "Admin"),
                ("password", ADMIN_PASSWORD),
                ("logintoken", &token),
                ("loginreturnurl", "http://127.0.0.1/"),
            ],
        )
        .await;
    assert_eq!(login["clientlogin"]["status"], "PASS", "{login}");
    admin
}

async fn one_user_cannot_hold_more_than_the_quotas(backend: Backend) {
    let app = spawn_app_with(
        backend,
        "max_user_unfinished_uploads = 2\nmax_user_stash_size = 6000",
    )
    .await;
    app.login_as_bot().await;
    let file = png(60, 60, 1);
    let size = file.len().to_string();
    let start = |name: &'static str| {
        let size = size.clone();
        let first = file[..1024].to_vec();
        let app = &app;
        async move {
            app.upload_chunk(
                &[
                    ("filename", name),
                    ("filesize", &size),
                    ("offset", "0"),
                    ("stash", "1"),
                ],
                &first,
            )
            .await
        }
    };
    for name in ["Quota a.png", "Quota b.png"] {
        let body = start(name).await;
        assert_eq!(body["upload"]["result"], "Continue", "{body}");
    }
    let third = start("Quota c.png").await;
    assert_eq!(third["error"]["code"], "stashfailed", "{third}");
    assert_eq!(
        third["error"]["info"],
        "You have too many unfinished uploads (at most 2): finish some, or wait until they expire."
    );

    // 2,048 bytes received so far; a small file fits, a second does not.
    let small = png(30, 30, 2);
    assert!(2048 + small.len() <= 6000 && 2048 + 2 * small.len() > 6000);
    let stashed = app
        .upload(&[("filename", "Small.png"), ("stash", "1")], Some(&small))
        .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    let full = app
        .upload(
            &[("filename", "Small 2.png"), ("stash", "1")],
            Some(&png(30, 30, 3)),
        )
        .await;
    assert_eq!(full["error"]["code"], "stashfailed", "{full}");
    assert!(
        full["error"]["info"]
            .as_str()
            .is_some_and(|info| info.starts_with("Your upload stash is full (at most 6000 bytes)")),
        "{full}"
    );
    // Another user has a quota of their own.
    let admin = admin_client(&app).await;
    let theirs = app
        .upload_with(
            &admin,
            &[("filename", "Small 3.png"), ("stash", "1")],
            Some(&png(30, 30, 4)),
        )
        .await;
    assert_eq!(theirs["upload"]["result"], "Success", "{theirs}");
}

/// What fills a quota frees it again: a chunk over the stash quota is
/// refused and the upload kept at its offset, so that once a stashed file
/// is published the same chunk completes the upload, and a completed
/// upload no longer counts as unfinished. Another user may start uploads
/// while one is at the limit.
async fn quotas_free_up_and_refused_chunks_lose_nothing(backend: Backend) {
    let big = png(60, 60, 11);
    let small = png(30, 30, 12);
    let limit = big.len() + small.len() - 1;
    // Started after the big one is stashed, a second upload's first chunk
    // still fits.
    assert!(small.len() > 1024);
    let app = spawn_app_with(
        backend,
        &format!("max_user_unfinished_uploads = 1\nmax_user_stash_size = {limit}"),
    )
    .await;
    app.login_as_bot().await;
    let stashed = app
        .upload(
            &[("filename", "Quota small.png"), ("stash", "1")],
            Some(&small),
        )
        .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    let small_key = stashed["upload"]["filekey"].as_str().expect("filekey");

    let started = first_chunk(&app, &app.client, "Quota big.png", &big).await;
    assert_eq!(started["upload"]["result"], "Continue", "{started}");
    let key = started["upload"]["filekey"].as_str().expect("filekey");
    let refused = first_chunk(&app, &app.client, "Quota second.png", &big).await;
    assert_eq!(refused["error"]["code"], "stashfailed", "{refused}");
    assert!(
        refused["error"]["info"]
            .as_str()
            .is_some_and(|info| info.contains("too many unfinished uploads (at most 1)")),
        "{refused}"
    );
    let admin = admin_client(&app).await;
    let theirs = first_chunk(&app, &admin, "Quota admin.png", &big).await;
    assert_eq!(theirs["upload"]["result"], "Continue", "{theirs}");

    let size = big.len().to_string();
    let last = [
        ("filename", "Quota big.png"),
        ("filesize", size.as_str()),
        ("offset", "1024"),
        ("filekey", key),
        ("stash", "1"),
    ];
    let full = app.upload_chunk(&last, &big[1024..]).await;
    assert_eq!(full["error"]["code"], "stashfailed", "{full}");
    assert!(
        full["error"]["info"]
            .as_str()
            .is_some_and(|info| info.starts_with(&format!(
                "Your upload stash is full (at most {limit} bytes)"
            ))),
        "{full}"
    );
    let published = app
        .upload(
            &[("filename", "Quota small.png"), ("filekey", small_key)],
            None,
        )
        .await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    let done = app.upload_chunk(&last, &big[1024..]).await;
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    let assembled = done["upload"]["filekey"].as_str().expect("filekey");
    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "stashimageinfo"),
            ("siifilekey", assembled),
            ("siiprop", "sha1"),
        ])
        .await;
    assert_eq!(
        info["query"]["stashimageinfo"][0]["sha1"],
        sha1_hex(&big),
        "{info}"
    );
    let second = first_chunk(&app, &app.client, "Quota second.png", &big).await;
    assert_eq!(second["upload"]["result"], "Continue", "{second}");
}

/// Expiry frees the quotas: an abandoned chunked upload and a stash entry
/// left to expire (`upload_stash_max_age`) count no more.
async fn expired_uploads_free_the_quotas(backend: Backend) {
    let big = png(60, 60, 21);
    let small = png(30, 30, 22);
    let limit = small.len() + 1024;
    let app = spawn_app_with(
        backend,
        &format!(
            "upload_stash_max_age = 1\nmax_user_unfinished_uploads = 1\n\
             max_user_stash_size = {limit}"
        ),
    )
    .await;
    app.login_as_bot().await;
    let stashed = app
        .upload(
            &[("filename", "Expiring.png"), ("stash", "1")],
            Some(&small),
        )
        .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    let abandoned = first_chunk(&app, &app.client, "Abandoned.png", &big).await;
    assert_eq!(abandoned["upload"]["result"], "Continue", "{abandoned}");
    let refused = first_chunk(&app, &app.client, "Later.png", &big).await;
    assert_eq!(refused["error"]["code"], "stashfailed", "{refused}");

    // Both expire in the same sweep (the stash entry first): the next
    // upload is taken once the abandoned one is gone.
    let mut later = Value::Null;
    for _ in 0..75 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        later = first_chunk(&app, &app.client, "Later.png", &big).await;
        if later["upload"]["result"] == "Continue" {
            break;
        }
        assert_eq!(later["error"]["code"], "stashfailed", "{later}");
    }
    assert_eq!(
        later["upload"]["result"], "Continue",
        "never freed: {later}"
    );
    // The expired stash entry no longer counts either.
    let again = app
        .upload(
            &[("filename", "Expiring again.png"), ("stash", "1")],
            Some(&png(30, 30, 23)),
        )
        .await;
    assert_eq!(again["upload"]["result"], "Success", "{again}");
}

/// The first 1024 bytes of `file`, starting a chunked upload to the stash.
async fn first_chunk(app: &TestApp, client: &reqwest::Client, name: &str, file: &[u8]) -> Value {
    let size = file.len().to_string();
    let params = [
        ("filename", name),
        ("filesize", size.as_str()),
        ("offset", "0"),
        ("stash", "1"),
    ];
    app.upload_part(client, &params, Some(("chunk", &file[..1024])))
        .await
}

/// `max_user_queued_jobs`: a user with that many async uploads queued (or
/// running) is refused the next with `ratelimited` until one finishes;
/// another user's uploads are queued meanwhile.
async fn one_user_cannot_queue_more_than_the_job_quota(backend: Backend) {
    let app = spawn_app_with(
        backend,
        "allow_copy_uploads = true\n\
         copy_upload_allow_private_addresses = true\n\
         copy_upload_timeout = 120\n\
         enable_async_uploads = true\n\
         max_user_queued_jobs = 3\n",
    )
    .await;
    // Files held back until `release` says true.
    let (release, held) = watch::channel(false);
    let server = serve(axum::Router::new().route(
        "/held/{seed}",
        get(move |axum::extract::Path(seed): axum::extract::Path<u32>| {
            let mut held = held.clone();
            async move {
                held.wait_for(|released| *released)
                    .await
                    .expect("sender kept");
                png(20, 20, seed)
            }
        }),
    ))
    .await;
    let queue = |client: &reqwest::Client, name: String, seed: u32| {
        let url = format!("{server}/held/{seed}");
        let client = client.clone();
        let app = &app;
        async move {
            let params = [
                ("filename", name.as_str()),
                ("url", url.as_str()),
                ("async", "1"),
            ];
            app.upload_part(&client, &params, None).await
        }
    };
    app.login_as_bot().await;
    for seed in 1..=3 {
        let queued = queue(&app.client, format!("Held {seed}.png"), seed).await;
        assert_eq!(queued["upload"]["result"], "Poll", "{queued}");
    }
    let refused = queue(&app.client, "Held 4.png".into(), 4).await;
    assert_eq!(refused["error"]["code"], "ratelimited", "{refused}");
    assert_eq!(
        refused["error"]["info"],
        "You have too many uploads waiting to be processed (at most 3): wait until some are done."
    );
    let admin = admin_client(&app).await;
    let theirs = queue(&admin, "Held by admin.png".into(), 5).await;
    assert_eq!(theirs["upload"]["result"], "Poll", "another user: {theirs}");

    release.send_replace(true);
    for seed in 1..=3 {
        let outcome = finished(
            &app,
            &format!("Held {seed}.png"),
            &format!("{server}/held/{seed}"),
        )
        .await;
        assert_eq!(outcome["upload"]["result"], "Success", "{outcome}");
    }
    let again = queue(&app.client, "Held 4.png".into(), 4).await;
    assert_eq!(again["upload"]["result"], "Poll", "{again}");
}

/// Polls `checkstatus` until the async URL upload is no longer queued.
async fn finished(app: &TestApp, filename: &str, url: &str) -> Value {
    for _ in 0..200 {
        let status = app
            .upload(
                &[("checkstatus", "1"), ("url", url), ("filename", filename)],
                None,
            )
            .await;
        if status["upload"]["result"] != "Poll" {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{filename} was never done");
}

on_both_backends!(
    one_user_cannot_hold_more_than_the_quotas,
    quotas_free_up_and_refused_chunks_lose_nothing,
    expired_uploads_free_the_quotas,
    one_user_cannot_queue_more_than_the_job_quota,
);
