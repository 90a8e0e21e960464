//! Special:BotPasswords: a logged-in user lists, creates, changes the
//! grants of, resets and revokes their own bot passwords, as MediaWiki's
//! page of that name does. Every list and change is an api.php request as
//! the visitor (`meta=botpasswords`, `action=botpasswords` with the form's
//! CSRF token), so the API decides who may do what; a new password is
//! shown once, on the answer to the form, and stored only hashed.
//!
//! `Special:BotPasswords` lists them with a field for a new bot's name;
//! `Special:BotPasswords/NAME` is the form of one (create, or update and
//! delete).

use std::collections::HashMap;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::{Chrome, Visit, html, i18n, redirect, special_url};
use crate::auth::rights::GRANTS;

/// MediaWiki's groups of grants (`$wgGrantPermissionGroups`), in the
/// order the form shows them.
const GRANT_GROUPS: &[(&str, &[&str])] = &[
    ("file-interaction", &["uploadfile", "uploadeditmovefile"]),
    (
        "page-interaction",
        &["editpage", "createeditmovepage", "editprotected", "patrol"],
    ),
    ("high-volume", &["highvolume"]),
    ("private-information", &["privateinfo"]),
    (
        "watchlist-interaction",
        &["viewmywatchlist", "editmywatchlist"],
    ),
    ("customization", &["editmycssjs", "editmyoptions"]),
    ("email", &["sendemail"]),
    (
        "administration",
        &[
            "delete",
            "viewdeleted",
            "viewrestrictedlogs",
            "protect",
            "rollback",
            "blockusers",
            "oversight",
            "editinterface",
            "editsiteconfig",
            "createaccount",
            "mergehistory",
            "import",
        ],
    ),
];

/// One existing bot password in the list.
struct Listed {
    name: String,
    url: String,
    grants: String,
    created: String,
}

/// One grant's checkbox.
struct Grant {
    name: &'static str,
    rights: String,
    checked: bool,
}

/// A group of grants (a fieldset).
struct GrantGroup {
    name: &'static str,
    grants: Vec<Grant>,
}

/// What the page shows after a change: what happened, and a new
/// password once.
struct Done {
    message: String,
    username: String,
    password: Option<String>,
}

#[derive(Template)]
#[template(path = "botpasswords.html")]
struct BotPasswordsPage {
    chrome: Chrome,
    list_url: String,
    error: Option<String>,
    /// The list (no bot named).
    listed: Option<Vec<Listed>>,
    /// The form of one bot: its login name (`User@bot`), whether it exists.
    bot: Option<(String, bool)>,
    form_url: String,
    token: String,
    groups: Vec<GrantGroup>,
    done: Option<Done>,
}

impl BotPasswordsPage {
    fn t(&self, key: &str) -> &'static str {
        i18n::text(key)
    }
}

fn sent<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The error an API answer carries, in its own words.
fn api_error(answer: &Value) -> Option<String> {
    answer.get("error").map(|error| {
        error["info"]
            .as_str()
            .unwrap_or("The request failed.")
            .to_owned()
    })
}

fn grant_groups(checked: &[String]) -> Vec<GrantGroup> {
    GRANT_GROUPS
        .iter()
        .map(|(group, names)| GrantGroup {
            name: group,
            grants: names
                .iter()
                .map(|name| Grant {
                    name,
                    rights: GRANTS
                        .iter()
                        .find(|(grant, _)| grant == name)
                        .map(|(_, rights)| rights.join(", "))
                        .unwrap_or_default(),
                    checked: checked.iter().any(|c| c == name),
                })
                .collect(),
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

pub async fn serve(
    visit: &mut Visit,
    sub: String,
    query: &HashMap<String, String>,
    form: Vec<(String, String)>,
) -> Response {
    let app = visit.app.clone();
    let list_url = special_url(&app, "BotPasswords");
    let Some(user) = visit.user_name().map(str::to_owned) else {
        let login = format!(
            "{}?returnto=Special:BotPasswords",
            special_url(&app, "UserLogin")
        );
        return visit.finish(redirect(StatusCode::SEE_OTHER, &login));
    };
    let bot = sub.trim().to_owned();
    if bot.is_empty()
        && let Some(name) = query
            .get("appid")
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
    {
        let url = format!("{list_url}/{}", crate::upload::repo::raw_url_encode(name));
        return visit.finish(redirect(StatusCode::SEE_OTHER, &url));
    }
    let mut page = BotPasswordsPage {
        chrome: visit.chrome(i18n::text("botpasswords-title")),
        list_url: list_url.clone(),
        error: None,
        listed: None,
        bot: None,
        form_url: String::new(),
        token: String::new(),
        groups: Vec::new(),
        done: None,
    };
    let mut status = StatusCode::OK;
    let mut checked: Vec<String> = Vec::new();
    if !form.is_empty() && !bot.is_empty() {
        let operation = sent(&form, "op").unwrap_or_default();
        checked = form
            .iter()
            .filter(|(key, _)| key == "grants")
            .map(|(_, value)| value.clone())
            .collect();
        let grants = checked.join("|");
        let mut params = vec![
            ("action", "botpasswords"),
            ("operation", operation),
            ("appid", bot.as_str()),
            ("token", sent(&form, "token").unwrap_or_default()),
        ];
        if operation != "delete" {
            params.push(("grants", &grants));
        }
        if sent(&form, "resetpassword").is_some() {
            params.push(("resetpassword", "1"));
        }
        let answer = visit.api(&params).await;
        match api_error(&answer) {
            None => {
                let result = &answer["botpasswords"];
                let username = result["username"].as_str().unwrap_or_default().to_owned();
                let (heading, body) = match operation {
                    "create" => ("botpasswords-created", "botpasswords-created-body"),
                    "update" => ("botpasswords-updated", "botpasswords-updated-body"),
                    _ => ("botpasswords-deleted", "botpasswords-deleted-body"),
                };
                page.chrome = visit.chrome(i18n::text(heading));
                page.done = Some(Done {
                    message: i18n::with(body, &[&bot, &user]),
                    username,
                    password: result["password"].as_str().map(String::from),
                });
                return visit.finish(no_store(html(StatusCode::OK, &page)));
            }
            Some(error) => {
                page.error = Some(error);
                status = StatusCode::BAD_REQUEST;
            }
        }
    }
    let answer = visit
        .api(&[("action", "query"), ("meta", "botpasswords")])
        .await;
    if let Some(error) = api_error(&answer) {
        page.error.get_or_insert(error);
        return visit.finish(html(StatusCode::FORBIDDEN, &page));
    }
    let bots = answer["query"]["botpasswords"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if bot.is_empty() {
        page.listed = Some(
            bots.iter()
                .map(|bot| {
                    let name = bot["appid"].as_str().unwrap_or_default().to_owned();
                    let grants = strings(&bot["grants"]);
                    Listed {
                        url: format!("{list_url}/{}", crate::upload::repo::raw_url_encode(&name)),
                        name,
                        grants: if grants.is_empty() {
                            i18n::text("botpasswords-no-grants").to_owned()
                        } else {
                            grants.join(", ")
                        },
                        created: bot["created"]
                            .as_str()
                            .unwrap_or_default()
                            .replace('T', " ")
                            .replace('Z', ""),
                    }
                })
                .collect(),
        );
        return visit.finish(html(status, &page));
    }
    let existing = bots.iter().find(|b| b["appid"] == bot.as_str());
    if form.is_empty()
        && let Some(existing) = existing
    {
        checked = strings(&existing["grants"]);
    }
    page.chrome = visit.chrome(&i18n::with(
        if existing.is_some() {
            "botpasswords-edit-title"
        } else {
            "botpasswords-create-title"
        },
        &[&bot],
    ));
    page.form_url = format!("{list_url}/{}", crate::upload::repo::raw_url_encode(&bot));
    page.token = visit.token("csrf").await;
    page.groups = grant_groups(&checked);
    page.bot = Some((format!("{user}@{bot}"), existing.is_some()));
    visit.finish(html(status, &page))
}

/// A page with a password on it is kept by no cache, not even the
/// browser's history.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::rights::GRANT_NAMES;

    #[test]
    fn every_grant_is_shown_in_exactly_one_group() {
        for name in GRANT_NAMES {
            let groups = GRANT_GROUPS
                .iter()
                .filter(|(_, names)| names.contains(&name))
                .count();
            assert_eq!(groups, 1, "{name}");
        }
        let shown: usize = GRANT_GROUPS.iter().map(|(_, names)| names.len()).sum();
        assert_eq!(shown, GRANT_NAMES.len());
    }

    #[test]
    fn every_grant_group_and_outcome_has_its_text() {
        let keys = GRANT_GROUPS.iter().flat_map(|(group, names)| {
            std::iter::once(format!("grantgroup-{group}"))
                .chain(names.iter().map(|name| format!("grant-{name}")))
        });
        let outcomes = ["created", "updated", "deleted"].into_iter().flat_map(|o| {
            [
                format!("botpasswords-{o}"),
                format!("botpasswords-{o}-body"),
            ]
        });
        for key in keys.chain(outcomes) {
            assert_ne!(i18n::text(&key), "⧼missing message⧽", "{key}");
        }
    }
}
