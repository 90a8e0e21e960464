//! `action=undelete`: deleted revisions of a page come back, and with a
//! File page its deleted file versions (all, or by `timestamps` and
//! `fileids`), as MediaWiki's ApiUndelete answers it.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::edit::{author, invalid_title};
use super::upload::permission_denied;
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType};
use crate::auth::TokenType;
use crate::pages::title::{FILE, Title};

pub static UNDELETE: ModuleSpec = ModuleSpec {
    name: "undelete",
    path: "undelete",
    group: "action",
    class: "ApiUndelete",
    prefix: "",
    params: &[
        ParamSpec::string("title").required(),
        ParamSpec::string("reason").default(""),
        ParamSpec::new("tags", ParamType::Enum(&[])).multi(),
        ParamSpec::new("timestamps", ParamType::Timestamp).multi(),
        ParamSpec::integer("fileids").multi(),
        ParamSpec::new(
            "watchlist",
            ParamType::Enum(&["nochange", "preferences", "unwatch", "watch"]),
        )
        .default("preferences"),
        ParamSpec::flag("undeletetalk"),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Undelete"),
};

pub struct UndeleteParams {
    title: String,
    reason: String,
    timestamps: Vec<String>,
    file_ids: Vec<String>,
    undelete_talk: bool,
}

impl UndeleteParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<UndeleteParams, ApiError> {
        let p = |name| UNDELETE.param(name);
        let title = reader.string(p("title"))?.unwrap_or_default();
        let reason = reader.string(p("reason"))?.unwrap_or_default();
        reader.strings(p("tags"))?;
        let timestamps = reader.strings(p("timestamps"))?;
        let file_ids = reader.strings(p("fileids"))?;
        reader.choice(p("watchlist"))?;
        let undelete_talk = reader.flag(p("undeletetalk"))?;
        Ok(UndeleteParams {
            title,
            reason,
            timestamps,
            file_ids,
            undelete_talk,
        })
    }
}

pub async fn execute(params: UndeleteParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let title = ctx
        .app
        .pages
        .title(&params.title)
        .filter(Title::can_exist)
        .ok_or_else(|| invalid_title(&params.title))?;
    if !ctx.identity.has_right("undelete") {
        return Err(permission_denied(ctx, "undelete"));
    }
    let timestamps: Vec<i64> = params
        .timestamps
        .iter()
        .map(|t| {
            crate::api::params::parse_timestamp(t)
                .ok_or_else(|| ApiError::bad_value("timestamps", t))
        })
        .collect::<Result<_, _>>()?;
    let file_ids: Vec<i64> = params
        .file_ids
        .iter()
        .map(|id| {
            id.trim()
                .parse()
                .map_err(|_| ApiError::bad_integer("fileids", id))
        })
        .collect::<Result<_, _>>()?;
    // Both empty restores everything; one of them given restores only it.
    let (timestamps, file_ids) = match (timestamps.is_empty(), file_ids.is_empty()) {
        (true, true) => (None, None),
        _ => (Some(timestamps), Some(file_ids)),
    };
    let author = author(ctx);
    let (revisions, files) = if title.namespace == FILE {
        let restored = ctx
            .app
            .uploads
            .undelete(
                &title,
                timestamps.as_deref(),
                file_ids.as_deref(),
                &author,
                &params.reason,
            )
            .await?;
        (restored.revisions, restored.files)
    } else {
        let restored = ctx
            .app
            .pages
            .undelete(
                &title,
                timestamps.as_deref(),
                &[],
                &author,
                &params.reason,
                ctx.now,
            )
            .await?;
        (restored.revisions, restored.files)
    };
    if params.undelete_talk
        && let Some(talk) = title.talk().filter(|t| *t != title)
    {
        // A talk page with nothing deleted is not an error here.
        let _ = ctx
            .app
            .pages
            .undelete(&talk, None, &[], &author, &params.reason, ctx.now)
            .await;
    }
    let mut result = Map::new();
    result.insert("title".into(), title.text(&sitename).into());
    result.insert("revisions".into(), revisions.into());
    result.insert("fileversions".into(), files.into());
    result.insert("reason".into(), params.reason.into());
    ctx.output.add("undelete", Value::Object(result));
    Ok(())
}
