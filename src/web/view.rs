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
    thumb_url: Option<String>,
    /// `action=revert&oldimage=...` for an old version.
    revert_url: Option<String>,
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
    /// The image at a screen-friendly size (a thumbnail, or the original
    /// when it is small).
    display_url: String,
    mime: String,
    size: i64,
    size_text: String,
    width: i64,
    height: i64,
    is_image: bool,
    versions: Vec<FileVersion>,
    metadata: Vec<(String, String)>,
}

/// The width of the image on a File page (MediaWiki's default 800).
const FILE_PAGE_WIDTH: i64 = 800;
/// The width of the thumbnails of the file history.
const HISTORY_THUMB_WIDTH: i64 = 120;

/// The links of a page's actions the visitor may use.
struct PageActions {
    edit_url: Option<String>,
    move_url: Option<String>,
    delete_url: Option<String>,
    undelete_url: Option<String>,
    upload_url: Option<String>,
}

impl PageActions {
    fn new(visit: &Visit, title: &Title, exists: bool) -> PageActions {
        let app = &visit.app;
        let url = |right: &str, action: &str| {
            visit
                .has_right(right)
                .then(|| index_url(app, title, &format!("action={action}")))
        };
        let is_file = title.namespace == title::FILE;
        PageActions {
            edit_url: url("edit", "edit"),
            move_url: url("move", "move").filter(|_| exists),
            delete_url: url("delete", "delete").filter(|_| exists),
            undelete_url: url("undelete", "undelete").filter(|_| !exists),
            upload_url: (is_file && exists && visit.has_right("reupload")).then(|| {
                format!(
                    "{}?wpDestFile={}",
                    super::special_url(app, "Upload"),
                    crate::upload::repo::raw_url_encode(&title.name_text())
                )
            }),
        }
    }
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
    /// The revision's wikitext rendered by `action=parse`.
    text_html: String,
    categories: Vec<Link>,
    actions: PageActions,
    /// The pages that use the file (File pages).
    file_usage: Vec<Link>,
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

/// `action=view`: the page (its text rendered by `action=parse`), a File page's file
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
        title::FILE => file_section(visit, &target.title).await?,
        _ => None,
    };
    let revision = shown_revision(app, &target).await?;
    let text_html = rendered_text(visit, revision.as_ref()).await;
    if target.title == Title::new(0, "Main_Page") && target.revision.is_none() {
        return Ok(main_page(visit, text_html).await);
    }
    if target.title.namespace == title::CATEGORY {
        return Ok(category_page(visit, &target.title, &heading, text_html).await);
    }
    if target.title.namespace == title::USER && !target.title.db_key.contains('/') {
        return Ok(user_page(visit, &target.title, &heading, text_html).await);
    }
    if revision.is_none() && file.is_none() {
        return Ok(missing_page(visit, &target.title, &heading));
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
    let file_usage = match &file {
        Some(_) => file_usage(visit, &target.title).await,
        None => Vec::new(),
    };
    let page = PageView {
        chrome,
        file_usage,
        redirected_from,
        old_revision,
        history_url: index_url(app, &target.title, "action=history"),
        raw_url: index_url(app, &target.title, "action=raw"),
        actions: PageActions::new(visit, &target.title, true),
        file,
        text_html,
        categories,
    };
    Ok(html(StatusCode::OK, &page))
}

/// The file of a File page, with its history and metadata.
async fn file_section(visit: &Visit, title: &Title) -> Result<Option<FileSection>, PageError> {
    let app = &*visit.app;
    let history = app
        .db
        .file_history(&title.db_key, None, None, i64::MAX)
        .await?;
    let Some(current) = history.first() else {
        return Ok(None);
    };
    let repo = app.uploads.repo();
    let thumbnails = app.uploads.thumbnails();
    let may_revert = visit.has_right("reupload");
    let versions = history
        .iter()
        .map(|version| FileVersion {
            url: match &version.archive_name {
                Some(archive) => repo.archive_url(&version.name, archive),
                None => repo.public_url(&version.name),
            },
            thumb_url: thumbnails
                .url_for_width(version, HISTORY_THUMB_WIDTH, None)
                .map(|url| super::versioned(&url, &version.sha1)),
            revert_url: version
                .archive_name
                .as_ref()
                .filter(|_| may_revert)
                .map(|archive| {
                    index_url(
                        app,
                        title,
                        &format!(
                            "action=revert&oldimage={}",
                            crate::upload::repo::raw_url_encode(archive)
                        ),
                    )
                }),
            timestamp: iso_timestamp(version.timestamp),
            current: version.archive_name.is_none(),
            width: version.width,
            height: version.height,
            size: version.size,
            user: version.user_name.clone().unwrap_or_default(),
            comment: version.comment.clone(),
        })
        .collect();
    let url = repo.public_url(&current.name);
    Ok(Some(FileSection {
        name: title.name_text(),
        display_url: super::versioned(
            &thumbnails
                .url_for_width(current, FILE_PAGE_WIDTH.min(current.width.max(1)), None)
                .unwrap_or_else(|| url.clone()),
            &current.sha1,
        ),
        url,
        mime: current.mime.clone(),
        size: current.size,
        size_text: super::i18n::size(current.size),
        width: current.width,
        height: current.height,
        // SVG is shown as its rendering, never inline: it could carry scripts.
        is_image: current.mime.starts_with("image/"),
        versions,
        metadata: metadata_rows(&current.metadata),
    }))
}

/// imageinfo's metadata (`[{name, value}, ...]`, values maybe nested) as
/// name/value lines.
fn metadata_rows(json: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(json) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let name = item["name"].as_str()?.to_owned();
            let value = match &item["value"] {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Null => return None,
                other => other.to_string(),
            };
            Some((name, value))
        })
        .collect()
}

/// A page that does not exist: deleted (with undelete for those who may),
/// or never written.
fn missing_page(visit: &Visit, title: &Title, heading: &str) -> Response {
    let actions = PageActions::new(visit, title, false);
    html(
        StatusCode::NOT_FOUND,
        &MissingPage {
            chrome: visit.chrome(heading),
            message: "There is currently no text in this page. It can be created with action=edit of the API, or with the edit form.".to_owned(),
            actions,
        },
    )
}

#[derive(Template)]
#[template(path = "missing_page.html")]
struct MissingPage {
    chrome: Chrome,
    message: String,
    actions: PageActions,
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
    text_html: String,
    files: Vec<super::gallery::GalleryItem>,
}

/// How many recent uploads the main page shows.
const MAIN_PAGE_FILES: i64 = 24;

/// The main page: what the site is, where to go, the newest uploads, and
/// the page's own text when someone wrote one.
async fn main_page(visit: &mut Visit, text_html: String) -> Response {
    let files = super::gallery::recent(visit, MAIN_PAGE_FILES).await;
    let sitename = visit.app.config.sitename.clone();
    let mut chrome = visit.chrome(&sitename);
    chrome.canonical_url = Some(article_url(&visit.app, &Title::new(0, "Main_Page")));
    html(
        StatusCode::OK,
        &MainPage {
            chrome,
            text_html,
            files,
        },
    )
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    chrome: Chrome,
    text_html: String,
    uploads_heading: String,
    no_uploads: String,
    files: Vec<super::gallery::GalleryItem>,
    all_uploads_url: String,
}

/// A user's page: its text, when written, and the user's newest uploads.
async fn user_page(visit: &mut Visit, title: &Title, heading: &str, text_html: String) -> Response {
    let name = title.name_text();
    let files = super::gallery::by_user(visit, &name, MAIN_PAGE_FILES).await;
    let page = UserPage {
        chrome: visit.chrome(heading),
        text_html,
        uploads_heading: super::i18n::with("user-uploads", &[&name]),
        no_uploads: super::i18n::with("user-no-uploads", &[&name]),
        files,
        all_uploads_url: format!(
            "{}?user={}&view=gallery",
            super::special_url(&visit.app, "NewFiles"),
            crate::upload::repo::raw_url_encode(&name)
        ),
    };
    html(StatusCode::OK, &page)
}

/// How many members and users of a file a page lists.
const MEMBER_LIMIT: &str = "200";

/// The pages that show the file (`prop=fileusage`).
async fn file_usage(visit: &mut Visit, title: &Title) -> Vec<Link> {
    let prefixed = title.text(visit.app.pages.sitename());
    let answer = visit
        .api(&[
            ("action", "query"),
            ("prop", "fileusage"),
            ("titles", &prefixed),
            ("fulimit", MEMBER_LIMIT),
        ])
        .await;
    links(visit, &answer["query"]["pages"][0]["fileusage"])
}

/// A revision's wikitext as HTML, rendered by `action=parse` (the safe
/// subset its renderer writes: everything from the text is escaped); empty
/// for no revision.
async fn rendered_text(visit: &mut Visit, revision: Option<&RevisionRow>) -> String {
    let Some(revision) = revision.filter(|r| !r.content.is_empty()) else {
        return String::new();
    };
    let oldid = revision.id.to_string();
    let answer = visit
        .api(&[
            ("action", "parse"),
            ("oldid", &oldid),
            ("prop", "text"),
            ("disablelimitreport", "1"),
        ])
        .await;
    answer["parse"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `[{title}, ...]` of an API answer as links.
fn links(visit: &Visit, list: &serde_json::Value) -> Vec<Link> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let text = item["title"].as_str()?;
                    let title = visit.app.pages.title(text)?;
                    Some(Link {
                        text: text.to_owned(),
                        url: article_url(&visit.app, &title),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage {
    chrome: Chrome,
    text_html: String,
    files: Vec<super::gallery::GalleryItem>,
    pages: Vec<Link>,
}

/// A category: its text, its files as a gallery and its other members
/// (`list=categorymembers`).
async fn category_page(
    visit: &mut Visit,
    title: &Title,
    heading: &str,
    text_html: String,
) -> Response {
    let prefixed = title.text(visit.app.pages.sitename());
    let answer = visit
        .api(&[
            ("action", "query"),
            ("list", "categorymembers"),
            ("cmtitle", &prefixed),
            ("cmlimit", MEMBER_LIMIT),
        ])
        .await;
    let members = links(visit, &answer["query"]["categorymembers"]);
    let (files, pages): (Vec<Link>, Vec<Link>) = members.into_iter().partition(|link| {
        visit
            .app
            .pages
            .title(&link.text)
            .is_some_and(|t| t.namespace == title::FILE)
    });
    let files = files
        .iter()
        .filter_map(|link| visit.app.pages.title(&link.text))
        .map(|title| super::gallery::GalleryItem::named(visit, &title))
        .collect();
    let files = super::gallery::with_thumbnails(visit, files).await;
    let page = CategoryPage {
        chrome: visit.chrome(heading),
        text_html,
        files,
        pages,
    };
    html(StatusCode::OK, &page)
}
