//! The prop modules read from a page's own link tables: `prop=links`,
//! `templates`, `images` and `categories`, as MediaWiki 1.39 lists them
//! (pages in id order, each page's targets in namespace and title order,
//! continuation `<page id>|<namespace>|<title>` or `<page id>|<name>`), and
//! the same modules as generators. (pywikibot asks for `templates` before
//! it saves a page, to honour `{{bots}}`.)

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::lists::bad_continue;
use super::pagelists::{namespaces, read_limit};
use super::pageset::PageEntry;
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::title::{self, Title};
use crate::storage::PageLinks;

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

const DIRECTIONS: ParamType = ParamType::Enum(&["ascending", "descending"]);

/// The parameters of `links` and `templates`.
const LINK_PARAMS: &[ParamSpec] = &[
    ParamSpec::new("namespace", ParamType::Enum(super::lists::NAMESPACE_IDS))
        .multi()
        .all_values(),
    ParamSpec::new("limit", LIMIT).default("10"),
    ParamSpec::string("continue"),
    ParamSpec::string("titles").multi(),
    ParamSpec::new("dir", DIRECTIONS).default("ascending"),
];

pub static LINKS: ModuleSpec = ModuleSpec {
    name: "links",
    path: "query+links",
    group: "prop",
    class: "ApiQueryLinks",
    prefix: "pl",
    params: LINK_PARAMS,
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Links"),
};

pub static TEMPLATES: ModuleSpec = ModuleSpec {
    name: "templates",
    path: "query+templates",
    group: "prop",
    class: "ApiQueryLinks",
    prefix: "tl",
    params: &[
        LINK_PARAMS[0],
        LINK_PARAMS[1],
        LINK_PARAMS[2],
        ParamSpec::string("templates").multi(),
        LINK_PARAMS[4],
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Templates"),
};

pub static IMAGES: ModuleSpec = ModuleSpec {
    name: "images",
    path: "query+images",
    group: "prop",
    class: "ApiQueryImages",
    prefix: "im",
    params: &[
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
        ParamSpec::string("images").multi(),
        ParamSpec::new("dir", DIRECTIONS).default("ascending"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Images"),
};

pub static CATEGORIES: ModuleSpec = ModuleSpec {
    name: "categories",
    path: "query+categories",
    group: "prop",
    class: "ApiQueryCategories",
    prefix: "cl",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(&["sortkey", "timestamp", "hidden"])).multi(),
        ParamSpec::new("show", ParamType::Enum(&["hidden", "!hidden"])).multi(),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
        ParamSpec::string("categories").multi(),
        ParamSpec::new("dir", DIRECTIONS).default("ascending"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Categories"),
};

/// Which link table a module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Links,
    Templates,
    Images,
    Categories,
}

impl Kind {
    fn spec(self) -> &'static ModuleSpec {
        match self {
            Kind::Links => &LINKS,
            Kind::Templates => &TEMPLATES,
            Kind::Images => &IMAGES,
            Kind::Categories => &CATEGORIES,
        }
    }

    /// The parameter that restricts the listing to given targets.
    fn only_param(self) -> &'static str {
        match self {
            Kind::Links => "titles",
            Kind::Templates => "templates",
            Kind::Images => "images",
            Kind::Categories => "categories",
        }
    }

    /// Targets in the table's order, with the sort key (categories).
    fn targets(self, links: PageLinks) -> Vec<(Title, String)> {
        match self {
            Kind::Links => links
                .pages
                .into_iter()
                .map(|(ns, key)| (Title::new(ns, &key), String::new()))
                .collect(),
            Kind::Templates => links
                .templates
                .into_iter()
                .map(|(ns, key)| (Title::new(ns, &key), String::new()))
                .collect(),
            Kind::Images => links
                .files
                .into_iter()
                .map(|file| (Title::new(title::FILE, &file), String::new()))
                .collect(),
            Kind::Categories => links
                .categories
                .into_iter()
                .map(|(category, sort)| (Title::new(title::CATEGORY, &category), sort))
                .collect(),
        }
    }

    /// Whether the continuation names the target's namespace.
    fn continues_with_namespace(self) -> bool {
        matches!(self, Kind::Links | Kind::Templates)
    }
}

/// The module `name` (`links`, `templates`, `images`, `categories`).
fn kind(name: &str) -> Kind {
    match name {
        "links" => Kind::Links,
        "images" => Kind::Images,
        "categories" => Kind::Categories,
        _ => Kind::Templates,
    }
}

/// The spec of link prop module `name`.
pub fn spec(name: &str) -> &'static ModuleSpec {
    kind(name).spec()
}

/// Parsed parameters of one of the modules.
pub struct LinkPropParams {
    kind: Kind,
    /// Only these namespaces (None: all).
    namespaces: Option<Vec<i64>>,
    limit: i64,
    pub limit_is_max: bool,
    /// Page id, namespace, DB key to resume at.
    resume: Option<(i64, i64, String)>,
    /// Only these targets (text form), when given.
    only: Vec<String>,
    descending: bool,
    /// `clprop`.
    props: Vec<&'static str>,
    /// `clshow`: only hidden (true) or only visible (false) categories.
    hidden: Option<bool>,
}

impl LinkPropParams {
    pub fn parse(name: &str, reader: &mut ParamReader<'_>) -> Result<LinkPropParams, ApiError> {
        let kind = kind(name);
        let spec = kind.spec();
        let p = |name| spec.param(name);
        let (props, hidden) = if kind == Kind::Categories {
            let props = reader.choices(p("prop"))?;
            let show = reader.choices(p("show"))?;
            let hidden = match (show.contains(&"hidden"), show.contains(&"!hidden")) {
                (true, true) => return Err(incompatible_show()),
                (true, false) => Some(true),
                (false, true) => Some(false),
                (false, false) => None,
            };
            (props, hidden)
        } else {
            (Vec::new(), None)
        };
        let namespaces = if kind.continues_with_namespace() {
            namespaces(reader, p("namespace"))?
        } else {
            None
        };
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let resume = match reader.string(p("continue"))? {
            Some(value) => Some(parse_continue(kind, &value).ok_or_else(bad_continue)?),
            None => None,
        };
        let only = reader.strings(p(kind.only_param()))?;
        let descending = reader.choice(p("dir"))? == Some("descending");
        Ok(LinkPropParams {
            kind,
            namespaces,
            limit,
            limit_is_max,
            resume,
            only,
            descending,
            props,
            hidden,
        })
    }

    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// The module's name.
    pub fn name(&self) -> &'static str {
        self.kind.spec().name
    }
}

fn incompatible_show() -> ApiError {
    super::lists::simple_error(
        "show",
        "Incorrect parameter - mutually exclusive values may not be supplied.",
    )
}

fn parse_continue(kind: Kind, value: &str) -> Option<(i64, i64, String)> {
    let (page, rest) = value.split_once('|')?;
    let page = page.trim().parse().ok()?;
    if kind.continues_with_namespace() {
        let (namespace, title) = rest.split_once('|')?;
        Some((page, namespace.trim().parse().ok()?, title.to_owned()))
    } else {
        let namespace = match kind {
            Kind::Images => title::FILE,
            _ => title::CATEGORY,
        };
        Some((page, namespace, rest.to_owned()))
    }
}

/// One target of one page: the title and the category sort key prefix.
struct Target {
    title: Title,
    sortkey: String,
}

/// The targets of each page in the listing's order and limit, and where
/// the next batch starts.
struct Selection {
    /// Index of the page in the entries, and its targets.
    per_page: Vec<(usize, Vec<Target>)>,
    next: Option<String>,
}

async fn select(
    entries: &[PageEntry],
    params: &LinkPropParams,
    ctx: &Ctx<'_>,
) -> Result<Selection, ApiError> {
    let only: Vec<Title> = params
        .only
        .iter()
        .filter_map(|t| ctx.app.pages.title(t))
        .collect();
    let mut pages: Vec<(usize, i64)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.page.as_ref().map(|p| (i, p.id)))
        .collect();
    pages.sort_by_key(|(_, id)| *id);
    if params.descending {
        pages.reverse();
    }
    let mut selection = Selection {
        per_page: Vec::new(),
        next: None,
    };
    let mut left = params.limit;
    for (index, page_id) in pages {
        let links = ctx.app.db.page_links(page_id).await?;
        let mut targets: Vec<(Title, String)> = params
            .kind
            .targets(links)
            .into_iter()
            .filter(|(t, _)| {
                params
                    .namespaces
                    .as_ref()
                    .is_none_or(|n| n.contains(&t.namespace))
            })
            .filter(|(t, _)| only.is_empty() || only.contains(t))
            .collect();
        if params.hidden == Some(true) {
            // No category is hidden: `__HIDDENCAT__` is not recorded.
            targets.clear();
        }
        if params.descending {
            targets.reverse();
        }
        let mut listed = Vec::new();
        for (title, sortkey) in targets {
            if let Some((resume_page, resume_ns, resume_title)) = &params.resume {
                let here = (page_id, title.namespace, title.db_key.as_str());
                let at = (*resume_page, *resume_ns, resume_title.as_str());
                let before = if params.descending {
                    here > at
                } else {
                    here < at
                };
                if before {
                    continue;
                }
            }
            if left == 0 {
                selection.next = Some(if params.kind.continues_with_namespace() {
                    format!("{page_id}|{}|{}", title.namespace, title.db_key)
                } else {
                    format!("{page_id}|{}", title.db_key)
                });
                selection.per_page.push((index, listed));
                return Ok(selection);
            }
            left -= 1;
            listed.push(Target { title, sortkey });
        }
        selection.per_page.push((index, listed));
    }
    Ok(selection)
}

/// Adds the module's list to each page; returns its continuation value
/// when more remain.
pub async fn add(
    entries: &mut [PageEntry],
    params: &LinkPropParams,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let selection = select(entries, params, ctx).await?;
    let wants = |prop: &str| params.props.contains(&prop);
    for (index, targets) in selection.per_page {
        if targets.is_empty() {
            continue;
        }
        let mut items = Vec::new();
        for target in targets {
            let mut item = Map::new();
            item.insert("ns".into(), target.title.namespace.into());
            item.insert("title".into(), target.title.text(&sitename).into());
            if wants("sortkey") {
                let page_title = entries[index]
                    .title
                    .as_ref()
                    .map(Title::name_text)
                    .unwrap_or_default();
                let key = super::pagelists::hex_sort_key(&target.sortkey, &page_title);
                item.insert("sortkey".into(), key.into());
                item.insert("sortkeyprefix".into(), target.sortkey.clone().into());
            }
            if wants("timestamp") {
                let page_id = entries[index].page.as_ref().map_or(0, |p| p.id);
                let added = ctx
                    .app
                    .db
                    .category_link_time(page_id, &target.title.db_key)
                    .await?;
                item.insert("timestamp".into(), iso_timestamp(added).into());
            }
            if wants("hidden") {
                ctx.output.set_flag(&mut item, "hidden", false);
            }
            items.push(Value::Object(item));
        }
        entries[index]
            .fields
            .insert(params.kind.spec().name.into(), Value::Array(items));
    }
    Ok(selection.next)
}

/// The module as a generator: the pages the set's pages link to, and
/// where the next batch starts.
pub async fn generate(
    entries: &[PageEntry],
    params: &LinkPropParams,
    ctx: &Ctx<'_>,
) -> Result<(Vec<Title>, Option<String>), ApiError> {
    let selection = select(entries, params, ctx).await?;
    let mut titles: Vec<Title> = Vec::new();
    for target in selection.per_page.into_iter().flat_map(|(_, t)| t) {
        if !titles.contains(&target.title) {
            titles.push(target.title);
        }
    }
    Ok((titles, selection.next))
}
