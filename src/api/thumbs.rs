//! Serving thumbnails: `images/thumb/...` (rendered on the first request,
//! as MediaWiki's 404 handler does), `thumb.php?f=Name&width=W` (with
//! `p`/`page` and `archived`), and the file-type icons imageinfo points to
//! for files without a handler. Errors are thumb.php's HTML pages, with its
//! statuses and texts.
//!
//! The file is always found through the database; the request path only
//! names it and is checked against the name the rules give.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};

use super::AppState;
use super::files::{lookup, own_stash_entry, quoted, serve};
use crate::media::handler::{Handler, Normalised, ThumbParams};
use crate::media::thumb::{ThumbError, ThumbSource, Transform, params_from_thumb_name};
use crate::storage::FileVersionRow;
use crate::upload::repo::{hash_dirs, raw_url_encode};

/// `thumb.php` and the icons, under the script path. (`images/thumb/` is
/// routed by `files`, whose `images/` route it is part of.)
pub fn router(app: Arc<AppState>) -> axum::Router {
    let base = app.config.script_path.clone();
    axum::Router::new()
        .route(&format!("{base}/thumb.php"), axum::routing::get(thumb_php))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            super::files::private_wiki_gate,
        ))
        // The icons are the software's, not the wiki's: always public.
        .route(
            &format!("{base}/resources/assets/file-type-icons/{{icon}}"),
            axum::routing::get(icon),
        )
        .with_state(app)
}

/// `images/thumb/<h>/<hh>/<Name>/<thumb>` or
/// `images/thumb/archive/<h>/<hh>/<TS>!<Name>/<thumb>` (`rel`: the path
/// after `thumb/`, decoded).
pub(super) async fn thumb_by_path(app: &AppState, rel: &str, request: Request) -> Response {
    let parts: Vec<&str> = rel.split('/').collect();
    let (archived, h, hh, file, thumb_name) = match parts.as_slice() {
        ["archive", h, hh, file, thumb] => (true, *h, *hh, *file, *thumb),
        [h, hh, file, thumb] => (false, *h, *hh, *file, *thumb),
        _ => return not_recognized(),
    };
    let hex = |text: &str, len: usize| {
        text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if !hex(h, 1) || !hex(hh, 2) || !hh.starts_with(h) {
        return not_recognized();
    }
    let version = match find(app, file, archived).await {
        Ok(version) => version,
        Err(response) => return *response,
    };
    let handler = version
        .as_ref()
        .and_then(|row| Handler::for_mime(&row.mime));
    let name_in_path = if archived {
        file.split_once('!').map_or(file, |(_, name)| name)
    } else {
        file
    };
    let Some(params) = params_from_thumb_name(handler, name_in_path, thumb_name) else {
        return not_recognized();
    };
    let Some(row) = version else {
        return source_missing(file);
    };
    let source = ThumbSource::from_row(&row);
    // The name the rules give these parameters must be the one asked for.
    let expected = format!(
        "{}/{}",
        source.thumb_dir(),
        requested_name(&source, &params)
    );
    if expected != rel {
        return thumb_error(&ThumbError {
            status: 404,
            message: format!(
                "The given path of the specified thumbnail is incorrect;\n\t\t\t\texpected '{expected}' but got '{rel}'."
            ),
        });
    }
    stream(app, &source, &params, request).await
}

/// `index.php/Special:UploadStash/thumb/<key>/<thumb>`: a thumbnail of a
/// stashed file, for its owner only.
pub(crate) async fn stashed_thumb(app: &AppState, rest: &str, request: Request) -> Response {
    let Some((key, thumb_name)) = rest.split_once('/') else {
        return not_recognized();
    };
    let entry = match own_stash_entry(app, key, request.headers()).await {
        Ok(entry) => entry,
        Err(response) => return *response,
    };
    let source = ThumbSource::from_stash(&entry);
    let handler = Handler::for_mime(&entry.mime);
    match params_from_thumb_name(handler, key, thumb_name) {
        Some(params) => stream(app, &source, &params, request).await,
        None => not_recognized(),
    }
}

/// The thumbnail name `params` give before normalisation (`File::thumbName`),
/// which is what a URL carries.
fn requested_name(source: &ThumbSource, params: &ThumbParams) -> String {
    let Some(handler) = Handler::for_mime(&source.facts.mime) else {
        return String::new();
    };
    let width = params.width.unwrap_or(0);
    let as_given = Normalised {
        params: params.clone(),
        width,
        height: 0,
        physical_width: width,
        physical_height: 0,
        page: params.page.unwrap_or(1),
    };
    let mut name = format!("{}-{}", handler.make_param_string(&as_given), source.name);
    if let Some(suffix) = handler.thumb_suffix(params) {
        name.push('.');
        name.push_str(suffix);
    }
    name
}

/// The version a thumbnail request names: the current one of `file`, or
/// the old version `file` (`<TS>!<Name>`) when `archived`. An error page
/// when the name cannot be one.
async fn find(
    app: &AppState,
    file: &str,
    archived: bool,
) -> Result<Option<FileVersionRow>, Box<Response>> {
    let file = file.replace(['\\', '/'], "_");
    let found = |name: String, archive: Option<String>| async move {
        let dirs = hash_dirs(&name);
        let (h, hh) = dirs.split_once('/').unwrap_or_default();
        lookup(app, &name, archive.as_deref(), h, hh).await
    };
    if !archived {
        return Ok(found(file, None).await);
    }
    let Some((_, name)) = file.split_once('!') else {
        return Err(Box::new(bad_title()));
    };
    if name.is_empty() {
        return Err(Box::new(bad_title()));
    }
    Ok(found(name.to_owned(), Some(file.clone())).await)
}

/// `thumb.php?f=<Name>&width=<W>` (`w`, `p`/`page`, `archived`).
async fn thumb_php(
    State(app): State<Arc<AppState>>,
    Query(query): Query<Vec<(String, String)>>,
    request: Request,
) -> Response {
    let get = |key: &str| {
        query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let file = get("f").unwrap_or_default();
    let archived = get("archived").is_some_and(|v| !v.is_empty() && v != "0");
    let width = get("w")
        .or(get("width"))
        .map(|w| w.strip_suffix("px").unwrap_or(w));
    let page = get("p").or(get("page"));
    let integer = |text: Option<&str>| text.and_then(|t| t.trim().parse::<i64>().ok());
    let params = ThumbParams {
        width: integer(width),
        page: integer(page),
        lang: get("lang").map(str::to_owned),
        ..ThumbParams::default()
    };
    let version = match find(&app, file, archived).await {
        Ok(version) => version,
        Err(response) => return *response,
    };
    let Some(row) = version else {
        return source_missing(file);
    };
    stream(&app, &ThumbSource::from_row(&row), &params, request).await
}

/// Renders (or finds) the thumbnail and streams it.
async fn stream(
    app: &AppState,
    source: &ThumbSource,
    params: &ThumbParams,
    request: Request,
) -> Response {
    let thumbs = app.uploads.thumbnails();
    let planned = match thumbs.plan(source, params) {
        Transform::Thumb(planned) => planned,
        Transform::Original { .. } => {
            return thumb_error(&ThumbError::creating(
                400,
                "Image was not scaled, is the requested width bigger than the source?",
            ));
        }
        Transform::Icon { .. } => {
            return thumb_error(&ThumbError::creating(
                500,
                "No path supplied in thumbnail object",
            ));
        }
        Transform::Error(error) => return thumb_error(&error),
    };
    let cached = match thumbs.thumbnail(source, &planned).await {
        Ok(cached) => cached,
        Err(error) => {
            if error.status >= 500 {
                tracing::warn!(file = %source.name, thumb = %planned.name, %error, "thumbnail failed");
            }
            return thumb_error(&error);
        }
    };
    let etag = hex::encode(Md5::digest(format!("{}/{}", source.sha1, planned.name)));
    let mut response = serve(cached.path, planned.format.mime(), &quoted(&etag), request).await;
    let headers = response.headers_mut();
    // Old versions never change; a current version's thumbnail changes
    // with the next upload of the name, so it is revalidated daily.
    let cache_control = match source.archive_name {
        _ if source.stashed => "private, max-age=86400",
        Some(_) => "public, max-age=31536000, immutable",
        None => "public, max-age=86400",
    };
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    // `getThumbDisposition`: the file's name, with the thumbnail's extension.
    let mut shown = source.name.clone();
    if let Some(suffix) = planned.handler.thumb_suffix(&planned.normalised.params) {
        shown.push('.');
        shown.push_str(suffix);
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "inline;filename*=UTF-8''{}",
        raw_url_encode(&shown)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A file-type icon: a plain page drawn once, the same for every type.
async fn icon(Path(icon): Path<String>) -> Response {
    static ICON: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    if !(icon.starts_with("fileicon") && icon.ends_with(".png")) {
        return (StatusCode::NOT_FOUND, "Not found.\n").into_response();
    }
    let png = ICON.get_or_init(draw_icon);
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=2592000"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        png.clone(),
    )
        .into_response()
}

/// A 120×120 sheet of paper with a folded corner, grey on transparent.
fn draw_icon() -> Vec<u8> {
    const SIDE: u32 = 120;
    let mut rgba = vec![0u8; (SIDE * SIDE * 4) as usize];
    for y in 0..SIDE {
        for x in 0..SIDE {
            let inside = (24..=96).contains(&x) && (10..=110).contains(&y) && x + 10 <= 96 + y;
            let edge = inside
                && (x == 24
                    || x == 96
                    || y == 10
                    || y == 110
                    || x + 10 == 96 + y
                    || (y < 30 && x == 76));
            let at = ((y * SIDE + x) * 4) as usize;
            if edge {
                rgba[at..at + 4].copy_from_slice(&[110, 110, 110, 255]);
            } else if inside {
                rgba[at..at + 4].copy_from_slice(&[250, 250, 250, 255]);
            }
        }
    }
    let pixels = crate::media::render::Pixels {
        width: SIDE,
        height: SIDE,
        alpha: true,
        data: rgba,
    };
    crate::media::render::encode(&pixels, crate::media::handler::ThumbFormat::Png, 80, None)
        .unwrap_or_default()
}

fn not_recognized() -> Response {
    thumb_error(&ThumbError {
        status: 400,
        message: "The specified thumbnail parameters are not recognized.".to_owned(),
    })
}

fn source_missing(file: &str) -> Response {
    thumb_error(&ThumbError {
        status: 404,
        message: format!("The source file '{file}' does not exist."),
    })
}

fn bad_title() -> Response {
    thumb_error(&ThumbError {
        status: 404,
        message: "The requested page title was invalid, empty, or an incorrectly linked inter-language or inter-wiki title.\nIt may contain one or more characters that cannot be used in titles.".to_owned(),
    })
}

/// `wfThumbError`: the error page, never cached.
fn thumb_error(error: &ThumbError) -> Response {
    let text = error
        .message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!(
        "<!DOCTYPE html>\n<html><head>\n<meta charset=\"UTF-8\" />\n<title>Error generating thumbnail</title>\n</head>\n<body>\n<h1>Error generating thumbnail</h1>\n<p>\n{text}\n</p>\n\n</body>\n</html>\n"
    );
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response();
    if error.status == 503 {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}
