//! Content verification of uploaded files: what MediaWiki 1.39 decides about
//! a file's bytes (`UploadBase::verifyFile`, and `verifyPartialFile` for each
//! chunk of a chunked upload), and the MIME type it then reports.
//!
//! The checks run in MediaWiki's order; the first failure is the answer:
//! 1. the content MIME type (`MimeAnalyzer::guessMimeType`: magic numbers,
//!    the XML root element, the ZIP directory, image headers, and a small
//!    stand-in for libmagic) must not be in `$wgMimeTypeExclusions`;
//! 2. Internet Explorer's MIME sniffing (`IEContentAnalyzer`) of the first
//!    255 bytes must not yield an excluded type;
//! 3. no HTML or script markers in the first KiB (in all of a text file);
//! 4. SVG: no scripts, event handlers, unsafe links or hostile CSS;
//! 5. the logical MIME type (content type improved by the extension) must
//!    agree with the final extension;
//! 6. SVG: the XML must be well-formed.
//!
//! Files are read no more than the checks need: 16 KiB at the head, the ZIP
//! directory at the tail, 1 MiB to classify text, text files in windows, and
//! XML as a stream (up to [`VerifyConfig::max_xml_size`]), never loading
//! external entities or DTDs.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use regex::bytes::Regex;

/// The MIME type MediaWiki gives content it cannot identify.
const UNKNOWN_MIME: &str = "unknown/unknown";

/// Settings of the checks, MediaWiki's defaults from [`Default`].
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// `$wgMimeTypeExclusions`: content MIME types refused outright
    /// (lower case).
    pub mime_type_exclusions: Vec<String>,
    /// The largest XML file that is parsed; a bigger one counts as
    /// unparseable (so an SVG that big is refused as `uploadinvalidxml`).
    pub max_xml_size: u64,
}

impl Default for VerifyConfig {
    fn default() -> VerifyConfig {
        let exclusions = [
            "text/html",
            "application/javascript",
            "text/javascript",
            "text/x-javascript",
            "application/x-shellscript",
            "application/x-php",
            "text/x-php",
            "text/x-python",
            "text/x-perl",
            "text/x-bash",
            "text/x-sh",
            "text/x-csh",
            "text/scriptlet",
            "application/x-msdownload",
            "application/x-msmetafile",
            "application/java",
            // T341565 (1.39.5)
            "application/xml",
            "text/xml",
        ];
        VerifyConfig {
            mime_type_exclusions: exclusions.iter().map(|mime| (*mime).to_owned()).collect(),
            max_xml_size: 32 * 1024 * 1024,
        }
    }
}

impl VerifyConfig {
    fn excludes(&self, mime: &str) -> bool {
        let mime = mime.to_ascii_lowercase();
        self.mime_type_exclusions.contains(&mime)
    }
}

/// What verification learned about an accepted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The MIME type MediaWiki stores and reports: the content type improved
    /// by the extension (`text/plain` bytes named `.csv` are `text/csv`);
    /// `unknown/unknown` when neither tells.
    pub mime: String,
    /// imageinfo's `mediatype`: `BITMAP`, `DRAWING`, `TEXT`, `OFFICE`, ...
    pub media_type: &'static str,
}

/// MediaWiki's refusal of a file's content: `empty-file`, or
/// `verification-error` with `details` = `[key, params...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    key: &'static str,
    params: Vec<String>,
}

impl Refusal {
    fn new(key: &'static str, params: Vec<String>) -> Refusal {
        Refusal { key, params }
    }

    /// The API error code: `empty-file` or `verification-error`.
    pub fn code(&self) -> &'static str {
        if self.key == "empty-file" {
            "empty-file"
        } else {
            "verification-error"
        }
    }

    /// The message key (`errorformat=raw`'s `key`).
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The message parameters (`errorformat=raw`'s `params`).
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// The English message with its parameters, in MediaWiki's inline
    /// markup (`<code>`, `&lt;`, `<nowiki>`) as `Message::text()` gives it;
    /// its stripMarkup form is the API's `info`.
    pub fn text(&self) -> String {
        let template = message_template(self.key);
        let mut text = String::with_capacity(template.len());
        let mut rest = template;
        // One pass, so that a parameter's own `$2` stays as it is.
        while let Some(dollar) = rest.find('$') {
            text.push_str(&rest[..dollar]);
            let digits = rest[dollar + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let param = rest[dollar + 1..dollar + 1 + digits]
                .parse::<usize>()
                .ok()
                .and_then(|number| self.params.get(number.checked_sub(1)?));
            match param {
                Some(param) => text.push_str(param),
                None => text.push_str(&rest[dollar..dollar + 1 + digits]),
            }
            rest = &rest[dollar + 1 + digits..];
        }
        text.push_str(rest);
        text
    }

    /// The `details` of a `verification-error`: the key, then the params.
    pub fn details(&self) -> Option<Vec<String>> {
        (self.code() == "verification-error").then(|| {
            std::iter::once(self.key.to_owned())
                .chain(self.params.iter().cloned())
                .collect()
        })
    }
}

/// Why verification did not accept a file.
#[derive(Debug, thiserror::Error)]
pub enum VerificationError {
    /// MediaWiki refuses the content.
    #[error("{}", .0.text())]
    Refused(Refusal),
    /// The file could not be read: not MediaWiki's answer, an internal error.
    #[error("cannot read the uploaded file: {0}")]
    Io(#[from] io::Error),
}

fn refuse<T>(key: &'static str, params: Vec<String>) -> Result<T, VerificationError> {
    Err(VerificationError::Refused(Refusal::new(key, params)))
}

/// Full verification, as for direct uploads, stash publishing and assembled
/// chunks: `size` is the upload's size, `final_extension` the last extension
/// of the target name (`""` if it has none; the name checks come later).
pub fn verify_file(
    path: &Path,
    size: u64,
    final_extension: &str,
    config: &VerifyConfig,
) -> Result<Verified, VerificationError> {
    if size == 0 {
        return refuse("empty-file", Vec::new());
    }
    let mut probe = Probe::open(path, config)?;
    let content_mime = probe.content_mime()?;
    verify_partial(&mut probe, &content_mime, final_extension, config)?;

    let mime = improve_type_from_extension(&content_mime, final_extension);
    if !final_extension.is_empty() && !extension_agrees(mime.as_deref(), final_extension) {
        return refuse(
            "filetype-mime-mismatch",
            vec![final_extension.to_owned(), mime.unwrap_or_default()],
        );
    }
    if final_extension == "svg" || mime.as_deref() == Some("image/svg+xml") {
        let xml = probe.xml()?;
        if !xml.well_formed {
            return refuse("uploadinvalidxml", Vec::new());
        }
        if let Some(refusal) = xml.svg_refusal() {
            return Err(VerificationError::Refused(refusal));
        }
    }
    let mime = mime.unwrap_or_else(|| UNKNOWN_MIME.to_owned());
    Ok(Verified {
        media_type: media_type(&mime),
        mime,
    })
}

/// The cheaper checks MediaWiki runs on the bytes of each chunk (exclusion,
/// IE sniffing, script sniffing, SVG scan tolerating broken XML).
/// `final_extension` is the target name's for the first chunk and the stash
/// key's for the later ones, as in `UploadFromChunks::verifyChunk`.
pub fn verify_chunk(
    path: &Path,
    final_extension: &str,
    config: &VerifyConfig,
) -> Result<(), VerificationError> {
    let mut probe = Probe::open(path, config)?;
    let content_mime = probe.content_mime()?;
    verify_partial(&mut probe, &content_mime, final_extension, config)
}

/// The MIME type of the bytes alone (`guessMimeType`), `None` if unknown:
/// for naming a file without extension and for stash keys.
pub fn sniff_mime(path: &Path, config: &VerifyConfig) -> io::Result<Option<String>> {
    let mime = Probe::open(path, config)?.content_mime()?;
    Ok((mime != UNKNOWN_MIME).then_some(mime))
}

/// The first extension MediaWiki registers for a MIME type
/// (`getExtensionFromMimeTypeOrNull`), e.g. `png` for `image/png`.
pub fn canonical_extension(mime: &str) -> Option<&'static str> {
    extensions_of(mime).into_iter().next()
}

/// MediaWiki's `isMatchingExtension`: whether `extension` is one of those
/// registered for `mime` (a file may be renamed only to one of them).
pub fn extension_matches(extension: &str, mime: &str) -> bool {
    extensions_of(mime).contains(&extension.to_ascii_lowercase().as_str())
}

/// MediaWiki's media type of a MIME type (`MimeAnalyzer::getMediaType`
/// without a path): `BITMAP`, `DRAWING`, `TEXT`, ..., or `UNKNOWN`.
fn media_type(mime: &str) -> &'static str {
    let mime = canonical_mime(mime);
    media_type_entry(&mime)
        .or_else(|| {
            mime.split_once('/')
                .and_then(|(major, _)| media_type_entry(major))
        })
        .unwrap_or("UNKNOWN")
}

/// `verifyPartialFile`: the checks that need neither the whole file nor the
/// extension to agree with the content.
fn verify_partial(
    probe: &mut Probe,
    content_mime: &str,
    final_extension: &str,
    config: &VerifyConfig,
) -> Result<(), VerificationError> {
    if config.excludes(content_mime) {
        return refuse("filetype-badmime", vec![content_mime.to_owned()]);
    }
    let proposed = mime_from_extension(final_extension).unwrap_or("");
    let ie_sample = &probe.head[..probe.head.len().min(256)];
    if let Some(ie_mime) = IE_VERSIONS
        .iter()
        .map(|version| ie_translate(ie_sniff(*version, ie_sample, proposed)))
        .find(|ie_mime| config.excludes(ie_mime))
    {
        return refuse("filetype-bad-ie-mime", vec![ie_mime.to_owned()]);
    }
    if detect_script(probe, content_mime, final_extension)? {
        return refuse("uploadscripted", Vec::new());
    }
    if final_extension == "svg" || content_mime == "image/svg+xml" {
        let xml = probe.xml()?;
        // Broken XML passes here: a chunk is only part of the file.
        if let Some(refusal) = xml.svg_refusal().filter(|_| xml.well_formed) {
            return Err(VerificationError::Refused(refusal));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading the file

/// How much of the head MIME detection looks at (`$head16k`).
const HEAD_SIZE: usize = 16 * 1024;
/// The largest ZIP end-of-central-directory record, with its comment.
const ZIP_TAIL_SIZE: u64 = 65558;
/// How much libmagic reads (`bytes_max` of the PHP 8.2 build).
const MAGIC_WINDOW: u64 = 1024 * 1024;

/// An open upload and what has been learned about it so far.
struct Probe<'c> {
    file: File,
    len: u64,
    head: Vec<u8>,
    config: &'c VerifyConfig,
    xml: Option<XmlOutcome>,
}

impl<'c> Probe<'c> {
    fn open(path: &Path, config: &'c VerifyConfig) -> io::Result<Probe<'c>> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let head = read_at(&mut file, 0, HEAD_SIZE as u64)?;
        Ok(Probe {
            file,
            len,
            head,
            config,
            xml: None,
        })
    }

    /// The first KiB, where most magic numbers are looked for.
    fn head_1k(&self) -> &[u8] {
        &self.head[..self.head.len().min(1024)]
    }

    /// The XML view of the file: parsed once, on first need.
    fn xml(&mut self) -> io::Result<&XmlOutcome> {
        let outcome = match self.xml.take() {
            Some(outcome) => outcome,
            None if self.len > self.config.max_xml_size => XmlOutcome::default(),
            None => {
                self.file.seek(SeekFrom::Start(0))?;
                scan_xml(BufReader::new(&self.file), &self.head, None)?
            }
        };
        Ok(self.xml.insert(outcome))
    }

    /// `MimeAnalyzer::guessMimeType`: the content's MIME type, aliases
    /// resolved, `unknown/unknown` if nothing matched.
    fn content_mime(&mut self) -> io::Result<String> {
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

/// Up to `len` bytes from `offset`.
fn read_at(file: &mut File, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.take(len).read_to_end(&mut bytes)?;
    Ok(bytes)
}

// ---------------------------------------------------------------------------
// MIME detection (MimeAnalyzer::doGuessMimeType)

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
fn shebang_type(head: &[u8]) -> Option<String> {
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

/// The byte order of UTF-16 or UTF-32 text.
#[derive(Debug, Clone, Copy)]
enum Endian {
    Big,
    Little,
}

impl Endian {
    /// The UTF-16 code units of `bytes` (a trailing odd byte is dropped).
    fn utf16_units(self, bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
        bytes.chunks_exact(2).map(move |pair| match self {
            Endian::Big => u16::from_be_bytes([pair[0], pair[1]]),
            Endian::Little => u16::from_le_bytes([pair[0], pair[1]]),
        })
    }

    /// The UTF-32 code units of `bytes`.
    fn utf32_units(self, bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
        bytes.chunks_exact(4).map(move |quad| {
            let quad = [quad[0], quad[1], quad[2], quad[3]];
            match self {
                Endian::Big => u32::from_be_bytes(quad),
                Endian::Little => u32::from_le_bytes(quad),
            }
        })
    }
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
fn is_stl(head: &[u8], tail: &[u8], len: u64) -> bool {
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
fn text_magic_type(text: &[u8]) -> &'static str {
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

// ---------------------------------------------------------------------------
// MimeMap: extensions, media types and aliases

/// `improveTypeFromExtension`: the logical MIME type. `None` when the
/// content is unknown and the extension names no type either.
fn improve_type_from_extension(mime: &str, ext: &str) -> Option<String> {
    let improved = if mime == UNKNOWN_MIME {
        if is_recognizable_extension(ext) {
            Some(mime)
        } else {
            mime_from_extension(ext)
        }
    } else if mime == "application/x-opc+zip" || mime == "application/vnd.oasis.opendocument" {
        if matching_extension(ext, mime) == Some(true) {
            mime_from_extension(ext)
        } else {
            Some("application/zip")
        }
    } else if mime == "text/plain" && extension_media_type(ext) == Some("TEXT") {
        mime_from_extension(ext)
    } else {
        Some(mime)
    };
    improved.map(|mime| canonical_mime(mime).into_owned())
}

/// `UploadBase::verifyExtension`: does the extension fit the MIME type?
fn extension_agrees(mime: Option<&str>, ext: &str) -> bool {
    match mime {
        None | Some("" | "unknown" | UNKNOWN_MIME) => !is_recognizable_extension(ext),
        Some(mime) => match matching_extension(ext, mime) {
            Some(matches) => matches,
            // A type without extensions only fits an extension without type.
            None => mime_from_extension(ext).is_none(),
        },
    }
}

/// Extensions whose content MediaWiki is sure to recognize.
fn is_recognizable_extension(ext: &str) -> bool {
    const RECOGNIZABLE: &[&str] = &[
        "gif", "jpeg", "jpg", "png", "swf", "psd", "bmp", "tiff", "tif", "jpc", "jp2", "jpx",
        "jb2", "swc", "iff", "wbmp", "xbm", "djvu", "ogx", "ogg", "ogv", "oga", "spx", "opus",
        "mid", "pdf", "wmf", "xcf", "webm", "mkv", "mka", "webp", "mp3", "svg", "stl",
    ];
    RECOGNIZABLE.contains(&ext.to_ascii_lowercase().as_str())
}

/// `isMatchingExtension`: `None` if the MIME type has no extensions.
fn matching_extension(ext: &str, mime: &str) -> Option<bool> {
    let extensions = extensions_of(mime);
    (!extensions.is_empty()).then(|| extensions.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The extensions registered for a MIME type (or for the type it aliases).
fn extensions_of(mime: &str) -> Vec<&'static str> {
    let mime = mime.to_ascii_lowercase();
    let direct = table_values(MIME_EXTENSIONS, &mime);
    if !direct.is_empty() {
        return direct;
    }
    alias_of(&mime).map_or_else(Vec::new, |alias| table_values(MIME_EXTENSIONS, alias))
}

/// The first MIME type registered for an extension.
fn mime_from_extension(ext: &str) -> Option<&'static str> {
    let ext = ext.to_ascii_lowercase();
    table_keys_listing(MIME_EXTENSIONS, &ext).next()
}

/// `findMediaType('.ext')`: the media type of the extension's MIME types.
fn extension_media_type(ext: &str) -> Option<&'static str> {
    let ext = ext.to_ascii_lowercase();
    table_keys_listing(MIME_EXTENSIONS, &ext).find_map(media_type_entry)
}

fn media_type_entry(mime: &str) -> Option<&'static str> {
    table_keys_listing(MEDIA_TYPES, mime).next()
}

/// The canonical name of a MIME type (`$mimeTypeAliases`, one step).
fn canonical_mime(mime: &str) -> Cow<'_, str> {
    alias_of(mime).map_or(Cow::Borrowed(mime), Cow::Borrowed)
}

fn alias_of(mime: &str) -> Option<&'static str> {
    MIME_TYPE_ALIASES.lines().find_map(|line| {
        let (alias, canonical) = line.split_once(' ')?;
        (alias == mime).then_some(canonical)
    })
}

/// The words after `key` on the lines of `table` that start with it.
fn table_values(table: &'static str, key: &str) -> Vec<&'static str> {
    table
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(line_key, _)| *line_key == key)
        .flat_map(|(_, values)| values.split(' '))
        .collect()
}

/// The keys of the lines of `table` that list `value`, in table order.
fn table_keys_listing<'v>(
    table: &'static str,
    value: &'v str,
) -> impl Iterator<Item = &'static str> + 'v {
    table.lines().filter_map(move |line| {
        let mut words = line.split(' ');
        let key = words.next()?;
        words.any(|word| word == value).then_some(key)
    })
}

// ---------------------------------------------------------------------------
// Internet Explorer's MIME sniffing (IEContentAnalyzer, 1.39 only)

/// The IE versions MediaWiki simulates: 5, 6, 7, and 7 in two modes.
#[derive(Debug, Clone, Copy)]
struct IeVersion {
    ie7: bool,
    strict: bool,
    no_html: bool,
}

const IE_VERSIONS: [IeVersion; 5] = [
    IeVersion {
        ie7: false,
        strict: false,
        no_html: false,
    },
    IeVersion {
        ie7: false,
        strict: false,
        no_html: false,
    },
    IeVersion {
        ie7: true,
        strict: false,
        no_html: false,
    },
    IeVersion {
        ie7: true,
        strict: true,
        no_html: false,
    },
    IeVersion {
        ie7: true,
        strict: false,
        no_html: true,
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IeFormat {
    Ambiguous,
    Text,
    Binary,
    Html,
    Unknown,
}

/// Which of IE's type classes a MIME type is in.
fn ie_format(version: IeVersion, mime: &str) -> IeFormat {
    const AMBIGUOUS: &[&str] = &[
        "text/plain",
        "application/octet-stream",
        "application/x-netcdf",
    ];
    const TEXT: &[&str] = &[
        "text/richtext",
        "image/x-bitmap",
        "application/postscript",
        "application/base64",
        "application/macbinhex40",
        "application/x-cdf",
        "text/scriptlet",
    ];
    const BINARY: &[&str] = &[
        "application/pdf",
        "audio/x-aiff",
        "audio/basic",
        "audio/wav",
        "image/gif",
        "image/pjpeg",
        "image/jpeg",
        "image/tiff",
        "image/x-png",
        "image/png",
        "image/bmp",
        "image/x-jg",
        "image/x-art",
        "image/x-emf",
        "image/x-wmf",
        "video/avi",
        "video/x-msvideo",
        "video/mpeg",
        "application/x-compressed",
        "application/x-zip-compressed",
        "application/x-gzip-compressed",
        "application/java",
        "application/x-msdownload",
    ];
    if mime.is_empty() || mime == "(null)" || AMBIGUOUS.contains(&mime) {
        IeFormat::Ambiguous
    } else if TEXT.contains(&mime)
        || (version.ie7 && matches!(mime, "text/xml" | "application/xml"))
    {
        IeFormat::Text
    } else if BINARY.contains(&mime) {
        IeFormat::Binary
    } else if mime == "text/html" {
        IeFormat::Html
    } else {
        IeFormat::Unknown
    }
}

/// What one IE version makes of `sample` served as `proposed`.
fn ie_sniff<'a>(version: IeVersion, sample: &[u8], proposed: &'a str) -> &'a str {
    let proposed = proposed.split(';').next().unwrap_or_default();
    let proposed_format = ie_format(version, proposed);
    if (proposed_format == IeFormat::Unknown
        && proposed != "multipart/mixed"
        && proposed != "multipart/x-mixed-replace")
        || sample.is_empty()
    {
        return proposed;
    }
    let sample = &sample[..sample.len().min(255)];
    let found = IeSample::scan(version, sample);
    let binary_type = ie_binary_type(sample);
    let text_type = ie_text_type(sample);

    if proposed == "text/html" && found.html {
        return "text/html";
    }
    if proposed == "image/gif" && binary_type == Some("image/gif") {
        return "image/gif";
    }
    if matches!(proposed, "image/pjpeg" | "image/jpeg") && binary_type == Some("image/pjpeg") {
        return proposed;
    }
    if version.ie7
        && matches!(proposed, "image/x-png" | "image/png")
        && binary_type == Some("image/x-png")
    {
        return proposed;
    }
    if found.cdf {
        return "application/x-cdf";
    }
    if found.rss {
        return "application/rss+xml";
    }
    // (IE's RDF feed test needs a flag that is never set.)
    if found.atom {
        return "application/atom+xml";
    }
    if found.xml && (!version.strict || matches!(proposed, "text/html" | "text/xml")) {
        return "text/xml";
    }
    if found.html && (!version.no_html || proposed == "text/plain") {
        return "text/html";
    }
    if found.xbm {
        return "image/x-bitmap";
    }
    if found.binhex {
        return "application/macbinhex40";
    }
    if found.scriptlet && (!version.strict || matches!(proposed, "text/plain" | "text/scriptlet")) {
        return "text/scriptlet";
    }

    // IE's text-or-binary guess; wrong for non-ASCII text, on purpose.
    let binary = found.ctrl != 0 && found.ff + found.low < (found.ctrl + found.high) * 16;
    let sniffed = if binary {
        binary_type
            .or(text_type)
            .unwrap_or("application/octet-stream")
    } else {
        text_type.or(binary_type).unwrap_or("text/plain")
    };
    if ie_format(version, sniffed) != IeFormat::Ambiguous {
        return sniffed;
    }
    match proposed_format {
        IeFormat::Text if !binary => proposed,
        IeFormat::Binary if binary => proposed,
        IeFormat::Html => proposed,
        // IE would then look the file name up in the registry; MediaWiki
        // passes the temporary path, which has no extension.
        _ => sniffed,
    }
}

/// IE's private type names in common terms.
fn ie_translate(mime: &str) -> &str {
    match mime {
        "image/pjpeg" => "image/jpeg",
        "image/x-png" => "image/png",
        "image/x-wmf" => "application/x-msmetafile",
        "image/bmp" => "image/x-bmp",
        "application/x-zip-compressed" => "application/zip",
        "application/x-compressed" => "application/x-compress",
        "application/x-gzip-compressed" => "application/x-gzip",
        "audio/mid" => "audio/midi",
        other => other,
    }
}

/// What IE's scan of the sample found: markup hints and character counts.
#[derive(Debug, Default)]
struct IeSample {
    xml: bool,
    scriptlet: bool,
    html: bool,
    cdf: bool,
    rss: bool,
    rdf_tag: bool,
    rdf_url: bool,
    atom: bool,
    xbm_define: bool,
    xbm_width: bool,
    xbm: bool,
    binhex: bool,
    ctrl: usize,
    high: usize,
    low: usize,
    ff: usize,
}

impl IeSample {
    fn scan(version: IeVersion, sample: &[u8]) -> IeSample {
        const HTML_TAGS: [&[u8]; 10] = [
            b"html",
            b"head",
            b"title",
            b"body",
            b"script",
            b"a href",
            b"pre",
            b"img",
            b"plaintext",
            b"table",
        ];
        let mut found = IeSample::default();
        for (offset, &byte) in sample.iter().enumerate() {
            match byte {
                b'\n' | b'\r' => continue,
                0x0c => {
                    found.ff += 1;
                    continue;
                }
                b'\t' => {
                    found.low += 1;
                    continue;
                }
                0..0x20 => {
                    found.ctrl += 1;
                    continue;
                }
                0x80.. => {
                    found.high += 1;
                    continue;
                }
                _ => found.low += 1,
            }
            if byte == b'<' {
                let rest = &sample[offset + 1..];
                if starts_with_ci(rest, b"?XML")
                    && matches!(sample.get(offset + 5), Some(b':' | b' ' | b'\t'))
                {
                    found.xml = true;
                }
                if starts_with_ci(rest, b"SCRIPTLET") {
                    found.scriptlet = true;
                    break;
                }
                if HTML_TAGS.iter().any(|tag| starts_with_ci(rest, tag)) {
                    found.html = true;
                }
                if !version.ie7 {
                    found.cdf |= starts_with_ci(rest, b"CHANNEL");
                } else {
                    if starts_with_ci(rest, b"RSS") {
                        found.rss = true;
                        break;
                    }
                    found.rdf_tag |= starts_with_ci(rest, b"rdf:RDF");
                    if starts_with_ci(rest, b"FEED") {
                        found.atom = true;
                        break;
                    }
                }
                continue;
            }
            let rest = &sample[offset..];
            if starts_with_ci(rest, b"http://www.w3.org/1999/02/22-rdf-syntax-ns#") {
                found.rdf_url = true;
                continue;
            }
            if starts_with_ci(rest, b"http://purl.org/rss/1.0/") {
                if found.rdf_tag && found.rdf_url {
                    break;
                }
                continue;
            }
            if starts_with_ci(rest, b"#define") {
                found.xbm_define = true;
                continue;
            }
            if byte == b'_' {
                if found.xbm_width {
                    if starts_with_ci(rest, b"_bits") {
                        found.xbm = true;
                        break;
                    }
                } else if found.xbm_define && starts_with_ci(rest, b"_width") {
                    found.xbm_width = true;
                }
            }
            found.binhex |= rest.starts_with(b"converted with BinHex");
        }
        found
    }
}

/// IE's magic numbers of binary formats.
fn ie_binary_type(sample: &[u8]) -> Option<&'static str> {
    let at = |range: std::ops::Range<usize>| sample.get(range).unwrap_or_default();
    if starts_with_ci(sample, b"GIF87") || starts_with_ci(sample, b"GIF89") {
        return Some("image/gif");
    }
    if sample.starts_with(b"\xff\xd8") {
        return Some("image/pjpeg");
    }
    if sample.starts_with(b"BM") && at(6..8) == b"\x00\x00" && at(8..10) == b"\x00\x00" {
        return Some("image/bmp");
    }
    if sample.starts_with(b"RIFF") && at(8..12) == b"WAVE" {
        return Some("audio/wav");
    }
    let prefixes: [(&[u8], &str); 6] = [
        (b".sd\x00", "audio/basic"),
        (b".snd", "audio/basic"),
        (b"\x00ds.", "audio/basic"),
        (b"dns.", "audio/basic"),
        (b"MM\x00", "image/tiff"),
        (b"MZ", "application/x-msdownload"),
    ];
    if let Some((_, mime)) = prefixes.iter().find(|(magic, _)| sample.starts_with(magic)) {
        return Some(mime);
    }
    if sample.starts_with(b"\x89PNG\x0d\x0a\x1a\x0a") {
        return Some("image/x-png");
    }
    if sample.len() >= 5
        && sample.starts_with(b"JG")
        && (3..=31).contains(&sample[2])
        && sample[4] == 0
    {
        return Some("image/x-jg");
    }
    if sample.starts_with(b"MROF")
        || (sample.starts_with(b"FORM") && matches!(at(8..12), b"AIFF" | b"AIFC"))
    {
        return Some("audio/x-aiff");
    }
    if sample.starts_with(b"RIFF") && at(8..12) == b"AVI " {
        return Some("video/avi");
    }
    if sample.starts_with(b"\x00\x00\x01\xb3") || sample.starts_with(b"\x00\x00\x01\xba") {
        return Some("video/mpeg");
    }
    if sample.starts_with(b"\x01\x00\x00\x00") && at(40..44) == b" EMF" {
        return Some("image/x-emf");
    }
    let rest: [(&[u8], &str); 7] = [
        (b"\xd7\xcd\xc6\x9a", "image/x-wmf"),
        (b"\xca\xfe\xba\xbe", "application/java"),
        (b"PK", "application/x-zip-compressed"),
        (b"\x1f\x9d", "application/x-compressed"),
        (b"\x1f\x8b", "application/x-gzip-compressed"),
        (b"MThd\x00", "audio/mid"),
        (b"%PDF", "application/pdf"),
    ];
    rest.iter()
        .find(|(magic, _)| sample.starts_with(magic))
        .map(|(_, mime)| *mime)
}

/// IE's magic numbers of text formats.
fn ie_text_type(sample: &[u8]) -> Option<&'static str> {
    let prefixes: [(&[u8], &str); 4] = [
        (b"%PDF", "application/pdf"),
        (b"%!", "application/postscript"),
        (b"{\\rtf", "text/richtext"),
        (b"begin", "application/base64"),
    ];
    prefixes
        .iter()
        .find(|(magic, _)| sample.starts_with(magic))
        .map(|(_, mime)| *mime)
}

fn starts_with_ci(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

// ---------------------------------------------------------------------------
// Script and HTML sniffing (UploadBase::detectScript)

/// Text files are scanned whole, in windows this big...
const SCRIPT_WINDOW: usize = 4 * 1024 * 1024;
/// ... overlapping by this much, so that no marker is cut in two.
const SCRIPT_OVERLAP: usize = 64 * 1024;
/// `$wgSVGMetadataCutoff`: how far the XML declaration is looked for.
const SVG_METADATA_CUTOFF: u64 = 262_144;

/// HTML doctypes, `<body`/`<head`/`<html`/`<script`, script MIME types or
/// `javascript:` URLs in the first KiB (all of a `text/*` file).
fn detect_script(probe: &mut Probe, content_mime: &str, ext: &str) -> io::Result<bool> {
    if (ext == "svg" || content_mime.starts_with("image/svg")) && has_unsafe_xml_encoding(probe)? {
        return Ok(true);
    }
    let utf16 = if probe.head.starts_with(b"\xfe\xff") {
        Some(Endian::Big)
    } else if probe.head.starts_with(b"\xff\xfe") {
        Some(Endian::Little)
    } else {
        None
    };
    let scan = |bytes: &[u8]| {
        let lowered = bytes.to_ascii_lowercase();
        match utf16 {
            Some(endian) => chunk_has_script(&utf16_ascii_only(&lowered, endian)),
            None => chunk_has_script(&lowered),
        }
    };
    if !content_mime.starts_with("text/") {
        return Ok(scan(probe.head_1k()));
    }
    probe.file.seek(SeekFrom::Start(0))?;
    let mut window =
        Vec::with_capacity(SCRIPT_WINDOW.min(usize::try_from(probe.len).unwrap_or(usize::MAX)));
    loop {
        let kept = window.len();
        (&probe.file)
            .take((SCRIPT_WINDOW - kept) as u64)
            .read_to_end(&mut window)?;
        if scan(&window) {
            return Ok(true);
        }
        if window.len() < SCRIPT_WINDOW {
            return Ok(false);
        }
        // Keep an even-sized overlap so that UTF-16 stays aligned.
        window.drain(..SCRIPT_WINDOW - SCRIPT_OVERLAP);
    }
}

/// UTF-16 to ASCII, dropping everything else (iconv's `ASCII//IGNORE`).
fn utf16_ascii_only(bytes: &[u8], endian: Endian) -> Vec<u8> {
    endian
        .utf16_units(bytes)
        .filter_map(|unit| u8::try_from(unit).ok().filter(u8::is_ascii))
        .collect()
}

/// detectScript's tests on a lowercased sample.
fn chunk_has_script(chunk: &[u8]) -> bool {
    static DOCTYPE: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)<!DOCTYPE *X?HTML"));
    static SCRIPT_TYPE: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?ism)type\s*=\s*['"]?\s*(?:\w*/)?(?:ecma|java)"#));
    static SCRIPT_URL: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?ism)(?:href|src|data)\s*=\s*['"]?\s*(?:ecma|java)script:"#));
    static CSS_SCRIPT_URL: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"(?ism)url\s*\(\s*['"]?\s*(?:ecma|java)script:"#));
    let tags: [&[u8]; 4] = [b"<body", b"<head", b"<html", b"<script"];
    if DOCTYPE.is_match(chunk) || tags.iter().any(|tag| find(chunk, tag).is_some()) {
        return true;
    }
    let decoded = decode_char_references(chunk);
    SCRIPT_TYPE.is_match(&decoded)
        || SCRIPT_URL.is_match(&decoded)
        || CSS_SCRIPT_URL.is_match(&decoded)
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
fn declaration_is_unsafe(contents: &[u8]) -> Option<bool> {
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
fn decode_char_references(text: &[u8]) -> Vec<u8> {
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
fn html_codepoint(codepoint: u64) -> char {
    let valid = matches!(codepoint, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff);
    u32::try_from(codepoint)
        .ok()
        .filter(|_| valid)
        .and_then(char::from_u32)
        .unwrap_or('\u{fffd}')
}

/// The HTML5 named references that stand for one ASCII character.
fn ascii_entity(name: &str) -> Option<&'static str> {
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

// ---------------------------------------------------------------------------
// XML and SVG (XmlTypeCheck with UploadBase's SVG filters)

/// What parsing a file as XML showed.
#[derive(Debug, Default)]
struct XmlOutcome {
    well_formed: bool,
    /// The root element, `namespace:local` (XmlTypeCheck::getRootElement).
    root: String,
    /// The last finding of the SVG filters, which is the one MediaWiki keeps.
    svg_finding: Option<Refusal>,
    /// The last namespace the filters refused; it overrides other findings.
    bad_namespace: Option<String>,
}

impl XmlOutcome {
    /// `detectScriptInSvg`'s answer for well-formed XML.
    fn svg_refusal(&self) -> Option<Refusal> {
        match &self.bad_namespace {
            Some(namespace) => Some(Refusal::new(
                "uploadscriptednamespace",
                vec![namespace.clone()],
            )),
            None => self.svg_finding.clone(),
        }
    }

    fn found(&mut self, key: &'static str, params: Vec<String>) {
        self.svg_finding = Some(Refusal::new(key, params));
    }
}

/// The file is not well-formed XML (or not XML we can read).
struct Malformed;

/// Parses the whole file (`head` is its start) the way XmlTypeCheck does,
/// running the SVG filters on every element, processing instruction and
/// DOCTYPE. I/O errors are errors; everything else is an outcome.
fn scan_xml<R: Read>(
    source: R,
    head: &[u8],
    observer: Option<&mut dyn XmlObserver>,
) -> io::Result<XmlOutcome> {
    let mut outcome = XmlOutcome::default();
    let result = match source_encoding(head) {
        None => return Ok(outcome),
        Some(SourceEncoding::Utf8) => {
            XmlScanner::new(BufReader::new(source), &mut outcome, observer).run()
        }
        Some(encoding) => XmlScanner::new(
            BufReader::new(ToUtf8::new(source, encoding)),
            &mut outcome,
            observer,
        )
        .run(),
    };
    match result {
        Ok(root) => {
            outcome.well_formed = true;
            outcome.root = root;
        }
        Err(ScanError::Malformed(Malformed)) => {}
        Err(ScanError::Io(error)) => return Err(error),
    }
    Ok(outcome)
}

/// How the bytes of an XML file are to be read.
#[derive(Debug, Clone, Copy)]
enum SourceEncoding {
    Utf8,
    /// ASCII-compatible single-byte encodings, read as Latin-1: exact for
    /// ISO-8859-1 and ASCII, and for the others right in all the checks
    /// look at (ASCII).
    Latin1,
    Utf16(Endian),
}

/// The encoding of a file that starts like XML (by its byte order mark or
/// declaration); `None` if it cannot be XML we read: no markup at the
/// start, or an encoding we do not decode (libxml fails on a declared
/// encoding the bytes do not follow, too).
fn source_encoding(head: &[u8]) -> Option<SourceEncoding> {
    static ENCODING: LazyLock<Regex> =
        LazyLock::new(|| regex(r#"^<\?xml[^>]*?encoding\s*=\s*['"]([A-Za-z0-9._-]*)['"]"#));
    static SINGLE_BYTE: LazyLock<Regex> = LazyLock::new(|| {
        regex(r"(?i)^(?:iso-?8859-[0-9]+|latin-?1|(?:windows|cp)-?125[0-8]|us-ascii|ascii)$")
    });
    if head.starts_with(b"\xff\xfe<\x00") {
        return Some(SourceEncoding::Utf16(Endian::Little));
    }
    if head.starts_with(b"\xfe\xff\x00<") {
        return Some(SourceEncoding::Utf16(Endian::Big));
    }
    let content = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    // Only markup can start a document: a quick exit for everything else.
    if !content.starts_with(b"<") {
        return None;
    }
    match ENCODING
        .captures(content)
        .map(|declared| declared[1].to_ascii_lowercase())
    {
        None => Some(SourceEncoding::Utf8),
        Some(name) if name == b"utf-8" || name == b"utf8" => Some(SourceEncoding::Utf8),
        Some(name) if SINGLE_BYTE.is_match(&name) => Some(SourceEncoding::Latin1),
        Some(_) => None,
    }
}

/// A reader that decodes Latin-1 or UTF-16 into UTF-8. What does not
/// decode becomes a byte that is never UTF-8, so the parser calls the
/// document malformed, as libxml would.
struct ToUtf8<R> {
    inner: R,
    encoding: SourceEncoding,
    /// Read but not yet decoded (half a code unit or surrogate pair).
    undecoded: Vec<u8>,
    decoded: Vec<u8>,
    position: usize,
    at_end: bool,
}

impl<R: Read> ToUtf8<R> {
    fn new(inner: R, encoding: SourceEncoding) -> ToUtf8<R> {
        ToUtf8 {
            inner,
            encoding,
            undecoded: Vec::new(),
            decoded: Vec::new(),
            position: 0,
            at_end: false,
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut input = [0u8; 8192];
        let read = self.inner.read(&mut input)?;
        self.undecoded.extend_from_slice(&input[..read]);
        self.at_end = read == 0;
        self.decoded.clear();
        self.position = 0;
        let mut push = |character: Option<char>| match character {
            Some(character) => self
                .decoded
                .extend_from_slice(character.encode_utf8(&mut [0u8; 4]).as_bytes()),
            None => self.decoded.push(0xff),
        };
        let usable = match self.encoding {
            SourceEncoding::Utf16(endian) => {
                let mut usable = self.undecoded.len() / 2 * 2;
                let last = endian.utf16_units(&self.undecoded[..usable]).last();
                if !self.at_end && last.is_some_and(|unit| (0xd800..0xdc00).contains(&unit)) {
                    // The other half of the pair is still to come.
                    usable -= 2;
                }
                char::decode_utf16(endian.utf16_units(&self.undecoded[..usable]))
                    .for_each(|decoded| push(decoded.ok()));
                usable
            }
            _ => {
                self.undecoded
                    .iter()
                    .for_each(|&byte| push(Some(char::from(byte))));
                self.undecoded.len()
            }
        };
        self.undecoded.drain(..usable);
        if self.at_end && !self.undecoded.is_empty() {
            self.undecoded.clear();
            self.decoded.push(0xff);
        }
        Ok(())
    }
}

impl<R: Read> Read for ToUtf8<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.position == self.decoded.len() && !self.at_end {
            self.fill()?;
        }
        let count = out.len().min(self.decoded.len() - self.position);
        out[..count].copy_from_slice(&self.decoded[self.position..self.position + count]);
        self.position += count;
        Ok(count)
    }
}

enum ScanError {
    Malformed(Malformed),
    Io(io::Error),
}

impl From<Malformed> for ScanError {
    fn from(malformed: Malformed) -> ScanError {
        ScanError::Malformed(malformed)
    }
}

/// The predefined namespace of the `xml:` prefix.
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// An element whose end has not been seen yet.
pub(crate) struct OpenElement {
    /// `namespace:local`, or the qualified name when not in a namespace.
    pub(crate) name: String,
    /// The namespace URI, `""` for none.
    pub(crate) namespace: String,
    /// The name without prefix.
    pub(crate) local: String,
    /// Attributes in document order, names expanded like `name` (so an
    /// attribute without prefix keeps its plain name).
    pub(crate) attributes: Vec<(String, String)>,
    /// The element's text, kept only for `style` (the one filter using it).
    text: Option<String>,
    /// How many namespace bindings this element added.
    bindings: usize,
}

/// Who else wants to see the elements and text of a document as it is
/// scanned (the SVG metadata reader).
pub(crate) trait XmlObserver {
    /// An element starts; `depth` is 0 for the root.
    fn start(&mut self, element: &OpenElement, depth: usize);
    /// A text node (not CDATA) inside the element at `depth`, references
    /// expanded.
    fn text(&mut self, text: &str, depth: usize);
    /// The element at `depth` ends.
    fn end(&mut self, element: &OpenElement, depth: usize);
}

/// Reads up to `limit` bytes of a file as XML with the scanner of the
/// checks, showing it to `observer`; whether that much was well-formed.
pub(crate) fn observe_xml(
    path: &Path,
    limit: u64,
    observer: &mut dyn XmlObserver,
) -> io::Result<bool> {
    let mut file = File::open(path)?;
    let head = read_at(&mut file, 0, HEAD_SIZE as u64)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(scan_xml(file.take(limit), &head, Some(observer))?.well_formed)
}

/// The event loop of [`scan_xml`].
struct XmlScanner<'o, 'v, B> {
    reader: Reader<B>,
    outcome: &'o mut XmlOutcome,
    observer: Option<&'v mut dyn XmlObserver>,
    open: Vec<OpenElement>,
    /// In-scope namespace bindings, innermost last: (prefix, URI).
    namespaces: Vec<(String, String)>,
    /// Internal entities of the DOCTYPE: (name, replacement text).
    entities: Vec<(String, String)>,
    /// Undeclared entities are skipped, not errors, with an external DTD.
    has_external_dtd: bool,
    /// The text node being read (text and references until other markup).
    pending_text: String,
    root: Option<String>,
    root_closed: bool,
}

impl<'o, 'v, B: BufRead> XmlScanner<'o, 'v, B> {
    fn new(
        source: B,
        outcome: &'o mut XmlOutcome,
        observer: Option<&'v mut dyn XmlObserver>,
    ) -> XmlScanner<'o, 'v, B> {
        let mut reader = Reader::from_reader(source);
        let config = reader.config_mut();
        config.check_comments = true;
        config.check_end_names = true;
        XmlScanner {
            reader,
            outcome,
            observer,
            open: Vec::new(),
            namespaces: Vec::new(),
            entities: Vec::new(),
            has_external_dtd: false,
            pending_text: String::new(),
            root: None,
            root_closed: false,
        }
    }

    /// Reads to the end; the root element's name if the XML is well-formed.
    fn run(mut self) -> Result<String, ScanError> {
        let mut buffer = Vec::new();
        let mut first = true;
        loop {
            buffer.clear();
            let event = match self.reader.read_event_into(&mut buffer) {
                Ok(event) => event,
                Err(quick_xml::Error::Io(error)) => {
                    return Err(ScanError::Io(io::Error::new(
                        error.kind(),
                        error.to_string(),
                    )));
                }
                Err(_) => return Err(Malformed.into()),
            };
            if !matches!(event, Event::Text(_) | Event::GeneralRef(_)) {
                self.flush_text();
            }
            match event {
                Event::Decl(_) if first => {}
                Event::Decl(_) => return Err(Malformed.into()),
                Event::Start(start) => self.open_element(&start)?,
                Event::Empty(start) => {
                    self.open_element(&start)?;
                    self.close_element();
                }
                Event::End(_) => self.close_element(),
                Event::Text(text) => self.text(&text)?,
                Event::CData(data) => {
                    check_chars(&data)?;
                    self.inside_root()?;
                    self.add_text(&data);
                }
                Event::GeneralRef(reference) => self.reference(&reference)?,
                Event::Comment(comment) => check_chars(&comment)?,
                Event::PI(instruction) => {
                    check_chars(&instruction)?;
                    if instruction
                        .target()
                        .to_ascii_lowercase()
                        .contains("xml-stylesheet")
                    {
                        self.outcome
                            .found("upload-scripted-pi-callback", Vec::new());
                    }
                }
                Event::DocType(doctype) => {
                    if self.root.is_some() {
                        return Err(Malformed.into());
                    }
                    self.doctype(&doctype)?;
                }
                Event::Eof => {
                    return match (self.root.take(), self.root_closed) {
                        (Some(root), true) => Ok(root),
                        _ => Err(Malformed.into()),
                    };
                }
            }
            first = false;
        }
    }

    /// Text, CDATA and references belong inside the root element.
    fn inside_root(&self) -> Result<(), Malformed> {
        if self.open.is_empty() {
            Err(Malformed)
        } else {
            Ok(())
        }
    }

    fn text(&mut self, text: &str) -> Result<(), Malformed> {
        check_chars(text)?;
        if text.contains("]]>") {
            return Err(Malformed);
        }
        if self.open.is_empty() {
            // Outside the root only whitespace may stand.
            return if text.bytes().all(|byte| byte.is_ascii_whitespace()) {
                Ok(())
            } else {
                Err(Malformed)
            };
        }
        self.pending_text.push_str(text);
        Ok(())
    }

    fn reference(&mut self, reference: &quick_xml::events::BytesRef) -> Result<(), Malformed> {
        self.inside_root()?;
        if reference.is_char_ref() {
            let character = reference
                .resolve_char_ref()
                .ok()
                .flatten()
                .ok_or(Malformed)?;
            check_chars(character.encode_utf8(&mut [0u8; 4]))?;
            self.pending_text.push(character);
            return Ok(());
        }
        // An undeclared entity with an unread external DTD is skipped.
        if let Some(replacement) = self.resolve_entity(reference, 0)? {
            if replacement.contains('<') {
                // Markup inside an entity: beyond this scanner.
                return Err(Malformed);
            }
            self.pending_text.push_str(&replacement);
        }
        Ok(())
    }

    /// An entity's replacement text, references in it expanded; `None` for
    /// an undeclared entity that the external DTD may declare.
    fn resolve_entity(&self, name: &str, depth: usize) -> Result<Option<String>, Malformed> {
        let predefined = match name {
            "lt" => Some("<"),
            "gt" => Some(">"),
            "amp" => Some("&"),
            "apos" => Some("'"),
            "quot" => Some("\""),
            _ => None,
        };
        if let Some(text) = predefined {
            return Ok(Some(text.to_owned()));
        }
        let Some((_, value)) = self.entities.iter().find(|(entity, _)| entity == name) else {
            return if self.has_external_dtd {
                Ok(None)
            } else {
                Err(Malformed)
            };
        };
        if depth > 8 {
            return Err(Malformed);
        }
        self.expand_references(value, depth + 1).map(Some)
    }

    /// Expands the references in a replacement text or attribute value.
    fn expand_references(&self, text: &str, depth: usize) -> Result<String, Malformed> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let after = &rest[amp + 1..];
            let end = after.find(';').ok_or(Malformed)?;
            let name = &after[..end];
            if let Some(number) = name.strip_prefix('#') {
                let codepoint = match number.strip_prefix('x') {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => number.parse::<u32>(),
                }
                .map_err(|_| Malformed)?;
                let character = char::from_u32(codepoint).ok_or(Malformed)?;
                check_chars(character.encode_utf8(&mut [0u8; 4]))?;
                out.push(character);
            } else if let Some(replacement) = self.resolve_entity(name, depth)? {
                out.push_str(&replacement);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Adds text to the open element, if it keeps its text.
    fn add_text(&mut self, text: &str) {
        if let Some(Some(element_text)) = self.open.last_mut().map(|element| element.text.as_mut())
        {
            // XmlTypeCheck trims each text node before appending it.
            element_text.push_str(text.trim_matches(PHP_TRIM));
        }
    }

    /// Ends the current text node.
    fn flush_text(&mut self) {
        if !self.pending_text.is_empty() {
            let text = std::mem::take(&mut self.pending_text);
            if let Some(observer) = self.observer.as_deref_mut() {
                observer.text(&text, self.open.len().saturating_sub(1));
            }
            self.add_text(&text);
        }
    }

    fn open_element(&mut self, start: &BytesStart) -> Result<(), Malformed> {
        if self.root_closed {
            return Err(Malformed);
        }
        let qname = start.name().as_ref().to_owned();
        check_name(&qname)?;
        let mut raw_attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|_| Malformed)?;
            let name = attribute.key.as_ref().to_owned();
            check_name(&name)?;
            let value = self.attribute_value(&attribute.value)?;
            raw_attributes.push((name, value));
        }
        let mut bindings = 0;
        for (name, value) in &raw_attributes {
            let prefix = if name == "xmlns" {
                ""
            } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                prefix
            } else {
                continue;
            };
            self.namespaces.push((prefix.to_owned(), value.clone()));
            bindings += 1;
        }
        let (namespace, local) = self.resolve_name(&qname, true);
        let (namespace, local) = (namespace.unwrap_or_default().to_owned(), local.to_owned());
        let name = self.expand_name(&qname, true);
        let mut attributes: Vec<(String, String)> = Vec::new();
        for (raw_name, value) in raw_attributes {
            if raw_name == "xmlns" || raw_name.starts_with("xmlns:") {
                continue;
            }
            let expanded = self.expand_name(&raw_name, false);
            // Two prefixes for one namespace: libxml only warns, and
            // XmlTypeCheck's array keeps the first place, the last value.
            match attributes.iter_mut().find(|(other, _)| *other == expanded) {
                Some((_, earlier)) => *earlier = value,
                None => attributes.push((expanded, value)),
            }
        }
        let keeps_text = local_part(&name.to_ascii_lowercase()) == "style";
        if self.root.is_none() {
            self.root = Some(name.clone());
        }
        let element = OpenElement {
            name,
            namespace,
            local,
            attributes,
            text: keeps_text.then(String::new),
            bindings,
        };
        if let Some(observer) = self.observer.as_deref_mut() {
            observer.start(&element, self.open.len());
        }
        self.open.push(element);
        Ok(())
    }

    fn close_element(&mut self) {
        let Some(element) = self.open.pop() else {
            return;
        };
        self.namespaces
            .truncate(self.namespaces.len() - element.bindings);
        if self.open.is_empty() {
            self.root_closed = true;
        }
        if let Some(observer) = self.observer.as_deref_mut() {
            observer.end(&element, self.open.len());
        }
        check_svg_element(self.outcome, &element);
    }

    /// An attribute value with its references expanded and its whitespace
    /// characters normalized to spaces.
    fn attribute_value(&self, raw: &str) -> Result<String, Malformed> {
        check_chars(raw)?;
        if raw.contains('<') {
            return Err(Malformed);
        }
        let normalized = raw.replace("\r\n", " ").replace(['\t', '\n', '\r'], " ");
        self.expand_references(&normalized, 0)
    }

    /// `namespace:local` for a bound prefix (or default namespace for
    /// elements); the name as written otherwise, as XMLReader reports it.
    fn expand_name(&self, qname: &str, is_element: bool) -> String {
        match self.resolve_name(qname, is_element) {
            (Some(uri), local) => format!("{uri}:{local}"),
            (None, _) => qname.to_owned(),
        }
    }

    /// The namespace URI of a name (if bound and not empty) and its local
    /// part.
    fn resolve_name<'n>(&self, qname: &'n str, is_element: bool) -> (Option<&str>, &'n str) {
        let (prefix, local) = match qname.split_once(':') {
            Some((prefix, local)) => (prefix, local),
            None if is_element => ("", qname),
            None => return (None, qname),
        };
        let namespace = if prefix == "xml" {
            Some(XML_NAMESPACE)
        } else {
            self.namespaces
                .iter()
                .rev()
                .find(|(bound, _)| bound == prefix)
                .map(|(_, uri)| uri.as_str())
        };
        (namespace.filter(|uri| !uri.is_empty()), local)
    }

    /// The DOCTYPE: `parseDTD`, the external DTD filter and the safety rules
    /// for the internal subset (only simple entities, comments and one
    /// graphviz ATTLIST).
    fn doctype(&mut self, doctype: &str) -> Result<(), Malformed> {
        static DTD: LazyLock<Regex> = LazyLock::new(|| {
            regex(concat!(
                r#"(?s)^<!DOCTYPE\s*\S+\s*"#,
                r#"(?:(?P<typepublic>PUBLIC)\s*"#,
                r#"(?:"(?P<pubquote>[^"]*)"|'(?P<pubapos>[^']*)')"#,
                r#"\s*"(?P<pubsysquote>[^"]*)"|'(?P<pubsysapos>[^']*)'"#,
                r#"|(?P<typesystem>SYSTEM)\s*"#,
                r#"(?:"(?P<sysquote>[^"]*)"|'(?P<sysapos>[^']*)')"#,
                r#")?\s*(?:\[\s*(?P<internal>.*)\])?\s*>$"#,
            ))
        });
        static SAFE_SUBSET: LazyLock<Regex> = LazyLock::new(|| {
            regex(concat!(
                r#"^(?:\s*<!ENTITY\s+\S+\s+"#,
                r#"(?:"(?:&[^"%&;]{1,64};|(?:[^"%&]|&amp;|&quot;){0,255})""#,
                r#"|'(?:&[^"%&;]{1,64};|(?:[^'%&]|&amp;|&apos;){0,255})')\s*>"#,
                r#"|\s*<!--(?:[^-]|-[^-])*-->"#,
                r#"|\s*<!ATTLIST svg xmlns:xlink CDATA #FIXED "http://www.w3.org/1999/xlink">)*\s*$"#,
            ))
        });
        static ENTITY: LazyLock<Regex> =
            LazyLock::new(|| regex(r#"<!ENTITY\s+(\S+)\s+(?:"([^"]*)"|'([^']*)')\s*>"#));
        check_chars(doctype)?;
        let text = serialize_doctype(doctype).ok_or(Malformed)?;
        let parsed = DTD.captures(text.as_bytes()).ok_or(Malformed)?;
        let group = |name: &str| {
            parsed
                .name(name)
                .map(|found| String::from_utf8_lossy(found.as_bytes()).into_owned())
        };
        let kind = group("typepublic").or_else(|| group("typesystem"));
        if let Some(kind) = kind {
            self.has_external_dtd = true;
            let public_id = group("pubquote")
                .or_else(|| group("pubapos"))
                .unwrap_or_default();
            let system_id = ["pubsysquote", "pubsysapos", "sysquote", "sysapos"]
                .into_iter()
                .find_map(group)
                .unwrap_or_default();
            if !is_standard_svg_dtd(&kind, &public_id, &system_id) {
                self.outcome.found("upload-scripted-dtd", Vec::new());
            }
        }
        if let Some(internal) = parsed
            .name("internal")
            .filter(|internal| !internal.is_empty())
        {
            if !SAFE_SUBSET.is_match(internal.as_bytes()) {
                return Err(Malformed);
            }
            for entity in ENTITY.captures_iter(internal.as_bytes()) {
                let value = entity
                    .get(2)
                    .or_else(|| entity.get(3))
                    .map_or(&b""[..], |value| value.as_bytes());
                self.entities.push((
                    String::from_utf8_lossy(&entity[1]).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                ));
            }
        }
        Ok(())
    }
}

/// The DOCTYPE (after `<!DOCTYPE`) as libxml writes it back for
/// `readOuterXml`, which is what MediaWiki's patterns see: identifiers in
/// double quotes, one space between the parts. `None` if it does not parse.
fn serialize_doctype(doctype: &str) -> Option<String> {
    fn quoted(text: &str) -> Option<(&str, &str)> {
        let quote = text
            .chars()
            .next()
            .filter(|quote| matches!(quote, '"' | '\''))?;
        let end = text[1..].find(quote)? + 1;
        Some((&text[1..end], &text[end + 1..]))
    }
    fn requote(value: &str) -> String {
        if value.contains('"') {
            format!("'{value}'")
        } else {
            format!("\"{value}\"")
        }
    }
    let name_end = doctype
        .find(|c: char| c.is_ascii_whitespace() || c == '[')
        .unwrap_or(doctype.len());
    let (name, mut rest) = doctype.split_at(name_end);
    if name.is_empty() {
        return None;
    }
    let mut out = format!("<!DOCTYPE {name}");
    rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix("PUBLIC") {
        let (public_id, after) = quoted(after.trim_start())?;
        let (system_id, after) = quoted(after.trim_start())?;
        out.push_str(&format!(
            " PUBLIC {} {}",
            requote(public_id),
            requote(system_id)
        ));
        rest = after.trim_start();
    } else if let Some(after) = rest.strip_prefix("SYSTEM") {
        let (system_id, after) = quoted(after.trim_start())?;
        out.push_str(&format!(" SYSTEM {}", requote(system_id)));
        rest = after.trim_start();
    }
    if let Some(after) = rest.strip_prefix('[') {
        let end = after.rfind(']')?;
        if !after[end + 1..].trim().is_empty() {
            return None;
        }
        let internal = after[..end].trim();
        if !internal.is_empty() {
            out.push_str(&format!(" [\n{internal}\n]"));
        }
    } else if !rest.is_empty() {
        return None;
    }
    out.push('>');
    Some(out)
}

/// `checkSvgExternalDTD`: only the W3C's SVG DTDs may be named.
fn is_standard_svg_dtd(kind: &str, public_id: &str, system_id: &str) -> bool {
    const ALLOWED: &[&str] = &[
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
        "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-basic.dtd",
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11-tiny.dtd",
        "http://www.w3.org/TR/2001/PR-SVG-20010719/DTD/svg10.dtd",
    ];
    kind == "PUBLIC" && ALLOWED.contains(&system_id) && public_id.starts_with("-//W3C//")
}

/// Characters XML 1.0 does not allow anywhere.
fn check_chars(text: &str) -> Result<(), Malformed> {
    let allowed = |character: char| matches!(character, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    if text.chars().all(allowed) {
        Ok(())
    } else {
        Err(Malformed)
    }
}

/// The start of an XML name: no digit, `-` or `.`.
fn check_name(name: &str) -> Result<(), Malformed> {
    match name.chars().next() {
        Some(first) if !first.is_ascii_digit() && first != '-' && first != '.' => Ok(()),
        _ => Err(Malformed),
    }
}

/// The part after the last colon (`stripXmlNamespace`).
fn local_part(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The characters PHP's `trim()` removes.
const PHP_TRIM: &[char] = &[' ', '\t', '\n', '\r', '\0', '\u{0b}'];

// ---------------------------------------------------------------------------
// The SVG filters (UploadBase::checkSvgScriptCallback)

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
fn check_svg_element(outcome: &mut XmlOutcome, element: &OpenElement) {
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
fn is_hostile_css(css: &str) -> bool {
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
fn normalize_css(css: &str) -> String {
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

// ---------------------------------------------------------------------------
// Helpers

/// A byte-level regex (PHP's PCRE without `/u`); the patterns are constant.
fn regex(pattern: &str) -> Regex {
    match Regex::new(&format!("(?-u){pattern}")) {
        Ok(regex) => regex,
        Err(error) => panic!("invalid built-in pattern {pattern}: {error}"),
    }
}

/// A regex over text (PCRE with `/u`); the patterns are constant.
fn text_regex(pattern: &str) -> regex::Regex {
    match regex::Regex::new(pattern) {
        Ok(regex) => regex,
        Err(error) => panic!("invalid built-in pattern {pattern}: {error}"),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The English messages, as MediaWiki 1.39's `en.json` has them.
fn message_template(key: &str) -> &'static str {
    match key {
        "empty-file" => "The file you submitted was empty.",
        "filetype-badmime" => "Files of the MIME type \"$1\" are not allowed to be uploaded.",
        "filetype-bad-ie-mime" => {
            "Cannot upload this file because Internet Explorer would detect it as \"$1\", \
             which is a disallowed and potentially dangerous file type."
        }
        "uploadscripted" => {
            "This file contains HTML or script code that may be erroneously interpreted by a web browser."
        }
        "filetype-mime-mismatch" => {
            "File extension \".$1\" does not match the detected MIME type of the file ($2)."
        }
        "uploadinvalidxml" => "The XML in the uploaded file could not be parsed.",
        "uploadscriptednamespace" => {
            "This SVG file contains an illegal namespace \"<nowiki>$1</nowiki>\"."
        }
        "upload-scripted-pi-callback" => {
            "Cannot upload a file that contains XML-stylesheet processing instruction."
        }
        "upload-scripted-dtd" => {
            "Cannot upload SVG files that contain a non-standard DTD declaration."
        }
        "uploaded-script-svg" => "Found scriptable element \"$1\" in the uploaded SVG file.",
        "uploaded-hostile-svg" => "Found unsafe CSS in the style element of uploaded SVG file.",
        "uploaded-event-handler-on-svg" => {
            "Setting event-handler attributes <code>$1=\"$2\"</code> is not allowed in SVG files."
        }
        "uploaded-href-attribute-svg" => {
            "<a> elements can only link (href) to data: (embedded file), http:// or https://, \
             or fragment (#, same-document) targets. For other elements, such as <image>, \
             only data: and fragment are allowed. Try embedding images when exporting your SVG. \
             Found <code>&lt;$1 $2=\"$3\"&gt;</code>."
        }
        "uploaded-href-unsafe-target-svg" => {
            "Found href to unsafe data: URI target <code>&lt;$1 $2=\"$3\"&gt;</code> in the uploaded SVG file."
        }
        "uploaded-animate-svg" => {
            "Found \"animate\" tag that might be changing href, using the \"from\" attribute \
             <code>&lt;$1 $2=\"$3\"&gt;</code> in the uploaded SVG file."
        }
        "uploaded-setting-event-handler-svg" => {
            "Setting event-handler attributes is blocked, found <code>&lt;$1 $2=\"$3\"&gt;</code> \
             in the uploaded SVG file."
        }
        "uploaded-setting-href-svg" => {
            "Using the \"set\" tag to add \"href\" attribute to parent element is blocked."
        }
        "uploaded-wrong-setting-svg" => {
            "Using the \"set\" tag to add a remote/data/script target to any attribute is blocked. \
             Found <code>&lt;set to=\"$1\"&gt;</code> in the uploaded SVG file."
        }
        "uploaded-setting-handler-svg" => {
            "SVG that sets the \"handler\" attribute with remote/data/script is blocked. \
             Found <code>$1=\"$2\"</code> in the uploaded SVG file."
        }
        "uploaded-remote-url-svg" => {
            "SVG that sets any style attribute with remote URL is blocked. \
             Found <code>$1=\"$2\"</code> in the uploaded SVG file."
        }
        "uploaded-image-filter-svg" => {
            "Found image filter with URL: <code>&lt;$1 $2=\"$3\"&gt;</code> in the uploaded SVG file."
        }
        _ => "",
    }
}

// MediaWiki's MimeMap (1.39): MIME type then its extensions, the first being
// the canonical one; a type may continue on the next line.
const MIME_EXTENSIONS: &str = "\
application/ogg ogx ogg ogm ogv oga spx opus
application/pdf pdf
application/vnd.ms-opentype otf
application/vnd.oasis.opendocument.chart odc
application/vnd.oasis.opendocument.chart-template otc
application/vnd.oasis.opendocument.database odb
application/vnd.oasis.opendocument.formula odf
application/vnd.oasis.opendocument.formula-template otf
application/vnd.oasis.opendocument.graphics odg
application/vnd.oasis.opendocument.graphics-template otg
application/vnd.oasis.opendocument.image odi
application/vnd.oasis.opendocument.image-template oti
application/vnd.oasis.opendocument.presentation odp
application/vnd.oasis.opendocument.presentation-template otp
application/vnd.oasis.opendocument.spreadsheet ods
application/vnd.oasis.opendocument.spreadsheet-template ots
application/vnd.oasis.opendocument.text odt
application/vnd.oasis.opendocument.text-master otm odm
application/vnd.oasis.opendocument.text-template ott
application/vnd.oasis.opendocument.text-web oth
application/javascript js
application/x-shockwave-flash swf
audio/midi mid midi kar
audio/mpeg mpga mpa mp2 mp3
audio/x-aiff aif aiff aifc
audio/x-wav wav
audio/ogg oga spx ogg opus
audio/opus opus ogg oga spx
image/x-bmp bmp
image/gif gif
image/jpeg jpeg jpg jpe jps
image/png png apng
image/svg+xml svg
image/svg svg
image/tiff tiff tif
image/vnd.djvu djvu djv
image/x.djvu djvu
image/x-djvu djvu
image/x-portable-pixmap ppm
image/x-xcf xcf
text/plain txt
text/html html htm
video/ogg ogv ogm ogg
video/mpeg mpg mpeg mpe
application/acad dwg
application/andrew-inset ez
application/mac-binhex40 hqx
application/mac-compactpro cpt
application/mathml+xml mathml
application/msword doc dot
application/octet-stream bin dms lha lzh exe class so dll
application/oda oda
application/postscript ai eps ps
application/rdf+xml rdf
application/smil smi smil
application/srgs gram
application/srgs+xml grxml
application/vnd.mif mif
application/vnd.ms-excel xls xlt xla
application/vnd.ms-powerpoint ppt pot pps ppa
application/vnd.wap.wbxml wbxml
application/vnd.wap.wmlc wmlc
application/vnd.wap.wmlscriptc wmlsc
application/voicexml+xml vxml
application/x-7z-compressed 7z
application/x-bcpio bcpio
application/x-bzip bz
application/x-bzip2 bz2
application/x-cdlink vcd
application/x-chess-pgn pgn
application/x-cpio cpio
application/x-csh csh
application/x-dia-diagram dia
application/x-director dcr dir dxr
application/x-dvi dvi
application/x-futuresplash spl
application/x-gtar gtar tar
application/x-gzip gz
application/x-hdf hdf
application/x-jar jar
application/json json
application/x-koan skp skd skt skm
application/x-latex latex
application/x-netcdf nc cdf
application/x-sh sh
application/x-shar shar
application/x-stuffit sit
application/x-sv4cpio sv4cpio
application/x-sv4crc sv4crc
application/x-tar tar
application/x-tcl tcl
application/x-tex tex
application/x-texinfo texinfo texi
application/x-troff t tr roff
application/x-troff-man man
application/x-troff-me me
application/x-troff-ms ms
application/x-ustar ustar
application/x-wais-source src
application/x-xpinstall xpi
application/xhtml+xml xhtml xht
application/xslt+xml xslt
application/xml xml xsl xsd kml
application/xml-dtd dtd
application/zip zip jar xpi sxc stc sxd std sxi sti sxm stm sxw stw
application/x-rar rar
font/sfnt ttf
application/font-sfnt ttf
font/woff woff
application/font-woff woff
font/woff2 woff2
application/font-woff2 woff2
application/vnd.ms-fontobject eot
application/x-font-ttf ttf
audio/basic au snd
video/webm webm
audio/webm webm
audio/x-matroska mka mkv
audio/x-mpegurl m3u
audio/x-ogg oga ogg spx opus
audio/x-pn-realaudio ram rm
audio/x-pn-realaudio-plugin rpm
audio/x-realaudio ra
audio/wav wav
audio/x-flac flac
audio/flac flac
chemical/x-pdb pdb
chemical/x-xyz xyz
image/bmp bmp
image/cgm cgm
image/ief ief
image/jp2 jp2 j2k jpg2
image/jpx jpf jpx
image/vnd.microsoft.icon ico
image/vnd.wap.wbmp wbmp
image/webp webp
image/x-cmu-raster ras
image/x-icon ico
image/x-jps jps
image/x-ms-bmp bmp
image/x-portable-anymap pnm
image/x-portable-bitmap pbm
image/x-portable-graymap pgm
image/x-rgb rgb
image/x-photoshop psd
image/x-xbitmap xbm
image/x-xpixmap xpm
image/x-xwindowdump xwd
model/iges igs iges
model/mesh msh mesh silo
model/vrml wrl vrml
text/calendar ics ifb
text/css css
text/csv csv
text/richtext rtx
text/rtf rtf
text/sgml sgml sgm
text/tab-separated-values tsv
text/vnd.wap.wml wml
text/vnd.wap.wmlscript wmls
text/xml xml xsl xslt rss rdf
text/x-component htc
text/x-less less
text/x-setext etx
text/x-sawfish jl
video/mp4 mp4 m4a m4p m4b m4r m4v
audio/mp4 m4a
video/quicktime qt mov
video/vnd.mpegurl mxu
video/x-flv flv
video/x-matroska mkv mka
video/x-msvideo avi
video/x-ogg ogv ogm ogg
video/x-sgi-movie movie
x-conference/x-cooltalk ice
application/vnd.openxmlformats-officedocument.wordprocessingml.document docx
application/vnd.openxmlformats-officedocument.wordprocessingml.template dotx
application/vnd.ms-word.document.macroenabled.12 docm
application/vnd.ms-word.template.macroenabled.12 dotm
application/vnd.openxmlformats-officedocument.presentationml.template potx
application/vnd.openxmlformats-officedocument.presentationml.slideshow ppsx
application/vnd.openxmlformats-officedocument.presentationml.presentation pptx
application/vnd.ms-powerpoint.addin.macroenabled.12 ppam
application/vnd.ms-powerpoint.presentation.macroenabled.12 pptm potm
application/vnd.ms-powerpoint.slideshow.macroenabled.12 ppsm
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet xlsx
application/vnd.openxmlformats-officedocument.spreadsheetml.template xltx
application/vnd.ms-excel.sheet.macroenabled.12 xlsm
application/vnd.ms-excel.template.macroenabled.12 xltm
application/vnd.ms-excel.addin.macroenabled.12 xlam
application/vnd.ms-excel.sheet.binary.macroenabled.12 xlsb
model/vnd.dwfx+xps dwfx
application/vnd.ms-xpsdocument xps
chemical/x-mdl-molfile mol
chemical/x-mdl-sdfile sdf
chemical/x-mdl-rxnfile rxn
chemical/x-mdl-rdfile rd
chemical/x-mdl-rgfile rg
application/x-amf amf
application/sla stl
application/wasm wasm
application/x-opc+zip docx dotx docm dotm potx ppsx pptx ppam pptm potm ppsm xlsx xltx xlsm
application/x-opc+zip xltm xlam xlsb dwfx xps
application/vnd.oasis.opendocument odt ott odg otg odp otp ods ots odc otc odi oti odf otf
application/vnd.oasis.opendocument odm oth";

// Media type then MIME types; the first line listing a type decides.
const MEDIA_TYPES: &str = "\
OFFICE application/pdf application/vnd.oasis.opendocument.chart
OFFICE application/vnd.oasis.opendocument.chart-template
OFFICE application/vnd.oasis.opendocument.database
OFFICE application/vnd.oasis.opendocument.formula
OFFICE application/vnd.oasis.opendocument.formula-template
OFFICE application/vnd.oasis.opendocument.graphics
OFFICE application/vnd.oasis.opendocument.graphics-template
OFFICE application/vnd.oasis.opendocument.image
OFFICE application/vnd.oasis.opendocument.image-template
OFFICE application/vnd.oasis.opendocument.presentation
OFFICE application/vnd.oasis.opendocument.presentation-template
OFFICE application/vnd.oasis.opendocument.spreadsheet
OFFICE application/vnd.oasis.opendocument.spreadsheet-template
OFFICE application/vnd.oasis.opendocument.text
OFFICE application/vnd.oasis.opendocument.text-template
OFFICE application/vnd.oasis.opendocument.text-master
OFFICE application/vnd.oasis.opendocument.text-web application/acrobat application/msword
OFFICE application/vnd.ms-excel application/vnd.ms-powerpoint application/x-director
OFFICE image/vnd.djvu image/x.djvu image/x-djvu text/rtf
OFFICE application/vnd.openxmlformats-officedocument.wordprocessingml.document
OFFICE application/vnd.openxmlformats-officedocument.wordprocessingml.template
OFFICE application/vnd.ms-word.document.macroenabled.12
OFFICE application/vnd.ms-word.template.macroenabled.12
OFFICE application/vnd.openxmlformats-officedocument.presentationml.template
OFFICE application/vnd.openxmlformats-officedocument.presentationml.slideshow
OFFICE application/vnd.openxmlformats-officedocument.presentationml.presentation
OFFICE application/vnd.ms-powerpoint.addin.macroenabled.12
OFFICE application/vnd.ms-powerpoint.presentation.macroenabled.12
OFFICE application/vnd.ms-powerpoint.slideshow.macroenabled.12
OFFICE application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
OFFICE application/vnd.openxmlformats-officedocument.spreadsheetml.template
OFFICE application/vnd.ms-excel.sheet.macroenabled.12
OFFICE application/vnd.ms-excel.template.macroenabled.12
OFFICE application/vnd.ms-excel.addin.macroenabled.12
OFFICE application/vnd.ms-excel.sheet.binary.macroenabled.12
EXECUTABLE application/javascript text/javascript application/x-javascript
EXECUTABLE application/x-ecmascript text/ecmascript application/x-bash application/x-sh
EXECUTABLE application/x-csh application/x-tcsh application/x-tcl application/x-perl
EXECUTABLE application/x-python application/wasm
MULTIMEDIA application/x-shockwave-flash application/ogg audio/ogg video/ogg
MULTIMEDIA application/x-ogg audio/x-ogg video/x-ogg audio/x-pn-realaudio-plugin model/iges
MULTIMEDIA model/mesh model/vrml video/quicktime video/x-msvideo
AUDIO audio/midi audio/x-aiff audio/x-wav audio/mp3 audio/mpeg audio/mpeg3 audio/mp4
AUDIO audio/wav audio/wave audio/mid audio/basic audio/ogg audio/opus audio/x-pn-realaudio
AUDIO audio/x-realaudio audio/webm audio/x-matroska audio/x-flac audio/flac
BITMAP image/x-bmp image/x-ms-bmp image/bmp image/gif image/jpeg image/png image/tiff
BITMAP image/vnd.djvu image/x-xcf image/x-portable-pixmap image/x-png image/ief image/x-jps
BITMAP image/pjpeg image/jp2 image/jpx image/xbm image/x-icon image/x-ico
BITMAP image/vnd.microsoft.icon image/x-rgb image/x-portable-graymap
BITMAP image/x-portable-greymap application/x-bmp application/bmp image/x-photoshop
BITMAP image/psd image/x-psd image/photoshop image/vnd.adobe.photoshop image/webp
DRAWING image/svg+xml application/svg+xml application/svg image/svg application/postscript
DRAWING application/x-latex application/x-tex application/x-dia-diagram application/acad
DRAWING application/x-acad application/autocad_dwg image/x-dwg application/dwg
DRAWING application/x-dwg application/x-autocad image/vnd.dwg drawing/dwg
DRAWING chemical/x-mdl-molfile chemical/x-mdl-sdfile chemical/x-mdl-rxnfile
DRAWING chemical/x-mdl-rdfile chemical/x-mdl-rgfile
TEXT text/plain text/html application/xhtml+xml application/xml text/xml text
TEXT application/json text/csv text/tab-separated-values
VIDEO video/ogg video/mpeg application/mpeg video/x-sgi-video video/x-flv video/webm
VIDEO video/x-matroska video/mp4
UNKNOWN unknown/unknown application/octet-stream application/x-empty
ARCHIVE application/zip application/x-zip application/x-gzip application/x-bzip
ARCHIVE application/x-bzip2 application/x-tar application/x-stuffit application/x-opc+zip
ARCHIVE application/x-7z-compressed
3D application/sla";

// Alias then canonical name.
const MIME_TYPE_ALIASES: &str = "\
text/javascript application/javascript
application/x-javascript application/javascript
audio/mpeg audio/mp3
audio/ogg application/ogg
video/ogg application/ogg
image/x-ms-bmp image/x-bmp
image/bmp image/x-bmp
application/octet-stream unknown/unknown
application/x-empty unknown/unknown
image/x-png image/png
image/pjpeg image/jpeg
image/x-ico image/x-icon
image/vnd.microsoft.icon image/x-icon
image/x-portable-greymap image/x-portable-graymap
application/x-bmp image/x-bmp
application/bmp image/x-bmp
image/psd image/x-photoshop
image/x-psd image/x-photoshop
image/photoshop image/x-photoshop
image/vnd.adobe.photoshop image/x-photoshop
application/svg+xml image/svg+xml
application/svg image/svg+xml
image/svg image/svg+xml
audio/mp3 audio/mpeg
audio/mpeg3 audio/mpeg
audio/x-wav audio/wav
audio/wave audio/wav
audio/mid audio/midi
application/mpeg video/mpeg
application/x-ogg application/ogg
audio/x-ogg application/ogg
video/x-ogg application/ogg
application/xhtml+xml text/html
text/xml application/xml
application/x-zip application/zip
application/x-ecmascript application/javascript
text/ecmascript application/javascript
application/acrobat application/pdf
image/x.djvu image/vnd.djvu
image/x-djvu image/vnd.djvu
application/x-acad application/acad
application/autocad_dwg application/acad
image/x-dwg application/acad
application/dwg application/acad
application/x-dwg application/acad
application/x-autocad application/acad
image/vnd.dwg application/acad
drawing/dwg application/acad
image/jpeg2000 image/jp2
image/jpeg2000-image image/jp2
image/x-jpeg2000-image image/jp2";

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/files")
            .join(name)
    }

    fn verify(name: &str, ext: &str) -> Result<Verified, VerificationError> {
        let path = fixture(name);
        let size = std::fs::metadata(&path).expect("fixture exists").len();
        verify_file(&path, size, ext, &VerifyConfig::default())
    }

    fn chunk(name: &str, ext: &str) -> Result<(), VerificationError> {
        verify_chunk(&fixture(name), ext, &VerifyConfig::default())
    }

    fn details(result: Result<impl std::fmt::Debug, VerificationError>) -> Vec<String> {
        match result {
            Err(VerificationError::Refused(refusal)) => refusal
                .details()
                .unwrap_or_else(|| vec![refusal.key().to_owned()]),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    fn accepted(name: &str, ext: &str) -> (String, &'static str) {
        let verified = verify(name, ext).expect("accepted");
        (verified.mime, verified.media_type)
    }

    /// The reference wiki's answers (transcripts 11, 16, 17, 18, 60), for
    /// files made the way record.py makes them.
    #[test]
    fn answers_as_the_reference_wiki_transcripts_show() {
        // 18: zero bytes.
        match verify("empty.txt", "txt") {
            Err(VerificationError::Refused(refusal)) => {
                assert_eq!(refusal.code(), "empty-file");
                assert_eq!(refusal.text(), "The file you submitted was empty.");
                assert_eq!(refusal.details(), None);
            }
            other => panic!("{other:?}"),
        }
        // 16 and 60: an MZ header, with or without the .exe name.
        let exe = ["filetype-bad-ie-mime", "application/x-msdownload"];
        assert_eq!(details(verify("program.exe", "exe")), exe);
        assert_eq!(details(chunk("program.exe", "exe")), exe);
        // 16: content first, then (elsewhere) the name.
        assert_eq!(
            details(verify("tiny.png", "zip")),
            ["filetype-mime-mismatch", "zip", "image/png"]
        );
        assert_eq!(
            details(verify("tiny.png", "exe")),
            ["filetype-mime-mismatch", "exe", "image/png"]
        );
        assert_eq!(
            accepted("tiny.png", "png"),
            ("image/png".to_owned(), "BITMAP")
        );
        assert_eq!(
            accepted("archive.zip", "zip"),
            ("application/zip".to_owned(), "ARCHIVE")
        );
        assert_eq!(
            accepted("nul.bin", "vxd"),
            ("unknown/unknown".to_owned(), "UNKNOWN")
        );
        // 17: mismatches and HTML named .txt.
        assert_eq!(
            details(verify("tiny.png", "jpg")),
            ["filetype-mime-mismatch", "jpg", "image/png"]
        );
        assert_eq!(
            details(verify("notes.txt", "png")),
            ["filetype-mime-mismatch", "png", "text/plain"]
        );
        assert_eq!(
            details(verify("html.txt", "txt")),
            ["filetype-badmime", "text/html"]
        );
        // 11: what imageinfo then reports.
        assert_eq!(
            accepted("notes.txt", "txt"),
            ("text/plain".to_owned(), "TEXT")
        );
        assert_eq!(
            accepted("clean.svg", "svg"),
            ("image/svg+xml".to_owned(), "DRAWING")
        );
        assert_eq!(
            accepted("tiny.gif", "gif"),
            ("image/gif".to_owned(), "BITMAP")
        );
        assert_eq!(
            accepted("tiny.pdf", "pdf"),
            ("application/pdf".to_owned(), "OFFICE")
        );
    }

    /// MediaWiki 1.39.17's UploadBase::verifyUpload and verifyPartialFile run
    /// on these very fixtures gave these answers (full check, chunk check).
    #[test]
    fn answers_as_mediawiki_does_for_each_kind_of_content() {
        let scripted = ["uploadscripted"];
        let cases: &[(&str, &str, &[&str], &[&str])] = &[
            (
                "pre.txt",
                "txt",
                &["filetype-bad-ie-mime", "text/html"],
                &["filetype-bad-ie-mime", "text/html"],
            ),
            (
                "html-in-png.png",
                "png",
                &["filetype-bad-ie-mime", "text/html"],
                &["filetype-bad-ie-mime", "text/html"],
            ),
            (
                "xml-decl.txt",
                "txt",
                &["filetype-badmime", "application/xml"],
                &["filetype-badmime", "application/xml"],
            ),
            (
                "javascript-url.txt",
                "txt",
                &["filetype-badmime", "text/html"],
                &["filetype-badmime", "text/html"],
            ),
            (
                "utf16-html.txt",
                "txt",
                &["filetype-badmime", "text/html"],
                &["filetype-badmime", "text/html"],
            ),
            (
                "table.csv.txt",
                "txt",
                &["filetype-mime-mismatch", "txt", "text/csv"],
                &[],
            ),
            (
                "data.json.txt",
                "txt",
                &["filetype-mime-mismatch", "txt", "application/json"],
                &[],
            ),
            (
                "script.sh.txt",
                "txt",
                &["filetype-mime-mismatch", "txt", "application/x-sh"],
                &[],
            ),
            (
                "nul.bin",
                "png",
                &["filetype-mime-mismatch", "png", "unknown/unknown"],
                &[],
            ),
            (
                "applet.jar",
                "zip",
                &["filetype-badmime", "application/java"],
                &["filetype-badmime", "application/java"],
            ),
            (
                "clean.svg",
                "png",
                &["filetype-bad-ie-mime", "text/xml"],
                &["filetype-bad-ie-mime", "text/xml"],
            ),
            (
                "clean.svg",
                "xml",
                &["filetype-bad-ie-mime", "application/xml"],
                &["filetype-bad-ie-mime", "application/xml"],
            ),
            ("script.svg", "svg", &scripted, &scripted),
            ("utf7.svg", "svg", &scripted, &scripted),
            ("malformed.svg", "svg", &["uploadinvalidxml"], &[]),
            (
                "handler.svg",
                "svg",
                &["uploaded-script-svg", "handler"],
                &["uploaded-script-svg", "handler"],
            ),
            (
                "iframe.svg",
                "svg",
                &["uploaded-script-svg", "iframe"],
                &["uploaded-script-svg", "iframe"],
            ),
            (
                "onload.svg",
                "svg",
                &["uploaded-event-handler-on-svg", "onload", "alert(1)"],
                &["uploaded-event-handler-on-svg", "onload", "alert(1)"],
            ),
            // The last finding is the one reported.
            (
                "last-finding.svg",
                "svg",
                &["uploaded-event-handler-on-svg", "onload", "alert(2)"],
                &["uploaded-event-handler-on-svg", "onload", "alert(2)"],
            ),
            (
                "external-image.svg",
                "svg",
                &[
                    "uploaded-href-attribute-svg",
                    "image",
                    "http://www.w3.org/1999/xlink:href",
                    "https://example.org/x.png",
                ],
                &[
                    "uploaded-href-attribute-svg",
                    "image",
                    "http://www.w3.org/1999/xlink:href",
                    "https://example.org/x.png",
                ],
            ),
            (
                "data-html.svg",
                "svg",
                &[
                    "uploaded-href-unsafe-target-svg",
                    "image",
                    "http://www.w3.org/1999/xlink:href",
                    "data:text/html;base64,phnjcmlwdd4=",
                ],
                &[
                    "uploaded-href-unsafe-target-svg",
                    "image",
                    "http://www.w3.org/1999/xlink:href",
                    "data:text/html;base64,phnjcmlwdd4=",
                ],
            ),
            (
                "style-import.svg",
                "svg",
                &["uploaded-hostile-svg"],
                &["uploaded-hostile-svg"],
            ),
            (
                "font-face-remote.svg",
                "svg",
                &["uploaded-hostile-svg"],
                &["uploaded-hostile-svg"],
            ),
            (
                "style-attribute.svg",
                "svg",
                &[
                    "uploaded-remote-url-svg",
                    "style",
                    "fill: url(https://example.org/x)",
                ],
                &[
                    "uploaded-remote-url-svg",
                    "style",
                    "fill: url(https://example.org/x)",
                ],
            ),
            (
                "fill-url.svg",
                "svg",
                &[
                    "uploaded-remote-url-svg",
                    "fill",
                    "url(http://example.org/#x)",
                ],
                &[
                    "uploaded-remote-url-svg",
                    "fill",
                    "url(http://example.org/#x)",
                ],
            ),
            (
                "xhtml.svg",
                "svg",
                &["uploadscriptednamespace", "http://www.w3.org/1999/xhtml"],
                &["uploadscriptednamespace", "http://www.w3.org/1999/xhtml"],
            ),
            (
                "stylesheet-pi.svg",
                "svg",
                &["upload-scripted-pi-callback"],
                &["upload-scripted-pi-callback"],
            ),
            (
                "doctype-system.svg",
                "svg",
                &["upload-scripted-dtd"],
                &["upload-scripted-dtd"],
            ),
            (
                "set-href.svg",
                "svg",
                &["uploaded-setting-href-svg"],
                &["uploaded-setting-href-svg"],
            ),
            (
                "set-to.svg",
                "svg",
                &["uploaded-wrong-setting-svg", "url(data:x)"],
                &["uploaded-wrong-setting-svg", "url(data:x)"],
            ),
            (
                "set-onclick.svg",
                "svg",
                &[
                    "uploaded-setting-event-handler-svg",
                    "set",
                    "attributename",
                    "onclick",
                ],
                &[
                    "uploaded-setting-event-handler-svg",
                    "set",
                    "attributename",
                    "onclick",
                ],
            ),
            (
                "animate-href.svg",
                "svg",
                &[
                    "uploaded-animate-svg",
                    "animate",
                    "attributeName",
                    "xlink:href",
                ],
                &[
                    "uploaded-animate-svg",
                    "animate",
                    "attributeName",
                    "xlink:href",
                ],
            ),
            (
                "image-filter.svg",
                "svg",
                &[
                    "uploaded-image-filter-svg",
                    "image",
                    "filter",
                    "url(http://example.org/f",
                ],
                &[
                    "uploaded-image-filter-svg",
                    "image",
                    "filter",
                    "url(http://example.org/f",
                ],
            ),
            (
                "handler-attribute.svg",
                "svg",
                &["uploaded-setting-handler-svg", "handler", "data:x"],
                &["uploaded-setting-handler-svg", "handler", "data:x"],
            ),
        ];
        for (name, ext, full, partial) in cases {
            assert_eq!(details(verify(name, ext)), *full, "{name} as .{ext}");
            if partial.is_empty() {
                assert!(chunk(name, ext).is_ok(), "{name} as .{ext}, chunk");
            } else {
                assert_eq!(
                    details(chunk(name, ext)),
                    *partial,
                    "{name} as .{ext}, chunk"
                );
            }
        }
    }

    #[test]
    fn accepts_what_mediawiki_accepts_with_its_logical_mime_type() {
        let cases = [
            ("tiny.png", "PNG", "image/png", "BITMAP"),
            ("tiny.png", "", "image/png", "BITMAP"),
            ("exif.jpg", "jpeg", "image/jpeg", "BITMAP"),
            ("lossy.webp", "webp", "image/webp", "BITMAP"),
            ("animated.webp", "webp", "image/webp", "BITMAP"),
            ("notes.txt", "csv", "text/csv", "TEXT"),
            ("nul.bin", "txt", "text/plain", "TEXT"),
            ("table.csv.txt", "csv", "text/csv", "TEXT"),
            ("data.json.txt", "json", "application/json", "TEXT"),
            (
                "document.docx",
                "docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "OFFICE",
            ),
            ("document.docx", "zip", "application/zip", "ARCHIVE"),
            ("inkscape-entities.svg", "svg", "image/svg+xml", "DRAWING"),
            ("latin1.svg", "svg", "image/svg+xml", "DRAWING"),
            ("data-png.svg", "svg", "image/svg+xml", "DRAWING"),
            ("font-face-data.svg", "svg", "image/svg+xml", "DRAWING"),
            ("sized.svg", "svg", "image/svg+xml", "DRAWING"),
        ];
        for (name, ext, mime, media_type) in cases {
            assert_eq!(
                accepted(name, ext),
                (mime.to_owned(), media_type),
                "{name} as .{ext}"
            );
        }
    }

    /// Transcript 32: text named .png passes chunk by chunk (its stash key
    /// ending in .csv), and fails only once assembled.
    #[test]
    fn chunks_of_text_named_png_pass_until_assembled() -> io::Result<()> {
        let text = "text, not a png R27e782a-fv1-17\n".repeat(200);
        let (first, rest) = text.as_bytes().split_at(2048);
        let config = VerifyConfig::default();
        let mut first_chunk = tempfile::NamedTempFile::new()?;
        io::Write::write_all(&mut first_chunk, first)?;
        assert!(verify_chunk(first_chunk.path(), "png", &config).is_ok());
        let stash_mime = sniff_mime(first_chunk.path(), &config)?;
        assert_eq!(stash_mime.as_deref(), Some("text/csv"));
        assert_eq!(
            stash_mime.as_deref().and_then(canonical_extension),
            Some("csv")
        );
        let mut second_chunk = tempfile::NamedTempFile::new()?;
        io::Write::write_all(&mut second_chunk, rest)?;
        assert!(verify_chunk(second_chunk.path(), "csv", &config).is_ok());
        let mut assembled = tempfile::NamedTempFile::new()?;
        io::Write::write_all(&mut assembled, text.as_bytes())?;
        let result = verify_file(assembled.path(), text.len() as u64, "png", &config);
        assert_eq!(
            details(result),
            ["filetype-mime-mismatch", "png", "text/csv"]
        );
        Ok(())
    }

    #[test]
    fn sniffs_the_bytes_alone() -> io::Result<()> {
        let config = VerifyConfig::default();
        let sniff = |name: &str| sniff_mime(&fixture(name), &config);
        assert_eq!(sniff("tiny.png")?.as_deref(), Some("image/png"));
        assert_eq!(sniff("exif.jpg")?.as_deref(), Some("image/jpeg"));
        assert_eq!(sniff("clean.svg")?.as_deref(), Some("image/svg+xml"));
        assert_eq!(sniff("malformed.svg")?.as_deref(), Some("image/svg+xml"));
        assert_eq!(sniff("program.exe")?, None);
        assert_eq!(sniff("nul.bin")?, None);
        assert_eq!(canonical_extension("image/jpeg"), Some("jpeg"));
        assert_eq!(canonical_extension("image/pjpeg"), Some("jpeg"));
        assert_eq!(canonical_extension("unknown/unknown"), None);
        Ok(())
    }

    #[test]
    fn messages_carry_their_parameters_in_mediawikis_markup() {
        let refusal = Refusal::new(
            "uploaded-href-attribute-svg",
            vec![
                "image".into(),
                "http://www.w3.org/1999/xlink:href".into(),
                "https://example.org/x.png".into(),
            ],
        );
        assert_eq!(refusal.code(), "verification-error");
        assert!(
            refusal
                .text()
                .starts_with("<a> elements can only link (href) to data:")
        );
        assert!(refusal.text().ends_with(
            "Found <code>&lt;image http://www.w3.org/1999/xlink:href=\"https://example.org/x.png\"&gt;</code>."
        ));
        let dollar = Refusal::new(
            "filetype-mime-mismatch",
            vec!["$2".into(), "text/plain".into()],
        );
        assert_eq!(
            dollar.text(),
            "File extension \".$2\" does not match the detected MIME type of the file (text/plain)."
        );
        let ie = Refusal::new(
            "filetype-bad-ie-mime",
            vec!["application/x-msdownload".into()],
        );
        assert_eq!(
            ie.text(),
            "Cannot upload this file because Internet Explorer would detect it as \"application/x-msdownload\", \
             which is a disallowed and potentially dangerous file type."
        );
    }

    #[test]
    fn css_checks_follow_mediawikis_patterns() {
        assert!(!is_hostile_css("fill: url(#a)"));
        assert!(!is_hostile_css("fill: url( '#a' )"));
        assert!(is_hostile_css("fill: url(#a) url(http://x)"));
        // MediaWiki's pattern lets this one through; so do we.
        assert!(!is_hostile_css("fill: url(http://x) url(#a)"));
        assert!(is_hostile_css("a { -o-link: x }"));
        assert!(is_hostile_css(&normalize_css(
            r"a { fill: \75rl(http://x) }"
        )));
        assert!(is_hostile_css(&normalize_css(
            "a { fill: url/**/(http://x) }"
        )));
        assert!(!is_hostile_css(&normalize_css("/* just a comment */")));
    }

    #[test]
    fn ie_sniffing_trusts_images_only_from_ie7_on() {
        let png_with_html = b"\x89PNG\r\n\x1a\n<html>";
        let found: Vec<&str> = IE_VERSIONS
            .iter()
            .map(|version| ie_translate(ie_sniff(*version, png_with_html, "image/png")))
            .collect();
        assert_eq!(
            found,
            [
                "text/html",
                "text/html",
                "image/png",
                "image/png",
                "image/png"
            ]
        );
        // Types IE does not know are left as they are.
        assert_eq!(
            ie_sniff(IE_VERSIONS[0], b"<html>", "image/svg+xml"),
            "image/svg+xml"
        );
    }

    #[test]
    fn built_in_patterns_compile() {
        assert!(chunk_has_script(b"<script>"));
        assert!(declaration_is_unsafe(b"<?xml version=\"1.0\" encoding=\"utf-7\"?>") == Some(true));
        assert!(
            source_encoding(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>").is_some()
        );
        assert!(is_stl(b"solid x\n", b"\nendsolid x\n", 20));
        assert_eq!(
            shebang_type(b"#!/bin/sh\n").as_deref(),
            Some("application/x-sh")
        );
        assert_eq!(text_magic_type(b"hi <title>x</title>"), "text/html");
    }
}
