//! MediaWiki's REST API basics (`rest.php/v1/...`) that newer clients use:
//! a page's source (`/v1/page/{title}`, and `/bare` without it), its
//! history (`/v1/page/{title}/history`, 20 revisions a page, `older_than`,
//! `newer_than`), a file's description with preferred, original and
//! thumbnail URLs (`/v1/file/{title}`), and title search
//! (`/v1/search/title?q=&limit=`), in MediaWiki 1.39's JSON shapes and
//! error bodies (`messageTranslations`, `httpCode`, `httpReason`).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{AppState, iso_timestamp};
use crate::pages::title::{self, Title};
use crate::storage::{PageListing, PageRow, RevisionListing};

/// Revisions per page of `/history`.
const HISTORY_PAGE: i64 = 20;

/// `$wgImageLimits` entries the REST file handler uses by default: the
/// `imagesize` option (800×600) and, as MediaWiki 1.39 reads `thumbsize`
/// from the same list, its sixth entry (2560×2048).
const PREFERRED_LIMITS: (i64, i64) = (800, 600);
const THUMBNAIL_LIMITS: (i64, i64) = (2560, 2048);

pub fn router(app: Arc<AppState>) -> axum::Router {
    let base = app.config.script_path.clone();
    axum::Router::new()
        .route(
            &format!("{base}/rest.php/{{*path}}"),
            axum::routing::get(handle),
        )
        .with_state(app)
}

/// A REST error: MediaWiki's body for the status.
struct RestError {
    status: StatusCode,
    body: Value,
}

impl RestError {
    fn new(status: StatusCode, message: String) -> RestError {
        RestError {
            status,
            body: json!({
                "messageTranslations": {"en": message},
                "httpCode": status.as_u16(),
                "httpReason": status.canonical_reason().unwrap_or_default(),
            }),
        }
    }

    fn not_found(message: String) -> RestError {
        RestError::new(StatusCode::NOT_FOUND, message)
    }

    fn missing_title(title: &str) -> RestError {
        RestError::not_found(format!("The specified title ({title}) does not exist"))
    }

    /// `parameter-validation-failed`.
    fn parameter(
        name: &str,
        value: Option<&str>,
        code: &str,
        data: Value,
        message: String,
    ) -> RestError {
        RestError {
            status: StatusCode::BAD_REQUEST,
            body: json!({
                "error": "parameter-validation-failed",
                "name": name,
                "value": value,
                "failureCode": code,
                "failureData": data,
                "messageTranslations": {"en": message},
                "httpCode": 400,
                "httpReason": "Bad Request",
            }),
        }
    }

    fn internal() -> RestError {
        RestError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error".to_owned(),
        )
    }
}

impl From<crate::storage::StorageError> for RestError {
    fn from(err: crate::storage::StorageError) -> RestError {
        tracing::error!(error = %err, "REST request failed");
        RestError::internal()
    }
}

impl From<crate::pages::PageError> for RestError {
    fn from(err: crate::pages::PageError) -> RestError {
        tracing::error!(error = %err, "REST request failed");
        RestError::internal()
    }
}

type Answer = Result<(HeaderMap, Value), RestError>;

/// The query string's parameters.
struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn json_response(status: StatusCode, mut headers: HeaderMap, body: &Value) -> Response {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    (status, headers, body.to_string()).into_response()
}

async fn handle(
    State(app): State<Arc<AppState>>,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    request_headers: HeaderMap,
) -> Response {
    let query: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let param = Query(query);
    // Reading needs `read`, as everywhere (a private wiki's REST API too).
    let can_read = super::identity_of(&app, &request_headers)
        .await
        .is_some_and(|identity| identity.has_right("read"));
    let answer = if !can_read {
        Err(RestError::new(
            StatusCode::FORBIDDEN,
            "You do not have permission to read pages on this wiki.".to_owned(),
        ))
    } else {
        match path.split_once('/') {
            Some(("v1", rest)) => route(&app, rest, &param).await,
            _ => Err(no_handler(&path)),
        }
    };
    match answer {
        Ok((headers, body)) => json_response(StatusCode::OK, headers, &body),
        Err(err) => json_response(err.status, HeaderMap::new(), &err.body),
    }
}

fn no_handler(path: &str) -> RestError {
    RestError::not_found(format!(
        "The requested relative path (/{path}) did not match any known handler"
    ))
}

async fn route(app: &AppState, rest: &str, param: &Query) -> Answer {
    if let Some(page) = rest.strip_prefix("page/") {
        if let Some(title) = page.strip_suffix("/history") {
            return history(app, title, param).await;
        }
        if let Some(title) = page.strip_suffix("/bare") {
            return page_source(app, title, false).await;
        }
        return page_source(app, page, true).await;
    }
    if let Some(name) = rest.strip_prefix("file/") {
        return file(app, name).await;
    }
    if rest == "search/title" {
        return search_title(app, param).await;
    }
    Err(no_handler(&format!("v1/{rest}")))
}

fn rest_url(app: &AppState, path: &str) -> String {
    format!(
        "{}{}/rest.php/v1/{path}",
        app.server, app.config.script_path
    )
}

/// The page `text` names, existing.
async fn existing_page(app: &AppState, text: &str) -> Result<(Title, PageRow), RestError> {
    let title = app
        .pages
        .title(text)
        .ok_or_else(|| RestError::missing_title(text))?;
    let page = app
        .pages
        .page(&title)
        .await?
        .ok_or_else(|| RestError::missing_title(text))?;
    Ok((title, page))
}

fn last_modified(timestamp: i64) -> HeaderValue {
    let text = chrono::DateTime::from_timestamp(timestamp, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""))
}

/// `/v1/page/{title}` (with `source`) and `/v1/page/{title}/bare`.
async fn page_source(app: &AppState, text: &str, with_source: bool) -> Answer {
    let (title, page) = existing_page(app, text).await?;
    let revision = app
        .db
        .revision(page.latest)
        .await?
        .ok_or_else(|| RestError::missing_title(text))?;
    let sitename = app.pages.sitename();
    let key = title.prefixed_db_key(sitename);
    let mut body = json!({
        "id": page.id,
        "key": key,
        "title": title.text(sitename),
        "latest": {"id": revision.id, "timestamp": iso_timestamp(revision.timestamp)},
        "content_model": page.content_model,
        "license": {"url": "", "title": ""},
    });
    if with_source {
        body["source"] = revision.content.into();
    } else {
        let encoded = crate::upload::repo::wiki_url_encode(&key).replace('_', "%20");
        body["html_url"] = rest_url(app, &format!("page/{encoded}/html")).into();
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=5"));
    headers.insert(header::LAST_MODIFIED, last_modified(revision.timestamp));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", revision.sha1)) {
        headers.insert(header::ETAG, etag);
    }
    Ok((headers, body))
}

/// A revision id parameter (`older_than`, `newer_than`).
fn revision_param(name: &str, param: &Query) -> Result<Option<i64>, RestError> {
    let Some(value) = param.get(name) else {
        return Ok(None);
    };
    value.parse::<i64>().map(Some).map_err(|_| {
        RestError::parameter(
            name,
            Some(value),
            "badinteger",
            Value::Null,
            format!("Invalid value \"{value}\" for integer parameter \"{name}\"."),
        )
    })
}

/// `/v1/page/{title}/history`: 20 revisions, newest first, with links to
/// the next and previous pages.
async fn history(app: &AppState, text: &str, param: &Query) -> Answer {
    let filter = param.get("filter");
    if let Some(filter) = filter
        && !["reverted", "anonymous", "bot", "minor"].contains(&filter)
    {
        return Err(RestError::parameter(
            "filter",
            Some(filter),
            "badvalue",
            json!([]),
            format!("Unrecognized value for parameter \"filter\": {filter}."),
        ));
    }
    let older_than = revision_param("older_than", param)?;
    let newer_than = revision_param("newer_than", param)?;
    if older_than.is_some() && newer_than.is_some() {
        return Err(RestError::new(
            StatusCode::BAD_REQUEST,
            "Cannot specify both \"older_than\" and \"newer_than\"".to_owned(),
        ));
    }
    let (title, page) = existing_page(app, text).await?;
    let sitename = app.pages.sitename();
    let key = title.prefixed_db_key(sitename);
    // The revision a bound names must be the page's.
    for id in older_than.iter().chain(&newer_than) {
        let revision = app.db.revision(*id).await?;
        if revision.as_ref().is_none_or(|r| r.page_id != page.id) {
            return Err(RestError::not_found(format!(
                "The specified revision ({id}) does not exist for the specified page ({key})"
            )));
        }
    }
    let mut listing = RevisionListing {
        page_id: page.id,
        ascending: newer_than.is_some(),
        start_id: older_than.map(|id| id - 1).or(newer_than.map(|id| id + 1)),
        limit: HISTORY_PAGE + 1,
        ..RevisionListing::default()
    };
    let mut revisions = Vec::new();
    // A filter reads on in batches until a page is full or the history ends.
    loop {
        let batch = app.db.list_revisions(&listing).await?;
        let exhausted = (batch.len() as i64) < listing.limit;
        let next = batch.last().map(|r| {
            if listing.ascending {
                r.id + 1
            } else {
                r.id - 1
            }
        });
        for revision in batch {
            if history_filter(app, filter, &revision).await? {
                revisions.push(revision);
            }
        }
        if exhausted || revisions.len() as i64 > HISTORY_PAGE {
            break;
        }
        listing.start_id = next;
        listing.limit = 500;
    }
    let more = revisions.len() as i64 > HISTORY_PAGE;
    revisions.truncate(HISTORY_PAGE as usize);
    if newer_than.is_some() {
        revisions.reverse();
    }
    let mut items = Vec::new();
    for revision in &revisions {
        let parent_size = if revision.parent_id == 0 {
            None
        } else {
            app.db.revision(revision.parent_id).await?.map(|r| r.size)
        };
        let user = match revision.user_id {
            Some(id) => json!({"id": id, "name": revision.user_name}),
            None => json!({"id": null, "name": revision.user_name}),
        };
        items.push(json!({
            "id": revision.id,
            "timestamp": iso_timestamp(revision.timestamp),
            "minor": revision.is_minor(),
            "size": revision.size,
            "comment": revision.comment,
            "user": user,
            "delta": parent_size.map(|p| revision.size - p),
        }));
    }
    let base = format!(
        "page/{}/history",
        crate::upload::repo::wiki_url_encode(&key)
    );
    let mut body = json!({"revisions": items, "latest": rest_url(app, &base)});
    let oldest = revisions.last().map(|r| r.id);
    let newest = revisions.first().map(|r| r.id);
    let has_older = if newer_than.is_some() { true } else { more };
    if has_older && let Some(oldest) = oldest {
        body["older"] = rest_url(app, &format!("{base}?older_than={oldest}")).into();
    }
    let has_newer = older_than.is_some() || (newer_than.is_some() && more);
    if has_newer && let Some(newest) = newest {
        body["newer"] = rest_url(app, &format!("{base}?newer_than={newest}")).into();
    }
    let mut headers = HeaderMap::new();
    if let Some(latest) = revisions.first() {
        headers.insert(header::LAST_MODIFIED, last_modified(latest.timestamp));
    }
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", page.latest)) {
        headers.insert(header::ETAG, etag);
    }
    Ok((headers, body))
}

/// Whether `revision` passes the history's `filter`: minor edits, edits
/// by anonymous users, by users in the `bot` group; `reverted` (edits a
/// later one reverted, known by change tags) lists none, as no tags are
/// recorded.
async fn history_filter(
    app: &AppState,
    filter: Option<&str>,
    revision: &crate::storage::RevisionRow,
) -> Result<bool, RestError> {
    Ok(match filter {
        None => true,
        Some("minor") => revision.is_minor(),
        Some("anonymous") => revision.user_id.is_none(),
        Some("bot") => {
            revision.user_id.is_some()
                && app
                    .accounts
                    .groups_of(&revision.user_name)
                    .await
                    .map_err(|err| {
                        tracing::error!(error = %err, "REST request failed");
                        RestError::internal()
                    })?
                    .iter()
                    .any(|g| g == "bot")
        }
        _ => false,
    })
}

/// The largest size within `(max_width, max_height)` of a `width`×`height`
/// image, never larger than it (`File::getDisplayWidthHeight`).
fn fit(width: i64, height: i64, (max_width, max_height): (i64, i64)) -> (i64, i64) {
    if width <= 0 || height <= 0 {
        return (0, 0);
    }
    if width <= max_width && height <= max_height {
        (width, height)
    } else if width * max_height > max_width * height {
        let scaled = (height * max_width + width / 2) / width;
        (max_width, scaled)
    } else {
        let scaled = (width * max_height + height / 2) / height;
        (scaled, max_height)
    }
}

/// `/v1/file/{title}`: the current version's description, uploader and
/// URLs (preferred: within 800×600; original; thumbnail).
async fn file(app: &AppState, text: &str) -> Answer {
    let title = Title::parse_in(text, title::FILE, app.pages.sitename())
        .filter(|t| t.namespace == title::FILE)
        .ok_or_else(|| RestError::missing_title(text))?;
    let row = app
        .db
        .current_file(&title.db_key)
        .await?
        .ok_or_else(|| RestError::missing_title(text))?;
    let file_page = format!(
        "{}{}/index.php/File:{}",
        app.server,
        app.config.script_path,
        crate::upload::repo::wiki_url_encode(&title.db_key)
    );
    let original_url = absolute(
        app,
        &app.uploads
            .thumbnails()
            .url_for_width(&row, row.width.max(1), None),
    )
    .unwrap_or_default();
    let scaled = |limits: (i64, i64)| -> Value {
        let (width, height) = fit(row.width, row.height, limits);
        let url = if width == 0 || width >= row.width {
            Some(original_url.clone())
        } else {
            absolute(
                app,
                &app.uploads
                    .thumbnails()
                    .url_for_width(&row, width, Some(height)),
            )
        };
        let Some(url) = url else { return Value::Null };
        let same = width == row.width && height == row.height;
        json!({
            "mediatype": row.media_type,
            "size": if same { Some(row.size) } else { None },
            "width": (width > 0).then_some(width),
            "height": (height > 0).then_some(height),
            "duration": null,
            "url": url,
        })
    };
    let body = json!({
        "title": title.name_text(),
        "file_description_url": file_page,
        "latest": {
            "timestamp": iso_timestamp(row.timestamp),
            "user": {"id": row.user_id, "name": row.user_name},
        },
        "preferred": scaled(PREFERRED_LIMITS),
        "original": {
            "mediatype": row.media_type,
            "size": row.size,
            "width": (row.width > 0).then_some(row.width),
            "height": (row.height > 0).then_some(row.height),
            "duration": null,
            "url": original_url,
        },
        "thumbnail": scaled(THUMBNAIL_LIMITS),
    });
    let mut headers = HeaderMap::new();
    headers.insert(header::LAST_MODIFIED, last_modified(row.timestamp));
    let sha1 = crate::pages::hash::sha1_base36(&row.sha1);
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{sha1}\"")) {
        headers.insert(header::ETAG, etag);
    }
    Ok((headers, body))
}

/// A URL the repository gives, made absolute with the server.
fn absolute(app: &AppState, url: &Option<String>) -> Option<String> {
    url.as_ref().map(|url| {
        if url.starts_with('/') && !url.starts_with("//") {
            format!("{}{url}", app.server)
        } else {
            url.clone()
        }
    })
}

/// `/v1/search/title?q=&limit=`: pages of the main namespace whose title
/// begins with `q` (limit 1 to 100, default 50).
async fn search_title(app: &AppState, param: &Query) -> Answer {
    let q = param.get("q").filter(|q| !q.is_empty()).ok_or_else(|| {
        RestError::parameter(
            "q",
            param.get("q"),
            "missingparam",
            Value::Null,
            "The \"q\" parameter must be set.".to_owned(),
        )
    })?;
    let limit = match param.get("limit") {
        None => 50,
        Some(value) => {
            let limit: i64 = value.parse().map_err(|_| {
                RestError::parameter(
                    "limit",
                    Some(value),
                    "badinteger",
                    Value::Null,
                    format!("Invalid value \"{value}\" for integer parameter \"limit\"."),
                )
            })?;
            if !(1..=100).contains(&limit) {
                return Err(RestError::parameter(
                    "limit",
                    Some(value),
                    "outofrange",
                    json!({"min": 1, "curmax": 100, "max": 100, "highmax": 100}),
                    format!(
                        "The value \"{value}\" for parameter \"limit\" must be between 1 and 100."
                    ),
                ));
            }
            limit
        }
    };
    let sitename = app.pages.sitename();
    // The query's title form (first letter upper case, underscores).
    let prefix = Title::parse(&format!("{q}x"), sitename)
        .filter(|t| t.namespace == title::MAIN)
        .and_then(|t| t.db_key.strip_suffix('x').map(str::to_owned));
    let rows = match prefix {
        Some(prefix) => {
            app.db
                .list_pages(&PageListing {
                    namespace: title::MAIN,
                    prefix: Some(prefix),
                    limit,
                    ..PageListing::default()
                })
                .await?
        }
        None => Vec::new(),
    };
    let pages: Vec<Value> = rows
        .iter()
        .map(|row| {
            let title = Title::new(row.namespace, &row.title);
            let text = title.text(sitename);
            json!({
                "id": row.id,
                "key": title.prefixed_db_key(sitename),
                "title": text,
                "excerpt": text,
                "matched_title": null,
                "description": null,
                "thumbnail": null,
            })
        })
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=1200"),
    );
    Ok((headers, json!({"pages": pages})))
}
