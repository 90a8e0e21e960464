//! Messages that hold wikitext (`[[links]]`, `<strong>`, file frames,
//! free URLs) in every `errorformat` and both formatversions, compared
//! with what the reference wiki answered to the same requests
//! (tests/fixtures/reference/error-formats-links.json); and imageinfo's
//! `uploadwarning` notice with its thumbnail frame, against transcripts
//! 10 and 11.

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

/// The reference's site name (its project namespace) and file types.
const LIKE_THE_REFERENCE: &str = "sitename = \"RefWiki\"\n\
     allow_copy_uploads = true\n\
     copy_upload_allow_private_addresses = true\n\
     file_extensions = [\"png\", \"gif\", \"jpg\", \"jpeg\", \"webp\", \"txt\", \"pdf\", \"svg\"]\n";

const REFERENCE_API: &str = "http://127.0.0.1:8080/api.php";

fn fixture() -> Value {
    let path = format!(
        "{}/tests/fixtures/reference/error-formats-links.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture readable"))
        .expect("fixture is JSON")
}

/// Stash keys are random; the docref names the server.
fn normalized(value: &Value, api: &str) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = match key.as_str() {
                        "filekey" | "sessionkey" => Value::from("<key>"),
                        _ => normalized(value, api),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalized(v, api)).collect()),
        Value::String(text) => Value::from(text.replace(api, REFERENCE_API)),
        other => other.clone(),
    }
}

/// Sends `request` once per formatversion and errorformat and compares
/// each answer (its `part`, or all of it) with the reference's.
async fn compare<F, Fut>(app: &TestApp, case: &str, part: Option<&str>, request: F)
where
    F: Fn(Vec<(&'static str, &'static str)>) -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let reference = &fixture()["cases"][case];
    for fv in ["1", "2"] {
        for format in ["bc", "plaintext", "wikitext", "html", "raw"] {
            let label = format!("fv{fv}-{format}");
            let response = request(vec![("formatversion", fv), ("errorformat", format)]).await;
            let header = response
                .headers()
                .get("mediawiki-api-error")
                .map(|h| h.to_str().expect("ascii").to_owned());
            let body = json_body(response).await;
            let expected = &reference[&label];
            assert_eq!(
                header.as_deref(),
                expected["header"].as_str(),
                "{case} {label}: {body}"
            );
            let (ours, theirs) = match part {
                Some(part) => (&body[part], &expected["body"][part]),
                None => (&body, &expected["body"]),
            };
            assert_eq!(
                normalized(ours, &app.api),
                normalized(theirs, &app.api),
                "{case} {label}"
            );
        }
    }
}

async fn logged_in(app: &TestApp, identity: &str) -> reqwest::Client {
    let client = new_client();
    crate::transcripts::log_in_as(app, &client, identity).await;
    client
}

async fn csrf(app: &TestApp, client: &reqwest::Client) -> String {
    let body = app
        .get_with(client, &[("action", "query"), ("meta", "tokens")])
        .await;
    body["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// A multipart upload of `bytes` as `name` with `extra` parameters.
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    bytes: &[u8],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client).await;
    let mut form = reqwest::multipart::Form::new()
        .text("action", "upload")
        .text("format", "json")
        .text("filename", name.to_owned())
        .text("token", token);
    for (key, value) in extra {
        form = form.text(key.to_string(), value.to_string());
    }
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name(name.to_owned())
        .mime_str("image/png")
        .expect("mime");
    client
        .post(&app.api)
        .multipart(form.part("file", part))
        .send()
        .await
        .expect("answered")
}

async fn permission_errors_name_the_groups_with_a_project_link(backend: Backend) {
    let app = spawn_app_with(backend, LIKE_THE_REFERENCE).await;
    for (identity, case) in [
        ("NoUrlUser", "permissiondenied-nourluser"),
        ("Uploader@nourl", "permissiondenied-nourlbot"),
    ] {
        let client = logged_in(&app, identity).await;
        let token = csrf(&app, &client).await;
        compare(&app, case, None, |format| {
            let (client, app, token) = (&client, &app, &token);
            async move {
                let mut params = vec![
                    ("action", "upload"),
                    ("format", "json"),
                    ("filename", "SB694ccbf5-u.png"),
                    ("url", "http://127.0.0.1:9/x.png"),
                    ("token", token.as_str()),
                ];
                params.extend(format);
                let request = client.post(&app.api).form(&params);
                request.send().await.expect("answered")
            }
        })
        .await;
    }
}

async fn upload_errors_link_and_frame_the_existing_file(backend: Backend) {
    let app = spawn_app_with(backend, LIKE_THE_REFERENCE).await;
    let bot = logged_in(&app, "Uploader@bot").await;
    let nourl = logged_in(&app, "Uploader@nourl").await;

    // Overwriting needs `reupload`, which the grants of `nourl` lack: the
    // error shows the existing file's frame (a 4x4 PNG, as recorded).
    let first = upload(&app, &bot, "SB694ccbf5 first.png", &png(4, 4, 1), &[]).await;
    assert_eq!(json_body(first).await["upload"]["result"], "Success");
    let seed = std::sync::atomic::AtomicU32::new(2);
    compare(&app, "fileexists-forbidden", None, |format| {
        let bytes = png(
            4,
            4,
            seed.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        let mut extra = vec![("ignorewarnings", "1")];
        extra.extend(format);
        let nourl = &nourl;
        let app = &app;
        async move { upload(app, nourl, "SB694ccbf5 first.png", &bytes, &extra).await }
    })
    .await;

    // The same bytes again: an error with a link to the file page, and
    // the stash's failure as a message in every format.
    let bytes = png(4, 4, 100);
    let first = upload(&app, &bot, "SC9fbf8960 first.png", &bytes, &[]).await;
    assert_eq!(json_body(first).await["upload"]["result"], "Success");
    compare(&app, "fileexists-no-change", None, |format| {
        let mut extra = vec![("ignorewarnings", "1")];
        extra.extend(format);
        let (bot, app, bytes) = (&bot, &app, &bytes);
        async move { upload(app, bot, "SC9fbf8960 first.png", bytes, &extra).await }
    })
    .await;

    // A prohibited inner extension: `<strong>` and a line break in the
    // message, comma lists among the raw parameters.
    compare(&app, "filetype-banned-blacklisted", None, |format| {
        let (bot, app) = (&bot, &app);
        async move { upload(app, bot, "SC9fbf8960.exe.png", &png(4, 4, 200), &format).await }
    })
    .await;
}

async fn move_errors_link_the_existing_page(backend: Backend) {
    let app = spawn_app_with(backend, LIKE_THE_REFERENCE).await;
    let admin = logged_in(&app, "Admin").await;
    let token = csrf(&app, &admin).await;
    for (title, text) in [("SC9fbf8960 A", "a"), ("SC9fbf8960 B", "b")] {
        let body = app
            .post_with(
                &admin,
                &[
                    ("action", "edit"),
                    ("title", title),
                    ("text", text),
                    ("token", &token),
                ],
            )
            .await;
        assert_eq!(body["edit"]["result"], "Success", "{body}");
    }
    compare(&app, "articleexists", None, |format| {
        let (admin, app, token) = (&admin, &app, &token);
        async move {
            let mut params = vec![
                ("action", "move"),
                ("format", "json"),
                ("from", "SC9fbf8960 A"),
                ("to", "SC9fbf8960 B"),
                ("token", token.as_str()),
            ];
            params.extend(format);
            let request = admin.post(&app.api).form(&params);
            request.send().await.expect("answered")
        }
    })
    .await;
}

async fn warnings_link_special_pages_and_free_urls(backend: Backend) {
    let app = spawn_app_with(backend, LIKE_THE_REFERENCE).await;
    compare(&app, "login-deprecated", Some("warnings"), |format| {
        let app = &app;
        async move {
            let client = new_client();
            let token = app.login_token_with(&client).await;
            let mut params = vec![
                ("action", "login"),
                ("format", "json"),
                ("lgname", "Uploader"),
                ("lgpassword", USER_PASSWORD),
                ("lgtoken", token.as_str()),
            ];
            params.extend(format);
            client
                .post(&app.api)
                .form(&params)
                .send()
                .await
                .expect("answered")
        }
    })
    .await;
}

/// The `html` of an upload result in transcript `name`'s first run, at
/// the step that uploaded `filename`.
fn recorded_upload_html(name: &str, filename: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/transcripts/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let transcript: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON");
    transcript["runs"][0]["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .find(|e| e["params"]["filename"] == filename)
        .and_then(|e| e["body"]["upload"]["imageinfo"]["html"].as_str())
        .expect("recorded")
        .to_owned()
}

/// MediaWiki's upload result says "A file with this name exists already"
/// even for a first upload (the notice is about the file just published),
/// followed by the thumbnail frame at the default size: the original's
/// size for small bitmaps, 300 px with a 1.5x srcset for larger ones,
/// rendered sizes for SVG; a file type without thumbnails gets a link.
async fn upload_results_carry_the_notice_and_frame_of_the_reference(backend: Backend) {
    let app = spawn_app_with(backend, LIKE_THE_REFERENCE).await;
    app.login_as_bot().await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120"><rect width="240" height="120" fill="teal"/></svg>"#;
    let gif: &[u8] = &[
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
        0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
    ];
    let cases: [(&str, &str, Vec<u8>); 5] = [
        (
            "10-upload-direct-png",
            "Direct png R27e782a fv1.png",
            png(320, 200, 1),
        ),
        (
            "10-upload-direct-png",
            "Direct png minimal R27e782a fv1.png",
            png(64, 48, 2),
        ),
        (
            "11-upload-direct-text",
            "Direct svg R27e782a fv1.svg",
            svg.to_vec(),
        ),
        (
            "11-upload-direct-text",
            "Direct gif R27e782a fv1.gif",
            gif.to_vec(),
        ),
        (
            "11-upload-direct-text",
            "Direct text R27e782a fv1.txt",
            b"Some notes, in plain text.\n".to_vec(),
        ),
    ];
    for (transcript, filename, bytes) in cases {
        let body = app.upload(&[("filename", filename)], Some(&bytes)).await;
        assert_eq!(body["upload"]["result"], "Success", "{filename}: {body}");
        assert_eq!(
            body["upload"]["imageinfo"]["html"].as_str().expect("html"),
            recorded_upload_html(transcript, filename),
            "{filename}"
        );
    }
}

on_both_backends!(
    upload_results_carry_the_notice_and_frame_of_the_reference,
    permission_errors_name_the_groups_with_a_project_link,
    upload_errors_link_and_frame_the_existing_file,
    move_errors_link_the_existing_page,
    warnings_link_special_pages_and_free_urls,
);
