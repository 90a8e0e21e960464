//! Serving files over HTTP: originals and old versions under the URLs
//! imageinfo gives (`/images/...`), and stashed files to their owner (for
//! index.php's `Special:UploadStash/file/<key>`, see `web`).
//!
//! Only names the database knows are served, at the path the repository
//! layout computes for them; a request path is never used as a file path.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::AppState;
use crate::storage::FileVersionRow;
use crate::upload::repo::hash_dirs;

/// The routes for files, under the script path.
pub fn router(app: Arc<AppState>) -> axum::Router {
    let base = app.config.script_path.clone();
    axum::Router::new()
        .route(
            &format!("{base}/images/{{*path}}"),
            axum::routing::get(original),
        )
        .with_state(app)
}

/// `/images/<h>/<hh>/<Name>` and `/images/archive/<h>/<hh>/<TS>!<Name>`.
async fn original(
    State(app): State<Arc<AppState>>,
    Path(path): Path<String>,
    request: Request,
) -> Response {
    let parts: Vec<&str> = path.split('/').collect();
    let found = match parts.as_slice() {
        ["archive", h, hh, archive_name] => {
            let name = archive_name
                .split_once('!')
                .map(|(_, n)| n)
                .unwrap_or_default();
            lookup(&app, name, Some(archive_name), h, hh).await
        }
        [h, hh, name] => lookup(&app, name, None, h, hh).await,
        _ => None,
    };
    let Some(version) = found else {
        return not_found();
    };
    let repo = app.uploads.repo();
    let disk = match &version.archive_name {
        Some(archive) => repo.archive_path(&version.name, archive),
        None => repo.public_path(&version.name),
    };
    serve(disk, &version.mime, &version.sha1, request).await
}

/// The version a path names, if the hash directories are the right ones.
async fn lookup(
    app: &AppState,
    name: &str,
    archive_name: Option<&str>,
    h: &str,
    hh: &str,
) -> Option<FileVersionRow> {
    if hash_dirs(name) != format!("{h}/{hh}") {
        return None;
    }
    let history = app.db.file_history(name, None, None, i64::MAX).await.ok()?;
    history
        .into_iter()
        .find(|v| v.archive_name.as_deref() == archive_name)
}

/// Streams a file with range and conditional-request support, the content
/// type recorded at upload, and headers that stop browsers from running it.
async fn serve(disk: std::path::PathBuf, mime: &str, sha1: &str, request: Request) -> Response {
    let etag = format!("\"{sha1}\"");
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match ServeFile::new(&disk).oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(_) => return not_found(),
        }
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    response
}

/// A stashed file, to its owner only (`index.php/Special:UploadStash/file/<key>`).
pub(crate) async fn stashed(app: &AppState, key: &str, request: Request) -> Response {
    let user = match super::session_user(app, request.headers()).await {
        Some(user) => user,
        None => {
            return (
                StatusCode::FORBIDDEN,
                "You must be logged in to see your stashed files.",
            )
                .into_response();
        }
    };
    match app.uploads.stash_entry(key, Some(user)).await {
        Ok(entry) => {
            let disk = app.uploads.repo().stash_path(&entry.file_key);
            serve(disk, &entry.mime, &entry.sha1, request).await
        }
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found.\n").into_response()
}
