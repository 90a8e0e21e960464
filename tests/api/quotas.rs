//! Per-user quotas: chunked uploads in progress and bytes in the stash.

use crate::helpers::*;
use crate::on_both_backends;

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
    let theirs = app
        .upload_with(
            &admin,
            &[("filename", "Small 3.png"), ("stash", "1")],
            Some(&png(30, 30, 4)),
        )
        .await;
    assert_eq!(theirs["upload"]["result"], "Success", "{theirs}");
}

on_both_backends!(one_user_cannot_hold_more_than_the_quotas);
