//! meta=tokens.

use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;

async fn anonymous_users_get_the_constant_csrf_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.get(&[("action", "query"), ("meta", "tokens")]).await;
    assert_eq!(
        body,
        json!({"batchcomplete": "", "query": {"tokens": {"csrftoken": "+\\"}}})
    );
    let fv2 = app
        .get(&[
            ("action", "query"),
            ("meta", "tokens"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(fv2["batchcomplete"], true);
}

async fn several_types_come_back_in_the_requested_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .get_raw(&[
            ("action", "query"),
            ("meta", "tokens"),
            ("type", "login|csrf|watch|createaccount"),
        ])
        .await;
    // A login token is stored in the session, which therefore gets a cookie.
    let cookies: Vec<String> = response.cookies().map(|c| c.name().to_owned()).collect();
    assert_eq!(cookies, ["wikiupload_session"]);
    let body = json_body(response).await;
    let tokens = body["query"]["tokens"].as_object().expect("tokens");
    let names: Vec<&String> = tokens.keys().collect();
    assert_eq!(
        names,
        [
            "logintoken",
            "csrftoken",
            "watchtoken",
            "createaccounttoken"
        ]
    );
    assert_eq!(tokens["csrftoken"], "+\\");
    assert_eq!(tokens["watchtoken"], "+\\");
    let login = tokens["logintoken"].as_str().expect("string");
    assert_eq!(login.len(), 32 + 8 + 2, "{login}");
    assert!(login[..40].bytes().all(|b| b.is_ascii_hexdigit()) && login.ends_with("+\\"));
}

async fn the_csrf_token_alone_sets_no_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .get_raw(&[("action", "query"), ("meta", "tokens")])
        .await;
    assert_eq!(response.cookies().count(), 0);
}

async fn all_types_with_the_star(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[("action", "query"), ("meta", "tokens"), ("type", "*")])
        .await;
    assert_eq!(
        body["query"]["tokens"].as_object().map(|t| t.len()),
        Some(7)
    );
}

async fn an_unknown_type_is_dropped_with_a_warning(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[("action", "query"), ("meta", "tokens"), ("type", "bogus")])
        .await;
    assert_eq!(
        body,
        json!({
            "batchcomplete": "",
            "warnings": {"tokens": {"*": "Unrecognized value for parameter \"type\": bogus"}},
            "query": {"tokens": {}}
        })
    );
}

async fn logged_in_tokens_are_real_and_validate(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let first = app.csrf_token().await;
    let second = app.csrf_token().await;
    assert_ne!(first, "+\\");
    // Fresh timestamps make fresh tokens from the same secret.
    assert_eq!(first[..32].len(), 32);
    let flipped = if first.as_bytes()[31] == b'0' {
        '1'
    } else {
        '0'
    };
    let tampered = format!("{}{flipped}{}", &first[..31], &first[32..]);
    let bad = app
        .post(&[("action", "logout"), ("token", &tampered)])
        .await;
    assert_eq!(bad["error"]["code"], "badtoken");
    assert_eq!(bad["error"]["info"], "Invalid CSRF token.");
    let anonymous_token = app.post(&[("action", "logout"), ("token", "+\\")]).await;
    assert_eq!(anonymous_token["error"]["code"], "badtoken");
    let good = app.post(&[("action", "logout"), ("token", &second)]).await;
    assert_eq!(good, json!({}));
}

/// An uploader starting several files at once asks for the CSRF token
/// several times at once right after logging in: every answer must be a
/// token the session accepts (the secret is made with the login, not by
/// whichever of those requests stores its own last).
async fn concurrent_first_tokens_after_a_login_all_validate(backend: Backend) {
    for login in ["bot password", "main account"] {
        let app = spawn_app(backend).await;
        if login == "bot password" {
            app.login_as_bot().await;
        } else {
            app.login_as_admin().await;
        }
        let tokens = futures_util::future::join_all((0..8).map(|_| app.csrf_token())).await;
        for token in tokens {
            assert_ne!(token, "+\\");
            let answer = app
                .post(&[
                    ("action", "delete"),
                    ("title", "No such page"),
                    ("token", &token),
                ])
                .await;
            assert_ne!(answer["error"]["code"], "badtoken", "{login}: {answer}");
        }
    }
}

async fn tokens_are_withheld_from_cross_origin_requests(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let response = app
        .get_raw(&[("action", "query"), ("meta", "tokens"), ("origin", "*")])
        .await;
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert_eq!(response.headers()["mediawiki-login-suppressed"], "true");
    let body = json_body(response).await;
    assert_eq!(body["query"]["tokens"], json!({}));
    assert_eq!(
        body["warnings"]["tokens"]["*"],
        "Tokens may not be obtained when the same-origin policy is not applied."
    );
}

async fn the_removed_tokens_action_is_an_unknown_action(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.get(&[("action", "tokens")]).await;
    assert_eq!(body["error"]["code"], "badvalue");
    assert_eq!(
        body["error"]["info"],
        "Unrecognized value for parameter \"action\": tokens."
    );
}

on_both_backends!(
    anonymous_users_get_the_constant_csrf_token,
    several_types_come_back_in_the_requested_order,
    the_csrf_token_alone_sets_no_cookie,
    all_types_with_the_star,
    an_unknown_type_is_dropped_with_a_warning,
    logged_in_tokens_are_real_and_validate,
    concurrent_first_tokens_after_a_login_all_validate,
    tokens_are_withheld_from_cross_origin_requests,
    the_removed_tokens_action_is_an_unknown_action,
);
