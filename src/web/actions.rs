//! What a page's forms change: `action=edit`, `delete`, `move`, `revert`
//! (a file's old version) and `undelete` on `index.php?title=X`. A GET
//! shows the form (with a CSRF token); its POST is one api.php request
//! as the visitor (`edit`, `delete`, `move`, `filerevert`, `undelete`),
//! whose refusal is shown as the API words it. No right is checked here:
//! the API checks them all.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::{Chrome, Visit, article_url, html, i18n, index_url, redirect};
use crate::pages::title::Title;

/// The page actions index.php has forms for.
pub const ACTIONS: &[&str] = &["edit", "delete", "move", "revert", "undelete"];

/// One field of an action's form.
struct Field {
    name: &'static str,
    label: &'static str,
    value: String,
    /// `text`, `textarea` or `hidden`.
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "action.html")]
struct ActionPage {
    chrome: Chrome,
    intro: String,
    action_url: String,
    page_url: String,
    token: String,
    fields: Vec<Field>,
    submit: &'static str,
    /// The edit form's preview button.
    preview_button: bool,
    preview: Option<String>,
    error: Option<String>,
}

fn field_value<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

pub async fn serve(
    visit: &mut Visit,
    title: Title,
    action: &str,
    query: &HashMap<String, String>,
    form: Vec<(String, String)>,
) -> Response {
    let app = visit.app.clone();
    let sitename = app.pages.sitename().to_owned();
    let prefixed = title.text(&sitename);
    let name = title.name_text();
    let sent = |field: &str| field_value(&form, field).map(str::to_owned);
    let old_image = sent("oldimage").or_else(|| query.get("oldimage").cloned());
    let mut error = None;
    let mut preview = None;
    if !form.is_empty() {
        let token = sent("token").unwrap_or_default();
        let reason = sent("reason").unwrap_or_default();
        if action == "edit" && sent("preview").is_some() {
            preview = sent("text");
        } else {
            let target = sent("target").unwrap_or_default();
            let text = sent("text").unwrap_or_default();
            let summary = sent("summary").unwrap_or_default();
            let base = sent("basetimestamp").unwrap_or_default();
            let archive = old_image.clone().unwrap_or_default();
            let mut params: Vec<(&str, &str)> = match action {
                "edit" => vec![
                    ("action", "edit"),
                    ("title", &prefixed),
                    ("text", &text),
                    ("summary", &summary),
                ],
                "delete" => vec![
                    ("action", "delete"),
                    ("title", &prefixed),
                    ("reason", &reason),
                ],
                "move" => vec![
                    ("action", "move"),
                    ("from", &prefixed),
                    ("to", &target),
                    ("reason", &reason),
                ],
                "revert" => vec![
                    ("action", "filerevert"),
                    ("filename", &name),
                    ("archivename", &archive),
                    ("comment", &reason),
                ],
                _ => vec![
                    ("action", "undelete"),
                    ("title", &prefixed),
                    ("reason", &reason),
                ],
            };
            if action == "edit" && !base.is_empty() {
                params.push(("basetimestamp", &base));
            }
            params.push(("token", &token));
            let answer = visit.api(&params).await;
            match answer.get("error") {
                None => {
                    let shown = match action {
                        "move" => answer["move"]["to"]
                            .as_str()
                            .and_then(|to| app.pages.title(to))
                            .unwrap_or(title.clone()),
                        _ => title.clone(),
                    };
                    return redirect(StatusCode::SEE_OTHER, &article_url(&app, &shown));
                }
                Some(refusal) => error = Some(api_error_text(refusal)),
            }
        }
    }
    let token = visit.token("csrf").await;
    let mut fields = Vec::new();
    let reason_field = |label| Field {
        name: "reason",
        label,
        value: sent("reason").unwrap_or_default(),
        kind: "text",
    };
    let (heading, intro, submit) = match action {
        "edit" => {
            let (text, base) = current_text(visit, &title).await;
            fields.push(Field {
                name: "text",
                label: "action-edit-text",
                value: sent("text").unwrap_or(text),
                kind: "textarea",
            });
            fields.push(Field {
                name: "summary",
                label: "action-edit-summary",
                value: sent("summary").unwrap_or_default(),
                kind: "text",
            });
            fields.push(Field {
                name: "basetimestamp",
                label: "",
                value: sent("basetimestamp").unwrap_or(base),
                kind: "hidden",
            });
            (
                "action-edit-title",
                "action-edit-intro",
                "action-edit-submit",
            )
        }
        "delete" => {
            fields.push(reason_field("action-reason"));
            (
                "action-delete-title",
                "action-delete-intro",
                "action-delete-submit",
            )
        }
        "move" => {
            fields.push(Field {
                name: "target",
                label: "action-move-target",
                value: sent("target").unwrap_or_else(|| prefixed.clone()),
                kind: "text",
            });
            fields.push(reason_field("action-reason"));
            (
                "action-move-title",
                "action-move-intro",
                "action-move-submit",
            )
        }
        "revert" => {
            fields.push(Field {
                name: "oldimage",
                label: "",
                value: old_image.clone().unwrap_or_default(),
                kind: "hidden",
            });
            fields.push(reason_field("action-reason"));
            (
                "action-revert-title",
                "action-revert-intro",
                "action-revert-submit",
            )
        }
        _ => {
            fields.push(reason_field("action-reason"));
            (
                "action-undelete-title",
                "action-undelete-intro",
                "action-undelete-submit",
            )
        }
    };
    let page = ActionPage {
        chrome: visit.chrome(&i18n::with(heading, &[&prefixed])),
        intro: i18n::with(intro, &[&prefixed]),
        action_url: index_url(&app, &title, &format!("action={action}")),
        page_url: article_url(&app, &title),
        token,
        fields,
        submit,
        preview_button: action == "edit",
        preview,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(status, &page)
}

/// The page's latest text and the timestamp an edit is based on.
async fn current_text(visit: &mut Visit, title: &Title) -> (String, String) {
    let prefixed = title.text(visit.app.pages.sitename());
    let answer = visit
        .api(&[
            ("action", "query"),
            ("prop", "revisions"),
            ("titles", &prefixed),
            ("rvprop", "content|timestamp"),
            ("rvslots", "main"),
        ])
        .await;
    let revision = &answer["query"]["pages"][0]["revisions"][0];
    let text = revision["slots"]["main"]["content"]
        .as_str()
        .unwrap_or_default();
    let timestamp = revision["timestamp"].as_str().unwrap_or_default();
    (text.to_owned(), timestamp.to_owned())
}

/// An API refusal in words: its own text, and what to do for the usual ones.
fn api_error_text(error: &Value) -> String {
    let info = error["info"].as_str().unwrap_or_default();
    match error["code"].as_str() {
        Some("badtoken") => i18n::text("action-error-badtoken").to_owned(),
        Some(code) if code.starts_with("permissiondenied") || code == "protectedpage" => {
            i18n::with("action-error-rights", &[info])
        }
        _ => i18n::with("action-error", &[info]),
    }
}
