//! Messages of errors and warnings: MediaWiki's message key and parameters
//! (for `errorformat=raw`) together with the English text, written in the
//! same light markup MediaWiki's messages use (`<var>`, `<kbd>`, `<code>`,
//! `<strong>`, `[[links]]`), as `Message::text()` gives it
//! (`errorformat=wikitext`). `bc` and `plaintext` strip its tags but keep
//! the `[[...]]` as they are, as MediaWiki does; `html` renders it.

use std::collections::HashMap;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: String,
    pub params: Vec<Value>,
    /// English text with MediaWiki's inline markup.
    pub text: String,
}

impl Message {
    pub fn new(key: &str, params: Vec<Value>, text: String) -> Message {
        Message {
            key: key.to_owned(),
            params,
            text,
        }
    }

    /// The text as `errorformat=bc` and `plaintext` show it.
    pub fn plain_text(&self) -> String {
        strip_markup(&self.text)
    }

    /// The text as `errorformat=html` shows it (`Message::parse()`), with
    /// each `[[...]]` replaced by its rendering in `links` (keyed by what
    /// stands between the brackets); one missing there stays as text.
    pub fn html(&self, links: &LinkRenderings) -> String {
        let mut inline = String::new();
        let mut blocks = String::new();
        let mut rest = self.text.as_str();
        while let Some((before, inner, after)) = next_link(rest) {
            inline.push_str(&inline_html(before));
            match links.get(inner) {
                Some(Rendered { html, block: true }) => {
                    // The parser makes the text before a block a paragraph.
                    let text = std::mem::take(&mut inline);
                    let text = text.strip_suffix('\n').unwrap_or(&text);
                    if !text.is_empty() {
                        blocks.push_str(&format!("<p>{text}\n</p>\n"));
                    }
                    blocks.push_str(html);
                }
                Some(Rendered { html, block: false }) => inline.push_str(html),
                None => inline.push_str(&inline_html(&format!("[[{inner}]]"))),
            }
            rest = after;
        }
        inline.push_str(&inline_html(rest));
        blocks + &inline
    }

    /// What stands between the brackets of each `[[...]]` of the text.
    pub fn links(&self) -> Vec<&str> {
        let mut found = Vec::new();
        let mut rest = self.text.as_str();
        while let Some((_, inner, after)) = next_link(rest) {
            found.push(inner);
            rest = after;
        }
        found
    }
}

/// A `[[...]]` of a message rendered for `errorformat=html`: a link (inline)
/// or an embedded file's frame (a block).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    pub block: bool,
}

/// Renderings by the text between the brackets.
pub type LinkRenderings = HashMap<String, Rendered>;

/// The text before the next `[[...]]`, what is inside, and what follows.
fn next_link(text: &str) -> Option<(&str, &str, &str)> {
    let open = text.find("[[")?;
    let close = open + 2 + text[open + 2..].find("]]")?;
    Some((&text[..open], &text[open + 2..close], &text[close + 2..]))
}

/// Tags of message texts that HTML keeps; any other `<` is text, so a
/// parameter the client sent can never become markup.
const INLINE_TAGS: &[&str] = &["var", "kbd", "code", "samp", "strong", "em", "b", "i"];

/// The inline wikitext of a message as HTML: the known attribute-less tags
/// kept, other `<` `>` and stray `&` escaped, `'''bold'''` and `''italic''`,
/// and bare `http(s)://` URLs as MediaWiki's free external links.
pub fn inline_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut bold = false;
    let mut italic = false;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(tag) = known_tag(rest) {
            out.push_str(tag);
            i += tag.len();
        } else if rest.starts_with("'''") {
            out.push_str(if bold { "</b>" } else { "<b>" });
            bold = !bold;
            i += 3;
        } else if rest.starts_with("''") {
            out.push_str(if italic { "</i>" } else { "<i>" });
            italic = !italic;
            i += 2;
        } else if let Some(url) = free_url(rest, !ends_in_word(&out)) {
            out.push_str(&format!(
                "<a rel=\"nofollow\" class=\"external free\" href=\"{url}\">{url}</a>"
            ));
            i += url.len();
        } else {
            let c = rest.chars().next().unwrap_or_default();
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' if !starts_with_entity(rest) => out.push_str("&amp;"),
                c => out.push(c),
            }
            i += c.len_utf8();
        }
    }
    if italic {
        out.push_str("</i>");
    }
    if bold {
        out.push_str("</b>");
    }
    out
}

/// `<tag>` or `</tag>` of `INLINE_TAGS`, without attributes, at the start.
fn known_tag(text: &str) -> Option<&str> {
    let end = text.find('>')?;
    let tag = &text[..=end];
    let name = tag.strip_prefix("</").or_else(|| tag.strip_prefix('<'))?;
    INLINE_TAGS
        .contains(&name.strip_suffix('>')?)
        .then_some(tag)
}

fn ends_in_word(text: &str) -> bool {
    text.chars().last().is_some_and(char::is_alphanumeric)
}

/// A free URL at the start of `text`, as the parser finds one: up to a
/// space, a bracket, a quote or an escaped `<` `>`, less trailing
/// punctuation (and a `)` when the URL has no `(`).
fn free_url(text: &str, at_word_start: bool) -> Option<&str> {
    if !at_word_start || !(text.starts_with("http://") || text.starts_with("https://")) {
        return None;
    }
    let mut end = text
        .find(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '<' | '>' | '"'))
        .unwrap_or(text.len());
    for stop in ["&lt;", "&gt;", "&quot;", "&nbsp;"] {
        if let Some(at) = text[..end].find(stop) {
            end = at;
        }
    }
    let mut url = &text[..end];
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
        let trimmed = match trimmed.strip_suffix(')') {
            Some(inner) if !inner.contains('(') => inner,
            _ => trimmed,
        };
        if trimmed.len() == url.len() {
            break;
        }
        url = trimmed;
    }
    let scheme = if url.starts_with("https") { 8 } else { 7 };
    (url.len() > scheme).then_some(url)
}

/// Whether `text` (at an `&`) starts with a character reference.
fn starts_with_entity(text: &str) -> bool {
    let Some(end) = text.find(';') else {
        return false;
    };
    let name = &text[1..end];
    match name.strip_prefix('#') {
        Some(number) => match number.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
            None => !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        },
        None => {
            !name.is_empty() && name.len() <= 32 && name.chars().all(|c| c.is_ascii_alphanumeric())
        }
    }
}

/// MediaWiki's "stripMarkup": `<var>`, `<kbd>`, `<samp>` and `<code>` become
/// double quotes, other tags disappear (block tags leaving a space), the
/// common entities are decoded, whitespace runs collapse to one space.
pub fn strip_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + len];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match name.as_str() {
            "var" | "kbd" | "samp" | "code" => out.push('"'),
            "p" | "div" | "br" | "li" | "ul" | "ol" | "dl" | "dd" | "dt" | "pre" | "table"
            | "tr" | "td" | "th" => out.push(' '),
            _ => {}
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(text: &str, links: &[(&str, &str, bool)]) -> String {
        let links = links
            .iter()
            .map(|(inner, html, block)| {
                let rendered = Rendered {
                    html: (*html).to_owned(),
                    block: *block,
                };
                ((*inner).to_owned(), rendered)
            })
            .collect();
        Message::new("k", vec![], text.to_owned()).html(&links)
    }

    #[test]
    fn html_keeps_message_tags_and_escapes_everything_else() {
        assert_eq!(
            html(
                "The <var>x</var> value <b>y</b>&amp;z <script>alert(1)</script> & more.",
                &[]
            ),
            "The <var>x</var> value <b>y</b>&amp;z &lt;script&gt;alert(1)&lt;/script&gt; &amp; more."
        );
        // A tag with attributes is text, whatever its name.
        assert_eq!(
            html("<b onclick=\"x\">y</b>", &[]),
            "&lt;b onclick=\"x\"&gt;y</b>"
        );
        assert_eq!(
            html("'''Bold''' and ''it''", &[]),
            "<b>Bold</b> and <i>it</i>"
        );
    }

    #[test]
    fn html_links_free_urls_as_the_parser_does() {
        assert_eq!(
            html("at &lt;https://x.org/list/&gt; for news.", &[]),
            "at &lt;<a rel=\"nofollow\" class=\"external free\" href=\"https://x.org/list/\">https://x.org/list/</a>&gt; for news."
        );
        assert_eq!(
            html("See https://x.org/a.", &[]),
            "See <a rel=\"nofollow\" class=\"external free\" href=\"https://x.org/a\">https://x.org/a</a>."
        );
        // Inside a word it is no link.
        assert_eq!(html("xhttps://x.org", &[]), "xhttps://x.org");
    }

    #[test]
    fn html_replaces_links_and_puts_blocks_after_a_paragraph() {
        let link = ("Special:X", "<a>X</a>", false);
        assert_eq!(
            html("See [[Special:X]] or [[Missing]].", &[link]),
            "See <a>X</a> or [[Missing]]."
        );
        let frame = ("File:A.png|thumb", "<div>frame</div>", true);
        assert_eq!(
            html(
                "Already there.\nPick another.\n[[File:A.png|thumb]]",
                &[frame]
            ),
            "<p>Already there.\nPick another.\n</p>\n<div>frame</div>"
        );
        assert_eq!(
            Message::new("k", vec![], "[[a|b]] and [[c]]".into()).links(),
            ["a|b", "c"]
        );
    }

    #[test]
    fn markup_is_stripped_as_mediawiki_does() {
        assert_eq!(
            strip_markup("The <var>token</var> parameter must be set."),
            "The \"token\" parameter must be set."
        );
        assert_eq!(
            strip_markup("Incorrect username or password entered.\nPlease try again."),
            "Incorrect username or password entered. Please try again."
        );
        assert_eq!(
            strip_markup("at &lt;https://x.org/&gt; <b>now</b><p>x</p>"),
            "at <https://x.org/> now x"
        );
    }
}
