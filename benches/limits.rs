//! Hostile requests' benchmark (issue 10): `cargo bench --bench limits`.
//!
//! Each case starts the release server binary afresh (SQLite, a free
//! loopback port), sends one hostile request (or eight at once), and prints
//! the answer, the time to it, and the server's peak memory (VmHWM) before
//! and after; a fresh process per case keeps one case's memory out of the
//! next one's figure. The first row, an idle server answering siteinfo, is
//! the reference the others compare with.
//!
//! 1. SVG uploads (logged in) of a 30 MB file whose text repeats `&a;`, an
//!    internal entity of 250 characters, and of a 6 MB file with them in an
//!    attribute value;
//! 2. anonymous multipart POSTs: 20 file parts of 4.9 MB under names no
//!    module reads, with `max_upload_size` 5 MB (as the issue found it) and
//!    at its default, and 20,000 empty file parts named `file`;
//! 3. a 15 MiB urlencoded body, one and eight in parallel.
//!
//! Environment: BENCH_DIR (where the temporary directory goes),
//! BENCH_KEEP=1 (keep it, with each server's log).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::Value;

mod support;
use support::{Server, Table, machine_line};

const MB: usize = 1_000_000;
const MIB: usize = 1024 * 1024;

/// What a case sends.
enum Request {
    /// An upload by the logged-in administrator.
    Upload {
        filename: &'static str,
        bytes: Vec<u8>,
    },
    /// An anonymous POST of this body, `copies` times at once.
    Anonymous {
        content_type: String,
        body: Vec<u8>,
        copies: usize,
    },
}

struct Case {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    request: Option<Request>,
}

#[tokio::main]
async fn main() {
    if cfg!(debug_assertions) {
        eprintln!("warning: built without optimizations; run it with `cargo bench`");
    }
    let base = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("wikiupload-limits-")
        .tempdir_in(&base)
        .expect("cannot create the temporary directory");
    eprintln!("working in {}", dir.path().display());

    let svg_env = vec![("WIKIUPLOAD_FILE_EXTENSIONS", "png,svg".to_string())];
    let small_uploads = vec![("WIKIUPLOAD_MAX_UPLOAD_SIZE", (5 * MB).to_string())];
    let urlencoded = {
        let mut body = b"action=query&meta=siteinfo&format=json&text=".to_vec();
        body.resize(15 * MIB, b'a');
        body
    };
    let cases = vec![
        Case {
            name: "idle server (siteinfo only)",
            env: Vec::new(),
            request: None,
        },
        Case {
            name: "SVG, 30 MB of `&a;` (250 characters) in text",
            env: svg_env.clone(),
            request: Some(Request::Upload {
                filename: "Entities in text.svg",
                bytes: entity_svg(EntityPlace::Text, 10_000_000),
            }),
        },
        Case {
            name: "SVG, 6 MB of `&a;` in an attribute",
            env: svg_env,
            request: Some(Request::Upload {
                filename: "Entities in an attribute.svg",
                bytes: entity_svg(EntityPlace::Attribute, 2_000_000),
            }),
        },
        Case {
            name: "20 file parts of 4.9 MB, unknown names, max_upload_size 5 MB",
            env: small_uploads,
            request: Some(unknown_file_parts()),
        },
        Case {
            name: "20 file parts of 4.9 MB, unknown names, max_upload_size 100 MiB",
            env: Vec::new(),
            request: Some(unknown_file_parts()),
        },
        Case {
            name: "20,000 empty file parts named `file`",
            env: Vec::new(),
            request: Some(empty_file_parts(20_000)),
        },
        Case {
            name: "15 MiB urlencoded body",
            env: Vec::new(),
            request: Some(Request::Anonymous {
                content_type: "application/x-www-form-urlencoded".into(),
                body: urlencoded.clone(),
                copies: 1,
            }),
        },
        Case {
            name: "15 MiB urlencoded body, 8 in parallel",
            env: Vec::new(),
            request: Some(Request::Anonymous {
                content_type: "application/x-www-form-urlencoded".into(),
                body: urlencoded,
                copies: 8,
            }),
        },
    ];

    let mut table = Table::new(&[
        ("request", false),
        ("answer", false),
        ("time", true),
        ("peak RSS before", true),
        ("peak RSS after", true),
    ]);
    for (n, case) in cases.into_iter().enumerate() {
        eprintln!("{}", case.name);
        let case_dir = dir.path().join(format!("case-{n}"));
        std::fs::create_dir_all(&case_dir).expect("cannot create the case's directory");
        let mut server = Server::start(&case_dir, &case.env);
        server.wait_until_ready(&case_dir).await;
        let session = match &case.request {
            Some(Request::Upload { .. }) => Some(support::login(&server.api_url).await),
            _ => None,
        };
        let before = server.peak_memory_kib();
        let started = Instant::now();
        let answer = match &case.request {
            None => "-".to_string(),
            Some(Request::Upload { filename, bytes }) => {
                let (client, csrf) = session.as_ref().expect("logged in for uploads");
                upload(client, &server.api_url, csrf, filename, bytes).await
            }
            Some(Request::Anonymous {
                content_type,
                body,
                copies,
            }) => anonymous(&server.api_url, content_type, body, *copies).await,
        };
        let seconds = started.elapsed().as_secs_f64();
        let after = server.peak_memory_kib();
        table.row(vec![
            case.name.to_string(),
            answer,
            if case.request.is_some() {
                format!("{seconds:.2} s")
            } else {
                "-".to_string()
            },
            mib(before),
            mib(after),
        ]);
    }

    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
    println!();
    println!("{}", machine_line());
    println!();
    print!("{}", table.render());
}

enum EntityPlace {
    Text,
    Attribute,
}

/// An SVG declaring `a` as 250 characters and referring to it `count`
/// times (3 bytes each).
fn entity_svg(place: EntityPlace, count: usize) -> Vec<u8> {
    let mut svg = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY a \"{}\">\n]>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\">",
        "x".repeat(250)
    )
    .into_bytes();
    let (open, close): (&[u8], &[u8]) = match place {
        EntityPlace::Text => (b"<text>", b"</text></svg>"),
        EntityPlace::Attribute => (b"<g id=\"", b"\"/></svg>"),
    };
    svg.extend_from_slice(open);
    svg.extend(b"&a;".iter().copied().cycle().take(3 * count));
    svg.extend_from_slice(close);
    svg
}

const BOUNDARY: &str = "wikiupload-bench-boundary";

/// A multipart body of `parts` (name, file name, bytes) after an
/// `action=upload` field.
fn multipart<'a>(parts: impl Iterator<Item = (String, String, &'a [u8])>) -> Request {
    let mut body = Vec::new();
    let mut field = |disposition: String, bytes: &[u8]| {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    };
    field("name=\"action\"".into(), b"upload");
    field("name=\"format\"".into(), b"json");
    for (name, file_name, bytes) in parts {
        field(format!("name=\"{name}\"; filename=\"{file_name}\""), bytes);
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::Anonymous {
        content_type: format!("multipart/form-data; boundary={BOUNDARY}"),
        body,
        copies: 1,
    }
}

/// 20 file parts of 4.9 MB under names no module declares.
fn unknown_file_parts() -> Request {
    let bytes = vec![b'x'; 4_900_000];
    multipart((0..20).map(|n| (format!("junk{n}"), format!("junk{n}.bin"), &bytes[..])))
}

fn empty_file_parts(count: usize) -> Request {
    multipart((0..count).map(|n| ("file".to_string(), format!("e{n}.png"), &b""[..])))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .expect("cannot build the HTTP client")
}

async fn upload(
    client: &reqwest::Client,
    url: &str,
    csrf: &str,
    filename: &str,
    bytes: &[u8],
) -> String {
    let part = Part::bytes(bytes.to_vec())
        .file_name(filename.to_string())
        .mime_str("image/svg+xml")
        .expect("valid MIME type");
    let form = Form::new()
        .text("action", "upload")
        .text("format", "json")
        .text("filename", filename.to_string())
        .text("ignorewarnings", "1")
        .text("token", csrf.to_string())
        .part("file", part);
    describe(client.post(url).multipart(form).send().await).await
}

/// Sends `copies` of the body at once; the distinct answers with their
/// counts.
async fn anonymous(url: &str, content_type: &str, body: &[u8], copies: usize) -> String {
    let client = client();
    let answers = futures_util::future::join_all((0..copies).map(|_| {
        let request = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body.to_vec());
        async move { describe(request.send().await).await }
    }))
    .await;
    let mut counted: Vec<(String, usize)> = Vec::new();
    for answer in answers {
        match counted.iter_mut().find(|(seen, _)| *seen == answer) {
            Some((_, count)) => *count += 1,
            None => counted.push((answer, 1)),
        }
    }
    counted
        .into_iter()
        .map(|(answer, count)| {
            if copies == 1 {
                answer
            } else {
                format!("{count} × {answer}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The HTTP status and, for an API answer, its error code or upload
/// result; or how the connection failed.
async fn describe(sent: reqwest::Result<reqwest::Response>) -> String {
    let response = match sent {
        Ok(response) => response,
        Err(err) => {
            let mut cause: &dyn std::error::Error = &err;
            while let Some(source) = cause.source() {
                cause = source;
            }
            return format!("no answer ({cause})");
        }
    };
    let status = response.status().as_u16();
    // The server may close the connection after answering, before the
    // client has sent the whole body: the answer's own body is then lost.
    let Ok(text) = response.text().await else {
        return format!("{status} (connection closed before the answer's body)");
    };
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let error = &json["error"];
    match (error["code"].as_str(), json["upload"]["result"].as_str()) {
        (Some(code), _) => match error["details"][0].as_str() {
            Some(detail) => format!("{status}, `{code}` (`{detail}`)"),
            None => format!("{status}, `{code}`"),
        },
        (None, Some(result)) => format!("{status}, upload `{result}`"),
        (None, None) => format!("{status}, {} bytes", text.len()),
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".to_string(), |kib| {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    })
}
