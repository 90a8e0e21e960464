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
//!
//! The rooms: this module holds the verdict types ([`Verified`],
//! [`Refusal`]), the order of the checks and the open file (`Probe`);
//! `mime` detects the content type, `mime_map` holds MediaWiki's MIME
//! tables, `ie` simulates Internet Explorer's sniffing, `script` is
//! detectScript, `xml` the XML scanner and `svg` the SVG filters it runs.

mod ie;
mod mime;
mod mime_map;
mod scanner;
mod script;
mod svg;
#[cfg(test)]
mod tests;
mod xml;

use ie::{IE_VERSIONS, ie_sniff, ie_translate};
use mime_map::{
    canonical_mime, extension_agrees, extensions_of, improve_type_from_extension, media_type_entry,
    mime_from_extension,
};
use script::detect_script;
use xml::{XmlOutcome, scan_xml};

pub use scanner::ScriptScan;
pub(crate) use xml::{OpenElement, XmlObserver, observe_xml};

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

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
}

/// Up to `len` bytes from `offset`.
fn read_at(file: &mut File, offset: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.take(len).read_to_end(&mut bytes)?;
    Ok(bytes)
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
