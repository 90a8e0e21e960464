//! The action API (`api.php`): the only layer that knows HTTP and
//! MediaWiki's wire format. It reads parameters, runs the checks that
//! MediaWiki's `ApiMain` runs in the same order, dispatches to a module and
//! renders the result or error in the requested format.

mod error;
mod files;
mod message;
pub mod metrics;
pub mod modules;
pub mod multipart_framing;
mod ops;
mod params;
mod request;
mod response;
mod rest;
mod thumbs;
pub(crate) mod wikilinks;
mod xml;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value};
use tracing::Instrument;

pub use error::ApiError;
pub use message::Message;
use modules::ModuleSpec;
pub use params::{ParamReader, ParamSpec, ParamType};
pub use request::RawParams;
pub use response::{ErrorFormat, FormatVersion, Output};

use crate::auth::{self, Accounts, CookieChange, Identity, Session, SessionKind, SessionStore};
use crate::config::Config;
use crate::pages::Pages;
use crate::storage::Database;
use crate::upload::Uploads;

/// Everything a request handler needs, shared by all requests.
#[derive(Debug)]
pub struct AppState {
    pub config: Config,
    pub db: Database,
    pub accounts: Accounts,
    pub sessions: SessionStore,
    /// Public base URL (`$wgServer`), without trailing slash.
    pub server: String,
    /// Absolute URL of api.php.
    pub api_url: String,
    pub uploads: Uploads,
    /// The wiki's pages (any namespace, with history).
    pub pages: Pages,
    pub metrics: metrics::Metrics,
}

impl AppState {
    fn cookie_name(&self, kind: SessionKind) -> String {
        match kind {
            SessionKind::Normal => format!("{}_session", self.config.wiki_id),
            SessionKind::BotPassword => format!("{}_BPsession", self.config.wiki_id),
        }
    }
}

/// The state of one request while a module runs.
pub struct Ctx<'a> {
    pub app: &'a AppState,
    pub session: Session,
    pub identity: Identity,
    pub output: Output,
    /// Unix seconds at the start of the request.
    pub now: i64,
    pub client_ip: IpAddr,
    /// False under `origin=*` or JSONP: the request acts as anonymous and
    /// may obtain no tokens and not log in.
    pub same_origin: bool,
}

/// The routes: api.php, the files it describes, health and metrics.
pub fn router(app: Arc<AppState>) -> Router {
    let path = format!("{}/api.php", app.config.script_path);
    Router::new()
        .route(&path, any(api_php))
        .with_state(app.clone())
        .merge(
            files::router(app.clone())
                .merge(thumbs::router(app.clone()))
                .merge(rest::router(app.clone()))
                .layer(axum::middleware::from_fn(log_request)),
        )
        .merge(ops::router(app))
}

pub use ops::{metrics_router, reserve_router};

/// One log line per request outside api.php (files, thumbnails, pages),
/// which has its own: method, the kind of path, status, bytes and
/// duration; never the path itself, the query string or cookies.
pub async fn log_request(request: Request, next: axum::middleware::Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path();
    let class = if path.contains("/images/thumb/") || path.ends_with("/thumb.php") {
        "thumbnail"
    } else if path.contains("/images/") {
        "file"
    } else if path.contains("/resources/") {
        "icon"
    } else {
        "page"
    };
    let response = next.run(request).await;
    let bytes: u64 = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    tracing::info!(
        method = %method,
        class,
        status = response.status().as_u16(),
        bytes,
        duration_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// What the request log and the metrics say of one API request. Only
/// these fields are logged: never parameters as such, cookies or headers,
/// so no password, token or session id reaches the log.
#[derive(Debug, Default)]
struct RequestFacts {
    action: Option<&'static str>,
    user: Option<String>,
    filename: Option<String>,
    /// `file`, `chunk`, `url` or `filekey`, for action=upload.
    source: Option<&'static str>,
    /// The module answered `result: Warning` (an upload stopped by
    /// warnings): counted apart from plain successes.
    warning: bool,
}

async fn api_php(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let bytes: u64 = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    let mut facts = RequestFacts::default();
    // Everything logged while the request runs carries its method and path.
    let span = tracing::info_span!("request", method = %method, path = request.uri().path());
    let response = answer_api(&app, peer, request, &mut facts)
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    let error = response
        .headers()
        .get("mediawiki-api-error")
        .and_then(|v| v.to_str().ok())
        .map(|codes| codes.split(',').next().unwrap_or(codes));
    let result = match (error, facts.warning) {
        (Some(code), _) => code,
        (None, true) => "warning",
        (None, false) => "ok",
    };
    let action = facts.action.unwrap_or("-");
    let seconds = started.elapsed().as_secs_f64();
    app.metrics.count_request(action, result);
    if let Some(source) = facts.source {
        app.metrics.count_upload(source, bytes, seconds);
    }
    tracing::info!(
        method = %method,
        action,
        user = facts.user.as_deref().unwrap_or("-"),
        filename = facts.filename.as_deref().unwrap_or("-"),
        bytes,
        result,
        status = response.status().as_u16(),
        duration_ms = (seconds * 1000.0).round() as u64,
        "api request"
    );
    response
}

/// The answer of an api.php request made in-process ([`call`]).
#[derive(Debug)]
pub struct InternalAnswer {
    /// The JSON document (formatversion=2).
    pub body: Value,
    /// The `Set-Cookie` headers the API sent (a new session, a login).
    pub set_cookies: Vec<HeaderValue>,
}

/// An api.php POST made by index.php's forms and listings, with the
/// browser's cookies: the same parameters, tokens, rights and checks as
/// any client's request, so a page can do nothing the API cannot.
pub async fn call(
    app: &Arc<AppState>,
    peer: SocketAddr,
    cookies: Option<&HeaderValue>,
    params: &[(&str, &str)],
) -> InternalAnswer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("format", "json"), ("formatversion", "2")])
        .extend_pairs(params.iter().copied())
        .finish();
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = Method::POST;
    let headers = request.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    if let Some(cookies) = cookies {
        headers.insert(header::COOKIE, cookies.clone());
    }
    let response = api_php(State(app.clone()), ConnectInfo(peer), request).await;
    let set_cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null);
    InternalAnswer { body, set_cookies }
}

/// Who a request acts as by its session cookies, for pages outside the
/// API (index.php, files); None when the session cannot be read.
pub async fn identity_of(app: &AppState, headers: &HeaderMap) -> Option<Identity> {
    let cookie = |kind| cookie_value(headers, &app.cookie_name(kind));
    let session = app
        .sessions
        .load(
            cookie(SessionKind::Normal).as_deref(),
            cookie(SessionKind::BotPassword).as_deref(),
            auth::now(),
        )
        .await
        .ok()?;
    app.accounts.identity(&session).await.ok()
}

pub(crate) use files::stashed as stashed_file;
pub(crate) use thumbs::stashed_thumb;

/// The output format chosen by the printer parameters.
#[derive(Debug, Clone)]
struct Printer {
    format: &'static str,
    fv: FormatVersion,
    /// Escape non-ASCII as `\uXXXX`.
    ascii: bool,
    callback: Option<String>,
    /// `includexmlnamespace` (XML only).
    xml_namespace: bool,
}

impl Default for Printer {
    fn default() -> Printer {
        Printer {
            format: "jsonfm",
            fv: FormatVersion::V1,
            ascii: true,
            callback: None,
            xml_namespace: false,
        }
    }
}

async fn answer_api(
    app: &Arc<AppState>,
    peer: SocketAddr,
    request: Request,
    facts: &mut RequestFacts,
) -> Response {
    let app = app.clone();
    let (parts, body) = request.into_parts();
    let now = auth::now();
    let mut raw = RawParams::from_query(parts.uri.query().unwrap_or_default());
    let body_read = match parts.method {
        Method::POST => {
            raw.read_body(
                &parts.headers,
                body,
                &app.uploads.repo().spool_dir(),
                app.config.max_upload_size,
                &app.uploads,
            )
            .await
        }
        Method::GET | Method::HEAD | Method::OPTIONS => raw.check_count(),
        _ => Err(ApiError::invalid_method()),
    };

    let mut output = Output::new(FormatVersion::V1, ErrorFormat::Bc);
    let printer = read_printer(&mut raw, &mut output);
    let printer_ok = printer.clone().unwrap_or_default();
    output.fv = printer_ok.fv;
    // requestid and curtimestamp are echoed even when the rest fails.
    let requested = read_requested(&mut raw, &mut output, now);
    for (key, value) in &requested {
        output.add(key, value.clone());
    }
    let main = read_main(&mut raw, &mut output);
    if let Ok(main) = &main {
        facts.action = Some(main.action);
        if main.action == "upload" {
            facts.filename = raw.peek("filename").map(str::to_owned);
            facts.source = Some(if raw.contains("chunk") {
                "chunk"
            } else if raw.contains("file") {
                "file"
            } else if raw.contains("url") {
                "url"
            } else {
                "filekey"
            });
        }
    }
    let same_origin = printer_ok.callback.is_none()
        && !matches!(&main, Ok(m) if m.origin.as_deref() == Some("*"))
        && !parts.headers.contains_key("treat-as-untrusted");

    // `origin` must repeat the browser's Origin header; else 403, no action.
    let mut cors_headers = HeaderMap::new();
    if let Ok(MainParams {
        origin: Some(origin),
        ..
    }) = &main
        && let Some(rejection) = cors(origin, &parts.headers, &mut cors_headers)
    {
        return rejection;
    }
    if parts.method == Method::OPTIONS {
        return (StatusCode::OK, cors_headers).into_response();
    }
    // MediaWiki answers action=rsd in its own XML, whatever the format.
    if matches!(&main, Ok(m) if m.action == "rsd") {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/rsd+xml; charset=utf-8")],
            modules::rsd::document(&app),
        )
            .into_response();
    }

    let cookie = |kind| cookie_value(&parts.headers, &app.cookie_name(kind));
    let session = if same_origin {
        app.sessions
            .load(
                cookie(SessionKind::Normal).as_deref(),
                cookie(SessionKind::BotPassword).as_deref(),
                now,
            )
            .await
    } else {
        app.sessions.load(None, None, now).await
    };
    let session = match session {
        Ok(session) => session,
        Err(err) => {
            let err = ApiError::from(err);
            return render(
                &app,
                output,
                Err(err),
                &printer_ok,
                Map::new(),
                None,
                cors_headers,
            )
            .await;
        }
    };
    let identity = match app.accounts.identity(&session).await {
        Ok(identity) => identity,
        Err(err) => {
            return render(
                &app,
                output,
                Err(err.into()),
                &printer_ok,
                Map::new(),
                None,
                cors_headers,
            )
            .await;
        }
    };

    facts.user = identity.user.as_ref().map(|u| u.name.clone());
    let mut ctx = Ctx {
        app: &app,
        session,
        identity,
        output,
        now,
        client_ip: peer.ip(),
        same_origin,
    };
    let outcome = match (body_read, printer, main) {
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => Err(err),
        (Ok(()), Ok(_), Ok(main)) => run_action(&main, &parts, &mut raw, &mut ctx).await,
    };
    if outcome.is_ok() {
        warn_unused(&raw, &mut ctx.output);
        facts.warning = facts
            .action
            .and_then(|action| ctx.output.get(action))
            .is_some_and(|answer| answer.get("result").and_then(Value::as_str) == Some("Warning"));
    }
    let Ctx {
        mut output,
        mut session,
        ..
    } = ctx;
    let cookie_change = match app.sessions.commit(&mut session, now).await {
        Ok(change) => Some(change),
        Err(err) => {
            let err = ApiError::from(err);
            output = Output::new(output.fv, output.errorformat);
            return render(
                &app,
                output,
                Err(err),
                &printer_ok,
                requested,
                None,
                cors_headers,
            )
            .await;
        }
    };
    if !same_origin {
        cors_headers.insert(
            "mediawiki-login-suppressed",
            HeaderValue::from_static("true"),
        );
    }
    render(
        &app,
        output,
        outcome,
        &printer_ok,
        requested,
        cookie_change,
        cors_headers,
    )
    .await
}

/// Steps 2 to 9 of ApiMain: assertions, module parameters, token, rights,
/// POST requirement, then the module itself.
async fn run_action(
    main: &MainParams,
    parts: &axum::http::request::Parts,
    raw: &mut RawParams,
    ctx: &mut Ctx<'_>,
) -> Result<(), ApiError> {
    check_assertions(main, &ctx.identity)?;
    let spec: &'static ModuleSpec = modules::action_spec(main.action)
        .ok_or_else(|| ApiError::bad_value("action", main.action))?;
    let parsed = modules::parse(spec, raw, ctx).map_err(|e| e.in_module(spec.path))?;

    if let Some(token_param) = spec.token_param() {
        let name = format!("{}{}", spec.prefix, token_param.name);
        let Some(token) = raw.get(&name).cloned() else {
            return Err(ApiError::missing_param(&name).in_module(spec.path));
        };
        if token.in_query {
            return Err(ApiError::must_post_params(&[&name]).in_module(spec.path));
        }
        let ty = token_param.token_type.unwrap_or(auth::TokenType::Csrf);
        if !ctx
            .session
            .token_matches(ty, ctx.identity.is_anonymous(), &token.value)
        {
            return Err(ApiError::bad_token().in_module(spec.path));
        }
    }
    let read_mode = match &parsed {
        modules::Parsed::Query(query) => query.is_read_mode(),
        _ => spec.read_rights,
    };
    if read_mode && !ctx.identity.has_right("read") {
        return Err(ApiError::read_api_denied().in_module(spec.path));
    }
    if spec.write && !ctx.identity.has_right("writeapi") {
        return Err(ApiError::write_api_denied().in_module(spec.path));
    }
    if spec.must_post && parts.method != Method::POST {
        return Err(ApiError::must_be_posted(spec.name).in_module(spec.path));
    }
    parsed
        .execute(ctx)
        .await
        .map_err(|e| e.in_module(spec.path))
}

/// The main module's own parameters.
#[derive(Debug)]
struct MainParams {
    action: &'static str,
    assert: Option<&'static str>,
    assertuser: Option<String>,
    origin: Option<String>,
}

/// `requestid` and `curtimestamp`, which every answer repeats.
fn read_requested(raw: &mut RawParams, output: &mut Output, now: i64) -> Map<String, Value> {
    let mut reader = ParamReader::new(raw, output, "", "main", false);
    let mut requested = Map::new();
    if let Ok(Some(id)) = reader.string(modules::MAIN.param("requestid")) {
        requested.insert("requestid".into(), id.into());
    }
    if reader
        .flag(modules::MAIN.param("curtimestamp"))
        .unwrap_or(false)
    {
        requested.insert("curtimestamp".into(), iso_timestamp(now).into());
    }
    requested
}

/// Reads the printer's parameters (`format`, `formatversion`, `utf8`,
/// `ascii`, `callback`); on an error the default printer reports it.
fn read_printer(raw: &mut RawParams, output: &mut Output) -> Result<Printer, ApiError> {
    // opensearch's own printer defaults to plain JSON.
    let opensearch_default =
        raw.peek("action") == Some("opensearch") && raw.peek("format").is_none();
    let mut reader = ParamReader::new(raw, output, "", "main", false);
    let format = match reader.choice(modules::MAIN.param("format"))? {
        _ if opensearch_default => "json",
        format => format.unwrap_or("jsonfm"),
    };
    if matches!(format, "xml" | "xmlfm") {
        // XML writes fv1's shapes and reads no JSON parameters.
        let xml = |name| modules::XML_FORMAT.param(name);
        reader.string(xml("xslt"))?;
        let xml_namespace = reader.flag(xml("includexmlnamespace"))?;
        return Ok(Printer {
            format,
            xml_namespace,
            ..Printer::default()
        });
    }
    let json = |name| modules::JSON_FORMAT.param(name);
    let callback = reader.string(json("callback"))?;
    let utf8 = reader.flag(json("utf8"))?;
    let ascii = reader.flag(json("ascii"))?;
    let fv = match reader.choice(json("formatversion"))? {
        Some("2" | "latest") => FormatVersion::V2,
        _ => FormatVersion::V1,
    };
    if let Some(callback) = &callback {
        let valid = callback
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "[]._'\"".contains(c));
        if !valid {
            return Err(ApiError::bad_value("callback", callback));
        }
    }
    Ok(Printer {
        format,
        fv,
        ascii: match fv {
            FormatVersion::V1 => !utf8,
            FormatVersion::V2 => ascii,
        },
        callback,
        xml_namespace: false,
    })
}

/// Reads the main module's parameters; `errorformat` first, so that any
/// later error is already rendered in the requested format.
fn read_main(raw: &mut RawParams, output: &mut Output) -> Result<MainParams, ApiError> {
    let spec = |name| modules::MAIN.param(name);
    let mut reader = ParamReader::new(raw, output, "", "main", false);
    let errorformat = reader.choice(spec("errorformat"))?.unwrap_or("bc");
    reader.output().errorformat = ErrorFormat::from_name(errorformat).unwrap_or(ErrorFormat::Bc);
    let action = reader.choice(spec("action"))?.unwrap_or("help");
    let main = MainParams {
        action,
        assert: reader.choice(spec("assert"))?,
        assertuser: reader.string(spec("assertuser"))?,
        origin: reader.string(spec("origin"))?,
    };
    // Accepted for compatibility; a single database never lags and
    // messages are English only.
    for name in [
        "maxlag",
        "smaxage",
        "maxage",
        "servedby",
        "responselanginfo",
        "uselang",
        "variant",
        "errorlang",
        "errorsuselocal",
    ] {
        let spec = spec(name);
        match spec.ty {
            ParamType::Integer { .. } => {
                reader.integer(spec)?;
            }
            _ => {
                reader.string(spec)?;
            }
        }
    }
    Ok(main)
}

fn check_assertions(main: &MainParams, identity: &Identity) -> Result<(), ApiError> {
    let failed = |code: &str, text: String| {
        Err(ApiError::new(
            code,
            Message::new(&format!("apierror-{code}"), vec![], text),
        ))
    };
    match main.assert {
        Some("user") if identity.is_anonymous() => {
            return failed(
                "assertuserfailed",
                "You are no longer logged in, so the action could not be completed.".into(),
            );
        }
        Some("bot") if !identity.has_right("bot") => {
            return failed(
                "assertbotfailed",
                "You do not have the <code>bot</code> right, so the action could not be completed."
                    .into(),
            );
        }
        Some("anon") if !identity.is_anonymous() => {
            return failed(
                "assertanonfailed",
                "You are no longer logged out, so the action could not be completed.".into(),
            );
        }
        _ => {}
    }
    if let Some(expected) = &main.assertuser {
        let actual = identity.user.as_ref().map(|u| u.name.as_str());
        let expected_canonical = auth::canonical_user_name(expected);
        if actual.is_none() || actual != expected_canonical.as_deref() {
            return failed(
                "assertnameduserfailed",
                format!(
                    "You are no longer logged in as \"{expected}\", so the action could not be completed."
                ),
            );
        }
    }
    Ok(())
}

/// `Unrecognized parameter: bogus.` for every parameter nobody read.
fn warn_unused(raw: &RawParams, output: &mut Output) {
    for name in raw.php_array_names() {
        output.warn(
            "main",
            "unsupportedarray",
            Message::new(
                "apiwarn-unsupportedarray",
                vec![name.clone().into()],
                format!("Parameter <var>{name}</var> uses unsupported PHP array syntax."),
            ),
        );
    }
    let unused = raw.unused();
    if unused.is_empty() {
        return;
    }
    let list = unused.join(", ");
    let text = if unused.len() == 1 {
        format!("Unrecognized parameter: {list}.")
    } else {
        format!("Unrecognized parameters: {list}.")
    };
    let mut params = Map::new();
    for (i, name) in unused.iter().enumerate() {
        params.insert((i + 2).to_string(), name.clone().into());
    }
    output.warn(
        "main",
        "unrecognizedparams",
        Message::new(
            "apierror-unrecognizedparams",
            vec![
                serde_json::json!({"list": params, "type": "comma"}),
                unused.len().into(),
            ],
            text,
        ),
    );
}

/// Applies an `origin` parameter. Credentialed cross-origin requests are
/// not allowed by wikiupload (MediaWiki's default `$wgCrossSiteAJAXdomains`
/// is empty), so a matching origin only earns the rejection header.
/// Returns the response that refuses the request, if it is refused.
fn cors(origin: &str, headers: &HeaderMap, out: &mut HeaderMap) -> Option<Response> {
    if origin == "*" {
        out.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("false"),
        );
        return None;
    }
    let sent = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !sent.split_whitespace().any(|o| o == origin) {
        return Some(
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "'origin' parameter does not match Origin header\n",
            )
                .into_response(),
        );
    }
    out.insert(
        "mediawiki-cors-rejection",
        HeaderValue::from_static("Origin mismatch"),
    );
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    None
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// ISO 8601 UTC without fractions, as MediaWiki's API writes timestamps.
pub fn iso_timestamp(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Builds the HTTP response: the JSON document, MediaWiki's headers, the
/// error header, and the session cookie.
async fn render(
    app: &AppState,
    mut output: Output,
    outcome: Result<(), ApiError>,
    printer: &Printer,
    requested: Map<String, Value>,
    cookie_change: Option<CookieChange>,
    extra_headers: HeaderMap,
) -> Response {
    let docref = format!(
        "See {} for API usage. Subscribe to the mediawiki-api-announce mailing list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and breaking changes.",
        app.api_url
    );
    if output.errorformat == ErrorFormat::Html {
        let error = outcome.as_ref().err().map(|err| err.message.as_ref());
        let messages: Vec<&Message> = output.warning_messages().chain(error).collect();
        output.links = wikilinks::render_message_links(app, messages).await;
    }
    let own_xml = output.own_xml().filter(|_| outcome.is_ok());
    let (document, status, error_code) = match outcome {
        Ok(()) => (output.render_success(), StatusCode::OK, None),
        Err(err) => {
            if err.internal {
                tracing::error!(code = %err.code, "internal API error");
            }
            let status = err.status;
            let code = std::iter::once(&err.code)
                .chain(&err.more_codes)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            (
                output.render_error(&err, &docref, requested),
                status,
                Some(code),
            )
        }
    };
    let json = response::to_json(&document, printer.ascii);
    let mut file_name = "inline; filename=api-result.json";
    let xml_text = || own_xml.unwrap_or_else(|| xml::document(&document, printer.xml_namespace));
    let (content_type, body) = match (printer.format, &printer.callback) {
        ("none", _) => ("text/plain; charset=utf-8", String::new()),
        ("xml", _) => {
            file_name = "inline; filename=api-result.xml";
            ("text/xml; charset=utf-8", xml_text())
        }
        ("xmlfm", _) => (
            "text/html; charset=utf-8",
            formatted_page(&xml_text(), "XML", "xml"),
        ),
        (_, Some(callback)) => (
            "text/javascript; charset=utf-8",
            format!("/**/{callback}({json})"),
        ),
        ("jsonfm", None) => (
            "text/html; charset=utf-8",
            formatted_page(
                &serde_json::to_string_pretty(&document).unwrap_or_default(),
                "JSON",
                "json",
            ),
        ),
        _ => ("application/json; charset=utf-8", json),
    };
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(file_name),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, must-revalidate, max-age=0"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Some(code) = error_code.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert("mediawiki-api-error", code);
    }
    headers.extend(extra_headers);
    let secure = app.server.starts_with("https:");
    match cookie_change {
        Some(CookieChange::Set(kind, id)) => {
            let mut cookie = cookie::Cookie::new(app.cookie_name(kind), id);
            cookie.set_path("/");
            cookie.set_http_only(true);
            cookie.set_secure(secure);
            cookie.set_same_site(cookie::SameSite::Lax);
            append_cookie(headers, &cookie);
        }
        Some(CookieChange::Clear(kind)) => {
            let mut cookie = cookie::Cookie::new(app.cookie_name(kind), "deleted");
            cookie.set_path("/");
            cookie.set_http_only(true);
            cookie.set_secure(secure);
            cookie.set_same_site(cookie::SameSite::Lax);
            cookie.make_removal();
            append_cookie(headers, &cookie);
        }
        Some(CookieChange::None) | None => {}
    }
    response
}

fn append_cookie(headers: &mut HeaderMap, cookie: &cookie::Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.append(header::SET_COOKIE, value);
    }
}

/// `format=jsonfm` and `xmlfm`: the result in an HTML page, for people
/// exploring the API in a browser.
fn formatted_page(text: &str, format_name: &str, format: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>API result</title></head>\
         <body><p>This is the HTML representation of the {format_name} format. Add <code>format={format}</code> \
         to get it as {format_name}.</p><pre>{escaped}</pre></body></html>\n"
    )
}
