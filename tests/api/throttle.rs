//! The login throttle (`password_attempt_throttle`, MediaWiki's
//! `$wgPasswordAttemptThrottle`) and the upload rate limit (`rate_limits`,
//! `$wgRateLimits`), counted in the database.

use crate::helpers::*;
use crate::on_both_backends;

const THROTTLED: &str =
    "You have made too many recent login attempts. Please wait 5 minutes before trying again.";

async fn clientlogin(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    password: &str,
) -> serde_json::Value {
    let token = app.login_token_with(client).await;
    app.post_with(
        client,
        &[
            ("action", "clientlogin"),
            ("username", name),
            ("password", password),
            ("logintoken", &token),
            ("loginreturnurl", "http://127.0.0.1/"),
        ],
    )
    .await
}

/// action=login from a client of its own (a fresh session).
async fn login_fresh(app: &TestApp, name: &str, password: &str) -> serde_json::Value {
    let client = new_client();
    let token = app.login_token_with(&client).await;
    app.post_with(
        &client,
        &[
            ("action", "login"),
            ("lgname", name),
            ("lgpassword", password),
            ("lgtoken", &token),
        ],
    )
    .await
}

async fn logins_are_throttled_per_account(backend: Backend) {
    let app = spawn_app_with(
        backend,
        "password_attempt_throttle = [{ count = 3, seconds = 300 }]",
    )
    .await;
    // A success clears the count: two failures, a success, two failures
    // and a success never reach three.
    for _ in 0..2 {
        for _ in 0..2 {
            let wrong = app.login("Uploader", "wrong-password").await;
            assert_eq!(
                wrong["login"]["reason"],
                "Incorrect username or password entered. Please try again.",
                "{wrong}"
            );
        }
        let right = clientlogin(&app, &new_client(), "Uploader", USER_PASSWORD).await;
        assert_eq!(right["clientlogin"]["status"], "PASS", "{right}");
    }
    // Three failures: the fourth attempt is refused, the right password
    // too, by action=login and clientlogin alike.
    for _ in 0..3 {
        let wrong = app.login("Uploader", "wrong-password").await;
        assert_eq!(wrong["login"]["result"], "Failed", "{wrong}");
    }
    let refused = app.login("Uploader", USER_PASSWORD).await;
    assert_eq!(refused["login"]["result"], "Failed", "{refused}");
    assert_eq!(refused["login"]["reason"], THROTTLED, "{refused}");
    let refused = clientlogin(&app, &new_client(), "uploader", USER_PASSWORD).await;
    assert_eq!(refused["clientlogin"]["status"], "FAIL", "{refused}");
    assert_eq!(
        refused["clientlogin"]["messagecode"], "login-throttled",
        "{refused}"
    );
    assert_eq!(refused["clientlogin"]["message"], THROTTLED, "{refused}");
    // Other accounts are not held up.
    let admin = clientlogin(&app, &new_client(), "Admin", ADMIN_PASSWORD).await;
    assert_eq!(admin["clientlogin"]["status"], "PASS", "{admin}");
    // Bot passwords are counted apart: they still log in...
    let bot = app.login(BOT_LOGIN, BOT_PASSWORD).await;
    assert_eq!(bot["login"]["result"], "Success", "{bot}");
    // ...until they are throttled in turn; then the right one is refused
    // with the throttle's reason instead of trying a main-account login.
    for _ in 0..3 {
        let wrong = login_fresh(&app, "Uploader@bot", "00000000000000000000000000000000").await;
        assert_eq!(wrong["login"]["result"], "Failed", "{wrong}");
    }
    let refused = login_fresh(&app, BOT_LOGIN, BOT_PASSWORD).await;
    assert_eq!(refused["login"]["reason"], THROTTLED, "{refused}");

    // The counts live in the database: a restart does not reset them.
    let app = app.restart().await;
    let refused = login_fresh(&app, "Uploader", USER_PASSWORD).await;
    assert_eq!(refused["login"]["reason"], THROTTLED, "{refused}");
}

async fn publishing_uploads_is_rate_limited(backend: Backend) {
    let app = spawn_app_with(backend, "rate_limits = { upload = { user = [2, 60] } }").await;
    app.login_as_bot().await;
    for seed in 0..2 {
        let name = format!("Limited {seed}.png");
        let body = app
            .upload(&[("filename", &name)], Some(&png(4, 4, seed)))
            .await;
        assert_eq!(body["upload"]["result"], "Success", "{body}");
    }
    let over = app
        .upload(&[("filename", "Limited 2.png")], Some(&png(4, 4, 2)))
        .await;
    assert_eq!(over["error"]["code"], "ratelimited", "{over}");
    assert_eq!(
        over["error"]["info"],
        "You've exceeded your rate limit. Please wait some time and try again."
    );
    // Stashing is not publishing: not counted, not refused.
    let stashed = app
        .upload(
            &[("filename", "Limited 3.png"), ("stash", "1")],
            Some(&png(4, 4, 3)),
        )
        .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    // `noratelimit` (sysops have it) exempts.
    let admin = new_client();
    let login = clientlogin(&app, &admin, "Admin", ADMIN_PASSWORD).await;
    assert_eq!(login["clientlogin"]["status"], "PASS", "{login}");
    for seed in 4..7 {
        let name = format!("Limited {seed}.png");
        let body = app
            .upload_with(&admin, &[("filename", &name)], Some(&png(4, 4, seed)))
            .await;
        assert_eq!(body["upload"]["result"], "Success", "{body}");
    }
}

on_both_backends!(
    logins_are_throttled_per_account,
    publishing_uploads_is_rate_limited,
);
