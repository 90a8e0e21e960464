//! Upload by URL: downloads a file for `action=upload&url=…` into the spool,
//! as MediaWiki 1.39's `UploadFromUrl` does, with the server-side request
//! forgery (SSRF) defences that MediaWiki leaves to its HTTP proxy:
//!
//! * only `http` and `https` URLs, and none carrying a user name or password;
//! * the host must match the allowed domains (`copy_uploads_domains`);
//! * the host is resolved once, every resolved address is classified
//!   ([`classify_address`]), and the connection goes to exactly the checked
//!   addresses: there is no second DNS lookup that could answer differently;
//! * redirects are followed by hand, and every target passes all the checks
//!   above again. 1.39 does not re-check the domain list on redirects; we do.
//!   1.39 also resolves a path-only `Location` against port 80 (transcripts
//!   `40-url-upload`); we resolve it against the current URL, as RFC 9110 says;
//! * no proxy from the environment, a total timeout covering the body, and
//!   the size limit enforced on the bytes actually received.
//!
//! Errors carry MediaWiki's codes and English texts (spec upload-api.md §10,
//! §13). The API layer calls [`check_source`] while selecting the upload
//! source (before the rights check, as MediaWiki does) and [`fetch`] after
//! it; `fetch` repeats every check itself.

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use url::{Host, Url};

use super::spool::{SpoolError, SpoolWriter, SpooledFile};

/// MediaWiki allows 5 requests, so 4 redirects.
pub const DEFAULT_MAX_REDIRECTS: usize = 4;

/// The connection attempt alone never waits longer than this.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const USER_AGENT: &str = concat!("wikiupload/", env!("CARGO_PKG_VERSION"));

/// What a URL upload may fetch, and how much.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Host patterns (`$wgCopyUploadsDomains`); empty allows any host.
    /// See [`domain_allowed`].
    pub allowed_domains: Vec<String>,
    /// Allows [`AddressClass::Private`] addresses: loopback, RFC 1918
    /// networks, shared address space (100.64.0.0/10) and IPv6 unique-local
    /// (config `copy_upload_allow_private_addresses`, default false, meant
    /// for fetching from a server on the same host or network).
    /// [`AddressClass::Reserved`] addresses (unspecified, link-local with
    /// the cloud metadata endpoint 169.254.169.254, multicast, broadcast,
    /// documentation, benchmarking, …) stay refused even then: no real web
    /// server lives there, and `0.0.0.0` reaches the local host on Linux.
    pub allow_private_addresses: bool,
    /// Total time for the whole fetch, redirects and body included
    /// (`copy_upload_timeout`). Connecting alone is limited to the smaller
    /// of this and 10 s.
    pub timeout: Duration,
    /// Largest file accepted, in bytes, counted on the bytes received.
    pub max_size: u64,
    /// Redirects followed before `upload-too-many-redirects`.
    pub max_redirects: usize,
}

impl FetchPolicy {
    fn connect_timeout(&self) -> Duration {
        self.timeout.min(MAX_CONNECT_TIMEOUT)
    }

    /// Why `ip` is refused, for the operator's log: a private address
    /// names the key that would allow it.
    fn refusal(&self, ip: IpAddr) -> String {
        match classify_address(ip) {
            AddressClass::Private => format!(
                "the private address {ip} is refused (copy_upload_allow_private_addresses allows it)"
            ),
            _ => format!("the address {ip} is refused"),
        }
    }

    /// Whether this policy forbids connecting to `ip`.
    pub fn refuses(&self, ip: IpAddr) -> bool {
        match classify_address(ip) {
            AddressClass::Public => false,
            AddressClass::Private => !self.allow_private_addresses,
            AddressClass::Reserved => true,
        }
    }
}

/// How far a fetch has got, readable from another task (e.g. a status
/// report) while it runs. Clones share the same counters.
#[derive(Debug, Clone)]
pub struct FetchProgress {
    loaded: Arc<AtomicU64>,
    /// `UNKNOWN_LENGTH` until the final response declares a length.
    content_length: Arc<AtomicU64>,
}

const UNKNOWN_LENGTH: u64 = u64::MAX;

impl FetchProgress {
    pub fn new() -> FetchProgress {
        FetchProgress {
            loaded: Arc::new(AtomicU64::new(0)),
            content_length: Arc::new(AtomicU64::new(UNKNOWN_LENGTH)),
        }
    }

    /// Bytes of the body received so far.
    pub fn loaded(&self) -> u64 {
        self.loaded.load(Ordering::Relaxed)
    }

    /// The body's declared length, if the server sent one.
    pub fn content_length(&self) -> Option<u64> {
        let length = self.content_length.load(Ordering::Relaxed);
        (length != UNKNOWN_LENGTH).then_some(length)
    }

    fn start(&self, content_length: Option<u64>) {
        self.loaded.store(0, Ordering::Relaxed);
        self.content_length
            .store(content_length.unwrap_or(UNKNOWN_LENGTH), Ordering::Relaxed);
    }

    fn add(&self, bytes: usize) {
        self.loaded.fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

impl Default for FetchProgress {
    fn default() -> Self {
        FetchProgress::new()
    }
}

/// Why a URL upload failed. `Display` is MediaWiki's English `info` text.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// `http-invalid-url`: not `^https?://[^/\s]\S*$`, or unparseable.
    #[error("Invalid URL: {0}")]
    InvalidUrl(String),
    /// `copyuploadbaddomain`: the host is not in the allowed domains.
    #[error("Uploads by URL are not allowed from this domain.")]
    DomainNotAllowed { host: String },
    /// `copyuploadbadurl`: credentials in the URL, or an address we refuse.
    /// `reason` is for the log, never for the client.
    #[error("Upload not allowed from this URL.")]
    UrlNotAllowed { reason: String },
    /// `http-bad-status`: the final answer was not 2xx. `reason` is the
    /// server's reason phrase (e.g. Python's `File not found`).
    #[error("There was a problem during the HTTP request: {}", status_line(.status, .reason))]
    BadStatus { status: u16, reason: String },
    /// `http-curl-error`: connection refused, DNS failure, TLS failure,
    /// broken transfer. The text imitates curl's where we know it.
    #[error("Error fetching URL: {0}")]
    Transfer(String),
    /// `http-timed-out`.
    #[error("HTTP request timed out.")]
    TimedOut { url: String },
    /// `upload-too-many-redirects`.
    #[error("The URL contained too many redirects")]
    TooManyRedirects,
    /// `file-too-large`: more than `max_size` bytes, declared or received.
    #[error("The file you submitted was too large.")]
    TooLarge { max: u64 },
    /// `tmp-write-error`: the spool could not be written.
    #[error("Error writing temporary file.")]
    TmpWrite(#[source] std::io::Error),
}

impl FetchError {
    /// MediaWiki's error code.
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl(_) => "http-invalid-url",
            FetchError::DomainNotAllowed { .. } => "copyuploadbaddomain",
            FetchError::UrlNotAllowed { .. } => "copyuploadbadurl",
            FetchError::BadStatus { .. } => "http-bad-status",
            FetchError::Transfer(_) => "http-curl-error",
            FetchError::TimedOut { .. } => "http-timed-out",
            FetchError::TooManyRedirects => "upload-too-many-redirects",
            FetchError::TooLarge { .. } => "file-too-large",
            FetchError::TmpWrite(_) => "tmp-write-error",
        }
    }

    /// Every code of MediaWiki's failed status, for the `MediaWiki-API-Error`
    /// header: a request that got no answer also gets `http-bad-status`
    /// (status 0), so the header reads `http-curl-error, http-bad-status`
    /// while the body shows only the first.
    pub fn header_codes(&self) -> Vec<&'static str> {
        match self {
            FetchError::Transfer(_) | FetchError::TimedOut { .. } => {
                vec![self.code(), "http-bad-status"]
            }
            _ => vec![self.code()],
        }
    }

    /// The message parameters, for `errorformat=raw`.
    pub fn params(&self) -> Vec<String> {
        match self {
            FetchError::InvalidUrl(url) | FetchError::TimedOut { url } => vec![url.clone()],
            FetchError::BadStatus { status, reason } => vec![status.to_string(), reason.clone()],
            FetchError::Transfer(text) => vec![text.clone()],
            _ => vec![],
        }
    }
}

fn status_line(status: &u16, reason: &str) -> String {
    format!("{status} {reason}").trim_end().to_owned()
}

/// Where an address sits, for the SSRF check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Globally routable.
    Public,
    /// This host or its local networks: allowed only with
    /// [`FetchPolicy::allow_private_addresses`].
    Private,
    /// Never fetched from: not a place a web server legitimately lives.
    Reserved,
}

/// Classifies `ip`. IPv6 forms that embed an IPv4 address (mapped,
/// compatible, NAT64, 6to4) are judged by that IPv4 address, since that is
/// what a dual-stack socket or a gateway ends up reaching.
pub fn classify_address(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// Cloud metadata services that sit inside otherwise private ranges, so
/// that `copy_upload_allow_private_addresses` would let them through:
/// refused always. (The common 169.254.169.254 and the other link-local
/// ones are reserved anyway.)
const METADATA_V4: [Ipv4Addr; 1] = [
    Ipv4Addr::new(100, 100, 100, 200), // Alibaba Cloud, inside 100.64.0.0/10
];

/// fd00:ec2::/64 (inside fc00::/7): AWS's IPv6 instance metadata
/// (fd00:ec2::254), DNS and time services.
fn is_aws_ipv6_service(segments: [u16; 8]) -> bool {
    segments[..4] == [0xfd00, 0x0ec2, 0, 0]
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    if METADATA_V4.contains(&ip) {
        return AddressClass::Reserved;
    }
    let [a, b, c, _] = ip.octets();
    let shared = a == 100 && (b & 0xc0) == 64; // 100.64.0.0/10, carrier-grade NAT
    if ip.is_loopback() || ip.is_private() || shared {
        return AddressClass::Private;
    }
    let reserved = a == 0 // "this network"; 0.0.0.0 connects to the local host
        || ip.is_link_local() // 169.254.0.0/16, cloud metadata services
        || (a == 192 && b == 0 && c == 0) // 192.0.0.0/24, IETF protocol assignments
        || ip.is_documentation() // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24
        || (a == 198 && (b & 0xfe) == 18) // 198.18.0.0/15, benchmarking
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || a >= 224; // multicast, 240.0.0.0/4 reserved, broadcast
    if reserved {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    // Before the embedded-IPv4 rule, which would read ::1 as 0.0.0.1.
    if ip.is_loopback() {
        return AddressClass::Private;
    }
    if let Some(v4) = embedded_ipv4(ip) {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if is_aws_ipv6_service(s) {
        return AddressClass::Reserved;
    }
    if (s[0] & 0xfe00) == 0xfc00 {
        return AddressClass::Private; // fc00::/7, unique local
    }
    let reserved = ip.is_unspecified()
        || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link-local
        || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, deprecated site-local
        || (s[0] & 0xff00) == 0xff00 // ff00::/8, multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // 2001:db8::/32, documentation
        || (s[0] & 0xfff0) == 0x3ff0 // 3fff::/20, documentation
        || (s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23: Teredo, benchmarking, ORCHID
        || (s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0) // 100::/64, discard
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001); // 64:ff9b:1::/48, local NAT64
    if reserved {
        AddressClass::Reserved
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address inside ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d
/// (translated), ::a.b.c.d (compatible), 64:ff9b::a.b.c.d (NAT64) and
/// 2002:aabb:ccdd::/48 (6to4).
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _]
        | [0, 0, 0, 0, 0xffff, 0, _, _]
        | [0, 0, 0, 0, 0, 0, _, _]
        | [0x0064, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

/// MediaWiki's domain rule: host and pattern split on `.` must have as many
/// labels, and each pattern label is `*` or equal. `*.example.org` matches
/// `a.example.org`, not `example.org` nor `a.b.example.org`. An empty list
/// allows every host. Labels compare ASCII case-insensitively (MediaWiki is
/// case-sensitive, but the URL parser lowercases host names, so a pattern
/// written `Example.org` would otherwise never match). Beyond MediaWiki, a
/// pattern may end in `:PORT` (`files.example.org:8443`): it then matches
/// that port only (`port`: the URL's, or its scheme's default); a pattern
/// without one matches any port.
pub fn domain_allowed(host: &str, port: u16, patterns: &[String]) -> bool {
    if patterns.is_empty() {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    patterns.iter().any(|pattern| {
        let (pattern, wanted_port) = match pattern.rsplit_once(':') {
            Some((name, digits)) if !name.contains(':') || name.ends_with(']') => {
                match digits.parse::<u16>() {
                    Ok(wanted) => (name, Some(wanted)),
                    Err(_) => return false,
                }
            }
            _ => (pattern.as_str(), None),
        };
        if wanted_port.is_some_and(|wanted| wanted != port) {
            return false;
        }
        let pieces: Vec<&str> = pattern.split('.').collect();
        pieces.len() == labels.len()
            && pieces
                .iter()
                .zip(&labels)
                .all(|(piece, label)| *piece == "*" || piece.eq_ignore_ascii_case(label))
    })
}

/// The checks MediaWiki makes while choosing the upload source, before the
/// rights check: the domain list (`copyuploadbaddomain`), then our veto on
/// credentials and refused IP literals (`copyuploadbadurl`, MediaWiki's hook
/// veto). An unparseable URL fails the domain list only when there is one,
/// as in MediaWiki; otherwise it fails later as `http-invalid-url`.
pub fn check_source(url: &str, policy: &FetchPolicy) -> Result<(), FetchError> {
    let Ok(parsed) = Url::parse(url) else {
        if policy.allowed_domains.is_empty() {
            return Ok(());
        }
        return Err(FetchError::DomainNotAllowed {
            host: String::new(),
        });
    };
    let host = parsed.host_str().unwrap_or_default();
    let port = parsed.port_or_known_default().unwrap_or(80);
    if !domain_allowed(host, port, &policy.allowed_domains) {
        return Err(FetchError::DomainNotAllowed {
            host: host.to_owned(),
        });
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(FetchError::UrlNotAllowed {
            reason: "the URL carries credentials".into(),
        });
    }
    if let Some(ip) = literal_ip(&parsed)
        && policy.refuses(ip)
    {
        return Err(FetchError::UrlNotAllowed {
            reason: policy.refusal(ip),
        });
    }
    Ok(())
}

/// Every check that needs no network: [`check_source`], then MediaWiki's
/// URL syntax, the scheme and the presence of a host (`http-invalid-url`).
/// Returns the parsed URL that is then fetched, so what was checked is what
/// gets connected to.
pub fn check_url(url: &str, policy: &FetchPolicy) -> Result<Url, FetchError> {
    check_source(url, policy)?;
    let invalid = || FetchError::InvalidUrl(url.to_owned());
    if !has_http_url_syntax(url) {
        return Err(invalid());
    }
    let parsed = Url::parse(url).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(invalid());
    }
    Ok(parsed)
}

/// MediaWiki's `MWHttpRequest::isValidURI`: `^https?://[^/\s]\S*$`,
/// case-sensitive.
fn has_http_url_syntax(url: &str) -> bool {
    // PCRE's \s without the u flag.
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r');
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    rest.chars().next().is_some_and(|c| c != '/') && !rest.chars().any(space)
}

fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// Downloads `url` into a new file in `spool_dir`, following redirects,
/// under `policy`. On any failure nothing is left in the spool.
pub async fn fetch(
    url: &str,
    policy: &FetchPolicy,
    spool_dir: &Path,
    progress: &FetchProgress,
) -> Result<SpooledFile, FetchError> {
    let start = check_url(url, policy)?;
    // Dropping the inner future on timeout drops the spool file with it.
    tokio::time::timeout(policy.timeout, follow(start, policy, spool_dir, progress))
        .await
        .unwrap_or_else(|_| {
            Err(FetchError::TimedOut {
                url: url.to_owned(),
            })
        })
}

async fn follow(
    start: Url,
    policy: &FetchPolicy,
    spool_dir: &Path,
    progress: &FetchProgress,
) -> Result<SpooledFile, FetchError> {
    let mut current = start;
    let mut redirects = 0;
    loop {
        let addrs = resolve_checked(&current, policy).await?;
        let response = send(&current, &addrs, policy).await?;
        let Some(target) = redirect_target(&current, &response)? else {
            if !response.status().is_success() {
                return Err(bad_status(&response));
            }
            return spool_body(response, policy, spool_dir, progress).await;
        };
        if redirects == policy.max_redirects {
            return Err(FetchError::TooManyRedirects);
        }
        redirects += 1;
        current = check_url(target.as_str(), policy)?;
    }
}

/// The addresses to connect to: the IP literal, or the host resolved once.
/// Refused if any of them is refused, so a name cannot mix a public address
/// with a private one and let the connector pick.
async fn resolve_checked(url: &Url, policy: &FetchPolicy) -> Result<Vec<SocketAddr>, FetchError> {
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(domain)) => tokio::net::lookup_host((domain, port))
            .await
            .map(|found| found.collect())
            .unwrap_or_default(),
        None => return Err(FetchError::InvalidUrl(url.to_string())),
    };
    if addrs.is_empty() {
        return Err(FetchError::Transfer(format!(
            "Could not resolve host: {}",
            host_for_messages(url)
        )));
    }
    if let Some(refused) = addrs.iter().find(|addr| policy.refuses(addr.ip())) {
        return Err(FetchError::UrlNotAllowed {
            reason: format!(
                "{} resolves to {}",
                host_for_messages(url),
                policy.refusal(refused.ip())
            ),
        });
    }
    Ok(addrs)
}

/// One GET of `url`, connecting only to `addrs`. A client per request is
/// what pins the addresses: reqwest's DNS overrides are per client, and its
/// resolver is replaced by one that always fails, so a name that somehow
/// misses the override is never looked up again.
async fn send(
    url: &Url,
    addrs: &[SocketAddr],
    policy: &FetchPolicy,
) -> Result<reqwest::Response, FetchError> {
    let client = pinned_client(url, addrs, policy)?;
    let started = Instant::now();
    client
        .get(url.clone())
        .send()
        .await
        .map_err(|err| transfer_error(&err, url, started))
}

fn pinned_client(
    url: &Url,
    addrs: &[SocketAddr],
    policy: &FetchPolicy,
) -> Result<reqwest::Client, FetchError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(policy.connect_timeout())
        .user_agent(USER_AGENT)
        .dns_resolver(Arc::new(NoLookup));
    if let Some(Host::Domain(domain)) = url.host() {
        builder = builder.resolve_to_addrs(domain, addrs);
    }
    builder
        .build()
        .map_err(|err| FetchError::Transfer(innermost_text(&err)))
}

/// The resolver of last resort: refuses, since addresses are pinned.
struct NoLookup;

impl reqwest::dns::Resolve for NoLookup {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let message = format!("Could not resolve host: {}", name.as_str());
        Box::pin(async move { Err(message.into()) })
    }
}

/// The next URL if `response` is a redirect with a `Location`, resolved
/// against `current` (a path-only `Location` stays on the same host).
fn redirect_target(current: &Url, response: &reqwest::Response) -> Result<Option<Url>, FetchError> {
    let redirect = matches!(response.status().as_u16(), 300..=303 | 307 | 308);
    let Some(location) = response.headers().get(LOCATION).filter(|_| redirect) else {
        return Ok(None);
    };
    let location = String::from_utf8_lossy(location.as_bytes());
    current
        .join(&location)
        .map(Some)
        .map_err(|_| FetchError::InvalidUrl(location.into_owned()))
}

/// The refusal of a non-2xx answer. The client learns the status with its
/// standard phrase only: a server's own reason phrase (which MediaWiki
/// passes on) can describe an internal service, so it goes to the log.
fn bad_status(response: &reqwest::Response) -> FetchError {
    let status: StatusCode = response.status();
    // hyper keeps the reason phrase only when it is not the standard one.
    if let Some(phrase) = response.extensions().get::<hyper::ext::ReasonPhrase>() {
        tracing::info!(
            status = status.as_u16(),
            reason = %String::from_utf8_lossy(phrase.as_bytes()),
            "URL upload: the remote server refused"
        );
    }
    FetchError::BadStatus {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or_default().to_owned(),
    }
}

/// Streams the body into the spool, hashing on the way (in `SpoolWriter`).
async fn spool_body(
    mut response: reqwest::Response,
    policy: &FetchPolicy,
    spool_dir: &Path,
    progress: &FetchProgress,
) -> Result<SpooledFile, FetchError> {
    let too_large = FetchError::TooLarge {
        max: policy.max_size,
    };
    let declared = response.content_length();
    progress.start(declared);
    // Refused before the first byte; the spool limit below is what counts,
    // since the declared length may be absent.
    if declared.is_some_and(|length| length > policy.max_size) {
        return Err(too_large);
    }
    let mut spool = SpoolWriter::create(spool_dir, policy.max_size)
        .await
        .map_err(spool_error)?;
    let url = response.url().clone();
    let started = Instant::now();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| transfer_error(&err, &url, started))?
    {
        spool.write(&chunk).await.map_err(spool_error)?;
        progress.add(chunk.len());
    }
    // Synced: the file may be stashed or published as it is.
    spool.finish(true).await.map_err(spool_error)
}

fn spool_error(err: SpoolError) -> FetchError {
    match err {
        SpoolError::TooLarge(max) => FetchError::TooLarge { max },
        SpoolError::Io(err) => FetchError::TmpWrite(err),
    }
}

/// Maps a reqwest failure to `http-timed-out` or `http-curl-error`. A
/// socket-level connect failure gets curl's text, which MediaWiki shows
/// (`Failed to connect to 127.0.0.1 port 58871 after 0 ms: Couldn't connect
/// to server`); anything else (TLS, a broken body) the innermost cause.
fn transfer_error(err: &reqwest::Error, url: &Url, started: Instant) -> FetchError {
    if err.is_timeout() {
        return FetchError::TimedOut {
            url: url.to_string(),
        };
    }
    if err.is_connect() && has_os_error(err) {
        return FetchError::Transfer(format!(
            "Failed to connect to {} port {} after {} ms: Couldn't connect to server",
            host_for_messages(url),
            url.port_or_known_default().unwrap_or(80),
            started.elapsed().as_millis()
        ));
    }
    FetchError::Transfer(innermost_text(err))
}

fn has_os_error(err: &reqwest::Error) -> bool {
    let mut source = err.source();
    while let Some(cause) = source {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.raw_os_error().is_some())
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The deepest cause's text: reqwest's own wrapping repeats the URL and
/// says little.
fn innermost_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = err;
    while let Some(cause) = deepest.source() {
        deepest = cause;
    }
    deepest.to_string()
}

/// The host as curl prints it: IPv6 without brackets.
fn host_for_messages(url: &Url) -> String {
    match url.host() {
        Some(Host::Ipv6(ip)) => ip.to_string(),
        Some(host) => host.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
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
            b"HTTP/1.0 404 File not found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
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
        let prefix =
            format!("Error fetching URL: Failed to connect to 127.0.0.1 port {port} after ");
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
        let url =
            Url::parse(&format!("http://pinned.invalid:{}/file.png", server.port)).expect("url");
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
}
