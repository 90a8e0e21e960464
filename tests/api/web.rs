//! The pages people use (issue 16) as a client without JavaScript sees
//! them: the main page's gallery, logging in and out through forms that
//! api.php answers, Special:Upload, Special:ListFiles and NewFiles, the
//! static files and the content security policy. The browser test
//! (`browser.rs`) drives the same pages in Chromium.

use crate::helpers::*;
use crate::on_both_backends;

fn base(app: &TestApp) -> String {
    app.api.trim_end_matches("/api.php").to_owned()
}

/// A browser-like client: cookies kept, redirects not followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.expect("page");
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

/// The value of `<input ... name="NAME" value="...">` in a form.
fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end]
        .replace("&#43;", "+")
        .replace("&#92;", "\\")
}

async fn log_in(
    client: &reqwest::Client,
    app: &TestApp,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let login_url = format!("{}/index.php/Special:UserLogin", base(app));
    let (status, form) = page(client, &format!("{login_url}?returnto=Special:ListFiles")).await;
    assert_eq!(status, 200, "{form}");
    let token = hidden_value(&form, "logintoken");
    client
        .post(&login_url)
        .form(&[
            ("logintoken", token.as_str()),
            ("returnto", "Special:ListFiles"),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .expect("login post")
}

async fn main_page_shows_recent_uploads_and_the_way_around(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    for (name, seed) in [("Sunrise one.png", 1), ("Sunrise two.png", 2)] {
        let answer = app
            .upload(
                &[("filename", name), ("ignorewarnings", "1")],
                Some(&png(40, 30, seed)),
            )
            .await;
        assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    }
    let client = browser();
    let response = client
        .get(format!("{}/index.php/Main_Page", base(&app)))
        .send()
        .await
        .expect("main page");
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = response.text().await.expect("html");
    // Newest first, each a link to its File page around a thumbnail.
    let two = html
        .find("/index.php/File:Sunrise_two.png\"")
        .expect("second upload shown");
    let one = html
        .find("/index.php/File:Sunrise_one.png\"")
        .expect("first upload shown");
    assert!(two < one, "newest first");
    assert!(
        html.contains("Special:Redirect/file/Sunrise_one.png&#38;width=250"),
        "{html}"
    );
    for link in [
        "Special:Upload",
        "Special:ListFiles",
        "Special:UserLogin",
        "name=\"prefix\"",
    ] {
        assert!(html.contains(link), "{link} missing");
    }
    // Anonymous visitors get no script at all.
    assert!(!html.contains("<script"), "{html}");

    let thumb = client
        .get(format!(
            "{}/index.php?title=Special:Redirect/file/Sunrise_one.png&width=250",
            base(&app)
        ))
        .send()
        .await
        .expect("thumb redirect");
    assert_eq!(thumb.status(), 301);

    let stylesheet = html
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("stylesheet link")
        .replace("&#38;", "&");
    let css = client.get(&stylesheet).send().await.expect("css");
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert!(
        css.text()
            .await
            .expect("css")
            .contains("prefers-color-scheme: dark")
    );
    let missing = client
        .get(format!("{}/static/nothing.js", base(&app)))
        .send()
        .await
        .expect("404");
    assert_eq!(missing.status(), 404);
}

async fn logging_in_and_out_through_the_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = browser();
    let upload_url = format!("{}/index.php/Special:Upload", base(&app));
    let (status, _) = page(&client, &upload_url).await;
    assert_eq!(status, 403, "anonymous visitors cannot upload");

    let refused = log_in(&client, &app, "Uploader", "wrong password").await;
    assert_eq!(refused.status(), 400);
    let html = refused.text().await.expect("html");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("Incorrect username or password entered."),
        "{html}"
    );

    let accepted = log_in(&client, &app, "Uploader", "uploaderpass12345").await;
    assert_eq!(accepted.status(), 303);
    assert_eq!(
        accepted.headers()["location"],
        format!("{}/index.php/Special:ListFiles", base(&app))
    );
    // The page's login is the API's login: the same session.
    let who = app
        .get_with(&client, &[("action", "query"), ("meta", "userinfo")])
        .await;
    assert_eq!(who["query"]["userinfo"]["name"], "Uploader", "{who}");

    let (status, html) = page(&client, &upload_url).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-api=\""), "{html}");
    assert!(html.contains(&format!("data-api=\"{}\"", app.api)));
    assert!(html.contains("data-chunk-size=\"1048576\""));
    assert!(html.contains("<script src=\"") && html.contains("/static/uploader.js?v="));
    assert!(html.contains(">Uploader</a>") && html.contains("Special:UserLogout"));
    let script = html
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("script")
        .replace("&#38;", "&");
    let js = client.get(&script).send().await.expect("js");
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(js.text().await.expect("js").contains("checkstatus"));

    let logout_url = format!("{}/index.php/Special:UserLogout", base(&app));
    let (_, form) = page(&client, &logout_url).await;
    let forged = client
        .post(&logout_url)
        .form(&[("token", "not a token")])
        .send()
        .await
        .expect("forged logout");
    assert_eq!(forged.status(), 400, "a wrong token logs nobody out");
    let token = hidden_value(&form, "token");
    let out = client
        .post(&logout_url)
        .form(&[("token", token.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    let who = app
        .get_with(&client, &[("action", "query"), ("meta", "userinfo")])
        .await;
    assert_eq!(who["query"]["userinfo"]["anon"], "", "{who}");
    let (status, _) = page(&client, &upload_url).await;
    assert_eq!(status, 403);
}

async fn list_files_as_gallery_and_table_filtered_and_paged(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    app.upload(
        &[("filename", "Admin cat.png"), ("ignorewarnings", "1")],
        Some(&png(8, 8, 9)),
    )
    .await;
    let token = app.csrf_token().await;
    app.post(&[("action", "logout"), ("token", &token)]).await;
    app.login_as_bot().await;
    for i in 0..3 {
        let name = format!("Bird {i}.png");
        app.upload(
            &[("filename", &name), ("ignorewarnings", "1")],
            Some(&png(20, 10, i)),
        )
        .await;
    }
    let client = browser();
    let list = format!("{}/index.php/Special:ListFiles", base(&app));

    let (status, html) = page(&client, &list).await;
    assert_eq!(status, 200);
    let admin = html.find("File:Admin_cat.png\"").expect("listed");
    let bird = html.find("File:Bird_0.png\"").expect("listed");
    assert!(admin < bird, "by name");

    let (_, html) = page(&client, &format!("{list}?user=Uploader&view=table")).await;
    assert!(html.contains("<table class=\"files\">"), "{html}");
    assert!(
        html.contains("Bird_2.png") && !html.contains("Admin_cat.png"),
        "{html}"
    );
    assert!(html.contains("<td>20 × 10</td>"), "{html}");

    let (_, html) = page(&client, &format!("{list}?prefix=Adm")).await;
    assert!(html.contains("Admin_cat.png") && !html.contains("Bird_1.png"));

    let (_, html) = page(&client, &format!("{list}?mime=image/jpeg")).await;
    assert!(html.contains("No files match."), "{html}");

    // A filter the API refuses is shown as the API words it.
    let (status, html) = page(&client, &format!("{list}?sort=name&user=Uploader")).await;
    assert_eq!(status, 200);
    assert!(html.contains("The list could not be read"), "{html}");

    let newest = format!("{}/index.php/Special:NewFiles", base(&app));
    let (_, html) = page(&client, &newest).await;
    let admin = html.find("File:Admin_cat.png\"").expect("listed");
    let bird = html.find("File:Bird_2.png\"").expect("listed");
    assert!(bird < admin, "newest first");

    let (_, html) = page(&client, &format!("{newest}?from=2000-01-01&to=2000-12-31")).await;
    assert!(html.contains("No files match."), "{html}");
}

on_both_backends!(
    main_page_shows_recent_uploads_and_the_way_around,
    logging_in_and_out_through_the_forms,
    list_files_as_gallery_and_table_filtered_and_paged,
);
