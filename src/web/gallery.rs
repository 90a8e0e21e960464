//! Files as a gallery and a table: the main page's recent uploads and
//! Special:ListFiles / Special:NewFiles (paged, sorted, filtered by name,
//! user, MIME type and date). The lists come from api.php
//! (`list=allimages`) as the visitor; thumbnails are
//! `Special:Redirect/file/X?width=N`, which leads to the thumbnail.

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
        GalleryItem {
            page_url: article_url(app, &Title::new(title::FILE, &db_key)),
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

/// A thumbnail of the current version of `db_key`, `width` pixels wide.
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
    let limit = limit.to_string();
    let answer = visit
        .api(&[
            ("action", "query"),
            ("list", "allimages"),
            ("aisort", "timestamp"),
            ("aidir", "older"),
            ("ailimit", &limit),
            ("aiprop", LIST_PROPS),
        ])
        .await;
    items(visit, &answer)
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
