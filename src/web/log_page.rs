//! Special:Log: uploads, deletions, moves (and the other logs), newest
//! first, filtered by type and user, paged; from api.php's
//! `list=logevents` as the visitor.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::{Chrome, Visit, article_url, html, i18n, special_url};
use crate::pages::title::{self, Title};
use crate::upload::repo::raw_url_encode;

const PAGE_SIZE: &str = "50";

/// The log types the filter offers, with their message keys.
const TYPES: &[(&str, &str)] = &[
    ("", "log-type-all"),
    ("upload", "log-type-upload"),
    ("delete", "log-type-delete"),
    ("move", "log-type-move"),
    ("create", "log-type-create"),
];

struct LogLine {
    timestamp: String,
    user: String,
    user_url: String,
    /// "uploaded", "deleted", ...
    action: String,
    page: String,
    page_url: String,
    /// A move's new name.
    target: Option<(String, String)>,
    comment: String,
}

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    chrome: Chrome,
    action: String,
    types: Vec<(&'static str, &'static str, bool)>,
    user: String,
    lines: Vec<LogLine>,
    error: Option<String>,
    next_url: Option<String>,
}

pub async fn serve(visit: &mut Visit, query: &HashMap<String, String>) -> Response {
    let get = |key: &str| query.get(key).map_or("", |v| v.trim()).to_owned();
    let (kind, user, resume) = (get("type"), get("user"), get("continue"));
    let mut params = vec![
        ("action", "query"),
        ("list", "logevents"),
        ("leprop", "ids|title|type|user|timestamp|comment|details"),
        ("lelimit", PAGE_SIZE),
    ];
    for (key, value) in [
        ("letype", &kind),
        ("leuser", &user),
        ("lecontinue", &resume),
    ] {
        if !value.is_empty() {
            params.push((key, value));
        }
    }
    let answer = visit.api(&params).await;
    let error = answer["error"]["info"]
        .as_str()
        .map(|info| i18n::with("listfiles-error", &[info]));
    let lines = answer["query"]["logevents"]
        .as_array()
        .map(|events| events.iter().map(|event| line(visit, event)).collect())
        .unwrap_or_default();
    let action = special_url(&visit.app, "Log");
    let next_url = answer["continue"]["lecontinue"].as_str().map(|next| {
        format!(
            "{action}?type={}&user={}&continue={}",
            raw_url_encode(&kind),
            raw_url_encode(&user),
            raw_url_encode(next)
        )
    });
    let page = LogPage {
        chrome: visit.chrome(i18n::text("log-title")),
        action,
        types: TYPES
            .iter()
            .map(|(value, label)| (*value, *label, *value == kind))
            .collect(),
        user,
        lines,
        error,
        next_url,
    };
    html(StatusCode::OK, &page)
}

fn line(visit: &Visit, event: &Value) -> LogLine {
    let app = &visit.app;
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let link = |prefixed: &str| {
        let title = app
            .pages
            .title(prefixed)
            .unwrap_or_else(|| Title::new(0, "Main_Page"));
        (prefixed.to_owned(), article_url(app, &title))
    };
    let user = text(&event["user"]);
    let (page, page_url) = link(&text(&event["title"]));
    let key = format!(
        "log-action-{}-{}",
        text(&event["type"]),
        text(&event["action"])
    );
    let action = match i18n::text(&key) {
        missing if missing.starts_with('⧼') => {
            format!("{}/{}", text(&event["type"]), text(&event["action"]))
        }
        words => words.to_owned(),
    };
    LogLine {
        timestamp: text(&event["timestamp"]).replace('T', " ").replace('Z', ""),
        user_url: article_url(app, &Title::new(title::USER, &user.replace(' ', "_"))),
        user,
        action,
        page,
        page_url,
        target: event["params"]["target_title"].as_str().map(link),
        comment: text(&event["comment"]),
    }
}
