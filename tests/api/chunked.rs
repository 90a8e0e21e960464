//! Chunked uploads: the protocol and its errors (after the reference's
//! transcripts 31 and 32), retried and racing chunks, restarts, async
//! assembly and publishing with `checkstatus` (transcript 33), and expiry.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

/// Sends `bytes` in chunks of `chunk_size` as `filename`; every answer.
async fn send_chunks(
    app: &TestApp,
    filename: &str,
    bytes: &[u8],
    chunk_size: usize,
    extra: &[(&str, &str)],
) -> Vec<Value> {
    let filesize = bytes.len().to_string();
    let mut answers: Vec<Value> = Vec::new();
    let mut key = String::new();
    for (index, chunk) in bytes.chunks(chunk_size).enumerate() {
        let offset = (index * chunk_size).to_string();
        let mut params = vec![
            ("filename", filename),
            ("filesize", filesize.as_str()),
            ("offset", offset.as_str()),
            ("stash", "1"),
            ("ignorewarnings", "1"),
        ];
        if index > 0 {
            params.push(("filekey", key.as_str()));
        }
        params.extend_from_slice(extra);
        let answer = app.upload_chunk(&params, chunk).await;
        if let Some(next) = answer["upload"]["filekey"].as_str() {
            key = next.to_owned();
        }
        answers.push(answer);
    }
    answers
}

/// One chunk of `filename` (of declared size `filesize`) at `offset`,
/// continuing the upload `key` if given, with `stash=1`.
async fn chunk(
    app: &TestApp,
    filename: &str,
    filesize: &str,
    offset: &str,
    key: Option<&str>,
    bytes: &[u8],
) -> Value {
    let mut params = vec![
        ("filename", filename),
        ("filesize", filesize),
        ("offset", offset),
        ("stash", "1"),
    ];
    params.extend(key.map(|key| ("filekey", key)));
    app.upload_chunk(&params, bytes).await
}

/// Starts an upload of `filename` (of declared size `filesize`) with its
/// first chunk; its key.
async fn start(app: &TestApp, filename: &str, filesize: &str, first: &[u8]) -> String {
    let answer = chunk(app, filename, filesize, "0", None, first).await;
    assert_eq!(answer["upload"]["result"], "Continue", "{answer}");
    answer["upload"]["filekey"]
        .as_str()
        .expect("key")
        .to_owned()
}

async fn commit(app: &TestApp, filename: &str, filekey: &str) -> Value {
    app.upload(
        &[
            ("filename", filename),
            ("filekey", filekey),
            ("comment", "chunked upload"),
        ],
        None,
    )
    .await
}

/// Uploads `bytes` in chunks, commits, and checks the published file.
async fn assert_round_trip(app: &TestApp, filename: &str, bytes: &[u8], chunk_size: usize) {
    let answers = send_chunks(app, filename, bytes, chunk_size, &[]).await;
    let chunks = bytes.len().div_ceil(chunk_size);
    assert_eq!(answers.len(), chunks);
    for (index, answer) in answers[..chunks - 1].iter().enumerate() {
        let upload = answer["upload"].as_object().expect("upload");
        let keys: Vec<&str> = upload.keys().map(String::as_str).collect();
        assert_eq!(keys, ["result", "offset", "filekey"], "{answer}");
        assert_eq!(upload["result"], "Continue");
        assert_eq!(upload["offset"], json!((index + 1) * chunk_size));
    }
    let last = &answers[chunks - 1]["upload"];
    assert_eq!(last["result"], "Success", "{last}");
    let keys: Vec<&str> = last
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["result", "filekey", "imageinfo"]);
    assert_eq!(last["imageinfo"]["sha1"], sha1_hex(bytes));
    assert_eq!(last["imageinfo"]["size"], bytes.len());
    let new_key = last["filekey"].as_str().expect("new key");
    if chunks > 1 {
        assert_ne!(answers[0]["upload"]["filekey"], last["filekey"]);
    }
    let published = commit(app, filename, new_key).await;
    let upload = &published["upload"];
    assert_eq!(upload["result"], "Success", "{published}");
    assert_eq!(upload["imageinfo"]["sha1"], sha1_hex(bytes));
    let url = upload["imageinfo"]["url"].as_str().expect("url");
    let served = app.download(url).await.bytes().await.expect("body");
    assert_eq!(sha1_hex(&served), sha1_hex(bytes));
}

async fn chunked_uploads_of_several_shapes_publish_the_same_bytes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    // Uneven last chunk, several chunk sizes.
    for (seed, chunk_size) in [(1, 1024), (2, 2048), (3, 4000)] {
        let bytes = png(64, 48, seed);
        assert_round_trip(
            &app,
            &format!("Chunks {chunk_size}.png"),
            &bytes,
            chunk_size,
        )
        .await;
    }
    // A file that is an exact multiple of the chunk size.
    // 68 bytes of PNG structure + 53 rows of (1 + 3 × 25) bytes.
    let exact = png(25, 53, 4);
    assert_eq!(exact.len(), 4 * 1024);
    assert_round_trip(&app, "Exact multiple.png", &exact, 1024).await;
    // One chunk holding the whole file.
    let small = png(8, 8, 9);
    assert_round_trip(&app, "Single chunk.png", &small, small.len()).await;
}

/// Transcript 32's sequence of mistakes, with the reference's answers.
async fn chunk_mistakes_get_the_references_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(48, 48, 11);
    let size = bytes.len().to_string();
    let name = "Chunk err.png";
    let base = |offset: &'static str| {
        vec![
            ("stash", "1"),
            ("filename", name),
            ("filesize", size.as_str()),
            ("offset", offset),
        ]
    };
    let first = app.upload_chunk(&base("0"), &bytes[..2048]).await;
    assert_eq!(first["upload"]["result"], "Continue", "{first}");
    let key = first["upload"]["filekey"].as_str().expect("key").to_owned();
    let with_key = |offset: &'static str| {
        let mut params = base(offset);
        params.push(("filekey", key.as_str()));
        params
    };
    let error = |body: &Value| (body["error"]["code"].clone(), body["error"]["info"].clone());

    // A wrong offset, before or beyond the data: the server's offset, as a string.
    let wrong = app
        .upload_chunk(&with_key("1000"), &bytes[1000..3048])
        .await;
    assert_eq!(
        error(&wrong),
        (json!("stashfailed"), json!("Invalid chunk offset"))
    );
    assert_eq!(wrong["error"]["offset"], "2048");
    let beyond = app.upload_chunk(&with_key("4096"), &bytes[4096..]).await;
    assert_eq!(beyond["error"]["offset"], "2048", "{beyond}");

    let zero = app.upload_chunk(&with_key("0"), &bytes[..2048]).await;
    assert_eq!(
        error(&zero),
        (
            json!("filekeynotallowed"),
            json!("Cannot supply a \"filekey\" when \"offset\" is 0.")
        )
    );
    let keyless = app.upload_chunk(&base("2048"), &bytes[2048..4096]).await;
    assert_eq!(keyless["error"]["code"], "filekeyneeded");
    let mut sizeless = with_key("2048");
    sizeless.retain(|(k, _)| *k != "filesize");
    let sizeless = app.upload_chunk(&sizeless, &bytes[2048..4096]).await;
    assert_eq!(
        error(&sizeless),
        (
            json!("invalid-chunk"),
            json!("Offset plus current chunk is greater than claimed file size.")
        )
    );
    // No offset with a key: a new upload, as PHP's loose comparison makes it.
    let mut offsetless = with_key("0");
    offsetless.retain(|(k, _)| *k != "offset");
    let fresh = app.upload_chunk(&offsetless, &bytes[..2048]).await;
    assert_eq!(fresh["upload"]["result"], "Continue", "{fresh}");
    assert_eq!(fresh["upload"]["offset"], 2048);
    assert_ne!(fresh["upload"]["filekey"], json!(key));

    // The upload is still usable after all that.
    let second = app
        .upload_chunk(&with_key("2048"), &bytes[2048..4096])
        .await;
    assert_eq!(second["upload"]["offset"], 4096, "{second}");
    let mut overflow = with_key("4096");
    let smaller = (bytes.len() - 10).to_string();
    overflow[2] = ("filesize", smaller.as_str());
    let overflow = app.upload_chunk(&overflow, &bytes[4096..]).await;
    assert_eq!(overflow["error"]["code"], "invalid-chunk");
    let last = app.upload_chunk(&with_key("4096"), &bytes[4096..]).await;
    assert_eq!(last["upload"]["result"], "Success", "{last}");
    let new_key = last["upload"]["filekey"]
        .as_str()
        .expect("new key")
        .to_owned();

    // The old key is gone; the new one is a stash entry, not an upload.
    let old = app.upload_chunk(&with_key("7072"), &[0; 100]).await;
    assert_eq!(
        error(&old),
        (
            json!("uploadstash-file-not-found"),
            json!(format!("Key \"{key}\" not found in stash."))
        )
    );
    // As in the transcript: 100 more bytes, declared.
    let larger = (bytes.len() + 100).to_string();
    let end = bytes.len().to_string();
    let to_new = chunk(&app, name, &larger, &end, Some(&new_key), &[0; 100]).await;
    assert_eq!(
        error(&to_new),
        (
            json!("stashfailed"),
            json!("No chunked upload session with this key.")
        )
    );

    // Too small, too big, a banned name.
    let small = app.upload_chunk(&base("0"), &bytes[..500]).await;
    assert_eq!(
        error(&small),
        (
            json!("chunk-too-small"),
            json!("Minimum chunk size is 1,024 bytes for non-final chunks.")
        )
    );
    let started = app.upload_chunk(&base("0"), &bytes[..2048]).await;
    let started_key = started["upload"]["filekey"].as_str().expect("key");
    let mut middle = base("2048");
    middle.push(("filekey", started_key));
    let middle = app.upload_chunk(&middle, &bytes[2048..2148]).await;
    assert_eq!(middle["error"]["code"], "chunk-too-small", "{middle}");
    let big = app
        .upload_chunk(
            &[
                ("stash", "1"),
                ("filename", name),
                ("filesize", "100"),
                ("offset", "0"),
            ],
            &bytes[..2048],
        )
        .await;
    assert_eq!(big["error"]["code"], "invalid-chunk");
    let exe = app
        .upload_chunk(
            &[
                ("stash", "1"),
                ("filename", "Chunk.exe"),
                ("filesize", size.as_str()),
                ("offset", "0"),
            ],
            &bytes[..2048],
        )
        .await;
    assert_eq!(
        exe["error"],
        json!({"code": "illegal-filename", "info": "The filename is not allowed.", "*": exe["error"]["*"]})
    );

    // Text named .png fails only when assembled, with the generic words.
    let text: Vec<u8> = "plain words, nothing else\n"
        .repeat(254)
        .into_bytes()
        .into_iter()
        .take(6600)
        .collect();
    let answers = send_chunks(&app, "Text as png.png", &text, 2048, &[]).await;
    assert!(
        answers[0]["upload"]["filekey"]
            .as_str()
            .is_some_and(|k| k.ends_with(".csv")),
        "the key's extension comes from the first chunk's bytes: {}",
        answers[0]
    );
    let failed = answers.last().expect("answers");
    assert_eq!(
        error(failed),
        (
            json!("stashfailed"),
            json!("This file did not pass file verification.")
        )
    );
    // The failed upload takes no more chunks, and its status says why.
    let text_key = answers[0]["upload"]["filekey"].as_str().expect("key");
    let more = chunk(
        &app,
        "Text as png.png",
        "6601",
        "6600",
        Some(text_key),
        b"x",
    )
    .await;
    assert_eq!(
        error(&more),
        (
            json!("stashfailed"),
            json!("Chunked upload is already completed, check status for details.")
        )
    );
    let status = app
        .upload(&[("checkstatus", "1"), ("filekey", text_key)], None)
        .await;
    assert_eq!(
        error(&status),
        (
            json!("stashfailed"),
            json!("This file did not pass file verification.")
        )
    );

    // A declared size larger than what is sent leaves the upload open.
    let short = app
        .upload_chunk(
            &[
                ("stash", "1"),
                ("filename", "Short.png"),
                ("filesize", "100000"),
                ("offset", "0"),
            ],
            &bytes,
        )
        .await;
    assert_eq!(short["upload"]["result"], "Continue");
    assert_eq!(short["upload"]["offset"], bytes.len());
    let unknown = app
        .upload(
            &[
                ("checkstatus", "1"),
                ("filekey", "1a2b3c4d5e6f.abcdef.123456.png"),
            ],
            None,
        )
        .await;
    assert_eq!(unknown["error"]["code"], "missingresult");
}

async fn chunks_of_other_users_and_oversized_uploads_are_refused(backend: Backend) {
    let app = spawn_app_with(backend, "max_upload_size = 20000\n").await;
    app.login_as_bot().await;
    let bytes = png(48, 48, 12);
    let size = bytes.len().to_string();
    let key = start(&app, "Mine.png", &size, &bytes[..2048]).await;
    let too_big = chunk(&app, "Big.png", "20001", "0", None, &bytes[..2048]).await;
    assert_eq!(too_big["error"]["code"], "file-too-large", "{too_big}");

    let other = spawn_client_as_admin(&app).await;
    let params = [
        ("filename", "Mine.png"),
        ("filesize", size.as_str()),
        ("offset", "2048"),
        ("stash", "1"),
        ("filekey", key.as_str()),
    ];
    let stolen = app
        .upload_part(&other, &params, Some(("chunk", &bytes[2048..4096])))
        .await;
    assert_eq!(
        stolen["error"]["code"], "uploadstash-wrong-owner",
        "{stolen}"
    );
    let status = app
        .upload_part(
            &other,
            &[("checkstatus", "1"), ("filekey", key.as_str())],
            None,
        )
        .await;
    assert_eq!(status["error"]["code"], "missingresult");
    // The owner's upload is untouched.
    let mine = app.upload_chunk(&params, &bytes[2048..4096]).await;
    assert_eq!(mine["upload"]["offset"], 4096, "{mine}");
}

async fn spawn_client_as_admin(app: &TestApp) -> reqwest::Client {
    let client = new_client();
    let token = app.login_token_with(&client).await;
    let body = app
        .post_with(
            &client,
            &[
                ("action", "login"),
                ("lgname", "Admin"),
                ("lgpassword", ADMIN_PASSWORD),
                ("lgtoken", &token),
            ],
        )
        .await;
    assert_eq!(body["login"]["result"], "Success", "{body}");
    client
}

/// A client that lost an answer sends the same chunk again: acknowledged.
async fn a_retried_chunk_is_acknowledged_and_a_different_one_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 13);
    let size = bytes.len().to_string();
    let key = start(&app, "Retried.png", &size, &bytes[..4096]).await;
    let params = |offset: &'static str| {
        [
            ("filename", "Retried.png"),
            ("filesize", size.as_str()),
            ("offset", offset),
            ("stash", "1"),
            ("filekey", key.as_str()),
        ]
    };
    let second = app.upload_chunk(&params("4096"), &bytes[4096..8192]).await;
    assert_eq!(second["upload"]["offset"], 8192);
    let again = app.upload_chunk(&params("4096"), &bytes[4096..8192]).await;
    assert_eq!(
        again["upload"],
        json!({"result": "Continue", "offset": 8192, "filekey": key}),
        "{again}"
    );
    let mut altered = bytes[4096..8192].to_vec();
    altered[100] ^= 0xff;
    let different = app.upload_chunk(&params("4096"), &altered).await;
    assert_eq!(different["error"]["info"], "Invalid chunk offset");
    assert_eq!(different["error"]["offset"], "8192");
    let last = app.upload_chunk(&params("8192"), &bytes[8192..]).await;
    assert_eq!(
        last["upload"]["imageinfo"]["sha1"],
        sha1_hex(&bytes),
        "{last}"
    );
}

/// Two requests with different bytes for the same place: one wins, the
/// other is refused, and the file holds exactly the winner's bytes.
async fn racing_chunks_are_serialized(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(700, 700, 14);
    let half = bytes.len() / 2;
    let size = bytes.len().to_string();
    let key = start(&app, "Race.png", &size, &bytes[..1024]).await;
    let params = [
        ("filename", "Race.png"),
        ("filesize", size.as_str()),
        ("offset", "1024"),
        ("stash", "1"),
        ("filekey", key.as_str()),
    ];
    let ours = &bytes[1024..half];
    let theirs: Vec<u8> = ours.iter().map(|b| b ^ 0x55).collect();
    let (a, b) = tokio::join!(
        app.upload_chunk(&params, ours),
        app.upload_chunk(&params, &theirs)
    );
    let won = |v: &Value| v["upload"]["result"] == "Continue";
    assert!(won(&a) != won(&b), "exactly one wins: {a} / {b}");
    let loser = if won(&a) { &b } else { &a };
    assert_eq!(loser["error"]["code"], "stashfailed", "{loser}");
    let winner: &[u8] = if won(&a) { ours } else { &theirs };
    let mut expected = bytes[..1024].to_vec();
    expected.extend_from_slice(winner);
    expected.extend_from_slice(&bytes[half..]);
    let rest = half.to_string();
    let last = chunk(
        &app,
        "Race.png",
        size.as_str(),
        rest.as_str(),
        Some(key.as_str()),
        &bytes[half..],
    )
    .await;
    assert_eq!(last["upload"]["result"], "Success", "{last}");
    assert_eq!(last["upload"]["imageinfo"]["sha1"], sha1_hex(&expected));
}

/// A restart between chunks loses nothing acknowledged, and bytes of a
/// chunk cut off in the middle (as by kill -9) are never counted.
async fn chunked_uploads_resume_after_a_restart(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 15);
    let size = bytes.len().to_string();
    let key = start(&app, "Resumed.png", &size, &bytes[..4096]).await;
    let mut app = app.restart().await;
    // A chunk that was being written when the server died.
    let path = app.data_dir.path().join("stash").join(&key);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("the upload's file");
    std::io::Write::write_all(&mut file, &[0xAB; 3000]).expect("garbage");
    drop(file);
    app = app.restart().await;
    let status = app
        .upload(&[("checkstatus", "1"), ("filekey", key.as_str())], None)
        .await;
    assert_eq!(
        status["upload"],
        json!({"result": "Continue", "stage": "uploading", "offset": 4096})
    );
    let params = |offset: &'static str| {
        [
            ("filename", "Resumed.png"),
            ("filesize", size.as_str()),
            ("offset", offset),
            ("stash", "1"),
            ("filekey", key.as_str()),
        ]
    };
    let second = app.upload_chunk(&params("4096"), &bytes[4096..8192]).await;
    assert_eq!(second["upload"]["offset"], 8192, "{second}");
    let last = app.upload_chunk(&params("8192"), &bytes[8192..]).await;
    assert_eq!(
        last["upload"]["imageinfo"]["sha1"],
        sha1_hex(&bytes),
        "{last}"
    );
    let _ = &mut app;
}

async fn poll(app: &TestApp, key: &str, until: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let status = app
            .upload(&[("checkstatus", "1"), ("filekey", key)], None)
            .await;
        if until(&status) {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("status of {key} never came");
}

/// Transcript 33: async assembly, then async publish, each polled.
async fn async_chunked_uploads_are_assembled_and_published_by_jobs(backend: Backend) {
    let app = spawn_app_with(backend, "enable_async_uploads = true\n").await;
    app.login_as_bot().await;
    let bytes = png(64, 64, 16);
    let answers = send_chunks(&app, "Async.png", &bytes, 4096, &[("async", "1")]).await;
    let last = &answers.last().expect("answers")["upload"];
    let key = answers[0]["upload"]["filekey"].as_str().expect("key");
    assert_eq!(
        *last,
        json!({"result": "Poll", "stage": "queued", "filekey": key})
    );
    let done = poll(&app, key, |s| s["upload"]["result"] != "Poll").await;
    let upload = &done["upload"];
    let keys: Vec<&str> = upload
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["result", "stage", "filekey", "imageinfo"], "{done}");
    assert_eq!(upload["stage"], "assembling");
    assert_eq!(upload["imageinfo"]["sha1"], sha1_hex(&bytes));
    let new_key = upload["filekey"].as_str().expect("new key").to_owned();
    let none = app
        .upload(&[("checkstatus", "1"), ("filekey", new_key.as_str())], None)
        .await;
    assert_eq!(none["error"]["code"], "missingresult");

    let queued = app
        .upload(
            &[
                ("filename", "Async.png"),
                ("filekey", new_key.as_str()),
                ("comment", "async publish"),
                ("async", "1"),
            ],
            None,
        )
        .await;
    assert_eq!(
        queued["upload"],
        json!({"result": "Poll", "stage": "queued", "filename": "Async.png"})
    );
    let published = poll(&app, &new_key, |s| s["upload"]["result"] == "Success").await;
    let upload = &published["upload"];
    assert_eq!(upload["stage"], "publish");
    assert_eq!(upload["filename"], "Async.png");
    assert_eq!(upload["imageinfo"]["comment"], "async publish");
    let url = upload["imageinfo"]["url"].as_str().expect("url");
    let served = app.download(url).await.bytes().await.expect("body");
    assert_eq!(sha1_hex(&served), sha1_hex(&bytes));

    let direct = app
        .upload(&[("filename", "Direct.png"), ("async", "1")], Some(&bytes))
        .await;
    assert_eq!(direct["error"]["code"], "cannot-async-upload-file");
    let keyless = app.upload(&[("checkstatus", "1")], None).await;
    assert_eq!(keyless["error"]["code"], "missingparam");
}

/// An assembly queued while the server was down runs when it starts.
async fn queued_jobs_survive_a_restart(backend: Backend) {
    let mut app = spawn_app_with(backend, "enable_async_uploads = true\n").await;
    app.login_as_bot().await;
    let bytes = png(40, 40, 17);
    // Everything sent, but a larger size declared: the upload stays open.
    let declared = (bytes.len() + 1).to_string();
    let open = chunk(&app, "Queued.png", declared.as_str(), "0", None, &bytes).await;
    let key = open["upload"]["filekey"].as_str().expect("key").to_owned();
    app.stop_server().await;
    let db = app.database().await;
    let status = db
        .upload_status(&key)
        .await
        .expect("readable")
        .expect("status");
    let queued = wikiupload::storage::UploadStatusRow {
        result: "Poll".into(),
        stage: "queued".into(),
        ..status
    };
    db.enqueue_job(
        "assemble",
        r#"{"kind":"assemble","filename":"Queued.png"}"#,
        &queued,
    )
    .await
    .expect("queued");
    db.close().await;
    app.start_server().await;
    let done = poll(&app, &key, |s| s["upload"]["result"] != "Poll").await;
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    assert_eq!(done["upload"]["imageinfo"]["sha1"], sha1_hex(&bytes));
}

/// Stash entries and abandoned chunked uploads go after their time.
async fn expired_stash_entries_and_uploads_are_removed(backend: Backend) {
    let app = spawn_app_with(backend, "upload_stash_max_age = 1\n").await;
    app.login_as_bot().await;
    let bytes = png(40, 40, 18);
    let stashed = app
        .upload(
            &[("filename", "Expiring.png"), ("stash", "1")],
            Some(&bytes),
        )
        .await;
    let stash_key = stashed["upload"]["filekey"]
        .as_str()
        .expect("key")
        .to_owned();
    let size = bytes.len().to_string();
    let open = chunk(
        &app,
        "Abandoned.png",
        size.as_str(),
        "0",
        None,
        &bytes[..2048],
    )
    .await;
    let upload_key = open["upload"]["filekey"].as_str().expect("key").to_owned();
    let stash_dir = app.data_dir.path().join("stash");
    assert!(stash_dir.join(&stash_key).exists() && stash_dir.join(&upload_key).exists());
    let mut gone = false;
    for _ in 0..80 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if !stash_dir.join(&stash_key).exists() && !stash_dir.join(&upload_key).exists() {
            gone = true;
            break;
        }
    }
    assert!(gone, "expired files are removed");
    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "stashimageinfo"),
            ("siifilekey", stash_key.as_str()),
        ])
        .await;
    assert_eq!(
        info["error"]["code"], "uploadstash-file-not-found",
        "{info}"
    );
    let late = chunk(
        &app,
        "Abandoned.png",
        size.as_str(),
        "2048",
        Some(upload_key.as_str()),
        &bytes[2048..],
    )
    .await;
    assert_eq!(late["error"]["code"], "uploadstash-file-not-found");
}

/// Most clients send `filekey` and `offset` before the chunk, and the chunk
/// is hashed on as it arrives; some send them after it (mwn), and the chunk
/// is hashed where it is written. Both give the file's SHA-1.
async fn chunks_are_hashed_right_whatever_the_field_order(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let token = app.csrf_token().await;
    let bytes = png(64, 64, 19);
    let size = bytes.len().to_string();
    let mut key = String::new();
    let mut last = Value::Null;
    for (index, part) in bytes.chunks(4096).enumerate() {
        let offset = (index * 4096).to_string();
        // The chunk first, every other field after it.
        let mut form = reqwest::multipart::Form::new().part(
            "chunk",
            reqwest::multipart::Part::bytes(part.to_vec()).file_name("blob"),
        );
        let mut fields = vec![
            ("action", "upload"),
            ("format", "json"),
            ("token", token.as_str()),
            ("filename", "Order.png"),
            ("filesize", size.as_str()),
            ("offset", offset.as_str()),
            ("stash", "1"),
        ];
        if index > 0 {
            fields.push(("filekey", key.as_str()));
        }
        for (name, value) in fields {
            form = form.text(name, value.to_owned());
        }
        let response = app
            .client
            .post(&app.api)
            .multipart(form)
            .send()
            .await
            .expect("answered");
        last = json_body(response).await;
        if let Some(next) = last["upload"]["filekey"].as_str() {
            key = next.to_owned();
        }
    }
    assert_eq!(last["upload"]["result"], "Success", "{last}");
    assert_eq!(last["upload"]["imageinfo"]["sha1"], sha1_hex(&bytes));
}

on_both_backends!(
    chunks_are_hashed_right_whatever_the_field_order,
    chunked_uploads_of_several_shapes_publish_the_same_bytes,
    chunk_mistakes_get_the_references_errors,
    chunks_of_other_users_and_oversized_uploads_are_refused,
    a_retried_chunk_is_acknowledged_and_a_different_one_refused,
    racing_chunks_are_serialized,
    chunked_uploads_resume_after_a_restart,
    async_chunked_uploads_are_assembled_and_published_by_jobs,
    queued_jobs_survive_a_restart,
    expired_stash_entries_and_uploads_are_removed,
);
