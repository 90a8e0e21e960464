//! Thumbnails: imageinfo's thumbnail fields and the thumbnail URLs replayed
//! against the reference wiki's transcripts 50, 53 and 75 (values, not just
//! shapes), every format rendered and decoded back with its size and
//! orientation, purging on re-upload, revert, move and deletion, bad inputs
//! answered within bounds, stashed files' thumbnails, `thumb.php`, and a
//! storm of requests for one thumbnail.

use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::{Map, Value};

use crate::helpers::*;
use crate::on_both_backends;

const EXTENSIONS: &str = "file_extensions = [\"png\", \"gif\", \"jpg\", \"jpeg\", \"webp\", \"svg\", \"pdf\", \"tif\", \"bmp\", \"txt\"]\n";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/thumbs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const SVG_240X120: &str = r#"<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">
<rect width="240" height="16" fill="red"/><rect y="16" width="240" height="104" fill="blue"/>
</svg>
"#;

async fn app_for_thumbs(backend: Backend, extra: &str) -> TestApp {
    let app = spawn_app_with(backend, &format!("{EXTENSIONS}{extra}")).await;
    app.login_as_bot().await;
    app
}

async fn publish(app: &TestApp, name: &str, bytes: &[u8]) -> Value {
    let answer = app
        .upload(&[("filename", name), ("ignorewarnings", "1")], Some(bytes))
        .await;
    assert_eq!(answer["upload"]["result"], "Success", "{name}: {answer}");
    answer
}

/// The first imageinfo entry of `name` with `params` added.
async fn imageinfo(app: &TestApp, name: &str, params: &[(&str, &str)]) -> Value {
    let title = format!("File:{name}");
    let mut query = vec![
        ("action", "query"),
        ("prop", "imageinfo"),
        ("titles", title.as_str()),
        ("formatversion", "2"),
    ];
    query.extend_from_slice(params);
    let body = app.get(&query).await;
    body["query"]["pages"][0]["imageinfo"][0].clone()
}

async fn fetch(app: &TestApp, url: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.download(url).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn decode(bytes: &[u8]) -> image::RgbaImage {
    if bytes.starts_with(&[0xff, 0xd8]) {
        let mut decoder = jpeg_decoder::Decoder::new(bytes);
        let rgb = decoder.decode().expect("the JPEG thumbnail decodes");
        let info = decoder.info().expect("a frame");
        let rgba = rgb
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect();
        return image::RgbaImage::from_raw(u32::from(info.width), u32::from(info.height), rgba)
            .expect("RGB");
    }
    image::load_from_memory(bytes)
        .expect("the thumbnail decodes")
        .into_rgba8()
}

/// Whether the pixel at (x, y) is mostly red (the fixtures' top band).
fn red_at(image: &image::RgbaImage, x: u32, y: u32) -> bool {
    let [r, g, b, _] = image.get_pixel(x, y).0;
    r > 180 && g < 90 && b < 90
}

// ---------------------------------------------------------------------------
// Transcript 75

/// What may differ from the reference in a value: the server, page ids,
/// archive timestamps, times, metadata (the files' comments differ).
fn comparable(value: &Value, server: &str) -> Value {
    let archive = Regex::new(r"\d{14}(%21|!)").expect("regex");
    let curid = Regex::new(r"curid=\d+").expect("regex");
    let time = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").expect("regex");
    match value {
        Value::String(text) => {
            let text = text.replace(server, "<server>");
            let text = archive.replace_all(&text, "<ts>$1");
            let text = time.replace_all(&text, "<time>");
            Value::String(curid.replace_all(&text, "curid=<id>").into_owned())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| comparable(v, server)).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let value = match key.as_str() {
                    "pageid" | "timestamp" | "iistart" | "metadata" | "commonmetadata" | "size"
                    | "sha1" | "userid" => Value::Null,
                    _ => comparable(value, server),
                };
                out.insert(key.clone(), value);
            }
            // fv1 keys pages by id, whose order differs: pages by title.
            if let Some(Value::Object(pages)) = out.get("pages").cloned()
                && pages.keys().all(|k| k.parse::<i64>().is_ok())
            {
                let mut pages: Vec<Value> = pages.into_iter().map(|(_, v)| v).collect();
                pages.sort_by_key(|page| page["title"].to_string());
                out.insert("pages".into(), Value::Array(pages));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// The bytes standing in for a file the reference uploaded: the same
/// sizes, frames and orientation.
fn stand_in(file: &str, comment: &str) -> Vec<u8> {
    match (file, comment) {
        (name, "png v2") if name.ends_with(".png") => png(200, 300, 2),
        (name, "v2") if name.ends_with(".png") => png(300, 150, 4),
        (name, _) if name.ends_with(".txt") => b"some text for a test\n".to_vec(),
        (name, _) if name.ends_with(".png") => png(320, 200, 1),
        (name, _) if name.ends_with(".jpg") => fixture("rotated.jpg"),
        (name, _) if name.ends_with(".gif") => fixture("animated.gif"),
        (name, _) if name.ends_with(".svg") => SVG_240X120.as_bytes().to_vec(),
        _ => std::fs::read(format!(
            "{}/tests/fixtures/files/tiny.pdf",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("tiny.pdf"),
    }
}

/// Transcripts 75 (thumbnails), 50 (imageinfo) and 53 (fetching files)
/// replayed: see `replay`.
async fn thumbnail_exchanges_match_the_reference(backend: Backend) {
    replay(backend, "75-thumbnails", &[]).await;
    replay(backend, "53-fetch-files", &[]).await;
    // Not thumbnails, and not there yet: allimages as a generator, the
    // `limits` MediaWiki reports for `iilimit=max`, a wiki's Main Page.
    replay(
        backend,
        "50-imageinfo",
        &[
            "imageinfo via pageids-less generator (allimages prefix)",
            "imageinfo, full history (iilimit=max)",
            "imageinfo of a non-file title",
        ],
    )
    .await;
}

/// Replays a transcript in both formatversions: the same uploads (under
/// the same names, with files of the same sizes), then every query
/// compared value by value (what is bound to differ made comparable), and
/// every fetch under `images/thumb/` and `images/archive/` compared by
/// status, content type and error text. Steps in `skip` are not sent.
async fn replay(backend: Backend, name: &str, skip: &[&str]) {
    let transcript: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/transcripts/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("transcript"),
    )
    .expect("JSON");
    let reference_server = "http://127.0.0.1:8080";
    let archive_in_path = Regex::new(r"\d{14}%21[^/]*").expect("regex");
    let mut compared = 0;
    for run in transcript["runs"].as_array().expect("runs") {
        let app = app_for_thumbs(backend, "").await;
        let server = app.api.trim_end_matches("/api.php").to_owned();
        // Our archive name of the re-uploaded PNG, once there is one.
        let mut archive_name: Option<String> = None;
        for exchange in run["exchanges"].as_array().expect("exchanges") {
            let step = exchange["step"].as_str().unwrap_or_default();
            let context = format!("{name} fv{} / {step}", run["formatversion"]);
            let params = exchange["params"].as_object();
            let path = exchange["path"].as_str().expect("path");
            if skip.contains(&step) {
                continue;
            }
            if exchange["method"] == "POST" && path == "/api.php" {
                let params = params.expect("upload params");
                let file = params["filename"].as_str().expect("filename");
                let comment = params.get("comment").and_then(Value::as_str).unwrap_or("");
                let answer = app
                    .upload(
                        &[
                            ("filename", file),
                            ("comment", comment),
                            ("ignorewarnings", "1"),
                        ],
                        Some(&stand_in(file, comment)),
                    )
                    .await;
                assert_eq!(answer["upload"]["result"], "Success", "{context}: {answer}");
                if comment.ends_with("v2") {
                    let history = app
                        .get(&[
                            ("action", "query"),
                            ("prop", "imageinfo"),
                            ("titles", &format!("File:{file}")),
                            ("iiprop", "archivename"),
                            ("iilimit", "2"),
                            ("formatversion", "2"),
                        ])
                        .await;
                    archive_name = history["query"]["pages"][0]["imageinfo"][1]["archivename"]
                        .as_str()
                        .map(str::to_owned);
                }
                continue;
            }
            if path == "/api.php" {
                let query: Vec<(String, String)> = params
                    .expect("params")
                    .iter()
                    .map(|(k, v)| {
                        let value = match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), value)
                    })
                    .collect();
                let query: Vec<(&str, &str)> = query
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let ours = app.get(&query).await;
                assert_eq!(
                    comparable(&ours, &server),
                    comparable(&exchange["body"], reference_server),
                    "{context}"
                );
                compared += 1;
                continue;
            }
            // A file fetch (others are another area's): our archive name
            // stands for theirs.
            if !(path.starts_with("/images/thumb/") || path.starts_with("/images/archive/"))
                || exchange["method"] == "POST"
            {
                continue;
            }
            let mut path = path.to_owned();
            if let Some(archive) = &archive_name {
                let ours = archive.replace('!', "%21");
                path = archive_in_path.replace(&path, ours.as_str()).into_owned();
            }
            let url = format!("{server}{path}");
            let response = match exchange["method"].as_str() {
                Some("HEAD") => app.client.head(&url).send().await,
                _ => app.client.get(&url).send().await,
            }
            .expect("answered");
            assert_eq!(
                response.status().as_u16(),
                exchange["status"].as_u64().unwrap_or(0) as u16,
                "{context}"
            );
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                exchange["headers"]["content-type"].as_str(),
                "{context}"
            );
            let body = response.text().await.expect("body");
            if let Some(text) = exchange["body_text"].as_str() {
                assert_eq!(body, text, "{context}");
            }
            compared += 1;
        }
    }
    assert!(compared >= 3, "{name}: only {compared} exchanges compared");
}

// ---------------------------------------------------------------------------
// Formats

/// Every format renders, and the thumbnail decodes to the size MediaWiki's
/// rounding gives, the right way up (the fixtures' red band on top).
async fn every_format_renders_and_decodes_back(backend: Backend) {
    let app = app_for_thumbs(backend, "").await;
    // name, bytes, width asked, expected size, expected MIME, band edge
    type Case = (
        &'static str,
        Vec<u8>,
        u32,
        (u32, u32),
        &'static str,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "Rotated.jpg",
            fixture("rotated.jpg"),
            40,
            (40, 60),
            "image/jpeg",
            "right",
        ),
        (
            "Progressive.jpg",
            fixture("progressive.jpg"),
            45,
            (45, 30),
            "image/jpeg",
            "top",
        ),
        (
            "Cmyk.jpg",
            fixture("cmyk.jpg"),
            45,
            (45, 30),
            "image/jpeg",
            "top",
        ),
        (
            "Interlaced.png",
            fixture("interlaced.png"),
            45,
            (45, 30),
            "image/png",
            "top",
        ),
        (
            "Palette.png",
            fixture("palette.png"),
            45,
            (45, 30),
            "image/png",
            "top",
        ),
        (
            "Deep.png",
            fixture("deep.png"),
            45,
            (45, 30),
            "image/png",
            "none",
        ),
        (
            "Animated.gif",
            fixture("animated.gif"),
            80,
            (80, 50),
            "image/gif",
            "top",
        ),
        (
            "Lossy.webp",
            fixture("lossy.webp"),
            45,
            (45, 30),
            "image/png",
            "top",
        ),
        (
            "Alpha.webp",
            fixture("alpha.webp"),
            45,
            (45, 30),
            "image/png",
            "top",
        ),
        (
            "Drawing.svg",
            SVG_240X120.as_bytes().to_vec(),
            500,
            (500, 250),
            "image/png",
            "top",
        ),
        (
            "Pages.tif",
            fixture("pages.tif"),
            45,
            (45, 30),
            "image/png",
            "top",
        ),
        (
            "Plain.bmp",
            fixture("plain.bmp"),
            45,
            (45, 30),
            "image/png",
            "top",
        ),
    ];
    for (name, bytes, width, (w, h), mime, band) in cases {
        publish(&app, name, &bytes).await;
        let width_text = width.to_string();
        let info = imageinfo(
            &app,
            name,
            &[
                ("iiprop", "url|size|thumbmime"),
                ("iiurlwidth", &width_text),
            ],
        )
        .await;
        assert_eq!(info["thumbmime"], mime, "{name}: {info}");
        assert_eq!(
            (info["thumbwidth"].as_u64(), info["thumbheight"].as_u64()),
            (Some(u64::from(w)), Some(u64::from(h))),
            "{name}"
        );
        let url = info["thumburl"].as_str().expect("thumburl");
        let (status, headers, body) = fetch(&app, url).await;
        assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers["content-type"], mime, "{name}");
        let image = decode(&body);
        assert_eq!(image.dimensions(), (w, h), "{name}");
        match band {
            "top" => {
                assert!(red_at(&image, w / 2, 0), "{name}: red on top");
                assert!(
                    !red_at(&image, w / 2, h - 1),
                    "{name}: not red at the bottom"
                );
            }
            "right" => {
                assert!(red_at(&image, w - 1, h / 2), "{name}: red on the right");
                assert!(!red_at(&image, 0, h / 2), "{name}: not red on the left");
            }
            _ => {}
        }
    }
    // The animated GIF's thumbnail keeps its three frames.
    let info = imageinfo(
        &app,
        "Animated.gif",
        &[("iiprop", "url"), ("iiurlwidth", "80")],
    )
    .await;
    let (_, _, body) = fetch(&app, info["thumburl"].as_str().expect("thumburl")).await;
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(body)).expect("GIF");
    let frames = image::AnimationDecoder::into_frames(decoder)
        .collect_frames()
        .expect("frames");
    assert_eq!(frames.len(), 3);
    // A TIFF's second page, and a JPEG output on request.
    let info = imageinfo(
        &app,
        "Pages.tif",
        &[
            ("iiprop", "url|thumbmime"),
            ("iiurlwidth", "20"),
            ("iiurlparam", "lossy-page2-20px"),
        ],
    )
    .await;
    let url = info["thumburl"].as_str().expect("thumburl");
    assert!(url.ends_with("/lossy-page2-20px-Pages.tif.jpg"), "{url}");
    let (status, _, body) = fetch(&app, url).await;
    assert_eq!(status, 200);
    let page = decode(&body);
    // Page 2 is 40×80 with its band at the bottom; scaled by the file's
    // (first page's) proportions, as MediaWiki sizes paged files.
    assert_eq!(page.width(), 20);
    assert!(red_at(&page, 10, page.height() - 1));
    // JPEG quality: low gives a smaller file.
    let low = imageinfo(
        &app,
        "Progressive.jpg",
        &[
            ("iiprop", "url"),
            ("iiurlwidth", "80"),
            ("iiurlparam", "qlow-80px"),
        ],
    )
    .await;
    assert!(
        low["thumburl"]
            .as_str()
            .expect("url")
            .ends_with("/qlow-80px-Progressive.jpg")
    );
}

// ---------------------------------------------------------------------------
// Purging

async fn thumbnails_are_purged_on_reupload_and_delete(backend: Backend) {
    let app = spawn_app_with(backend, EXTENSIONS).await;
    app.login_as_admin().await;
    publish(&app, "Purged.png", &png(320, 200, 7)).await;
    let info = imageinfo(
        &app,
        "Purged.png",
        &[("iiprop", "url"), ("iiurlwidth", "100")],
    )
    .await;
    let url = info["thumburl"].as_str().expect("thumburl").to_owned();
    let (status, _, body) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&body).dimensions(), (100, 63));
    let cache = app.data_dir.path().join("thumbs");
    let cached_files = || {
        fn count(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
        }
        count(&cache)
    };
    assert_eq!(cached_files(), 1);
    // A new version: the old thumbnails go, the URL renders the new one.
    publish(&app, "Purged.png", &png(200, 300, 8)).await;
    assert_eq!(cached_files(), 0, "purged on re-upload");
    let (status, _, body) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&body).dimensions(), (100, 150));
    // The old version's thumbnail, at its archive URL.
    let history = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Purged.png"),
            ("iiprop", "url"),
            ("iilimit", "2"),
            ("iiurlwidth", "100"),
            ("formatversion", "2"),
        ])
        .await;
    let old = history["query"]["pages"][0]["imageinfo"][1]["thumburl"]
        .as_str()
        .expect("old thumburl")
        .to_owned();
    assert!(old.contains("/images/thumb/archive/"), "{old}");
    let (status, _, body) = fetch(&app, &old).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&body).dimensions(), (100, 63));
    // A revert to v1: purged, and the URL renders v1 again.
    let archive = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Purged.png"),
            ("iiprop", "archivename"),
            ("iilimit", "2"),
            ("formatversion", "2"),
        ])
        .await["query"]["pages"][0]["imageinfo"][1]["archivename"]
        .as_str()
        .expect("v1's archive name")
        .to_owned();
    assert!(cached_files() > 0);
    let reverted = post_with_token(
        &app,
        &[
            ("action", "filerevert"),
            ("filename", "Purged.png"),
            ("archivename", &archive),
            ("comment", "back to v1"),
        ],
    )
    .await;
    assert_eq!(reverted["filerevert"]["result"], "Success", "{reverted}");
    assert_eq!(cached_files(), 0, "purged on revert");
    let (_, _, body) = fetch(&app, &url).await;
    assert_eq!(decode(&body).dimensions(), (100, 63));
    // A move: both names purged; the new name renders.
    let moved = post_with_token(
        &app,
        &[
            ("action", "move"),
            ("from", "File:Purged.png"),
            ("to", "File:Moved purged.png"),
            ("reason", "rename"),
        ],
    )
    .await;
    assert!(moved.get("move").is_some(), "{moved}");
    assert_eq!(cached_files(), 0, "purged on move");
    let info = imageinfo(
        &app,
        "Moved purged.png",
        &[("iiprop", "url"), ("iiurlwidth", "100")],
    )
    .await;
    let url = info["thumburl"].as_str().expect("thumburl").to_owned();
    let (status, _, body) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&body).dimensions(), (100, 63));
    // Deletion: every thumbnail goes and the URLs answer 404.
    let deleted = post_with_token(
        &app,
        &[("action", "delete"), ("title", "File:Moved purged.png")],
    )
    .await;
    assert!(deleted.get("delete").is_some(), "{deleted}");
    assert_eq!(cached_files(), 0, "purged on delete");
    let (status, headers, _) = fetch(&app, &url).await;
    assert_eq!(status, 404, "{url}");
    assert_eq!(headers["cache-control"], "no-cache");
}

async fn post_with_token(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let token = app.csrf_token().await;
    let mut all = vec![("token", token.as_str())];
    all.extend_from_slice(params);
    app.post(&all).await
}

// ---------------------------------------------------------------------------
// Bad inputs

/// A PNG whose header claims `width` × `height` over one tiny IDAT.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(1, 1, 3);
    // IHDR data starts at 16: patch the size and the CRC.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32fast::hash(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// Fetches `url` and checks the answer is an error page, quickly.
async fn bounded_error(app: &TestApp, url: &str, what: &str) -> String {
    let started = Instant::now();
    let (status, headers, body) = fetch(app, url).await;
    let elapsed = started.elapsed();
    assert!(status >= 400, "{what}: {status}");
    assert_eq!(
        headers["content-type"], "text/html; charset=utf-8",
        "{what}"
    );
    assert!(elapsed < Duration::from_secs(20), "{what}: {elapsed:?}");
    String::from_utf8_lossy(&body).into_owned()
}

async fn bad_inputs_answer_within_bounds(backend: Backend) {
    let app = app_for_thumbs(backend, "").await;
    // A 100000×100000 PNG header: the area limit, in imageinfo already.
    publish(&app, "Huge.png", &png_header_only(100_000, 100_000)).await;
    let info = imageinfo(
        &app,
        "Huge.png",
        &[("iiprop", "url"), ("iiurlwidth", "120")],
    )
    .await;
    assert_eq!(
        info["thumberror"],
        "Error creating thumbnail: File with dimensions greater than 12.5 MP"
    );
    assert!(info.get("thumburl").is_none());
    // Its thumbnail URL answers the same error, 400.
    let hash = format!("{:x}", md5::Md5::digest_helper("Huge.png"));
    let url = format!(
        "{}/images/thumb/{}/{}/Huge.png/120px-Huge.png",
        app.api.trim_end_matches("/api.php"),
        &hash[..1],
        &hash[..2]
    );
    let page = bounded_error(&app, &url, "huge PNG").await;
    assert!(page.contains("greater than 12.5 MP"), "{page}");
    // A JPEG header claiming 60000×60000 (JPEG is exempt from the area
    // limit): even at 1/8 scale too many pixels, refused before decoding.
    let mut jpeg = fixture("progressive.jpg");
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xff, 0xc2])
        .expect("a progressive frame header");
    jpeg[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
    publish(&app, "Bomb.jpg", &jpeg).await;
    let info = imageinfo(
        &app,
        "Bomb.jpg",
        &[("iiprop", "url"), ("iiurlwidth", "120")],
    )
    .await;
    let page = bounded_error(
        &app,
        info["thumburl"].as_str().expect("thumburl"),
        "JPEG bomb",
    )
    .await;
    assert!(page.contains("Error creating thumbnail"), "{page}");
    // A truncated JPEG.
    let whole = fixture("progressive.jpg");
    publish(&app, "Truncated.jpg", &whole[..whole.len() / 2]).await;
    let info = imageinfo(
        &app,
        "Truncated.jpg",
        &[("iiprop", "url"), ("iiurlwidth", "40")],
    )
    .await;
    let url = info["thumburl"].as_str().expect("thumburl");
    let (status, _, body) = fetch(&app, url).await;
    assert!(
        status == 200 && decode(&body).width() == 40 || status == 500,
        "truncated JPEG: {status}"
    );
    // A billion laughs.
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY lol \"lol\">\n");
    for level in 1..10 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        laughs.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    laughs.push_str("]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\"><text y=\"20\">&lol9;</text></svg>\n");
    let answer = app
        .upload(
            &[("filename", "Laughs.svg"), ("ignorewarnings", "1")],
            Some(laughs.as_bytes()),
        )
        .await;
    if answer["upload"]["result"] == "Success" {
        let info = imageinfo(
            &app,
            "Laughs.svg",
            &[("iiprop", "url"), ("iiurlwidth", "50")],
        )
        .await;
        if let Some(url) = info["thumburl"].as_str() {
            bounded_error(&app, url, "billion laughs").await;
        }
    } else {
        // Refused at upload: the verifier does not take the DTD.
        assert!(answer.get("error").is_some(), "{answer}");
    }
    // 10^6 elements.
    let mut many =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\">");
    for _ in 0..1_000_000 {
        many.push_str("<g/>");
    }
    many.push_str("</svg>");
    publish(&app, "Many.svg", many.as_bytes()).await;
    let info = imageinfo(&app, "Many.svg", &[("iiprop", "url"), ("iiurlwidth", "50")]).await;
    let page = bounded_error(
        &app,
        info["thumburl"].as_str().expect("thumburl"),
        "10^6 elements",
    )
    .await;
    assert!(page.contains("invalid SVG"), "{page}");
}

/// Without an area limit, the decoder's own bound still holds: a header
/// claiming 100000×100000 is refused before anything is allocated.
async fn decoders_do_not_trust_headers(backend: Backend) {
    let app = app_for_thumbs(backend, "max_image_area = 0\n").await;
    publish(&app, "Header.png", &png_header_only(100_000, 100_000)).await;
    let info = imageinfo(
        &app,
        "Header.png",
        &[("iiprop", "url"), ("iiurlwidth", "120")],
    )
    .await;
    let url = info["thumburl"]
        .as_str()
        .expect("no area limit: a thumburl");
    let page = bounded_error(&app, url, "header-only PNG").await;
    assert!(page.contains("larger than this wiki renders"), "{page}");
}

// ---------------------------------------------------------------------------
// thumb.php, storms, headers

async fn thumb_php_and_a_storm_render_once(backend: Backend) {
    let app = app_for_thumbs(backend, "").await;
    publish(&app, "Storm.png", &png(640, 400, 9)).await;
    let base = app.api.trim_end_matches("/api.php").to_owned();
    let url = format!("{base}/thumb.php?f=Storm.png&width=130px");
    let mut requests = Vec::new();
    for _ in 0..16 {
        let client = app.client.clone();
        let url = url.clone();
        requests.push(tokio::spawn(async move {
            let response = client.get(&url).send().await.expect("answered");
            (
                response.status().as_u16(),
                response.bytes().await.expect("body"),
            )
        }));
    }
    let mut bodies = Vec::new();
    for request in requests {
        let (status, body) = request.await.expect("joined");
        assert_eq!(status, 200);
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(decode(&bodies[0]).dimensions(), (130, 81));
    // The same thumbnail by its URL: cached, with the serving headers.
    let hash = format!("{:x}", md5::Md5::digest_helper("Storm.png"));
    let thumb_url = format!(
        "{base}/images/thumb/{}/{}/Storm.png/130px-Storm.png",
        &hash[..1],
        &hash[..2]
    );
    let response = app.download(&thumb_url).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("etag") && headers.contains_key("last-modified"));
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("text")
            .contains("max-age")
    );
    assert_eq!(
        headers["content-disposition"],
        "inline;filename*=UTF-8''Storm.png"
    );
    let etag = headers["etag"].clone();
    let again = app
        .client
        .get(&thumb_url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status(), 304);
    let ranged = app
        .client
        .get(&thumb_url)
        .header("range", "bytes=0-7")
        .send()
        .await
        .expect("answered");
    assert_eq!(ranged.status(), 206);
    assert_eq!(
        ranged.bytes().await.expect("body").as_ref(),
        b"\x89PNG\r\n\x1a\n"
    );
    // A file without a handler gets MediaWiki's icon, which is served.
    publish(&app, "Notes.txt", b"some notes\n").await;
    let info = imageinfo(
        &app,
        "Notes.txt",
        &[("iiprop", "url"), ("iiurlwidth", "120")],
    )
    .await;
    assert_eq!(
        (info["thumbwidth"].as_u64(), info["thumbheight"].as_u64()),
        (Some(120), Some(120))
    );
    let icon = info["thumburl"].as_str().expect("icon");
    assert!(
        icon.ends_with("/resources/assets/file-type-icons/fileicon-txt.png"),
        "{icon}"
    );
    let (status, headers, body) = fetch(&app, icon).await;
    assert_eq!(
        (status, headers["content-type"].to_str().ok()),
        (200, Some("image/png"))
    );
    assert_eq!(decode(&body).dimensions(), (120, 120));
}

/// md5 hex of a name, for hash directories in URLs built by hand.
trait DigestHelper {
    fn digest_helper(text: &str) -> md5::digest::Output<md5::Md5>;
}

impl DigestHelper for md5::Md5 {
    fn digest_helper(text: &str) -> md5::digest::Output<md5::Md5> {
        <md5::Md5 as md5::Digest>::digest(text.as_bytes())
    }
}

/// A stashed file gets thumbnails too, served to its owner only, and they
/// go when the file is published from the stash.
async fn stashed_files_have_thumbnails_for_their_owner(backend: Backend) {
    let app = app_for_thumbs(backend, "").await;
    let stashed = app
        .upload(
            &[("filename", "Stashed thumb.png"), ("stash", "1")],
            Some(&png(320, 200, 11)),
        )
        .await;
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "stashimageinfo"),
            ("siifilekey", &key),
            ("siiprop", "url|size|thumbmime"),
            ("siiurlwidth", "100"),
            ("formatversion", "2"),
        ])
        .await;
    let entry = &info["query"]["stashimageinfo"][0];
    let url = entry["thumburl"].as_str().expect("thumburl").to_owned();
    assert!(
        url.ends_with(&format!(
            "/index.php/Special:UploadStash/thumb/{key}/100px-{key}"
        )),
        "{url}"
    );
    assert_eq!(
        (entry["thumbwidth"].as_u64(), entry["thumbheight"].as_u64()),
        (Some(100), Some(63))
    );
    assert_eq!(entry["thumbmime"], "image/png");
    let (status, _, body) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    assert_eq!(decode(&body).dimensions(), (100, 63));
    let anonymous = new_client().get(&url).send().await.expect("answered");
    assert_eq!(anonymous.status(), 403);
    // Published from the stash: its thumbnails go with the entry.
    let published = app
        .upload(
            &[("filename", "Stashed thumb.png"), ("filekey", &key)],
            None,
        )
        .await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    assert!(!app.data_dir.path().join("thumbs/stash").join(&key).exists());
}

on_both_backends!(
    stashed_files_have_thumbnails_for_their_owner,
    thumbnail_exchanges_match_the_reference,
    every_format_renders_and_decodes_back,
    thumbnails_are_purged_on_reupload_and_delete,
    bad_inputs_answer_within_bounds,
    decoders_do_not_trust_headers,
    thumb_php_and_a_storm_render_once,
);
