//! Special:Upload and the drop area of every page: the uploader
//! (`static/uploader.js`) sends files to api.php in chunks, as the bots
//! do (`stash`, `offset`, `filekey`, then the commit), with progress,
//! pause, retry and resume after a reload. The page only carries its
//! settings and texts, in `data-` attributes (no inline script).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, Visit, html, i18n, message_page};
use crate::api::AppState;

/// Bytes per chunk: small enough for a progress bar to move and a retry
/// to be cheap, large enough that requests do not dominate.
const CHUNK_SIZE: i64 = 1 << 20;

/// What the uploader needs to know of the wiki.
#[derive(Debug, Clone)]
pub struct UploaderSettings {
    pub api_url: String,
    pub chunk_size: i64,
    pub max_size: i64,
    /// "Allowed file types: ... Largest file: ...".
    pub limits_text: String,
    pub extensions: String,
    /// `Special:Redirect/file/` (thumbnails of existing files in warnings).
    pub file_redirect_url: String,
    pub article_base_url: String,
    /// The uploader's texts as JSON.
    pub messages: String,
}

impl UploaderSettings {
    pub fn new(app: &AppState) -> UploaderSettings {
        let max_size = app.config.max_upload_size as i64;
        let base = format!("{}{}/index.php", app.server, app.config.script_path);
        UploaderSettings {
            api_url: app.api_url.clone(),
            chunk_size: CHUNK_SIZE.max(app.config.min_upload_chunk_size as i64),
            max_size,
            limits_text: i18n::with(
                "upload-limits",
                &[
                    &app.config.file_extensions.join(", "),
                    &i18n::size(max_size),
                ],
            ),
            extensions: app.config.file_extensions.join(" "),
            file_redirect_url: format!("{base}?title=Special:Redirect/file/"),
            article_base_url: format!("{base}/"),
            messages: i18n::as_json("upload-"),
        }
    }
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    chrome: Chrome,
}

pub fn serve(visit: &mut Visit) -> Response {
    let title = i18n::text("upload-title");
    let refusal = if !visit.app.config.enable_uploads {
        Some("upload-disabled")
    } else if visit.user_name().is_none() {
        Some("upload-login-needed")
    } else if !visit.has_right("upload") {
        Some("upload-no-right")
    } else {
        None
    };
    if let Some(reason) = refusal {
        return message_page(visit, StatusCode::FORBIDDEN, title, i18n::text(reason));
    }
    let mut chrome = visit.chrome(title);
    chrome.upload_page = true;
    html(StatusCode::OK, &UploadPage { chrome })
}
