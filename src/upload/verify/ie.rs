//! Internet Explorer's MIME sniffing (IEContentAnalyzer, 1.39 only).

/// The IE versions MediaWiki simulates: 5, 6, 7, and 7 in two modes.
#[derive(Debug, Clone, Copy)]
pub(super) struct IeVersion {
    ie7: bool,
    strict: bool,
    no_html: bool,
}

pub(super) const IE_VERSIONS: [IeVersion; 5] = [
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
pub(super) fn ie_sniff<'a>(version: IeVersion, sample: &[u8], proposed: &'a str) -> &'a str {
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
pub(super) fn ie_translate(mime: &str) -> &str {
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
