//! `action=query` with its meta modules `tokens` and `userinfo` (and
//! `siteinfo`, in its own file).

use serde_json::{Map, Value};

use super::{
    ModuleSpec, filerepoinfo, imageinfo, info, lists, pageset, revisions, siteinfo, templates,
};
use crate::api::request::RawParams;
use crate::api::{
    ApiError, Ctx, Message, Output, ParamReader, ParamSpec, ParamType, iso_timestamp,
};
use crate::auth::TokenType;

/// Prop modules available under `prop=`.
pub const PROP_MODULES: &[&str] = &[
    "imageinfo",
    "info",
    "revisions",
    "stashimageinfo",
    "templates",
];

/// Modules available as `generator=` (issue 13 adds the others).
pub const GENERATOR_MODULES: &[&str] = &["templates"];

/// Meta modules available under `meta=`.
pub const META_MODULES: &[&str] = &["filerepoinfo", "siteinfo", "tokens", "userinfo"];

pub static QUERY: ModuleSpec = ModuleSpec {
    name: "query",
    path: "query",
    group: "action",
    class: "ApiQuery",
    prefix: "",
    params: &[
        ParamSpec::new("prop", ParamType::Submodule(PROP_MODULES, "query+")).multi(),
        ParamSpec::new("list", ParamType::Submodule(lists::LIST_MODULES, "query+")).multi(),
        ParamSpec::new("meta", ParamType::Submodule(META_MODULES, "query+")).multi(),
        ParamSpec::flag("indexpageids"),
        ParamSpec::flag("export"),
        ParamSpec::flag("exportnowrap"),
        ParamSpec::flag("iwurl"),
        ParamSpec::string("continue"),
        ParamSpec::flag("rawcontinue"),
        ParamSpec::string("titles").multi(),
        ParamSpec::integer("pageids").multi(),
        ParamSpec::integer("revids").multi(),
        ParamSpec::new(
            "generator",
            ParamType::Submodule(GENERATOR_MODULES, "query+"),
        ),
        ParamSpec::flag("redirects"),
        ParamSpec::flag("converttitles"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Query"),
};

const TOKEN_TYPES: &[&str] = &[
    "createaccount",
    "csrf",
    "login",
    "patrol",
    "rollback",
    "userrights",
    "watch",
];

pub static TOKENS: ModuleSpec = ModuleSpec {
    name: "tokens",
    path: "query+tokens",
    group: "meta",
    class: "ApiQueryTokens",
    prefix: "",
    params: &[ParamSpec::new("type", ParamType::Enum(TOKEN_TYPES))
        .multi()
        .all_values()
        .default("csrf")],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Tokens"),
};

const USERINFO_PROPS: &[&str] = &[
    "acceptlang",
    "blockinfo",
    "cancreateaccount",
    "centralids",
    "changeablegroups",
    "editcount",
    "email",
    "groupmemberships",
    "groups",
    "hasmsg",
    "implicitgroups",
    "latestcontrib",
    "options",
    "ratelimits",
    "realname",
    "registrationdate",
    "rights",
    "theoneratelimit",
    "unreadcount",
];

pub static USERINFO: ModuleSpec = ModuleSpec {
    name: "userinfo",
    path: "query+userinfo",
    group: "meta",
    class: "ApiQueryUserInfo",
    prefix: "ui",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(USERINFO_PROPS)).multi(),
        ParamSpec::string("attachedwiki"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Userinfo"),
};

/// Parsed parameters of query: the pages, and the prop, list and meta
/// modules asked for, each in the order asked for (which is the order
/// of their output).
pub struct QueryParams {
    /// `generator=templates`: the set's pages are the templates of these.
    generator: Option<templates::TemplatesParams>,
    pages: pageset::PageSetParams,
    /// `indexpageids`: also list the page ids, in page order.
    index_page_ids: bool,
    props: Vec<Prop>,
    meta: Vec<Meta>,
    lists: Vec<lists::List>,
    /// Every prop, list and meta module asked for, in MediaWiki's order.
    modules: Vec<&'static str>,
    /// Modules the client's `continue` says are done.
    done: Vec<String>,
    high_limits: bool,
}

enum Prop {
    Info(info::InfoParams),
    ImageInfo(imageinfo::ImageInfoParams),
    Revisions(Box<revisions::RevisionsParams>),
    StashImageInfo(imageinfo::StashImageInfoParams),
    Templates(templates::TemplatesParams),
}

enum Meta {
    Tokens(Vec<&'static str>),
    Userinfo(Vec<&'static str>),
    Siteinfo(siteinfo::SiteinfoParams),
    FileRepoInfo(filerepoinfo::FileRepoInfoParams),
}

impl QueryParams {
    pub fn parse(
        raw: &mut RawParams,
        output: &mut Output,
        high_limits: bool,
    ) -> Result<QueryParams, ApiError> {
        let p = |name| QUERY.param(name);
        let mut reader = ParamReader::new(raw, output, QUERY.prefix, QUERY.path, high_limits);
        let prop_names = reader.choices(p("prop"))?;
        let list_names = reader.choices(p("list"))?;
        let generator_name = reader.choice(p("generator"))?;
        let meta = reader.choices(p("meta"))?;
        let index_page_ids = reader.flag(p("indexpageids"))?;
        let modules = [&prop_names, &list_names, &meta]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for flag in [
            "export",
            "exportnowrap",
            "iwurl",
            "rawcontinue",
            "converttitles",
        ] {
            reader.flag(p(flag))?;
        }
        let redirects = reader.flag(p("redirects"))?;
        let continue_value = reader.string(p("continue"))?;
        let titles = reader.strings(p("titles"))?;
        let mut ids = |name: &'static str| -> Result<Vec<i64>, ApiError> {
            let full = name.to_owned();
            reader
                .strings(p(name))?
                .iter()
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|_| ApiError::bad_integer(&full, v))
                })
                .collect()
        };
        let page_ids = ids("pageids")?;
        let revision_ids = ids("revids")?;
        let given: Vec<&str> = [
            ("titles", !titles.is_empty()),
            ("pageids", !page_ids.is_empty()),
            ("revids", !revision_ids.is_empty()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| name)
        .collect();
        if given.len() > 1 {
            return Err(ApiError::new(
                "invalidparammix",
                Message::new(
                    "apierror-invalidparammix-cannotusewith",
                    vec![given[0].into(), given[1].into()],
                    format!(
                        "The parameters <var>{}</var> and <var>{}</var> can not be used together.",
                        given[0], given[1]
                    ),
                ),
            ));
        }
        let mut props = Vec::new();
        for module in prop_names {
            let spec: &'static ModuleSpec = match module {
                "info" => &info::INFO,
                "imageinfo" => &imageinfo::IMAGEINFO,
                "revisions" => &revisions::REVISIONS,
                "templates" => &templates::TEMPLATES,
                _ => &imageinfo::STASHIMAGEINFO,
            };
            let mut reader = ParamReader::new(raw, output, spec.prefix, spec.path, high_limits);
            let parsed = match module {
                "info" => info::InfoParams::parse(&mut reader).map(Prop::Info),
                "imageinfo" => imageinfo::ImageInfoParams::parse(&mut reader).map(Prop::ImageInfo),
                "revisions" => revisions::RevisionsParams::parse(&mut reader)
                    .map(|p| Prop::Revisions(Box::new(p))),
                "templates" => templates::TemplatesParams::parse(&mut reader).map(Prop::Templates),
                _ => imageinfo::StashImageInfoParams::parse(&mut reader).map(Prop::StashImageInfo),
            };
            props.push(parsed.map_err(|e| e.in_module(spec.path))?);
        }

        // A generator reads its module's parameters with a "g" before them.
        let generator = match generator_name {
            Some(_) => {
                let spec = &templates::TEMPLATES;
                let mut reader = ParamReader::new(raw, output, "gtl", spec.path, high_limits);
                Some(
                    templates::TemplatesParams::parse(&mut reader)
                        .map_err(|e| e.in_module(spec.path))?,
                )
            }
            None => None,
        };

        // Modules the client's `continue` names as done are not run again.
        let done: Vec<String> = continue_value
            .as_deref()
            .and_then(|c| c.split_once("||"))
            .map(|(_, done)| done.split('|').map(str::to_owned).collect())
            .unwrap_or_default();
        let mut lists = Vec::new();
        for name in list_names {
            let list = lists::List::parse(name, raw, output, high_limits)?;
            if !done.iter().any(|d| d == name) {
                lists.push(list);
            }
        }

        let mut parsed = Vec::new();
        for module in meta {
            let spec = match module {
                "tokens" => &TOKENS,
                "userinfo" => &USERINFO,
                "filerepoinfo" => &filerepoinfo::FILEREPOINFO,
                _ => &siteinfo::SITEINFO,
            };
            let mut reader = ParamReader::new(raw, output, spec.prefix, spec.path, high_limits);
            let parse = |reader: &mut ParamReader<'_>| -> Result<Meta, ApiError> {
                Ok(match module {
                    "tokens" => Meta::Tokens(reader.choices(TOKENS.param("type"))?),
                    "userinfo" => {
                        let props = reader.choices(USERINFO.param("prop"))?;
                        reader.string(USERINFO.param("attachedwiki"))?;
                        Meta::Userinfo(props)
                    }
                    "filerepoinfo" => {
                        Meta::FileRepoInfo(filerepoinfo::FileRepoInfoParams::parse(reader)?)
                    }
                    _ => Meta::Siteinfo(siteinfo::SiteinfoParams::parse(reader)?),
                })
            };
            parsed.push(parse(&mut reader).map_err(|e| e.in_module(spec.path))?);
        }
        Ok(QueryParams {
            generator,
            pages: pageset::PageSetParams {
                titles,
                page_ids,
                revision_ids,
                redirects,
            },
            index_page_ids,
            props,
            meta: parsed,
            lists,
            modules,
            done,
            high_limits,
        })
    }
}

impl QueryParams {
    /// `ApiQuery::isReadMode`: a query asking only for meta modules that
    /// read nothing of the wiki (`meta=tokens`) needs no `read` right, so
    /// that clients of a private wiki can log in.
    pub fn is_read_mode(&self) -> bool {
        let reads_meta = self.meta.iter().any(|meta| match meta {
            Meta::Tokens(_) => TOKENS.read_rights,
            Meta::Userinfo(_) => USERINFO.read_rights,
            Meta::Siteinfo(_) | Meta::FileRepoInfo(_) => true,
        });
        reads_meta
            || !self.props.is_empty()
            || !self.lists.is_empty()
            || self.generator.is_some()
            || !self.pages.is_empty()
    }

    /// Whether the client's `continue` says module `name` is done.
    fn is_done(&self, name: &str) -> bool {
        self.done.iter().any(|d| d == name)
    }
}

pub async fn execute(params: QueryParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let mut query = Map::new();
    // Continuation parameters of the modules that have more to give.
    let mut pending = Map::new();
    let mut unfinished: Vec<&str> = Vec::new();
    let mut limits = Map::new();
    let mut generator_next = None;
    if !params.pages.is_empty() {
        let mut set = pageset::resolve(&params.pages, ctx).await?;
        if let Some(generator) = &params.generator {
            let (titles, next) = templates::generate(&set.entries, generator, ctx)
                .await
                .map_err(|e| e.in_module(templates::TEMPLATES.path))?;
            generator_next = next;
            let generated = pageset::PageSetParams {
                titles,
                redirects: params.pages.redirects,
                ..pageset::PageSetParams::default()
            };
            set = pageset::resolve(&generated, ctx).await?;
            set.normalized.clear();
        }
        for prop in &params.props {
            if let Prop::Revisions(revisions) = prop {
                revisions::check(revisions, set.is_multiple())
                    .map_err(|e| e.in_module(revisions::REVISIONS.path))?;
            }
        }
        for prop in &params.props {
            match prop {
                Prop::Info(info) if !params.is_done("info") => {
                    for entry in &mut set.entries {
                        info::add(entry, info, ctx).await?;
                    }
                }
                Prop::ImageInfo(imageinfo) if !params.is_done("imageinfo") => {
                    if imageinfo.limit_is_max {
                        limits.insert("imageinfo".into(), imageinfo.limit.into());
                    }
                    let single = set.entries.len() == 1;
                    for entry in &mut set.entries {
                        if let Some(next) = imageinfo::add(entry, imageinfo, single, ctx).await? {
                            pending.extend(next);
                            unfinished.push("imageinfo");
                        }
                    }
                }
                Prop::Revisions(revisions) if !params.is_done("revisions") => {
                    let run = revisions::add(&mut set.entries, revisions, params.high_limits, ctx)
                        .await
                        .map_err(|e| e.in_module(revisions::REVISIONS.path))?;
                    if let Some(next) = run.next {
                        pending.insert("rvcontinue".into(), next.into());
                        unfinished.push("revisions");
                    }
                    if let Some(limit) = run.limit_used {
                        limits.insert("revisions".into(), limit.into());
                    }
                }
                Prop::Templates(templates) if !params.is_done("templates") => {
                    let next = templates::add(&mut set.entries, templates, ctx)
                        .await
                        .map_err(|e| e.in_module(templates::TEMPLATES.path))?;
                    if let Some(next) = next {
                        pending.insert("tlcontinue".into(), next.into());
                        unfinished.push("templates");
                    }
                }
                _ => {}
            }
        }
        if !set.normalized.is_empty() {
            query.insert("normalized".into(), Value::Array(set.normalized));
        }
        if !set.redirects.is_empty() {
            query.insert("redirects".into(), Value::Array(set.redirects));
        }
        if !set.bad_revision_ids.is_empty() {
            query.insert(
                "badrevids".into(),
                pageset::bad_revision_ids(&set.bad_revision_ids, ctx),
            );
        }
        let pages = pageset::render(set.entries, ctx.output.fv);
        if params.index_page_ids {
            query.insert("pageids".into(), pageset::page_ids(&pages));
        }
        query.insert("pages".into(), pages);
    }
    for prop in params.props {
        if let Prop::StashImageInfo(stash) = prop {
            let list = imageinfo::stash_image_info(stash, ctx)
                .await
                .map_err(|e| e.in_module(imageinfo::STASHIMAGEINFO.path))?;
            query.insert("stashimageinfo".into(), list);
        }
    }
    let pages_unfinished = !unfinished.is_empty();
    for list in params.lists {
        let name = list.spec().name;
        let batch = list.execute(ctx).await?;
        query.insert(name.into(), batch.items);
        if let Some((key, value)) = batch.next {
            pending.insert(key, value.into());
            unfinished.push(name);
        }
    }
    for meta in params.meta {
        match meta {
            Meta::Siteinfo(params) => {
                let site = siteinfo::execute(params, ctx)
                    .await
                    .map_err(|e| e.in_module(siteinfo::SITEINFO.path))?;
                query.extend(site);
            }
            Meta::Userinfo(props) => {
                query.insert("userinfo".into(), userinfo(&props, ctx));
            }
            Meta::Tokens(types) => {
                query.insert("tokens".into(), tokens(&types, ctx));
            }
            Meta::FileRepoInfo(params) => {
                query.insert("repos".into(), filerepoinfo::execute(&params, ctx));
            }
        }
    }
    if !query.is_empty() {
        ctx.output.add("query", Value::Object(query));
    }
    if !limits.is_empty() {
        ctx.output.add("limits", Value::Object(limits));
    }
    if let Some(next) = &generator_next {
        pending.insert("gtlcontinue".into(), next.clone().into());
    }
    if !pending.is_empty() {
        // The page set's part is "-" once its pages are done (with a
        // generator: its continue parameter), then the modules done so far.
        let finished: Vec<&str> = params
            .modules
            .iter()
            .copied()
            .filter(|m| !unfinished.contains(m))
            .collect();
        let value = match (&generator_next, pages_unfinished) {
            // The next batch of generated pages runs every module afresh.
            (Some(_), false) => "gtlcontinue||".to_owned(),
            (_, true) => format!("||{}", finished.join("|")),
            (None, false) => format!("-||{}", finished.join("|")),
        };
        pending.insert("continue".into(), value.into());
        ctx.output.add_on_top("continue", Value::Object(pending));
    }
    if !pages_unfinished && let Some(flag) = ctx.output.flag(true) {
        ctx.output.add_on_top("batchcomplete", flag);
    }
    Ok(())
}

/// `meta=tokens`: one fresh token per requested type.
fn tokens(types: &[&str], ctx: &mut Ctx<'_>) -> Value {
    let mut tokens = Map::new();
    if !ctx.same_origin {
        ctx.output.warn(
            TOKENS.path,
            "tokens-origin",
            Message::new(
                "apiwarn-tokens-origin",
                vec![],
                "Tokens may not be obtained when the same-origin policy is not applied.".into(),
            ),
        );
        return Value::Object(tokens);
    }
    let anonymous = ctx.identity.is_anonymous();
    for name in types {
        if let Some(ty) = TokenType::from_name(name) {
            let token = ctx.session.token(ty, anonymous, ctx.now);
            tokens.insert(format!("{name}token"), token.into());
        }
    }
    Value::Object(tokens)
}

/// `meta=userinfo`: who the request acts as.
fn userinfo(props: &[&str], ctx: &mut Ctx<'_>) -> Value {
    let identity = &ctx.identity;
    let output = &ctx.output;
    let mut info = Map::new();
    match &identity.user {
        Some(user) => {
            info.insert("id".into(), user.id.into());
            info.insert("name".into(), user.name.clone().into());
        }
        None => {
            info.insert("id".into(), 0.into());
            info.insert("name".into(), ctx.client_ip.to_string().into());
            output.set_flag(&mut info, "anon", true);
        }
    }
    let wants = |prop: &str| props.contains(&prop);
    if wants("hasmsg") {
        output.set_flag(&mut info, "messages", false);
    }
    if wants("groups") {
        info.insert("groups".into(), identity.groups.clone().into());
    }
    if wants("groupmemberships") {
        let implicit = identity.implicit_groups();
        let explicit: Vec<Value> = identity
            .groups
            .iter()
            .filter(|g| !implicit.contains(&g.as_str()))
            .map(|g| serde_json::json!({"group": g, "expiry": "infinity"}))
            .collect();
        info.insert("groupmemberships".into(), explicit.into());
    }
    if wants("implicitgroups") {
        info.insert(
            "implicitgroups".into(),
            identity.implicit_groups().to_vec().into(),
        );
    }
    if wants("rights") {
        info.insert("rights".into(), identity.rights.clone().into());
    }
    if wants("changeablegroups") {
        let all: Vec<&str> = if identity.has_right("userrights") {
            ctx.app.accounts.policy().assignable_groups().collect()
        } else {
            Vec::new()
        };
        info.insert(
            "changeablegroups".into(),
            serde_json::json!({"add": all, "remove": all, "add-self": [], "remove-self": []}),
        );
    }
    if wants("options") {
        info.insert("options".into(), Value::Object(Map::new()));
    }
    if wants("editcount") && identity.user.is_some() {
        info.insert("editcount".into(), 0.into());
    }
    // wikiupload has no rate limits; an empty object says so.
    if wants("ratelimits") {
        info.insert("ratelimits".into(), Value::Object(Map::new()));
    }
    if wants("email") && identity.user.is_some() {
        info.insert("email".into(), "".into());
    }
    if wants("realname") && identity.user.is_some() {
        info.insert("realname".into(), "".into());
    }
    if wants("registrationdate") && identity.user.is_some() {
        let registered = ctx.identity.registered_at.map(iso_timestamp);
        info.insert("registrationdate".into(), registered.into());
    }
    if wants("centralids") {
        let id = identity.user.as_ref().map_or(0, |u| u.id);
        info.insert("centralids".into(), serde_json::json!({"local": id}));
        info.insert(
            "attachedlocal".into(),
            serde_json::json!({"local": identity.user.is_some()}),
        );
    }
    if wants("cancreateaccount") {
        output.set_flag(&mut info, "cancreateaccount", false);
    }
    if wants("unreadcount") {
        info.insert("unreadcount".into(), 0.into());
    }
    Value::Object(info)
}
