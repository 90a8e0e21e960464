//! XML as XmlTypeCheck reads it, with UploadBase's SVG filters run on it.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::LazyLock;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use regex::bytes::Regex;

use super::svg::check_svg_element;
use super::{Endian, HEAD_SIZE, Refusal, read_at, regex};

/// What parsing a file as XML showed.
#[derive(Debug, Default)]
pub(super) struct XmlOutcome {
    pub(super) well_formed: bool,
    /// The root element, `namespace:local` (XmlTypeCheck::getRootElement).
    pub(super) root: String,
    /// The last finding of the SVG filters, which is the one MediaWiki keeps.
    svg_finding: Option<Refusal>,
    /// The last namespace the filters refused; it overrides other findings.
    pub(super) bad_namespace: Option<String>,
}

impl XmlOutcome {
    /// `detectScriptInSvg`'s answer for well-formed XML.
    pub(super) fn svg_refusal(&self) -> Option<Refusal> {
        match &self.bad_namespace {
            Some(namespace) => Some(Refusal::new(
                "uploadscriptednamespace",
                vec![namespace.clone()],
            )),
            None => self.svg_finding.clone(),
        }
    }

    pub(super) fn found(&mut self, key: &'static str, params: Vec<String>) {
        self.svg_finding = Some(Refusal::new(key, params));
    }
}

/// The file is not well-formed XML (or not XML we can read).
struct Malformed;

/// Parses the whole file (`head` is its start) the way XmlTypeCheck does,
/// running the SVG filters on every element, processing instruction and
/// DOCTYPE. I/O errors are errors; everything else is an outcome.
pub(super) fn scan_xml<R: Read>(
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
pub(super) enum SourceEncoding {
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
pub(super) fn source_encoding(head: &[u8]) -> Option<SourceEncoding> {
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

/// How much text a document's entities may expand to in all: libxml
/// refuses amplification beyond its 10 MB text limit (`XML_MAX_TEXT_LENGTH`),
/// and MediaWiki's DTD rules allow only entities of up to 255 characters.
const ENTITY_EXPANSION_BUDGET: usize = 10_000_000;
/// The most attributes one element may have; more is taken as unparseable
/// (libxml sets no limit, but no drawing needs that many).
const MAX_ATTRIBUTES_PER_ELEMENT: usize = 1024;

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
    pub(super) text: Option<String>,
    /// The prefixes this element bound (`""` for the default namespace).
    bound_prefixes: Vec<String>,
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
    /// In-scope namespace bindings: each prefix's URIs, innermost last.
    namespaces: HashMap<String, Vec<String>>,
    /// Internal entities of the DOCTYPE: name to replacement text.
    entities: HashMap<String, String>,
    /// How much text the document's own entities have expanded to so far.
    entity_expansion: usize,
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
            namespaces: HashMap::new(),
            entities: HashMap::new(),
            entity_expansion: 0,
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
    fn resolve_entity(&mut self, name: &str, depth: usize) -> Result<Option<String>, Malformed> {
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
        let Some(value) = self.entities.get(name).cloned() else {
            return if self.has_external_dtd {
                Ok(None)
            } else {
                Err(Malformed)
            };
        };
        if depth > 8 {
            return Err(Malformed);
        }
        let expanded = self.expand_references(&value, depth + 1)?;
        // Each entity is small, but a document may use one millions of
        // times: past the budget it counts as unparseable, as libxml's
        // amplification check makes it. (Counted where the document uses
        // it, not again for each entity in a chain.)
        if depth == 0 {
            self.entity_expansion += expanded.len();
            if self.entity_expansion > ENTITY_EXPANSION_BUDGET {
                return Err(Malformed);
            }
        }
        Ok(Some(expanded))
    }

    /// Expands the references in a replacement text or attribute value.
    fn expand_references(&mut self, text: &str, depth: usize) -> Result<String, Malformed> {
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
        let mut raw_names = HashSet::new();
        // quick-xml's own duplicate check compares each attribute with all
        // before it; this one is linear.
        for attribute in start.attributes().with_checks(false) {
            let attribute = attribute.map_err(|_| Malformed)?;
            let name = attribute.key.as_ref().to_owned();
            check_name(&name)?;
            if raw_attributes.len() == MAX_ATTRIBUTES_PER_ELEMENT || !raw_names.insert(name.clone())
            {
                return Err(Malformed);
            }
            let value = self.attribute_value(&attribute.value)?;
            raw_attributes.push((name, value));
        }
        let mut bound_prefixes = Vec::new();
        for (name, value) in &raw_attributes {
            let prefix = if name == "xmlns" {
                ""
            } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                prefix
            } else {
                continue;
            };
            self.namespaces
                .entry(prefix.to_owned())
                .or_default()
                .push(value.clone());
            bound_prefixes.push(prefix.to_owned());
        }
        let (namespace, local) = self.resolve_name(&qname, true);
        let (namespace, local) = (namespace.unwrap_or_default().to_owned(), local.to_owned());
        let name = self.expand_name(&qname, true);
        let mut attributes: Vec<(String, String)> = Vec::new();
        let mut places: HashMap<String, usize> = HashMap::new();
        for (raw_name, value) in raw_attributes {
            if raw_name == "xmlns" || raw_name.starts_with("xmlns:") {
                continue;
            }
            let expanded = self.expand_name(&raw_name, false);
            // Two prefixes for one namespace: libxml only warns, and
            // XmlTypeCheck's array keeps the first place, the last value.
            match places.get(&expanded) {
                Some(&place) => attributes[place].1 = value,
                None => {
                    places.insert(expanded.clone(), attributes.len());
                    attributes.push((expanded, value));
                }
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
            bound_prefixes,
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
        for prefix in &element.bound_prefixes {
            if let Some(uris) = self.namespaces.get_mut(prefix) {
                uris.pop();
            }
        }
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
    fn attribute_value(&mut self, raw: &str) -> Result<String, Malformed> {
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
                .get(prefix)
                .and_then(|uris| uris.last())
                .map(String::as_str)
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
                // The first declaration of a name is the one that counts.
                self.entities
                    .entry(String::from_utf8_lossy(&entity[1]).into_owned())
                    .or_insert_with(|| String::from_utf8_lossy(value).into_owned());
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
pub(super) fn local_part(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The characters PHP's `trim()` removes.
const PHP_TRIM: &[char] = &[' ', '\t', '\n', '\r', '\0', '\u{0b}'];
