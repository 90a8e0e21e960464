//! The query list modules `list=allimages` and `list=logevents`, as
//! MediaWiki 1.39 answers them: their parameters, the checks its
//! `execute()` makes (in its order, so the same error wins), items in its
//! key order, and continuation (`aicontinue`, `lecontinue`).

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::imageinfo::{self, escape_html};
use super::{filearchive, pagelists, recentchanges, search, titlelists, userlists};
use crate::api::params::parse_timestamp;
use crate::api::request::RawParams;
use crate::api::{
    ApiError, Ctx, Message, Output, ParamReader, ParamSpec, ParamType, iso_timestamp,
};
use crate::auth::canonical_user_name;
use crate::pages::hash::{sha1_base36, sha1_hex_from_base36};
use crate::pages::title::Title;
use crate::storage::{
    BotFilter, FILE_NAMESPACE, FileListing, FileOrder, ListedFile, LogEventRow, LogListing,
};
use crate::upload::timestamp14;

/// List modules available under `list=`.
pub const LIST_MODULES: &[&str] = &[
    "allcategories",
    "allimages",
    "allpages",
    "allusers",
    "backlinks",
    "categorymembers",
    "embeddedin",
    "filearchive",
    "imageusage",
    "logevents",
    "prefixsearch",
    "recentchanges",
    "usercontribs",
    "users",
    "search",
];

/// The spec of list module `name` (one of `LIST_MODULES`).
pub fn list_spec(name: &str) -> &'static ModuleSpec {
    match name {
        "allpages" => &pagelists::ALLPAGES,
        "backlinks" => &pagelists::BACKLINKS,
        "categorymembers" => &pagelists::CATEGORYMEMBERS,
        "embeddedin" => &pagelists::EMBEDDEDIN,
        "filearchive" => &filearchive::FILEARCHIVE,
        "imageusage" => &pagelists::IMAGEUSAGE,
        "logevents" => &LOGEVENTS,
        "recentchanges" => &recentchanges::RECENTCHANGES,
        "allcategories" => &titlelists::ALLCATEGORIES,
        "prefixsearch" => &titlelists::PREFIXSEARCH,
        "users" => &userlists::USERS,
        "allusers" => &userlists::ALLUSERS,
        "usercontribs" => &userlists::USERCONTRIBS,
        "search" => &search::SEARCH,
        _ => &ALLIMAGES,
    }
}

/// A module's prefix when it runs as a generator: `g` before its own.
pub fn generator_prefix(prefix: &str) -> &'static str {
    const PREFIXES: &[(&str, &str)] = &[
        ("ac", "gac"),
        ("ai", "gai"),
        ("ap", "gap"),
        ("bl", "gbl"),
        ("cl", "gcl"),
        ("cm", "gcm"),
        ("df", "gdf"),
        ("ei", "gei"),
        ("fu", "gfu"),
        ("im", "gim"),
        ("iu", "giu"),
        ("pl", "gpl"),
        ("ps", "gps"),
        ("rc", "grc"),
        ("rv", "grv"),
        ("sr", "gsr"),
        ("tl", "gtl"),
    ];
    PREFIXES
        .iter()
        .find(|(own, _)| *own == prefix)
        .map_or("g", |(_, g)| g)
}

/// imageinfo's properties less those that make no sense for a listing.
const ALLIMAGES_PROPS: &[&str] = &[
    "badfile",
    "bitdepth",
    "canonicaltitle",
    "comment",
    "commonmetadata",
    "dimensions",
    "extmetadata",
    "mediatype",
    "metadata",
    "mime",
    "parsedcomment",
    "sha1",
    "size",
    "timestamp",
    "url",
    "user",
    "userid",
];

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

const ANY_INTEGER: ParamType = ParamType::Integer {
    min: None,
    max: None,
};

pub static ALLIMAGES: ModuleSpec = ModuleSpec {
    name: "allimages",
    path: "query+allimages",
    group: "list",
    class: "ApiQueryAllImages",
    prefix: "ai",
    params: &[
        ParamSpec::new("sort", ParamType::Enum(&["name", "timestamp"])).default("name"),
        ParamSpec::new(
            "dir",
            ParamType::Enum(&["ascending", "descending", "newer", "older"]),
        )
        .default("ascending"),
        ParamSpec::string("from"),
        ParamSpec::string("to"),
        ParamSpec::string("continue"),
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::new("prop", ParamType::Enum(ALLIMAGES_PROPS))
            .multi()
            .default("timestamp|url"),
        ParamSpec::string("prefix"),
        ParamSpec::new("minsize", ANY_INTEGER),
        ParamSpec::new("maxsize", ANY_INTEGER),
        ParamSpec::string("sha1"),
        ParamSpec::string("sha1base36"),
        ParamSpec::new("user", ParamType::User),
        ParamSpec::new("filterbots", ParamType::Enum(&["all", "bots", "nobots"])).default("all"),
        ParamSpec::string("mime").multi(),
        ParamSpec::new("limit", LIMIT).default("10"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Allimages"),
};

/// `$wgLogTypes` of a default MediaWiki 1.39 (with the page creation and
/// new user logs it enables by default).
const LOG_TYPES: &[&str] = &[
    "",
    "block",
    "contentmodel",
    "create",
    "delete",
    "import",
    "managetags",
    "merge",
    "move",
    "newusers",
    "patrol",
    "protect",
    "rights",
    "suppress",
    "tag",
    "upload",
];

/// The `type/action` pairs `leaction` accepts (`$wgLogActionsHandlers`).
const LOG_ACTIONS: &[&str] = &[
    "block/block",
    "block/reblock",
    "block/unblock",
    "contentmodel/change",
    "contentmodel/new",
    "create/create",
    "delete/delete",
    "delete/delete_redir",
    "delete/delete_redir2",
    "delete/event",
    "delete/restore",
    "delete/revision",
    "import/interwiki",
    "import/upload",
    "managetags/activate",
    "managetags/create",
    "managetags/deactivate",
    "managetags/delete",
    "merge/merge",
    "move/move",
    "move/move_redir",
    "newusers/autocreate",
    "newusers/byemail",
    "newusers/create",
    "newusers/create2",
    "newusers/newusers",
    "patrol/autopatrol",
    "patrol/patrol",
    "protect/modify",
    "protect/move_prot",
    "protect/protect",
    "protect/unprotect",
    "rights/autopromote",
    "rights/rights",
    "suppress/block",
    "suppress/delete",
    "suppress/event",
    "suppress/reblock",
    "suppress/revision",
    "tag/update",
    "upload/overwrite",
    "upload/revert",
    "upload/upload",
];

/// The namespaces `lenamespace` accepts: the wiki's, Media and Special.
pub(super) const NAMESPACE_IDS: &[&str] = &[
    "-2", "-1", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
    "15",
];

const LOGEVENTS_PROPS: &[&str] = &[
    "ids",
    "title",
    "type",
    "user",
    "userid",
    "timestamp",
    "comment",
    "parsedcomment",
    "details",
    "tags",
];

pub static LOGEVENTS: ModuleSpec = ModuleSpec {
    name: "logevents",
    path: "query+logevents",
    group: "list",
    class: "ApiQueryLogEvents",
    prefix: "le",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(LOGEVENTS_PROPS))
            .multi()
            .default("ids|title|type|user|timestamp|comment|details"),
        ParamSpec::new("type", ParamType::Enum(LOG_TYPES)),
        // Checked in `log_events`, where MediaWiki checks it.
        ParamSpec::new("action", ParamType::Enum(LOG_ACTIONS)),
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::new("dir", ParamType::Enum(&["newer", "older"])).default("older"),
        ParamSpec::new("user", ParamType::User),
        ParamSpec::string("title"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS)),
        ParamSpec::string("prefix"),
        ParamSpec::string("tag"),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Logevents"),
};

/// A list module asked for, with its parsed parameters.
pub enum List {
    AllImages(AllImagesParams),
    AllPages(pagelists::AllPagesParams),
    Backlinks(pagelists::BacklinksParams),
    CategoryMembers(pagelists::CategoryMembersParams),
    FileArchive(filearchive::FileArchiveParams),
    LogEvents(LogEventsParams),
    Users(userlists::UsersParams),
    AllUsers(userlists::AllUsersParams),
    UserContribs(userlists::ContribsParams),
    RecentChanges(Box<recentchanges::RecentChangesParams>),
    AllCategories(titlelists::AllCategoriesParams),
    PrefixSearch(titlelists::PrefixSearchParams),
    Search(search::SearchParams),
}

/// One batch of a list module.
pub struct ListBatch {
    /// The module's items, for `query.<module name>`.
    pub items: Value,
    /// The pages the items are about, in their order (what the module
    /// gives as a generator).
    pub pages: Vec<Title>,
    /// The parameter and value that continue the listing, when more remain.
    pub next: Option<(String, String)>,
}

impl List {
    /// Parses the parameters of the list module `name` (one of
    /// `LIST_MODULES`); as a generator, with a `g` before its prefix.
    pub fn parse(
        name: &str,
        raw: &mut RawParams,
        output: &mut Output,
        high_limits: bool,
        generator: bool,
        sitename: &str,
    ) -> Result<List, ApiError> {
        let spec = list_spec(name);
        let prefix = if generator {
            generator_prefix(spec.prefix)
        } else {
            spec.prefix
        };
        let mut reader = ParamReader::new(raw, output, prefix, spec.path, high_limits);
        let reader = &mut reader;
        match name {
            "logevents" => LogEventsParams::parse(reader).map(List::LogEvents),
            "search" => search::SearchParams::parse(reader, prefix).map(List::Search),
            "filearchive" => filearchive::FileArchiveParams::parse(reader).map(List::FileArchive),
            "allpages" => pagelists::AllPagesParams::parse(reader, sitename).map(List::AllPages),
            "backlinks" | "embeddedin" | "imageusage" => {
                pagelists::BacklinksParams::parse(spec, reader).map(List::Backlinks)
            }
            "categorymembers" => {
                pagelists::CategoryMembersParams::parse(reader).map(List::CategoryMembers)
            }
            "users" => userlists::UsersParams::parse(reader).map(List::Users),
            "allusers" => userlists::AllUsersParams::parse(reader).map(List::AllUsers),
            "usercontribs" => userlists::ContribsParams::parse(reader).map(List::UserContribs),
            "recentchanges" => recentchanges::RecentChangesParams::parse(reader)
                .map(|p| List::RecentChanges(Box::new(p))),
            "allcategories" => {
                titlelists::AllCategoriesParams::parse(reader, sitename).map(List::AllCategories)
            }
            "prefixsearch" => titlelists::PrefixSearchParams::parse(reader).map(List::PrefixSearch),
            _ => AllImagesParams::parse(reader).map(List::AllImages),
        }
        .map_err(|e| e.in_module(spec.path))
    }

    pub fn spec(&self) -> &'static ModuleSpec {
        match self {
            List::AllImages(_) => &ALLIMAGES,
            List::AllPages(_) => &pagelists::ALLPAGES,
            List::Backlinks(params) => params.spec(),
            List::CategoryMembers(_) => &pagelists::CATEGORYMEMBERS,
            List::FileArchive(_) => &filearchive::FILEARCHIVE,
            List::LogEvents(_) => &LOGEVENTS,
            List::Users(_) => &userlists::USERS,
            List::AllUsers(_) => &userlists::ALLUSERS,
            List::UserContribs(_) => &userlists::USERCONTRIBS,
            List::RecentChanges(_) => &recentchanges::RECENTCHANGES,
            List::AllCategories(_) => &titlelists::ALLCATEGORIES,
            List::PrefixSearch(_) => &titlelists::PREFIXSEARCH,
            List::Search(_) => &search::SEARCH,
        }
    }

    /// The limit used, when the client asked for `max` (for `limits`).
    pub fn max_limit(&self) -> Option<i64> {
        let (limit, is_max) = match self {
            List::AllImages(p) => (p.limit, p.limit_is_max),
            List::AllPages(p) => (p.limit(), p.limit_is_max),
            List::Backlinks(p) => (p.limit(), p.limit_is_max),
            List::CategoryMembers(p) => (p.limit(), p.limit_is_max),
            List::AllUsers(p) => (p.limit(), p.limit_is_max),
            List::UserContribs(p) => (p.limit(), p.limit_is_max),
            List::RecentChanges(p) => (p.limit(), p.limit_is_max),
            List::AllCategories(p) => (p.limit(), p.limit_is_max),
            List::PrefixSearch(p) => (p.limit(), p.limit_is_max),
            List::Search(p) => (p.limit(), p.limit_is_max),
            List::FileArchive(_) | List::LogEvents(_) | List::Users(_) => (0, false),
        };
        is_max.then_some(limit)
    }

    /// Runs the module for one batch.
    pub async fn execute(self, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
        let path = self.spec().path;
        match self {
            List::AllImages(params) => all_images(params, ctx).await,
            List::AllPages(params) => pagelists::all_pages(params, ctx).await,
            List::Backlinks(params) => pagelists::backlinks(params, ctx).await,
            List::CategoryMembers(params) => pagelists::category_members(params, ctx).await,
            List::FileArchive(params) => filearchive::execute(params, ctx).await,
            List::LogEvents(params) => log_events(params, ctx).await,
            List::Users(params) => userlists::users(params, ctx).await,
            List::AllUsers(params) => userlists::all_users(params, ctx).await,
            List::UserContribs(params) => userlists::user_contribs(params, ctx).await,
            List::RecentChanges(params) => recentchanges::recent_changes(*params, ctx).await,
            List::AllCategories(params) => titlelists::all_categories(params, ctx).await,
            List::PrefixSearch(params) => titlelists::prefix_search(params, ctx).await,
            List::Search(params) => search::search(params, ctx).await.map(|(_, batch)| batch),
        }
        .map_err(|e| e.in_module(path))
    }
}

/// Parsed `ai*` parameters.
pub struct AllImagesParams {
    by_timestamp: bool,
    descending: bool,
    from: Option<String>,
    to: Option<String>,
    resume: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    props: Vec<&'static str>,
    prefix: Option<String>,
    min_size: Option<i64>,
    max_size: Option<i64>,
    sha1: Option<String>,
    sha1_base36: Option<String>,
    user: Option<String>,
    filterbots: &'static str,
    mimes: Option<Vec<String>>,
    limit: i64,
    limit_is_max: bool,
}

impl AllImagesParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<AllImagesParams, ApiError> {
        let p = |name| ALLIMAGES.param(name);
        let by_timestamp = reader.choice(p("sort"))? == Some("timestamp");
        let descending = matches!(reader.choice(p("dir"))?, Some("descending" | "older"));
        let from = reader.string(p("from"))?;
        let to = reader.string(p("to"))?;
        let resume = reader.string(p("continue"))?;
        let start = reader.timestamp(p("start"))?;
        let end = reader.timestamp(p("end"))?;
        let props = reader.choices(p("prop"))?;
        let prefix = reader.string(p("prefix"))?;
        let min_size = reader.integer(p("minsize"))?;
        let max_size = reader.integer(p("maxsize"))?;
        let sha1 = reader.string(p("sha1"))?;
        let sha1_base36 = reader.string(p("sha1base36"))?;
        let user = user_param(reader, &ALLIMAGES, "user")?;
        let filterbots = reader.choice(p("filterbots"))?.unwrap_or("all");
        // An empty `aimime` asks for no type at all, unlike a missing one.
        let mimes = match reader.string(p("mime"))? {
            Some(_) => Some(reader.strings(p("mime"))?),
            None => None,
        };
        let (limit, limit_is_max) = pagelists::read_limit(reader, p("limit"), 10)?;
        Ok(AllImagesParams {
            by_timestamp,
            descending,
            from,
            to,
            resume,
            start,
            end,
            props,
            prefix,
            min_size,
            max_size,
            sha1,
            sha1_base36,
            user,
            filterbots,
            mimes,
            limit,
            limit_is_max,
        })
    }
}

/// `list=allimages`: current files by name or by upload time.
async fn all_images(params: AllImagesParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    let sitename = &ctx.app.config.sitename;
    let order = if params.by_timestamp {
        for (name, given) in [
            ("from", params.from.is_some()),
            ("to", params.to.is_some()),
            ("prefix", params.prefix.is_some()),
        ] {
            if given {
                return Err(must_use_with(&format!("ai{name}"), "aisort=name"));
            }
        }
        if params.user.is_some() && params.filterbots != "all" {
            return Err(ApiError::new(
                "invalidparammix-cannotusewith",
                Message::new(
                    "apierror-invalidparammix-cannotusewith",
                    vec!["aiuser".into(), "aifilterbots".into()],
                    "The <kbd>aiuser</kbd> parameter cannot be used with <kbd>aifilterbots</kbd>."
                        .into(),
                ),
            ));
        }
        let resume = match &params.resume {
            Some(value) => {
                let (timestamp, name) = value.split_once('|').ok_or_else(bad_continue)?;
                if name.contains('|') {
                    return Err(bad_continue());
                }
                let timestamp = parse_timestamp(timestamp).ok_or_else(bad_continue)?;
                Some((timestamp, name.to_owned()))
            }
            None => None,
        };
        let bot_groups = || ctx.app.accounts.policy().groups_with_right("bot");
        FileOrder::Timestamp {
            start: params.start,
            end: params.end,
            user: params.user,
            bots: match params.filterbots {
                "bots" => BotFilter::Only(bot_groups()),
                "nobots" => BotFilter::Without(bot_groups()),
                _ => BotFilter::All,
            },
            resume,
        }
    } else {
        for (name, given) in [
            ("start", params.start.is_some()),
            ("end", params.end.is_some()),
            ("user", params.user.is_some()),
            ("filterbots", params.filterbots != "all"),
        ] {
            if given {
                return Err(must_use_with(&format!("ai{name}"), "aisort=timestamp"));
            }
        }
        if params.resume.as_deref().is_some_and(|c| c.contains('|')) {
            return Err(bad_continue());
        }
        let key = |part: &Option<String>| {
            part.as_deref()
                .map(|part| name_part_key(part, sitename))
                .transpose()
        };
        FileOrder::Name {
            from: key(&params.from)?,
            to: key(&params.to)?,
            prefix: key(&params.prefix)?,
            resume: params.resume,
        }
    };
    let sha1 = sha1_filter(params.sha1.as_deref(), params.sha1_base36.as_deref())?;
    // MediaWiki compares major and minor type; a type without a slash has
    // the minor type "unknown".
    let mimes = params.mimes.map(|mimes| {
        mimes
            .into_iter()
            .map(|m| {
                if m.contains('/') {
                    m
                } else {
                    format!("{m}/unknown")
                }
            })
            .collect()
    });
    let listing = FileListing {
        order,
        descending: params.descending,
        min_size: params.min_size,
        max_size: params.max_size,
        sha1,
        mimes,
        limit: params.limit + 1,
    };
    let (files, next) = split_batch(ctx.app.db.list_files(&listing).await?, params.limit);
    let items = files
        .iter()
        .map(|file| file_item(file, &params.props, ctx))
        .collect();
    let pages = files
        .iter()
        .map(|file| Title::new(FILE_NAMESPACE, &file.version.name))
        .collect();
    let next = next.map(|file| {
        let row = &file.version;
        let value = if params.by_timestamp {
            format!("{}|{}", timestamp14(row.timestamp), row.name)
        } else {
            row.name.clone()
        };
        ("aicontinue".to_owned(), value)
    });
    Ok(ListBatch {
        items: Value::Array(items),
        pages,
        next,
    })
}

/// One allimages item: the name, the current version's imageinfo fields,
/// then namespace and title.
fn file_item(file: &ListedFile, props: &[&str], ctx: &Ctx<'_>) -> Value {
    let row = &file.version;
    let mut item = Map::new();
    item.insert("name".into(), row.name.clone().into());
    item.extend(imageinfo::version_info(row, props, file.page_id, None, ctx));
    add_title_info(&mut item, FILE_NAMESPACE, &row.name, ctx);
    Value::Object(item)
}

/// Parsed `le*` parameters.
pub struct LogEventsParams {
    props: Vec<&'static str>,
    log_type: Option<&'static str>,
    action: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    ascending: bool,
    user: Option<String>,
    title: Option<String>,
    namespace: Option<i64>,
    prefix: Option<String>,
    tag: Option<String>,
    limit: i64,
    resume: Option<String>,
}

impl LogEventsParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<LogEventsParams, ApiError> {
        let p = |name| LOGEVENTS.param(name);
        Ok(LogEventsParams {
            props: reader.choices(p("prop"))?,
            log_type: reader.choice(p("type"))?,
            action: reader.string(p("action"))?,
            start: reader.timestamp(p("start"))?,
            end: reader.timestamp(p("end"))?,
            ascending: reader.choice(p("dir"))? == Some("newer"),
            user: user_param(reader, &LOGEVENTS, "user")?,
            title: reader.string(p("title"))?,
            namespace: reader
                .choice(p("namespace"))?
                .and_then(|id| id.parse().ok()),
            prefix: reader.string(p("prefix"))?,
            tag: reader.string(p("tag"))?,
            limit: reader.limit(p("limit"))?.unwrap_or(10),
            resume: reader.string(p("continue"))?,
        })
    }
}

/// `list=logevents`: log entries, newest first unless `ledir=newer`.
async fn log_events(params: LogEventsParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    let sitename = &ctx.app.config.sitename;
    let exclusive: Vec<String> = [
        ("title", params.title.is_some()),
        ("namespace", params.namespace.is_some()),
        ("prefix", params.prefix.is_some()),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(name, _)| format!("<var>le{name}</var>"))
    .collect();
    if exclusive.len() > 1 {
        let list = english_list(&exclusive);
        return Err(ApiError::new(
            "invalidparammix",
            Message::new(
                "apierror-invalidparammix",
                vec![
                    serde_json::json!({"list": exclusive, "type": "text"}),
                    exclusive.len().into(),
                ],
                format!("The parameters {list} can not be used together."),
            ),
        ));
    }
    let (log_type, action) = match &params.action {
        Some(full) => {
            let (log_type, action) = full
                .split_once('/')
                .filter(|_| LOG_ACTIONS.contains(&full.as_str()))
                .ok_or_else(|| {
                    ApiError::new(
                        "unknown_leaction",
                        Message::new(
                            "apierror-unrecognizedvalue",
                            vec!["leaction".into(), full.clone().into()],
                            format!(
                                "Unrecognized value for parameter <var>leaction</var>: {}.",
                                escape_html(full)
                            ),
                        ),
                    )
                })?;
            (Some(log_type.to_owned()), Some(action.to_owned()))
        }
        None => (params.log_type.map(str::to_owned), None),
    };
    let resume = match &params.resume {
        Some(value) => {
            let (timestamp, id) = value.split_once('|').ok_or_else(bad_continue)?;
            let timestamp = parse_timestamp(timestamp).ok_or_else(bad_continue)?;
            let id = id.trim().parse::<i64>().map_err(|_| bad_continue())?;
            Some((timestamp, id))
        }
        None => None,
    };
    let page_title = |text: &str| Title::parse(text, sitename).ok_or_else(|| invalid_title(text));
    let title = params.title.as_deref().map(page_title).transpose()?;
    let prefix = params.prefix.as_deref().map(page_title).transpose()?;
    // No entry carries change tags, so filtering by any tag leaves nothing.
    if params.tag.is_some() {
        return Ok(ListBatch {
            items: Value::Array(Vec::new()),
            pages: Vec::new(),
            next: None,
        });
    }
    let namespace = title
        .as_ref()
        .or(prefix.as_ref())
        .map(|t| t.namespace)
        .or(params.namespace);
    let listing = LogListing {
        log_type,
        action,
        start: params.start,
        end: params.end,
        ascending: params.ascending,
        user: params.user,
        namespace,
        title: title.map(|t| t.db_key),
        title_prefix: prefix.map(|t| t.db_key),
        resume,
        limit: params.limit + 1,
    };
    let (events, next) = split_batch(ctx.app.db.list_log_events(&listing).await?, params.limit);
    let items = events
        .iter()
        .map(|event| log_item(event, &params.props, ctx))
        .collect();
    let next = next.map(|event| {
        (
            "lecontinue".to_owned(),
            format!("{}|{}", timestamp14(event.timestamp), event.id),
        )
    });
    Ok(ListBatch {
        items: Value::Array(items),
        pages: Vec::new(),
        next,
    })
}

/// One logevents item, in MediaWiki's key order.
fn log_item(event: &LogEventRow, props: &[&str], ctx: &Ctx<'_>) -> Value {
    let wants = |prop: &str| props.contains(&prop);
    let mut item = Map::new();
    if wants("ids") {
        item.insert("logid".into(), event.id.into());
    }
    if wants("title") {
        add_title_info(&mut item, event.namespace, &event.title, ctx);
    }
    if wants("ids") {
        // pageid is the page that has the title now; logpage the page the
        // entry was written about (entries of earlier releases lack it).
        let page_id = event.page_id.unwrap_or(0);
        item.insert("pageid".into(), page_id.into());
        item.insert("logpage".into(), event.log_page.unwrap_or(page_id).into());
    }
    if wants("details") {
        item.insert("params".into(), log_params(event, ctx));
    }
    if wants("type") {
        item.insert("type".into(), event.log_type.clone().into());
        item.insert("action".into(), event.action.clone().into());
    }
    if wants("user") {
        item.insert(
            "user".into(),
            event.user_name.clone().unwrap_or_default().into(),
        );
    }
    if wants("userid") {
        item.insert("userid".into(), event.user_id.unwrap_or(0).into());
    }
    if (wants("user") || wants("userid")) && event.user_id.is_none() {
        ctx.output.set_flag(&mut item, "anon", true);
    }
    if wants("timestamp") {
        item.insert("timestamp".into(), iso_timestamp(event.timestamp).into());
    }
    if wants("comment") {
        item.insert("comment".into(), event.comment.clone().into());
    }
    if wants("parsedcomment") {
        item.insert("parsedcomment".into(), escape_html(&event.comment).into());
    }
    if wants("tags") {
        item.insert("tags".into(), Value::Array(Vec::new()));
    }
    Value::Object(item)
}

/// A log entry's parameters as the API shows them. Upload entries show the
/// SHA-1 in base 36, as MediaWiki stores it, and the version's timestamp
/// (moved last, as its formatter does); moves their target; restores
/// their counts; deletions none.
pub(super) fn log_params(event: &LogEventRow, ctx: &Ctx<'_>) -> Value {
    let stored: Map<String, Value> = serde_json::from_str(&event.params).unwrap_or_default();
    let mut params = Map::new();
    match event.log_type.as_str() {
        "upload" => {
            if let Some(sha1) = stored.get("img_sha1").and_then(Value::as_str) {
                params.insert("img_sha1".into(), sha1_base36(sha1).into());
            }
            if let Some(timestamp) = stored.get("img_timestamp").and_then(Value::as_i64) {
                params.insert("img_timestamp".into(), iso_timestamp(timestamp).into());
            }
        }
        "move" => {
            for key in ["target_ns", "target_title"] {
                if let Some(value) = stored.get(key) {
                    params.insert(key.into(), value.clone());
                }
            }
            let suppressed = stored.get("suppressredirect").and_then(Value::as_bool);
            ctx.output
                .set_flag(&mut params, "suppressredirect", suppressed.unwrap_or(false));
        }
        "delete" if event.action == "restore" => {
            if let Some(count) = stored.get("count") {
                params.insert("count".into(), count.clone());
            }
        }
        _ => {}
    }
    Value::Object(params)
}

/// `ns` and `title` of a page, as MediaWiki's `addTitleInfo` writes them.
fn add_title_info(item: &mut Map<String, Value>, namespace: i64, db_key: &str, ctx: &Ctx<'_>) {
    let title = Title {
        namespace,
        db_key: db_key.to_owned(),
    };
    item.insert("ns".into(), namespace.into());
    item.insert("title".into(), title.text(&ctx.app.config.sitename).into());
}

/// A user parameter: a user name in canonical form, or an IP address.
pub(super) fn user_param(
    reader: &mut ParamReader<'_>,
    spec: &ModuleSpec,
    name: &str,
) -> Result<Option<String>, ApiError> {
    let Some(text) = reader.string(spec.param(name))? else {
        return Ok(None);
    };
    if text.parse::<std::net::IpAddr>().is_ok() {
        return Ok(Some(text));
    }
    canonical_user_name(&text).map(Some).ok_or_else(|| {
        let name = format!("{}{name}", spec.prefix);
        ApiError::new(
            "baduser",
            Message::new(
                "paramvalidator-baduser",
                vec![name.clone().into(), text.clone().into()],
                format!(
                    "Invalid value \"{}\" for user parameter <var>{name}</var>.",
                    escape_html(&text)
                ),
            ),
        )
    })
}

/// MediaWiki's `titlePartToKey` in the File namespace: the DB key form of
/// the start of a name (`my file` → `My_file`), trailing spaces kept.
pub(super) fn name_part_key(part: &str, sitename: &str) -> Result<String, ApiError> {
    // The "x" keeps trailing spaces from being trimmed away.
    Title::parse(&format!("File:{part}x"), sitename)
        .and_then(|title| title.db_key.strip_suffix('x').map(str::to_owned))
        .ok_or_else(|| invalid_title(part))
}

/// Splits `limit + 1` fetched rows into the batch and the first row of the
/// next one.
pub(super) fn split_batch<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, Option<T>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next = if rows.len() > limit {
        rows.truncate(limit + 1);
        rows.pop()
    } else {
        None
    };
    (rows, next)
}

/// A SHA-1 filter given in hex or in base 36 (hex wins), as 40 hex
/// digits; `invalidsha1hash`/`invalidsha1base36hash` when malformed.
pub(super) fn sha1_filter(
    hex: Option<&str>,
    base36: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match (hex, base36) {
        (Some(hex), _) => {
            let hex = hex.to_lowercase();
            if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(simple_error(
                    "invalidsha1hash",
                    "The SHA1 hash provided is not valid.",
                ));
            }
            Ok(Some(hex))
        }
        (None, Some(base36)) => {
            let base36 = base36.to_lowercase();
            if base36.len() != 31 || !base36.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(simple_error(
                    "invalidsha1base36hash",
                    "The SHA1Base36 hash provided is not valid.",
                ));
            }
            Ok(Some(sha1_hex_from_base36(&base36)))
        }
        (None, None) => Ok(None),
    }
}

/// "a", "a and b", "a, b and c": MediaWiki's English list.
fn english_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

fn must_use_with(param: &str, with: &str) -> ApiError {
    ApiError::new(
        "invalidparammix",
        Message::new(
            "apierror-invalidparammix-mustusewith",
            vec![param.into(), with.into()],
            format!("The <kbd>{param}</kbd> parameter may only be used with <kbd>{with}</kbd>."),
        ),
    )
}

pub(super) fn bad_continue() -> ApiError {
    simple_error(
        "badcontinue",
        "Invalid continue param. You should pass the original value returned by the previous query.",
    )
}

pub(super) fn invalid_title(text: &str) -> ApiError {
    ApiError::new(
        "invalidtitle",
        Message::new(
            "apierror-invalidtitle",
            vec![text.into()],
            format!("Bad title \"{}\".", escape_html(text)),
        ),
    )
}

/// An error whose message key is `apierror-<code>` and takes no parameters.
pub(super) fn simple_error(code: &str, text: &str) -> ApiError {
    ApiError::new(
        code,
        Message::new(&format!("apierror-{code}"), vec![], text.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fetch_of_limit_plus_one_splits_off_the_next_row() {
        assert_eq!(split_batch(vec![1, 2, 3], 2), (vec![1, 2], Some(3)));
        assert_eq!(split_batch(vec![1, 2], 2), (vec![1, 2], None));
    }

    #[test]
    fn lists_are_joined_as_in_english() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(english_list(&items(&["a"])), "a");
        assert_eq!(english_list(&items(&["a", "b"])), "a and b");
        assert_eq!(english_list(&items(&["a", "b", "c"])), "a, b and c");
    }
}
