//! Special:UserLogin and Special:UserLogout: plain forms that work
//! without JavaScript, answered by api.php (`action=clientlogin`,
//! `action=logout`) with the browser's own session, so a page's login is
//! the API's login (the same cookies, tokens and throttles).

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Chrome, Visit, article_url, html, message_page, redirect, special_url};
use crate::pages::title::Title;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    action: String,
    token: String,
    username: String,
    returnto: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage {
    chrome: Chrome,
    action: String,
    token: String,
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(key, _)| key == name)
        .map_or("", |(_, value)| value.as_str())
}

/// Where to go after logging in: a page of this wiki (special pages
/// too), by title.
fn return_url(visit: &Visit, returnto: &str) -> String {
    let title = visit
        .app
        .pages
        .title(returnto)
        .unwrap_or_else(|| Title::new(0, "Main_Page"));
    article_url(&visit.app, &title)
}

pub async fn login(
    visit: &mut Visit,
    query: &HashMap<String, String>,
    form: Vec<(String, String)>,
) -> Response {
    let mut username = String::new();
    let mut error = None;
    let returnto = if form.is_empty() {
        query.get("returnto").cloned().unwrap_or_default()
    } else {
        field(&form, "returnto").to_owned()
    };
    if !form.is_empty() {
        username = field(&form, "username").to_owned();
        let target = return_url(visit, &returnto);
        let answer = visit
            .api(&[
                ("action", "clientlogin"),
                ("username", &username),
                ("password", field(&form, "password")),
                ("logintoken", field(&form, "logintoken")),
                ("loginreturnurl", &target),
            ])
            .await;
        let result = &answer["clientlogin"];
        if result["status"] == "PASS" {
            return visit.finish(redirect(StatusCode::SEE_OTHER, &target));
        }
        let reason = result["message"]
            .as_str()
            .or_else(|| answer["error"]["info"].as_str())
            .unwrap_or_default();
        error = Some(match answer["error"]["code"].as_str() {
            Some("badtoken") => super::i18n::text("login-session-lost").to_owned(),
            _ => super::i18n::with("login-failed", &[reason]),
        });
    } else if let Some(name) = visit.user_name() {
        let name = name.to_owned();
        return message_page(
            visit,
            StatusCode::OK,
            super::i18n::text("login-title"),
            &super::i18n::with("login-already", &[&name]),
        );
    }
    let token = visit.token("login").await;
    let page = LoginPage {
        chrome: visit.chrome(super::i18n::text("login-title")),
        action: special_url(&visit.app, "UserLogin"),
        token,
        username,
        returnto,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    visit.finish(html(status, &page))
}

pub async fn logout(visit: &mut Visit, form: Vec<(String, String)>) -> Response {
    if !form.is_empty() {
        let answer = visit
            .api(&[("action", "logout"), ("token", field(&form, "token"))])
            .await;
        if let Some(info) = answer["error"]["info"].as_str() {
            let info = info.to_owned();
            return message_page(
                visit,
                StatusCode::BAD_REQUEST,
                super::i18n::text("logout-title"),
                &info,
            );
        }
        let main = article_url(&visit.app, &Title::new(0, "Main_Page"));
        return visit.finish(redirect(StatusCode::SEE_OTHER, &main));
    }
    let token = visit.token("csrf").await;
    let page = LogoutPage {
        chrome: visit.chrome(super::i18n::text("logout-title")),
        action: special_url(&visit.app, "UserLogout"),
        token,
    };
    visit.finish(html(StatusCode::OK, &page))
}
