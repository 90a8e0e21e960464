//! The special pages clients use to reach files: `Special:FilePath/X`
//! (302 to `Special:Redirect/file/X`), `Special:Redirect/file/X` (301 to
//! the file, or with `width`/`height` to its thumbnail), and
//! `Special:UploadStash/file/K` and `.../thumb/K/<thumb>` (a stashed file
//! and its thumbnails, for its owner); which module serves the special
//! pages of the web UI (login, upload, file lists, logs).

use std::collections::HashMap;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;

use super::{AppState, Visit, message_page, redirect};
use crate::pages::title::{self, Title};

/// A special page named by a request.
pub enum Special {
    FilePath(String),
    RedirectFile(String),
    UploadStashFile(String),
    /// `<key>/<thumb name>`.
    UploadStashThumb(String),
    UserLogin,
    UserLogout,
    Upload,
    /// Special:ListFiles (`false`) or Special:NewFiles (`true`).
    ListFiles {
        newest_first: bool,
    },
    Log,
    /// Special:BotPasswords, or with a bot's name its form.
    BotPasswords(String),
    Unknown(String),
}

/// Reads `Special:Name/sub` from a title; None when it is no special page.
pub fn parse(text: &str, app: &AppState) -> Option<Special> {
    let title =
        Title::parse(text, app.pages.sitename()).filter(|t| t.namespace == title::SPECIAL)?;
    // The name is before the first slash; what follows keeps its form.
    let raw_rest = text.split_once(':').map_or("", |(_, rest)| rest);
    let (_, sub) = raw_rest.split_once('/').unwrap_or((raw_rest, ""));
    let name = title
        .db_key
        .split('/')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    Some(match (name.as_str(), sub) {
        ("filepath", file) => Special::FilePath(file.to_owned()),
        ("redirect", sub) => match sub.split_once('/') {
            Some(("file", file)) => Special::RedirectFile(file.to_owned()),
            _ => Special::Unknown(title.db_key.clone()),
        },
        ("uploadstash", sub) => match sub.split_once('/') {
            Some(("file", key)) => Special::UploadStashFile(key.to_owned()),
            Some(("thumb", rest)) => Special::UploadStashThumb(rest.to_owned()),
            _ => Special::Unknown(title.db_key.clone()),
        },
        ("userlogin", _) => Special::UserLogin,
        ("userlogout", _) => Special::UserLogout,
        ("upload", _) => Special::Upload,
        ("listfiles", _) => Special::ListFiles {
            newest_first: false,
        },
        ("newfiles", _) => Special::ListFiles { newest_first: true },
        ("log", _) => Special::Log,
        ("botpasswords", bot) => Special::BotPasswords(bot.to_owned()),
        _ => Special::Unknown(title.db_key.clone()),
    })
}

pub async fn serve(
    visit: &mut Visit,
    special: Special,
    query: &HashMap<String, String>,
    form: Vec<(String, String)>,
    request: Request,
) -> Response {
    let app = &visit.app.clone();
    let base = format!("{}{}", app.server, app.config.script_path);
    match special {
        Special::FilePath(file) => {
            let file = query.get("file").cloned().unwrap_or(file);
            let name = file_name(app, &file);
            let location = match query.get("width") {
                Some(width) => format!(
                    "{base}/index.php?title=Special:Redirect/file/{}&width={}",
                    crate::upload::repo::wiki_url_encode(&name),
                    crate::upload::repo::raw_url_encode(width)
                ),
                None => format!(
                    "{base}/index.php/Special:Redirect/file/{}",
                    crate::upload::repo::wiki_url_encode(&name)
                ),
            };
            redirect(StatusCode::FOUND, &location)
        }
        Special::RedirectFile(file) => {
            let name = file_name(app, &file);
            match app.db.current_file(&name).await {
                Ok(Some(version)) => {
                    // `width` (and `height`): the thumbnail, or the file
                    // itself when none can be made at that size.
                    let size =
                        |key: &str| query.get(key).and_then(|v| v.trim().parse::<i64>().ok());
                    let thumbnail = size("width").and_then(|width| {
                        app.uploads
                            .thumbnails()
                            .url_for_width(&version, width, size("height"))
                    });
                    let location =
                        thumbnail.unwrap_or_else(|| app.uploads.repo().public_url(&version.name));
                    redirect(StatusCode::MOVED_PERMANENTLY, &location)
                }
                Ok(None) => message_page(
                    visit,
                    StatusCode::NOT_FOUND,
                    "No such file",
                    "The file does not exist.",
                ),
                Err(err) => {
                    tracing::error!(error = %err, "looking up a file failed");
                    message_page(
                        visit,
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Internal error",
                        "The file could not be looked up.",
                    )
                }
            }
        }
        Special::UploadStashFile(key) => crate::api::stashed_file(app, &key, request).await,
        Special::UploadStashThumb(rest) => crate::api::stashed_thumb(app, &rest, request).await,
        Special::UserLogin => super::account::login(visit, query, form).await,
        Special::UserLogout => super::account::logout(visit, form).await,
        Special::Upload => super::upload_page::serve(visit),
        Special::ListFiles { newest_first } => {
            super::gallery::list_files(visit, query, newest_first).await
        }
        Special::Log => super::log_page::serve(visit, query).await,
        Special::BotPasswords(bot) => super::botpasswords::serve(visit, bot, query, form).await,
        Special::Unknown(name) => message_page(
            visit,
            StatusCode::NOT_FOUND,
            "No such special page",
            &format!("There is no special page \"{name}\" here."),
        ),
    }
}

/// The DB key of a file named with or without `File:`.
fn file_name(app: &AppState, text: &str) -> String {
    Title::parse_in(text, title::FILE, app.pages.sitename())
        .filter(|t| t.namespace == title::FILE)
        .map_or_else(|| text.replace(' ', "_"), |t| t.db_key)
}
