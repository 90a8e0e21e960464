use super::ie::{IE_VERSIONS, ie_sniff, ie_translate};
use super::mime::{is_stl, shebang_type, text_magic_type};
use super::script::declaration_is_unsafe;
use super::svg::{is_hostile_css, normalize_css};
use super::xml::{scan_xml, source_encoding};
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
    let mut scan = ScriptScan::new();
    scan.feed(b"<script>");
    assert!(scan.finish());
    assert!(declaration_is_unsafe(b"<?xml version=\"1.0\" encoding=\"utf-7\"?>") == Some(true));
    assert!(source_encoding(b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a/>").is_some());
    assert!(is_stl(b"solid x\n", b"\nendsolid x\n", 20));
    assert_eq!(
        shebang_type(b"#!/bin/sh\n").as_deref(),
        Some("application/x-sh")
    );
    assert_eq!(text_magic_type(b"hi <title>x</title>"), "text/html");
}

/// `verify_file` on bytes named `.svg`.
fn verify_svg(bytes: &[u8]) -> Result<Verified, VerificationError> {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    io::Write::write_all(&mut file, bytes).expect("written");
    verify_file(
        file.path(),
        bytes.len() as u64,
        "svg",
        &VerifyConfig::default(),
    )
}

/// An SVG declaring `&a;` as 250 characters, with `body` inside its root.
fn entity_svg(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY a \"{}\">\n]>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\">{body}</svg>\n",
        "x".repeat(250)
    )
}

/// Counts what the scanner reads, to show where it stops.
struct CountingReader<'b> {
    bytes: &'b [u8],
    read: usize,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let count = (&self.bytes[self.read..]).read(out)?;
        self.read += count;
        Ok(count)
    }
}

/// Issue 10 (1): 30 MB of `&a;` once expanded to gigabytes. The expansion
/// has a budget; past it the XML is unparseable, as libxml makes it, and
/// the scan stops there, long before the end of the file.
#[test]
fn entity_expansion_is_refused_past_its_budget() -> io::Result<()> {
    let text = entity_svg(&format!("<text>{}</text>", "&a;".repeat(10_000_000)));
    assert!(text.len() > 30_000_000);
    assert_eq!(details(verify_svg(text.as_bytes())), ["uploadinvalidxml"]);
    let mut reader = CountingReader {
        bytes: text.as_bytes(),
        read: 0,
    };
    let outcome = scan_xml(&mut reader, text.as_bytes(), None)?;
    assert!(!outcome.well_formed);
    // 10 MB of expansion is 40,000 references: about 120 KB of the file.
    assert!(reader.read < 1_000_000, "read {} bytes", reader.read);

    // The same in an attribute value (6 MB of references).
    let attribute = entity_svg(&format!("<g id=\"{}\"/>", "&a;".repeat(2_000_000)));
    assert_eq!(
        details(verify_svg(attribute.as_bytes())),
        ["uploadinvalidxml"]
    );
    Ok(())
}

#[test]
fn entity_expansion_within_the_budget_is_accepted() {
    // 9.5 MB expanded, in text and in attributes; then just over 10 MB.
    let within = entity_svg(&format!(
        "<text>{}</text><g id=\"{}\"/>",
        "&a;".repeat(30_000),
        "&a;".repeat(8_000)
    ));
    assert_eq!(
        verify_svg(within.as_bytes()).expect("accepted").mime,
        "image/svg+xml"
    );
    let over = entity_svg(&format!("<text>{}</text>", "&a;".repeat(40_001)));
    assert_eq!(details(verify_svg(over.as_bytes())), ["uploadinvalidxml"]);
    // A chain of entities counts once, where the document uses it.
    let chain = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY b \"{}\">\n<!ENTITY a \"&b;\">\n]>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\"><text>{}</text></svg>\n",
        "y".repeat(250),
        "&a;".repeat(39_000)
    );
    assert!(verify_svg(chain.as_bytes()).is_ok());
}

/// Issue 10 (2): 100,000 attributes on one element cost minutes when each
/// was compared with all before it. Duplicates are found in linear time,
/// and an element may have at most 1,024 attributes.
#[test]
fn attributes_are_checked_in_linear_time_and_capped() {
    let attributes =
        |count: usize| -> String { (0..count).map(|n| format!(" a{n}=\"1\"")).collect() };
    let svg = |attributes: &str| {
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><g{attributes}/></svg>")
    };
    assert!(verify_svg(svg(&attributes(1024)).as_bytes()).is_ok());
    assert_eq!(
        details(verify_svg(svg(&attributes(1025)).as_bytes())),
        ["uploadinvalidxml"]
    );
    assert_eq!(
        details(verify_svg(svg(&attributes(100_000)).as_bytes())),
        ["uploadinvalidxml"]
    );
    // A name given twice is not XML (libxml: "Attribute a1 redefined").
    assert_eq!(
        details(verify_svg(svg(" a1=\"1\" b=\"2\" a1=\"3\"").as_bytes())),
        ["uploadinvalidxml"]
    );
    // Two prefixes of one namespace are one attribute, the last value kept.
    let two_prefixes = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:p=\"urn:x\" \
         xmlns:q=\"urn:x\"><g p:onload=\"\" q:onload=\"alert(1)\"/></svg>";
    assert_eq!(
        details(verify_svg(two_prefixes.as_bytes())),
        ["uploaded-event-handler-on-svg", "urn:x:onload", "alert(1)"]
    );
}

/// Namespace bindings are looked up by prefix, however many are in scope,
/// and end with their element.
#[test]
fn namespace_bindings_end_with_their_element() {
    let bindings: String = (0..1000)
        .map(|n| format!(" xmlns:p{n}=\"urn:{n}\""))
        .collect();
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><g{bindings}><g xmlns=\"http://www.w3.org/1999/xhtml\"/></g>\
         <g/></svg>"
    );
    assert_eq!(
        details(verify_svg(svg.as_bytes())),
        ["uploadscriptednamespace", "http://www.w3.org/1999/xhtml"]
    );
    let rebound = "<svg xmlns=\"http://www.w3.org/2000/svg\"><g xmlns=\"urn:inner\"/><g/></svg>";
    assert_eq!(
        details(verify_svg(rebound.as_bytes())),
        ["uploadscriptednamespace", "urn:inner"]
    );
}
