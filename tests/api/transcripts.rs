//! Replays the reference wiki's recorded exchanges (copied from
//! shared/reference-wiki/transcripts into tests/fixtures/transcripts) and
//! compares our answers with MediaWiki's: same keys in the same order,
//! same values, except where a value is bound to be different (tokens,
//! ids, URLs) or where wikiupload deliberately differs (listed per test).

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

/// The reference wiki's base URL in the transcripts.
const REFERENCE_SERVER: &str = "http://127.0.0.1:8080";

/// How one transcript is compared.
struct Policy {
    /// Paths (dot-separated) whose values may differ; the key must exist.
    ignore_values: &'static [&'static str],
    /// Paths of lists compared as sets.
    as_sets: &'static [&'static str],
    /// Skip an exchange when the reference body contains this text
    /// (behaviour wikiupload does not have), or when it uses an action
    /// not implemented yet.
    skip_when: &'static [&'static str],
}

fn load(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/transcripts/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("transcript readable"))
        .expect("transcript is JSON")
}

async fn replay(backend: Backend, name: &str, policy: &Policy) {
    let transcript = load(name);
    let mut compared = 0;
    for run in transcript["runs"].as_array().expect("runs") {
        // A fresh wiki per formatversion, as the recording used fresh sessions.
        let app = spawn_app(backend).await;
        let mut clients: HashMap<String, reqwest::Client> = HashMap::new();
        let mut tokens: HashMap<String, HashMap<String, String>> = HashMap::new();
        for exchange in run["exchanges"].as_array().expect("exchanges") {
            let step = exchange["step"].as_str().unwrap_or_default();
            let reference = &exchange["body"];
            let reference_text = reference.to_string();
            let action = exchange["params"]["action"].as_str().unwrap_or_default();
            if action == "upload" || policy.skip_when.iter().any(|s| reference_text.contains(s)) {
                continue;
            }
            let identity = exchange["as"].as_str().unwrap_or("anonymous").to_owned();
            if !clients.contains_key(&identity) {
                let client = new_client();
                log_in_as(&app, &client, &identity).await;
                clients.insert(identity.clone(), client);
            }
            let client = &clients[&identity];
            let known = tokens.entry(identity.clone()).or_default();
            let params: Vec<(String, String)> = exchange["params"]
                .as_object()
                .expect("params")
                .iter()
                .map(|(k, v)| {
                    let value = v.as_str().unwrap_or_default();
                    let value = match value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
                        Some(kind) => known.get(kind).cloned().unwrap_or_else(|| value.to_owned()),
                        None => value.to_owned(),
                    };
                    (k.clone(), value)
                })
                .collect();
            let request = match exchange["method"].as_str() {
                Some("POST") => client.post(&app.api).form(&params),
                _ => client.get(&app.api).query(&params),
            };
            let response = request.send().await.expect("answered");
            assert_eq!(
                response.status().as_u16(),
                exchange["status"].as_u64().unwrap_or(200) as u16,
                "{name} / {step}: HTTP status"
            );
            let expected_error = exchange["headers"]["mediawiki-api-error"].as_str();
            let error_header = response
                .headers()
                .get("mediawiki-api-error")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            assert_eq!(
                error_header.as_deref(),
                expected_error,
                "{name} / {step}: error header"
            );
            let ours = json_body(response).await;
            remember_tokens(&ours, known);
            let ours = normalize(&ours, &app.api);
            let theirs = normalize(reference, &format!("{REFERENCE_SERVER}/api.php"));
            compare(
                &ours,
                &theirs,
                "",
                policy,
                &format!("{name} / fv{} / {step}", run["formatversion"]),
            );
            compared += 1;
        }
    }
    assert!(compared > 0, "{name}: nothing was compared");
}

pub async fn log_in_as(app: &TestApp, client: &reqwest::Client, identity: &str) {
    let credentials = match identity {
        "Uploader@bot" => Some((BOT_LOGIN, BOT_PASSWORD, "login")),
        "Uploader@nourl" => Some((NOURL_BOT_LOGIN, NOURL_BOT_PASSWORD, "login")),
        "Admin" => Some(("Admin", ADMIN_PASSWORD, "clientlogin")),
        "NoUrlUser" => Some(("NoUrlUser", "nourlpass1234567", "clientlogin")),
        "Uploader" => Some(("Uploader", USER_PASSWORD, "clientlogin")),
        _ => None,
    };
    let Some((name, password, how)) = credentials else {
        return;
    };
    let token = app.login_token_with(client).await;
    let body = if how == "login" {
        app.post_with(
            client,
            &[
                ("action", "login"),
                ("lgname", name),
                ("lgpassword", password),
                ("lgtoken", &token),
            ],
        )
        .await
    } else {
        app.post_with(
            client,
            &[
                ("action", "clientlogin"),
                ("username", name),
                ("password", password),
                ("logintoken", &token),
                ("loginreturnurl", "http://127.0.0.1/"),
            ],
        )
        .await
    };
    assert!(
        body.to_string().contains("Success") || body.to_string().contains("PASS"),
        "{body}"
    );
}

/// Keeps the tokens a response handed out, to fill `<logintoken>` etc.
fn remember_tokens(body: &Value, known: &mut HashMap<String, String>) {
    if let Some(tokens) = body["query"]["tokens"].as_object() {
        for (key, value) in tokens {
            if let Some(token) = value.as_str() {
                known.insert(key.clone(), token.to_owned());
            }
        }
    }
    if let Some(token) = body["login"]["token"].as_str() {
        known.insert("logintoken".into(), token.to_owned());
    }
}

/// Replaces what is bound to differ: real tokens and the API's URL.
fn normalize(value: &Value, api_url: &str) -> Value {
    let server = api_url.trim_end_matches("/api.php");
    match value {
        Value::String(s) => {
            let is_token = s.len() > 34
                && s.ends_with("+\\")
                && s[..s.len() - 2].bytes().all(|b| b.is_ascii_hexdigit());
            let is_placeholder = s.starts_with('<') && s.ends_with("token>");
            if is_token || is_placeholder {
                Value::String("<token>".into())
            } else {
                Value::String(s.replace(server, "<server>"))
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| normalize(v, api_url)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalize(v, api_url)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn compare(ours: &Value, theirs: &Value, path: &str, policy: &Policy, context: &str) {
    if policy.ignore_values.contains(&path) {
        return;
    }
    if policy.as_sets.contains(&path) {
        let mut a: Vec<String> = ours
            .as_array()
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect();
        let mut b: Vec<String> = theirs
            .as_array()
            .into_iter()
            .flatten()
            .map(Value::to_string)
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{context}: set at {path}");
        return;
    }
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keys_a: Vec<&String> = a.keys().collect();
            let keys_b: Vec<&String> = b.keys().collect();
            assert_eq!(
                keys_a, keys_b,
                "{context}: keys at {path:?}\nours:   {ours}\ntheirs: {theirs}"
            );
            for (key, value) in a {
                let sub = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                compare(value, &b[key], &sub, policy, context);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(
                a.len(),
                b.len(),
                "{context}: length at {path}\nours:   {ours}\ntheirs: {theirs}"
            );
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare(x, y, &format!("{path}.{i}"), policy, context);
            }
        }
        _ => assert_eq!(ours, theirs, "{context}: value at {path}"),
    }
}

async fn the_login_flow_matches_the_reference(backend: Backend) {
    replay(
        backend,
        "01-login-flow",
        &Policy {
            // Ids depend on which accounts exist; the reference has a
            // maintenance account at id 2.
            ignore_values: &["login.lguserid", "query.userinfo.id"],
            as_sets: &[],
            // wikiupload has no login throttle (see README).
            skip_when: &["too many recent login attempts"],
        },
    )
    .await;
}

async fn the_tokens_match_the_reference(backend: Backend) {
    replay(
        backend,
        "02-tokens",
        &Policy {
            ignore_values: &[],
            as_sets: &[],
            skip_when: &[],
        },
    )
    .await;
}

async fn groups_and_rights_match_the_reference(backend: Backend) {
    replay(
        backend,
        "03-userinfo",
        &Policy {
            // wikiupload has no rate limits, so it reports none.
            ignore_values: &["query.userinfo.id", "query.userinfo.ratelimits"],
            as_sets: &["query.userinfo.rights"],
            skip_when: &[],
        },
    )
    .await;
}

async fn error_formats_of_warnings_match_the_reference(backend: Backend) {
    replay(
        backend,
        "60-error-formats",
        &Policy {
            ignore_values: &["query.userinfo.id"],
            as_sets: &[],
            skip_when: &[],
        },
    )
    .await;
}

/// siteinfo's values are the wiki's own; what must match is that every
/// field the reference reports exists with the same JSON type.
async fn siteinfo_has_every_field_of_the_reference(backend: Backend) {
    let transcript = load("04-siteinfo");
    let app = spawn_app(backend).await;
    // Facts about PHP and its database that wikiupload has no equivalent of.
    let absent = ["phpversion", "phpsapi", "dbversion"];
    for run in transcript["runs"].as_array().expect("runs") {
        let exchange = &run["exchanges"][0];
        let params: Vec<(String, String)> = exchange["params"]
            .as_object()
            .expect("params")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let ours = json_body(
            app.client
                .get(&app.api)
                .query(&params)
                .send()
                .await
                .expect("answered"),
        )
        .await;
        let theirs = &exchange["body"]["query"];
        for (section, value) in theirs.as_object().expect("query") {
            let mine = &ours["query"][section];
            match value {
                Value::Object(fields) if section == "general" => {
                    for (key, field) in fields {
                        if absent.contains(&key.as_str()) {
                            continue;
                        }
                        assert_eq!(
                            json_type(&mine[key]),
                            json_type(field),
                            "general.{key} (fv{})",
                            run["formatversion"]
                        );
                    }
                }
                Value::Object(namespaces) => {
                    for (id, ns) in namespaces {
                        let keys_a: Vec<&String> =
                            mine[id].as_object().expect("namespace").keys().collect();
                        let keys_b: Vec<&String> =
                            ns.as_object().expect("namespace").keys().collect();
                        assert_eq!(
                            keys_a, keys_b,
                            "namespace {id} (fv{})",
                            run["formatversion"]
                        );
                    }
                }
                _ => assert_eq!(json_type(mine), json_type(value), "{section}"),
            }
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The reference's paraminfo for login and query+tokens, compared
/// parameter by parameter (type, default, multi, required, sensitive).
async fn paraminfo_of_shared_modules_matches_the_reference(backend: Backend) {
    let transcript = load("05-paraminfo-upload");
    let app = spawn_app(backend).await;
    let reference = &transcript["runs"][0]["exchanges"][0]["body"]["paraminfo"]["modules"];
    for path in ["login", "query+tokens"] {
        let ours = app
            .get(&[
                ("action", "paraminfo"),
                ("modules", path),
                ("formatversion", "2"),
            ])
            .await;
        let mine = &ours["paraminfo"]["modules"][0];
        let theirs = reference
            .as_array()
            .expect("modules")
            .iter()
            .find(|m| m["path"] == path)
            .expect("reference module");
        for key in ["name", "path", "group", "prefix", "mustbeposted"] {
            assert_eq!(mine[key], theirs[key], "{path}.{key}");
        }
        let params = |m: &Value| -> Vec<Value> {
            m["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    if let Some(map) = p.as_object_mut() {
                        map.retain(|k, _| {
                            ["name", "type", "default", "multi", "required", "sensitive"]
                                .contains(&k.as_str())
                        });
                    }
                    p
                })
                .collect()
        };
        assert_eq!(params(mine), params(theirs), "{path} parameters");
    }
}

/// Compares the structure of two answers: the same keys in the same order,
/// the same JSON types; lists by their first element. Values may differ.
pub fn compare_shape(ours: &Value, theirs: &Value, path: &str, skip: &[&str], context: &str) {
    if skip.iter().any(|s| path.ends_with(s)) {
        return;
    }
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keys_a: Vec<&String> = a.keys().collect();
            let keys_b: Vec<&String> = b.keys().collect();
            assert_eq!(keys_a, keys_b, "{context}: keys at {path:?}");
            for (key, value) in a {
                compare_shape(value, &b[key], &format!("{path}.{key}"), skip, context);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                compare_shape(x, y, &format!("{path}.0"), skip, context);
            }
        }
        _ => assert_eq!(
            json_type(ours),
            json_type(theirs),
            "{context}: type at {path}"
        ),
    }
}

/// The reference's answer to the exchange `step` of transcript `name`.
pub fn reference_answer(name: &str, formatversion: u64, step: &str) -> Value {
    let transcript = load(name);
    transcript["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|run| run["formatversion"] == formatversion)
        .and_then(|run| {
            run["exchanges"]
                .as_array()
                .expect("exchanges")
                .iter()
                .find(|e| e["step"] == step)
        })
        .map(|e| e["body"].clone())
        .unwrap_or_else(|| panic!("{name}: no step {step:?}"))
}

/// Upload answers (published, warned, stashed) have the reference's shape
/// in both formatversions. Metadata differs with the PNG's text chunks, and
/// `descriptionshorturl` appears only on re-uploads.
async fn upload_answers_have_the_references_shape(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let skip = ["metadata", "commonmetadata"];
    for fv in [1u64, 2] {
        let fv_text = fv.to_string();
        let name = format!("Shape {fv}.png");
        let published = app
            .upload(
                &[
                    ("filename", &name),
                    ("comment", "c"),
                    ("text", "t"),
                    ("formatversion", &fv_text),
                ],
                Some(&png(20, 10, 100 + fv as u32)),
            )
            .await;
        let reference = reference_answer(
            "10-upload-direct-png",
            fv,
            "upload PNG with comment and page text",
        );
        compare_shape(
            &published,
            &reference,
            "",
            &skip,
            &format!("published fv{fv}"),
        );

        let warned = app
            .upload(
                &[("filename", &name), ("formatversion", &fv_text)],
                Some(&png(20, 10, 110 + fv as u32)),
            )
            .await;
        let reference = reference_answer(
            "21-warning-exists",
            fv,
            "same name, different bytes, no ignorewarnings",
        );
        compare_shape(&warned, &reference, "", &skip, &format!("warned fv{fv}"));

        let stashed = app
            .upload(
                &[
                    ("filename", &format!("Stash shape {fv}.png")),
                    ("stash", "1"),
                    ("formatversion", &fv_text),
                ],
                Some(&png(20, 10, 120 + fv as u32)),
            )
            .await;
        let reference = reference_answer("30-stash-upload", fv, "upload with stash=1");
        compare_shape(&stashed, &reference, "", &skip, &format!("stashed fv{fv}"));
    }
}

/// Sends `bytes[from..to]` for each range as the chunks of one upload of
/// `name` (with `stash=1` and `extra`); every answer.
async fn send_ranges(
    app: &TestApp,
    name: &str,
    bytes: &[u8],
    ranges: &[(usize, usize)],
    extra: &[(&str, &str)],
) -> Vec<Value> {
    let size = bytes.len().to_string();
    let mut key = String::new();
    let mut answers = Vec::new();
    for &(from, to) in ranges {
        let offset = from.to_string();
        let mut params = vec![
            ("filename", name),
            ("filesize", size.as_str()),
            ("offset", offset.as_str()),
            ("stash", "1"),
        ];
        if from > 0 {
            params.push(("filekey", key.as_str()));
        }
        params.extend_from_slice(extra);
        let answer = app.upload_chunk(&params, &bytes[from..to]).await;
        key = answer["upload"]["filekey"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        answers.push(answer);
    }
    answers
}

/// Chunked answers (transcripts 31, 32 and 33) have the reference's shape in
/// both formatversions: every Continue, the assembled Success, the stash
/// entry, the commit, a wrong offset, and the async Poll/checkstatus answers.
/// The files have the reference's sizes, so the chunks fall the same way.
async fn chunked_answers_have_the_references_shape(backend: Backend) {
    let app = spawn_app_with(backend, "enable_async_uploads = true\n").await;
    app.login_as_bot().await;
    let skip = ["metadata", "commonmetadata"];
    for fv in [1u64, 2] {
        let fv_text = fv.to_string();
        let context = |what: &str| format!("{what} fv{fv}");
        let check = |ours: &Value, transcript: &str, step: &str| {
            let reference = reference_answer(transcript, fv, step);
            compare_shape(ours, &reference, "", &skip, &context(step));
        };
        // 68 bytes of PNG structure + 68 rows of 1 + 3 × 34 bytes.
        let bytes = png(34, 68, 200 + fv as u32);
        assert_eq!(bytes.len(), 7072);
        let name = format!("Chunked shape {fv}.png");
        let fv_param = [("formatversion", fv_text.as_str())];
        let ranges = [(0, 2048), (2048, 4096), (4096, 7072)];
        let answers = send_ranges(&app, &name, &bytes, &ranges, &fv_param).await;
        for (index, (answer, (from, to))) in answers.iter().zip(ranges).enumerate() {
            let step = format!(
                "3 chunks: chunk {}/3 ({} bytes at offset {from})",
                index + 1,
                to - from
            );
            check(answer, "31-chunked-upload", &step);
        }
        let key = answers[2]["upload"]["filekey"]
            .as_str()
            .expect("filekey")
            .to_owned();
        // A wrong offset, on an upload of its own that took 2048 bytes.
        let started = send_ranges(&app, &name, &bytes, &ranges[..1], &fv_param).await;
        let started_key = started[0]["upload"]["filekey"].as_str().expect("filekey");
        let size = bytes.len().to_string();
        let wrong = app
            .upload_chunk(
                &[
                    ("filename", name.as_str()),
                    ("filesize", size.as_str()),
                    ("offset", "1000"),
                    ("stash", "1"),
                    ("filekey", started_key),
                    ("formatversion", fv_text.as_str()),
                ],
                &bytes[1000..3048],
            )
            .await;
        let step = "second chunk with a wrong offset (1000 instead of 2048)";
        check(&wrong, "32-chunked-errors", step);
        let reference = reference_answer("32-chunked-errors", fv, step);
        assert_eq!(wrong["error"]["offset"], reference["error"]["offset"]);
        let info = app
            .get(&[
                ("action", "query"),
                ("prop", "stashimageinfo"),
                ("siifilekey", key.as_str()),
                ("siiprop", "size|sha1|mime|dimensions|url"),
                ("formatversion", fv_text.as_str()),
            ])
            .await;
        check(
            &info,
            "31-chunked-upload",
            "stashimageinfo of the assembled file",
        );
        let committed = app
            .upload(
                &[
                    ("filename", name.as_str()),
                    ("filekey", key.as_str()),
                    ("comment", "chunked upload"),
                    ("text", "Uploaded in three chunks"),
                    ("formatversion", fv_text.as_str()),
                ],
                None,
            )
            .await;
        check(
            &committed,
            "31-chunked-upload",
            "commit: filename + filekey (+comment/text)",
        );

        // Async: 68 + 12 rows of 1 + 3 × 344 bytes, in 4096, 4096, 4272.
        let bytes = png(344, 12, 210 + fv as u32);
        assert_eq!(bytes.len(), 12464);
        let name = format!("Chunked async shape {fv}.png");
        let async_params = [("async", "1"), ("formatversion", fv_text.as_str())];
        let ranges = [(0, 4096), (4096, 8192), (8192, 12464)];
        let answers = send_ranges(&app, &name, &bytes, &ranges, &async_params).await;
        let last = answers[2].clone();
        let key = last["upload"]["filekey"]
            .as_str()
            .expect("filekey")
            .to_owned();
        check(
            &last,
            "33-chunked-async",
            "async chunks: chunk 3/3 (4272 bytes at offset 8192)",
        );
        let checkstatus = |key: String| {
            let fv_text = fv_text.clone();
            let app = &app;
            async move {
                for _ in 0..100 {
                    let status = app
                        .upload(
                            &[
                                ("checkstatus", "1"),
                                ("filekey", key.as_str()),
                                ("formatversion", fv_text.as_str()),
                            ],
                            None,
                        )
                        .await;
                    if status["upload"]["result"] != "Poll" {
                        return status;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                panic!("no result for {key}");
            }
        };
        let assembled = checkstatus(key.clone()).await;
        check(
            &assembled,
            "33-chunked-async",
            "checkstatus while assembling (poll 2)",
        );
        let new_key = assembled["upload"]["filekey"]
            .as_str()
            .expect("new key")
            .to_owned();
        let queued = app
            .upload(
                &[
                    ("filename", name.as_str()),
                    ("filekey", new_key.as_str()),
                    ("comment", "async publish"),
                    ("async", "1"),
                    ("formatversion", fv_text.as_str()),
                ],
                None,
            )
            .await;
        check(
            &queued,
            "33-chunked-async",
            "publish from stash with async=1",
        );
        let published = checkstatus(new_key).await;
        check(
            &published,
            "33-chunked-async",
            "checkstatus after publishing",
        );
    }
}

on_both_backends!(
    the_login_flow_matches_the_reference,
    the_tokens_match_the_reference,
    groups_and_rights_match_the_reference,
    error_formats_of_warnings_match_the_reference,
    siteinfo_has_every_field_of_the_reference,
    paraminfo_of_shared_modules_matches_the_reference,
    upload_answers_have_the_references_shape,
    chunked_answers_have_the_references_shape,
);
