//! Wikitext through one parser (`parse-wiki-text-2`), configured as a
//! MediaWiki 1.39 wiki without extensions: sections (by their headings),
//! the redirect target, and a walk over every node that later code
//! (the link tables here, rendering in issue 13) builds on.
//!
//! The parser is tolerant: malformed markup becomes text, never an error,
//! and a pathological text stops after a time limit with what was parsed
//! so far, so no input can make a save fail or hang.

use std::sync::OnceLock;
use std::time::Duration;

use parse_wiki_text_2::{Configuration, ConfigurationSource, Node, Output};

/// How long one parse may take before its partial result is used.
const PARSE_TIME_LIMIT: Duration = Duration::from_secs(2);

/// Tags whose content is not wikitext: nothing inside them is a heading or
/// a link. (`pre` is parsed as an HTML tag by the crate, so its region is
/// skipped by the walk instead.)
pub const VERBATIM_TAGS: &[&str] = &["nowiki", "pre"];

/// The parser configured like MediaWiki 1.39's core: its namespaces for
/// files and categories, its URL protocols (`$wgUrlProtocols`), its
/// behaviour switches and its extension tags.
pub fn configuration() -> &'static Configuration {
    static CONFIGURATION: OnceLock<Configuration> = OnceLock::new();
    CONFIGURATION.get_or_init(|| {
        Configuration::new(&ConfigurationSource {
            category_namespaces: &["category"],
            extension_tags: &["gallery", "indicator", "langconvert", "nowiki", "pre"],
            file_namespaces: &["file", "image"],
            link_trail: "abcdefghijklmnopqrstuvwxyz",
            magic_words: &[
                "EXPECTUNUSEDCATEGORY",
                "FORCETOC",
                "HIDDENCAT",
                "INDEX",
                "NEWSECTIONLINK",
                "NOCC",
                "NOCONTENTCONVERT",
                "NOEDITSECTION",
                "NOGALLERY",
                "NOINDEX",
                "NONEWSECTIONLINK",
                "NOTC",
                "NOTITLECONVERT",
                "NOTOC",
                "STATICREDIRECT",
                "TOC",
            ],
            protocols: URL_PROTOCOLS,
            redirect_magic_words: &["REDIRECT"],
        })
    })
}

/// `$wgUrlProtocols` of MediaWiki 1.39.
pub const URL_PROTOCOLS: &[&str] = &[
    "bitcoin:",
    "ftp://",
    "ftps://",
    "geo:",
    "git://",
    "gopher://",
    "http://",
    "https://",
    "irc://",
    "ircs://",
    "magnet:",
    "mailto:",
    "matrix:",
    "mms://",
    "news:",
    "nntp://",
    "redis://",
    "sftp://",
    "sip:",
    "sips:",
    "sms:",
    "ssh://",
    "svn://",
    "tel:",
    "telnet://",
    "urn:",
    "worldwind://",
    "xmpp:",
    "//",
];

/// Parses `text`; a parse that runs out of time gives what it had.
pub fn parse(text: &str) -> Output<'_> {
    match configuration().parse_with_timeout(text, PARSE_TIME_LIMIT) {
        Ok(output) => output,
        Err(parse_wiki_text_2::ParseError::TimedOut { output, .. }) => {
            tracing::warn!(
                bytes = text.len(),
                "wikitext parse timed out; partial result used"
            );
            output
        }
    }
}

/// Calls `visit` for every node of `nodes` and below, in document order,
/// except inside verbatim regions (`<nowiki>`, `<pre>`) and comments.
pub fn walk<'a>(nodes: &[Node<'a>], visit: &mut impl FnMut(&Node<'a>)) {
    let mut in_pre = false;
    for node in nodes {
        match node {
            Node::StartTag { name, .. } if name == "pre" => {
                in_pre = true;
                continue;
            }
            Node::EndTag { name, .. } if name == "pre" => {
                in_pre = false;
                continue;
            }
            _ if in_pre => continue,
            Node::Tag { name, .. } if VERBATIM_TAGS.contains(&name.as_ref()) => continue,
            _ => {}
        }
        visit(node);
        for children in child_lists(node) {
            walk(children, visit);
        }
    }
}

/// The node lists directly below `node`.
fn child_lists<'n, 'a>(node: &'n Node<'a>) -> Vec<&'n [Node<'a>]> {
    match node {
        Node::Category { ordinal, .. } => vec![ordinal],
        Node::ExternalLink { nodes, .. }
        | Node::Heading { nodes, .. }
        | Node::Preformatted { nodes, .. }
        | Node::Tag { nodes, .. } => vec![nodes],
        Node::Image { text, .. } | Node::Link { text, .. } => vec![text],
        Node::DefinitionList { items, .. } => items.iter().map(|i| i.nodes.as_slice()).collect(),
        Node::OrderedList { items, .. } | Node::UnorderedList { items, .. } => {
            items.iter().map(|i| i.nodes.as_slice()).collect()
        }
        Node::Parameter { default, name, .. } => {
            let mut lists = vec![name.as_slice()];
            lists.extend(default.as_deref());
            lists
        }
        Node::Table {
            attributes,
            captions,
            rows,
            ..
        } => {
            let mut lists = vec![attributes.as_slice()];
            for caption in captions {
                lists.extend(caption.attributes.as_deref());
                lists.push(&caption.content);
            }
            for row in rows {
                lists.push(&row.attributes);
                for cell in &row.cells {
                    lists.extend(cell.attributes.as_deref());
                    lists.push(&cell.content);
                }
            }
            lists
        }
        Node::Template {
            name, parameters, ..
        } => {
            let mut lists = vec![name.as_slice()];
            for parameter in parameters {
                lists.extend(parameter.name.as_deref());
                lists.push(&parameter.value);
            }
            lists
        }
        _ => Vec::new(),
    }
}

/// The plain text of `nodes` when they are only text (a template's name,
/// a sort key); `None` when markup is inside.
pub fn plain_text(nodes: &[Node<'_>]) -> Option<String> {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text { value, .. } => out.push_str(value),
            Node::CharacterEntity { character, .. } => out.push(*character),
            Node::Comment { .. } => {}
            _ => return None,
        }
    }
    Some(out)
}

/// A heading that starts a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub level: u8,
    /// Byte offsets of the heading line in the text.
    pub start: usize,
    pub end: usize,
    /// The heading's text as written (markup kept), trimmed.
    pub line: String,
}

/// The headings that number a page's sections, in order: those of the
/// page's own text, not inside verbatim regions or templates.
pub fn headings(text: &str) -> Vec<Heading> {
    let output = parse(text);
    let mut in_pre = false;
    let mut found = Vec::new();
    for node in &output.nodes {
        match node {
            Node::StartTag { name, .. } if name == "pre" => in_pre = true,
            Node::EndTag { name, .. } if name == "pre" => in_pre = false,
            Node::Heading {
                level, start, end, ..
            } if !in_pre => {
                let level_marks = usize::from(*level);
                let raw = text[*start..*end].trim_end();
                let inner = raw
                    .get(level_marks..raw.len().saturating_sub(level_marks))
                    .unwrap_or_default();
                found.push(Heading {
                    level: *level,
                    start: *start,
                    end: *end,
                    line: inner.trim().to_owned(),
                });
            }
            _ => {}
        }
    }
    found
}

/// The byte range of section `number` (0: before the first heading).
fn section_range(text: &str, headings: &[Heading], number: usize) -> Option<(usize, usize)> {
    if number == 0 {
        return Some((0, headings.first().map_or(text.len(), |h| h.start)));
    }
    let heading = headings.get(number - 1)?;
    let end = headings[number..]
        .iter()
        .find(|h| h.level <= heading.level)
        .map_or(text.len(), |h| h.start);
    Some((heading.start, end))
}

/// Section `number` of `text` (MediaWiki's `getSection`), trailing white
/// space trimmed; `None` when there is no such section.
pub fn section(text: &str, number: usize) -> Option<String> {
    let headings = headings(text);
    let (start, end) = section_range(text, &headings, number)?;
    Some(text[start..end].trim_end().to_owned())
}

/// `text` with section `number` replaced by `replacement` (MediaWiki's
/// `replaceSection`): a blank line keeps the sections after it apart.
pub fn replace_section(text: &str, number: usize, replacement: &str) -> Option<String> {
    let headings = headings(text);
    let (start, end) = section_range(text, &headings, number)?;
    let mut out = String::with_capacity(text.len() + replacement.len());
    out.push_str(&text[..start]);
    if !replacement.is_empty() {
        out.push_str(replacement);
        out.push_str("\n\n");
    }
    out.push_str(&text[end..]);
    Some(out.trim_end().to_owned())
}

/// The raw target of a `#REDIRECT [[...]]` at the start of `text`.
pub fn redirect_target(text: &str) -> Option<String> {
    parse(text).nodes.iter().find_map(|node| match node {
        Node::Redirect { target, .. } => Some((*target).to_owned()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Intro.\n\n== One ==\nA.\n=== One.1 ===\nB.\n== Two ==\nC.\n";

    #[test]
    fn sections_are_cut_at_headings_of_the_same_or_a_higher_level() {
        assert_eq!(section(PAGE, 0).as_deref(), Some("Intro."));
        assert_eq!(
            section(PAGE, 1).as_deref(),
            Some("== One ==\nA.\n=== One.1 ===\nB.")
        );
        assert_eq!(section(PAGE, 2).as_deref(), Some("=== One.1 ===\nB."));
        assert_eq!(section(PAGE, 3).as_deref(), Some("== Two ==\nC."));
        assert_eq!(section(PAGE, 4), None);
        let lines: Vec<String> = headings(PAGE).into_iter().map(|h| h.line).collect();
        assert_eq!(lines, ["One", "One.1", "Two"]);
    }

    #[test]
    fn replacing_a_section_keeps_the_others() {
        assert_eq!(
            replace_section(PAGE, 3, "== Two ==\nNew.").as_deref(),
            Some("Intro.\n\n== One ==\nA.\n=== One.1 ===\nB.\n== Two ==\nNew.")
        );
        assert_eq!(
            replace_section(PAGE, 2, "=== One.1 ===\nX.").as_deref(),
            Some("Intro.\n\n== One ==\nA.\n=== One.1 ===\nX.\n\n== Two ==\nC.")
        );
        assert_eq!(
            replace_section(PAGE, 0, "New intro.").as_deref(),
            Some("New intro.\n\n== One ==\nA.\n=== One.1 ===\nB.\n== Two ==\nC.")
        );
        assert_eq!(replace_section(PAGE, 9, "x"), None);
        // The reference's own sequence (transcripts/70-page-edit).
        let page = "Text checked by md5.\n\n== Added section ==\n\nBody of the added section.";
        assert_eq!(
            replace_section(page, 1, "== Added section ==\nReplaced body of section 1.").as_deref(),
            Some("Text checked by md5.\n\n== Added section ==\nReplaced body of section 1.")
        );
    }

    #[test]
    fn headings_in_verbatim_text_do_not_count() {
        let text = "<pre>\n== Not ==\n</pre>\n<nowiki>\n== Neither ==\n</nowiki>\n== Real ==\nx";
        let lines: Vec<String> = headings(text).into_iter().map(|h| h.line).collect();
        assert_eq!(lines, ["Real"]);
    }

    #[test]
    fn redirects_are_found_at_the_start_only() {
        assert_eq!(
            redirect_target("#REDIRECT [[File:New.png]]").as_deref(),
            Some("File:New.png")
        );
        assert_eq!(
            redirect_target("#redirect [[Target#Part|x]]").as_deref(),
            Some("Target#Part")
        );
        assert_eq!(redirect_target("Text\n#REDIRECT [[X]]"), None);
    }
}
