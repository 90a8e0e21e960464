//! The pages people use (issue 16) as a client without JavaScript sees
//! them: the main page's gallery, logging in and out through forms that
//! api.php answers, Special:Upload, Special:ListFiles and NewFiles, the
//! static files and the content security policy. The browser test
//! (`browser.rs`) drives the same pages in Chromium.

use serde_json::Value;

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
    // Thumbnails name the bytes they show (smaller than 250 px: the file).
    assert!(
        html.contains(&format!(
            "/Sunrise_one.png?{}\"",
            &sha1_hex(&png(40, 30, 1))[..12]
        )),
        "{html}"
    );
    for link in [
        "Special:Upload",
        "Special:ListFiles",
        "Special:UserLogin",
        "action=\"http://127.0.0.1",
        "/index.php/Special:Search\"",
        "name=\"search\"",
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

/// The form at `url`'s fields, sent back with `changes`: a browser
/// submitting the form after typing.
async fn submit(
    client: &reqwest::Client,
    url: &str,
    changes: &[(&str, &str)],
) -> reqwest::Response {
    let (status, form) = page(client, url).await;
    assert_eq!(status, 200, "{form}");
    let mut fields = vec![("token".to_owned(), hidden_value(&form, "token"))];
    for hidden in ["basetimestamp", "oldimage"] {
        if form.contains(&format!("name=\"{hidden}\"")) {
            fields.push((hidden.to_owned(), hidden_value(&form, hidden)));
        }
    }
    fields.extend(
        changes
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    client
        .post(url)
        .form(&fields)
        .send()
        .await
        .expect("form sent")
}

async fn file_page_actions_through_the_forms(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (first, second) = (png(300, 200, 1), png(300, 200, 2));
    for bytes in [&first, &second] {
        app.upload(
            &[("filename", "Lake.png"), ("ignorewarnings", "1")],
            Some(bytes),
        )
        .await;
    }
    let site = base(&app);
    let file_page = format!("{site}/index.php/File:Lake.png");
    let action = |name: &str| format!("{site}/index.php?title=File:Lake.png&action={name}");

    // Anonymous visitors see no actions; the forms' refusals are the API's.
    let anonymous = browser();
    let (_, html) = page(&anonymous, &file_page).await;
    assert!(
        !html.contains("action=delete") && !html.contains("action=revert"),
        "{html}"
    );
    let refused = submit(&anonymous, &action("delete"), &[("reason", "no")]).await;
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("Your account may not do this")
    );

    let admin = browser();
    assert_eq!(
        log_in(&admin, &app, "Admin", ADMIN_PASSWORD).await.status(),
        303
    );
    let (_, html) = page(&admin, &file_page).await;
    for link in [
        "action=edit",
        "action=move",
        "action=delete",
        "action=revert&#38;oldimage=",
        "wpDestFile=Lake.png",
    ] {
        assert!(html.contains(link), "{link} missing: {html}");
    }
    assert!(
        html.contains("/thumb/") && html.contains("120px-Lake.png"),
        "history thumbnails: {html}"
    );
    assert!(html.contains("300 × 200 pixels"), "{html}");
    // Thumbnails name the version they show, and are served as such.
    let thumb = html
        .split("src=\"")
        .find(|part| part.contains("120px-Lake.png?"))
        .and_then(|part| part.split('"').next())
        .expect("versioned thumbnail");
    let response = admin.get(thumb).send().await.expect("thumbnail");
    assert_eq!(response.status(), 200, "{thumb}");
    assert_eq!(response.headers()["content-type"], "image/png");

    // Edit: a preview shows the text and saves nothing; then save.
    let preview = submit(
        &admin,
        &action("edit"),
        &[("text", "A lake. [[Category:Lakes]]"), ("preview", "1")],
    )
    .await;
    let html = preview.text().await.expect("html");
    assert!(
        html.contains("<h2 id=\"preview-heading\">") && html.contains("A lake. [[Category:Lakes]]"),
        "{html}"
    );
    let saved = submit(
        &admin,
        &action("edit"),
        &[
            ("text", "A lake. [[Category:Lakes]]"),
            ("summary", "describe"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let (_, html) = page(&admin, &file_page).await;
    assert!(html.contains("Category:Lakes"), "{html}");

    // Revert to the first version: a third version with its bytes.
    let (_, html) = page(&admin, &file_page).await;
    let revert = html
        .split("href=\"")
        .find(|part| part.contains("action=revert"))
        .and_then(|part| part.split('"').next())
        .expect("revert link")
        .replace("&#38;", "&");
    let reverted = submit(&admin, &revert, &[("reason", "back")]).await;
    assert_eq!(reverted.status(), 303);
    let info = app
        .get(&[
            ("action", "query"),
            ("titles", "File:Lake.png"),
            ("prop", "imageinfo"),
            ("iiprop", "sha1"),
            ("iilimit", "5"),
            ("formatversion", "2"),
        ])
        .await;
    let versions = info["query"]["pages"][0]["imageinfo"]
        .as_array()
        .expect("versions");
    assert_eq!(versions.len(), 3, "{info}");
    assert_eq!(versions[0]["sha1"], sha1_hex(&first));

    // Delete, then the missing page offers undelete, which restores it.
    let forged = admin
        .post(action("delete"))
        .form(&[("token", "+\\"), ("reason", "x")])
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 400);
    assert_eq!(
        submit(&admin, &action("delete"), &[("reason", "test")])
            .await
            .status(),
        303
    );
    let (status, html) = page(&admin, &file_page).await;
    assert_eq!(status, 404);
    assert!(html.contains("action=undelete"), "{html}");
    assert_eq!(
        submit(&admin, &action("undelete"), &[("reason", "back")])
            .await
            .status(),
        303
    );
    let (status, _) = page(&admin, &file_page).await;
    assert_eq!(status, 200);

    // Move: the File page and its file go to the new name.
    let moved = submit(
        &admin,
        &action("move"),
        &[("target", "File:Mountain lake.png"), ("reason", "better")],
    )
    .await;
    assert_eq!(moved.status(), 303);
    assert_eq!(
        moved.headers()["location"],
        format!("{site}/index.php/File:Mountain_lake.png")
    );
    let (status, html) = page(&admin, &format!("{site}/index.php/File:Mountain_lake.png")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Mountain_lake.png"), "{html}");

    // Special:Log tells all of it; its filters are the API's.
    let log = format!("{site}/index.php/Special:Log");
    let (_, html) = page(&admin, &log).await;
    for words in [
        "Uploader</a> uploaded <a",
        "uploaded a new version of <a",
        "Admin</a> deleted <a",
        "Admin</a> undeleted <a",
        "File:Mountain lake.png</a>",
        "(better)",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    let (_, html) = page(&admin, &format!("{log}?type=move")).await;
    assert!(
        html.contains(" moved <a") && !html.contains(" deleted <a"),
        "{html}"
    );
    let (_, html) = page(&admin, &format!("{log}?user=Nobody+here")).await;
    assert!(html.contains("No log entries match."), "{html}");

    // A user's page shows the files whose current version the user
    // uploaded (the revert made the administrator the lake's uploader).
    let (status, html) = page(&admin, &format!("{site}/index.php/User:Admin")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Files uploaded by Admin"), "{html}");
    assert!(html.contains("File:Mountain_lake.png\""), "{html}");
    let (_, html) = page(&admin, &format!("{site}/index.php/User:Uploader")).await;
    assert!(
        html.contains("Uploader has not uploaded any files."),
        "{html}"
    );

    // The category the description put the file in shows it; a page that
    // shows the file is listed under "File usage".
    let (status, html) = page(&admin, &format!("{site}/index.php/Category:Lakes")).await;
    assert_eq!(status, 200);
    assert!(html.contains("/250px-Mountain_lake.png?"), "{html}");
    assert!(html.contains(">Mountain lake.png</a>"), "{html}");
    let token = app.csrf_token().await;
    let edit = app
        .post(&[
            ("action", "edit"),
            ("title", "Lake trip"),
            (
                "text",
                "[[File:Mountain lake.png|thumb]] [[Category:Lakes]]",
            ),
            ("token", &token),
        ])
        .await;
    assert_eq!(edit["edit"]["result"], "Success", "{edit}");
    let (_, html) = page(&admin, &format!("{site}/index.php/File:Mountain_lake.png")).await;
    assert!(
        html.contains("<h2 id=\"file-usage-heading\">File usage</h2>"),
        "{html}"
    );
    assert!(
        html.contains("/index.php/Lake_trip\">Lake trip</a>"),
        "{html}"
    );
    let (_, html) = page(&admin, &format!("{site}/index.php/Category:Lakes")).await;
    assert!(
        html.contains("Pages in this category") && html.contains(">Lake trip</a>"),
        "{html}"
    );
}

/// Page and File page texts are shown rendered (`action=parse`'s subset),
/// markup from the text escaped.
async fn page_texts_are_rendered_and_escaped(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let description = "A '''calm''' lake, see [[Lake trip]].\n\n<script>alert(1)</script>";
    let answer = app
        .upload(
            &[("filename", "Calm lake.png"), ("text", description)],
            Some(&png(30, 20, 77)),
        )
        .await;
    assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    let url = format!("{}/index.php/File:Calm_lake.png", base(&app));
    let (status, html) = page(&browser(), &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("<b>calm</b>"), "{html}");
    // A link to a missing page is a red link to it.
    assert!(html.contains("class=\"new\""), "{html}");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<pre>"), "{html}");
}

on_both_backends!(
    page_texts_are_rendered_and_escaped,
    main_page_shows_recent_uploads_and_the_way_around,
    logging_in_and_out_through_the_forms,
    list_files_as_gallery_and_table_filtered_and_paged,
    file_page_actions_through_the_forms,
    bot_passwords_made_changed_and_revoked_through_the_page,
    the_bot_password_api_needs_a_post_and_a_token,
    thumbnail_urls_change_when_the_file_changes,
    search_finds_files_by_name_and_by_description,
);

/// The text between `<code id="ID">` and `</code>`.
fn code_text(html: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in {html}"))
        + marker.len();
    let end = html[start..].find("</code>").expect("closing tag") + start;
    html[start..end].to_owned()
}

/// A bot password's form sent: `op` with the page's token and `grants`.
async fn send_bot_form(
    client: &reqwest::Client,
    url: &str,
    op: &str,
    grants: &[&str],
    extra: &[(&str, &str)],
) -> (u16, String, String) {
    let (status, form) = page(client, url).await;
    assert_eq!(status, 200, "{form}");
    let token = hidden_value(&form, "token");
    let mut fields = vec![("token", token.as_str()), ("op", op)];
    fields.extend(grants.iter().map(|g| ("grants", *g)));
    fields.extend_from_slice(extra);
    let response = client.post(url).form(&fields).send().await.expect("sent");
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (status, response.text().await.expect("html"), cache)
}

/// A fresh API client logged in as `name` with `password`; the login's
/// result.
async fn api_login(app: &TestApp, name: &str, password: &str) -> (reqwest::Client, Value) {
    let client = new_client();
    let token = app.login_token_with(&client).await;
    let answer = app
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
    (client, answer)
}

async fn bot_passwords_made_changed_and_revoked_through_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let site = base(&app);
    let list = format!("{site}/index.php/Special:BotPasswords");
    let anonymous = browser();
    let response = anonymous.get(&list).send().await.expect("page");
    assert_eq!(response.status(), 303, "anonymous visitors log in first");
    assert!(
        response.headers()["location"]
            .to_str()
            .expect("ascii")
            .contains("Special:UserLogin?returnto=Special:BotPasswords")
    );

    let owner = browser();
    assert_eq!(
        log_in(&owner, &app, "Uploader", USER_PASSWORD)
            .await
            .status(),
        303
    );
    let (status, html) = page(&owner, &list).await;
    assert_eq!(status, 200, "{html}");
    for seeded in [
        "Special:BotPasswords/bot\">bot</a>",
        "Special:BotPasswords/nourl\">nourl</a>",
    ] {
        assert!(html.contains(seeded), "{seeded}: {html}");
    }
    assert!(
        html.contains("Special:BotPasswords\">Bot passwords</a>"),
        "navigation: {html}"
    );
    let response = owner
        .get(format!("{list}?appid=ci"))
        .send()
        .await
        .expect("new bot");
    assert_eq!(response.status(), 303);
    let form_url = format!("{list}/ci");
    assert_eq!(response.headers()["location"], form_url.as_str());
    let (_, html) = page(&owner, &form_url).await;
    assert!(html.contains("<code>Uploader@ci</code>"), "{html}");
    assert!(
        html.contains("name=\"grants\" value=\"uploadfile\"")
            && html.contains("<legend>Files</legend>")
            && html.contains("Rights: upload, reupload-own"),
        "{html}"
    );
    assert!(html.contains("Not supported"), "restrictions: {html}");

    // A form sent without the session's token changes nothing.
    let forged = owner
        .post(&form_url)
        .form(&[("token", "+\\"), ("op", "create"), ("grants", "uploadfile")])
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 400);
    let listed = app
        .get_with(
            &owner,
            &[
                ("action", "query"),
                ("meta", "botpasswords"),
                ("formatversion", "2"),
            ],
        )
        .await;
    let names: Vec<&str> = listed["query"]["botpasswords"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|b| b["appid"].as_str())
        .collect();
    assert_eq!(names, ["bot", "nourl"], "{listed}");

    // Created: the password is shown once, on a page no cache keeps.
    let (status, html, cache) = send_bot_form(
        &owner,
        &form_url,
        "create",
        &["uploadfile", "editpage"],
        &[],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(cache, "no-store");
    assert_eq!(code_text(&html, "bot-username"), "Uploader@ci");
    let password = code_text(&html, "bot-password");
    assert_eq!(password.len(), 32, "{password}");
    let (_, html) = page(&owner, &form_url).await;
    assert!(!html.contains(&password), "shown only once");
    assert!(
        html.contains("value=\"uploadfile\" aria-describedby=\"grant-uploadfile-rights\" checked"),
        "{html}"
    );
    let (status, _, _) = send_bot_form(&owner, &form_url, "create", &[], &[]).await;
    assert_eq!(status, 400, "a second bot of the same name is refused");

    // The bot logs in with it and uploads, within its grants only.
    let (bot, answer) = api_login(&app, "Uploader@ci", &password).await;
    assert_eq!(answer["login"]["result"], "Success", "{answer}");
    let uploaded = app
        .upload_with(
            &bot,
            &[("filename", "From the CI bot.png")],
            Some(&png(10, 10, 4)),
        )
        .await;
    assert_eq!(uploaded["upload"]["result"], "Success", "{uploaded}");
    let rights = app
        .get_with(
            &bot,
            &[
                ("action", "query"),
                ("meta", "userinfo"),
                ("uiprop", "rights"),
            ],
        )
        .await;
    let rights = rights["query"]["userinfo"]["rights"].to_string();
    assert!(
        rights.contains("\"upload\"") && !rights.contains("\"move\""),
        "{rights}"
    );
    // A bot cannot manage bot passwords, not even list them.
    let token = app
        .get_with(&bot, &[("action", "query"), ("meta", "tokens")])
        .await["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("token")
        .to_owned();
    let refused = app
        .post_with(
            &bot,
            &[
                ("action", "botpasswords"),
                ("operation", "create"),
                ("appid", "more"),
                ("grants", "delete"),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(refused["error"]["code"], "permissiondenied", "{refused}");
    let refused = app
        .get_with(&bot, &[("action", "query"), ("meta", "botpasswords")])
        .await;
    assert_eq!(refused["error"]["code"], "permissiondenied", "{refused}");

    // New grants end the bot's sessions (as MediaWiki's new token does).
    let (status, html, _) = send_bot_form(&owner, &form_url, "update", &["uploadfile"], &[]).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        !html.contains("id=\"bot-password\""),
        "no new password: {html}"
    );
    let who = app
        .get_with(&bot, &[("action", "query"), ("meta", "userinfo")])
        .await;
    assert_eq!(who["query"]["userinfo"]["anon"], "", "logged out: {who}");

    // A reset makes a new password; the old one stops working.
    let (status, html, _) = send_bot_form(
        &owner,
        &form_url,
        "update",
        &["uploadfile"],
        &[("resetpassword", "1")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let new_password = code_text(&html, "bot-password");
    assert_ne!(new_password, password);
    let (_, answer) = api_login(&app, "Uploader@ci", &password).await;
    assert_eq!(answer["login"]["result"], "Failed", "{answer}");
    let (_, answer) = api_login(&app, "Uploader@ci", &new_password).await;
    assert_eq!(answer["login"]["result"], "Success", "{answer}");

    // Only one's own: the administrator sees and reaches none of them.
    let admin = browser();
    assert_eq!(
        log_in(&admin, &app, "Admin", ADMIN_PASSWORD).await.status(),
        303
    );
    let (_, html) = page(&admin, &list).await;
    assert!(html.contains("You have no bot passwords."), "{html}");
    let (status, html, _) = send_bot_form(&admin, &form_url, "delete", &[], &[]).await;
    assert_eq!(status, 400);
    assert!(html.contains("You have no bot password named"), "{html}");
    let (_, answer) = api_login(&app, "Uploader@ci", &new_password).await;
    assert_eq!(
        answer["login"]["result"], "Success",
        "still there: {answer}"
    );

    // Revoked: the bot can no longer log in.
    let (status, html, _) = send_bot_form(&owner, &form_url, "delete", &[], &[]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("was revoked"), "{html}");
    let (_, answer) = api_login(&app, "Uploader@ci", &new_password).await;
    assert_eq!(answer["login"]["result"], "Failed", "{answer}");
    let (_, html) = page(&owner, &list).await;
    assert!(!html.contains("Special:BotPasswords/ci\""), "{html}");
}

/// `action=botpasswords` is a write module: POSTed, with a token, and
/// answering in MediaWiki's error shapes.
async fn the_bot_password_api_needs_a_post_and_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = app
        .get(&[("action", "query"), ("meta", "botpasswords")])
        .await;
    assert_eq!(answer["error"]["code"], "notloggedin", "{answer}");
    let (client, login) = api_login(&app, "Uploader", USER_PASSWORD).await;
    assert_eq!(login["login"]["result"], "Success", "{login}");
    let answer = app
        .post_with(
            &client,
            &[
                ("action", "botpasswords"),
                ("operation", "create"),
                ("appid", "x"),
            ],
        )
        .await;
    assert_eq!(answer["error"]["code"], "missingparam", "{answer}");
    let token = app
        .get_with(&client, &[("action", "query"), ("meta", "tokens")])
        .await["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("token")
        .to_owned();
    let params = [
        ("action", "botpasswords"),
        ("operation", "create"),
        ("appid", "x"),
        ("grants", "uploadfile|nosuchgrant"),
        ("token", token.as_str()),
    ];
    let answer = app.get_with(&client, &params).await;
    assert_eq!(answer["error"]["code"], "mustpostparams", "{answer}");
    let answer = app.post_with(&client, &params).await;
    assert_eq!(answer["botpasswords"]["username"], "Uploader@x", "{answer}");
    assert_eq!(
        answer["botpasswords"]["grants"],
        serde_json::json!(["uploadfile"])
    );
    assert!(
        answer["warnings"]["botpasswords"]
            .to_string()
            .contains("nosuchgrant"),
        "{answer}"
    );
    let answer = app
        .post_with(
            &client,
            &[
                ("action", "botpasswords"),
                ("operation", "update"),
                ("appid", "bad name"),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(answer["error"]["code"], "invalidappid", "{answer}");
    let listed = app
        .get_with(&client, &[("action", "query"), ("meta", "botpasswords")])
        .await;
    let x = listed["query"]["botpasswords"]
        .as_array()
        .expect("list")
        .iter()
        .find(|b| b["appid"] == "x")
        .expect("listed")
        .clone();
    assert_eq!(x["grants"], serde_json::json!(["uploadfile"]), "{listed}");
    assert!(x["created"].as_str().expect("time").ends_with('Z'), "{x}");
    // Described like the other modules.
    let help = app
        .get(&[
            ("action", "help"),
            ("modules", "botpasswords|query+botpasswords"),
            ("formatversion", "2"),
        ])
        .await
        .to_string();
    assert!(
        help.contains("one of your own bot passwords")
            && help.contains("List your own bot passwords")
            && help.contains("The bot's name"),
        "{help}"
    );
}

async fn search_finds_files_by_name_and_by_description(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    for (name, text, seed) in [
        ("Red fox.png", "A picture of an animal.", 1),
        ("Snowy owl.png", "An owl watching a fox <b>hunt</b>.", 2),
        ("Blue sky.png", "Clouds only.", 3),
    ] {
        let answer = app
            .upload(
                &[("filename", name), ("text", text)],
                Some(&png(60, 40, seed)),
            )
            .await;
        assert_eq!(answer["upload"]["result"], "Success", "{answer}");
    }
    let client = browser();
    let search = format!("{}/index.php/Special:Search", base(&app));
    let (status, html) = page(&client, &search).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"search-query\""), "{html}");
    assert!(
        !html.contains("search-results"),
        "no search, no results: {html}"
    );

    let (status, html) = page(&client, &format!("{search}?search=fox")).await;
    assert_eq!(status, 200, "{html}");
    let names = html.find("File name matches").expect("the names section");
    let descriptions = html
        .find("Description matches")
        .expect("the descriptions section");
    let fox = html.find("File:Red_fox.png\"").expect("found by name");
    let owl = html
        .find("File:Snowy_owl.png\"")
        .expect("found by description");
    assert!(
        names < fox && fox < descriptions && descriptions < owl,
        "{html}"
    );
    assert!(!html.contains("Blue_sky.png"), "{html}");
    // The description's matching line, escaped, the word marked.
    assert!(
        html.contains("An owl watching a <mark>fox</mark> &#60;b&#62;hunt&#60;/b&#62;."),
        "{html}"
    );
    // Thumbnails (smaller than 120 px: the file), named by their bytes.
    let info = app
        .get(&[
            ("action", "query"),
            ("titles", "File:Red fox.png"),
            ("prop", "imageinfo"),
            ("iiprop", "sha1"),
            ("formatversion", "2"),
        ])
        .await;
    let sha1 = info["query"]["pages"][0]["imageinfo"][0]["sha1"]
        .as_str()
        .expect("sha1")
        .to_owned();
    assert!(
        html.contains(&format!("/Red_fox.png?{}\"", &sha1[..12])),
        "{html}"
    );

    // One kind at a time, paged.
    let (_, html) = page(&client, &format!("{search}?search=fox&what=text&offset=0")).await;
    assert!(
        html.contains("Snowy_owl.png") && !html.contains("File name matches"),
        "{html}"
    );
    let (_, html) = page(&client, &format!("{search}?search=zebra")).await;
    assert!(html.contains("No files match."), "{html}");
}

/// The `src` of the first `<img>` whose URL contains `marker`, unescaped.
fn image_source(html: &str, marker: &str) -> String {
    html.split("src=\"")
        .find(|part| {
            part.split('"')
                .next()
                .is_some_and(|src| src.contains(marker))
        })
        .and_then(|part| part.split('"').next())
        .unwrap_or_else(|| panic!("no image {marker} in {html}"))
        .replace("&#38;", "&")
}

/// A re-uploaded file's thumbnail is a new URL in galleries and on its
/// File page, so no browser shows the old picture from its cache
/// (thumbnails are cached a day).
async fn thumbnail_urls_change_when_the_file_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let client = browser();
    let site = base(&app);
    let mut seen = Vec::new();
    for seed in [1, 2] {
        let bytes = png(1000, 200, seed);
        let answer = app
            .upload(
                &[("filename", "Changing.png"), ("ignorewarnings", "1")],
                Some(&bytes),
            )
            .await;
        assert_eq!(answer["upload"]["result"], "Success", "{answer}");
        let version = &sha1_hex(&bytes)[..12];
        let (_, list) = page(&client, &format!("{site}/index.php/Special:ListFiles")).await;
        let src = image_source(&list, "/250px-Changing.png");
        assert!(
            src.ends_with(&format!("/250px-Changing.png?{version}")),
            "{src}"
        );
        let (_, main) = page(&client, &format!("{site}/index.php/Main_Page")).await;
        assert_eq!(image_source(&main, "/250px-Changing.png"), src);
        let thumbnail = client.get(&src).send().await.expect("thumbnail");
        assert_eq!(thumbnail.status(), 200);
        assert_eq!(thumbnail.headers()["content-type"], "image/png");
        let (_, file_page) = page(&client, &format!("{site}/index.php/File:Changing.png")).await;
        let shown = image_source(&file_page, "/800px-Changing.png");
        assert!(shown.ends_with(&format!("?{version}")), "{shown}");
        seen.push((src, thumbnail.bytes().await.expect("bytes")));
    }
    assert_ne!(seen[0].0, seen[1].0, "the thumbnail's URL");
    assert_ne!(seen[0].1, seen[1].1, "the new picture");
}
