//! `action=paraminfo`: each module's parameters, generated from the same
//! `ParamSpec` declarations that parse them, so the description cannot
//! drift from the behaviour. pywikibot reads it at start.

use serde_json::{Map, Value};

use super::{ModuleSpec, all_modules};
use crate::api::params::describe;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType};

pub static PARAMINFO: ModuleSpec = ModuleSpec {
    name: "paraminfo",
    path: "paraminfo",
    group: "action",
    class: "ApiParamInfo",
    prefix: "",
    params: &[
        ParamSpec::string("modules").multi(),
        ParamSpec::new(
            "helpformat",
            ParamType::Enum(&["html", "none", "raw", "wikitext"]),
        )
        .default("none"),
        ParamSpec::string("querymodules").multi().deprecated(),
        ParamSpec::flag("mainmodule").deprecated(),
        ParamSpec::flag("pagesetmodule").deprecated(),
        ParamSpec::string("formatmodules").multi().deprecated(),
    ],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Parameter_information"),
};

pub struct ParamInfoParams {
    paths: Vec<String>,
    helpformat: &'static str,
}

impl ParamInfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ParamInfoParams, ApiError> {
        let p = &PARAMINFO.params;
        let mut paths = reader.strings(&p[0])?;
        let helpformat = reader.choice(&p[1])?.unwrap_or("none");
        // The deprecated spellings name the same modules differently.
        paths.extend(
            reader
                .strings(&p[2])?
                .into_iter()
                .map(|m| format!("query+{m}")),
        );
        if reader.flag(&p[3])? {
            paths.push("main".into());
        }
        reader.flag(&p[4])?;
        paths.extend(reader.strings(&p[5])?);
        Ok(ParamInfoParams { paths, helpformat })
    }
}

pub fn execute(params: ParamInfoParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let high_limits = ctx.identity.has_right("apihighlimits");
    let mut modules = Vec::new();
    for path in expand_wildcards(&params.paths) {
        match all_modules().into_iter().find(|m| m.path == path) {
            Some(spec) => modules.push(describe_module(spec, ctx, high_limits)),
            None => {
                let (parent, name) = path.rsplit_once('+').unwrap_or(("main", path.as_str()));
                ctx.output.warn(
                    PARAMINFO.path,
                    "badmodule",
                    Message::new(
                        "apierror-badmodule-nosubmodules",
                        vec![parent.into(), name.into()],
                        format!(
                            "The module <kbd>{parent}</kbd> does not have a submodule \"{name}\"."
                        ),
                    ),
                );
            }
        }
    }
    let mut info = Map::new();
    info.insert("helpformat".into(), params.helpformat.into());
    info.insert("modules".into(), Value::Array(modules));
    ctx.output.add("paraminfo", Value::Object(info));
    Ok(())
}

/// `query+*` stands for every query submodule.
fn expand_wildcards(paths: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for path in paths {
        match path.strip_suffix('*') {
            Some(parent) => out.extend(
                all_modules()
                    .into_iter()
                    .filter(|m| {
                        m.path
                            .strip_prefix(parent)
                            .is_some_and(|rest| !rest.contains('+'))
                    })
                    .filter(|m| m.path != parent.trim_end_matches('+'))
                    .map(|m| m.path.to_owned()),
            ),
            None => out.push(path.clone()),
        }
    }
    out
}

fn describe_module(spec: &ModuleSpec, ctx: &Ctx<'_>, high_limits: bool) -> Value {
    let output = &ctx.output;
    let mut m = Map::new();
    m.insert("name".into(), spec.name.into());
    m.insert("classname".into(), spec.class.into());
    m.insert("path".into(), spec.path.into());
    if spec.group != "main" {
        m.insert("group".into(), spec.group.into());
    }
    m.insert("prefix".into(), spec.prefix.into());
    m.insert("source".into(), "wikiupload".into());
    m.insert("sourcename".into(), "wikiupload".into());
    m.insert("licensetag".into(), "MIT OR Apache-2.0".into());
    m.insert("licenselink".into(), "".into());
    // Only the capabilities a module has are listed.
    for (key, present) in [
        ("readrights", spec.read_rights),
        ("writerights", spec.write),
        ("mustbeposted", spec.must_post),
    ] {
        if present {
            output.set_flag(&mut m, key, true);
        }
    }
    let is_generator =
        spec.path.starts_with("query+") && super::query::GENERATOR_MODULES.contains(&spec.name);
    if is_generator {
        output.set_flag(&mut m, "generator", true);
    }
    m.insert(
        "helpurls".into(),
        spec.help_url.into_iter().collect::<Vec<_>>().into(),
    );
    let parameters: Vec<Value> = spec
        .params
        .iter()
        .enumerate()
        .map(|(i, p)| fv_flags(describe(p, i + 1, high_limits), ctx))
        .collect();
    m.insert("parameters".into(), parameters.into());
    m.insert("templatedparameters".into(), Value::Array(Vec::new()));
    Value::Object(m)
}

/// paraminfo's booleans follow the formatversion like every other flag.
fn fv_flags(mut param: Value, ctx: &Ctx<'_>) -> Value {
    if let Value::Object(map) = &mut param {
        for key in ["required", "multi", "deprecated", "sensitive"] {
            if let Some(Value::Bool(b)) = map.get(key).cloned() {
                match ctx.output.flag(b) {
                    Some(v) => map.insert(key.into(), v),
                    None => map.shift_remove(key),
                };
            }
        }
    }
    param
}
