//! `meta=filerepoinfo`: the file repositories of the wiki — one, the
//! local one, as MediaWiki 1.39 describes it.

use serde_json::{Map, Value};

use super::ModuleSpec;
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType};

const PROPS: &[&str] = &[
    "canUpload",
    "displayname",
    "favicon",
    "initialCapital",
    "local",
    "name",
    "rootUrl",
    "scriptDirUrl",
    "thumbUrl",
    "url",
];

pub static FILEREPOINFO: ModuleSpec = ModuleSpec {
    name: "filerepoinfo",
    path: "query+filerepoinfo",
    group: "meta",
    class: "ApiQueryFileRepoInfo",
    prefix: "fri",
    params: &[ParamSpec::new("prop", ParamType::Enum(PROPS))
        .multi()
        .default("canUpload|displayname|favicon|initialCapital|local|name|rootUrl|scriptDirUrl|thumbUrl|url")],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Filerepoinfo"),
};

pub struct FileRepoInfoParams {
    props: Vec<&'static str>,
}

impl FileRepoInfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<FileRepoInfoParams, ApiError> {
        Ok(FileRepoInfoParams {
            props: reader.choices(FILEREPOINFO.param("prop"))?,
        })
    }
}

/// `query.repos`: the local repository, its fields in MediaWiki's order.
pub fn execute(params: &FileRepoInfoParams, ctx: &Ctx<'_>) -> Value {
    let script_path = &ctx.app.config.script_path;
    let images = format!("{script_path}/images");
    let wants = |prop: &str| params.props.contains(&prop);
    let mut repo = Map::new();
    let mut text = |key: &str, value: String| {
        if wants(key) {
            repo.insert(key.to_owned(), value.into());
        }
    };
    text("name", "local".into());
    text("displayname", ctx.app.config.sitename.clone());
    text("rootUrl", images.clone());
    if wants("local") {
        ctx.output.set_flag(&mut repo, "local", true);
    }
    let mut text = |key: &str, value: String| {
        if wants(key) {
            repo.insert(key.to_owned(), value.into());
        }
    };
    text("url", images.clone());
    text("thumbUrl", format!("{images}/thumb"));
    if wants("initialCapital") {
        ctx.output.set_flag(&mut repo, "initialCapital", true);
    }
    if wants("scriptDirUrl") {
        repo.insert("scriptDirUrl".into(), script_path.clone().into());
    }
    if wants("favicon") {
        repo.insert(
            "favicon".into(),
            format!("{}/favicon.ico", ctx.app.server).into(),
        );
    }
    if wants("canUpload") {
        ctx.output
            .set_flag(&mut repo, "canUpload", ctx.app.config.enable_uploads);
    }
    Value::Array(vec![Value::Object(repo)])
}
