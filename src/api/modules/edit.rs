//! `action=edit`: MediaWiki 1.39's ApiEditPage — its parameters, its
//! checks in its order (existence rules, rights, then the page domain's
//! edit), and its answer (`result`, `pageid`, `title`, `contentmodel`,
//! `oldrevid`/`newrevid`/`newtimestamp` or `nochange`, `watched`).

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::upload::{bad_tags, permission_denied};
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::auth::TokenType;
use crate::pages::edit::{Section, SectionError};
use crate::pages::title::Title;
use crate::pages::{Author, Change, EditOutcome, EditRequest, PageError};

pub static EDIT: ModuleSpec = ModuleSpec {
    name: "edit",
    path: "edit",
    group: "action",
    class: "ApiEditPage",
    prefix: "",
    params: &[
        ParamSpec::string("title"),
        ParamSpec::integer("pageid"),
        ParamSpec::string("section"),
        ParamSpec::string("sectiontitle"),
        ParamSpec::new("text", ParamType::Text),
        ParamSpec::string("summary"),
        ParamSpec::new("tags", ParamType::Enum(&[])).multi(),
        ParamSpec::flag("minor"),
        ParamSpec::flag("notminor"),
        ParamSpec::flag("bot"),
        ParamSpec::integer("baserevid"),
        ParamSpec::new("basetimestamp", ParamType::Timestamp),
        ParamSpec::new("starttimestamp", ParamType::Timestamp),
        ParamSpec::flag("recreate"),
        ParamSpec::flag("createonly"),
        ParamSpec::flag("nocreate"),
        ParamSpec::flag("watch").deprecated(),
        ParamSpec::flag("unwatch").deprecated(),
        ParamSpec::new(
            "watchlist",
            ParamType::Enum(&["nochange", "preferences", "unwatch", "watch"]),
        )
        .default("preferences"),
        ParamSpec::string("md5"),
        ParamSpec::new("prependtext", ParamType::Text),
        ParamSpec::new("appendtext", ParamType::Text),
        ParamSpec::new(
            "undo",
            ParamType::Integer {
                min: Some(0),
                max: None,
            },
        ),
        ParamSpec::new(
            "undoafter",
            ParamType::Integer {
                min: Some(0),
                max: None,
            },
        ),
        ParamSpec::flag("redirect"),
        ParamSpec::new("contentformat", ParamType::Enum(&["text/x-wiki"])),
        ParamSpec::new("contentmodel", ParamType::Enum(&["wikitext"])),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Edit"),
};

pub struct EditParams {
    title: Option<String>,
    page_id: Option<i64>,
    section: Option<String>,
    section_title: Option<String>,
    text: Option<String>,
    summary: Option<String>,
    tags: Vec<String>,
    minor: bool,
    notminor: bool,
    base_revision: Option<i64>,
    base_timestamp: Option<i64>,
    start_timestamp: Option<i64>,
    recreate: bool,
    create_only: bool,
    no_create: bool,
    watch: bool,
    md5: Option<String>,
    prepend: Option<String>,
    append: Option<String>,
    undo: Option<i64>,
    undo_after: Option<i64>,
    follow_redirect: bool,
}

impl EditParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<EditParams, ApiError> {
        let p = |name| EDIT.param(name);
        let title = reader.string(p("title"))?;
        let page_id = reader.integer(p("pageid"))?;
        let section = reader.string(p("section"))?;
        let section_title = reader.string(p("sectiontitle"))?;
        let text = reader.string(p("text"))?;
        let summary = reader.string(p("summary"))?;
        // Checked against the (empty) list of defined tags later, with
        // MediaWiki's own error.
        let tags = reader.strings(&ParamSpec::string("tags").multi())?;
        let minor = reader.flag(p("minor"))?;
        let notminor = reader.flag(p("notminor"))?;
        reader.flag(p("bot"))?;
        let base_revision = reader.integer(p("baserevid"))?.filter(|&id| id != 0);
        // An empty basetimestamp means "no base", as in MediaWiki.
        let base_timestamp = match reader.string(p("basetimestamp"))?.as_deref() {
            None | Some("" | "0") => None,
            Some(_) => reader.timestamp(p("basetimestamp"))?,
        };
        let start_timestamp = reader.timestamp(p("starttimestamp"))?;
        let recreate = reader.flag(p("recreate"))?;
        let create_only = reader.flag(p("createonly"))?;
        let no_create = reader.flag(p("nocreate"))?;
        let watch = reader.flag(p("watch"))?;
        reader.flag(p("unwatch"))?;
        let watchlist = reader.choice(p("watchlist"))?;
        let md5 = reader.string(p("md5"))?;
        let prepend = reader.string(p("prependtext"))?;
        let append = reader.string(p("appendtext"))?;
        let undo = reader.integer(p("undo"))?.filter(|&id| id > 0);
        let undo_after = reader.integer(p("undoafter"))?.filter(|&id| id > 0);
        let follow_redirect = reader.flag(p("redirect"))?;
        reader.choice(p("contentformat"))?;
        reader.choice(p("contentmodel"))?;
        Ok(EditParams {
            title,
            page_id,
            section,
            section_title,
            text,
            summary,
            tags,
            minor,
            notminor,
            base_revision,
            base_timestamp,
            start_timestamp,
            recreate,
            create_only,
            no_create,
            // MediaWiki's `watchdefault` preference is on: edits watch.
            watch: watch || !matches!(watchlist, Some("nochange" | "unwatch")),
            md5,
            prepend,
            append,
            undo,
            undo_after,
            follow_redirect,
        })
    }
}

pub async fn execute(params: EditParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    if params.text.is_none()
        && params.append.is_none()
        && params.prepend.is_none()
        && params.undo.is_none()
    {
        return Err(at_least_one_of(&[
            "text",
            "appendtext",
            "prependtext",
            "undo",
        ]));
    }
    let mut title = page_title("", params.title.as_deref(), params.page_id, ctx).await?;
    let sitename = ctx.app.pages.sitename().to_owned();
    if params.follow_redirect {
        if params.prepend.is_none()
            && params.append.is_none()
            && params.section.as_deref() != Some("new")
        {
            return Err(ApiError::new(
                "redirect-appendonly",
                Message::new(
                    "apierror-redirect-appendonly",
                    vec![],
                    "You have attempted to edit using the redirect-following mode, which must be used in conjunction with <kbd>section=new</kbd>, <var>prependtext</var>, or <var>appendtext</var>.".into(),
                ),
            ));
        }
        if let Some(page) = ctx
            .app
            .pages
            .page(&title)
            .await?
            .filter(|p| p.is_redirect())
            && let Some((namespace, db_key, _)) = ctx.app.db.redirect_target(page.id).await?
        {
            let target = Title::new(namespace, &db_key);
            let mut redirect = Map::new();
            redirect.insert("from".into(), title.text(&sitename).into());
            redirect.insert("to".into(), target.text(&sitename).into());
            ctx.output.add("redirects", Value::Object(redirect));
            title = target;
        }
    }
    let exists = ctx.app.pages.page(&title).await?.is_some();
    if params.create_only && exists {
        return Err(PageError::ArticleExists.into());
    }
    if params.no_create && !exists {
        return Err(PageError::MissingTitle.into());
    }
    check_rights(&title, exists, ctx)?;
    if !params.tags.is_empty() {
        return Err(bad_tags(&params.tags));
    }
    let section = match params.section.as_deref() {
        None => None,
        Some(value) => match Section::parse(value) {
            Ok(Some(Section::New { .. })) => Some(Section::New {
                title: params.section_title.clone(),
            }),
            Ok(section) => section,
            Err(SectionError::Invalid) => return Err(PageError::InvalidSection.into()),
            Err(SectionError::Missing(section)) => {
                return Err(PageError::NoSuchSection(section).into());
            }
        },
    };
    let change = match (&params.undo, &params.text) {
        (Some(undo), _) => Change::Undo {
            undo: *undo,
            after: params.undo_after,
        },
        (None, Some(text)) if params.prepend.is_none() && params.append.is_none() => {
            Change::Text(text.clone())
        }
        _ => Change::Around {
            prepend: params.prepend.clone().unwrap_or_default(),
            append: params.append.clone().unwrap_or_default(),
        },
    };
    let author = author(ctx);
    let request = EditRequest {
        title: title.clone(),
        author,
        change,
        section,
        summary: params.summary.clone(),
        minor: params.minor && !params.notminor && ctx.identity.has_right("minoredit"),
        base_timestamp: params.base_timestamp,
        base_revision: params.base_revision,
        start_timestamp: params.start_timestamp,
        recreate: params.recreate,
        md5: params.md5.clone(),
        now: ctx.now,
    };
    let outcome = ctx.app.pages.edit(request).await?;
    let mut result = Map::new();
    let page_id = match &outcome {
        EditOutcome::Saved {
            page_id, created, ..
        } => {
            if *created {
                ctx.output.set_flag(&mut result, "new", true);
            }
            *page_id
        }
        EditOutcome::NoChange { page_id } => *page_id,
    };
    result.insert("result".into(), "Success".into());
    result.insert("pageid".into(), page_id.into());
    result.insert("title".into(), title.text(&sitename).into());
    result.insert("contentmodel".into(), "wikitext".into());
    match outcome {
        EditOutcome::Saved {
            old_revision,
            new_revision,
            timestamp,
            ..
        } => {
            result.insert("oldrevid".into(), old_revision.into());
            result.insert("newrevid".into(), new_revision.into());
            result.insert("newtimestamp".into(), iso_timestamp(timestamp).into());
        }
        EditOutcome::NoChange { .. } => {
            ctx.output.set_flag(&mut result, "nochange", true);
        }
    }
    // Watching is remembered by nobody (no watchlists), but reported as
    // MediaWiki does for a logged-in editor with `watchdefault`.
    if params.watch && !ctx.identity.is_anonymous() {
        ctx.output.set_flag(&mut result, "watched", true);
    }
    ctx.output.add("edit", Value::Object(result));
    Ok(())
}

/// Who the request acts as: its user, or its IP address.
pub fn author(ctx: &Ctx<'_>) -> Author {
    match &ctx.identity.user {
        Some(user) => Author {
            id: Some(user.id),
            name: user.name.clone(),
        },
        None => Author {
            id: None,
            name: ctx.client_ip.to_string(),
        },
    }
}

/// The page `<prefix>title` or `<prefix>pageid` names (exactly one of them).
pub async fn page_title(
    prefix: &str,
    title: Option<&str>,
    page_id: Option<i64>,
    ctx: &Ctx<'_>,
) -> Result<Title, ApiError> {
    match (title, page_id) {
        (Some(_), Some(_)) => Err(ApiError::new(
            "invalidparammix",
            Message::new(
                "apierror-invalidparammix",
                vec![],
                format!(
                    "The parameters <var>{prefix}title</var> and <var>{prefix}pageid</var> can not be used together."
                ),
            ),
        )),
        (None, None) => Err(ApiError::new(
            "missingparam",
            Message::new(
                "apierror-missingparam-one-of",
                vec![
                    format!("{prefix}title").into(),
                    format!("{prefix}pageid").into(),
                ],
                format!(
                    "One of the parameters <var>{prefix}title</var> and <var>{prefix}pageid</var> is required."
                ),
            ),
        )),
        (Some(text), None) => ctx
            .app
            .pages
            .title(text)
            .filter(Title::can_exist)
            .ok_or_else(|| invalid_title(text)),
        (None, Some(id)) => {
            let page = ctx
                .app
                .pages
                .page_by_id(id)
                .await?
                .ok_or(PageError::NoSuchPageId(id))?;
            Ok(Title::new(page.namespace, &page.title))
        }
    }
}

pub fn invalid_title(text: &str) -> ApiError {
    ApiError::new(
        "invalidtitle",
        Message::new(
            "apierror-invalidtitle",
            vec![text.into()],
            format!("Bad title \"{}\".", super::imageinfo::escape_html(text)),
        ),
    )
}

/// `missingparam`: at least one of these parameters is required.
fn at_least_one_of(names: &[&str]) -> ApiError {
    let quoted: Vec<String> = names.iter().map(|n| format!("<var>{n}</var>")).collect();
    let list = match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    };
    ApiError::new(
        "missingparam",
        Message::new(
            "apierror-missingparam-at-least-one-of",
            vec![list.clone().into(), names.len().into()],
            format!("At least one of the parameters {list} is required."),
        ),
    )
}

/// The `edit` right, then (for a page that does not exist) `createpage`
/// or `createtalk`, as MediaWiki checks them.
fn check_rights(title: &Title, exists: bool, ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if !ctx.identity.has_right("edit") {
        return Err(permission_denied(ctx, "edit"));
    }
    let create_right = if title.is_talk() {
        "createtalk"
    } else {
        "createpage"
    };
    if !exists && !ctx.identity.has_right(create_right) {
        let (code, key, text) = match ctx.identity.is_anonymous() {
            true => (
                "cantcreate-anon",
                "nocreatetext",
                format!(
                    "{} has restricted the ability to create new pages.\nYou can go back and edit an existing page, or [[Special:UserLogin|log in or create an account]].",
                    ctx.app.config.sitename
                ),
            ),
            false => (
                "cantcreate",
                "nocreate-loggedin",
                "You do not have permission to create new pages.".to_owned(),
            ),
        };
        return Err(ApiError::new(code, Message::new(key, vec![], text)));
    }
    Ok(())
}
