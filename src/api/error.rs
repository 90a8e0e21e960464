//! `ApiError`: the one error type of the API layer, carrying MediaWiki's
//! stable error code, its message (key, parameters and English text) and
//! extra data. Lower layers' errors are mapped into it here, once; the
//! envelope (`response.rs`) renders it in whatever `errorformat` and
//! `formatversion` the client asked for.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::message::Message;
use crate::auth::AuthError;
use crate::pages::PageError;
use crate::storage::StorageError;
use crate::upload::UploadError;
use crate::upload::fetch::FetchError;
use crate::upload::title::NameError;
use crate::upload::verify::VerificationError;

/// A usage or internal error, as MediaWiki reports it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: String,
    // Boxed to keep `Result<_, ApiError>` small on the happy path.
    pub message: Box<Message>,
    /// Extra members beside `code` and `info` (`details`, `filekey`, ...).
    pub data: Box<Map<String, Value>>,
    pub status: StatusCode,
    /// Internal errors get no documentation reference.
    pub internal: bool,
    /// Path of the module that raised it (`upload`, `query+tokens`); `main`
    /// when unset. Shown by the non-bc error formats.
    pub module: Option<String>,
    /// Further codes of the same failure, listed after `code` only in the
    /// `MediaWiki-API-Error` header (as for `http-curl-error`).
    pub more_codes: Vec<String>,
    /// Members of `data` that are lists of messages (`stasherrors`): `data`
    /// holds their bc form, the other error formats render these.
    pub message_data: Vec<(String, Vec<Message>)>,
}

impl ApiError {
    /// An error with code, message key, parameters and English text.
    pub fn new(code: &str, message: Message) -> ApiError {
        ApiError {
            code: code.to_owned(),
            message: Box::new(message),
            data: Box::default(),
            status: StatusCode::OK,
            internal: false,
            module: None,
            more_codes: Vec::new(),
            message_data: Vec::new(),
        }
    }

    /// Adds an extra member to the error object.
    pub fn with_data(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.data.insert(key.to_owned(), value.into());
        self
    }

    /// Attributes the error to a module, unless already attributed.
    pub fn in_module(mut self, path: &str) -> ApiError {
        self.module.get_or_insert_with(|| path.to_owned());
        self
    }

    pub fn with_status(mut self, status: StatusCode) -> ApiError {
        self.status = status;
        self
    }

    /// `The "token" parameter must be set.`
    pub fn missing_param(name: &str) -> ApiError {
        ApiError::new(
            "missingparam",
            Message::new(
                "apierror-missingparam",
                vec![name.into()],
                format!("The <var>{name}</var> parameter must be set."),
            ),
        )
    }

    /// `Unrecognized value for parameter "action": tokens.`
    pub fn bad_value(name: &str, value: &str) -> ApiError {
        ApiError::new(
            "badvalue",
            Message::new(
                "paramvalidator-badvalue-enumnotmulti",
                vec![name.into(), value.into()],
                format!("Unrecognized value for parameter <var>{name}</var>: {value}."),
            ),
        )
    }

    /// `Invalid value "x" for integer parameter "offset".`
    pub fn bad_integer(name: &str, value: &str) -> ApiError {
        ApiError::new(
            "badinteger",
            Message::new(
                "paramvalidator-badinteger",
                vec![name.into(), value.into()],
                format!("Invalid value \"{value}\" for integer parameter <var>{name}</var>."),
            ),
        )
    }

    /// `The "login" module requires a POST request.`
    pub fn must_be_posted(module: &str) -> ApiError {
        ApiError::new(
            "mustbeposted",
            Message::new(
                "apierror-mustbeposted",
                vec![module.into()],
                format!("The <kbd>{module}</kbd> module requires a POST request."),
            ),
        )
    }

    /// Parameters that must travel in the body were in the query string.
    pub fn must_post_params(names: &[&str]) -> ApiError {
        let list = names.join(", ");
        let text = if names.len() == 1 {
            format!(
                "The following parameter was found in the query string, but must be in the POST body: {list}."
            )
        } else {
            format!(
                "The following parameters were found in the query string, but must be in the POST body: {list}."
            )
        };
        ApiError::new(
            "mustpostparams",
            Message::new(
                "apierror-mustpostparams",
                vec![list.into(), names.len().into()],
                text,
            ),
        )
    }

    pub fn bad_token() -> ApiError {
        ApiError::new(
            "badtoken",
            Message::new("apierror-badtoken", vec![], "Invalid CSRF token.".into()),
        )
    }

    /// A request method the API does not serve (answered with HTTP 405).
    pub fn invalid_method() -> ApiError {
        ApiError::new(
            "invalidmethod",
            Message::new(
                "apierror-invalidmethod",
                vec![],
                "Invalid HTTP method. Consider using GET or POST.".into(),
            ),
        )
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
    }

    pub fn write_api_denied() -> ApiError {
        ApiError::new(
            "writeapidenied",
            Message::new(
                "apierror-writeapidenied",
                vec![],
                "You're not allowed to edit this wiki through the API.".into(),
            ),
        )
    }

    pub fn read_api_denied() -> ApiError {
        ApiError::new(
            "readapidenied",
            Message::new(
                "apierror-readapidenied",
                vec![],
                "You need read permission to use this module.".into(),
            ),
        )
    }

    /// A file-upload parameter that arrived as an ordinary form field.
    pub fn not_an_upload(name: &str) -> ApiError {
        ApiError::new(
            "badupload",
            Message::new(
                "apierror-badupload",
                vec![name.into()],
                format!(
                    "File upload parameter <var>{name}</var> is not a file upload; be sure to use \
                     <code>multipart/form-data</code> for your POST and include a filename in the \
                     <code>Content-Disposition</code> header."
                ),
            ),
        )
    }

    /// A request body that could not be read or parsed.
    pub fn bad_body(detail: &str) -> ApiError {
        ApiError::new(
            "badrequest",
            Message::new(
                "apierror-badrequest",
                vec![detail.into()],
                format!("The request body could not be read: {detail}."),
            ),
        )
    }

    /// The body is larger than the server accepts.
    pub fn body_too_large(limit: u64) -> ApiError {
        ApiError::new(
            "badupload_formsize",
            Message::new(
                "apierror-badupload-formsize",
                vec![limit.into()],
                format!("The request body exceeds the server's maximum of {limit} bytes."),
            ),
        )
        .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    }

    /// More parameters than PHP's `max_input_vars` would read.
    pub fn too_many_parameters(limit: usize) -> ApiError {
        ApiError::bad_body(&format!("more than {limit} parameters"))
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    }

    /// More file parts than PHP's `max_file_uploads` would read.
    pub fn too_many_files(limit: usize) -> ApiError {
        ApiError::bad_body(&format!("more than {limit} file parts"))
            .with_status(StatusCode::PAYLOAD_TOO_LARGE)
    }

    /// A file larger than `max_upload_size`.
    pub fn file_too_large(max_upload_size: u64) -> ApiError {
        log_file_too_large(max_upload_size);
        ApiError::new(
            "file-too-large",
            Message::new(
                "file-too-large",
                vec![],
                "The file you submitted was too large.".into(),
            ),
        )
    }

    /// Anything unexpected: logged with the request id, reported as
    /// MediaWiki reports an uncaught exception.
    pub fn internal(class: &str) -> ApiError {
        ApiError {
            code: format!("internal_api_error_{class}"),
            message: Box::new(Message::new(
                "apierror-exceptioncaught",
                vec![class.into()],
                format!("Caught exception of type {class}"),
            )),
            data: Box::new(Map::from_iter([(
                "errorclass".to_owned(),
                Value::from(class),
            )])),
            status: StatusCode::OK,
            internal: true,
            module: None,
            more_codes: Vec::new(),
            message_data: Vec::new(),
        }
    }
}

/// `file-too-large` answers MediaWiki's text, which does not state the
/// limit; the log does, naming the key that sets it.
fn log_file_too_large(max_upload_size: u64) {
    tracing::info!(
        max_upload_size,
        "file-too-large: a file exceeds max_upload_size"
    );
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> ApiError {
        tracing::error!(error = %err, "storage failure");
        ApiError::internal("DBQueryError")
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> ApiError {
        match err {
            AuthError::Storage(storage) => storage.into(),
            other => {
                tracing::error!(error = %other, "account failure");
                ApiError::internal("MWException")
            }
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(err: UploadError) -> ApiError {
        let simple =
            |code: &str, text: String| ApiError::new(code, Message::new(code, vec![], text));
        match err {
            UploadError::Stash(stash) => simple(stash.code(), stash.to_string()),
            UploadError::EmptyFile => simple("empty-file", err.to_string()),
            UploadError::TooLarge { max_upload_size } => ApiError::file_too_large(max_upload_size),
            UploadError::Verification(VerificationError::Refused(refusal)) => {
                let params = refusal
                    .params()
                    .iter()
                    .map(|p| Value::from(p.as_str()))
                    .collect();
                let mut error = ApiError::new(
                    refusal.code(),
                    Message::new(refusal.key(), params, refusal.text()),
                );
                if let Some(details) = refusal.details() {
                    error = error.with_data("details", details);
                }
                error
            }
            UploadError::FetchedContentRefused { key } => ApiError::new(
                "verification-error",
                Message::new("verification-error", vec![], err.to_string()),
            )
            .with_data("details", vec![key]),
            UploadError::Verification(VerificationError::Io(io)) => {
                tracing::error!(error = %io, "reading an upload failed");
                ApiError::internal("FileBackendError")
            }
            UploadError::Name { error, stash_key } => {
                let recoverable = error.is_recoverable();
                let mut api = ApiError::new(
                    error.code(),
                    Message::new(error.message_key(), name_params(&error), error.wikitext()),
                );
                match &error {
                    NameError::IllegalFilename { filename } => {
                        api = api.with_data("filename", filename.clone())
                    }
                    NameError::FiletypeBanned {
                        filetype,
                        allowed,
                        blacklisted,
                    } => {
                        tracing::info!(
                            %filetype,
                            file_extensions = allowed.join(" "),
                            prohibited = blacklisted.join(" "),
                            "filetype-banned: the extension is not in file_extensions or is in prohibited_file_extensions"
                        );
                        api = api
                            .with_data("filetype", filetype.clone())
                            .with_data("allowed", allowed.clone());
                        if !blacklisted.is_empty() {
                            api = api.with_data("blacklisted", blacklisted.clone());
                        }
                    }
                    _ => {}
                }
                if recoverable {
                    api = with_stash_key(api, stash_key).with_data("invalidparameter", "filename");
                }
                api
            }
            UploadError::FileExistsForbidden { name, stash_key } => {
                let name = name.as_db_key();
                let text = format!(
                    "A file with this name already exists, and cannot be overwritten.\nIf you still want to upload your file, please go back and use a new name.\n[[File:{name}|thumb|center|{name}]]"
                );
                let api = ApiError::new(
                    "fileexists-forbidden",
                    Message::new("fileexists-forbidden", vec![name.into()], text),
                );
                with_stash_key(api, stash_key).with_data("invalidparameter", "filename")
            }
            UploadError::NoChange(name) => {
                // MediaWiki tries to stash after this error and fails, since
                // the temporary file is gone; it says so.
                let title = format!("File:{name}");
                with_stash_errors(ApiError::new(
                    "fileexists-no-change",
                    Message::new(
                        "fileexists-no-change",
                        vec![title.clone().into()],
                        format!(
                            "The upload is an exact duplicate of the current version of <strong>[[:{title}]]</strong>."
                        ),
                    ),
                ))
            }
            UploadError::Fetch(fetch) => {
                match &fetch {
                    FetchError::TmpWrite(io) => {
                        tracing::error!(error = %io, "writing a downloaded file failed");
                    }
                    FetchError::UrlNotAllowed { reason } => {
                        tracing::warn!(%reason, "a URL upload was refused");
                    }
                    FetchError::TooLarge { max } => log_file_too_large(*max),
                    _ => {}
                }
                let params = fetch.params().into_iter().map(Value::from).collect();
                let mut error = ApiError::new(
                    fetch.code(),
                    Message::new(fetch.code(), params, fetch.to_string()),
                );
                error.more_codes = fetch
                    .header_codes()
                    .into_iter()
                    .skip(1)
                    .map(str::to_owned)
                    .collect();
                error
            }
            UploadError::ChunkName => simple("illegal-filename", err.to_string()),
            UploadError::ChunkRefused(refusal) => {
                let params = refusal
                    .params()
                    .iter()
                    .map(|p| Value::from(p.as_str()))
                    .collect();
                ApiError::new(
                    refusal.key(),
                    Message::new(refusal.key(), params, refusal.text()),
                )
            }
            UploadError::InvalidChunk => simple("invalid-chunk", err.to_string()),
            UploadError::ChunkTooSmall(_) => simple("chunk-too-small", err.to_string()),
            UploadError::ChunkFailed { reason, offset } => {
                let error = simple("stashfailed", reason.to_string());
                // MediaWiki reads the offset back from its database: a string.
                match offset {
                    Some(offset) => error.with_data("offset", offset.to_string()),
                    None => error,
                }
            }
            UploadError::PublishInProgress => simple("publishfailed", err.to_string()),
            UploadError::TooManyUnfinished(_) | UploadError::StashFull(_) => {
                simple("stashfailed", err.to_string())
            }
            UploadError::TooManyJobs(_) => simple("ratelimited", err.to_string()),
            UploadError::RateLimited => ApiError::new(
                "ratelimited",
                Message::new("apierror-ratelimited", vec![], err.to_string()),
            ),
            UploadError::NoSuchFile => PageError::MissingTitle.into(),
            UploadError::NoSuchVersion => simple("filerevert-badversion", err.to_string()),
            UploadError::FileTypeMismatch => simple("filetypemismatch", err.to_string()),
            UploadError::Page(page) => page.into(),
            UploadError::InsufficientSpace { .. } => {
                simple("backend-fail-readonly", err.to_string())
            }
            UploadError::StoreFailed {
                ref src,
                ref dst,
                ref stash_key,
                ..
            } => {
                tracing::error!(error = %err, "storing a published file failed");
                let params = vec![Value::from(src.as_str()), Value::from(dst.as_str())];
                let error = ApiError::new(
                    "backend-fail-store",
                    Message::new("backend-fail-store", params, err.to_string()),
                );
                with_stash_key(error, stash_key.clone())
            }
            UploadError::StashFailed {
                ref src,
                ref key,
                ref reason,
            } => {
                tracing::error!(error = %err, "stashing a file failed");
                let params = vec![
                    Value::from("UploadStashFileException"),
                    Value::from(crate::upload::stash::store_failure(src, key, reason)),
                ];
                ApiError::new(
                    "uploadstash-exception",
                    Message::new("uploadstash-exception", params, err.to_string()),
                )
            }
            UploadError::Storage(storage) => storage.into(),
            UploadError::Io(io) => {
                tracing::error!(error = %io, "file storage failure");
                ApiError::internal("FileBackendError")
            }
        }
    }
}

impl From<PageError> for ApiError {
    fn from(err: PageError) -> ApiError {
        let text = err.to_string();
        let (code, params): (&str, Vec<Value>) = match err {
            PageError::Storage(storage) => return storage.into(),
            PageError::MissingTitle => ("missingtitle", vec![]),
            PageError::NoSuchPageId(id) => ("nosuchpageid", vec![id.into()]),
            PageError::ArticleExists => ("articleexists", vec![]),
            PageError::EditConflict => ("editconflict", vec![]),
            PageError::PageDeleted => ("pagedeleted", vec![]),
            PageError::InvalidSection => {
                return ApiError::new(
                    "invalidsection",
                    Message::new(
                        "apierror-invalidsection",
                        vec![],
                        "The <var>section</var> parameter must be a valid section ID or <kbd>new</kbd>."
                            .into(),
                    ),
                );
            }
            PageError::NoSuchSection(section) => ("nosuchsection", vec![section.into()]),
            PageError::BadMd5 => ("badmd5", vec![]),
            PageError::NoSuchRevision(id) => ("nosuchrevid", vec![id.into()]),
            PageError::RevisionWrongPage { revision, title } => {
                ("revwrongpage", vec![revision.into(), title.into()])
            }
            PageError::UndoFailure => ("undofailure", vec![]),
            PageError::ContentTooBig => {
                let kib = crate::pages::edit::MAX_ARTICLE_BYTES / 1024;
                return ApiError::new(
                    "contenttoobig",
                    Message::new(
                        "apierror-contenttoobig",
                        vec![kib.into()],
                        format!(
                            "The content you supplied exceeds the article size limit of {} kibibytes.",
                            crate::upload::thousands(kib as u64)
                        ),
                    ),
                );
            }
            PageError::EmptyNewSection => ("emptynewsection", vec![]),
            PageError::CantUndelete => ("cantundelete", vec![]),
        };
        ApiError::new(
            code,
            Message::new(&format!("apierror-{code}"), params, text),
        )
    }
}

/// `filekey`/`sessionkey` of the stashed upload after a recoverable error,
/// or MediaWiki's `stasherrors` when it could not be stashed.
fn with_stash_key(error: ApiError, stash_key: Option<String>) -> ApiError {
    match stash_key {
        Some(key) => error
            .with_data("filekey", key.clone())
            .with_data("sessionkey", key),
        None => with_stash_errors(error),
    }
}

/// MediaWiki's `stasherrors` after its attempt to stash an upload whose
/// temporary file is gone: in bc the status array, in the other error
/// formats the message itself.
fn with_stash_errors(mut error: ApiError) -> ApiError {
    let class = "UploadStashBadPathException";
    let reason = "Path doesn't exist.";
    error = error.with_data(
        "stasherrors",
        serde_json::json!([{
            "message": "uploadstash-exception",
            "params": [class, reason],
            "code": "uploadstash-exception",
            "type": "error",
        }]),
    );
    error.message_data.push((
        "stasherrors".to_owned(),
        vec![Message::new(
            "uploadstash-exception",
            vec![class.into(), reason.into()],
            format!("Could not store upload in the stash ({class}): \"{reason}\"."),
        )],
    ));
    error
}

/// `filetype-banned-type`'s parameters: the refused extension (or the comma
/// list of prohibited ones), the comma list of allowed ones, their count and
/// the count of refused ones.
fn name_params(error: &NameError) -> Vec<Value> {
    let NameError::FiletypeBanned {
        filetype,
        allowed,
        blacklisted,
    } = error
    else {
        return Vec::new();
    };
    let comma = |list: &[String]| serde_json::json!({"list": list, "type": "comma"});
    let (refused, count) = match blacklisted.is_empty() {
        true => (Value::from(filetype.as_str()), 1),
        false => (comma(blacklisted), blacklisted.len()),
    };
    vec![refused, comma(allowed), allowed.len().into(), count.into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banned_types_have_the_references_raw_parameters() {
        let allowed: Vec<String> = ["png", "gif"].map(String::from).to_vec();
        // As the reference answered for a real .zip (refused by name only).
        let zip = NameError::FiletypeBanned {
            filetype: "zip".into(),
            allowed: allowed.clone(),
            blacklisted: vec![],
        };
        assert_eq!(
            Value::from(name_params(&zip)),
            serde_json::json!(["zip", {"list": ["png", "gif"], "type": "comma"}, 2, 1])
        );
        let inner = NameError::FiletypeBanned {
            filetype: "png".into(),
            allowed,
            blacklisted: vec!["exe".into(), "php".into()],
        };
        assert_eq!(
            Value::from(name_params(&inner)),
            serde_json::json!([
                {"list": ["exe", "php"], "type": "comma"},
                {"list": ["png", "gif"], "type": "comma"},
                2,
                2
            ])
        );
    }
}
