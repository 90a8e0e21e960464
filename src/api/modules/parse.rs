//! `action=parse` as MediaWiki 1.39 answers it, on the renderer of
//! `pages::render` (a safe subset of wikitext: see there and the README),
//! and `action=expandtemplates`, which returns the text unexpanded with a
//! warning (wikiupload expands no templates).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::imageinfo::escape_html;
use crate::api::{ApiError, Ctx, FormatVersion, Message, ParamReader, ParamSpec, ParamType};
use crate::pages::render::{self, FileImages, LinkState, RenderSite, Rendered};
use crate::pages::title::{self, Title};
use crate::pages::wikitext;
use crate::storage::FileVersionRow;

const PROPS: &[&str] = &[
    "categories",
    "categorieshtml",
    "displaytitle",
    "encodedjsconfigvars",
    "externallinks",
    "headhtml",
    "images",
    "indicators",
    "iwlinks",
    "jsconfigvars",
    "langlinks",
    "limitreportdata",
    "limitreporthtml",
    "links",
    "modules",
    "parsetree",
    "parsewarnings",
    "parsewarningshtml",
    "properties",
    "revid",
    "sections",
    "subtitle",
    "templates",
    "text",
    "wikitext",
    "headitems",
];

const CONTENT_MODELS: &[&str] = &["css", "javascript", "json", "text", "unknown", "wikitext"];

const CONTENT_FORMATS: &[&str] = &[
    "application/json",
    "application/octet-stream",
    "application/unknown",
    "application/x-binary",
    "text/css",
    "text/javascript",
    "text/plain",
    "text/unknown",
    "text/x-wiki",
    "unknown/unknown",
];

pub static PARSE: ModuleSpec = ModuleSpec {
    name: "parse",
    path: "parse",
    group: "action",
    class: "ApiParse",
    prefix: "",
    params: &[
        ParamSpec::string("title"),
        ParamSpec::new("text", ParamType::Text),
        ParamSpec::integer("revid"),
        ParamSpec::string("summary"),
        ParamSpec::string("page"),
        ParamSpec::integer("pageid"),
        ParamSpec::flag("redirects"),
        ParamSpec::integer("oldid"),
        ParamSpec::new("prop", ParamType::Enum(PROPS)).multi().default(
            "text|langlinks|categories|links|templates|images|externallinks|sections|revid|displaytitle|iwlinks|properties|parsewarnings",
        ),
        ParamSpec::string("wrapoutputclass").default("mw-parser-output"),
        ParamSpec::flag("pst"),
        ParamSpec::flag("onlypst"),
        ParamSpec::flag("effectivelanglinks").deprecated(),
        ParamSpec::string("section"),
        ParamSpec::string("sectiontitle"),
        ParamSpec::flag("disablepp").deprecated(),
        ParamSpec::flag("disablelimitreport"),
        ParamSpec::flag("disableeditsection"),
        ParamSpec::flag("disablestylededuplication"),
        ParamSpec::flag("showstrategykeys"),
        ParamSpec::flag("generatexml").deprecated(),
        ParamSpec::flag("preview"),
        ParamSpec::flag("sectionpreview"),
        ParamSpec::flag("disabletoc"),
        ParamSpec::new(
            "useskin",
            ParamType::Enum(&[
                "apioutput",
                "fallback",
                "minerva",
                "monobook",
                "timeless",
                "vector",
                "vector-2022",
            ]),
        ),
        ParamSpec::new("contentformat", ParamType::Enum(CONTENT_FORMATS)),
        ParamSpec::new("contentmodel", ParamType::Enum(CONTENT_MODELS)),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some(
        "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Parsing_wikitext#parse",
    ),
};

pub static EXPANDTEMPLATES: ModuleSpec = ModuleSpec {
    name: "expandtemplates",
    path: "expandtemplates",
    group: "action",
    class: "ApiExpandTemplates",
    prefix: "",
    params: &[
        ParamSpec::string("title"),
        ParamSpec::new("text", ParamType::Text).required(),
        ParamSpec::integer("revid"),
        ParamSpec::new(
            "prop",
            ParamType::Enum(&[
                "categories",
                "encodedjsconfigvars",
                "jsconfigvars",
                "modules",
                "parsetree",
                "properties",
                "ttl",
                "volatile",
                "wikitext",
            ]),
        )
        .multi(),
        ParamSpec::flag("includecomments"),
        ParamSpec::flag("showstrategykeys"),
        ParamSpec::flag("generatexml").deprecated(),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some(
        "https://www.mediawiki.org/wiki/Special:MyLanguage/API:Parsing_wikitext#expandtemplates",
    ),
};

/// Where the text to parse comes from.
enum Source {
    Page(String),
    PageId(i64),
    Revision(i64),
    Text {
        text: Option<String>,
        title: Option<String>,
    },
}

/// Parsed parameters of `action=parse`.
pub struct ParseParams {
    source: Source,
    summary: Option<String>,
    redirects: bool,
    props: Vec<&'static str>,
    section: Option<String>,
    section_title: Option<String>,
}

fn param_mix(first: &str, second: &str) -> ApiError {
    ApiError::new(
        "invalidparammix",
        Message::new(
            "apierror-invalidparammix",
            vec![],
            format!(
                "The parameters <var>{first}</var> and <var>{second}</var> can not be used together."
            ),
        ),
    )
}

impl ParseParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ParseParams, ApiError> {
        let p = |name| PARSE.param(name);
        let title = reader.string(p("title"))?;
        let text = reader.string(p("text"))?;
        let revid = reader.integer(p("revid"))?;
        let summary = reader.string(p("summary"))?;
        let page = reader.string(p("page"))?;
        let page_id = reader.integer(p("pageid"))?;
        let redirects = reader.flag(p("redirects"))?;
        let oldid = reader.integer(p("oldid"))?;
        let props = reader.choices(p("prop"))?;
        for name in [
            "pst",
            "onlypst",
            "effectivelanglinks",
            "disablepp",
            "disablelimitreport",
            "disableeditsection",
            "disablestylededuplication",
            "showstrategykeys",
            "generatexml",
            "preview",
            "sectionpreview",
            "disabletoc",
        ] {
            reader.flag(p(name))?;
        }
        reader.string(p("wrapoutputclass"))?;
        let section = reader.string(p("section"))?;
        let section_title = reader.string(p("sectiontitle"))?;
        for name in ["useskin", "contentformat", "contentmodel"] {
            reader.choice(p(name))?;
        }
        // requireMaxOneParameter, three times, in MediaWiki's order.
        let sources = [
            ("page", page.is_some()),
            ("pageid", page_id.is_some()),
            ("oldid", oldid.is_some()),
        ];
        for (other, given) in [
            ("text", text.is_some()),
            ("title", title.is_some()),
            ("revid", revid.is_some()),
        ] {
            let mut named: Vec<&str> = sources.iter().filter(|s| s.1).map(|s| s.0).collect();
            if given {
                named.push(other);
            }
            if let [first, second, ..] = named[..] {
                return Err(param_mix(first, second));
            }
        }
        if let Some(section) = &section {
            let digits = section.strip_prefix("T-").unwrap_or(section);
            let valid = section == "new"
                || (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
            if !valid {
                return Err(ApiError::new(
                    "invalidsection",
                    Message::new(
                        "apierror-invalidsection",
                        vec![],
                        "The <var>section</var> parameter must be a valid section ID or <kbd>new</kbd>."
                            .into(),
                    ),
                ));
            }
        }
        let source = match (page, page_id, oldid) {
            (Some(page), _, _) => Source::Page(page),
            (_, Some(id), _) => Source::PageId(id),
            (_, _, Some(id)) => Source::Revision(id),
            _ => Source::Text { text, title },
        };
        if section.as_deref() == Some("new") && !matches!(source, Source::Text { .. }) {
            return Err(ApiError::new(
                "invalidparammix",
                Message::new(
                    "apierror-invalidparammix-parse-new-section",
                    vec![],
                    "<kbd>section=new</kbd> cannot be combined with the <var>oldid</var>, <var>pageid</var> or <var>page</var> parameters. Please use <var>title</var> and <var>text</var>."
                        .into(),
                ),
            ));
        }
        Ok(ParseParams {
            source,
            summary,
            redirects,
            props,
            section,
            section_title,
        })
    }
}

/// The text to render, for which page, and what the answer says of it.
struct Subject {
    title: Title,
    page_id: i64,
    revision_id: Option<i64>,
    text: String,
    redirects: Option<Value>,
}

/// Files as the renderer sees them: their current versions, read before.
struct Files<'a> {
    rows: HashMap<String, FileVersionRow>,
    ctx: &'a Ctx<'a>,
}

impl FileImages for Files<'_> {
    fn size(&self, name: &str) -> Option<(i64, i64)> {
        self.rows.get(name).map(|row| (row.width, row.height))
    }

    fn url(&self, name: &str, width: Option<i64>) -> Option<String> {
        let row = self.rows.get(name)?;
        let thumbs = self.ctx.app.uploads.thumbnails();
        match width {
            Some(width) => thumbs.url_for_width(row, width, None),
            None => thumbs.url_for_width(row, row.width.max(1), None),
        }
    }
}

async fn subject(params: &ParseParams, ctx: &mut Ctx<'_>) -> Result<Subject, ApiError> {
    let pages = &ctx.app.pages;
    let sitename = pages.sitename().to_owned();
    let wants_revid = params.props.contains(&"revid");
    let (mut page, revision) = match &params.source {
        Source::Revision(id) => {
            let revision = ctx
                .app
                .db
                .revision(*id)
                .await?
                .ok_or(crate::pages::PageError::NoSuchRevision(*id))?;
            let page = pages
                .page_by_id(revision.page_id)
                .await?
                .ok_or(crate::pages::PageError::NoSuchRevision(*id))?;
            (page, Some(revision))
        }
        Source::Page(_) | Source::PageId(_) => {
            let page = match &params.source {
                Source::PageId(id) => pages
                    .page_by_id(*id)
                    .await?
                    .ok_or(crate::pages::PageError::NoSuchPageId(*id))?,
                Source::Page(text) => {
                    let title = pages.title(text).ok_or_else(|| invalid_title(text))?;
                    pages
                        .page(&title)
                        .await?
                        .ok_or(crate::pages::PageError::MissingTitle)?
                }
                _ => unreachable!("only pages here"),
            };
            (page, None)
        }
        Source::Text { text, title } => {
            let title_text = title.clone().unwrap_or_else(|| "API".to_owned());
            let title =
                Title::parse(&title_text, &sitename).ok_or_else(|| invalid_title(&title_text))?;
            if text.is_some() && params.props.contains(&"wikitext") || text.is_some() {
                if matches!(&params.source, Source::Text { title: None, .. }) {
                    ctx.output.warn(
                        PARSE.path,
                        "parse-nocontentmodel",
                        Message::new(
                            "apiwarn-parse-nocontentmodel",
                            vec!["wikitext".into()],
                            "No <var>title</var> or <var>contentmodel</var> was given, assuming wikitext."
                                .into(),
                        ),
                    );
                }
            } else if matches!(&params.source, Source::Text { title: Some(_), .. })
                && !params.props.is_empty()
            {
                ctx.output.warn(
                    PARSE.path,
                    "parse-titlewithouttext",
                    Message::new(
                        "apiwarn-parse-titlewithouttext",
                        vec![],
                        "<var>title</var> used without <var>text</var>, and parsed page properties were requested. Did you mean to use <var>page</var> instead of <var>title</var>?"
                            .into(),
                    ),
                );
            }
            let page_id = ctx.app.pages.page(&title).await?.map_or(0, |p| p.id);
            let mut text = text.clone().unwrap_or_default();
            if let Some(section) = &params.section {
                text = section_text(&text, section, &title, &sitename, params)?;
            }
            return Ok(Subject {
                title,
                page_id,
                revision_id: None,
                text,
                redirects: None,
            });
        }
    };
    let mut redirects = None;
    if params.redirects && revision.is_none() && page.is_redirect() {
        let current = ctx.app.db.revision(page.latest).await?;
        let from = Title::new(page.namespace, &page.title);
        if let Some(target) = current
            .and_then(|r| wikitext::redirect_target(&r.content))
            .and_then(|t| {
                let (name, fragment) = t.split_once('#').unwrap_or((&t, ""));
                pages.title(name).map(|title| (title, fragment.to_owned()))
            })
            && let Some(target_page) = pages.page(&target.0).await?
        {
            let mut item = Map::new();
            item.insert("from".into(), from.text(&sitename).into());
            item.insert("to".into(), target.0.text(&sitename).into());
            if !target.1.is_empty() {
                item.insert("tofragment".into(), target.1.into());
            }
            redirects = Some(Value::Array(vec![Value::Object(item)]));
            page = target_page;
        }
    }
    let revision = match revision {
        Some(revision) => revision,
        None => ctx
            .app
            .db
            .revision(page.latest)
            .await?
            .ok_or(crate::pages::PageError::MissingTitle)?,
    };
    let title = Title::new(page.namespace, &page.title);
    let mut text = revision.content.clone();
    if let Some(section) = &params.section {
        text = section_text(&text, section, &title, &sitename, params)?;
    }
    let revision_id = match &params.source {
        Source::Revision(id) => Some(*id),
        _ if wants_revid => Some(page.latest),
        _ => None,
    };
    Ok(Subject {
        title,
        page_id: page.id,
        revision_id,
        text,
        redirects,
    })
}

/// Section `section` of `text` (`new`: the text under its new heading).
fn section_text(
    text: &str,
    section: &str,
    title: &Title,
    sitename: &str,
    params: &ParseParams,
) -> Result<String, ApiError> {
    if section == "new" {
        return Ok(match &params.section_title {
            Some(heading) => format!("== {heading} ==\n\n{text}"),
            None => text.to_owned(),
        });
    }
    let number: Option<usize> = section.parse().ok();
    number
        .and_then(|n| wikitext::section(text, n))
        .ok_or_else(|| {
            let name = title.text(sitename);
            ApiError::new(
                "nosuchsection",
                Message::new(
                    "apierror-nosuchsection-what",
                    vec![section.into(), name.clone().into()],
                    format!("There is no section {section} in {}.", escape_html(&name)),
                ),
            )
        })
}

fn invalid_title(text: &str) -> ApiError {
    ApiError::new(
        "invalidtitle",
        Message::new(
            "apierror-invalidtitle",
            vec![text.into()],
            format!("Bad title \"{}\".", escape_html(text)),
        ),
    )
}

/// `<span class="mw-page-title-...">`: the namespace and the main part.
fn display_title(title: &Title, sitename: &str) -> String {
    let main = format!(
        "<span class=\"mw-page-title-main\">{}</span>",
        escape_html(&title.name_text())
    );
    if title.namespace == title::MAIN {
        return main;
    }
    let namespace = title::namespace_name(title.namespace, sitename).replace('_', " ");
    format!(
        "<span class=\"mw-page-title-namespace\">{}</span><span class=\"mw-page-title-separator\">:</span>{main}",
        escape_html(&namespace)
    )
}

/// The state of every page the texts link to, and the files they show.
async fn look_up(
    texts: &[&str],
    page: &Title,
    ctx: &Ctx<'_>,
) -> Result<(HashMap<Title, LinkState>, HashMap<String, FileVersionRow>), ApiError> {
    let mut titles: Vec<Title> = Vec::new();
    let mut files = Vec::new();
    for text in texts {
        let links = ctx.app.pages.links(text, page);
        titles.extend(
            links
                .pages
                .into_iter()
                .map(|(ns, key)| Title::new(ns, &key)),
        );
        titles.extend(
            links
                .templates
                .into_iter()
                .map(|(ns, key)| Title::new(ns, &key)),
        );
        titles.extend(
            links
                .categories
                .into_keys()
                .map(|key| Title::new(title::CATEGORY, &key)),
        );
        files.extend(links.files);
    }
    titles.sort();
    titles.dedup();
    files.sort();
    files.dedup();
    let mut states = HashMap::new();
    for title in titles {
        if let Some(row) = ctx.app.pages.page(&title).await? {
            let state = if row.is_redirect() {
                LinkState::Redirect
            } else {
                LinkState::Exists
            };
            states.insert(title, state);
        }
    }
    let mut rows = HashMap::new();
    for name in files {
        if let Some(row) = ctx.app.db.current_file(&name).await? {
            rows.insert(name, row);
        }
    }
    Ok((states, rows))
}

/// `[[...]]` links of an edit summary as HTML, everything else escaped
/// (MediaWiki's comment formatting).
fn format_summary(summary: &str, site: &RenderSite<'_>, page: &Title) -> String {
    let mut out = String::new();
    let mut rest = summary;
    while let Some(open) = rest.find("[[") {
        let Some(close) = rest[open..].find("]]").map(|c| open + c) else {
            break;
        };
        out.push_str(&escape_html(&rest[..open]));
        let inner = &rest[open + 2..close];
        let (target, label) = inner.split_once('|').unwrap_or((inner, inner));
        match Title::parse(target, site.sitename) {
            Some(_) => {
                let rendered = render::render(&format!("[[{target}|{label}]]"), page, site);
                let html = rendered
                    .html
                    .trim_start_matches("<div class=\"mw-parser-output\"><p>")
                    .trim_end_matches("\n</p></div>")
                    .to_owned();
                out.push_str(&html);
            }
            None => out.push_str(&escape_html(&rest[open..close + 2])),
        }
        rest = &rest[close + 2..];
    }
    out.push_str(&escape_html(rest));
    out
}

pub async fn execute(params: ParseParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let subject = subject(&params, ctx).await?;
    let sitename = ctx.app.pages.sitename().to_owned();
    let fv = ctx.output.fv;
    let summary = params.summary.clone().unwrap_or_default();
    let (states, rows) = look_up(&[&subject.text, &summary], &subject.title, ctx).await?;
    let index_path = format!("{}/index.php", ctx.app.config.script_path);
    let files = Files { rows, ctx };
    let site = RenderSite {
        sitename: &sitename,
        index_path: &index_path,
        pages: &states,
        files: &files,
    };
    let wants = |prop: &str| params.props.contains(&prop);
    let rendered: Rendered = render::render(&subject.text, &subject.title, &site);
    let parsed_summary = params
        .summary
        .as_deref()
        .map(|s| format_summary(s, &site, &subject.title));
    let exists = |title: &Title| states.contains_key(title);

    let mut result = Map::new();
    result.insert("title".into(), subject.title.text(&sitename).into());
    result.insert("pageid".into(), subject.page_id.into());
    if let Some(revid) = subject.revision_id {
        result.insert("revid".into(), revid.into());
    }
    if let Some(redirects) = subject.redirects {
        result.insert("redirects".into(), redirects);
    }
    let content = |value: String| -> Value {
        match fv {
            FormatVersion::V2 => value.into(),
            FormatVersion::V1 => json!({"*": value}),
        }
    };
    if wants("text") {
        result.insert("text".into(), content(rendered.html.clone()));
    }
    if let Some(summary) = parsed_summary {
        result.insert("parsedsummary".into(), content(summary));
    }
    if wants("langlinks") {
        result.insert("langlinks".into(), Value::Array(Vec::new()));
    }
    let output = &ctx.output;
    if wants("categories") {
        let categories = rendered
            .categories
            .iter()
            .map(|(name, sortkey)| {
                let mut item = Map::new();
                item.insert("sortkey".into(), sortkey.clone().into());
                if fv == FormatVersion::V2 {
                    item.insert("category".into(), name.clone().into());
                }
                if !exists(&Title::new(title::CATEGORY, name)) {
                    output.set_flag(&mut item, "missing", true);
                }
                if fv == FormatVersion::V1 {
                    item.insert("*".into(), name.clone().into());
                }
                Value::Object(item)
            })
            .collect();
        result.insert("categories".into(), Value::Array(categories));
    }
    let link_items = |titles: &[Title]| -> Value {
        let items = titles
            .iter()
            .map(|t| {
                let mut item = Map::new();
                item.insert("ns".into(), t.namespace.into());
                let text = t.text(&sitename);
                if fv == FormatVersion::V2 {
                    item.insert("title".into(), text.clone().into());
                    item.insert("exists".into(), exists(t).into());
                } else {
                    if exists(t) {
                        item.insert("exists".into(), "".into());
                    }
                    item.insert("*".into(), text.into());
                }
                Value::Object(item)
            })
            .collect();
        Value::Array(items)
    };
    if wants("links") {
        result.insert("links".into(), link_items(&rendered.links));
    }
    if wants("templates") {
        result.insert("templates".into(), link_items(&rendered.templates));
    }
    if wants("images") {
        result.insert("images".into(), rendered.images.clone().into());
    }
    if wants("externallinks") {
        result.insert(
            "externallinks".into(),
            rendered.external_links.clone().into(),
        );
    }
    if wants("sections") {
        result.insert(
            "sections".into(),
            sections(&rendered, &subject.title, &sitename),
        );
        // MediaWiki shows a table of contents from four headings on.
        let show_toc = rendered.headings.len() >= 4;
        result.insert("showtoc".into(), show_toc.into());
    }
    if wants("parsewarnings") {
        result.insert("parsewarnings".into(), Value::Array(Vec::new()));
    }
    if wants("displaytitle") {
        result.insert(
            "displaytitle".into(),
            display_title(&subject.title, &sitename).into(),
        );
    }
    if wants("iwlinks") {
        result.insert("iwlinks".into(), Value::Array(Vec::new()));
    }
    if wants("wikitext") {
        result.insert("wikitext".into(), content(subject.text.clone()));
    }
    if wants("properties") {
        let empty = match fv {
            FormatVersion::V2 => Value::Object(Map::new()),
            FormatVersion::V1 => Value::Array(Vec::new()),
        };
        result.insert("properties".into(), empty);
    }
    ctx.output.add("parse", Value::Object(result));
    Ok(())
}

/// `sections`: each heading's level in the table of contents, number,
/// HTML, index, page, byte offset and anchor.
fn sections(rendered: &Rendered, page: &Title, sitename: &str) -> Value {
    let mut stack: Vec<u8> = Vec::new();
    let mut numbers: Vec<usize> = Vec::new();
    let mut items = Vec::new();
    for (index, heading) in rendered.headings.iter().enumerate() {
        while stack.last().is_some_and(|&l| l >= heading.level) {
            stack.pop();
        }
        stack.push(heading.level);
        let toc_level = stack.len();
        numbers.truncate(toc_level);
        if numbers.len() < toc_level {
            numbers.resize(toc_level, 0);
        }
        numbers[toc_level - 1] += 1;
        let number: Vec<String> = numbers.iter().map(usize::to_string).collect();
        items.push(json!({
            "toclevel": toc_level,
            "level": heading.level.to_string(),
            "line": heading.line,
            "number": number.join("."),
            "index": (index + 1).to_string(),
            "fromtitle": page.prefixed_db_key(sitename),
            "byteoffset": heading.offset,
            "anchor": heading.anchor,
        }));
    }
    Value::Array(items)
}

/// Parsed parameters of `action=expandtemplates`.
pub struct ExpandTemplatesParams {
    text: String,
    props: Option<Vec<&'static str>>,
}

impl ExpandTemplatesParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ExpandTemplatesParams, ApiError> {
        let p = |name| EXPANDTEMPLATES.param(name);
        reader.string(p("title"))?;
        let text = reader.string(p("text"))?.unwrap_or_default();
        reader.integer(p("revid"))?;
        let props = reader
            .string(p("prop"))?
            .map(|_| reader.choices(p("prop")))
            .transpose()?;
        for name in ["includecomments", "showstrategykeys", "generatexml"] {
            reader.flag(p(name))?;
        }
        Ok(ExpandTemplatesParams { text, props })
    }
}

/// `action=expandtemplates`: the text as given (no template is expanded
/// here), with a warning saying so; the shapes of 1.39 (the legacy `*`
/// form when `prop` is missing, with its warning).
pub fn expand_templates(params: ExpandTemplatesParams, ctx: &mut Ctx<'_>) {
    let path = EXPANDTEMPLATES.path;
    let mut result = Map::new();
    match &params.props {
        None => {
            ctx.output.warn(
                path,
                "expandtemplates-prop",
                Message::new(
                    "apiwarn-deprecation-expandtemplates-prop",
                    vec![],
                    "Because no values have been specified for the <var>prop</var> parameter, a legacy format has been used for the output. This format is deprecated, and in the future, a default value will be set for the <var>prop</var> parameter, causing the new format to always be used."
                        .into(),
                ),
            );
            let key = ctx.output.content_key("wikitext");
            result.insert(key.into(), params.text.into());
        }
        Some(props) => {
            if props.contains(&"wikitext") {
                result.insert("wikitext".into(), params.text.into());
            }
            if props.contains(&"categories") {
                result.insert("categories".into(), Value::Array(Vec::new()));
            }
            if props.contains(&"properties") {
                result.insert("properties".into(), Value::Array(Vec::new()));
            }
        }
    }
    ctx.output.warn(
        path,
        "notexpanded",
        Message::new(
            "wikiupload-expandtemplates-notexpanded",
            vec![],
            "Templates are not expanded by this wiki: the text is returned as given.".into(),
        ),
    );
    ctx.output.add(path, Value::Object(result));
}
