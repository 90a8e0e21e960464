//! Prop modules about a page's content and authors, as MediaWiki 1.39
//! answers them: `prop=extlinks` (the page's external links from the link
//! tables, continuation `<page id>|<url>`), `prop=pageprops` (wikiupload
//! records no page properties: nothing is added) and
//! `prop=contributors` (registered authors by id, `anoncontributors`;
//! continuation `<page id>|<user id>`).

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::lists::bad_continue;
use super::pagelists::read_limit;
use super::pageset::PageEntry;
use super::userlists::{RIGHTS, param_mix};
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType};
use crate::auth::rights::IMPLICIT_USER_GROUPS;

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

/// `$wgUrlProtocols` of MediaWiki 1.39: `elprotocol`'s value and the
/// start of the URLs it selects.
const PROTOCOLS: &[(&str, &str)] = &[
    ("", ""),
    ("bitcoin", "bitcoin:"),
    ("ftp", "ftp://"),
    ("ftps", "ftps://"),
    ("geo", "geo:"),
    ("git", "git://"),
    ("gopher", "gopher://"),
    ("http", "http://"),
    ("https", "https://"),
    ("irc", "irc://"),
    ("ircs", "ircs://"),
    ("magnet", "magnet:"),
    ("mailto", "mailto:"),
    ("matrix", "matrix:"),
    ("mms", "mms://"),
    ("news", "news:"),
    ("nntp", "nntp://"),
    ("redis", "redis://"),
    ("sftp", "sftp://"),
    ("sip", "sip:"),
    ("sips", "sips:"),
    ("sms", "sms:"),
    ("ssh", "ssh://"),
    ("svn", "svn://"),
    ("tel", "tel:"),
    ("telnet", "telnet://"),
    ("urn", "urn:"),
    ("worldwind", "worldwind://"),
    ("xmpp", "xmpp:"),
];

const PROTOCOL_NAMES: &[&str] = &[
    "",
    "bitcoin",
    "ftp",
    "ftps",
    "geo",
    "git",
    "gopher",
    "http",
    "https",
    "irc",
    "ircs",
    "magnet",
    "mailto",
    "matrix",
    "mms",
    "news",
    "nntp",
    "redis",
    "sftp",
    "sip",
    "sips",
    "sms",
    "ssh",
    "svn",
    "tel",
    "telnet",
    "urn",
    "worldwind",
    "xmpp",
];

pub static EXTLINKS: ModuleSpec = ModuleSpec {
    name: "extlinks",
    path: "query+extlinks",
    group: "prop",
    class: "ApiQueryExternalLinks",
    prefix: "el",
    params: &[
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
        ParamSpec::new("protocol", ParamType::Enum(PROTOCOL_NAMES)).default(""),
        ParamSpec::string("query"),
        ParamSpec::flag("expandurl"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Extlinks"),
};

pub static PAGEPROPS: ModuleSpec = ModuleSpec {
    name: "pageprops",
    path: "query+pageprops",
    group: "prop",
    class: "ApiQueryPageProps",
    prefix: "pp",
    params: &[
        ParamSpec::string("continue"),
        ParamSpec::string("prop").multi(),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Pageprops"),
};

pub static CONTRIBUTORS: ModuleSpec = ModuleSpec {
    name: "contributors",
    path: "query+contributors",
    group: "prop",
    class: "ApiQueryContributors",
    prefix: "pc",
    params: &[
        // The configured groups: a group nobody is in matches nobody.
        ParamSpec::string("group").multi(),
        ParamSpec::string("excludegroup").multi(),
        ParamSpec::new("rights", ParamType::Enum(RIGHTS)).multi(),
        ParamSpec::new("excluderights", ParamType::Enum(RIGHTS)).multi(),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Contributors"),
};

/// One of this file's modules asked for, with its parameters.
pub enum ContentProp {
    ExtLinks(ExtLinksParams),
    PageProps,
    Contributors(ContributorsParams),
}

/// Parsed `el*` parameters.
pub struct ExtLinksParams {
    limit: i64,
    limit_is_max: bool,
    resume: Option<(i64, String)>,
    /// The start every listed URL has ('' for any).
    protocol: &'static str,
    query: Option<String>,
    expand: bool,
}

/// Who `prop=contributors` lists.
enum AuthorFilter {
    All,
    InGroups(Vec<String>),
    NotInGroups(Vec<String>),
    WithRights(Vec<&'static str>),
    WithoutRights(Vec<&'static str>),
}

/// Parsed `pc*` parameters.
pub struct ContributorsParams {
    filter: AuthorFilter,
    limit: i64,
    limit_is_max: bool,
    resume: Option<(i64, i64)>,
}

/// `<a>|<b>` of two integers; `badcontinue` otherwise.
fn two_ids(value: &str) -> Result<(i64, i64), ApiError> {
    let (a, b) = value.split_once('|').ok_or_else(bad_continue)?;
    let a = a.trim().parse().map_err(|_| bad_continue())?;
    let b = b.trim().parse().map_err(|_| bad_continue())?;
    Ok((a, b))
}

/// MediaWiki's escape of a continuation field.
fn escape_field(text: &str) -> String {
    text.replace('%', "%25").replace('|', "%7C")
}

fn unescape_field(text: &str) -> String {
    text.replace("%7C", "|").replace("%25", "%")
}

impl ContentProp {
    /// Parses the parameters of `name` (one of this file's modules).
    pub fn parse(name: &str, reader: &mut ParamReader<'_>) -> Result<ContentProp, ApiError> {
        match name {
            "extlinks" => {
                let p = |name| EXTLINKS.param(name);
                let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
                let resume = match reader.string(p("continue"))? {
                    Some(value) => {
                        let (page, url) = value.split_once('|').ok_or_else(bad_continue)?;
                        let page = page.trim().parse().map_err(|_| bad_continue())?;
                        Some((page, unescape_field(url)))
                    }
                    None => None,
                };
                let protocol = reader.choice(p("protocol"))?.unwrap_or("");
                let protocol = PROTOCOLS
                    .iter()
                    .find(|(name, _)| *name == protocol)
                    .map_or("", |(_, start)| start);
                Ok(ContentProp::ExtLinks(ExtLinksParams {
                    limit,
                    limit_is_max,
                    resume,
                    protocol,
                    query: reader.string(p("query"))?.filter(|q| !q.is_empty()),
                    expand: reader.flag(p("expandurl"))?,
                }))
            }
            "pageprops" => {
                reader.string(PAGEPROPS.param("continue"))?;
                reader.strings(PAGEPROPS.param("prop"))?;
                Ok(ContentProp::PageProps)
            }
            _ => {
                let p = |name| CONTRIBUTORS.param(name);
                let groups = reader.strings(p("group"))?;
                let exclude_groups = reader.strings(p("excludegroup"))?;
                let rights = reader.choices(p("rights"))?;
                let exclude_rights = reader.choices(p("excluderights"))?;
                let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
                let resume = reader
                    .string(p("continue"))?
                    .map(|v| two_ids(&v))
                    .transpose()?;
                let given: Vec<(&str, bool)> = vec![
                    ("pcgroup", !groups.is_empty()),
                    ("pcexcludegroup", !exclude_groups.is_empty()),
                    ("pcrights", !rights.is_empty()),
                    ("pcexcluderights", !exclude_rights.is_empty()),
                ];
                let names: Vec<String> = given
                    .iter()
                    .filter(|(_, given)| *given)
                    .map(|(name, _)| (*name).to_owned())
                    .collect();
                if names.len() > 1 {
                    return Err(param_mix(&names));
                }
                let filter = if !groups.is_empty() {
                    AuthorFilter::InGroups(groups)
                } else if !exclude_groups.is_empty() {
                    AuthorFilter::NotInGroups(exclude_groups)
                } else if !rights.is_empty() {
                    AuthorFilter::WithRights(rights)
                } else if !exclude_rights.is_empty() {
                    AuthorFilter::WithoutRights(exclude_rights)
                } else {
                    AuthorFilter::All
                };
                Ok(ContentProp::Contributors(ContributorsParams {
                    filter,
                    limit,
                    limit_is_max,
                    resume,
                }))
            }
        }
    }

    pub fn spec(&self) -> &'static ModuleSpec {
        match self {
            ContentProp::ExtLinks(_) => &EXTLINKS,
            ContentProp::PageProps => &PAGEPROPS,
            ContentProp::Contributors(_) => &CONTRIBUTORS,
        }
    }

    /// The limit used, when the client asked for `max` (for `limits`).
    pub fn max_limit(&self) -> Option<i64> {
        match self {
            ContentProp::ExtLinks(p) => p.limit_is_max.then_some(p.limit),
            ContentProp::Contributors(p) => p.limit_is_max.then_some(p.limit),
            ContentProp::PageProps => None,
        }
    }

    /// Adds the module's data to the pages; returns its continuation
    /// value when more remain.
    pub async fn add(
        &self,
        entries: &mut [PageEntry],
        ctx: &Ctx<'_>,
    ) -> Result<Option<String>, ApiError> {
        match self {
            ContentProp::ExtLinks(params) => ext_links(entries, params, ctx).await,
            ContentProp::PageProps => Ok(None),
            ContentProp::Contributors(params) => contributors(entries, params, ctx).await,
        }
    }
}

/// The existing pages of the set: their index in `entries` and id, by id.
fn pages_by_id(entries: &[PageEntry]) -> Vec<(usize, i64)> {
    let mut pages: Vec<(usize, i64)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.page.as_ref().map(|p| (i, p.id)))
        .collect();
    pages.sort_by_key(|(_, id)| *id);
    pages
}

/// Whether `url` is listed under the protocol start `protocol` and the
/// `elquery` text `query` (a prefix of the URL after the protocol; a
/// protocol-relative link counts as http and https).
fn url_selected(url: &str, protocol: &str, query: Option<&str>) -> bool {
    let relative = url.starts_with("//");
    let web = protocol.is_empty() || protocol == "http://" || protocol == "https://";
    let protocol_ok = url.starts_with(protocol) || (relative && web);
    let Some(query) = query else {
        return protocol_ok;
    };
    let scheme = if protocol.is_empty() {
        "http://"
    } else {
        protocol
    };
    let wanted = format!("{scheme}{query}");
    let full = match url.strip_prefix("//") {
        Some(rest) if scheme.ends_with("//") => format!("{scheme}{rest}"),
        _ => url.to_owned(),
    };
    protocol_ok && full.starts_with(&wanted)
}

async fn ext_links(
    entries: &mut [PageEntry],
    params: &ExtLinksParams,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ApiError> {
    let scheme = ctx
        .app
        .server
        .split_once("//")
        .map_or("http:", |(scheme, _)| scheme)
        .to_owned();
    let mut left = params.limit;
    for (index, page_id) in pages_by_id(entries) {
        let links = ctx.app.db.page_links(page_id).await?;
        let mut items = Vec::new();
        for url in links.external {
            if let Some((resume_page, resume_url)) = &params.resume
                && (page_id, url.as_str()) < (*resume_page, resume_url.as_str())
            {
                continue;
            }
            if !url_selected(&url, params.protocol, params.query.as_deref()) {
                continue;
            }
            if left == 0 {
                set_list(&mut entries[index], "extlinks", items);
                return Ok(Some(format!("{page_id}|{}", escape_field(&url))));
            }
            left -= 1;
            let shown = match url.strip_prefix("//") {
                Some(rest) if params.expand => format!("{scheme}//{rest}"),
                _ => url,
            };
            let mut item = Map::new();
            item.insert(ctx.output.content_key("url").into(), shown.into());
            items.push(Value::Object(item));
        }
        set_list(&mut entries[index], "extlinks", items);
    }
    Ok(None)
}

/// Puts a non-empty list on a page.
fn set_list(entry: &mut PageEntry, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        entry.fields.insert(key.into(), Value::Array(items));
    }
}

async fn contributors(
    entries: &mut [PageEntry],
    params: &ContributorsParams,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ApiError> {
    let policy = ctx.app.accounts.policy();
    let mut left = params.limit;
    for (index, page_id) in pages_by_id(entries) {
        if params.resume.is_some_and(|(page, _)| page_id < page) {
            continue;
        }
        let (authors, anonymous) = ctx.app.db.page_contributors(page_id).await?;
        let mut items = Vec::new();
        for (user_id, name) in authors {
            if params
                .resume
                .is_some_and(|(page, user)| page_id == page && user_id < user)
            {
                continue;
            }
            let explicit = ctx.app.db.user_groups(user_id).await?;
            let selected = match &params.filter {
                AuthorFilter::All => true,
                AuthorFilter::InGroups(groups) => explicit.iter().any(|g| groups.contains(g)),
                AuthorFilter::NotInGroups(groups) => !explicit.iter().any(|g| groups.contains(g)),
                AuthorFilter::WithRights(rights) | AuthorFilter::WithoutRights(rights) => {
                    let mut groups: Vec<String> =
                        IMPLICIT_USER_GROUPS.iter().map(|g| g.to_string()).collect();
                    groups.extend(explicit);
                    let has = policy.rights_of(&groups);
                    let any = rights.iter().any(|r| has.iter().any(|h| h == r));
                    matches!(params.filter, AuthorFilter::WithRights(_)) == any
                }
            };
            if !selected {
                continue;
            }
            if left == 0 {
                set_list(&mut entries[index], "contributors", items);
                return Ok(Some(format!("{page_id}|{user_id}")));
            }
            left -= 1;
            items.push(json!({"userid": user_id, "name": name}));
        }
        set_list(&mut entries[index], "contributors", items);
        if anonymous > 0 {
            entries[index]
                .fields
                .insert("anoncontributors".into(), anonymous.into());
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_relative_links_count_as_http_and_https() {
        assert!(url_selected("//proto.example/rel", "http://", None));
        assert!(url_selected("//proto.example/rel", "https://", None));
        assert!(!url_selected("//proto.example/rel", "mailto:", None));
        assert!(url_selected("mailto:a@b.c", "mailto:", None));
        assert!(!url_selected("https://example.org/a", "http://", None));
    }

    #[test]
    fn a_query_is_a_prefix_after_the_protocol() {
        assert!(!url_selected(
            "https://example.org/a",
            "",
            Some("example.org")
        ));
        assert!(url_selected(
            "https://example.org/a",
            "https://",
            Some("example.org")
        ));
        assert!(url_selected("//example.org/a", "", Some("example.org/")));
        assert!(!url_selected(
            "https://example.com/",
            "https://",
            Some("example.org")
        ));
    }

    #[test]
    fn continuation_fields_escape_bars_and_percents() {
        let url = "https://x.example/a|b%7C";
        assert_eq!(unescape_field(&escape_field(url)), url);
        assert!(!escape_field(url).contains('|'));
    }
}
