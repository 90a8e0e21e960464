//! A page of the wiki: shown (`action=view`, following a redirect unless
//! `redirect=no`; a File page with its file and history), its wikitext
//! (`action=raw`), its history (`action=history`); by title, `curid` or
//! `oldid`.

use std::collections::HashMap;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, Chrome, Visit, article_url, html, index_url, message_page};
use crate::api::iso_timestamp;
use crate::pages::PageError;
use crate::pages::title::{self, Title};
use crate::storage::{PageRow, RevisionListing, RevisionRow};

/// How many revisions `action=history` lists unless `limit` says.
const HISTORY_LIMIT: i64 = 50;

/// A link shown on a page.
struct Link {
    text: String,
    url: String,
}

struct FileVersion {
    url: String,
    timestamp: String,
    current: bool,
    width: i64,
    height: i64,
    size: i64,
    user: String,
    comment: String,
}

struct FileSection {
    name: String,
    url: String,
    mime: String,
    size: i64,
    width: i64,
    height: i64,
    is_image: bool,
    versions: Vec<FileVersion>,
}

struct OldRevision {
    timestamp: String,
    user: String,
}

#[derive(Template)]
#[template(path = "page.html")]
struct PageView {
    chrome: Chrome,
    redirected_from: Option<Link>,
    old_revision: Option<OldRevision>,
    history_url: String,
    raw_url: String,
    file: Option<FileSection>,
    text: String,
    categories: Vec<Link>,
}

struct HistoryLine {
    url: String,
    timestamp: String,
    user: String,
    size: i64,
    minor: bool,
    comment: String,
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryView {
    chrome: Chrome,
    page_url: String,
    revisions: Vec<HistoryLine>,
}

/// What a request names: a page (maybe missing), maybe one revision.
struct Target {
    title: Title,
    page: Option<PageRow>,
    revision: Option<RevisionRow>,
}

pub async fn serve(
    visit: &mut Visit,
    title: Option<&str>,
    query: &HashMap<String, String>,
) -> Result<Response, PageError> {
    let app = &visit.app.clone();
    let action = query.get("action").map_or("view", String::as_str);
    let Some(target) = target(app, title, query).await? else {
        return Ok(match action {
            "raw" => raw_response(StatusCode::NOT_FOUND, "", None),
            _ => message_page(
                visit,
                StatusCode::NOT_FOUND,
                "Bad title",
                "The requested page title is empty or invalid, or names no page or revision.",
            ),
        });
    };
    match action {
        "raw" => raw(app, target).await,
        "history" => history(visit, target, query).await,
        "view" => {
            view(
                visit,
                target,
                query.get("redirect").map(String::as_str) != Some("no"),
            )
            .await
        }
        other => Ok(message_page(
            visit,
            StatusCode::BAD_REQUEST,
            "No such action",
            &format!(
                "The action \"{other}\" is not available here; pages are edited through the API."
            ),
        )),
    }
}

async fn target(
    app: &AppState,
    title: Option<&str>,
    query: &HashMap<String, String>,
) -> Result<Option<Target>, PageError> {
    let pages = &app.pages;
    if let Some(id) = query.get("oldid").and_then(|v| v.parse::<i64>().ok())
        && id > 0
    {
        let Some(revision) = app.db.revision(id).await? else {
            return Ok(None);
        };
        let Some(page) = pages.page_by_id(revision.page_id).await? else {
            return Ok(None);
        };
        return Ok(Some(Target {
            title: Title::new(page.namespace, &page.title),
            page: Some(page),
            revision: Some(revision),
        }));
    }
    if let Some(id) = query.get("curid").and_then(|v| v.parse::<i64>().ok()) {
        let Some(page) = pages.page_by_id(id).await? else {
            return Ok(None);
        };
        return Ok(Some(Target {
            title: Title::new(page.namespace, &page.title),
            page: Some(page),
            revision: None,
        }));
    }
    let Some(title) = title.and_then(|t| pages.title(t)).filter(Title::can_exist) else {
        return Ok(None);
    };
    let page = pages.page(&title).await?;
    Ok(Some(Target {
        title,
        page,
        revision: None,
    }))
}

/// The revision to show: the one asked for, else the latest.
async fn shown_revision(app: &AppState, target: &Target) -> Result<Option<RevisionRow>, PageError> {
    match (&target.revision, &target.page) {
        (Some(revision), _) => Ok(Some(revision.clone())),
        (None, Some(page)) => Ok(app.db.revision(page.latest).await?),
        (None, None) => Ok(None),
    }
}

/// `action=raw`: the wikitext, as MediaWiki serves it.
async fn raw(app: &AppState, target: Target) -> Result<Response, PageError> {
    Ok(match shown_revision(app, &target).await? {
        Some(revision) => raw_response(StatusCode::OK, &revision.content, Some(revision.timestamp)),
        None => raw_response(StatusCode::NOT_FOUND, "", None),
    })
}

fn raw_response(status: StatusCode, text: &str, modified: Option<i64>) -> Response {
    let mut response = (
        status,
        [
            (header::CONTENT_TYPE, "text/x-wiki; charset=UTF-8"),
            (header::CACHE_CONTROL, "private, must-revalidate, max-age=0"),
            (header::VARY, "Accept-Encoding, Cookie"),
        ],
        text.to_owned(),
    )
        .into_response();
    if let Some(value) = modified.and_then(|t| HeaderValue::from_str(&http_date(t)).ok()) {
        response.headers_mut().insert(header::LAST_MODIFIED, value);
    }
    response
}

/// An HTTP date (`Sat, 05 Dec 2026 22:28:38 GMT`).
fn http_date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// `action=view`: the page (its text plain for now), a File page's file
/// and history, its categories.
async fn view(visit: &mut Visit, mut target: Target, follow: bool) -> Result<Response, PageError> {
    let app = &visit.app.clone();
    let sitename = app.pages.sitename().to_owned();
    let mut redirected_from = None;
    if follow
        && target.revision.is_none()
        && let Some(page) = target.page.as_ref().filter(|p| p.is_redirect())
        && let Some((namespace, db_key, _)) = app.db.redirect_target(page.id).await?
    {
        let to = Title::new(namespace, &db_key);
        redirected_from = Some(Link {
            text: target.title.text(&sitename),
            url: article_url(app, &target.title),
        });
        target = Target {
            page: app.pages.page(&to).await?,
            title: to,
            revision: None,
        };
    }
    let heading = target.title.text(&sitename);
    let file = match target.title.namespace {
        title::FILE => file_section(app, &target.title).await?,
        _ => None,
    };
    let revision = shown_revision(app, &target).await?;
    if target.title == Title::new(0, "Main_Page") && target.revision.is_none() {
        return Ok(main_page(visit, revision.map(|r| r.content).unwrap_or_default()).await);
    }
    if revision.is_none() && file.is_none() {
        return Ok(message_page(
            visit,
            StatusCode::NOT_FOUND,
            &heading,
            "There is currently no text in this page. It can be created with action=edit of the API.",
        ));
    }
    let categories = match &target.page {
        Some(page) => app
            .db
            .page_links(page.id)
            .await?
            .categories
            .into_keys()
            .map(|category| {
                let title = Title::new(title::CATEGORY, &category);
                Link {
                    text: title.name_text(),
                    url: article_url(app, &title),
                }
            })
            .collect(),
        None => Vec::new(),
    };
    let mut chrome = visit.chrome(&heading);
    chrome.canonical_url = Some(article_url(app, &target.title));
    let old_revision = target.revision.as_ref().map(|r| OldRevision {
        timestamp: iso_timestamp(r.timestamp),
        user: r.user_name.clone(),
    });
    let page = PageView {
        chrome,
        redirected_from,
        old_revision,
        history_url: index_url(app, &target.title, "action=history"),
        raw_url: index_url(app, &target.title, "action=raw"),
        file,
        text: revision.map(|r| r.content).unwrap_or_default(),
        categories,
    };
    Ok(html(StatusCode::OK, &page))
}

/// The file of a File page, with its history.
async fn file_section(app: &AppState, title: &Title) -> Result<Option<FileSection>, PageError> {
    let history = app
        .db
        .file_history(&title.db_key, None, None, i64::MAX)
        .await?;
    let Some(current) = history.first() else {
        return Ok(None);
    };
    let repo = app.uploads.repo();
    let versions = history
        .iter()
        .map(|version| FileVersion {
            url: match &version.archive_name {
                Some(archive) => repo.archive_url(&version.name, archive),
                None => repo.public_url(&version.name),
            },
            timestamp: iso_timestamp(version.timestamp),
            current: version.archive_name.is_none(),
            width: version.width,
            height: version.height,
            size: version.size,
            user: version.user_name.clone().unwrap_or_default(),
            comment: version.comment.clone(),
        })
        .collect();
    Ok(Some(FileSection {
        name: title.name_text(),
        url: repo.public_url(&current.name),
        mime: current.mime.clone(),
        size: current.size,
        width: current.width,
        height: current.height,
        // SVG is not shown inline: it could carry scripts into the page.
        is_image: current.mime.starts_with("image/") && current.mime != "image/svg+xml",
        versions,
    }))
}

/// `action=history`: the page's revisions, newest first.
async fn history(
    visit: &Visit,
    target: Target,
    query: &HashMap<String, String>,
) -> Result<Response, PageError> {
    let app = &*visit.app;
    let sitename = app.pages.sitename().to_owned();
    let heading = target.title.text(&sitename);
    let Some(page) = &target.page else {
        return Ok(message_page(
            visit,
            StatusCode::NOT_FOUND,
            &heading,
            "There is no revision history for this page.",
        ));
    };
    let limit = query
        .get("limit")
        .and_then(|v| v.parse::<i64>().ok())
        .map_or(HISTORY_LIMIT, |l| l.clamp(1, 500));
    let listing = RevisionListing {
        page_id: page.id,
        limit,
        ..RevisionListing::default()
    };
    let revisions = app
        .db
        .list_revisions(&listing)
        .await?
        .into_iter()
        .map(|revision| HistoryLine {
            url: index_url(app, &target.title, &format!("oldid={}", revision.id)),
            timestamp: iso_timestamp(revision.timestamp),
            user: revision.user_name.clone(),
            size: revision.size,
            minor: revision.is_minor(),
            comment: revision.comment,
        })
        .collect();
    let view = HistoryView {
        chrome: visit.chrome(&heading),
        page_url: article_url(app, &target.title),
        revisions,
    };
    Ok(html(StatusCode::OK, &view))
}

#[derive(Template)]
#[template(path = "main.html")]
struct MainPage {
    chrome: Chrome,
    text: String,
    files: Vec<super::gallery::GalleryItem>,
}

/// How many recent uploads the main page shows.
const MAIN_PAGE_FILES: i64 = 24;

/// The main page: what the site is, where to go, the newest uploads, and
/// the page's own text when someone wrote one.
async fn main_page(visit: &mut Visit, text: String) -> Response {
    let files = super::gallery::recent(visit, MAIN_PAGE_FILES).await;
    let sitename = visit.app.config.sitename.clone();
    let mut chrome = visit.chrome(&sitename);
    chrome.canonical_url = Some(article_url(&visit.app, &Title::new(0, "Main_Page")));
    html(
        StatusCode::OK,
        &MainPage {
            chrome,
            text,
            files,
        },
    )
}
