//! Pages beyond what the reference's transcripts show: the rights and
//! grants of editing, every error of action=edit, undo, re-creation after
//! a deletion, link tables after every kind of change, moves, deletions
//! and undeletions of ordinary pages, and the pages index.php serves.

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

/// Two bot passwords of Uploader (in place of the seeded ones): one that
/// may only edit, one that may not even do that.
const GRANTS: &str = r#"
[[bot_passwords]]
user = "Uploader"
bot = "editonly"
password = "uploadereditpassword0123456789abcd"
grants = ["basic", "editpage"]

[[bot_passwords]]
user = "Uploader"
bot = "readonly"
password = "uploaderbasicpassword0123456789abc"
grants = ["basic"]
"#;

impl TestApp {
    /// POST action=edit with the client's CSRF token.
    async fn edit_with(&self, client: &reqwest::Client, params: &[(&str, &str)]) -> Value {
        let token = self
            .get_with(client, &[("action", "query"), ("meta", "tokens")])
            .await["query"]["tokens"]["csrftoken"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut all = vec![("action", "edit"), ("token", token.as_str())];
        all.extend_from_slice(params);
        self.post_with(client, &all).await
    }

    async fn edit(&self, params: &[(&str, &str)]) -> Value {
        self.edit_with(&self.client, params).await
    }

    async fn text_of(&self, title: &str) -> String {
        let body = self
            .get(&[
                ("action", "query"),
                ("prop", "revisions"),
                ("titles", title),
                ("rvprop", "content"),
                ("rvslots", "main"),
                ("formatversion", "2"),
            ])
            .await;
        body["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn action(&self, params: &[(&str, &str)]) -> Value {
        let token = self.csrf_token().await;
        let mut all = vec![("token", token.as_str())];
        all.extend_from_slice(params);
        self.post(&all).await
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(no error)")
}

async fn bot(app: &TestApp, name: &str, password: &str) -> reqwest::Client {
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

async fn editing_needs_the_rights_and_grants_mediawiki_asks_for(backend: Backend) {
    let app = spawn_app_with(backend, GRANTS).await;
    // Anonymous visitors edit as their address, with the anonymous token.
    let anonymous = app
        .post(&[
            ("action", "edit"),
            ("title", "Anonymous page"),
            ("text", "By nobody."),
            ("token", "+\\"),
        ])
        .await;
    assert_eq!(anonymous["edit"]["result"], "Success", "{anonymous}");
    let history = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", "Anonymous page"),
            ("rvprop", "user|userid|comment"),
        ])
        .await;
    let revision =
        &history["query"]["pages"][anonymous["edit"]["pageid"].to_string()]["revisions"][0];
    assert_eq!(revision["user"], "127.0.0.1", "{history}");
    assert_eq!(revision["anon"], "");
    assert_eq!(revision["userid"], 0);
    assert_eq!(revision["comment"], "Created page with \"By nobody.\"");

    // `editpage` edits but does not create; without it nothing is allowed.
    let edit_only = bot(
        &app,
        "Uploader@editonly",
        "uploadereditpassword0123456789abcd",
    )
    .await;
    let created = app
        .edit_with(&edit_only, &[("title", "Brand new"), ("text", "x")])
        .await;
    assert_eq!(code(&created), "cantcreate", "{created}");
    assert_eq!(
        created["error"]["info"],
        "You do not have permission to create new pages."
    );
    let edited = app
        .edit_with(
            &edit_only,
            &[("title", "Anonymous page"), ("text", "Edited.")],
        )
        .await;
    assert_eq!(edited["edit"]["result"], "Success", "{edited}");
    let read_only = bot(
        &app,
        "Uploader@readonly",
        "uploaderbasicpassword0123456789abc",
    )
    .await;
    let refused = app
        .edit_with(&read_only, &[("title", "Anonymous page"), ("text", "No.")])
        .await;
    assert_eq!(code(&refused), "permissiondenied", "{refused}");

    // Minor edits need `minoredit`; `notminor` wins. (The extra bot
    // passwords replace the seeded ones: log in as Admin.)
    app.login_as_admin().await;
    let minor = app
        .edit(&[
            ("title", "Anonymous page"),
            ("text", "Minor."),
            ("minor", "1"),
        ])
        .await;
    let flags = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("revids", &minor["edit"]["newrevid"].to_string()),
            ("rvprop", "flags"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        flags["query"]["pages"][0]["revisions"][0]["minor"], true,
        "{flags}"
    );
    let tags = app
        .edit(&[
            ("title", "Anonymous page"),
            ("text", "x"),
            ("tags", "sometag"),
        ])
        .await;
    assert_eq!(code(&tags), "badtags");
}

async fn edit_errors_are_mediawikis(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let page = "Errors page";
    let created = app
        .edit(&[
            ("title", page),
            ("text", "Intro.\n\n== One ==\nFirst.\n\n== Two ==\nSecond."),
        ])
        .await;
    assert_eq!(created["edit"]["new"], "", "{created}");
    for (params, expected) in [
        (
            vec![("title", page), ("section", "x"), ("text", "y")],
            "invalidsection",
        ),
        (
            vec![("title", page), ("section", "7"), ("text", "y")],
            "nosuchsection",
        ),
        (
            vec![("title", page), ("section", "T-1"), ("text", "y")],
            "nosuchsection",
        ),
        (
            vec![("title", page), ("appendtext", "y"), ("md5", "0")],
            "badmd5",
        ),
        (vec![("title", page), ("undo", "999999")], "nosuchrevid"),
        (vec![("title", "Bad[title"), ("text", "y")], "invalidtitle"),
        (vec![("pageid", "999999"), ("text", "y")], "nosuchpageid"),
        (
            vec![("title", page), ("pageid", "1"), ("text", "y")],
            "invalidparammix",
        ),
        (
            vec![("title", page), ("text", "y"), ("contentmodel", "css")],
            "badvalue",
        ),
        (
            vec![
                ("title", page),
                ("text", "y"),
                ("contentformat", "text/css"),
            ],
            "badvalue",
        ),
        (
            vec![("title", page), ("text", "y"), ("redirect", "1")],
            "redirect-appendonly",
        ),
    ] {
        let body = app.edit(&params).await;
        assert_eq!(code(&body), expected, "{params:?}: {body}");
    }
    let too_big = "x".repeat(2 * 1024 * 1024 + 1);
    let body = app.edit(&[("title", page), ("text", &too_big)]).await;
    assert_eq!(code(&body), "contenttoobig", "{body}");
    assert_eq!(
        body["error"]["info"],
        "The content you supplied exceeds the article size limit of 2,048 kibibytes."
    );
    // A section's text, appended to by MD5 of what was sent.
    let md5 = hex::encode(<md5::Md5 as md5::Digest>::digest(b"\nMore."));
    let appended = app
        .edit(&[
            ("title", page),
            ("section", "2"),
            ("appendtext", "\nMore."),
            ("md5", &md5),
        ])
        .await;
    assert_eq!(appended["edit"]["result"], "Success", "{appended}");
    assert_eq!(
        app.text_of(page).await,
        "Intro.\n\n== One ==\nFirst.\n\n== Two ==\nSecond.\nMore."
    );
    let zero = app
        .edit(&[("title", page), ("section", "0"), ("text", "New intro.")])
        .await;
    assert_eq!(zero["edit"]["result"], "Success", "{zero}");
    assert!(
        app.text_of(page)
            .await
            .starts_with("New intro.\n\n== One ==")
    );
    // A revision of another page cannot be undone here.
    app.edit(&[("title", "Other page"), ("text", "Other.")])
        .await;
    let other = app
        .edit(&[("title", "Other page"), ("text", "Other, again.")])
        .await;
    let body = app
        .edit(&[
            ("title", page),
            ("undo", &other["edit"]["newrevid"].to_string()),
        ])
        .await;
    assert_eq!(code(&body), "revwrongpage", "{body}");
    assert_eq!(
        body["error"]["info"],
        format!(
            "r{} is not a revision of Errors page.",
            other["edit"]["newrevid"]
        )
    );
}

async fn undo_merges_around_later_edits(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let page = "Undo page";
    app.edit(&[("title", page), ("text", "one\ntwo\nthree\nfour")])
        .await;
    let middle = app
        .edit(&[("title", page), ("text", "one\nTWO\nthree\nfour")])
        .await;
    app.edit(&[("title", page), ("text", "one\nTWO\nthree\nFOUR")])
        .await;
    let undone = app
        .edit(&[
            ("title", page),
            ("undo", &middle["edit"]["newrevid"].to_string()),
        ])
        .await;
    assert_eq!(undone["edit"]["result"], "Success", "{undone}");
    assert_eq!(app.text_of(page).await, "one\ntwo\nthree\nFOUR");
    let comment = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", page),
            ("rvprop", "comment"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        comment["query"]["pages"][0]["revisions"][0]["comment"],
        format!(
            "Undo revision {} by [[Special:Contributions/Uploader|Uploader]] ([[User talk:Uploader|talk]])",
            middle["edit"]["newrevid"]
        )
    );
    // Undoing the edit whose line changed since conflicts.
    app.edit(&[("title", page), ("text", "one\ntwo\nthree\nVIER")])
        .await;
    let third = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", page),
            ("rvprop", "ids"),
            ("rvlimit", "max"),
            ("formatversion", "2"),
        ])
        .await;
    let ids: Vec<i64> = third["query"]["pages"][0]["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["revid"].as_i64())
        .collect();
    // ids newest first: the "FOUR" edit is the third newest.
    let failed = app
        .edit(&[("title", page), ("undo", &ids[2].to_string())])
        .await;
    assert_eq!(code(&failed), "undofailure", "{failed}");
    // A conflict with someone else's edit that touched other lines merges.
    let base = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", page),
            ("rvprop", "timestamp"),
            ("formatversion", "2"),
        ])
        .await;
    let base_time = base["query"]["pages"][0]["revisions"][0]["timestamp"]
        .as_str()
        .expect("timestamp")
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let admin = new_client();
    let token = app.login_token_with(&admin).await;
    app.post_with(
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
    app.edit_with(
        &admin,
        &[("title", page), ("text", "ONE\ntwo\nthree\nVIER")],
    )
    .await;
    let merged = app
        .edit(&[
            ("title", page),
            ("text", "one\ntwo\nthree\nvier"),
            ("basetimestamp", &base_time),
        ])
        .await;
    assert_eq!(merged["edit"]["result"], "Success", "{merged}");
    assert_eq!(app.text_of(page).await, "ONE\ntwo\nthree\nvier");
}

async fn a_deleted_page_is_not_recreated_by_accident(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let start = app.get(&[("action", "query"), ("curtimestamp", "1")]).await["curtimestamp"]
        .as_str()
        .expect("time")
        .to_owned();
    app.edit(&[("title", "Doomed"), ("text", "Soon gone.")])
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let deleted = app
        .action(&[
            ("action", "delete"),
            ("title", "Doomed"),
            ("reason", "test"),
        ])
        .await;
    assert!(deleted["delete"]["logid"].is_i64(), "{deleted}");
    let again = app
        .edit(&[
            ("title", "Doomed"),
            ("text", "Back?"),
            ("starttimestamp", &start),
        ])
        .await;
    assert_eq!(code(&again), "pagedeleted", "{again}");
    let recreated = app
        .edit(&[
            ("title", "Doomed"),
            ("text", "Back."),
            ("starttimestamp", &start),
            ("recreate", "1"),
        ])
        .await;
    assert_eq!(recreated["edit"]["new"], "", "{recreated}");
    // The deleted revision comes back beside the new one.
    let restored = app
        .action(&[
            ("action", "undelete"),
            ("title", "Doomed"),
            ("reason", "both"),
        ])
        .await;
    assert_eq!(restored["undelete"]["revisions"], 1, "{restored}");
    assert_eq!(app.text_of("Doomed").await, "Back.");
    let nothing = app
        .action(&[("action", "undelete"), ("title", "Doomed")])
        .await;
    assert_eq!(code(&nothing), "cantundelete", "{nothing}");
}

async fn link_tables_follow_every_change(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let db = app.database().await;
    let saved = app
        .edit(&[
            ("title", "Linking page"),
            ("text", "[[Target]] {{Box}} [[File:Pic.png]] [[Category:Things|sort]] https://example.org/a"),
        ])
        .await;
    let page_id = saved["edit"]["pageid"].as_i64().expect("page id");
    let links = db.page_links(page_id).await.expect("links");
    assert!(links.pages.contains(&(0, "Target".to_owned())));
    assert!(links.templates.contains(&(10, "Box".to_owned())));
    assert!(links.files.contains("Pic.png"));
    assert_eq!(
        links.categories.get("Things").map(String::as_str),
        Some("sort")
    );
    assert!(links.external.contains("https://example.org/a"));
    app.edit(&[("title", "Linking page"), ("text", "[[Elsewhere]]")])
        .await;
    let links = db.page_links(page_id).await.expect("links");
    assert_eq!(links.pages.len(), 1);
    assert!(links.pages.contains(&(0, "Elsewhere".to_owned())));
    assert!(links.templates.is_empty() && links.files.is_empty() && links.categories.is_empty());

    // A move keeps the page's links and leaves a redirect that links on.
    let moved = app
        .action(&[
            ("action", "move"),
            ("from", "Linking page"),
            ("to", "Linked page"),
            ("reason", "rename"),
        ])
        .await;
    assert_eq!(moved["move"]["redirectcreated"], "", "{moved}");
    let links = db.page_links(page_id).await.expect("links");
    assert!(links.pages.contains(&(0, "Elsewhere".to_owned())));
    let redirect = app
        .get(&[
            ("action", "query"),
            ("titles", "Linking page"),
            ("redirects", "1"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        redirect["query"]["redirects"][0]["to"], "Linked page",
        "{redirect}"
    );
    let redirect_page = db
        .page(0, "Linking_page")
        .await
        .expect("db")
        .expect("redirect page");
    let redirect_links = db.page_links(redirect_page.id).await.expect("links");
    assert_eq!(
        redirect_links.redirect,
        Some((0, "Linked_page".to_owned(), String::new()))
    );

    // Deleting takes the link rows; undeleting derives them again.
    app.action(&[("action", "delete"), ("title", "Linked page")])
        .await;
    assert!(
        db.page_links(page_id)
            .await
            .expect("links")
            .pages
            .is_empty()
    );
    let restored = app
        .action(&[("action", "undelete"), ("title", "Linked page")])
        .await;
    assert_eq!(restored["undelete"]["revisions"], 3, "{restored}");
    let links = db.page_links(page_id).await.expect("links");
    assert!(
        links.pages.contains(&(0, "Elsewhere".to_owned())),
        "{links:?}"
    );
}

async fn ordinary_pages_move_with_their_talk_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    // Administrators have `suppressredirect`, so `noredirect` counts.
    app.login_as_admin().await;
    app.edit(&[("title", "Subject"), ("text", "Subject text.")])
        .await;
    app.edit(&[("title", "Talk:Subject"), ("text", "Talk text.")])
        .await;
    let moved = app
        .action(&[
            ("action", "move"),
            ("from", "Subject"),
            ("to", "New subject"),
            ("movetalk", "1"),
            ("noredirect", "1"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(moved["move"]["talkto"], "Talk:New subject", "{moved}");
    assert_eq!(moved["move"]["redirectcreated"], false);
    assert_eq!(app.text_of("Talk:New subject").await, "Talk text.");
    let gone = app
        .get(&[
            ("action", "query"),
            ("titles", "Subject"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(gone["query"]["pages"][0]["missing"], true, "{gone}");
    let log = app
        .get(&[
            ("action", "query"),
            ("list", "logevents"),
            ("letype", "move"),
            ("letitle", "Subject"),
            ("formatversion", "2"),
        ])
        .await;
    let entry = &log["query"]["logevents"][0];
    assert_eq!(entry["params"]["target_title"], "New subject", "{log}");
    assert_eq!(entry["params"]["suppressredirect"], true);
    let history = app
        .get(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", "New subject"),
            ("rvprop", "comment|flags"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        history["query"]["pages"][0]["revisions"][0]["comment"],
        "Admin moved page [[Subject]] to [[New subject]] without leaving a redirect"
    );
    for (from, to, expected) in [
        ("New subject", "New subject", "selfmove"),
        ("New subject", "Talk:New subject", "articleexists"),
        ("Nothing here", "Elsewhere", "missingtitle"),
        (
            "New subject",
            "File:Subject.png",
            "nonfile-cannot-move-to-file",
        ),
        ("New subject", "Special:Subject", "immobilenamespace"),
    ] {
        let body = app
            .action(&[("action", "move"), ("from", from), ("to", to)])
            .await;
        assert_eq!(code(&body), expected, "{from} -> {to}: {body}");
    }
    let anonymous = new_client();
    let body = app
        .post_with(
            &anonymous,
            &[
                ("action", "move"),
                ("from", "New subject"),
                ("to", "X"),
                ("token", "+\\"),
            ],
        )
        .await;
    assert_eq!(code(&body), "cantmove-anon", "{body}");
}

async fn undeletion_can_choose_revisions_and_needs_the_right(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let first = app
        .edit(&[("title", "Two revisions"), ("text", "First.")])
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.edit(&[("title", "Two revisions"), ("text", "Second.")])
        .await;
    app.action(&[("action", "delete"), ("title", "Two revisions")])
        .await;
    let restored = app
        .action(&[
            ("action", "undelete"),
            ("title", "Two revisions"),
            (
                "timestamps",
                first["edit"]["newtimestamp"].as_str().expect("time"),
            ),
        ])
        .await;
    assert_eq!(restored["undelete"]["revisions"], 1, "{restored}");
    assert_eq!(app.text_of("Two revisions").await, "First.");
    let rest = app
        .action(&[("action", "undelete"), ("title", "Two revisions")])
        .await;
    assert_eq!(rest["undelete"]["revisions"], 1, "{rest}");
    assert_eq!(app.text_of("Two revisions").await, "Second.");
    let log = app
        .get(&[
            ("action", "query"),
            ("list", "logevents"),
            ("letype", "delete"),
            ("letitle", "Two revisions"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(log["query"]["logevents"][0]["action"], "restore", "{log}");
    assert_eq!(
        log["query"]["logevents"][0]["params"]["count"]["revisions"],
        1
    );
    // The bot may not undelete or look at deleted descriptions.
    let uploader = bot(&app, BOT_LOGIN, BOT_PASSWORD).await;
    let token = app
        .get_with(&uploader, &[("action", "query"), ("meta", "tokens")])
        .await["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("token")
        .to_owned();
    let refused = app
        .post_with(
            &uploader,
            &[
                ("action", "undelete"),
                ("title", "Two revisions"),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(code(&refused), "permissiondenied", "{refused}");
}

async fn site_and_page_information_is_complete(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    app.edit(&[("title", "Counted"), ("text", "Links [[Somewhere]].")])
        .await;
    app.upload(&[("filename", "Counted.png")], Some(&png(10, 10, 1)))
        .await;
    let site = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo|filerepoinfo"),
            ("siprop", "general|statistics"),
            ("formatversion", "2"),
        ])
        .await;
    let stats = &site["query"]["statistics"];
    // Main Page, Counted, File:Counted.png.
    assert_eq!(stats["pages"], 3, "{site}");
    // Only Counted links to a page (Main Page's links are external).
    assert_eq!(stats["articles"], 1);
    assert_eq!(stats["edits"], 3);
    assert_eq!(stats["images"], 1);
    assert_eq!(stats["admins"], 1);
    let general = &site["query"]["general"];
    for key in ["phpversion", "phpsapi", "dbtype", "dbversion"] {
        assert!(
            general[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}"
        );
    }
    assert_eq!(site["query"]["repos"][0]["name"], "local");
    assert_eq!(site["query"]["repos"][0]["canUpload"], true);

    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "info"),
            ("titles", "Counted|Talk:Counted"),
            ("inprop", "associatedpage|talkid|subjectid|displaytitle|url|protection|watched|notificationtimestamp|varianttitles|preload|linkclasses|readable"),
            ("formatversion", "2"),
        ])
        .await;
    let pages = info["query"]["pages"].as_array().expect("pages");
    let talk = &pages[0];
    let subject = &pages[1];
    assert_eq!(subject["associatedpage"], "Talk:Counted", "{info}");
    assert_eq!(talk["subjectid"], subject["pageid"]);
    assert_eq!(
        subject["restrictiontypes"],
        serde_json::json!(["edit", "move"])
    );
    assert_eq!(talk["restrictiontypes"], serde_json::json!(["create"]));
    assert_eq!(subject["displaytitle"], "Counted");
    assert_eq!(subject["varianttitles"]["en"], "Counted");
    assert_eq!(subject["readable"], true);
    assert_eq!(subject["preload"], "");
    assert!(talk["preload"].is_null());
    assert!(
        info["warnings"]["info"]["warnings"]
            .as_str()
            .is_some_and(|w| w.contains("\"readable\""))
    );

    let rsd = app
        .client
        .get(format!("{}?action=rsd", app.api))
        .send()
        .await
        .expect("rsd");
    assert_eq!(
        rsd.headers()["content-type"],
        "application/rsd+xml; charset=utf-8"
    );
    let text = rsd.text().await.expect("body");
    assert!(text.contains(&format!("apiLink=\"{}\"", app.api)), "{text}");
}

async fn index_php_serves_pages_for_people_and_clients(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let server = app.api.trim_end_matches("/api.php").to_owned();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let root = plain.get(format!("{server}/")).send().await.expect("root");
    assert_eq!(root.status(), 301);
    assert_eq!(
        root.headers()["location"],
        format!("{server}/index.php/Main_Page")
    );
    let main = plain
        .get(format!("{server}/index.php/Main_Page"))
        .send()
        .await
        .expect("main page");
    assert_eq!(main.status(), 200);
    let html = main.text().await.expect("html");
    assert!(
        html.contains("<meta name=\"generator\" content=\"MediaWiki 1.39"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<link rel=\"EditURI\" type=\"application/rsd+xml\" href=\"{}?action=rsd\">",
        app.api
    )));
    assert!(html.contains("MediaWiki has been installed."));
    assert!(!html.contains("<script"));

    let saved = app
        .edit(&[
            ("title", "Html page"),
            ("text", "<script>alert(1)</script> & [[Category:Shown]]"),
        ])
        .await;
    app.edit(&[("title", "Html page"), ("text", "Second <b>version</b>.")])
        .await;
    let view = plain
        .get(format!(
            "{server}/index.php?title=Html_page&oldid={}",
            saved["edit"]["newrevid"]
        ))
        .send()
        .await
        .expect("old revision")
        .text()
        .await
        .expect("html");
    // The text is shown rendered, its markup escaped.
    assert!(
        view.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp;"),
        "{view}"
    );
    assert!(!view.contains("<script>alert"));
    let raw = plain
        .get(format!("{server}/index.php?title=Html_page&action=raw"))
        .send()
        .await
        .expect("raw");
    assert_eq!(raw.headers()["content-type"], "text/x-wiki; charset=UTF-8");
    assert_eq!(raw.text().await.expect("text"), "Second <b>version</b>.");
    let old_raw = plain
        .get(format!(
            "{server}/index.php?title=Html_page&action=raw&oldid={}",
            saved["edit"]["newrevid"]
        ))
        .send()
        .await
        .expect("old raw")
        .text()
        .await
        .expect("text");
    assert!(old_raw.starts_with("<script>"));
    let by_id = plain
        .get(format!(
            "{server}/index.php?curid={}",
            saved["edit"]["pageid"]
        ))
        .send()
        .await
        .expect("curid");
    assert_eq!(by_id.status(), 200);
    let history = plain
        .get(format!("{server}/index.php?title=Html_page&action=history"))
        .send()
        .await
        .expect("history")
        .text()
        .await
        .expect("html");
    assert_eq!(history.matches("oldid=").count(), 2, "{history}");
    let missing = plain
        .get(format!("{server}/index.php/No_such_page"))
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.status(), 404);

    // A File page shows the file and its history; FilePath leads to it.
    let bytes = png(12, 8, 3);
    app.upload(
        &[("filename", "Shown.png"), ("text", "About [[Shown]].")],
        Some(&bytes),
    )
    .await;
    let file_page = plain
        .get(format!("{server}/index.php/File:Shown.png"))
        .send()
        .await
        .expect("file page")
        .text()
        .await
        .expect("html");
    assert!(file_page.contains("<img src=\""), "{file_page}");
    assert!(file_page.contains("File history"));
    // The description rendered: the link to a missing page is a red link.
    assert!(
        file_page.contains("About <a href=") && file_page.contains("class=\"new\""),
        "{file_page}"
    );
    let file_path = plain
        .get(format!(
            "{server}/index.php?title=Special:FilePath/Shown.png"
        ))
        .send()
        .await
        .expect("filepath");
    assert_eq!(file_path.status(), 302);
    let redirect = file_path.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let file = plain.get(&redirect).send().await.expect("redirect");
    assert_eq!(file.status(), 301);
    let original = plain
        .get(file.headers()["location"].to_str().expect("location"))
        .send()
        .await
        .expect("original")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(original.as_ref(), bytes.as_slice());
}

on_both_backends!(
    editing_needs_the_rights_and_grants_mediawiki_asks_for,
    edit_errors_are_mediawikis,
    undo_merges_around_later_edits,
    a_deleted_page_is_not_recreated_by_accident,
    link_tables_follow_every_change,
    ordinary_pages_move_with_their_talk_pages,
    undeletion_can_choose_revisions_and_needs_the_right,
    site_and_page_information_is_complete,
    index_php_serves_pages_for_people_and_clients,
);
