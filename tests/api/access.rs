//! Who may see what: stashed files need the upload right (grants too); a
//! private wiki (`*` without `read`) still lets clients log in but serves
//! files only to sessions with `read`, privately; cookies and pages carry
//! the headers that keep browsers safe.

use crate::helpers::*;
use crate::on_both_backends;

const BASIC_ONLY: &str = r#"
[[bot_passwords]]
user = "Uploader"
bot = "basiconly"
password = "uploaderbasicpassword0123456789ab"
grants = ["basic"]
"#;

const PRIVATE: &str = r#"
[group_permissions."*"]
read = false
"#;

fn base(app: &TestApp) -> String {
    app.api.trim_end_matches("/api.php").to_owned()
}

async fn logged_in_client(app: &TestApp, name: &str, password: &str) -> reqwest::Client {
    let client = new_client();
    let token = app.login_token_with(&client).await;
    let body = app
        .post_with(
            &client,
            &[
                ("action", "login"),
                ("lgname", name),
                ("lgpassword", password),
                ("lgtoken", &token),
            ],
        )
        .await;
    assert_eq!(body["login"]["result"], "Success", "{body}");
    client
}

async fn stashed_files_need_the_upload_right(backend: Backend) {
    // (This list replaces the seed's bot passwords: the owner logs in with
    // the main account.)
    let app = spawn_app_with(backend, BASIC_ONLY).await;
    let main = app.login("Uploader", USER_PASSWORD).await;
    assert_eq!(main["login"]["result"], "Success", "{main}");
    let stashed = app
        .upload(
            &[("filename", "Private work.png"), ("stash", "1")],
            Some(&png(8, 8, 1)),
        )
        .await;
    let key = stashed["upload"]["filekey"].as_str().expect("filekey");
    let url = format!("{}/index.php/Special:UploadStash/file/{key}", base(&app));
    let info = [
        ("action", "query"),
        ("prop", "stashimageinfo"),
        ("siifilekey", key),
        ("siiprop", "size"),
    ];
    // The owner sees it.
    let own = app.get(&info).await;
    assert_eq!(own["query"]["stashimageinfo"][0]["width"], 8, "{own}");
    assert_eq!(app.download(&url).await.status(), 200);
    // The same user through a bot password with only `basic` does not.
    let basic = logged_in_client(
        &app,
        "Uploader@basiconly",
        "uploaderbasicpassword0123456789ab",
    )
    .await;
    let refused = app.get_with(&basic, &info).await;
    assert_eq!(refused["error"]["code"], "permissiondenied", "{refused}");
    let file = basic.get(&url).send().await.expect("answered");
    assert_eq!(file.status(), 403);
}

async fn a_private_wiki_lets_clients_log_in_and_guards_its_files(backend: Backend) {
    let app = spawn_app_with(backend, PRIVATE).await;
    // Not read mode: tokens and login work anonymously...
    let anonymous = new_client();
    let tokens = app
        .get_with(
            &anonymous,
            &[
                ("action", "query"),
                ("meta", "tokens"),
                ("type", "login|csrf"),
            ],
        )
        .await;
    assert!(
        tokens["query"]["tokens"]["logintoken"].is_string(),
        "{tokens}"
    );
    // ...reading does not.
    let denied = app
        .get_with(&anonymous, &[("action", "query"), ("meta", "siteinfo")])
        .await;
    assert_eq!(denied["error"]["code"], "readapidenied", "{denied}");
    let denied = app
        .get_with(
            &anonymous,
            &[
                ("action", "query"),
                ("meta", "tokens"),
                ("titles", "File:X.png"),
            ],
        )
        .await;
    assert_eq!(denied["error"]["code"], "readapidenied", "{denied}");

    app.login_as_bot().await;
    for seed in [1, 2] {
        let body = app
            .upload(
                &[("filename", "Guarded.png"), ("ignorewarnings", "1")],
                Some(&png(40, 40, seed)),
            )
            .await;
        assert_eq!(body["upload"]["result"], "Success", "{body}");
    }
    let info = app
        .get(&[
            ("action", "query"),
            ("titles", "File:Guarded.png"),
            ("prop", "imageinfo"),
            ("iiprop", "url"),
            ("iilimit", "2"),
            ("iiurlwidth", "20"),
            ("formatversion", "2"),
        ])
        .await;
    let versions = &info["query"]["pages"][0]["imageinfo"];
    let urls = [
        versions[0]["url"].as_str().expect("current"),
        versions[1]["url"].as_str().expect("old version"),
        versions[0]["thumburl"].as_str().expect("thumbnail"),
    ];
    let thumb_php = format!("{}/thumb.php?f=Guarded.png&width=20", base(&app));
    for url in urls.iter().copied().chain([thumb_php.as_str()]) {
        let refused = anonymous.get(url).send().await.expect("answered");
        assert_eq!(refused.status(), 403, "{url}");
        let served = app.download(url).await;
        assert_eq!(served.status(), 200, "{url}");
        assert_eq!(served.headers()["cache-control"], "private", "{url}");
    }
}

async fn files_of_a_public_wiki_stay_public(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let body = app
        .upload(&[("filename", "Open.png")], Some(&png(8, 8, 3)))
        .await;
    let url = body["upload"]["imageinfo"]["url"].as_str().expect("url");
    let served = new_client().get(url).send().await.expect("answered");
    assert_eq!(served.status(), 200);
    let cache_control = served.headers().get("cache-control");
    assert!(
        cache_control.is_none_or(|v| !v.to_str().expect("text").contains("private")),
        "{cache_control:?}"
    );
}

async fn cookies_and_pages_carry_protective_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    let login = app
        .post_raw(&[
            ("action", "login"),
            ("lgname", BOT_LOGIN),
            ("lgpassword", BOT_PASSWORD),
            ("lgtoken", &token),
        ])
        .await;
    let cookies: Vec<&str> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("text"))
        .collect();
    assert!(!cookies.is_empty());
    for cookie in cookies {
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
    }
    for path in ["/index.php/Main_Page", "/index.php/File:Nothing_here.png"] {
        let page = new_client()
            .get(format!("{}{path}", base(&app)))
            .send()
            .await
            .expect("answered");
        let headers = page.headers();
        let csp = headers["content-security-policy"].to_str().expect("text");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
    }
}

on_both_backends!(
    stashed_files_need_the_upload_right,
    a_private_wiki_lets_clients_log_in_and_guards_its_files,
    files_of_a_public_wiki_stay_public,
    cookies_and_pages_carry_protective_headers,
);
