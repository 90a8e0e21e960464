//! Script and HTML sniffing (UploadBase::detectScript).

use std::borrow::Cow;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::scanner::ScriptScan;
use super::{Endian, Probe, read_at, regex};

/// How much of a text file is read at a time.
const READ_SIZE: usize = 256 * 1024;
/// `$wgSVGMetadataCutoff`: how far the XML declaration is looked for.
const SVG_METADATA_CUTOFF: u64 = 262_144;

/// HTML doctypes, `<body`/`<head`/`<html`/`<script`, script MIME types or
/// `javascript:` URLs in the first KiB (all of a `text/*` file).
pub(super) fn detect_script(probe: &mut Probe, content_mime: &str, ext: &str) -> io::Result<bool> {
    if (ext == "svg" || content_mime.starts_with("image/svg")) && has_unsafe_xml_encoding(probe)? {
        return Ok(true);
    }
    let mut scan = ScriptScan::new();
    if !content_mime.starts_with("text/") {
        scan.feed(probe.head_1k());
        return Ok(scan.finish());
    }
    probe.file.seek(SeekFrom::Start(0))?;
    let mut piece = vec![0u8; READ_SIZE];
    while !scan.found() {
        let read = match probe.file.read(&mut piece) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        scan.feed(&piece[..read]);
    }
    Ok(scan.finish())
}

/// UTF-16 to ASCII, dropping everything else (iconv's `ASCII//IGNORE`).
pub(super) fn utf16_ascii_only(bytes: &[u8], endian: Endian) -> Vec<u8> {
    endian
        .utf16_units(bytes)
        .filter_map(|unit| u8::try_from(unit).ok().filter(u8::is_ascii))
        .collect()
}

/// An XML declaration naming an encoding browsers and expat may read
/// differently, or one that never closes, or EBCDIC (T49304).
fn has_unsafe_xml_encoding(probe: &mut Probe) -> io::Result<bool> {
    let contents = read_at(&mut probe.file, 0, SVG_METADATA_CUTOFF)?;
    if declaration_is_unsafe(&contents) == Some(true) || contents.starts_with(b"\x4c\x6f\xa7\x94") {
        return Ok(true);
    }
    // The same again as UTF-16, UTF-16BE, UTF-32 and UTF-32BE, as iconv reads them.
    let decodings = [
        decode_utf16(&contents, true),
        decode_utf16(&contents, false),
        decode_utf32(&contents, true),
        decode_utf32(&contents, false),
    ];
    Ok(decodings
        .iter()
        .flatten()
        .any(|text| !text.is_empty() && declaration_is_unsafe(text.as_bytes()) == Some(true)))
}

/// `Some(true)` for an unsafe or unclosed XML declaration, `Some(false)`
/// for a safe one, `None` without one.
pub(super) fn declaration_is_unsafe(contents: &[u8]) -> Option<bool> {
    const SAFE_ENCODINGS: &[&str] = &[
        "UTF-8",
        "US-ASCII",
        "ISO-8859-1",
        "ISO-8859-2",
        "UTF-16",
        "UTF-32",
        "WINDOWS-1250",
        "WINDOWS-1251",
        "WINDOWS-1252",
        "WINDOWS-1253",
        "WINDOWS-1254",
        "WINDOWS-1255",
        "WINDOWS-1256",
        "WINDOWS-1257",
        "WINDOWS-1258",
    ];
    static DECLARATION: LazyLock<Regex> = LazyLock::new(|| regex(r"(?is)<\?xml\b(.*?)\?>"));
    static OPENING: LazyLock<Regex> = LazyLock::new(|| regex(r"(?is)<\?xml\b"));
    static ENCODING: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?is)encoding[ \t\n\r]*=[ \t\n\r]*['"](.*?)['"]"#));
    if let Some(declaration) = DECLARATION.captures(contents) {
        let unsafe_encoding = ENCODING.captures(&declaration[1]).is_some_and(|encoding| {
            let name = String::from_utf8_lossy(&encoding[1]).to_ascii_uppercase();
            !SAFE_ENCODINGS.contains(&name.as_str())
        });
        return Some(unsafe_encoding);
    }
    OPENING.is_match(contents).then_some(true)
}

/// Strict UTF-16 decoding as iconv does it: the byte order mark decides,
/// big-endian without one (`default_be` false: always big-endian).
fn decode_utf16(bytes: &[u8], honour_bom: bool) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let (bytes, endian) = if honour_bom && bytes.starts_with(b"\xff\xfe") {
        (&bytes[2..], Endian::Little)
    } else if honour_bom && bytes.starts_with(b"\xfe\xff") {
        (&bytes[2..], Endian::Big)
    } else {
        (bytes, Endian::Big)
    };
    char::decode_utf16(endian.utf16_units(bytes))
        .collect::<Result<String, _>>()
        .ok()
}

/// Strict UTF-32 decoding, like [`decode_utf16`].
fn decode_utf32(bytes: &[u8], honour_bom: bool) -> Option<String> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let (bytes, endian) = if honour_bom && bytes.starts_with(b"\xff\xfe\x00\x00") {
        (&bytes[4..], Endian::Little)
    } else if honour_bom && bytes.starts_with(b"\x00\x00\xfe\xff") {
        (&bytes[4..], Endian::Big)
    } else {
        (bytes, Endian::Big)
    };
    endian.utf32_units(bytes).map(char::from_u32).collect()
}

/// `Sanitizer::decodeCharReferences` for the purpose of the checks:
/// numeric references, and the named ones that stand for ASCII (the only
/// ones that can make or break a match).
pub(super) fn decode_char_references(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        if text[at] != b'&' {
            out.push(text[at]);
            at += 1;
            continue;
        }
        let rest = &text[at + 1..];
        if let Some((replacement, consumed)) = char_reference(rest) {
            out.extend_from_slice(replacement.as_bytes());
            at += 1 + consumed;
        } else {
            out.push(b'&');
            at += 1;
        }
    }
    out
}

/// The text a reference (after its `&`) stands for and its length, if it
/// is a numeric or known named reference.
fn char_reference(rest: &[u8]) -> Option<(Cow<'static, str>, usize)> {
    let end = rest.iter().position(|&byte| byte == b';')?;
    let body = &rest[..end];
    let codepoint = if let Some(hex) = body
        .strip_prefix(b"#x")
        .or_else(|| body.strip_prefix(b"#X"))
    {
        parse_radix(hex, 16)?
    } else if let Some(decimal) = body.strip_prefix(b"#") {
        parse_radix(decimal, 10)?
    } else {
        if body.is_empty()
            || !body
                .iter()
                .all(|&byte| byte.is_ascii_alphanumeric() || byte >= 0x80)
        {
            return None;
        }
        let name = std::str::from_utf8(body).ok()?;
        let value = ascii_entity(name)?;
        return Some((Cow::Borrowed(value), end + 1));
    };
    Some((Cow::Owned(html_codepoint(codepoint).to_string()), end + 1))
}

/// A number of at least one digit, saturating (PHP's intval does).
fn parse_radix(digits: &[u8], radix: u32) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |value, &byte| {
        let digit = char::from(byte).to_digit(radix)?;
        Some(
            value
                .saturating_mul(u64::from(radix))
                .saturating_add(u64::from(digit)),
        )
    })
}

/// A numeric reference's character; U+FFFD where HTML5 does not allow it.
pub(super) fn html_codepoint(codepoint: u64) -> char {
    let valid = matches!(codepoint, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff);
    u32::try_from(codepoint)
        .ok()
        .filter(|_| valid)
        .and_then(char::from_u32)
        .unwrap_or('\u{fffd}')
}

/// The HTML5 named references that stand for one ASCII character.
pub(super) fn ascii_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" | "AMP" => "&",
        "apos" => "'",
        "ast" | "midast" => "*",
        "bsol" => "\\",
        "colon" => ":",
        "comma" => ",",
        "commat" => "@",
        "dollar" => "$",
        "equals" => "=",
        "excl" => "!",
        "grave" | "DiacriticalGrave" => "`",
        "gt" | "GT" => ">",
        "Hat" => "^",
        "lbrace" | "lcub" => "{",
        "lbrack" | "lsqb" => "[",
        "lowbar" | "UnderBar" => "_",
        "lpar" => "(",
        "lt" | "LT" => "<",
        "NewLine" => "\n",
        "num" => "#",
        "percnt" => "%",
        "period" => ".",
        "plus" => "+",
        "quest" => "?",
        "quot" | "QUOT" => "\"",
        "rbrace" | "rcub" => "}",
        "rbrack" | "rsqb" => "]",
        "rpar" => ")",
        "semi" => ";",
        "sol" => "/",
        "Tab" => "\t",
        "verbar" | "vert" | "VerticalLine" => "|",
        _ => return None,
    })
}
