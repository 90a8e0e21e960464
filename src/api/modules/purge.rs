//! `action=purge`: pages are marked as changed now; with
//! `forcelinkupdate` their link tables are derived again from their text.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::pageset::{self, PageSetParams};
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec};

pub static PURGE: ModuleSpec = ModuleSpec {
    name: "purge",
    path: "purge",
    group: "action",
    class: "ApiPurge",
    prefix: "",
    params: &[
        ParamSpec::flag("forcelinkupdate"),
        ParamSpec::flag("forcerecursivelinkupdate"),
        ParamSpec::string("continue"),
        ParamSpec::string("titles").multi(),
        ParamSpec::integer("pageids").multi(),
        ParamSpec::integer("revids").multi(),
        ParamSpec::flag("redirects"),
        ParamSpec::flag("converttitles"),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Purge"),
};

pub struct PurgeParams {
    link_update: bool,
    pages: PageSetParams,
}

impl PurgeParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<PurgeParams, ApiError> {
        let p = |name| PURGE.param(name);
        let link_update =
            reader.flag(p("forcelinkupdate"))? | reader.flag(p("forcerecursivelinkupdate"))?;
        reader.string(p("continue"))?;
        reader.flag(p("converttitles"))?;
        let titles = reader.strings(p("titles"))?;
        let ids =
            |reader: &mut ParamReader<'_>, name: &'static str| -> Result<Vec<i64>, ApiError> {
                reader
                    .strings(p(name))?
                    .iter()
                    .map(|v| v.trim().parse().map_err(|_| ApiError::bad_integer(name, v)))
                    .collect()
            };
        let page_ids = ids(reader, "pageids")?;
        let revision_ids = ids(reader, "revids")?;
        let redirects = reader.flag(p("redirects"))?;
        Ok(PurgeParams {
            link_update,
            pages: PageSetParams {
                titles,
                page_ids,
                revision_ids,
                redirects,
            },
        })
    }
}

pub async fn execute(params: PurgeParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let set = pageset::resolve(&params.pages, ctx).await?;
    let mut purged = Vec::new();
    // Missing pages first, as MediaWiki lists them.
    let (existing, others): (Vec<_>, Vec<_>) =
        set.entries.into_iter().partition(|e| e.page.is_some());
    for entry in others {
        purged.push(Value::Object(entry.fields));
    }
    for entry in existing {
        let mut item: Map<String, Value> = entry.fields;
        item.shift_remove("pageid");
        if let (Some(page), Some(title)) = (&entry.page, &entry.title) {
            ctx.app.db.touch_page(page.id, ctx.now).await?;
            ctx.output.set_flag(&mut item, "purged", true);
            if params.link_update {
                let text = ctx
                    .app
                    .db
                    .revision(page.latest)
                    .await?
                    .map(|r| r.content)
                    .unwrap_or_default();
                let links = ctx.app.pages.links(&text, title);
                ctx.app
                    .db
                    .update_links(page.id, &links, crate::pages::LINKS_VERSION, ctx.now)
                    .await?;
                ctx.output.set_flag(&mut item, "linkupdate", true);
            }
        }
        purged.push(Value::Object(item));
    }
    if !set.normalized.is_empty() {
        ctx.output.add("normalized", Value::Array(set.normalized));
    }
    if let Some(flag) = ctx.output.flag(true) {
        ctx.output.add_on_top("batchcomplete", flag);
    }
    ctx.output.add("purge", Value::Array(purged));
    Ok(())
}
