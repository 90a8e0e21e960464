//! What a page's text links to, as MediaWiki's LinksUpdate records it:
//! pages (`[[X]]`), templates (`{{X}}`, `{{:X}}`), files (`[[File:X]]`,
//! `[[Media:X]]`, gallery lines), categories (`[[Category:X|sort]]`),
//! external links (`[http://...]` and bare URLs) and the redirect target.
//! Everything comes from the parser's tree (`wikitext`); templates are not
//! expanded, so links inside template arguments count as if rendered.

use parse_wiki_text_2::Node;

use super::title::{self, Title};
use super::wikitext::{self, URL_PROTOCOLS};
use crate::storage::PageLinks;

/// MediaWiki 1.39's core parser functions and modifiers: `{{name:...}}`
/// with one of these names is not a template.
const PARSER_FUNCTIONS: &[&str] = &[
    "anchorencode",
    "basepagename",
    "basepagenamee",
    "bcp47",
    "canonicalurl",
    "canonicalurle",
    "cascadingsources",
    "defaultcategorysort",
    "defaultsort",
    "defaultsortkey",
    "dir",
    "displaytitle",
    "filepath",
    "formatdate",
    "formatnum",
    "fullpagename",
    "fullpagenamee",
    "fullurl",
    "fullurle",
    "gender",
    "grammar",
    "int",
    "interlanguagelink",
    "interwikilink",
    "language",
    "lc",
    "lcfirst",
    "localurl",
    "localurle",
    "msg",
    "msgnw",
    "namespace",
    "namespacee",
    "namespacenumber",
    "ns",
    "nse",
    "numberingroup",
    "numberofactiveusers",
    "numberofadmins",
    "numberofarticles",
    "numberofedits",
    "numberoffiles",
    "numberofpages",
    "numberofusers",
    "padleft",
    "padright",
    "pageid",
    "pagename",
    "pagenamee",
    "pagesincategory",
    "pagesize",
    "plural",
    "protectionexpiry",
    "protectionlevel",
    "raw",
    "revisionday",
    "revisionday2",
    "revisionid",
    "revisionmonth",
    "revisionmonth1",
    "revisiontimestamp",
    "revisionuser",
    "revisionyear",
    "rootpagename",
    "rootpagenamee",
    "safesubst",
    "special",
    "speciale",
    "subjectpagename",
    "subjectpagenamee",
    "subjectspace",
    "subjectspacee",
    "subpagename",
    "subpagenamee",
    "subst",
    "tag",
    "talkpagename",
    "talkpagenamee",
    "talkspace",
    "talkspacee",
    "uc",
    "ucfirst",
    "urlencode",
];

/// Variables (`{{PAGENAME}}`): not templates either.
const VARIABLES: &[&str] = &[
    "!",
    "=",
    "ARTICLEPATH",
    "BASEPAGENAME",
    "BASEPAGENAMEE",
    "CONTENTLANGUAGE",
    "CONTENTLANG",
    "CURRENTDAY",
    "CURRENTDAY2",
    "CURRENTDAYNAME",
    "CURRENTDOW",
    "CURRENTHOUR",
    "CURRENTMONTH",
    "CURRENTMONTH1",
    "CURRENTMONTHABBREV",
    "CURRENTMONTHNAME",
    "CURRENTMONTHNAMEGEN",
    "CURRENTTIME",
    "CURRENTTIMESTAMP",
    "CURRENTVERSION",
    "CURRENTWEEK",
    "CURRENTYEAR",
    "DIRECTIONMARK",
    "DIRMARK",
    "FULLPAGENAME",
    "FULLPAGENAMEE",
    "LOCALDAY",
    "LOCALDAY2",
    "LOCALDAYNAME",
    "LOCALDOW",
    "LOCALHOUR",
    "LOCALMONTH",
    "LOCALMONTH1",
    "LOCALMONTHABBREV",
    "LOCALMONTHNAME",
    "LOCALMONTHNAMEGEN",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "LOCALWEEK",
    "LOCALYEAR",
    "NAMESPACE",
    "NAMESPACEE",
    "NAMESPACENUMBER",
    "NUMBEROFACTIVEUSERS",
    "NUMBEROFADMINS",
    "NUMBEROFARTICLES",
    "NUMBEROFEDITS",
    "NUMBEROFFILES",
    "NUMBEROFPAGES",
    "NUMBEROFUSERS",
    "PAGEID",
    "PAGENAME",
    "PAGENAMEE",
    "REVISIONDAY",
    "REVISIONDAY2",
    "REVISIONID",
    "REVISIONMONTH",
    "REVISIONMONTH1",
    "REVISIONSIZE",
    "REVISIONTIMESTAMP",
    "REVISIONUSER",
    "REVISIONYEAR",
    "ROOTPAGENAME",
    "ROOTPAGENAMEE",
    "SCRIPTPATH",
    "SERVER",
    "SERVERNAME",
    "SITENAME",
    "STYLEPATH",
    "SUBJECTPAGENAME",
    "SUBJECTPAGENAMEE",
    "SUBJECTSPACE",
    "SUBJECTSPACEE",
    "SUBPAGENAME",
    "SUBPAGENAMEE",
    "TALKPAGENAME",
    "TALKPAGENAMEE",
    "TALKSPACE",
    "TALKSPACEE",
];

/// What `text`, saved as the page `page`, links to.
pub fn extract(text: &str, page: &Title, sitename: &str) -> PageLinks {
    let output = wikitext::parse(text);
    let mut links = PageLinks::default();
    let mut default_sort: Option<String> = None;
    let mut categories: Vec<(String, Option<String>)> = Vec::new();
    wikitext::walk(&output.nodes, &mut |node| match node {
        Node::Redirect { target, .. } => {
            let (name, fragment) = target.split_once('#').unwrap_or((target, ""));
            if let Some(to) = Title::parse(name, sitename).filter(Title::can_exist) {
                links.redirect = Some((to.namespace, to.db_key.clone(), fragment.to_owned()));
                links.pages.insert((to.namespace, to.db_key));
            }
        }
        Node::Link { target, .. } => link(target, page, sitename, &mut links),
        Node::Image { target, .. } => {
            if let Some(file) =
                Title::parse(target, sitename).filter(|t| t.namespace == title::FILE)
            {
                links.files.insert(file.db_key);
            }
        }
        Node::Category {
            target, ordinal, ..
        } => {
            if let Some(category) =
                Title::parse(target, sitename).filter(|t| t.namespace == title::CATEGORY)
            {
                let sort = wikitext::plain_text(ordinal).filter(|_| !ordinal.is_empty());
                categories.push((category.db_key, sort));
            }
        }
        Node::Template { name, .. } => match template(name, sitename) {
            Some(Transclusion::Page(target)) => {
                links.templates.insert((target.namespace, target.db_key));
            }
            Some(Transclusion::DefaultSort(key)) => default_sort = Some(key),
            None => {}
        },
        Node::ExternalLink { nodes, .. } => {
            if let Some(Node::Text { value, .. }) = nodes.first() {
                let url = value.split_whitespace().next().unwrap_or_default();
                if URL_PROTOCOLS
                    .iter()
                    .any(|p| starts_with_ignore_case(url, p))
                {
                    links.external.insert(url.to_owned());
                }
            }
        }
        Node::Text { value, .. } => free_urls(value, &mut links),
        Node::Tag {
            name, start, end, ..
        } if name == "gallery" => gallery(&text[*start..*end], sitename, &mut links),
        _ => {}
    });
    // A sort key given with the link wins; else {{DEFAULTSORT:...}}.
    for (category, sort) in categories {
        let sort = sort.or_else(|| default_sort.clone()).unwrap_or_default();
        links.categories.entry(category).or_insert(sort);
    }
    links
}

/// `[[target]]`: a page link, or a file or category link spelled as one.
fn link(target: &str, page: &Title, sitename: &str, links: &mut PageLinks) {
    let forced = target.trim_start().starts_with(':');
    let Some(to) = Title::parse(target, sitename) else {
        return;
    };
    match to.namespace {
        // [[Media:X]] uses the file; [[:File:X]] links to its page.
        title::MEDIA => {
            links.files.insert(to.db_key);
        }
        title::FILE if !forced => {
            links.files.insert(to.db_key);
        }
        title::CATEGORY if !forced => {
            links.categories.entry(to.db_key).or_default();
        }
        namespace if namespace >= 0 && to != *page => {
            links.pages.insert((to.namespace, to.db_key));
        }
        _ => {}
    }
}

/// The page `{{name|...}}` transcludes, when it is one (not a parser
/// function, variable or default sort key).
pub fn template_target(name: &[Node<'_>], sitename: &str) -> Option<Title> {
    match template(name, sitename)? {
        Transclusion::Page(title) => Some(title),
        Transclusion::DefaultSort(_) => None,
    }
}

enum Transclusion {
    Page(Title),
    DefaultSort(String),
}

/// What `{{name|...}}` transcludes: a page (in `Template:` unless said
/// otherwise), nothing (a parser function or variable), or the default
/// sort key.
fn template(name: &[Node<'_>], sitename: &str) -> Option<Transclusion> {
    let name = wikitext::plain_text(name)?;
    let name = name.trim();
    if name.is_empty() || name.starts_with('#') || VARIABLES.contains(&name) {
        return None;
    }
    if let Some((prefix, rest)) = name.split_once(':') {
        let prefix = prefix.trim().to_lowercase();
        if matches!(
            prefix.as_str(),
            "defaultsort" | "defaultsortkey" | "defaultcategorysort"
        ) {
            let key = rest.split('|').next().unwrap_or_default().trim();
            return Some(Transclusion::DefaultSort(key.to_owned()));
        }
        if PARSER_FUNCTIONS.contains(&prefix.as_str()) {
            return None;
        }
    }
    Title::parse_in(name, title::TEMPLATE, sitename)
        .filter(Title::can_exist)
        .map(Transclusion::Page)
}

/// The file of each `<gallery>` line (`File:X.png|caption` or `X.png`).
fn gallery(tag: &str, sitename: &str, links: &mut PageLinks) {
    let inner_start = tag.find('>').map_or(tag.len(), |i| i + 1);
    let inner_end = tag
        .rfind("</")
        .filter(|&i| i >= inner_start)
        .unwrap_or(tag.len());
    for line in tag[inner_start..inner_end].lines() {
        let name = line.split('|').next().unwrap_or_default().trim();
        if name.is_empty() {
            continue;
        }
        if let Some(file) =
            Title::parse_in(name, title::FILE, sitename).filter(|t| t.namespace == title::FILE)
        {
            links.files.insert(file.db_key);
        }
    }
}

/// Bare URLs in running text (MediaWiki's free external links).
fn free_urls(text: &str, links: &mut PageLinks) {
    let mut rest = text;
    let mut before = None;
    while let Some((at, url)) = next_free_url_after(rest, before) {
        links.external.insert(url.to_owned());
        before = url.chars().next_back();
        rest = &rest[at + url.len()..];
    }
}

/// The first bare URL of `text`: its byte offset and the URL. A protocol
/// (not `//`) after a non-word character, up to white space or `[]<>"`,
/// without trailing punctuation.
pub fn next_free_url(text: &str) -> Option<(usize, &str)> {
    next_free_url_after(text, None)
}

/// `next_free_url` where `text` follows the character `before`.
fn next_free_url_after(text: &str, before: Option<char>) -> Option<(usize, &str)> {
    let mut position = 0;
    while position < text.len() {
        let rest = &text[position..];
        let after_word = text[..position]
            .chars()
            .next_back()
            .or(if position == 0 { before } else { None })
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let protocol = URL_PROTOCOLS
            .iter()
            .filter(|p| **p != "//")
            .find(|p| starts_with_ignore_case(rest, p));
        let Some(protocol) = protocol.filter(|_| !after_word) else {
            position += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let length = rest
            .find(|c: char| c.is_whitespace() || c.is_control() || "[]<>\"".contains(c))
            .unwrap_or(rest.len());
        let mut url = &rest[..length];
        loop {
            let trimmed = url.trim_end_matches([',', ';', '.', ':', '!', '?', '\'']);
            let trimmed = match trimmed.strip_suffix(')') {
                Some(without) if !trimmed.contains('(') => without,
                _ => trimmed,
            };
            if trimmed.len() == url.len() {
                break;
            }
            url = trimmed;
        }
        if url.len() > protocol.len() {
            return Some((position, url));
        }
        position += length.max(1);
    }
    None
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links_of(text: &str) -> PageLinks {
        extract(text, &Title::new(title::FILE, "Self.png"), "Wiki")
    }

    #[test]
    fn the_reference_file_page_links_as_mediawiki_records_it() {
        // transcripts/74-file-actions: the text of the uploaded file's page.
        let links = links_of(
            "== Summary ==\nA file description.\n{{Actions tmpl R28ffbc3 fv1|arg}}\nSee [[Actions linked R28ffbc3 fv1]].\n[[File:Actions other R28ffbc3 fv1.png|thumb|Another file]]\n\n== Licensing ==\nPublic domain.\n[[Category:Actions cat R28ffbc3 fv1]]",
        );
        assert_eq!(
            links.templates.into_iter().collect::<Vec<_>>(),
            [(10, "Actions_tmpl_R28ffbc3_fv1".to_owned())]
        );
        assert_eq!(
            links.pages.into_iter().collect::<Vec<_>>(),
            [(0, "Actions_linked_R28ffbc3_fv1".to_owned())]
        );
        assert_eq!(
            links.files.into_iter().collect::<Vec<_>>(),
            ["Actions_other_R28ffbc3_fv1.png"]
        );
        assert_eq!(
            links.categories.into_iter().collect::<Vec<_>>(),
            [("Actions_cat_R28ffbc3_fv1".to_owned(), String::new())]
        );
    }

    #[test]
    fn every_kind_of_link_is_recorded() {
        let links = links_of(
            "[[:Category:Shown]] [[Category:Sorted|key]] [[:File:Page.png]] [[Media:M.png]] \
             [[image:low.png|thumb|[[Inner]]]] [[ File : Spaced.png ]] [[Self.png]] [[File:Self.png]] \
             [[Special:Upload]] {{:Main}} {{template:T2|x}} {{Info|desc=[[In arg]]}} {{#if:x|y}} \
             {{PAGENAME}} {{lc:ABC}} {{User:Box}} [http://a.example/c d] see https://bare.example/x, \
             and (http://paren.example/y) too\n<gallery>\nFile:G.png|cap\nH.png\nCategory:Not\n</gallery>\n\
             <pre>[[NoLink]]</pre> <nowiki>[[NoLink2]]</nowiki> <!-- [[Comment]] -->",
        );
        let pages: Vec<(i64, String)> = links.pages.into_iter().collect();
        assert_eq!(
            pages,
            [
                (0, "In_arg".to_owned()),
                (0, "Inner".to_owned()),
                // [[Self.png]] is the main-namespace page, not this one.
                (0, "Self.png".to_owned()),
                (6, "Page.png".to_owned()),
                (14, "Shown".to_owned()),
            ]
        );
        let files: Vec<String> = links.files.into_iter().collect();
        assert_eq!(
            files,
            [
                "G.png",
                "H.png",
                "Low.png",
                "M.png",
                "Self.png",
                "Spaced.png"
            ]
        );
        let templates: Vec<(i64, String)> = links.templates.into_iter().collect();
        assert_eq!(
            templates,
            [
                (0, "Main".to_owned()),
                (2, "Box".to_owned()),
                (10, "Info".to_owned()),
                (10, "T2".to_owned()),
            ]
        );
        assert_eq!(
            links.categories.get("Sorted").map(String::as_str),
            Some("key")
        );
        assert_eq!(links.categories.len(), 1);
        let external: Vec<String> = links.external.into_iter().collect();
        assert_eq!(
            external,
            [
                "http://a.example/c",
                "http://paren.example/y",
                "https://bare.example/x"
            ]
        );
        assert_eq!(links.redirect, None);
    }

    #[test]
    fn a_redirect_records_its_target() {
        let links = links_of("#REDIRECT [[File:New name.png#x]]");
        assert_eq!(
            links.redirect,
            Some((6, "New_name.png".to_owned(), "x".to_owned()))
        );
        assert!(links.pages.contains(&(6, "New_name.png".to_owned())));
    }

    #[test]
    fn the_default_sort_key_applies_to_categories_without_one() {
        let links = links_of("{{DEFAULTSORT:Zed}}[[Category:A]][[Category:B|Own]]");
        assert_eq!(links.categories.get("A").map(String::as_str), Some("Zed"));
        assert_eq!(links.categories.get("B").map(String::as_str), Some("Own"));
    }
}
