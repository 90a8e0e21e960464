//! The query machinery: every generator combined with `prop=info` and
//! `prop=imageinfo`, continuation walked to the end in both styles while
//! files are added (nothing lost, nothing repeated), `limits` for `max`
//! by rights, and the page set's `multisource` error.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

async fn upload_png(app: &TestApp, name: &str, seed: u32) {
    let bytes = png(8 + seed, 6 + seed, seed);
    let body = app
        .upload(&[("filename", name), ("comment", "")], Some(&bytes))
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
}

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

/// Titles of `query.pages` (fv2).
fn page_titles(body: &Value) -> Vec<String> {
    body["query"]["pages"]
        .as_array()
        .map(|pages| {
            pages
                .iter()
                .map(|p| p["title"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A wiki with two files, a page using one of them (with a link, a
/// template and a category), the template and the category page.
async fn linked_wiki(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    upload_png(&app, "Used.png", 1).await;
    upload_png(&app, "Unused.png", 2).await;
    // The same bytes as Used.png: its duplicate.
    let bytes = png(9, 7, 1);
    let body = app
        .upload(
            &[("filename", "Copy.png"), ("ignorewarnings", "1")],
            Some(&bytes),
        )
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
    edit(&app, "Template:Box", "a box").await;
    edit(&app, "Category:Things", "things").await;
    edit(
        &app,
        "Linking",
        "[[Target]] {{Box}} [[File:Used.png|thumb]] [[Category:Things]]",
    )
    .await;
    edit(&app, "Target", "the target").await;
    app
}

async fn every_generator_gives_pages_to_info_and_imageinfo(backend: Backend) {
    let app = linked_wiki(backend).await;
    // Generator, its parameters, the pages it gives.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (
            "allimages",
            &[],
            &["File:Copy.png", "File:Unused.png", "File:Used.png"],
        ),
        (
            "allpages",
            &[("gapnamespace", "6")],
            &["File:Copy.png", "File:Unused.png", "File:Used.png"],
        ),
        ("backlinks", &[("gbltitle", "Target")], &["Linking"]),
        ("embeddedin", &[("geititle", "Template:Box")], &["Linking"]),
        ("imageusage", &[("giutitle", "File:Used.png")], &["Linking"]),
        (
            "categorymembers",
            &[("gcmtitle", "Category:Things")],
            &["Linking"],
        ),
        ("links", &[("titles", "Linking")], &["Target"]),
        ("templates", &[("titles", "Linking")], &["Template:Box"]),
        ("images", &[("titles", "Linking")], &["File:Used.png"]),
        ("categories", &[("titles", "Linking")], &["Category:Things"]),
        ("fileusage", &[("titles", "File:Used.png")], &["Linking"]),
        (
            "duplicatefiles",
            &[("titles", "File:Used.png")],
            &["File:Copy.png"],
        ),
        ("revisions", &[("titles", "Target")], &["Target"]),
    ];
    for (generator, extra, expected) in cases {
        let mut params = vec![
            ("action", "query"),
            ("generator", *generator),
            ("prop", "info|imageinfo"),
            ("iiprop", "size|sha1"),
            ("formatversion", "2"),
        ];
        params.extend_from_slice(extra);
        let body = app.get(&params).await;
        let titles: BTreeSet<String> = page_titles(&body).into_iter().collect();
        let expected: BTreeSet<String> = expected.iter().map(|t| t.to_string()).collect();
        assert_eq!(titles, expected, "generator={generator}: {body}");
        for page in body["query"]["pages"].as_array().expect("pages") {
            assert_eq!(page["contentmodel"], "wikitext", "{generator}: {page}");
            let is_file = page["ns"] == 6;
            assert_eq!(page["imageinfo"].is_array(), is_file, "{generator}: {page}");
        }
        assert_eq!(body["batchcomplete"], true, "{generator}: {body}");
    }
}

/// Walks `list=allimages` (or the same as a generator) with limit 2 to
/// its end, uploading files on the way; returns every name seen.
async fn walk(app: &TestApp, generator: bool, raw: bool) -> Vec<String> {
    let mut base: Vec<(String, String)> = vec![("action".into(), "query".into())];
    let (limit, key) = if generator {
        base.push(("generator".into(), "allimages".into()));
        base.push(("prop".into(), "imageinfo".into()));
        ("gailimit", "gaicontinue")
    } else {
        base.push(("list".into(), "allimages".into()));
        ("ailimit", "aicontinue")
    };
    base.push((limit.into(), "2".into()));
    base.push(("formatversion".into(), "2".into()));
    if raw {
        base.push(("rawcontinue".into(), "1".into()));
    }
    let mut seen = Vec::new();
    let mut next: Vec<(String, String)> = Vec::new();
    for round in 0.. {
        assert!(round < 20, "the walk does not end");
        let params: Vec<(&str, &str)> = base
            .iter()
            .chain(&next)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let body = app.get(&params).await;
        if generator {
            seen.extend(page_titles(&body));
        } else {
            for item in body["query"]["allimages"].as_array().expect("a list") {
                seen.push(item["title"].as_str().unwrap_or_default().to_owned());
            }
        }
        if round == 0 {
            // One file before the walk's position, one after it.
            upload_png(app, "Aaa.png", 40).await;
            upload_png(app, "Zzz.png", 41).await;
        }
        let continuation = if raw {
            assert!(body.get("batchcomplete").is_none(), "{body}");
            assert!(body.get("continue").is_none(), "{body}");
            body["query-continue"]["allimages"].clone()
        } else {
            assert!(body.get("query-continue").is_none(), "{body}");
            body["continue"].clone()
        };
        let Some(map) = continuation.as_object() else {
            break;
        };
        assert!(map.contains_key(key), "{body}");
        next = map
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
    }
    seen
}

async fn continuation_walks_lose_and_repeat_nothing(backend: Backend) {
    for (generator, raw) in [(false, false), (false, true), (true, false), (true, true)] {
        let app = spawn_app(backend).await;
        app.login_as_bot().await;
        for (seed, name) in ["Bb.png", "Cc.png", "Dd.png", "Ee.png", "Ff.png"]
            .into_iter()
            .enumerate()
        {
            upload_png(&app, name, seed as u32 + 1).await;
        }
        let seen = walk(&app, generator, raw).await;
        let expected: Vec<String> = ["Bb", "Cc", "Dd", "Ee", "Ff", "Zzz"]
            .iter()
            .map(|n| format!("File:{n}.png"))
            .collect();
        assert_eq!(seen, expected, "generator: {generator}, rawcontinue: {raw}");
    }
}

async fn props_continue_before_the_generator_moves_on(backend: Backend) {
    let app = linked_wiki(backend).await;
    // Two pages from the generator, their links one at a time.
    edit(&app, "Second", "[[Target]] [[Linking]]").await;
    let base = [
        ("action", "query"),
        ("generator", "backlinks"),
        ("gbltitle", "Target"),
        ("prop", "links"),
        ("pllimit", "1"),
        ("formatversion", "2"),
    ];
    let body = app.get(&base).await;
    assert_eq!(body["continue"]["continue"], "||", "{body}");
    assert!(body.get("batchcomplete").is_none(), "{body}");
    let mut links = Vec::new();
    let mut next = body["continue"].clone();
    let mut body = body;
    loop {
        for page in body["query"]["pages"].as_array().expect("pages") {
            for link in page["links"].as_array().into_iter().flatten() {
                links.push(format!(
                    "{} -> {}",
                    page["title"].as_str().unwrap_or_default(),
                    link["title"].as_str().unwrap_or_default()
                ));
            }
        }
        let Some(map) = next.as_object() else { break };
        let mut params: Vec<(&str, &str)> = base.to_vec();
        params.extend(
            map.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())),
        );
        body = app.get(&params).await;
        next = body["continue"].clone();
    }
    assert_eq!(
        links,
        ["Linking -> Target", "Second -> Linking", "Second -> Target"],
        "{body}"
    );
    // The same in the old style: both the prop and the generator continue.
    let mut raw = base.to_vec();
    raw.push(("rawcontinue", "1"));
    let body = app.get(&raw).await;
    assert!(
        body["query-continue"]["links"]["plcontinue"].is_string(),
        "{body}"
    );
}

async fn max_limits_follow_the_apihighlimits_right(backend: Backend) {
    let app = spawn_app(backend).await;
    let params = [
        ("action", "query"),
        ("list", "allimages|allpages"),
        ("ailimit", "max"),
        ("aplimit", "max"),
    ];
    let body = app.get(&params).await;
    assert_eq!(body["limits"]["allimages"], 500, "{body}");
    assert_eq!(body["limits"]["allpages"], 500, "{body}");
    let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["batchcomplete", "limits", "query"], "{body}");
    app.login_as_admin().await;
    let body = app.get(&params).await;
    assert_eq!(body["limits"]["allimages"], 5000, "{body}");
    let body = app
        .get(&[
            ("action", "query"),
            ("generator", "allpages"),
            ("gaplimit", "max"),
        ])
        .await;
    assert_eq!(body["limits"]["allpages"], 5000, "{body}");
}

async fn titles_pageids_and_revids_are_one_source(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[("action", "query"), ("titles", "A"), ("pageids", "1")])
        .await;
    assert_eq!(body["error"]["code"], "multisource", "{body}");
    assert_eq!(
        body["error"]["info"],
        "The \"pageids\" parameter cannot be used with \"titles\"."
    );
    let body = app
        .get(&[("action", "query"), ("pageids", "1"), ("revids", "1")])
        .await;
    assert_eq!(
        body["error"]["info"],
        "The \"revids\" parameter cannot be used with \"pageids\"."
    );
    let body = app
        .get(&[
            ("action", "query"),
            ("titles", "A"),
            ("continue", "nonsense"),
        ])
        .await;
    assert_eq!(body["error"]["code"], "badcontinue", "{body}");
}

on_both_backends!(
    every_generator_gives_pages_to_info_and_imageinfo,
    continuation_walks_lose_and_repeat_nothing,
    props_continue_before_the_generator_moves_on,
    max_limits_follow_the_apihighlimits_right,
    titles_pageids_and_revids_are_one_source,
);
