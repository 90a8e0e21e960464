//! detectScript's markers found in a stream: bytes are fed in pieces of any
//! size (a spool write, a chunk, a download buffer) and what is carried
//! between pieces is a small state that can be stored and resumed.
//!
//! MediaWiki lowercases the sample, decodes UTF-16 to ASCII, looks for HTML
//! markup (`<!DOCTYPE html`, `<body`, `<head`, `<html`, `<script`), decodes
//! character references and then looks for script types and `javascript:`
//! URLs. Here the markup patterns run on the bytes and the script patterns
//! on the lowercased text with its references decoded, each as a DFA that
//! is stepped only from the places where a match can begin (a `<`; a
//! `type`, `href`, `src`, `data` or `url`), which SIMD searches find. Text
//! without markup is skipped at memory speed, and the answer is the one a
//! whole-file search gives, wherever the pieces are cut.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use serde::{Deserialize, Serialize};

use super::Endian;
use super::script::{ascii_entity, html_codepoint};

/// Where a search stands in the stream: `None` between candidates, else
/// the DFA state (its id) inside one.
type SearchState = Option<u32>;

/// A scan of one file's bytes, fed in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptScan {
    /// The patterns' fingerprint when the scan began; a stored scan is
    /// resumable only by a build with the same patterns.
    patterns: u64,
    found: bool,
    /// The first byte, while it is not known whether the file is UTF-16.
    first_byte: Option<u8>,
    encoding: Option<Encoding>,
    /// UTF-16: the first half of a code unit that the next piece ends.
    odd_byte: Option<u8>,
    /// The markup patterns, on the bytes.
    markup: SearchState,
    /// The script patterns, on the text with its references decoded.
    script: SearchState,
    /// A character reference being read, if any.
    reference: Option<Reference>,
}

/// How the file's bytes become the text that is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Encoding {
    Bytes,
    /// UTF-16 by its byte order mark; only the ASCII characters are kept.
    Utf16 {
        big_endian: bool,
    },
}

/// A character reference after its `&`, as `Sanitizer::decodeCharReferences`
/// reads one. Its bytes are kept as literal text (what they are if it turns
/// out not to be a reference); a long one's are given to the script search
/// as they come, `before` being that search's state at the `&`, to start
/// again from with the decoded character if it is a reference after all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Reference {
    before: SearchState,
    /// The literal text not yet given to the search (none once it is long).
    literal: Vec<u8>,
    /// The literal text given to the search matched a pattern: found,
    /// unless it is a reference.
    literal_matched: bool,
    body: Body,
}

/// How much of a reference's text is kept before it goes to the search.
const KEPT_LITERAL: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Body {
    /// Just the `&`.
    Empty,
    /// `&#`.
    Hash,
    /// `&#x` or `&#` and digits; the value saturates, as PHP's does.
    Number {
        hex: bool,
        digits: usize,
        value: u64,
    },
    /// `&` and a name, lowercased (MediaWiki lowercases the sample first).
    Name(String),
}

/// How many bytes the search steps through at its start before it looks
/// for the next candidate instead: in markup, candidates are close together.
const STEPS_BEFORE_SEARCHING: usize = 16;

/// The longest name a reference can have and still be one of the ASCII
/// entities once lowercased (`commat`, `dollar`...).
const LONGEST_NAME: usize = 6;

impl Default for ScriptScan {
    fn default() -> ScriptScan {
        ScriptScan::new()
    }
}

impl ScriptScan {
    pub fn new() -> ScriptScan {
        ScriptScan {
            patterns: fingerprint(),
            found: false,
            first_byte: None,
            encoding: None,
            odd_byte: None,
            markup: None,
            script: None,
            reference: None,
        }
    }

    /// Whether this (stored) scan can go on in this build.
    pub fn is_resumable(&self) -> bool {
        self.patterns == fingerprint()
    }

    /// Whether a marker has been found already; more bytes change nothing.
    pub fn found(&self) -> bool {
        self.found
    }

    /// The next bytes of the file.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        if self.found || bytes.is_empty() {
            return;
        }
        let encoding = match self.encoding {
            Some(encoding) => encoding,
            None => {
                // The byte order mark decides, as in detectScript.
                let Some(first) = self.first_byte.or_else(|| bytes.first().copied()) else {
                    return;
                };
                let rest = if self.first_byte.is_some() {
                    bytes
                } else {
                    &bytes[1..]
                };
                let Some(&second) = rest.first() else {
                    self.first_byte = Some(first);
                    return;
                };
                let encoding = match [first, second] {
                    [0xfe, 0xff] => Encoding::Utf16 { big_endian: true },
                    [0xff, 0xfe] => Encoding::Utf16 { big_endian: false },
                    _ => Encoding::Bytes,
                };
                self.encoding = Some(encoding);
                if self.first_byte.take().is_some() {
                    self.feed_decoded_encoding(encoding, &[first]);
                }
                encoding
            }
        };
        if self.found {
            return;
        }
        if let Some(odd) = self.odd_byte.take() {
            self.feed_decoded_encoding(encoding, &[odd, bytes[0]]);
            bytes = &bytes[1..];
        }
        self.feed_decoded_encoding(encoding, bytes);
    }

    fn feed_decoded_encoding(&mut self, encoding: Encoding, bytes: &[u8]) {
        match encoding {
            Encoding::Bytes => self.feed_text(bytes),
            Encoding::Utf16 { big_endian } => {
                let whole = bytes.len() / 2 * 2;
                if whole < bytes.len() {
                    self.odd_byte = Some(bytes[whole]);
                }
                let endian = if big_endian {
                    Endian::Big
                } else {
                    Endian::Little
                };
                self.feed_text(&super::script::utf16_ascii_only(&bytes[..whole], endian));
            }
        }
    }

    /// The end of the file: whether detectScript finds a marker.
    pub fn finish(mut self) -> bool {
        if self.found {
            return true;
        }
        if let Some(first) = self.first_byte.take() {
            self.feed_text(&[first]);
            if self.found {
                return true;
            }
        }
        // A reference without its `;` is literal text.
        if let Some(reference) = self.reference.take()
            && (reference.literal_matched || SCRIPT.feed(&mut self.script, &reference.literal))
        {
            return true;
        }
        MARKUP.ends_in_match(self.markup) || SCRIPT.ends_in_match(self.script)
    }

    /// Text (ASCII-compatible bytes) after the decoding of UTF-16.
    fn feed_text(&mut self, text: &[u8]) {
        if self.found || MARKUP.feed(&mut self.markup, text) {
            self.found = true;
            return;
        }
        // Lowercased, as MediaWiki does before decoding references, so that
        // the keywords are found by a case-sensitive (SIMD) search.
        let mut lowered = [0u8; 16 * 1024];
        for block in text.chunks(lowered.len()) {
            let lowered = &mut lowered[..block.len()];
            lowered.copy_from_slice(block);
            lowered.make_ascii_lowercase();
            self.feed_script_search(lowered);
            if self.found {
                return;
            }
        }
    }

    /// The text to the script search, its references decoded.
    fn feed_script_search(&mut self, text: &[u8]) {
        let mut at = 0;
        while at < text.len() {
            if self.reference.is_some() {
                self.reference_byte(text[at]);
                at += 1;
            } else {
                let end = memchr::memchr(b'&', &text[at..]).map_or(text.len(), |amp| at + amp);
                if SCRIPT.feed(&mut self.script, &text[at..end]) {
                    self.found = true;
                }
                if end < text.len() {
                    self.begin_reference();
                }
                at = end + 1;
            }
            if self.found {
                return;
            }
        }
    }

    fn begin_reference(&mut self) {
        self.reference = Some(Reference {
            before: self.script,
            literal: b"&".to_vec(),
            literal_matched: false,
            body: Body::Empty,
        });
    }

    /// The next byte of a reference: it goes on, ends it, or shows it is
    /// not one.
    fn reference_byte(&mut self, byte: u8) {
        let Some(reference) = self.reference.as_mut() else {
            return;
        };
        let is_name_byte = byte.is_ascii_alphanumeric() || byte >= 0x80;
        let goes_on = match &mut reference.body {
            Body::Empty if byte == b'#' => {
                reference.body = Body::Hash;
                true
            }
            Body::Empty if is_name_byte => {
                reference.body = Body::Name(String::from(char::from(byte.to_ascii_lowercase())));
                true
            }
            Body::Hash if byte == b'x' || byte == b'X' => {
                reference.body = Body::Number {
                    hex: true,
                    digits: 0,
                    value: 0,
                };
                true
            }
            Body::Hash if byte.is_ascii_digit() => {
                reference.body = Body::Number {
                    hex: false,
                    digits: 1,
                    value: u64::from(byte - b'0'),
                };
                true
            }
            Body::Number { hex, digits, value } if byte != b';' => {
                let radix = if *hex { 16 } else { 10 };
                match char::from(byte).to_digit(radix) {
                    Some(digit) => {
                        *digits += 1;
                        *value = value
                            .saturating_mul(u64::from(radix))
                            .saturating_add(u64::from(digit));
                        true
                    }
                    None => false,
                }
            }
            Body::Name(name) if is_name_byte && name.len() < LONGEST_NAME => {
                name.push(char::from(byte.to_ascii_lowercase()));
                true
            }
            _ => false,
        };
        if goes_on {
            if reference.literal_matched {
                return;
            }
            reference.literal.push(byte);
            if reference.literal.len() > KEPT_LITERAL {
                reference.literal_matched = SCRIPT.feed(&mut self.script, &reference.literal);
                reference.literal.clear();
            }
            return;
        }
        let replacement = match (&reference.body, byte) {
            (Body::Number { digits, value, .. }, b';') if *digits > 0 => {
                let mut utf8 = [0u8; 4];
                Some(
                    html_codepoint(*value)
                        .encode_utf8(&mut utf8)
                        .as_bytes()
                        .to_vec(),
                )
            }
            (Body::Name(name), b';') => ascii_entity(name).map(|text| text.as_bytes().to_vec()),
            _ => None,
        };
        let Some(reference) = self.reference.take() else {
            return;
        };
        match replacement {
            Some(mut replacement) => {
                self.script = reference.before;
                replacement.make_ascii_lowercase();
                self.found = SCRIPT.feed(&mut self.script, &replacement);
            }
            None if reference.literal_matched => self.found = true,
            // Not a reference: its text stays, and this byte is read anew.
            None => {
                self.found = SCRIPT.feed(&mut self.script, &reference.literal);
                if !self.found {
                    self.feed_script_search(&[byte]);
                }
            }
        }
    }
}

/// One set of detectScript's patterns, as a DFA and the literals its
/// matches begin with.
struct Patterns {
    dfa: dense::DFA<Vec<u32>>,
    /// The unanchored start state: no match under way.
    start: StateID,
    starts: AhoCorasick,
    /// The longest of those literals, less one byte: how much of a piece's
    /// end may hold the beginning of one.
    longest_start: usize,
    /// The ids of the states reachable from the start, sorted: what a
    /// stored state may be.
    states: Vec<u32>,
    /// A hash of the transitions of those states, which is what a stored
    /// state's id means.
    fingerprint: u64,
}

/// `<!DOCTYPE *X?HTML` and the tags, on the (lowercased) sample.
static MARKUP: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(
        &[
            r"<!doctype *x?html",
            r"<body",
            r"<head",
            r"<html",
            r"<script",
        ],
        &["<"],
    )
});

/// Script types and script URLs, on the text with references decoded.
static SCRIPT: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(
        &[
            r#"type\s*=\s*['"]?\s*(?:\w*/)?(?:ecma|java)"#,
            r#"(?:href|src|data)\s*=\s*['"]?\s*(?:ecma|java)script:"#,
            r#"url\s*\(\s*['"]?\s*(?:ecma|java)script:"#,
        ],
        &["type", "href", "src", "data", "url"],
    )
});

/// Both pattern sets' fingerprint.
fn fingerprint() -> u64 {
    static FINGERPRINT: LazyLock<u64> = LazyLock::new(|| {
        let mut hasher = DefaultHasher::new();
        (MARKUP.fingerprint, SCRIPT.fingerprint).hash(&mut hasher);
        hasher.finish()
    });
    *FINGERPRINT
}

impl Patterns {
    /// `patterns` without case, as bytes (PCRE without `/u`); every match
    /// begins with one of `starts` (the stream is lowercased where they
    /// have letters). The patterns are constant.
    fn new(patterns: &[&str], starts: &[&str]) -> Patterns {
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Unanchored),
            )
            .syntax(
                syntax::Config::new()
                    .unicode(false)
                    .utf8(false)
                    .case_insensitive(true),
            )
            .build_many(patterns);
        let dfa = match dfa {
            Ok(dfa) => dfa,
            Err(error) => panic!("invalid built-in patterns {patterns:?}: {error}"),
        };
        let start = match dfa.start_state(&start::Config::new().anchored(Anchored::No)) {
            Ok(start) => start,
            Err(error) => panic!("no start state for {patterns:?}: {error}"),
        };
        let starts = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(starts);
        let starts = match starts {
            Ok(starts) => starts,
            Err(error) => panic!("invalid built-in literals: {error}"),
        };
        let longest_start = starts.max_pattern_len() - 1;
        let mut reachable = vec![start];
        let mut seen = HashSet::from([start]);
        let mut hasher = DefaultHasher::new();
        let mut next = 0;
        while let Some(&state) = reachable.get(next) {
            next += 1;
            for byte in 0..=255u8 {
                let target = dfa.next_state(state, byte);
                (target.as_u32(), dfa.is_match_state(target)).hash(&mut hasher);
                if seen.insert(target) {
                    reachable.push(target);
                }
            }
        }
        let mut states: Vec<u32> = reachable.iter().map(|state| state.as_u32()).collect();
        states.sort_unstable();
        Patterns {
            dfa,
            start,
            starts,
            longest_start,
            states,
            fingerprint: hasher.finish(),
        }
    }

    /// Searches the next bytes of the stream; whether a match has ended.
    /// Between candidates the search jumps to the next literal a match can
    /// begin with: a match cannot begin anywhere else, and the DFA is back
    /// at its start whenever no match is under way.
    fn feed(&self, state: &mut SearchState, bytes: &[u8]) -> bool {
        let mut at = 0;
        let mut current = state.and_then(|id| self.state_id(id));
        let mut at_start = 0;
        loop {
            match current {
                Some(mut id) => loop {
                    let Some(&byte) = bytes.get(at) else {
                        *state = (id != self.start).then(|| id.as_u32());
                        return false;
                    };
                    id = self.dfa.next_state(id, byte);
                    at += 1;
                    if self.dfa.is_match_state(id) {
                        return true;
                    }
                    // Back at the start: keep stepping while candidates are
                    // dense, search when they are not.
                    if id == self.start {
                        at_start += 1;
                        if at_start == STEPS_BEFORE_SEARCHING {
                            current = None;
                            break;
                        }
                    } else {
                        at_start = 0;
                    }
                },
                None => match self.starts.find(&bytes[at..]) {
                    Some(found) => {
                        at += found.start();
                        current = Some(self.start);
                        at_start = 0;
                    }
                    None => {
                        // A literal may begin in the last bytes.
                        let tail = bytes.len().saturating_sub(self.longest_start).max(at);
                        if tail == bytes.len() {
                            *state = None;
                            return false;
                        }
                        at = tail;
                        current = Some(self.start);
                        at_start = 0;
                    }
                },
            }
        }
    }

    /// Whether the stream, ending in `state`, ends with a match.
    fn ends_in_match(&self, state: SearchState) -> bool {
        state
            .and_then(|id| self.state_id(id))
            .is_some_and(|id| self.dfa.is_match_state(self.dfa.next_eoi_state(id)))
    }

    /// A stored state's id, if it is one of this DFA's states.
    fn state_id(&self, id: u32) -> Option<StateID> {
        self.states.binary_search(&id).ok()?;
        StateID::new(usize::try_from(id).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use regex::bytes::Regex;

    use super::super::script::{decode_char_references, utf16_ascii_only};
    use super::super::{Endian, find, regex};
    use super::*;

    /// detectScript as MediaWiki runs it on a whole sample (and as this
    /// module did before the streaming scan): lowercase, UTF-16 to ASCII,
    /// the markup tests, then the script tests on the decoded text.
    fn whole_sample_verdict(sample: &[u8]) -> bool {
        static DOCTYPE: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)<!DOCTYPE *X?HTML"));
        static SCRIPT_TYPE: LazyLock<Regex> =
            LazyLock::new(|| regex(r#"(?ism)type\s*=\s*['"]?\s*(?:\w*/)?(?:ecma|java)"#));
        static SCRIPT_URL: LazyLock<Regex> = LazyLock::new(|| {
            regex(r#"(?ism)(?:href|src|data)\s*=\s*['"]?\s*(?:ecma|java)script:"#)
        });
        static CSS_SCRIPT_URL: LazyLock<Regex> =
            LazyLock::new(|| regex(r#"(?ism)url\s*\(\s*['"]?\s*(?:ecma|java)script:"#));
        let lowered = sample.to_ascii_lowercase();
        let chunk = if lowered.starts_with(b"\xfe\xff") {
            utf16_ascii_only(&lowered, Endian::Big)
        } else if lowered.starts_with(b"\xff\xfe") {
            utf16_ascii_only(&lowered, Endian::Little)
        } else {
            lowered
        };
        let tags: [&[u8]; 4] = [b"<body", b"<head", b"<html", b"<script"];
        if DOCTYPE.is_match(&chunk) || tags.iter().any(|tag| find(&chunk, tag).is_some()) {
            return true;
        }
        let decoded = decode_char_references(&chunk);
        SCRIPT_TYPE.is_match(&decoded)
            || SCRIPT_URL.is_match(&decoded)
            || CSS_SCRIPT_URL.is_match(&decoded)
    }

    /// The scan's verdict with the bytes cut at `cuts`, its state stored
    /// and restored (as JSON) at every cut.
    fn streamed_verdict(bytes: &[u8], cuts: &[usize]) -> bool {
        let mut scan = ScriptScan::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([bytes.len()].iter()) {
            let cut = cut.clamp(from, bytes.len());
            scan.feed(&bytes[from..cut]);
            from = cut;
            let stored = serde_json::to_string(&scan).expect("serializable");
            scan = serde_json::from_str(&stored).expect("deserializable");
            assert!(scan.is_resumable());
        }
        scan.finish()
    }

    fn verdict(bytes: &[u8]) -> bool {
        let mut scan = ScriptScan::new();
        scan.feed(bytes);
        scan.finish()
    }

    /// Every way of cutting `bytes` in two and in single bytes gives the
    /// whole sample's verdict, which is `expected`.
    fn assert_verdict(bytes: &[u8], expected: bool) {
        let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
        assert_eq!(
            whole_sample_verdict(bytes),
            expected,
            "MediaWiki on {shown:?}"
        );
        assert_eq!(verdict(bytes), expected, "{shown:?}");
        if bytes.len() <= 400 {
            for cut in 0..=bytes.len() {
                assert_eq!(
                    streamed_verdict(bytes, &[cut]),
                    expected,
                    "{shown:?} cut at {cut}"
                );
            }
            let every_byte: Vec<usize> = (1..bytes.len()).collect();
            assert_eq!(
                streamed_verdict(bytes, &every_byte),
                expected,
                "{shown:?} byte by byte"
            );
        }
    }

    #[test]
    fn finds_what_detect_script_finds_wherever_the_pieces_are_cut() {
        let cases: &[(&[u8], bool)] = &[
            (b"plain text, nothing to see", false),
            (b"<html>", true),
            (b"x <HeAd>", true),
            (b"<scr", false),
            (b"a <script", true),
            (b"<body", true),
            (b"<!DOCTYPE    XHTML", true),
            (b"<!doctype\thtml", false),
            (b"type=java", true),
            (b"type = 'text/javascript'", true),
            (b"TYPE=\"  application/ECMAscript\"", true),
            (b"type=text/plain", false),
            (b"type=a-b/java", false),
            (b"href=javascript:alert(1)", true),
            (b"src = ' ecmascript:", true),
            (b"data=javascript", false),
            (b"url( 'javascript:x')", true),
            (b"url(x javascript:", false),
            // References are decoded before the script tests...
            (b"href=&#106;avascript:", true),
            (b"href=&#x6A;avascript:", true),
            (b"href=&#X6a;avascript:", true),
            (b"ty&#112;e=java", true),
            (b"&#116;ype=java", true),
            (b"url&lpar;javascript&colon;", true),
            (b"url&LPAR;javascript&COLON;", true),
            (b"type&equals;java", true),
            (b"type=&NewLine;java", false),
            (b"type=&Tab;java", false),
            (b"type=&#9;java", true),
            (b"src=&#0000000000000000000000000000106;avascript:", true),
            (b"src=&#99999999999999999999999999999;avascript:", false),
            // ... but not before the markup tests.
            (b"&lt;script", false),
            (b"&#60;html", false),
            // What is not a reference stays as it is.
            (b"&type=javascript", true),
            (b"&#xdata=javascript:", true),
            (b"&#12type=java", true),
            (b"type=&amp;java", false),
            (b"type=&java", false),
            (b"type=&#;java", false),
            (b"&commat;&dollar;&equals;type=java", true),
            (b"&commatx;type=java", true),
            (b"&&&&;type=java", true),
            (b"&#x;&#;&;type=java", true),
            (b"type=java&", true),
            (b"type=jav&#97;", true),
            (b"type=jav&#97", false),
            (b"type=jav&#97x", false),
            // UTF-16 with a byte order mark is read as its ASCII.
            (b"\xff\xfe<\x00h\x00t\x00m\x00l\x00", true),
            (b"\xfe\xff\x00<\x00b\x00o\x00d\x00y", true),
            (b"\xff\xfe<\x00h\x00\x01\x01t\x00m\x00l\x00", true),
            (b"\xff\xfe<\x00h\x00\x01\x00t\x00m\x00l\x00", false),
            (
                b"\xff\xfet\x00y\x00p\x00e\x00=\x00j\x00a\x00v\x00a\x00",
                true,
            ),
            (b"<\x00h\x00t\x00m\x00l\x00", false),
            (b"\xff", false),
            (b"", false),
        ];
        for (bytes, expected) in cases {
            assert_verdict(bytes, *expected);
        }
    }

    /// Runs of whitespace and digits have no length limit, and MediaWiki
    /// reads a text file whole: a marker spread over megabytes is found,
    /// across any cut (the windows of the earlier scan missed this one).
    #[test]
    fn long_runs_are_followed_across_pieces() {
        let mut spread = b"type".to_vec();
        spread.extend(std::iter::repeat_n(b' ', 5 << 20));
        spread.extend(b"= java");
        assert_verdict(&spread, true);
        assert!(streamed_verdict(
            &spread,
            &[2, 1 << 20, 4 << 20, (5 << 20) + 3]
        ));
        let mut doctype = b"<!doctype".to_vec();
        doctype.extend(std::iter::repeat_n(b' ', 1 << 20));
        doctype.extend(b"html");
        assert!(streamed_verdict(&doctype, &[5, 9, 10, 1 << 19]));
        let mut zeros = b"src=&#".to_vec();
        zeros.extend(std::iter::repeat_n(b'0', 1 << 20));
        zeros.extend(b"106;avascript:");
        assert!(streamed_verdict(&zeros, &[5, 6, 7, 1 << 19]));
    }

    /// Random documents made of the patterns' pieces, cut at random: the
    /// streamed verdict is always the whole sample's.
    #[test]
    fn agrees_with_the_whole_sample_search_on_random_documents() {
        const TOKENS: &[&str] = &[
            "type",
            "TYPE",
            "href",
            "src",
            "data",
            "url",
            "=",
            " ",
            "\n",
            "\t",
            "'",
            "\"",
            "(",
            "/",
            "text",
            "java",
            "ecma",
            "script",
            "script:",
            ":",
            "&",
            "&#",
            "&#x",
            "6a",
            "106",
            "4a",
            "0",
            ";",
            "&amp;",
            "&colon;",
            "&lpar;",
            "&equals;",
            "&NewLine;",
            "&lt;",
            "<",
            "!doctype",
            "html",
            "body",
            "head",
            "x",
            "é",
            "&#116;",
            "&#x74;",
        ];
        let mut random = StdRng::seed_from_u64(15);
        let mut found = 0;
        for _ in 0..6000 {
            let mut document = Vec::new();
            for _ in 0..random.gen_range(1..6) {
                if random.gen_bool(0.5) {
                    document.extend(TOKENS[random.gen_range(0..TOKENS.len())].bytes());
                } else {
                    // Something close to a marker.
                    let pick = |random: &mut StdRng, options: &[&str]| {
                        options[random.gen_range(0..options.len())].to_owned()
                    };
                    document.extend(
                        pick(
                            &mut random,
                            &["type", "href", "src", "data", "url", "<", "ty&#112;e"],
                        )
                        .bytes(),
                    );
                    document.extend(pick(&mut random, &["", " ", "\n ", "&#32;"]).bytes());
                    document.extend(
                        pick(
                            &mut random,
                            &["=", "(", "&equals;", "&lpar;", "!doctype ", ""],
                        )
                        .bytes(),
                    );
                    document.extend(pick(&mut random, &["", "'", "\"", "&quot;", " "]).bytes());
                    document.extend(pick(&mut random, &["", "text/", "x-y/", "a/"]).bytes());
                    document.extend(
                        pick(
                            &mut random,
                            &["java", "ecma", "j&#97;va", "html", "body", "jav"],
                        )
                        .bytes(),
                    );
                    document.extend(
                        pick(
                            &mut random,
                            &["script:", "script", "script&colon;", "", ":"],
                        )
                        .bytes(),
                    );
                }
            }
            if random.gen_ratio(1, 8) {
                let big_endian = random.gen_bool(0.5);
                let mut utf16 = if big_endian {
                    vec![0xfe, 0xff]
                } else {
                    vec![0xff, 0xfe]
                };
                for byte in &document {
                    let unit = [*byte, if random.gen_ratio(1, 10) { 1 } else { 0 }];
                    utf16.extend(if big_endian { [unit[1], unit[0]] } else { unit });
                }
                document = utf16;
            }
            let expected = whole_sample_verdict(&document);
            found += usize::from(expected);
            let mut cuts: Vec<usize> = (0..random.gen_range(0..5))
                .map(|_| random.gen_range(0..=document.len()))
                .collect();
            cuts.sort_unstable();
            assert_eq!(
                streamed_verdict(&document, &cuts),
                expected,
                "{:?} cut at {cuts:?}",
                String::from_utf8_lossy(&document)
            );
        }
        // Both verdicts are well represented.
        assert!((300..5700).contains(&found), "{found} of 6000 found");
    }

    /// Every file of the verification fixtures, whole and as the first KiB
    /// detectScript reads of a file that is not text.
    #[test]
    fn agrees_with_the_whole_sample_search_on_the_fixtures() -> std::io::Result<()> {
        let directory =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/files");
        let mut files = 0;
        for entry in std::fs::read_dir(directory)? {
            let bytes = std::fs::read(entry?.path())?;
            for sample in [&bytes[..], &bytes[..bytes.len().min(1024)]] {
                let expected = whole_sample_verdict(sample);
                assert_eq!(verdict(sample), expected);
                assert_eq!(streamed_verdict(sample, &[1, 7, 100, 513]), expected);
            }
            files += 1;
        }
        assert!(files > 40);
        Ok(())
    }

    /// Text without candidates leaves both searches at rest, which is what
    /// lets them skip it at memory speed.
    #[test]
    fn plain_text_leaves_the_searches_at_rest() {
        let mut scan = ScriptScan::new();
        scan.feed(b"Some words, then <b>bold</b> &amp; a type of data; ");
        assert_eq!(
            (scan.markup, scan.script, &scan.reference),
            (None, None, &None)
        );
        scan.feed(b"ends with a ty");
        assert!(scan.script.is_some());
        scan.feed(b"po.");
        assert_eq!(scan.script, None);
        assert!(!scan.finish());
    }

    #[test]
    fn a_stored_scan_of_other_patterns_is_not_resumed() {
        let mut scan = ScriptScan::new();
        scan.feed(b"type = ");
        let mut stored: serde_json::Value = serde_json::to_value(&scan).expect("serializable");
        stored["patterns"] = serde_json::json!(0);
        let other: ScriptScan = serde_json::from_value(stored).expect("deserializable");
        assert!(!other.is_resumable());
        assert!(scan.is_resumable());
    }
}
