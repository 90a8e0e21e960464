//! The stylesheet and the uploader's script, compiled into the binary and
//! served from `{script_path}/static/`; their URLs carry a hash of their
//! content, so browsers may keep them for a year.

use std::sync::Arc;
use std::sync::LazyLock;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha1::{Digest, Sha1};

use crate::api::AppState;

/// (name, content type, content).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "wikiupload.css",
        "text/css; charset=utf-8",
        include_str!("../../static/wikiupload.css"),
    ),
    (
        "uploader.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/uploader.js"),
    ),
];

/// The first hex digits of each asset's SHA-1, in `ASSETS`' order.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(_, _, content)| hex::encode(&Sha1::digest(content.as_bytes())[..6]))
        .collect()
});

/// The URL of the asset `name`, with its version.
pub fn url(app: &AppState, name: &str) -> String {
    let version = ASSETS
        .iter()
        .position(|(n, _, _)| *n == name)
        .map_or("", |i| VERSIONS[i].as_str());
    format!(
        "{}{}/static/{name}?v={version}",
        app.server, app.config.script_path
    )
}

pub async fn serve(State(_app): State<Arc<AppState>>, Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, content)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *content,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "No such file.\n").into_response(),
    }
}
