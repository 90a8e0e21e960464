//! `action=move`: a page gets a new title, leaving a redirect unless
//! `noredirect` (right `suppressredirect`); a File page moves its file and
//! every old version with it (right `movefile`). MediaWiki's checks, in
//! its order, and its answer.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::edit::{author, invalid_title};
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType};
use crate::auth::TokenType;
use crate::pages::title::{FILE, Title};
use crate::pages::{Author, PageError};
use crate::upload::UploadError;

pub static MOVE: ModuleSpec = ModuleSpec {
    name: "move",
    path: "move",
    group: "action",
    class: "ApiMove",
    prefix: "",
    params: &[
        ParamSpec::string("from"),
        ParamSpec::integer("fromid"),
        ParamSpec::string("to").required(),
        ParamSpec::string("reason").default(""),
        ParamSpec::flag("movetalk"),
        ParamSpec::flag("movesubpages"),
        ParamSpec::flag("noredirect"),
        ParamSpec::new(
            "watchlist",
            ParamType::Enum(&["nochange", "preferences", "unwatch", "watch"]),
        )
        .default("preferences"),
        ParamSpec::flag("ignorewarnings"),
        ParamSpec::new("tags", ParamType::Enum(&[])).multi(),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Move"),
};

pub struct MoveParams {
    from: Option<String>,
    from_id: Option<i64>,
    to: String,
    reason: String,
    move_talk: bool,
    no_redirect: bool,
}

impl MoveParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<MoveParams, ApiError> {
        let p = |name| MOVE.param(name);
        let from = reader.string(p("from"))?;
        let from_id = reader.integer(p("fromid"))?;
        let to = reader.string(p("to"))?.unwrap_or_default();
        let reason = reader.string(p("reason"))?.unwrap_or_default();
        let move_talk = reader.flag(p("movetalk"))?;
        reader.flag(p("movesubpages"))?;
        let no_redirect = reader.flag(p("noredirect"))?;
        reader.choice(p("watchlist"))?;
        reader.flag(p("ignorewarnings"))?;
        reader.strings(p("tags"))?;
        Ok(MoveParams {
            from,
            from_id,
            to,
            reason,
            move_talk,
            no_redirect,
        })
    }
}

pub async fn execute(params: MoveParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let from = match (&params.from, params.from_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                "invalidparammix",
                Message::new(
                    "apierror-invalidparammix",
                    vec![],
                    "The parameters <var>from</var> and <var>fromid</var> can not be used together."
                        .into(),
                ),
            ));
        }
        (None, None) => {
            return Err(ApiError::new(
                "missingparam",
                Message::new(
                    "apierror-missingparam-one-of",
                    vec!["from".into(), "fromid".into()],
                    "One of the parameters <var>from</var> and <var>fromid</var> is required."
                        .into(),
                ),
            ));
        }
        (Some(text), None) => ctx
            .app
            .pages
            .title(text)
            .ok_or_else(|| invalid_title(text))?,
        (None, Some(id)) => {
            let page = ctx
                .app
                .pages
                .page_by_id(id)
                .await?
                .ok_or(PageError::NoSuchPageId(id))?;
            Title::new(page.namespace, &page.title)
        }
    };
    if ctx.app.pages.page(&from).await?.is_none() {
        return Err(PageError::MissingTitle.into());
    }
    let to = ctx
        .app
        .pages
        .title(&params.to)
        .ok_or_else(|| invalid_title(&params.to))?;
    let leave_redirect = !params.no_redirect || !ctx.identity.has_right("suppressredirect");
    let author = author(ctx);
    move_one(&from, &to, &author, &params.reason, leave_redirect, ctx).await?;
    let mut result = Map::new();
    result.insert("from".into(), from.text(&sitename).into());
    result.insert("to".into(), to.text(&sitename).into());
    result.insert("reason".into(), params.reason.clone().into());
    ctx.output
        .set_flag(&mut result, "redirectcreated", leave_redirect);
    ctx.output.set_flag(&mut result, "moveoverredirect", false);
    if params.move_talk
        && !from.is_talk()
        && let (Some(from_talk), Some(to_talk)) = (from.talk(), to.talk())
        && ctx.app.pages.page(&from_talk).await?.is_some()
    {
        match move_one(
            &from_talk,
            &to_talk,
            &author,
            &params.reason,
            leave_redirect,
            ctx,
        )
        .await
        {
            Ok(()) => {
                result.insert("talkfrom".into(), from_talk.text(&sitename).into());
                result.insert("talkto".into(), to_talk.text(&sitename).into());
                ctx.output
                    .set_flag(&mut result, "talkmoveoverredirect", false);
            }
            Err(err) => {
                let mut error = Map::new();
                error.insert("code".into(), err.code.clone().into());
                error.insert("text".into(), err.message.plain_text().into());
                result.insert(
                    "talkmove-errors".into(),
                    Value::Array(vec![Value::Object(error)]),
                );
            }
        }
    }
    ctx.output.add("move", Value::Object(result));
    Ok(())
}

/// One move, after MediaWiki's MovePage checks: rights, then whether the
/// move makes sense (namespaces, file types, a free target).
async fn move_one(
    from: &Title,
    to: &Title,
    author: &Author,
    reason: &str,
    leave_redirect: bool,
    ctx: &Ctx<'_>,
) -> Result<(), ApiError> {
    let sitename = ctx.app.pages.sitename();
    if !ctx.identity.has_right("move") {
        return Err(match ctx.identity.is_anonymous() {
            true => simple(
                "cantmove-anon",
                "movenologintext",
                "You must be a registered user and logged in to move a page.",
            ),
            false => simple(
                "cantmove",
                "movenotallowed",
                "You do not have permission to move pages.",
            ),
        });
    }
    if from.namespace == FILE && !ctx.identity.has_right("movefile") {
        return Err(simple(
            "cantmovefile",
            "movenotallowedfile",
            "You do not have permission to move files.",
        ));
    }
    if from == to {
        return Err(simple(
            "selfmove",
            "selfmove",
            "The title is the same; cannot move a page over itself.",
        ));
    }
    if !to.can_exist() {
        return Err(simple(
            "immobilenamespace",
            "immobile-target-namespace",
            &format!(
                "Cannot move pages into namespace \"{}\".",
                crate::pages::title::namespace_name(to.namespace, sitename)
            ),
        ));
    }
    match (from.namespace == FILE, to.namespace == FILE) {
        (true, false) => {
            return Err(simple(
                "nonfilenamespace",
                "imagenocrossnamespace",
                "Cannot move file to non-file namespace.",
            ));
        }
        (false, true) => {
            return Err(simple(
                "nonfile-cannot-move-to-file",
                "nonfile-cannot-move-to-file",
                "Cannot move non-file to file namespace.",
            ));
        }
        _ => {}
    }
    let target_taken = || {
        let target = to.text(sitename);
        ApiError::new(
            "articleexists",
            Message::new(
                "articleexists",
                vec![target.clone().into()],
                format!(
                    "A page already exists at [[:{target}]], or the page name you have chosen is not valid.\nPlease choose another name."
                ),
            ),
        )
    };
    let has_file = from.namespace == FILE && ctx.app.db.current_file(&from.db_key).await?.is_some();
    if has_file {
        return match ctx
            .app
            .uploads
            .move_file(from, to, author, reason, leave_redirect)
            .await
        {
            Ok(_) => Ok(()),
            Err(UploadError::Page(PageError::ArticleExists)) => Err(target_taken()),
            Err(err) => Err(err.into()),
        };
    }
    if ctx.app.pages.page(to).await?.is_some() {
        return Err(target_taken());
    }
    let page = ctx
        .app
        .pages
        .page(from)
        .await?
        .ok_or(PageError::MissingTitle)?;
    let prepared = ctx
        .app
        .pages
        .prepare_move(from, to, author, reason, leave_redirect);
    match ctx
        .app
        .pages
        .move_page(&page, &prepared, author, ctx.now)
        .await
    {
        Err(PageError::ArticleExists) => Err(target_taken()),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

fn simple(code: &str, key: &str, text: &str) -> ApiError {
    ApiError::new(code, Message::new(key, vec![], text.to_owned()))
}
