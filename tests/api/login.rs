//! action=login, clientlogin and logout, and the sessions behind them.

use crate::helpers::*;
use crate::on_both_backends;

async fn a_bot_password_logs_in_with_its_own_session_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    let response = app
        .post_raw(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgtoken", &token),
        ])
        .await;
    let cookies: Vec<String> = response.cookies().map(|c| c.name().to_owned()).collect();
    assert_eq!(cookies, ["wikiupload_BPsession"]);
    let body = json_body(response).await;
    assert_eq!(body["login"]["result"], "Success");
    assert_eq!(body["login"]["lgusername"], "Uploader");
    assert!(body["login"]["lguserid"].as_i64().is_some_and(|id| id > 0));
    assert!(
        body.get("warnings").is_none(),
        "bot-password login is not deprecated: {body}"
    );

    let info = app.get(&[("action", "query"), ("meta", "userinfo")]).await;
    assert_eq!(info["query"]["userinfo"]["name"], "Uploader");
    assert_eq!(info["query"]["userinfo"]["id"], body["login"]["lguserid"]);
}

async fn a_main_account_login_works_with_a_deprecation_warning(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.login("Uploader", USER_PASSWORD).await;
    assert_eq!(body["login"]["result"], "Success");
    let warnings: Vec<&String> = body["warnings"]
        .as_object()
        .expect("warnings")
        .keys()
        .collect();
    assert_eq!(warnings, ["main", "login"]);
    assert!(body["warnings"]["login"]["*"]
        .as_str()
        .is_some_and(|w| w.starts_with("Main-account login via \"action=login\" is deprecated")));
    let info = app.get(&[("action", "query"), ("meta", "userinfo")]).await;
    assert_eq!(info["query"]["userinfo"]["name"], "Uploader");
}

async fn wrong_passwords_and_unknown_users_fail_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let expected = "Incorrect username or password entered. Please try again.";
    for (name, password) in [
        (BOT_LOGIN, "wrong-password"),
        ("NoSuchUser@bot", BOT_PASSWORD),
        ("Uploader", "not-the-password"),
        ("Nobody", "whatever-password"),
    ] {
        let body = app.login(name, password).await;
        assert_eq!(body["login"]["result"], "Failed", "{name}: {body}");
        assert_eq!(body["login"]["reason"], expected, "{name}");
    }
    let info = app.get(&[("action", "query"), ("meta", "userinfo")]).await;
    assert_eq!(info["query"]["userinfo"]["id"], 0);
}

async fn a_failed_login_reason_follows_the_errorformat(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    let body = app
        .post(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", "wrong"),
            ("lgtoken", &token),
            ("errorformat", "raw"),
        ])
        .await;
    assert_eq!(
        body["login"]["reason"],
        serde_json::json!({"code": "wrongpassword", "key": "wrongpassword", "params": []})
    );
}

async fn login_without_a_token_answers_need_token_and_the_token_then_works(backend: Backend) {
    // nodemw logs in like this: first without a token.
    let app = spawn_app(backend).await;
    let first = app
        .post(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgdomain", ""),
        ])
        .await;
    assert_eq!(first["login"]["result"], "NeedToken", "{first}");
    assert!(
        first["warnings"]["login"]["*"]
            .as_str()
            .is_some_and(|w| w.contains("Fetching a token via \"action=login\" is deprecated"))
    );
    let token = first["login"]["token"].as_str().expect("token");
    assert!(token.ends_with("+\\") && token.len() > 34);
    let second = app
        .post(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgtoken", token),
        ])
        .await;
    assert_eq!(second["login"]["result"], "Success", "{second}");
}

async fn a_made_up_token_is_a_wrong_token(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_token().await;
    let body = app
        .post(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgtoken", "0123456789abcdef0123456789abcdef01234567+\\"),
        ])
        .await;
    assert_eq!(body, serde_json::json!({"login": {"result": "WrongToken"}}));
}

async fn a_token_without_a_session_means_the_session_was_lost(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    // A client that lost its cookies keeps only the token.
    let fresh = new_client();
    let body = app
        .post_with(
            &fresh,
            &[
                ("action", "login"),
                ("lgname", BOT_LOGIN),
                ("lgpassword", BOT_PASSWORD),
                ("lgtoken", &token),
            ],
        )
        .await;
    assert_eq!(body["login"]["result"], "Failed");
    assert_eq!(
        body["login"]["reason"],
        "Unable to continue login. Your session most likely timed out."
    );
}

async fn login_must_be_posted_and_keep_secrets_out_of_the_url(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    let get = app
        .get(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgtoken", &token),
        ])
        .await;
    assert_eq!(get["error"]["code"], "mustbeposted");
    assert_eq!(
        get["error"]["info"],
        "The \"login\" module requires a POST request."
    );

    let url = format!("{}?lgpassword={}", app.api, BOT_PASSWORD);
    let response = app
        .client
        .post(url)
        .form(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgtoken", &token),
            ("format", "json"),
        ])
        .send()
        .await
        .expect("answered");
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], "mustpostparams", "{body}");
    let info = app.get(&[("action", "query"), ("meta", "userinfo")]).await;
    assert_eq!(info["query"]["userinfo"]["id"], 0, "nothing logged in");
}

async fn a_bot_password_session_cannot_log_in_again(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let body = app.login("Uploader", USER_PASSWORD).await;
    assert_eq!(body["login"]["result"], "Aborted");
    assert_eq!(
        body["login"]["reason"],
        "Cannot log in when using MediaWiki\\Session\\BotPasswordSessionProvider sessions."
    );
}

async fn grants_limit_what_a_bot_password_may_do(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.login(NOURL_BOT_LOGIN, NOURL_BOT_PASSWORD).await;
    assert_eq!(body["login"]["result"], "Success", "{body}");
    let info = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", "rights"),
        ])
        .await;
    let rights = info["query"]["userinfo"]["rights"]
        .as_array()
        .expect("rights");
    assert!(rights.contains(&"upload".into()));
    assert!(!rights.contains(&"upload_by_url".into()));
    assert!(!rights.contains(&"reupload".into()));
}

async fn logout_needs_a_token_and_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let missing = app.post(&[("action", "logout")]).await;
    assert_eq!(missing["error"]["code"], "missingparam");
    assert_eq!(
        missing["error"]["info"],
        "The \"token\" parameter must be set."
    );

    let token = app.csrf_token().await;
    let response = app
        .post_raw(&[("action", "logout"), ("token", &token)])
        .await;
    let cleared: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("wikiupload_BPsession=") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert_eq!(json_body(response).await, serde_json::json!({}));
    let info = app.get(&[("action", "query"), ("meta", "userinfo")]).await;
    assert_eq!(info["query"]["userinfo"]["name"], "127.0.0.1");
    assert_eq!(info["query"]["userinfo"]["anon"], "");
    // The old token died with the session.
    app.login_as_bot().await;
    let stale = app.post(&[("action", "logout"), ("token", &token)]).await;
    assert_eq!(stale["error"]["code"], "badtoken");
}

async fn clientlogin_passes_and_fails_like_mediawiki(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    let fail = app
        .post(&[
            ("action", "clientlogin"),
            ("username", "Admin"),
            ("password", "nope"),
            ("logintoken", &token),
            ("loginreturnurl", "http://127.0.0.1/"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        fail,
        serde_json::json!({"clientlogin": {
            "status": "FAIL",
            "message": "Incorrect username or password entered.\nPlease try again.",
            "messagecode": "wrongpassword",
            "canpreservestate": false
        }})
    );
    let missing_url = app
        .post(&[
            ("action", "clientlogin"),
            ("username", "Admin"),
            ("password", ADMIN_PASSWORD),
            ("logintoken", &token),
        ])
        .await;
    assert_eq!(missing_url["error"]["code"], "missingparam");
    let missing_token = app
        .post(&[
            ("action", "clientlogin"),
            ("username", "Admin"),
            ("password", ADMIN_PASSWORD),
            ("loginreturnurl", "http://x/"),
        ])
        .await;
    assert_eq!(
        missing_token["error"]["info"],
        "The \"logintoken\" parameter must be set."
    );

    app.login_as_admin().await;
    let info = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", "groups"),
        ])
        .await;
    assert_eq!(info["query"]["userinfo"]["name"], "Admin");
    assert!(
        info["query"]["userinfo"]["groups"]
            .as_array()
            .is_some_and(|g| g.contains(&"sysop".into()))
    );
}

async fn a_main_login_replaces_the_session_and_its_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    app.post(&[
        ("action", "login"),
        ("lgname", "Uploader"),
        ("lgpassword", USER_PASSWORD),
        ("lgtoken", &token),
    ])
    .await;
    // The login token of the old session is gone with it.
    let again = app
        .post(&[
            ("action", "login"),
            ("lgname", "Uploader"),
            ("lgpassword", USER_PASSWORD),
            ("lgtoken", &token),
        ])
        .await;
    assert_eq!(again["login"]["result"], "Failed", "{again}");
}

async fn sessions_survive_a_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let app = app.restart().await;
    let info = app.get(&[("action", "query"), ("meta", "userinfo")]).await;
    assert_eq!(info["query"]["userinfo"]["name"], "Uploader");
}

async fn cross_origin_requests_cannot_log_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    let body = app
        .post(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgtoken", &token),
            ("origin", "*"),
        ])
        .await;
    assert_eq!(body["login"]["result"], "Aborted");
    assert_eq!(
        body["login"]["reason"],
        "Cannot log in when the same-origin policy is not applied."
    );
}

on_both_backends!(
    a_bot_password_logs_in_with_its_own_session_cookie,
    a_main_account_login_works_with_a_deprecation_warning,
    wrong_passwords_and_unknown_users_fail_alike,
    a_failed_login_reason_follows_the_errorformat,
    login_without_a_token_answers_need_token_and_the_token_then_works,
    a_made_up_token_is_a_wrong_token,
    a_token_without_a_session_means_the_session_was_lost,
    login_must_be_posted_and_keep_secrets_out_of_the_url,
    a_bot_password_session_cannot_log_in_again,
    grants_limit_what_a_bot_password_may_do,
    logout_needs_a_token_and_ends_the_session,
    clientlogin_passes_and_fails_like_mediawiki,
    a_main_login_replaces_the_session_and_its_tokens,
    sessions_survive_a_restart,
    cross_origin_requests_cannot_log_in,
);
