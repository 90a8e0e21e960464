//! `action=parse` and `action=expandtemplates`: the reference wiki's
//! shapes (fv1 and fv2), the rendered subset of wikitext, red links and
//! thumbnails, sections, redirects, errors, and text that tries to inject
//! markup or script.

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

async fn parse(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let mut all = vec![("action", "parse"), ("formatversion", "2")];
    all.extend_from_slice(params);
    app.post(&all).await
}

/// The reference's "Parse Test" page (and the pages it links to).
const PARSE_TEST: &str = "Intro with '''bold''' and ''italic'' and a [[Search Alpha|link]] and \
[[Missing page]] and [https://example.org ext] and https://bare.example.com/x.\n\n== First ==\n\
* one\n* two\n# num\n{{Box|a=1}}\n[[File:Example.png|thumb|A caption]]\n=== Sub <b>x</b> ===\n\
text <script>alert(1)</script>\n[[Category:Tests]]\n[[Category:Other|key]]";

async fn parse_wiki(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    edit(&app, "Search Alpha", "The fox.").await;
    edit(&app, "Fox", "#REDIRECT [[Search Alpha]]").await;
    edit(&app, "Template:Box", "a box").await;
    edit(&app, "Parse Test", PARSE_TEST).await;
    app
}

async fn a_page_parses_as_the_reference_shapes_it(backend: Backend) {
    let app = parse_wiki(backend).await;
    let body = parse(&app, &[("page", "Parse Test")]).await;
    let parse = &body["parse"];
    let keys: Vec<&str> = parse
        .as_object()
        .unwrap_or_else(|| panic!("{body}"))
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "title",
            "pageid",
            "revid",
            "text",
            "langlinks",
            "categories",
            "links",
            "templates",
            "images",
            "externallinks",
            "sections",
            "showtoc",
            "parsewarnings",
            "displaytitle",
            "iwlinks",
            "properties"
        ]
    );
    assert_eq!(parse["title"], "Parse Test");
    let text = parse["text"].as_str().expect("text");
    for expected in [
        "<div class=\"mw-parser-output\"><p>Intro with <b>bold</b> and <i>italic</i> and a \
         <a href=\"/index.php/Search_Alpha\" title=\"Search Alpha\">link</a> and \
         <a href=\"/index.php?title=Missing_page&amp;action=edit&amp;redlink=1\" class=\"new\" \
         title=\"Missing page (page does not exist)\">Missing page</a> and \
         <a rel=\"nofollow\" class=\"external text\" href=\"https://example.org\">ext</a> and \
         <a rel=\"nofollow\" class=\"external free\" href=\"https://bare.example.com/x\">\
         https://bare.example.com/x</a>.\n</p>",
        "<h2><span class=\"mw-headline\" id=\"First\">First</span></h2>",
        "<ul><li>one</li>\n<li>two</li></ul>\n<ol><li>num</li></ol>",
        "<a href=\"/index.php/Template:Box\" title=\"Template:Box\">Template:Box</a>",
        "<a href=\"/index.php?title=Special:Upload&amp;wpDestFile=Example.png\" class=\"new\" \
         title=\"File:Example.png\">File:Example.png</a>  <div class=\"thumbcaption\">A caption</div>",
        "<h3><span class=\"mw-headline\" id=\"Sub_x\">Sub <b>x</b></span></h3>",
        "text &lt;script&gt;alert(1)&lt;/script&gt;",
    ] {
        assert!(text.contains(expected), "{expected}\nnot in\n{text}");
    }
    assert!(!text.contains("Category"), "{text}");
    assert_eq!(
        parse["categories"],
        json!([
            {"sortkey": "", "category": "Tests", "missing": true},
            {"sortkey": "key", "category": "Other", "missing": true}
        ])
    );
    assert_eq!(
        parse["links"],
        json!([
            {"ns": 0, "title": "Search Alpha", "exists": true},
            {"ns": 0, "title": "Missing page", "exists": false}
        ])
    );
    assert_eq!(
        parse["templates"],
        json!([{"ns": 10, "title": "Template:Box", "exists": true}])
    );
    assert_eq!(parse["images"], json!(["Example.png"]));
    assert_eq!(
        parse["externallinks"],
        json!(["https://example.org", "https://bare.example.com/x"])
    );
    assert_eq!(
        parse["sections"],
        json!([
            {"toclevel": 1, "level": "2", "line": "First", "number": "1", "index": "1",
             "fromtitle": "Parse_Test", "byteoffset": 149, "anchor": "First"},
            {"toclevel": 2, "level": "3", "line": "Sub <b>x</b>", "number": "1.1", "index": "2",
             "fromtitle": "Parse_Test", "byteoffset": 228, "anchor": "Sub_x"}
        ])
    );
    assert_eq!(parse["showtoc"], false);
    assert_eq!(
        parse["displaytitle"],
        "<span class=\"mw-page-title-main\">Parse Test</span>"
    );
    assert_eq!(parse["properties"], json!({}));

    // fv1: content under "*", flags as "".
    let body = app
        .get(&[
            ("action", "parse"),
            ("page", "Parse Test"),
            ("prop", "text|categories|links|wikitext|properties"),
            ("section", "1"),
        ])
        .await;
    let parse = &body["parse"];
    assert!(parse["text"]["*"].as_str().is_some(), "{body}");
    assert_eq!(
        parse["categories"][0],
        json!({"sortkey": "", "missing": "", "*": "Tests"})
    );
    assert_eq!(parse["links"], json!([]));
    assert_eq!(
        parse["wikitext"]["*"],
        "== First ==\n* one\n* two\n# num\n{{Box|a=1}}\n[[File:Example.png|thumb|A caption]]\n\
         === Sub <b>x</b> ===\ntext <script>alert(1)</script>\n[[Category:Tests]]\n[[Category:Other|key]]"
    );
    assert_eq!(parse["properties"], json!([]));
}

async fn text_summaries_redirects_and_errors(backend: Backend) {
    let app = parse_wiki(backend).await;
    let body = parse(
        &app,
        &[
            ("text", "Hi [[Fox]]"),
            ("title", "Some"),
            ("prop", "text|links"),
            ("disablelimitreport", "1"),
        ],
    )
    .await;
    assert_eq!(
        body,
        json!({"parse": {"title": "Some", "pageid": 0,
            "text": "<div class=\"mw-parser-output\"><p>Hi <a href=\"/index.php/Fox\" class=\"mw-redirect\" title=\"Fox\">Fox</a>\n</p></div>",
            "links": [{"ns": 0, "title": "Fox", "exists": true}]}})
    );
    let body = parse(&app, &[("summary", "see [[Fox]] <b>x</b>"), ("prop", "")]).await;
    assert_eq!(
        body,
        json!({"parse": {"title": "API", "pageid": 0,
            "parsedsummary": "see <a href=\"/index.php/Fox\" class=\"mw-redirect\" title=\"Fox\">Fox</a> &lt;b&gt;x&lt;/b&gt;"}})
    );
    let body = parse(
        &app,
        &[("page", "Fox"), ("redirects", "1"), ("prop", "revid")],
    )
    .await;
    assert_eq!(body["parse"]["title"], "Search Alpha", "{body}");
    assert_eq!(
        body["parse"]["redirects"],
        json!([{"from": "Fox", "to": "Search Alpha"}])
    );
    let body = parse(&app, &[("text", "x"), ("prop", "wikitext")]).await;
    assert_eq!(
        body["warnings"]["parse"]["warnings"],
        "No \"title\" or \"contentmodel\" was given, assuming wikitext."
    );
    assert_eq!(body["parse"]["wikitext"], "x");

    for (params, code, info) in [
        (
            &[("page", "Nope")][..],
            "missingtitle",
            "The page you specified doesn't exist.",
        ),
        (
            &[("pageid", "9999")][..],
            "nosuchpageid",
            "There is no page with ID 9999.",
        ),
        (
            &[("oldid", "9999")][..],
            "nosuchrevid",
            "There is no revision with ID 9999.",
        ),
        (
            &[("page", "Parse Test"), ("oldid", "5")][..],
            "invalidparammix",
            "The parameters \"page\" and \"oldid\" can not be used together.",
        ),
        (
            &[("page", "Parse Test"), ("section", "9")][..],
            "nosuchsection",
            "There is no section 9 in Parse Test.",
        ),
        (
            &[("page", "Parse Test"), ("section", "x")][..],
            "invalidsection",
            "The \"section\" parameter must be a valid section ID or \"new\".",
        ),
    ] {
        let body = parse(&app, params).await;
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(body["error"]["info"], info, "{body}");
    }
}

/// Every tag of `html` is one the renderer writes, with only its own
/// attributes, quoted, and no script URL.
fn assert_safe(attack: &str, html: &str) {
    let tag = regex::Regex::new(
        r#"^</?(div|p|a|b|i|u|s|h[1-6]|span|ul|ol|li|dl|dt|dd|pre|hr|br|table|caption|tr|th|td|img|code|small|big|sub|sup|em|strong|del|ins|tt|q|cite|kbd|var|samp|abbr|mark|center|blockquote|font|strike|bdi|bdo|data|dfn|time|ruby|rb|rp|rt)( (href|title|class|rel|id|src|alt|decoding|width|height|style)="[^"<>]*")*( /)?$"#,
    )
    .expect("pattern");
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let close = rest[open..]
            .find('>')
            .map(|c| open + c)
            .unwrap_or_else(|| panic!("{attack}: unclosed < in {html}"));
        let inside = &rest[open..close];
        assert!(tag.is_match(inside), "{attack}: tag {inside} in {html}");
        let lower = inside.to_lowercase();
        for url in [
            "href=\"javascript:",
            "src=\"javascript:",
            "href=\"data:",
            "src=\"data:",
        ] {
            assert!(!lower.contains(url), "{attack}: {inside}");
        }
        if inside.contains("style=") {
            assert!(inside.contains("style=\"width:"), "{attack}: {inside}");
        }
        rest = &rest[close + 1..];
    }
}

async fn markup_and_script_never_reach_the_html(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let attacks = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<b onclick=\"alert(1)\">x</b>",
        "<span style=\"background:url(javascript:alert(1))\">y</span>",
        "[javascript:alert(1) click]",
        "[[javascript:alert(1)|z]]",
        "[[\" onmouseover=\"alert(1)]]",
        "[http://x.example/\"onmouseover=\"alert(1) w]",
        "== <script>h</script> ==",
        "<nowiki><script>n</script></nowiki>",
        "<pre><iframe></pre>",
        "{{\"><script>t</script>}}",
        "[[File:\"><svg onload=alert(1)>.png|thumb|<script>c</script>]]",
        "</div></div><div onclick=x>",
        "&lt;script&gt;",
        "''<i onmouseover=alert(1)>''",
    ];
    for attack in attacks {
        let body = parse(
            &app,
            &[("text", attack), ("title", "X"), ("prop", "text|sections")],
        )
        .await;
        let html = body["parse"]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{body}"));
        assert_safe(attack, html);
        // Every tag opened is closed: the wrapper ends the document.
        assert!(html.ends_with("</div>"), "{html}");
        let opened = html.matches("<div").count();
        let closed = html.matches("</div>").count();
        assert_eq!(opened, closed, "{attack}: {html}");
    }
}

async fn files_render_as_thumbnails(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let bytes = png(400, 200, 1);
    let body = app
        .upload(&[("filename", "Wide.png"), ("comment", "")], Some(&bytes))
        .await;
    assert_eq!(body["upload"]["result"], "Success", "{body}");
    let body = parse(
        &app,
        &[
            (
                "text",
                "[[File:Wide.png|thumb|The ''caption'' [[Linked]]]] and [[File:Wide.png|50px]]",
            ),
            ("title", "X"),
            ("prop", "text|images|links"),
        ],
    )
    .await;
    let html = body["parse"]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    assert!(
        html.contains("<div class=\"thumb tright\"><div class=\"thumbinner\" style=\"width:182px;\"><a href=\"/index.php/File:Wide.png\" class=\"image\"><img alt=\"\" src=\""),
        "{html}"
    );
    assert!(html.contains("180px-Wide.png\" decoding=\"async\" width=\"180\" height=\"90\" class=\"thumbimage\" />"), "{html}");
    assert!(html.contains("<div class=\"thumbcaption\">The <i>caption</i> <a href=\"/index.php?title=Linked&amp;action=edit&amp;redlink=1\""), "{html}");
    assert!(
        html.contains("50px-Wide.png\" decoding=\"async\" width=\"50\" height=\"25\" />"),
        "{html}"
    );
    assert_eq!(body["parse"]["images"], json!(["Wide.png"]));
    assert_eq!(body["parse"]["links"][0]["title"], "Linked");
    // The thumbnail the page shows is served.
    let src = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("src");
    let response = app.download(src).await;
    assert_eq!(response.status(), 200, "{src}");
}

async fn expandtemplates_returns_the_text_with_a_warning(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[
            ("action", "expandtemplates"),
            ("text", "{{Box}}"),
            ("prop", "wikitext"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        body["expandtemplates"],
        json!({"wikitext": "{{Box}}"}),
        "{body}"
    );
    assert!(
        body["warnings"]["expandtemplates"]["warnings"]
            .as_str()
            .is_some_and(|w| w.contains("not expanded")),
        "{body}"
    );
    let body = app
        .get(&[("action", "expandtemplates"), ("text", "{{Box}}")])
        .await;
    assert_eq!(body["expandtemplates"], json!({"*": "{{Box}}"}), "{body}");
    let body = app.get(&[("action", "expandtemplates")]).await;
    assert_eq!(body["error"]["code"], "missingparam", "{body}");
}

on_both_backends!(
    a_page_parses_as_the_reference_shapes_it,
    text_summaries_redirects_and_errors,
    markup_and_script_never_reach_the_html,
    files_render_as_thumbnails,
    expandtemplates_returns_the_text_with_a_warning,
);
