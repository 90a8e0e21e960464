//! Files as a gallery and a table: the main page's recent uploads and
//! Special:ListFiles / Special:NewFiles (paged, sorted, filtered by name,
//! user, MIME type and date). The lists come from api.php
//! (`list=allimages`) as the visitor; thumbnails are imageinfo's
//! `thumburl` named by the bytes they show (`super::versioned`), so that a
//! new upload is a new URL and never a cached old picture.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::{Chrome, Visit, article_url, html, i18n, special_url};
use crate::pages::title::{self, Title};
use crate::upload::repo::{raw_url_encode, wiki_url_encode};

/// The width of gallery thumbnails (one of `$wgThumbLimits`' sizes).
const THUMB_WIDTH: i64 = 250;
const PAGE_SIZE: i64 = 48;

/// One file in a gallery or table.
pub struct GalleryItem {
    /// `File:Name`, as the API names it.
    title: String,
    pub name: String,
    pub page_url: String,
    pub thumb_url: String,
    pub timestamp: String,
    pub user: String,
    pub user_url: String,
    pub size: String,
    pub dimensions: String,
    pub mime: String,
    pub comment: String,
}

const LIST_PROPS: &str = "timestamp|user|url|size|dimensions|mime|comment";

impl GalleryItem {
    fn from_api(visit: &Visit, item: &Value) -> GalleryItem {
        let app = &visit.app;
        let name = item["name"].as_str().unwrap_or_default().replace('_', " ");
        let db_key = name.replace(' ', "_");
        let user = item["user"].as_str().unwrap_or_default().to_owned();
        let width = item["width"].as_i64().unwrap_or(0);
        let height = item["height"].as_i64().unwrap_or(0);
        let title = Title::new(title::FILE, &db_key);
        GalleryItem {
            title: title.text(app.pages.sitename()),
            page_url: article_url(app, &title),
            thumb_url: thumb_url(visit, &db_key, THUMB_WIDTH),
            timestamp: item["timestamp"]
                .as_str()
                .unwrap_or_default()
                .replace('T', " ")
                .replace('Z', ""),
            user_url: article_url(app, &Title::new(title::USER, &user.replace(' ', "_"))),
            user,
            size: i18n::size(item["size"].as_i64().unwrap_or(0)),
            dimensions: if width > 0 {
                format!("{width} × {height}")
            } else {
                String::new()
            },
            mime: item["mime"].as_str().unwrap_or_default().to_owned(),
            comment: item["comment"].as_str().unwrap_or_default().to_owned(),
            name,
        }
    }
}

impl GalleryItem {
    /// A file known only by name (a category's member).
    pub fn named(visit: &Visit, title: &Title) -> GalleryItem {
        GalleryItem {
            title: title.text(visit.app.pages.sitename()),
            name: title.name_text(),
            page_url: article_url(&visit.app, title),
            thumb_url: thumb_url(visit, &title.db_key, THUMB_WIDTH),
            timestamp: String::new(),
            user: String::new(),
            user_url: String::new(),
            size: String::new(),
            dimensions: String::new(),
            mime: String::new(),
            comment: String::new(),
        }
    }
}

/// Gives `files` the thumbnails of their current versions; a file
/// without one (the API did not answer) keeps `Special:Redirect`, which
/// leads to it.
pub async fn with_thumbnails(visit: &mut Visit, mut files: Vec<GalleryItem>) -> Vec<GalleryItem> {
    let titles: Vec<String> = files.iter().map(|file| file.title.clone()).collect();
    let thumbs = thumbnails(visit, &titles, THUMB_WIDTH).await;
    for file in &mut files {
        if let Some(url) = thumbs.get(&file.title) {
            file.thumb_url = url.clone();
        }
    }
    files
}

/// The thumbnails `width` pixels wide of the files `titles` (`File:X`),
/// by title, each named by the bytes it shows (`prop=imageinfo` with
/// `iiurlwidth`, 50 titles a request).
pub async fn thumbnails(
    visit: &mut Visit,
    titles: &[String],
    width: i64,
) -> HashMap<String, String> {
    let mut thumbs = HashMap::new();
    let width = width.to_string();
    for batch in titles.chunks(50) {
        let joined = batch.join("|");
        let answer = visit
            .api(&[
                ("action", "query"),
                ("titles", &joined),
                ("prop", "imageinfo"),
                ("iiprop", "url|sha1"),
                ("iiurlwidth", &width),
            ])
            .await;
        for page in answer["query"]["pages"].as_array().into_iter().flatten() {
            let info = &page["imageinfo"][0];
            if let (Some(title), Some(url), Some(sha1)) = (
                page["title"].as_str(),
                info["thumburl"].as_str(),
                info["sha1"].as_str(),
            ) {
                thumbs.insert(title.to_owned(), super::versioned(url, sha1));
            }
        }
    }
    thumbs
}

/// `Special:Redirect/file/X?width=N`: the thumbnail of the current
/// version of `db_key` (its URL unversioned, as MediaWiki's).
pub fn thumb_url(visit: &Visit, db_key: &str, width: i64) -> String {
    format!(
        "{}{}/index.php?title=Special:Redirect/file/{}&width={width}",
        visit.app.server,
        visit.app.config.script_path,
        wiki_url_encode(db_key)
    )
}

/// The newest uploads, newest first (empty when the API refuses).
pub async fn recent(visit: &mut Visit, limit: i64) -> Vec<GalleryItem> {
    newest(visit, None, limit).await
}

/// A user's newest uploads.
pub async fn by_user(visit: &mut Visit, user: &str, limit: i64) -> Vec<GalleryItem> {
    newest(visit, Some(user), limit).await
}

async fn newest(visit: &mut Visit, user: Option<&str>, limit: i64) -> Vec<GalleryItem> {
    let limit = limit.to_string();
    let mut params = vec![
        ("action", "query"),
        ("list", "allimages"),
        ("aisort", "timestamp"),
        ("aidir", "older"),
        ("ailimit", &limit),
        ("aiprop", LIST_PROPS),
    ];
    if let Some(user) = user {
        params.push(("aiuser", user));
    }
    let answer = visit.api(&params).await;
    let files = items(visit, &answer);
    with_thumbnails(visit, files).await
}

fn items(visit: &Visit, answer: &Value) -> Vec<GalleryItem> {
    answer["query"]["allimages"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|item| GalleryItem::from_api(visit, item))
                .collect()
        })
        .unwrap_or_default()
}

/// The filters and paging of Special:ListFiles, as its form sends them.
struct Filters {
    sort: String,
    prefix: String,
    user: String,
    mime: String,
    from: String,
    to: String,
    table: bool,
}

#[derive(Template)]
#[template(path = "listfiles.html")]
struct ListFilesPage {
    chrome: Chrome,
    action: String,
    filters: Filters,
    files: Vec<GalleryItem>,
    error: Option<String>,
    next_url: Option<String>,
    first_url: Option<String>,
    gallery_url: String,
    table_url: String,
}

/// Special:ListFiles (by name unless sorted by date) and Special:NewFiles
/// (newest first).
pub async fn list_files(
    visit: &mut Visit,
    query: &HashMap<String, String>,
    newest_first: bool,
) -> Response {
    let get = |key: &str| query.get(key).map_or("", |v| v.trim()).to_owned();
    let mut filters = Filters {
        sort: get("sort"),
        prefix: get("prefix"),
        user: get("user"),
        mime: get("mime"),
        from: get("from"),
        to: get("to"),
        table: get("view") == "table",
    };
    // The API sorts by date for user and date filters, by name for a prefix.
    if filters.sort.is_empty() {
        filters.sort = if filters.prefix.is_empty()
            && (newest_first
                || !filters.user.is_empty()
                || !filters.from.is_empty()
                || !filters.to.is_empty())
        {
            "timestamp".into()
        } else {
            "name".into()
        };
    }
    let by_date = filters.sort == "timestamp";
    let limit = PAGE_SIZE.to_string();
    let mut params: Vec<(&str, String)> = vec![
        ("action", "query".into()),
        ("list", "allimages".into()),
        ("aisort", filters.sort.clone()),
        ("ailimit", limit),
        ("aiprop", LIST_PROPS.into()),
    ];
    if by_date {
        params.push(("aidir", "older".into()));
    }
    for (key, value) in [
        ("aiprefix", &filters.prefix),
        ("aiuser", &filters.user),
        ("aimime", &filters.mime),
    ] {
        if !value.is_empty() {
            params.push((key, value.clone()));
        }
    }
    // Newest first: the start is the later date (the end of "to"'s day).
    if !filters.to.is_empty() {
        params.push(("aistart", format!("{}T23:59:59Z", filters.to)));
    }
    if !filters.from.is_empty() {
        params.push(("aiend", format!("{}T00:00:00Z", filters.from)));
    }
    let resume = get("continue");
    if !resume.is_empty() {
        params.push(("aicontinue", resume.clone()));
    }
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = visit.api(&borrowed).await;
    let error = answer["error"]["info"]
        .as_str()
        .map(|info| i18n::with("listfiles-error", &[info]));
    let files = items(visit, &answer);
    let files = with_thumbnails(visit, files).await;
    let page_name = if newest_first {
        "NewFiles"
    } else {
        "ListFiles"
    };
    let action = special_url(&visit.app, page_name);
    let url_with = |extra: &[(&str, &str)]| {
        let mut pairs: Vec<(&str, &str)> = vec![("sort", &filters.sort)];
        for (key, value) in [
            ("prefix", &filters.prefix),
            ("user", &filters.user),
            ("mime", &filters.mime),
            ("from", &filters.from),
            ("to", &filters.to),
        ] {
            if !value.is_empty() {
                pairs.push((key, value));
            }
        }
        pairs.extend_from_slice(extra);
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", raw_url_encode(v)))
            .collect();
        format!("{action}?{}", query.join("&"))
    };
    let view = if filters.table { "table" } else { "gallery" };
    let next_url = answer["continue"]["aicontinue"]
        .as_str()
        .map(|next| url_with(&[("view", view), ("continue", next)]));
    let first_url = (!resume.is_empty()).then(|| url_with(&[("view", view)]));
    let gallery_url = url_with(&[("view", "gallery")]);
    let table_url = url_with(&[("view", "table")]);
    let heading = if newest_first {
        "newfiles-title"
    } else {
        "listfiles-title"
    };
    let page = ListFilesPage {
        chrome: visit.chrome(i18n::text(heading)),
        action,
        filters,
        files,
        error,
        next_url,
        first_url,
        gallery_url,
        table_url,
    };
    html(StatusCode::OK, &page)
}
