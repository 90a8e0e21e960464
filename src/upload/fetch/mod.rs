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
mod tests;
