//! `prop=templates`: the pages each page transcludes, from its link
//! tables (`template_links`), as MediaWiki 1.39 lists them. (pywikibot
//! asks for them before it saves a page, to honour `{{bots}}`.)

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::lists::bad_continue;
use super::pageset::PageEntry;
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType};
use crate::pages::title::Title;

pub static TEMPLATES: ModuleSpec = ModuleSpec {
    name: "templates",
    path: "query+templates",
    group: "prop",
    class: "ApiQueryLinks",
    prefix: "tl",
    params: &[
        ParamSpec::string("namespace").multi().all_values(),
        ParamSpec::new(
            "limit",
            ParamType::Limit {
                max: 500,
                high_max: 5000,
            },
        )
        .default("10"),
        ParamSpec::string("continue"),
        ParamSpec::string("templates").multi(),
        ParamSpec::new("dir", ParamType::Enum(&["ascending", "descending"])).default("ascending"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Templates"),
};

/// Parsed `tl*` parameters.
pub struct TemplatesParams {
    /// Only these namespaces (None: all).
    namespaces: Option<Vec<i64>>,
    limit: i64,
    resume: Option<(i64, i64, String)>,
    /// Only these templates (text form), when given.
    only: Vec<String>,
    descending: bool,
}

impl TemplatesParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<TemplatesParams, ApiError> {
        let p = |name| TEMPLATES.param(name);
        let namespaces = match reader.strings(p("namespace"))? {
            values if values.is_empty() || values == ["*"] => None,
            values => Some(
                values
                    .iter()
                    .map(|v| {
                        v.trim()
                            .parse()
                            .map_err(|_| ApiError::bad_value("tlnamespace", v))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        let limit = reader.limit(p("limit"))?.unwrap_or(10);
        let resume = match reader.string(p("continue"))? {
            Some(value) => Some(parse_continue(&value).ok_or_else(bad_continue)?),
            None => None,
        };
        let only = reader.strings(p("templates"))?;
        let descending = reader.choice(p("dir"))? == Some("descending");
        Ok(TemplatesParams {
            namespaces,
            limit,
            resume,
            only,
            descending,
        })
    }
}

fn parse_continue(value: &str) -> Option<(i64, i64, String)> {
    let mut parts = value.splitn(3, '|');
    let page = parts.next()?.parse().ok()?;
    let namespace = parts.next()?.parse().ok()?;
    let title = parts.next()?.to_owned();
    Some((page, namespace, title))
}

/// The templates of each page in the listing's order and limit, and
/// where the next batch starts.
struct Selection {
    /// Index of the page in the entries, and its templates.
    per_page: Vec<(usize, Vec<Title>)>,
    next: Option<String>,
}

async fn select(
    entries: &[PageEntry],
    params: &TemplatesParams,
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
        let mut targets: Vec<(i64, String)> = ctx
            .app
            .db
            .page_links(page_id)
            .await?
            .templates
            .into_iter()
            .filter(|(ns, _)| params.namespaces.as_ref().is_none_or(|n| n.contains(ns)))
            .filter(|(ns, title)| only.is_empty() || only.contains(&Title::new(*ns, title)))
            .collect();
        if params.descending {
            targets.reverse();
        }
        let mut titles = Vec::new();
        for (namespace, db_key) in targets {
            if let Some((resume_page, resume_ns, resume_title)) = &params.resume {
                let here = (page_id, namespace, db_key.as_str());
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
                selection.next = Some(format!("{page_id}|{namespace}|{db_key}"));
                selection.per_page.push((index, titles));
                return Ok(selection);
            }
            left -= 1;
            titles.push(Title::new(namespace, &db_key));
        }
        selection.per_page.push((index, titles));
    }
    Ok(selection)
}

/// Adds `templates` to each page; returns `tlcontinue` when more remain.
pub async fn add(
    entries: &mut [PageEntry],
    params: &TemplatesParams,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let selection = select(entries, params, ctx).await?;
    for (index, titles) in selection.per_page {
        if titles.is_empty() {
            continue;
        }
        let items = titles
            .iter()
            .map(|title| {
                let mut item = Map::new();
                item.insert("ns".into(), title.namespace.into());
                item.insert("title".into(), title.text(&sitename).into());
                Value::Object(item)
            })
            .collect();
        entries[index]
            .fields
            .insert("templates".into(), Value::Array(items));
    }
    Ok(selection.next)
}

/// `generator=templates`: the pages the set's pages transclude, as titles
/// for the query's page set; and `gtlcontinue` when more remain.
pub async fn generate(
    entries: &[PageEntry],
    params: &TemplatesParams,
    ctx: &Ctx<'_>,
) -> Result<(Vec<String>, Option<String>), ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let selection = select(entries, params, ctx).await?;
    let mut titles: Vec<String> = Vec::new();
    for title in selection.per_page.into_iter().flat_map(|(_, t)| t) {
        let text = title.text(&sitename);
        if !titles.contains(&text) {
            titles.push(text);
        }
    }
    Ok((titles, selection.next))
}
