//! The list modules over pages and the link tables: `list=allpages`,
//! `backlinks`, `embeddedin`, `imageusage` and `categorymembers`, as
//! MediaWiki 1.39 answers them (items `pageid`, `ns`, `title`; continuation
//! `apcontinue` by title, the backlink lists' `<namespace>|<page id>`,
//! categorymembers' `<type>|<hex sort key>|<page id>`).

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::lists::{
    ListBatch, NAMESPACE_IDS, bad_continue, name_part_key, simple_error, split_batch,
};
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::title::{self, Title};
use crate::storage::{BacklinkListing, LinkTable, LinkingPage, PageListing, PageRow};

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

const DIRECTIONS: ParamType = ParamType::Enum(&["ascending", "descending"]);

const FILTER_REDIRECTS: ParamType = ParamType::Enum(&["all", "redirects", "nonredirects"]);

pub static ALLPAGES: ModuleSpec = ModuleSpec {
    name: "allpages",
    path: "query+allpages",
    group: "list",
    class: "ApiQueryAllPages",
    prefix: "ap",
    params: &[
        ParamSpec::string("from"),
        ParamSpec::string("continue"),
        ParamSpec::string("to"),
        ParamSpec::string("prefix"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS)).default("0"),
        ParamSpec::new("filterredir", FILTER_REDIRECTS).default("all"),
        ParamSpec::new(
            "filterlanglinks",
            ParamType::Enum(&["all", "withlanglinks", "withoutlanglinks"]),
        )
        .default("all"),
        ParamSpec::integer("minsize"),
        ParamSpec::integer("maxsize"),
        ParamSpec::new("prtype", ParamType::Enum(&["edit", "move", "upload"])).multi(),
        ParamSpec::new("prlevel", ParamType::Enum(&["", "autoconfirmed", "sysop"])).multi(),
        ParamSpec::new(
            "prfiltercascade",
            ParamType::Enum(&["all", "cascading", "noncascading"]),
        )
        .default("all"),
        ParamSpec::new(
            "prexpiry",
            ParamType::Enum(&["all", "definite", "indefinite"]),
        )
        .default("all"),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::new("dir", DIRECTIONS).default("ascending"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Allpages"),
};

/// The parameters the three backlink lists share (`redirect` aside).
const fn backlink_params(with_redirect: bool) -> &'static [ParamSpec] {
    const COMMON: &[ParamSpec] = &[
        ParamSpec::string("title"),
        ParamSpec::integer("pageid"),
        ParamSpec::string("continue"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values(),
        ParamSpec::new("dir", DIRECTIONS).default("ascending"),
        ParamSpec::new("filterredir", FILTER_REDIRECTS).default("all"),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::flag("redirect"),
    ];
    if with_redirect {
        COMMON
    } else {
        COMMON.split_at(COMMON.len() - 1).0
    }
}

pub static BACKLINKS: ModuleSpec = ModuleSpec {
    name: "backlinks",
    path: "query+backlinks",
    group: "list",
    class: "ApiQueryBacklinks",
    prefix: "bl",
    params: backlink_params(true),
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Backlinks"),
};

pub static EMBEDDEDIN: ModuleSpec = ModuleSpec {
    name: "embeddedin",
    path: "query+embeddedin",
    group: "list",
    class: "ApiQueryBacklinks",
    prefix: "ei",
    params: backlink_params(false),
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Embeddedin"),
};

pub static IMAGEUSAGE: ModuleSpec = ModuleSpec {
    name: "imageusage",
    path: "query+imageusage",
    group: "list",
    class: "ApiQueryBacklinks",
    prefix: "iu",
    params: backlink_params(true),
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Imageusage"),
};

const CATEGORYMEMBERS_PROPS: &[&str] = &[
    "ids",
    "title",
    "sortkey",
    "sortkeyprefix",
    "type",
    "timestamp",
];

/// Member types in the order MediaWiki lists them (`cl_type`'s order).
const MEMBER_TYPES: &[&str] = &["page", "subcat", "file"];

pub static CATEGORYMEMBERS: ModuleSpec = ModuleSpec {
    name: "categorymembers",
    path: "query+categorymembers",
    group: "list",
    class: "ApiQueryCategoryMembers",
    prefix: "cm",
    params: &[
        ParamSpec::string("title"),
        ParamSpec::integer("pageid"),
        ParamSpec::new("prop", ParamType::Enum(CATEGORYMEMBERS_PROPS))
            .multi()
            .default("ids|title"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values(),
        ParamSpec::new("type", ParamType::Enum(MEMBER_TYPES))
            .multi()
            .default("page|subcat|file"),
        ParamSpec::string("continue"),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::new("sort", ParamType::Enum(&["sortkey", "timestamp"])).default("sortkey"),
        ParamSpec::new(
            "dir",
            ParamType::Enum(&["asc", "desc", "ascending", "descending", "newer", "older"]),
        )
        .default("ascending"),
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::string("starthexsortkey"),
        ParamSpec::string("endhexsortkey"),
        ParamSpec::string("startsortkeyprefix"),
        ParamSpec::string("endsortkeyprefix"),
        ParamSpec::string("startsortkey").deprecated(),
        ParamSpec::string("endsortkey").deprecated(),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Categorymembers"),
};

/// The limit parameter: its value, and whether the client said `max`.
pub(super) fn read_limit(
    reader: &mut ParamReader<'_>,
    spec: &'static ParamSpec,
    default: i64,
) -> Result<(i64, bool), ApiError> {
    let is_max = reader.string(spec)?.as_deref() == Some("max");
    Ok((reader.limit(spec)?.unwrap_or(default), is_max))
}

/// Namespaces of a multi-value namespace parameter; None for all.
pub(super) fn namespaces(
    reader: &mut ParamReader<'_>,
    spec: &'static ParamSpec,
) -> Result<Option<Vec<i64>>, ApiError> {
    let values = reader.choices(spec)?;
    if reader.string(spec)?.is_none() {
        return Ok(None);
    }
    Ok(Some(values.iter().filter_map(|v| v.parse().ok()).collect()))
}

/// Parsed `ap*` parameters.
pub struct AllPagesParams {
    pub listing: PageListing,
    resume: Option<String>,
    limit: i64,
    pub limit_is_max: bool,
}

impl AllPagesParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(reader: &mut ParamReader<'_>, sitename: &str) -> Result<AllPagesParams, ApiError> {
        let p = |name| ALLPAGES.param(name);
        let key = |value: Option<String>| -> Result<Option<String>, ApiError> {
            value.map(|v| title_part_key(&v, sitename)).transpose()
        };
        let from = key(reader.string(p("from"))?)?;
        let resume = reader.string(p("continue"))?;
        let to = key(reader.string(p("to"))?)?;
        let prefix = key(reader.string(p("prefix"))?)?;
        let namespace = reader
            .choice(p("namespace"))?
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let redirects = match reader.choice(p("filterredir"))? {
            Some("redirects") => Some(true),
            Some("nonredirects") => Some(false),
            _ => None,
        };
        reader.choice(p("filterlanglinks"))?;
        let min_size = reader.integer(p("minsize"))?;
        let max_size = reader.integer(p("maxsize"))?;
        for name in ["prtype", "prlevel"] {
            reader.choices(p(name))?;
        }
        for name in ["prfiltercascade", "prexpiry"] {
            reader.choice(p(name))?;
        }
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let descending = reader.choice(p("dir"))? == Some("descending");
        Ok(AllPagesParams {
            listing: PageListing {
                namespace,
                from,
                to,
                prefix,
                redirects,
                min_size,
                max_size,
                descending,
                limit: limit + 1,
            },
            resume,
            limit,
            limit_is_max,
        })
    }
}

/// MediaWiki's `titlePartToKey`: the DB key form of the start of a title
/// (first letter upper case, spaces as underscores, trailing ones kept).
fn title_part_key(part: &str, sitename: &str) -> Result<String, ApiError> {
    // File names follow the same rules as any title's text.
    name_part_key(part, sitename)
}

/// `list=allpages`: the pages of one namespace by title.
pub async fn all_pages(mut params: AllPagesParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    if let Some(resume) = params.resume.take() {
        params.listing.from = Some(resume);
    }
    let rows = ctx.app.db.list_pages(&params.listing).await?;
    let (rows, next) = split_batch(rows, params.limit);
    Ok(page_batch(
        &rows,
        next.map(|row| ("apcontinue".to_owned(), row.title)),
        ctx,
    ))
}

/// Items `{pageid, ns, title}` and the pages, for a list or a generator.
fn page_batch(rows: &[PageRow], next: Option<(String, String)>, ctx: &Ctx<'_>) -> ListBatch {
    let sitename = ctx.app.pages.sitename();
    let mut items = Vec::new();
    let mut pages = Vec::new();
    for row in rows {
        let title = Title::new(row.namespace, &row.title);
        let mut item = Map::new();
        item.insert("pageid".into(), row.id.into());
        item.insert("ns".into(), row.namespace.into());
        item.insert("title".into(), title.text(sitename).into());
        items.push(Value::Object(item));
        pages.push(title);
    }
    ListBatch {
        items: Value::Array(items),
        pages,
        next,
    }
}

/// Which page a backlink list or categorymembers is about: `title` or
/// `pageid`, exactly one of them.
async fn target_page(
    prefix: &str,
    title: Option<String>,
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
                vec![],
                format!(
                    "One of the parameters <var>{prefix}title</var> and <var>{prefix}pageid</var> is required."
                ),
            ),
        )),
        (Some(text), None) => ctx.app.pages.title(&text).ok_or_else(|| {
            ApiError::new(
                "invalidtitle",
                Message::new(
                    "apierror-invalidtitle",
                    vec![text.clone().into()],
                    format!("Bad title \"{text}\"."),
                ),
            )
        }),
        (None, Some(id)) => match ctx.app.pages.page_by_id(id).await? {
            Some(page) => Ok(Title::new(page.namespace, &page.title)),
            None => Err(ApiError::new(
                "nosuchpageid",
                Message::new(
                    "apierror-nosuchpageid",
                    vec![id.into()],
                    format!("There is no page with ID {id}."),
                ),
            )),
        },
    }
}

/// Parsed parameters of `backlinks`, `embeddedin` or `imageusage`.
pub struct BacklinksParams {
    spec: &'static ModuleSpec,
    title: Option<String>,
    page_id: Option<i64>,
    resume: Option<String>,
    namespaces: Option<Vec<i64>>,
    descending: bool,
    redirects: Option<bool>,
    limit: i64,
    pub limit_is_max: bool,
}

impl BacklinksParams {
    pub fn spec(&self) -> &'static ModuleSpec {
        self.spec
    }

    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(
        spec: &'static ModuleSpec,
        reader: &mut ParamReader<'_>,
    ) -> Result<BacklinksParams, ApiError> {
        let p = |name| spec.param(name);
        let title = reader.string(p("title"))?;
        let page_id = reader.integer(p("pageid"))?;
        let resume = reader.string(p("continue"))?;
        let namespaces = namespaces(reader, p("namespace"))?;
        let descending = reader.choice(p("dir"))? == Some("descending");
        let redirects = match reader.choice(p("filterredir"))? {
            Some("redirects") => Some(true),
            Some("nonredirects") => Some(false),
            _ => None,
        };
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        if spec.params.iter().any(|s| s.name == "redirect") {
            reader.flag(p("redirect"))?;
        }
        Ok(BacklinksParams {
            spec,
            title,
            page_id,
            resume,
            namespaces,
            descending,
            redirects,
            limit,
            limit_is_max,
        })
    }
}

/// `list=backlinks|embeddedin|imageusage`: the pages linking to, embedding
/// or using a page, by page id.
pub async fn backlinks(params: BacklinksParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    let prefix = params.spec.prefix;
    let target = target_page(prefix, params.title, params.page_id, ctx).await?;
    let table = match params.spec.name {
        "backlinks" => LinkTable::Pages,
        "embeddedin" => LinkTable::Templates,
        _ => LinkTable::Files,
    };
    if table == LinkTable::Files && target.namespace != title::FILE {
        return Err(simple_error(
            "imageusage_invalid_title",
            "The title for imageusage query must be a file.",
        ));
    }
    let resume = match &params.resume {
        Some(value) => {
            let (_, id) = value.split_once('|').ok_or_else(bad_continue)?;
            Some(id.trim().parse::<i64>().map_err(|_| bad_continue())?)
        }
        None => None,
    };
    let listing = BacklinkListing {
        table,
        namespace: target.namespace,
        title: target.db_key.clone(),
        page_namespaces: params.namespaces,
        redirects: params.redirects,
        resume,
        descending: params.descending,
        limit: params.limit + 1,
    };
    let rows = ctx.app.db.list_backlinks(&listing).await?;
    let (rows, next) = split_batch(rows, params.limit);
    let pages: Vec<PageRow> = rows.into_iter().map(|r| r.page).collect();
    let next = next.map(|row| {
        (
            format!("{prefix}continue"),
            format!("{}|{}", row.page.namespace, row.page.id),
        )
    });
    Ok(page_batch(&pages, next, ctx))
}

/// Parsed `cm*` parameters.
pub struct CategoryMembersParams {
    title: Option<String>,
    page_id: Option<i64>,
    props: Vec<&'static str>,
    namespaces: Option<Vec<i64>>,
    types: Vec<&'static str>,
    resume: Option<String>,
    limit: i64,
    pub limit_is_max: bool,
    by_timestamp: bool,
    descending: bool,
}

impl CategoryMembersParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(reader: &mut ParamReader<'_>) -> Result<CategoryMembersParams, ApiError> {
        let p = |name| CATEGORYMEMBERS.param(name);
        let title = reader.string(p("title"))?;
        let page_id = reader.integer(p("pageid"))?;
        let props = reader.choices(p("prop"))?;
        let namespaces = namespaces(reader, p("namespace"))?;
        let types = reader.choices(p("type"))?;
        let resume = reader.string(p("continue"))?;
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let by_timestamp = reader.choice(p("sort"))? == Some("timestamp");
        let descending = matches!(
            reader.choice(p("dir"))?,
            Some("desc" | "descending" | "older")
        );
        for name in ["start", "end"] {
            reader.timestamp(p(name))?;
        }
        for name in [
            "starthexsortkey",
            "endhexsortkey",
            "startsortkeyprefix",
            "endsortkeyprefix",
            "startsortkey",
            "endsortkey",
        ] {
            reader.string(p(name))?;
        }
        Ok(CategoryMembersParams {
            title,
            page_id,
            props,
            namespaces,
            types,
            resume,
            limit,
            limit_is_max,
            by_timestamp,
            descending,
        })
    }
}

/// A category member's type by its namespace, as `cl_type` records it.
fn member_type(namespace: i64) -> &'static str {
    match namespace {
        title::FILE => "file",
        title::CATEGORY => "subcat",
        _ => "page",
    }
}

/// The uppercase collation's sort key of a member: the prefix (if any)
/// and the title's text, upper-cased, as hex.
pub(super) fn hex_sort_key(prefix: &str, title_text: &str) -> String {
    let key = if prefix.is_empty() {
        title_text.to_uppercase()
    } else {
        format!("{prefix}\n{title_text}").to_uppercase()
    };
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

/// `list=categorymembers`: the pages in a category, by type and sort key
/// (or by the time they were added).
pub async fn category_members(
    params: CategoryMembersParams,
    ctx: &Ctx<'_>,
) -> Result<ListBatch, ApiError> {
    let sitename = ctx.app.pages.sitename();
    let category = target_page("cm", params.title, params.page_id, ctx).await?;
    if category.namespace != title::CATEGORY {
        return Err(ApiError::new(
            "invalidcategory",
            Message::new(
                "apierror-invalidcategory",
                vec![],
                "The category name you entered is not valid.".into(),
            ),
        ));
    }
    let listing = BacklinkListing {
        table: LinkTable::Categories,
        namespace: title::CATEGORY,
        title: category.db_key.clone(),
        page_namespaces: params.namespaces,
        redirects: None,
        resume: None,
        descending: false,
        limit: i64::MAX,
    };
    // A category's members are sorted here: the sort key is derived from
    // each page's title, which the table does not hold in sortable form.
    let mut members: Vec<(String, LinkingPage)> = ctx
        .app
        .db
        .list_backlinks(&listing)
        .await?
        .into_iter()
        .filter(|m| params.types.contains(&member_type(m.page.namespace)))
        .map(|m| {
            let text = Title::new(m.page.namespace, &m.page.title).name_text();
            (hex_sort_key(&m.sortkey, &text), m)
        })
        .collect();
    let position = |(key, m): &(String, LinkingPage)| -> String {
        if params.by_timestamp {
            format!("{}|{}", crate::upload::timestamp14(m.linked_at), m.page.id)
        } else {
            format!("{}|{key}|{}", member_type(m.page.namespace), m.page.id)
        }
    };
    let rank = |(key, m): &(String, LinkingPage)| {
        let type_rank = MEMBER_TYPES
            .iter()
            .position(|t| *t == member_type(m.page.namespace))
            .unwrap_or(0);
        if params.by_timestamp {
            (0, String::new(), m.linked_at, m.page.id)
        } else {
            (type_rank, key.clone(), 0, m.page.id)
        }
    };
    members.sort_by_key(|member| rank(member));
    if params.descending {
        members.reverse();
    }
    if let Some(resume) = &params.resume {
        let start = members
            .iter()
            .position(|m| position(m) == *resume)
            .ok_or_else(bad_continue)?;
        members.drain(..start);
    }
    let (members, next) = split_batch(members, params.limit);
    let next = next.map(|m| ("cmcontinue".to_owned(), position(&m)));
    let wants = |prop: &str| params.props.contains(&prop);
    let mut items = Vec::new();
    let mut pages = Vec::new();
    for (key, member) in &members {
        let page = &member.page;
        let title = Title::new(page.namespace, &page.title);
        let mut item = Map::new();
        if wants("ids") {
            item.insert("pageid".into(), page.id.into());
        }
        if wants("title") {
            item.insert("ns".into(), page.namespace.into());
            item.insert("title".into(), title.text(sitename).into());
        }
        if wants("sortkey") {
            item.insert("sortkey".into(), key.clone().into());
        }
        if wants("sortkeyprefix") {
            item.insert("sortkeyprefix".into(), member.sortkey.clone().into());
        }
        if wants("type") {
            item.insert("type".into(), member_type(page.namespace).into());
        }
        if wants("timestamp") {
            item.insert("timestamp".into(), iso_timestamp(member.linked_at).into());
        }
        items.push(Value::Object(item));
        pages.push(title);
    }
    Ok(ListBatch {
        items: Value::Array(items),
        pages,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_are_the_upper_cased_title_in_hex() {
        // As the reference lists "File:Glist R28ffbc3 fv2 main.png".
        assert_eq!(
            hex_sort_key("", "Glist R28ffbc3 fv2 main.png"),
            "474c49535420523238464642433320465632204d41494e2e504e47"
        );
        assert_eq!(hex_sort_key("a", "b"), "410a42");
    }
}
