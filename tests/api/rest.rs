//! `rest.php/v1`: page source, history, file and title search in
//! MediaWiki 1.39's shapes, and its error bodies.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

async fn edit(app: &TestApp, title: &str, text: &str, summary: &str) -> i64 {
    let token = app.csrf_token().await;
    let body = app
        .post(&[
            ("action", "edit"),
            ("title", title),
            ("text", text),
            ("summary", summary),
            ("token", &token),
        ])
        .await;
    assert_eq!(body["edit"]["result"], "Success", "{body}");
    body["edit"]["newrevid"].as_i64().expect("revision id")
}

/// GET `rest.php/v1/<path>`: status and JSON body.
async fn rest(app: &TestApp, path: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let url = app.api.replace("/api.php", &format!("/rest.php/v1/{path}"));
    let response = app.client.get(&url).send().await.expect("answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let body = response.json().await.expect("JSON");
    (status, body, headers)
}

async fn pages_and_their_history(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let first = edit(&app, "Search Alpha", "one", "first").await;
    let second = edit(&app, "Search Alpha", "one two three", "second").await;

    let (status, body, headers) = rest(&app, "page/Search_Alpha").await;
    assert_eq!(status, 200, "{body}");
    let timestamp = body["latest"]["timestamp"].clone();
    assert_eq!(
        body,
        json!({"id": body["id"], "key": "Search_Alpha", "title": "Search Alpha",
               "latest": {"id": second, "timestamp": timestamp},
               "content_model": "wikitext", "license": {"url": "", "title": ""},
               "source": "one two three"})
    );
    assert!(headers.get("last-modified").is_some());
    let (_, bare, _) = rest(&app, "page/Search%20Alpha/bare").await;
    assert!(bare.get("source").is_none(), "{bare}");
    assert!(
        bare["html_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/rest.php/v1/page/Search%20Alpha/html")),
        "{bare}"
    );

    let (status, body, _) = rest(&app, "page/Search%20Alpha/history").await;
    assert_eq!(status, 200, "{body}");
    let revisions = body["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["id"], second);
    assert_eq!(revisions[0]["size"], 13);
    assert_eq!(revisions[0]["delta"], 10);
    assert_eq!(revisions[0]["minor"], false);
    assert_eq!(revisions[0]["comment"], "second");
    assert_eq!(revisions[0]["user"]["name"], "Admin");
    assert_eq!(revisions[1]["id"], first);
    assert_eq!(revisions[1]["delta"], Value::Null);
    assert!(
        body["latest"]
            .as_str()
            .is_some_and(|u| u.ends_with("/rest.php/v1/page/Search_Alpha/history"))
    );
    assert!(body.get("older").is_none(), "{body}");

    // Paging by revision: older_than the newest gives the first.
    let (_, body, _) = rest(
        &app,
        &format!("page/Search_Alpha/history?older_than={second}"),
    )
    .await;
    let ids: Vec<i64> = body["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, [first], "{body}");

    // Filters: a minor edit, no anonymous ones.
    let token = app.csrf_token().await;
    let body = app
        .post(&[
            ("action", "edit"),
            ("title", "Search Alpha"),
            ("text", "one two three four"),
            ("minor", "1"),
            ("token", &token),
        ])
        .await;
    let minor = body["edit"]["newrevid"].as_i64().expect("minor edit");
    let (_, body, _) = rest(&app, "page/Search_Alpha/history?filter=minor").await;
    let ids: Vec<i64> = body["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, [minor], "{body}");
    assert_eq!(body["revisions"][0]["minor"], true);
    let (_, body, _) = rest(&app, "page/Search_Alpha/history?filter=anonymous").await;
    assert_eq!(body["revisions"], json!([]), "{body}");

    // Errors as MediaWiki's REST API gives them.
    let (status, body, _) = rest(&app, "page/Nope").await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        json!({"messageTranslations": {"en": "The specified title (Nope) does not exist"},
               "httpCode": 404, "httpReason": "Not Found"})
    );
    let (status, _, _) = rest(&app, "page/Nope/history").await;
    assert_eq!(status, 404);
    let (status, body, _) = rest(&app, "page/Search_Alpha/history?older_than=99999").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["messageTranslations"]["en"],
        "The specified revision (99999) does not exist for the specified page (Search_Alpha)"
    );
    let (status, body, _) = rest(&app, "page/Search_Alpha/history?filter=bogus").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "parameter-validation-failed", "name": "filter", "value": "bogus",
               "failureCode": "badvalue", "failureData": [],
               "messageTranslations": {"en": "Unrecognized value for parameter \"filter\": bogus."},
               "httpCode": 400, "httpReason": "Bad Request"})
    );
    let (status, body, _) = rest(&app, "bogus").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["messageTranslations"]["en"],
        "The requested relative path (/v1/bogus) did not match any known handler"
    );
}

async fn files_and_title_search(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let bytes = png(1000, 500, 4);
    let body = app
        .upload(
            &[("filename", "Wide_file.png"), ("comment", "")],
            Some(&bytes),
        )
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
    let small = png(4, 4, 5);
    let body = app
        .upload(&[("filename", "Small.png"), ("comment", "")], Some(&small))
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");

    let (status, body, headers) = rest(&app, "file/File:Wide_file.png").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Wide file.png");
    assert!(
        body["file_description_url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/index.php/File:Wide_file.png"))
    );
    assert_eq!(body["latest"]["user"]["name"], "Admin");
    assert_eq!(body["original"]["width"], 1000);
    assert_eq!(body["original"]["size"], bytes.len());
    assert_eq!(body["original"]["mediatype"], "BITMAP");
    assert_eq!(body["preferred"]["width"], 800);
    assert_eq!(body["preferred"]["height"], 400);
    assert_eq!(body["preferred"]["size"], Value::Null);
    let preferred = body["preferred"]["url"].as_str().expect("url");
    assert!(
        preferred.contains("/images/thumb/") && preferred.ends_with("800px-Wide_file.png"),
        "{preferred}"
    );
    assert_eq!(app.download(preferred).await.status(), 200);
    assert_eq!(body["thumbnail"]["url"], body["original"]["url"]);
    assert!(headers.get("etag").is_some());
    let (_, small_body, _) = rest(&app, "file/Small.png").await;
    assert_eq!(small_body["preferred"], small_body["original"]);
    let (status, body, _) = rest(&app, "file/Nope.png").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["messageTranslations"]["en"],
        "The specified title (Nope.png) does not exist"
    );

    edit(&app, "Search Alpha", "x", "").await;
    edit(&app, "Seaside", "x", "").await;
    edit(&app, "Other", "x", "").await;
    let (status, body, _) = rest(&app, "search/title?q=sea&limit=1").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"pages": [{"id": body["pages"][0]["id"], "key": "Search_Alpha", "title": "Search Alpha",
            "excerpt": "Search Alpha", "matched_title": null, "description": null, "thumbnail": null}]})
    );
    let (_, body, _) = rest(&app, "search/title?q=Sea").await;
    assert_eq!(body["pages"].as_array().map(Vec::len), Some(2), "{body}");
    for (query, name, value, code) in [
        ("search/title", "q", Value::Null, "missingparam"),
        ("search/title?q=", "q", json!(""), "missingparam"),
        (
            "search/title?q=a&limit=200",
            "limit",
            json!("200"),
            "outofrange",
        ),
    ] {
        let (status, body, _) = rest(&app, query).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["name"], name);
        assert_eq!(body["value"], value);
        assert_eq!(body["failureCode"], code);
    }
    let (_, body, _) = rest(&app, "search/title?q=a&limit=200").await;
    assert_eq!(
        body["failureData"],
        json!({"min": 1, "curmax": 100, "max": 100, "highmax": 100})
    );
}

on_both_backends!(pages_and_their_history, files_and_title_search);
