//! `format=xml`: the answer written as MediaWiki's ApiFormatXml writes it.
//! The document is the fv1 one (XML has no formatversion); in it, scalar
//! members become attributes, objects and lists child elements, the
//! content member `*` the element's text (with `xml:space="preserve"`),
//! list items are named as MediaWiki names them (`page`, `ii`, `img`, ...;
//! `_v` when it names none), and objects keyed by id (fv1's `pages`,
//! siteinfo's `namespaces`) give their key as `_idx`.

use serde_json::{Map, Value};

/// The element name of the items of a list, by the list's own name and,
/// where the same name means different things, its parent's name.
const ITEM_NAMES: &[(&str, &str, &str)] = &[
    ("", "allcategories", "c"),
    ("", "allimages", "img"),
    ("", "allpages", "p"),
    ("", "allusers", "u"),
    ("", "backlinks", "bl"),
    ("", "badrevids", "rev"),
    ("", "categories", "cl"),
    ("", "categorymembers", "cm"),
    ("", "commonmetadata", "metadata"),
    ("", "duplicate", "duplicate"),
    ("", "duplicatefiles", "df"),
    ("", "embeddedin", "ei"),
    ("", "errors", "error"),
    ("", "extlinks", "el"),
    ("", "filearchive", "fa"),
    ("", "fileextensions", "fe"),
    ("", "fileusage", "fu"),
    ("", "groupmemberships", "groupmembership"),
    ("", "groups", "g"),
    ("", "imageinfo", "ii"),
    ("", "imagelimits", "limit"),
    ("", "images", "im"),
    ("", "imageusage", "iu"),
    ("", "implicitgroups", "g"),
    ("", "links", "pl"),
    ("", "logevents", "item"),
    ("", "metadata", "metadata"),
    ("", "modules", "module"),
    ("", "namespacealiases", "ns"),
    ("", "namespaces", "ns"),
    ("", "normalized", "n"),
    ("", "pageids", "id"),
    ("", "pages", "page"),
    ("", "parameters", "param"),
    ("", "recentchanges", "rc"),
    ("", "redirects", "r"),
    ("", "repos", "repo"),
    ("", "revisions", "rev"),
    ("", "rights", "r"),
    ("", "search", "p"),
    ("", "stashimageinfo", "info"),
    ("", "templates", "tl"),
    ("", "thumblimits", "limit"),
    ("", "usercontribs", "item"),
    ("", "usergroups", "group"),
    ("", "users", "user"),
    ("", "value", "metadata"),
    ("", "warnings", "warning"),
    ("group", "rights", "permission"),
    ("user", "groups", "g"),
];

/// Lists whose items carry their position as `_idx`.
const INDEXED_LISTS: &[&str] = &["thumblimits", "imagelimits"];

/// The whole answer: `<?xml version="1.0"?><api ...>...</api>`.
pub fn document(value: &Value, include_namespace: bool) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>");
    let mut map = match value {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    if include_namespace {
        // After the answer's own attributes, as MediaWiki adds it.
        map.insert(
            "xmlns".to_owned(),
            "http://www.mediawiki.org/xml/api/".into(),
        );
    }
    write_object(&mut out, "", "api", &map, Vec::new());
    out
}

/// The name of the items of list `name` inside element `parent`.
fn item_name(parent: &str, name: &str) -> &'static str {
    ITEM_NAMES
        .iter()
        .find(|(p, n, _)| *p == parent && *n == name)
        .or_else(|| {
            ITEM_NAMES
                .iter()
                .find(|(p, n, _)| p.is_empty() && *n == name)
        })
        .map_or("_v", |(_, _, item)| item)
}

/// Whether an object's keys are ids (fv1's `pages`, `namespaces`): its
/// members are then items of a list, with `_idx`.
fn keyed_by_id(map: &Map<String, Value>) -> bool {
    !map.is_empty()
        && map.keys().all(|k| k.parse::<i64>().is_ok())
        && map.values().all(Value::is_object)
}

fn write_object(
    out: &mut String,
    parent: &str,
    name: &str,
    map: &Map<String, Value>,
    mut attributes: Vec<(String, String)>,
) {
    if keyed_by_id(map) {
        let item = item_name(parent, name);
        out.push_str(&format!("<{}>", element_name(name)));
        for (key, value) in map {
            let index = vec![("_idx".to_owned(), key.clone())];
            write_value(out, name, item, value, index);
        }
        out.push_str(&format!("</{}>", element_name(name)));
        return;
    }
    let mut content = None;
    let mut children = Vec::new();
    for (key, value) in map {
        match value {
            Value::Null | Value::Bool(false) => {}
            Value::Bool(true) => attributes.push((key.clone(), String::new())),
            Value::String(_) | Value::Number(_) if key == "*" => content = Some(scalar_text(value)),
            Value::String(_) | Value::Number(_) => {
                attributes.push((key.clone(), scalar_text(value)));
            }
            Value::Array(_) | Value::Object(_) => children.push((key, value)),
        }
    }
    if content.is_some() {
        attributes.push(("xml:space".to_owned(), "preserve".to_owned()));
    }
    let tag = element_name(name);
    out.push('<');
    out.push_str(&tag);
    for (key, value) in &attributes {
        out.push_str(&format!(
            " {}=\"{}\"",
            element_name(key),
            escape_attribute(value)
        ));
    }
    if content.is_none() && children.is_empty() {
        out.push_str(" />");
        return;
    }
    out.push('>');
    if let Some(text) = content {
        out.push_str(&escape_text(&text));
    }
    for (key, value) in children {
        write_value(out, name, key, value, Vec::new());
    }
    out.push_str(&format!("</{tag}>"));
}

/// Member `name` of element `parent`.
fn write_value(
    out: &mut String,
    parent: &str,
    name: &str,
    value: &Value,
    attributes: Vec<(String, String)>,
) {
    match value {
        Value::Object(map) => write_object(out, parent, name, map, attributes),
        Value::Array(items) => {
            let tag = element_name(name);
            if items.is_empty() {
                out.push_str(&format!("<{tag} />"));
                return;
            }
            let item = item_name(parent, name);
            let indexed = INDEXED_LISTS.contains(&name);
            out.push_str(&format!("<{tag}>"));
            for (index, value) in items.iter().enumerate() {
                let attributes = if indexed {
                    vec![("_idx".to_owned(), index.to_string())]
                } else {
                    Vec::new()
                };
                write_value(out, name, item, value, attributes);
            }
            out.push_str(&format!("</{tag}>"));
        }
        Value::Null => {}
        scalar => write_scalar_element(out, name, scalar, attributes),
    }
}

/// A scalar list item: `<name>text</name>`.
fn write_scalar_element(
    out: &mut String,
    name: &str,
    value: &Value,
    attributes: Vec<(String, String)>,
) {
    let tag = element_name(name);
    out.push('<');
    out.push_str(&tag);
    for (key, value) in &attributes {
        out.push_str(&format!(" {key}=\"{}\"", escape_attribute(value)));
    }
    out.push('>');
    out.push_str(&escape_text(&scalar_text(value)));
    out.push_str(&format!("</{tag}>"));
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "1".to_owned(),
        Value::Bool(false) | Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A key as an XML name, as MediaWiki mangles it: characters a name may
/// not have become `.XX.` (their code point in hex); a name may not start
/// with a digit or `-`.
fn element_name(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        let allowed = c.is_ascii_alphabetic()
            || c == '_'
            || c == ':'
            || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '.'))
            || (!c.is_ascii() && c.is_alphanumeric());
        if allowed {
            out.push(c);
        } else {
            out.push_str(&format!(".{:X}.", c as u32));
        }
    }
    if out.is_empty() { "_".to_owned() } else { out }
}

/// PHP's `htmlspecialchars` with quotes, and newlines kept as `&#10;`.
fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_are_attributes_and_content_is_text() {
        let doc = json!({
            "error": {"code": "missingparam", "info": "The \"token\" parameter must be set.", "*": "See &lt;x&gt;."}
        });
        assert_eq!(
            document(&doc, false),
            "<?xml version=\"1.0\"?><api><error code=\"missingparam\" info=\"The &quot;token&quot; parameter must be set.\" xml:space=\"preserve\">See &amp;lt;x&amp;gt;.</error></api>"
        );
    }

    #[test]
    fn lists_are_named_as_mediawiki_names_their_items() {
        let doc = json!({
            "batchcomplete": "",
            "query": {"pages": {"405": {"pageid": 405, "ns": 6, "imageinfo": [{"size": 1}]}},
                      "thumblimits": [120, 150],
                      "other": ["local"]},
            "upload": {"warnings": {"duplicate": ["A.png"]}}
        });
        assert_eq!(
            document(&doc, true),
            "<?xml version=\"1.0\"?><api batchcomplete=\"\" xmlns=\"http://www.mediawiki.org/xml/api/\"><query><pages><page _idx=\"405\" pageid=\"405\" ns=\"6\"><imageinfo><ii size=\"1\" /></imageinfo></page></pages><thumblimits><limit _idx=\"0\">120</limit><limit _idx=\"1\">150</limit></thumblimits><other><_v>local</_v></other></query><upload><warnings><duplicate><duplicate>A.png</duplicate></duplicate></warnings></upload></api>"
        );
    }
}
