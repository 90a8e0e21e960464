//! Reading a request's parameters: the query string, then the body
//! (`application/x-www-form-urlencoded` or `multipart/form-data`), merged
//! with the body winning, as PHP merges `$_GET` and `$_POST`. File parts
//! stream into the spool as they arrive; nothing else of size is buffered.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, header};
use futures_util::TryStreamExt;
use indexmap::IndexMap;

use super::error::ApiError;
use super::multipart_framing::normalize_framing;
use crate::upload::Uploads;
use crate::upload::spool::{SpoolError, SpoolWriter, SpooledFile};

/// The most a urlencoded body, or the text fields of a multipart body
/// together, may weigh: room for a page of `$wgMaxArticleSize` (2 MiB) even
/// when every byte is percent-encoded. Files are limited separately by
/// `max_upload_size`; a multipart body as a whole by `max_upload_size` plus
/// this allowance.
pub const MAX_FORM_BYTES: u64 = 8 * 1024 * 1024;

/// The most parameters (query, text fields and file parts together) a
/// request may carry: PHP's `max_input_vars`.
pub const MAX_PARAMETERS: usize = 1000;

/// The most file parts a multipart body may carry: PHP's
/// `max_file_uploads`.
pub const MAX_FILE_PARTS: usize = 20;

/// One parameter value and where it came from.
#[derive(Debug, Clone)]
pub struct RawValue {
    pub value: String,
    /// Sent in the URL, where tokens and passwords must not be.
    pub in_query: bool,
}

/// A file part of a multipart body.
#[derive(Debug)]
pub struct UploadedPart {
    /// The file name the client gave in `Content-Disposition`.
    pub client_name: String,
    pub file: SpooledFile,
}

/// All parameters of a request, and which of them a module has read.
#[derive(Debug, Default)]
pub struct RawParams {
    values: IndexMap<String, RawValue>,
    files: HashMap<String, UploadedPart>,
    used: HashSet<String>,
    /// Parameters sent, counting repeats (which replace one another).
    count: usize,
}

impl RawParams {
    /// Reads parameter `name`, marking it used.
    pub fn get(&mut self, name: &str) -> Option<&RawValue> {
        self.used.insert(name.to_owned());
        self.values.get(name)
    }

    /// The value of `name` without marking it used (for the request log).
    pub fn peek(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|v| v.value.as_str())
    }

    /// Whether `name` was sent, as a value or a file, without marking it.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.files.contains_key(name)
    }

    /// Takes the file part `name`, marking it used.
    pub fn take_file(&mut self, name: &str) -> Option<UploadedPart> {
        self.used.insert(name.to_owned());
        self.files.remove(name)
    }

    /// Names that were sent but never read, in the order they were sent.
    pub fn unused(&self) -> Vec<String> {
        self.values
            .keys()
            .chain(self.files.keys())
            .filter(|name| !self.used.contains(*name))
            .cloned()
            .collect()
    }

    /// The names of parameters sent with PHP's `name[]` array syntax.
    pub fn php_array_names(&self) -> Vec<String> {
        self.values
            .keys()
            .filter(|name| name.ends_with(']') && name.contains('['))
            .cloned()
            .collect()
    }

    fn insert(&mut self, name: String, value: String, in_query: bool) {
        let value = clean_text(&value);
        self.values.insert(name, RawValue { value, in_query });
    }

    /// Builds parameters from pairs, as if sent in the query string. The
    /// query string is bounded by hyper's header limits; only its count of
    /// pairs needs a check (`check_count`).
    pub fn from_query(query: &str) -> RawParams {
        let mut params = RawParams::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()).take(MAX_PARAMETERS + 1) {
            params.count += 1;
            params.insert(name.into_owned(), value.into_owned(), true);
        }
        params
    }

    /// Past `MAX_PARAMETERS` the request is refused (PHP would silently drop
    /// the rest, which hides mistakes).
    pub fn check_count(&self) -> Result<(), ApiError> {
        if self.count > MAX_PARAMETERS {
            return Err(ApiError::too_many_parameters(MAX_PARAMETERS));
        }
        Ok(())
    }

    /// Reads the body of a POST into the parameters already taken from the
    /// query string. This runs before anything is known of the sender, so
    /// everything is bounded: the body as a whole, the number of parts,
    /// the text; only file parts named by a module's upload parameter
    /// reach the spool (each at most `max_file`), other file parts are
    /// read past without being stored.
    pub async fn read_body(
        &mut self,
        headers: &HeaderMap,
        body: Body,
        spool_dir: &Path,
        max_file: u64,
        uploads: &Uploads,
    ) -> Result<(), ApiError> {
        self.check_count()?;
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "multipart/form-data" => {
                let boundary = multer::parse_boundary(content_type)
                    .map_err(|e| ApiError::bad_body(&format!("bad multipart Content-Type: {e}")))?;
                refuse_declared_excess(headers, max_file.saturating_add(MAX_FORM_BYTES))?;
                self.read_multipart(body, &boundary, spool_dir, max_file, uploads)
                    .await
            }
            // PHP reads urlencoded bodies; anything else leaves $_POST empty.
            "application/x-www-form-urlencoded" => {
                refuse_declared_excess(headers, MAX_FORM_BYTES)?;
                let bytes = read_limited(body, MAX_FORM_BYTES).await?;
                for (name, value) in form_urlencoded::parse(&bytes) {
                    self.count += 1;
                    self.check_count()?;
                    self.insert(name.into_owned(), value.into_owned(), false);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn read_multipart(
        &mut self,
        body: Body,
        boundary: &str,
        spool_dir: &Path,
        max_file: u64,
        uploads: &Uploads,
    ) -> Result<(), ApiError> {
        let stream = normalize_framing(body.into_data_stream(), boundary);
        let whole_body = max_file.saturating_add(MAX_FORM_BYTES);
        let constraints = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(whole_body));
        let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
        let mut text_bytes: u64 = 0;
        let mut file_parts = 0;
        while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
            self.count += 1;
            self.check_count()?;
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if field.file_name().is_some() {
                file_parts += 1;
                if file_parts > MAX_FILE_PARTS {
                    return Err(ApiError::too_many_files(MAX_FILE_PARTS));
                }
            }
            match field.file_name().map(str::to_owned) {
                // A part with an empty file name is an absent file, as in PHP.
                Some(client_name) if client_name.is_empty() => {}
                // No module reads it: its bytes are read past, never stored.
                Some(_) if !super::modules::is_upload_param(&name) => {
                    while field.chunk().await.map_err(multipart_error)?.is_some() {}
                }
                Some(client_name) => {
                    let continues = match name.as_str() {
                        "chunk" => self.chunk_continuation(uploads),
                        _ => None,
                    };
                    let mut writer = SpoolWriter::continuing(spool_dir, max_file, continues)
                        .await
                        .map_err(spool_error)?;
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        writer.write(&chunk).await.map_err(spool_error)?;
                    }
                    // A chunk's bytes are copied into its upload's file,
                    // which is synced there: syncing the part as well would
                    // put every byte on disk twice.
                    let file = writer.finish(name != "chunk").await.map_err(spool_error)?;
                    self.files.insert(name, UploadedPart { client_name, file });
                }
                None => {
                    let mut value = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                        text_bytes += chunk.len() as u64;
                        if text_bytes > MAX_FORM_BYTES {
                            return Err(ApiError::body_too_large(MAX_FORM_BYTES));
                        }
                        value.extend_from_slice(&chunk);
                    }
                    let value = String::from_utf8_lossy(&value).into_owned();
                    self.insert(name, value, false);
                }
            }
        }
        Ok(())
    }
}

impl RawParams {
    /// When `filekey` and `offset` came before the `chunk` part (as most
    /// clients send them) and the server holds that upload's hash at that
    /// offset, the part is hashed on from it: the domain then need not hash
    /// the chunk again. Anything else is hashed where the chunk is written.
    fn chunk_continuation(&self, uploads: &Uploads) -> Option<(String, u64, sha1::Sha1)> {
        let key = self
            .values
            .get("filekey")
            .or_else(|| self.values.get("sessionkey"))?;
        let offset: u64 = self.values.get("offset")?.value.trim().parse().ok()?;
        let hasher = uploads.carried_hash(&key.value, offset)?;
        Some((key.value.clone(), offset, hasher))
    }
}

/// MediaWiki's input clean-up: text is NFC-normalized, and C0 controls
/// other than tab, LF and CR, like U+FFFE and U+FFFF, become U+FFFD — so
/// that "the same" name typed two ways is one name. A value starting with
/// U+001F is a multi-value with that separator: its parts are cleaned.
fn clean_text(text: &str) -> String {
    if let Some(parts) = text.strip_prefix('\u{1f}') {
        let cleaned: Vec<String> = parts.split('\u{1f}').map(clean_part).collect();
        return format!("\u{1f}{}", cleaned.join("\u{1f}"));
    }
    clean_part(text)
}

fn clean_part(text: &str) -> String {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    let needs_cleaning =
        |c: char| (c < ' ' && !"\t\n\r".contains(c)) || c == '\u{fffe}' || c == '\u{ffff}';
    let replaced: String = if text.chars().any(needs_cleaning) {
        text.chars()
            .map(|c| if needs_cleaning(c) { '\u{fffd}' } else { c })
            .collect()
    } else {
        text.to_owned()
    };
    if is_nfc_quick(replaced.chars()) == IsNormalized::Yes {
        replaced
    } else {
        replaced.nfc().collect()
    }
}

/// Reads a whole (small) body, refusing more than `limit` bytes.
/// A body whose `Content-Length` already says it is over `limit` is
/// refused before a byte of it is read: reading it up to the limit first
/// would hold that much memory (or spool) per connection for nothing.
fn refuse_declared_excess(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit => Err(ApiError::body_too_large(limit)),
        _ => Ok(()),
    }
}

async fn read_limited(body: Body, limit: u64) -> Result<Vec<u8>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| ApiError::bad_body(&e.to_string()))?
    {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::body_too_large(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn multipart_error(err: multer::Error) -> ApiError {
    match err {
        multer::Error::StreamSizeExceeded { limit } => ApiError::body_too_large(limit),
        err => ApiError::bad_body(&format!("malformed multipart body: {err}")),
    }
}

fn spool_error(err: SpoolError) -> ApiError {
    match err {
        SpoolError::TooLarge(limit) => ApiError::file_too_large(limit),
        SpoolError::Io(io) => {
            tracing::error!(error = %io, "spool write failed");
            ApiError::internal("UploadStashFileException")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_nfc_normalized_and_controls_replaced() {
        // "é" as e + combining acute becomes the single code point.
        assert_eq!(clean_text("Cafe\u{301}.png"), "Caf\u{e9}.png");
        assert_eq!(clean_text("a\u{1}b\tc\u{ffff}"), "a\u{fffd}b\tc\u{fffd}");
        assert_eq!(clean_text("plain"), "plain");
        assert_eq!(
            clean_text("\u{1f}a|b\u{1f}c\u{1}"),
            "\u{1f}a|b\u{1f}c\u{fffd}"
        );
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_unread() {
        use axum::http::StatusCode;
        let mut headers = HeaderMap::new();
        assert!(
            refuse_declared_excess(&headers, 10).is_ok(),
            "no length: read and count"
        );
        headers.insert(header::CONTENT_LENGTH, "10".parse().expect("header"));
        assert!(refuse_declared_excess(&headers, 10).is_ok());
        headers.insert(header::CONTENT_LENGTH, "11".parse().expect("header"));
        let err = refuse_declared_excess(&headers, 10).expect_err("over the limit");
        assert_eq!(err.code, "badupload_formsize");
        assert_eq!(err.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[test]
    fn the_body_wins_over_the_query_string() {
        let mut params = RawParams::from_query("action=query&format=json");
        params.insert("action".into(), "upload".into(), false);
        assert_eq!(
            params.get("action").map(|v| v.value.as_str()),
            Some("upload")
        );
        assert_eq!(params.get("action").map(|v| v.in_query), Some(false));
    }
}
