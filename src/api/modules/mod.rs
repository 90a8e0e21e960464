//! The API's modules. Each declares a static `ModuleSpec` (name, path,
//! prefix, parameters, whether it writes or must be POSTed) and is run in
//! two steps: its parameters are parsed first, so that every parameter
//! error comes before token and permission checks, as in MediaWiki.

pub mod auth;
pub mod botpasswords;
pub mod contentprops;
mod continuation;
pub mod delete;
pub mod edit;
pub mod filearchive;
pub mod fileprops;
pub mod filerepoinfo;
pub mod filerevert;
pub mod help;
pub mod imageinfo;
pub mod info;
pub mod linkprops;
pub mod lists;
pub mod movepage;
pub mod pagelists;
mod pageset;
pub mod paraminfo;
pub mod parse;
pub mod purge;
pub mod query;
pub mod recentchanges;
pub mod revisions;
pub mod rsd;
pub mod search;
pub mod siteinfo;
pub mod titlelists;
pub mod undelete;
pub mod upload;
pub mod userlists;

use super::params::{ParamSpec, ParamType};
use super::request::RawParams;
use super::{ApiError, Ctx, ParamReader};

/// What the API knows about a module.
#[derive(Debug)]
pub struct ModuleSpec {
    pub name: &'static str,
    /// `login`, `query+tokens`, ...
    pub path: &'static str,
    /// `action`, `meta`, `format`, ... (`main` for the main module)
    pub group: &'static str,
    /// MediaWiki's class name, which paraminfo reports and clients ignore.
    pub class: &'static str,
    pub prefix: &'static str,
    pub params: &'static [ParamSpec],
    pub must_post: bool,
    pub write: bool,
    pub read_rights: bool,
    pub help_url: Option<&'static str>,
}

impl ModuleSpec {
    /// The declared parameter `name` (without prefix). Asking for an
    /// undeclared one is a programming error.
    pub fn param(&self, name: &str) -> &'static ParamSpec {
        self.params
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| unreachable!("{} declares no parameter {name}", self.path))
    }

    /// The token parameter, for modules that need one.
    pub fn token_param(&self) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.token_type.is_some())
    }
}

/// The values of `action`.
pub const ACTIONS: &[&str] = &[
    "botpasswords",
    "clientlogin",
    "delete",
    "edit",
    "expandtemplates",
    "filerevert",
    "help",
    "login",
    "logout",
    "move",
    "paraminfo",
    "parse",
    "purge",
    "query",
    "rsd",
    "undelete",
    "upload",
];
/// The values of `format`.
pub const FORMATS: &[&str] = &["json", "jsonfm", "none", "xml", "xmlfm"];

pub static MAIN: ModuleSpec = ModuleSpec {
    name: "main",
    path: "main",
    group: "main",
    class: "ApiMain",
    prefix: "",
    params: &[
        ParamSpec::new("action", ParamType::Submodule(ACTIONS, "")).default("help"),
        ParamSpec::new("format", ParamType::Submodule(FORMATS, "")).default("jsonfm"),
        ParamSpec::integer("maxlag"),
        ParamSpec::new(
            "smaxage",
            ParamType::Integer {
                min: Some(0),
                max: None,
            },
        )
        .default("0"),
        ParamSpec::new(
            "maxage",
            ParamType::Integer {
                min: Some(0),
                max: None,
            },
        )
        .default("0"),
        ParamSpec::new("assert", ParamType::Enum(&["anon", "bot", "user"])),
        ParamSpec::new("assertuser", ParamType::User),
        ParamSpec::string("requestid"),
        ParamSpec::flag("servedby"),
        ParamSpec::flag("curtimestamp"),
        ParamSpec::flag("responselanginfo"),
        ParamSpec::string("origin"),
        ParamSpec::string("uselang").default("user"),
        ParamSpec::string("variant"),
        ParamSpec::new(
            "errorformat",
            ParamType::Enum(super::response::ErrorFormat::NAMES),
        )
        .default("bc"),
        ParamSpec::string("errorlang").default("uselang"),
        ParamSpec::flag("errorsuselocal"),
    ],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Main_page"),
};

/// The JSON printer's own parameters.
pub static JSON_FORMAT: ModuleSpec = ModuleSpec {
    name: "json",
    path: "json",
    group: "format",
    class: "ApiFormatJson",
    prefix: "",
    params: &[
        ParamSpec::string("callback"),
        ParamSpec::flag("utf8"),
        ParamSpec::flag("ascii"),
        ParamSpec::new("formatversion", ParamType::Enum(&["1", "2", "latest"])).default("1"),
    ],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: None,
};

/// Every module, for `action=paraminfo`.
pub fn all_modules() -> [&'static ModuleSpec; 56] {
    [
        &MAIN,
        &JSON_FORMAT,
        &JSON_FORMAT_JSONFM,
        &XML_FORMAT,
        &XML_FORMAT_XMLFM,
        &help::HELP,
        &auth::LOGIN,
        &auth::CLIENTLOGIN,
        &auth::LOGOUT,
        &paraminfo::PARAMINFO,
        &query::QUERY,
        &query::TOKENS,
        &query::USERINFO,
        &siteinfo::SITEINFO,
        &imageinfo::IMAGEINFO,
        &info::INFO,
        &revisions::REVISIONS,
        &linkprops::TEMPLATES,
        &linkprops::LINKS,
        &linkprops::IMAGES,
        &linkprops::CATEGORIES,
        &fileprops::FILEUSAGE,
        &fileprops::DUPLICATEFILES,
        &fileprops::CATEGORYINFO,
        &imageinfo::STASHIMAGEINFO,
        &lists::ALLIMAGES,
        &pagelists::ALLPAGES,
        &pagelists::BACKLINKS,
        &pagelists::CATEGORYMEMBERS,
        &pagelists::EMBEDDEDIN,
        &pagelists::IMAGEUSAGE,
        &filearchive::FILEARCHIVE,
        &lists::LOGEVENTS,
        &userlists::USERS,
        &userlists::ALLUSERS,
        &userlists::USERCONTRIBS,
        &recentchanges::RECENTCHANGES,
        &titlelists::ALLCATEGORIES,
        &titlelists::PREFIXSEARCH,
        &contentprops::EXTLINKS,
        &contentprops::PAGEPROPS,
        &contentprops::CONTRIBUTORS,
        &search::SEARCH,
        &filerepoinfo::FILEREPOINFO,
        &upload::UPLOAD,
        &delete::DELETE,
        &edit::EDIT,
        &filerevert::FILEREVERT,
        &movepage::MOVE,
        &purge::PURGE,
        &undelete::UNDELETE,
        &rsd::RSD,
        &parse::PARSE,
        &parse::EXPANDTEMPLATES,
        &botpasswords::BOTPASSWORDS,
        &botpasswords::BOTPASSWORDS_META,
    ]
}

/// Whether some module declares `name` (prefix included) as an upload:
/// only such file parts are worth spooling.
pub fn is_upload_param(name: &str) -> bool {
    all_modules().iter().any(|module| {
        module.params.iter().any(|param| {
            param.ty == ParamType::Upload && name.strip_prefix(module.prefix) == Some(param.name)
        })
    })
}

/// `jsonfm` shares the JSON printer's parameters.
pub static JSON_FORMAT_JSONFM: ModuleSpec = ModuleSpec {
    name: "jsonfm",
    path: "jsonfm",
    class: "ApiFormatJson",
    ..JSON_FORMAT
};

/// The XML printer's own parameters (it has no `formatversion`).
pub static XML_FORMAT: ModuleSpec = ModuleSpec {
    name: "xml",
    path: "xml",
    group: "format",
    class: "ApiFormatXml",
    prefix: "",
    params: &[
        ParamSpec::string("xslt"),
        ParamSpec::flag("includexmlnamespace"),
    ],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: None,
};

pub static XML_FORMAT_XMLFM: ModuleSpec = ModuleSpec {
    name: "xmlfm",
    path: "xmlfm",
    ..XML_FORMAT
};

/// An action whose parameters have been parsed, ready to run.
pub enum Parsed {
    Help(help::HelpParams),
    Login(auth::LoginParams),
    ClientLogin(auth::ClientLoginParams),
    Logout,
    Query(Box<query::QueryParams>),
    ParamInfo(paraminfo::ParamInfoParams),
    Upload(Box<upload::UploadParams>),
    Delete(delete::DeleteParams),
    Edit(Box<edit::EditParams>),
    FileRevert(filerevert::FileRevertParams),
    Move(movepage::MoveParams),
    Purge(purge::PurgeParams),
    Undelete(undelete::UndeleteParams),
    Parse(Box<parse::ParseParams>),
    ExpandTemplates(parse::ExpandTemplatesParams),
    BotPasswords(botpasswords::BotPasswordsParams),
}

/// MediaWiki's name of a deprecated feature of the module at `path`, as
/// a deprecation warning's `data.feature` gives it: `group=name` of each
/// module from the main one down, then `what` (`action=query&prop=info&inprop=readable`).
pub fn deprecation_feature(path: &str, what: &str) -> String {
    let mut parts = Vec::new();
    let mut prefix = String::new();
    for name in path.split('+') {
        if !prefix.is_empty() {
            prefix.push('+');
        }
        prefix.push_str(name);
        let group = all_modules()
            .into_iter()
            .find(|m| m.path == prefix)
            .map_or("action", |m| m.group);
        parts.push(format!("{group}={name}"));
    }
    parts.push(what.to_owned());
    parts.join("&")
}

/// The spec of an action by name.
pub fn action_spec(action: &str) -> Option<&'static ModuleSpec> {
    Some(match action {
        "help" => &help::HELP,
        "login" => &auth::LOGIN,
        "clientlogin" => &auth::CLIENTLOGIN,
        "logout" => &auth::LOGOUT,
        "query" => &query::QUERY,
        "paraminfo" => &paraminfo::PARAMINFO,
        "upload" => &upload::UPLOAD,
        "delete" => &delete::DELETE,
        "edit" => &edit::EDIT,
        "filerevert" => &filerevert::FILEREVERT,
        "move" => &movepage::MOVE,
        "purge" => &purge::PURGE,
        "undelete" => &undelete::UNDELETE,
        "rsd" => &rsd::RSD,
        "parse" => &parse::PARSE,
        "expandtemplates" => &parse::EXPANDTEMPLATES,
        "botpasswords" => &botpasswords::BOTPASSWORDS,
        _ => return None,
    })
}

/// Parses the parameters of `spec`'s module.
pub fn parse(
    spec: &'static ModuleSpec,
    raw: &mut RawParams,
    ctx: &mut Ctx<'_>,
) -> Result<Parsed, ApiError> {
    let high_limits = ctx.identity.has_right("apihighlimits");
    if spec.path == query::QUERY.path {
        // Query reads its submodules' parameters too, each with its prefix.
        let sitename = ctx.app.pages.sitename().to_owned();
        let params = query::QueryParams::parse(raw, &mut ctx.output, high_limits, &sitename)?;
        return Ok(Parsed::Query(Box::new(params)));
    }
    let mut reader = ParamReader::new(raw, &mut ctx.output, spec.prefix, spec.path, high_limits);
    Ok(match spec.path {
        "login" => Parsed::Login(auth::LoginParams::parse(&mut reader)?),
        "clientlogin" => Parsed::ClientLogin(auth::ClientLoginParams::parse(&mut reader)?),
        "logout" => Parsed::Logout,
        "paraminfo" => Parsed::ParamInfo(paraminfo::ParamInfoParams::parse(&mut reader)?),
        "upload" => Parsed::Upload(Box::new(upload::UploadParams::parse(&mut reader)?)),
        "delete" => Parsed::Delete(delete::DeleteParams::parse(&mut reader)?),
        "edit" => Parsed::Edit(Box::new(edit::EditParams::parse(&mut reader)?)),
        "filerevert" => Parsed::FileRevert(filerevert::FileRevertParams::parse(&mut reader)?),
        "move" => Parsed::Move(movepage::MoveParams::parse(&mut reader)?),
        "purge" => Parsed::Purge(purge::PurgeParams::parse(&mut reader)?),
        "undelete" => Parsed::Undelete(undelete::UndeleteParams::parse(&mut reader)?),
        "parse" => Parsed::Parse(Box::new(parse::ParseParams::parse(&mut reader)?)),
        "expandtemplates" => {
            Parsed::ExpandTemplates(parse::ExpandTemplatesParams::parse(&mut reader)?)
        }
        "botpasswords" => {
            Parsed::BotPasswords(botpasswords::BotPasswordsParams::parse(&mut reader)?)
        }
        _ => Parsed::Help(help::HelpParams::parse(&mut reader)?),
    })
}

impl Parsed {
    pub async fn execute(self, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
        match self {
            Parsed::Help(params) => help::execute(params, ctx),
            Parsed::Login(params) => auth::login(params, ctx).await,
            Parsed::ClientLogin(params) => auth::client_login(params, ctx).await,
            Parsed::Logout => auth::logout(ctx),
            Parsed::Query(params) => query::execute(*params, ctx).await,
            Parsed::ParamInfo(params) => paraminfo::execute(params, ctx),
            Parsed::Upload(params) => upload::execute(*params, ctx).await,
            Parsed::Delete(params) => delete::execute(params, ctx).await,
            Parsed::Edit(params) => edit::execute(*params, ctx).await,
            Parsed::FileRevert(params) => filerevert::execute(params, ctx).await,
            Parsed::Move(params) => movepage::execute(params, ctx).await,
            Parsed::Purge(params) => purge::execute(params, ctx).await,
            Parsed::Undelete(params) => undelete::execute(params, ctx).await,
            Parsed::Parse(params) => parse::execute(*params, ctx).await,
            Parsed::ExpandTemplates(params) => {
                parse::expand_templates(params, ctx);
                Ok(())
            }
            Parsed::BotPasswords(params) => botpasswords::execute(params, ctx).await,
        }
    }
}
