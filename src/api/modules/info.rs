//! `prop=info`: what MediaWiki 1.39's ApiQueryInfo says about each page,
//! with every `inprop` value it accepts (`readable` deprecated).

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::pageset::{PageEntry, page_url};
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::title::{self, Title};

const INFO_PROPS: &[&str] = &[
    "associatedpage",
    "displaytitle",
    "linkclasses",
    "notificationtimestamp",
    "preload",
    "protection",
    "readable",
    "subjectid",
    "talkid",
    "url",
    "varianttitles",
    "visitingwatchers",
    "watched",
    "watchers",
];

pub static INFO: ModuleSpec = ModuleSpec {
    name: "info",
    path: "query+info",
    group: "prop",
    class: "ApiQueryInfo",
    prefix: "in",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(INFO_PROPS)).multi(),
        ParamSpec::string("linkcontext").default("Main Page"),
        ParamSpec::string("testactions").multi(),
        ParamSpec::new(
            "testactionsdetail",
            ParamType::Enum(&["boolean", "full", "quick"]),
        )
        .default("boolean"),
        ParamSpec::string("continue"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Info"),
};

/// Parsed `in*` parameters.
pub struct InfoParams {
    props: Vec<&'static str>,
}

impl InfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<InfoParams, ApiError> {
        let p = |name| INFO.param(name);
        let props = reader.choices(p("prop"))?;
        if props.contains(&"readable") {
            reader.output().warn_deprecated(
                INFO.path,
                "action=query&prop=info&inprop=readable",
                Message::new(
                    "paramvalidator-deprecated-value",
                    vec!["inprop".into(), "readable".into()],
                    "The value \"readable\" to parameter <var>inprop</var> has been deprecated."
                        .into(),
                ),
            );
        }
        reader.string(p("linkcontext"))?;
        reader.strings(p("testactions"))?;
        reader.choice(p("testactionsdetail"))?;
        reader.string(p("continue"))?;
        Ok(InfoParams { props })
    }
}

impl InfoParams {
    fn wants(&self, prop: &str) -> bool {
        self.props.contains(&prop)
    }
}

/// Adds `prop=info`'s fields to one page.
pub async fn add(
    entry: &mut PageEntry,
    params: &InfoParams,
    ctx: &Ctx<'_>,
) -> Result<(), ApiError> {
    let Some(title) = entry.title.clone().filter(Title::can_exist) else {
        return Ok(());
    };
    let output = &ctx.output;
    let sitename = ctx.app.pages.sitename();
    let page = entry.page.clone();
    let fields = &mut entry.fields;
    for (key, value) in [
        ("contentmodel", "wikitext"),
        ("pagelanguage", "en"),
        ("pagelanguagehtmlcode", "en"),
        ("pagelanguagedir", "ltr"),
    ] {
        fields.insert(key.into(), value.into());
    }
    if let Some(page) = &page {
        fields.insert("touched".into(), iso_timestamp(page.touched).into());
        fields.insert("lastrevid".into(), page.latest.into());
        fields.insert("length".into(), page.length.into());
        if page.is_redirect() {
            output.set_flag(fields, "redirect", true);
        }
        if ctx.app.db.revision_count(page.id).await? == 1 {
            output.set_flag(fields, "new", true);
        }
    }
    if params.wants("protection") {
        fields.insert("protection".into(), Value::Array(Vec::new()));
        let types = match (&page, title.namespace) {
            (None, _) => json!(["create"]),
            (Some(_), title::FILE) => json!(["edit", "move", "upload"]),
            (Some(_), _) => json!(["edit", "move"]),
        };
        fields.insert("restrictiontypes".into(), types);
    }
    // wikiupload keeps no watchlists: nothing is watched.
    if params.wants("watched") {
        output.set_flag(fields, "watched", false);
    }
    if params.wants("notificationtimestamp") {
        fields.insert("notificationtimestamp".into(), "".into());
    }
    if let Some(associated) = title.associated() {
        let associated_page = ctx.app.pages.page(&associated).await?;
        if let Some(other) = &associated_page {
            match (
                title.is_talk(),
                params.wants("talkid"),
                params.wants("subjectid"),
            ) {
                (false, true, _) => {
                    fields.insert("talkid".into(), other.id.into());
                }
                (true, _, true) => {
                    fields.insert("subjectid".into(), other.id.into());
                }
                _ => {}
            }
        }
        if params.wants("associatedpage") {
            fields.insert("associatedpage".into(), associated.text(sitename).into());
        }
    }
    if params.wants("url") {
        let url = page_url(&title, ctx);
        fields.insert("fullurl".into(), url.clone().into());
        fields.insert(
            "editurl".into(),
            format!(
                "{}{}/index.php?title={}&action=edit",
                ctx.app.server,
                ctx.app.config.script_path,
                crate::upload::repo::wiki_url_encode(&title.prefixed_db_key(sitename))
            )
            .into(),
        );
        fields.insert("canonicalurl".into(), url.into());
    }
    if params.wants("readable") {
        output.set_flag(fields, "readable", ctx.identity.has_right("read"));
    }
    if params.wants("preload") {
        let preload = match page {
            Some(_) => Value::from(""),
            None => Value::Null,
        };
        fields.insert("preload".into(), preload);
    }
    if params.wants("displaytitle") {
        fields.insert(
            "displaytitle".into(),
            super::imageinfo::escape_html(&title.text(sitename)).into(),
        );
    }
    if page.is_some() {
        if params.wants("varianttitles") {
            let mut variants = Map::new();
            variants.insert("en".into(), title.text(sitename).into());
            fields.insert("varianttitles".into(), Value::Object(variants));
        }
        if params.wants("linkclasses") {
            fields.insert("linkclasses".into(), Value::Array(Vec::new()));
        }
    }
    Ok(())
}
