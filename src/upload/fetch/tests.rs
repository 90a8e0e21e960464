use super::*;

use std::sync::Mutex;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus, header};
use axum::response::{IntoResponse, Response};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// ------------------------------------------------------------ helpers

/// The file the test server serves: 30,000 bytes that are not all alike.
fn file_bytes() -> Vec<u8> {
    (0..30_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

fn policy() -> FetchPolicy {
    FetchPolicy {
        allowed_domains: vec![],
        allow_private_addresses: true,
        timeout: Duration::from_secs(10),
        max_size: 100_000,
        max_redirects: DEFAULT_MAX_REDIRECTS,
    }
}

fn strict_policy() -> FetchPolicy {
    FetchPolicy {
        allow_private_addresses: false,
        ..policy()
    }
}

fn domains(list: &[&str]) -> Vec<String> {
    list.iter().map(|d| d.to_string()).collect()
}

/// Requests the test server saw: path and Host header.
type Log = Arc<Mutex<Vec<(String, String)>>>;

struct TestServer {
    port: u16,
    log: Log,
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn paths(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// An axum server on 127.0.0.1:0 whose paths each show one behaviour.
async fn spawn_server() -> TestServer {
    let log: Log = Arc::default();
    let app = axum::Router::new().fallback(serve).with_state(log.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    TestServer { port, log }
}

fn redirect(location: String) -> Response {
    (AxumStatus::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn serve(State(log): State<Log>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let headers: &HeaderMap = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let port = host.rsplit(':').next().unwrap_or_default().to_owned();
    log.lock().expect("log").push((path.clone(), host));

    if let Some(n) = path.strip_prefix("/hop/") {
        // /hop/N redirects N times (path-only Locations), then serves.
        let n: u32 = n.parse().expect("hop count");
        return match n {
            0 => redirect("/file.png".into()),
            _ => redirect(format!("/hop/{}", n - 1)),
        };
    }
    match path.as_str() {
        "/file.png" => file_bytes().into_response(),
        "/absolute" => redirect(format!("http://127.0.0.1:{port}/file.png")),
        "/to-metadata" => redirect("http://169.254.169.254/latest/meta-data/".into()),
        "/to-zero" => redirect(format!("http://0.0.0.0:{port}/zero-target")),
        "/to-mapped" => redirect(format!("http://[::ffff:169.254.169.254]:{port}/x")),
        "/to-localhost" => redirect(format!("http://localhost:{port}/file.png")),
        "/to-ftp" => redirect("ftp://127.0.0.1/x.png".into()),
        "/to-credentials" => redirect(format!("http://user:pw@127.0.0.1:{port}/file.png")),
        "/zero-target" => file_bytes().into_response(),
        "/big" => {
            // Declared, and trickled so that a reader would see pieces.
            let body = Body::from_stream(futures_util::stream::unfold(0, |sent| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                (sent < 10).then(|| (Ok::<_, std::io::Error>(vec![b'x'; 1_000]), sent + 1))
            }));
            ([(header::CONTENT_LENGTH, "10000")], body).into_response()
        }
        "/chunked-big" => {
            // No Content-Length: axum sends a stream chunked.
            let chunks = (0..10).map(|_| Ok::<_, std::io::Error>(vec![b'y'; 1_000]));
            Body::from_stream(futures_util::stream::iter(chunks)).into_response()
        }
        "/slow-headers" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            file_bytes().into_response()
        }
        "/slow-body" => {
            let stream = async_stream_slow();
            Body::from_stream(stream).into_response()
        }
        _ => AxumStatus::NOT_FOUND.into_response(),
    }
}

/// One chunk now, the next after 30 s.
fn async_stream_slow()
-> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(0u8, |state| async move {
        match state {
            0 => Some((Ok(vec![b'z'; 100]), 1)),
            1 => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Some((Ok(vec![b'z'; 100]), 2))
            }
            _ => None,
        }
    })
}

/// A bare TCP server answering every connection with `response`, for
/// framings axum will not produce.
async fn spawn_raw(response: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let response = Arc::new(response);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let response = response.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = socket.write_all(&response).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    port
}

fn spool_is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(true)
}

async fn fetch_code(url: &str, policy: &FetchPolicy) -> (String, String, bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = fetch(url, policy, dir.path(), &FetchProgress::new())
        .await
        .expect_err("the fetch should fail");
    (
        err.code().to_owned(),
        err.to_string(),
        spool_is_empty(dir.path()),
    )
}

// ------------------------------------------------------- pure checks

#[test]
fn addresses_are_classified() {
    use AddressClass::*;
    let table: &[(&str, AddressClass)] = &[
        ("93.184.216.34", Public),
        ("8.8.8.8", Public),
        ("127.0.0.1", Private),
        ("127.255.0.9", Private),
        ("10.1.2.3", Private),
        ("172.16.0.1", Private),
        ("172.31.255.255", Private),
        ("172.32.0.1", Public),
        ("192.168.1.1", Private),
        ("100.64.0.1", Private),
        ("100.127.255.255", Private),
        ("100.128.0.1", Public),
        ("0.0.0.0", Reserved),
        ("0.1.2.3", Reserved),
        ("169.254.169.254", Reserved),
        ("192.0.0.8", Reserved),
        ("192.0.2.1", Reserved),
        ("198.51.100.7", Reserved),
        ("203.0.113.9", Reserved),
        ("198.18.0.1", Reserved),
        ("198.19.255.255", Reserved),
        ("198.20.0.1", Public),
        ("192.88.99.1", Reserved),
        ("224.0.0.1", Reserved),
        ("239.255.255.250", Reserved),
        ("240.0.0.1", Reserved),
        ("255.255.255.255", Reserved),
        ("2606:2800:220:1::1", Public),
        ("::1", Private),
        ("::", Reserved),
        ("fc00::1", Private),
        ("fd00:ec2::254", Reserved),
        ("fe80::1", Reserved),
        ("febf::1", Reserved),
        ("fec0::1", Reserved),
        ("ff02::1", Reserved),
        ("2001:db8::1", Reserved),
        ("3fff::1", Reserved),
        ("2001::1", Reserved),
        ("2001:2::1", Reserved),
        ("100::1", Reserved),
        ("64:ff9b:1::1", Reserved),
        // Embedded IPv4, judged by the IPv4 address.
        ("::ffff:127.0.0.1", Private),
        ("::ffff:10.0.0.1", Private),
        ("::ffff:169.254.169.254", Reserved),
        ("::ffff:0.0.0.0", Reserved),
        ("::ffff:8.8.8.8", Public),
        ("::ffff:0:127.0.0.1", Private),
        ("::127.0.0.1", Private),
        ("::169.254.169.254", Reserved),
        ("::8.8.8.8", Public),
        ("64:ff9b::10.0.0.1", Private),
        ("64:ff9b::169.254.169.254", Reserved),
        ("64:ff9b::8.8.8.8", Public),
        ("2002:7f00:1::", Private),
        ("2002:a9fe:a9fe::1", Reserved),
        ("2002:808:808::1", Public),
    ];
    for (text, expected) in table {
        let ip: IpAddr = text.parse().expect("address");
        assert_eq!(classify_address(ip), *expected, "{text}");
        assert_eq!(strict_policy().refuses(ip), *expected != Public, "{text}");
    }
}

#[test]
fn private_addresses_are_allowed_only_on_request_and_reserved_ones_never() {
    let loopback: IpAddr = "127.0.0.1".parse().expect("ip");
    let metadata: IpAddr = "169.254.169.254".parse().expect("ip");
    let public: IpAddr = "8.8.8.8".parse().expect("ip");
    assert!(strict_policy().refuses(loopback));
    assert!(!policy().refuses(loopback));
    assert!(strict_policy().refuses(metadata));
    assert!(policy().refuses(metadata));
    assert!(!strict_policy().refuses(public));
}

#[test]
fn domain_patterns_match_label_by_label() {
    let cases: &[(&str, &[&str], bool)] = &[
        ("anything.example", &[], true),
        ("example.org", &["example.org"], true),
        ("Example.ORG", &["example.org"], true),
        ("example.org", &["Example.org"], true),
        ("www.example.org", &["example.org"], false),
        ("example.org", &["*.example.org"], false),
        ("a.example.org", &["*.example.org"], true),
        ("a.b.example.org", &["*.example.org"], false),
        ("foo.bar.baz", &["foo.*.baz"], true),
        ("foo.baz", &["foo.*.baz"], false),
        ("foo.bar.qux", &["foo.*.baz"], false),
        ("localhost", &["*"], true),
        ("example.org", &["*"], false),
        ("example.org", &["*.*"], true),
        ("evilexample.org", &["example.org"], false),
        ("example.org.evil.net", &["example.org"], false),
        (
            "upload.wikimedia.org",
            &["example.org", "*.wikimedia.org"],
            true,
        ),
        ("127.0.0.1", &["127.0.0.1"], true),
        ("127.0.0.2", &["127.0.0.1"], false),
    ];
    for (host, patterns, expected) in cases {
        assert_eq!(
            domain_allowed(host, 443, &domains(patterns)),
            *expected,
            "{host} against {patterns:?}"
        );
    }
}

#[test]
fn domain_patterns_may_name_a_port() {
    let cases: &[(&str, u16, &str, bool)] = &[
        ("files.example.org", 8443, "files.example.org:8443", true),
        ("files.example.org", 443, "files.example.org:8443", false),
        ("files.example.org", 8443, "files.example.org", true),
        ("a.example.org", 80, "*.example.org:80", true),
        ("a.example.org", 81, "*.example.org:80", false),
        ("[::1]", 8080, "[::1]:8080", true),
        ("[::1]", 8081, "[::1]:8080", false),
        ("[::1]", 8081, "[::1]", true),
        ("files.example.org", 80, "files.example.org:http", false),
    ];
    for (host, port, pattern, expected) in cases {
        assert_eq!(
            domain_allowed(host, *port, &domains(&[pattern])),
            *expected,
            "{host}:{port} against {pattern}"
        );
    }
}

#[test]
fn metadata_addresses_are_refused_even_where_private_ones_are_allowed() {
    for text in [
        "100.100.100.200",
        "fd00:ec2::254",
        "fd00:ec2::23",
        "::ffff:100.100.100.200",
        "169.254.169.254",
        "169.254.170.2",
        "fe80::a9fe:a9fe",
    ] {
        let ip: IpAddr = text.parse().expect("address");
        assert!(policy().refuses(ip), "{text}");
    }
    for text in ["100.100.100.201", "fd00::1", "fd00:ec3::254", "10.0.0.1"] {
        let ip: IpAddr = text.parse().expect("address");
        assert!(!policy().refuses(ip), "{text}");
    }
}

#[test]
fn urls_are_checked_in_mediawikis_order() {
    let listed = FetchPolicy {
        allowed_domains: domains(&["*.example.org"]),
        ..strict_policy()
    };
    let cases: &[(&str, &FetchPolicy, Result<(), &str>)] = &[
        ("http://a.example.org/x.png", &listed, Ok(())),
        ("https://a.example.org:8443/x.png?x=1", &listed, Ok(())),
        (
            "http://b.example.net/x.png",
            &listed,
            Err("copyuploadbaddomain"),
        ),
        // Unparseable: a domain-list failure only when there is a list.
        ("not a url", &listed, Err("copyuploadbaddomain")),
        ("not a url", &strict_policy(), Err("http-invalid-url")),
        ("http://", &strict_policy(), Err("http-invalid-url")),
        ("http:///x.png", &strict_policy(), Err("http-invalid-url")),
        (
            "http://exa mple.org/",
            &strict_policy(),
            Err("http-invalid-url"),
        ),
        (
            "HTTP://example.org/",
            &strict_policy(),
            Err("http-invalid-url"),
        ),
        ("ftp://127.0.0.1/x.png", &policy(), Err("http-invalid-url")),
        ("file:///etc/hostname", &policy(), Err("http-invalid-url")),
        ("gopher://a.example.org/", &listed, Err("http-invalid-url")),
        (
            "http://user:pw@a.example.org/x",
            &listed,
            Err("copyuploadbadurl"),
        ),
        (
            "http://user@example.com/x",
            &strict_policy(),
            Err("copyuploadbadurl"),
        ),
        (
            "http://:pw@example.com/x",
            &strict_policy(),
            Err("copyuploadbadurl"),
        ),
        (
            "http://127.0.0.1/x",
            &strict_policy(),
            Err("copyuploadbadurl"),
        ),
        ("http://127.0.0.1/x", &policy(), Ok(())),
        (
            "http://169.254.169.254/x",
            &policy(),
            Err("copyuploadbadurl"),
        ),
        (
            "http://[::ffff:127.0.0.1]/x",
            &strict_policy(),
            Err("copyuploadbadurl"),
        ),
        ("http://[fe80::1]/x", &policy(), Err("copyuploadbadurl")),
        // The URL parser reads these as IPv4 literals: 127.0.0.1.
        (
            "http://2130706433/x",
            &strict_policy(),
            Err("copyuploadbadurl"),
        ),
        ("http://0x7f.1/x", &strict_policy(), Err("copyuploadbadurl")),
        ("http://0/x", &policy(), Err("copyuploadbadurl")),
    ];
    for (url, policy, expected) in cases {
        let got = check_url(url, policy).map(|_| ()).map_err(|e| e.code());
        assert_eq!(got, *expected, "{url}");
    }
}

#[test]
fn error_texts_are_mediawikis() {
    let cases: Vec<(FetchError, &str, &str)> = vec![
        (
            FetchError::InvalidUrl("not a url".into()),
            "http-invalid-url",
            "Invalid URL: not a url",
        ),
        (
            FetchError::DomainNotAllowed { host: "x".into() },
            "copyuploadbaddomain",
            "Uploads by URL are not allowed from this domain.",
        ),
        (
            FetchError::UrlNotAllowed { reason: "x".into() },
            "copyuploadbadurl",
            "Upload not allowed from this URL.",
        ),
        (
            FetchError::BadStatus {
                status: 404,
                reason: "File not found".into(),
            },
            "http-bad-status",
            "There was a problem during the HTTP request: 404 File not found",
        ),
        (
            FetchError::BadStatus {
                status: 599,
                reason: String::new(),
            },
            "http-bad-status",
            "There was a problem during the HTTP request: 599",
        ),
        (
            FetchError::Transfer("Could not resolve host: x.invalid".into()),
            "http-curl-error",
            "Error fetching URL: Could not resolve host: x.invalid",
        ),
        (
            FetchError::TimedOut { url: "u".into() },
            "http-timed-out",
            "HTTP request timed out.",
        ),
        (
            FetchError::TooManyRedirects,
            "upload-too-many-redirects",
            "The URL contained too many redirects",
        ),
        (
            FetchError::TooLarge { max: 1 },
            "file-too-large",
            "The file you submitted was too large.",
        ),
        (
            FetchError::TmpWrite(std::io::Error::other("disk full")),
            "tmp-write-error",
            "Error writing temporary file.",
        ),
    ];
    for (err, code, text) in cases {
        assert_eq!(err.code(), code);
        assert_eq!(err.to_string(), text);
    }
    assert_eq!(
        FetchError::Transfer("x".into()).header_codes(),
        ["http-curl-error", "http-bad-status"]
    );
    assert_eq!(
        FetchError::BadStatus {
            status: 404,
            reason: "Not Found".into()
        }
        .params(),
        ["404", "Not Found"]
    );
}

// ------------------------------------------------------------ fetches

#[tokio::test]
async fn a_file_is_spooled_with_its_size_and_sha1() {
    let server = spawn_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let progress = FetchProgress::new();
    let file = fetch(&server.url("/file.png"), &policy(), dir.path(), &progress)
        .await
        .expect("fetch");
    let expected = file_bytes();
    assert_eq!(file.size, expected.len() as u64);
    assert_eq!(file.sha1, sha1_hex(&expected));
    assert_eq!(std::fs::read(&file.path).expect("read"), expected);
    assert_eq!(progress.loaded(), expected.len() as u64);
    assert_eq!(progress.content_length(), Some(expected.len() as u64));
}

#[tokio::test]
async fn a_404_is_a_bad_status() {
    let server = spawn_server().await;
    let (code, text, empty) = fetch_code(&server.url("/missing.png"), &policy()).await;
    assert_eq!(code, "http-bad-status");
    assert_eq!(
        text,
        "There was a problem during the HTTP request: 404 Not Found"
    );
    assert!(empty);
}

#[tokio::test]
async fn the_servers_own_reason_phrase_is_not_passed_on() {
    // As Python's http.server answers in the reference transcripts.
    let port = spawn_raw(
        b"HTTP/1.0 404 File not found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    )
    .await;
    let url = format!("http://127.0.0.1:{port}/x.png");
    let (code, text, _) = fetch_code(&url, &policy()).await;
    assert_eq!(code, "http-bad-status");
    assert_eq!(
        text,
        "There was a problem during the HTTP request: 404 Not Found"
    );
}

#[tokio::test]
async fn a_closed_port_is_a_curl_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/x.png");
    let (code, text, _) = fetch_code(&url, &policy()).await;
    assert_eq!(code, "http-curl-error");
    let prefix = format!("Error fetching URL: Failed to connect to 127.0.0.1 port {port} after ");
    assert!(text.starts_with(&prefix), "{text}");
    assert!(text.ends_with(" ms: Couldn't connect to server"), "{text}");
}

#[tokio::test]
async fn an_unknown_host_is_a_curl_error() {
    let (code, text, _) = fetch_code("http://no-such-host.invalid/x.png", &policy()).await;
    assert_eq!(code, "http-curl-error");
    assert_eq!(
        text,
        "Error fetching URL: Could not resolve host: no-such-host.invalid"
    );
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_a_curl_error() {
    let server = spawn_server().await;
    let url = format!("https://127.0.0.1:{}/file.png", server.port);
    let (code, text, _) = fetch_code(&url, &policy()).await;
    assert_eq!(code, "http-curl-error");
    assert!(text.starts_with("Error fetching URL: "), "{text}");
}

#[tokio::test]
async fn a_server_slow_to_answer_times_out() {
    let server = spawn_server().await;
    let policy = FetchPolicy {
        timeout: Duration::from_millis(300),
        ..policy()
    };
    let started = Instant::now();
    let (code, text, empty) = fetch_code(&server.url("/slow-headers"), &policy).await;
    assert_eq!(code, "http-timed-out");
    assert_eq!(text, "HTTP request timed out.");
    assert!(empty);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_timeout_covers_the_body_and_leaves_no_file() {
    let server = spawn_server().await;
    let policy = FetchPolicy {
        timeout: Duration::from_millis(500),
        ..policy()
    };
    let (code, _, empty) = fetch_code(&server.url("/slow-body"), &policy).await;
    assert_eq!(code, "http-timed-out");
    assert!(empty, "the partial file is removed");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let server = spawn_server().await;
    let policy = FetchPolicy {
        max_size: 5_000,
        ..policy()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let progress = FetchProgress::new();
    let err = fetch(&server.url("/big"), &policy, dir.path(), &progress)
        .await
        .expect_err("too large");
    assert_eq!(err.code(), "file-too-large");
    assert_eq!(err.to_string(), "The file you submitted was too large.");
    assert_eq!(progress.content_length(), Some(10_000));
    assert_eq!(progress.loaded(), 0, "not a byte was read");
    assert!(spool_is_empty(dir.path()));
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_cut_off_while_streaming() {
    let server = spawn_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let progress = FetchProgress::new();
    let policy = FetchPolicy {
        max_size: 5_000,
        ..policy()
    };
    let err = fetch(&server.url("/chunked-big"), &policy, dir.path(), &progress)
        .await
        .expect_err("too large");
    assert_eq!(err.code(), "file-too-large");
    assert_eq!(progress.content_length(), None);
    assert!(progress.loaded() <= 5_000);
    assert!(spool_is_empty(dir.path()));
}

#[tokio::test]
async fn a_body_read_until_close_over_the_limit_is_cut_off() {
    // HTTP/1.0 style: no length at all, the body ends when the socket does.
    let mut response = b"HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n".to_vec();
    response.extend(vec![b'a'; 20_000]);
    let port = spawn_raw(response).await;
    let policy = FetchPolicy {
        max_size: 5_000,
        ..policy()
    };
    let url = format!("http://127.0.0.1:{port}/x");
    let (code, _, empty) = fetch_code(&url, &policy).await;
    assert_eq!(code, "file-too-large");
    assert!(empty);
}

#[tokio::test]
async fn a_small_lying_content_length_cannot_smuggle_more_bytes() {
    // The declared 10 bytes pass the early check; the 20,000 that follow
    // are not part of the body and never reach the spool.
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n".to_vec();
    response.extend(vec![b'b'; 20_000]);
    let port = spawn_raw(response).await;
    let policy = FetchPolicy {
        max_size: 5_000,
        ..policy()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://127.0.0.1:{port}/x");
    let file = fetch(&url, &policy, dir.path(), &FetchProgress::new())
        .await
        .expect("fetch");
    assert_eq!(file.size, 10);
    assert_eq!(std::fs::read(&file.path).expect("read"), vec![b'b'; 10]);
}

#[tokio::test]
async fn a_large_lying_content_length_is_a_broken_transfer() {
    let mut response = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".to_vec();
    response.extend(vec![b'c'; 10]);
    let port = spawn_raw(response).await;
    let url = format!("http://127.0.0.1:{port}/x");
    let (code, _, empty) = fetch_code(&url, &policy()).await;
    assert_eq!(code, "http-curl-error");
    assert!(empty);
}

#[tokio::test]
async fn an_unwritable_spool_is_a_tmp_write_error() {
    let server = spawn_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"").expect("write");
    let err = fetch(
        &server.url("/file.png"),
        &policy(),
        &blocker.join("spool"),
        &FetchProgress::new(),
    )
    .await
    .expect_err("cannot spool");
    assert_eq!(err.code(), "tmp-write-error");
}

#[tokio::test]
async fn four_redirects_are_followed_including_path_only_ones() {
    let server = spawn_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // /hop/3 → /hop/2 → /hop/1 → /hop/0 → /file.png: 4 redirects.
    let file = fetch(
        &server.url("/hop/3"),
        &policy(),
        dir.path(),
        &FetchProgress::new(),
    )
    .await
    .expect("fetch");
    assert_eq!(file.sha1, sha1_hex(&file_bytes()));
    assert_eq!(
        server.paths(),
        ["/hop/3", "/hop/2", "/hop/1", "/hop/0", "/file.png"]
    );
}

#[tokio::test]
async fn an_absolute_redirect_is_followed() {
    let server = spawn_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = fetch(
        &server.url("/absolute"),
        &policy(),
        dir.path(),
        &FetchProgress::new(),
    )
    .await
    .expect("fetch");
    assert_eq!(file.size, file_bytes().len() as u64);
}

#[tokio::test]
async fn a_fifth_redirect_is_too_many() {
    let server = spawn_server().await;
    let (code, text, empty) = fetch_code(&server.url("/hop/4"), &policy()).await;
    assert_eq!(code, "upload-too-many-redirects");
    assert_eq!(text, "The URL contained too many redirects");
    assert!(empty);
    // Five requests, as MediaWiki makes; the fifth redirect is not followed.
    assert_eq!(server.paths().len(), 5);
    assert!(!server.paths().contains(&"/file.png".to_owned()));
}

#[tokio::test]
async fn redirects_to_reserved_addresses_are_refused_even_when_private_ones_are_allowed() {
    let server = spawn_server().await;
    for path in ["/to-metadata", "/to-zero", "/to-mapped"] {
        let (code, text, _) = fetch_code(&server.url(path), &policy()).await;
        assert_eq!(code, "copyuploadbadurl", "{path}");
        assert_eq!(text, "Upload not allowed from this URL.");
    }
    // 0.0.0.0 would have reached this very server (Linux connects it to
    // the local host); the refusal is what kept it away.
    assert!(!server.paths().contains(&"/zero-target".to_owned()));
    #[cfg(target_os = "linux")]
    {
        let control = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
            .get(format!("http://0.0.0.0:{}/zero-target", server.port))
            .send()
            .await
            .expect("0.0.0.0 reaches the local host");
        assert!(control.status().is_success());
    }
}

#[tokio::test]
async fn redirect_targets_are_checked_again() {
    let server = spawn_server().await;
    let only_loopback_ip = FetchPolicy {
        allowed_domains: domains(&["127.0.0.1"]),
        ..policy()
    };
    let cases = [
        ("/to-localhost", &only_loopback_ip, "copyuploadbaddomain"),
        ("/to-ftp", &policy(), "http-invalid-url"),
        ("/to-credentials", &policy(), "copyuploadbadurl"),
    ];
    for (path, policy, expected) in cases {
        let (code, _, _) = fetch_code(&server.url(path), policy).await;
        assert_eq!(code, expected, "{path}");
    }
    // Each request was the redirecting one; no target was fetched.
    assert_eq!(
        server.paths(),
        ["/to-localhost", "/to-ftp", "/to-credentials"]
    );
}

#[tokio::test]
async fn private_addresses_are_refused_without_the_setting() {
    let server = spawn_server().await;
    let by_name = format!("http://localhost:{}/file.png", server.port);
    for url in [server.url("/file.png"), by_name] {
        let (code, _, _) = fetch_code(&url, &strict_policy()).await;
        assert_eq!(code, "copyuploadbadurl", "{url}");
    }
    assert!(server.paths().is_empty(), "nothing was requested");
}

#[tokio::test]
async fn a_resolved_name_is_connected_at_its_checked_address() {
    let server = spawn_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("http://localhost:{}/file.png", server.port);
    let file = fetch(&url, &policy(), dir.path(), &FetchProgress::new())
        .await
        .expect("fetch");
    assert_eq!(file.size, file_bytes().len() as u64);
    assert_eq!(
        server.log.lock().expect("log")[0].1,
        format!("localhost:{}", server.port)
    );
}

#[tokio::test]
async fn the_connection_goes_to_the_pinned_address_whatever_dns_says() {
    // A name that does not resolve at all, pinned to the test server:
    // the request arrives, with the name in the Host header.
    let server = spawn_server().await;
    let url = Url::parse(&format!("http://pinned.invalid:{}/file.png", server.port)).expect("url");
    let addr: SocketAddr = format!("127.0.0.1:{}", server.port).parse().expect("addr");
    let response = send(&url, &[addr], &policy()).await.expect("send");
    assert!(response.status().is_success());
    assert_eq!(
        server.log.lock().expect("log")[0],
        (
            "/file.png".to_owned(),
            format!("pinned.invalid:{}", server.port)
        )
    );
}

#[tokio::test]
async fn a_name_missing_from_the_pins_is_never_looked_up() {
    // The client is pinned for another name; localhost would resolve,
    // but the client has no resolver to ask.
    let pinned = Url::parse("http://pinned.invalid/").expect("url");
    let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
    let client = pinned_client(&pinned, &[addr], &policy()).expect("client");
    let err = client
        .get("http://localhost:9/x")
        .send()
        .await
        .expect_err("no lookup");
    assert_eq!(innermost_text(&err), "Could not resolve host: localhost");
}
