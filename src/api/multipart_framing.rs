//! Lenient multipart framing: lets `multer` read every `multipart/form-data`
//! body that PHP (and so MediaWiki) reads.
//!
//! `multer` follows RFC 7578 to the letter: a delimiter is `\r\n--BOUNDARY`
//! and part headers end at `\r\n\r\n`. PHP's parser (`main/rfc1867.c`) is
//! older and looser, and real clients lean on that. pywikibot builds its
//! bodies with Python's `email.mime`, which frames everything with bare
//! `\n`, quotes the boundary in the header because it contains `=`
//! (`boundary="===============0123456789=="`) and writes `Content-disposition`;
//! its chunked uploads also put one extra `\r` before the closing delimiter
//! (the T132676 workaround) that PHP throws away. mwclient (requests),
//! mwn (form-data) and nodemw send ordinary CRLF framing.
//!
//! How PHP reads a body:
//!
//! - The boundary is taken from the first `boundary` in the Content-Type
//!   (case-insensitively), from the `=` on: a quoted value runs to the next
//!   `"`, an unquoted one to the next `,` or `;`.
//! - Lines end at `\n`; one `\r` in front of it is dropped. A delimiter line
//!   must be exactly `--BOUNDARY`: no transport padding. Lines that are not
//!   (a preamble, say) are skipped until one is.
//! - Header lines follow until an empty line (`\n` or `\r\n` alone). Names
//!   compare case-insensitively; a line starting with white space or lacking
//!   a `:` is glued to the previous header's value.
//! - Content runs up to the first `\n--BOUNDARY`, wherever it occurs and
//!   whatever follows it, and exactly one `\r` right before that `\n` is
//!   dropped too. So `\r\n--BOUNDARY` and `\n--BOUNDARY` both end content,
//!   and content never gains or loses any other byte.
//! - The next delimiter line is then searched for as above; `--BOUNDARY--`
//!   is not one, so the close marker simply ends the search. A body with no
//!   delimiter after the last part still yields its fields, but PHP flags
//!   the file as partial (`UPLOAD_ERR_PARTIAL`).
//!
//! [`normalize_framing`] rewrites the framing PHP accepts into the framing
//! `multer` wants, and nothing else: its only change is to insert a `\r`
//! before a bare `\n` that ends a delimiter (`\n--BOUNDARY`), a delimiter
//! line or a header line. A CRLF body comes out byte for byte as it went in.
//! Content is cut exactly where PHP cuts it, so a `\r` already in front of
//! a delimiter's `\n` is the one both parsers drop. After the close marker
//! (`--BOUNDARY--`) nothing is rewritten: `multer` stops reading there.
//!
//! Left to `multer`'s stricter rules (no client seen sends these): folded or
//! colon-less header lines, a line of junk after a delimiter (PHP skips to
//! the next delimiter line; `multer` fails), parts after the close marker
//! (PHP reads on), and a missing final delimiter, which `multer` reports as
//! an error instead of truncating. `multer` does accept transport padding
//! (`--BOUNDARY  \r\n`), which PHP does not.

use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, Stream, StreamExt};

/// Wraps a multipart body stream so that bare-LF framing (as PHP accepts it)
/// reaches multer as CRLF framing.
///
/// Content bytes pass through unchanged; memory stays bounded (only a
/// boundary-sized tail is held back). `boundary` is the bare boundary, as
/// `multer::parse_boundary` returns it. Errors of `body` are passed on as
/// they come.
pub fn normalize_framing<S, E>(
    body: S,
    boundary: &str,
) -> impl Stream<Item = Result<Bytes, E>> + Send
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Send + 'static,
{
    let framer = Framer::new(boundary);
    stream::unfold(Some((Box::pin(body), framer)), |state| async move {
        let (mut body, mut framer) = state?;
        loop {
            match body.next().await {
                Some(Ok(chunk)) => {
                    let out = framer.push(chunk);
                    if !out.is_empty() {
                        return Some((Ok(out), Some((body, framer))));
                    }
                }
                Some(Err(err)) => return Some((Err(err), Some((body, framer)))),
                None => {
                    let rest = framer.finish();
                    return (!rest.is_empty()).then_some((Ok(rest), None));
                }
            }
        }
    })
}

/// Where in the body the next byte is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Preamble or part content: only a delimiter ends it.
    Content,
    /// Just after `--BOUNDARY`, having seen `dashes` of a close marker `--`.
    Marker { dashes: u8 },
    /// The rest of a delimiter line that is not a close marker.
    DelimiterLine,
    /// A part's header lines; `line_len` bytes of the current one seen.
    Headers { line_len: usize },
    /// After the close marker.
    Epilogue,
}

/// The synchronous state machine behind [`normalize_framing`].
#[derive(Debug)]
struct Framer {
    /// `\n--BOUNDARY`: the delimiter as PHP searches for it.
    delimiter: Box<[u8]>,
    state: State,
    /// A tail of content that may be the start of a delimiter; shorter than
    /// `delimiter`. It always starts with `\n`.
    held: BytesMut,
    /// `held` starts with a `\n` that is not in the body: it lets a body that
    /// opens with `--BOUNDARY` be found by the same search, and is never sent.
    virtual_newline: bool,
    /// The last byte sent on (before `held`) was `\r`.
    after_cr: bool,
}

impl Framer {
    fn new(boundary: &str) -> Framer {
        let delimiter = [b"\n--", boundary.as_bytes()].concat().into_boxed_slice();
        Framer {
            delimiter,
            state: State::Content,
            held: BytesMut::from(&b"\n"[..]),
            virtual_newline: true,
            after_cr: false,
        }
    }

    /// Takes the next chunk of the body and returns what can be sent on.
    fn push(&mut self, chunk: Bytes) -> Bytes {
        let buf = if self.held.is_empty() {
            chunk
        } else {
            self.held.extend_from_slice(&chunk);
            self.held.split().freeze()
        };
        let skip = usize::from(self.virtual_newline);
        let mut out = Spliced::new(buf.clone(), skip);
        let end = self.scan(&buf, &mut out);
        self.virtual_newline &= end == 0;
        if let Some(&last) = buf.get(skip..end).and_then(<[u8]>::last) {
            self.after_cr = last == b'\r';
        }
        self.held.extend_from_slice(&buf[end..]);
        out.finish(end)
    }

    /// Sends on what is held back at the end of the body: it was content.
    fn finish(&mut self) -> Bytes {
        let skip = usize::from(std::mem::take(&mut self.virtual_newline));
        let held = self.held.split().freeze();
        held.slice(skip.min(held.len())..)
    }

    /// Walks `buf` through the states, noting in `out` where a `\r` goes in.
    /// Returns where the held-back tail starts (`buf.len()` if none).
    fn scan(&mut self, buf: &[u8], out: &mut Spliced) -> usize {
        let mut i = 0;
        while i < buf.len() {
            match self.state {
                State::Content => {
                    let Some(at) = find_delimiter(&buf[i..], &self.delimiter).map(|at| i + at)
                    else {
                        return buf.len();
                    };
                    if at + self.delimiter.len() > buf.len() {
                        // Only a prefix fits: wait for more before deciding.
                        return at;
                    }
                    let opening = self.virtual_newline && at == 0;
                    if !opening && !self.cr_before(buf, at) {
                        out.insert_cr(at);
                    }
                    i = at + self.delimiter.len();
                    self.state = State::Marker { dashes: 0 };
                }
                State::Marker { dashes } => {
                    if buf[i] == b'-' {
                        i += 1;
                        self.state = if dashes == 1 {
                            State::Epilogue
                        } else {
                            State::Marker { dashes: 1 }
                        };
                    } else {
                        self.state = State::DelimiterLine;
                    }
                }
                State::DelimiterLine => {
                    let Some(at) = find_newline(buf, i) else {
                        return buf.len();
                    };
                    if !self.cr_before(buf, at) {
                        out.insert_cr(at);
                    }
                    i = at + 1;
                    self.state = State::Headers { line_len: 0 };
                }
                State::Headers { line_len } => {
                    let Some(at) = find_newline(buf, i) else {
                        self.state = State::Headers {
                            line_len: line_len.saturating_add(buf.len() - i),
                        };
                        return buf.len();
                    };
                    let len = line_len.saturating_add(at - i);
                    let cr = self.cr_before(buf, at);
                    if !cr {
                        out.insert_cr(at);
                    }
                    i = at + 1;
                    // An empty line (`\r` alone counts, as in PHP) ends the headers.
                    self.state = if len == usize::from(cr) {
                        State::Content
                    } else {
                        State::Headers { line_len: 0 }
                    };
                }
                State::Epilogue => return buf.len(),
            }
        }
        buf.len()
    }

    /// Whether the body byte before `buf[at]` is `\r`.
    fn cr_before(&self, buf: &[u8], at: usize) -> bool {
        match at.checked_sub(1) {
            Some(prev) => buf[prev] == b'\r',
            None => self.after_cr,
        }
    }
}

/// Index of the first `\n` in `buf` at or after `from`.
fn find_newline(buf: &[u8], from: usize) -> Option<usize> {
    buf[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|at| from + at)
}

/// Index of the first place in `haystack` where `delimiter` (which starts
/// with `\n`) begins, or where a prefix of it runs to the end of `haystack`.
fn find_delimiter(haystack: &[u8], delimiter: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = find_newline(haystack, from) {
        let rest = &haystack[at..];
        let n = rest.len().min(delimiter.len());
        if rest[..n] == delimiter[..n] {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A chunk with `\r` bytes inserted: slices of the chunk where nothing
/// changes, so a chunk that needs no change is sent on without a copy.
struct Spliced {
    buf: Bytes,
    parts: Vec<Bytes>,
    from: usize,
}

impl Spliced {
    fn new(buf: Bytes, from: usize) -> Spliced {
        Spliced {
            buf,
            parts: Vec::new(),
            from,
        }
    }

    /// Puts a `\r` before `buf[at]`.
    fn insert_cr(&mut self, at: usize) {
        let from = self.from.min(at);
        self.parts.push(self.buf.slice(from..at));
        self.parts.push(Bytes::from_static(b"\r"));
        self.from = at;
    }

    /// Everything up to `end`, with the inserted bytes.
    fn finish(mut self, end: usize) -> Bytes {
        let from = self.from.min(end);
        self.parts.push(self.buf.slice(from..end));
        self.parts.retain(|part| !part.is_empty());
        match self.parts.len() {
            0 => Bytes::new(),
            1 => self.parts.swap_remove(0),
            _ => {
                let total = self.parts.iter().map(Bytes::len).sum();
                let mut joined = BytesMut::with_capacity(total);
                for part in &self.parts {
                    joined.extend_from_slice(part);
                }
                joined.freeze()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest, Sha1};
    use std::convert::Infallible;

    /// A captured body and the metadata saved beside it.
    macro_rules! fixture {
        ($name:literal) => {
            (
                $name,
                include_bytes!(concat!("../../tests/fixtures/multipart/", $name, ".body")),
                include_str!(concat!("../../tests/fixtures/multipart/", $name, ".json")),
            )
        };
    }

    /// Name, raw body, and metadata (Content-Type, and the parts PHP saw).
    const FIXTURES: &[(&str, &[u8], &str)] = &[
        fixture!("pywikibot_fields"),
        fixture!("pywikibot_upload"),
        fixture!("pywikibot_upload_trailing_cr"),
        fixture!("pywikibot_chunk_last"),
        fixture!("mwclient_upload"),
        fixture!("mwn_upload"),
        fixture!("nodemw_upload"),
    ];

    /// One part as multer hands it over.
    #[derive(Debug)]
    struct Part {
        name: Option<String>,
        filename: Option<String>,
        content_type: Option<String>,
        data: Bytes,
    }

    fn meta(json: &str) -> serde_json::Value {
        serde_json::from_str(json).expect("fixture metadata is JSON")
    }

    fn boundary_of(meta: &serde_json::Value) -> String {
        let content_type = meta["content_type"].as_str().expect("content_type");
        multer::parse_boundary(content_type).expect("boundary in content_type")
    }

    fn chunks_of(body: &[u8], cuts: &[usize]) -> Vec<Bytes> {
        let mut chunks = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([body.len()].iter()) {
            chunks.push(Bytes::copy_from_slice(&body[from..cut]));
            from = cut;
        }
        chunks
    }

    fn adapted(
        chunks: Vec<Bytes>,
        boundary: &str,
    ) -> impl Stream<Item = Result<Bytes, Infallible>> {
        normalize_framing(stream::iter(chunks.into_iter().map(Ok)), boundary)
    }

    async fn normalized(chunks: Vec<Bytes>, boundary: &str) -> Vec<u8> {
        let out: Vec<Result<Bytes, Infallible>> = adapted(chunks, boundary).collect().await;
        out.into_iter().flatten().flatten().collect()
    }

    async fn parse(chunks: Vec<Bytes>, boundary: &str) -> Result<Vec<Part>, multer::Error> {
        let mut multipart = multer::Multipart::new(adapted(chunks, boundary), boundary);
        let mut parts = Vec::new();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().map(str::to_owned);
            let filename = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let data = field.bytes().await?;
            parts.push(Part {
                name,
                filename,
                content_type,
                data,
            });
        }
        Ok(parts)
    }

    fn assert_like_php(fixture: &str, parts: &[Part], meta: &serde_json::Value) {
        let expected = meta["parts"].as_array().expect("parts");
        assert_eq!(parts.len(), expected.len(), "{fixture}: number of parts");
        for (part, want) in parts.iter().zip(expected) {
            let name = want["name"].as_str();
            assert_eq!(part.name.as_deref(), name, "{fixture}: part name");
            if let Some(value) = want["value"].as_str() {
                assert_eq!(part.data, value.as_bytes(), "{fixture}: value of {name:?}");
                assert_eq!(part.filename, None, "{fixture}: {name:?} is no file");
                continue;
            }
            assert_eq!(
                part.filename.as_deref(),
                want["filename"].as_str(),
                "{fixture}"
            );
            assert_eq!(
                part.content_type.as_deref(),
                want["content_type"].as_str(),
                "{fixture}"
            );
            assert_eq!(
                Some(part.data.len() as u64),
                want["length"].as_u64(),
                "{fixture}: file length"
            );
            let sha1 = hex::encode(Sha1::digest(&part.data));
            assert_eq!(
                Some(sha1.as_str()),
                want["sha1"].as_str(),
                "{fixture}: file sha1"
            );
        }
    }

    /// A small deterministic generator for cut points.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn without_cr(bytes: &[u8]) -> Vec<u8> {
        bytes.iter().copied().filter(|&b| b != b'\r').collect()
    }

    #[tokio::test]
    async fn fixtures_parse_as_php_parsed_them() {
        for &(name, body, json) in FIXTURES {
            let meta = meta(json);
            let boundary = boundary_of(&meta);
            let parts = parse(vec![Bytes::from_static(body)], &boundary).await;
            let parts = parts.unwrap_or_else(|err| panic!("{name}: {err}"));
            assert_like_php(name, &parts, &meta);
        }
    }

    #[tokio::test]
    async fn crlf_bodies_pass_unchanged() {
        let mut seen = 0;
        for &(name, body, json) in FIXTURES {
            let meta = meta(json);
            if meta["line_endings"] == "crlf" {
                seen += 1;
                let out = normalized(vec![Bytes::from_static(body)], &boundary_of(&meta)).await;
                assert!(out == body, "{name}: CRLF body changed");
            }
        }
        assert_eq!(seen, 3);
    }

    #[tokio::test]
    async fn lf_bodies_only_gain_cr_bytes() {
        for &(name, body, json) in FIXTURES {
            let boundary = boundary_of(&meta(json));
            let out = normalized(vec![Bytes::from_static(body)], &boundary).await;
            assert_eq!(without_cr(&out), without_cr(body), "{name}");
        }
    }

    #[tokio::test]
    async fn every_split_point_gives_the_same_bytes() {
        for &(name, body, json) in FIXTURES {
            let meta = meta(json);
            let boundary = boundary_of(&meta);
            let whole = normalized(vec![Bytes::from_static(body)], &boundary).await;
            for cut in 0..=body.len() {
                let out = normalized(chunks_of(body, &[cut]), &boundary).await;
                assert!(out == whole, "{name}: split at {cut} changed the output");
            }
        }
    }

    #[tokio::test]
    async fn many_small_chunks_parse_the_same() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for &(name, body, json) in FIXTURES {
            let meta = meta(json);
            let boundary = boundary_of(&meta);
            let whole = normalized(vec![Bytes::from_static(body)], &boundary).await;
            let bytewise: Vec<usize> = (1..body.len()).collect();
            assert!(
                normalized(chunks_of(body, &bytewise), &boundary).await == whole,
                "{name}"
            );
            for _ in 0..200 {
                let mut cuts = Vec::new();
                let mut at = 0;
                loop {
                    at += (xorshift(&mut seed) % 97) as usize;
                    if at >= body.len() {
                        break;
                    }
                    cuts.push(at);
                }
                let chunks = chunks_of(body, &cuts);
                assert!(
                    normalized(chunks.clone(), &boundary).await == whole,
                    "{name}: {cuts:?}"
                );
                let parts = parse(chunks, &boundary).await.expect("parses");
                assert_like_php(name, &parts, &meta);
            }
        }
    }

    #[tokio::test]
    async fn a_body_without_closing_delimiter_is_an_error() {
        for &(name, body, json) in FIXTURES {
            let boundary = boundary_of(&meta(json));
            let close = format!("--{boundary}--");
            let end = body
                .windows(close.len())
                .rposition(|w| w == close.as_bytes())
                .expect("close delimiter");
            // Cut before the close marker, and also inside the last part.
            for cut in [end, end - 1, end - 50] {
                let truncated = Bytes::copy_from_slice(&body[..cut]);
                let result = parse(vec![truncated], &boundary).await;
                assert!(result.is_err(), "{name}: cut at {cut} parsed as {result:?}");
            }
        }
    }

    async fn parse_one(body: &'static str) -> Result<Vec<Part>, multer::Error> {
        parse(vec![Bytes::from_static(body.as_bytes())], "B").await
    }

    fn values(parts: &[Part]) -> Vec<(&str, &[u8])> {
        parts
            .iter()
            .map(|p| (p.name.as_deref().unwrap_or(""), p.data.as_ref()))
            .collect()
    }

    #[tokio::test]
    async fn one_cr_before_a_delimiter_belongs_to_it() {
        let parts = parse_one(concat!(
            "--B\nContent-Disposition: form-data; name=\"a\"\n\nx\r\r\n",
            "--B\ncontent-disposition: form-data; name=\"b\"\n\n\r\n--B--",
        ))
        .await
        .expect("parses");
        assert_eq!(values(&parts), [("a", &b"x\r"[..]), ("b", b"")]);
    }

    #[tokio::test]
    async fn preamble_mixed_line_ends_and_empty_values() {
        let parts = parse_one(concat!(
            "preamble\n--B\nContent-Disposition: form-data; name=\"a\"\n\n\n",
            "--B\r\nContent-Disposition: form-data; name=\"b\"\r\n\nv\n",
            "--B--\n\nepilogue\n",
        ))
        .await
        .expect("parses");
        assert_eq!(values(&parts), [("a", &b""[..]), ("b", b"v")]);
    }

    #[tokio::test]
    async fn transport_padding_line_is_normalized_too() {
        // PHP would skip this part (its delimiter line must be exact); multer
        // allows the padding, and the bare LF must not stop it.
        let parts = parse_one("--B \t\nContent-Disposition: form-data; name=\"a\"\n\nx\n--B--\n")
            .await
            .expect("parses");
        assert_eq!(values(&parts), [("a", &b"x"[..])]);
    }

    #[tokio::test]
    async fn multer_alone_rejects_the_lf_bodies() {
        for &(name, body, json) in FIXTURES {
            let meta = meta(json);
            if meta["line_endings"] == "lf" {
                let boundary = boundary_of(&meta);
                let raw = stream::iter([Ok::<_, Infallible>(Bytes::from_static(body))]);
                let mut multipart = multer::Multipart::new(raw, boundary);
                let parsed = async {
                    while let Some(field) = multipart.next_field().await? {
                        field.bytes().await?;
                    }
                    Ok::<_, multer::Error>(())
                };
                assert!(parsed.await.is_err(), "{name}: multer read it unaided");
            }
        }
    }

    #[test]
    fn only_a_delimiter_prefix_is_held_back() {
        let mut framer = Framer::new("BOUNDARY");
        let head = framer.push(Bytes::from_static(
            b"--BOUNDARY\nContent-Disposition: form-data; name=\"f\"\n\n",
        ));
        assert_eq!(
            head,
            &b"--BOUNDARY\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"[..]
        );
        // Plain content goes on as it came, without a copy.
        let content = Bytes::from(vec![b'x'; 1 << 16]);
        let out = framer.push(content.clone());
        assert_eq!((out.as_ptr(), out.len()), (content.as_ptr(), content.len()));
        let out = framer.push(Bytes::from_static(b"yy\n--BOUNDAR"));
        assert_eq!(out, &b"yy"[..]);
        assert_eq!(framer.held, &b"\n--BOUNDAR"[..]);
        assert_eq!(
            framer.push(Bytes::from_static(b"Y--")),
            &b"\r\n--BOUNDARY--"[..]
        );
        // Past the close marker nothing changes.
        assert_eq!(framer.push(Bytes::from_static(b"\nx\n")), &b"\nx\n"[..]);
        assert!(framer.finish().is_empty());
    }

    #[tokio::test]
    async fn near_delimiters_in_content_stay_content() {
        let parts = parse_one(concat!(
            "--B\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\n\n",
            "\n--\n--b\r--B\nx--B\r\n-B\n",
            "\n--B--\n",
        ))
        .await
        .expect("parses");
        assert_eq!(
            values(&parts),
            [("f", &b"\n--\n--b\r--B\nx--B\r\n-B\n"[..])]
        );
    }

    #[tokio::test]
    async fn body_errors_are_passed_on() {
        let body = stream::iter([Ok(Bytes::from_static(b"--B\n")), Err("broken")]);
        let out: Vec<_> = normalize_framing(body, "B").collect().await;
        assert_eq!(out, [Ok(Bytes::from_static(b"--B\r\n")), Err("broken")]);
    }
}
