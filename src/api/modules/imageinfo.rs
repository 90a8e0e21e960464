//! `prop=imageinfo` and `prop=stashimageinfo`, and the `imageinfo` object
//! of upload results: one renderer of a file version's fields, in
//! MediaWiki's order, for all of them.

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::pageset::{PageEntry, file_name};
use crate::api::wikilinks;
use crate::api::{
    ApiError, AppState, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp,
};
use crate::media::handler::{Handler, ThumbParams, php_round};
use crate::media::thumb::{ThumbSource, Transform};
use crate::pages::title::Title;
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
    pub scale: ThumbRequest,
}

/// What `*urlwidth`, `*urlheight` and `*urlparam` ask for.
#[derive(Debug, Clone, Default)]
pub struct ThumbRequest {
    /// None when no thumbnail is asked for.
    asked: Option<Box<AskedThumb>>,
}

/// A thumbnail request: `getScale`'s size and `*urlparam`.
#[derive(Debug, Clone, Default)]
struct AskedThumb {
    scale: ThumbParams,
    url_param: String,
}

/// A warning for the module's output.
pub type ModuleWarning = (&'static str, Message);

impl ThumbRequest {
    fn parse(
        reader: &mut ParamReader<'_>,
        spec: &'static ModuleSpec,
    ) -> Result<ThumbRequest, ApiError> {
        let p = |name| spec.param(name);
        let width = reader.integer(p("urlwidth"))?.unwrap_or(-1);
        let height = reader.integer(p("urlheight"))?.unwrap_or(-1);
        let url_param = reader.string(p("urlparam"))?.unwrap_or_default();
        let scale = if width != -1 {
            Some(ThumbParams {
                width: Some(width),
                height: Some(height),
                ..ThumbParams::default()
            })
        } else if height != -1 {
            Some(ThumbParams {
                height: Some(height),
                ..ThumbParams::default()
            })
        } else if !url_param.is_empty() {
            Some(ThumbParams::default())
        } else {
            None
        }
        .map(|scale| Box::new(AskedThumb { scale, url_param }));
        Ok(ThumbRequest { asked: scale })
    }

    /// `mergeThumbParams`: the thumbnail parameters for `file` (a file's
    /// current version, or a stashed file), with the warnings they give; an
    /// error when they are invalid or cannot be normalised.
    pub fn for_file(
        &self,
        file: &ThumbSource,
        prefix: &str,
        ctx: &Ctx<'_>,
    ) -> Result<(Option<ThumbParams>, Vec<ModuleWarning>), ApiError> {
        let mut warnings = Vec::new();
        let Some(asked) = self.asked.as_deref() else {
            return Ok((None, warnings));
        };
        let mut params = asked.scale.clone();
        let name = &file.name;
        let facts = &file.facts;
        if params.width.is_none() && params.height.is_some() {
            params.width = Some(if facts.width <= 0 {
                ctx.app
                    .config
                    .thumb_limits
                    .iter()
                    .max()
                    .map_or(0, |&w| i64::from(w))
            } else {
                facts.width
            });
        }
        let handler = Handler::for_mime(&facts.mime);
        let normalisable = |params: &ThumbParams| -> Result<(), ApiError> {
            let limits = crate::media::handler::HandlerLimits {
                svg_max_size: i64::from(ctx.app.config.svg_max_size),
            };
            match handler {
                Some(handler) if handler.normalise(facts, params, &limits).is_none() => {
                    Err(ApiError::new(
                        "urlparamnormal",
                        Message::new(
                            "apierror-urlparamnormal",
                            vec![name.clone().into()],
                            format!("Could not normalize image parameters for {name}."),
                        ),
                    ))
                }
                _ => Ok(()),
            }
        };
        if asked.url_param.is_empty() {
            normalisable(&params)?;
            return Ok((Some(params), warnings));
        }
        let Some(handler) = handler else {
            warnings.push((
                "nothumb-noimagehandler",
                Message::new(
                    "apiwarn-nothumb-noimagehandler",
                    vec![name.clone().into()],
                    format!(
                        "Could not create thumbnail because {name} does not have an associated image handler."
                    ),
                ),
            ));
            return Ok((Some(params), warnings));
        };
        let Some(parsed) = handler.parse_param_string(&asked.url_param) else {
            warnings.push((
                "badurlparam",
                Message::new(
                    "apiwarn-badurlparam",
                    vec![prefix.into(), name.clone().into()],
                    format!(
                        "Could not parse <var>{prefix}urlparam</var> for {name}. Using only width and height."
                    ),
                ),
            ));
            normalisable(&params)?;
            return Ok((Some(params), warnings));
        };
        if let (Some(theirs), Some(ours)) = (parsed.width, params.width)
            && theirs != ours
        {
            warnings.push((
                "urlparamwidth",
                Message::new(
                    "apiwarn-urlparamwidth",
                    vec![prefix.into(), theirs.into(), ours.into()],
                    format!(
                        "Ignoring width value set in <var>{prefix}urlparam</var> ({theirs}) in favor of width value derived from <var>{prefix}urlwidth</var>/<var>{prefix}urlheight</var> ({ours})."
                    ),
                ),
            ));
        }
        if let Err((key, value)) = handler.params_valid(&parsed) {
            return Err(ApiError::new(
                "invalidurlparam",
                Message::new(
                    "apierror-invalidurlparam",
                    vec![prefix.into(), key.into(), value.clone().into()],
                    format!(
                        "Invalid value for <var>{prefix}urlparam</var> (<kbd>{key}={value}</kbd>)."
                    ),
                ),
            ));
        }
        // `$thumbParams + $paramList`: the API's width and height win.
        let merged = ThumbParams {
            width: params.width.or(parsed.width),
            height: params.height.or(parsed.height),
            ..parsed
        };
        normalisable(&merged)?;
        Ok((Some(merged), warnings))
    }
}

impl ImageInfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ImageInfoParams, ApiError> {
        let p = |name| IMAGEINFO.param(name);
        let props = reader.choices(p("prop"))?;
        let limit_is_max = reader.string(p("limit"))?.as_deref() == Some("max");
        let limit = reader.limit(p("limit"))?.unwrap_or(1);
        let start = reader.timestamp(p("start"))?;
        let end = reader.timestamp(p("end"))?;
        let scale = ThumbRequest::parse(reader, &IMAGEINFO)?;
        for name in [
            "metadataversion",
            "extmetadatalanguage",
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
            scale,
        })
    }
}

/// Parsed `sii*` parameters.
pub struct StashImageInfoParams {
    keys: Vec<String>,
    props: Vec<&'static str>,
    scale: ThumbRequest,
}

impl StashImageInfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<StashImageInfoParams, ApiError> {
        let p = |name| STASHIMAGEINFO.param(name);
        let mut keys = reader.strings(p("filekey"))?;
        keys.extend(reader.strings(p("sessionkey"))?);
        let props = reader.choices(p("prop"))?;
        let scale = ThumbRequest::parse(reader, &STASHIMAGEINFO)?;
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
        Ok(StashImageInfoParams { keys, props, scale })
    }
}

/// Adds `imageinfo` (the file's history, newest first, `iilimit` versions)
/// to a File page; returns the continuation when versions remain
/// (`iistart` for a single page, `iicontinue` for several).
pub async fn add(
    entry: &mut PageEntry,
    params: &ImageInfoParams,
    single: bool,
    ctx: &mut Ctx<'_>,
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
    // Thumbnail parameters are merged once per file, on its current
    // version (`mergeThumbParams`).
    let current = ThumbSource::from_row(&history[0]);
    let (thumb, warnings) = params
        .scale
        .for_file(&current, "ii", ctx)
        .map_err(|e| e.in_module(IMAGEINFO.path))?;
    for (code, message) in warnings {
        ctx.output.warn(IMAGEINFO.path, code, message);
    }
    let versions: Vec<Value> = history
        .iter()
        .take(limit)
        .map(|row| {
            Value::Object(version_info(
                row,
                &params.props,
                page_id,
                thumb.as_ref(),
                ctx,
            ))
        })
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
    /// `uploadwarning`'s notice, when asked for (current versions only).
    upload_warning: Option<String>,
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
    /// `duration` (animated GIF and PNG), when not zero.
    duration: Option<f64>,
    /// The thumbnail fields, when one was asked for.
    thumb: Option<ThumbView>,
}

/// imageinfo's thumbnail fields.
pub(crate) struct ThumbView {
    pub url: Option<String>,
    pub width: i64,
    pub height: i64,
    mime: Option<&'static str>,
    pub responsive: Vec<(&'static str, String)>,
    error: Option<String>,
}

/// `getInfo`'s thumbnail part: `File::transform` of `params`, then the
/// 1.5× and 2× variants (`Linker::processResponsiveImages`).
pub(crate) fn thumb_view(
    source: &ThumbSource,
    params: &ThumbParams,
    file_url: &str,
    app: &AppState,
) -> ThumbView {
    let thumbs = app.uploads.thumbnails();
    let transform = thumbs.plan(source, params);
    let Some(url) = thumbs.url(source, &transform) else {
        let error = match transform {
            Transform::Error(error) => error.message,
            _ => String::new(),
        };
        return ThumbView {
            url: None,
            width: 0,
            height: 0,
            mime: None,
            responsive: Vec::new(),
            error: Some(error),
        };
    };
    let (width, height) = if url == file_url {
        (source.facts.width, source.facts.height)
    } else {
        match &transform {
            Transform::Original { width, height } => (*width, *height),
            Transform::Thumb(thumb) => (thumb.normalised.width, thumb.normalised.height),
            _ => (120, 120),
        }
    };
    let handler = Handler::for_mime(&source.facts.mime);
    let mut responsive = Vec::new();
    for (density, factor) in [("1.5", 1.5), ("2", 2.0)] {
        let scaled = ThumbParams {
            width: Some(php_round(width as f64 * factor)),
            height: Some(php_round(height as f64 * factor)),
            ..params.clone()
        };
        if let Some(other) = thumbs.url(source, &thumbs.plan(source, &scaled))
            && other != url
        {
            responsive.push((density, other));
        }
    }
    ThumbView {
        url: Some(url),
        width,
        height,
        mime: handler.map(|handler| handler.thumb_format(params).mime()),
        responsive,
        error: None,
    }
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
        if let Some(duration) = view.duration {
            info.insert("duration".into(), duration.into());
        }
    }
    if wants("parsedcomment") {
        info.insert("parsedcomment".into(), escape_html(view.comment).into());
    }
    if wants("comment") {
        info.insert("comment".into(), view.comment.into());
    }
    if let (true, Some(html)) = (wants("uploadwarning"), &view.upload_warning) {
        info.insert("html".into(), html.clone().into());
    }
    if wants("canonicaltitle") {
        info.insert(
            "canonicaltitle".into(),
            format!("File:{}", view.display_name).into(),
        );
    }
    if wants("url") {
        if let Some(thumb) = &view.thumb {
            match &thumb.url {
                Some(url) => {
                    info.insert("thumburl".into(), url.clone().into());
                    info.insert("thumbwidth".into(), thumb.width.into());
                    info.insert("thumbheight".into(), thumb.height.into());
                    if let (true, Some(mime)) = (wants("thumbmime"), thumb.mime) {
                        info.insert("thumbmime".into(), mime.into());
                    }
                    if !thumb.responsive.is_empty() {
                        let urls: Map<String, Value> = thumb
                            .responsive
                            .iter()
                            .map(|(density, url)| ((*density).to_owned(), url.clone().into()))
                            .collect();
                        info.insert("responsiveUrls".into(), urls.into());
                    }
                }
                None => {
                    let error = thumb.error.clone().unwrap_or_default();
                    info.insert("thumberror".into(), error.into());
                }
            }
        }
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

/// `getLength`: the duration of an animated GIF or PNG, from its metadata.
fn duration(mime: &str, metadata: &str) -> Option<f64> {
    if !matches!(mime, "image/gif" | "image/png") {
        return None;
    }
    let metadata: Value = serde_json::from_str(metadata).ok()?;
    metadata
        .as_array()?
        .iter()
        .find(|item| item["name"] == "duration")
        .and_then(|item| item["value"].as_f64())
        .filter(|&duration| duration != 0.0)
}

/// The fields of one version, in MediaWiki's order, for `props`, with the
/// thumbnail fields when `thumb` asks for one.
pub fn version_info(
    row: &FileVersionRow,
    props: &[&str],
    page_id: Option<i64>,
    thumb: Option<&ThumbParams>,
    ctx: &Ctx<'_>,
) -> Map<String, Value> {
    let repo = ctx.app.uploads.repo();
    let url = match &row.archive_name {
        Some(archive) => repo.archive_url(&row.name, archive),
        None => repo.public_url(&row.name),
    };
    let thumb = thumb.map(|params| thumb_view(&ThumbSource::from_row(row), params, &url, ctx.app));
    let view = FileView {
        timestamp: row.timestamp,
        user_name: row.user_name.as_deref().unwrap_or_default(),
        user_id: row.user_id.unwrap_or(0),
        size: row.size,
        width: row.width,
        height: row.height,
        comment: &row.comment,
        display_name: text_of(&row.name),
        upload_warning: props
            .contains(&"uploadwarning")
            .then(|| upload_warning(row, ctx.app)),
        url,
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
        duration: duration(&row.mime, &row.metadata),
        thumb,
    };
    render(&view, props)
}

/// `uploadwarning`: SpecialUpload's "exists" notice about the file, which
/// MediaWiki gives after any upload (the file exists by then), followed by
/// the file's thumbnail frame, or a link to its page for a type without
/// a thumbnail handler.
fn upload_warning(row: &FileVersionRow, app: &AppState) -> String {
    let name = escape_html(&text_of(&row.name));
    let notice = format!(
        "A file with this name exists already, please check <strong><a class=\"mw-selflink selflink\">File:{name}</a></strong> if you are not sure if you want to overwrite it.\n"
    );
    match wikilinks::thumb_frame(app, row, wikilinks::FrameAlign::Right, None) {
        Some(frame) => format!("<p>{notice}</p>\n{frame}"),
        None => {
            let title = Title::new(FILE_NAMESPACE, &row.name);
            let label = escape_html(&title.text(app.pages.sitename()));
            notice + &wikilinks::page_link(app, &title, &label, true)
        }
    }
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
        None,
        ctx,
    )))
}

async fn is_reupload(row: &FileVersionRow, ctx: &Ctx<'_>) -> Result<bool, ApiError> {
    let history = ctx.app.db.file_history(&row.name, None, None, 2).await?;
    Ok(history.len() > 1)
}

/// The imageinfo of a stash entry, with the thumbnail fields when `thumb`
/// asks for one. Stash props name no user, comment or media type, so those
/// stay empty in its view.
pub fn stash_info(
    entry: &StashRow,
    props: &[&str],
    thumb: Option<&ThumbParams>,
    ctx: &Ctx<'_>,
) -> Value {
    let url = ctx.app.uploads.repo().stash_url(&entry.file_key);
    let thumb =
        thumb.map(|params| thumb_view(&ThumbSource::from_stash(entry), params, &url, ctx.app));
    let view = FileView {
        timestamp: entry.created_at,
        user_name: "",
        user_id: entry.user_id,
        size: entry.size,
        width: entry.width,
        height: entry.height,
        comment: "",
        display_name: entry.temp_name.clone(),
        upload_warning: None,
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
        duration: duration(&entry.mime, &entry.metadata),
        thumb,
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
    // Stashed files are the uploader's work in progress: like
    // Special:UploadStash, they take the `upload` right.
    if !ctx.identity.has_right("upload") {
        return Err(super::upload::permission_denied(ctx, "upload"));
    }
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
        let (thumb, warnings) =
            params
                .scale
                .for_file(&ThumbSource::from_stash(&entry), "sii", ctx)?;
        for (code, message) in warnings {
            ctx.output.warn(STASHIMAGEINFO.path, code, message);
        }
        list.push(stash_info(&entry, &params.props, thumb.as_ref(), ctx));
    }
    Ok(Value::Array(list))
}

pub(super) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
