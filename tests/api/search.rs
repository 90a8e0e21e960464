//! `list=search` and `generator=search` over the database's full-text
//! index: shapes as the reference wiki answers them (fv1 and fv2), title,
//! text and near matches, file names, the index following edits, moves,
//! deletions and undeletions, and `sroffset` continuation to the end.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

async fn edit(app: &TestApp, title: &str, text: &str) {
    let token = app.csrf_token().await;
    let body = app
        .post(&[
            ("action", "edit"),
            ("title", title),
            ("text", text),
            ("token", &token),
        ])
        .await;
    assert_eq!(body["edit"]["result"], "Success", "{body}");
}

async fn search(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let mut all = vec![
        ("action", "query"),
        ("list", "search"),
        ("formatversion", "2"),
    ];
    all.extend_from_slice(params);
    app.get(&all).await
}

fn titles(body: &Value) -> Vec<String> {
    body["query"]["search"]
        .as_array()
        .unwrap_or_else(|| panic!("no search in {body}"))
        .iter()
        .map(|hit| hit["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The pages of the reference wiki's search scenario.
async fn fox_wiki(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    edit(
        &app,
        "Search Alpha",
        "The quick brown fox jumps over the lazy dog. Foxes are clever animals.\n\n\
         == Habitat ==\nRed foxes live in '''forests''' and [[Main Page|near towns]].\n\
         [[Category:Animals]]",
    )
    .await;
    edit(&app, "Talk:Search Alpha", "A fox discussion.").await;
    edit(&app, "Fox", "#REDIRECT [[Search Alpha]]").await;
    app
}

async fn text_and_title_searches_answer_as_the_reference(backend: Backend) {
    let app = fox_wiki(backend).await;
    let all = "size|wordcount|timestamp|snippet|titlesnippet|categorysnippet";
    let body = search(
        &app,
        &[
            ("srsearch", "fox"),
            ("srwhat", "text"),
            ("srnamespace", "*"),
            ("srprop", all),
        ],
    )
    .await;
    assert_eq!(
        body["query"]["searchinfo"],
        json!({"totalhits": 2}),
        "{body}"
    );
    let hits = body["query"]["search"].as_array().expect("hits");
    let mut seen: Vec<&Value> = hits.iter().collect();
    seen.sort_by_key(|hit| hit["pageid"].as_i64());
    let alpha = seen[0];
    assert_eq!(alpha["ns"], 0);
    assert_eq!(alpha["title"], "Search Alpha");
    assert_eq!(alpha["size"], 168);
    assert_eq!(alpha["wordcount"], 26);
    assert_eq!(
        alpha["snippet"],
        "The quick brown <span class='searchmatch'>fox</span> jumps over the lazy dog. \
         Foxes are clever animals.\n"
    );
    assert_eq!(alpha["titlesnippet"], "");
    assert_eq!(alpha["categorysnippet"], "");
    let keys: Vec<&str> = alpha
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "ns",
            "title",
            "pageid",
            "size",
            "wordcount",
            "snippet",
            "timestamp",
            "titlesnippet",
            "categorysnippet"
        ]
    );
    assert_eq!(seen[1]["title"], "Talk:Search Alpha");
    assert_eq!(seen[1]["wordcount"], 3);
    assert_eq!(
        seen[1]["snippet"],
        "A <span class='searchmatch'>fox</span> discussion.\n"
    );

    // The default is a title search in the main namespace, as MediaWiki's.
    let body = search(&app, &[("srsearch", "fox")]).await;
    assert_eq!(titles(&body), ["Fox"], "{body}");
    assert_eq!(body["query"]["search"][0]["snippet"], "");
    assert_eq!(body["query"]["search"][0]["wordcount"], 3);
    // No stemming: "foxes" is its own word; phrases, prefixes, exclusions.
    let body = search(&app, &[("srsearch", "foxes"), ("srwhat", "text")]).await;
    assert_eq!(titles(&body), ["Search Alpha"]);
    let body = search(&app, &[("srsearch", "\"brown fox\""), ("srwhat", "text")]).await;
    assert_eq!(titles(&body), ["Search Alpha"]);
    let body = search(&app, &[("srsearch", "\"fox brown\""), ("srwhat", "text")]).await;
    assert_eq!(titles(&body), Vec::<String>::new());
    assert_eq!(body["query"]["searchinfo"]["totalhits"], 0);
    let body = search(
        &app,
        &[
            ("srsearch", "discuss*"),
            ("srwhat", "text"),
            ("srnamespace", "1"),
        ],
    )
    .await;
    assert_eq!(titles(&body), ["Talk:Search Alpha"]);
    let body = search(
        &app,
        &[
            ("srsearch", "fox -discussion"),
            ("srwhat", "text"),
            ("srnamespace", "0|1"),
        ],
    )
    .await;
    assert_eq!(titles(&body), ["Search Alpha"]);
    // The installer's Main Page, as the reference counts it.
    let body = search(&app, &[("srsearch", "main")]).await;
    assert_eq!(body["query"]["search"][0]["size"], 755, "{body}");
    assert_eq!(body["query"]["search"][0]["wordcount"], 99);

    // fv1: the same items, batchcomplete as "".
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "search"),
            ("srsearch", "fox"),
            ("srinfo", "totalhits"),
            ("srprop", "isfilematch"),
        ])
        .await;
    assert_eq!(
        body,
        json!({"batchcomplete": "", "query": {"searchinfo": {"totalhits": 1}, "search": [
            {"ns": 0, "title": "Fox", "pageid": body["query"]["search"][0]["pageid"], "isfilematch": false}
        ]}})
    );
    // No searchinfo when not asked; nearmatch has no total.
    let body = search(&app, &[("srsearch", "fox"), ("srinfo", "")]).await;
    assert!(body["query"].get("searchinfo").is_none(), "{body}");
    let body = search(
        &app,
        &[("srsearch", "search alpha"), ("srwhat", "nearmatch")],
    )
    .await;
    assert_eq!(titles(&body), ["Search Alpha"]);
    assert!(body["query"].get("searchinfo").is_none(), "{body}");
    assert_eq!(body["query"]["search"][0]["snippet"], "");
}

async fn parameters_are_checked_as_mediawiki_checks_them(backend: Backend) {
    let app = spawn_app(backend).await;
    for params in [&[][..], &[("srsearch", "")][..]] {
        let body = search(&app, params).await;
        assert_eq!(body["error"]["code"], "missingparam", "{body}");
        assert_eq!(
            body["error"]["info"],
            "The \"srsearch\" parameter must be set."
        );
    }
    let body = app
        .get(&[("action", "query"), ("generator", "search")])
        .await;
    assert_eq!(
        body["error"]["info"],
        "The \"gsrsearch\" parameter must be set."
    );
    let body = search(&app, &[("srsearch", "x"), ("srsort", "last_edit_desc")]).await;
    assert_eq!(body["error"]["code"], "badvalue", "{body}");
    assert_eq!(
        body["error"]["info"],
        "Unrecognized value for parameter \"srsort\": last_edit_desc."
    );
    let body = search(
        &app,
        &[("srsearch", "x"), ("srprop", "score"), ("srinterwiki", "1")],
    )
    .await;
    assert_eq!(
        body["warnings"]["search"]["warnings"],
        "The value \"score\" to parameter \"srprop\" has been deprecated.",
        "{body}"
    );
    // Query syntax alone finds nothing, and says so.
    let body = search(&app, &[("srsearch", "*** \"\" -x")]).await;
    assert_eq!(body["query"]["searchinfo"]["totalhits"], 0, "{body}");
    assert_eq!(titles(&body), Vec::<String>::new());
}

/// Titles of a text search in every namespace.
async fn text_hits(app: &TestApp, word: &str) -> Vec<String> {
    let body = search(
        app,
        &[("srsearch", word), ("srwhat", "text"), ("srnamespace", "*")],
    )
    .await;
    titles(&body)
}

/// An offset in a continuation (a number in MediaWiki's answers).
fn offset_of(value: &Value) -> Option<i64> {
    value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

async fn the_index_follows_edits_moves_deletions_and_uploads(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    edit(&app, "Walrus", "zebra stripes").await;
    assert_eq!(text_hits(&app, "zebra").await, ["Walrus"]);
    edit(&app, "Walrus", "okapi spots").await;
    assert_eq!(text_hits(&app, "zebra").await, Vec::<String>::new());
    assert_eq!(text_hits(&app, "okapi").await, ["Walrus"]);

    let token = app.csrf_token().await;
    let body = app
        .post(&[
            ("action", "move"),
            ("from", "Walrus"),
            ("to", "Narwhal"),
            ("noredirect", "1"),
            ("token", &token),
        ])
        .await;
    assert!(body.get("move").is_some(), "{body}");
    let body = search(&app, &[("srsearch", "narwhal"), ("srwhat", "title")]).await;
    assert_eq!(titles(&body), ["Narwhal"]);
    let body = search(&app, &[("srsearch", "walrus"), ("srwhat", "title")]).await;
    assert_eq!(titles(&body), Vec::<String>::new());
    assert_eq!(text_hits(&app, "okapi").await, ["Narwhal"]);

    let body = app
        .post(&[
            ("action", "delete"),
            ("title", "Narwhal"),
            ("token", &token),
        ])
        .await;
    assert!(body.get("delete").is_some(), "{body}");
    assert_eq!(text_hits(&app, "okapi").await, Vec::<String>::new());
    let body = app
        .post(&[
            ("action", "undelete"),
            ("title", "Narwhal"),
            ("token", &token),
        ])
        .await;
    assert!(body.get("undelete").is_some(), "{body}");
    assert_eq!(text_hits(&app, "okapi").await, ["Narwhal"]);

    // A file's name is its File page's title; its description is text.
    let bytes = png(5, 4, 3);
    let body = app
        .upload(
            &[
                ("filename", "Spotted_okapi.png"),
                ("text", "A quokka photo"),
            ],
            Some(&bytes),
        )
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
    let body = search(
        &app,
        &[
            ("srsearch", "okapi"),
            ("srwhat", "title"),
            ("srnamespace", "6"),
        ],
    )
    .await;
    assert_eq!(titles(&body), ["File:Spotted okapi.png"]);
    assert_eq!(text_hits(&app, "quokka").await, ["File:Spotted okapi.png"]);
}

async fn offsets_continue_to_the_end_and_search_generates_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    for i in 0..7 {
        edit(&app, &format!("Page {i}"), &format!("common word {i}")).await;
    }
    let mut seen = BTreeSet::new();
    let mut offset = "0".to_owned();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let body = search(
            &app,
            &[
                ("srsearch", "common"),
                ("srwhat", "text"),
                ("srlimit", "3"),
                ("sroffset", &offset),
            ],
        )
        .await;
        assert_eq!(body["query"]["searchinfo"]["totalhits"], 7, "{body}");
        for title in titles(&body) {
            assert!(seen.insert(title), "repeated in {body}");
        }
        match offset_of(&body["continue"]["sroffset"]) {
            Some(next) => {
                assert_eq!(body["continue"]["continue"], "-||");
                offset = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(rounds, 3);
    assert_eq!(seen.len(), 7);

    // rawcontinue: query-continue.
    let body = app
        .get(&[
            ("action", "query"),
            ("list", "search"),
            ("srsearch", "common"),
            ("srwhat", "text"),
            ("srlimit", "5"),
            ("rawcontinue", "1"),
        ])
        .await;
    assert_eq!(
        offset_of(&body["query-continue"]["search"]["sroffset"]),
        Some(5),
        "{body}"
    );

    // As a generator: the pages, numbered from the offset on.
    let body = app
        .get(&[
            ("action", "query"),
            ("generator", "search"),
            ("gsrsearch", "common"),
            ("gsrwhat", "text"),
            ("gsrlimit", "2"),
            ("gsroffset", "2"),
            ("prop", "info"),
            ("formatversion", "2"),
        ])
        .await;
    let pages = body["query"]["pages"].as_array().expect("pages");
    let mut indexes: Vec<i64> = pages
        .iter()
        .map(|p| p["index"].as_i64().unwrap_or(0))
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, [3, 4], "{body}");
    assert!(pages.iter().all(|p| p["lastrevid"].is_number()), "{body}");
    assert_eq!(offset_of(&body["continue"]["gsroffset"]), Some(4), "{body}");
}

on_both_backends!(
    text_and_title_searches_answer_as_the_reference,
    parameters_are_checked_as_mediawiki_checks_them,
    the_index_follows_edits_moves_deletions_and_uploads,
    offsets_continue_to_the_end_and_search_generates_pages,
);
