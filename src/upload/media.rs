//! The facts imageinfo reports about a file's content: width, height, bit
//! depth and the media handler's metadata (`metadata`, `commonmetadata`),
//! read from the bytes the way MediaWiki 1.39's handlers do: PNGHandler,
//! GIFHandler, JpegHandler (Exif), WebPHandler and SvgHandler. BMP and TIFF
//! report their dimensions; types without a handler (text, PDF without the
//! PdfHandler extension) report zeros, `metadata: null` and
//! `commonmetadata: []`.
//!
//! Metadata is built as MediaWiki's PHP arrays are (ordered, keyed by name or
//! index) and given in the API's list form: `[{"name": ..., "value": ...}]`.
//! A file a handler cannot read (damaged, or gone) gets what MediaWiki
//! stores then: no size and the handler's error marker.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::{Value, json};

use super::verify::{OpenElement, XmlObserver, observe_xml};

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
        "image/png" => png_facts(path).unwrap_or_else(broken),
        "image/gif" => gif_facts(path).unwrap_or_else(broken),
        "image/jpeg" => jpeg_facts(path).unwrap_or_else(|_| Handled::broken(EXIF_BROKEN, true)),
        "image/webp" => webp_facts(path).unwrap_or_else(broken),
        "image/svg+xml" | "image/svg" => {
            svg_facts(path).unwrap_or_else(|_| svg_error("Error reading SVG file.".to_owned()))
        }
        "image/x-bmp" | "image/x-ms-bmp" | "image/tiff" => {
            // getimagesize()'s dimensions; BmpHandler and TiffHandler
            // metadata are not reproduced.
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
enum Meta {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Array(Array),
}

/// An ordered PHP array.
type Array = Vec<(Key, Meta)>;

/// A PHP array key.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Name(String),
    Index(u64),
}

fn name(name: &str) -> Key {
    Key::Name(name.to_owned())
}

/// `$array[$key] = $value`: replaced in place, or appended.
fn set(array: &mut Array, key: Key, value: Meta) {
    match array.iter_mut().find(|(existing, _)| *existing == key) {
        Some((_, slot)) => *slot = value,
        None => array.push((key, value)),
    }
}

fn get<'a>(array: &'a Array, key: &str) -> Option<&'a Meta> {
    array
        .iter()
        .find(|(existing, _)| matches!(existing, Key::Name(name) if name == key))
        .map(|(_, value)| value)
}

fn remove(array: &mut Array, key: &str) -> Option<Meta> {
    let position = array
        .iter()
        .position(|(existing, _)| matches!(existing, Key::Name(name) if name == key))?;
    Some(array.remove(position).1)
}

/// A list (`[0 => ..., 1 => ...]`).
fn list(values: impl IntoIterator<Item = Meta>) -> Meta {
    Meta::Array(
        values
            .into_iter()
            .enumerate()
            .map(|(index, value)| (Key::Index(index as u64), value))
            .collect(),
    )
}

/// `ApiQueryImageInfo::processMetaData`: `[{"name": key, "value": value}]`.
fn api_list(array: &Array) -> Value {
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

fn api_value(value: &Meta) -> Value {
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
struct Handled {
    width: i64,
    height: i64,
    bits: i64,
    metadata: Array,
    /// The metadata for `iimetadataversion=1` where it differs.
    metadata_v1: Option<Array>,
    common: Array,
}

impl Handled {
    /// A file its handler could not read: MediaWiki stores only `_error`
    /// (which the Exif handler also shows as common metadata).
    fn broken(code: &str, common_too: bool) -> Handled {
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
const PNG_VERSION_KEY: &str = "_MW_PNG_VERSION";
const GIF_VERSION_KEY: &str = "_MW_GIF_VERSION";
const EXIF_VERSION_KEY: &str = "MEDIAWIKI_EXIF_VERSION";

/// A file whose structure is not what it should be.
fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "damaged file")
}

/// The `_error` codes of broken files: Exif's, and everyone else's.
const EXIF_BROKEN: &str = "-1";
const BITMAP_BROKEN: &str = "0";

fn read_array<const N: usize>(reader: &mut impl Read) -> io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    reader.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn read_bytes(reader: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(len as u64).read_to_end(&mut bytes)?;
    if bytes.len() < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(bytes)
}

/// Bytes as text: UTF-8 if they are, Windows-1252 otherwise (MediaWiki's
/// fallback for comments), characters it lacks dropped.
fn utf8_or_windows_1252(bytes: &[u8]) -> String {
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
const PHP_TRIM: &[char] = &[' ', '\t', '\n', '\r', '\0', '\u{0b}'];

// ---------------------------------------------------------------------------
// PNG (PNGMetadataExtractor)

/// PNG text keywords MediaWiki keeps, and the names it gives them.
const PNG_TEXT_KEYWORDS: &[(&str, &str)] = &[
    ("xml:com.adobe.xmp", "xmp"),
    ("artist", "Artist"),
    ("model", "Model"),
    ("make", "Make"),
    ("author", "Artist"),
    ("comment", "PNGFileComment"),
    ("description", "ImageDescription"),
    ("title", "ObjectName"),
    ("copyright", "Copyright"),
    ("source", "Model"),
    ("software", "Software"),
    ("disclaimer", "Disclaimer"),
    ("warning", "ContentWarning"),
    ("url", "Identifier"),
    ("label", "Label"),
    ("creation time", "DateTimeDigitized"),
];

/// Chunks bigger than this are skipped unread.
const PNG_MAX_CHUNK_SIZE: u32 = 3 * 1024 * 1024;

fn png_facts(path: &Path) -> io::Result<Handled> {
    let mut file = BufReader::new(File::open(path)?);
    if read_array::<8>(&mut file)? != *b"\x89PNG\r\n\x1a\n" {
        return Err(damaged());
    }
    let (mut width, mut height, mut bit_depth) = (0, 0, 0);
    let mut color_type = "unknown";
    let (mut frame_count, mut loop_count, mut duration) = (0u32, 1u32, 0.0f64);
    let mut text: Array = Vec::new();
    loop {
        let size = u32::from_be_bytes(read_array(&mut file)?);
        if size > PNG_MAX_CHUNK_SIZE {
            file.seek(SeekFrom::Current(i64::from(size) + 8))?;
            continue;
        }
        let kind: [u8; 4] = read_array(&mut file)?;
        let data = read_bytes(&mut file, size as usize)?;
        let crc: [u8; 4] = read_array(&mut file)?;
        if crc32(&[&kind[..], &data[..]]) != u32::from_be_bytes(crc) {
            continue;
        }
        match &kind {
            b"IHDR" if data.len() >= 10 => {
                width = i64::from(u32::from_be_bytes([data[0], data[1], data[2], data[3]]));
                height = i64::from(u32::from_be_bytes([data[4], data[5], data[6], data[7]]));
                bit_depth = i64::from(data[8]);
                color_type = match data[9] {
                    0 => "greyscale",
                    2 => "truecolour",
                    3 => "index-coloured",
                    4 => "greyscale-alpha",
                    6 => "truecolour-alpha",
                    _ => "unknown",
                };
            }
            b"acTL" if data.len() >= 8 => {
                frame_count = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                loop_count = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
            }
            b"fcTL" if data.len() >= 24 => {
                let numerator = u16::from_be_bytes([data[20], data[21]]);
                let denominator = match u16::from_be_bytes([data[22], data[23]]) {
                    0 => 100,
                    denominator => denominator,
                };
                duration += f64::from(numerator) / f64::from(denominator);
            }
            b"iTXt" => png_international_text(&data, &mut text),
            b"tEXt" => {
                if let Some(nul) = data
                    .iter()
                    .position(|&byte| byte == 0)
                    .filter(|&nul| nul > 0)
                {
                    let keyword = String::from_utf8_lossy(&data[..nul]).to_lowercase();
                    // tEXt is Latin-1.
                    let content: String = data[nul + 1..]
                        .iter()
                        .map(|&byte| char::from(byte))
                        .collect();
                    png_text(&mut text, &keyword, "x-default", content);
                }
            }
            b"tIME" if data.len() == 7 => {
                let year = u16::from_be_bytes([data[0], data[1]]);
                let stamp = format!(
                    "{year:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                    data[2], data[3], data[4], data[5], data[6]
                );
                set(&mut text, name("DateTime"), Meta::Text(stamp));
            }
            b"pHYs" if data.len() == 9 && data[8] == 1 => {
                let x = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
                let y = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                if x > 0 && y > 0 {
                    set(
                        &mut text,
                        name("XResolution"),
                        Meta::Text(format!("{x}/100")),
                    );
                    set(
                        &mut text,
                        name("YResolution"),
                        Meta::Text(format!("{y}/100")),
                    );
                    set(&mut text, name("ResolutionUnit"), Meta::Int(3));
                }
            }
            b"IEND" => break,
            _ => {}
        }
    }
    if loop_count > 1 {
        duration *= f64::from(loop_count);
    }
    if let Some(Meta::Array(stamps)) = text
        .iter_mut()
        .find(|(key, _)| *key == name("DateTimeDigitized"))
        .map(|(_, value)| value)
    {
        for (key, value) in stamps.iter_mut() {
            if let (Key::Name(lang), Meta::Text(stamp)) = (&*key, &mut *value)
                && lang != "_type"
                && let Some(formatted) = exif_timestamp(stamp)
            {
                *stamp = formatted;
            }
        }
    }
    // XMP would be parsed by XMPReader; it is not reproduced.
    remove(&mut text, "xmp");
    let common = text.clone();
    let mut native = text;
    set(&mut native, name(PNG_VERSION_KEY), Meta::Int(1));
    Ok(Handled {
        width,
        height,
        bits: bit_depth,
        metadata: vec![
            (name("frameCount"), Meta::Int(i64::from(frame_count))),
            (name("loopCount"), Meta::Int(i64::from(loop_count))),
            (name("duration"), Meta::Float(duration)),
            (name("bitDepth"), Meta::Int(bit_depth)),
            (name("colorType"), Meta::Text(color_type.to_owned())),
            (name("metadata"), Meta::Array(native)),
        ],
        metadata_v1: None,
        common,
    })
}

/// An uncompressed iTXt chunk: keyword, flags, language, translated
/// keyword, UTF-8 text. (Compressed ones need zlib; they are skipped.)
fn png_international_text(data: &[u8], text: &mut Array) {
    let mut parts = data.splitn(2, |&byte| byte == 0);
    let (Some(keyword), Some(rest)) = (parts.next(), parts.next()) else {
        return;
    };
    if keyword.is_empty() || keyword.len() > 79 || rest.len() < 2 || rest[0] != 0 || rest[1] != 0 {
        return;
    }
    let mut fields = rest[2..].splitn(3, |&byte| byte == 0);
    let (Some(language), Some(_translated), Some(content)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return;
    };
    let mut language = String::from_utf8_lossy(language).to_lowercase();
    if language.is_empty() {
        language = "x-default".to_owned();
    }
    let keyword = String::from_utf8_lossy(keyword).to_lowercase();
    png_text(
        text,
        &keyword,
        &language,
        String::from_utf8_lossy(content).into_owned(),
    );
}

/// `$text[$name][$lang] = $content; $text[$name]['_type'] = 'lang'`.
fn png_text(text: &mut Array, keyword: &str, language: &str, content: String) {
    let Some((_, field)) = PNG_TEXT_KEYWORDS
        .iter()
        .find(|(known, _)| *known == keyword)
    else {
        return;
    };
    let key = name(field);
    let mut entry = match text.iter().find(|(existing, _)| *existing == key) {
        Some((_, Meta::Array(existing))) => existing.clone(),
        _ => Vec::new(),
    };
    set(&mut entry, name(language), Meta::Text(content));
    set(&mut entry, name("_type"), Meta::Text("lang".to_owned()));
    set(text, key, Meta::Array(entry));
}

/// `wfTimestamp(TS_EXIF, ...)` for the formats PNG writers use: Exif,
/// ISO 8601 (UTC) and MediaWiki's 14 digits. Others stay as they are.
fn exif_timestamp(stamp: &str) -> Option<String> {
    let stamp = stamp.trim();
    let parts: Vec<&str> = if stamp.len() == 14 && stamp.bytes().all(|byte| byte.is_ascii_digit()) {
        [0..4, 4..6, 6..8, 8..10, 10..12, 12..14]
            .map(|range| &stamp[range])
            .to_vec()
    } else {
        stamp
            .trim_end_matches('Z')
            .split([':', '-', ' ', 'T'])
            .collect()
    };
    let numbers: Vec<u32> = parts
        .iter()
        .map(|part| part.parse().ok())
        .collect::<Option<_>>()?;
    let [year, month, day, hour, minute, second] = numbers.as_slice() else {
        return None;
    };
    let valid = (1..=12).contains(month)
        && (1..=31).contains(day)
        && *hour < 24
        && *minute < 60
        && *second < 61;
    valid.then(|| format!("{year:04}:{month:02}:{day:02} {hour:02}:{minute:02}:{second:02}"))
}

/// The CRC-32 of PNG chunks.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()
}

// ---------------------------------------------------------------------------
// GIF (GIFMetadataExtractor)

fn gif_facts(path: &Path) -> io::Result<Handled> {
    let mut file = BufReader::new(File::open(path)?);
    let signature: [u8; 6] = read_array(&mut file)?;
    if &signature != b"GIF87a" && &signature != b"GIF89a" {
        return Err(damaged());
    }
    let width = i64::from(u16::from_le_bytes(read_array(&mut file)?));
    let height = i64::from(u16::from_le_bytes(read_array(&mut file)?));
    let [packed] = read_array(&mut file)?;
    let mut bits = skip_color_table(&mut file, packed)?;
    read_array::<2>(&mut file)?;
    let (mut frames, mut looped, mut duration) = (0i64, false, 0.0f64);
    let mut comments: Vec<String> = Vec::new();
    loop {
        match read_array::<1>(&mut file)? {
            [b','] => {
                frames += 1;
                read_array::<8>(&mut file)?;
                let [packed] = read_array(&mut file)?;
                bits = skip_color_table(&mut file, packed)?;
                read_array::<1>(&mut file)?;
                gif_sub_blocks(&mut file, false)?;
            }
            [b'!'] => match read_array::<1>(&mut file)? {
                [0xf9] => {
                    let [_, _, low, high, _, terminator] = read_array::<6>(&mut file)?;
                    if terminator != 0 {
                        return Err(damaged());
                    }
                    duration += f64::from(u16::from_le_bytes([low, high])) * 0.01;
                }
                [0xfe] => {
                    let data = gif_sub_blocks(&mut file, false)?;
                    if data.is_empty() {
                        return Err(damaged());
                    }
                    let comment = utf8_or_windows_1252(&data);
                    if comments.last() != Some(&comment) {
                        comments.push(comment);
                    }
                }
                [0xff] => {
                    let [length] = read_array(&mut file)?;
                    let identifier = read_bytes(&mut file, usize::from(length))?;
                    match identifier.as_slice() {
                        b"NETSCAPE2.0" => {
                            if read_array::<2>(&mut file)? != *b"\x03\x01" {
                                return Err(damaged());
                            }
                            looped = u16::from_le_bytes(read_array(&mut file)?) != 1;
                            read_array::<1>(&mut file)?;
                        }
                        b"XMP DataXMP" => {
                            // The packet is checked, then left to XMPReader (not reproduced).
                            let xmp = gif_sub_blocks(&mut file, true)?;
                            let trailer_ok = xmp.len() >= 257
                                && xmp[xmp.len() - 257..].starts_with(b"\x01\xff\xfe")
                                && xmp.ends_with(b"\x03\x02\x01\x00");
                            if !trailer_ok {
                                return Err(damaged());
                            }
                        }
                        _ => {
                            // Re-read the identifier as the first sub-block.
                            file.seek(SeekFrom::Current(-(i64::from(length) + 1)))?;
                            gif_sub_blocks(&mut file, false)?;
                        }
                    }
                }
                _ => {
                    gif_sub_blocks(&mut file, false)?;
                }
            },
            [b';'] => break,
            _ => return Err(damaged()),
        }
    }
    let mut metadata: Array = Vec::new();
    if !comments.is_empty() {
        metadata.push((
            name("GIFFileComment"),
            list(comments.into_iter().map(Meta::Text)),
        ));
    }
    let common = metadata.clone();
    metadata.push((name(GIF_VERSION_KEY), Meta::Int(1)));
    Ok(Handled {
        width,
        height,
        bits,
        metadata: vec![
            (name("frameCount"), Meta::Int(frames)),
            (name("looped"), Meta::Bool(looped)),
            (name("duration"), Meta::Float(duration)),
            (name("metadata"), Meta::Array(metadata)),
        ],
        metadata_v1: None,
        common,
    })
}

/// Skips a colour table if the packed byte announces one; its bits.
fn skip_color_table(file: &mut BufReader<File>, packed: u8) -> io::Result<i64> {
    let bits = i64::from(packed & 7) + 1;
    if packed & 0x80 != 0 {
        read_bytes(file, 3 << bits)?;
    }
    Ok(bits)
}

/// The data of GIF sub-blocks up to the terminator (with their length bytes
/// if `with_lengths`, as the XMP check wants them).
fn gif_sub_blocks(file: &mut BufReader<File>, with_lengths: bool) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    loop {
        let [length] = read_array(file)?;
        if length == 0 {
            return Ok(data);
        }
        if with_lengths {
            data.push(length);
        }
        data.extend(read_bytes(file, usize::from(length))?);
    }
}

// ---------------------------------------------------------------------------
// JPEG (JpegMetadataExtractor, Exif)

/// What the JPEG segments hold.
#[derive(Debug, Default)]
struct JpegSegments {
    /// Sample precision, height, width.
    frame: Option<(i64, i64, i64)>,
    comments: Vec<String>,
    /// The TIFF structure of the first Exif APP1 segment.
    exif: Option<Vec<u8>>,
}

/// More segments than this before the image data: a broken file.
const JPEG_MAX_SEGMENTS: usize = 200;

fn jpeg_facts(path: &Path) -> io::Result<Handled> {
    let segments = jpeg_segments(&mut BufReader::new(File::open(path)?))?;
    let mut metadata = segments
        .exif
        .as_deref()
        .map(exif_metadata)
        .unwrap_or_default();
    if !segments.comments.is_empty() {
        set(
            &mut metadata,
            name("JPEGFileComment"),
            list(segments.comments.iter().cloned().map(Meta::Text)),
        );
    }
    let common = metadata.clone();
    set(&mut metadata, name(EXIF_VERSION_KEY), Meta::Int(2));
    let (bits, mut height, mut width) = segments.frame.unwrap_or_default();
    // Auto-rotation (on with ImageMagick): 90° and 270° swap the sides.
    if matches!(get(&metadata, "Orientation"), Some(Meta::Int(6 | 8))) {
        std::mem::swap(&mut width, &mut height);
    }
    Ok(Handled {
        width,
        height,
        bits,
        metadata_v1: Some(exif_version_1(&metadata)),
        metadata,
        common,
    })
}

/// `segmentSplitter`: the frame header, comments and Exif up to the scan.
fn jpeg_segments(file: &mut BufReader<File>) -> io::Result<JpegSegments> {
    if read_array::<2>(file)? != [0xff, 0xd8] {
        return Err(damaged());
    }
    let mut segments = JpegSegments::default();
    for _ in 0..JPEG_MAX_SEGMENTS {
        let [mut byte] = read_array(file)?;
        while byte != 0xff {
            [byte] = read_array(file)?;
        }
        while byte == 0xff {
            [byte] = read_array(file)?;
        }
        match byte {
            0xfe => {
                let data = jpeg_segment(file)?;
                let comment = utf8_or_windows_1252(&data);
                segments
                    .comments
                    .push(comment.trim_matches(PHP_TRIM).to_owned());
            }
            0xe1 => {
                let data = jpeg_segment(file)?;
                if let Some(tiff) = data.strip_prefix(b"Exif\0\0") {
                    segments.exif.get_or_insert_with(|| tiff.to_vec());
                }
            }
            0xd9 | 0xda => return Ok(segments),
            0xc0..=0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf => {
                let data = jpeg_segment(file)?;
                if data.len() < 5 {
                    return Err(damaged());
                }
                segments.frame = Some((
                    i64::from(data[0]),
                    i64::from(u16::from_be_bytes([data[1], data[2]])),
                    i64::from(u16::from_be_bytes([data[3], data[4]])),
                ));
            }
            _ => {
                let size = u16::from_be_bytes(read_array(file)?);
                if size < 2 {
                    return Err(damaged());
                }
                file.seek(SeekFrom::Current(i64::from(size) - 2))?;
            }
        }
    }
    Err(damaged())
}

/// A marker segment's data.
fn jpeg_segment(file: &mut BufReader<File>) -> io::Result<Vec<u8>> {
    let size = usize::from(u16::from_be_bytes(read_array(file)?));
    if size < 2 {
        return Err(damaged());
    }
    read_bytes(file, size - 2)
}

/// How MediaWiki validates an Exif tag (`Exif::validate`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum ExifType {
    Ascii,
    Short,
    Rational,
    ShortOrLong,
    Undefined,
    SRational,
}

/// The Exif tags MediaWiki keeps: IFD, tag number, PHP's name, type and
/// the number of values an array must have. PHP names some tags its own
/// way (0x9214 and 0xA214 both `SubjectLocation`; `ExifImageWidth`,
/// `SpectralSensity`, `GPSProcessingMode`), so MediaWiki's `SubjectArea`,
/// `PixelXDimension`, `SpectralSensitivity` and `GPSProcessingMethod` never
/// match and are not listed.
const EXIF_TAGS: &[(exif::Context, u16, &str, ExifType, usize)] = {
    use ExifType::{Ascii, Rational, SRational, Short, ShortOrLong, Undefined};
    use exif::Context::{Exif, Gps, Tiff};
    &[
        (Tiff, 0x0100, "ImageWidth", ShortOrLong, 1),
        (Tiff, 0x0101, "ImageLength", ShortOrLong, 1),
        (Tiff, 0x0102, "BitsPerSample", Short, 3),
        (Tiff, 0x0103, "Compression", Short, 1),
        (Tiff, 0x0106, "PhotometricInterpretation", Short, 1),
        (Tiff, 0x0112, "Orientation", Short, 1),
        (Tiff, 0x0115, "SamplesPerPixel", Short, 1),
        (Tiff, 0x011c, "PlanarConfiguration", Short, 1),
        (Tiff, 0x0212, "YCbCrSubSampling", Short, 2),
        (Tiff, 0x0213, "YCbCrPositioning", Short, 1),
        (Tiff, 0x011a, "XResolution", Rational, 1),
        (Tiff, 0x011b, "YResolution", Rational, 1),
        (Tiff, 0x0128, "ResolutionUnit", Short, 1),
        (Tiff, 0x0111, "StripOffsets", ShortOrLong, 1),
        (Tiff, 0x0116, "RowsPerStrip", ShortOrLong, 1),
        (Tiff, 0x0117, "StripByteCounts", ShortOrLong, 1),
        (Tiff, 0x0201, "JPEGInterchangeFormat", ShortOrLong, 1),
        (Tiff, 0x0202, "JPEGInterchangeFormatLength", ShortOrLong, 1),
        (Tiff, 0x013e, "WhitePoint", Rational, 2),
        (Tiff, 0x013f, "PrimaryChromaticities", Rational, 6),
        (Tiff, 0x0211, "YCbCrCoefficients", Rational, 3),
        (Tiff, 0x0214, "ReferenceBlackWhite", Rational, 6),
        (Tiff, 0x0132, "DateTime", Ascii, 1),
        (Tiff, 0x010e, "ImageDescription", Ascii, 1),
        (Tiff, 0x010f, "Make", Ascii, 1),
        (Tiff, 0x0110, "Model", Ascii, 1),
        (Tiff, 0x0131, "Software", Ascii, 1),
        (Tiff, 0x013b, "Artist", Ascii, 1),
        (Tiff, 0x8298, "Copyright", Ascii, 1),
        (Exif, 0x9000, "ExifVersion", Undefined, 1),
        (Exif, 0xa000, "FlashPixVersion", Undefined, 1),
        (Exif, 0xa001, "ColorSpace", Short, 1),
        (Exif, 0x9101, "ComponentsConfiguration", Undefined, 1),
        (Exif, 0x9102, "CompressedBitsPerPixel", Rational, 1),
        (Exif, 0x9286, "UserComment", Undefined, 1),
        (Exif, 0xa004, "RelatedSoundFile", Ascii, 1),
        (Exif, 0x9003, "DateTimeOriginal", Ascii, 1),
        (Exif, 0x9004, "DateTimeDigitized", Ascii, 1),
        (Exif, 0x9290, "SubSecTime", Ascii, 1),
        (Exif, 0x9291, "SubSecTimeOriginal", Ascii, 1),
        (Exif, 0x9292, "SubSecTimeDigitized", Ascii, 1),
        (Exif, 0x829a, "ExposureTime", Rational, 1),
        (Exif, 0x829d, "FNumber", Rational, 1),
        (Exif, 0x8822, "ExposureProgram", Short, 1),
        (Exif, 0x8827, "ISOSpeedRatings", Short, 1),
        (Exif, 0x9201, "ShutterSpeedValue", SRational, 1),
        (Exif, 0x9202, "ApertureValue", Rational, 1),
        (Exif, 0x9203, "BrightnessValue", SRational, 1),
        (Exif, 0x9204, "ExposureBiasValue", SRational, 1),
        (Exif, 0x9205, "MaxApertureValue", Rational, 1),
        (Exif, 0x9206, "SubjectDistance", Rational, 1),
        (Exif, 0x9207, "MeteringMode", Short, 1),
        (Exif, 0x9208, "LightSource", Short, 1),
        (Exif, 0x9209, "Flash", Short, 1),
        (Exif, 0x920a, "FocalLength", Rational, 1),
        (Exif, 0x9214, "SubjectLocation", Short, 2),
        (Exif, 0xa20b, "FlashEnergy", Rational, 1),
        (Exif, 0xa20e, "FocalPlaneXResolution", Rational, 1),
        (Exif, 0xa20f, "FocalPlaneYResolution", Rational, 1),
        (Exif, 0xa210, "FocalPlaneResolutionUnit", Short, 1),
        (Exif, 0xa214, "SubjectLocation", Short, 2),
        (Exif, 0xa215, "ExposureIndex", Rational, 1),
        (Exif, 0xa217, "SensingMethod", Short, 1),
        (Exif, 0xa300, "FileSource", Undefined, 1),
        (Exif, 0xa301, "SceneType", Undefined, 1),
        (Exif, 0xa401, "CustomRendered", Short, 1),
        (Exif, 0xa402, "ExposureMode", Short, 1),
        (Exif, 0xa403, "WhiteBalance", Short, 1),
        (Exif, 0xa404, "DigitalZoomRatio", Rational, 1),
        (Exif, 0xa405, "FocalLengthIn35mmFilm", Short, 1),
        (Exif, 0xa406, "SceneCaptureType", Short, 1),
        (Exif, 0xa407, "GainControl", Short, 1),
        (Exif, 0xa408, "Contrast", Short, 1),
        (Exif, 0xa409, "Saturation", Short, 1),
        (Exif, 0xa40a, "Sharpness", Short, 1),
        (Exif, 0xa40c, "SubjectDistanceRange", Short, 1),
        (Exif, 0xa420, "ImageUniqueID", Ascii, 1),
        (Gps, 0x0000, "GPSVersion", Undefined, 1),
        (Gps, 0x0001, "GPSLatitudeRef", Ascii, 1),
        (Gps, 0x0002, "GPSLatitude", Rational, 3),
        (Gps, 0x0003, "GPSLongitudeRef", Ascii, 1),
        (Gps, 0x0004, "GPSLongitude", Rational, 3),
        (Gps, 0x0005, "GPSAltitudeRef", Undefined, 1),
        (Gps, 0x0006, "GPSAltitude", Rational, 1),
        (Gps, 0x0007, "GPSTimeStamp", Rational, 3),
        (Gps, 0x0008, "GPSSatellites", Ascii, 1),
        (Gps, 0x0009, "GPSStatus", Ascii, 1),
        (Gps, 0x000a, "GPSMeasureMode", Ascii, 1),
        (Gps, 0x000b, "GPSDOP", Rational, 1),
        (Gps, 0x000c, "GPSSpeedRef", Ascii, 1),
        (Gps, 0x000d, "GPSSpeed", Rational, 1),
        (Gps, 0x000e, "GPSTrackRef", Ascii, 1),
        (Gps, 0x000f, "GPSTrack", Rational, 1),
        (Gps, 0x0010, "GPSImgDirectionRef", Ascii, 1),
        (Gps, 0x0011, "GPSImgDirection", Rational, 1),
        (Gps, 0x0012, "GPSMapDatum", Ascii, 1),
        (Gps, 0x0013, "GPSDestLatitudeRef", Ascii, 1),
        (Gps, 0x0014, "GPSDestLatitude", Rational, 3),
        (Gps, 0x0015, "GPSDestLongitudeRef", Ascii, 1),
        (Gps, 0x0016, "GPSDestLongitude", Rational, 3),
        (Gps, 0x0017, "GPSDestBearingRef", Ascii, 1),
        (Gps, 0x0018, "GPSDestBearing", Rational, 1),
        (Gps, 0x0019, "GPSDestDistanceRef", Ascii, 1),
        (Gps, 0x001a, "GPSDestDistance", Rational, 1),
        (Gps, 0x001c, "GPSAreaInformation", Undefined, 1),
        (Gps, 0x001d, "GPSDateStamp", Ascii, 1),
        (Gps, 0x001e, "GPSDifferential", Short, 1),
    ]
};

/// An Exif value as PHP's `exif_read_data` gives it.
#[derive(Debug, Clone, PartialEq)]
enum PhpExif {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<PhpExif>),
}

/// The filtered and collapsed Exif data (`Exif::getFilteredData`).
fn exif_metadata(tiff: &[u8]) -> Array {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let exif = match reader.read_raw(tiff.to_vec()) {
        Ok(exif) => exif,
        Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
        Err(_) => return Vec::new(),
    };
    let sections = [exif::Context::Tiff, exif::Context::Exif, exif::Context::Gps];
    let mut data: Vec<(&'static str, PhpExif)> = Vec::new();
    for section in sections {
        // PHP's section array first (a name met twice keeps its first place
        // and its last value), then MediaWiki's validation.
        let mut raw: Vec<(&'static str, ExifType, usize, PhpExif)> = Vec::new();
        for field in exif
            .fields()
            .filter(|field| field.ifd_num == exif::In::PRIMARY)
        {
            let Some(&(_, _, tag_name, kind, count)) =
                EXIF_TAGS.iter().find(|(context, number, ..)| {
                    *context == section && field.tag == exif::Tag(*context, *number)
                })
            else {
                continue;
            };
            let Some(value) = php_exif_value(&field.value) else {
                continue;
            };
            match raw.iter_mut().find(|(existing, ..)| *existing == tag_name) {
                Some(slot) => *slot = (tag_name, kind, count, value),
                None => raw.push((tag_name, kind, count, value)),
            }
        }
        data.extend(
            raw.into_iter()
                .filter(|(_, kind, count, value)| exif_valid(value, *kind, *count))
                .map(|(tag_name, _, _, value)| (tag_name, value)),
        );
    }
    collapse_exif(data, exif.little_endian())
}

/// PHP's representation: integers, `num/den` strings, raw bytes.
fn php_exif_value(value: &exif::Value) -> Option<PhpExif> {
    fn many(mut values: Vec<PhpExif>) -> Option<PhpExif> {
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => Some(PhpExif::List(values)),
        }
    }
    let ints = |values: Vec<i64>| many(values.into_iter().map(PhpExif::Int).collect());
    let texts = |values: Vec<String>| {
        many(
            values
                .into_iter()
                .map(|text| PhpExif::Bytes(text.into_bytes()))
                .collect(),
        )
    };
    match value {
        exif::Value::Byte(bytes) | exif::Value::Undefined(bytes, _) => {
            Some(PhpExif::Bytes(bytes.clone()))
        }
        exif::Value::SByte(bytes) => Some(PhpExif::Bytes(
            bytes.iter().map(|&byte| byte as u8).collect(),
        )),
        exif::Value::Ascii(strings) => {
            Some(PhpExif::Bytes(strings.first().cloned().unwrap_or_default()))
        }
        exif::Value::Short(values) => ints(values.iter().map(|&value| i64::from(value)).collect()),
        exif::Value::Long(values) => ints(values.iter().map(|&value| i64::from(value)).collect()),
        exif::Value::SShort(values) => ints(values.iter().map(|&value| i64::from(value)).collect()),
        exif::Value::SLong(values) => ints(values.iter().map(|&value| i64::from(value)).collect()),
        exif::Value::Rational(values) => texts(
            values
                .iter()
                .map(|value| format!("{}/{}", value.num, value.denom))
                .collect(),
        ),
        exif::Value::SRational(values) => texts(
            values
                .iter()
                .map(|value| format!("{}/{}", value.num, value.denom))
                .collect(),
        ),
        _ => None,
    }
}

/// `Exif::validate`: arrays must have the expected count, every value the
/// expected type.
fn exif_valid(value: &PhpExif, kind: ExifType, count: usize) -> bool {
    if let PhpExif::List(values) = value {
        return values.len() == count && values.iter().all(|value| exif_valid(value, kind, 1));
    }
    let rational = |bytes: &[u8], signed: bool| {
        let text = String::from_utf8_lossy(bytes);
        let Some((numerator, denominator)) = text.split_once('/') else {
            return false;
        };
        let numerator = if signed {
            numerator.strip_prefix('-').unwrap_or(numerator)
        } else {
            numerator
        };
        let long = |digits: &str| {
            !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && digits
                    .parse::<u64>()
                    .is_ok_and(|value| value <= 4_294_967_296)
        };
        long(numerator) && long(denominator) && denominator.bytes().any(|byte| byte != b'0')
    };
    match (kind, value) {
        (ExifType::Undefined, _) => true,
        (ExifType::Short, PhpExif::Int(number)) => (0..=65536).contains(number),
        (ExifType::ShortOrLong, PhpExif::Int(number)) => (0..=4_294_967_296).contains(number),
        (ExifType::Rational, PhpExif::Bytes(bytes)) => rational(bytes, false),
        (ExifType::SRational, PhpExif::Bytes(bytes)) => rational(bytes, true),
        (ExifType::Ascii, PhpExif::Bytes(bytes)) => {
            bytes
                .iter()
                .all(|&byte| byte == b'\n' || (0x20..=0x7e).contains(&byte))
                && !bytes.iter().all(u8::is_ascii_whitespace)
        }
        _ => false,
    }
}

/// `Exif::collapseData`: GPS positions as numbers, byte strings decoded,
/// then the PHP values as metadata.
fn collapse_exif(mut data: Vec<(&'static str, PhpExif)>, little_endian: bool) -> Array {
    let position =
        |data: &Vec<(&str, PhpExif)>, key: &str| data.iter().position(|(name, _)| *name == key);
    let ratio = |bytes: &[u8]| -> f64 {
        let text = String::from_utf8_lossy(bytes);
        let (numerator, denominator) = text.split_once('/').unwrap_or((&text, "1"));
        php_int(numerator) as f64 / php_int(denominator) as f64
    };
    let mut numbers: Vec<(&str, f64)> = Vec::new();
    for coordinate in [
        "GPSLatitude",
        "GPSDestLatitude",
        "GPSLongitude",
        "GPSDestLongitude",
    ] {
        let reference_key = format!("{coordinate}Ref");
        let reference = position(&data, &reference_key).map(|at| data[at].1.clone());
        let direction = match reference {
            Some(PhpExif::Bytes(bytes))
                if matches!(bytes.as_slice(), b"N" | b"S" | b"E" | b"W") =>
            {
                Some(bytes)
            }
            _ => None,
        };
        let value = match (
            position(&data, coordinate).map(|at| &data[at].1),
            &direction,
        ) {
            (Some(PhpExif::List(parts)), Some(_)) if parts.len() == 3 => {
                let part = |index: usize| match &parts[index] {
                    PhpExif::Bytes(bytes) => ratio(bytes),
                    _ => 0.0,
                };
                Some(part(0) + part(1) * (1.0 / 60.0) + part(2) * (1.0 / 3600.0))
            }
            (Some(PhpExif::Bytes(bytes)), Some(_)) => Some(ratio(bytes)),
            _ => None,
        };
        if let Some(at) = position(&data, &reference_key) {
            data.remove(at);
        }
        match value {
            Some(value) => {
                let sign = if matches!(direction.as_deref(), Some(b"S" | b"W")) {
                    -1.0
                } else {
                    1.0
                };
                numbers.push((coordinate, value * sign));
            }
            None => {
                if let Some(at) = position(&data, coordinate) {
                    data.remove(at);
                }
            }
        }
    }
    if let Some(at) = position(&data, "GPSAltitude") {
        let altitude = match &data[at].1 {
            PhpExif::Bytes(bytes) => ratio(bytes),
            _ => 0.0,
        };
        let reference =
            position(&data, "GPSAltitudeRef").map(|reference| data[reference].1.clone());
        match reference {
            None => numbers.push(("GPSAltitude", altitude)),
            Some(PhpExif::Bytes(bytes)) if bytes == b"\0" => {
                numbers.push(("GPSAltitude", altitude))
            }
            Some(PhpExif::Bytes(bytes)) if bytes == b"\x01" => {
                numbers.push(("GPSAltitude", -altitude))
            }
            Some(_) => {
                data.remove(at);
            }
        }
    }
    if let Some(at) = position(&data, "GPSAltitudeRef") {
        data.remove(at);
    }

    let mut out: Array = Vec::new();
    let mut gps_version = None;
    for (tag, value) in data {
        let meta = match (tag, value) {
            (tag, _) if numbers.iter().any(|(number, _)| *number == tag) => {
                let number = numbers
                    .iter()
                    .find(|(number, _)| *number == tag)
                    .map_or(0.0, |(_, value)| *value);
                Meta::Float(number)
            }
            ("FileSource" | "SceneType", PhpExif::Bytes(bytes)) => {
                Meta::Int(i64::from(bytes.first().copied().unwrap_or(0)))
            }
            ("UserComment" | "GPSAreaInformation", PhpExif::Bytes(bytes)) => {
                match exif_coded_text(&bytes, little_endian) {
                    Some(text) => Meta::Text(text),
                    None => continue,
                }
            }
            ("ComponentsConfiguration", PhpExif::Bytes(bytes)) => {
                let mut components: Array = bytes
                    .iter()
                    .enumerate()
                    .map(|(index, &byte)| (Key::Index(index as u64), Meta::Int(i64::from(byte))))
                    .collect();
                components.push((name("_type"), Meta::Text("ol".to_owned())));
                Meta::Array(components)
            }
            ("GPSVersion", PhpExif::Bytes(bytes)) => {
                let dotted = bytes
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(".");
                // MediaWiki reverses the string, not the bytes, for little-endian files.
                gps_version = Some(if little_endian {
                    dotted.chars().rev().collect()
                } else {
                    dotted
                });
                continue;
            }
            (_, value) => php_exif_meta(value),
        };
        out.push((name(tag), meta));
    }
    if let Some(version) = gps_version {
        out.push((name("GPSVersionID"), Meta::Text(version)));
    }
    out
}

/// PHP's `(int)` of a numeric string: its leading integer, 0 if none.
fn php_int(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    digits[..end].parse::<i64>().map_or(0, |value| sign * value)
}

fn php_exif_meta(value: PhpExif) -> Meta {
    match value {
        PhpExif::Int(number) => Meta::Int(number),
        PhpExif::Bytes(bytes) => Meta::Text(String::from_utf8_lossy(&bytes).into_owned()),
        PhpExif::List(values) => list(values.into_iter().map(php_exif_meta)),
    }
}

/// `Exif::charCodeString`: an 8-byte character code, then the text.
fn exif_coded_text(bytes: &[u8], little_endian: bool) -> Option<String> {
    if bytes.len() <= 8 {
        return None;
    }
    let (code, text) = bytes.split_at(8);
    let decoded = match code {
        b"UNICODE\0" => {
            let units: Vec<u16> = text
                .chunks_exact(2)
                .map(|pair| {
                    if little_endian {
                        u16::from_le_bytes([pair[0], pair[1]])
                    } else {
                        u16::from_be_bytes([pair[0], pair[1]])
                    }
                })
                .collect();
            char::decode_utf16(units).filter_map(Result::ok).collect()
        }
        // Shift-JIS would need a decoder; such comments are left out.
        b"JIS\0\0\0\0\0" => return None,
        _ => utf8_or_windows_1252(text),
    };
    let trimmed = decoded.trim_matches(PHP_TRIM);
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// `ExifBitmapHandler::convertMetadataVersion(…, 1)`: lists flattened to
/// wikitext lists (`ol`: `\n#a\n#b`, others `\n*a\n*b`), one item to itself.
fn exif_version_1(metadata: &Array) -> Array {
    let mut flattened: Array = metadata
        .iter()
        .map(|(key, value)| {
            let Meta::Array(items) = value else {
                return (key.clone(), value.clone());
            };
            let mut items = items.clone();
            let kind = match remove(&mut items, "_type") {
                Some(Meta::Text(kind)) => kind,
                _ => "ul".to_owned(),
            };
            let text = match items.as_slice() {
                [] => String::new(),
                [(Key::Index(0), Meta::Text(only))] => only.clone(),
                [(Key::Index(0), only)] => php_string(only),
                _ => {
                    let marker = if kind == "ol" { "\n#" } else { "\n*" };
                    items
                        .iter()
                        .map(|(_, item)| format!("{marker}{}", php_string(item)))
                        .collect()
                }
            };
            (key.clone(), Meta::Text(text))
        })
        .collect();
    set(&mut flattened, name(EXIF_VERSION_KEY), Meta::Int(1));
    flattened
}

/// A scalar as PHP writes it into a string.
fn php_string(value: &Meta) -> String {
    match value {
        Meta::Int(number) => number.to_string(),
        Meta::Float(number) => number.to_string(),
        Meta::Bool(true) => "1".to_owned(),
        Meta::Bool(false) => String::new(),
        Meta::Text(text) => text.clone(),
        Meta::Array(_) => "Array".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// WebP (WebPHandler)

/// RIFF chunks looked at, at most.
const WEBP_MAX_CHUNKS: usize = 100;

fn webp_facts(path: &Path) -> io::Result<Handled> {
    let mut file = BufReader::new(File::open(path)?);
    let mut header = [0u8; 12];
    let header_len = file.by_ref().take(12).read(&mut header)?;
    if header_len < 12 || &header[..4] != b"RIFF" || &header[8..12] != b"WEBP" {
        return Ok(Handled::broken(BITMAP_BROKEN, false));
    }
    let mut info: Array = Vec::new();
    for _ in 0..WEBP_MAX_CHUNKS {
        let mut chunk = [0u8; 18];
        let read = read_up_to(&mut file, &mut chunk)?;
        if read < 8 {
            break;
        }
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        let decoded = match &chunk[..4] {
            b"VP8 " => Some(webp_lossy(&chunk)),
            b"VP8L" => Some(webp_lossless(&chunk)),
            b"VP8X" => {
                for (key, value) in webp_extended(&chunk) {
                    set(&mut info, key, value);
                }
                None
            }
            _ => None,
        };
        if let Some(decoded) = decoded {
            for (key, value) in decoded {
                set(&mut info, key, value);
            }
            break;
        }
        let skip = i64::from(size) + i64::from(size % 2) - (read as i64 - 8);
        file.seek(SeekFrom::Current(skip))?;
    }
    if info.is_empty() {
        return Ok(Handled::broken(BITMAP_BROKEN, false));
    }
    let dimension = |key: &str| match get(&info, key) {
        Some(Meta::Int(value)) => *value,
        _ => 0,
    };
    let (width, height) = (dimension("width"), dimension("height"));
    info.push((
        name("metadata"),
        Meta::Array(vec![(name("_MW_WEBP_VERSION"), Meta::Int(1))]),
    ));
    Ok(Handled {
        width,
        height,
        metadata: info,
        ..Handled::default()
    })
}

/// Reads as much of `buffer` as the file still has.
fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

/// A `VP8 ` chunk (header included): frame size after the sync code.
fn webp_lossy(chunk: &[u8; 18]) -> Array {
    if chunk[11..14] != [0x9d, 0x01, 0x2a] {
        return Vec::new();
    }
    vec![
        (name("compression"), Meta::Text("lossy".to_owned())),
        (
            name("width"),
            Meta::Int(i64::from(
                u16::from_le_bytes([chunk[14], chunk[15]]) & 0x3fff,
            )),
        ),
        (
            name("height"),
            Meta::Int(i64::from(
                u16::from_le_bytes([chunk[16], chunk[17]]) & 0x3fff,
            )),
        ),
    ]
}

/// A `VP8L` chunk: 14-bit sizes after the signature byte.
fn webp_lossless(chunk: &[u8; 18]) -> Array {
    if chunk[8] != 0x2f {
        return Vec::new();
    }
    let [b1, b2, b3, b4] = [chunk[9], chunk[10], chunk[11], chunk[12]].map(i64::from);
    vec![
        (name("compression"), Meta::Text("lossless".to_owned())),
        (name("width"), Meta::Int((b1 | ((b2 & 0x3f) << 8)) + 1)),
        (
            name("height"),
            Meta::Int((((b2 & 0xc0) >> 6) | (b3 << 2) | ((b4 & 0x03) << 10)) + 1),
        ),
    ]
}

/// A `VP8X` chunk: flags and 24-bit canvas size.
fn webp_extended(chunk: &[u8; 18]) -> Array {
    let flags = chunk[8];
    let size = |at: usize| {
        i64::from(u32::from_le_bytes([
            chunk[at],
            chunk[at + 1],
            chunk[at + 2],
            0,
        ])) + 1
    };
    vec![
        (name("compression"), Meta::Text("unknown".to_owned())),
        (name("animated"), Meta::Bool(flags & 2 != 0)),
        (name("transparency"), Meta::Bool(flags & 16 != 0)),
        (name("width"), Meta::Int(size(12))),
        (name("height"), Meta::Int(size(15))),
    ]
}

// ---------------------------------------------------------------------------
// SVG (SVGReader)

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
/// `$wgSVGMetadataCutoff`: bigger files are read this far.
const SVG_METADATA_CUTOFF: u64 = 262_144;

fn svg_facts(path: &Path) -> io::Result<Handled> {
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
fn svg_error(message: String) -> Handled {
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
fn php_float(text: &str) -> f64 {
    let text = text.trim_start_matches(|character: char| character.is_ascii_whitespace());
    text[..float_prefix_len(text)].parse().unwrap_or(0.0)
}

/// A well-formed BCP 47 language tag, roughly (`LanguageCode::isWellFormedLanguageTag`).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts.next().is_some_and(|primary| {
        (2..=8).contains(&primary.len()) && primary.bytes().all(|byte| byte.is_ascii_alphabetic())
    });
    primary_ok
        && parts.all(|part| {
            (1..=8).contains(&part.len()) && part.bytes().all(|byte| byte.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/files")
            .join(name)
    }

    fn facts(name: &str, mime: &str) -> MediaFacts {
        media_facts(&fixture(name), mime)
    }

    /// `[{name, value}]` from pairs, as the API writes metadata.
    fn listed(pairs: &[(&str, Value)]) -> Value {
        Value::Array(
            pairs
                .iter()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect(),
        )
    }

    fn lang(value: &str) -> Value {
        json!([{ "name": "x-default", "value": value }, { "name": "_type", "value": "lang" }])
    }

    // The expected values are MediaWiki 1.39.17's, for these same files.

    #[test]
    fn png_as_pngmetadataextractor_reads_it() {
        let png = facts("tiny.png", "image/png");
        assert_eq!((png.width, png.height, png.bitdepth), (8, 6, 8));
        let comment = json!([{ "name": "PNGFileComment", "value": lang("wikiupload fixture") }]);
        assert_eq!(
            png.metadata,
            listed(&[
                ("frameCount", json!(0)),
                ("loopCount", json!(1)),
                ("duration", json!(0)),
                ("bitDepth", json!(8)),
                ("colorType", json!("truecolour")),
                (
                    "metadata",
                    json!([{ "name": "PNGFileComment", "value": lang("wikiupload fixture") }, { "name": "_MW_PNG_VERSION", "value": 1 }])
                ),
            ])
        );
        assert_eq!(png.metadata_v1, png.metadata);
        assert_eq!(png.common_metadata, comment);

        let chunks = facts("text-chunks.png", "image/png");
        assert_eq!(
            chunks.common_metadata,
            listed(&[
                ("Artist", lang("Jane Doe")),
                (
                    "ObjectName",
                    json!([{ "name": "fr", "value": "Un titre" }, { "name": "_type", "value": "lang" }])
                ),
                ("DateTime", json!("2020:01:02 03:04:05")),
                ("XResolution", json!("2835/100")),
                ("YResolution", json!("2835/100")),
                ("ResolutionUnit", json!(3)),
            ])
        );

        let animated = facts("animated.png", "image/png");
        assert_eq!(
            animated.metadata[0],
            json!({ "name": "frameCount", "value": 2 })
        );
        assert_eq!(
            animated.metadata[1],
            json!({ "name": "loopCount", "value": 3 })
        );
        assert_eq!(
            animated.metadata[2],
            json!({ "name": "duration", "value": 0.75 })
        );
        assert_eq!(
            animated.metadata[4],
            json!({ "name": "colorType", "value": "greyscale" })
        );
        assert_eq!(animated.common_metadata, json!([]));
    }

    #[test]
    fn gif_as_gifmetadataextractor_reads_it() {
        let gif = facts("tiny.gif", "image/gif");
        assert_eq!((gif.width, gif.height, gif.bitdepth), (1, 1, 1));
        let comment = json!([{ "name": "GIFFileComment", "value": [{ "name": 0, "value": "wikiupload fixture" }] }]);
        assert_eq!(
            gif.metadata,
            listed(&[
                ("frameCount", json!(1)),
                ("looped", json!(false)),
                ("duration", json!(0.5)),
                (
                    "metadata",
                    json!([
                        { "name": "GIFFileComment", "value": [{ "name": 0, "value": "wikiupload fixture" }] },
                        { "name": "_MW_GIF_VERSION", "value": 1 }
                    ])
                ),
            ])
        );
        assert_eq!(gif.common_metadata, comment);
        let animated = facts("animated.gif", "image/gif");
        assert_eq!(
            animated.metadata[0],
            json!({ "name": "frameCount", "value": 2 })
        );
        assert_eq!(
            animated.metadata[1],
            json!({ "name": "looped", "value": true })
        );
        assert_eq!(
            animated.metadata[2],
            json!({ "name": "duration", "value": 1 })
        );
    }

    #[test]
    fn jpeg_exif_as_mediawiki_filters_it() {
        let jpeg = facts("exif.jpg", "image/jpeg");
        // Orientation 6: the sides are swapped.
        assert_eq!((jpeg.width, jpeg.height, jpeg.bitdepth), (4, 6, 8));
        let names: Vec<&str> = jpeg.metadata.as_array().map_or(Vec::new(), |entries| {
            entries
                .iter()
                .filter_map(|entry| entry["name"].as_str())
                .collect()
        });
        assert_eq!(
            names,
            [
                "ImageDescription",
                "Make",
                "Model",
                "Orientation",
                "XResolution",
                "YResolution",
                "ResolutionUnit",
                "Software",
                "Artist",
                "YCbCrPositioning",
                "ExposureTime",
                "FNumber",
                "ISOSpeedRatings",
                "ExifVersion",
                "DateTimeOriginal",
                "ComponentsConfiguration",
                "FocalLength",
                "UserComment",
                "FlashPixVersion",
                "ColorSpace",
                "GPSLatitude",
                "GPSLongitude",
                "GPSAltitude",
                "GPSVersionID",
                "JPEGFileComment",
                "MEDIAWIKI_EXIF_VERSION",
            ]
        );
        let value = |metadata: &Value, name: &str| {
            metadata
                .as_array()
                .and_then(|entries| entries.iter().find(|entry| entry["name"] == name))
                .map(|entry| entry["value"].clone())
        };
        assert_eq!(
            value(&jpeg.metadata, "ImageDescription"),
            Some(json!("A red <a href=\"x\">box</a>"))
        );
        assert_eq!(value(&jpeg.metadata, "FNumber"), Some(json!("14/5")));
        assert_eq!(
            value(&jpeg.metadata, "UserComment"),
            Some(json!("Hello world"))
        );
        assert_eq!(value(&jpeg.metadata, "GPSLatitude"), Some(json!(-48.5)));
        assert_eq!(value(&jpeg.metadata, "GPSAltitude"), Some(json!(35)));
        assert_eq!(
            value(&jpeg.metadata, "GPSVersionID"),
            Some(json!("2.3.0.0"))
        );
        assert_eq!(
            value(&jpeg.metadata, "ComponentsConfiguration"),
            Some(json!([
                { "name": 0, "value": 1 }, { "name": 1, "value": 2 }, { "name": 2, "value": 3 },
                { "name": 3, "value": 0 }, { "name": "_type", "value": "ol" }
            ]))
        );
        assert_eq!(
            value(&jpeg.metadata, "JPEGFileComment"),
            Some(json!([{ "name": 0, "value": "jpeg comment" }]))
        );
        assert_eq!(
            value(&jpeg.metadata, "MEDIAWIKI_EXIF_VERSION"),
            Some(json!(2))
        );
        // Version 1 flattens the lists.
        assert_eq!(
            value(&jpeg.metadata_v1, "ComponentsConfiguration"),
            Some(json!("\n#1\n#2\n#3\n#0"))
        );
        assert_eq!(
            value(&jpeg.metadata_v1, "JPEGFileComment"),
            Some(json!("jpeg comment"))
        );
        assert_eq!(
            value(&jpeg.metadata_v1, "MEDIAWIKI_EXIF_VERSION"),
            Some(json!(1))
        );
        // Common metadata: everything but the version marker.
        assert_eq!(value(&jpeg.common_metadata, "MEDIAWIKI_EXIF_VERSION"), None);
        assert_eq!(value(&jpeg.common_metadata, "Make"), Some(json!("Canon")));

        let plain = facts("plain.jpg", "image/jpeg");
        assert_eq!((plain.width, plain.height, plain.bitdepth), (6, 4, 8));
        assert_eq!(
            plain.metadata,
            listed(&[("MEDIAWIKI_EXIF_VERSION", json!(2))])
        );
        assert_eq!(
            plain.metadata_v1,
            listed(&[("MEDIAWIKI_EXIF_VERSION", json!(1))])
        );
        assert_eq!(plain.common_metadata, json!([]));
    }

    #[test]
    fn webp_as_webphandler_reads_it() {
        let version = json!([{ "name": "_MW_WEBP_VERSION", "value": 1 }]);
        let lossy = facts("lossy.webp", "image/webp");
        assert_eq!((lossy.width, lossy.height, lossy.bitdepth), (5, 3, 0));
        assert_eq!(
            lossy.metadata,
            listed(&[
                ("compression", json!("lossy")),
                ("width", json!(5)),
                ("height", json!(3)),
                ("metadata", version.clone())
            ])
        );
        let lossless = facts("lossless.webp", "image/webp");
        assert_eq!(
            lossless.metadata[0],
            json!({ "name": "compression", "value": "lossless" })
        );
        let animated = facts("animated.webp", "image/webp");
        assert_eq!(
            animated.metadata,
            listed(&[
                ("compression", json!("unknown")),
                ("animated", json!(true)),
                ("transparency", json!(false)),
                ("width", json!(5)),
                ("height", json!(3)),
                ("metadata", version),
            ])
        );
        assert_eq!(animated.common_metadata, json!([]));
    }

    #[test]
    fn svg_as_svgreader_reads_it() {
        let svg = facts("clean.svg", "image/svg+xml");
        assert_eq!((svg.width, svg.height, svg.bitdepth), (240, 120, 0));
        assert_eq!(
            svg.metadata,
            listed(&[
                ("version", json!(2)),
                ("width", json!(240)),
                ("height", json!(120)),
                ("originalWidth", json!("240")),
                ("originalHeight", json!("120")),
                ("translations", json!([])),
            ])
        );
        assert_eq!(svg.common_metadata, json!([]));
        // 90 dpi centimetres; the viewBox alone gives 512 wide.
        let sized = facts("sized.svg", "image/svg+xml");
        assert_eq!((sized.width, sized.height), (354, 177));
        assert_eq!(
            sized.metadata[3],
            json!({ "name": "originalWidth", "value": "10cm" })
        );
        let view_box = facts("viewbox-only.svg", "image/svg+xml");
        assert_eq!((view_box.width, view_box.height), (512, 256));
        assert_eq!(
            view_box.metadata[4],
            json!({ "name": "originalHeight", "value": "100%" })
        );
        // Entities declare the namespace; Latin-1 text is read as such.
        assert_eq!(facts("inkscape-entities.svg", "image/svg+xml").width, 20);
        let latin1 = facts("latin1.svg", "image/svg+xml");
        assert_eq!(
            latin1.metadata[5],
            json!({ "name": "title", "value": "café" })
        );
        assert_eq!(
            latin1.common_metadata,
            listed(&[("ObjectName", json!("café"))])
        );
    }

    #[test]
    fn no_handler_means_no_metadata() {
        for (name, mime) in [("tiny.pdf", "application/pdf"), ("notes.txt", "text/plain")] {
            let facts = facts(name, mime);
            assert_eq!((facts.width, facts.height, facts.bitdepth), (0, 0, 0));
            assert_eq!(facts.metadata, Value::Null);
            assert_eq!(facts.common_metadata, json!([]));
        }
    }

    #[test]
    fn broken_files_get_mediawikis_error_marker() -> io::Result<()> {
        for (name, mime, code, common) in [
            ("tiny.png", "image/png", "0", json!([])),
            ("tiny.gif", "image/gif", "0", json!([])),
            (
                "exif.jpg",
                "image/jpeg",
                "-1",
                listed(&[("_error", json!("-1"))]),
            ),
        ] {
            let bytes = std::fs::read(fixture(name))?;
            let mut truncated = tempfile::NamedTempFile::new()?;
            io::Write::write_all(&mut truncated, &bytes[..40])?;
            let facts = media_facts(truncated.path(), mime);
            assert_eq!((facts.width, facts.height), (0, 0), "{name}");
            assert_eq!(facts.metadata, listed(&[("_error", json!(code))]), "{name}");
            assert_eq!(facts.common_metadata, common, "{name}");
        }
        let gone = fixture("no-such-file.svg");
        assert_eq!(
            media_facts(&gone, "image/png").metadata,
            listed(&[("_error", json!("0"))])
        );
        assert_eq!(
            media_facts(&gone, "image/svg+xml").metadata,
            listed(&[
                ("version", json!(2)),
                (
                    "error",
                    json!([{ "name": "message", "value": "Error reading SVG file." }, { "name": "code", "value": 0 }])
                ),
            ])
        );
        Ok(())
    }
}
