//! The SVG filters (UploadBase::checkSvgScriptCallback).

use std::sync::LazyLock;

use regex::bytes::Regex;

use super::script::decode_char_references;
use super::xml::{OpenElement, XmlOutcome, local_part};
use super::{regex, text_regex};

/// Namespaces SVG elements may be in (lower case); XHTML is not one.
const SVG_NAMESPACES: &[&str] = &[
    "",
    "adobe:ns:meta/",
    "http://creativecommons.org/ns#",
    "http://inkscape.sourceforge.net/dtd/sodipodi-0.dtd",
    "http://ns.adobe.com/adobeillustrator/10.0/",
    "http://ns.adobe.com/adobesvgviewerextensions/3.0/",
    "http://ns.adobe.com/extensibility/1.0/",
    "http://ns.adobe.com/flows/1.0/",
    "http://ns.adobe.com/illustrator/1.0/",
    "http://ns.adobe.com/imagereplacement/1.0/",
    "http://ns.adobe.com/pdf/1.3/",
    "http://ns.adobe.com/photoshop/1.0/",
    "http://ns.adobe.com/saveforweb/1.0/",
    "http://ns.adobe.com/variables/1.0/",
    "http://ns.adobe.com/xap/1.0/",
    "http://ns.adobe.com/xap/1.0/g/",
    "http://ns.adobe.com/xap/1.0/g/img/",
    "http://ns.adobe.com/xap/1.0/mm/",
    "http://ns.adobe.com/xap/1.0/rights/",
    "http://ns.adobe.com/xap/1.0/stype/dimensions#",
    "http://ns.adobe.com/xap/1.0/stype/font#",
    "http://ns.adobe.com/xap/1.0/stype/manifestitem#",
    "http://ns.adobe.com/xap/1.0/stype/resourceevent#",
    "http://ns.adobe.com/xap/1.0/stype/resourceref#",
    "http://ns.adobe.com/xap/1.0/t/pg/",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/elements/1.1",
    "http://schemas.microsoft.com/visio/2003/svgextensions/",
    "http://sodipodi.sourceforge.net/dtd/sodipodi-0.dtd",
    "http://taptrix.com/inkpad/svg_extensions",
    "http://web.resource.org/cc/",
    "http://www.freesoftware.fsf.org/bkchem/cdml",
    "http://www.inkscape.org/namespaces/inkscape",
    "http://www.opengis.net/gml",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/tr/rec-rdf-syntax/",
    "http://www.w3.org/2000/01/rdf-schema#",
];

/// The attributes that take CSS (character escapes not decoded).
const CSS_ATTRIBUTES: &[&str] = &[
    "font",
    "clip-path",
    "fill",
    "filter",
    "marker",
    "marker-end",
    "marker-mid",
    "marker-start",
    "mask",
    "stroke",
];

/// Runs the filters on a closed element, recording what they find.
pub(super) fn check_svg_element(outcome: &mut XmlOutcome, element: &OpenElement) {
    static BUGGY_INKSCAPE_NAMESPACE: LazyLock<Regex> =
        LazyLock::new(|| regex(r"^&(#38;)*ns_[a-z_]+;$"));
    let lowered = element.name.to_ascii_lowercase();
    let (namespace, local) = lowered.rsplit_once(':').unwrap_or(("", lowered.as_str()));
    if !(SVG_NAMESPACES.contains(&namespace)
        || BUGGY_INKSCAPE_NAMESPACE.is_match(namespace.as_bytes()))
    {
        outcome.bad_namespace = Some(namespace.to_owned());
        return;
    }
    if let Some((key, params)) = svg_element_finding(local, element) {
        outcome.found(key, params);
    }
}

/// The first filter an element fails, with the message's parameters.
fn svg_element_finding(local: &str, element: &OpenElement) -> Option<(&'static str, Vec<String>)> {
    static REMOTE_DATA_SCRIPT: LazyLock<Regex> =
        LazyLock::new(|| regex(r"(?ism)(http|https|data|script):"));
    static IMAGE_FILTER_URL: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?ism)url\s*\(\s*["']?[^#]"#));
    static SAFE_DATA_URI: LazyLock<Regex> = LazyLock::new(|| {
        // RFC 2397 parameters; MediaWiki's atomic groups change nothing here.
        regex(concat!(
            r#"(?i)^data:\s*image/(gif|jpeg|jpg|png)"#,
            r#"(?:;[a-zA-Z0-9!#$&'*+.^_`{|}~-]+=(?:[a-zA-Z0-9!#$&'*+.^_`{|}~-]+"#,
            r#"|"(?:[\x00-\x0c\x0e-\x21\x23-\x5b\x5d-\x7f]+|\\[\x00-\x7f])*"))*(?:;base64)?,"#,
        ))
    });
    if matches!(local, "script" | "handler" | "stylesheet" | "iframe") {
        return Some(("uploaded-script-svg", vec![local.to_owned()]));
    }
    if local == "style"
        && element
            .text
            .as_deref()
            .is_some_and(|css| is_hostile_css(&normalize_css(css)))
    {
        return Some(("uploaded-hostile-svg", Vec::new()));
    }
    for (attribute, value) in &element.attributes {
        let stripped = local_part(attribute).to_ascii_lowercase();
        let value = value.to_ascii_lowercase();
        let with_element = |key| {
            Some((
                key,
                vec![local.to_owned(), attribute.clone(), value.clone()],
            ))
        };
        if stripped.starts_with("on") {
            return Some((
                "uploaded-event-handler-on-svg",
                vec![attribute.clone(), value],
            ));
        }
        if stripped == "href"
            && !value.is_empty()
            && !value.starts_with("data:")
            && !value.starts_with('#')
        {
            let web_link = value.starts_with("http://") || value.starts_with("https://");
            if !(local == "a" && web_link) {
                return with_element("uploaded-href-attribute-svg");
            }
        }
        if stripped == "href"
            && value.starts_with("data:")
            && !SAFE_DATA_URI.is_match(value.as_bytes())
        {
            return with_element("uploaded-href-unsafe-target-svg");
        }
        if stripped == "attributename" && local == "animate" && local_part(&value) == "href" {
            return with_element("uploaded-animate-svg");
        }
        if matches!(local, "set" | "animate")
            && stripped == "attributename"
            && value.starts_with("on")
        {
            return Some((
                "uploaded-setting-event-handler-svg",
                vec![local.to_owned(), stripped, value],
            ));
        }
        if local == "set" && stripped == "attributename" && value.contains("href") {
            return Some(("uploaded-setting-href-svg", Vec::new()));
        }
        if local == "set" && stripped == "to" && REMOTE_DATA_SCRIPT.is_match(value.as_bytes()) {
            return Some(("uploaded-wrong-setting-svg", vec![value]));
        }
        if stripped == "handler" && REMOTE_DATA_SCRIPT.is_match(value.as_bytes()) {
            return Some((
                "uploaded-setting-handler-svg",
                vec![attribute.clone(), value],
            ));
        }
        let hostile_style = stripped == "style" && is_hostile_css(&normalize_css(&value));
        if hostile_style || (CSS_ATTRIBUTES.contains(&stripped.as_str()) && is_hostile_css(&value))
        {
            return Some(("uploaded-remote-url-svg", vec![attribute.clone(), value]));
        }
        if local == "image" && stripped == "filter" && IMAGE_FILTER_URL.is_match(value.as_bytes()) {
            return Some((
                "uploaded-image-filter-svg",
                vec![local.to_owned(), stripped, value],
            ));
        }
    }
    None
}

/// `checkCssFragment`: imports, old IE/Opera script hooks, URLs that are
/// not fragments (except embedded `@font-face` data), control characters.
pub(super) fn is_hostile_css(css: &str) -> bool {
    static FONT_FACE_DATA: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?im)(@font-face\s*\{[^}]*src:)url(\("data:;base64,)"#));
    static SCRIPT_HOOK: LazyLock<Regex> =
        LazyLock::new(|| regex(r"(?im)expression|-o-link\s*:|-o-link-source\s*:|-o-replace\s*:"));
    static URL: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?sim)(\s*(url|image|image-set)\s*\(\s*["']?\s*[^#]+.*?\))"#));
    static FRAGMENT_URL: LazyLock<Regex> =
        LazyLock::new(|| regex(r##"(?im)\s*(url|image|image-set)\s*\(\s*(#|'#|"#)"##));
    if css.to_ascii_lowercase().contains("@import") {
        return true;
    }
    let css = FONT_FACE_DATA.replace_all(css.as_bytes(), &b"$1$2"[..]);
    if SCRIPT_HOOK.is_match(&css) {
        return true;
    }
    // A match that contains a fragment URL anywhere passes, as in MediaWiki.
    if URL
        .find_iter(&css)
        .any(|url| !FRAGMENT_URL.is_match(url.as_bytes()))
    {
        return true;
    }
    css.iter()
        .any(|byte| matches!(byte, 0x00..=0x08 | 0x0b | 0x0e..=0x1f | 0x7f))
}

/// `Sanitizer::normalizeCss`: character references and CSS escapes decoded,
/// comments replaced (and anything after an unclosed one dropped), unless
/// the value is one comment.
pub(super) fn normalize_css(css: &str) -> String {
    static ESCAPE: LazyLock<regex::Regex> = LazyLock::new(|| {
        text_regex(r"\\(?:(\n|\r\n|\r|\x0c)|([0-9A-Fa-f]{1,6})[\x20\t\r\n\x0c]?|(.)|()$)")
    });
    static ONE_COMMENT: LazyLock<regex::Regex> =
        LazyLock::new(|| text_regex(r"^\s*/\*[^*/]*\*/\s*$"));
    let decoded = String::from_utf8_lossy(&decode_char_references(css.as_bytes())).into_owned();
    let unescaped = ESCAPE.replace_all(&decoded, |captures: &regex::Captures| {
        if captures.get(1).is_some() {
            return String::new();
        }
        let character = if let Some(hex) = captures.get(2) {
            u32::from_str_radix(hex.as_str(), 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}')
        } else if let Some(escaped) = captures.get(3) {
            escaped.as_str().chars().next().unwrap_or('\\')
        } else {
            '\\'
        };
        if matches!(character, '\n' | '"' | '\'' | '\\') {
            // Kept escaped, as hex, so that strings stay closed.
            format!("\\{:x} ", u32::from(character))
        } else {
            character.to_string()
        }
    });
    if ONE_COMMENT.is_match(&unescaped) {
        return unescaped.into_owned();
    }
    let mut out = String::with_capacity(unescaped.len());
    let mut rest: &str = &unescaped;
    while let Some(start) = rest.find("/*") {
        let Some(length) = rest[start + 2..].find("*/") else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &rest[start + 2 + length + 2..];
    }
    out.push_str(rest);
    if let Some(unclosed) = out.find("/*") {
        out.truncate(unclosed);
    }
    out
}
