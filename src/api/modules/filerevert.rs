//! `action=filerevert`: an old version of a file becomes its current
//! version again (a new version, with the comment), as MediaWiki's
//! ApiFileRevert checks and answers it.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::edit::{author, invalid_title};
use super::upload::permission_denied;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec};
use crate::auth::TokenType;
use crate::pages::PageError;
use crate::pages::title::{FILE, Title};

pub static FILEREVERT: ModuleSpec = ModuleSpec {
    name: "filerevert",
    path: "filerevert",
    group: "action",
    class: "ApiFileRevert",
    prefix: "",
    params: &[
        ParamSpec::string("filename").required(),
        ParamSpec::string("comment").default(""),
        ParamSpec::string("archivename").required(),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Filerevert"),
};

pub struct FileRevertParams {
    filename: String,
    comment: String,
    archive_name: String,
}

impl FileRevertParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<FileRevertParams, ApiError> {
        let p = |name| FILEREVERT.param(name);
        Ok(FileRevertParams {
            filename: reader.string(p("filename"))?.unwrap_or_default(),
            comment: reader.string(p("comment"))?.unwrap_or_default(),
            archive_name: reader.string(p("archivename"))?.unwrap_or_default(),
        })
    }
}

pub async fn execute(params: FileRevertParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let title = Title::parse_in(&params.filename, FILE, &sitename)
        .filter(|t| t.namespace == FILE)
        .ok_or_else(|| invalid_title(&params.filename))?;
    let history = ctx
        .app
        .db
        .file_history(&title.db_key, None, None, i64::MAX)
        .await?;
    let Some(current) = history.first() else {
        return Err(PageError::MissingTitle.into());
    };
    if !history
        .iter()
        .any(|v| v.archive_name.as_deref() == Some(params.archive_name.as_str()))
    {
        return Err(ApiError::new(
            "filerevert-badversion",
            Message::new(
                "filerevert-badversion",
                vec![],
                "There is no previous local version of this file with the provided timestamp."
                    .into(),
            ),
        ));
    }
    for right in ["edit", "upload"] {
        if !ctx.identity.has_right(right) {
            return Err(permission_denied(ctx, right));
        }
    }
    // `reupload-own` is the more basic right, named first when both miss.
    let own = ctx.identity.user.as_ref().map(|u| u.id) == current.user_id;
    let rights: &[&str] = if own {
        &["reupload-own", "reupload"]
    } else {
        &["reupload"]
    };
    if !rights.iter().any(|r| ctx.identity.has_right(r)) {
        let action = match rights[0] {
            "reupload-own" => "overwrite existing files uploaded by oneself",
            _ => "overwrite this existing file",
        };
        return Err(ApiError::new(
            "permissiondenied",
            Message::new(
                "apierror-permissiondenied",
                vec![action.into()],
                format!("You don't have permission to {action}."),
            ),
        ));
    }
    let author = author(ctx);
    ctx.app
        .uploads
        .revert(
            &title.db_key,
            &params.archive_name,
            &author,
            &params.comment,
        )
        .await?;
    let mut result = Map::new();
    result.insert("result".into(), "Success".into());
    ctx.output.add("filerevert", Value::Object(result));
    Ok(())
}
