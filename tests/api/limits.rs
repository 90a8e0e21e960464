//! Hostile amounts: request bodies are bounded before anyone is known
//! (whole body, parameter and file-part counts, text), and only the file
//! parts a module reads are written to disk.

use std::time::Duration;

use crate::helpers::*;

const BOUNDARY: &str = "limitsboundary";

fn text_part(name: &str, value: &str) -> Vec<u8> {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        .into_bytes()
}

fn file_part_header(name: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes()
}

fn file_part(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut part = file_part_header(name);
    part.extend_from_slice(bytes);
    part.extend_from_slice(b"\r\n");
    part
}

fn closing() -> Vec<u8> {
    format!("--{BOUNDARY}--\r\n").into_bytes()
}

async fn post_multipart(app: &TestApp, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(format!("{}?format=json", app.api))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .expect("answered")
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// Asserts a refusal: HTTP status and MediaWiki error code.
async fn assert_refused(response: reqwest::Response, status: u16, code: &str) {
    assert_eq!(response.status(), status);
    let body = json_body(response).await;
    assert_eq!(body["error"]["code"], code, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_file_parts_are_read_past_without_touching_the_disk() {
    let app = spawn_app_with(Backend::Sqlite, "max_upload_size = 1000000").await;
    let spool = app.data_dir.path().join("tmp");
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let request = app
        .client
        .post(&app.api)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let request = tokio::spawn(request);
    let send = |bytes: Vec<u8>| {
        let tx = tx.clone();
        async move { tx.send(Ok(bytes)).await.expect("request reads") }
    };
    send(text_part("action", "upload")).await;
    for name in ["bogus", "file2", "upload", "files[]"] {
        send(file_part(name, &vec![b'x'; 200_000])).await;
    }
    // The part a module reads starts: once it is in the spool, every part
    // before it has been handled.
    let mut start = file_part_header("file");
    start.extend_from_slice(&[b'y'; 1000]);
    send(start).await;
    let mut waited = Duration::ZERO;
    while files_in(&spool) == 0 && waited < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    assert_eq!(files_in(&spool), 1, "only the `file` part is spooled");
    drop(tx);
    let _ = request.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_bounded_before_authentication() {
    let app = spawn_app_with(Backend::Sqlite, "max_upload_size = 1000").await;

    // The whole multipart body: max_upload_size plus the 8 MiB allowance.
    // (Each refused body is only a little too large, so that the client has
    // sent it all when the answer comes.)
    let mut body = text_part("action", "upload");
    body.extend(file_part("bogus", &vec![b'x'; 8 * 1024 * 1024 + 1000]));
    body.extend(closing());
    assert_refused(post_multipart(&app, body).await, 413, "badupload_formsize").await;

    // PHP's max_file_uploads: 20 file parts, even empty ones.
    let mut body = text_part("action", "upload");
    for i in 0..21 {
        body.extend(file_part(&format!("part{i}"), b""));
    }
    body.extend(closing());
    assert_refused(post_multipart(&app, body).await, 413, "badrequest").await;
    let mut body = text_part("action", "query");
    for i in 0..20 {
        body.extend(file_part(&format!("part{i}"), b""));
    }
    body.extend(closing());
    let twenty = post_multipart(&app, body).await;
    assert_eq!(twenty.status(), 200);

    // PHP's max_input_vars: 1000 parameters, in any form.
    let mut body = Vec::new();
    for i in 0..1001 {
        body.extend(text_part(&format!("p{i}"), ""));
    }
    body.extend(closing());
    assert_refused(post_multipart(&app, body).await, 413, "badrequest").await;
    let many: String = (0..1001).map(|i| format!("p{i}=&")).collect();
    let urlencoded = app
        .client
        .post(format!("{}?format=json", app.api))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(many.clone())
        .send()
        .await
        .expect("answered");
    assert_refused(urlencoded, 413, "badrequest").await;
    let in_url = app
        .client
        .get(format!("{}?format=json&{many}", app.api))
        .send()
        .await
        .expect("answered");
    assert_refused(in_url, 413, "badrequest").await;

    // Text: 8 MiB, urlencoded or in text fields.
    let large = format!("action=query&text={}", "a".repeat(8 * 1024 * 1024));
    let urlencoded = app
        .client
        .post(format!("{}?format=json", app.api))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(large)
        .send()
        .await
        .expect("answered");
    assert_refused(urlencoded, 413, "badupload_formsize").await;
    let mut body = text_part("action", "query");
    body.extend(text_part("text", &"a".repeat(5 * 1024 * 1024)));
    body.extend(text_part("summary", &"a".repeat(3 * 1024 * 1024 + 1000)));
    body.extend(closing());
    assert_refused(post_multipart(&app, body).await, 413, "badupload_formsize").await;

    // Within every bound, the server still answers normally.
    let body = app
        .post(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("format", "json"),
        ])
        .await;
    assert!(body["query"]["general"].is_object(), "{body}");
}

/// The server's address, from the API URL.
fn address(app: &TestApp) -> String {
    app.api
        .trim_start_matches("http://")
        .trim_end_matches("/api.php")
        .to_owned()
}

/// Reads until the server closes the connection (or fails it); what it
/// sent. Panics if it stays open for `limit`.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the connection is still open after {limit:?}");
    String::from_utf8_lossy(&received).into_owned()
}

async fn get_over_new_connection(app: &TestApp, path: &str) -> String {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(address(app))
        .await
        .expect("connects");
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    read_until_closed(&mut stream, Duration::from_secs(20)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_and_health_checks_answer_when_full() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(
        Backend::Sqlite,
        "header_read_timeout = 2\nbody_idle_timeout = 2\nmax_connections = 4",
    )
    .await;

    // Silence, headers that never end, and a body that never comes are cut.
    let mut silent = tokio::net::TcpStream::connect(address(&app))
        .await
        .expect("connects");
    read_until_closed(&mut silent, Duration::from_secs(20)).await;
    let mut one_byte = tokio::net::TcpStream::connect(address(&app))
        .await
        .expect("connects");
    one_byte.write_all(b"G").await.expect("sent");
    read_until_closed(&mut one_byte, Duration::from_secs(20)).await;
    let mut no_body = tokio::net::TcpStream::connect(address(&app))
        .await
        .expect("connects");
    no_body
        .write_all(b"POST /api.php HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\naction=")
        .await
        .expect("sent");
    let answer = read_until_closed(&mut no_body, Duration::from_secs(20)).await;
    assert!(
        answer.is_empty() || answer.contains("mediawiki-api-error: badrequest"),
        "{answer}"
    );

    // Four slow clients fill the server: the health checks still answer,
    // anything else is told to come back; past the reserve, connections
    // are closed at once.
    let mut slow = Vec::new();
    for _ in 0..4 {
        let mut stream = tokio::net::TcpStream::connect(address(&app))
            .await
            .expect("connects");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .expect("sent");
        slow.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let health = get_over_new_connection(&app, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.ends_with("ok\n"), "{health}");
    let api = get_over_new_connection(&app, "/api.php?action=query&format=json").await;
    assert!(api.starts_with("HTTP/1.1 503"), "{api}");
    let mut reserve = Vec::new();
    for _ in 0..wikiupload::server::HEALTH_RESERVE {
        let mut stream = tokio::net::TcpStream::connect(address(&app))
            .await
            .expect("connects");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .expect("sent");
        reserve.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let closed = get_over_new_connection(&app, "/healthz").await;
    assert_eq!(
        closed, "",
        "a connection past the reserve is closed unanswered"
    );

    // The slow ones time out and the server serves everyone again.
    for stream in slow.iter_mut().chain(reserve.iter_mut()) {
        read_until_closed(stream, Duration::from_secs(20)).await;
    }
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("format", "json"),
        ])
        .await;
    assert!(body["query"]["general"].is_object(), "{body}");
}
