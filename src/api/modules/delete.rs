//! `action=delete`, for File: pages: the file's versions go to the deleted
//! store, which later uploads are warned about (`was-deleted`,
//! `duplicate-archive`).

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::pageset::parse_title;
use super::upload::permission_denied;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType};
use crate::auth::TokenType;
use crate::storage::FILE_NAMESPACE;

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
    title: String,
    reason: String,
}

impl DeleteParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<DeleteParams, ApiError> {
        let p = |name| DELETE.param(name);
        let title = reader.string(p("title"))?;
        let pageid = reader.integer(p("pageid"))?;
        let reason = reader.string(p("reason"))?.unwrap_or_default();
        reader.strings(p("tags"))?;
        for flag in ["deletetalk", "watch", "unwatch"] {
            reader.flag(p(flag))?;
        }
        reader.choice(p("watchlist"))?;
        reader.string(p("oldimage"))?;
        if title.is_none() && pageid.is_none() {
            return Err(ApiError::new(
                "missingparam",
                Message::new(
                    "apierror-missingparam-one-of",
                    vec!["title".into(), "pageid".into()],
                    "One of the parameters <var>title</var> and <var>pageid</var> is required."
                        .into(),
                ),
            ));
        }
        // Every page here is a file page; deleting by page id is not offered.
        let title = title.ok_or_else(|| {
            ApiError::new(
                "nosuchpageid",
                Message::new(
                    "apierror-nosuchpageid",
                    vec![],
                    "There is no page with that ID.".into(),
                ),
            )
        })?;
        Ok(DeleteParams { title, reason })
    }
}

pub async fn execute(params: DeleteParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let input = params.title;
    let sitename = ctx.app.config.sitename.clone();
    let Some(title) = parse_title(&input, &sitename) else {
        return Err(ApiError::new(
            "invalidtitle",
            Message::new(
                "apierror-invalidtitle",
                vec![input.clone().into()],
                format!("Bad title \"{input}\"."),
            ),
        ));
    };
    if !ctx.identity.has_right("delete") {
        return Err(permission_denied(ctx, "delete"));
    }
    let missing = || {
        ApiError::new(
            "missingtitle",
            Message::new(
                "apierror-missingtitle",
                vec![],
                "The page you specified doesn't exist.".into(),
            ),
        )
    };
    let Some(user) = ctx.identity.user.clone() else {
        return Err(permission_denied(ctx, "delete"));
    };
    if title.namespace != FILE_NAMESPACE {
        return Err(missing());
    }
    let log_id = ctx
        .app
        .uploads
        .delete(&title.db_key, user.id, &params.reason)
        .await?
        .ok_or_else(missing)?;
    let mut result = Map::new();
    result.insert("title".into(), title.text(&sitename).into());
    result.insert("reason".into(), params.reason.into());
    result.insert("logid".into(), log_id.into());
    ctx.output.add("delete", Value::Object(result));
    Ok(())
}
