//! MIME detection of the content (MimeAnalyzer::doGuessMimeType).

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::mime_map::canonical_mime;
use super::{Endian, Probe, UNKNOWN_MIME, find, read_at, regex};

/// The largest ZIP end-of-central-directory record, with its comment.
const ZIP_TAIL_SIZE: u64 = 65558;
/// How much libmagic reads (`bytes_max` of the PHP 8.2 build).
const MAGIC_WINDOW: u64 = 1024 * 1024;

impl Probe<'_> {
    /// `MimeAnalyzer::guessMimeType`: the content's MIME type, aliases
    /// resolved, `unknown/unknown` if nothing matched.
    pub(super) fn content_mime(&mut self) -> io::Result<String> {
        let mime = self.detect_content_type()?;
        Ok(canonical_mime(&mime).into_owned())
    }

    fn detect_content_type(&mut self) -> io::Result<String> {
        if let Some(mime) = magic_prefix_type(self.head_1k()) {
            return Ok(mime.to_owned());
        }
        if let Some(mime) = container_type(&self.head) {
            return Ok(mime.to_owned());
        }
        if has_php_opening(self.head_1k()) {
            return Ok("application/x-php".to_owned());
        }
        let xml = self.xml()?;
        if xml.well_formed {
            return Ok(xml_root_type(&xml.root).to_owned());
        }
        if let Some(mime) = shebang_type(self.head_1k()) {
            return Ok(mime);
        }
        let tail_len = self.len.min(ZIP_TAIL_SIZE);
        let tail = read_at(&mut self.file, self.len - tail_len, tail_len)?;
        if let Some(eocd_pos) = zip_eocd_position(&tail) {
            let eocd_offset = self.len - tail_len + eocd_pos as u64;
            return Ok(zip_type(&mut self.file, &tail[eocd_pos..], eocd_offset).to_owned());
        }
        if is_stl(&self.head, &tail, self.len) {
            return Ok("application/sla".to_owned());
        }
        if let Some(mime) = image_header_type(&self.head) {
            return Ok(mime.to_owned());
        }
        if is_djvu(&self.head) {
            return Ok("image/vnd.djvu".to_owned());
        }
        let window = if self.len <= self.head.len() as u64 {
            Cow::Borrowed(&self.head[..])
        } else {
            Cow::Owned(read_at(&mut self.file, 0, MAGIC_WINDOW)?)
        };
        Ok(libmagic_type(&window))
    }
}

/// The magic numbers MimeAnalyzer checks first, in its order.
const MAGIC_PREFIXES: &[(&[u8], &str)] = &[
    (b"MThd", "audio/midi"),
    (b"OggS", "application/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
    (b"\xff\xf3", "audio/mpeg"),
    (b"\xff\xe3", "audio/mpeg"),
    (b"\x01\x00\x09\x00", "application/x-msmetafile"),
    (b"\xd7\xcd\xc6\x9a", "application/x-msmetafile"),
    (b"%PDF", "application/pdf"),
    (b"gimp xcf", "image/x-xcf"),
    // Executables are unknown content, not a type of their own.
    (b"MZ", "application/octet-stream"),
    (b"\xca\xfe\xba\xbe", "application/octet-stream"),
    (b"\x7fELF", "application/octet-stream"),
];

fn magic_prefix_type(head: &[u8]) -> Option<&'static str> {
    MAGIC_PREFIXES
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, mime)| *mime)
}

/// Matroska/WebM, WebP, JPEG 2000 and OLE containers.
fn container_type(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x1a\x45\xdf\xa3") {
        let doctype = find(head, b"\x42\x82").map(|pos| &head[(pos + 3).min(head.len())..]);
        return Some(match doctype {
            Some(data) if data.starts_with(b"matroska") => "video/x-matroska",
            Some(data) if data.starts_with(b"webm") => {
                let video_codecs: [&[u8]; 6] = [
                    b"\x86\x85V_VP8",
                    b"\x86\x85V_VP9",
                    b"\x86\x85V_AV1",
                    b"\x86\x86V_VP8\x00",
                    b"\x86\x86V_VP9\x00",
                    b"\x86\x86V_AV1\x00",
                ];
                if video_codecs.iter().any(|codec| find(head, codec).is_some()) {
                    "video/webm"
                } else {
                    "audio/webm"
                }
            }
            _ => UNKNOWN_MIME,
        });
    }
    if head.starts_with(b"RIFF") && head.get(8..15) == Some(b"WEBPVP8") {
        return Some("image/webp");
    }
    if head.starts_with(b"\x00\x00\x00\x0cjP\x20\x20\x0d\x0a\x87\x0a") {
        match head.get(16..24) {
            Some(b"ftypjp2 ") => return Some("image/jp2"),
            Some(b"ftypjpx ") => return Some("image/jpx"),
            _ => {}
        }
    }
    if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // MediaWiki reads the compound file's CLSID to tell Word from Excel
        // from PowerPoint; without that reader the subtype stays unknown,
        // and the extension decides (as for any unknown content).
        return Some(UNKNOWN_MIME);
    }
    None
}

fn has_php_opening(head: &[u8]) -> bool {
    let openings: [&[u8]; 6] = [
        b"<?php",
        b"<\x00?\x00p\x00h\x00p",
        b"<\x00?\x00 ",
        b"<\x00?\x00\n",
        b"<\x00?\x00\t",
        b"<\x00?\x00=",
    ];
    openings.iter().any(|opening| find(head, opening).is_some())
}

/// `$wgXMLMimeTypes`: the MIME type of well-formed XML by its root element.
fn xml_root_type(root: &str) -> &'static str {
    match root {
        "http://www.w3.org/2000/svg:svg" | "svg" => "image/svg+xml",
        "http://www.lysator.liu.se/~alla/dia/:diagram" => "application/x-dia-diagram",
        "http://www.w3.org/1999/xhtml:html" | "html" => "text/html",
        _ => "application/xml",
    }
}

/// `#!` scripts become `application/x-<interpreter>`.
pub(super) fn shebang_type(head: &[u8]) -> Option<String> {
    static INTERPRETER: LazyLock<Regex> = LazyLock::new(|| regex(r"/?([^\s]+/)(\w+)"));
    let folded: Cow<[u8]> = if head.starts_with(b"#!") || head.starts_with(b"\xef\xbb\xbf#!") {
        Cow::Borrowed(head)
    } else if head.starts_with(b"\xfe\xff\x00#\x00!") {
        Cow::Owned(fold_utf16_to_ascii(&head[2..], Endian::Big))
    } else if head.starts_with(b"\xff\xfe#\x00!") {
        Cow::Owned(fold_utf16_to_ascii(&head[2..], Endian::Little))
    } else {
        return None;
    };
    let captures = INTERPRETER.captures(&folded)?;
    Some(format!(
        "application/x-{}",
        String::from_utf8_lossy(&captures[2])
    ))
}

/// UTF-16 code units to ASCII, everything else as `?` (MimeAnalyzer's fold).
fn fold_utf16_to_ascii(bytes: &[u8], endian: Endian) -> Vec<u8> {
    endian
        .utf16_units(bytes)
        .map(|unit| u8::try_from(unit).ok().filter(u8::is_ascii).unwrap_or(b'?'))
        .collect()
}

/// Where the ZIP end-of-central-directory record starts in `tail`, if it
/// ends exactly at the end of the file.
fn zip_eocd_position(tail: &[u8]) -> Option<usize> {
    let pos = find(tail, b"PK\x05\x06")?;
    let comment_len = u16::from_be_bytes([*tail.get(pos + 20)?, *tail.get(pos + 21)?]);
    // MediaWiki reads the comment length big-endian; so do we, to agree.
    (pos + 22 <= tail.len() && pos + 22 + usize::from(comment_len) == tail.len()).then_some(pos)
}

/// `detectZipTypeFromFile`: Java (any `.class` entry) wins, then OOXML
/// (`[Content_Types].xml`) or ODF (`mimetype`), else plain ZIP.
fn zip_type(file: &mut File, eocd: &[u8], eocd_offset: u64) -> &'static str {
    let Some(names) = zip_entry_names(file, eocd, eocd_offset) else {
        return "application/zip";
    };
    let is_class = |name: &[u8]| {
        let name = name.strip_suffix(b"/").unwrap_or(name);
        name.ends_with(b".class")
    };
    if names.iter().any(|name| {
        is_class(name)
            || name
                .iter()
                .position(|&byte| byte == 0)
                .is_some_and(|nul| is_class(&name[..nul]))
    }) {
        return "application/java";
    }
    names
        .iter()
        .find_map(|name| match name.as_slice() {
            b"[Content_Types].xml" => Some("application/x-opc+zip"),
            b"mimetype" => Some("application/vnd.oasis.opendocument"),
            _ => None,
        })
        .unwrap_or("application/zip")
}

/// The entry names of the central directory (ZIP64 included), or `None` if
/// it cannot be read.
fn zip_entry_names(file: &mut File, eocd: &[u8], eocd_offset: u64) -> Option<Vec<Vec<u8>>> {
    let le16 = |bytes: &[u8], at: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let le32 = |bytes: &[u8], at: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            bytes.get(at..at + 4)?.try_into().ok()?,
        )))
    };
    let le64 = |bytes: &[u8], at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let (mut entries, mut cd_size, mut cd_offset) =
        (le16(eocd, 10)?, le32(eocd, 12)?, le32(eocd, 16)?);
    if entries == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff {
        let locator = read_at(file, eocd_offset.checked_sub(20)?, 20).ok()?;
        if !locator.starts_with(b"PK\x06\x07") {
            return None;
        }
        let record = read_at(file, le64(&locator, 8)?, 56).ok()?;
        if !record.starts_with(b"PK\x06\x06") {
            return None;
        }
        (entries, cd_size, cd_offset) =
            (le64(&record, 32)?, le64(&record, 40)?, le64(&record, 48)?);
    }
    file.seek(SeekFrom::Start(cd_offset)).ok()?;
    let mut directory = BufReader::new(file.take(cd_size));
    let mut names = Vec::new();
    for _ in 0..entries {
        let mut header = [0u8; 46];
        directory.read_exact(&mut header).ok()?;
        if !header.starts_with(b"PK\x01\x02") {
            return None;
        }
        let mut name = vec![0u8; usize::try_from(le16(&header, 28)?).ok()?];
        directory.read_exact(&mut name).ok()?;
        let skip = le16(&header, 30)? + le16(&header, 32)?;
        io::copy(&mut (&mut directory).take(skip), &mut io::sink()).ok()?;
        names.push(name);
    }
    Some(names)
}

/// ASCII (`solid ... endsolid`) or binary (84 + 50·n bytes) STL.
pub(super) fn is_stl(head: &[u8], tail: &[u8], len: u64) -> bool {
    // PCRE's `\R` before, and `$` that also matches before a final newline.
    static END_SOLID: LazyLock<Regex> =
        LazyLock::new(|| regex(r"(?i)(?:\r\n|\n|\x0b|\x0c|\r|\x85)ENDSOLID .*\n?$"));
    if len >= 15
        && head.len() >= 6
        && head[..6].eq_ignore_ascii_case(b"SOLID ")
        && END_SOLID.is_match(tail)
    {
        return true;
    }
    len > 84
        && head
            .get(80..84)
            .and_then(|count| count.try_into().ok())
            .is_some_and(|count| len == 84 + u64::from(u32::from_le_bytes(count)) * 50)
}

/// What PHP's `getimagesize()` recognizes, in its order.
fn image_header_type(head: &[u8]) -> Option<&'static str> {
    let signatures: [(&[u8], &str); 5] = [
        (b"GIF", "image/gif"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"FWS", "application/x-shockwave-flash"),
        (b"CWS", "application/x-shockwave-flash"),
        (b"8BP", "image/psd"),
    ];
    if let Some((_, mime)) = signatures.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(mime);
    }
    if head.starts_with(b"\x89PN") {
        // A damaged signature (text-mode transfer) is no image at all.
        return head
            .starts_with(b"\x89PNG\r\n\x1a\n")
            .then_some("image/png");
    }
    if head.starts_with(b"BM") {
        // getimagesize gives up on a BITMAPINFOHEADER size it does not know.
        let dib_size = head.get(14..18)?.try_into().ok().map(u32::from_le_bytes)?;
        return (dib_size == 12 || (13..256).contains(&dib_size)).then_some("image/bmp");
    }
    if head.starts_with(b"\xff\x4f\xff") {
        return Some("application/octet-stream");
    }
    if head.starts_with(b"RIF") {
        return (head.get(8..12) == Some(b"WEBP")).then_some("image/webp");
    }
    let four: [(&[u8], &str); 4] = [
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (b"FORM", "image/iff"),
        (b"\x00\x00\x01\x00", "image/vnd.microsoft.icon"),
    ];
    if let Some((_, mime)) = four.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(mime);
    }
    if head.starts_with(b"\x00\x00\x00\x0c\x6a\x50\x20\x20\x0d\x0a\x87\x0a") {
        return Some("image/jp2");
    }
    if is_avif(head) {
        return Some("image/avif");
    }
    if is_wbmp(head) {
        return Some("image/vnd.wap.wbmp");
    }
    is_xbm(head).then_some("image/xbm")
}

/// An ISO media `ftyp` box naming the `avif` or `avis` brand.
fn is_avif(head: &[u8]) -> bool {
    let Some(size) = head
        .get(0..4)
        .and_then(|size| size.try_into().ok())
        .map(u32::from_be_bytes)
    else {
        return false;
    };
    let size = usize::try_from(size).unwrap_or(usize::MAX).min(head.len());
    head.get(4..8) == Some(b"ftyp")
        && size >= 16
        && head[8..size]
            .chunks_exact(4)
            .enumerate()
            // The minor version (second word) is not a brand.
            .any(|(index, brand)| index != 1 && (brand == b"avif" || brand == b"avis"))
}

/// PHP's lenient WBMP test: type 0, a header, non-zero width and height.
fn is_wbmp(head: &[u8]) -> bool {
    let mut bytes = head.iter().copied();
    if bytes.next() != Some(0) {
        return false;
    }
    // The extension header: continuation bytes until one without the top bit.
    if !bytes.by_ref().any(|byte| byte & 0x80 == 0) {
        return false;
    }
    let mut dimension = || -> Option<u32> {
        let mut value = 0u32;
        loop {
            let byte = bytes.next()?;
            value = (value << 7) | u32::from(byte & 0x7f);
            if value > 2048 {
                return None;
            }
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
    };
    matches!((dimension(), dimension()), (Some(width), Some(height)) if width > 0 && height > 0)
}

/// An X bitmap: `#define NAME_width N` and `#define NAME_height N` lines.
fn is_xbm(head: &[u8]) -> bool {
    let (mut width, mut height) = (false, false);
    for line in head.split(|&byte| byte == b'\n') {
        let mut words = line
            .split(u8::is_ascii_whitespace)
            .filter(|word| !word.is_empty());
        if words.next() != Some(b"#define") {
            continue;
        }
        let (Some(name), Some(value)) = (words.next(), words.next()) else {
            continue;
        };
        let digits = value
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if digits == 0 || value[..digits].iter().all(|&byte| byte == b'0') {
            continue;
        }
        match name
            .iter()
            .rposition(|&byte| byte == b'_')
            .map(|pos| &name[pos + 1..])
        {
            Some(b"width") => width = true,
            Some(b"height") => height = true,
            _ => {}
        }
        if width && height {
            return true;
        }
    }
    false
}

/// DjVu (`AT&TFORM` with a DJVU or DJVM form), MediaWiki's content hook.
fn is_djvu(head: &[u8]) -> bool {
    head.starts_with(b"AT&TFORM") && matches!(head.get(12..16), Some(b"DJVU" | b"DJVM"))
}

/// The part of libmagic that decides what MediaWiki reports for content it
/// did not recognize itself: JSON, CSV, text kinds (XML, SVG, HTML, RTF,
/// PostScript, plain) and, for binary data, common formats by signature.
fn libmagic_type(window: &[u8]) -> String {
    let text = looks_like_text(window);
    if is_json(window) {
        return "application/json".to_owned();
    }
    if text && is_csv(window) {
        return "text/csv".to_owned();
    }
    if text {
        return text_magic_type(window).to_owned();
    }
    let mime = infer::get(window).map_or("application/octet-stream", |kind| kind.mime_type());
    // infer's names where libmagic's differ.
    match mime {
        "application/vnd.rar" => "application/x-rar",
        "audio/x-flac" => "audio/flac",
        "audio/m4a" => "audio/x-m4a",
        other => other,
    }
    .to_owned()
}

/// libmagic's text test: no byte that never occurs in text (NUL and most
/// C0 controls, DEL), or UTF-16 with a byte order mark.
fn looks_like_text(bytes: &[u8]) -> bool {
    let never_text = |unit: u16| matches!(unit, 0x00..=0x06 | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f);
    let utf16 = |endian: Endian| {
        bytes.len().is_multiple_of(2) && !endian.utf16_units(&bytes[2..]).any(never_text)
    };
    if bytes.starts_with(b"\xff\xfe") {
        utf16(Endian::Little)
    } else if bytes.starts_with(b"\xfe\xff") {
        utf16(Endian::Big)
    } else {
        !bytes.iter().any(|&byte| never_text(u16::from(byte)))
    }
}

/// libmagic's JSON test: an object or array at the start (whitespace
/// allowed) that parses; what follows it does not matter.
fn is_json(bytes: &[u8]) -> bool {
    let start = skip_json_space(bytes, 0);
    matches!(bytes.get(start), Some(b'{' | b'[')) && json_value(bytes, start, 0).is_some()
}

fn skip_json_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// Parses one JSON value at `at`; the position after it.
fn json_value(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    if depth > 500 {
        return None;
    }
    let at = skip_json_space(bytes, at);
    match *bytes.get(at)? {
        b'"' => json_string(bytes, at + 1),
        open @ (b'[' | b'{') => {
            let close = if open == b'[' { b']' } else { b'}' };
            let mut at = skip_json_space(bytes, at + 1);
            if bytes.get(at) == Some(&close) {
                return Some(at + 1);
            }
            loop {
                if open == b'{' {
                    at = skip_json_space(bytes, at);
                    if bytes.get(at) != Some(&b'"') {
                        return None;
                    }
                    at = skip_json_space(bytes, json_string(bytes, at + 1)?);
                    if bytes.get(at) != Some(&b':') {
                        return None;
                    }
                    at += 1;
                }
                at = skip_json_space(bytes, json_value(bytes, at, depth + 1)?);
                match *bytes.get(at)? {
                    b',' => at += 1,
                    byte if byte == close => return Some(at + 1),
                    _ => return None,
                }
            }
        }
        b't' => bytes[at..].starts_with(b"true").then_some(at + 4),
        b'f' => bytes[at..].starts_with(b"false").then_some(at + 5),
        b'n' => bytes[at..].starts_with(b"null").then_some(at + 4),
        _ => json_number(bytes, at),
    }
}

fn json_string(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        match *bytes.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => {
                let escape = *bytes.get(at + 1)?;
                at += match escape {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' if bytes.get(at + 2..at + 6)?.iter().all(u8::is_ascii_hexdigit) => 6,
                    _ => return None,
                };
            }
            _ => at += 1,
        }
    }
}

fn json_number(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |bytes: &[u8], at: usize| {
        bytes[at..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count()
    };
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    let integer = digits(bytes, at);
    if integer == 0 {
        return None;
    }
    at += integer;
    if bytes.get(at) == Some(&b'.') {
        let fraction = digits(bytes, at + 1);
        if fraction == 0 {
            return None;
        }
        at += 1 + fraction;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(bytes, at);
        if exponent == 0 {
            return None;
        }
        at += exponent;
    }
    Some(at)
}

/// libmagic's CSV test: the same number (> 0) of commas on each of the
/// first lines (quotes respected), over at least three lines; ten lines
/// suffice.
fn is_csv(bytes: &[u8]) -> bool {
    let (mut fields, mut expected, mut lines) = (0usize, 0usize, 0usize);
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        at += 1;
        match byte {
            b'"' => at = skip_csv_quote(bytes, at),
            b',' => fields += 1,
            b'\n' => {
                lines += 1;
                if lines == 10 {
                    return expected != 0 && expected == fields;
                }
                if expected == 0 {
                    if fields == 0 {
                        return false;
                    }
                    expected = fields;
                } else if expected != fields {
                    return false;
                }
                fields = 0;
            }
            _ => {}
        }
    }
    expected != 0 && lines > 2
}

/// Past a quoted CSV field (`""` escapes a quote); `at` is after the quote.
fn skip_csv_quote(bytes: &[u8], mut at: usize) -> usize {
    let mut quote = false;
    while at < bytes.len() {
        let byte = bytes[at];
        at += 1;
        if byte != b'"' {
            if quote {
                return at - 1;
            }
            continue;
        }
        quote = !quote;
    }
    bytes.len()
}

/// libmagic's verdict on text: XML and SVG by their start, HTML by the
/// usual tags near the start, RTF and PostScript, else plain text.
pub(super) fn text_magic_type(text: &[u8]) -> &'static str {
    static HTML: LazyLock<Regex> = LazyLock::new(|| {
        regex(r"(?i)<!doctype\s+html|<(?:head|title|html|script|style|table)(?:>|\s)|<a\s+href=")
    });
    let decoded;
    let text = if text.starts_with(b"\xff\xfe") {
        decoded = fold_utf16_to_ascii(&text[2..], Endian::Little);
        &decoded[..]
    } else if text.starts_with(b"\xfe\xff") {
        decoded = fold_utf16_to_ascii(&text[2..], Endian::Big);
        &decoded[..]
    } else {
        text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text)
    };
    let near_start = &text[..text.len().min(4096)];
    if text.len() >= 5 && text[..5].eq_ignore_ascii_case(b"<?xml") {
        return if find(near_start, b"<svg").is_some() {
            "image/svg+xml"
        } else {
            "text/xml"
        };
    }
    if text.starts_with(b"<svg") || text.starts_with(b"<!DOCTYPE svg") {
        return "image/svg+xml";
    }
    // A match must start within the first 4 KiB, but may run past them.
    let search = &text[..text.len().min(4096 + 16)];
    if HTML.find_iter(search).any(|found| found.start() < 4096) {
        return "text/html";
    }
    if text.starts_with(b"{\\rtf") {
        return "text/rtf";
    }
    if text.starts_with(b"%!") {
        return "application/postscript";
    }
    "text/plain"
}
