//! `prop=imageinfo` and `prop=stashimageinfo`, and the `imageinfo` object
//! of upload results: one renderer of a file version's fields, in
//! MediaWiki's order, for all of them.

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::pageset::{PageEntry, file_name};
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::storage::{FILE_NAMESPACE, FileVersionRow, StashRow};
use crate::upload::UploadError;

pub const IMAGEINFO_PROPS: &[&str] = &[
    "archivename",
    "badfile",
    "bitdepth",
    "canonicaltitle",
    "comment",
    "commonmetadata",
    "dimensions",
    "extmetadata",
    "mediatype",
    "metadata",
    "mime",
    "parsedcomment",
    "sha1",
    "size",
    "thumbmime",
    "timestamp",
    "uploadwarning",
    "url",
    "user",
    "userid",
];

const STASH_PROPS: &[&str] = &[
    "badfile",
    "bitdepth",
    "canonicaltitle",
    "commonmetadata",
    "dimensions",
    "extmetadata",
    "metadata",
    "mime",
    "sha1",
    "size",
    "thumbmime",
    "timestamp",
    "url",
];

/// What a stash result's imageinfo shows.
pub const STASH_RESULT_PROPS: &[&str] = &[
    "timestamp",
    "size",
    "canonicaltitle",
    "url",
    "sha1",
    "metadata",
    "commonmetadata",
    "extmetadata",
    "mime",
    "bitdepth",
];

/// What a publish result's imageinfo shows: every property of the version.
const UPLOAD_RESULT_PROPS: &[&str] = &[
    "timestamp",
    "user",
    "userid",
    "size",
    "parsedcomment",
    "comment",
    "uploadwarning",
    "canonicaltitle",
    "url",
    "sha1",
    "metadata",
    "commonmetadata",
    "extmetadata",
    "mime",
    "mediatype",
    "bitdepth",
];

pub static IMAGEINFO: ModuleSpec = ModuleSpec {
    name: "imageinfo",
    path: "query+imageinfo",
    group: "prop",
    class: "ApiQueryImageInfo",
    prefix: "ii",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(IMAGEINFO_PROPS))
            .multi()
            .default("timestamp|user"),
        ParamSpec::new(
            "limit",
            ParamType::Limit {
                max: 500,
                high_max: 5000,
            },
        )
        .default("1"),
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::integer("urlwidth").default("-1"),
        ParamSpec::integer("urlheight").default("-1"),
        ParamSpec::string("metadataversion").default("1"),
        ParamSpec::string("extmetadatalanguage").default("en"),
        ParamSpec::flag("extmetadatamultilang"),
        ParamSpec::string("extmetadatafilter").multi(),
        ParamSpec::string("urlparam").default(""),
        ParamSpec::string("badfilecontexttitle"),
        ParamSpec::string("continue"),
        ParamSpec::flag("localonly"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Imageinfo"),
};

pub static STASHIMAGEINFO: ModuleSpec = ModuleSpec {
    name: "stashimageinfo",
    path: "query+stashimageinfo",
    group: "prop",
    class: "ApiQueryStashImageInfo",
    prefix: "sii",
    params: &[
        ParamSpec::string("filekey").multi(),
        ParamSpec::string("sessionkey").multi().deprecated(),
        ParamSpec::new("prop", ParamType::Enum(STASH_PROPS))
            .multi()
            .default("timestamp|url"),
        ParamSpec::integer("urlwidth").default("-1"),
        ParamSpec::integer("urlheight").default("-1"),
        ParamSpec::string("urlparam").default(""),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Stashimageinfo"),
};

/// Parsed `ii*` parameters.
pub struct ImageInfoParams {
    pub props: Vec<&'static str>,
    pub limit: i64,
    /// The client asked for `iilimit=max`.
    pub limit_is_max: bool,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl ImageInfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ImageInfoParams, ApiError> {
        let p = |name| IMAGEINFO.param(name);
        let props = reader.choices(p("prop"))?;
        let limit_is_max = reader.string(p("limit"))?.as_deref() == Some("max");
        let limit = reader.limit(p("limit"))?.unwrap_or(1);
        let start = reader.timestamp(p("start"))?;
        let end = reader.timestamp(p("end"))?;
        for name in ["urlwidth", "urlheight"] {
            reader.integer(p(name))?;
        }
        for name in [
            "metadataversion",
            "extmetadatalanguage",
            "urlparam",
            "badfilecontexttitle",
            "continue",
        ] {
            reader.string(p(name))?;
        }
        reader.strings(p("extmetadatafilter"))?;
        reader.flag(p("extmetadatamultilang"))?;
        reader.flag(p("localonly"))?;
        Ok(ImageInfoParams {
            props,
            limit,
            limit_is_max,
            start,
            end,
        })
    }
}

/// Parsed `sii*` parameters.
pub struct StashImageInfoParams {
    keys: Vec<String>,
    props: Vec<&'static str>,
}

impl StashImageInfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<StashImageInfoParams, ApiError> {
        let p = |name| STASHIMAGEINFO.param(name);
        let mut keys = reader.strings(p("filekey"))?;
        keys.extend(reader.strings(p("sessionkey"))?);
        let props = reader.choices(p("prop"))?;
        reader.integer(p("urlwidth"))?;
        reader.integer(p("urlheight"))?;
        reader.string(p("urlparam"))?;
        if keys.is_empty() {
            return Err(ApiError::new(
                "missingparam",
                crate::api::Message::new(
                    "apierror-missingparam-at-least-one-of",
                    vec!["siifilekey".into(), "siisessionkey".into()],
                    "At least one of the parameters <var>siifilekey</var> and <var>siisessionkey</var> is required.".into(),
                ),
            ));
        }
        Ok(StashImageInfoParams { keys, props })
    }
}

/// Adds `imageinfo` (the file's history, newest first, `iilimit` versions)
/// to a File page; returns the continuation when versions remain
/// (`iistart` for a single page, `iicontinue` for several).
pub async fn add(
    entry: &mut PageEntry,
    params: &ImageInfoParams,
    single: bool,
    ctx: &Ctx<'_>,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let Some(name) = file_name(entry).map(str::to_owned) else {
        return Ok(None);
    };
    let page_id = entry.existing().map(|p| p.id);
    let mut name = name;
    let mut history = ctx
        .app
        .db
        .file_history(&name, params.start, params.end, params.limit + 1)
        .await?;
    // A redirect left by a move shows the file it points to.
    if history.is_empty()
        && let Some(page) = entry.existing().filter(|p| p.is_redirect())
        && let Some((crate::pages::title::FILE, target, _)) =
            ctx.app.db.redirect_target(page.id).await?
    {
        history = ctx
            .app
            .db
            .file_history(&target, params.start, params.end, params.limit + 1)
            .await?;
        name = target;
    }
    if history.is_empty() {
        entry.fields.insert("imagerepository".into(), "".into());
        return Ok(None);
    }
    entry
        .fields
        .insert("imagerepository".into(), "local".into());
    let limit = usize::try_from(params.limit).unwrap_or(1);
    let next = history.get(limit).map(|next| {
        let mut pending = Map::new();
        if single {
            pending.insert("iistart".into(), iso_timestamp(next.timestamp).into());
        } else {
            pending.insert(
                "iicontinue".into(),
                format!("{name}|{}", crate::upload::timestamp14(next.timestamp)).into(),
            );
        }
        pending
    });
    let versions: Vec<Value> = history
        .iter()
        .take(limit)
        .map(|row| Value::Object(version_info(row, &params.props, page_id, ctx)))
        .collect();
    entry.fields.insert("imageinfo".into(), versions.into());
    Ok(next)
}

/// The text form of a DB key: underscores become spaces.
fn text_of(db_key: &str) -> String {
    db_key.replace('_', " ")
}

/// imageinfo's `extmetadata`: what core MediaWiki reports without extensions.
fn ext_metadata(timestamp: i64, object_name: &str) -> Value {
    json!({
        "DateTime": {"value": iso_timestamp(timestamp), "source": "mediawiki-metadata", "hidden": ""},
        "ObjectName": {"value": object_name, "source": "mediawiki-metadata", "hidden": ""},
    })
}

fn without_extension(text: &str) -> &str {
    text.rsplit_once('.').map_or(text, |(base, _)| base)
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// What imageinfo can say about a file, published or stashed: one view, so
/// that every kind of file is rendered by the same code.
struct FileView<'a> {
    timestamp: i64,
    user_name: &'a str,
    user_id: i64,
    size: i64,
    width: i64,
    height: i64,
    comment: &'a str,
    /// The name in text form (`canonicaltitle` is `File:` + this).
    display_name: String,
    url: String,
    description_url: String,
    short_url: Option<String>,
    sha1: &'a str,
    metadata: &'a str,
    common_metadata: &'a str,
    mime: &'a str,
    media_type: &'a str,
    archive_name: Option<&'a str>,
    bits: i64,
}

/// The requested fields of `view`, in MediaWiki's order.
fn render(view: &FileView<'_>, props: &[&str]) -> Map<String, Value> {
    let wants = |p: &str| props.contains(&p);
    let mut info = Map::new();
    if wants("timestamp") {
        info.insert("timestamp".into(), iso_timestamp(view.timestamp).into());
    }
    if wants("user") {
        info.insert("user".into(), view.user_name.into());
    }
    if wants("userid") {
        info.insert("userid".into(), view.user_id.into());
    }
    if wants("size") || wants("dimensions") {
        info.insert("size".into(), view.size.into());
        info.insert("width".into(), view.width.into());
        info.insert("height".into(), view.height.into());
    }
    if wants("parsedcomment") {
        info.insert("parsedcomment".into(), escape_html(view.comment).into());
    }
    if wants("comment") {
        info.insert("comment".into(), view.comment.into());
    }
    if wants("uploadwarning") {
        info.insert(
            "html".into(),
            format!(
                "<p>A file with this name exists already, please check <strong><a class=\"mw-selflink selflink\">File:{}</a></strong> if you are not sure if you want to overwrite it.\n</p>\n",
                escape_html(&view.display_name)
            )
            .into(),
        );
    }
    if wants("canonicaltitle") {
        info.insert(
            "canonicaltitle".into(),
            format!("File:{}", view.display_name).into(),
        );
    }
    if wants("url") {
        info.insert("url".into(), view.url.clone().into());
        info.insert("descriptionurl".into(), view.description_url.clone().into());
        if let Some(short) = &view.short_url {
            info.insert("descriptionshorturl".into(), short.clone().into());
        }
    }
    if wants("sha1") {
        info.insert("sha1".into(), view.sha1.into());
    }
    if wants("metadata") {
        info.insert("metadata".into(), parse_json(view.metadata));
    }
    if wants("commonmetadata") {
        info.insert("commonmetadata".into(), parse_json(view.common_metadata));
    }
    if wants("extmetadata") {
        info.insert(
            "extmetadata".into(),
            ext_metadata(view.timestamp, without_extension(&view.display_name)),
        );
    }
    if wants("mime") {
        info.insert("mime".into(), view.mime.into());
    }
    if wants("mediatype") {
        info.insert("mediatype".into(), view.media_type.into());
    }
    if let (true, Some(archive)) = (wants("archivename"), view.archive_name) {
        info.insert("archivename".into(), archive.into());
    }
    if wants("bitdepth") {
        info.insert("bitdepth".into(), view.bits.into());
    }
    info
}

/// The fields of one version, in MediaWiki's order, for `props`.
pub fn version_info(
    row: &FileVersionRow,
    props: &[&str],
    page_id: Option<i64>,
    ctx: &Ctx<'_>,
) -> Map<String, Value> {
    let repo = ctx.app.uploads.repo();
    let view = FileView {
        timestamp: row.timestamp,
        user_name: row.user_name.as_deref().unwrap_or_default(),
        user_id: row.user_id.unwrap_or(0),
        size: row.size,
        width: row.width,
        height: row.height,
        comment: &row.comment,
        display_name: text_of(&row.name),
        url: match &row.archive_name {
            Some(archive) => repo.archive_url(&row.name, archive),
            None => repo.public_url(&row.name),
        },
        description_url: repo.description_url(&row.name),
        short_url: page_id.map(|id| {
            format!(
                "{}{}/index.php?curid={id}",
                ctx.app.server, ctx.app.config.script_path
            )
        }),
        sha1: &row.sha1,
        metadata: &row.metadata,
        common_metadata: &row.common_metadata,
        mime: &row.mime,
        media_type: &row.media_type,
        archive_name: row.archive_name.as_deref(),
        bits: row.bits,
    };
    render(&view, props)
}

/// The imageinfo of a publish result.
pub async fn upload_result_info(row: &FileVersionRow, ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    // Like MediaWiki, the short URL appears only once the page existed
    // before this upload, i.e. on re-uploads.
    let page_id = if row.archive_name.is_none() && is_reupload(row, ctx).await? {
        ctx.app.db.page_id(FILE_NAMESPACE, &row.name).await?
    } else {
        None
    };
    Ok(Value::Object(version_info(
        row,
        UPLOAD_RESULT_PROPS,
        page_id,
        ctx,
    )))
}

async fn is_reupload(row: &FileVersionRow, ctx: &Ctx<'_>) -> Result<bool, ApiError> {
    let history = ctx.app.db.file_history(&row.name, None, None, 2).await?;
    Ok(history.len() > 1)
}

/// The imageinfo of a stash entry. Stash props name no user, comment or
/// media type, so those stay empty in its view.
pub fn stash_info(entry: &StashRow, props: &[&str], ctx: &Ctx<'_>) -> Value {
    let url = ctx.app.uploads.repo().stash_url(&entry.file_key);
    let view = FileView {
        timestamp: entry.created_at,
        user_name: "",
        user_id: entry.user_id,
        size: entry.size,
        width: entry.width,
        height: entry.height,
        comment: "",
        display_name: entry.temp_name.clone(),
        description_url: url.clone(),
        url,
        short_url: None,
        sha1: &entry.sha1,
        metadata: &entry.metadata,
        common_metadata: &entry.common_metadata,
        mime: &entry.mime,
        media_type: "",
        archive_name: None,
        bits: entry.bits,
    };
    Value::Object(render(&view, props))
}

/// `prop=stashimageinfo`: a list, one object per key.
pub async fn stash_image_info(
    params: StashImageInfoParams,
    ctx: &mut Ctx<'_>,
) -> Result<Value, ApiError> {
    let Some(user) = ctx.identity.user.clone() else {
        return Err(ApiError::new(
            "notloggedin",
            crate::api::Message::new(
                "apierror-mustbeloggedin-uploadstash",
                vec![],
                "The upload stash is only available to logged-in users.".into(),
            ),
        ));
    };
    let mut list = Vec::new();
    for key in &params.keys {
        let entry = match ctx
            .app
            .uploads
            .stash_entry_for_query(key, Some(user.id))
            .await
        {
            // MediaWiki 1.39 lets this exception escape uncaught.
            Err(UploadError::Stash(crate::upload::stash::StashError::WrongOwner(_))) => {
                return Err(ApiError::internal("UploadStashWrongOwnerException"));
            }
            other => other?,
        };
        list.push(stash_info(&entry, &params.props, ctx));
    }
    Ok(Value::Array(list))
}

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
