//! `prop=revisions`: the latest revision of each page, the revisions
//! `revids` names, or (with `rvlimit`, `rvstart`, `rvdir`, ... on a single
//! page) a page's history with continuation — in MediaWiki 1.39's shapes:
//! `slots.main` with `rvslots`, the legacy form (content on the revision,
//! with a deprecation warning) without.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::imageinfo::escape_html;
use super::lists::bad_continue;
use super::pageset::{PageEntry, single_page_only};
use crate::api::params::parse_timestamp;
use crate::api::{
    ApiError, Ctx, FormatVersion, Message, ParamReader, ParamSpec, ParamType, iso_timestamp,
};
use crate::pages::hash::sha1_hex_from_base36;
use crate::pages::wikitext;
use crate::storage::{RevisionListing, RevisionRow};
use crate::upload::timestamp14;

const PROPS: &[&str] = &[
    "comment",
    "content",
    "contentmodel",
    "flags",
    "ids",
    "parsedcomment",
    "parsetree",
    "roles",
    "sha1",
    "size",
    "slotsha1",
    "slotsize",
    "tags",
    "timestamp",
    "user",
    "userid",
];

const CONTENT_FORMATS: &[&str] = &["text/x-wiki"];

/// Limits with content (`LIMIT_SML1`/`LIMIT_SML2`) and without.
const CONTENT_LIMIT: (i64, i64) = (50, 500);
const LIMIT: (i64, i64) = (500, 5000);

pub static REVISIONS: ModuleSpec = ModuleSpec {
    name: "revisions",
    path: "query+revisions",
    group: "prop",
    class: "ApiQueryRevisions",
    prefix: "rv",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(PROPS))
            .multi()
            .default("ids|timestamp|flags|comment|user"),
        ParamSpec::new("slots", ParamType::Enum(&["main"]))
            .multi()
            .all_values(),
        ParamSpec::new(
            "limit",
            ParamType::Limit {
                max: LIMIT.0,
                high_max: LIMIT.1,
            },
        ),
        ParamSpec::flag("expandtemplates").deprecated(),
        ParamSpec::flag("generatexml").deprecated(),
        ParamSpec::flag("parse").deprecated(),
        ParamSpec::string("section"),
        ParamSpec::string("diffto").deprecated(),
        ParamSpec::string("difftotext").deprecated(),
        ParamSpec::flag("difftotextpst").deprecated(),
        ParamSpec::new("contentformat", ParamType::Enum(CONTENT_FORMATS)).deprecated(),
        ParamSpec::integer("startid"),
        ParamSpec::integer("endid"),
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::new("dir", ParamType::Enum(&["newer", "older"])).default("older"),
        ParamSpec::new("user", ParamType::User),
        ParamSpec::new("excludeuser", ParamType::User),
        ParamSpec::string("tag"),
        ParamSpec::string("continue"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Revisions"),
};

/// The parameters that list a page's history (and need a single page).
const ENUMERATION_PARAMS: &[&str] = &[
    "rvlimit",
    "rvstartid",
    "rvendid",
    "rvdir=newer",
    "rvuser",
    "rvexcludeuser",
    "rvstart",
    "rvend",
];

/// Parsed `rv*` parameters.
pub struct RevisionsParams {
    props: Vec<&'static str>,
    /// `rvslots` given (new format); None: the legacy format.
    slots: Option<Vec<&'static str>>,
    /// The limit asked for (`max` already resolved) and whether it was `max`.
    limit: Option<(String, bool)>,
    section: Option<String>,
    start_id: Option<i64>,
    end_id: Option<i64>,
    start: Option<i64>,
    end: Option<i64>,
    ascending: bool,
    user: Option<String>,
    exclude_user: Option<String>,
    tag: Option<String>,
    resume: Option<String>,
}

impl RevisionsParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<RevisionsParams, ApiError> {
        let p = |name| REVISIONS.param(name);
        let props = reader.choices(p("prop"))?;
        let slots = match reader.string(p("slots"))? {
            Some(_) => Some(reader.choices(p("slots"))?),
            None => None,
        };
        // The limit depends on whether content is asked for: read raw here.
        let limit = reader
            .string(&ParamSpec::string("limit"))?
            .map(|v| (v.clone(), v == "max"));
        for flag in ["expandtemplates", "generatexml", "parse", "difftotextpst"] {
            reader.flag(p(flag))?;
        }
        let section = reader.string(p("section"))?;
        for name in ["diffto", "difftotext"] {
            reader.string(p(name))?;
        }
        reader.choice(p("contentformat"))?;
        Ok(RevisionsParams {
            props,
            slots,
            limit,
            section,
            start_id: reader.integer(p("startid"))?,
            end_id: reader.integer(p("endid"))?,
            start: reader.timestamp(p("start"))?,
            end: reader.timestamp(p("end"))?,
            ascending: reader.choice(p("dir"))? == Some("newer"),
            user: reader.string(p("user"))?.map(canonical_user),
            exclude_user: reader.string(p("excludeuser"))?.map(canonical_user),
            tag: reader.string(p("tag"))?,
            resume: reader.string(p("continue"))?,
        })
    }

    fn wants(&self, prop: &str) -> bool {
        self.props.contains(&prop)
    }

    /// Whether the page's history is listed rather than its latest revision.
    fn enumerates(&self) -> bool {
        self.limit.is_some()
            || self.start_id.is_some()
            || self.end_id.is_some()
            || self.ascending
            || self.user.is_some()
            || self.exclude_user.is_some()
            || self.start.is_some()
            || self.end.is_some()
    }
}

/// A user name in canonical form (an IP address as it is).
fn canonical_user(name: String) -> String {
    crate::auth::canonical_user_name(&name).unwrap_or(name)
}

/// What running the module over the page set asks the query to add.
#[derive(Default)]
pub struct RevisionsRun {
    /// `rvcontinue`, when the history has more.
    pub next: Option<String>,
    /// The limit used, when the client asked for `max`.
    pub limit_used: Option<i64>,
}

/// Checks that only a single page is listed in enumeration mode.
pub fn check(params: &RevisionsParams, multiple_pages: bool) -> Result<(), ApiError> {
    if params.enumerates() && multiple_pages {
        return Err(single_page_only(ENUMERATION_PARAMS));
    }
    Ok(())
}

/// Adds `revisions` to each page (or the history of the one page).
pub async fn add(
    entries: &mut [PageEntry],
    params: &RevisionsParams,
    high_limits: bool,
    ctx: &mut Ctx<'_>,
) -> Result<RevisionsRun, ApiError> {
    let mut run = RevisionsRun::default();
    let with_content = params.wants("content");
    if params.slots.is_none()
        && (with_content
            || params.wants("contentmodel")
            || params.wants("slotsize")
            || params.wants("slotsha1"))
    {
        ctx.output.warn_deprecated(
            REVISIONS.path,
            "action=query&prop=revisions&!rvslots",
            Message::new(
                "apiwarn-deprecation-missingparam",
                vec!["rvslots".into()],
                "Because <var>rvslots</var> was not specified, a legacy format has been used for the output. This format is deprecated, and in the future the new format will always be used.".into(),
            ),
        );
    }
    let section = match &params.section {
        Some(text) => Some(text.parse::<usize>().map_err(|_| {
            ApiError::new(
                "invalidsection",
                Message::new(
                    "apierror-invalidsection",
                    vec![],
                    "The <var>section</var> parameter must be a valid section ID or <kbd>new</kbd>.".into(),
                ),
            )
        })?),
        None => None,
    };
    // No revision carries change tags, so filtering by any tag leaves none.
    let tagged_out = params.tag.is_some();
    for entry in entries.iter_mut() {
        let Some(page) = entry.existing().cloned() else {
            continue;
        };
        let revisions: Vec<RevisionRow> = if tagged_out {
            Vec::new()
        } else if !entry.revision_ids.is_empty() {
            let mut found = Vec::new();
            for id in &entry.revision_ids {
                found.extend(ctx.app.db.revision(*id).await?);
            }
            found
        } else if params.enumerates() {
            let (max, high_max) = if with_content { CONTENT_LIMIT } else { LIMIT };
            let top = if high_limits { high_max } else { max };
            let limit = match &params.limit {
                Some((_, true)) => {
                    run.limit_used = Some(top);
                    top
                }
                Some((text, false)) => parse_limit(text, top, ctx)?,
                None => 10,
            };
            let resume = params.resume.as_deref().map(parse_continue).transpose()?;
            let listing = RevisionListing {
                page_id: page.id,
                ascending: params.ascending,
                start: params.start,
                end: params.end,
                start_id: params.start_id,
                end_id: params.end_id,
                user: params.user.clone(),
                exclude_user: params.exclude_user.clone(),
                resume,
                limit: limit + 1,
            };
            let mut rows = ctx.app.db.list_revisions(&listing).await?;
            if rows.len() as i64 > limit {
                let next = rows.pop();
                run.next = next.map(|r| format!("{}|{}", timestamp14(r.timestamp), r.id));
            }
            rows
        } else {
            ctx.app
                .db
                .revision(page.latest)
                .await?
                .into_iter()
                .collect()
        };
        let items: Vec<Value> = revisions
            .iter()
            .map(|revision| Value::Object(revision_item(revision, params, section, ctx)))
            .collect();
        if !items.is_empty() {
            entry.fields.insert("revisions".into(), Value::Array(items));
        }
    }
    Ok(run)
}

/// A limit given as a number, clamped into 1..=`top` with a warning.
fn parse_limit(text: &str, top: i64, ctx: &mut Ctx<'_>) -> Result<i64, ApiError> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_integer("rvlimit", text))?;
    if (1..=top).contains(&value) {
        return Ok(value);
    }
    ctx.output.warn(
        REVISIONS.path,
        "integeroutofrange",
        Message::new(
            "paramvalidator-outofrange-minmax",
            vec!["rvlimit".into(), value.into()],
            format!(
                "The value \"{value}\" for parameter <var>rvlimit</var> must be between 1 and {}.",
                crate::upload::thousands(top as u64)
            ),
        ),
    );
    Ok(value.clamp(1, top))
}

/// `rvcontinue`: `timestamp|id`.
fn parse_continue(value: &str) -> Result<(i64, i64), ApiError> {
    let bad = bad_continue;
    let (timestamp, id) = value.split_once('|').ok_or_else(bad)?;
    let timestamp = parse_timestamp(timestamp).ok_or_else(bad)?;
    let id = id.trim().parse().map_err(|_| bad())?;
    Ok((timestamp, id))
}

/// One revision's fields, in MediaWiki's order.
fn revision_item(
    revision: &RevisionRow,
    params: &RevisionsParams,
    section: Option<usize>,
    ctx: &Ctx<'_>,
) -> Map<String, Value> {
    let output = &ctx.output;
    let wants = |prop: &str| params.wants(prop);
    let mut item = Map::new();
    if wants("ids") {
        item.insert("revid".into(), revision.id.into());
        item.insert("parentid".into(), revision.parent_id.into());
    }
    if wants("flags") {
        output.set_flag(&mut item, "minor", revision.is_minor());
    }
    if wants("user") || wants("userid") {
        if wants("user") {
            item.insert("user".into(), revision.user_name.clone().into());
        }
        if revision.user_id.is_none() {
            output.set_flag(&mut item, "anon", true);
        }
        if wants("userid") {
            item.insert("userid".into(), revision.user_id.unwrap_or(0).into());
        }
    }
    if wants("timestamp") {
        item.insert("timestamp".into(), iso_timestamp(revision.timestamp).into());
    }
    if wants("size") {
        item.insert("size".into(), revision.size.into());
    }
    let sha1_hex = || sha1_hex_from_base36(&revision.sha1);
    if wants("sha1") {
        item.insert("sha1".into(), sha1_hex().into());
    }
    if wants("roles") {
        item.insert("roles".into(), Value::Array(vec!["main".into()]));
    }
    // The main slot's fields: in `slots.main`, or (legacy) on the revision.
    let mut slot = Map::new();
    if params.slots.is_some() {
        if wants("slotsize") {
            slot.insert("size".into(), revision.size.into());
        }
        if wants("slotsha1") {
            slot.insert("sha1".into(), sha1_hex().into());
        }
    }
    if wants("contentmodel") || wants("content") {
        slot.insert("contentmodel".into(), "wikitext".into());
    }
    if wants("content") {
        slot.insert("contentformat".into(), "text/x-wiki".into());
        let text = match section {
            Some(n) => wikitext::section(&revision.content, n),
            None => Some(revision.content.clone()),
        };
        match text {
            Some(text) => {
                slot.insert(output.content_key("content").into(), text.into());
            }
            None => output.set_flag(&mut slot, "nosuchsection", true),
        }
    }
    let legacy_content = match &params.slots {
        Some(roles) if !roles.is_empty() && !slot.is_empty() => {
            let mut slots = Map::new();
            slots.insert("main".into(), Value::Object(content_last(slot, output.fv)));
            item.insert("slots".into(), Value::Object(slots));
            None
        }
        Some(_) => None,
        None => {
            let content = slot.shift_remove(output.content_key("content"));
            item.extend(slot);
            content
        }
    };
    if wants("comment") {
        item.insert("comment".into(), revision.comment.clone().into());
    }
    if wants("parsedcomment") {
        item.insert(
            "parsedcomment".into(),
            escape_html(&revision.comment).into(),
        );
    }
    if wants("tags") {
        item.insert("tags".into(), Value::Array(Vec::new()));
    }
    if let Some(content) = legacy_content {
        match output.fv {
            // fv1 puts content ("*") last; fv2 keeps it where it was added.
            FormatVersion::V1 => {
                item.insert("*".into(), content);
            }
            FormatVersion::V2 => {
                let position = item
                    .keys()
                    .position(|k| k == "comment" || k == "parsedcomment" || k == "tags")
                    .unwrap_or(item.len());
                let mut reordered = Map::new();
                for (i, (key, value)) in std::mem::take(&mut item).into_iter().enumerate() {
                    if i == position {
                        reordered.insert("content".into(), content.clone());
                    }
                    reordered.insert(key, value);
                }
                if !reordered.contains_key("content") {
                    reordered.insert("content".into(), content);
                }
                item = reordered;
            }
        }
    }
    item
}

/// fv1 writes a content value (`*`) after the other members.
fn content_last(mut map: Map<String, Value>, fv: FormatVersion) -> Map<String, Value> {
    if fv == FormatVersion::V1
        && let Some(content) = map.shift_remove("*")
    {
        map.insert("*".into(), content);
    }
    map
}
