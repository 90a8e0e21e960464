//! The pages a query names (MediaWiki's ApiPageSet): by `titles`
//! (normalized), `pageids` or `revids`, redirects followed with
//! `redirects`. Prop modules then add their fields to each page. fv1 lists
//! the pages in an object keyed by page id (negative ids for missing
//! pages), fv2 in a list.

use serde_json::{Map, Value};

use crate::api::{ApiError, Ctx, FormatVersion, Message};
use crate::pages::title::{self, Title};
use crate::storage::PageRow;

/// Where the pages of a query come from.
#[derive(Debug, Clone, Default)]
pub struct PageSetParams {
    pub titles: Vec<String>,
    pub page_ids: Vec<i64>,
    pub revision_ids: Vec<i64>,
    pub redirects: bool,
}

impl PageSetParams {
    pub fn is_empty(&self) -> bool {
        self.titles.is_empty() && self.page_ids.is_empty() && self.revision_ids.is_empty()
    }
}

/// One page of the set, with the fields the modules give it.
#[derive(Debug, Clone)]
pub struct PageEntry {
    /// The existing page, if any.
    pub page: Option<PageRow>,
    /// The title; None for an invalid title or an unknown page id.
    pub title: Option<Title>,
    /// The revisions `revids` asked for on this page.
    pub revision_ids: Vec<i64>,
    pub fields: Map<String, Value>,
}

impl PageEntry {
    /// A page that exists, not a Special: page or an invalid title.
    pub fn existing(&self) -> Option<&PageRow> {
        self.page.as_ref()
    }
}

/// The resolved pages of a query.
pub struct PageSet {
    pub normalized: Vec<Value>,
    pub redirects: Vec<Value>,
    /// `revids` that name no revision.
    pub bad_revision_ids: Vec<i64>,
    pub entries: Vec<PageEntry>,
}

impl PageSet {
    /// Whether the set has more than one page (some modules' parameters
    /// may only be used on a single page).
    pub fn is_multiple(&self) -> bool {
        self.entries.len() > 1
    }
}

/// Resolves the set's pages and writes their basic fields.
pub async fn resolve(params: &PageSetParams, ctx: &Ctx<'_>) -> Result<PageSet, ApiError> {
    let pages = &ctx.app.pages;
    let sitename = pages.sitename();
    let mut set = PageSet {
        normalized: Vec::new(),
        redirects: Vec::new(),
        bad_revision_ids: Vec::new(),
        entries: Vec::new(),
    };
    for input in &params.titles {
        let Some(title) = pages.title(input) else {
            let mut fields = Map::new();
            fields.insert("title".into(), input.clone().into());
            fields.insert(
                "invalidreason".into(),
                "The requested page title is empty or contains invalid characters.".into(),
            );
            ctx.output.set_flag(&mut fields, "invalid", true);
            set.entries.push(PageEntry {
                page: None,
                title: None,
                revision_ids: Vec::new(),
                fields,
            });
            continue;
        };
        let text = title.text(sitename);
        if &text != input {
            let mut normalized = Map::new();
            if ctx.output.fv == FormatVersion::V2 {
                normalized.insert("fromencoded".into(), false.into());
            }
            normalized.insert("from".into(), input.clone().into());
            normalized.insert("to".into(), text.into());
            set.normalized.push(Value::Object(normalized));
        }
        let page = pages.page(&title).await?;
        push_unique(&mut set.entries, title, page);
    }
    for id in &params.page_ids {
        match pages.page_by_id(*id).await? {
            Some(page) => {
                let title = Title::new(page.namespace, &page.title);
                push_unique(&mut set.entries, title, Some(page));
            }
            None => {
                let mut fields = Map::new();
                fields.insert("pageid".into(), (*id).into());
                ctx.output.set_flag(&mut fields, "missing", true);
                set.entries.push(PageEntry {
                    page: None,
                    title: None,
                    revision_ids: Vec::new(),
                    fields,
                });
            }
        }
    }
    for id in &params.revision_ids {
        let Some(revision) = ctx.app.db.revision(*id).await? else {
            set.bad_revision_ids.push(*id);
            continue;
        };
        let Some(page) = pages.page_by_id(revision.page_id).await? else {
            set.bad_revision_ids.push(*id);
            continue;
        };
        let title = Title::new(page.namespace, &page.title);
        push_unique(&mut set.entries, title, Some(page));
        if let Some(entry) = set
            .entries
            .iter_mut()
            .find(|e| e.page.as_ref().map(|p| p.id) == Some(revision.page_id))
        {
            entry.revision_ids.push(*id);
        }
    }
    if params.redirects {
        follow_redirects(&mut set, ctx).await?;
    }
    for entry in &mut set.entries {
        let Some(title) = &entry.title else {
            continue;
        };
        let mut fields = Map::new();
        if let Some(page) = &entry.page {
            fields.insert("pageid".into(), page.id.into());
        }
        fields.insert("ns".into(), title.namespace.into());
        fields.insert("title".into(), title.text(sitename).into());
        if !title.can_exist() {
            ctx.output.set_flag(&mut fields, "special", true);
        } else if entry.page.is_none() {
            ctx.output.set_flag(&mut fields, "missing", true);
        }
        entry.fields = fields;
    }
    Ok(set)
}

/// Adds a title once (a page named twice is one page).
fn push_unique(entries: &mut Vec<PageEntry>, title: Title, page: Option<PageRow>) {
    if entries.iter().any(|e| e.title.as_ref() == Some(&title)) {
        return;
    }
    entries.push(PageEntry {
        page,
        title: Some(title),
        revision_ids: Vec::new(),
        fields: Map::new(),
    });
}

/// Replaces each redirect by its target (following chains, stopping at a
/// loop), listing `from` → `to` in `redirects`.
async fn follow_redirects(set: &mut PageSet, ctx: &Ctx<'_>) -> Result<(), ApiError> {
    let sitename = ctx.app.pages.sitename();
    let mut resolved = Vec::new();
    for mut entry in std::mem::take(&mut set.entries) {
        let mut seen = Vec::new();
        while let (Some(page), Some(title)) = (&entry.page, &entry.title) {
            if !page.is_redirect() || seen.contains(&page.id) {
                break;
            }
            seen.push(page.id);
            let Some((namespace, db_key, fragment)) = ctx.app.db.redirect_target(page.id).await?
            else {
                break;
            };
            let target = Title::new(namespace, &db_key);
            let mut redirect = Map::new();
            redirect.insert("from".into(), title.text(sitename).into());
            redirect.insert("to".into(), target.text(sitename).into());
            if !fragment.is_empty() {
                redirect.insert("tofragment".into(), fragment.into());
            }
            set.redirects.push(Value::Object(redirect));
            entry.page = ctx.app.pages.page(&target).await?;
            entry.title = Some(target);
        }
        if !resolved
            .iter()
            .any(|e: &PageEntry| e.title.is_some() && e.title == entry.title)
        {
            resolved.push(entry);
        }
    }
    set.entries = resolved;
    Ok(())
}

/// `query.pages` in the output's format version: fv1 an object keyed by
/// page id (missing, invalid and special pages by -1, -2, ...), in the
/// order MediaWiki's page lookup returns them (by title when the pages
/// were named by title or a generator, else by id); fv2 a list sorted by
/// those keys, as MediaWiki sorts it.
pub fn render(entries: Vec<PageEntry>, fv: FormatVersion, by_title: bool) -> Value {
    let (mut existing, others): (Vec<PageEntry>, Vec<PageEntry>) =
        entries.into_iter().partition(|e| e.page.is_some());
    existing.sort_by(|a, b| {
        let id = |e: &PageEntry| e.page.as_ref().map_or(0, |p| p.id);
        let title = |e: &PageEntry| {
            e.page
                .as_ref()
                .map(|p| (p.namespace, p.title.as_bytes().to_vec()))
        };
        if by_title && fv == FormatVersion::V1 {
            title(a).cmp(&title(b))
        } else {
            id(a).cmp(&id(b))
        }
    });
    match fv {
        FormatVersion::V2 => Value::Array(
            others
                .into_iter()
                .chain(existing)
                .map(|e| Value::Object(e.fields))
                .collect(),
        ),
        FormatVersion::V1 => {
            let mut by_id = Map::new();
            let mut fake = 0;
            for entry in others {
                let key = match entry.fields.get("pageid").and_then(Value::as_i64) {
                    Some(id) if entry.title.is_none() => id.to_string(),
                    _ => {
                        fake -= 1;
                        fake.to_string()
                    }
                };
                by_id.insert(key, Value::Object(entry.fields));
            }
            for entry in existing {
                let id = entry.page.as_ref().map_or(0, |p| p.id);
                by_id.insert(id.to_string(), Value::Object(entry.fields));
            }
            Value::Object(by_id)
        }
    }
}

/// `indexpageids`: the ids of `pages`, as strings, in their order (missing
/// pages have the negative ids fv1 keys them by).
pub fn page_ids(pages: &Value) -> Value {
    match pages {
        Value::Object(by_id) => by_id.keys().map(|k| Value::from(k.as_str())).collect(),
        Value::Array(list) => {
            let mut missing = 0;
            list.iter()
                .map(|page| match page["pageid"].as_i64() {
                    Some(id) => Value::from(id.to_string()),
                    None => {
                        missing += 1;
                        Value::from(format!("-{missing}"))
                    }
                })
                .collect()
        }
        _ => Value::Array(Vec::new()),
    }
}

/// `badrevids`: fv1 an object keyed by id, fv2 a list.
pub fn bad_revision_ids(ids: &[i64], ctx: &Ctx<'_>) -> Value {
    let item = |id: i64| {
        let mut item = Map::new();
        item.insert("revid".into(), id.into());
        ctx.output.set_flag(&mut item, "missing", true);
        Value::Object(item)
    };
    match ctx.output.fv {
        FormatVersion::V2 => ids.iter().map(|id| item(*id)).collect(),
        FormatVersion::V1 => {
            Value::Object(ids.iter().map(|id| (id.to_string(), item(*id))).collect())
        }
    }
}

/// `invalidparammix` for parameters that need a single page.
pub fn single_page_only(names: &[&str]) -> ApiError {
    let list = names
        .iter()
        .map(|n| format!("<var>{n}</var>"))
        .collect::<Vec<_>>();
    let list = match list.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{}, and {last}", rest.join(", ")),
        _ => list.concat(),
    };
    ApiError::new(
        "invalidparammix",
        Message::new(
            "apierror-multpages",
            vec![list.clone().into()],
            format!(
                "<var>titles</var>, <var>pageids</var> or a generator was used to supply multiple pages, but the {list} parameters may only be used on a single page."
            ),
        ),
    )
}

/// A page's URL: `{server}{script_path}/index.php/{Title}`.
pub fn page_url(title: &Title, ctx: &Ctx<'_>) -> String {
    format!(
        "{}{}/index.php/{}",
        ctx.app.server,
        ctx.app.config.script_path,
        crate::upload::repo::wiki_url_encode(&title.prefixed_db_key(ctx.app.pages.sitename()))
    )
}

/// The file name of a File page entry, when it is one.
pub fn file_name(entry: &PageEntry) -> Option<&str> {
    entry
        .title
        .as_ref()
        .filter(|t| t.namespace == title::FILE)
        .map(|t| t.db_key.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_page_parameters_are_listed_as_mediawiki_lists_them() {
        let error = single_page_only(&["rvlimit", "rvstartid", "rvend"]);
        assert_eq!(
            error.message.plain_text(),
            "\"titles\", \"pageids\" or a generator was used to supply multiple pages, but the \"rvlimit\", \"rvstartid\", and \"rvend\" parameters may only be used on a single page."
        );
    }
}
