//! What each fuzz target checks, as plain functions: the cargo-fuzz
//! targets (fuzz_targets/, libFuzzer) call them, and so does the stable
//! test `tests/api/fuzz_checks.rs`, which feeds them seeded random and
//! mutated inputs for a bounded number of cases.

use std::io::Write;

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt, stream};
use wikiupload::api::RawParams;
use wikiupload::api::multipart_framing::normalize_framing;
use wikiupload::pages::title::Title;
use wikiupload::upload::verify::{VerifyConfig, verify_file};

const BOUNDARY: &str = "fuzzboundary";

/// The multipart framing (`normalize_framing`, PHP's lenient framing in
/// front of multer) and multer itself on arbitrary bodies, cut into pieces
/// at arbitrary points: they must answer, never panic, and a body already
/// framed with CRLF must come out byte for byte.
pub fn multipart_framing(input: &[u8]) {
    // The first byte picks where the body is cut into pieces.
    let Some((&cut, body)) = input.split_first() else {
        return;
    };
    let step = usize::from(cut.max(1));
    let pieces: Vec<Result<Bytes, std::convert::Infallible>> = body
        .chunks(step)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let framed = normalize_framing(stream::iter(pieces.clone()), BOUNDARY);
    let out: Vec<u8> = framed
        .collect::<Vec<_>>()
        .now_or_never()
        .expect("a ready body is framed without waiting")
        .into_iter()
        .flat_map(|piece| match piece {
            Ok(bytes) => bytes.to_vec(),
            Err(never) => match never {},
        })
        .collect();
    let bare_lf = body
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || body[i - 1] != b'\r'));
    if !bare_lf {
        assert_eq!(out, body, "a CRLF body passes unchanged");
    }
    // multer reads whatever the framing gives, field by field.
    let stream = normalize_framing(stream::iter(pieces), BOUNDARY);
    let mut multipart = multer::Multipart::new(stream, BOUNDARY);
    async move {
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    }
    .now_or_never();
}

/// The parameter parser on arbitrary query strings: percent-decoding,
/// MediaWiki's input clean-up (NFC, controls replaced, `\x1f`
/// multi-values) and the bookkeeping of used and unused names. It must
/// never panic, and every value it keeps must be valid, cleaned text.
pub fn parameter_parser(input: &[u8]) {
    let query = String::from_utf8_lossy(input);
    let mut params = RawParams::from_query(&query);
    let _ = params.check_count();
    for name in params.unused() {
        let value = params.get(&name).map(|raw| raw.value.clone());
        if let Some(value) = value {
            assert!(!value.contains('\u{ffff}') && !value.contains('\u{fffe}'));
        }
    }
    assert!(params.unused().is_empty(), "every name read is used");
    let _ = params.php_array_names();
}

/// Title normalization on arbitrary text: page titles (namespaces,
/// underscores and spaces, case, what is no title) and upload file names
/// (MediaWiki's file-name rules). Both must answer, never panic.
pub fn title_normalization(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    if let Some(title) = Title::parse(&text, "Wiki") {
        let _ = title.prefixed_db_key("Wiki");
        let _ = title.text("Wiki");
        let _ = title.talk();
    }
    let allowed = ["png".to_owned(), "svg".to_owned()];
    let prohibited = ["exe".to_owned()];
    let _ = wikiupload::upload::title::name_upload(&text, None, &allowed, &prohibited);
}

/// The XML/SVG scanner on arbitrary bytes, as an upload named `.svg` meets
/// it (MIME detection, script sniffing, the XML scan and the SVG filters):
/// it must answer, never panic, and stay within its limits.
pub fn xml_svg_scanner(bytes: &[u8]) {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(bytes).expect("written");
    let config = VerifyConfig::default();
    for extension in ["svg", "xml"] {
        // Any answer will do; a refusal is as good as an acceptance.
        let _ = verify_file(file.path(), bytes.len() as u64, extension, &config);
    }
}
