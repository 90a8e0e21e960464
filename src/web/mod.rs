//! index.php: the wiki's pages for people and for clients that read them
//! (`?action=raw`, `?curid=`, the `<meta name="generator">` and the
//! `EditURI` link pywikibot's site detection reads), beside the API and
//! on its state: the same sessions, identities and rights. HTML comes from
//! askama templates (`templates/`: a base layout, escaping by default, no
//! scripts).
//!
//! Routes: `/` and `/index.php` redirect to the main page;
//! `/index.php?title=X` and `/index.php/X` show a page (`action=raw`,
//! `action=history`, `oldid=`, `curid=`); `Special:FilePath/X`,
//! `Special:Redirect/file/X` and `Special:UploadStash/file/K` lead to files.

mod account;
mod actions;
mod assets;
mod botpasswords;
mod gallery;
pub mod i18n;
mod log_page;
mod special;
mod upload_page;
mod view;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

use crate::api::{AppState, InternalAnswer, identity_of};
use crate::auth::Identity;
use crate::pages::title::Title;

/// The routes of index.php, its static files and the site's root.
pub fn router(app: Arc<AppState>) -> Router {
    let base = app.config.script_path.clone();
    let mut router = Router::new()
        .route(
            &format!("{base}/index.php"),
            get(by_query).post(post_by_query),
        )
        .route(
            &format!("{base}/index.php/{{*title}}"),
            get(by_path).post(post_by_path),
        )
        .route(&format!("{base}/static/{{name}}"), get(assets::serve));
    router = router.route("/", get(root));
    router
        .with_state(app)
        .layer(axum::middleware::from_fn(crate::api::log_request))
}

/// One request for a page: who asks (session, identity) and from where,
/// so that forms and listings can ask api.php as that visitor.
pub struct Visit {
    pub app: Arc<AppState>,
    pub identity: PageIdentity,
    peer: SocketAddr,
    cookies: Option<HeaderValue>,
    /// `Set-Cookie` headers the API answered with, passed on to the browser.
    set_cookies: Vec<HeaderValue>,
}

impl Visit {
    fn new(
        app: &Arc<AppState>,
        peer: SocketAddr,
        headers: &HeaderMap,
        identity: PageIdentity,
    ) -> Visit {
        Visit {
            app: app.clone(),
            identity,
            peer,
            cookies: headers.get(header::COOKIE).cloned(),
            set_cookies: Vec::new(),
        }
    }

    /// An api.php request as this visitor; cookies the API sets are kept
    /// for the page's response.
    pub async fn api(&mut self, params: &[(&str, &str)]) -> serde_json::Value {
        let InternalAnswer { body, set_cookies } =
            crate::api::call(&self.app, self.peer, self.cookies.as_ref(), params).await;
        self.set_cookies.extend(set_cookies);
        body
    }

    /// A token of `kind` (`csrf`, `login`) for a form.
    pub async fn token(&mut self, kind: &str) -> String {
        let answer = self
            .api(&[("action", "query"), ("meta", "tokens"), ("type", kind)])
            .await;
        answer["query"]["tokens"][format!("{kind}token")]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn user_name(&self) -> Option<&str> {
        self.identity
            .as_ref()
            .and_then(|i| i.user.as_ref())
            .map(|u| u.name.as_str())
    }

    pub fn has_right(&self, right: &str) -> bool {
        self.identity.as_ref().is_some_and(|i| i.has_right(right))
    }

    pub fn chrome(&self, heading: &str) -> Chrome {
        Chrome::new(self, heading)
    }

    /// `response` with the cookies the API set while the page was made.
    pub fn finish(&self, mut response: Response) -> Response {
        for cookie in &self.set_cookies {
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie.clone());
        }
        response
    }
}

/// What every page's layout shows.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub heading: String,
    pub sitename: String,
    pub generator: String,
    pub api_url: String,
    pub main_page_url: String,
    pub canonical_url: Option<String>,
    pub stylesheet_url: String,
    pub script_url: String,
    pub search_action: String,
    pub upload_url: String,
    pub listfiles_url: String,
    pub newfiles_url: String,
    pub log_url: String,
    pub login_url: String,
    pub logout_url: String,
    pub botpasswords_url: String,
    /// The logged-in user's name and page.
    pub user: Option<(String, String)>,
    /// The uploader (drop area, Special:Upload) is part of the page.
    pub uploader: Option<upload_page::UploaderSettings>,
    /// Special:Upload shows the uploader open.
    pub upload_page: bool,
}

impl Chrome {
    fn new(visit: &Visit, heading: &str) -> Chrome {
        let app = &visit.app;
        let special = |name: &str| special_url(app, name);
        let user = visit.user_name().map(|name| {
            (
                name.to_owned(),
                article_url(
                    app,
                    &Title::new(crate::pages::title::USER, &name.replace(' ', "_")),
                ),
            )
        });
        let uploader = (visit.has_right("upload") && app.config.enable_uploads)
            .then(|| upload_page::UploaderSettings::new(app));
        Chrome {
            heading: heading.to_owned(),
            sitename: app.config.sitename.clone(),
            generator: crate::api::modules::siteinfo::generator(),
            api_url: app.api_url.clone(),
            main_page_url: article_url(app, &Title::new(0, "Main_Page")),
            canonical_url: None,
            stylesheet_url: assets::url(app, "wikiupload.css"),
            script_url: assets::url(app, "uploader.js"),
            search_action: format!("{}{}/index.php", app.server, app.config.script_path),
            upload_url: special("Upload"),
            listfiles_url: special("ListFiles"),
            newfiles_url: special("NewFiles"),
            log_url: special("Log"),
            login_url: special("UserLogin"),
            logout_url: special("UserLogout"),
            botpasswords_url: special("BotPasswords"),
            user,
            uploader,
            upload_page: false,
        }
    }

    /// The English text of a message (`i18n/en.json`).
    pub fn t(&self, key: &str) -> &'static str {
        i18n::text(key)
    }

    /// A message with `$1`, `$2`... replaced.
    pub fn tw(&self, key: &str, params: &[&str]) -> String {
        i18n::with(key, params)
    }
}

/// `{server}{script_path}/index.php/Special:{name}`.
pub fn special_url(app: &AppState, name: &str) -> String {
    format!(
        "{}{}/index.php/Special:{name}",
        app.server, app.config.script_path
    )
}

/// `{server}{script_path}/index.php/{Prefixed_title}`.
pub fn article_url(app: &AppState, title: &Title) -> String {
    format!(
        "{}{}/index.php/{}",
        app.server,
        app.config.script_path,
        crate::upload::repo::wiki_url_encode(&title.prefixed_db_key(app.pages.sitename()))
    )
}

/// `{server}{script_path}/index.php?title=...&...`.
fn index_url(app: &AppState, title: &Title, query: &str) -> String {
    format!(
        "{}{}/index.php?title={}&{query}",
        app.server,
        app.config.script_path,
        crate::upload::repo::wiki_url_encode(&title.prefixed_db_key(app.pages.sitename()))
    )
}

/// `/`: the main page.
async fn root(State(app): State<Arc<AppState>>) -> Response {
    redirect(
        StatusCode::MOVED_PERMANENTLY,
        &article_url(&app, &Title::new(0, "Main_Page")),
    )
}

/// `index.php?title=X&action=...` (and `curid`, `oldid`).
async fn by_query(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let title = query.get("title").cloned();
    let has_target = title.is_some() || query.contains_key("curid") || query.contains_key("oldid");
    if !has_target {
        return redirect(
            StatusCode::MOVED_PERMANENTLY,
            &article_url(&app, &Title::new(0, "Main_Page")),
        );
    }
    serve(&app, peer, title, &query, Vec::new(), request).await
}

/// `index.php/X` (query parameters as for `by_query`).
async fn by_path(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(title): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    serve(&app, peer, Some(title), &query, Vec::new(), request).await
}

/// A form sent to `index.php?title=X`.
async fn post_by_query(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let title = query.get("title").cloned().or_else(|| {
        form.iter()
            .find(|(k, _)| k == "title")
            .map(|(_, v)| v.clone())
    });
    post(&app, peer, title, &query, form, headers).await
}

/// A form sent to `index.php/X`.
async fn post_by_path(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(title): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    post(&app, peer, Some(title), &query, form, headers).await
}

async fn post(
    app: &Arc<AppState>,
    peer: SocketAddr,
    title: Option<String>,
    query: &HashMap<String, String>,
    form: Vec<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut request = Request::new(axum::body::Body::empty());
    *request.method_mut() = Method::POST;
    *request.headers_mut() = headers;
    serve(app, peer, title, query, form, request).await
}

async fn serve(
    app: &Arc<AppState>,
    peer: SocketAddr,
    title: Option<String>,
    query: &HashMap<String, String>,
    form: Vec<(String, String)>,
    request: Request,
) -> Response {
    let identity = identity_of(app, request.headers()).await;
    let mut visit = Visit::new(app, peer, request.headers(), identity);
    let special = title.as_deref().and_then(|text| special::parse(text, app));
    // Logging in must stay possible for those who may not read.
    let is_login = matches!(special, Some(special::Special::UserLogin));
    if !is_login && !visit.has_right("read") {
        return message_page(
            &visit,
            StatusCode::FORBIDDEN,
            "Permission error",
            "You need read permission to see this page.",
        );
    }
    if let Some(special) = special {
        let response = special::serve(&mut visit, special, query, form, request).await;
        return visit.finish(response);
    }
    let action = query.get("action").map_or("view", String::as_str);
    if actions::ACTIONS.contains(&action)
        && let Some(title) = title.as_deref().and_then(|t| app.pages.title(t))
    {
        let response = actions::serve(&mut visit, title, action, query, form).await;
        return visit.finish(response);
    }
    if request.method() == Method::POST {
        return message_page(
            &visit,
            StatusCode::METHOD_NOT_ALLOWED,
            "No such action",
            "Pages are changed through the API.",
        );
    }
    let result = view::serve(&mut visit, title.as_deref(), query).await;
    match result {
        Ok(response) => visit.finish(response),
        Err(err) => {
            tracing::error!(error = %err, "an index.php page failed");
            message_page(
                &visit,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "The page could not be shown because of an internal error.",
            )
        }
    }
}

/// A redirect with MediaWiki's headers.
fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        "",
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    private(response)
}

/// What pages may load: their own scripts, styles and images only (no
/// inline script or style), and local previews of picked files.
const PAGE_CSP: &str = "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; \
style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'self'";

/// Pages depend on the session (rights), so caches must not share them.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    // For browsers without CSP's frame-ancestors (clickjacking).
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, must-revalidate, max-age=0"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    response
}

/// An HTML page rendered from `template`, with `status`.
fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => private(
            (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                body,
            )
                .into_response(),
        ),
        Err(err) => {
            tracing::error!(error = %err, "a template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error.\n").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "missing.html")]
struct MessagePage {
    chrome: Chrome,
    message: String,
}

/// A page that only says something (a missing page, an error).
fn message_page(visit: &Visit, status: StatusCode, heading: &str, message: &str) -> Response {
    visit.finish(html(
        status,
        &MessagePage {
            chrome: visit.chrome(heading),
            message: message.to_owned(),
        },
    ))
}

/// The identity a page request acts as (None: its session could not be
/// read, which reads as anonymous without rights).
pub type PageIdentity = Option<Identity>;
