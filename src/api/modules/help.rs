//! `action=help`: per module (`modules=upload`, `query+allimages`,
//! `query+*`), with `submodules`/`recursivesubmodules`, as HTML in the
//! `help` key (the shape MediaWiki gives with `wrap`), generated from the
//! `ModuleSpec` declarations: flags, a one-line summary, the help URL, and
//! each parameter with a short text, its type, values, default and limits.

use serde_json::{Map, Value};

use super::{ModuleSpec, all_modules};
use crate::api::params::{MULTI_HIGH_LIMIT, MULTI_LIMIT, ParamType};
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec};

pub static HELP: ModuleSpec = ModuleSpec {
    name: "help",
    path: "help",
    group: "action",
    class: "ApiHelp",
    prefix: "",
    params: &[
        ParamSpec::string("modules").multi().default("main"),
        ParamSpec::flag("submodules"),
        ParamSpec::flag("recursivesubmodules"),
        ParamSpec::flag("wrap"),
        ParamSpec::flag("toc"),
    ],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Main_page"),
};

/// Parsed parameters of `action=help`.
pub struct HelpParams {
    paths: Vec<String>,
    submodules: bool,
    recursive: bool,
}

impl HelpParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<HelpParams, ApiError> {
        let p = |name| HELP.param(name);
        let mut paths = reader.strings(p("modules"))?;
        if paths.is_empty() {
            paths.push("main".into());
        }
        let submodules = reader.flag(p("submodules"))?;
        let recursive = reader.flag(p("recursivesubmodules"))?;
        reader.flag(p("wrap"))?;
        reader.flag(p("toc"))?;
        Ok(HelpParams {
            paths,
            submodules,
            recursive,
        })
    }
}

/// One line about each module.
fn summary(path: &str) -> &'static str {
    match path {
        "main" => "The MediaWiki-compatible action API of wikiupload.",
        "json" | "jsonfm" => "Output data in JSON format.",
        "xml" | "xmlfm" => "Output data in XML format.",
        "help" => "Display help for the specified modules.",
        "login" => "Log in and get authentication cookies (bot passwords).",
        "clientlogin" => "Log in to the wiki using the interactive flow.",
        "logout" => "Log out and clear session data.",
        "paraminfo" => "Obtain information about API modules.",
        "query" => "Fetch data from and about the wiki.",
        "query+tokens" => "Get tokens for data-modifying actions.",
        "query+userinfo" => "Get information about the current user.",
        "query+siteinfo" => "Return general information about the site.",
        "query+filerepoinfo" => "Return meta information about the file repository.",
        "query+imageinfo" => "Return file information and upload history.",
        "query+stashimageinfo" => "Return file information for stashed files.",
        "query+info" => "Get basic page information.",
        "query+revisions" => "Get revision information.",
        "query+templates" => "Return all pages transcluded on the given pages.",
        "query+links" => "Return all links from the given pages.",
        "query+images" => "Return all files contained on the given pages.",
        "query+categories" => "List all categories the pages belong to.",
        "query+fileusage" => "Find all pages that use the given files.",
        "query+duplicatefiles" => "List all files that are duplicates of the given files.",
        "query+categoryinfo" => "Return information about the given categories.",
        "query+allimages" => "Enumerate all files sequentially.",
        "query+allpages" => "Enumerate all pages sequentially in a given namespace.",
        "query+backlinks" => "Find all pages that link to the given page.",
        "query+embeddedin" => "Find all pages that transclude the given page.",
        "query+imageusage" => "Find all pages that use the given file.",
        "query+categorymembers" => "List all pages in a given category.",
        "query+filearchive" => "Enumerate all deleted files sequentially.",
        "query+logevents" => "Get events from the logs.",
        "query+search" => "Perform a full text search.",
        "upload" => "Upload a file, or get the status of pending uploads.",
        "delete" => "Delete a page.",
        "edit" => "Create and edit pages.",
        "filerevert" => "Revert a file to an old version.",
        "move" => "Move a page.",
        "purge" => "Purge the cache for the given titles.",
        "undelete" => "Undelete revisions of a deleted page.",
        "rsd" => "Export an RSD (Really Simple Discovery) schema.",
        "parse" => "Parse content and return parser output (a safe subset of wikitext).",
        "expandtemplates" => "Return wikitext as given: templates are not expanded here.",
        _ => "",
    }
}

/// A short text for a parameter, by its name without prefix.
fn param_text(name: &str) -> &'static str {
    match name {
        "action" => "Which action to perform.",
        "format" => "The format of the output.",
        "limit" => "How many items to return.",
        "continue" => "When more results are available, use this to continue.",
        "prop" => "Which properties to get.",
        "dir" => "The direction in which to list.",
        "from" => "The title to start enumerating from.",
        "to" => "The title to stop enumerating at.",
        "prefix" => "Search for all titles that begin with this value.",
        "start" => "The timestamp to start enumerating from.",
        "end" => "The timestamp to end enumerating.",
        "namespace" => "Only include pages in these namespaces.",
        "title" => "Title of the page.",
        "titles" => "A list of titles to work on.",
        "pageid" => "Page ID of the page.",
        "pageids" => "A list of page IDs to work on.",
        "revids" => "A list of revision IDs to work on.",
        "user" => "Only list items by this user.",
        "token" => "A token retrieved from action=query&meta=tokens.",
        "filename" => "Target filename.",
        "comment" => "Upload comment, or the initial page text if no text is given.",
        "text" => "Text to use.",
        "summary" => "Summary to use.",
        "file" => "File contents (multipart/form-data).",
        "filekey" => "Key that identifies a previous upload that was stashed.",
        "offset" => "Offset of the chunk in bytes, or of the results to return.",
        "chunk" => "Chunk contents.",
        "filesize" => "Filesize of the entire upload.",
        "url" => "URL to fetch the file from.",
        "reason" => "Reason for the action.",
        "section" => "Section number.",
        "search" => "Search for page titles or content matching this value.",
        "what" => "Which type of search to perform.",
        "info" => "Which metadata to return.",
        "sort" => "Property to sort by.",
        "redirects" => "Resolve redirects.",
        "generator" => "Get the list of pages to work on by executing the given query module.",
        "list" => "Which lists to get.",
        "meta" => "Which metadata to get.",
        "modules" => "Modules to display help for.",
        "type" => "Types of token (or items) to request.",
        "ignorewarnings" => "Ignore any warnings.",
        "stash" => "Store the file temporarily in the stash instead of publishing it.",
        "async" => "Make potentially large file operations asynchronous when possible.",
        "checkstatus" => "Only fetch the upload status for the given file key.",
        "watchlist" => "Accepted; watchlists are not kept.",
        "tags" => "Change tags to apply.",
        "lgname" | "username" | "name" => "User name.",
        "lgpassword" | "password" => "Password.",
        _ => "",
    }
}

/// What a parameter takes, as MediaWiki's help lists it.
fn param_info(spec: &ParamSpec) -> Vec<String> {
    let mut info = Vec::new();
    if spec.required {
        info.push("This parameter is required.".to_owned());
    }
    if spec.deprecated {
        info.push("This parameter is deprecated.".to_owned());
    }
    match spec.ty {
        ParamType::Enum(values) | ParamType::Submodule(values, _) => {
            let which = if spec.multi {
                "Values (separate with |)"
            } else {
                "One of the following values"
            };
            info.push(format!("{which}: {}", values.join(", ")));
            if spec.multi && spec.all {
                info.push("To specify all values, use *.".to_owned());
            }
        }
        ParamType::Integer { min, max } => {
            let range = match (min, max) {
                (Some(min), Some(max)) => format!(" ({min}–{max})"),
                (Some(min), None) => format!(" (at least {min})"),
                (None, Some(max)) => format!(" (at most {max})"),
                (None, None) => String::new(),
            };
            info.push(format!("Type: integer{range}"));
        }
        ParamType::Limit { max, high_max } => info.push(format!(
            "No more than {max} ({high_max} for bots) allowed; or max."
        )),
        ParamType::Boolean => info.push("Type: boolean (present means true)".to_owned()),
        ParamType::Timestamp => info.push("Type: timestamp".to_owned()),
        ParamType::User => info.push("Type: user name".to_owned()),
        ParamType::Upload => {
            info.push("Must be posted as a file upload (multipart/form-data).".to_owned())
        }
        ParamType::Password => info.push("Type: password".to_owned()),
        ParamType::String | ParamType::Text => {
            if spec.multi {
                info.push(format!(
                    "Separate values with |. Maximum number of values is {MULTI_LIMIT} ({MULTI_HIGH_LIMIT} for bots)."
                ));
            }
        }
    }
    if let Some(default) = spec.default {
        let default = if default.is_empty() {
            "(empty)"
        } else {
            default
        };
        info.push(format!("Default: {default}"));
    }
    info
}

fn escape(text: &str) -> String {
    super::imageinfo::escape_html(text)
}

/// The heading's text: `list=allimages (ai)`, `action=upload`.
fn heading(spec: &ModuleSpec) -> String {
    let name = match spec.group {
        "main" => "Main module".to_owned(),
        group => format!("{group}={}", spec.name),
    };
    if spec.prefix.is_empty() {
        name
    } else {
        format!("{name} ({})", spec.prefix)
    }
}

fn module_html(spec: &ModuleSpec) -> String {
    let mut html = format!(
        "<h2 class=\"apihelp-header apihelp-module-name\" id=\"{}\">{}</h2>\n",
        escape(spec.path),
        escape(&heading(spec))
    );
    let mut flags = Vec::new();
    if spec.read_rights {
        flags.push("This module requires read rights.");
    }
    if spec.write {
        flags.push("This module requires write rights.");
    }
    if spec.must_post {
        flags.push("This module only accepts POST requests.");
    }
    if spec.path.starts_with("query+") && super::query::GENERATOR_MODULES.contains(&spec.name) {
        flags.push("This module can be used as a generator.");
    }
    if !flags.is_empty() {
        let items: Vec<String> = flags.iter().map(|f| format!("<li>{f}</li>")).collect();
        html.push_str(&format!(
            "<div class=\"apihelp-block apihelp-flags\"><ul>{}</ul></div>\n",
            items.concat()
        ));
    }
    let summary = summary(spec.path);
    if !summary.is_empty() {
        html.push_str(&format!("<p>{}</p>\n", escape(summary)));
    }
    if let Some(url) = spec.help_url {
        let url = escape(url);
        html.push_str(&format!(
            "<div class=\"apihelp-block apihelp-help-urls\"><ul><li><a href=\"{url}\">{url}</a></li></ul></div>\n"
        ));
    }
    if !spec.params.is_empty() {
        html.push_str("<div class=\"apihelp-block apihelp-parameters\"><div class=\"apihelp-block-head\">Parameters:</div><dl>");
        for param in spec.params {
            html.push_str(&format!(
                "<dt>{}{}</dt>",
                escape(spec.prefix),
                escape(param.name)
            ));
            let text = param_text(param.name);
            if !text.is_empty() {
                html.push_str(&format!(
                    "<dd class=\"description\"><p>{}</p></dd>",
                    escape(text)
                ));
            }
            for info in param_info(param) {
                html.push_str(&format!("<dd class=\"info\">{}</dd>", escape(&info)));
            }
        }
        html.push_str("</dl></div>\n");
    }
    html
}

/// The modules directly below `path` (`main`: the actions and formats;
/// `query`: its prop, list and meta modules).
fn submodules(path: &str) -> Vec<&'static ModuleSpec> {
    all_modules()
        .into_iter()
        .filter(|m| match path {
            "main" => m.path != "main" && !m.path.contains('+'),
            parent => m
                .path
                .strip_prefix(parent)
                .and_then(|rest| rest.strip_prefix('+'))
                .is_some_and(|rest| !rest.contains('+')),
        })
        .collect()
}

fn bad_module(path: &str) -> ApiError {
    let (parent, name) = path.rsplit_once('+').unwrap_or(("main", path));
    ApiError::new(
        "badmodule",
        Message::new(
            "apierror-badmodule-nosubmodules",
            vec![parent.into(), name.into()],
            format!(
                "The module <kbd>{}</kbd> does not have a submodule \"{}\".",
                escape(parent),
                escape(name)
            ),
        ),
    )
}

/// Adds `spec`'s help, then its submodules' when asked (all levels with
/// `recursivesubmodules`, one with `submodules`), each module once.
fn add(
    spec: &'static ModuleSpec,
    params: &HelpParams,
    requested: bool,
    done: &mut Vec<&'static str>,
    html: &mut String,
) {
    if done.contains(&spec.path) {
        return;
    }
    done.push(spec.path);
    html.push_str(&module_html(spec));
    if params.recursive || (params.submodules && requested) {
        for sub in submodules(spec.path) {
            add(sub, params, false, done, html);
        }
    }
}

pub fn execute(params: HelpParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let mut specs: Vec<&'static ModuleSpec> = Vec::new();
    for path in &params.paths {
        let found: Vec<&'static ModuleSpec> = match path.strip_suffix("+*") {
            Some(parent) => submodules(parent),
            None => all_modules()
                .into_iter()
                .filter(|m| m.path == path.as_str())
                .collect(),
        };
        if found.is_empty() {
            return Err(bad_module(path));
        }
        specs.extend(found);
    }
    let mut html = String::new();
    let mut done: Vec<&str> = Vec::new();
    for spec in specs {
        add(spec, &params, true, &mut done, &mut html);
    }
    let mut help = Map::new();
    help.insert("mime".into(), "text/html".into());
    help.insert("filename".into(), "api-help.html".into());
    help.insert("help".into(), html.into());
    ctx.output.add("help", Value::Object(help));
    Ok(())
}
