//! Upload file names: how MediaWiki 1.39 turns the `filename` an upload asks
//! for into the `File:` title it is stored under (`UploadBase::getTitle`),
//! the name checks of verification (`validateName`), the `badfilename`
//! warning rule, and the name predicates of the existence warnings
//! (`getExistsWarning`). Pure functions over strings.
//!
//! Lengths are in bytes, as MediaWiki counts them. Names arrive
//! NFC-normalized from the request layer. `$wgCheckFileExtensions` and
//! `$wgStrictFileExtensions` are taken as their defaults (both true), and
//! the backend supports Unicode paths, so `windows-nonascii-filename` never
//! happens.

use std::fmt;

/// Longest accepted name: the 255-byte `oi_archive_name` column minus the
/// `YYYYMMDDHHMMSS!` prefix of archived versions.
const MAX_NAME_BYTES: usize = 240;

/// Longest title the parser accepts (the `page_title` column).
const MAX_TITLE_BYTES: usize = 255;

/// Names of the File namespace, compared case-insensitively: the canonical
/// name and the pre-1.14 alias.
const FILE_NAMESPACE_NAMES: [&str; 2] = ["file", "image"];

/// Prefixes cameras give their files (message `filename-prefix-blacklist`).
const CAMERA_PREFIXES: [&str; 9] = [
    "CIMG", "DSC_", "DSCF", "DSCN", "DUW", "IMG", "JD", "MGP", "PICT",
];

/// The named character references decoded in a requested name: a small
/// subset of the HTML5 names MediaWiki knows. Others stay literal, which
/// matters only after a `File:` prefix: `File:Caf&eacute;.png` is
/// `Café.png` to MediaWiki but an illegal name here.
const NAMED_REFERENCES: [(&str, char); 12] = [
    ("amp", '&'),
    ("AMP", '&'),
    ("apos", '\''),
    ("gt", '>'),
    ("GT", '>'),
    ("lt", '<'),
    ("LT", '<'),
    ("nbsp", '\u{A0}'),
    ("quot", '"'),
    ("QUOT", '"'),
    ("lrm", '\u{200E}'),
    ("rlm", '\u{200F}'),
];

const ILLEGAL_FILENAME: &str = "illegal-filename";
const ILLEGAL_FILENAME_INFO: &str = "The filename is not allowed.";

/// A valid name of a file: the DB key form (underscores, first letter upper
/// case), always with a non-empty final extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName(String);

impl FileName {
    /// The DB key: `My_file.png`.
    pub fn as_db_key(&self) -> &str {
        &self.0
    }

    /// The text form: `My file.png`.
    pub fn text(&self) -> String {
        self.0.replace('_', " ")
    }

    /// The final extension as written: `PNG` for `X.PNG`.
    pub fn extension(&self) -> &str {
        self.0
            .rsplit_once('.')
            .map_or("", |(_, extension)| extension)
    }

    /// The name up to the last dot: `X.tar` for `X.tar.gz`.
    pub fn part_name(&self) -> &str {
        self.0.rsplit_once('.').map_or(&self.0, |(part, _)| part)
    }

    /// The (part name, extension) split the existence warnings use: as
    /// [`part_name`](Self::part_name) and [`extension`](Self::extension),
    /// except that a name beginning with a dot counts as having no extension
    /// (`.a.png` → `(".a.png", "")`), because PHP's `strpos` returning 0
    /// reads as false there.
    pub fn existence_parts(&self) -> (&str, &str) {
        existence_parts(&self.0)
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a requested name cannot be used. Each variant is one MediaWiki error
/// code; fields named like API members are the error's extra data.
///
/// Chunk requests report every variant alike, see
/// [`NameError::CHUNK_REQUEST_ERROR`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// `illegal-filename`: no valid title can be made of the name.
    IllegalFilename {
        /// The name after illegal characters became `-`.
        filename: String,
    },
    /// `filename-toolong`: more than 240 bytes.
    FilenameTooLong,
    /// `filetype-missing`: no extension, or an empty one (`Name.`).
    FiletypeMissing,
    /// `filetype-banned`: a prohibited extension anywhere in the name, or a
    /// final extension that is not allowed.
    FiletypeBanned {
        /// The final extension as written.
        filetype: String,
        /// `$wgFileExtensions` without duplicates.
        allowed: Vec<String>,
        /// The prohibited extensions found, lower case, in name order
        /// (duplicates kept, as PHP's `array_intersect` does); when empty the
        /// API leaves the member out.
        blacklisted: Vec<String>,
    },
    /// `filename-tooshort`: nothing before the final extension.
    FilenameTooShort {
        /// The final extension (not part of the API answer).
        extension: String,
    },
}

impl NameError {
    /// `(code, info)` a chunk request answers for any name problem: there
    /// MediaWiki only asks whether a title can be made and dies with a bare,
    /// non-recoverable `illegal-filename` (no `filename` data, nothing
    /// stashed).
    pub const CHUNK_REQUEST_ERROR: (&'static str, &'static str) =
        (ILLEGAL_FILENAME, ILLEGAL_FILENAME_INFO);

    /// The API error code.
    pub fn code(&self) -> &'static str {
        match self {
            NameError::IllegalFilename { .. } => ILLEGAL_FILENAME,
            NameError::FilenameTooLong => "filename-toolong",
            NameError::FiletypeMissing => "filetype-missing",
            NameError::FiletypeBanned { .. } => "filetype-banned",
            NameError::FilenameTooShort { .. } => "filename-tooshort",
        }
    }

    /// The message key (for `errorformat=raw`); it differs from the code only
    /// for `filetype-banned`, whose parameters are the comma lists and counts
    /// of `blacklisted` (or `filetype`) and `allowed`.
    pub fn message_key(&self) -> &'static str {
        match self {
            NameError::FiletypeBanned { .. } => "filetype-banned-type",
            other => other.code(),
        }
    }

    /// The English `info` text, as `errorformat=bc` shows it.
    pub fn info(&self) -> String {
        match self {
            NameError::IllegalFilename { .. } => ILLEGAL_FILENAME_INFO.to_owned(),
            NameError::FilenameTooLong => {
                format!("Filenames may not be longer than {MAX_NAME_BYTES} bytes.")
            }
            NameError::FiletypeMissing => "The file has no extension (like \".jpg\").".to_owned(),
            NameError::FiletypeBanned { .. } => self
                .wikitext()
                .replace("<strong>", "")
                .replace("</strong>", "")
                .replace('\n', " "),
            NameError::FilenameTooShort { .. } => "The filename is too short.".to_owned(),
        }
    }

    /// The English text in MediaWiki's markup, as `errorformat=wikitext`
    /// shows it; it differs from `info` only for `filetype-banned`.
    pub fn wikitext(&self) -> String {
        let NameError::FiletypeBanned {
            filetype,
            allowed,
            blacklisted,
        } = self
        else {
            return self.info();
        };
        let (refused, count) = if blacklisted.is_empty() {
            (filetype.clone(), 1)
        } else {
            (blacklisted.join(", "), blacklisted.len())
        };
        let is_not = if count == 1 {
            "is not a permitted file type"
        } else {
            "are not permitted file types"
        };
        let permitted = if allowed.len() == 1 {
            "file type is"
        } else {
            "file types are"
        };
        format!(
            "<strong>\".{refused}\"</strong> {is_not}.\nPermitted {permitted} {}.",
            allowed.join(", ")
        )
    }

    /// The final extension as far as the rules got before failing, which
    /// content verification (run before the name checks are reported) uses;
    /// `None` when they failed before finding one.
    pub fn final_extension(&self) -> Option<&str> {
        match self {
            NameError::FiletypeBanned { filetype, .. } => Some(filetype),
            NameError::FilenameTooShort { extension } => Some(extension),
            NameError::IllegalFilename { .. }
            | NameError::FilenameTooLong
            | NameError::FiletypeMissing => None,
        }
    }

    /// Whether MediaWiki answers it as a recoverable error: it first stashes
    /// the upload and adds `filekey`, `sessionkey` (or `stasherrors`) and
    /// `invalidparameter: "filename"`. Only `filetype-banned` is final.
    pub fn is_recoverable(&self) -> bool {
        !matches!(self, NameError::FiletypeBanned { .. })
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.info())
    }
}

impl std::error::Error for NameError {}

/// The outcome of naming an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedUpload {
    pub name: FileName,
    /// The `badfilename` warning applies: the name differs from the request
    /// beyond spaces → underscores and the capital first letter.
    pub changed: bool,
}

/// Applies MediaWiki's rules to the requested `filename`; the first failing
/// rule wins.
///
/// `sniffed_extension` is the canonical extension of the bytes' detected MIME
/// type, appended when the name has no dot (`None` when unknown or not yet
/// known, e.g. first chunk). `allowed` is `$wgFileExtensions`, `prohibited`
/// `$wgProhibitedFileExtensions`, both lower case.
pub fn name_upload(
    requested: &str,
    sniffed_extension: Option<&str>,
    allowed: &[String],
    prohibited: &[String],
) -> Result<NamedUpload, NameError> {
    // A `File:` prefix is taken as a mistake and dropped; any other text,
    // valid title or not, goes on exactly as it came.
    let prefixed_key = file_title_key(&decode_char_references(requested));
    let candidate = prefixed_key.as_deref().unwrap_or(requested);
    if candidate.len() > MAX_NAME_BYTES {
        return Err(NameError::FilenameTooLong);
    }
    let filtered = replace_illegal_filename_chars(candidate);
    let Some(mut key) = file_title_key(&format!("File:{filtered}")) else {
        return Err(NameError::IllegalFilename { filename: filtered });
    };

    if !key.contains('.')
        && let Some(extension) = sniffed_extension.filter(|extension| !extension.is_empty())
    {
        key = format!("{key}.{extension}");
    }
    // Web servers may execute any of the dotted parts, so all are checked
    // against the prohibited list; only the final one must be allowed.
    let extensions: Vec<&str> = key.split('.').skip(1).collect();
    let final_extension = extensions.last().copied().unwrap_or_default();
    if final_extension.is_empty() {
        return Err(NameError::FiletypeMissing);
    }
    let blacklisted: Vec<String> = extensions
        .iter()
        .map(|extension| extension.to_ascii_lowercase())
        .filter(|extension| prohibited.contains(extension))
        .collect();
    if !blacklisted.is_empty() || !allowed.contains(&final_extension.to_ascii_lowercase()) {
        let mut unique_allowed: Vec<String> = Vec::with_capacity(allowed.len());
        for extension in allowed {
            if !unique_allowed.contains(extension) {
                unique_allowed.push(extension.clone());
            }
        }
        return Err(NameError::FiletypeBanned {
            filetype: final_extension.to_owned(),
            allowed: unique_allowed,
            blacklisted,
        });
    }
    // Everything before the final extension counts, inner dots included.
    if key.len() == final_extension.len() + 1 {
        return Err(NameError::FilenameTooShort {
            extension: final_extension.to_owned(),
        });
    }

    let changed = key != requested && key != uppercase_first(&requested.replace(' ', "_"));
    Ok(NamedUpload {
        name: FileName(key),
        changed,
    })
}

/// File::normalizeExtension: lower case, the usual spelling of aliases
/// (`jpeg` → `jpg`, `htm` → `html`, `mpeg` → `mpg`, `tiff` → `tif`,
/// `ogv` → `ogg`), and empty for anything not made of `[0-9a-z]`.
pub fn normalize_extension(extension: &str) -> String {
    let lower = extension.to_ascii_lowercase();
    let normal = match lower.as_str() {
        "htm" => "html",
        "jpeg" => "jpg",
        "mpeg" => "mpg",
        "tiff" => "tif",
        "ogv" => "ogg",
        other
            if !other.is_empty()
                && other
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || byte.is_ascii_lowercase()) =>
        {
            other
        }
        _ => "",
    };
    normal.to_owned()
}

/// For `thumb`/`thumb-name`: if the DB key `name` looks like a thumbnail
/// (`NNpx-…` or `NNNpx-…`), the DB key of the file it would be a thumbnail
/// of: everything after the first `-`, as a title (`120px-foo.png` →
/// `Foo.png`).
pub fn thumbnail_source(name: &str) -> Option<String> {
    let (part, extension) = existence_parts(name);
    let bytes = part.as_bytes();
    let starts_with_digits = bytes
        .get(..2)
        .is_some_and(|two| two.iter().all(u8::is_ascii_digit));
    let px_at = |at: usize| bytes.get(at..at + 3) == Some(b"px-".as_slice());
    if !(starts_with_digits && (px_at(2) || px_at(3))) {
        return None;
    }
    let (_, source) = part.split_once('-')?;
    // The rest of a valid name is valid once trimmed and capitalized.
    file_title_key(&format!("File:{source}.{extension}"))
}

/// For `bad-prefix`: the part name (see [`FileName::existence_parts`])
/// starts like a camera's default file name (`DSC_0001`).
pub fn has_bad_prefix(part_name: &str) -> bool {
    CAMERA_PREFIXES
        .iter()
        .any(|prefix| part_name.starts_with(prefix))
}

/// See [`FileName::existence_parts`].
fn existence_parts(name: &str) -> (&str, &str) {
    match name.rsplit_once('.') {
        Some((part, extension)) if !name.starts_with('.') => (part, extension),
        _ => (name, ""),
    }
}

/// The DB key of `text` if MediaWiki's title parser
/// (`MediaWikiTitleCodec::splitTitleString`, default namespace Main) reads it
/// as a valid title in the File namespace; `None` for invalid titles and
/// titles in other namespaces.
fn file_title_key(text: &str) -> Option<String> {
    let key = clean_whitespace(text);
    // The parser's mark of invalid UTF-8.
    if key.contains('\u{FFFD}') {
        return None;
    }
    // A leading colon forces the main namespace, but a prefix may follow.
    let key = key
        .strip_prefix(':')
        .map_or(key.as_str(), |rest| rest.trim_matches('_'));
    if key.is_empty() {
        return None;
    }
    let key = strip_file_namespace(key)?;
    let key = key
        .split_once('#')
        .map_or(key, |(title, _fragment)| title.trim_end_matches('_'));
    if has_invalid_title_chars(key)
        || is_relative_path(key)
        || key.contains("~~~")
        || key.len() > MAX_TITLE_BYTES
    {
        return None;
    }
    let key = uppercase_first(key);
    // Empty, a second colon (`File::X`), or an underscore left at an end by
    // the newline quirk of `strip_file_namespace`.
    if key.is_empty() || key.starts_with([':', '_']) || key.ends_with('_') {
        return None;
    }
    Some(key)
}

/// Spaces become underscores, bidi marks go, every run of whitespace and
/// underscores becomes one `_`, and `_` is trimmed at both ends.
fn clean_whitespace(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for c in text.chars().filter(|&c| !is_bidi_mark(c)) {
        if is_title_whitespace(c) {
            if !key.ends_with('_') {
                key.push('_');
            }
        } else {
            key.push(c);
        }
    }
    key.trim_matches('_').to_owned()
}

fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}')
}

fn is_title_whitespace(c: char) -> bool {
    matches!(
        c,
        ' ' | '_' | '\u{A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'..='\u{200A}'
    ) || matches!(
        c,
        '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// What follows a `File:` or `Image:` prefix (any case, underscores around
/// the colon allowed), as the parser's `^(.+?)_*:_*(.*)$` finds it; `None`
/// when the title is not in the File namespace.
fn strip_file_namespace(key: &str) -> Option<&str> {
    // The pattern's `.` does not match a newline, and its `$` also matches
    // before a final one, which thus drops out.
    let body = key.strip_suffix('\n').unwrap_or(key);
    if body.contains('\n') {
        return None;
    }
    // The prefix has at least one character, which may itself be a colon.
    let first_len = body.chars().next()?.len_utf8();
    let colon = first_len + body[first_len..].find(':')?;
    let prefix = body[..colon].trim_end_matches('_');
    FILE_NAMESPACE_NAMES
        .iter()
        .any(|name| prefix.eq_ignore_ascii_case(name))
        .then(|| body[colon + 1..].trim_start_matches('_'))
}

/// `$wgLegalTitleChars`: printable ASCII except `# < > [ ] { | }`, and all
/// non-ASCII characters.
fn is_legal_title_char(c: char) -> bool {
    !c.is_ascii()
        || (matches!(c, ' '..='~') && !matches!(c, '#' | '<' | '>' | '[' | ']' | '{' | '|' | '}'))
}

/// wfStripIllegalFilenameChars: every character that is not a legal title
/// character, and `:`, `/`, `\` (`$wgIllegalFileChars`), becomes `-`.
fn replace_illegal_filename_chars(name: &str) -> String {
    name.chars()
        .map(|c| {
            if is_legal_title_char(c) && !matches!(c, ':' | '/' | '\\') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The parser's invalid-title pattern: an illegal character, a `%` escape
/// (`%20`), or something like a character reference (`&amp;`), any of which
/// would not survive a round trip through a URL or HTML.
fn has_invalid_title_chars(key: &str) -> bool {
    let bytes = key.as_bytes();
    let percent_escape = bytes
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
    let char_reference = key.match_indices('&').any(|(at, _)| {
        let name_len = reference_name_len(&key[at + 1..]);
        name_len > 0 && bytes.get(at + 1 + name_len) == Some(&b';')
    });
    key.chars().any(|c| !is_legal_title_char(c)) || percent_escape || char_reference
}

/// Length in bytes of the leading `[A-Za-z0-9\x80-\xff]+` of `text`: the
/// name of a character reference.
fn reference_name_len(text: &str) -> usize {
    text.bytes()
        .take_while(|byte| byte.is_ascii_alphanumeric() || !byte.is_ascii())
        .count()
}

/// Paths that browsers would resolve (`../x`, `a/./b`) make unreachable pages.
fn is_relative_path(key: &str) -> bool {
    key == "."
        || key == ".."
        || key.starts_with("./")
        || key.starts_with("../")
        || key.contains("/./")
        || key.contains("/../")
        || key.ends_with("/.")
        || key.ends_with("/..")
}

/// The content language's ucfirst (`ü` → `Ü`, `ß` → `SS`): File is a
/// first-letter-case namespace.
fn uppercase_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Sanitizer::decodeCharReferencesAndNormalize: `&#65;`, `&#x41;` and the
/// [`NAMED_REFERENCES`] become characters, an invalid code point U+FFFD,
/// anything else stays as written. Text with any `&` is then cleaned up as
/// UtfNormal does: C0 controls other than tab, LF and CR, and U+FFFE and
/// U+FFFF, become U+FFFD. (MediaWiki also NFC-normalizes it; that is left
/// out, so a decoded combining character stays uncomposed.)
fn decode_char_references(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match decode_reference(after) {
            Some((c, len)) => {
                decoded.push(c);
                rest = &after[len..];
            }
            None => {
                decoded.push('&');
                rest = after;
            }
        }
    }
    decoded.push_str(rest);
    decoded
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\0'..='\x1F' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            _ => c,
        })
        .collect()
}

/// The character a reference stands for and the bytes it takes after its
/// `&`, or `None` if `after` does not continue a decodable reference.
fn decode_reference(after: &str) -> Option<(char, usize)> {
    if let Some(number) = after.strip_prefix('#') {
        let (digits, radix, marker_len) = match number.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (number, 10, 1),
        };
        let len = digits.chars().take_while(|c| c.is_digit(radix)).count();
        if len == 0 || digits.as_bytes().get(len) != Some(&b';') {
            return None;
        }
        let c = u32::from_str_radix(&digits[..len], radix)
            .ok()
            .filter(|&code_point| is_valid_reference(code_point))
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        return Some((c, marker_len + len + 1));
    }
    let len = reference_name_len(after);
    if after.as_bytes().get(len) != Some(&b';') {
        return None;
    }
    NAMED_REFERENCES
        .iter()
        .find(|(name, _)| *name == &after[..len])
        .map(|&(_, c)| (c, len + 1))
}

/// Sanitizer::validateCodepoint: characters allowed in both HTML5 and XML.
fn is_valid_reference(code_point: u32) -> bool {
    matches!(
        code_point,
        0x09 | 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference wiki's `$wgFileExtensions`.
    fn allowed() -> Vec<String> {
        ["png", "gif", "jpg", "jpeg", "webp", "txt", "pdf", "svg"]
            .map(String::from)
            .to_vec()
    }

    /// 1.39's default `$wgProhibitedFileExtensions` (with `xml`, T341565).
    fn prohibited() -> Vec<String> {
        "html htm js jsb mhtml mht xhtml xht php phtml php3 php4 php5 phps phar shtml jhtml \
         pl py cgi exe scr dll msi vbs bat com pif cmd vxd cpl xml"
            .split_whitespace()
            .map(String::from)
            .collect()
    }

    fn name(requested: &str, sniffed: Option<&str>) -> Result<NamedUpload, NameError> {
        name_upload(requested, sniffed, &allowed(), &prohibited())
    }

    fn file_name(requested: &str) -> FileName {
        match name(requested, Some("png")) {
            Ok(named) => named.name,
            Err(error) => panic!("{requested:?} was refused: {error:?}"),
        }
    }

    /// What the reference wiki answered about a name.
    #[derive(Debug)]
    enum Answer {
        /// Stored under this DB key; `true`: with the `badfilename` warning.
        Named(&'static str, bool),
        /// `illegal-filename` with this `filename` data.
        Illegal(&'static str),
        /// `filetype-banned` with this `filetype` and `blacklisted` data.
        Banned(&'static str, &'static [&'static str]),
        /// Another error code, without data.
        Code(&'static str),
    }
    use Answer::{Banned, Code, Illegal, Named};

    const PNG: Option<&str> = Some("png");

    fn check(rows: &[(&str, Option<&str>, Answer)]) {
        for (requested, sniffed, answer) in rows {
            let got = name(requested, *sniffed);
            let matches = match (answer, &got) {
                (Named(key, changed), Ok(named)) => {
                    named.name.as_db_key() == *key && named.changed == *changed
                }
                (Illegal(filtered), Err(NameError::IllegalFilename { filename })) => {
                    filename == filtered
                }
                (
                    Banned(filetype, found),
                    Err(NameError::FiletypeBanned {
                        filetype: got_type,
                        allowed: got_allowed,
                        blacklisted,
                    }),
                ) => got_type == filetype && blacklisted == found && *got_allowed == allowed(),
                (Code(code), Err(error)) => error.code() == *code,
                _ => false,
            };
            assert!(matches, "{requested:?}: expected {answer:?}, got {got:?}");
        }
    }

    /// files-and-titles.md §1.1.
    #[test]
    #[rustfmt::skip]
    fn spec_examples() {
        let long = format!("{}.jpg", "a".repeat(240));
        check(&[
            ("ValidTitle.jpg",          None, Named("ValidTitle.jpg", false)),
            ("my  test   file fv1.png", None, Named("My_test_file_fv1.png", true)),
            ("  _spaced_ fv1 _ .png",   None, Named("Spaced_fv1_.png", true)),
            ("A#b<c>d[e]f|g{h}i.png",   None, Named("A-b-c-d-e-f-g-h-i.png", true)),
            ("dir/sub:name.png",        None, Named("Dir-sub-name.png", true)),
            ("A/B.jpg",                 None, Named("A-B.jpg", true)),
            ("A:B.jpg",                 None, Named("A-B.jpg", true)),
            ("back\\slash.png",         None, Named("Back-slash.png", true)),
            ("File:Prefixed.png",       None, Named("Prefixed.png", true)),
            ("Upper ext.PNG",           None, Named("Upper_ext.PNG", false)),
            ("Ünïcödé ñame ✓.png",      None, Named("Ünïcödé_ñame_✓.png", false)),
            ("Percent%20name.png",      None, Illegal("Percent%20name.png")),
            ("%281%29.JPG",             None, Illegal("%281%29.JPG")),
            ("Tilde ~~~.png",           None, Illegal("Tilde ~~~.png")),
            ("",                        None, Illegal("")),
            ("A&amp;B.png",             None, Illegal("A&amp;B.png")),
            (".png",                    None, Code("filename-tooshort")),
            (".jpg",                    None, Code("filename-tooshort")),
            (&long,                     None, Code("filename-toolong")),
            ("No extension",            PNG,  Named("No_extension.png", true)),
            ("Trailing dot.",           PNG,  Code("filetype-missing")),
            ("x.exe",                   None, Banned("exe", &["exe"])),
            ("x.png.exe",               PNG,  Banned("exe", &["exe"])),
            ("x.php.png",               PNG,  Banned("png", &["php"])),
        ]);
    }

    /// Transcripts 19, 20, 16 and 25, both format versions. Exchanges that
    /// repeat a name (publishing from the stash) got the same answer and are
    /// listed once. The sniffed extension is that of the uploaded bytes.
    #[test]
    #[rustfmt::skip]
    fn reference_wiki_answers() {
        let long = format!("{}.png", "L".repeat(250));
        check(&[
            // 19-upload-filename-normalization
            ("lower case R27e782a fv1.png",        PNG, Named("Lower_case_R27e782a_fv1.png", false)),
            ("my  test   file R27e782a fv1.png",   PNG, Named("My_test_file_R27e782a_fv1.png", true)),
            ("Under_score_name_R27e782a_fv1.png",  PNG, Named("Under_score_name_R27e782a_fv1.png", false)),
            ("  _spaced_ R27e782a fv1 _ .png",     PNG, Named("Spaced_R27e782a_fv1_.png", true)),
            ("A#b<c>d[e]f|g{h}i R27e782a fv1.png", PNG, Named("A-b-c-d-e-f-g-h-i_R27e782a_fv1.png", true)),
            ("dir/sub:name R27e782a fv1.png",      PNG, Named("Dir-sub-name_R27e782a_fv1.png", true)),
            ("back\\slash R27e782a fv1.png",       PNG, Named("Back-slash_R27e782a_fv1.png", true)),
            ("Upper ext R27e782a fv1.PNG",         PNG, Named("Upper_ext_R27e782a_fv1.PNG", false)),
            // Answered with a content error (checked first); the name passes.
            ("Jpeg alias R27e782a fv1.jpeg",       PNG, Named("Jpeg_alias_R27e782a_fv1.jpeg", false)),
            ("Ünïcödé ñame ✓ R27e782a fv1.png",    PNG, Named("Ünïcödé_ñame_✓_R27e782a_fv1.png", false)),
            ("Percent%20name R27e782a fv1.png",    PNG, Illegal("Percent%20name R27e782a fv1.png")),
            ("File:Prefixed R27e782a fv1.png",     PNG, Named("Prefixed_R27e782a_fv1.png", true)),
            (".png",                               PNG, Code("filename-tooshort")),
            (&long,                                PNG, Code("filename-toolong")),
            ("Tilde ~~~ R27e782a fv1.png",         PNG, Illegal("Tilde ~~~ R27e782a fv1.png")),
            ("lower case R27e782a fv2.png",        PNG, Named("Lower_case_R27e782a_fv2.png", false)),
            ("my  test   file R27e782a fv2.png",   PNG, Named("My_test_file_R27e782a_fv2.png", true)),
            ("Under_score_name_R27e782a_fv2.png",  PNG, Named("Under_score_name_R27e782a_fv2.png", false)),
            ("  _spaced_ R27e782a fv2 _ .png",     PNG, Named("Spaced_R27e782a_fv2_.png", true)),
            ("A#b<c>d[e]f|g{h}i R27e782a fv2.png", PNG, Named("A-b-c-d-e-f-g-h-i_R27e782a_fv2.png", true)),
            ("dir/sub:name R27e782a fv2.png",      PNG, Named("Dir-sub-name_R27e782a_fv2.png", true)),
            ("back\\slash R27e782a fv2.png",       PNG, Named("Back-slash_R27e782a_fv2.png", true)),
            ("Upper ext R27e782a fv2.PNG",         PNG, Named("Upper_ext_R27e782a_fv2.PNG", false)),
            ("Jpeg alias R27e782a fv2.jpeg",       PNG, Named("Jpeg_alias_R27e782a_fv2.jpeg", false)),
            ("Ünïcödé ñame ✓ R27e782a fv2.png",    PNG, Named("Ünïcödé_ñame_✓_R27e782a_fv2.png", false)),
            ("Percent%20name R27e782a fv2.png",    PNG, Illegal("Percent%20name R27e782a fv2.png")),
            ("File:Prefixed R27e782a fv2.png",     PNG, Named("Prefixed_R27e782a_fv2.png", true)),
            ("Tilde ~~~ R27e782a fv2.png",         PNG, Illegal("Tilde ~~~ R27e782a fv2.png")),
            // 20-upload-no-extension
            ("No extension R27e782a fv1",          PNG, Named("No_extension_R27e782a_fv1.png", true)),
            ("Trailing dot R27e782a fv1.",         PNG, Code("filetype-missing")),
            ("No extension iw R27e782a fv1",       PNG, Named("No_extension_iw_R27e782a_fv1.png", true)),
            ("No extension R27e782a fv2",          PNG, Named("No_extension_R27e782a_fv2.png", true)),
            ("Trailing dot R27e782a fv2.",         PNG, Code("filetype-missing")),
            ("No extension iw R27e782a fv2",       PNG, Named("No_extension_iw_R27e782a_fv2.png", true)),
            // 16-upload-banned-extension. The .exe, "png .zip" and .png.exe
            // uploads were answered with content errors (checked first);
            // their rows give what the name rules alone say.
            ("Program R27e782a fv1.exe",           None,        Banned("exe", &["exe"])),
            ("Archive R27e782a fv1.zip",           Some("zip"), Banned("zip", &[])),
            ("Archive png R27e782a fv1.zip",       PNG,         Banned("zip", &[])),
            ("Double R27e782a fv1.exe.png",        PNG,         Banned("png", &["exe"])),
            ("Double R27e782a fv1.png.exe",        PNG,         Banned("exe", &["exe"])),
            ("Driver R27e782a fv1.vxd",            None,        Banned("vxd", &["vxd"])),
            ("Program stash R27e782a fv1.exe",     None,        Banned("exe", &["exe"])),
            ("Program R27e782a fv2.exe",           None,        Banned("exe", &["exe"])),
            ("Archive R27e782a fv2.zip",           Some("zip"), Banned("zip", &[])),
            ("Archive png R27e782a fv2.zip",       PNG,         Banned("zip", &[])),
            ("Double R27e782a fv2.exe.png",        PNG,         Banned("png", &["exe"])),
            ("Double R27e782a fv2.png.exe",        PNG,         Banned("exe", &["exe"])),
            ("Driver R27e782a fv2.vxd",            None,        Banned("vxd", &["vxd"])),
            ("Program stash R27e782a fv2.exe",     None,        Banned("exe", &["exe"])),
            // 25-warning-misc: keys from the warning payloads; the
            // exists-normalized answers name the other file, so the .PNG key
            // is the one of the later "several at once" upload.
            ("Page only R27e782a fv1.png",         PNG,         Named("Page_only_R27e782a_fv1.png", false)),
            ("Normext R27e782a fv1.png",           PNG,         Named("Normext_R27e782a_fv1.png", false)),
            ("Normext R27e782a fv1.PNG",           PNG,         Named("Normext_R27e782a_fv1.PNG", false)),
            ("Normext R27e782a fv1.gif",           Some("gif"), Named("Normext_R27e782a_fv1.gif", false)),
            ("120px-Thumbish R27e782a fv1.png",    PNG,         Named("120px-Thumbish_R27e782a_fv1.png", false)),
            ("120px-Normext R27e782a fv1.png",     PNG,         Named("120px-Normext_R27e782a_fv1.png", false)),
            ("DSC_R27e782a10001.png",              PNG,         Named("DSC_R27e782a10001.png", false)),
            ("Normext   R27e782a fv1.PNG",         PNG,         Named("Normext_R27e782a_fv1.PNG", true)),
            ("Page only R27e782a fv2.png",         PNG,         Named("Page_only_R27e782a_fv2.png", false)),
            ("Normext R27e782a fv2.png",           PNG,         Named("Normext_R27e782a_fv2.png", false)),
            ("Normext R27e782a fv2.PNG",           PNG,         Named("Normext_R27e782a_fv2.PNG", false)),
            ("Normext R27e782a fv2.gif",           Some("gif"), Named("Normext_R27e782a_fv2.gif", false)),
            ("120px-Thumbish R27e782a fv2.png",    PNG,         Named("120px-Thumbish_R27e782a_fv2.png", false)),
            ("120px-Normext R27e782a fv2.png",     PNG,         Named("120px-Normext_R27e782a_fv2.png", false)),
            ("DSC_R27e782a20001.png",              PNG,         Named("DSC_R27e782a20001.png", false)),
            ("Normext   R27e782a fv2.PNG",         PNG,         Named("Normext_R27e782a_fv2.PNG", true)),
        ]);
    }

    #[test]
    #[rustfmt::skip]
    fn title_parsing_details() {
        check(&[
            // Namespace prefixes: any case, the old alias, a leading colon,
            // underscores around the colon; the prefixed form is decoded.
            ("file:lower.png",        None, Named("Lower.png", true)),
            ("IMAGE:Old alias.png",   None, Named("Old_alias.png", true)),
            (":File:Colon.png",       None, Named("Colon.png", true)),
            ("File _ : Spaced.png",   None, Named("Spaced.png", true)),
            ("File:A&amp;B.png",      None, Named("A&B.png", true)),
            ("File&#58;Numeric.png",  None, Named("Numeric.png", true)),
            ("File:X.png#section",    None, Named("X.png", true)),
            ("File:X.png\n",          None, Named("X.png", true)),
            ("File:A&#35;\u{1}.png",  None, Named("File-A&-35;-.png", true)),
            // An invalid prefixed title falls back to the raw text.
            ("File:A~~~.png",         None, Illegal("File-A~~~.png")),
            ("File::X.png",           None, Named("File--X.png", true)),
            ("File:#only",            PNG,  Named("File--only.png", true)),
            ("Talk:X.png",            None, Named("Talk-X.png", true)),
            // Unicode: first letter (not a change), whitespace runs, bidi marks.
            ("ü.png",                 None, Named("Ü.png", false)),
            ("ßig.png",               None, Named("SSig.png", false)),
            ("A\u{3000}\u{A0} B.png", None, Named("A_B.png", true)),
            ("A\u{200E}B.png",        None, Named("AB.png", true)),
            ("A\u{FFFD}.png",         None, Illegal("A\u{FFFD}.png")),
            // Controls and DEL are illegal characters.
            ("A\tB\u{7F}.png",        None, Named("A-B-.png", true)),
            // Near misses of the refused sequences.
            ("A&B.png",               None, Named("A&B.png", false)),
            ("A%2.png",               None, Named("A%2.png", false)),
            ("a/../b.png",            None, Named("A-..-b.png", true)),
            ("..png",                 None, Named("..png", false)),
            // Extensions.
            ("No extension",          None, Code("filetype-missing")),
            ("x.exe.",                None, Code("filetype-missing")),
            ("X.ZIP",                 None, Banned("ZIP", &[])),
            ("X.EXE.exe.png",         None, Banned("png", &["exe", "exe"])),
            ("x.tar.png",             None, Named("X.tar.png", false)),
        ]);
    }

    #[test]
    fn length_limits() {
        let longest = format!("{}.png", "a".repeat(236));
        assert_eq!(file_name(&longest).as_db_key().len(), 240);
        check(&[(&format!("a{longest}"), None, Code("filename-toolong"))]);
        // The limit applies to the raw text, before runs of spaces shrink...
        let spaced = format!("A{}B.png", " ".repeat(240));
        check(&[(&spaced, None, Code("filename-toolong"))]);
        // ...and to the key of a File:-prefixed name, after they did.
        let prefixed = format!("File:A{}{}.png", " ".repeat(10), "b".repeat(230));
        assert!(name(&prefixed, None).is_ok());
    }

    #[test]
    fn file_name_forms() {
        let named = file_name("my file.tar.PNG");
        assert_eq!(named.as_db_key(), "My_file.tar.PNG");
        assert_eq!(named.to_string(), "My_file.tar.PNG");
        assert_eq!(named.text(), "My file.tar.PNG");
        assert_eq!(named.extension(), "PNG");
        assert_eq!(named.part_name(), "My_file.tar");
        assert_eq!(named.existence_parts(), ("My_file.tar", "PNG"));
        // A name beginning with a dot has no extension for the warnings.
        let dotted = file_name(".a.png");
        assert_eq!((dotted.part_name(), dotted.extension()), (".a", "png"));
        assert_eq!(dotted.existence_parts(), (".a.png", ""));
    }

    #[test]
    fn error_codes_and_texts() {
        let banned_info = |refused: &str| {
            format!(
                "\"{refused}\" is not a permitted file type. Permitted file types are png, gif, \
                 jpg, jpeg, webp, txt, pdf, svg."
            )
        };
        let long = "a".repeat(241);
        let cases = [
            (
                "",
                "illegal-filename",
                "The filename is not allowed.".to_owned(),
                None,
            ),
            (
                &long,
                "filename-toolong",
                "Filenames may not be longer than 240 bytes.".to_owned(),
                None,
            ),
            (
                ".png",
                "filename-tooshort",
                "The filename is too short.".to_owned(),
                Some("png"),
            ),
            (
                "No ext",
                "filetype-missing",
                "The file has no extension (like \".jpg\").".to_owned(),
                None,
            ),
            ("x.ZIP", "filetype-banned", banned_info(".ZIP"), Some("ZIP")),
            (
                "x.exe.png",
                "filetype-banned",
                banned_info(".exe"),
                Some("png"),
            ),
        ];
        for (requested, code, info, final_extension) in cases {
            let Err(error) = name(requested, None) else {
                panic!("{requested:?} was accepted");
            };
            assert_eq!(error.code(), code);
            assert_eq!(error.info(), info);
            assert_eq!(error.to_string(), info);

            assert_eq!(error.final_extension(), final_extension);
            assert_eq!(error.is_recoverable(), code != "filetype-banned");
            let key = if code == "filetype-banned" {
                "filetype-banned-type"
            } else {
                code
            };
            assert_eq!(error.message_key(), key);
        }
    }

    #[test]
    fn banned_type_plurals_and_duplicates() {
        let allowed = ["png", "png"].map(String::from);
        let Err(error) = name_upload("X.php.exe.png", None, &allowed, &prohibited()) else {
            panic!("accepted");
        };
        assert_eq!(
            error.info(),
            "\".php, exe\" are not permitted file types. Permitted file type is png."
        );
        assert_eq!(
            error.wikitext(),
            "<strong>\".php, exe\"</strong> are not permitted file types.\nPermitted file type is png."
        );
        assert_eq!(
            error,
            NameError::FiletypeBanned {
                filetype: "png".to_owned(),
                allowed: vec!["png".to_owned()],
                blacklisted: vec!["php".to_owned(), "exe".to_owned()],
            }
        );
    }

    /// Transcript 32: a chunked upload named `.exe` fails at the first chunk
    /// with a bare `illegal-filename`.
    #[test]
    fn chunk_requests_report_a_bare_illegal_filename() {
        assert!(name("Chunk exe R27e782a fv1.exe", None).is_err());
        assert_eq!(
            NameError::CHUNK_REQUEST_ERROR,
            ("illegal-filename", "The filename is not allowed.")
        );
    }

    #[test]
    #[rustfmt::skip]
    fn normalized_extensions() {
        for (extension, normal) in [
            ("png", "png"), ("PNG", "png"), ("JPEG", "jpg"), ("jpeg", "jpg"), ("htm", "html"),
            ("mpeg", "mpg"), ("TIFF", "tif"), ("ogv", "ogg"), ("mp3", "mp3"), ("p-g", ""),
            ("pñg", ""), ("", ""),
        ] {
            assert_eq!(normalize_extension(extension), normal, "{extension}");
        }
    }

    /// Transcript 25: `thumb` for `120px-Normext…` (that file exists),
    /// `thumb-name` for `120px-Thumbish…`.
    #[test]
    #[rustfmt::skip]
    fn thumbnail_names() {
        for (key, source) in [
            ("120px-Normext_R27e782a_fv1.png",  Some("Normext_R27e782a_fv1.png")),
            ("120px-Thumbish_R27e782a_fv1.png", Some("Thumbish_R27e782a_fv1.png")),
            ("50px-x.png",   Some("X.png")),
            ("12px-_y.png",  Some("Y.png")),
            ("12-px-z.png",  Some("Px-z.png")),
            ("12px-.png",    Some(".png")),
            ("1px-a.png",    None),
            ("1234px-a.png", None),
            ("ab0px-a.png",  None),
            ("12px.png",     None),
            ("Normal.png",   None),
        ] {
            assert_eq!(thumbnail_source(key).as_deref(), source, "{key}");
        }
    }

    /// Transcript 25: `DSC_…` gets `bad-prefix`.
    #[test]
    fn camera_prefixes() {
        for part in [
            "DSC_R27e782a10001",
            "CIMG1",
            "DSCF1",
            "DSCN1",
            "DUW1",
            "IMG_1",
            "IMG",
            "JD1",
            "MGP1",
            "PICT1",
        ] {
            assert!(has_bad_prefix(part), "{part}");
        }
        for part in ["Dsc_1", "My_DSC_1", "X.IMG"] {
            assert!(!has_bad_prefix(part), "{part}");
        }
    }

    /// Transcript 25: `Normext….PNG` and `….gif` next to `Normext….png`.
    #[test]
    fn exists_normalized_inputs() {
        let upper = file_name("Normext R27e782a fv1.PNG");
        let (part, extension) = upper.existence_parts();
        assert_eq!(
            format!("{part}.{}", normalize_extension(extension)),
            "Normext_R27e782a_fv1.png"
        );
        let gif = file_name("Normext R27e782a fv1.gif");
        assert_eq!(gif.existence_parts(), ("Normext_R27e782a_fv1", "gif"));
    }

    #[test]
    fn char_references() {
        assert_eq!(decode_char_references("a&amp;b"), "a&b");
        assert_eq!(decode_char_references("&#65;&#x42;&#X43;"), "ABC");
        assert_eq!(
            decode_char_references("&#0;&#xD800;&#99999999999;"),
            "\u{FFFD}".repeat(3)
        );
        let undecoded = "&eacute; &#; &#x; & &amp";
        assert_eq!(decode_char_references(undecoded), undecoded);
        // Controls are cleaned up only in text that had something to decode.
        assert_eq!(decode_char_references("\u{1}\t&"), "\u{FFFD}\t&");
        assert_eq!(decode_char_references("\u{1}"), "\u{1}");
    }
}
