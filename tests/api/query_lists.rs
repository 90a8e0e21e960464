//! The query modules about accounts, changes and titles: `list=users`,
//! `allusers`, `usercontribs`, `recentchanges`, `allcategories`,
//! `prefixsearch`, `prop=extlinks|pageprops|contributors` and
//! `action=opensearch`, in the reference's shapes (fv1 and fv2), each
//! listing walked to the end with small limits, the generators with
//! `prop=info`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

async fn edit(app: &TestApp, title: &str, text: &str, summary: &str) {
    edit_as(app, &app.client, title, text, summary).await;
}

async fn csrf_token_of(app: &TestApp, client: &reqwest::Client) -> String {
    let body = app
        .get_with(client, &[("action", "query"), ("meta", "tokens")])
        .await;
    body["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("a csrf token")
        .to_owned()
}

async fn edit_as(app: &TestApp, client: &reqwest::Client, title: &str, text: &str, summary: &str) {
    let token = csrf_token_of(app, client).await;
    let body = app
        .post_with(
            client,
            &[
                ("action", "edit"),
                ("title", title),
                ("text", text),
                ("summary", summary),
                ("token", &token),
            ],
        )
        .await;
    assert_eq!(body["edit"]["result"], "Success", "{body}");
}

/// A client of its own logged in as Admin.
async fn admin_client(app: &TestApp) -> reqwest::Client {
    let client = new_client();
    let token = app.login_token_with(&client).await;
    let body = app
        .post_with(
            &client,
            &[
                ("action", "clientlogin"),
                ("username", "Admin"),
                ("password", ADMIN_PASSWORD),
                ("logintoken", &token),
                ("loginreturnurl", "http://127.0.0.1/"),
            ],
        )
        .await;
    assert_eq!(body["clientlogin"]["status"], "PASS", "{body}");
    client
}

/// A wiki where Uploader made three pages (one edited twice, one a
/// redirect) and uploaded a file, and Admin edited once and deleted a page.
async fn active_wiki(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    edit(
        &app,
        "Qtest Alpha",
        "Hello [https://example.org/a?x=1 ex] [//proto.example/rel r] [mailto:a@b.c m] \
         [[Category:Qcat One]] [[Category:Qcat Two|key]]",
        "s Alpha",
    )
    .await;
    edit(
        &app,
        "Qtest Beta",
        "Beta [[Category:Qcat One]] [http://example.com/b b]",
        "s Beta",
    )
    .await;
    edit(
        &app,
        "Qtest Alpha",
        "Hello again [https://example.org/a?x=1 ex] [//proto.example/rel r] \
         [[Category:Qcat One]] [[Category:Qcat Two|key]]",
        "s Alpha 2",
    )
    .await;
    edit(&app, "Qtest Gamma", "#REDIRECT [[Qtest Alpha]]", "s Gamma").await;
    let bytes = png(7, 5, 41);
    let body = app
        .upload(
            &[("filename", "Qfile.png"), ("comment", "main file")],
            Some(&bytes),
        )
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
    let admin = admin_client(&app).await;
    edit_as(&app, &admin, "Doomed", "to be deleted", "doomed").await;
    edit_as(&app, &admin, "Category:Qcat One", "cat page", "cat").await;
    let token = csrf_token_of(&app, &admin).await;
    let body = app
        .post_with(
            &admin,
            &[
                ("action", "delete"),
                ("title", "Doomed"),
                ("reason", "gone"),
                ("token", &token),
            ],
        )
        .await;
    assert!(body["delete"].is_object(), "{body}");
    app
}

/// Every item of `list` walked to the end with `limit`, continuing as
/// the answers say; checks nothing comes twice.
async fn walk(app: &TestApp, params: &[(&str, &str)], list: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next: Vec<(String, String)> = Vec::new();
    for _ in 0..100 {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        all.push(("formatversion", "2"));
        all.extend(next.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = app.get(&all).await;
        assert!(body.get("error").is_none(), "{body}");
        items.extend(body["query"][list].as_array().cloned().unwrap_or_default());
        match body["continue"].as_object() {
            Some(cont) => {
                next = cont
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or(v.to_string(), str::to_owned)))
                    .collect();
            }
            None => return items,
        }
    }
    panic!("{list} did not end");
}

async fn users_as_the_reference_shapes_them(backend: Backend) {
    let app = active_wiki(backend).await;
    let params = [
        ("action", "query"),
        ("list", "users"),
        ("ususers", "1.2.3.4|Uploader|Admin|Nobody_x|<bad>"),
        (
            "usprop",
            "groups|groupmemberships|implicitgroups|editcount|registration|emailable|gender|centralids|cancreate|blockinfo",
        ),
    ];
    let body = app.get(&params).await;
    let users = body["query"]["users"].as_array().expect("users");
    // Invalid names first, then the valid ones in the order asked.
    assert_eq!(
        users[0],
        json!({"name": "1.2.3.4", "invalid": ""}),
        "{body}"
    );
    assert_eq!(users[1], json!({"name": "<bad>", "invalid": ""}), "{body}");
    let uploader = &users[2];
    let keys: Vec<&str> = uploader
        .as_object()
        .expect("in the answer")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "userid",
            "name",
            "editcount",
            "registration",
            "groups",
            "groupmemberships",
            "implicitgroups",
            "gender",
            "centralids",
            "attachedlocal"
        ],
        "{body}"
    );
    assert_eq!(uploader["name"], "Uploader");
    // Four edits and the upload's page.
    assert_eq!(uploader["editcount"], 5, "{body}");
    assert_eq!(uploader["groups"], json!(["*", "user", "autoconfirmed"]));
    assert_eq!(uploader["groupmemberships"], json!([]));
    assert_eq!(uploader["attachedlocal"], json!({"local": ""}));
    let admin = &users[3];
    assert_eq!(
        admin["groups"],
        json!([
            "bureaucrat",
            "interface-admin",
            "sysop",
            "*",
            "user",
            "autoconfirmed"
        ]),
        "{body}"
    );
    // Three edits, one of them on a page deleted since.
    assert_eq!(admin["editcount"], 2, "{body}");
    assert_eq!(
        users[4],
        json!({"name": "Nobody x", "missing": ""}),
        "{body}"
    );
    assert_eq!(users.len(), 5);

    let body = app
        .get(&[
            ("action", "query"),
            ("list", "users"),
            ("ususerids", "1|9999"),
            ("usprop", "rights|emailable|cancreate"),
            ("formatversion", "2"),
        ])
        .await;
    let users = body["query"]["users"].as_array().expect("users");
    assert_eq!(users[0]["name"], "Admin");
    assert_eq!(users[0]["emailable"], false);
    assert!(
        users[0]["rights"]
            .as_array()
            .expect("in the answer")
            .contains(&json!("delete")),
        "{body}"
    );
    assert_eq!(users[1], json!({"userid": 9999, "missing": true}));

    let body = app
        .get(&[
            ("action", "query"),
            ("list", "users"),
            ("ususers", "Admin"),
            ("ususerids", "1"),
        ])
        .await;
    assert_eq!(body["error"]["code"], "invalidparammix", "{body}");
}

async fn allusers_lists_every_account_once(backend: Backend) {
    let app = active_wiki(backend).await;
    let all = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "allusers"),
            ("aulimit", "1"),
            ("auprop", "groups|editcount"),
        ],
        "allusers",
    )
    .await;
    let names: Vec<&str> = all
        .iter()
        .map(|u| u["name"].as_str().expect("in the answer"))
        .collect();
    assert_eq!(names, ["Admin", "NoUrlUser", "Uploader"]);
    // allusers gives the implicit groups first.
    assert_eq!(
        all[0]["groups"],
        json!([
            "*",
            "user",
            "autoconfirmed",
            "bureaucrat",
            "interface-admin",
            "sysop"
        ])
    );
    let body = app
        .get(&[("action", "query"), ("list", "allusers"), ("aulimit", "2")])
        .await;
    assert_eq!(
        body["continue"],
        json!({"aufrom": "Uploader", "continue": "-||"}),
        "{body}"
    );
    let only = |params: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let mut all = vec![
                ("action", "query"),
                ("list", "allusers"),
                ("formatversion", "2"),
            ];
            all.extend(params);
            let body = app.get(&all).await;
            let names: Vec<String> = body["query"]["allusers"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|u| u["name"].as_str().expect("in the answer").to_owned())
                .collect();
            names
        }
    };
    assert_eq!(only(vec![("augroup", "sysop")]).await, ["Admin"]);
    assert_eq!(
        only(vec![("auexcludegroup", "sysop")]).await,
        ["NoUrlUser", "Uploader"]
    );
    assert_eq!(only(vec![("aurights", "delete")]).await, ["Admin"]);
    assert_eq!(only(vec![("auprefix", "u")]).await, ["Uploader"]);
    assert_eq!(
        only(vec![("auwitheditsonly", "1")]).await,
        ["Admin", "Uploader"]
    );
    assert_eq!(
        only(vec![("audir", "descending"), ("aufrom", "T")]).await,
        ["NoUrlUser", "Admin"]
    );
    let uploader_id = all[2]["userid"].clone();
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "allusers"),
            ("auactiveusers", "1"),
        ])
        .await;
    assert_eq!(
        body["query"]["allusers"],
        json!([
            {"userid": 1, "name": "Admin", "recentactions": 2},
            {"userid": uploader_id, "name": "Uploader", "recentactions": 5},
        ]),
        "{body}"
    );
}

async fn usercontribs_walks_a_users_revisions(backend: Backend) {
    let app = active_wiki(backend).await;
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "usercontribs"),
            ("ucuser", "Uploader"),
            ("uclimit", "2"),
            ("ucprop", "ids|title|timestamp|comment|size|sizediff|flags"),
        ])
        .await;
    let contribs = body["query"]["usercontribs"].as_array().expect("contribs");
    // Newest first: the File page, then the redirect.
    let first = &contribs[0];
    assert_eq!(first["title"], "File:Qfile.png", "{body}");
    assert_eq!(first["new"], "", "{body}");
    assert_eq!(first["top"], "", "{body}");
    assert_eq!(first["comment"], "main file");
    let keys: Vec<&str> = contribs[1]
        .as_object()
        .expect("in the answer")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "userid",
            "user",
            "pageid",
            "revid",
            "parentid",
            "ns",
            "title",
            "timestamp",
            "new",
            "top",
            "comment",
            "size",
            "sizediff"
        ],
        "{body}"
    );
    let cont = body["continue"]["uccontinue"].as_str().expect("continues");
    assert_eq!(cont.split('|').count(), 2, "{body}");

    let all = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "usercontribs"),
            ("ucuser", "Uploader"),
            ("uclimit", "1"),
            ("ucprop", "ids|title|size|sizediff|flags"),
        ],
        "usercontribs",
    )
    .await;
    let revids: BTreeSet<i64> = all
        .iter()
        .map(|c| c["revid"].as_i64().expect("in the answer"))
        .collect();
    assert_eq!(revids.len(), 5, "{all:?}");
    assert_eq!(all.len(), 5);
    let second_alpha = all
        .iter()
        .find(|c| c["title"] == "Qtest Alpha" && c["new"] == false)
        .expect("the second edit of Alpha");
    assert_eq!(second_alpha["top"], true);
    assert_eq!(second_alpha["minor"], false);
    let first_alpha = all
        .iter()
        .find(|c| c["title"] == "Qtest Alpha" && c["new"] == true)
        .expect("the first edit of Alpha");
    assert_eq!(first_alpha["top"], false);
    let size = |c: &Value| c["size"].as_i64().expect("in the answer");
    assert_eq!(
        second_alpha["sizediff"].as_i64().expect("in the answer"),
        size(second_alpha) - size(first_alpha),
        "{second_alpha}"
    );
    assert_eq!(first_alpha["sizediff"], first_alpha["size"]);

    // Several users: by name, then time, all in the listing's direction.
    let all = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "usercontribs"),
            ("ucuser", "Uploader|Admin"),
            ("uclimit", "2"),
        ],
        "usercontribs",
    )
    .await;
    let users: Vec<&str> = all
        .iter()
        .map(|c| c["user"].as_str().expect("in the answer"))
        .collect();
    assert_eq!(
        users,
        [
            "Uploader", "Uploader", "Uploader", "Uploader", "Uploader", "Admin"
        ]
    );
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "usercontribs"),
            ("ucuserprefix", "Up"),
            ("uclimit", "1"),
        ])
        .await;
    let cont = body["continue"]["uccontinue"].as_str().expect("continues");
    assert!(cont.starts_with("name|Uploader|"), "{body}");
    for (params, code) in [
        (
            vec![("ucuser", "Admin"), ("ucuserprefix", "A")],
            "invalidparammix",
        ),
        (vec![], "missingparam"),
        (vec![("ucuser", "Admin"), ("ucshow", "new|!new")], "show"),
        (
            vec![("ucuser", "Admin"), ("ucprop", "patrolled")],
            "permissiondenied",
        ),
        (
            vec![("ucuser", "Admin"), ("uccontinue", "nonsense")],
            "badcontinue",
        ),
    ] {
        let mut all = vec![("action", "query"), ("list", "usercontribs")];
        all.extend(params);
        let body = app.get(&all).await;
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "usercontribs"),
            ("ucuser", "Uploader"),
            ("ucshow", "top|!new"),
            ("ucnamespace", "0"),
        ])
        .await;
    let titles: Vec<&str> = body["query"]["usercontribs"]
        .as_array()
        .expect("in the answer")
        .iter()
        .map(|c| c["title"].as_str().expect("in the answer"))
        .collect();
    assert_eq!(titles, ["Qtest Alpha"], "{body}");
}

async fn recentchanges_as_the_reference_records_them(backend: Backend) {
    let app = active_wiki(backend).await;
    let props = "user|userid|comment|flags|timestamp|title|ids|sizes|loginfo";
    for fv in ["1", "2"] {
        let body = app
            .get(&[
                ("action", "query"),
                ("list", "recentchanges"),
                ("rctype", "log|new|edit"),
                ("rctitle", "File:Qfile.png"),
                ("rcprop", props),
                ("formatversion", fv),
            ])
            .await;
        let changes = body["query"]["recentchanges"].as_array().expect("changes");
        // An upload is its log entry, not a new page.
        assert_eq!(changes.len(), 1, "{body}");
        let upload = &changes[0];
        let keys: Vec<&str> = upload
            .as_object()
            .expect("in the answer")
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "type",
            "ns",
            "title",
            "pageid",
            "revid",
            "old_revid",
            "rcid",
            "user",
            "userid",
        ];
        if fv == "2" {
            expected.extend(["bot", "new", "minor"]);
        }
        expected.extend([
            "oldlen",
            "newlen",
            "timestamp",
            "comment",
            "logid",
            "logtype",
            "logaction",
            "logparams",
        ]);
        assert_eq!(keys, expected, "{body}");
        assert_eq!(upload["type"], "log");
        assert_eq!(upload["logtype"], "upload");
        assert_eq!(upload["logaction"], "upload");
        assert_eq!(upload["comment"], "main file");
        assert!(
            upload["revid"].as_i64().expect("in the answer") > 0,
            "{body}"
        );
        assert_eq!(upload["old_revid"], 0);
        assert!(upload["logparams"]["img_sha1"].is_string(), "{body}");
    }
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "recentchanges"),
            ("rctitle", "Qtest Alpha"),
            ("rcprop", "title|ids|sizes|flags|redirect|sha1|user"),
            ("formatversion", "2"),
        ])
        .await;
    let changes = body["query"]["recentchanges"].as_array().expect("changes");
    assert_eq!(changes.len(), 2, "{body}");
    assert_eq!(changes[0]["type"], "edit");
    assert_eq!(changes[0]["old_revid"], changes[1]["revid"]);
    assert_eq!(changes[0]["oldlen"], changes[1]["newlen"]);
    assert_eq!(changes[1]["type"], "new");
    assert_eq!(changes[1]["new"], true);
    assert_eq!(
        changes[0]["sha1"].as_str().map(str::len),
        Some(40),
        "{body}"
    );
    assert_eq!(changes[0]["redirect"], false);

    // Everything, one at a time: the deleted page's edit is gone, its
    // deletion is there; nothing lost or repeated.
    let all = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "recentchanges"),
            ("rclimit", "1"),
            ("rcprop", "title|ids|loginfo"),
        ],
        "recentchanges",
    )
    .await;
    let ids: BTreeSet<i64> = all
        .iter()
        .map(|c| c["rcid"].as_i64().expect("in the answer"))
        .collect();
    assert_eq!(ids.len(), all.len(), "{all:?}");
    let described: Vec<String> = all
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                c["type"].as_str().expect("in the answer"),
                c["title"].as_str().expect("in the answer"),
                c["logaction"]
                    .as_str()
                    .map(|a| format!(" {a}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            "log Doomed delete",
            "new Category:Qcat One",
            "log File:Qfile.png upload",
            "new Qtest Gamma",
            "edit Qtest Alpha",
            "new Qtest Beta",
            "new Qtest Alpha",
            // Made by the first migration, as MediaWiki's installer makes it.
            "new Main Page",
        ],
        "{all:?}"
    );
    let newer = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "recentchanges"),
            ("rclimit", "3"),
            ("rcdir", "newer"),
            ("rctype", "new"),
        ],
        "recentchanges",
    )
    .await;
    let titles: Vec<&str> = newer
        .iter()
        .map(|c| c["title"].as_str().expect("in the answer"))
        .collect();
    assert_eq!(
        titles,
        [
            "Main Page",
            "Qtest Alpha",
            "Qtest Beta",
            "Qtest Gamma",
            "Category:Qcat One"
        ]
    );
    for (params, expected) in [
        (vec![("rcuser", "Admin")], 2),
        (vec![("rcexcludeuser", "Admin")], 6),
        (vec![("rcshow", "redirect")], 1),
        (vec![("rcnamespace", "14")], 1),
        (vec![("rctoponly", "1")], 6),
        (vec![("rcshow", "!anon|!minor|!bot")], 7),
    ] {
        let mut all = vec![("action", "query"), ("list", "recentchanges")];
        all.extend(params.iter().copied());
        let body = app.get(&all).await;
        let count = body["query"]["recentchanges"].as_array().map(Vec::len);
        assert_eq!(count, Some(expected), "{params:?}: {body}");
    }
    for (params, code) in [
        (vec![("rcshow", "bot|!bot")], "show"),
        (
            vec![("rcuser", "Admin"), ("rcexcludeuser", "Uploader")],
            "invalidparammix",
        ),
        (vec![("rcprop", "patrolled")], "permissiondenied"),
        (vec![("rccontinue", "x")], "badcontinue"),
        (vec![("rctitle", "<bad>")], "invalidtitle"),
    ] {
        let mut all = vec![("action", "query"), ("list", "recentchanges")];
        all.extend(params);
        let body = app.get(&all).await;
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    // Admin may see patrol flags; their edits are autopatrolled.
    let admin = admin_client(&app).await;
    let body = app
        .get_with(
            &admin,
            &[
                ("action", "query"),
                ("list", "recentchanges"),
                ("rcprop", "title|patrolled"),
                ("rcshow", "autopatrolled"),
                ("formatversion", "2"),
            ],
        )
        .await;
    assert_eq!(
        body["query"]["recentchanges"],
        json!([
            {"type": "log", "ns": 0, "title": "Doomed", "patrolled": true, "unpatrolled": false, "autopatrolled": true},
            {"type": "new", "ns": 14, "title": "Category:Qcat One", "patrolled": true, "unpatrolled": false, "autopatrolled": true},
        ]),
        "{body}"
    );
}

async fn recentchanges_as_a_generator(backend: Backend) {
    let app = active_wiki(backend).await;
    let mut titles = Vec::new();
    let mut next: Vec<(String, String)> = Vec::new();
    loop {
        let mut params = vec![
            ("action", "query"),
            ("generator", "recentchanges"),
            ("grclimit", "2"),
            ("grctype", "new|edit"),
            ("prop", "info"),
            ("formatversion", "2"),
        ];
        params.extend(next.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = app.get(&params).await;
        for page in body["query"]["pages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            assert!(page["lastrevid"].as_i64().is_some(), "{page}");
            titles.push(page["title"].as_str().expect("in the answer").to_owned());
        }
        match body["continue"].as_object() {
            Some(cont) => {
                assert!(cont.contains_key("grccontinue"), "{body}");
                next = cont
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("in the answer").to_owned()))
                    .collect();
            }
            None => break,
        }
    }
    titles.sort();
    assert_eq!(
        titles,
        [
            "Category:Qcat One",
            "Main Page",
            "Qtest Alpha",
            "Qtest Alpha",
            "Qtest Beta",
            "Qtest Gamma"
        ]
    );
}

on_both_backends!(
    users_as_the_reference_shapes_them,
    allusers_lists_every_account_once,
    usercontribs_walks_a_users_revisions,
    recentchanges_as_the_reference_records_them,
    recentchanges_as_a_generator,
    allcategories_and_prefixsearch_walk_to_the_end,
    extlinks_pageprops_and_contributors,
);

async fn allcategories_and_prefixsearch_walk_to_the_end(backend: Backend) {
    let app = active_wiki(backend).await;
    for (fv, expected) in [
        (
            "1",
            json!([
                {"size": 2, "pages": 2, "files": 0, "subcats": 0, "*": "Qcat One"},
                {"size": 1, "pages": 1, "files": 0, "subcats": 0, "*": "Qcat Two"},
            ]),
        ),
        (
            "2",
            json!([
                {"category": "Qcat One", "size": 2, "pages": 2, "files": 0, "subcats": 0, "hidden": false},
                {"category": "Qcat Two", "size": 1, "pages": 1, "files": 0, "subcats": 0, "hidden": false},
            ]),
        ),
    ] {
        let body = app
            .get(&[
                ("action", "query"),
                ("list", "allcategories"),
                ("acprop", "size|hidden"),
                ("formatversion", fv),
            ])
            .await;
        assert_eq!(body["query"]["allcategories"], expected, "{body}");
    }
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "allcategories"),
            ("aclimit", "1"),
        ])
        .await;
    assert_eq!(
        body["continue"],
        json!({"accontinue": "Qcat_Two", "continue": "-||"}),
        "{body}"
    );
    let all = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "allcategories"),
            ("aclimit", "1"),
        ],
        "allcategories",
    )
    .await;
    assert_eq!(
        all,
        [
            json!({"category": "Qcat One"}),
            json!({"category": "Qcat Two"})
        ]
    );
    for (params, expected) in [
        (vec![("acmin", "2")], vec!["Qcat One"]),
        (vec![("acprefix", "qcat T")], vec!["Qcat Two"]),
        (vec![("acdir", "descending")], vec!["Qcat Two", "Qcat One"]),
        (vec![("acfrom", "Qcat P")], vec!["Qcat Two"]),
    ] {
        let mut all = vec![
            ("action", "query"),
            ("list", "allcategories"),
            ("formatversion", "2"),
        ];
        all.extend(params.iter().copied());
        let body = app.get(&all).await;
        let names: Vec<&str> = body["query"]["allcategories"]
            .as_array()
            .expect("in the answer")
            .iter()
            .map(|c| c["category"].as_str().expect("in the answer"))
            .collect();
        assert_eq!(names, expected, "{params:?}: {body}");
    }
    // As a generator: the category pages, existing or not.
    let body = app
        .get(&[
            ("action", "query"),
            ("generator", "allcategories"),
            ("prop", "info"),
            ("formatversion", "2"),
        ])
        .await;
    let pages = body["query"]["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 2, "{body}");
    assert!(
        pages
            .iter()
            .any(|p| p["title"] == "Category:Qcat Two" && p["missing"] == true)
    );
    assert!(
        pages
            .iter()
            .any(|p| p["title"] == "Category:Qcat One" && p["lastrevid"].is_number())
    );

    let body = app
        .get(&[
            ("action", "query"),
            ("list", "prefixsearch"),
            ("pssearch", "qtest"),
            ("pslimit", "2"),
        ])
        .await;
    assert_eq!(
        body["query"]["prefixsearch"][0],
        json!({"ns": 0, "title": "Qtest Alpha", "pageid": body["query"]["prefixsearch"][0]["pageid"]}),
        "{body}"
    );
    assert_eq!(body["continue"]["psoffset"], "2", "{body}");
    let all = walk(
        &app,
        &[
            ("action", "query"),
            ("list", "prefixsearch"),
            ("pssearch", "Qtest"),
            ("pslimit", "1"),
        ],
        "prefixsearch",
    )
    .await;
    let titles: Vec<&str> = all
        .iter()
        .map(|p| p["title"].as_str().expect("in the answer"))
        .collect();
    assert_eq!(titles, ["Qtest Alpha", "Qtest Beta", "Qtest Gamma"]);
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "prefixsearch"),
            ("pssearch", "Category:Q"),
            ("psnamespace", "0|14"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        body["query"]["prefixsearch"][0]["title"], "Category:Qcat One",
        "{body}"
    );
    let body = app
        .get(&[
            ("action", "query"),
            ("generator", "prefixsearch"),
            ("gpssearch", "Qtest"),
            ("gpslimit", "2"),
            ("prop", "info"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(body["continue"]["gpsoffset"], "2", "{body}");
    assert_eq!(
        body["query"]["pages"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
    let body = app
        .get(&[("action", "query"), ("list", "prefixsearch")])
        .await;
    assert_eq!(body["error"]["code"], "missingparam", "{body}");
}

async fn extlinks_pageprops_and_contributors(backend: Backend) {
    let app = active_wiki(backend).await;
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "extlinks|pageprops|contributors"),
            ("titles", "Qtest Alpha|Qtest Beta|Nope"),
        ])
        .await;
    let pages = body["query"]["pages"].as_object().expect("pages");
    let alpha = pages
        .values()
        .find(|p| p["title"] == "Qtest Alpha")
        .expect("Alpha");
    assert_eq!(
        alpha["extlinks"],
        json!([{"*": "//proto.example/rel"}, {"*": "https://example.org/a?x=1"}]),
        "{body}"
    );
    assert_eq!(alpha["contributors"][0]["name"], "Uploader", "{body}");
    assert!(alpha.get("anoncontributors").is_none(), "{body}");
    let missing = pages.values().find(|p| p["title"] == "Nope").expect("Nope");
    assert_eq!(missing, &json!({"ns": 0, "title": "Nope", "missing": ""}));

    // One link at a time over two pages: nothing lost, nothing twice.
    let mut urls = Vec::new();
    let mut next: Vec<(String, String)> = Vec::new();
    for _ in 0..10 {
        let mut params = vec![
            ("action", "query"),
            ("prop", "extlinks"),
            ("titles", "Qtest Alpha|Qtest Beta"),
            ("ellimit", "1"),
            ("formatversion", "2"),
        ];
        params.extend(next.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = app.get(&params).await;
        for page in body["query"]["pages"].as_array().expect("pages") {
            for link in page["extlinks"].as_array().cloned().unwrap_or_default() {
                urls.push(link["url"].as_str().expect("a url").to_owned());
            }
        }
        match body["continue"].as_object() {
            Some(cont) => {
                next = cont
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("text").to_owned()))
                    .collect();
            }
            None => break,
        }
    }
    assert_eq!(
        urls,
        [
            "//proto.example/rel",
            "https://example.org/a?x=1",
            "http://example.com/b"
        ]
    );
    for (params, expected) in [
        (
            vec![("elprotocol", "https"), ("elexpandurl", "1")],
            vec!["http://proto.example/rel", "https://example.org/a?x=1"],
        ),
        (vec![("elprotocol", "http")], vec!["//proto.example/rel"]),
        (vec![("elquery", "example.org")], vec![]),
        (
            vec![("elprotocol", "https"), ("elquery", "example.org/a")],
            vec!["https://example.org/a?x=1"],
        ),
    ] {
        let mut all = vec![
            ("action", "query"),
            ("prop", "extlinks"),
            ("titles", "Qtest Alpha"),
            ("formatversion", "2"),
        ];
        all.extend(params.iter().copied());
        let body = app.get(&all).await;
        let urls: Vec<&str> = body["query"]["pages"][0]["extlinks"]
            .as_array()
            .map(|links| {
                links
                    .iter()
                    .map(|l| l["url"].as_str().expect("a url"))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(urls, expected, "{params:?}: {body}");
    }
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "contributors"),
            ("titles", "Qtest Alpha|Category:Qcat One"),
            ("pcgroup", "sysop"),
            ("formatversion", "2"),
        ])
        .await;
    let contributors: Vec<Value> = body["query"]["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .filter_map(|p| p.get("contributors").cloned())
        .collect();
    assert_eq!(
        contributors,
        [json!([{"userid": 1, "name": "Admin"}])],
        "{body}"
    );
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "contributors"),
            ("titles", "Qtest Alpha"),
            ("pcgroup", "sysop"),
            ("pcrights", "edit"),
        ])
        .await;
    assert_eq!(body["error"]["code"], "invalidparammix", "{body}");
}
