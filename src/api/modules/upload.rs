//! `action=upload`: parameters and MediaWiki's checks in its order (source,
//! rights, then the upload domain), and the shapes of its answers.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::imageinfo;
use crate::api::request::UploadedPart;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType};
use crate::auth::TokenType;
use crate::auth::throttle::RateLimitCheck;
use crate::upload::chunked::{ChunkOutcome, ChunkRequest, ChunkTarget};
use crate::upload::fetch::FetchProgress;
use crate::upload::jobs::{self, UrlUpload};
use crate::upload::status::{self, StatusDetails};
use crate::upload::warnings::{Existence, Warnings};
use crate::upload::{OverwriteRights, Source, UploadOutcome, UploadRequest};

/// The largest `filesize` MediaWiki's parameter declaration allows
/// ($wgMaxUploadSize of the reference); larger values are clamped.
const FILESIZE_MAX: i64 = 2_147_483_648;

pub static UPLOAD: ModuleSpec = ModuleSpec {
    name: "upload",
    path: "upload",
    group: "action",
    class: "ApiUpload",
    prefix: "",
    params: &[
        ParamSpec::string("filename"),
        ParamSpec::string("comment").default(""),
        ParamSpec::new("tags", ParamType::Enum(&[])).multi(),
        ParamSpec::new("text", ParamType::Text),
        ParamSpec::flag("watch").deprecated(),
        ParamSpec::new(
            "watchlist",
            ParamType::Enum(&["nochange", "preferences", "watch"]),
        )
        .default("preferences"),
        ParamSpec::flag("ignorewarnings"),
        ParamSpec::new("file", ParamType::Upload),
        ParamSpec::string("url"),
        ParamSpec::string("filekey"),
        ParamSpec::string("sessionkey").deprecated(),
        ParamSpec::flag("stash"),
        ParamSpec::new(
            "filesize",
            ParamType::Integer {
                min: Some(0),
                max: Some(FILESIZE_MAX),
            },
        ),
        ParamSpec::new(
            "offset",
            ParamType::Integer {
                min: Some(0),
                max: None,
            },
        ),
        ParamSpec::new("chunk", ParamType::Upload),
        ParamSpec::flag("async"),
        ParamSpec::flag("checkstatus"),
        ParamSpec::token(TokenType::Csrf),
    ],
    must_post: true,
    write: true,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Upload"),
};

pub struct UploadParams {
    filename: Option<String>,
    comment: String,
    tags: Vec<String>,
    text: Option<String>,
    ignore_warnings: bool,
    file: Option<UploadedPart>,
    url: Option<String>,
    filekey: Option<String>,
    stash: bool,
    filesize: Option<i64>,
    offset: Option<i64>,
    chunk: Option<UploadedPart>,
    run_async: bool,
    checkstatus: bool,
}

impl UploadParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<UploadParams, ApiError> {
        let p = |name| UPLOAD.param(name);
        let filename = reader.string(p("filename"))?;
        let comment = reader.string(p("comment"))?.unwrap_or_default();
        // Tags are checked against the (empty) list of defined tags later,
        // with MediaWiki's own error, so read them as plain strings here.
        let tags = reader.strings(&ParamSpec::string("tags").multi())?;
        let text = reader.string(p("text"))?;
        reader.flag(p("watch"))?;
        reader.choice(p("watchlist"))?;
        let ignore_warnings = reader.flag(p("ignorewarnings"))?;
        let file = reader.upload(p("file"))?;
        let url = reader.string(p("url"))?;
        let filekey = reader.string(p("filekey"))?;
        let sessionkey = reader.string(p("sessionkey"))?;
        let stash = reader.flag(p("stash"))?;
        let filesize = reader.integer(p("filesize"))?;
        let offset = reader.integer(p("offset"))?;
        let chunk = reader.upload(p("chunk"))?;
        let run_async = reader.flag(p("async"))?;
        let checkstatus = reader.flag(p("checkstatus"))?;
        Ok(UploadParams {
            filename,
            comment,
            tags,
            text,
            ignore_warnings,
            file,
            url,
            filekey: filekey.filter(|k| !k.is_empty()).or(sessionkey),
            stash,
            filesize,
            offset,
            chunk,
            run_async,
            checkstatus,
        })
    }
}

pub async fn execute(mut params: UploadParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let app = ctx.app;
    if !app.config.enable_uploads {
        return Err(simple("uploaddisabled", "Uploads disabled."));
    }
    // Like MediaWiki, `async` is silently off unless the server allows it.
    params.run_async &= app.config.enable_async_uploads;
    if !params.checkstatus {
        app.uploads.check_free_space().await?;
    }
    if params.chunk.is_none() {
        check_one_source(&params)?;
        if params.checkstatus {
            if let Some(key) = &params.filekey {
                return check_status(key, ctx).await;
            }
            // An async URL upload is polled by its URL and name (1.42+).
            if let (Some(url), Some(filename), Some(user)) =
                (&params.url, &params.filename, &ctx.identity.user)
            {
                let key = jobs::url_status_key(user.id, filename, url);
                return check_status(&key, ctx).await;
            }
        }
    }
    let Some(filename) = params.filename.take() else {
        return Err(ApiError::new(
            "nofilename",
            Message::new(
                "apierror-missingparam",
                vec!["filename".into()],
                "The <var>filename</var> parameter must be set.".into(),
            ),
        ));
    };
    if let Some(chunk) = params.chunk.take() {
        return execute_chunk(params, filename, chunk, ctx).await;
    }
    let user_id = ctx.identity.user.as_ref().map(|u| u.id);
    // A URL is checked here, and fetched only after the rights check.
    let chosen = if let Some(key) = &params.filekey {
        let entry = app.uploads.stash_entry(key, user_id).await?;
        Chosen::Ready(Box::new(Source::Stashed(entry)))
    } else if let Some(url) = params.url.take() {
        if !app.config.allow_copy_uploads {
            return Err(simple("copyuploaddisabled", "Upload by URL disabled."));
        }
        app.uploads.check_url_source(&url)?;
        Chosen::Url(url)
    } else {
        match params.file.take() {
            Some(_) if params.run_async => {
                return Err(simple(
                    "cannot-async-upload-file",
                    "The parameters \"async\" and \"file\" cannot be combined. If you want asynchronous processing of your uploaded file, first upload it to stash (using the \"stash\" parameter) and then publish the stashed file asynchronously (using \"filekey\" and \"async\").",
                ));
            }
            Some(part) => Chosen::Ready(Box::new(Source::Received(part.file))),
            None => return Err(simple("missingparam", "No file was sent.")),
        }
    };
    if matches!(chosen, Chosen::Url(_))
        && !ctx.identity.is_anonymous()
        && !ctx.identity.has_right("upload_by_url")
    {
        return Err(permission_denied(ctx, "upload_by_url"));
    }
    let user = authorize(&params.tags, ctx)?;
    let source = match chosen {
        Chosen::Ready(source) => *source,
        Chosen::Url(url) if params.run_async => {
            return queue_url_upload(url, params, filename, &user, ctx).await;
        }
        Chosen::Url(url) => {
            let progress = FetchProgress::new();
            Source::Fetched(app.uploads.fetch_url(&url, &progress).await?)
        }
    };
    let request = UploadRequest {
        user_id: user.id,
        user_name: user.name.clone(),
        rights: overwrite_rights(ctx),
        filename,
        source,
        comment: params.comment,
        text: params.text,
        ignore_warnings: params.ignore_warnings,
        stash: params.stash,
        rate_limit: RateLimitCheck::new(
            &app.config.rate_limits,
            "upload",
            &ctx.identity,
            ctx.client_ip,
        ),
    };
    let outcome = match params.run_async {
        true => app.uploads.queue_publish(request).await?,
        false => app.uploads.upload(request).await?,
    };
    let mut result = Map::new();
    match outcome {
        UploadOutcome::Warning {
            warnings,
            stash_key,
        } => {
            result.insert("result".into(), "Warning".into());
            result.insert("warnings".into(), render_warnings(&warnings));
            result.insert("filekey".into(), stash_key.clone().into());
            result.insert("sessionkey".into(), stash_key.into());
        }
        UploadOutcome::Stashed { warnings, entry } => {
            result.insert("result".into(), "Success".into());
            if !warnings.is_empty() {
                result.insert("warnings".into(), render_warnings(&warnings));
            }
            result.insert("filekey".into(), entry.file_key.clone().into());
            result.insert("sessionkey".into(), entry.file_key.clone().into());
            result.insert(
                "imageinfo".into(),
                imageinfo::stash_info(&entry, imageinfo::STASH_RESULT_PROPS, None, ctx),
            );
        }
        UploadOutcome::Queued { warnings, name } => {
            result.insert("result".into(), "Poll".into());
            result.insert("stage".into(), "queued".into());
            result.insert("filename".into(), name.as_db_key().into());
            if !warnings.is_empty() {
                result.insert("warnings".into(), render_warnings(&warnings));
            }
        }
        UploadOutcome::Published {
            warnings,
            name,
            version,
        } => {
            result.insert("result".into(), "Success".into());
            result.insert("filename".into(), name.as_db_key().into());
            if !warnings.is_empty() {
                result.insert("warnings".into(), render_warnings(&warnings));
            }
            let info = imageinfo::upload_result_info(&version, ctx).await?;
            result.insert("imageinfo".into(), info);
        }
    }
    ctx.output.add("upload", Value::Object(result));
    Ok(())
}

/// `url` + `async=1`: the download runs as a job; poll it with
/// `checkstatus` + `url` + `filename`.
async fn queue_url_upload(
    url: String,
    params: UploadParams,
    filename: String,
    user: &crate::auth::User,
    ctx: &mut Ctx<'_>,
) -> Result<(), ApiError> {
    let upload = UrlUpload {
        url,
        user_id: user.id,
        user_name: user.name.clone(),
        rights: overwrite_rights(ctx),
        filename,
        comment: params.comment,
        text: params.text,
        ignore_warnings: params.ignore_warnings,
        stash: params.stash,
    };
    let name = ctx.app.uploads.queue_url_upload(upload).await?;
    let mut result = Map::new();
    result.insert("result".into(), "Poll".into());
    result.insert("stage".into(), "queued".into());
    result.insert("filename".into(), name.as_db_key().into());
    ctx.output.add("upload", Value::Object(result));
    Ok(())
}

/// Where an upload's bytes will come from, once the rights are checked.
enum Chosen {
    Ready(Box<Source>),
    /// Downloaded after the rights check, as MediaWiki orders it.
    Url(String),
}

/// Without a chunk, exactly one of `filekey`, `file` and `url`.
fn check_one_source(params: &UploadParams) -> Result<(), ApiError> {
    let sources = [
        ("filekey", params.filekey.is_some()),
        ("file", params.file.is_some()),
        ("url", params.url.is_some()),
    ];
    let given: Vec<&str> = sources
        .iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| *n)
        .collect();
    match given.as_slice() {
        [] => Err(ApiError::new(
            "missingparam",
            Message::new(
                "apierror-missingparam-one-of",
                vec!["filekey".into(), "file".into(), "url".into()],
                "One of the parameters <var>filekey</var>, <var>file</var> and <var>url</var> is required.".into(),
            ),
        )),
        [_] => Ok(()),
        [first, second, ..] => Err(ApiError::new(
            "invalidparammix",
            Message::new(
                "apierror-invalidparammix-cannotusewith",
                vec![(*first).into(), (*second).into()],
                format!(
                    "The parameters <var>{first}</var> and <var>{second}</var> can not be used together."
                ),
            ),
        )),
    }
}

/// The rights to upload, then the tags (none can be applied); the user.
fn authorize(tags: &[String], ctx: &Ctx<'_>) -> Result<crate::auth::User, ApiError> {
    check_upload_rights(ctx)?;
    if !tags.is_empty() {
        return Err(bad_tags(tags));
    }
    ctx.identity.user.clone().ok_or_else(must_be_logged_in)
}

/// `badtags`: no change tag is defined, so none may be applied.
pub fn bad_tags(tags: &[String]) -> ApiError {
    let list = tags.join(", ");
    let text = if tags.len() == 1 {
        format!("The tag \"{list}\" is not allowed to be manually applied.")
    } else {
        format!("The following tags are not allowed to be manually applied: {list}")
    };
    ApiError::new(
        "badtags",
        Message::new("tags-apply-not-allowed-one", vec![list.into()], text),
    )
    .with_data("disallowedtags", tags.to_vec())
}

fn overwrite_rights(ctx: &Ctx<'_>) -> OverwriteRights {
    OverwriteRights {
        reupload: ctx.identity.has_right("reupload"),
        reupload_own: ctx.identity.has_right("reupload-own"),
    }
}

/// A chunk of a chunked upload: which upload it belongs to, then the domain.
async fn execute_chunk(
    params: UploadParams,
    filename: String,
    chunk: UploadedPart,
    ctx: &mut Ctx<'_>,
) -> Result<(), ApiError> {
    let user_id = ctx.identity.user.as_ref().map(|u| u.id);
    let target = match (&params.filekey, params.offset) {
        (Some(_), Some(0)) => {
            return Err(simple(
                "filekeynotallowed",
                "Cannot supply a \"filekey\" when \"offset\" is 0.",
            ));
        }
        (Some(key), Some(_)) => {
            ChunkTarget::Continue(ctx.app.uploads.chunked_upload(key, user_id).await?)
        }
        // MediaWiki's loose comparison makes a missing offset 0: the chunk
        // starts a new upload, whatever the key.
        (Some(_), None) | (None, Some(0)) => ChunkTarget::New,
        (None, _) => {
            return Err(simple(
                "filekeyneeded",
                "Must supply a \"filekey\" when \"offset\" is non-zero.",
            ));
        }
    };
    let user = authorize(&params.tags, ctx)?;
    let request = ChunkRequest {
        user_id: user.id,
        rights: overwrite_rights(ctx),
        filename,
        filesize: u64::try_from(params.filesize.unwrap_or(0)).unwrap_or(0),
        offset: u64::try_from(params.offset.unwrap_or(0)).unwrap_or(0),
        target,
        chunk: chunk.file,
        stash: params.stash,
        ignore_warnings: params.ignore_warnings,
        run_async: params.run_async,
    };
    let outcome = ctx.app.uploads.upload_chunk(request).await?;
    let mut result = Map::new();
    let warnings = match &outcome {
        ChunkOutcome::Warning { .. } => None,
        ChunkOutcome::Continue { warnings, .. }
        | ChunkOutcome::Assembled { warnings, .. }
        | ChunkOutcome::Queued { warnings, .. } => Some(warnings),
    };
    if let Some(warnings) = warnings.filter(|w| !w.is_empty()) {
        result.insert("warnings".into(), render_warnings(warnings));
    }
    match outcome {
        ChunkOutcome::Warning { warnings, key } => {
            result.insert("result".into(), "Warning".into());
            result.insert("warnings".into(), render_warnings(&warnings));
            result.insert("filekey".into(), key.clone().into());
            result.insert("sessionkey".into(), key.into());
        }
        ChunkOutcome::Continue { key, offset, .. } => {
            result.insert("result".into(), "Continue".into());
            result.insert("offset".into(), offset.into());
            result.insert("filekey".into(), key.into());
        }
        ChunkOutcome::Assembled { entry, .. } => {
            result.insert("result".into(), "Success".into());
            result.insert("filekey".into(), entry.file_key.clone().into());
            result.insert(
                "imageinfo".into(),
                imageinfo::stash_info(&entry, imageinfo::STASH_RESULT_PROPS, None, ctx),
            );
        }
        ChunkOutcome::Queued { key, .. } => {
            result.insert("result".into(), "Poll".into());
            result.insert("stage".into(), "queued".into());
            result.insert("filekey".into(), key.into());
        }
    }
    ctx.output.add("upload", Value::Object(result));
    Ok(())
}

/// `checkstatus=1`: the status of the user's upload `key`, as recorded by
/// the chunks and jobs that worked on it.
async fn check_status(key: &str, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let user_id = ctx.identity.user.as_ref().map(|u| u.id);
    let Some(status) = ctx.app.uploads.upload_status(key, user_id).await? else {
        return Err(simple("missingresult", "No result in status data."));
    };
    let details = StatusDetails::parse(&status.details);
    if let Some(text) = &details.error {
        return Err(simple("stashfailed", text));
    }
    let mut result = Map::new();
    result.insert("result".into(), status.result.clone().into());
    result.insert("stage".into(), status.stage.clone().into());
    if status.result == status::CONTINUE {
        result.insert("offset".into(), status.received.into());
    }
    if let Some(loaded) = details.loaded {
        result.insert("loaded".into(), loaded.into());
        if let Some(length) = details.content_length {
            result.insert("contentlength".into(), length.into());
        }
    }
    if let Some(filekey) = &details.filekey {
        result.insert("filekey".into(), filekey.clone().into());
    }
    if let Some(filename) = &details.filename {
        result.insert("filename".into(), filename.clone().into());
    }
    if !details.warnings.is_empty() {
        result.insert("warnings".into(), render_warnings(&details.warnings));
    }
    if status.result == status::SUCCESS
        && let Some(filekey) = &details.filekey
        && let Ok(entry) = ctx.app.uploads.stash_entry(filekey, user_id).await
    {
        let info = imageinfo::stash_info(&entry, imageinfo::STASH_RESULT_PROPS, None, ctx);
        result.insert("imageinfo".into(), info);
    }
    if let (Some(filename), Some(timestamp)) = (&details.filename, details.timestamp)
        && let Some(version) = ctx
            .app
            .db
            .file_history(filename, Some(timestamp), Some(timestamp), 1)
            .await?
            .first()
    {
        let info = imageinfo::upload_result_info(version, ctx).await?;
        result.insert("imageinfo".into(), info);
    }
    ctx.output.add("upload", Value::Object(result));
    Ok(())
}

/// `upload` and `edit`, as MediaWiki checks them for file uploads.
fn check_upload_rights(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    if ctx.identity.is_anonymous() {
        return Err(must_be_logged_in());
    }
    for right in ["upload", "edit"] {
        if !ctx.identity.has_right(right) {
            return Err(permission_denied(ctx, right));
        }
    }
    Ok(())
}

fn must_be_logged_in() -> ApiError {
    simple(
        "mustbeloggedin",
        "You must be logged in to upload this file.",
    )
}

/// `permissiondenied`, naming the groups that have the right as MediaWiki
/// does; its text names no right, so the log names it and the bot password
/// grants that give it.
pub fn permission_denied(ctx: &Ctx<'_>, right: &str) -> ApiError {
    tracing::info!(
        right,
        grants = crate::auth::rights::grants_with_right(right).join(" "),
        "permissiondenied: the account lacks the right (a bot password needs one of the grants)"
    );
    let policy = ctx.app.accounts.policy();
    let project = &ctx.app.config.sitename;
    let groups: Vec<String> = policy
        .groups_with_right(right)
        .into_iter()
        .filter(|g| g != "*")
        .map(|g| format!("[[{project}:{}|{}]]", group_page(&g), group_page(&g)))
        .collect();
    let text = match groups.len() {
        0 => "You are not allowed to execute the action you have requested.".to_owned(),
        1 => format!(
            "The action you have requested is limited to users in the group: {}.",
            groups[0]
        ),
        _ => format!(
            "The action you have requested is limited to users in one of the groups: {}.",
            groups.join(", ")
        ),
    };
    let count = groups.len();
    let params = match count {
        0 => Vec::new(),
        _ => vec![groups.join(", ").into(), count.into()],
    };
    let key = match count {
        0 => "badaccess-group0",
        _ => "badaccess-groups",
    };
    ApiError::new("permissiondenied", Message::new(key, params, text))
}

/// The English name of a group's members, as in MediaWiki's `group-*` messages.
fn group_page(group: &str) -> String {
    match group {
        "user" => "Users".into(),
        "sysop" => "Administrators".into(),
        "bot" => "Bots".into(),
        "bureaucrat" => "Bureaucrats".into(),
        "autoconfirmed" => "Autoconfirmed users".into(),
        "interface-admin" => "Interface administrators".into(),
        "suppress" => "Suppressors".into(),
        other => {
            let mut chars = other.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn simple(code: &str, text: &str) -> ApiError {
    ApiError::new(code, Message::new(code, vec![], text.to_owned()))
}

/// The warnings object, keys in MediaWiki's order.
pub fn render_warnings(warnings: &Warnings) -> Value {
    let mut out = Map::new();
    if let Some(name) = &warnings.badfilename {
        out.insert("badfilename".into(), name.clone().into());
    }
    if let Some(name) = &warnings.was_deleted {
        out.insert("was-deleted".into(), name.clone().into());
    }
    if !warnings.duplicate.is_empty() {
        out.insert("duplicate".into(), warnings.duplicate.clone().into());
    }
    if let Some(name) = &warnings.duplicate_archive {
        out.insert("duplicate-archive".into(), name.clone().into());
    }
    if let Some(existence) = &warnings.existence {
        let (key, name) = match existence {
            Existence::Exists(n) => ("exists", n),
            Existence::PageExists(n) => ("page-exists", n),
            Existence::ExistsNormalized(n) => ("exists-normalized", n),
            Existence::Thumb(n) => ("thumb", n),
            Existence::ThumbName(n) => ("thumb-name", n),
            Existence::BadPrefix(n) => ("bad-prefix", n),
        };
        out.insert(key.into(), name.clone().into());
    }
    if let Some(timestamp) = warnings.nochange {
        out.insert(
            "nochange".into(),
            serde_json::json!({"timestamp": crate::api::iso_timestamp(timestamp)}),
        );
    }
    if !warnings.duplicate_versions.is_empty() {
        let versions: Vec<Value> = warnings
            .duplicate_versions
            .iter()
            .map(|t| serde_json::json!({"timestamp": crate::api::iso_timestamp(*t)}))
            .collect();
        out.insert("duplicateversions".into(), versions.into());
    }
    Value::Object(out)
}
