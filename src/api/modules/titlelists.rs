//! List modules over titles, as MediaWiki 1.39 answers them:
//! `list=allcategories` (the categories that have members, continuation
//! `accontinue` by name) and `list=prefixsearch` (pages whose title starts
//! with the search text, as MediaWiki's default search engine finds them:
//! by title, continuation `psoffset`); both also as generators.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::lists::{ListBatch, NAMESPACE_IDS, name_part_key, split_batch};
use super::pagelists::{namespaces, read_limit};
use crate::api::{ApiError, Ctx, FormatVersion, ParamReader, ParamSpec, ParamType};
use crate::pages::title::{self, Title};
use crate::storage::{CategoryListing, PageRow};

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

pub static ALLCATEGORIES: ModuleSpec = ModuleSpec {
    name: "allcategories",
    path: "query+allcategories",
    group: "list",
    class: "ApiQueryAllCategories",
    prefix: "ac",
    params: &[
        ParamSpec::string("from"),
        ParamSpec::string("continue"),
        ParamSpec::string("to"),
        ParamSpec::string("prefix"),
        ParamSpec::new("dir", ParamType::Enum(&["ascending", "descending"])).default("ascending"),
        ParamSpec::integer("min"),
        ParamSpec::integer("max"),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::new("prop", ParamType::Enum(&["hidden", "size"]))
            .multi()
            .default(""),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Allcategories"),
};

pub static PREFIXSEARCH: ModuleSpec = ModuleSpec {
    name: "prefixsearch",
    path: "query+prefixsearch",
    group: "list",
    class: "ApiQueryPrefixSearch",
    prefix: "ps",
    params: &[
        ParamSpec::string("search").required(),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values()
            .default("0"),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::new(
            "offset",
            ParamType::Integer {
                min: Some(0),
                max: None,
            },
        )
        .default("0"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Prefixsearch"),
};

/// Parsed `ac*` parameters.
pub struct AllCategoriesParams {
    listing: CategoryListing,
    resume: Option<String>,
    props: Vec<&'static str>,
    limit: i64,
    pub limit_is_max: bool,
}

impl AllCategoriesParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(
        reader: &mut ParamReader<'_>,
        sitename: &str,
    ) -> Result<AllCategoriesParams, ApiError> {
        let p = |name| ALLCATEGORIES.param(name);
        let key = |value: Option<String>| -> Result<Option<String>, ApiError> {
            value.map(|v| name_part_key(&v, sitename)).transpose()
        };
        let from = key(reader.string(p("from"))?)?;
        let resume = reader.string(p("continue"))?;
        let to = key(reader.string(p("to"))?)?;
        let prefix = key(reader.string(p("prefix"))?)?;
        let descending = reader.choice(p("dir"))? == Some("descending");
        let min = reader.integer(p("min"))?;
        let max = reader.integer(p("max"))?;
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let props = reader.choices(p("prop"))?;
        Ok(AllCategoriesParams {
            listing: CategoryListing {
                from,
                to,
                prefix,
                descending,
                min,
                max,
                limit: limit + 1,
            },
            resume,
            props,
            limit,
            limit_is_max,
        })
    }
}

/// `list=allcategories`: categories with members, by name.
pub async fn all_categories(
    mut params: AllCategoriesParams,
    ctx: &Ctx<'_>,
) -> Result<ListBatch, ApiError> {
    if let Some(resume) = params.resume.take() {
        // The continuation is where the next batch starts, whatever `from` says.
        params.listing.from = Some(resume);
    }
    let rows = ctx.app.db.list_categories(&params.listing).await?;
    let (rows, next) = split_batch(rows, params.limit);
    let wants = |prop: &str| params.props.contains(&prop);
    let output = &ctx.output;
    let mut items = Vec::new();
    let mut pages = Vec::new();
    for row in &rows {
        let title = Title::new(title::CATEGORY, &row.name);
        let name = title.name_text();
        let mut item = Map::new();
        // fv1 writes the name as content (`*`, last); fv2 as `category`.
        let fv2 = output.fv == FormatVersion::V2;
        if fv2 {
            item.insert("category".into(), name.clone().into());
        }
        if wants("size") {
            item.insert("size".into(), row.size().into());
            item.insert("pages".into(), row.pages.into());
            item.insert("files".into(), row.files.into());
            item.insert("subcats".into(), row.subcats.into());
        }
        if wants("hidden") {
            // `__HIDDENCAT__` is not recorded: no category is hidden.
            output.set_flag(&mut item, "hidden", false);
        }
        if !fv2 {
            item.insert("*".into(), name.into());
        }
        items.push(Value::Object(item));
        pages.push(title);
    }
    Ok(ListBatch {
        items: Value::Array(items),
        pages,
        next: next.map(|row| ("accontinue".to_owned(), row.name)),
    })
}

/// Parsed `ps*` parameters.
pub struct PrefixSearchParams {
    search: String,
    namespaces: Vec<i64>,
    offset: i64,
    limit: i64,
    pub limit_is_max: bool,
}

impl PrefixSearchParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(reader: &mut ParamReader<'_>) -> Result<PrefixSearchParams, ApiError> {
        let p = |name| PREFIXSEARCH.param(name);
        let search = reader.string(p("search"))?.unwrap_or_default();
        let namespaces = namespaces(reader, p("namespace"))?.unwrap_or_default();
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let offset = reader.integer(p("offset"))?.unwrap_or(0);
        Ok(PrefixSearchParams {
            search,
            namespaces,
            offset,
            limit,
            limit_is_max,
        })
    }
}

/// The pages whose titles start with `search`, in `namespaces` unless
/// the text names a namespace of its own; `limit + 1` of them from
/// `offset`.
pub(super) async fn prefix_pages(
    search: &str,
    namespaces: &[i64],
    offset: i64,
    limit: i64,
    ctx: &Ctx<'_>,
) -> Result<Vec<PageRow>, ApiError> {
    let sitename = ctx.app.pages.sitename();
    // The "x" keeps trailing spaces, which are part of the prefix.
    let Some(title) = Title::parse(&format!("{search}x"), sitename) else {
        return Ok(Vec::new());
    };
    let prefix = title.db_key.strip_suffix('x').unwrap_or_default();
    let in_namespaces = if title.namespace == title::MAIN {
        namespaces.to_vec()
    } else {
        vec![title.namespace]
    };
    Ok(ctx
        .app
        .db
        .pages_with_prefix(&in_namespaces, prefix, offset, limit + 1)
        .await?)
}

/// `list=prefixsearch`: pages by title prefix.
pub async fn prefix_search(
    params: PrefixSearchParams,
    ctx: &Ctx<'_>,
) -> Result<ListBatch, ApiError> {
    let rows = prefix_pages(
        &params.search,
        &params.namespaces,
        params.offset,
        params.limit,
        ctx,
    )
    .await?;
    let (rows, next) = split_batch(rows, params.limit);
    let sitename = ctx.app.pages.sitename();
    let mut items = Vec::new();
    let mut titles = Vec::new();
    for row in &rows {
        let title = Title::new(row.namespace, &row.title);
        let mut item = Map::new();
        item.insert("ns".into(), row.namespace.into());
        item.insert("title".into(), title.text(sitename).into());
        item.insert("pageid".into(), row.id.into());
        items.push(Value::Object(item));
        titles.push(title);
    }
    let next = next.map(|_| {
        (
            "psoffset".to_owned(),
            (params.offset + params.limit).to_string(),
        )
    });
    Ok(ListBatch {
        items: Value::Array(items),
        pages: titles,
        next,
    })
}
