//! SVG metadata, as SVGReader reads it: the size from `width`, `height`
//! and `viewBox`, title, description, animation and languages.

use std::io;
use std::path::Path;

use super::*;
use crate::upload::verify::{OpenElement, XmlObserver, observe_xml};

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
/// `$wgSVGMetadataCutoff`: bigger files are read this far.
const SVG_METADATA_CUTOFF: u64 = 262_144;

pub(super) fn svg_facts(path: &Path) -> io::Result<Handled> {
    let mut reader = SvgReader::default();
    observe_xml(path, SVG_METADATA_CUTOFF, &mut reader)?;
    let Some(mut read) = reader.metadata.filter(|_| reader.error.is_none()) else {
        let message = reader
            .error
            .unwrap_or_else(|| "Expected <svg> tag, got  in NS ".to_owned());
        return Ok(svg_error(message));
    };
    let mut metadata = vec![(name("version"), Meta::Int(2))];
    let mut translations: Array = reader
        .languages
        .iter()
        .map(|language| (name(language), Meta::Int(2)))
        .collect();
    for prefix in &reader.prefixes {
        if !translations.iter().any(|(key, _)| *key == name(prefix)) {
            translations.push((name(prefix), Meta::Int(1)));
        }
    }
    read.push((name("translations"), Meta::Array(translations)));
    let dimension = |key: &str| match get(&read, key) {
        Some(Meta::Int(value)) => *value,
        _ => 0,
    };
    let (width, height) = (dimension("width"), dimension("height"));
    let common = read
        .iter()
        .filter_map(|(key, value)| match key {
            Key::Name(field) if field == "title" => Some((name("ObjectName"), value.clone())),
            Key::Name(field) if field == "description" => {
                Some((name("ImageDescription"), value.clone()))
            }
            _ => None,
        })
        .collect();
    metadata.extend(read);
    Ok(Handled {
        width,
        height,
        metadata,
        common,
        ..Handled::default()
    })
}

/// SvgHandler's metadata for an SVG it could not read: the version and the
/// exception's message.
pub(super) fn svg_error(message: String) -> Handled {
    let error = vec![
        (name("message"), Meta::Text(message)),
        (name("code"), Meta::Int(0)),
    ];
    Handled {
        metadata: vec![
            (name("version"), Meta::Int(2)),
            (name("error"), Meta::Array(error)),
        ],
        ..Handled::default()
    }
}

/// What SVGReader is doing with the current child of the root.
#[derive(Debug, Default, PartialEq)]
enum SvgChild {
    /// Between children.
    #[default]
    None,
    /// Inside `<title>` or `<desc>`: the last text is the field's value.
    Field(&'static str),
    /// Inside `<metadata>` or `<script>`: nothing more to learn.
    Skipped,
    /// Inside another element: languages and animation in its descendants.
    Descendants,
}

/// SVGReader: the root's size, the title, description, animation and the
/// `systemLanguage`s of the document. (`<metadata>`'s inner XML, which
/// MediaWiki keeps as written back by libxml, is not reproduced.)
#[derive(Debug, Default)]
struct SvgReader {
    metadata: Option<Array>,
    error: Option<String>,
    child: SvgChild,
    languages: Vec<String>,
    prefixes: Vec<String>,
}

impl XmlObserver for SvgReader {
    fn start(&mut self, element: &OpenElement, depth: usize) {
        let in_svg = element.namespace == SVG_NAMESPACE;
        match depth {
            0 => {
                if element.local != "svg" || !in_svg {
                    self.error = Some(format!(
                        "Expected <svg> tag, got {} in NS {}",
                        element.local, element.namespace
                    ));
                    return;
                }
                self.metadata = Some(svg_size(&element.attributes));
            }
            1 => {
                self.child = match element.local.as_str() {
                    "title" if in_svg => SvgChild::Field("title"),
                    "desc" if in_svg => SvgChild::Field("description"),
                    "metadata" if in_svg => SvgChild::Skipped,
                    "script" if in_svg => {
                        self.animated();
                        SvgChild::Skipped
                    }
                    _ => SvgChild::Descendants,
                };
            }
            _ if self.child == SvgChild::Descendants && in_svg => {
                let language = element
                    .attributes
                    .iter()
                    .find(|(attribute, _)| attribute == "systemLanguage");
                if let Some((_, languages)) = language {
                    for language in languages
                        .split(',')
                        .map(|language| language.trim_matches(PHP_TRIM))
                    {
                        if is_language_tag(language)
                            && !self.languages.iter().any(|known| known == language)
                        {
                            self.languages.push(language.to_owned());
                        }
                        if let Some((prefix, _)) = language.split_once('-')
                            && is_language_tag(prefix)
                            && !self.prefixes.iter().any(|known| known == prefix)
                        {
                            self.prefixes.push(prefix.to_owned());
                        }
                    }
                }
                if matches!(
                    element.local.as_str(),
                    "script"
                        | "animate"
                        | "set"
                        | "animateMotion"
                        | "animateColor"
                        | "animateTransform"
                ) {
                    self.animated();
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, text: &str, depth: usize) {
        // XMLReader calls whitespace-only text WHITESPACE, not TEXT.
        if depth == 0
            || text
                .chars()
                .all(|character| matches!(character, ' ' | '\t' | '\n' | '\r'))
        {
            return;
        }
        if let (SvgChild::Field(field), Some(metadata)) = (&self.child, self.metadata.as_mut()) {
            set(
                metadata,
                name(field),
                Meta::Text(text.trim_matches(PHP_TRIM).to_owned()),
            );
        }
    }

    fn end(&mut self, _element: &OpenElement, depth: usize) {
        if depth == 1 {
            self.child = SvgChild::None;
        }
    }
}

impl SvgReader {
    fn animated(&mut self) {
        if let Some(metadata) = self.metadata.as_mut() {
            set(metadata, name("animated"), Meta::Bool(true));
        }
    }
}

/// `handleSVGAttribs`: the size from `width`, `height` and `viewBox`.
fn svg_size(attributes: &[(String, String)]) -> Array {
    const DEFAULT_SIZE: f64 = 512.0;
    let attribute = |key: &str| {
        attributes
            .iter()
            .find(|(attribute, _)| attribute == key)
            .map(|(_, value)| value.as_str())
            // PHP: an empty string and "0" are false.
            .filter(|value| !value.is_empty() && *value != "0")
    };
    let mut metadata = vec![
        (name("width"), Meta::Int(512)),
        (name("height"), Meta::Int(512)),
        (name("originalWidth"), Meta::Text("100%".to_owned())),
        (name("originalHeight"), Meta::Text("100%".to_owned())),
    ];
    let (mut default_height, mut aspect) = (DEFAULT_SIZE, 1.0);
    if let Some(view_box) = attribute("viewBox") {
        let parts: Vec<&str> = view_box
            .trim_matches(PHP_TRIM)
            .split(|character: char| character.is_ascii_whitespace() || character == ',')
            .filter(|part| !part.is_empty())
            .collect();
        if let [_, _, view_width, view_height] = parts.as_slice() {
            let (view_width, view_height) = (
                svg_length(view_width, DEFAULT_SIZE),
                svg_length(view_height, DEFAULT_SIZE),
            );
            if view_width > 0.0 && view_height > 0.0 {
                aspect = view_width / view_height;
                default_height = DEFAULT_SIZE / aspect;
            }
        }
    }
    let width = attribute("width").map(|width| {
        set(
            &mut metadata,
            name("originalWidth"),
            Meta::Text(width.to_owned()),
        );
        svg_length(width, DEFAULT_SIZE)
    });
    let height = attribute("height").map(|height| {
        set(
            &mut metadata,
            name("originalHeight"),
            Meta::Text(height.to_owned()),
        );
        svg_length(height, default_height)
    });
    let (width, height) = match (width, height) {
        (None, None) => (DEFAULT_SIZE, DEFAULT_SIZE / aspect),
        (Some(width), None) => (width, width / aspect),
        (None, Some(height)) => (height * aspect, height),
        (Some(width), Some(height)) => (width, height),
    };
    if width > 0.0 && height > 0.0 {
        set(
            &mut metadata,
            name("width"),
            Meta::Int(width.round() as i64),
        );
        set(
            &mut metadata,
            name("height"),
            Meta::Int(height.round() as i64),
        );
    }
    metadata
}

/// `SVGReader::scaleSVGUnit`: a length in pixels (90 dpi units, `%` of the
/// viewport), or PHP's `floatval` of anything else.
fn svg_length(length: &str, viewport: f64) -> f64 {
    let trimmed = length.trim_matches(|character: char| character.is_ascii_whitespace());
    let number_end = float_prefix_len(trimmed);
    let (number, unit) = trimmed.split_at(number_end);
    let factor = match unit.trim_start_matches(|character: char| character.is_ascii_whitespace()) {
        "px" | "" => Some(1.0),
        "pt" => Some(1.25),
        "pc" => Some(15.0),
        "mm" => Some(3.543307),
        "cm" => Some(35.43307),
        "in" => Some(90.0),
        "em" => Some(16.0),
        "ex" => Some(12.0),
        "%" => Some(0.01 * viewport),
        _ => None,
    };
    match (number.parse::<f64>(), factor) {
        (Ok(value), Some(factor)) if number_end > 0 => value * factor,
        _ => php_float(length),
    }
}

/// The length of the longest decimal number at the start of `text`.
fn float_prefix_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |at: usize| {
        bytes[at..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };
    let integer = digits(at);
    at += integer;
    let mut has_digits = integer > 0;
    if bytes.get(at) == Some(&b'.') && digits(at + 1) > 0 {
        at += 1 + digits(at + 1);
        has_digits = true;
    }
    if !has_digits {
        return 0;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(at + 1), Some(b'+' | b'-')));
        let exponent = digits(at + 1 + sign);
        if exponent > 0 {
            at += 1 + sign + exponent;
        }
    }
    at
}

/// PHP's `floatval`: the number at the start (after whitespace), else 0.
pub(super) fn php_float(text: &str) -> f64 {
    let text = text.trim_start_matches(|character: char| character.is_ascii_whitespace());
    text[..float_prefix_len(text)].parse().unwrap_or(0.0)
}

/// A well-formed BCP 47 language tag, roughly (`LanguageCode::isWellFormedLanguageTag`).
pub(super) fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts.next().is_some_and(|primary| {
        (2..=8).contains(&primary.len()) && primary.bytes().all(|byte| byte.is_ascii_alphabetic())
    });
    primary_ok
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|byte| byte.is_ascii_alphanumeric())
        })
}
