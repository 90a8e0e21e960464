//! `list=recentchanges` (and `generator=recentchanges`) over the
//! `recent_changes` rows, as MediaWiki 1.39 answers it: edits, page
//! creations and log entries (uploads, deletions, moves, restores; not
//! page creations), newest first, continuation `<timestamp>|<rcid>`.
//! `bot` and `autopatrolled` come from the author's groups as they are
//! now (wikiupload records neither per change); no change is patrolled
//! by hand, so `patrolled` is `autopatrolled`.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::imageinfo::escape_html;
use super::lists::{
    ListBatch, NAMESPACE_IDS, bad_continue, invalid_title, log_params, split_batch, user_param,
};
use super::pagelists::{namespaces, read_limit};
use super::userlists::{may_see_patrol, param_mix, patrol_flag_denied, show_error};
use crate::api::params::parse_timestamp;
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::hash::sha1_hex_from_base36;
use crate::pages::title::Title;
use crate::storage::{LogEventRow, RC_EDIT, RC_LOG, RC_NEW, RecentChangeListing, RecentChangeRow};
use crate::upload::timestamp14;

const PROPS: &[&str] = &[
    "comment",
    "flags",
    "ids",
    "loginfo",
    "parsedcomment",
    "patrolled",
    "redirect",
    "sha1",
    "sizes",
    "tags",
    "timestamp",
    "title",
    "user",
    "userid",
];

const SHOW: &[&str] = &[
    "!anon",
    "!autopatrolled",
    "!bot",
    "!minor",
    "!patrolled",
    "!redirect",
    "anon",
    "autopatrolled",
    "bot",
    "minor",
    "patrolled",
    "redirect",
    "unpatrolled",
];

const TYPES: &[&str] = &["categorize", "edit", "external", "log", "new"];

pub static RECENTCHANGES: ModuleSpec = ModuleSpec {
    name: "recentchanges",
    path: "query+recentchanges",
    group: "list",
    class: "ApiQueryRecentChanges",
    prefix: "rc",
    params: &[
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::new("dir", ParamType::Enum(&["newer", "older"])).default("older"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values(),
        ParamSpec::new("user", ParamType::User),
        ParamSpec::new("excludeuser", ParamType::User),
        ParamSpec::string("tag"),
        ParamSpec::new("prop", ParamType::Enum(PROPS))
            .multi()
            .default("title|timestamp|ids"),
        ParamSpec::new("show", ParamType::Enum(SHOW)).multi(),
        ParamSpec::new(
            "limit",
            ParamType::Limit {
                max: 500,
                high_max: 5000,
            },
        )
        .default("10"),
        ParamSpec::new("type", ParamType::Enum(TYPES))
            .multi()
            .default("edit|new|log|categorize"),
        ParamSpec::flag("toponly"),
        ParamSpec::string("title"),
        ParamSpec::string("continue"),
        ParamSpec::flag("generaterevisions"),
        ParamSpec::new("slot", ParamType::Enum(&["main"])),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:RecentChanges"),
};

/// Parsed `rc*` parameters.
pub struct RecentChangesParams {
    listing: RecentChangeListing,
    props: Vec<&'static str>,
    show: Vec<&'static str>,
    title: Option<String>,
    tag: Option<String>,
    resume: Option<String>,
    limit: i64,
    pub limit_is_max: bool,
}

impl RecentChangesParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(reader: &mut ParamReader<'_>) -> Result<RecentChangesParams, ApiError> {
        let p = |name| RECENTCHANGES.param(name);
        let start = reader.timestamp(p("start"))?;
        let end = reader.timestamp(p("end"))?;
        let ascending = reader.choice(p("dir"))? == Some("newer");
        let namespaces = namespaces(reader, p("namespace"))?;
        let user = user_param(reader, &RECENTCHANGES, "user")?;
        let exclude_user = user_param(reader, &RECENTCHANGES, "excludeuser")?;
        let tag = reader.string(p("tag"))?;
        let props = reader.choices(p("prop"))?;
        let show = reader.choices(p("show"))?;
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let kinds = reader
            .choices(p("type"))?
            .iter()
            .filter_map(|t| match *t {
                "edit" => Some(RC_EDIT),
                "new" => Some(RC_NEW),
                "log" => Some(RC_LOG),
                // Category changes and external ones are never recorded.
                _ => None,
            })
            .collect();
        let top_only = reader.flag(p("toponly"))?;
        let title = reader.string(p("title"))?;
        let resume = reader.string(p("continue"))?;
        reader.flag(p("generaterevisions"))?;
        reader.choice(p("slot"))?;
        Ok(RecentChangesParams {
            listing: RecentChangeListing {
                start,
                end,
                ascending,
                namespaces,
                user,
                exclude_user,
                kinds,
                top_only,
                limit: limit + 1,
                ..RecentChangeListing::default()
            },
            props,
            show,
            title,
            tag,
            resume,
            limit,
            limit_is_max,
        })
    }
}

/// Which `show` values contradict each other (MediaWiki's list).
const CONFLICTS: &[(&str, &str)] = &[
    ("minor", "!minor"),
    ("bot", "!bot"),
    ("anon", "!anon"),
    ("redirect", "!redirect"),
    ("patrolled", "!patrolled"),
    ("patrolled", "unpatrolled"),
    ("!patrolled", "unpatrolled"),
    ("autopatrolled", "!autopatrolled"),
    ("autopatrolled", "unpatrolled"),
    ("autopatrolled", "!patrolled"),
];

/// `list=recentchanges`: one batch of changes.
pub async fn recent_changes(
    mut params: RecentChangesParams,
    ctx: &Ctx<'_>,
) -> Result<ListBatch, ApiError> {
    let sitename = ctx.app.pages.sitename();
    let listing = &mut params.listing;
    if let Some(text) = &params.title {
        let title = Title::parse(text, sitename).ok_or_else(|| invalid_title(text))?;
        listing.title = Some((title.namespace, title.db_key));
    }
    let show = |value: &str| params.show.contains(&value);
    if CONFLICTS.iter().any(|(a, b)| show(a) && show(b)) {
        return Err(show_error());
    }
    let patrol_values = [
        "patrolled",
        "!patrolled",
        "unpatrolled",
        "autopatrolled",
        "!autopatrolled",
    ];
    if patrol_values.iter().any(|v| show(v)) && !may_see_patrol(ctx) {
        return Err(patrol_flag_denied());
    }
    let either = |yes: &str, no: &str| match (show(yes), show(no)) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    listing.minor = either("minor", "!minor");
    listing.bot = either("bot", "!bot");
    listing.anonymous = either("anon", "!anon");
    listing.redirect = either("redirect", "!redirect");
    // Nothing is patrolled by hand: patrolled is autopatrolled.
    listing.autopatrolled = either("autopatrolled", "!autopatrolled")
        .or(either("patrolled", "!patrolled"))
        .or(show("unpatrolled").then_some(false));
    if listing.user.is_some() && listing.exclude_user.is_some() {
        return Err(param_mix(&["rcuser".into(), "rcexcludeuser".into()]));
    }
    if params.props.contains(&"patrolled") && !may_see_patrol(ctx) {
        return Err(patrol_flag_denied());
    }
    if let Some(value) = &params.resume {
        let (timestamp, id) = value.split_once('|').ok_or_else(bad_continue)?;
        let timestamp = parse_timestamp(timestamp).ok_or_else(bad_continue)?;
        let id = id.trim().parse::<i64>().map_err(|_| bad_continue())?;
        listing.resume = Some((timestamp, id));
    }
    let policy = ctx.app.accounts.policy();
    listing.bot_groups = policy.groups_with_right("bot");
    listing.autopatrol_groups = policy.groups_with_right("autopatrol");
    // No change carries change tags.
    let rows = if params.tag.is_some() {
        Vec::new()
    } else {
        ctx.app.db.list_recent_changes(listing).await?
    };
    let (rows, next) = split_batch(rows, params.limit);
    let items = rows
        .iter()
        .map(|row| item(row, &params.props, ctx))
        .collect();
    let pages =
        super::pageset::unique_titles(rows.iter().map(|row| Title::new(row.namespace, &row.title)));
    let next = next.map(|row| {
        (
            "rccontinue".to_owned(),
            format!("{}|{}", timestamp14(row.timestamp), row.id),
        )
    });
    Ok(ListBatch {
        items: Value::Array(items),
        pages,
        next,
    })
}

/// MediaWiki's names of `rc_type` values.
fn type_name(kind: i64) -> &'static str {
    match kind {
        RC_NEW => "new",
        RC_LOG => "log",
        _ => "edit",
    }
}

/// One recentchanges item, in MediaWiki's key order.
fn item(row: &RecentChangeRow, props: &[&str], ctx: &Ctx<'_>) -> Value {
    let wants = |prop: &str| props.contains(&prop);
    let output = &ctx.output;
    let mut item = Map::new();
    item.insert("type".into(), type_name(row.kind).into());
    if wants("title") {
        let title = Title::new(row.namespace, &row.title);
        item.insert("ns".into(), row.namespace.into());
        item.insert("title".into(), title.text(ctx.app.pages.sitename()).into());
    }
    if wants("ids") {
        item.insert("pageid".into(), row.page_id.into());
        item.insert("revid".into(), row.revision_id.into());
        item.insert("old_revid".into(), row.parent_id.into());
        item.insert("rcid".into(), row.id.into());
    }
    if wants("user") {
        item.insert("user".into(), row.user_name.clone().into());
    }
    if wants("userid") {
        item.insert("userid".into(), row.user_id.unwrap_or(0).into());
    }
    if (wants("user") || wants("userid")) && row.user_id.is_none() {
        output.set_flag(&mut item, "anon", true);
    }
    if wants("flags") {
        output.set_flag(&mut item, "bot", row.bot != 0);
        output.set_flag(&mut item, "new", row.kind == RC_NEW);
        output.set_flag(&mut item, "minor", row.minor != 0);
    }
    if wants("sizes") {
        item.insert("oldlen".into(), row.old_len.into());
        item.insert("newlen".into(), row.new_len.into());
    }
    if wants("timestamp") {
        item.insert("timestamp".into(), iso_timestamp(row.timestamp).into());
    }
    if wants("comment") {
        item.insert("comment".into(), row.comment.clone().into());
    }
    if wants("parsedcomment") {
        item.insert("parsedcomment".into(), escape_html(&row.comment).into());
    }
    if wants("redirect") {
        output.set_flag(&mut item, "redirect", row.is_redirect != 0);
    }
    if wants("patrolled") {
        let autopatrolled = row.autopatrolled != 0;
        output.set_flag(&mut item, "patrolled", autopatrolled);
        output.set_flag(&mut item, "unpatrolled", !autopatrolled);
        output.set_flag(&mut item, "autopatrolled", autopatrolled);
    }
    if wants("loginfo") && row.kind == RC_LOG {
        let event = LogEventRow {
            id: row.log_id.unwrap_or(0),
            log_type: row.log_type.clone().unwrap_or_default(),
            action: row.log_action.clone().unwrap_or_default(),
            namespace: row.namespace,
            title: row.title.clone(),
            user_id: row.user_id,
            user_name: Some(row.user_name.clone()),
            timestamp: row.timestamp,
            comment: row.comment.clone(),
            params: row.log_params.clone().unwrap_or_default(),
            page_id: Some(row.page_id),
            log_page: Some(row.page_id),
        };
        item.insert("logid".into(), event.id.into());
        item.insert("logtype".into(), event.log_type.clone().into());
        item.insert("logaction".into(), event.action.clone().into());
        item.insert("logparams".into(), log_params(&event, ctx));
    }
    if wants("tags") {
        item.insert("tags".into(), Value::Array(Vec::new()));
    }
    if wants("sha1") && !row.sha1.is_empty() {
        item.insert("sha1".into(), sha1_hex_from_base36(&row.sha1).into());
    }
    Value::Object(item)
}
