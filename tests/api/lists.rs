//! list=allimages and list=logevents: orders, filters, the errors of
//! mismatched parameters, item shapes in the key order of the reference
//! wiki (transcripts 51 and 52), and continuation round trips.

use serde_json::{Value, json};
use wikiupload::pages::hash::sha1_base36;

use crate::helpers::*;
use crate::on_both_backends;

/// Uploads a PNG of `seed` as `name`; returns its bytes.
async fn upload_png(app: &TestApp, name: &str, seed: u32, extra: &[(&str, &str)]) -> Vec<u8> {
    let bytes = png(8 + seed, 6 + seed, seed);
    let mut params = vec![("filename", name), ("comment", "")];
    params.extend_from_slice(extra);
    let body = app.upload(&params, Some(&bytes)).await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
    bytes
}

/// Four files, uploaded out of name order.
async fn app_with_files(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    for (seed, name) in [
        "Banana.png",
        "Apple.png",
        "Cherry pie.png",
        "Apple tart.png",
    ]
    .into_iter()
    .enumerate()
    {
        upload_png(&app, name, seed as u32 + 1, &[]).await;
    }
    app
}

async fn all_images(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let mut all = vec![("action", "query"), ("list", "allimages")];
    all.extend_from_slice(params);
    app.get(&all).await
}

async fn log_events(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let mut all = vec![("action", "query"), ("list", "logevents")];
    all.extend_from_slice(params);
    app.get(&all).await
}

fn names(body: &Value) -> Vec<&str> {
    body["query"]["allimages"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|item| item["name"].as_str().expect("a name"))
        .collect()
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

async fn allimages_lists_current_files_by_name(backend: Backend) {
    let app = app_with_files(backend).await;
    let server = app.api.trim_end_matches("/api.php").to_owned();

    let body = all_images(&app, &[]).await;
    assert_eq!(keys(&body), ["batchcomplete", "query"], "{body}");
    assert_eq!(body["batchcomplete"], "");
    // Byte order of the DB key: '.' sorts before '_'.
    assert_eq!(
        names(&body),
        [
            "Apple.png",
            "Apple_tart.png",
            "Banana.png",
            "Cherry_pie.png"
        ]
    );
    let item = &body["query"]["allimages"][1];
    assert_eq!(
        keys(item),
        [
            "name",
            "timestamp",
            "url",
            "descriptionurl",
            "descriptionshorturl",
            "ns",
            "title"
        ]
    );
    assert_eq!(item["ns"], 6);
    assert_eq!(item["title"], "File:Apple tart.png");
    assert_eq!(
        item["descriptionurl"],
        format!("{server}/index.php/File:Apple_tart.png")
    );
    assert!(
        item["descriptionshorturl"]
            .as_str()
            .is_some_and(|u| u.starts_with(&format!("{server}/index.php?curid="))),
        "{item}"
    );

    let descending = all_images(&app, &[("aidir", "descending")]).await;
    assert_eq!(
        names(&descending),
        [
            "Cherry_pie.png",
            "Banana.png",
            "Apple_tart.png",
            "Apple.png"
        ]
    );
    // from/to/prefix take text-form input, normalized to DB keys.
    let from = all_images(&app, &[("aifrom", "banana")]).await;
    assert_eq!(names(&from), ["Banana.png", "Cherry_pie.png"]);
    let to = all_images(&app, &[("aito", "Apple_tart.png")]).await;
    assert_eq!(names(&to), ["Apple.png", "Apple_tart.png"]);
    let backwards = all_images(
        &app,
        &[
            ("aidir", "descending"),
            ("aifrom", "Banana.png"),
            ("aito", "Apple tart.png"),
        ],
    )
    .await;
    assert_eq!(names(&backwards), ["Banana.png", "Apple_tart.png"]);
    let prefix = all_images(&app, &[("aiprefix", "Apple")]).await;
    assert_eq!(names(&prefix), ["Apple.png", "Apple_tart.png"]);
    let spaced = all_images(&app, &[("aiprefix", "apple t")]).await;
    assert_eq!(names(&spaced), ["Apple_tart.png"]);

    // Two at a time, then the rest with the continuation as given.
    let first = all_images(&app, &[("ailimit", "2")]).await;
    assert_eq!(
        keys(&first),
        ["batchcomplete", "continue", "query"],
        "{first}"
    );
    assert_eq!(
        first["continue"],
        json!({"aicontinue": "Banana.png", "continue": "-||"})
    );
    assert_eq!(names(&first), ["Apple.png", "Apple_tart.png"]);
    let second = all_images(
        &app,
        &[
            ("ailimit", "2"),
            ("aicontinue", "Banana.png"),
            ("continue", "-||"),
        ],
    )
    .await;
    assert_eq!(names(&second), ["Banana.png", "Cherry_pie.png"]);
    assert_eq!(keys(&second), ["batchcomplete", "query"]);

    let fv2 = all_images(&app, &[("ailimit", "2"), ("formatversion", "2")]).await;
    assert_eq!(fv2["batchcomplete"], true);
    assert_eq!(fv2["continue"]["aicontinue"], "Banana.png");
}

async fn allimages_lists_by_timestamp_with_properties(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    // Later and greater: newest first whether the two share a second or not.
    let first = upload_png(&app, "Alpha.png", 1, &[("comment", "oldest")]).await;
    let second = upload_png(&app, "Beta.png", 2, &[("comment", "newest")]).await;

    let props = "timestamp|user|comment|url|size|dimensions|sha1|mime|mediatype|canonicaltitle";
    let body = all_images(
        &app,
        &[
            ("aisort", "timestamp"),
            ("aidir", "descending"),
            ("aiprop", props),
            ("ailimit", "1"),
        ],
    )
    .await;
    let item = &body["query"]["allimages"][0];
    // The order of transcript 51's "allimages by timestamp, newest first, with props".
    assert_eq!(
        keys(item),
        [
            "name",
            "timestamp",
            "user",
            "size",
            "width",
            "height",
            "comment",
            "canonicaltitle",
            "url",
            "descriptionurl",
            "descriptionshorturl",
            "sha1",
            "mime",
            "mediatype",
            "ns",
            "title"
        ]
    );
    assert_eq!(item["name"], "Beta.png");
    assert_eq!(item["user"], "Uploader");
    assert_eq!(item["comment"], "newest");
    assert_eq!(item["size"], second.len());
    assert_eq!(
        (item["width"].clone(), item["height"].clone()),
        (json!(10), json!(8))
    );
    assert_eq!(item["sha1"], sha1_hex(&second));
    assert_eq!(item["mime"], "image/png");
    assert_eq!(item["mediatype"], "BITMAP");
    assert_eq!(item["canonicaltitle"], "File:Beta.png");

    let next = body["continue"]["aicontinue"]
        .as_str()
        .expect("a continuation");
    let (stamp, name) = next.split_once('|').expect("timestamp|name");
    assert_eq!(name, "Alpha.png");
    assert!(
        stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()),
        "{next}"
    );
    let rest = all_images(
        &app,
        &[
            ("aisort", "timestamp"),
            ("aidir", "descending"),
            ("aiprop", "sha1"),
            ("ailimit", "1"),
            ("aicontinue", next),
        ],
    )
    .await;
    assert_eq!(names(&rest), ["Alpha.png"]);
    assert_eq!(rest["query"]["allimages"][0]["sha1"], sha1_hex(&first));
    assert!(rest.get("continue").is_none(), "{rest}");

    let ascending = all_images(&app, &[("aisort", "timestamp")]).await;
    assert_eq!(names(&ascending), ["Alpha.png", "Beta.png"]);
    for (start, dir, expected) in [
        ("2000-01-01T00:00:00Z", "newer", 2),
        ("2000-01-01T00:00:00Z", "older", 0),
        ("21000101000000", "older", 2),
        ("21000101000000", "newer", 0),
    ] {
        let params = [("aisort", "timestamp"), ("aidir", dir), ("aistart", start)];
        let body = all_images(&app, &params).await;
        assert_eq!(names(&body).len(), expected, "{params:?}: {body}");
    }

    let timestamp = &[("aisort", "timestamp")];
    for (filter, expected) in [
        (("aiuser", "uploader"), 2),
        (("aiuser", "Admin"), 0),
        (("aifilterbots", "nobots"), 2),
        (("aifilterbots", "bots"), 0),
    ] {
        let mut params = timestamp.to_vec();
        params.push(filter);
        let body = all_images(&app, &params).await;
        assert_eq!(names(&body).len(), expected, "{filter:?}: {body}");
    }
}

async fn allimages_filters_by_hash_size_and_type(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let small = upload_png(&app, "Small.png", 1, &[]).await;
    let large = upload_png(&app, "Large.png", 9, &[]).await;

    let hex = sha1_hex(&large);
    let by_hex = all_images(&app, &[("aisha1", &hex.to_uppercase())]).await;
    assert_eq!(names(&by_hex), ["Large.png"]);
    let by_base36 = all_images(&app, &[("aisha1base36", &sha1_base36(&hex))]).await;
    assert_eq!(names(&by_base36), ["Large.png"]);
    let unknown = all_images(&app, &[("aisha1", &"0".repeat(40))]).await;
    assert_eq!(unknown["query"]["allimages"], json!([]));

    let bad = all_images(&app, &[("aisha1", "not-a-hash")]).await;
    assert_eq!(bad["error"]["code"], "invalidsha1hash", "{bad}");
    assert_eq!(bad["error"]["info"], "The SHA1 hash provided is not valid.");
    let bad36 = all_images(&app, &[("aisha1base36", "abc")]).await;
    assert_eq!(bad36["error"]["code"], "invalidsha1base36hash");

    let size = small.len().to_string();
    let at_most = all_images(&app, &[("aimaxsize", &size)]).await;
    assert_eq!(names(&at_most), ["Small.png"]);
    let above = (small.len() + 1).to_string();
    let at_least = all_images(&app, &[("aiminsize", &above)]).await;
    assert_eq!(names(&at_least), ["Large.png"]);

    let png = all_images(&app, &[("aimime", "image/gif|image/png")]).await;
    assert_eq!(names(&png), ["Large.png", "Small.png"]);
    let gif = all_images(&app, &[("aimime", "image/gif")]).await;
    assert_eq!(gif["query"]["allimages"], json!([]));
    let no_type = all_images(&app, &[("aimime", "")]).await;
    assert_eq!(no_type["query"]["allimages"], json!([]));
}

async fn allimages_refuses_parameters_of_the_other_sort(backend: Backend) {
    let app = spawn_app(backend).await;
    for (params, code, info) in [
        (
            vec![("aistart", "2020-01-01T00:00:00Z")],
            "invalidparammix",
            "The \"aistart\" parameter may only be used with \"aisort=timestamp\".",
        ),
        (
            vec![("aifilterbots", "bots")],
            "invalidparammix",
            "The \"aifilterbots\" parameter may only be used with \"aisort=timestamp\".",
        ),
        (
            vec![("aisort", "timestamp"), ("aiprefix", "A")],
            "invalidparammix",
            "The \"aiprefix\" parameter may only be used with \"aisort=name\".",
        ),
        (
            vec![
                ("aisort", "timestamp"),
                ("aiuser", "Uploader"),
                ("aifilterbots", "nobots"),
            ],
            "invalidparammix-cannotusewith",
            "The \"aiuser\" parameter cannot be used with \"aifilterbots\".",
        ),
        (
            vec![("aicontinue", "A.png|B.png")],
            "badcontinue",
            "Invalid continue param. You should pass the original value returned by the previous query.",
        ),
        (
            vec![("aisort", "timestamp"), ("aicontinue", "A.png")],
            "badcontinue",
            "Invalid continue param. You should pass the original value returned by the previous query.",
        ),
        (
            vec![("aifrom", "A[b")],
            "invalidtitle",
            "Bad title \"A[b\".",
        ),
        (
            vec![("aisort", "timestamp"), ("aiuser", "a<b")],
            "baduser",
            "Invalid value \"a<b\" for user parameter \"aiuser\".",
        ),
    ] {
        let body = all_images(&app, &params).await;
        assert_eq!(body["error"]["code"], code, "{params:?}: {body}");
        assert_eq!(body["error"]["info"], info, "{params:?}");
    }
    let attributed = all_images(
        &app,
        &[
            ("aistart", "2020-01-01T00:00:00Z"),
            ("errorformat", "plaintext"),
        ],
    )
    .await;
    assert_eq!(attributed["errors"][0]["module"], "query+allimages");
}

async fn logevents_shows_uploads_and_overwrites(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let v1 = upload_png(&app, "Versioned.png", 1, &[("comment", "v1")]).await;
    let v2 = upload_png(
        &app,
        "Versioned.png",
        2,
        &[("comment", "v2"), ("ignorewarnings", "1")],
    )
    .await;

    let body = log_events(&app, &[("letype", "upload")]).await;
    assert_eq!(keys(&body), ["batchcomplete", "query"], "{body}");
    let events = body["query"]["logevents"].as_array().expect("a list");
    assert_eq!(events.len(), 2, "{body}");
    let (overwrite, upload) = (&events[0], &events[1]);
    // The shape of transcript 52's "upload log, 10 newest".
    assert_eq!(
        keys(overwrite),
        [
            "logid",
            "ns",
            "title",
            "pageid",
            "logpage",
            "params",
            "type",
            "action",
            "user",
            "timestamp",
            "comment"
        ]
    );
    assert_eq!(keys(&overwrite["params"]), ["img_sha1", "img_timestamp"]);
    for (event, action, comment, bytes) in [
        (overwrite, "overwrite", "v2", &v2),
        (upload, "upload", "v1", &v1),
    ] {
        assert_eq!(event["ns"], 6);
        assert_eq!(event["title"], "File:Versioned.png");
        assert_eq!(event["type"], "upload");
        assert_eq!(event["action"], action);
        assert_eq!(event["user"], "Uploader");
        assert_eq!(event["comment"], comment);
        assert_eq!(event["params"]["img_sha1"], sha1_base36(&sha1_hex(bytes)));
        assert_eq!(event["params"]["img_timestamp"], event["timestamp"]);
        assert_eq!(event["pageid"], event["logpage"]);
    }
    assert!(overwrite["logid"].as_i64() > upload["logid"].as_i64());
    assert_eq!(overwrite["pageid"], upload["pageid"]);
    assert!(overwrite["timestamp"].as_str() > upload["timestamp"].as_str());
    let page = app
        .get(&[
            ("action", "query"),
            ("titles", "File:Versioned.png"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(page["query"]["pages"][0]["pageid"], overwrite["pageid"]);

    let all_props = "ids|title|type|user|userid|timestamp|comment|parsedcomment|details|tags";
    let full = log_events(&app, &[("letype", "upload"), ("leprop", all_props)]).await;
    let event = &full["query"]["logevents"][0];
    assert_eq!(
        keys(event),
        [
            "logid",
            "ns",
            "title",
            "pageid",
            "logpage",
            "params",
            "type",
            "action",
            "user",
            "userid",
            "timestamp",
            "comment",
            "parsedcomment",
            "tags"
        ]
    );
    assert_eq!(event["parsedcomment"], "v2");
    assert_eq!(event["tags"], json!([]));
    assert!(event["userid"].as_i64().is_some_and(|id| id > 0));

    let fv2 = log_events(&app, &[("letype", "upload"), ("formatversion", "2")]).await;
    assert_eq!(fv2["batchcomplete"], true);
    assert_eq!(fv2["query"]["logevents"], body["query"]["logevents"]);
}

async fn logevents_filters_and_continues(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    upload_png(&app, "One.png", 1, &[]).await;
    upload_png(&app, "Two.png", 2, &[]).await;
    upload_png(&app, "Two.png", 3, &[("ignorewarnings", "1")]).await;

    let first = log_events(&app, &[("letype", "upload"), ("lelimit", "2")]).await;
    assert_eq!(keys(&first), ["batchcomplete", "continue", "query"]);
    let events = first["query"]["logevents"].as_array().expect("a list");
    assert_eq!(events.len(), 2);
    let next = first["continue"]["lecontinue"].as_str().expect("continues");
    assert_eq!(first["continue"]["continue"], "-||");
    let (stamp, id) = next.split_once('|').expect("timestamp|id");
    assert_eq!(stamp.len(), 14);
    let rest = log_events(
        &app,
        &[
            ("letype", "upload"),
            ("lelimit", "2"),
            ("lecontinue", next),
            ("continue", "-||"),
        ],
    )
    .await;
    let last = &rest["query"]["logevents"];
    assert_eq!(last.as_array().map(Vec::len), Some(1), "{rest}");
    assert_eq!(last[0]["logid"].to_string(), id);
    assert_eq!(last[0]["title"], "File:One.png");
    assert!(rest.get("continue").is_none());

    let count = |body: &Value| body["query"]["logevents"].as_array().map(Vec::len);
    let oldest_first = log_events(&app, &[("ledir", "newer")]).await;
    assert_eq!(
        oldest_first["query"]["logevents"][0]["title"],
        "File:One.png"
    );
    for (params, expected) in [
        (vec![("letitle", "File:Two.png")], 2),
        (vec![("letitle", "file:two.png")], 2),
        (vec![("leprefix", "File:T")], 2),
        (vec![("lenamespace", "6")], 3),
        (vec![("lenamespace", "0")], 0),
        (vec![("leaction", "upload/overwrite")], 1),
        (vec![("letype", "delete")], 0),
        (vec![("leuser", "uploader")], 3),
        (vec![("leuser", "Admin")], 0),
        (vec![("letag", "mobile edit")], 0),
        (vec![("lestart", "2000-01-01T00:00:00Z")], 0),
        (vec![("leend", "2000-01-01T00:00:00Z")], 3),
    ] {
        let body = log_events(&app, &params).await;
        assert_eq!(count(&body), Some(expected), "{params:?}: {body}");
    }

    for (params, code, info) in [
        (
            vec![("letitle", "File:Two.png"), ("leprefix", "File:T")],
            "invalidparammix",
            "The parameters \"letitle\" and \"leprefix\" can not be used together.",
        ),
        (
            vec![("leaction", "upload")],
            "unknown_leaction",
            "Unrecognized value for parameter \"leaction\": upload.",
        ),
        (
            vec![("lecontinue", "20260101000000")],
            "badcontinue",
            "Invalid continue param. You should pass the original value returned by the previous query.",
        ),
        (
            vec![("letitle", "File:a[b")],
            "invalidtitle",
            "Bad title \"File:a[b\".",
        ),
    ] {
        let body = log_events(&app, &params).await;
        assert_eq!(body["error"]["code"], code, "{params:?}: {body}");
        assert_eq!(body["error"]["info"], info, "{params:?}");
    }
}

async fn logevents_shows_deletions(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    upload_png(&app, "Doomed.png", 1, &[]).await;
    let token = app.csrf_token().await;
    let deleted = app
        .post(&[
            ("action", "delete"),
            ("title", "File:Doomed.png"),
            ("reason", "cleanup"),
            ("token", &token),
        ])
        .await;
    assert!(deleted["delete"]["logid"].as_i64().is_some(), "{deleted}");

    let body = log_events(&app, &[("letype", "delete")]).await;
    let event = &body["query"]["logevents"][0];
    // The shape of transcript 52's "delete log, 3 newest": no parameters.
    assert_eq!(
        keys(event),
        [
            "logid",
            "ns",
            "title",
            "pageid",
            "logpage",
            "params",
            "type",
            "action",
            "user",
            "timestamp",
            "comment"
        ]
    );
    assert_eq!(event["logid"], deleted["delete"]["logid"]);
    assert_eq!(event["title"], "File:Doomed.png");
    assert_eq!(event["params"], json!({}));
    assert_eq!(
        (&event["type"], &event["action"]),
        (&json!("delete"), &json!("delete"))
    );
    assert_eq!(event["user"], "Admin");
    assert_eq!(event["comment"], "cleanup");
    // The page is gone, so no page has the title any more.
    assert_eq!(event["pageid"], 0);

    let files = all_images(&app, &[]).await;
    assert_eq!(files["query"]["allimages"], json!([]));
}

on_both_backends!(
    allimages_lists_current_files_by_name,
    allimages_lists_by_timestamp_with_properties,
    allimages_filters_by_hash_size_and_type,
    allimages_refuses_parameters_of_the_other_sort,
    logevents_shows_uploads_and_overwrites,
    logevents_filters_and_continues,
    logevents_shows_deletions,
);
