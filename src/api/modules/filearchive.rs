//! `list=filearchive`: deleted file versions, by name, as MediaWiki 1.39
//! lists them; descriptions need `deletedhistory`, metadata `deletedtext`
//! or `undelete`.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::imageinfo::escape_html;
use super::lists::{ListBatch, bad_continue, name_part_key, sha1_filter, split_batch};
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::title::{FILE, Title};
use crate::storage::{DeletedFileListing, DeletedFileRow};

const PROPS: &[&str] = &[
    "archivename",
    "bitdepth",
    "description",
    "dimensions",
    "mediatype",
    "metadata",
    "mime",
    "parseddescription",
    "sha1",
    "size",
    "timestamp",
    "user",
];

pub static FILEARCHIVE: ModuleSpec = ModuleSpec {
    name: "filearchive",
    path: "query+filearchive",
    group: "list",
    class: "ApiQueryFilearchive",
    prefix: "fa",
    params: &[
        ParamSpec::string("from"),
        ParamSpec::string("to"),
        ParamSpec::string("prefix"),
        ParamSpec::new("dir", ParamType::Enum(&["ascending", "descending"])).default("ascending"),
        ParamSpec::string("sha1"),
        ParamSpec::string("sha1base36"),
        ParamSpec::new("prop", ParamType::Enum(PROPS))
            .multi()
            .default("timestamp"),
        ParamSpec::new(
            "limit",
            ParamType::Limit {
                max: 500,
                high_max: 5000,
            },
        )
        .default("10"),
        ParamSpec::string("continue"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Filearchive"),
};

/// Parsed `fa*` parameters.
pub struct FileArchiveParams {
    from: Option<String>,
    to: Option<String>,
    prefix: Option<String>,
    descending: bool,
    sha1: Option<String>,
    sha1_base36: Option<String>,
    props: Vec<&'static str>,
    limit: i64,
    resume: Option<String>,
}

impl FileArchiveParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<FileArchiveParams, ApiError> {
        let p = |name| FILEARCHIVE.param(name);
        Ok(FileArchiveParams {
            from: reader.string(p("from"))?,
            to: reader.string(p("to"))?,
            prefix: reader.string(p("prefix"))?,
            descending: reader.choice(p("dir"))? == Some("descending"),
            sha1: reader.string(p("sha1"))?,
            sha1_base36: reader.string(p("sha1base36"))?,
            props: reader.choices(p("prop"))?,
            limit: reader.limit(p("limit"))?.unwrap_or(10),
            resume: reader.string(p("continue"))?,
        })
    }
}

/// One batch of deleted file versions.
pub async fn execute(params: FileArchiveParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    let listing = listing(&params, ctx)?;
    let (rows, next) = split_batch(ctx.app.db.list_deleted_files(&listing).await?, params.limit);
    let items = rows.iter().map(|row| item(row, &params, ctx)).collect();
    Ok(ListBatch {
        pages: Vec::new(),
        items: Value::Array(items),
        next: next.map(|row| {
            (
                "facontinue".to_owned(),
                format!(
                    "{}|{}|{}",
                    row.name,
                    crate::upload::timestamp14(row.timestamp),
                    row.id
                ),
            )
        }),
    })
}

fn permission_denied(key: &str, text: &str) -> ApiError {
    ApiError::new(
        "permissiondenied",
        Message::new(key, vec![], text.to_owned()),
    )
}

/// The rights checks and the listing the parameters ask for.
fn listing(params: &FileArchiveParams, ctx: &Ctx<'_>) -> Result<DeletedFileListing, ApiError> {
    let wants = |prop: &str| params.props.contains(&prop);
    if (wants("description") || wants("parseddescription"))
        && !ctx.identity.has_right("deletedhistory")
    {
        return Err(permission_denied(
            "apierror-cantview-deleted-description",
            "You don't have permission to view descriptions of deleted files.",
        ));
    }
    if wants("metadata")
        && !ctx.identity.has_right("deletedtext")
        && !ctx.identity.has_right("undelete")
    {
        return Err(permission_denied(
            "apierror-cantview-deleted-metadata",
            "You don't have permission to view metadata of deleted files.",
        ));
    }
    let sitename = ctx.app.pages.sitename();
    let key = |part: &Option<String>| {
        part.as_deref()
            .map(|part| name_part_key(part, sitename))
            .transpose()
    };
    let sha1 = sha1_filter(params.sha1.as_deref(), params.sha1_base36.as_deref())?;
    let resume = match &params.resume {
        Some(value) => {
            let parts: Vec<&str> = value.split('|').collect();
            let bad = bad_continue;
            let [name, _timestamp, id] = parts.as_slice() else {
                return Err(bad());
            };
            Some(((*name).to_owned(), id.parse::<i64>().map_err(|_| bad())?))
        }
        None => None,
    };
    Ok(DeletedFileListing {
        from: key(&params.from)?,
        to: key(&params.to)?,
        prefix: key(&params.prefix)?,
        sha1,
        descending: params.descending,
        resume,
        limit: params.limit + 1,
    })
}

/// One deleted version; sizes are strings, as MediaWiki reads them.
fn item(row: &DeletedFileRow, params: &FileArchiveParams, ctx: &Ctx<'_>) -> Value {
    let wants = |prop: &str| params.props.contains(&prop);
    let mut file = Map::new();
    file.insert("id".into(), row.id.into());
    file.insert("name".into(), row.name.clone().into());
    let title = Title::new(FILE, &row.name);
    file.insert("ns".into(), FILE.into());
    file.insert("title".into(), title.text(ctx.app.pages.sitename()).into());
    if wants("parseddescription") {
        file.insert("parseddescription".into(), escape_html(&row.comment).into());
    }
    if wants("description") || wants("parseddescription") {
        file.insert("description".into(), row.comment.clone().into());
    }
    if wants("user") {
        file.insert("userid".into(), row.user_id.unwrap_or(0).into());
        file.insert(
            "user".into(),
            row.user_name.clone().unwrap_or_default().into(),
        );
    }
    if wants("sha1") {
        file.insert("sha1".into(), row.sha1.clone().into());
    }
    if wants("timestamp") {
        file.insert("timestamp".into(), iso_timestamp(row.timestamp).into());
    }
    if wants("size") || wants("dimensions") {
        file.insert("size".into(), row.size.to_string().into());
        file.insert("height".into(), row.height.to_string().into());
        file.insert("width".into(), row.width.to_string().into());
    }
    if wants("mediatype") {
        file.insert("mediatype".into(), row.media_type.clone().into());
    }
    if wants("metadata") {
        file.insert(
            "metadata".into(),
            serde_json::from_str(&row.metadata).unwrap_or(Value::Null),
        );
    }
    if wants("bitdepth") {
        file.insert("bitdepth".into(), row.bits.to_string().into());
    }
    if wants("mime") {
        file.insert("mime".into(), row.mime.clone().into());
    }
    if let (true, Some(archive)) = (wants("archivename"), &row.archive_name) {
        file.insert("archivename".into(), archive.clone().into());
    }
    Value::Object(file)
}
