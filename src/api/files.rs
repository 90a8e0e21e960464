//! Serving files over HTTP: originals and old versions under the URLs
//! imageinfo gives (`/images/...`), stashed files to their owner
//! (`/index.php/Special:UploadStash/file/<key>`), and a plain HTML page per
//! file (`/index.php/File:<Name>`, imageinfo's `descriptionurl`).
//!
//! Only names the database knows are served, at the path the repository
//! layout computes for them; a request path is never used as a file path.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::{AppState, iso_timestamp};
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
        .route(
            &format!("{base}/index.php/{{*title}}"),
            axum::routing::get(wiki_page),
        )
        .with_state(app)
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

/// `index.php/<title>`: a stashed file for its owner, or a file's page.
async fn wiki_page(
    State(app): State<Arc<AppState>>,
    Path(title): Path<String>,
    request: Request,
) -> Response {
    if let Some(key) = title.strip_prefix("Special:UploadStash/file/") {
        return stashed(&app, key, request).await;
    }
    if let Some(rest) = title.strip_prefix("Special:UploadStash/thumb/") {
        return super::thumbs::stashed_thumb(&app, rest, request).await;
    }
    match title.strip_prefix("File:") {
        Some(name) => file_page(&app, name).await,
        None => not_found(),
    }
}

/// The stash entry `key` of the requesting user, or the refusal to answer.
pub(super) async fn own_stash_entry(
    app: &AppState,
    key: &str,
    headers: &axum::http::HeaderMap,
) -> Result<crate::storage::StashRow, Box<Response>> {
    let Some(user) = super::session_user(app, headers).await else {
        return Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                "You must be logged in to see your stashed files.",
            )
                .into_response(),
        ));
    };
    app.uploads
        .stash_entry(key, Some(user))
        .await
        .map_err(|_| Box::new(not_found()))
}

async fn stashed(app: &AppState, key: &str, request: Request) -> Response {
    match own_stash_entry(app, key, request.headers()).await {
        Ok(entry) => {
            let disk = app.uploads.repo().stash_path(&entry.file_key);
            serve(disk, &entry.mime, &quoted(&entry.sha1), request).await
        }
        Err(response) => *response,
    }
}

/// A minimal description page: the file, its description, its history.
async fn file_page(app: &AppState, name: &str) -> Response {
    let name = name.replace(' ', "_");
    let Ok(history) = app.db.file_history(&name, None, None, i64::MAX).await else {
        return not_found();
    };
    let Some(current) = history.first() else {
        return not_found();
    };
    let repo = app.uploads.repo();
    let description = app
        .db
        .page_text(&name)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let title = escape(&name.replace('_', " "));
    let mut rows = String::new();
    for version in &history {
        let url = match &version.archive_name {
            Some(archive) => repo.archive_url(&version.name, archive),
            None => repo.public_url(&version.name),
        };
        rows.push_str(&format!(
            "<tr><td><a href=\"{}\">{}</a></td><td>{}×{}</td><td>{} bytes</td><td>{}</td><td>{}</td></tr>\n",
            escape(&url),
            iso_timestamp(version.timestamp),
            version.width,
            version.height,
            version.size,
            escape(version.user_name.as_deref().unwrap_or_default()),
            escape(&version.comment),
        ));
    }
    let preview = if current.mime.starts_with("image/") && current.mime != "image/svg+xml" {
        format!(
            "<p><img src=\"{}\" alt=\"{title}\" style=\"max-width:800px\"></p>",
            escape(&repo.public_url(&current.name))
        )
    } else {
        format!(
            "<p><a href=\"{}\">{title}</a></p>",
            escape(&repo.public_url(&current.name))
        )
    };
    Html(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>File:{title} - {site}</title></head><body>\
         <h1>File:{title}</h1>{preview}<h2>Description</h2><pre>{description}</pre>\
         <h2>File history</h2><table><tr><th>Date/Time</th><th>Dimensions</th><th>Size</th><th>User</th><th>Comment</th></tr>\n{rows}</table>\
         </body></html>\n",
        site = escape(&app.config.sitename),
        description = escape(&description),
    ))
    .into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found.\n").into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
