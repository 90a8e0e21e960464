//! Serving files over HTTP: originals and old versions under the URLs
//! imageinfo gives (`/images/...`, thumbnails under `images/thumb/` handed
//! to `thumbs`), and stashed files to their owner (for index.php's
//! `Special:UploadStash/file/<key>`, see `web`). `serve` is the one helper
//! that streams a file, for originals and thumbnails alike.
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
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            private_wiki_gate,
        ))
        .with_state(app)
}

/// MediaWiki's `img_auth.php`: on a private wiki (`*` lacks `read`),
/// originals, old versions and thumbnails go only to sessions with `read`,
/// marked so that no shared cache keeps them. A public wiki's files are
/// served without looking at the session.
pub(super) async fn private_wiki_gate(
    State(app): State<Arc<AppState>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let everyone = app.accounts.policy().rights_of(&["*".to_owned()]);
    if everyone.iter().any(|right| right == "read") {
        return next.run(request).await;
    }
    let identity = super::identity_of(&app, request.headers()).await;
    if !identity.is_some_and(|i| i.has_right("read")) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "private")],
            "Access denied: you must log in to read files on this wiki.\n",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

/// `/images/<h>/<hh>/<Name>` and `/images/archive/<h>/<hh>/<TS>!<Name>`.
async fn original(
    State(app): State<Arc<AppState>>,
    Path(path): Path<String>,
    request: Request,
) -> Response {
    if let Some(thumb) = path.strip_prefix("thumb/") {
        return super::thumbs::thumb_by_path(&app, thumb, request).await;
    }
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
    serve(disk, &version.mime, &quoted(&version.sha1), request).await
}

/// An entity tag: `text` in quotes.
pub(super) fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

/// The version a path names, if the hash directories are the right ones.
pub(super) async fn lookup(
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
/// type recorded at upload (or rendered), the entity tag `etag`, and headers
/// that stop browsers from running it.
pub(super) async fn serve(
    disk: std::path::PathBuf,
    mime: &str,
    etag: &str,
    request: Request,
) -> Response {
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
    if let Ok(value) = HeaderValue::from_str(etag) {
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

/// The stash entry `key` of the requesting user, or the refusal to answer.
/// Like Special:UploadStash, it takes the `upload` right (a bot password
/// needs an upload grant).
pub(super) async fn own_stash_entry(
    app: &AppState,
    key: &str,
    headers: &axum::http::HeaderMap,
) -> Result<crate::storage::StashRow, Box<Response>> {
    let identity = super::identity_of(app, headers).await;
    let Some(user) = identity.as_ref().and_then(|i| i.user.as_ref()) else {
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                "You must be logged in to see your stashed files.",
            )
                .into_response(),
        ));
    };
    if !identity.as_ref().is_some_and(|i| i.has_right("upload")) {
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                "You do not have permission to see stashed files (the upload right).",
            )
                .into_response(),
        ));
    }
    app.uploads
        .stash_entry(key, Some(user.id))
        .await
        .map_err(|_| Box::new(not_found()))
}

/// A stashed file, to its owner only (`index.php/Special:UploadStash/file/<key>`).
pub(crate) async fn stashed(app: &AppState, key: &str, request: Request) -> Response {
    match own_stash_entry(app, key, request.headers()).await {
        Ok(entry) => {
            let disk = app.uploads.repo().stash_path(&entry.file_key);
            serve(disk, &entry.mime, &quoted(&entry.sha1), request).await
        }
        Err(response) => *response,
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found.\n").into_response()
}
