//! `action=opensearch`: title suggestions in the OpenSearch shape, as
//! MediaWiki 1.39 answers them with its default search engine: the JSON
//! array `[search, titles, descriptions, urls]` (descriptions are empty)
//! or the `SearchSuggestion` XML document. Redirects are returned as
//! they are, or resolved to their targets (MediaWiki's default for the
//! XML formats).

use serde_json::{Value, json};

use super::ModuleSpec;
use super::lists::NAMESPACE_IDS;
use super::pagelists::namespaces;
use super::pageset::page_url;
use super::rsd::xml_escape;
use super::titlelists::prefix_pages;
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType};
use crate::pages::title::Title;

pub static OPENSEARCH: ModuleSpec = ModuleSpec {
    name: "opensearch",
    path: "opensearch",
    group: "action",
    class: "ApiOpenSearch",
    prefix: "",
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
        ParamSpec::flag("suggest").deprecated(),
        ParamSpec::new("redirects", ParamType::Enum(&["resolve", "return"])),
        ParamSpec::new(
            "format",
            ParamType::Enum(&["json", "jsonfm", "xml", "xmlfm"]),
        )
        .default("json"),
        ParamSpec::flag("warningsaserror"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Opensearch"),
};

/// Parsed opensearch parameters.
pub struct OpenSearchParams {
    search: String,
    namespaces: Vec<i64>,
    limit: i64,
    resolve_redirects: bool,
}

impl OpenSearchParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<OpenSearchParams, ApiError> {
        let p = |name| OPENSEARCH.param(name);
        let search = reader.string(p("search"))?.unwrap_or_default();
        let namespaces = namespaces(reader, p("namespace"))?.unwrap_or_default();
        let limit = reader.limit(p("limit"))?.unwrap_or(10);
        reader.flag(p("suggest"))?;
        let redirects = reader.choice(p("redirects"))?;
        let format = reader.choice(p("format"))?.unwrap_or("json");
        reader.flag(p("warningsaserror"))?;
        // "For historical reasons" MediaWiki returns redirects in JSON and
        // resolves them in the other formats.
        let resolve_redirects = match redirects {
            Some(choice) => choice == "resolve",
            None => !format.starts_with("json"),
        };
        Ok(OpenSearchParams {
            search,
            namespaces,
            limit,
            resolve_redirects,
        })
    }
}

pub async fn execute(params: OpenSearchParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let rows = prefix_pages(&params.search, &params.namespaces, 0, params.limit, ctx).await?;
    let limit = usize::try_from(params.limit).unwrap_or(usize::MAX);
    let mut titles: Vec<Title> = Vec::new();
    for row in rows.iter().take(limit) {
        let mut title = Title::new(row.namespace, &row.title);
        if params.resolve_redirects
            && row.is_redirect()
            && let Some((namespace, target, _)) = ctx.app.db.redirect_target(row.id).await?
        {
            title = Title::new(namespace, &target);
        }
        if !titles.contains(&title) {
            titles.push(title);
        }
    }
    let sitename = ctx.app.pages.sitename();
    let texts: Vec<String> = titles.iter().map(|t| t.text(sitename)).collect();
    let urls: Vec<String> = titles.iter().map(|t| page_url(t, ctx)).collect();
    let descriptions = vec![""; titles.len()];
    let items: String = texts
        .iter()
        .zip(&urls)
        .map(|(text, url)| {
            format!(
                "<Item><Text xml:space=\"preserve\">{}</Text><Url xml:space=\"preserve\">{}</Url></Item>",
                xml_escape(text),
                xml_escape(url)
            )
        })
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\"?><SearchSuggestion version=\"2.0\" \
         xmlns=\"http://opensearch.org/searchsuggest2\"><Query xml:space=\"preserve\">{}</Query>\
         <Section>{items}</Section></SearchSuggestion>",
        xml_escape(&params.search)
    );
    let json: Value = json!([params.search, texts, descriptions, urls]);
    ctx.output.set_own_document(json, xml);
    Ok(())
}
