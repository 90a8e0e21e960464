//! PNG metadata, as PNGMetadataExtractor reads it: size, bit depth,
//! colour type, APNG frames and text chunks.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::Path;

use super::*;

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

pub(super) fn png_facts(path: &Path) -> io::Result<Handled> {
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
pub(super) fn exif_timestamp(stamp: &str) -> Option<String> {
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
