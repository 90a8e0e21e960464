//! The pages a query names with `titles`: normalized, looked up, and
//! (with `prop=imageinfo`) given their file history. fv1 lists them in an
//! object keyed by page id (negative ids for missing pages), fv2 in a list.

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::imageinfo::{self, ImageInfoParams};
use super::siteinfo::NAMESPACES;
use crate::api::{ApiError, Ctx, FormatVersion, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::storage::FILE_NAMESPACE;

const INFO_PROPS: &[&str] = &[
    "associatedpage",
    "displaytitle",
    "linkclasses",
    "notificationtimestamp",
    "preload",
    "protection",
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
        reader.string(p("linkcontext"))?;
        reader.strings(p("testactions"))?;
        reader.choice(p("testactionsdetail"))?;
        reader.string(p("continue"))?;
        Ok(InfoParams { props })
    }
}

/// `prop=info`'s fields of one page (`page_id` None: missing page).
async fn page_info(
    page: &mut Map<String, Value>,
    page_id: Option<i64>,
    title: &Title,
    params: &InfoParams,
    ctx: &Ctx<'_>,
) -> Result<(), ApiError> {
    for (key, value) in [
        ("contentmodel", "wikitext"),
        ("pagelanguage", "en"),
        ("pagelanguagehtmlcode", "en"),
        ("pagelanguagedir", "ltr"),
    ] {
        page.insert(key.into(), value.into());
    }
    if let Some(id) = page_id
        && let Some(facts) = ctx.app.db.page_facts(id).await?
    {
        page.insert("touched".into(), iso_timestamp(facts.touched).into());
        page.insert("lastrevid".into(), facts.last_revision.into());
        page.insert("length".into(), facts.length.into());
        ctx.output.set_flag(page, "new", facts.revisions == 1);
    }
    if params.props.contains(&"protection") {
        page.insert("protection".into(), Value::Array(Vec::new()));
        page.insert("restrictiontypes".into(), json!(["upload", "move", "edit"]));
    }
    if params.props.contains(&"url") {
        let base = format!(
            "{}{}/index.php/",
            ctx.app.server, ctx.app.config.script_path
        );
        let path = crate::upload::repo::wiki_url_encode(
            &title.text(&ctx.app.config.sitename).replace(' ', "_"),
        );
        page.insert("fullurl".into(), format!("{base}{path}").into());
        page.insert(
            "editurl".into(),
            format!(
                "{}{}/index.php?title={path}&action=edit",
                ctx.app.server, ctx.app.config.script_path
            )
            .into(),
        );
        page.insert("canonicalurl".into(), format!("{base}{path}").into());
    }
    Ok(())
}

/// The pages of one query.
pub struct Pages {
    pub normalized: Vec<Value>,
    pub pages: Value,
    /// `continue` for the client when a file has more versions than asked for.
    pub continuation: Option<Value>,
    /// imageinfo's warnings (thumbnail parameters).
    pub warnings: Vec<imageinfo::ModuleWarning>,
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

/// A parsed title: namespace and DB key.
pub(super) struct Title {
    pub namespace: i64,
    pub db_key: String,
}

impl Title {
    /// The text form with the namespace's name, as the API shows titles.
    pub fn text(&self, sitename: &str) -> String {
        let name = self.db_key.replace('_', " ");
        match namespace_name(self.namespace, sitename) {
            prefix if prefix.is_empty() => name,
            prefix => format!("{prefix}:{name}"),
        }
    }
}

fn namespace_name(id: i64, sitename: &str) -> String {
    match id {
        4 => sitename.to_owned(),
        5 => format!("{sitename} talk"),
        _ => NAMESPACES
            .iter()
            .find(|(ns, _, _)| *ns == id)
            .map(|(_, name, _)| (*name).to_owned())
            .unwrap_or_default(),
    }
}

/// Parses `input` as a page title; `None` when it cannot be one.
pub(super) fn parse_title(input: &str, sitename: &str) -> Option<Title> {
    let spaced = input.replace('_', " ");
    let text = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let (namespace, rest) = match text.split_once(':') {
        Some((prefix, rest)) => match namespace_id(prefix.trim(), sitename) {
            Some(id) => (id, rest.trim()),
            None => (0, text.as_str()),
        },
        None => (0, text.as_str()),
    };
    if rest.is_empty() || rest.chars().any(|c| "#<>[]|{}".contains(c)) {
        return None;
    }
    let mut chars = rest.chars();
    let first = chars.next()?;
    let capitalized: String = first.to_uppercase().chain(chars).collect();
    Some(Title {
        namespace,
        db_key: capitalized.replace(' ', "_"),
    })
}

fn namespace_id(prefix: &str, sitename: &str) -> Option<i64> {
    let prefix = prefix.to_lowercase();
    match prefix.as_str() {
        "image" => return Some(6),
        "image talk" => return Some(7),
        _ => {}
    }
    if prefix == sitename.to_lowercase() {
        return Some(4);
    }
    if prefix == format!("{} talk", sitename.to_lowercase()) {
        return Some(5);
    }
    NAMESPACES
        .iter()
        .find(|(id, name, _)| *id != 0 && name.to_lowercase() == prefix)
        .map(|(id, _, _)| *id)
}

pub async fn pages(
    titles: &[String],
    info: Option<&InfoParams>,
    imageinfo: Option<&ImageInfoParams>,
    ctx: &Ctx<'_>,
) -> Result<Pages, ApiError> {
    let sitename = &ctx.app.config.sitename;
    let mut normalized = Vec::new();
    let mut missing: Vec<Map<String, Value>> = Vec::new();
    let mut existing: Vec<(i64, Map<String, Value>)> = Vec::new();
    let mut continuation = None;
    let mut warnings = Vec::new();
    let single = titles.len() == 1;
    for input in titles {
        let Some(title) = parse_title(input, sitename) else {
            let mut page = Map::new();
            page.insert("title".into(), input.clone().into());
            page.insert(
                "invalidreason".into(),
                "The requested page title is empty or contains invalid characters.".into(),
            );
            ctx.output.set_flag(&mut page, "invalid", true);
            missing.push(page);
            continue;
        };
        let text = title.text(sitename);
        if &text != input {
            normalized.push(json!({"from": input, "to": text}));
        }
        let page_id = ctx.app.db.page_id(title.namespace, &title.db_key).await?;
        let mut page = Map::new();
        if let Some(id) = page_id {
            page.insert("pageid".into(), id.into());
        }
        page.insert("ns".into(), title.namespace.into());
        page.insert("title".into(), text.into());
        if page_id.is_none() {
            ctx.output.set_flag(&mut page, "missing", true);
        }
        if let Some(info) = info {
            page_info(&mut page, page_id, &title, info, ctx).await?;
        }
        if title.namespace == FILE_NAMESPACE
            && let Some(params) = imageinfo
        {
            let history = ctx
                .app
                .db
                .file_history(&title.db_key, params.start, params.end, params.limit + 1)
                .await?;
            if history.is_empty() {
                page.insert("imagerepository".into(), "".into());
            } else {
                page.insert("imagerepository".into(), "local".into());
                let limit = usize::try_from(params.limit).unwrap_or(1);
                if let Some(next) = history.get(limit) {
                    continuation = Some(if single {
                        json!({"iistart": iso_timestamp(next.timestamp), "continue": "||"})
                    } else {
                        json!({"iicontinue": format!("{}|{}", title.db_key, crate::upload::timestamp14(next.timestamp)), "continue": "||"})
                    });
                }
                // Thumbnail parameters are merged once per file, on its
                // current version (`mergeThumbParams`).
                let current = crate::media::thumb::ThumbSource::from_row(&history[0]);
                let (thumb, thumb_warnings) = params
                    .scale
                    .for_file(&current, "ii", ctx)
                    .map_err(|e| e.in_module(imageinfo::IMAGEINFO.path))?;
                warnings.extend(thumb_warnings);
                let versions: Vec<Value> = history
                    .iter()
                    .take(limit)
                    .map(|row| {
                        Value::Object(imageinfo::version_info(
                            row,
                            &params.props,
                            page_id,
                            thumb.as_ref(),
                            ctx,
                        ))
                    })
                    .collect();
                page.insert("imageinfo".into(), versions.into());
            }
        }
        match page_id {
            Some(id) => existing.push((id, page)),
            None => missing.push(page),
        }
    }
    existing.sort_by_key(|(id, _)| *id);
    let pages = match ctx.output.fv {
        FormatVersion::V2 => Value::Array(
            missing
                .into_iter()
                .chain(existing.into_iter().map(|(_, p)| p))
                .map(Value::Object)
                .collect(),
        ),
        FormatVersion::V1 => {
            let mut by_id = Map::new();
            for (i, page) in missing.into_iter().enumerate() {
                by_id.insert(format!("-{}", i + 1), Value::Object(page));
            }
            for (id, page) in existing {
                by_id.insert(id.to_string(), Value::Object(page));
            }
            Value::Object(by_id)
        }
    };
    Ok(Pages {
        normalized,
        pages,
        continuation,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_normalized_with_their_namespace() {
        let t = parse_title("image:my_file.png", "Wiki").expect("valid");
        assert_eq!((t.namespace, t.db_key.as_str()), (6, "My_file.png"));
        assert_eq!(t.text("Wiki"), "File:My file.png");
        let main = parse_title("main page", "Wiki").expect("valid");
        assert_eq!(
            (main.namespace, main.text("Wiki")),
            (0, "Main page".to_owned())
        );
        let project = parse_title("wiki:About", "Wiki").expect("valid");
        assert_eq!(project.namespace, 4);
        assert!(parse_title("File:", "Wiki").is_none());
        assert!(parse_title("a[b]", "Wiki").is_none());
    }
}
