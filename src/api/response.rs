//! The response envelope: the result tree a module builds, the warnings it
//! collects, and their rendering in MediaWiki's `formatversion` 1 or 2 and
//! `errorformat` bc, plaintext, wikitext, html, raw or none.
//!
//! Key order follows MediaWiki's result object: keys are appended as
//! modules add them, while `warnings`, `error(s)` and query's
//! `batchcomplete`/`continue` are put on top when they are added.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::message::{LinkRenderings, Message};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatVersion {
    V1,
    V2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    Bc,
    Plaintext,
    Wikitext,
    Html,
    Raw,
    None,
}

impl ErrorFormat {
    pub const NAMES: &'static [&'static str] =
        &["bc", "html", "none", "plaintext", "raw", "wikitext"];

    pub fn from_name(name: &str) -> Option<ErrorFormat> {
        Some(match name {
            "bc" => ErrorFormat::Bc,
            "plaintext" => ErrorFormat::Plaintext,
            "wikitext" => ErrorFormat::Wikitext,
            "html" => ErrorFormat::Html,
            "raw" => ErrorFormat::Raw,
            "none" => ErrorFormat::None,
            _ => return None,
        })
    }
}

/// The mailing-list notice MediaWiki appends to `main` after any deprecation.
const MAILING_LIST: &str = "Subscribe to the mediawiki-api-announce mailing list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and breaking changes.";

#[derive(Debug, Clone, PartialEq)]
struct Warning {
    module_path: String,
    code: String,
    message: Message,
    /// `data` of the non-bc formats (a deprecation's `feature`).
    data: Option<Map<String, Value>>,
}

/// The result of one request as it is being built.
#[derive(Debug)]
pub struct Output {
    pub fv: FormatVersion,
    pub errorformat: ErrorFormat,
    body: IndexMap<String, Value>,
    warnings: Vec<Warning>,
    /// bc groups warnings by module, newest module first.
    warning_modules: Vec<String>,
    /// The messages' `[[...]]` rendered for `errorformat=html`, filled in
    /// by the caller (it takes the database) before rendering.
    pub links: LinkRenderings,
    /// A module that answers in a document of its own (opensearch's
    /// array) puts it here, with its XML form; it replaces the tree.
    own_document: Option<(Value, String)>,
}

impl Output {
    pub fn new(fv: FormatVersion, errorformat: ErrorFormat) -> Output {
        Output {
            fv,
            errorformat,
            body: IndexMap::new(),
            warnings: Vec::new(),
            warning_modules: Vec::new(),
            links: LinkRenderings::new(),
            own_document: None,
        }
    }

    /// The messages of the warnings so far, whose links `html` renders.
    pub fn warning_messages(&self) -> impl Iterator<Item = &Message> {
        self.warnings.iter().map(|w| &w.message)
    }

    /// The XML form of the module's own document, if it set one.
    pub fn own_xml(&self) -> Option<String> {
        self.own_document.as_ref().map(|(_, xml)| xml.clone())
    }

    /// Answers with `json` (and `xml` for the XML formats) in place of the
    /// result tree and its warnings.
    pub fn set_own_document(&mut self, json: Value, xml: String) {
        self.own_document = Some((json, xml));
    }

    /// What has been added under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body.get(key)
    }

    /// Appends (or replaces in place) a top-level key.
    pub fn add(&mut self, key: &str, value: impl Into<Value>) {
        self.body.insert(key.to_owned(), value.into());
    }

    /// Puts a top-level key first.
    pub fn add_on_top(&mut self, key: &str, value: impl Into<Value>) {
        self.body.shift_remove(key);
        self.body.shift_insert(0, key.to_owned(), value.into());
    }

    /// A true/false flag as this formatversion writes it: fv1 has `""` for
    /// true and omits false; fv2 has real booleans.
    pub fn flag(&self, value: bool) -> Option<Value> {
        match (self.fv, value) {
            (FormatVersion::V2, b) => Some(Value::Bool(b)),
            (FormatVersion::V1, true) => Some(Value::String(String::new())),
            (FormatVersion::V1, false) => None,
        }
    }

    /// Sets `key` in `map` to the flag `value` (or leaves it out in fv1).
    pub fn set_flag(&self, map: &mut Map<String, Value>, key: &str, value: bool) {
        if let Some(v) = self.flag(value) {
            map.insert(key.to_owned(), v);
        }
    }

    /// The name of a content member: `*` in fv1, `name` in fv2.
    pub fn content_key<'a>(&self, name: &'a str) -> &'a str {
        match self.fv {
            FormatVersion::V1 => "*",
            FormatVersion::V2 => name,
        }
    }

    /// A message inside a result (login's `reason`): plain text in bc,
    /// else an object in the requested error format.
    pub fn format_message(&self, code: &str, message: &Message) -> Value {
        if self.errorformat == ErrorFormat::Bc {
            return message.plain_text().into();
        }
        let mut item = self.render_item(code, message, None, "");
        if let Value::Object(map) = &mut item {
            map.shift_remove("module");
        }
        item
    }

    /// Records a warning of the module at `module_path`.
    pub fn warn(&mut self, module_path: &str, code: &str, message: Message) {
        self.push_warning(Warning {
            module_path: module_path.to_owned(),
            code: code.to_owned(),
            message,
            data: None,
        });
    }

    fn push_warning(&mut self, warning: Warning) {
        if self.warnings.contains(&warning) {
            return;
        }
        if self.warnings.is_empty() {
            self.body
                .shift_insert(0, "warnings".to_owned(), Value::Null);
        }
        let module = module_name(&warning.module_path).to_owned();
        if !self.warning_modules.contains(&module) {
            self.warning_modules.insert(0, module);
        }
        self.warnings.push(warning);
    }

    /// A deprecation warning with MediaWiki's name of the `feature`,
    /// followed by the mailing-list notice on `main`.
    pub fn warn_deprecated(&mut self, module_path: &str, feature: &str, message: Message) {
        self.push_warning(Warning {
            module_path: module_path.to_owned(),
            code: "deprecation".to_owned(),
            message,
            data: Some(Map::from_iter([("feature".to_owned(), feature.into())])),
        });
        self.warn(
            "main",
            "deprecation-help",
            Message::new("api-usage-mailinglist-ref", vec![], MAILING_LIST.to_owned()),
        );
    }

    /// The finished success document.
    pub fn render_success(mut self) -> Value {
        if let Some((json, _)) = self.own_document.take() {
            return json;
        }
        let warnings = self.render_warnings();
        let mut out = Map::new();
        for (key, value) in std::mem::take(&mut self.body) {
            match (key.as_str(), &warnings) {
                ("warnings", Some(w)) => out.insert(key, w.clone()),
                _ => out.insert(key, value),
            };
        }
        Value::Object(out)
    }

    /// The finished error document: the error on top, then the warnings
    /// gathered so far, then the requested fields (`requestid`, ...).
    pub fn render_error(
        mut self,
        err: &ApiError,
        docref: &str,
        requested: Map<String, Value>,
    ) -> Value {
        let warnings = self.render_warnings();
        let mut out = Map::new();
        if self.errorformat == ErrorFormat::Bc {
            let mut error = Map::new();
            error.insert("code".into(), err.code.clone().into());
            error.insert("info".into(), err.message.plain_text().into());
            error.extend(err.data.as_ref().clone());
            if !err.internal {
                error.insert(self.content_key("docref").into(), docref.into());
            }
            out.insert("error".into(), Value::Object(error));
        } else {
            let mut data = err.data.as_ref().clone();
            // Messages among the data (`stasherrors`) take the error format.
            for (key, messages) in &err.message_data {
                let items = messages
                    .iter()
                    .map(|message| self.format_message(&message.key, message))
                    .collect();
                data.insert(key.clone(), Value::Array(items));
            }
            let item = self.render_item(&err.code, &err.message, Some(&data), module_of_error(err));
            out.insert("errors".into(), Value::Array(vec![item]));
        }
        if let Some(warnings) = warnings {
            out.insert("warnings".into(), warnings);
        }
        if self.errorformat != ErrorFormat::Bc && !err.internal {
            out.insert(self.content_key("docref").into(), docref.into());
        }
        out.extend(requested);
        Value::Object(out)
    }

    fn render_warnings(&mut self) -> Option<Value> {
        if self.warnings.is_empty() {
            return None;
        }
        if self.errorformat == ErrorFormat::Bc {
            let key = self.content_key("warnings");
            let mut by_module = Map::new();
            for module in &self.warning_modules {
                let texts: Vec<String> = self
                    .warnings
                    .iter()
                    .filter(|w| module_name(&w.module_path) == module)
                    .map(|w| w.message.plain_text())
                    .collect();
                let mut entry = Map::new();
                entry.insert(key.into(), texts.join("\n").into());
                by_module.insert(module.clone(), Value::Object(entry));
            }
            Some(Value::Object(by_module))
        } else {
            let items = self
                .warnings
                .iter()
                .map(|w| self.render_item(&w.code, &w.message, w.data.as_ref(), &w.module_path))
                .collect();
            Some(Value::Array(items))
        }
    }

    /// One item of a non-bc `errors` or `warnings` list.
    fn render_item(
        &self,
        code: &str,
        message: &Message,
        data: Option<&Map<String, Value>>,
        module: &str,
    ) -> Value {
        let mut item = Map::new();
        item.insert("code".into(), code.into());
        let text = match self.errorformat {
            ErrorFormat::Plaintext | ErrorFormat::Bc => Some(("text", message.plain_text())),
            ErrorFormat::Wikitext => Some(("text", message.text.clone())),
            ErrorFormat::Html => Some(("html", message.html(&self.links))),
            ErrorFormat::Raw => {
                item.insert("key".into(), message.key.clone().into());
                item.insert("params".into(), Value::Array(message.params.clone()));
                None
            }
            ErrorFormat::None => None,
        };
        if let (FormatVersion::V2, Some((name, text))) = (self.fv, &text) {
            item.insert((*name).into(), text.clone().into());
        }
        if let Some(data) = data.filter(|d| !d.is_empty()) {
            item.insert("data".into(), Value::Object(data.clone()));
        }
        item.insert("module".into(), module.into());
        if let (FormatVersion::V1, Some((_, text))) = (self.fv, text) {
            item.insert("*".into(), text.into());
        }
        Value::Object(item)
    }
}

/// bc names a module by the last part of its path (`query+tokens` -> `tokens`).
fn module_name(path: &str) -> &str {
    path.rsplit('+').next().unwrap_or(path)
}

fn module_of_error(err: &ApiError) -> &str {
    err.module.as_deref().unwrap_or("main")
}

/// Serializes `value` as MediaWiki's JSON printer does; with `ascii`,
/// every non-ASCII character is written as a `\uXXXX` escape.
pub fn to_json(value: &Value, ascii: bool) -> String {
    let text = value.to_string();
    if !ascii || text.is_ascii() {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_is_escaped_as_utf16_units() {
        let value = serde_json::json!({"name": "Ünï 😀"});
        assert_eq!(
            to_json(&value, true),
            r#"{"name":"\u00dcn\u00ef \ud83d\ude00"}"#
        );
        assert_eq!(to_json(&value, false), r#"{"name":"Ünï 😀"}"#);
    }

    #[test]
    fn warnings_go_on_top_and_newer_modules_first() {
        let mut output = Output::new(FormatVersion::V1, ErrorFormat::Bc);
        output.add("login", serde_json::json!({"result": "NeedToken"}));
        output.warn_deprecated("login", "f", Message::new("k", vec![], "Old.".into()));
        let rendered = output.render_success();
        let keys: Vec<&String> = rendered.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["warnings", "login"]);
        let modules: Vec<&String> = rendered["warnings"]
            .as_object()
            .expect("object")
            .keys()
            .collect();
        assert_eq!(modules, ["main", "login"]);
        assert_eq!(rendered["warnings"]["login"]["*"], "Old.");
    }
}
