//! Messages of errors and warnings: MediaWiki's message key and parameters
//! (for `errorformat=raw`) together with the English text, written in the
//! same light markup MediaWiki's messages use (`<var>`, `<kbd>`, `<code>`),
//! from which the plain text of `errorformat=bc|plaintext` is derived.

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
