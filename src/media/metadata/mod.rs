//! The facts imageinfo reports about a file's content: width, height, bit
//! depth and the media handler's metadata (`metadata`, `commonmetadata`),
//! read from the bytes the way MediaWiki 1.39's handlers do: PNGHandler,
//! GIFHandler, JpegHandler and TiffHandler (Exif), WebPHandler and
//! SvgHandler. BMP reports its dimensions; types without a handler (text, PDF without the
//! PdfHandler extension) report zeros, `metadata: null` and
//! `commonmetadata: []`.
//!
//! Metadata is built as MediaWiki's PHP arrays are (ordered, keyed by name or
//! index) and given in the API's list form: `[{"name": ..., "value": ...}]`.
//! A file a handler cannot read (damaged, or gone) gets what MediaWiki
//! stores then: no size and the handler's error marker.

mod exif;
mod gif;
mod jpeg;
mod png;
mod svg;
#[cfg(test)]
mod tests;
mod tiff;
mod webp;

use std::io::{self, Read};
use std::path::Path;

use serde_json::{Value, json};

/// What imageinfo reports about a file's content.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaFacts {
    pub width: i64,
    pub height: i64,
    /// imageinfo's `bitdepth`: PNG bit depth, GIF bits per colour, JPEG
    /// sample precision; 0 for everything else.
    pub bitdepth: i64,
    /// imageinfo's `metadata` as upload results give it (the latest
    /// version): a list of `{name, value}`, or `null`.
    pub metadata: Value,
    /// The same for `iimetadataversion=1`, prop=imageinfo's default: the
    /// lists in Exif metadata flattened to text.
    pub metadata_v1: Value,
    /// imageinfo's `commonmetadata`: a list of `{name, value}`, `[]` if none.
    pub common_metadata: Value,
}

/// The facts of the file at `path`, whose (logical) MIME type is `mime`.
pub fn media_facts(path: &Path, mime: &str) -> MediaFacts {
    let broken = |_| Handled::broken(BITMAP_BROKEN, false);
    let facts = match mime {
        "image/png" => png::png_facts(path).unwrap_or_else(broken),
        "image/gif" => gif::gif_facts(path).unwrap_or_else(broken),
        "image/jpeg" => {
            jpeg::jpeg_facts(path).unwrap_or_else(|_| Handled::broken(EXIF_BROKEN, true))
        }
        "image/webp" => webp::webp_facts(path).unwrap_or_else(broken),
        "image/svg+xml" | "image/svg" => svg::svg_facts(path)
            .unwrap_or_else(|_| svg::svg_error("Error reading SVG file.".to_owned())),
        "image/tiff" => {
            tiff::tiff_facts(path).unwrap_or_else(|_| Handled::broken(EXIF_BROKEN, true))
        }
        "image/x-bmp" | "image/x-ms-bmp" => {
            // getimagesize()'s dimensions: BmpHandler keeps no metadata.
            let size = imagesize::size(path).ok();
            let side = |side: usize| i64::try_from(side).unwrap_or(0);
            Handled {
                width: size.map_or(0, |size| side(size.width)),
                height: size.map_or(0, |size| side(size.height)),
                ..Handled::default()
            }
        }
        _ => Handled::default(),
    };
    facts.into_facts()
}

// ---------------------------------------------------------------------------
// PHP arrays

/// A value of MediaWiki's metadata arrays.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Meta {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Array(Array),
}

/// An ordered PHP array.
pub(super) type Array = Vec<(Key, Meta)>;

/// A PHP array key.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Key {
    Name(String),
    Index(u64),
}

pub(super) fn name(name: &str) -> Key {
    Key::Name(name.to_owned())
}

/// `$array[$key] = $value`: replaced in place, or appended.
pub(super) fn set(array: &mut Array, key: Key, value: Meta) {
    match array.iter_mut().find(|(existing, _)| *existing == key) {
        Some((_, slot)) => *slot = value,
        None => array.push((key, value)),
    }
}

pub(super) fn get<'a>(array: &'a Array, key: &str) -> Option<&'a Meta> {
    array
        .iter()
        .find(|(existing, _)| matches!(existing, Key::Name(name) if name == key))
        .map(|(_, value)| value)
}

pub(super) fn remove(array: &mut Array, key: &str) -> Option<Meta> {
    let position = array
        .iter()
        .position(|(existing, _)| matches!(existing, Key::Name(name) if name == key))?;
    Some(array.remove(position).1)
}

/// A list (`[0 => ..., 1 => ...]`).
pub(super) fn list(values: impl IntoIterator<Item = Meta>) -> Meta {
    Meta::Array(
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| (Key::Index(index as u64), value))
            .collect(),
    )
}

/// `ApiQueryImageInfo::processMetaData`: `[{"name": key, "value": value}]`.
pub(super) fn api_list(array: &Array) -> Value {
    Value::Array(
        array
            .iter()
            .map(|(key, value)| {
                let key = match key {
                    Key::Name(name) => json!(name),
                    Key::Index(index) => json!(index),
                };
                json!({ "name": key, "value": api_value(value) })
            })
            .collect(),
    )
}

pub(super) fn api_value(value: &Meta) -> Value {
    match value {
        Meta::Int(number) => json!(number),
        // PHP's json_encode writes a float without fraction as an integer.
        Meta::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            json!(*number as i64)
        }
        Meta::Float(number) => json!(number),
        Meta::Bool(flag) => json!(flag),
        Meta::Text(text) => json!(text),
        Meta::Array(array) => api_list(array),
    }
}

/// A handler's answer, before it is put in the API's form.
#[derive(Debug, Default)]
pub(super) struct Handled {
    pub(super) width: i64,
    pub(super) height: i64,
    pub(super) bits: i64,
    pub(super) metadata: Array,
    /// The metadata for `iimetadataversion=1` where it differs.
    pub(super) metadata_v1: Option<Array>,
    pub(super) common: Array,
}

impl Handled {
    /// A file its handler could not read: MediaWiki stores only `_error`
    /// (which the Exif handler also shows as common metadata).
    pub(super) fn broken(code: &str, common_too: bool) -> Handled {
        let metadata = vec![(name("_error"), Meta::Text(code.to_owned()))];
        Handled {
            common: if common_too {
                metadata.clone()
            } else {
                Vec::new()
            },
            metadata,
            ..Handled::default()
        }
    }

    fn into_facts(self) -> MediaFacts {
        let as_value = |array: &Array| {
            if array.is_empty() {
                Value::Null
            } else {
                api_list(array)
            }
        };
        MediaFacts {
            width: self.width,
            height: self.height,
            bitdepth: self.bits,
            metadata: as_value(&self.metadata),
            metadata_v1: as_value(self.metadata_v1.as_ref().unwrap_or(&self.metadata)),
            common_metadata: api_list(&self.common),
        }
    }
}

/// The version markers MediaWiki adds to a handler's metadata.
pub(super) const PNG_VERSION_KEY: &str = "_MW_PNG_VERSION";
pub(super) const GIF_VERSION_KEY: &str = "_MW_GIF_VERSION";
pub(super) const EXIF_VERSION_KEY: &str = "MEDIAWIKI_EXIF_VERSION";

/// A file whose structure is not what it should be.
pub(super) fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "damaged file")
}

/// The `_error` codes of broken files: Exif's, and everyone else's.
pub(super) const EXIF_BROKEN: &str = "-1";
pub(super) const BITMAP_BROKEN: &str = "0";

pub(super) fn read_array<const N: usize>(reader: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    reader.read_exact(&mut bytes)?;
    Ok(bytes)
}

pub(super) fn read_bytes(reader: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(len as u64).read_to_end(&mut bytes)?;
    if bytes.len() < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

/// Bytes as text: UTF-8 if they are, Windows-1252 otherwise (MediaWiki's
/// fallback for comments), characters it lacks dropped.
pub(super) fn utf8_or_windows_1252(bytes: &[u8]) -> String {
    // 0x80 to 0x9F; the rest of Windows-1252 is Latin-1.
    const HIGH: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes
            .iter()
            .filter_map(|&byte| match byte {
                // Bytes Windows-1252 leaves undefined are dropped.
                0x81 | 0x8d | 0x8f | 0x90 | 0x9d => None,
                0x80..=0x9f => HIGH.chars().nth(usize::from(byte - 0x80)),
                _ => Some(char::from(byte)),
            })
            .collect(),
    }
}

/// The characters PHP's `trim()` removes.
pub(super) const PHP_TRIM: &[char] = &[' ', '\t', '\n', '\r', '\0', '\u{0b}'];
