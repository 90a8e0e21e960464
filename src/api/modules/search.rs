//! `list=search` (and `generator=search`) as MediaWiki 1.39 answers it
//! with its default database search: `searchinfo` (`totalhits`), items
//! `ns`, `title`, `pageid` and the `srprop` fields, continuation by
//! `sroffset`. The search itself is the page domain's (`pages::search`).

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::lists::{ListBatch, NAMESPACE_IDS};
use super::pagelists::read_limit;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::search::{SearchRequest, SearchResults, SearchWhat};

const SEARCH_PROPS: &[&str] = &[
    "size",
    "wordcount",
    "timestamp",
    "snippet",
    "titlesnippet",
    "redirecttitle",
    "redirectsnippet",
    "sectiontitle",
    "sectionsnippet",
    "isfilematch",
    "categorysnippet",
    "score",
    "hasrelated",
    "extensiondata",
];

/// `srprop` values MediaWiki accepts with a deprecation warning.
const DEPRECATED_PROPS: &[&str] = &["score", "hasrelated"];

pub static SEARCH: ModuleSpec = ModuleSpec {
    name: "search",
    path: "query+search",
    group: "list",
    class: "ApiQuerySearch",
    prefix: "sr",
    params: &[
        ParamSpec::string("search").required(),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values()
            .default("0"),
        ParamSpec::new(
            "limit",
            ParamType::Limit {
                max: 500,
                high_max: 5000,
            },
        )
        .default("10"),
        ParamSpec::integer("offset").default("0"),
        ParamSpec::new("what", ParamType::Enum(&["nearmatch", "text", "title"])),
        ParamSpec::new(
            "info",
            ParamType::Enum(&["rewrittenquery", "suggestion", "totalhits"]),
        )
        .multi()
        .default("totalhits|suggestion|rewrittenquery"),
        ParamSpec::new("prop", ParamType::Enum(SEARCH_PROPS))
            .multi()
            .default("size|wordcount|timestamp|snippet"),
        ParamSpec::flag("interwiki"),
        ParamSpec::flag("enablerewrites"),
        // The database search sorts by relevance only, as MediaWiki's does.
        ParamSpec::new("sort", ParamType::Enum(&["relevance"])).default("relevance"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Search"),
};

/// Parsed `sr*` parameters.
pub struct SearchParams {
    request: SearchRequest,
    props: Vec<&'static str>,
    pub limit_is_max: bool,
}

impl SearchParams {
    /// `prefix` is `sr`, or `gsr` for the generator.
    pub fn parse(reader: &mut ParamReader<'_>, prefix: &str) -> Result<SearchParams, ApiError> {
        let p = |name| SEARCH.param(name);
        let query = reader.string(p("search"))?.unwrap_or_default();
        // An empty search is as good as none.
        if query.is_empty() {
            return Err(ApiError::missing_param(&format!("{prefix}search")));
        }
        let namespaces = reader.choices(p("namespace"))?;
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let offset = reader.integer(p("offset"))?.unwrap_or(0).max(0);
        let what = match reader.choice(p("what"))? {
            Some("text") => SearchWhat::Text,
            Some("nearmatch") => SearchWhat::NearMatch,
            // MediaWiki's default is a title search, which this backend has.
            _ => SearchWhat::Title,
        };
        let info = reader.choices(p("info"))?;
        let props = reader.choices(p("prop"))?;
        for value in props.iter().filter(|v| DEPRECATED_PROPS.contains(v)) {
            reader.output().warn_deprecated(
                SEARCH.path,
                &super::deprecation_feature(SEARCH.path, &format!("{prefix}prop={value}")),
                Message::new(
                    "paramvalidator-deprecated-value",
                    vec![format!("{prefix}prop").into(), (*value).into()],
                    format!(
                        "The value \"{value}\" to parameter <var>{prefix}prop</var> has been deprecated."
                    ),
                ),
            );
        }
        for name in ["interwiki", "enablerewrites"] {
            reader.flag(p(name))?;
        }
        reader.choice(p("sort"))?;
        Ok(SearchParams {
            request: SearchRequest {
                query,
                what,
                namespaces: Some(namespaces.iter().filter_map(|n| n.parse().ok()).collect()),
                offset,
                limit,
                count: info.contains(&"totalhits") && what != SearchWhat::NearMatch,
            },
            props,
            limit_is_max,
        })
    }

    pub fn limit(&self) -> i64 {
        self.request.limit
    }

    /// Where the generated pages' `index` starts.
    pub fn first_index(&self) -> i64 {
        self.request.offset + 1
    }
}

/// Runs the search: `searchinfo` (when there is something to say) and the
/// batch.
pub async fn search(
    params: SearchParams,
    ctx: &Ctx<'_>,
) -> Result<(Option<Value>, ListBatch), ApiError> {
    let SearchResults { hits, total, more } = ctx.app.pages.search(&params.request).await?;
    let info = total.map(|total| {
        let mut info = Map::new();
        info.insert("totalhits".into(), total.into());
        Value::Object(info)
    });
    let sitename = ctx.app.pages.sitename();
    let wants = |prop: &str| params.props.contains(&prop);
    let mut items = Vec::new();
    let mut pages = Vec::new();
    for hit in hits {
        let mut item = Map::new();
        item.insert("ns".into(), hit.title.namespace.into());
        item.insert("title".into(), hit.title.text(sitename).into());
        item.insert("pageid".into(), hit.page_id.into());
        if wants("size") {
            item.insert("size".into(), hit.size.into());
        }
        if wants("wordcount") {
            item.insert("wordcount".into(), hit.word_count.into());
        }
        if wants("snippet") {
            item.insert("snippet".into(), hit.snippet.into());
        }
        if wants("timestamp") {
            item.insert("timestamp".into(), iso_timestamp(hit.timestamp).into());
        }
        // The database search highlights no titles or categories.
        if wants("titlesnippet") {
            item.insert("titlesnippet".into(), "".into());
        }
        if wants("categorysnippet") {
            item.insert("categorysnippet".into(), "".into());
        }
        if wants("isfilematch") {
            item.insert("isfilematch".into(), false.into());
        }
        items.push(Value::Object(item));
        pages.push(hit.title);
    }
    let next = more.then(|| {
        let offset = params.request.offset + params.request.limit;
        ("sroffset".to_owned(), offset.to_string())
    });
    Ok((
        info,
        ListBatch {
            items: Value::Array(items),
            pages,
            next,
        },
    ))
}
