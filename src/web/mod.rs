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

mod special;
mod view;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::{AppState, identity_of};
use crate::auth::Identity;
use crate::pages::title::Title;

/// The routes of index.php and of the site's root.
pub fn router(app: Arc<AppState>) -> Router {
    let base = app.config.script_path.clone();
    let mut router = Router::new()
        .route(&format!("{base}/index.php"), get(by_query))
        .route(&format!("{base}/index.php/{{*title}}"), get(by_path));
    router = router.route("/", get(root));
    router
        .with_state(app)
        .layer(axum::middleware::from_fn(crate::api::log_request))
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
}

impl Chrome {
    fn new(app: &AppState, heading: &str) -> Chrome {
        Chrome {
            heading: heading.to_owned(),
            sitename: app.config.sitename.clone(),
            generator: crate::api::modules::siteinfo::generator(),
            api_url: app.api_url.clone(),
            main_page_url: article_url(app, &Title::new(0, "Main_Page")),
            canonical_url: None,
        }
    }
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
    serve(&app, title, &query, request).await
}

/// `index.php/X` (query parameters as for `by_query`).
async fn by_path(
    State(app): State<Arc<AppState>>,
    Path(title): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    serve(&app, Some(title), &query, request).await
}

async fn serve(
    app: &Arc<AppState>,
    title: Option<String>,
    query: &HashMap<String, String>,
    request: Request,
) -> Response {
    let identity = identity_of(app, request.headers()).await;
    if !identity.as_ref().is_some_and(|i| i.has_right("read")) {
        return message_page(
            app,
            StatusCode::FORBIDDEN,
            "Permission error",
            "You need read permission to see this page.",
        );
    }
    if let Some(text) = &title
        && let Some(special) = special::parse(text, app)
    {
        return special::serve(app, special, query, identity, request).await;
    }
    let result = view::serve(app, title.as_deref(), query).await;
    match result {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(error = %err, "an index.php page failed");
            message_page(
                app,
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

/// Pages depend on the session (rights), so caches must not share them.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
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

/// The pages carry no script and load nothing from elsewhere; should some
/// markup slip through escaping, the browser still runs none of it, and
/// no other site may frame a page (clickjacking).
const PAGE_CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; \
                        style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                        base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// An HTML page rendered from `template`, with `status`.
fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => private(
            (
                status,
                [
                    (header::CONTENT_TYPE, "text/html; charset=UTF-8"),
                    (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
                    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                ],
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
fn message_page(app: &AppState, status: StatusCode, heading: &str, message: &str) -> Response {
    html(
        status,
        &MessagePage {
            chrome: Chrome::new(app, heading),
            message: message.to_owned(),
        },
    )
}

/// The identity a page request acts as (None: its session could not be
/// read, which reads as anonymous without rights).
pub type PageIdentity = Option<Identity>;
