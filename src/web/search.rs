//! Special:Search: files found by name and by description, as MediaWiki's
//! database search shows them (title matches, then text matches), each
//! with its thumbnail. The search is api.php's `list=search` in the File
//! namespace (`srwhat=title`, then `text`), as the visitor; thumbnails
//! come from `prop=imageinfo` for the files found.
//!
//! `Special:Search?search=Q` shows both kinds (the first page of each);
//! `&what=title|text&offset=N` pages through one.

use std::collections::HashMap;

use super::{Chrome, Visit, article_url, html, i18n, special_url};
use crate::pages::title::{self, Title};
use crate::upload::repo::raw_url_encode;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

/// Results of each kind on the page showing both, and on a page of one.
const SECTION_SIZE: i64 = 20;
const PAGE_SIZE: i64 = 50;
/// The width of the results' thumbnails.
const THUMB_WIDTH: i64 = 120;

/// One file found.
struct Hit {
    name: String,
    page_url: String,
    thumb_url: Option<String>,
    /// The description's matching lines: (text, is a match).
    snippet: Vec<(String, bool)>,
    meta: String,
}

/// The results of one kind (names or descriptions).
struct Section {
    /// `title` or `text`.
    what: &'static str,
    heading: &'static str,
    /// "N files".
    total: String,
    hits: Vec<Hit>,
    more_url: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    action: String,
    query: String,
    sections: Vec<Section>,
    error: Option<String>,
}

impl SearchPage {
    fn t(&self, key: &str) -> &'static str {
        i18n::text(key)
    }
}

pub async fn serve(visit: &mut Visit, query: &HashMap<String, String>) -> Response {
    let action = special_url(&visit.app, "Search");
    let text = query
        .get("search")
        .map(|q| q.trim().to_owned())
        .unwrap_or_default();
    let mut page = SearchPage {
        chrome: visit.chrome(i18n::text("search-title")),
        action,
        query: text.clone(),
        sections: Vec::new(),
        error: None,
    };
    if text.is_empty() {
        return visit.finish(html(StatusCode::OK, &page));
    }
    page.chrome = visit.chrome(&i18n::with("search-results-title", &[&text]));
    let (kinds, limit, offset): (&[&str], i64, i64) = match query.get("what").map(String::as_str) {
        Some("title") => (&["title"], PAGE_SIZE, offset_of(query)),
        Some("text") => (&["text"], PAGE_SIZE, offset_of(query)),
        _ => (&["title", "text"], SECTION_SIZE, 0),
    };
    let mut found = Vec::new();
    for &what in kinds {
        match search(visit, &text, what, limit, offset).await {
            Ok(section) => found.push(section),
            Err(error) => {
                page.error = Some(error);
                return visit.finish(html(StatusCode::OK, &page));
            }
        }
    }
    let titles: Vec<String> = found
        .iter()
        .flat_map(|(_, _, _, items)| items.iter().map(|item| item.0.clone()))
        .collect();
    let thumbs = super::gallery::thumbnails(visit, &titles, THUMB_WIDTH).await;
    for (what, total, next, items) in found {
        let hits = items
            .into_iter()
            .map(|(title, snippet, size, timestamp)| {
                let db_key = title
                    .split_once(':')
                    .map_or(title.as_str(), |(_, name)| name)
                    .replace(' ', "_");
                Hit {
                    name: db_key.replace('_', " "),
                    page_url: article_url(&visit.app, &Title::new(title::FILE, &db_key)),
                    thumb_url: thumbs.get(&title).cloned(),
                    snippet: highlighted(&snippet),
                    meta: format!(
                        "{} · {}",
                        i18n::size(size),
                        timestamp.replace('T', " ").replace('Z', "")
                    ),
                }
            })
            .collect();
        let more_url = next.map(|offset| {
            format!(
                "{}?search={}&what={what}&offset={offset}",
                page.action,
                raw_url_encode(&text)
            )
        });
        page.sections.push(Section {
            what,
            heading: i18n::text(if what == "title" {
                "search-section-title"
            } else {
                "search-section-text"
            }),
            total: i18n::with("search-total", &[&total.to_string()]),
            hits,
            more_url,
        });
    }
    visit.finish(html(StatusCode::OK, &page))
}

fn offset_of(query: &HashMap<String, String>) -> i64 {
    query
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0i64)
        .max(0)
}

/// One file found: title, snippet, size, timestamp.
type Item = (String, String, i64, String);

/// `list=search` of one kind in the File namespace: the kind, the total,
/// the next offset, the files; or the API's refusal.
async fn search(
    visit: &mut Visit,
    text: &str,
    what: &'static str,
    limit: i64,
    offset: i64,
) -> Result<(&'static str, i64, Option<i64>, Vec<Item>), String> {
    let (limit, offset) = (limit.to_string(), offset.to_string());
    let answer = visit
        .api(&[
            ("action", "query"),
            ("list", "search"),
            ("srsearch", text),
            ("srnamespace", "6"),
            ("srwhat", what),
            ("srlimit", &limit),
            ("sroffset", &offset),
            ("srprop", "size|timestamp|snippet"),
        ])
        .await;
    let Some(results) = answer["query"]["search"].as_array() else {
        let reason = answer["error"]["info"]
            .as_str()
            .or_else(|| answer["warnings"]["main"]["warnings"].as_str())
            .or_else(|| answer["warnings"]["query"]["warnings"].as_str())
            .unwrap_or_default();
        return Err(i18n::with("search-failed", &[reason]));
    };
    let items = results
        .iter()
        .map(|item| {
            (
                item["title"].as_str().unwrap_or_default().to_owned(),
                item["snippet"].as_str().unwrap_or_default().to_owned(),
                item["size"].as_i64().unwrap_or(0),
                item["timestamp"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    Ok((
        what,
        answer["query"]["searchinfo"]["totalhits"]
            .as_i64()
            .unwrap_or(0),
        answer["continue"]["sroffset"].as_i64(),
        items,
    ))
}

/// A snippet of `list=search` (escaped text, matches in
/// `<span class='searchmatch'>`) as pieces of plain text, each marked
/// whether it is a match; the template escapes them again.
fn highlighted(snippet: &str) -> Vec<(String, bool)> {
    let mut pieces = Vec::new();
    let mut rest = snippet;
    while !rest.is_empty() {
        let (before, after) = match rest
            .find("<span class='searchmatch'>")
            .or_else(|| rest.find("<span class=\"searchmatch\">"))
        {
            Some(at) => (&rest[..at], Some(&rest[at + 26..])),
            None => (rest, None),
        };
        if !before.is_empty() {
            pieces.push((unescape(before), false));
        }
        let Some(after) = after else { break };
        let (hit, next) = after.split_once("</span>").unwrap_or((after, ""));
        pieces.push((unescape(hit), true));
        rest = next;
    }
    pieces
}

/// `htmlspecialchars` undone.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_become_plain_pieces_with_their_matches_marked() {
        assert_eq!(
            highlighted(
                "A &lt;b&gt;<span class='searchmatch'>fox</span>&lt;/b&gt; &amp; a \
                 <span class='searchmatch'>FOX</span>.\n"
            ),
            [
                ("A <b>".to_owned(), false),
                ("fox".to_owned(), true),
                ("</b> & a ".to_owned(), false),
                ("FOX".to_owned(), true),
                (".\n".to_owned(), false),
            ]
        );
        assert!(highlighted("").is_empty());
        assert_eq!(highlighted("no match"), [("no match".to_owned(), false)]);
    }
}
