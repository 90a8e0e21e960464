//! Declared parameters and the one shared parser for them.
//!
//! Every module declares its parameters once, as `ParamSpec`s; the same
//! declaration drives parsing (MediaWiki's rules: booleans are presence
//! flags, multi-values split on `|`, out-of-range integers are clamped with
//! a warning, unknown enum values are errors or, for multi-values,
//! warnings) and `action=paraminfo`'s description of the module.

use serde_json::Value;

use super::error::ApiError;
use super::message::Message;
use super::request::{RawParams, UploadedPart};
use super::response::Output;
use crate::auth::TokenType;

/// The type of a parameter, as paraminfo names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Text,
    Password,
    User,
    Boolean,
    Upload,
    Timestamp,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Limit {
        max: i64,
        high_max: i64,
    },
    /// A fixed set of values.
    Enum(&'static [&'static str]),
    /// Names of submodules (`action`, `meta`, ...) and the prefix of their
    /// paths (`query+` for query modules): an enum that paraminfo describes
    /// with the submodules' paths.
    Submodule(&'static [&'static str], &'static str),
}

/// One declared parameter of a module (name without the module's prefix).
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: ParamType,
    pub multi: bool,
    /// For multi-value enums: `*` stands for every value.
    pub all: bool,
    pub required: bool,
    pub default: Option<&'static str>,
    pub deprecated: bool,
    /// Must not travel in the query string and is never logged.
    pub sensitive: bool,
    pub token_type: Option<TokenType>,
}

impl ParamSpec {
    pub const fn new(name: &'static str, ty: ParamType) -> ParamSpec {
        ParamSpec {
            name,
            ty,
            multi: false,
            all: false,
            required: false,
            default: None,
            deprecated: false,
            sensitive: false,
            token_type: None,
        }
    }

    pub const fn string(name: &'static str) -> ParamSpec {
        ParamSpec::new(name, ParamType::String)
    }

    /// An integer without bounds.
    pub const fn integer(name: &'static str) -> ParamSpec {
        ParamSpec::new(
            name,
            ParamType::Integer {
                min: None,
                max: None,
            },
        )
    }

    pub const fn flag(name: &'static str) -> ParamSpec {
        ParamSpec::new(name, ParamType::Boolean)
    }

    pub const fn multi(self) -> ParamSpec {
        ParamSpec {
            multi: true,
            ..self
        }
    }

    pub const fn all_values(self) -> ParamSpec {
        ParamSpec { all: true, ..self }
    }

    pub const fn required(self) -> ParamSpec {
        ParamSpec {
            required: true,
            ..self
        }
    }

    pub const fn default(self, value: &'static str) -> ParamSpec {
        ParamSpec {
            default: Some(value),
            ..self
        }
    }

    pub const fn deprecated(self) -> ParamSpec {
        ParamSpec {
            deprecated: true,
            ..self
        }
    }

    pub const fn sensitive(self) -> ParamSpec {
        ParamSpec {
            sensitive: true,
            ..self
        }
    }

    /// The `token` parameter of a module that needs a token of type `ty`.
    pub const fn token(ty: TokenType) -> ParamSpec {
        ParamSpec {
            required: true,
            sensitive: true,
            token_type: Some(ty),
            ..ParamSpec::string("token")
        }
    }
}

/// How many values a multi-value parameter takes (normal and high limit).
pub const MULTI_LIMIT: usize = 50;
pub const MULTI_HIGH_LIMIT: usize = 500;

/// Reads the parameters of one module, applying its prefix, and reports
/// warnings under the module's path.
pub struct ParamReader<'a> {
    raw: &'a mut RawParams,
    output: &'a mut Output,
    prefix: &'static str,
    module_path: &'static str,
    high_limits: bool,
}

impl<'a> ParamReader<'a> {
    pub fn new(
        raw: &'a mut RawParams,
        output: &'a mut Output,
        prefix: &'static str,
        module_path: &'static str,
        high_limits: bool,
    ) -> ParamReader<'a> {
        ParamReader {
            raw,
            output,
            prefix,
            module_path,
            high_limits,
        }
    }

    pub fn output(&mut self) -> &mut Output {
        self.output
    }

    /// A reader of the same request for parameters without the prefix.
    pub fn unprefixed(&mut self) -> ParamReader<'_> {
        ParamReader {
            raw: self.raw,
            output: self.output,
            prefix: "",
            module_path: self.module_path,
            high_limits: self.high_limits,
        }
    }

    /// Whether the (full) parameter `name` came in the query string.
    pub fn sent_in_query(&mut self, name: &str) -> bool {
        self.raw.get(name).is_some_and(|v| v.in_query)
    }

    fn full_name(&self, spec: &ParamSpec) -> String {
        format!("{}{}", self.prefix, spec.name)
    }

    /// The raw value, its default, or a `missingparam` error if required.
    fn raw_value(&mut self, spec: &ParamSpec) -> Result<Option<String>, ApiError> {
        let name = self.full_name(spec);
        let value = self.raw.get(&name).map(|v| v.value.clone());
        if value.is_some() && spec.deprecated {
            self.output.warn_deprecated(
                self.module_path,
                &super::modules::deprecation_feature(self.module_path, &name),
                Message::new(
                    "apiwarn-deprecation-parameter",
                    vec![name.clone().into()],
                    format!("The parameter <var>{name}</var> has been deprecated."),
                ),
            );
        }
        match value {
            Some(value) => Ok(Some(value)),
            None if spec.required => Err(ApiError::missing_param(&name)),
            None => Ok(spec.default.map(str::to_owned)),
        }
    }

    /// A string parameter.
    pub fn string(&mut self, spec: &ParamSpec) -> Result<Option<String>, ApiError> {
        self.raw_value(spec)
    }

    /// A boolean: true when present, whatever its value (even "false").
    pub fn flag(&mut self, spec: &ParamSpec) -> Result<bool, ApiError> {
        Ok(self.raw_value(spec)?.is_some())
    }

    /// An integer, clamped into its range with a warning.
    pub fn integer(&mut self, spec: &ParamSpec) -> Result<Option<i64>, ApiError> {
        let name = self.full_name(spec);
        let Some(text) = self.raw_value(spec)? else {
            return Ok(None);
        };
        let value: i64 = text
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_integer(&name, &text))?;
        let (min, max) = match spec.ty {
            ParamType::Integer { min, max } => (min, max),
            _ => (None, None),
        };
        Ok(Some(self.clamp(&name, value, min, max)))
    }

    /// A limit: a number or `max`.
    pub fn limit(&mut self, spec: &ParamSpec) -> Result<Option<i64>, ApiError> {
        let name = self.full_name(spec);
        let ParamType::Limit { max, high_max } = spec.ty else {
            return self.integer(spec);
        };
        let top = if self.high_limits { high_max } else { max };
        let Some(text) = self.raw_value(spec)? else {
            return Ok(None);
        };
        if text == "max" {
            return Ok(Some(top));
        }
        let value: i64 = text
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_integer(&name, &text))?;
        Ok(Some(self.clamp(&name, value, Some(1), Some(top))))
    }

    fn clamp(&mut self, name: &str, value: i64, min: Option<i64>, max: Option<i64>) -> i64 {
        let below = min.is_some_and(|min| value < min);
        let above = max.is_some_and(|max| value > max);
        if !below && !above {
            return value;
        }
        let text = match (min, max) {
            (Some(min), Some(max)) => format!(
                "The value \"{value}\" for parameter <var>{name}</var> must be between {} and {}.",
                thousands(min),
                thousands(max)
            ),
            (Some(min), None) => format!(
                "The value \"{value}\" for parameter <var>{name}</var> must be no less than {}.",
                thousands(min)
            ),
            (None, Some(max)) => format!(
                "The value \"{value}\" for parameter <var>{name}</var> must be no greater than {}.",
                thousands(max)
            ),
            (None, None) => unreachable!("clamping needs a bound"),
        };
        self.output.warn(
            self.module_path,
            "integeroutofrange",
            Message::new(
                "paramvalidator-outofrange-minmax",
                vec![name.into(), value.into()],
                text,
            ),
        );
        value.clamp(min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX))
    }

    /// A timestamp (see [`parse_timestamp`]) as Unix seconds; anything
    /// else is a `badtimestamp` error.
    pub fn timestamp(&mut self, spec: &ParamSpec) -> Result<Option<i64>, ApiError> {
        let name = self.full_name(spec);
        let Some(text) = self.raw_value(spec)? else {
            return Ok(None);
        };
        parse_timestamp(&text).map(Some).ok_or_else(|| {
            ApiError::new(
                "badtimestamp",
                Message::new(
                    "paramvalidator-badtimestamp",
                    vec![name.clone().into(), text.clone().into()],
                    format!("Invalid value \"{text}\" for timestamp parameter <var>{name}</var>."),
                ),
            )
        })
    }

    /// A single enum value; an unknown one is a `badvalue` error.
    pub fn choice(&mut self, spec: &ParamSpec) -> Result<Option<&'static str>, ApiError> {
        let name = self.full_name(spec);
        let Some(text) = self.raw_value(spec)? else {
            return Ok(None);
        };
        let values = enum_values(spec);
        values
            .iter()
            .find(|v| **v == text)
            .copied()
            .map(Some)
            .ok_or_else(|| ApiError::bad_value(&name, &text))
    }

    /// Multi-value enum: unknown values are dropped with a warning.
    pub fn choices(&mut self, spec: &ParamSpec) -> Result<Vec<&'static str>, ApiError> {
        let name = self.full_name(spec);
        let Some(text) = self.raw_value(spec)? else {
            return Ok(Vec::new());
        };
        let known = enum_values(spec);
        let items = self.split_multi(&name, &text)?;
        if spec.all && items.len() == 1 && items[0] == "*" {
            return Ok(known.to_vec());
        }
        let mut chosen = Vec::new();
        let mut unknown = Vec::new();
        for item in items {
            match known.iter().find(|k| **k == item) {
                Some(k) if !chosen.contains(k) => chosen.push(*k),
                Some(_) => {}
                None => unknown.push(item),
            }
        }
        if !unknown.is_empty() {
            let list = unknown.join(", ");
            let text = if unknown.len() == 1 {
                format!("Unrecognized value for parameter <var>{name}</var>: {list}")
            } else {
                format!("Unrecognized values for parameter <var>{name}</var>: {list}")
            };
            self.output.warn(
                self.module_path,
                "unrecognizedvalues",
                Message::new(
                    "paramvalidator-unrecognizedvalues",
                    vec![name.into(), list.into(), unknown.len().into()],
                    text,
                ),
            );
        }
        Ok(chosen)
    }

    /// Multi-value free text.
    pub fn strings(&mut self, spec: &ParamSpec) -> Result<Vec<String>, ApiError> {
        let name = self.full_name(spec);
        match self.raw_value(spec)? {
            Some(text) => self.split_multi(&name, &text),
            None => Ok(Vec::new()),
        }
    }

    /// A file part; a text field of that name is a `badupload` error.
    pub fn upload(&mut self, spec: &ParamSpec) -> Result<Option<UploadedPart>, ApiError> {
        let name = self.full_name(spec);
        if let Some(part) = self.raw.take_file(&name) {
            return Ok(Some(part));
        }
        match self.raw.get(&name) {
            Some(_) => Err(ApiError::not_an_upload(&name)),
            None => Ok(None),
        }
    }

    /// Splits on `|`, or on U+001F when the value starts with it.
    fn split_multi(&self, name: &str, text: &str) -> Result<Vec<String>, ApiError> {
        let items: Vec<String> = match text.strip_prefix('\u{1f}') {
            Some(rest) => rest.split('\u{1f}').map(str::to_owned).collect(),
            None if text.is_empty() => Vec::new(),
            None => text.split('|').map(str::to_owned).collect(),
        };
        let limit = if self.high_limits {
            MULTI_HIGH_LIMIT
        } else {
            MULTI_LIMIT
        };
        if items.len() > limit {
            return Err(ApiError::new(
                "toomanyvalues",
                Message::new(
                    "paramvalidator-toomanyvalues",
                    vec![name.into(), limit.into()],
                    format!(
                        "Too many values supplied for parameter <var>{name}</var>. The limit is {limit}."
                    ),
                ),
            ));
        }
        Ok(items)
    }
}

/// A timestamp as the API takes it: ISO 8601, MediaWiki's 14 digits, or
/// Unix seconds.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S")
                .ok()
                .map(|t| t.and_utc().timestamp())
        })
        .or_else(|| text.parse::<i64>().ok())
}

fn enum_values(spec: &ParamSpec) -> &'static [&'static str] {
    match spec.ty {
        ParamType::Enum(values) | ParamType::Submodule(values, _) => values,
        _ => &[],
    }
}

/// 2147483648 -> "2,147,483,648", as MediaWiki's English number format.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The paraminfo description of one parameter.
pub fn describe(spec: &ParamSpec, index: usize, high_limits: bool) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("index".into(), index.into());
    out.insert("name".into(), spec.name.into());
    let type_value: Value = match spec.ty {
        ParamType::String => "string".into(),
        ParamType::Text => "text".into(),
        ParamType::Password => "password".into(),
        ParamType::User => "user".into(),
        ParamType::Boolean => "boolean".into(),
        ParamType::Upload => "upload".into(),
        ParamType::Timestamp => "timestamp".into(),
        ParamType::Integer { .. } => "integer".into(),
        ParamType::Limit { .. } => "limit".into(),
        ParamType::Enum(values) | ParamType::Submodule(values, _) => {
            let mut sorted = values.to_vec();
            sorted.sort_unstable();
            sorted.into()
        }
    };
    out.insert("type".into(), type_value);
    if let ParamType::Submodule(values, path_prefix) = spec.ty {
        let paths = values
            .iter()
            .map(|name| {
                (
                    name.to_string(),
                    Value::from(format!("{path_prefix}{name}")),
                )
            })
            .collect();
        out.insert("submodules".into(), Value::Object(paths));
    }
    out.insert("required".into(), spec.required.into());
    if let Some(default) = spec.default {
        let default: Value = match spec.ty {
            ParamType::Integer { .. } | ParamType::Limit { .. } => default
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(default.into()),
            _ => default.into(),
        };
        out.insert("default".into(), default);
    }
    if spec.deprecated {
        out.insert("deprecated".into(), true.into());
    }
    if spec.sensitive {
        out.insert("sensitive".into(), true.into());
    }
    out.insert("multi".into(), spec.multi.into());
    if spec.multi {
        out.insert("lowlimit".into(), MULTI_LIMIT.into());
        out.insert("highlimit".into(), MULTI_HIGH_LIMIT.into());
        let limit = if high_limits {
            MULTI_HIGH_LIMIT
        } else {
            MULTI_LIMIT
        };
        out.insert("limit".into(), limit.into());
        if spec.all {
            out.insert("allspecifier".into(), "*".into());
        }
    }
    match spec.ty {
        ParamType::Integer { min, max } => {
            if let Some(min) = min {
                out.insert("min".into(), min.into());
            }
            if let Some(max) = max {
                out.insert("max".into(), max.into());
            }
        }
        ParamType::Limit { max, high_max } => {
            out.insert("min".into(), 1.into());
            out.insert("max".into(), max.into());
            out.insert("highmax".into(), high_max.into());
        }
        _ => {}
    }
    if let Some(token) = spec.token_type {
        out.insert("tokentype".into(), token.name().into());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_english_thousands_separators() {
        assert_eq!(thousands(2147483648), "2,147,483,648");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-5000), "-5,000");
    }
}
