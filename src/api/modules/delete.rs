//! `action=delete`: any page. A File page takes its file with it (every
//! version to the deleted store), or with `oldimage` only that old
//! version; other pages' revisions are archived for `action=undelete`.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::edit::{author, page_title};
use super::upload::permission_denied;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType};
use crate::auth::TokenType;
use crate::pages::PageError;
use crate::pages::title::FILE;
use crate::upload::UploadError;

pub static DELETE: ModuleSpec = ModuleSpec {
    name: "delete",
    path: "delete",
    group: "action",
    class: "ApiDelete",
    prefix: "",
    params: &[
        ParamSpec::string("title"),
        ParamSpec::integer("pageid"),
        ParamSpec::string("reason"),
        ParamSpec::new("tags", ParamType::Enum(&[])).multi(),
        ParamSpec::flag("deletetalk"),
        ParamSpec::flag("watch").deprecated(),
        ParamSpec::new(
            "watchlist",
            ParamType::Enum(&["nochange", "preferences", "unwatch", "watch"]),
        )
        .default("preferences"),
        ParamSpec::flag("unwatch").deprecated(),
        ParamSpec::string("oldimage"),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Delete"),
};

pub struct DeleteParams {
    title: Option<String>,
    page_id: Option<i64>,
    reason: String,
    delete_talk: bool,
    old_image: Option<String>,
}

impl DeleteParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<DeleteParams, ApiError> {
        let p = |name| DELETE.param(name);
        let title = reader.string(p("title"))?;
        let page_id = reader.integer(p("pageid"))?;
        let reason = reader.string(p("reason"))?.unwrap_or_default();
        reader.strings(p("tags"))?;
        let delete_talk = reader.flag(p("deletetalk"))?;
        for flag in ["watch", "unwatch"] {
            reader.flag(p(flag))?;
        }
        reader.choice(p("watchlist"))?;
        let old_image = reader.string(p("oldimage"))?;
        Ok(DeleteParams {
            title,
            page_id,
            reason,
            delete_talk,
            old_image,
        })
    }
}

pub async fn execute(params: DeleteParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let title = page_title("", params.title.as_deref(), params.page_id, ctx).await?;
    let page = ctx.app.pages.page(&title).await?;
    let has_file =
        title.namespace == FILE && ctx.app.db.current_file(&title.db_key).await?.is_some();
    if page.is_none() && !has_file {
        return Err(PageError::MissingTitle.into());
    }
    if !ctx.identity.has_right("delete") {
        return Err(permission_denied(ctx, "delete"));
    }
    let author = author(ctx);
    let uploads = &ctx.app.uploads;
    let log_id = match (&params.old_image, has_file) {
        (Some(old), _) if title.namespace == FILE => {
            if old.len() < 16 || old.contains('/') || old.contains('\\') {
                return Err(ApiError::new(
                    "invalidoldimage",
                    Message::new(
                        "apierror-invalidoldimage",
                        vec![],
                        "The <var>oldimage</var> parameter has an invalid format.".into(),
                    ),
                ));
            }
            match uploads
                .delete_old_version(&title.db_key, old, &author, &params.reason)
                .await
            {
                Err(UploadError::NoSuchVersion) => {
                    return Err(ApiError::new(
                        "nodeleteablefile",
                        Message::new(
                            "apierror-nodeleteablefile",
                            vec![],
                            "No such old version of the file.".into(),
                        ),
                    ));
                }
                other => other?,
            }
        }
        (_, true) => uploads
            .delete(&title.db_key, &author, &params.reason)
            .await?
            .ok_or(PageError::MissingTitle)?,
        _ => {
            let page = page.ok_or(PageError::MissingTitle)?;
            ctx.app
                .pages
                .delete(&page, &author, &params.reason, ctx.now)
                .await?
        }
    };
    let sitename = ctx.app.pages.sitename().to_owned();
    let mut result = Map::new();
    result.insert("title".into(), title.text(&sitename).into());
    result.insert("reason".into(), params.reason.clone().into());
    result.insert("logid".into(), log_id.into());
    // The talk page goes too when asked (and when it exists).
    if params.delete_talk
        && let Some(talk) = title.talk().filter(|t| *t != title)
        && let Some(talk_page) = ctx.app.pages.page(&talk).await?
    {
        ctx.app
            .pages
            .delete(&talk_page, &author, &params.reason, ctx.now)
            .await?;
    }
    ctx.output.add("delete", Value::Object(result));
    Ok(())
}
