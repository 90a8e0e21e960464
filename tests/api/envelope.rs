//! The API's envelope: errors and their formats, warnings, formatversion,
//! printers, parameter rules, assertions, CORS, HTTP methods.

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;
use crate::on_both_backends;

const DOCREF: &str = "for API usage. Subscribe to the mediawiki-api-announce mailing list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and breaking changes.";

async fn errors_carry_code_info_docref_and_a_header(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get_raw(&[("action", "nosuchaction")]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["mediawiki-api-error"], "badvalue");
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "private, must-revalidate, max-age=0"
    );
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let body = json_body(response).await;
    assert_eq!(
        body,
        json!({"error": {
            "code": "badvalue",
            "info": "Unrecognized value for parameter \"action\": nosuchaction.",
            "*": format!("See {} {DOCREF}", app.api),
        }})
    );
    let fv2 = app
        .get(&[("action", "nosuchaction"), ("formatversion", "2")])
        .await;
    assert_eq!(fv2["error"]["docref"], format!("See {} {DOCREF}", app.api));
}

async fn other_http_methods_are_refused_with_405(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .put(format!("{}?action=query&format=json", app.api))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["mediawiki-api-error"], "invalidmethod");
    let body = json_body(response).await;
    assert_eq!(
        body["error"]["info"],
        "Invalid HTTP method. Consider using GET or POST."
    );
}

async fn every_error_format_renders_the_same_error(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let error = |format: &'static str, fv: &'static str| {
        let app = &app;
        async move {
            app.post(&[
                ("action", "logout"),
                ("token", "bad+\\"),
                ("errorformat", format),
                ("formatversion", fv),
            ])
            .await
        }
    };
    let docref = format!("See {} {DOCREF}", app.api);
    assert_eq!(
        error("plaintext", "1").await,
        json!({"errors": [{"code": "badtoken", "module": "logout", "*": "Invalid CSRF token."}], "*": docref})
    );
    assert_eq!(
        error("plaintext", "2").await,
        json!({"errors": [{"code": "badtoken", "text": "Invalid CSRF token.", "module": "logout"}], "docref": docref})
    );
    assert_eq!(
        error("html", "2").await["errors"][0]["html"],
        "Invalid CSRF token."
    );
    assert_eq!(
        error("raw", "2").await,
        json!({"errors": [{"code": "badtoken", "key": "apierror-badtoken", "params": [], "module": "logout"}], "docref": docref})
    );
    assert_eq!(
        error("none", "2").await,
        json!({"errors": [{"code": "badtoken", "module": "logout"}], "docref": docref})
    );
}

async fn unrecognized_parameters_are_warned_about(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("bogus", "1"),
            ("other", ""),
        ])
        .await;
    let keys: Vec<&String> = body.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["warnings", "batchcomplete", "query"]);
    assert_eq!(
        body["warnings"]["main"]["*"],
        "Unrecognized parameters: bogus, other."
    );
    let raw = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("bogus", "1"),
            ("errorformat", "raw"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        raw["warnings"],
        json!([{"code": "unrecognizedparams", "key": "apierror-unrecognizedparams",
                "params": [{"list": {"2": "bogus"}, "type": "comma"}, 1], "module": "main"}])
    );
}

async fn missing_token_beats_the_post_requirement(backend: Backend) {
    let app = spawn_app(backend).await;
    let no_token = app.get(&[("action", "logout")]).await;
    assert_eq!(no_token["error"]["code"], "missingparam");
    let token_in_url = app.get(&[("action", "logout"), ("token", "+\\")]).await;
    assert_eq!(token_in_url["error"]["code"], "mustpostparams");
    assert_eq!(
        token_in_url["error"]["info"],
        "The following parameter was found in the query string, but must be in the POST body: token."
    );
}

async fn requestid_and_curtimestamp_are_echoed(backend: Backend) {
    let app = spawn_app(backend).await;
    let ok = app
        .get(&[
            ("action", "query"),
            ("meta", "tokens"),
            ("requestid", "r-42"),
            ("curtimestamp", "false"),
        ])
        .await;
    assert_eq!(ok["requestid"], "r-42");
    assert!(
        ok["curtimestamp"]
            .as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z'))
    );
    let error = app.get(&[("action", "nope"), ("requestid", "r-43")]).await;
    assert_eq!(error["requestid"], "r-43");
}

async fn assertions_are_checked_before_anything_else(backend: Backend) {
    let app = spawn_app(backend).await;
    // Main's own parameters come first, then assertions, then the module's.
    let unknown = app
        .get(&[("action", "nosuchaction"), ("assert", "user")])
        .await;
    assert_eq!(unknown["error"]["code"], "badvalue");
    let user = app
        .get(&[
            ("action", "paraminfo"),
            ("helpformat", "bogus"),
            ("assert", "user"),
        ])
        .await;
    assert_eq!(user["error"]["code"], "assertuserfailed");
    assert_eq!(
        user["error"]["info"],
        "You are no longer logged in, so the action could not be completed."
    );
    app.login_as_bot().await;
    let ok = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("assert", "user"),
        ])
        .await;
    assert!(ok.get("error").is_none(), "{ok}");
    let bot = app.get(&[("action", "query"), ("assert", "bot")]).await;
    assert_eq!(bot["error"]["code"], "assertbotfailed");
    let anon = app.get(&[("action", "query"), ("assert", "anon")]).await;
    assert_eq!(anon["error"]["code"], "assertanonfailed");
    let named = app
        .get(&[("action", "query"), ("assertuser", "Someone else")])
        .await;
    assert_eq!(named["error"]["code"], "assertnameduserfailed");
    let same = app
        .get(&[("action", "query"), ("assertuser", "uploader")])
        .await;
    assert!(same.get("error").is_none(), "{same}");
    let bad = app.get(&[("action", "query"), ("assert", "robot")]).await;
    assert_eq!(bad["error"]["code"], "badvalue");
}

async fn booleans_are_true_whenever_present(backend: Backend) {
    let app = spawn_app(backend).await;
    for value in ["", "0", "false", "no"] {
        let body = app
            .get(&[("action", "query"), ("curtimestamp", value)])
            .await;
        assert!(body.get("curtimestamp").is_some(), "curtimestamp={value:?}");
    }
}

async fn integers_are_validated_and_multivalues_limited(backend: Backend) {
    let app = spawn_app(backend).await;
    let bad = app.get(&[("action", "query"), ("maxlag", "soon")]).await;
    assert_eq!(bad["error"]["code"], "badinteger");
    assert_eq!(
        bad["error"]["info"],
        "Invalid value \"soon\" for integer parameter \"maxlag\"."
    );
    let many = vec!["csrf"; 51].join("|");
    let too_many = app
        .get(&[("action", "query"), ("meta", "tokens"), ("type", &many)])
        .await;
    assert_eq!(too_many["error"]["code"], "toomanyvalues");
    // U+001F at the start switches the separator, so values may hold '|'.
    let unit = app
        .get(&[
            ("action", "query"),
            ("meta", "tokens"),
            ("type", "\u{1f}csrf\u{1f}watch"),
        ])
        .await;
    assert_eq!(
        unit["query"]["tokens"].as_object().map(|t| t.len()),
        Some(2)
    );
}

async fn php_array_syntax_is_warned_about(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.get(&[("action", "query"), ("meta[]", "tokens")]).await;
    let main = body["warnings"]["main"]["*"].as_str().expect("warning");
    assert!(
        main.contains("Parameter \"meta[]\" uses unsupported PHP array syntax."),
        "{main}"
    );
}

async fn formatversion_1_escapes_non_ascii_and_2_does_not(backend: Backend) {
    let app = spawn_app_with(backend, "sitename = \"Wïki\"").await;
    let params = [
        ("action", "query"),
        ("meta", "siteinfo"),
        ("format", "json"),
    ];
    let fv1 = app.get_raw(&params).await.text().await.expect("text");
    assert!(fv1.contains(r#""sitename":"W\u00efki""#), "{fv1}");
    let mut utf8 = params.to_vec();
    utf8.push(("utf8", "1"));
    assert!(
        app.get_raw(&utf8)
            .await
            .text()
            .await
            .expect("text")
            .contains("\"sitename\":\"Wïki\"")
    );
    let mut fv2 = params.to_vec();
    fv2.push(("formatversion", "2"));
    assert!(
        app.get_raw(&fv2)
            .await
            .text()
            .await
            .expect("text")
            .contains("\"sitename\":\"Wïki\"")
    );
    fv2.push(("ascii", ""));
    assert!(
        app.get_raw(&fv2)
            .await
            .text()
            .await
            .expect("text")
            .contains(r#"W\u00efki"#)
    );
}

async fn other_printers_html_jsonp_and_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let html = app
        .client
        .get(format!("{}?action=query&meta=tokens", app.api))
        .send()
        .await
        .expect("answered");
    assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
    assert!(html.text().await.expect("text").contains("csrftoken"));
    let jsonp = app
        .get_raw(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("callback", "cb"),
        ])
        .await;
    assert_eq!(
        jsonp.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let text = jsonp.text().await.expect("text");
    assert!(
        text.starts_with("/**/cb({") && text.ends_with("})"),
        "{text}"
    );
    let none = app
        .get_raw(&[("action", "query"), ("format", "none")])
        .await;
    assert_eq!(none.text().await.expect("text"), "");
    // format=php stays refused.
    let bad = app.get_raw(&[("action", "query"), ("format", "php")]).await;
    assert_eq!(bad.headers()["mediawiki-api-error"], "badvalue");
    let xml = app
        .get_raw(&[("action", "query"), ("format", "xmlfm")])
        .await;
    assert_eq!(xml.headers()["content-type"], "text/html; charset=utf-8");
    let text = xml.text().await.expect("text");
    assert!(
        text.contains("&lt;?xml version=\"1.0\"?&gt;&lt;api batchcomplete=\"\" /&gt;"),
        "{text}"
    );
}

async fn a_mismatched_origin_is_refused_with_403(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .get(format!(
            "{}?action=query&meta=tokens&format=json&origin=https://evil.example",
            app.api
        ))
        .header("Origin", "https://other.example")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.text().await.expect("text").trim(),
        "'origin' parameter does not match Origin header"
    );
}

async fn bodies_framed_like_pywikibot_are_parsed_like_php(backend: Backend) {
    // pywikibot's email.mime encoder: bare LF, a quoted boundary with '=',
    // lower-case header names.
    let app = spawn_app(backend).await;
    let boundary = "===============1234567890==";
    let mut body = String::new();
    for (name, value) in [
        ("action", "query"),
        ("meta", "tokens"),
        ("type", "login"),
        ("format", "json"),
    ] {
        body.push_str(&format!(
            "--{boundary}\nContent-Type: text/plain\nMIME-Version: 1.0\nContent-disposition: form-data; name=\"{name}\"\n\n{value}\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\n"));
    let response = app
        .client
        .post(&app.api)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary=\"{boundary}\""),
        )
        .body(body)
        .send()
        .await
        .expect("answered");
    let json = json_body(response).await;
    assert!(
        json["query"]["tokens"]["logintoken"].as_str().is_some(),
        "{json}"
    );
}

async fn a_text_field_named_like_a_file_and_bad_bodies_are_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let truncated = app
        .client
        .post(&app.api)
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .body("--XyZ\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nquery\r\n--XyZ\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\njson")
        .send()
        .await
        .expect("answered");
    assert_eq!(truncated.headers()["mediawiki-api-error"], "badrequest");
    // The server answers 413 after 8 MiB; its lingering close reads the
    // rest before closing. Without it, the server closes with unread data,
    // the kernel answers the client's further bytes with a reset, and a
    // client that sends its whole body before reading (as this one does)
    // fails to send and never sees the 413.
    let address = app
        .api
        .trim_start_matches("http://")
        .trim_end_matches("/api.php")
        .to_owned();
    let prefix = b"action=query&text=";
    let length = prefix.len() + 64 * 1024 * 1024;
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connected");
    let head = format!(
        "POST /api.php?format=json HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head sent");
    stream.write_all(prefix).await.expect("prefix sent");
    let piece = vec![b'x'; 1024 * 1024];
    for _ in 0..64 {
        stream
            .write_all(&piece)
            .await
            .expect("the whole body is read, not reset");
    }
    let mut answer = vec![0; 4096];
    let read = stream.read(&mut answer).await.expect("the answer arrives");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("mediawiki-api-error: badupload_formsize"),
        "{answer}"
    );
}

on_both_backends!(
    errors_carry_code_info_docref_and_a_header,
    other_http_methods_are_refused_with_405,
    every_error_format_renders_the_same_error,
    unrecognized_parameters_are_warned_about,
    missing_token_beats_the_post_requirement,
    requestid_and_curtimestamp_are_echoed,
    assertions_are_checked_before_anything_else,
    booleans_are_true_whenever_present,
    integers_are_validated_and_multivalues_limited,
    php_array_syntax_is_warned_about,
    formatversion_1_escapes_non_ascii_and_2_does_not,
    other_printers_html_jsonp_and_none,
    a_mismatched_origin_is_refused_with_403,
    bodies_framed_like_pywikibot_are_parsed_like_php,
    a_text_field_named_like_a_file_and_bad_bodies_are_errors,
);
